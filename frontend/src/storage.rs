//! Shell: the browser's store of readings (IndexedDB database `sensor-history`), the only code that touches it.
//! Stores: `readings` (one row per reading counted, keyed by sensor, boot and seq, so writing a reading twice —
//! from a replay, both brokers or two tabs — leaves one row), `buckets` (older readings folded by
//! `archive::fold`) and `sensors` (each card's saved counters, written in the same transaction as its readings).
//! Every decision — what to store, fold and prune, how rows become charts and CSV — is in `archive` and `dashboard`;
//! this moves values in and out, once a second in one transaction, never per message.

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
const DB_VERSION: u32 = 1;
const READINGS: &str = "readings";
const BUCKETS: &str = "buckets";
const SENSORS: &str = "sensors";
/// Index on `[s, t]`: one sensor's rows in time order.
const BY_SENSOR_TIME: &str = "sensor_time";
/// Index on `t`: every sensor's rows in time order.
const BY_TIME: &str = "time";
/// Most readings read back into the charts when the page loads (500 sensors at 5,000 msg/s fill it in 40 s of
/// the live window: then the charts start there).
pub const MAX_RESTORED: u32 = 200_000;
/// Most readings folded in one maintenance transaction.
const FOLD_PER_PASS: u32 = 50_000;
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

