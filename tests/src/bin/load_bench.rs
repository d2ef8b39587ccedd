//! Load benchmark of the dashboard (issue 4, item 7): publishes readings at a set rate across N sensors into the
//! primary broker of a native stack, while headless Chromium shows the dashboard, and prints a table of frame
//! times, end-to-end latency and JS heap, every 10 s and overall. It reports; it does not pass or fail.
//!
//! ```text
//! cargo run --release -p e2e --bin load_bench -- [RATE=5000] [SENSORS=500] [SECONDS=600] [WARMUP=60] [DROP=0]
//! ```
//! `DROP` percent of the readings (of every sensor but `load_000`) are numbered but never published, as on a lossy
//! link: the page then tracks gaps in every sensor's `seq`. Memory is printed both ways: the JS heap
//! (`performance.memory`) and the wasm linear memory (`wasmBindings.wasm_memory_bytes()`).
//! Latency: sensor `load_000`'s value is its publish time (ms since the epoch); the page samples it every 100 ms,
//! so figures include up to one publish interval of the reading's own age. Needs the release dist (see README).

use anyhow::Context;
use e2e::dashboard_page::wait_brokers_connected;
use e2e::load_generator::{publish_load, sensor_name, LoadPlan};
use e2e::{Browser, Stack, StackConfig};
use std::time::{Duration, Instant};

/// Installed once the page has loaded: a frame-time recorder and the latency sampler.
const PROBE_JS: &str = r#"
window.__frames = []; window.__lat = [];
(function loop(last) { requestAnimationFrame(t => { if (last) window.__frames.push(t - last); loop(t); }); })(0);
setInterval(() => {
  const el = document.querySelector('[data-sensor="load_000"] [data-field="value"]');
  if (el) { const v = parseFloat(el.textContent); if (v > 1e12) window.__lat.push(Date.now() - v); }
}, 100);
"#;
const COLLECT_JS: &str = r#"
return { frames: window.__frames.splice(0), lat: window.__lat.splice(0),
         heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
         wasm: window.wasmBindings && window.wasmBindings.wasm_memory_bytes ? window.wasmBindings.wasm_memory_bytes() : 0,
         cards: document.querySelectorAll('[data-sensor]').length,
         dom: document.getElementsByTagName('*').length };
"#;
const VALUES_JS: &str = r#"
return [...document.querySelectorAll('[data-sensor]')].map(c => [c.dataset.sensor,
  c.querySelector('[data-field="value"]').textContent.trim()]);
"#;

/// How often a row of the table is printed.
const REPORT_EVERY: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
struct Args {
    rate: u64,
    sensors: usize,
    seconds: u64,
    warmup: u64,
    drop_percent: u8,
}

fn args() -> anyhow::Result<Args> {
    let mut numbers = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().with_context(|| format!("`{a}` is not a number")));
    let mut next = |default: u64| numbers.next().unwrap_or(Ok(default));
    Ok(Args {
        rate: next(5_000)?,
        sensors: next(500)? as usize,
        seconds: next(600)?,
        warmup: next(60)?,
        drop_percent: u8::try_from(next(0)?)
            .ok()
            .filter(|p| *p < 100)
            .context("DROP is a percentage from 0 to 99")?,
    })
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 * p) as usize).min(values.len() - 1)]
}

