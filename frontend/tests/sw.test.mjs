// The caching rules of ../sw.js, run in plain node (`node --test frontend/tests/`; no npm, no packages) against a
// fake server, Cache API and event loop: which requests it answers, from where, what it saves, marks and deletes.
// tests/tests/dashboard_offline_shell.rs runs this when node is installed; its real test is that file's Chromium run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const SOURCE = readFileSync(new URL('../sw.js', import.meta.url), 'utf8');
const ORIGIN = 'http://127.0.0.1:5001';

// As trunk writes it: the loader script, a preload link for every build file (wasm-bindgen's snippets included).
const page = (b) =>
  `<!DOCTYPE html><html><head><link rel="stylesheet" href="/${b.css}">` +
  `<script type="module" nonce="n1">import init from '/${b.js}'; init({module_or_path: '/${b.wasm}'});</script>` +
  `<link rel="modulepreload" href="/${b.js}"><link rel="modulepreload" href="/${b.snippet}">` +
  `<link rel="preload" href="/${b.wasm}" as="fetch" type="application/wasm"></head><body></body></html>`;
const BUILD_1 = {
  js: 'frontend-0123456789abcdef.js',
  wasm: 'frontend-0123456789abcdef_bg.wasm',
  css: 'style-00aa11bb.css',
  snippet: 'snippets/frontend-1111111111111111/inline0.js',
};
const BUILD_2 = {
  js: 'frontend-fedcba9876543210.js',
  wasm: 'frontend-fedcba9876543210_bg.wasm',
  css: 'style-cc22dd33.css',
  snippet: 'snippets/frontend-2222222222222222/inline0.js',
};
const FILES = ['js', 'wasm', 'css', 'snippet'];

/** A web server holding `build`'s files, and sw.js running against it. */
function setUp(build) {
  const server = { up: true, files: {}, requests: [] };
  const deploy = (b) => {
    server.files = {
      '/index.html': { body: page(b), type: 'text/html' },
      '/config.json': { body: '{"brokers":[]}', type: 'application/json' },
      [`/${b.js}`]: { body: `js ${b.js}`, type: 'application/javascript' },
      [`/${b.wasm}`]: { body: `wasm ${b.wasm}`, type: 'application/wasm' },
      [`/${b.css}`]: { body: `css ${b.css}`, type: 'text/css' },
      [`/${b.snippet}`]: { body: `snippet ${b.snippet}`, type: 'application/javascript' },
    };
  };
  deploy(build);
  async function fetch(input) {
    const url = typeof input === 'string' ? input : input.url;
    server.requests.push(new URL(url).pathname);
    if (!server.up) throw new TypeError('Failed to fetch');
    const path = new URL(url).pathname;
    const file = server.files[path === '/' ? '/index.html' : path];
    const response = file
      ? new Response(file.body, { status: 200, headers: { 'content-type': file.type, 'content-security-policy': "script-src 'nonce-n1'" } })
      : new Response('gone', { status: server.status ?? 404 });
    Object.defineProperty(response, 'type', { value: 'basic' });
    return response;
  }
  const stores = new Map();
  const keyOf = (k) => (typeof k === 'string' ? k : k.url);
  const caches = {
    async open(name) {
      if (!stores.has(name)) stores.set(name, new Map());
      const store = stores.get(name);
      return {
        match: async (k) => store.get(keyOf(k))?.clone(),
        put: async (k, response) => void store.set(keyOf(k), response),
        keys: async () => [...store.keys()].map((url) => ({ url })),
        delete: async (k) => store.delete(keyOf(k)),
      };
    },
    keys: async () => [...stores.keys()],
    delete: async (name) => stores.delete(name),
  };
  const listeners = {};
  const self = {
    registration: { scope: `${ORIGIN}/` },
    location: { href: `${ORIGIN}/sw.js` },
    addEventListener: (type, listener) => void (listeners[type] = listener),
    skipWaiting: () => Promise.resolve(),
    clients: { claim: async () => {} },
  };
  vm.runInNewContext(SOURCE, { self, caches, fetch, URL, Headers, Response, console });

  const lifecycle = async (type) => {
    const waits = [];
    listeners[type]({ waitUntil: (p) => waits.push(p) });
    await Promise.all(waits);
  };
  /** A request from the page: the worker's answer (undefined if it leaves it to the browser). */
  async function get(path, { mode = 'cors', method = 'GET', origin = ORIGIN } = {}) {
    const waits = [];
    let answer;
    const request = { url: origin + path, mode, method };
    listeners.fetch({ request, respondWith: (p) => (answer = p), waitUntil: (p) => waits.push(p) });
    const response = answer && (await answer);
    await Promise.all(waits);
    return response;
  }
  const cached = () => [...(stores.get('dashboard-shell-v1') ?? new Map()).keys()].map((u) => new URL(u).pathname).sort();
  return { server, deploy, lifecycle, get, cached, stores };
}

const saved = (build) => ['/', '/config.json', ...FILES.map((f) => `/${build[f]}`)].sort();

