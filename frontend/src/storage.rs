//! Shell: the browser's store of readings (IndexedDB database `sensor-history`), the only code that touches it.
//! Stores: `blocks` (the readings counted, one row per sensor, boot and block of `BLOCK_SEQS` sequence numbers,
//! merged by `seq` on every write, so writing a reading twice — from a replay, both brokers or two tabs — leaves
//! it stored once; a page going away writes rows of its own, and readers take each reading once), `buckets`
//! (older readings folded by `archive::fold`) and `sensors` (each card's saved counters, in a transaction of their
//! own that commits first). Every decision — what to store, fold and prune, how rows become charts and CSV — is in
//! `archive` and `dashboard`; this moves values in and out, once a second, never per message.

pub mod export;
pub mod keeper;
mod request;
mod rows;

use crate::archive::{self, Bucket, Record, Retention};
use crate::dashboard::{SavedSensor, StoreBatch};
pub use request::committed;
use request::{describe, done};
use std::cell::RefCell;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStoreParameters, IdbTransaction, IdbTransactionMode};

const DB_NAME: &str = "sensor-history";
/// Version 1 kept one row per reading (`readings`); version 2 drops those rows.
const DB_VERSION: u32 = 2;
const OLD_READINGS: &str = "readings";
const BLOCKS: &str = "blocks";
const BUCKETS: &str = "buckets";
const SENSORS: &str = "sensors";
/// Index on `[s, t]` (buckets): one sensor's rows in time order.
const BY_SENSOR_TIME: &str = "sensor_time";
/// Index on `t` (buckets): every sensor's rows in time order.
const BY_TIME: &str = "time";
/// Index on `[s, e]` (blocks): one sensor's blocks by their last reading's time.
const BY_SENSOR_END: &str = "sensor_end";
/// Index on `e` (blocks): every sensor's blocks by their last reading's time.
const BY_END: &str = "end";
/// Sequence numbers per stored block, as a JavaScript number.
const BLOCK_SEQS: f64 = archive::BLOCK_SEQS as f64;
/// Most blocks read back into the charts when the page loads (at most `BLOCK_SEQS` readings each; 500 sensors
/// at 5,000 msg/s fill it in about 40 s of the live window: then the charts start there).
pub const MAX_RESTORED: u32 = 6_000;
/// Most blocks folded in one maintenance transaction (about 50,000 readings).
const FOLD_PER_PASS: u32 = 1_600;
/// Batch write times remembered for the benchmark.
const WRITE_TIMES_KEPT: usize = 4_096;

/// Figures for the benchmark (`diagnostics::history_write_stats`).
#[derive(Default)]
pub struct WriteStats {
    pub batches: u64,
    pub records: u64,
    pub failures: u64,
    pub last_error: Option<String>,
    /// Most recent batch write times in ms (from the transaction's start to its commit).
    pub times_ms: Vec<f64>,
}

thread_local! {
    pub static STATS: RefCell<WriteStats> = RefCell::new(WriteStats::default());
}

