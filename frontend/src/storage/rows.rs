//! Shell: `archive` values as the plain objects stored in IndexedDB, and back. Short property names keep the rows
//! small: a reading comes back from a stored block (the JavaScript in `storage.rs` packs and unpacks them) as
//! `{s, o, q, t, v, u, b, n}` (sensor, boot, key seq, time, value, unit, broker, has seq); a bucket is `{s, t, c, lo, m, hi, b, u, l}` keyed by `[s, t]`; a card is `{s, r, d, q, w, g, l}`
//! (counters, sequence, switches, gaps, latest value) keyed by `s`. A row this version cannot read is skipped, never
//! a panic.

use crate::archive::{Bucket, Record};
use crate::dashboard::{Latest, SavedSensor, SequenceParts, Switch};
use js_sys::Array;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(name), value);
    }
    o.into()
}

fn get(o: &JsValue, name: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn text(o: &JsValue, name: &str) -> Option<String> {
    get(o, name).as_string()
}

fn number(o: &JsValue, name: &str) -> Option<f64> {
    get(o, name).as_f64()
}

fn unit(u: &Option<String>) -> JsValue {
    u.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str)
}

pub fn record_from_js(o: &JsValue) -> Option<Record> {
    let key_seq = number(o, "q")? as u64;
    Some(Record {
        sensor: text(o, "s")?,
        boot: text(o, "o")?,
        seq: get(o, "n").as_bool().unwrap_or(true).then_some(key_seq),
        at_ms: number(o, "t")? as u64,
        value: number(o, "v")?,
        unit: text(o, "u"),
        broker_used: text(o, "b")?,
    })
}

pub fn bucket_to_js(b: &Bucket) -> JsValue {
    object(&[
        ("s", b.sensor.as_str().into()),
        ("t", (b.start_ms as f64).into()),
        ("c", (b.count as f64).into()),
        ("lo", b.min.into()),
        ("m", b.mean.into()),
        ("hi", b.max.into()),
        ("b", b.broker_used.as_str().into()),
        ("u", unit(&b.unit)),
        ("l", (b.lost as f64).into()),
    ])
}

pub fn bucket_from_js(o: &JsValue) -> Option<Bucket> {
    Some(Bucket {
        sensor: text(o, "s")?,
        start_ms: number(o, "t")? as u64,
        count: number(o, "c")? as u64,
        min: number(o, "lo")?,
        mean: number(o, "m")?,
        max: number(o, "hi")?,
        broker_used: text(o, "b")?,
        unit: text(o, "u"),
        lost: number(o, "l").unwrap_or(0.0) as u64,
    })
}

fn numbers(values: impl Iterator<Item = u64>) -> JsValue {
    values.map(|v| JsValue::from_f64(v as f64)).collect::<Array>().into()
}

fn numbers_from(o: &JsValue, name: &str) -> Vec<u64> {
    Array::from(&get(o, name))
        .iter()
        .filter_map(|v| v.as_f64())
        .map(|v| v as u64)
        .collect()
}

fn opt_text(v: &Option<String>) -> JsValue {
    v.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}

fn opt_number(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64))
}

pub fn card_to_js(c: &SavedSensor) -> JsValue {
    let q = &c.sequence;
    let sequence = object(&[
        ("o", opt_text(&q.boot)),
        ("f", (q.first as f64).into()),
        ("h", (q.highest as f64).into()),
        ("l", (q.lost as f64).into()),
        ("g", numbers(q.gaps.iter().flatten().copied())),
    ]);
    let switches: Array = c
        .switches
        .iter()
        .map(|w| {
            object(&[
                ("t", (w.at_ms as f64).into()),
                ("b", w.to.as_str().into()),
                ("f", w.failback.into()),
            ])
        })
        .collect();
    let latest = c.latest.as_ref().map_or(JsValue::NULL, |l| {
        object(&[
            ("v", l.value.into()),
            ("u", opt_text(&l.unit)),
            ("b", l.broker_used.as_str().into()),
            ("o", opt_text(&l.boot)),
            ("q", opt_number(l.seq)),
            ("ts", opt_number(l.ts)),
            ("r", l.retained.into()),
            ("t", (l.received_ms as f64).into()),
        ])
    });
    object(&[
        ("s", c.name.as_str().into()),
        ("r", (c.readings as f64).into()),
        ("d", (c.duplicates as f64).into()),
        ("q", sequence),
        ("w", switches.into()),
        ("g", numbers(c.gaps.iter().copied())),
        ("l", latest),
    ])
}

pub fn card_from_js(o: &JsValue) -> Option<SavedSensor> {
    let q = get(o, "q");
    let gaps = numbers_from(&q, "g");
    let sequence = SequenceParts {
        boot: text(&q, "o"),
        first: number(&q, "f")? as u64,
        highest: number(&q, "h")? as u64,
        lost: number(&q, "l")? as u64,
        gaps: gaps.chunks_exact(3).map(|g| [g[0], g[1], g[2]]).collect(),
    };
    let switches = Array::from(&get(o, "w"))
        .iter()
        .filter_map(|w| {
            Some(Switch {
                at_ms: number(&w, "t")? as u64,
                to: text(&w, "b")?,
                failback: get(&w, "f").as_bool()?,
            })
        })
        .collect();
    let l = get(o, "l");
    let latest = l.is_object().then(|| {
        Some(Latest {
            value: number(&l, "v")?,
            unit: text(&l, "u"),
            broker_used: text(&l, "b")?,
            boot: text(&l, "o"),
            seq: number(&l, "q").map(|v| v as u64),
            ts: number(&l, "ts").map(|v| v as u64),
            retained: get(&l, "r").as_bool().unwrap_or(false),
            received_ms: number(&l, "t")? as u64,
        })
    });
    Some(SavedSensor {
        name: text(o, "s")?,
        readings: number(o, "r")? as u64,
        duplicates: number(o, "d")? as u64,
        sequence,
        switches,
        gaps: numbers_from(o, "g"),
        latest: latest.flatten(),
    })
}

/// The rows of a `getAll` result that this version can read.
pub fn rows<T>(all: &JsValue, read: impl Fn(&JsValue) -> Option<T>) -> Vec<T> {
    js_sys::Array::from(all).iter().filter_map(|o| read(&o)).collect()
}
