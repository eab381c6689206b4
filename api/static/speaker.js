// The remote's progress bars move by themselves between the card's refreshes: each bar
// carries the position the server extrapolated when it rendered it; this adds the time
// since then while the song plays, never past its duration.
(function () {
  "use strict";
  var stamped = new WeakMap();
  function tick() {
    var now = performance.now();
    document.querySelectorAll("progress[data-field=progress]").forEach(function (bar) {
      if (!stamped.has(bar)) { stamped.set(bar, now); }
      var position = Number(bar.dataset.position), duration = Number(bar.dataset.duration);
      if (bar.dataset.playing === "true") { position += now - stamped.get(bar); }
      bar.value = duration > 0 ? Math.min(position, duration) : 0;
    });
  }
  setInterval(tick, 250);
  document.addEventListener("htmx:afterSwap", tick);
})();