// The one piece of the store in JavaScript. A batch of readings arrives as one JSON string
// (`archive::readings_json`) and is written as one row per block of `BLOCK_SEQS` consecutive sequence numbers of
// one sensor and boot (`blocks`, keyed `[s, o, k]`): each block is read, its readings merged by `seq` (one already
// stored stays as it is) and put back in the same transaction, which then commits. A block packs its readings
// into typed arrays — `d` (`seq`, time, value for each), `f` (broker index × 2 + has-seq), `bs` (the brokers'
// names) — which the browser copies in one piece. Readers get one object per reading back (`expand`), in time
// order. A batch crosses from wasm once, and (blocks being written when full: `Dashboard::take_due_for_store`)
// 5,000 readings a second become some 160 puts: one put per reading kept the browser's database busy on a core.
#[wasm_bindgen(inline_js = "const pending = new Set();
export function put_blocks(store, text, size, leaving) {
  const blocks = new Map(), tx = store.transaction;
  for (const [s, o, q, t, v, u, b, n] of JSON.parse(text)) {
    const k = Math.floor(q / size), id = JSON.stringify([s, o, k]);
    const blk = blocks.get(id) || { s, o, k, u, r: [] };
    blocks.set(id, blk);
    if (u !== null) blk.u = u;
    blk.r.push([q, t, v, b, n]);
  }
  const list = [...blocks.values()];
  if (leaving) for (const earlier of pending) list.push(...earlier);
  else {
    pending.add(list);
    tx.addEventListener('complete', () => pending.delete(list));
  }
  let left = list.length + 1;
  const commit = () => --left || tx.commit?.();
  const write = ({ s, o, k, u, r }, old) => {
    const m = old ? old.f.length : 0, have = new Set(), bs = old ? old.bs : [];
    for (let i = 0; i < m; i++) have.add(old.d[3 * i]);
    const add = r.filter(x => !have.has(x[0]) && have.add(x[0]));
    const d = new Float64Array(3 * (m + add.length)), f = new Uint8Array(m + add.length);
    let row = { s, o, k: leaving ? k + (1 + Math.random()) / 3 : k, t: Infinity, e: -Infinity, d, f, bs }, i = m;
    if (old) { d.set(old.d); f.set(old.f); row = { ...old, d, f }; }
    for (const [q, t, v, b, n] of add) {
      const j = bs.indexOf(b);
      d.set([q, t, v], 3 * i);
      f[i++] = 2 * (j < 0 ? bs.push(b) - 1 : j) + n;
      row.t = Math.min(row.t, t); row.e = Math.max(row.e, t);
    }
    if (u !== null) row.u = u;
    store.put(row);
    commit();
  };
  for (const blk of list) {
    if (leaving) write(blk, null);
    else {
      const got = store.get([blk.s, blk.o, blk.k]);
      got.onsuccess = () => write(blk, got.result?.f ? got.result : null);
    }
  }
  commit();
}
export function expand(rows, from, to) {
  const out = [], seen = new Set();
  for (const { s, o, u, d, f = [], bs } of rows)
    for (let i = 0; i < f.length; i++) {
      const t = d[3 * i + 1], q = d[3 * i], id = JSON.stringify([s, o, q]);
      if (t >= from && t <= to && !seen.has(id) && seen.add(id))
        out.push({ s, o, u, q, t, v: d[3 * i + 2], b: bs[f[i] >> 1], n: !!(f[i] & 1) });
    }
  return out.sort((x, y) => x.t - y.t);
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn put_blocks(store: &web_sys::IdbObjectStore, text: &str, size: f64, leaving: bool) -> Result<(), JsValue>;
    fn expand(rows: &JsValue, from: f64, to: f64) -> JsValue;
}

pub struct Store {
    db: IdbDatabase,
    pub retention: Retention,
}

fn key(parts: &[JsValue]) -> JsValue {
    parts.iter().collect::<js_sys::Array>().into()
}

fn names(list: &[&str]) -> JsValue {
    list.iter()
        .map(|n| JsValue::from_str(n))
        .collect::<js_sys::Array>()
        .into()
}

fn range(lower: JsValue, upper: JsValue) -> Result<IdbKeyRange, String> {
    IdbKeyRange::bound(&lower, &upper).map_err(|e| describe(&e))
}