// The one piece of the store in JavaScript: a batch of readings arrives as one JSON string
// (`archive::readings_json`) and becomes one `put` per row there, so a batch crosses from wasm once instead of once
// per field (and the glue costs the first load less than the same loop in wasm).
#[wasm_bindgen(inline_js = "export function put_readings(store, text) {
  for (const [s, o, q, t, v, u, b, n] of JSON.parse(text)) {
    const row = { s, o, q, t, v, b, n: n === 1 };
    if (u !== null) row.u = u;
    store.put(row);
  }
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn put_readings(store: &web_sys::IdbObjectStore, text: &str) -> Result<(), JsValue>;
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
                    let _ = create_stores(&db);
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

    /// Starts writing one batch — its readings and the cards' saved state — in one transaction, at once (any
    /// transaction opened after this one sees its rows); `committed` on it says when it is done.
    pub fn begin_write(&self, batch: &StoreBatch) -> Result<IdbTransaction, String> {
        let tx = self.transaction(&[READINGS, SENSORS], IdbTransactionMode::Readwrite)?;
        let readings = tx.object_store(READINGS).map_err(|e| describe(&e))?;
        let sensors = tx.object_store(SENSORS).map_err(|e| describe(&e))?;
        if !batch.records.is_empty() {
            put_readings(&readings, &archive::readings_json(&batch.records)).map_err(|e| describe(&e))?;
        }
        for s in &batch.sensors {
            sensors.put(&rows::card_to_js(s)).map_err(|e| describe(&e))?;
        }
        // Nothing more comes: commit now rather than when this task ends, so a page that is going away (the
        // keeper writes on `pagehide`) has its last batch on its way before it is gone.
        // `commit` is standard (IndexedDB 3.0); web-sys only marks it so.
        #[allow(deprecated)]
        tx.commit().map_err(|e| describe(&e))?;
        Ok(tx)
    }

    /// The saved cards and the stored readings since `since_ms` (the first `MAX_RESTORED` of them), oldest first.
    pub async fn load(&self, since_ms: u64) -> Result<(Vec<SavedSensor>, Vec<Record>), String> {
        let tx = self.transaction(&[READINGS, SENSORS], IdbTransactionMode::Readonly)?;
        let cards = done(
            &tx.object_store(SENSORS)
                .map_err(|e| describe(&e))?
                .get_all()
                .map_err(|e| describe(&e))?,
        )
        .await?;
        let saved = rows::rows(&cards, rows::card_from_js);
        let by_time = tx
            .object_store(READINGS)
            .and_then(|s| s.index(BY_TIME))
            .map_err(|e| describe(&e))?;
        let since = IdbKeyRange::lower_bound(&(since_ms as f64).into()).map_err(|e| describe(&e))?;
        let all = done(
            &by_time
                .get_all_with_key_and_limit(&since, MAX_RESTORED)
                .map_err(|e| describe(&e))?,
        )
        .await?;
        Ok((saved, rows::rows(&all, rows::record_from_js)))
    }

    /// The stored rows of one sensor (or of all, with `None`) in `[from_ms, to_ms]`, each kind oldest first.
    pub async fn rows_between(
        &self,
        sensor: Option<&str>,
        from_ms: u64,
        to_ms: u64,
    ) -> Result<(Vec<Bucket>, Vec<Record>), String> {
        let tx = self.transaction(&[READINGS, BUCKETS], IdbTransactionMode::Readonly)?;
        let (index, bounds) = match sensor {
            Some(s) => (
                BY_SENSOR_TIME,
                range(
                    key(&[s.into(), (from_ms as f64).into()]),
                    key(&[s.into(), (to_ms as f64).into()]),
                )?,
            ),
            None => (BY_TIME, range((from_ms as f64).into(), (to_ms as f64).into())?),
        };
        let mut found = Vec::new();
        for store in [BUCKETS, READINGS] {
            let index = tx
                .object_store(store)
                .and_then(|s| s.index(index))
                .map_err(|e| describe(&e))?;
            found.push(done(&index.get_all_with_key(&bounds).map_err(|e| describe(&e))?).await?);
        }
        Ok((
            rows::rows(&found[0], rows::bucket_from_js),
            rows::rows(&found[1], rows::record_from_js),
        ))
    }

    /// The time of the oldest row stored, if any.
    pub async fn oldest_ms(&self) -> Result<Option<u64>, String> {
        let tx = self.transaction(&[READINGS, BUCKETS], IdbTransactionMode::Readonly)?;
        let mut oldest: Option<u64> = None;
        for store in [BUCKETS, READINGS] {
            let index = tx
                .object_store(store)
                .and_then(|s| s.index(BY_TIME))
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

    /// Folds readings older than the full-resolution window into buckets and prunes what is older than the
    /// retention, in one transaction (at most `FOLD_PER_PASS` readings; the next pass takes the rest).
    pub async fn maintain(&self, now_ms: u64) -> Result<usize, String> {
        let tx = self.transaction(&[READINGS, BUCKETS], IdbTransactionMode::Readwrite)?;
        let readings = tx.object_store(READINGS).map_err(|e| describe(&e))?;
        let buckets = tx.object_store(BUCKETS).map_err(|e| describe(&e))?;
        let before = IdbKeyRange::upper_bound_with_open(&(self.retention.fold_before(now_ms) as f64).into(), true)
            .map_err(|e| describe(&e))?;
        let by_time = readings.index(BY_TIME).map_err(|e| describe(&e))?;
        let old = done(
            &by_time
                .get_all_with_key_and_limit(&before, FOLD_PER_PASS)
                .map_err(|e| describe(&e))?,
        )
        .await?;
        let old = rows::rows(&old, rows::record_from_js);
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
            for r in &old {
                readings
                    .delete(&key(&[
                        r.sensor.as_str().into(),
                        r.boot.as_str().into(),
                        (r.key_seq() as f64).into(),
                    ]))
                    .map_err(|e| describe(&e))?;
            }
        }
        let expired = IdbKeyRange::upper_bound_with_open(&(self.retention.prune_before(now_ms) as f64).into(), true)
            .map_err(|e| describe(&e))?;
        for store in [&buckets, &readings] {
            let keys = done(
                &store
                    .index(BY_TIME)
                    .and_then(|i| i.get_all_keys_with_key(&expired))
                    .map_err(|e| describe(&e))?,
            )
            .await?;
            for k in js_sys::Array::from(&keys).iter() {
                store.delete(&k).map_err(|e| describe(&e))?;
            }
        }
        committed(&tx).await?;
        Ok(old.len())
    }

    /// Deletes every stored row and saved card.
    pub async fn clear(&self) -> Result<(), String> {
        let tx = self.transaction(&[READINGS, BUCKETS, SENSORS], IdbTransactionMode::Readwrite)?;
        for store in [READINGS, BUCKETS, SENSORS] {
            tx.object_store(store)
                .and_then(|s| s.clear())
                .map_err(|e| describe(&e))?;
        }
        committed(&tx).await
    }
}

fn create_stores(db: &IdbDatabase) -> Result<(), JsValue> {
    let with_key = |path: &[&str]| {
        let p = IdbObjectStoreParameters::new();
        if let [one] = path {
            p.set_key_path(&JsValue::from_str(one));
        } else {
            p.set_key_path(&names(path));
        }
        p
    };
    let readings = db.create_object_store_with_optional_parameters(READINGS, &with_key(&["s", "o", "q"]))?;
    let buckets = db.create_object_store_with_optional_parameters(BUCKETS, &with_key(&["s", "t"]))?;
    for store in [&readings, &buckets] {
        store.create_index_with_str_sequence(BY_SENSOR_TIME, &names(&["s", "t"]))?;
        store.create_index_with_str(BY_TIME, "t")?;
    }
    db.create_object_store_with_optional_parameters(SENSORS, &with_key(&["s"]))?;
    Ok(())
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
