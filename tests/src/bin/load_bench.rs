//! Load benchmark of the dashboard (issue 4, item 7; issue 13, item 1): publishes readings at a set rate across N
//! sensors into the primary broker of a native stack, while headless Chromium shows the dashboard, and prints a table
//! of the renderer's CPU use, frame times, end-to-end latency and JS heap, every 10 s and overall. It runs two passes
//! on fresh stacks: the machine to itself, then with one core kept busy by a spinning thread. It reports; it does
//! not pass or fail.
//!
//! ```text
//! cargo run --release -p e2e --bin load_bench -- [RATE=5000] [SENSORS=500] [SECONDS=600] [WARMUP=60] [DROP=0]
//!     [--quiet-only | --busy-only] [--floor | --floor-only] [--profile=SECONDS]
//! ```
//! `DROP` percent of the readings (of every sensor but `load_000`) are numbered but never published, as on a lossy
//! link: the page then tracks gaps in every sensor's `seq`. Memory is printed both ways: the JS heap
//! (`performance.memory`) and the wasm linear memory (`wasmBindings.wasm_memory_bytes()`).
//! Latency: sensor `load_000`'s value is its publish time (ms since the epoch); the page samples it every 100 ms,
//! so figures include up to one publish interval of the reading's own age. Needs the release dist (see README).
//!
//! Floor: `--floor` runs, before the dashboard's passes, a reference pass that shows what headless Chromium itself
//! costs to receive the same stream, so the dashboard's renderer CPU has a floor to be compared with;
//! `--floor-only` runs only that. It is the quiet pass in every respect (fresh stack, generator, warm-up, duration,
//! CPU and frame probes), except that Chromium shows `e2e::floor_page` instead of the dashboard: a hand-written
//! page that receives, parses and acknowledges every reading as a correct dashboard must, and nothing more (see
//! that module for what it leaves out). It runs twice, on fresh stacks: `floor: receive + ack` draws nothing;
//! `floor: receive + ack + draw 20 cards each frame` also writes the values of the cards on screen once per
//! animation frame, with the dashboard's markup, so latency is measured there too. The page has no store, so its
//! store columns print `—`, and instead of checking the cards it reports how many readings it received.
//!
//! CPU: `renderer` is the utime + stime of Chromium's renderer process(es) (`/proc/<pid>/stat`, see
//! `e2e::browser::cpu`) per second of wall time, in cores; `Chromium` the same for the browser's whole process tree
//! (browser, GPU, network service, renderers). `task / script / layout+style` are the renderer main thread's busy
//! time from DevTools `Performance.getMetrics` (`TaskDuration`, `ScriptDuration`, `LayoutDuration` +
//! `RecalcStyleDuration`), in ms per second. `--profile=S` samples the main thread with the DevTools `Profiler` for
//! S seconds right after the warm-up of each pass and prints the functions with the most self time (that pass's
//! figures then include the profiler's overhead).
//!
//! History (issue 12): the page stores every reading in IndexedDB as shipped (`history_hours` 24). Each row also
//! prints the store's batch writes in the period (`wasmBindings.history_write_stats()`: count, and the time from a
//! transaction's start to its commit, p50 / p95 / max) and the origin's stored size
//! (`navigator.storage.estimate().usage`); the summary the same over the measured window.

