// The door desk's service worker: keeps the desk's page and its assets so the desk reloads
// without network (browsers run service workers only in a secure context: https or
// localhost). The page comes from the network when it answers within 2 s, else from the
// cache; the assets from the cache first. Nothing else is cached: scans, syncs and uploads
// always go to the server (the page keeps its own queue).
"use strict";
const DESK = {{ desk|tojson }};
const ASSETS = {{ assets|tojson }};
const CACHE = "door:" + DESK;
const PAGE_TIMEOUT_MS = 2000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll([DESK, ...ASSETS]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const answer = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), PAGE_TIMEOUT_MS)),
    ]);
    if (answer.ok && !answer.redirected) await cache.put(DESK, answer.clone());
    return answer;
  } catch (error) {
    const kept = await cache.match(DESK);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === DESK && !url.search) {
    event.respondWith(page(event.request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
  }
});
