//! Test harness: real Mosquitto processes on free ports, MQTT subscribers that record every reading they see, and
//! the `sensor-node` binary. Waits poll a condition with a deadline; nothing sleeps as synchronisation.

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use sensor_wire::{parse_message, Message, Reading, Status, SUBSCRIBE_FILTER};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const STDBUF: &str = "/usr/bin/stdbuf";
const MOSQUITTO_CANDIDATES: [&str; 3] = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"];

fn mosquitto_path() -> PathBuf {
    let found = MOSQUITTO_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|d| PathBuf::from(d).join("mosquitto"))
                .find(|p| p.exists())
        });
    found.expect("mosquitto is not installed: this test runs real brokers (apt-get install mosquitto)")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Polls `cond` every 20 ms until it holds; panics with `what` and `context()` at the deadline.
pub async fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool, context: impl Fn() -> String) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}\n{}",
            context()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One Mosquitto process listening on 127.0.0.1:`port`. Killed (SIGKILL) on drop.
pub struct Broker {
    pub port: u16,
    child: Option<Child>,
    conf: PathBuf,
    log: PathBuf,
}

impl Broker {
    /// An open broker (anonymous clients may do anything), as the failover tests need.
    pub async fn start(port: u16) -> Self {
        let mut text = format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        if running_as_root() {
            text.push_str("user root\n");
        }
        Self::start_with_config(port, &text).await
    }

    /// A broker with `config` as its whole configuration, which must make it listen on `port`. Its output goes to
    /// a log file (`log_text`). Panics with that log when Mosquitto exits at start.
    pub async fn start_with_config(port: u16, config: &str) -> Self {
        Self::try_start_with_config(port, config)
            .await
            .unwrap_or_else(|log| panic!("mosquitto exited at start on port {port}:\n{log}"))
    }

    /// Like `start_with_config`, but `Err(log)` when Mosquitto exits at start — typically because another process
    /// took one of its ports after it was picked; the caller may retry on others.
    pub async fn try_start_with_config(port: u16, config: &str) -> Result<Self, String> {
        // Unique per start: a restarted broker on the same port must not share files with the one it replaces.
        static STARTS: AtomicU32 = AtomicU32::new(0);
        let n = STARTS.fetch_add(1, Ordering::Relaxed);
        let base = std::env::temp_dir().join(format!("sensor-node-test-{}-{port}-{n}", std::process::id()));
        let (conf, log) = (base.with_extension("conf"), base.with_extension("mosquitto.log"));
        std::fs::write(&conf, config).expect("write mosquitto config");
        let out = std::fs::File::create(&log).expect("create mosquitto log");
        // `log_dest stdout` into a file is block-buffered: line-buffer it when coreutils' stdbuf is there.
        let mut cmd = if Path::new(STDBUF).is_file() {
            let mut cmd = Command::new(STDBUF);
            cmd.arg("-oL").arg(mosquitto_path());
            cmd
        } else {
            Command::new(mosquitto_path())
        };
        let child = cmd
            .arg("-c")
            .arg(&conf)
            .stdout(out.try_clone().expect("clone log file"))
            .stderr(out)
            .spawn()
            .expect("start mosquitto");
        let mut broker = Self {
            port,
            child: Some(child),
            conf,
            log,
        };
        // Mosquitto logs `running` once every listener is open, or exits if one cannot be. A TCP connect alone
        // could reach another test's broker that took the port first.
        let mut exited = false;
        let child = broker.child.as_mut().expect("just spawned");
        let log = broker.log.clone();
        wait_until(
            Duration::from_secs(10),
            "mosquitto to run",
            || {
                exited = !matches!(child.try_wait(), Ok(None));
                exited || std::fs::read_to_string(&log).unwrap_or_default().contains(" running")
            },
            || std::fs::read_to_string(&log).unwrap_or_default(),
        )
        .await;
        if exited {
            return Err(broker.log_text());
        }
        wait_until(
            Duration::from_secs(10),
            "mosquitto to accept connections",
            || TcpStream::connect(("127.0.0.1", port)).is_ok(),
            || format!("port {port}\n{}", broker.log_text()),
        )
        .await;
        Ok(broker)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL, as a crashed broker.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.conf);
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Sends a signal by name (`TERM`, `STOP`, `CONT`) with the system's `kill`.
pub fn signal(pid: u32, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .map(|s| s.success());
    assert_eq!(ok.ok(), Some(true), "kill -{name} {pid}");
}

/// Every reading and presence message the subscribers on one broker received, in arrival order, and anything
/// that failed to parse.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Received>>);

#[derive(Default)]
struct Received {
    readings: Vec<Reading>,
    statuses: Vec<Status>,
    unparsable: Vec<String>,
}

impl Seen {
    pub fn readings(&self) -> Vec<Reading> {
        self.0.lock().unwrap().readings.clone()
    }

