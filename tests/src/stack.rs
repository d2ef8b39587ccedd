//! `Stack`: the whole system brought up natively — two brokers, optionally nginx serving the dashboard, and sensor
//! processes — in one temporary directory that holds every config and log.
//!
//! Dropping the stack kills everything (sensors first, brokers last) and removes the directory; if the thread is
//! panicking (a failed test), every log is printed first. `E2E_KEEP_TMP=1` keeps the directory.

use crate::broker::{Broker, BrokerPorts};
use crate::dist::{BrokerEndpoint, DashboardSettings};
use crate::nginx::Nginx;
use crate::sensor::{Sensor, SensorSpec};
use crate::{Ports, BROKER_NAMES};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Set to `1` to keep the stack's temporary directory (configs, logs) after it stops.
pub const KEEP_TMP_ENV: &str = "E2E_KEEP_TMP";

/// What to start.
#[derive(Debug, Clone)]
pub struct StackConfig {
    pub ports: Ports,
    /// Sensor processes, started after both brokers answer.
    pub sensors: Vec<SensorSpec>,
    /// Serve the dashboard dist at this path through nginx; `None` runs without nginx.
    pub dashboard_dist: Option<PathBuf>,
    /// `config.json` keys the dashboard gets besides the broker list (`thresholds`, `history_minutes`).
    pub dashboard_settings: DashboardSettings,
    /// Per broker (primary first), a WebSocket URL the dashboard uses instead of the broker's own, e.g. a
    /// `FaultProxy` in front of it; `None` keeps the broker's.
    pub dashboard_urls: [Option<String>; 2],
}

impl StackConfig {
    /// Brokers only, on free ports.
    pub fn brokers_only() -> anyhow::Result<StackConfig> {
        Ok(StackConfig {
            ports: Ports::free()?,
            sensors: Vec::new(),
            dashboard_dist: None,
            dashboard_settings: DashboardSettings::new(),
            dashboard_urls: [None, None],
        })
    }

    /// Brokers and nginx with the release dist (see `artifacts::dashboard_dist`), on free ports.
    pub fn with_dashboard() -> anyhow::Result<StackConfig> {
        Ok(StackConfig {
            dashboard_dist: Some(crate::artifacts::dashboard_dist()?),
            ..StackConfig::brokers_only()?
        })
    }

    pub fn sensors(mut self, sensors: Vec<SensorSpec>) -> StackConfig {
        self.sensors = sensors;
        self
    }

    /// Points the dashboard at `url` for broker `index` (0 = primary) instead of the broker's own WebSocket URL.
    pub fn dashboard_url_for(mut self, index: usize, url: String) -> StackConfig {
        if let Some(slot) = self.dashboard_urls.get_mut(index) {
            *slot = Some(url);
        }
        self
    }

    /// Sets `config.json` keys besides the broker list; `settings` must be a JSON object.
    pub fn dashboard_settings(mut self, settings: serde_json::Value) -> anyhow::Result<StackConfig> {
        let serde_json::Value::Object(settings) = settings else {
            anyhow::bail!("dashboard settings must be a JSON object, got {settings}");
        };
        self.dashboard_settings = settings;
        Ok(self)
    }
}

#[derive(Debug)]
pub struct Stack {
    // Fields drop in this order: sensors, nginx, brokers, then the directory.
    sensors: Vec<Sensor>,
    nginx: Option<Nginx>,
    brokers: Vec<Broker>,
    ports: Ports,
    dir: tempfile::TempDir,
}

impl Stack {
    /// Starts the brokers (waiting until both answer MQTT), nginx if asked (waiting until it serves `/`), then the
    /// sensors.
    pub async fn start(config: StackConfig) -> anyhow::Result<Stack> {
        // Missing build artifacts fail before anything starts.
        if !config.sensors.is_empty() {
            crate::artifacts::sensor_node_bin()?;
        }
        let dir = tempfile::Builder::new()
            .prefix("e2e-stack-")
            .tempdir()
            .context("creating the stack's temp dir")?;
        let mut stack = Stack {
            sensors: Vec::new(),
            nginx: None,
            brokers: Vec::new(),
            ports: config.ports,
            dir,
        };
        let result = stack.bring_up(&config).await;
        match result {
            Ok(()) => Ok(stack),
            Err(e) => Err(anyhow::anyhow!(
                "starting the stack: {e:#}\n----- logs so far -----\n{}",
                stack.logs()
            )),
        }
    }

