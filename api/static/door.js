// The door desk: sends scans (each with its own nonce), shows the result card, keeps a
// retry queue of scans that did not reach the server, plays optional sounds.
// The server answers a resent nonce with the first scan, so a resend never counts twice.
// When a request fails or takes over 2 s the desk goes offline by itself (a banner says
// so): an entry desk then decides scans from its copy of the list (door-offline.js) and
// queues them with nonce, scan time and device; the sync that runs every few seconds
// brings it back online, and the queue is uploaded.
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
  const banner = document.getElementById("offline-banner");
  const QUEUE_KEY = "door-queue:" + root.dataset.event;
  const OFFLINE_KEY = `door-offline-queue:${root.dataset.event}`;
  const copy = new DoorOffline.ListCopy(`door-list:${root.dataset.event}:${root.dataset.list}`);
  const CLEAR_AFTER_MS = 15000;
  const RETRY_EVERY_MS = 3000;
  const TIMEOUT_MS = 2000;
  let offline = false;
  let syncing = false;
  let clearTimer = null;
  let flushing = false;
  let audio = null;

  function newNonce() {  // crypto.randomUUID needs a secure context; a LAN laptop may not be
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function request(url, options = {}) {  // fails after TIMEOUT_MS: the desk goes offline
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      return await fetch(url, { credentials: "same-origin", ...options, signal: abort.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  function loadOffline() {
    try { return JSON.parse(localStorage.getItem(OFFLINE_KEY)) || []; } catch { return []; }
  }

  function showBanner() {
    const waiting = loadOffline().length;
    banner.hidden = !offline && waiting === 0;
    const synced = copy.syncedAt ? new Date(copy.syncedAt).toLocaleTimeString() : "never";
    banner.textContent = offline
      ? `Offline: this desk decides from its copy of the list (synced ${synced}). ` +
        `${waiting} scan${waiting === 1 ? "" : "s"} to upload.`
      : `Back online: uploading ${waiting} scan${waiting === 1 ? "" : "s"}.`;
    root.dataset.offline = String(offline);
  }

  function setOffline(value) {
    offline = value;
    showBanner();
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
      response = await request(item.url, {
        method: "POST", body: new URLSearchParams(item.fields),
        headers: { "X-CSRFToken": csrf, "X-Fragment": "1" },
      });
    } catch {
      setOffline(true);
      return false;
    }
    if (response.status >= 500) return false;
    show(await response.text());
    return true;
  }

  function offlineCard(decision) {
    const labels = { ok: ["✓", "Checked in"], inside: ["!", "Already inside"], refused: ["✗", "Refused"] };
    const card = document.createElement("article");
    card.className = `card ${decision.outcome}`;
    card.dataset.outcome = decision.outcome;
    card.dataset.offline = "true";
    if (decision.reason) card.dataset.reason = decision.reason;
    const verdict = document.createElement("p");
    verdict.className = "verdict";
    const icon = document.createElement("span");
    icon.className = "icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = labels[decision.outcome][0];
    const label = document.createElement("strong");
    label.textContent = labels[decision.outcome][1];
    const note = document.createElement("small");
    note.textContent = " (decided offline)";
    verdict.append(icon, " ", label, note);
    card.append(verdict);
    if (decision.name) {
      const name = document.createElement("h2");
      name.className = "name";
      name.textContent = decision.name;
      const ticket = document.createElement("p");
      ticket.className = "ticket";
      ticket.textContent = decision.ticket;
      card.append(name, ticket);
    }
    if (decision.detail) {
      const reason = document.createElement("p");
      reason.className = "reason";
      reason.textContent = decision.detail;
      card.append(reason);
    }
    return card;
  }

  // `nonce`: a scan sent online whose answer never came keeps its nonce, so the server
  // counts it once whichever of the two arrives
  function decideHere(code, nonce = newNonce()) {
    const decision = copy.decide(code);
    if (decision.outcome !== "refused") {
      const scan = { attendee: decision.id, nonce,
        "scanned-at": new Date().toISOString(), "device-name": root.dataset.device };
      localStorage.setItem(OFFLINE_KEY, JSON.stringify([...loadOffline(), scan]));
      copy.admitted(decision.id);
      copy.save();
    }
    result.replaceChildren(offlineCard(decision));
    sound(decision.outcome);
    clearTimeout(clearTimer);
    clearTimer = setTimeout(() => { result.innerHTML = ""; }, CLEAR_AFTER_MS);
    showBanner();
  }

  async function submit(url, fields) {
    const entryScan = fields.code !== undefined && root.dataset.mode === "entry" && copy.ready;
    if (offline && entryScan) { decideHere(fields.code); return; }
    const item = { url, fields: { ...fields, nonce: newNonce() } };
    if (await send(item)) return;
    if (entryScan) { decideHere(fields.code, item.fields.nonce); return; }
    saveQueue([...loadQueue(), item]);
    sound("refused");
  }

  async function upload() {
    const scans = loadOffline();
    if (!scans.length) return;
    const response = await request(root.dataset.uploadUrl, {
      method: "POST", body: JSON.stringify({ scans }),
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
    });
    if (!response.ok) return;
    const sent = new Set(scans.map((s) => s.nonce));  // scans queued meanwhile stay
    localStorage.setItem(OFFLINE_KEY, JSON.stringify(loadOffline().filter((s) => !sent.has(s.nonce))));
    document.body.dispatchEvent(new Event("door:uploaded"));
  }

  // the copy of the list, brought up to date; a failure or a slow answer means offline
  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      for (;;) {
        const since = copy.cursor ? `?since=${encodeURIComponent(copy.cursor)}` : "";
        const response = await request(root.dataset.syncUrl + since);
        if (!response.ok) throw new Error(`sync answered ${response.status}`);
        const meta = await response.json();
        copy.apply(meta);
        if (!meta.more) break;
      }
      copy.save();
      root.dataset.synced = copy.syncedAt;
      setOffline(false);
      await upload();
      showBanner();
    } catch {
      setOffline(true);
    } finally {
      syncing = false;
    }
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
  window.addEventListener("online", () => { sync(); flush(); });
  window.addEventListener("offline", () => setOffline(true));
  setInterval(() => { sync(); if (!offline) flush(); }, RETRY_EVERY_MS);
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.dataset.workerUrl, { scope: root.dataset.scope })
      .catch((error) => console.warn("no offline reload:", error));  // still decides offline
    navigator.serviceWorker.ready.then(() => { root.dataset.cached = "true"; });
  }
  saveQueue(loadQueue());
  showBanner();
  sync();
  flush();
})();
