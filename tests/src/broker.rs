//! `Broker`: one real Mosquitto process started from the shipped `mosquitto.conf` on given ports, with the faults the
//! failover scenarios need — SIGKILL, SIGSTOP/SIGCONT (a hung broker), restart on the same ports.
//!
//! The rewritten config and the log (appended across restarts) live in the directory the caller gives.

pub mod config;
pub mod probe;

use crate::process::Process;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The Mosquitto binary; Debian installs it outside a normal user's PATH.
pub const MOSQUITTO_BIN: &str = "/usr/sbin/mosquitto";
/// coreutils' `stdbuf`, used to line-buffer Mosquitto's log.
pub const STDBUF_BIN: &str = "/usr/bin/stdbuf";
/// How long `start` and `restart` wait for the broker to answer MQTT.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The two ports one broker listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokerPorts {
    /// MQTT over TCP (1883 in the shipped config).
    pub mqtt: u16,
    /// MQTT over WebSockets (9001 in the shipped config).
    pub ws: u16,
}

/// What the harness last did to the broker process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerState {
    Running,
    /// SIGSTOPped: accepts TCP into its backlog, answers nothing.
    Stopped,
    /// SIGKILLed (or exited by itself).
    Dead,
}

#[derive(Debug)]
pub struct Broker {
    name: String,
    ports: BrokerPorts,
    conf: PathBuf,
    log: PathBuf,
    process: Option<Process>,
    stopped: bool,
}

impl Broker {
    /// Writes `<dir>/<name>.conf` from the shipped config, starts Mosquitto and waits until it answers MQTT.
    pub async fn start(name: &str, ports: BrokerPorts, dir: &Path) -> anyhow::Result<Broker> {
        let shipped_path = crate::artifacts::mosquitto_conf()?;
        let shipped =
            std::fs::read_to_string(&shipped_path).with_context(|| format!("reading {}", shipped_path.display()))?;
        // SAFETY: geteuid has no preconditions.
        let as_root = unsafe { libc::geteuid() } == 0;
        let text = config::rewrite(&shipped, ports, &crate::artifacts::broker_files_dir(), as_root)?;
        let conf = dir.join(format!("{name}.conf"));
        std::fs::write(&conf, text).with_context(|| format!("writing {}", conf.display()))?;
        let mut broker = Broker {
            name: name.to_owned(),
            ports,
            conf,
            log: dir.join(format!("{name}.log")),
            process: None,
            stopped: false,
        };
        broker.spawn()?;
        broker.wait_ready(START_TIMEOUT).await?;
        Ok(broker)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        // `log_dest stdout` is block-buffered into a file, and a SIGKILL would lose the buffer: line-buffer it.
        let mut cmd = if Path::new(STDBUF_BIN).is_file() {
            let mut cmd = Command::new(STDBUF_BIN);
            cmd.arg("-oL").arg(MOSQUITTO_BIN);
            cmd
        } else {
            Command::new(MOSQUITTO_BIN)
        };
        cmd.arg("-c").arg(&self.conf);
        self.process = Some(Process::spawn(&self.name, cmd, &self.log)?);
        self.stopped = false;
        Ok(())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn ports(&self) -> BrokerPorts {
        self.ports
    }

    /// `127.0.0.1:<mqtt port>`, as sensor-node's `BROKER_LIST` wants it.
    pub fn mqtt_addr(&self) -> String {
        format!("127.0.0.1:{}", self.ports.mqtt)
    }

    /// `ws://127.0.0.1:<ws port>`, as the dashboard's `config.json` wants it.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ports.ws)
    }

    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Process::pid)
    }

    pub fn state(&mut self) -> BrokerState {
        let running = self.process.as_mut().is_some_and(Process::is_running);
        match (running, self.stopped) {
            (false, _) => BrokerState::Dead,
            (true, true) => BrokerState::Stopped,
            (true, false) => BrokerState::Running,
        }
    }

    /// SIGKILL: the broker dies at once, without closing its clients' connections cleanly.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(p) = self.process.as_mut() {
            p.kill()?;
        }
        self.stopped = false;
        Ok(())
    }

    /// SIGSTOP: the broker hangs — its sockets stay open, nothing is answered.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        self.process
            .as_mut()
            .context("broker was never started")?
            .signal(libc::SIGSTOP)?;
        self.stopped = true;
        Ok(())
    }

    /// SIGCONT: a stopped broker resumes.
    pub fn cont(&mut self) -> anyhow::Result<()> {
        self.process
            .as_mut()
            .context("broker was never started")?
            .signal(libc::SIGCONT)?;
        self.stopped = false;
        Ok(())
    }

    /// SIGTERM, as `docker stop` sends: Mosquitto closes every connection cleanly and exits. Waits for the exit.
    pub async fn terminate(&mut self) -> anyhow::Result<()> {
        let process = self.process.as_mut().context("broker was never started")?;
        process.signal(libc::SIGTERM)?;
        process.wait_exit(START_TIMEOUT).await?;
        self.stopped = false;
        Ok(())
    }

    /// Starts a broker that has exited (`terminate`) again on the same ports and waits until it answers MQTT.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        self.spawn()?;
        self.wait_ready(START_TIMEOUT).await
    }

    /// Kills the broker if it still runs, starts it again on the same ports and waits until it answers MQTT.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill()?;
        self.spawn()?;
        self.wait_ready(START_TIMEOUT).await
    }

    /// Like `restart`, without waiting: for scenarios that time the broker's comeback themselves.
    pub fn restart_nowait(&mut self) -> anyhow::Result<()> {
        self.kill()?;
        self.spawn()
    }

    /// One probe: does the broker answer an MQTT CONNECT on its TCP port right now?
    pub async fn answers_mqtt(&self) -> bool {
        probe::mqtt_connack(self.ports.mqtt).await.is_ok()
    }

    /// Waits until the broker answers MQTT on its TCP port and accepts connections on its WebSocket port.
    /// Fails at once if the process has exited (a port taken by someone else must not pass for ours).
    pub async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let ports = self.ports;
        let name = self.name.clone();
        let log = self.log.clone();
        let process = &mut self.process;
        crate::wait_for(
            &format!("{name} to accept MQTT and WebSocket connections"),
            timeout,
            || {
                let exited = match process.as_mut().map(Process::exit_status) {
                    Some(Ok(None)) => None,
                    Some(Ok(Some(status))) => Some(format!("mosquitto exited: {status}")),
                    Some(Err(e)) => Some(format!("{e:#}")),
                    None => Some("never started".to_owned()),
                };
                async move {
                    if let Some(exited) = exited {
                        return Err(anyhow::anyhow!(exited)).context(crate::wait::GIVE_UP);
                    }
                    probe::mqtt_connack(ports.mqtt).await?;
                    probe::tcp_accepts(ports.ws).await?;
                    Ok(Some(()))
                }
            },
        )
        .await
        .with_context(|| format!("{name} log:\n{}", read_lossy(&log)))
    }

    /// The broker's log so far, across restarts.
    pub fn log_text(&self) -> String {
        read_lossy(&self.log)
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