    async fn bring_up(&mut self, config: &StackConfig) -> anyhow::Result<()> {
        let ports = config.ports;
        for (i, name) in BROKER_NAMES.iter().enumerate() {
            let broker_ports = BrokerPorts {
                mqtt: ports.mqtt[i],
                ws: ports.ws[i],
            };
            self.brokers
                .push(Broker::start(name, broker_ports, self.dir.path()).await?);
        }
        if let Some(dist) = &config.dashboard_dist {
            let site = self.dir.path().join("site");
            let endpoints: Vec<BrokerEndpoint> = self
                .brokers
                .iter()
                .zip(&config.dashboard_urls)
                .map(|(b, url)| BrokerEndpoint {
                    name: b.name().to_owned(),
                    url: url.clone().unwrap_or_else(|| b.ws_url()),
                })
                .collect();
            crate::dist::stage(dist, &site, &endpoints, &config.dashboard_settings)?;
            self.nginx = Some(Nginx::start(ports.http, &site, self.dir.path()).await?);
        }
        for spec in &config.sensors {
            self.start_sensor(spec)?;
        }
        Ok(())
    }

    /// Starts one more sensor process against both brokers (primary first).
    pub fn start_sensor(&mut self, spec: &SensorSpec) -> anyhow::Result<&mut Sensor> {
        let list = self.broker_list();
        let list: Vec<(&str, String)> = list.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
        let sensor = Sensor::start(spec, &list, self.dir.path())?;
        self.sensors.push(sensor);
        Ok(self.sensors.last_mut().expect("just pushed"))
    }

    /// `(name, "127.0.0.1:<mqtt port>")` per broker, primary first.
    pub fn broker_list(&self) -> Vec<(String, String)> {
        self.brokers
            .iter()
            .map(|b| (b.name().to_owned(), b.mqtt_addr()))
            .collect()
    }

    pub fn ports(&self) -> Ports {
        self.ports
    }

    /// The directory holding every config and log of this stack (and room for more, e.g. a browser profile).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn primary(&mut self) -> &mut Broker {
        &mut self.brokers[0]
    }

    pub fn secondary(&mut self) -> &mut Broker {
        &mut self.brokers[1]
    }

    pub fn brokers(&mut self) -> &mut [Broker] {
        &mut self.brokers
    }

    pub fn sensors(&mut self) -> &mut [Sensor] {
        &mut self.sensors
    }

    /// The sensor process started for `sensor_type` (the first, if several).
    pub fn sensor(&mut self, sensor_type: &str) -> Option<&mut Sensor> {
        self.sensors.iter_mut().find(|s| s.spec().sensor_type == sensor_type)
    }

    pub fn nginx(&self) -> Option<&Nginx> {
        self.nginx.as_ref()
    }

    /// The dashboard's URL, if nginx runs.
    pub fn dashboard_url(&self) -> Option<String> {
        self.nginx.as_ref().map(Nginx::url)
    }

    /// SIGTERMs every sensor (each flushes its outbox and exits 0) and returns what each delivered, by type, as its
    /// `stopped` line says.
    pub async fn stop_sensors(&mut self, timeout: std::time::Duration) -> anyhow::Result<Vec<(String, u64)>> {
        for sensor in &mut self.sensors {
            sensor.terminate()?;
        }
        let mut delivered = Vec::new();
        for sensor in &mut self.sensors {
            let kind = sensor.spec().sensor_type.clone();
            let exit = sensor.wait_exit(timeout).await?;
            anyhow::ensure!(exit.success(), "sensor-{kind} exited with {exit}");
            let summary = crate::failover_scenario::StopSummary::from_log(&sensor.log_text())
                .ok_or_else(|| anyhow::anyhow!("sensor-{kind} wrote no `stopped` line"))?;
            delivered.push((kind, summary.delivered()));
        }
        Ok(delivered)
    }

    /// Every log of the stack, each under a heading.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for b in &self.brokers {
            out.push_str(&format!(
                "===== {} ({})\n{}\n",
                b.name(),
                b.log_path().display(),
                b.log_text()
            ));
        }
        if let Some(n) = &self.nginx {
            out.push_str(&format!("===== nginx\n{}\n", n.log_text()));
        }
        for s in &self.sensors {
            out.push_str(&format!("===== sensor-{}\n{}\n", s.spec().sensor_type, s.log_text()));
        }
        out
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "----- logs of the stack in {} -----\n{}",
                self.dir.path().display(),
                self.logs()
            );
        }
        if std::env::var(KEEP_TMP_ENV).is_ok_and(|v| v == "1") {
            eprintln!("keeping {} ({KEEP_TMP_ENV}=1)", self.dir.path().display());
            self.dir.disable_cleanup(true);
        }
    }
}
