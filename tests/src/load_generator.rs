//! `publish_load`: a load generator for the dashboard. It publishes well-formed readings (`sensor_wire`) at a set
//! rate, round-robin over N sensors named `load_000`, `load_001`, …, into one broker over one MQTT connection, as
//! the `operator` user, QoS 1 and retained like the real sensors. PUBACKs are read and dropped.
//!
//! Sensor 0's value is its publish time (ms since the epoch), so a page can measure latency from it; the others
//! cycle through 20.0–44.5. A plan may drop a share of the readings (every sensor but sensor 0): their `seq` is
//! used up but they are never published, as on a lossy link, so the page has gaps to track. Used by the load
//! benchmark and the load end-to-end test; it measures nothing itself.

use crate::credentials::OPERATOR;
use mqttrs::{Connect, Packet, Pid, Protocol, Publish, QosPid};
use sensor_wire::{Reading, SensorName, Topic};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to publish.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Readings a second, across all sensors.
    pub rate: u64,
    pub sensors: usize,
    pub duration: Duration,
    /// `broker_used` in every reading.
    pub broker: String,
    /// Percent (0–99) of the readings of sensors 1… that are numbered but never published.
    pub drop_percent: u8,
}

/// What was published.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Readings published.
    pub sent: u64,
    /// Readings numbered, published or dropped.
    pub generated: u64,
    pub took: Duration,
    /// Per sensor, in index order: readings numbered (its last `seq`) and the last value published.
    pub per_sensor: Vec<(u64, f64)>,
}

impl LoadReport {
    /// Readings a second actually published.
    pub fn rate(&self) -> f64 {
        self.sent as f64 / self.took.as_secs_f64()
    }

    /// Readings a second numbered, dropped ones included.
    pub fn offered_rate(&self) -> f64 {
        self.generated as f64 / self.took.as_secs_f64()
    }
}

/// The name of sensor `i`.
pub fn sensor_name(i: usize) -> String {
    format!("load_{i:03}")
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

/// Publishes `plan` into the broker's MQTT listener at `127.0.0.1:port`, in batches of 1/100 of the rate, each
/// batch sent when it is due.
pub async fn publish_load(port: u16, plan: &LoadPlan) -> anyhow::Result<LoadReport> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut out = Vec::new();
    encode(
        &Packet::Connect(Connect {
            protocol: Protocol::MQTT311,
            keep_alive: 60,
            client_id: "load-generator",
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
    tokio::spawn(async move {
        let mut sink = vec![0u8; 65536];
        while read.read(&mut sink).await.is_ok_and(|n| n > 0) {}
    });
    let names: Vec<SensorName> = (0..plan.sensors)
        .map(|i| SensorName::parse(&sensor_name(i)))
        .collect::<Result<_, _>>()?;
    let topics: Vec<String> = names
        .iter()
        .map(|n| Topic::Reading(n.clone()).to_topic_string())
        .collect();
    let mut per_sensor = vec![(0u64, 0f64); plan.sensors];
    let boot = format!("load{}", now_ms());
    let start = Instant::now();
    let batch = (plan.rate / 100).max(1);
    let (mut sent, mut generated) = (0u64, 0u64);
    // xorshift: which readings a lossy plan drops (deterministic, no dependency).
    let mut dice = 0x9e37_79b9_7f4a_7c15u64;
    while start.elapsed() < plan.duration {
        out.clear();
        for _ in 0..batch {
            let i = (generated % plan.sensors as u64) as usize;
            generated += 1;
            let (seq, last) = &mut per_sensor[i];
            *seq += 1;
            dice ^= dice << 13;
            dice ^= dice >> 7;
            dice ^= dice << 17;
            if i != 0 && dice % 100 < u64::from(plan.drop_percent) {
                continue;
            }
            let ts = now_ms();
            *last = if i == 0 {
                ts as f64
            } else {
                20.0 + (*seq % 50) as f64 * 0.5
            };
            let reading = Reading {
                sensor: names[i].clone(),
                value: *last,
                broker_used: plan.broker.clone(),
                seq: Some(*seq),
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
        // Paces the generator to its rate (not a synchronisation: nothing waits on anything else here).
        let due = start + Duration::from_secs_f64(generated as f64 / plan.rate as f64);
        tokio::time::sleep_until(due.into()).await;
    }
    Ok(LoadReport {
        sent,
        generated,
        took: start.elapsed(),
        per_sensor,
    })
}
