//! `ComposeProject`: the shipped docker-compose.yml run for real on the local Docker engine, through the
//! docker-compose v1 CLI — the commands a person types (`up --build -d`, `kill`, `start`, `pause`, `stop`, `logs`,
//! `ps`, `down -v`) — under a compose project name of its own (`-p`), so its network and volumes never meet another
//! run's. The compose file's container names and host ports are fixed by the seed's contract, so `up` first refuses,
//! naming what is in the way, if any of them is taken.
//!
//! Dropping a project that is up runs `docker-compose down -v` (printing every service's log first when the thread
//! is panicking); `down` does the same and then checks that the project left no container, network or volume.
//! Nothing here builds images other than through `up --build`, and nothing edits the compose file.

pub mod broker_changes;
pub mod engine;
pub mod network_cut;
pub mod sensor_log;

use crate::compose_contract::{PUBLISHED_PORTS, SENSOR_SERVICES};
use anyhow::{bail, Context};
use std::io::Write;
use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The docker-compose v1 CLI (Debian's `docker-compose` package), as the seed used it.
pub const DOCKER_COMPOSE: &str = "docker-compose";

/// Every service of the compose file: brokers, dashboard, sensors (container name = service name).
pub fn services() -> Vec<&'static str> {
    PUBLISHED_PORTS
        .iter()
        .map(|(service, _)| *service)
        .chain(SENSOR_SERVICES.iter().map(|(service, _)| *service))
        .collect()
}

/// Every host port the compose file publishes.
pub fn host_ports() -> Vec<u16> {
    PUBLISHED_PORTS
        .iter()
        .flat_map(|(_, ports)| ports.iter().map(|(host, _)| *host))
        .collect()
}

/// Writes one line to the test's stderr past libtest's capture, so it shows in a passing run too.
pub fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[derive(Debug)]
pub struct ComposeProject {
    name: String,
    file: PathBuf,
    up: bool,
}

impl ComposeProject {
    /// A project of the shipped compose file under a name no other run uses. Starts nothing.
    pub fn new() -> anyhow::Result<ComposeProject> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Ok(ComposeProject {
            name: format!("sensors-e2e-{}-{n}-{stamp}", std::process::id()),
            file: crate::artifacts::compose_file()?,
            up: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `docker-compose -p <name> -f <file> <args>`; a non-zero exit is an error carrying stdout and stderr.
    pub async fn run(&self, args: &[&str]) -> anyhow::Result<Output> {
        let out = tokio::process::Command::new(DOCKER_COMPOSE)
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(&self.file)
            .args(args)
            .kill_on_drop(true)
            .output()
            .await
            .with_context(|| format!("running {DOCKER_COMPOSE} (apt-get install docker-compose)"))?;
        if !out.status.success() {
            bail!(
                "{DOCKER_COMPOSE} {} failed ({}):\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(out)
    }

    /// Refuses if the compose file's host ports or container names are taken; then `up --build -d`, and waits until
    /// every container runs and every healthcheck says healthy.
    pub async fn up(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let taken = engine::ports_taken(&host_ports());
        if !taken.is_empty() {
            bail!(
                "refusing to start: host port(s) {taken:?} are in use, and docker-compose.yml publishes exactly \
                 {:?} (the seed's contract). Stop whatever listens there (a running `stack`, another compose \
                 project: `docker ps`) and run again.",
                host_ports()
            );
        }
        let names = services();
        let existing = engine::containers_named(&names)?;
        if !existing.is_empty() {
            bail!(
                "refusing to start: container(s) {existing:?} exist, and docker-compose.yml names its containers \
                 exactly so (the seed's contract). Remove them (`docker-compose down` in their project, or \
                 `docker rm -f …`) and run again."
            );
        }
        self.up = true;
        self.run(&["up", "--build", "-d"])
            .await
            .context("docker-compose up --build -d (no container registry here? run scripts/base-images.sh first)")?;
        self.wait_ready(timeout).await
    }

    /// Waits until every container runs, and those with a healthcheck are healthy.
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        crate::wait_for("every container running, healthchecks healthy", timeout, || async {
            let mut waiting = Vec::new();
            for container in services() {
                let (status, health) = engine::state(container)?;
                if status != "running" || health.as_deref().is_some_and(|h| h != "healthy") {
                    waiting.push(format!("{container}: {status} {}", health.unwrap_or_default()));
                }
            }
            if waiting.is_empty() {
                Ok(Some(()))
            } else {
                Err(anyhow::anyhow!("not yet: {}", waiting.join(", ")))
            }
        })
        .await
    }

    /// `docker-compose <verb> <service>`: kill, start, stop, pause, unpause, restart.
    pub async fn service(&self, verb: &str, service: &str) -> anyhow::Result<()> {
        self.run(&[verb, service]).await.map(drop)
    }

    /// `docker-compose logs --no-color <service>`.
    pub async fn logs(&self, service: &str) -> anyhow::Result<String> {
        let out = self.run(&["logs", "--no-color", service]).await?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `docker-compose ps`'s row for `service`'s container (v1: `sensor-temp  /sensor-node  Exit 0`).
    pub async fn ps_row(&self, service: &str) -> anyhow::Result<String> {
        let out = self.run(&["ps", service]).await?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find(|line| line.split_whitespace().next() == Some(service))
            .map(str::to_owned)
            .with_context(|| format!("no row for {service} in docker-compose ps:\n{text}"))
    }

    /// `docker-compose down -v`, then checks that no container, network or volume of the project is left.
    pub async fn down(mut self) -> anyhow::Result<()> {
        self.up = false;
        self.run(&["down", "-v", "--remove-orphans", "--timeout", "10"]).await?;
        let left = engine::leftovers(&self.name)?;
        if !left.is_empty() {
            bail!("docker-compose down -v left behind: {left:?}");
        }
        Ok(())
    }

    /// Every service's log (the last lines of each), for a failure report.
    fn dump_logs(&self) {
        let out = std::process::Command::new(DOCKER_COMPOSE)
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(&self.file)
            .args(["logs", "--no-color", "--tail", "100"])
            .output();
        if let Ok(out) = out {
            report(&format!(
                "----- docker-compose logs (project {}) -----\n{}",
                self.name,
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        if !self.up {
            return;
        }
        if std::thread::panicking() {
            self.dump_logs();
        }
        let down = std::process::Command::new(DOCKER_COMPOSE)
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(&self.file)
            .args(["down", "-v", "--remove-orphans", "--timeout", "10"])
            .output();
        match down {
            Ok(out) if out.status.success() => {}
            Ok(out) => report(&format!(
                "docker-compose down -v failed for project {}: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            )),
            Err(e) => report(&format!("docker-compose down -v for project {}: {e}", self.name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_knows_all_seven_services_and_five_host_ports() {
        assert_eq!(services().len(), 7);
        let mut ports = host_ports();
        ports.sort_unstable();
        assert_eq!(ports, vec![1883, 1884, 5001, 9001, 9002]);
    }

    #[test]
    fn two_projects_have_different_names() {
        let a = ComposeProject::new().unwrap();
        let b = ComposeProject::new().unwrap();
        assert_ne!(a.name(), b.name());
    }
}