test('installing saves the page, config.json and every build file the page names', async () => {
  const sw = setUp(BUILD_1);
  await sw.lifecycle('install');
  await sw.lifecycle('activate');
  assert.deepEqual(sw.cached(), saved(BUILD_1));
});

test('with the server down the saved page, config and assets are served, the page and config marked', async () => {
  const sw = setUp(BUILD_1);
  await sw.lifecycle('install');
  sw.server.up = false;
  for (const path of ['/', '/index.html', '/?x=1']) {
    const html = await sw.get(path, { mode: 'navigate' });
    assert.equal(html.headers.get('x-served-from'), 'cache', path);
    const body = await html.text();
    assert.ok(body.startsWith('<!DOCTYPE html><html><head><meta name="served-from" content="cache">'), body);
    // The loader's nonce and the CSP it belongs to are the saved response's, unchanged.
    assert.ok(body.includes('nonce="n1"') && html.headers.get('content-security-policy').includes('nonce-n1'));
  }
  const config = await sw.get('/config.json');
  assert.equal(config.headers.get('x-served-from'), 'cache');
  assert.equal(await config.text(), '{"brokers":[]}');
  const wasm = await sw.get(`/${BUILD_1.wasm}`);
  assert.equal(await wasm.text(), `wasm ${BUILD_1.wasm}`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(await (await sw.get(`/${BUILD_1.snippet}`)).text(), `snippet ${BUILD_1.snippet}`);
});

test('the server answers first; hashed files come from the cache without asking it', async () => {
  const sw = setUp(BUILD_1);
  await sw.lifecycle('install');
  sw.server.requests.length = 0;
  const html = await sw.get('/', { mode: 'navigate' });
  assert.equal(html.headers.get('x-served-from'), null);
  assert.ok(!(await html.text()).includes('served-from'));
  assert.equal((await sw.get('/config.json')).headers.get('x-served-from'), null);
  await sw.get(`/${BUILD_1.js}`);
  await sw.get(`/${BUILD_1.wasm}`);
  // A file without a content hash may change under its name: asked for like the page.
  sw.server.files[`/${BUILD_1.snippet}`].body = 'changed';
  assert.equal(await (await sw.get(`/${BUILD_1.snippet}`)).text(), 'changed');
  assert.deepEqual(sw.server.requests, ['/', '/config.json', `/${BUILD_1.snippet}`]);
});

test('a new deploy runs on the next load and replaces the old build in the cache', async () => {
  const sw = setUp(BUILD_1);
  await sw.lifecycle('install');
  sw.deploy(BUILD_2);
  const html = await (await sw.get('/', { mode: 'navigate' })).text();
  assert.ok(html.includes(BUILD_2.wasm));
  assert.deepEqual(sw.cached(), ['/', '/config.json']);
  for (const file of FILES.map((f) => BUILD_2[f])) {
    assert.equal(await (await sw.get(`/${file}`)).text(), sw.server.files[`/${file}`].body);
  }
  assert.deepEqual(sw.cached(), saved(BUILD_2));
  sw.server.up = false;
  assert.ok((await (await sw.get('/', { mode: 'navigate' })).text()).includes(BUILD_2.wasm));
});

test('errors are never saved, and a failing server (5xx) gets the saved copy', async () => {
  const sw = setUp(BUILD_1);
  await sw.lifecycle('install');
  delete sw.server.files['/config.json'];
  sw.server.status = 503;
  const config = await sw.get('/config.json');
  assert.equal(config.headers.get('x-served-from'), 'cache');
  sw.server.status = 404;
  assert.equal((await sw.get('/config.json')).status, 404, 'a 404 is an answer, passed on');
  assert.ok(sw.cached().includes('/config.json'), 'and not saved over the good copy');
  assert.equal((await sw.get('/missing-0123456789abcdef.js')).status, 404);
  assert.ok(!sw.cached().includes('/missing-0123456789abcdef.js'));
});

test('other methods, other origins, other files and other navigations are left to the browser', async () => {
  const sw = setUp(BUILD_1);
  await sw.lifecycle('install');
  assert.equal(await sw.get('/config.json', { method: 'POST' }), undefined);
  assert.equal(await sw.get(`/${BUILD_1.js}`, { origin: 'http://example.com' }), undefined);
  assert.equal(await sw.get('/sw.js'), undefined);
  assert.equal(await sw.get('/logo.png'), undefined);
  assert.equal(await sw.get('/elsewhere.html', { mode: 'navigate' }), undefined);
  assert.equal(await sw.get('/index.html'), undefined, 'the page only as a navigation');
});

test('activating drops older caches of this worker, and only those', async () => {
  const sw = setUp(BUILD_1);
  sw.stores.set('dashboard-shell-v0', new Map());
  sw.stores.set('someone-else', new Map());
  await sw.lifecycle('install');
  await sw.lifecycle('activate');
  assert.deepEqual([...sw.stores.keys()].sort(), ['dashboard-shell-v1', 'someone-else']);
});
