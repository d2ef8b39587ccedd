// The store's JavaScript (`put_blocks` and `expand`, inline in ../src/storage.rs), run in plain node
// (`node --test frontend/tests/`; no npm, no packages) against a fake IndexedDB object store: how readings become
// blocks, how a block already stored is merged (each `seq` once, the stored reading kept), when the transaction
// commits, and how blocks come back as readings. tests/tests/dashboard_history.rs runs this when node is installed;
// the real store is exercised there in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** The inline JavaScript of storage.rs, as wasm-bindgen writes it out (a Rust string literal, unescaped). */
function storeModule() {
  const rust = readFileSync(new URL('../src/storage.rs', import.meta.url), 'utf8');
  const found = rust.match(/inline_js = "([\s\S]*?)"\)\]/);
  assert.ok(found, 'storage.rs holds an inline_js block');
  const js = found[1].replace(/\\(["\\])/g, '$1');
  return import('data:text/javascript,' + encodeURIComponent(js));
}

const { put_blocks: putBlocks, expand } = await storeModule();

/** An object store keyed by [s, o, k] whose requests answer when `settle` runs them, as IndexedDB's do later. */
function fakeStore(rows = []) {
  const data = new Map(rows.map((r) => [JSON.stringify([r.s, r.o, r.k]), structuredClone(r)]));
  const pending = [];
  const store = {
    data,
    puts: 0,
    commits: 0,
    transaction: null,
    get(key) {
      const request = { result: undefined, onsuccess: null };
      pending.push(() => {
        const row = data.get(JSON.stringify(key));
        request.result = row === undefined ? undefined : structuredClone(row);
        request.onsuccess && request.onsuccess();
      });
      return request;
    },
    put(row) {
      assert.equal(store.commits, 0, 'no put after commit');
      store.puts += 1;
      data.set(JSON.stringify([row.s, row.o, row.k]), structuredClone(row));
    },
  };
  // Committing completes the transaction, as IndexedDB does once its requests are done.
  let done = [];
  store.transaction = {
    commit: () => {
      store.commits += 1;
      done.splice(0).forEach((f) => f());
    },
    addEventListener: (name, f) => name === 'complete' && done.push(f),
  };
  store.settle = () => {
    while (pending.length) pending.shift()();
  };
  return store;
}

/** `archive::readings_json`'s shape: [sensor, boot, key seq, at ms, value, unit|null, broker, has seq]. */
const reading = (s, q, t, v, b = 'primary', o = 'b1', u = '°C', n = 1) => [s, o, q, t, v, u, b, n];
/** One batch in its own transaction (commits counts that transaction's). */
const write = (store, readings) => {
  store.commits = 0;
  putBlocks(store, JSON.stringify(readings), 64);
  store.settle();
};
const all = (store) => expand([...store.data.values()], -Infinity, Infinity);

test('readings of one sensor and boot go into blocks of 64 seq, one put per block, then one commit', () => {
  const store = fakeStore();
  write(store, [reading('temp', 1, 1000, 20.5), reading('temp', 63, 1100, 21), reading('temp', 64, 1200, 22)]);
  assert.equal(store.puts, 2);
  assert.equal(store.commits, 1);
  const first = store.data.get(JSON.stringify(['temp', 'b1', 0]));
  assert.deepEqual([...first.d], [1, 1000, 20.5, 63, 1100, 21]);
  assert.equal(first.t, 1000);
  assert.equal(first.e, 1100);
  assert.equal(first.u, '°C');
  assert.deepEqual(all(store).map((r) => r.q), [1, 63, 64]);
});

test('an empty batch still commits, so the cards written with it are stored', () => {
  const store = fakeStore();
  write(store, []);
  assert.equal(store.puts, 0);
  assert.equal(store.commits, 1);
});

test('a block already stored is merged: each seq once, the stored reading kept, nothing lost', () => {
  const store = fakeStore();
  write(store, [reading('temp', 1, 1000, 20), reading('temp', 2, 1100, 21, 'primary')]);
  // Another tab, a reload or a replay: seq 2 again (via the other broker), seq 3 new.
  write(store, [reading('temp', 2, 1150, 21, 'secondary'), reading('temp', 3, 1200, 22, 'secondary')]);
  const readings = all(store);
  assert.deepEqual(readings.map((r) => [r.q, r.t, r.b]), [[1, 1000, 'primary'], [2, 1100, 'primary'], [3, 1200, 'secondary']]);
  const block = store.data.get(JSON.stringify(['temp', 'b1', 0]));
  assert.deepEqual(block.bs, ['primary', 'secondary']);
  assert.equal(block.e, 1200);
});

test('the same seq twice in one batch is stored once', () => {
  const store = fakeStore();
  write(store, [reading('temp', 5, 1000, 1), reading('temp', 5, 1001, 1)]);
  assert.equal(all(store).length, 1);
});

test('boots and sensors are separate blocks; a reading without seq keeps has-seq false', () => {
  const store = fakeStore();
  write(store, [
    reading('temp', 1, 1000, 1, 'primary', 'b1'),
    reading('temp', 1, 1001, 2, 'primary', 'b2'),
    reading('volt', 1, 1002, 3, 'primary', 'b1', 'V'),
    reading('air', 1700000000123, 1700000000123, 4, 'primary', '', null, 0),
  ]);
  assert.equal(store.data.size, 4);
  const readings = all(store);
  assert.deepEqual(readings.map((r) => [r.s, r.o, r.n]), [
    ['temp', 'b1', true],
    ['temp', 'b2', true],
    ['volt', 'b1', true],
    ['air', '', false],
  ]);
  assert.equal(readings[2].u, 'V');
  assert.equal('u' in readings[3], true);
  assert.equal(readings[3].u, undefined);
});

test('expand returns the readings in the time range, oldest first, across blocks', () => {
  const store = fakeStore();
  write(store, [reading('a', 70, 3000, 1), reading('b', 1, 1000, 2), reading('a', 1, 2000, 3), reading('b', 2, 4000, 4)]);
  const rows = [...store.data.values()];
  assert.deepEqual(expand(rows, 1500, 3500).map((r) => r.t), [2000, 3000]);
  assert.deepEqual(expand(rows, -Infinity, Infinity).map((r) => r.t), [1000, 2000, 3000, 4000]);
});

test('a stored row this version cannot read is skipped when read and replaced when its block is written', () => {
  const store = fakeStore([{ s: 'temp', o: 'b1', k: 0, t: 1, e: 1, r: [[1, 1, 1, 'primary', 1]] }]);
  assert.deepEqual(all(store), []);
  write(store, [reading('temp', 2, 1000, 1)]);
  assert.deepEqual(all(store).map((r) => r.q), [2]);
  assert.equal(store.commits, 1);
});

test('a page going away writes its readings at once into rows of their own, which readers take once', () => {
  const store = fakeStore();
  write(store, [reading('temp', 1, 1000, 1), reading('temp', 2, 1100, 2)]);
  store.commits = 0;
  // `pagehide`: no read first (the page may be gone before its answer), all puts issued at once, then the commit.
  putBlocks(store, JSON.stringify([reading('temp', 2, 1100, 2), reading('temp', 3, 1200, 3)]), 64, true);
  assert.equal(store.commits, 1, 'committed without waiting for any request');
  assert.equal(store.data.size, 2, 'the stored block is not overwritten');
  const side = [...store.data.values()].find((r) => r.k !== 0);
  assert.ok(side.k > 0 && side.k < 1, 'a block number plus a fraction');
  assert.deepEqual(all(store).map((r) => r.q), [1, 2, 3], 'seq 2, in both rows, is read once');
});

test('a page going away writes again the readings of earlier writes not committed yet', () => {
  const store = fakeStore();
  const listeners = {};
  store.transaction = { commit: () => (store.commits += 1), addEventListener: (name, f) => (listeners[name] = f) };
  // A regular write whose reads are still out when the page goes away: nothing put yet.
  putBlocks(store, JSON.stringify([reading('temp', 1, 1000, 1)]), 64, false);
  assert.equal(store.puts, 0);
  store.commits = 0;
  putBlocks(store, JSON.stringify([reading('temp', 2, 1100, 2)]), 64, true);
  assert.equal(store.commits, 1);
  assert.deepEqual(all(store).map((r) => r.q), [1, 2], 'seq 1 is written by the leaving page too');
  // Once a write has committed, a later leaving write does not repeat it.
  listeners.complete();
  const again = fakeStore();
  putBlocks(again, JSON.stringify([reading('temp', 3, 1200, 3)]), 64, true);
  assert.deepEqual(all(again).map((r) => r.q), [3]);
});