impl Store {
    /// Opens (creating on first use) the database; why not, as one line.
    pub async fn open(retention: Retention) -> Result<Store, String> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()
            .map_err(|e| describe(&e))?
            .ok_or("this browser offers no IndexedDB")?;
        let open = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(|e| describe(&e))?;
        let upgrade = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new({
            let open = open.clone();
            move |_| {
                if let Ok(db) = open.result().map(wasm_bindgen::JsCast::unchecked_into::<IdbDatabase>) {
                    create_stores(&db);
                }
            }
        });
        open.set_onupgradeneeded(Some(wasm_bindgen::JsCast::unchecked_ref(upgrade.as_ref())));
        let db = done(&open).await;
        open.set_onupgradeneeded(None);
        drop(upgrade);
        let db: IdbDatabase = wasm_bindgen::JsCast::unchecked_into(db?);
        // Another tab opening a newer version: let it, this page keeps working without storing.
        let closing = db.clone();
        let on_version_change = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || closing.close());
        db.set_onversionchange(Some(wasm_bindgen::JsCast::unchecked_ref(on_version_change.as_ref())));
        on_version_change.forget();
        Ok(Store { db, retention })
    }

    fn transaction(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
        self.db
            .transaction_with_str_sequence_and_mode(&names(stores), mode)
            .map_err(|e| describe(&e))
    }

    /// Starts writing one batch at once (any transaction opened after this one sees its rows): the cards' saved
    /// state in a transaction of its own that commits before this returns — a page going away (the keeper writes
    /// on `pagehide`) may be gone before the readings' transaction has read its blocks, and its counters must not
    /// be lost with them — then the readings, whose transaction this returns (`committed` says when it is done).
    ///
    /// `leaving`: the page is going away (`pagehide`), so there may be no time to read a block before writing it.
    /// Its readings then go into rows of their own (a block's number plus a fraction, unique, so nothing stored is
    /// overwritten), put at once, and so do those of every earlier write not committed yet (its reads may never
    /// come back); readers take each reading once whichever rows hold it (`expand`).
    pub fn begin_write(&self, batch: &StoreBatch, leaving: bool) -> Result<IdbTransaction, String> {
        if !batch.sensors.is_empty() {
            let cards = self.transaction(&[SENSORS], IdbTransactionMode::Readwrite)?;
            let sensors = cards.object_store(SENSORS).map_err(|e| describe(&e))?;
            for s in &batch.sensors {
                sensors.put(&rows::card_to_js(s)).map_err(|e| describe(&e))?;
            }
            // `commit` is standard (IndexedDB 3.0); web-sys only marks it so.
            #[allow(deprecated)]
            cards.commit().map_err(|e| describe(&e))?;
        }
        let tx = self.transaction(&[BLOCKS], IdbTransactionMode::Readwrite)?;
        let blocks = tx.object_store(BLOCKS).map_err(|e| describe(&e))?;
        // Commits as soon as its last block is put rather than when this task ends.
        put_blocks(&blocks, &archive::readings_json(&batch.records), BLOCK_SEQS, leaving).map_err(|e| describe(&e))?;
        Ok(tx)
    }

    /// The saved cards and the stored readings since `since_ms` (the first `MAX_RESTORED` of them), oldest first.
    pub async fn load(&self, since_ms: u64) -> Result<(Vec<SavedSensor>, Vec<Record>), String> {
        let tx = self.transaction(&[BLOCKS, SENSORS], IdbTransactionMode::Readonly)?;
        let cards = done(
            &tx.object_store(SENSORS)
                .map_err(|e| describe(&e))?
                .get_all()
                .map_err(|e| describe(&e))?,
        )
        .await?;
        let saved = rows::rows(&cards, rows::card_from_js);
        let by_end = tx
            .object_store(BLOCKS)
            .and_then(|s| s.index(BY_END))
            .map_err(|e| describe(&e))?;
        let since = IdbKeyRange::lower_bound(&(since_ms as f64).into()).map_err(|e| describe(&e))?;
        let all = done(
            &by_end
                .get_all_with_key_and_limit(&since, MAX_RESTORED)
                .map_err(|e| describe(&e))?,
        )
        .await?;
        let readings = expand(&all, since_ms as f64, f64::INFINITY);
        Ok((saved, rows::rows(&readings, rows::record_from_js)))
    }

    /// The stored rows of one sensor (or of all, with `None`) in `[from_ms, to_ms]`, each kind oldest first.
    pub async fn rows_between(
        &self,
        sensor: Option<&str>,
        from_ms: u64,
        to_ms: u64,
    ) -> Result<(Vec<Bucket>, Vec<Record>), String> {
        let tx = self.transaction(&[BLOCKS, BUCKETS], IdbTransactionMode::Readonly)?;
        let (from, to) = (from_ms as f64, to_ms as f64);
        let (bucket_index, buckets_in, block_index, blocks_in) = match sensor {
            Some(s) => (
                BY_SENSOR_TIME,
                range(key(&[s.into(), from.into()]), key(&[s.into(), to.into()]))?,
                BY_SENSOR_END,
                // A block ending at or after `from` may hold readings in the range; those after `to` are dropped.
                range(key(&[s.into(), from.into()]), key(&[s.into(), f64::INFINITY.into()]))?,
            ),
            None => (
                BY_TIME,
                range(from.into(), to.into())?,
                BY_END,
                IdbKeyRange::lower_bound(&from.into()).map_err(|e| describe(&e))?,
            ),
        };
        let mut found = Vec::new();
        for (store, index, bounds) in [(BUCKETS, bucket_index, buckets_in), (BLOCKS, block_index, blocks_in)] {
            let index = tx
                .object_store(store)
                .and_then(|s| s.index(index))
                .map_err(|e| describe(&e))?;
            found.push(done(&index.get_all_with_key(&bounds).map_err(|e| describe(&e))?).await?);
        }
        Ok((
            rows::rows(&found[0], rows::bucket_from_js),
            rows::rows(&expand(&found[1], from, to), rows::record_from_js),
        ))
    }

    /// The time of the oldest row stored, if any.
    pub async fn oldest_ms(&self) -> Result<Option<u64>, String> {
        let tx = self.transaction(&[BLOCKS, BUCKETS], IdbTransactionMode::Readonly)?;
        let mut oldest: Option<u64> = None;
        // The block that ends first starts first, but for a block that took readings over a longer span than the
        // next: close enough for "history since".
        for (store, index) in [(BUCKETS, BY_TIME), (BLOCKS, BY_END)] {
            let index = tx
                .object_store(store)
                .and_then(|s| s.index(index))
                .map_err(|e| describe(&e))?;
            let first = done(
                &index
                    .get_all_with_key_and_limit(&JsValue::UNDEFINED, 1)
                    .map_err(|e| describe(&e))?,
            )
            .await?;
            let at = rows::rows(&first, |o| js_sys::Reflect::get(o, &"t".into()).ok()?.as_f64()).pop();
            if let Some(at) = at {
                oldest = Some(oldest.map_or(at as u64, |o| o.min(at as u64)));
            }
        }
        Ok(oldest)
    }

    /// Folds blocks whose readings are all older than the full-resolution window into buckets and prunes what is
    /// older than the retention, in one transaction (at most `FOLD_PER_PASS` blocks; the next pass takes the
    /// rest: `true` when there may be more). A block still taking readings stays whole until its last one is old
    /// enough.
    pub async fn maintain(&self, now_ms: u64) -> Result<bool, String> {
        let tx = self.transaction(&[BLOCKS, BUCKETS], IdbTransactionMode::Readwrite)?;
        let blocks = tx.object_store(BLOCKS).map_err(|e| describe(&e))?;
        let buckets = tx.object_store(BUCKETS).map_err(|e| describe(&e))?;
        let before = IdbKeyRange::upper_bound_with_open(&(self.retention.fold_before(now_ms) as f64).into(), true)
            .map_err(|e| describe(&e))?;
        let by_end = blocks.index(BY_END).map_err(|e| describe(&e))?;
        let old = done(
            &by_end
                .get_all_with_key_and_limit(&before, FOLD_PER_PASS)
                .map_err(|e| describe(&e))?,
        )
        .await?;
        // The same range and limit in the same transaction: the keys of exactly those blocks.
        let old_keys = done(
            &by_end
                .get_all_keys_with_key_and_limit(&before, FOLD_PER_PASS)
                .map_err(|e| describe(&e))?,
        )
        .await?;
        let old = rows::rows(&expand(&old, f64::NEG_INFINITY, f64::INFINITY), rows::record_from_js);
        if let (Some(first), Some(last)) = (old.first(), old.last()) {
            let span = range((first.at_ms as f64).into(), (last.at_ms as f64).into())?;
            let existing = done(
                &buckets
                    .index(BY_TIME)
                    .and_then(|i| i.get_all_with_key(&span))
                    .map_err(|e| describe(&e))?,
            )
            .await?;
            for b in archive::fold(&old, &rows::rows(&existing, rows::bucket_from_js)) {
                buckets.put(&rows::bucket_to_js(&b)).map_err(|e| describe(&e))?;
            }
        }
        for k in js_sys::Array::from(&old_keys).iter() {
            blocks.delete(&k).map_err(|e| describe(&e))?;
        }
        let expired = IdbKeyRange::upper_bound_with_open(&(self.retention.prune_before(now_ms) as f64).into(), true)
            .map_err(|e| describe(&e))?;
        for (store, index) in [(&buckets, BY_TIME), (&blocks, BY_END)] {
            let keys = done(
                &store
                    .index(index)
                    .and_then(|i| i.get_all_keys_with_key(&expired))
                    .map_err(|e| describe(&e))?,
            )
            .await?;
            for k in js_sys::Array::from(&keys).iter() {
                store.delete(&k).map_err(|e| describe(&e))?;
            }
        }
        committed(&tx).await?;
        Ok(js_sys::Array::from(&old_keys).length() >= FOLD_PER_PASS)
    }

    /// Deletes every stored row and saved card.
    pub async fn clear(&self) -> Result<(), String> {
        let tx = self.transaction(&[BLOCKS, BUCKETS, SENSORS], IdbTransactionMode::Readwrite)?;
        for store in [BLOCKS, BUCKETS, SENSORS] {
            tx.object_store(store)
                .and_then(|s| s.clear())
                .map_err(|e| describe(&e))?;
        }
        committed(&tx).await
    }
}

