'use strict';

const CACHE = 'dashboard-shell-v1';
const CACHE_PREFIX = 'dashboard-shell-';
const BUILD_FILE = /\.(?:wasm|js|css)$/i;
const HASHED = /-[0-9a-f]{8,16}(?:_bg)?\.(?:wasm|js|css)$/i;
const BUILD_REF = /["']([^"'\s<>]+\.(?:wasm|js|css))["']/gi;
const MARKER = 'x-served-from';
const META = '<meta name="served-from" content="cache">';

const scope = new URL(self.registration.scope);
const PAGE = scope.href;
const CONFIG = new URL('config.json', scope).href;
const WORKER = keyOf(self.location.href);

function keyOf(url) {
  const u = new URL(url);
  return u.origin + u.pathname;
}

function isBuildFile(key) {
  const url = new URL(key);
  return url.origin === scope.origin && url.pathname.startsWith(scope.pathname) && BUILD_FILE.test(url.pathname)
    && key !== WORKER;
}

function namedBuildFiles(html) {
  return new Set(Array.from(html.matchAll(BUILD_REF), (m) => keyOf(new URL(m[1], PAGE))).filter(isBuildFile));
}

function saveable(response) {
  return response.ok && response.type === 'basic' && !response.redirected;
}

self.addEventListener('install', (event) => {
  self.skipWaiting();
  event.waitUntil(
    saveShell().catch((error) => console.warn('offline shell: could not save the page yet:', error)),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const key = keyOf(url);
  if (key === CONFIG) {
    event.respondWith(networkFirst(event, CONFIG));
  } else if (request.mode === 'navigate' && (key === PAGE || key === PAGE + 'index.html')) {
    event.respondWith(networkFirst(event, PAGE));
  } else if (isBuildFile(key)) {
    event.respondWith(HASHED.test(url.pathname) ? cacheFirst(request, key) : networkFirst(event, key));
  }
});

async function saveShell() {
  const cache = await caches.open(CACHE);
  const page = await fetch(PAGE, { cache: 'no-cache' });
  if (!saveable(page)) throw new Error(`${PAGE}: HTTP ${page.status}`);
  const html = await page.clone().text();
  await cache.put(PAGE, page);
  const config = await fetch(CONFIG, { cache: 'no-cache' });
  if (saveable(config)) await cache.put(CONFIG, config);
  for (const file of namedBuildFiles(html)) {
    if (await cache.match(file, { ignoreVary: true })) continue;
    const response = await fetch(file, { cache: HASHED.test(file) ? 'default' : 'no-cache' });
    if (saveable(response)) await cache.put(file, response);
  }
}

async function networkFirst(event, key) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    const saved = await savedCopy(key);
    if (saved) return saved;
    throw error;
  }
  if (response.status >= 500) return (await savedCopy(key)) || response;
  if (saveable(response)) event.waitUntil(save(key, response.clone()));
  return response;
}

async function save(key, response) {
  const cache = await caches.open(CACHE);
  if (key !== PAGE) {
    await cache.put(key, response);
    return;
  }
  const html = await response.clone().text();
  await cache.put(key, response);
  const named = namedBuildFiles(html);
  for (const request of await cache.keys()) {
    const saved = keyOf(request.url);
    if (isBuildFile(saved) && !named.has(saved)) await cache.delete(request);
  }
}

async function savedCopy(key) {
  const cache = await caches.open(CACHE);
  const saved = await cache.match(key, { ignoreVary: true });
  if (!saved) return undefined;
  const headers = new Headers(saved.headers);
  headers.set(MARKER, 'cache');
  headers.delete('content-encoding');
  headers.delete('content-length');
  let body = saved.body;
  if (key === PAGE) {
    body = (await saved.text()).replace(/<head(\s[^>]*)?>/i, (head) => head + META);
  }
  return new Response(body, { status: saved.status, statusText: saved.statusText, headers });
}

async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const saved = await cache.match(key, { ignoreVary: true });
  if (saved) return saved;
  const response = await fetch(request);
  if (saveable(response)) await cache.put(key, response.clone());
  return response;
}