fn numbers(v: &serde_json::Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let mut stack = Stack::start(StackConfig::with_dashboard()?).await?;
    let browser = Browser::launch(stack.dir()).await?;
    browser.goto(&stack.dashboard_url().context("no nginx")?).await?;
    wait_brokers_connected(&browser, Duration::from_secs(30)).await?;
    browser.execute(PROBE_JS, vec![]).await?;

    let port = stack.primary().ports().mqtt;
    let plan = LoadPlan {
        rate: args.rate,
        sensors: args.sensors,
        duration: Duration::from_secs(args.seconds),
        broker: "broker-primary".to_owned(),
        drop_percent: args.drop_percent,
    };
    let generator = tokio::spawn(async move { publish_load(port, &plan).await });
    println!(
        "| t (s) | frames | frame p50 (ms) | p95 | p99 | max | latency p50 (ms) | p95 | JS heap (MB) | wasm (MB) \
         | cards | DOM nodes |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let start = Instant::now();
    let (mut all_frames, mut all_lat, mut heaps, mut wasms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // One row per reporting period; the page's probe buffers in between.
    let mut report_every = tokio::time::interval_at((start + REPORT_EVERY).into(), REPORT_EVERY);
    while !generator.is_finished() {
        report_every.tick().await;
        let v = browser.execute(COLLECT_JS, vec![]).await?;
        let (mut frames, mut lat) = (numbers(&v, "frames"), numbers(&v, "lat"));
        let heap = v["heap"].as_f64().unwrap_or(0.0) / 1e6;
        let wasm = v["wasm"].as_f64().unwrap_or(0.0) / 1e6;
        let t = start.elapsed().as_secs();
        println!(
            "| {t} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} | {heap:.1} | {wasm:.1} | {} | {} |",
            frames.len(),
            percentile(&mut frames, 0.5),
            percentile(&mut frames, 0.95),
            percentile(&mut frames, 0.99),
            frames.last().copied().unwrap_or(f64::NAN),
            percentile(&mut lat, 0.5),
            percentile(&mut lat, 0.95),
            v["cards"],
            v["dom"]
        );
        if t >= args.warmup {
            all_frames.extend(frames);
            all_lat.extend(lat);
            heaps.push(heap);
            wasms.push(wasm);
        }
    }
    let report = generator.await??;

    // Every card shows its sensor's last value within a second of the last publish.
    let stale_cards = || async {
        let v = browser.execute(VALUES_JS, vec![]).await?;
        let shown: std::collections::HashMap<String, f64> = v
            .as_array()
            .map(|cards| {
                cards
                    .iter()
                    .filter_map(|c| {
                        let number = e2e::dashboard_page::leading_number(c[1].as_str()?)?;
                        Some((c[0].as_str()?.to_owned(), number))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let stale: Vec<String> = report
            .per_sensor
            .iter()
            .enumerate()
            .filter(|(i, (_, value))| shown.get(&sensor_name(*i)) != Some(value))
            .map(|(i, (_, value))| {
                format!(
                    "{}: sent {value}, shows {:?}",
                    sensor_name(i),
                    shown.get(&sensor_name(i))
                )
            })
            .collect();
        anyhow::Ok(stale)
    };
    let shown = e2e::wait_for("every card at its last value", Duration::from_secs(1), || async {
        Ok(stale_cards().await?.is_empty().then_some(()))
    })
    .await;
    if shown.is_err() {
        let stale = stale_cards().await?;
        eprintln!(
            "{} cards not at their last value, e.g. {:?}",
            stale.len(),
            stale.first()
        );
    }

    let range = |v: &[f64]| {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(0.0, f64::max);
        (min, max)
    };
    let (heap_min, heap_max) = range(&heaps);
    let (wasm_min, wasm_max) = range(&wasms);
    let together = heaps.iter().zip(&wasms).map(|(h, w)| h + w).fold(0.0, f64::max);
    println!();
    println!(
        "| offered (msg/s) | published (msg/s) | sensors | duration (s) | frame p50 / p95 / p99 (ms) \
         | latency p50 / p95 (ms) | JS heap after warm-up (MB) | wasm memory (MB) | heap + wasm, max (MB) \
         | all cards current 1 s after the last publish |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {:.0} | {:.0} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {:.0} / {:.0} | {heap_min:.1}–{heap_max:.1} \
         | {wasm_min:.1}–{wasm_max:.1} | {together:.1} | {} |",
        report.offered_rate(),
        report.rate(),
        args.sensors,
        report.took.as_secs_f64(),
        percentile(&mut all_frames, 0.5),
        percentile(&mut all_frames, 0.95),
        percentile(&mut all_frames, 0.99),
        percentile(&mut all_lat, 0.5),
        percentile(&mut all_lat, 0.95),
        if shown.is_ok() { "yes" } else { "no" }
    );
    browser.close().await?;
    Ok(())
}