/// Brings the database to `DB_VERSION` from whatever it was (nothing, or version 1): each store is created
/// unless it is there already (then creating it fails, and that is fine).
fn create_stores(db: &IdbDatabase) {
    let with_key = |path: &[&str]| {
        let p = IdbObjectStoreParameters::new();
        if let [one] = path {
            p.set_key_path(&JsValue::from_str(one));
        } else {
            p.set_key_path(&names(path));
        }
        p
    };
    // Version 1's rows, one per reading: gone with the upgrade (absent on a new database).
    let _ = db.delete_object_store(OLD_READINGS);
    let _ = db
        .create_object_store_with_optional_parameters(BLOCKS, &with_key(&["s", "o", "k"]))
        .and_then(|blocks| {
            blocks.create_index_with_str_sequence(BY_SENSOR_END, &names(&["s", "e"]))?;
            blocks.create_index_with_str(BY_END, "e")
        });
    let _ = db
        .create_object_store_with_optional_parameters(BUCKETS, &with_key(&["s", "t"]))
        .and_then(|buckets| {
            buckets.create_index_with_str_sequence(BY_SENSOR_TIME, &names(&["s", "t"]))?;
            buckets.create_index_with_str(BY_TIME, "t")
        });
    let _ = db.create_object_store_with_optional_parameters(SENSORS, &with_key(&["s"]));
}

/// Remembers a batch write for the benchmark.
pub fn note_write(outcome: &Result<f64, String>, records: usize) {
    STATS.with(|s| {
        let mut s = s.borrow_mut();
        match outcome {
            Ok(ms) => {
                s.batches += 1;
                s.records += records as u64;
                if s.times_ms.len() == WRITE_TIMES_KEPT {
                    s.times_ms.remove(0);
                }
                s.times_ms.push(*ms);
            }
            Err(e) => {
                s.failures += 1;
                s.last_error = Some(e.clone());
            }
        }
    });
}
