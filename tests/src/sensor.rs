//! `Sensor`: one release `sensor-node` process configured through its environment, as docker-compose would,
//! with the signals the scenarios need: SIGTERM (what `docker stop` sends) and SIGKILL.

use crate::process::Process;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::Duration;

use sensor_wire::SEED_TYPES;

/// The seed's four sensors, in the compose file's order (names from `sensor_wire::SEED_TYPES`).
pub const SEED_SENSORS: [&str; 4] = [
    SEED_TYPES[0].name,
    SEED_TYPES[1].name,
    SEED_TYPES[2].name,
    SEED_TYPES[3].name,
];

/// What one sensor process is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorSpec {
    /// `SENSOR_TYPE`.
    pub sensor_type: String,
    /// `PUBLISH_INTERVAL_MS`.
    pub interval: Duration,
    /// Any further variables (`SENSOR_MIN`, `OUTBOX_CAPACITY`, `RUST_LOG`, …).
    pub extra_env: Vec<(String, String)>,
}

impl SensorSpec {
    /// A seed sensor type gets its development login (`MQTT_USERNAME`/`MQTT_PASSWORD`), as docker-compose gives it;
    /// any other type connects anonymously, and the brokers' ACL drops what it publishes.
    pub fn new(sensor_type: &str, interval: Duration) -> SensorSpec {
        let extra_env = match crate::credentials::sensor_login(sensor_type) {
            Some(login) => vec![
                ("MQTT_USERNAME".to_owned(), login.username.to_owned()),
                ("MQTT_PASSWORD".to_owned(), login.password.to_owned()),
            ],
            None => Vec::new(),
        };
        SensorSpec {
            sensor_type: sensor_type.to_owned(),
            interval,
            extra_env,
        }
    }

    /// The four seed sensors at `interval`.
    pub fn seed(interval: Duration) -> Vec<SensorSpec> {
        SEED_SENSORS.iter().map(|t| SensorSpec::new(t, interval)).collect()
    }

    pub fn with_env(mut self, name: &str, value: &str) -> SensorSpec {
        self.extra_env.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// `name=host:port,…` in the given order (first = primary), as `BROKER_LIST` expects.
pub fn broker_list(brokers: &[(&str, String)]) -> String {
    brokers
        .iter()
        .map(|(name, addr)| format!("{name}={addr}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Debug)]
pub struct Sensor {
    spec: SensorSpec,
    process: Process,
}

impl Sensor {
    /// Starts `sensor-node` with `SENSOR_TYPE`, `BROKER_LIST` and `PUBLISH_INTERVAL_MS`; its log is
    /// `<dir>/sensor-<type>.log`. `brokers` are `(name, "127.0.0.1:port")`, primary first.
    pub fn start(spec: &SensorSpec, brokers: &[(&str, String)], dir: &Path) -> anyhow::Result<Sensor> {
        let bin = crate::artifacts::sensor_node_bin()?;
        let mut cmd = Command::new(bin);
        cmd.env_remove("SENSOR_MIN").env_remove("SENSOR_MAX");
        cmd.env("SENSOR_TYPE", &spec.sensor_type)
            .env("BROKER_LIST", broker_list(brokers))
            .env("PUBLISH_INTERVAL_MS", spec.interval.as_millis().to_string());
        for (name, value) in &spec.extra_env {
            cmd.env(name, value);
        }
        let name = format!("sensor-{}", spec.sensor_type);
        let process = Process::spawn(&name, cmd, &dir.join(format!("{name}.log")))?;
        Ok(Sensor {
            spec: spec.clone(),
            process,
        })
    }

    pub fn spec(&self) -> &SensorSpec {
        &self.spec
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// SIGTERM: the graceful stop `docker stop` asks for.
    pub fn terminate(&mut self) -> anyhow::Result<()> {
        self.process.signal(libc::SIGTERM)
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) -> anyhow::Result<ExitStatus> {
        self.process.kill()
    }

    /// `None` while it runs.
    pub fn exit_status(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        self.process.exit_status()
    }

    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    pub async fn wait_exit(&mut self, timeout: Duration) -> anyhow::Result<ExitStatus> {
        self.process.wait_exit(timeout).await
    }

    pub fn log_text(&self) -> String {
        self.process.log_text()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_list_names_each_broker_in_order() {
        let list = broker_list(&[
            ("broker-primary", "127.0.0.1:1".into()),
            ("broker-secondary", "127.0.0.1:2".into()),
        ]);
        assert_eq!(list, "broker-primary=127.0.0.1:1,broker-secondary=127.0.0.1:2");
    }
}
