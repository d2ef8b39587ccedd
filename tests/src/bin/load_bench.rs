//! Load benchmark of the dashboard (issue 4, item 7): publishes readings at a set rate across N sensors into the
//! primary broker of a native stack, while headless Chromium shows the dashboard, and prints a table of frame
//! times, end-to-end latency and JS heap, every 10 s and overall. It reports; it does not pass or fail.
//!
//! ```text
//! cargo run --release -p e2e --bin load_bench -- [RATE=5000] [SENSORS=500] [SECONDS=600] [WARMUP=60]
//! ```
//! Latency: sensor `load_000`'s value is its publish time (ms since the epoch); the page samples it every 100 ms,
//! so figures include up to one publish interval of the reading's own age. Needs the release dist (see README).

use anyhow::Context;
use e2e::credentials::OPERATOR;
use e2e::{Browser, Stack, StackConfig};
use mqttrs::{Connect, Packet, Pid, Protocol, Publish, QosPid};
use sensor_wire::{Reading, SensorName, Topic};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
         cards: document.querySelectorAll('[data-sensor]').length,
         dom: document.getElementsByTagName('*').length };
"#;
const VALUES_JS: &str = r#"
return [...document.querySelectorAll('[data-sensor]')].map(c => [c.dataset.sensor,
  c.querySelector('[data-field="value"]').textContent.trim()]);
"#;

#[derive(Clone, Copy)]
struct Args {
    rate: u64,
    sensors: usize,
    seconds: u64,
    warmup: u64,
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
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn encode(packet: &Packet<'_>, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 1024];
    let n = mqttrs::encode_slice(packet, &mut buf).map_err(|e| anyhow::anyhow!("encode: {e:?}"))?;
    out.extend_from_slice(&buf[..n]);
    Ok(())
}

/// Publishes `rate` readings a second, round-robin over `sensors` sensors, QoS 1 retained like the real sensors,
/// for `seconds`. Returns how many it sent and the last value of each sensor.
async fn publish(port: u16, broker: &str, args: &Args) -> anyhow::Result<(u64, Duration, Vec<f64>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut out = Vec::new();
    encode(
        &Packet::Connect(Connect {
            protocol: Protocol::MQTT311,
            keep_alive: 60,
            client_id: "load-bench",
            clean_session: true,
            last_will: None,
            username: Some(OPERATOR.username),
            password: Some(OPERATOR.password.as_bytes()),
        }),
        &mut out,
    )?;
    stream.write_all(&out).await?;
    let (mut read, mut write) = stream.into_split();
    let mut connack = [0u8; 4];
    read.read_exact(&mut connack).await?;
    anyhow::ensure!(connack[3] == 0, "broker refused the load generator: {connack:?}");
    // PUBACKs are read and dropped.
    tokio::spawn(async move {
        let mut sink = vec![0u8; 65536];
        while read.read(&mut sink).await.is_ok_and(|n| n > 0) {}
    });
    let names: Vec<SensorName> = (0..args.sensors)
        .map(|i| SensorName::parse(&format!("load_{i:03}")))
        .collect::<Result<_, _>>()?;
    let topics: Vec<String> = names
        .iter()
        .map(|n| Topic::Reading(n.clone()).to_topic_string())
        .collect();
    let mut seq = vec![0u64; args.sensors];
    let mut last = vec![0f64; args.sensors];
    let boot = format!("bench{}", now_ms());
    let start = Instant::now();
    let batch = (args.rate / 100).max(1);
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs(args.seconds) {
        out.clear();
        for _ in 0..batch {
            let i = (sent % args.sensors as u64) as usize;
            seq[i] += 1;
            let ts = now_ms();
            let value = if i == 0 {
                ts as f64
            } else {
                20.0 + (seq[i] % 50) as f64 * 0.5
            };
            last[i] = value;
            let reading = Reading {
                sensor: names[i].clone(),
                value,
                broker_used: broker.to_owned(),
                seq: Some(seq[i]),
                boot: Some(boot.clone()),
                ts: Some(ts),
                unit: None,
            };
            let payload = reading.to_json();
            let pid = Pid::try_from((sent % 65_535 + 1) as u16).unwrap_or_default();
            encode(
                &Packet::Publish(Publish {
                    dup: false,
                    qospid: QosPid::AtLeastOnce(pid),
                    retain: true,
                    topic_name: &topics[i],
                    payload: &payload,
                }),
                &mut out,
            )?;
            sent += 1;
        }
        write.write_all(&out).await?;
        let due = start + Duration::from_secs_f64(sent as f64 / args.rate as f64);
        tokio::time::sleep_until(due.into()).await;
    }
    Ok((sent, start.elapsed(), last))
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
    e2e::wait_for("both brokers connected", Duration::from_secs(30), || async {
        let v = browser
            .execute(
                "return document.querySelectorAll('[data-broker][data-state=connected]').length;",
                vec![],
            )
            .await?;
        Ok((v.as_u64() == Some(2)).then_some(()))
    })
    .await?;
    browser.execute(PROBE_JS, vec![]).await?;

    let port = stack.primary().ports().mqtt;
    let generator = tokio::spawn(async move { publish(port, "broker-primary", &args).await });
    println!("| t (s) | frames | frame p50 (ms) | p95 | p99 | max | latency p50 (ms) | p95 | heap (MB) | cards | DOM nodes |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let start = Instant::now();
    let (mut all_frames, mut all_lat, mut heaps) = (Vec::new(), Vec::new(), Vec::new());
    while !generator.is_finished() {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let v = browser.execute(COLLECT_JS, vec![]).await?;
        let (mut frames, mut lat) = (numbers(&v, "frames"), numbers(&v, "lat"));
        let heap = v["heap"].as_f64().unwrap_or(0.0) / 1e6;
        let t = start.elapsed().as_secs();
        println!(
            "| {t} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} | {heap:.1} | {} | {} |",
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
        }
    }
    let (sent, took, last) = generator.await??;

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
        let stale: Vec<String> = last
            .iter()
            .enumerate()
            .filter(|(i, value)| shown.get(&format!("load_{i:03}")) != Some(*value))
            .map(|(i, value)| {
                format!(
                    "load_{i:03}: sent {value}, shows {:?}",
                    shown.get(&format!("load_{i:03}"))
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

    let heap_min = heaps.iter().copied().fold(f64::INFINITY, f64::min);
    let heap_max = heaps.iter().copied().fold(0.0, f64::max);
    println!();
    println!("| rate (msg/s) | sensors | duration (s) | frame p50 / p95 / p99 (ms) | latency p50 / p95 (ms) | JS heap after warm-up (MB) | all cards current 1 s after the last publish |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {:.0} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {:.0} / {:.0} | {heap_min:.1}–{heap_max:.1} | {} |",
        sent as f64 / took.as_secs_f64(),
        args.sensors,
        took.as_secs_f64(),
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
