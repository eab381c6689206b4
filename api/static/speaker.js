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

// A card's refresh must not swap it while the owner holds one of its sliders (the drag
// would end on a slider no longer there), and only then: a slider keeping the focus
// after a seek does not stop the refreshes. The page allows htmx no eval (no trigger
// filter), so a refresh answered meanwhile is dropped here; the next one shows the card.
(function () {
  "use strict";
  var held = null;
  function release() { held = null; }
  document.addEventListener("pointerdown", function (event) {
    var target = event.target;
    held = target instanceof Element && target.matches("input[type=range]") ? target : null;
  }, true);
  ["pointerup", "pointercancel", "change", "blur"].forEach(function (name) {
    document.addEventListener(name, release, true);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (held !== null && detail.elt.hasAttribute("hx-get") && detail.target.contains(held)) {
      detail.shouldSwap = false;  // a poll of the card under the finger
    }
  });
})();
