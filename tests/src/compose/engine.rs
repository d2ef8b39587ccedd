//! The Docker engine as the compose-level tests see it: whether one answers, whether the compose file's fixed host
//! ports and container names are free, what `docker inspect` says about a container, and what a compose project
//! left behind. Runs the `docker` CLI and reports; it changes nothing.

use anyhow::{bail, Context};
use std::net::{Ipv4Addr, TcpListener};
use std::process::Command;

/// The Docker CLI.
pub const DOCKER: &str = "docker";

/// Why no Docker engine can be used, or `None` if `docker info` answers.
pub fn unavailable() -> Option<String> {
    match Command::new(DOCKER)
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
    {
        Err(e) => Some(format!("no `{DOCKER}` command ({e})")),
        Ok(out) if !out.status.success() => Some(format!(
            "`docker info` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => None,
    }
}

/// Those of `ports` that something on this machine already listens on (any address).
pub fn ports_taken(ports: &[u16]) -> Vec<u16> {
    ports
        .iter()
        .copied()
        .filter(|&port| TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_err())
        .collect()
}

/// Those of `names` that are names of existing containers (running or not).
pub fn containers_named(names: &[&str]) -> anyhow::Result<Vec<String>> {
    let existing = docker(&["ps", "--all", "--format", "{{.Names}}"])?;
    Ok(names
        .iter()
        .filter(|name| existing.lines().any(|line| line.trim() == **name))
        .map(|name| (*name).to_owned())
        .collect())
}

/// `docker inspect --format <format> <container>`, trimmed.
pub fn inspect(container: &str, format: &str) -> anyhow::Result<String> {
    Ok(docker(&["inspect", "--format", format, container])?.trim().to_owned())
}

/// The container's main process as the host sees it (for `nsenter`).
pub fn pid(container: &str) -> anyhow::Result<u32> {
    let pid = inspect(container, "{{.State.Pid}}")?;
    match pid.parse() {
        Ok(0) | Err(_) => bail!("{container} has no running process (State.Pid = {pid:?})"),
        Ok(pid) => Ok(pid),
    }
}

/// The container's IPv4 addresses on its networks.
pub fn addresses(container: &str) -> anyhow::Result<Vec<std::net::IpAddr>> {
    let text = inspect(container, "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}")?;
    text.split_whitespace()
        .map(|a| a.parse().with_context(|| format!("{container}: bad address {a:?}")))
        .collect()
}

/// `running`, `exited`, `paused`, …, and the health status when the container has a healthcheck.
pub fn state(container: &str) -> anyhow::Result<(String, Option<String>)> {
    let text = inspect(
        container,
        "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
    )?;
    let mut words = text.split_whitespace();
    let status = words.next().unwrap_or_default().to_owned();
    Ok((status, words.next().map(str::to_owned)))
}

/// When the engine recorded `event` (`die`, `pause`, …) for `container` at or after `since_ms` (Unix milliseconds):
/// the moment a fault took effect, on the engine's clock (this machine's), independent of how long the CLI that
/// asked for it took to start and exit. `None` if there is no such event yet.
pub fn event_time_ms(container: &str, event: &str, since_ms: f64) -> anyhow::Result<Option<f64>> {
    let since = format!("{:.3}", since_ms / 1000.0);
    let until = format!("{:.3}", crate::compose::broker_changes::now_ms() / 1000.0 + 1.0);
    let container = format!("container={container}");
    let event = format!("event={event}");
    let text = docker(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        &container,
        "--filter",
        &event,
        "--format",
        "{{.TimeNano}}",
    ])?;
    Ok(text
        .lines()
        .filter_map(|line| line.trim().parse::<f64>().ok())
        .map(|nanos| nanos / 1e6)
        .next())
}

/// Every container, network and volume labelled as belonging to compose project `project`, as `kind name` lines.
pub fn leftovers(project: &str) -> anyhow::Result<Vec<String>> {
    let label = format!("label=com.docker.compose.project={project}");
    let mut out = Vec::new();
    for (kind, args) in [
        (
            "container",
            vec!["ps", "--all", "--filter", &label, "--format", "{{.Names}}"],
        ),
        (
            "network",
            vec!["network", "ls", "--filter", &label, "--format", "{{.Name}}"],
        ),
        (
            "volume",
            vec!["volume", "ls", "--filter", &label, "--format", "{{.Name}}"],
        ),
    ] {
        for name in docker(&args)?.lines().filter(|l| !l.trim().is_empty()) {
            out.push(format!("{kind} {}", name.trim()));
        }
    }
    Ok(out)
}

/// Runs `docker <args>` and returns its stdout; a failure carries its stderr.
pub fn docker(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(DOCKER)
        .args(args)
        .output()
        .with_context(|| format!("running docker {args:?}"))?;
    if !out.status.success() {
        bail!(
            "docker {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_something_listens_on_is_taken_and_a_closed_one_is_not() {
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let busy = listener.local_addr().unwrap().port();
        let free = crate::ports::free_ports(1).unwrap()[0];
        assert_eq!(ports_taken(&[busy, free]), vec![busy]);
    }
}
