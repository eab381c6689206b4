// The door desk: sends scans (each with its own nonce), shows the result card, keeps a
// retry queue of scans that did not reach the server, plays optional sounds.
// The server answers a resent nonce with the first scan, so a resend never counts twice.
(() => {
  "use strict";
  const root = document.querySelector("[data-door]");
  if (!root) return;
  const input = document.getElementById("scan-input");
  const form = document.getElementById("scan-form");
  const result = document.getElementById("result");
  const matches = document.getElementById("search-results");
  const queueNote = document.getElementById("queue");
  const soundButton = document.getElementById("sounds");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const QUEUE_KEY = "door-queue:" + root.dataset.event;
  const CLEAR_AFTER_MS = 15000;
  const RETRY_EVERY_MS = 3000;
  let clearTimer = null;
  let flushing = false;
  let audio = null;

  function newNonce() {  // crypto.randomUUID needs a secure context; a LAN laptop may not be
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch { return []; }
  }

  function saveQueue(queue) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    queueNote.hidden = queue.length === 0;
    queueNote.textContent = queue.length === 1 ? "1 scan waiting to be resent"
      : `${queue.length} scans waiting to be resent`;
  }

  function localTimes(el) {
    el.querySelectorAll("time[datetime]").forEach((t) => {
      t.textContent = new Date(t.dateTime).toLocaleTimeString();
    });
  }

  function beep(freq, seconds, delay = 0) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    const start = audio.currentTime + delay;
    osc.start(start);
    osc.stop(start + seconds);
  }

  function sound(outcome) {
    if (!audio) return;
    if (outcome === "ok" || outcome === "out") beep(880, 0.12);
    else if (outcome === "inside") { beep(660, 0.12); beep(660, 0.12, 0.18); }
    else { beep(220, 0.25); beep(180, 0.3, 0.3); }
  }

  function show(html) {
    result.innerHTML = html;
    localTimes(result);
    const card = result.querySelector("[data-outcome]");
    sound(card ? card.dataset.outcome : "refused");
    clearTimeout(clearTimer);
    clearTimer = setTimeout(() => { result.innerHTML = ""; }, CLEAR_AFTER_MS);
    document.body.dispatchEvent(new Event("door:scanned"));
  }

  // true when the server answered (a card, or a refusal); false when it should be resent
  async function send(item) {
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST", body: new URLSearchParams(item.fields), credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "X-Fragment": "1" },
      });
    } catch {
      return false;
    }
    if (response.status >= 500) return false;
    show(await response.text());
    return true;
  }

  async function submit(url, fields) {
    const item = { url, fields: { ...fields, nonce: newNonce() } };
    if (await send(item)) return;
    saveQueue([...loadQueue(), item]);
    sound("refused");
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      while (loadQueue().length) {
        if (!(await send(loadQueue()[0]))) break;
        saveQueue(loadQueue().slice(1));  // submit() only appends: the head is what was sent
      }
    } finally {
      flushing = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    matches.innerHTML = "";
    if (code) submit(root.dataset.scanUrl, { code });
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-post]");
    if (!button) return;
    event.preventDefault();
    input.value = "";
    matches.innerHTML = "";
    submit(button.dataset.post, {});
    input.focus();
  });

  soundButton.addEventListener("click", () => {
    audio = audio ? null : new AudioContext();  // browsers allow sound after a click only
    soundButton.setAttribute("aria-pressed", String(Boolean(audio)));
    soundButton.textContent = audio ? "Sounds on" : "Sounds off";
    if (audio) beep(880, 0.08);
    input.focus();
  });

  document.body.addEventListener("htmx:afterSwap", (event) => localTimes(event.target));
  window.addEventListener("online", flush);
  setInterval(flush, RETRY_EVERY_MS);
  saveQueue(loadQueue());
  flush();
})();