use anyhow::Context;
use e2e::browser::devtools::{self, HotFunction};
use e2e::browser::{CpuSample, CpuUse};
use e2e::dashboard_page::wait_brokers_connected;
use e2e::floor_page::{self, Variant};
use e2e::load_generator::{publish_load, sensor_name, LoadPlan, LoadReport};
use e2e::{Browser, Stack, StackConfig};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Installed once the page has loaded: a frame-time recorder and two latency probes on `load_000`'s value: `lat`,
/// publish → the value written into the DOM (a `MutationObserver` on that one element, so per reading and with no
/// sampling error), and `age`, the age of the value shown, sampled every 100 ms (as before issue 13; includes up to
/// one publish interval of the reading's own age).
const PROBE_JS: &str = r#"
window.__frames = []; window.__lat = []; window.__age = [];
(function loop(last) { requestAnimationFrame(t => { if (last) window.__frames.push(t - last); loop(t); }); })(0);
const shown = () => {
  const el = document.querySelector('[data-sensor="load_000"] [data-field="value"]');
  const v = el ? parseFloat(el.textContent) : NaN;
  return { el, v: v > 1e12 ? v : NaN };
};
let observed = null;
setInterval(() => {
  const { el, v } = shown();
  if (!isNaN(v)) window.__age.push(Date.now() - v);
  if (el && el !== observed) {
    observed = el;
    new MutationObserver(() => { const { v } = shown(); if (!isNaN(v)) window.__lat.push(Date.now() - v); })
      .observe(el, { characterData: true, childList: true, subtree: true });
  }
}, 100);
"#;
const COLLECT_JS: &str = r#"
return { frames: window.__frames.splice(0), lat: window.__lat.splice(0), age: window.__age.splice(0),
         heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
         wasm: window.wasmBindings && window.wasmBindings.wasm_memory_bytes ? window.wasmBindings.wasm_memory_bytes() : 0,
         cards: document.querySelectorAll('[data-sensor]').length,
         dom: document.getElementsByTagName('*').length };
"#;
/// The store's writes so far and the origin's stored bytes.
const STORE_JS: &str = r#"
const w = window.wasmBindings;
const s = w && w.history_write_stats ? JSON.parse(w.history_write_stats()) : { batches: 0, records: 0, failures: 0, times_ms: [] };
const usage = navigator.storage && navigator.storage.estimate
  ? navigator.storage.estimate().then(e => e.usage || 0) : Promise.resolve(0);
return usage.then(usage => ({ batches: s.batches, records: s.records, failures: s.failures, times: s.times_ms, usage }));
"#;
const VALUES_JS: &str = r#"
return [...document.querySelectorAll('[data-sensor]')].map(c => [c.dataset.sensor,
  c.querySelector('[data-field="value"]').textContent.trim()]);
"#;

/// How often a row of the table is printed.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// Functions listed from a `--profile`.
const PROFILE_TOP: usize = 20;

/// How long a page has to connect and subscribe to both brokers.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How soon after the last publish the page must have caught up (every card current; every reading received).
const CAUGHT_UP_WITHIN: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The floor page (`e2e::floor_page`) instead of the dashboard, the machine to itself.
    Floor(Variant),
    /// Nothing else on the machine but the stack, the generator and Chromium.
    Quiet,
    /// One core kept busy by `BusyCore` throughout.
    BusyCore,
}

