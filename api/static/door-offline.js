// The desk's offline mind: a copy of its check-in list (salted hashes of the codes, never
// the codes; synced by cursor, kept in localStorage so a reload finds it) and the list's
// rules, deciding a scan in the same order as models/ticketing/checkin/rules.py.
// SHA-256 is computed here: crypto.subtle exists only in secure contexts, and a laptop
// on the venue's LAN may serve the desk over plain http.
(() => {
  "use strict";
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256hex(text) {
    const bytes = new TextEncoder().encode(text);
    const length = ((bytes.length + 9 + 63) >> 6) << 6;
    const data = new Uint8Array(length);
    data.set(bytes);
    data[bytes.length] = 0x80;
    const view = new DataView(data.buffer);
    view.setUint32(length - 4, bytes.length * 8);
    view.setUint32(length - 8, Math.floor(bytes.length / 0x20000000));
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
  }

  const HASH_CHARS = 32;  // models/ticketing/checkin/sync.py
  const DETAILS = {
    attendee_cancelled: "The attendee's order was cancelled",
    wrong_list: (r) => `This list does not admit ${r.ticket} tickets`,
    order_not_completed: (r) => `The attendee's order is ${r.state}, not completed`,
    not_yet: "This list does not admit yet",
    too_late: "This list no longer admits",
    already_inside: "Already came in: this list admits once",
    unknown_code: "No ticket of this event has this code",
  };

  class ListCopy {
    constructor(key) {
      this.key = key;
      const kept = (() => { try { return JSON.parse(localStorage.getItem(key)); } catch { return null; } })();
      Object.assign(this, { salt: null, cursor: null, list: null, tickets: {}, rows: {},
        syncedAt: null }, kept || {});
      this.index();
    }

    index() {  // hash -> attendee id
      this.byHash = new Map();
      for (const [id, row] of Object.entries(this.rows)) {
        this.byHash.set(row[0], id);
        this.byHash.set(row[1], id);
      }
    }

    apply(meta) {
      if (meta.reset) { this.rows = {}; this.tickets = {}; }
      this.salt = meta.salt;
      this.list = meta.list.attributes;
      Object.assign(this.tickets, meta.tickets);
      for (const [id, secretHash, codeHash, name, ticket, state] of meta.attendees) {
        const old = this.rows[id];
        const entered = old ? old[5] || state === "inside" || state === "out"
          : state === "inside" || state === "out";
        this.rows[id] = [secretHash, codeHash, name, ticket, state, entered];
      }
      this.cursor = meta.cursor;
      this.syncedAt = new Date().toISOString();
      this.index();
    }

    save() {
      const { salt, cursor, list, tickets, rows, syncedAt } = this;
      localStorage.setItem(this.key, JSON.stringify({ salt, cursor, list, tickets, rows, syncedAt }));
    }

    get ready() { return Boolean(this.salt); }

    find(code) {
      const id = this.byHash.get(sha256hex(`${this.salt}:${code}`).slice(0, HASH_CHARS));
      return id === undefined ? null : { id: Number(id), row: this.rows[id] };
    }

    // {outcome: ok | inside | refused, reason, detail, name, ticket} for an entry now
    decide(code, now = new Date()) {
      const found = this.find(code);
      if (!found) return { outcome: "refused", reason: "unknown_code", detail: DETAILS.unknown_code };
      const [, , name, ticketId, state, entered] = found.row;
      const rules = this.list || {};
      const ticket = this.tickets[ticketId] || "?";
      const card = { id: found.id, name, ticket };
      const refuse = (reason) => {
        const d = DETAILS[reason];
        return { ...card, outcome: "refused", reason,
          detail: typeof d === "function" ? d({ ticket, state }) : d };
      };
      if (state === "cancelled") return refuse("attendee_cancelled");
      const ids = rules["ticket-ids"];
      if (ids && !ids.includes(ticketId)) return refuse("wrong_list");
      const unpaidOk = rules["admits-pending"] && (state === "pending" || state === "placed");
      if (!["new", "inside", "out"].includes(state) && !unpaidOk) return refuse("order_not_completed");
      if (rules["valid-from"] && now < new Date(rules["valid-from"])) return refuse("not_yet");
      if (rules["valid-until"] && now > new Date(rules["valid-until"])) return refuse("too_late");
      const inside = state === "inside";
      if (entered && !rules["allow-re-entry"] && (inside || !rules["entry-after-exit"])) {
        return refuse("already_inside");
      }
      return { ...card, outcome: inside ? "inside" : "ok" };
    }

    admitted(id) {  // what this desk now knows of the ticket
      const row = this.rows[id];
      row[4] = "inside";
      row[5] = true;
    }
  }

  window.DoorOffline = { ListCopy, sha256hex };
})();
