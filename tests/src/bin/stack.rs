//! `stack`: the whole system natively, without Docker — both brokers from the shipped `mosquitto.conf`, nginx from
//! the shipped `nginx.conf` serving the release dashboard, and the four seed sensors — on the compose file's ports
//! by default, until Ctrl-C (or SIGTERM). Logs go to a temp dir it prints.
//!
//! ```text
//! stack [--mqtt-ports 1883,1884] [--ws-ports 9001,9002] [--http-port 5001] [--interval-ms 2000] [--no-dashboard]
//! ```
//! Each flag also reads an environment variable: STACK_MQTT_PORTS, STACK_WS_PORTS, STACK_HTTP_PORT,
//! PUBLISH_INTERVAL_MS. A bad value prints one line naming it and exits with code 2.

use e2e::{Ports, SensorSpec, Stack, StackConfig};
use std::time::Duration;

/// How long each sensor gets to exit after SIGTERM (docker-compose's `stop_grace_period` is 10 s).
const SENSOR_STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// The seed's publish interval.
const DEFAULT_INTERVAL_MS: u64 = 2000;

#[derive(Debug, Clone, PartialEq)]
struct Args {
    ports: Ports,
    interval: Duration,
    dashboard: bool,
}

/// Flags first, then environment variables, then the compose defaults.
fn parse_args(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Args, String> {
    let mut flags = std::collections::HashMap::new();
    let mut dashboard = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--no-dashboard" => dashboard = false,
            "--mqtt-ports" | "--ws-ports" | "--http-port" | "--interval-ms" => {
                let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
                flags.insert(arg.as_str(), value.clone());
            }
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other:?}; {}", usage())),
        }
    }
    let get = |flag: &str, var: &str| {
        flags
            .get(flag)
            .cloned()
            .or_else(|| env(var))
            .map(|v| (flag.to_owned(), var.to_owned(), v))
    };
    let mut ports = Ports::COMPOSE;
    if let Some((flag, var, v)) = get("--mqtt-ports", "STACK_MQTT_PORTS") {
        ports.mqtt =
            port_pair(&v).ok_or_else(|| format!("{flag} / {var}: expected two ports like 1883,1884, got {v:?}"))?;
    }
    if let Some((flag, var, v)) = get("--ws-ports", "STACK_WS_PORTS") {
        ports.ws =
            port_pair(&v).ok_or_else(|| format!("{flag} / {var}: expected two ports like 9001,9002, got {v:?}"))?;
    }
    if let Some((flag, var, v)) = get("--http-port", "STACK_HTTP_PORT") {
        ports.http = port(&v).ok_or_else(|| format!("{flag} / {var}: expected a port like 5001, got {v:?}"))?;
    }
    let mut interval = Duration::from_millis(DEFAULT_INTERVAL_MS);
    if let Some((flag, var, v)) = get("--interval-ms", "PUBLISH_INTERVAL_MS") {
        let ms: u64 = v
            .trim()
            .parse()
            .ok()
            .filter(|ms| *ms > 0)
            .ok_or_else(|| format!("{flag} / {var}: expected a positive number of milliseconds, got {v:?}"))?;
        interval = Duration::from_millis(ms);
    }
    Ok(Args {
        ports,
        interval,
        dashboard,
    })
}

fn port(s: &str) -> Option<u16> {
    s.trim().parse().ok().filter(|p| *p != 0)
}

fn port_pair(s: &str) -> Option<[u16; 2]> {
    let (a, b) = s.split_once(',')?;
    Some([port(a)?, port(b)?])
}

fn usage() -> String {
    "usage: stack [--mqtt-ports P1,P2] [--ws-ports W1,W2] [--http-port H] [--interval-ms MS] [--no-dashboard]".into()
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("stack: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv, |var| std::env::var(var).ok()) {
        Ok(args) => args,
        Err(line) => {
            eprintln!("stack: {line}");
            std::process::exit(2);
        }
    };
    let config = StackConfig {
        ports: args.ports,
        sensors: SensorSpec::seed(args.interval),
        dashboard_dist: if args.dashboard {
            Some(e2e::artifacts::dashboard_dist()?)
        } else {
            None
        },
        dashboard_settings: Default::default(),
        dashboard_urls: [None, None],
    };
    // Signals first: Ctrl-C during start-up must still drop (and so kill) whatever was started.
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut stack = tokio::select! {
        stack = Stack::start(config) => stack?,
        _ = sigint.recv() => return Ok(()),
        _ = sigterm.recv() => return Ok(()),
    };
    let p = stack.ports();
    println!(
        "broker-primary    mqtt://127.0.0.1:{}  ws://127.0.0.1:{}",
        p.mqtt[0], p.ws[0]
    );
    println!(
        "broker-secondary  mqtt://127.0.0.1:{}  ws://127.0.0.1:{}",
        p.mqtt[1], p.ws[1]
    );
    if let Some(url) = stack.dashboard_url() {
        println!("dashboard         {url}");
    }
    println!(
        "sensors           {} every {:?}",
        e2e::sensor::SEED_SENSORS.join(", "),
        args.interval
    );
    println!("logs              {}", stack.dir().display());
    println!(
        "watch             mosquitto_sub -h 127.0.0.1 -p {} -t 'sensor/#' -v",
        p.mqtt[0]
    );
    println!("Ctrl-C stops everything.");

    tokio::select! {
        _ = sigint.recv() => {}
        _ = sigterm.recv() => {}
    }
    println!("stopping");
    // SIGTERM first, as `docker stop` does, so sensors can say goodbye; whatever is left is killed on drop.
    for sensor in stack.sensors() {
        let _ = sensor.terminate();
    }
    for sensor in stack.sensors() {
        let _ = sensor.wait_exit(SENSOR_STOP_TIMEOUT).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn defaults_to_the_compose_ports_and_the_seed_interval() {
        let a = parse_args(&[], |_| None).unwrap();
        assert_eq!(
            a,
            Args {
                ports: Ports::COMPOSE,
                interval: Duration::from_millis(2000),
                dashboard: true
            }
        );
    }

    #[test]
    fn flags_win_over_environment_variables() {
        let env = |v: &str| (v == "STACK_HTTP_PORT").then(|| "7000".to_owned());
        let a = parse_args(&args(&["--http-port", "8000", "--mqtt-ports", "1,2"]), env).unwrap();
        assert_eq!(a.ports.http, 8000);
        assert_eq!(a.ports.mqtt, [1, 2]);
        let a = parse_args(&[], env).unwrap();
        assert_eq!(a.ports.http, 7000);
    }

    #[test]
    fn a_bad_value_names_the_flag_and_the_variable() {
        let err = parse_args(&args(&["--ws-ports", "9001"]), |_| None).unwrap_err();
        assert!(err.contains("--ws-ports / STACK_WS_PORTS"), "{err}");
        let err = parse_args(&[], |v| (v == "PUBLISH_INTERVAL_MS").then(|| "0".to_owned())).unwrap_err();
        assert!(err.contains("PUBLISH_INTERVAL_MS"), "{err}");
    }
}