impl Pass {
    fn label(self) -> &'static str {
        match self {
            Pass::Floor(variant) => variant.label(),
            Pass::Quiet => "machine to itself",
            Pass::BusyCore => "one core busy",
        }
    }

    fn floor(self) -> Option<Variant> {
        match self {
            Pass::Floor(variant) => Some(variant),
            Pass::Quiet | Pass::BusyCore => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Args {
    rate: u64,
    sensors: usize,
    seconds: u64,
    warmup: u64,
    drop_percent: u8,
    passes: Vec<Pass>,
    profile_seconds: Option<u64>,
}

fn args() -> anyhow::Result<Args> {
    let (flags, numbers): (Vec<String>, Vec<String>) = std::env::args().skip(1).partition(|a| a.starts_with("--"));
    let mut numbers = numbers
        .into_iter()
        .map(|a| a.parse::<u64>().with_context(|| format!("`{a}` is not a number")));
    let mut next = |default: u64| numbers.next().unwrap_or(Ok(default));
    let mut args = Args {
        rate: next(5_000)?,
        sensors: next(500)? as usize,
        seconds: next(600)?,
        warmup: next(60)?,
        drop_percent: u8::try_from(next(0)?)
            .ok()
            .filter(|p| *p < 100)
            .context("DROP is a percentage from 0 to 99")?,
        passes: Vec::new(),
        profile_seconds: None,
    };
    let mut dashboard = None;
    let (mut floor, mut floor_only) = (false, false);
    for flag in flags {
        match flag.as_str() {
            "--quiet-only" => dashboard = Some(vec![Pass::Quiet]),
            "--busy-only" => dashboard = Some(vec![Pass::BusyCore]),
            "--floor" => floor = true,
            "--floor-only" => floor_only = true,
            _ => match flag.strip_prefix("--profile=") {
                Some(s) => args.profile_seconds = Some(s.parse().with_context(|| format!("`{flag}`: seconds"))?),
                None => anyhow::bail!(
                    "unknown flag `{flag}` (--quiet-only, --busy-only, --floor, --floor-only, --profile=SECONDS)"
                ),
            },
        }
    }
    anyhow::ensure!(
        !(floor_only && dashboard.is_some()),
        "--floor-only runs no dashboard pass: drop --quiet-only / --busy-only, or use --floor"
    );
    if floor || floor_only {
        args.passes.extend(Variant::ALL.map(Pass::Floor));
    }
    if !floor_only {
        args.passes
            .extend(dashboard.unwrap_or_else(|| vec![Pass::Quiet, Pass::BusyCore]));
    }
    Ok(args)
}

/// A thread spinning at 100 % of one core until dropped.
struct BusyCore {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BusyCore {
    fn start() -> BusyCore {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
        });
        BusyCore {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for BusyCore {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
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

/// The renderer's CPU clocks at one moment: `/proc` for the processes, DevTools for the main thread's breakdown.
#[derive(Clone)]
struct Clocks {
    cpu: CpuSample,
    metrics: HashMap<String, f64>,
}

impl Clocks {
    async fn read(browser: &Browser) -> Clocks {
        Clocks {
            cpu: browser.cpu_sample(),
            metrics: devtools::metrics(browser.client()).await.unwrap_or_default(),
        }
    }

    /// CPU use since `earlier`, and the main thread's task, script and layout + style time in ms per second.
    fn since(&self, earlier: &Clocks) -> (CpuUse, [f64; 3]) {
        let cpu = self.cpu.since(&earlier.cpu);
        let per_second = |names: &[&str]| {
            names
                .iter()
                .map(|n| self.metrics.get(*n).unwrap_or(&0.0) - earlier.metrics.get(*n).unwrap_or(&0.0))
                .sum::<f64>()
                * 1000.0
                / cpu.wall.as_secs_f64().max(1e-9)
        };
        let main = [
            per_second(&["TaskDuration"]),
            per_second(&["ScriptDuration"]),
            per_second(&["LayoutDuration", "RecalcStyleDuration"]),
        ];
        (cpu, main)
    }
}

/// One pass's figures over its measured window (after the warm-up).
struct Summary {
    pass: Pass,
    report: LoadReport,
    cpu: Option<(CpuUse, [f64; 3])>,
    frames: [f64; 3],
    latency: [f64; 2],
    age: [f64; 2],
    heap: (f64, f64),
    wasm: (f64, f64),
    together: f64,
    /// Batch write times (ms) p50 / p95 / max over the measured window, batches, readings written, failures.
    writes: ([f64; 3], u64, u64, u64),
    /// Stored bytes at the end (MB).
    stored_mb: f64,
    /// Whether the page caught up with the last publish: for the dashboard `yes` or `no`, every card at its
    /// sensor's last value within 1 s; for the floor page, which shows few cards, `—` and the readings it received.
    caught_up: String,
    profiled: bool,
}

impl Summary {
    /// The store's columns: batches (readings, failures), write p50 / p95 / max, stored MB; `—` for the floor page,
    /// which has no store.
    fn store_cells(&self) -> String {
        if self.pass.floor().is_some() {
            return "— | — | —".to_owned();
        }
        let ([p50, p95, max], batches, readings, failures) = self.writes;
        format!(
            "{batches} ({readings}, {failures}) | {p50:.0} / {p95:.0} / {max:.0} | {:.1}",
            self.stored_mb
        )
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let mut summaries = Vec::new();
    for &pass in &args.passes {
        println!(
            "\n## Pass: {} ({} msg/s, {} sensors, {} s, warm-up {} s)\n",
            pass.label(),
            args.rate,
            args.sensors,
            args.seconds,
            args.warmup
        );
        let busy = (pass == Pass::BusyCore).then(BusyCore::start);
        summaries.push(run_pass(&args, pass).await?);
        drop(busy);
    }
    print_summary(&args, &summaries);
    Ok(())
}

/// The summary table: one row per pass, over its measured window.
fn print_summary(args: &Args, summaries: &[Summary]) {
    println!();
    println!(
        "| pass | offered (msg/s) | published (msg/s) | sensors | duration (s) | renderer CPU (cores) | Chromium CPU \
         (cores) | main thread task / script / layout+style (ms/s) | frame p50 / p95 / p99 (ms) | latency p50 / p95 (ms) \
         | value age p50 / p95 (ms) | JS heap after warm-up (MB) | wasm memory (MB) | heap + wasm, max (MB) | all cards current 1 s after the \
         last publish | store batches (readings, failures) | batch write p50 / p95 / max (ms) | stored (MB) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for s in summaries {
        let (renderer, chromium, main) = match s.cpu {
            Some((cpu, [task, script, layout])) => (
                format!("{:.3}", cpu.renderer_cores),
                format!("{:.3}", cpu.chromium_cores),
                format!("{task:.0} / {script:.0} / {layout:.0}"),
            ),
            None => ("—".into(), "—".into(), "—".into()),
        };
        println!(
            "| {}{} | {:.0} | {:.0} | {} | {:.0} | {renderer} | {chromium} | {main} | {:.1} / {:.1} / {:.1} \
             | {:.0} / {:.0} | {:.0} / {:.0} | {:.1}–{:.1} | {:.1}–{:.1} | {:.1} | {} | {} |",
            s.pass.label(),
            if s.profiled { " (profiled)" } else { "" },
            s.report.offered_rate(),
            s.report.rate(),
            args.sensors,
            s.report.took.as_secs_f64(),
            s.frames[0],
            s.frames[1],
            s.frames[2],
            s.latency[0],
            s.latency[1],
            s.age[0],
            s.age[1],
            s.heap.0,
            s.heap.1,
            s.wasm.0,
            s.wasm.1,
            s.together,
            s.caught_up,
            s.store_cells(),
        );
    }
}

/// Profiles the renderer's main thread for `seconds` and prints the functions with the most self time.
async fn profile(browser: &Browser, seconds: u64) -> anyhow::Result<()> {
    browser.devtools("Profiler.enable", serde_json::json!({})).await?;
    browser
        .devtools("Profiler.setSamplingInterval", serde_json::json!({ "interval": 500 }))
        .await?;
    browser.devtools("Profiler.start", serde_json::json!({})).await?;
    // The sampling window itself (a measurement period, like `REPORT_EVERY`): nothing is waited for.
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let stopped = browser.devtools("Profiler.stop", serde_json::json!({})).await?;
    browser.devtools("Profiler.disable", serde_json::json!({})).await?;
    let (hot, total) = devtools::self_times(&stopped["profile"]);
    let busy: f64 = hot.iter().filter(|f| f.name != "(idle)").map(|f| f.self_ms).sum();
    println!("\nProfile of the renderer main thread, {seconds} s: {total:.0} ms sampled, {busy:.0} ms not idle\n");
    println!("| self (ms) | share of non-idle | function |");
    println!("|---|---|---|");
    for HotFunction { name, self_ms } in hot.iter().filter(|f| f.name != "(idle)").take(PROFILE_TOP) {
        println!(
            "| {self_ms:.0} | {:.1} % | `{name}` |",
            self_ms / busy.max(1e-9) * 100.0
        );
    }
    println!();
    Ok(())
}

/// A fresh stack serving the pass's page, and a fresh Chromium showing it, subscribed on both brokers.
async fn open_page(args: &Args, pass: Pass) -> anyhow::Result<(Stack, Browser)> {
    // The floor page's files: the stack copies them into its own site directory, beside its `config.json`.
    let floor_files = pass.floor().map(|_| floor_page::temp_dir()).transpose()?;
    let config = match &floor_files {
        Some(dir) => StackConfig {
            dashboard_dist: Some(dir.path().to_owned()),
            ..StackConfig::brokers_only()?
        },
        None => StackConfig::with_dashboard()?,
    };
    let stack = Stack::start(config).await?;
    let browser = Browser::launch(stack.dir()).await?;
    let site = stack.dashboard_url().context("no nginx")?;
    match pass.floor() {
        Some(variant) => {
            browser.goto(&floor_page::url(&site, variant, args.sensors)).await?;
            floor_page::wait_subscribed(&browser, CONNECT_TIMEOUT).await?;
        }
        None => {
            browser.goto(&site).await?;
            wait_brokers_connected(&browser, CONNECT_TIMEOUT).await?;
        }
    }
    Ok((stack, browser))
}

/// Whether every dashboard card shows its sensor's last value within a second of the last publish; prints how many
/// do not, if any.
async fn cards_current(browser: &Browser, report: &LoadReport) -> anyhow::Result<bool> {
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
    let shown = e2e::wait_for("every card at its last value", CAUGHT_UP_WITHIN, || async {
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
    Ok(shown.is_ok())
}

/// The floor page's counters once it has received every reading published, or a second after the last publish;
/// printed, and summarised for the table.
async fn floor_received(browser: &Browser, report: &LoadReport) -> anyhow::Result<String> {
    let all = e2e::wait_for("the floor page received every reading", CAUGHT_UP_WITHIN, || async {
        Ok((floor_page::counts(browser).await?.received >= report.sent).then_some(()))
    })
    .await;
    let counts = floor_page::counts(browser).await?;
    println!(
        "\nFloor page: received {} of {} readings published{}; {} acknowledged, {} not a reading, {} sockets closed",
        counts.received,
        report.sent,
        if all.is_ok() { "" } else { " (not all within 1 s)" },
        counts.acked,
        counts.bad,
        counts.closed
    );
    Ok(format!("— (received {} of {})", counts.received, report.sent))
}

async fn run_pass(args: &Args, pass: Pass) -> anyhow::Result<Summary> {
    let (mut stack, browser) = open_page(args, pass).await?;
    browser.execute(PROBE_JS, vec![]).await?;
    browser.devtools("Performance.enable", serde_json::json!({})).await?;
    anyhow::ensure!(
        browser.cpu_sample().renderer_count() > 0,
        "no Chromium renderer process found under /proc"
    );

    let port = stack.primary().ports().mqtt;
    let plan = LoadPlan {
        rate: args.rate,
        sensors: args.sensors,
        duration: Duration::from_secs(args.seconds),
        broker: "broker-primary".to_owned(),
        drop_percent: args.drop_percent,
    };
    let mut generator = tokio::spawn(async move { publish_load(port, &plan).await });
    println!(
        "| t (s) | renderer CPU (cores) | Chromium CPU (cores) | task / script / layout+style (ms/s) | frames \
         | frame p50 (ms) | p95 | p99 | max | latency p50 (ms) | p95 | age p50 (ms) | p95 | JS heap (MB) | wasm (MB) | cards | DOM nodes \
         | store writes | write p50 / p95 / max (ms) | stored (MB) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let start = Instant::now();
    let (mut all_frames, mut all_lat, mut all_age) = (Vec::new(), Vec::new(), Vec::new());
    let (mut heaps, mut wasms) = (Vec::new(), Vec::new());
    let mut all_writes = Vec::new();
    let mut batches_seen = 0u64;
    let mut last = Clocks::read(&browser).await;
    let mut last_t = 0.0;
    // The clocks at the end of the warm-up, and the latest ones of the measured window.
    let mut measured: Option<(Clocks, Option<Clocks>)> = None;
    let mut profiled = false;
    // One row per reporting period (and a last, shorter one when the generator ends); the page's probe buffers in
    // between.
    let mut report_every = tokio::time::interval_at((start + REPORT_EVERY).into(), REPORT_EVERY);
    let (report, written, stored_mb) = loop {
        let finished = tokio::select! {
            _ = report_every.tick() => None,
            result = &mut generator => Some(result??),
        };
        let now = Clocks::read(&browser).await;
        let v = browser.execute(COLLECT_JS, vec![]).await?;
        let (mut frames, mut lat, mut age) = (numbers(&v, "frames"), numbers(&v, "lat"), numbers(&v, "age"));
        let heap = v["heap"].as_f64().unwrap_or(0.0) / 1e6;
        let wasm = v["wasm"].as_f64().unwrap_or(0.0) / 1e6;
        let t = start.elapsed().as_secs_f64();
        let (cpu, [task, script, layout]) = now.since(&last);
        let store = browser.execute(STORE_JS, vec![]).await?;
        let batches = store["batches"].as_u64().unwrap_or(0);
        let times = numbers(&store, "times");
        // The writes of this period: the newest `batches - batches_seen` of the kept times.
        let mut writes: Vec<f64> = times[times.len().saturating_sub((batches - batches_seen) as usize)..].to_vec();
        batches_seen = batches;
        let stored_mb = store["usage"].as_f64().unwrap_or(0.0) / 1e6;
        let written = (
            batches,
            store["records"].as_u64().unwrap_or(0),
            store["failures"].as_u64().unwrap_or(0),
        );
        println!(
            "| {t:.0} | {:.3} | {:.3} | {task:.0} / {script:.0} / {layout:.0} | {} | {:.1} | {:.1} | {:.1} | {:.1} \
             | {:.0} | {:.0} | {:.0} | {:.0} | {heap:.1} | {wasm:.1} | {} | {} | {} | {:.0} / {:.0} / {:.0} \
             | {stored_mb:.1} |",
            cpu.renderer_cores,
            cpu.chromium_cores,
            frames.len(),
            percentile(&mut frames, 0.5),
            percentile(&mut frames, 0.95),
            percentile(&mut frames, 0.99),
            frames.last().copied().unwrap_or(f64::NAN),
            percentile(&mut lat, 0.5),
            percentile(&mut lat, 0.95),
            percentile(&mut age, 0.5),
            percentile(&mut age, 0.95),
            v["cards"],
            v["dom"],
            writes.len(),
            percentile(&mut writes, 0.5),
            percentile(&mut writes, 0.95),
            writes.last().copied().unwrap_or(f64::NAN),
        );
        // A row counts when its whole period lies after the warm-up.
        if last_t >= args.warmup as f64 {
            all_frames.extend(frames);
            all_lat.extend(lat);
            all_age.extend(age);
            all_writes.extend(writes);
            heaps.push(heap);
            wasms.push(wasm);
            if let Some((_, end)) = &mut measured {
                *end = Some(now.clone());
            }
        }
        if let Some(report) = finished {
            break (report, written, stored_mb);
        }
        if measured.is_none() && t >= args.warmup as f64 {
            measured = Some((now.clone(), None));
            if let (Some(seconds), false) = (args.profile_seconds, profiled) {
                profile(&browser, seconds).await?;
                profiled = true;
            }
        }
        last = now;
        last_t = t;
    };
    let cpu = measured.and_then(|(from, to)| Some(to?.since(&from)));

    let caught_up = match pass.floor() {
        Some(_) => floor_received(&browser, &report).await?,
        None => {
            let current = cards_current(&browser, &report).await?;
            (if current { "yes" } else { "no" }).to_owned()
        }
    };

    let range = |v: &[f64]| {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(0.0, f64::max);
        (min, max)
    };
    let together = heaps.iter().zip(&wasms).map(|(h, w)| h + w).fold(0.0, f64::max);
    let summary = Summary {
        pass,
        cpu,
        frames: [
            percentile(&mut all_frames, 0.5),
            percentile(&mut all_frames, 0.95),
            percentile(&mut all_frames, 0.99),
        ],
        latency: [percentile(&mut all_lat, 0.5), percentile(&mut all_lat, 0.95)],
        age: [percentile(&mut all_age, 0.5), percentile(&mut all_age, 0.95)],
        heap: range(&heaps),
        wasm: range(&wasms),
        together,
        writes: (
            [
                percentile(&mut all_writes, 0.5),
                percentile(&mut all_writes, 0.95),
                all_writes.last().copied().unwrap_or(f64::NAN),
            ],
            written.0,
            written.1,
            written.2,
        ),
        stored_mb,
        caught_up,
        profiled,
        report,
    };
    browser.close().await?;
    drop(stack);
    Ok(summary)
}