    pub fn statuses(&self) -> Vec<Status> {
        self.0.lock().unwrap().statuses.clone()
    }

    pub fn unparsable(&self) -> Vec<String> {
        self.0.lock().unwrap().unparsable.clone()
    }

    pub fn max_seq(&self) -> Option<u64> {
        self.0.lock().unwrap().readings.iter().filter_map(|r| r.seq).max()
    }

    pub fn count(&self) -> usize {
        self.0.lock().unwrap().readings.len()
    }
}

/// Subscribes to `sensor/#` on 127.0.0.1:`port` and records readings until the broker goes away.
pub async fn subscribe(port: u16, seen: Seen) {
    let mut opts = MqttOptions::new(format!("test-sub-{port}-{}", std::process::id()), "127.0.0.1", port);
    opts.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(opts, 16);
    client
        .subscribe(SUBSCRIBE_FILTER, QoS::AtLeastOnce)
        .await
        .expect("queue subscribe");
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _client = client;
        let mut ready = Some(ready_tx);
        while let Ok(event) = eventloop.poll().await {
            match event {
                Event::Incoming(Packet::SubAck(_)) => {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(());
                    }
                }
                Event::Incoming(Packet::Publish(p)) => {
                    let mut received = seen.0.lock().unwrap();
                    match parse_message(&p.topic, &p.payload) {
                        Ok(Message::Reading(r)) => received.readings.push(r),
                        Ok(Message::Status(st)) => received.statuses.push(st),
                        Err(e) => received.unparsable.push(format!("{}: {e}", p.topic)),
                    }
                }
                _ => {}
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(10), ready_rx)
        .await
        .expect("SUBACK in time")
        .expect("subscriber ran");
}

/// The sensor binary under test; its log goes to a file shown when an assertion fails.
pub struct Sensor {
    child: Child,
    pub log: PathBuf,
}

impl Sensor {
    pub fn start(vars: &[(&str, String)]) -> Self {
        let log = std::env::temp_dir().join(format!("sensor-node-test-{}-{}.log", std::process::id(), free_port()));
        let file = std::fs::File::create(&log).expect("create sensor log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sensor-node"));
        cmd.env("RUST_LOG", "sensor_node=debug,info")
            .stdout(Stdio::null())
            .stderr(file);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        Self {
            child: cmd.spawn().expect("start sensor-node"),
            log,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn assert_running(&mut self) {
        assert!(
            matches!(self.child.try_wait(), Ok(None)),
            "sensor-node exited\n{}",
            self.log_text()
        );
    }

    /// SIGTERM, then the exit status within `timeout`.
    pub async fn terminate(&mut self, timeout: Duration) -> std::process::ExitStatus {
        signal(self.child.id(), "TERM");
        let mut status = None;
        let child = &mut self.child;
        wait_until(
            timeout,
            "sensor-node to exit after SIGTERM",
            || {
                status = child.try_wait().ok().flatten();
                status.is_some()
            },
            String::new,
        )
        .await;
        status.expect("exited")
    }
}

impl Drop for Sensor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Checks every reading names the broker it came through, and that together the subscribers saw every `seq`
/// from 0 to the highest seen. Returns that highest `seq`.
pub fn assert_gap_free(seen: &[(&str, &Seen)], log: &str) -> u64 {
    let mut seqs = Vec::new();
    for (broker, s) in seen {
        assert_eq!(
            s.unparsable(),
            Vec::<String>::new(),
            "unparsable messages through {broker}"
        );
        for r in s.readings() {
            assert_eq!(
                r.broker_used, *broker,
                "a reading came through {broker} naming {}",
                r.broker_used
            );
            seqs.push(r.seq.expect("readings carry seq"));
        }
    }
    seqs.sort_unstable();
    seqs.dedup();
    let max = *seqs.last().expect("some readings arrived");
    let missing: Vec<u64> = (0..=max).filter(|s| seqs.binary_search(s).is_err()).collect();
    assert!(missing.is_empty(), "lost readings {missing:?} of 0..={max}\n{log}");
    max
}
