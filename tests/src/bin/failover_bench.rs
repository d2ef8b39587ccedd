//! `failover_bench`: runs the failover scenarios (`e2e::failover_scenario`) against real Mosquitto, with the
//! dashboard open in headless Chromium as the judge, and prints a markdown table with the date and the machine. It
//! reports numbers; it never judges them (the acceptance thresholds are for people to compare). It fails only if a
//! scenario could not run.
//!
//! ```text
//! cargo build --release -p sensor-node && (cd frontend && trunk build --release --offline)
//! cargo run --release -p e2e --bin failover_bench -- [--interval-ms N] [scenario…]
//! ```
//! Scenarios: killed, restarted, hung, both-down, flapping, graceful (default: all, about four minutes at 200 ms).
//! `--interval-ms` defaults to 200; the seed publishes every 2000.

use e2e::failover_scenario::{run, Figures, Scenario, INTERVAL};
use std::process::ExitCode;
use std::time::Duration;

/// Sensor processes per scenario.
const SENSORS: [&str; 2] = ["temperature", "humidity"];
/// Exit code for bad arguments.
const EXIT_USAGE: u8 = 2;

fn key(s: Scenario) -> &'static str {
    match s {
        Scenario::PrimaryKilled => "killed",
        Scenario::PrimaryRestarted => "restarted",
        Scenario::PrimaryHung => "hung",
        Scenario::BothDown => "both-down",
        Scenario::PrimaryFlapping => "flapping",
        Scenario::PrimaryRestartedGracefully => "graceful",
    }
}

/// What to run: the scenarios, at which publish interval.
#[derive(Debug, PartialEq)]
struct Args {
    scenarios: Vec<Scenario>,
    interval: Duration,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut interval = INTERVAL;
    let mut scenarios = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        if a == "--interval-ms" {
            let ms = args
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|ms| *ms > 0)
                .ok_or("--interval-ms needs a whole number of milliseconds above 0")?;
            interval = Duration::from_millis(ms);
            continue;
        }
        let scenario = Scenario::ALL.into_iter().find(|s| key(*s) == a).ok_or_else(|| {
            let keys: Vec<&str> = Scenario::ALL.into_iter().map(key).collect();
            format!("unknown scenario {a:?}; expected any of {}", keys.join(", "))
        })?;
        scenarios.push(scenario);
    }
    if scenarios.is_empty() {
        scenarios = Scenario::ALL.to_vec();
    }
    Ok(Args { scenarios, interval })
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn row(s: Scenario, f: &Figures) -> String {
    let detection = match (s, f.detection) {
        (Scenario::BothDown, _) => "— (no broker up)".to_owned(),
        (_, Some(d)) => secs(d),
        (_, None) => "none seen".to_owned(),
    };
    let gap = f.gap.map_or("—".to_owned(), secs);
    let failback = match (f.returns, f.failback) {
        (0, _) => "— (stays down)".to_owned(),
        (n, Some(d)) if f.failbacks_missed == 0 => {
            if n > 1 {
                format!("{} (worst of {n})", secs(d))
            } else {
                secs(d)
            }
        }
        (n, d) => format!(
            "{} ({} of {} returns not failed back in time)",
            d.map_or("—".to_owned(), secs),
            f.failbacks_missed,
            n
        ),
    };
    let page_lost = f.page_lost.map_or("page unreadable".to_owned(), |n| n.to_string());
    format!(
        "| {} | {detection} | {gap} | {} | {page_lost} | {} | {} | {} | {failback} |",
        s.describe(),
        f.lost,
        f.duplicates,
        f.page_duplicates,
        f.retained
    )
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{model}, nproc {cpus}, {}", command_line("uname", &["-sr"]))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Args { scenarios, interval } = match parse_args(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("failover_bench: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut rows = Vec::new();
    let mut failed = false;
    for s in scenarios {
        eprintln!("running: {}", s.describe());
        match run(s, &SENSORS, interval).await {
            Ok(outcome) => rows.push(row(s, &outcome.figures())),
            Err(e) => {
                eprintln!("{e:#}");
                rows.push(format!(
                    "| {} | failed to run: see stderr | | | | | | | |",
                    s.describe()
                ));
                failed = true;
            }
        }
    }
    println!("Date: {}", command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]));
    println!("Machine: {}", machine());
    println!(
        "Setup: real Mosquitto ({}) from the shipped mosquitto.conf, release sensor-node, {} sensors at {} ms, \
         the dashboard in headless Chromium\n",
        command_line("/usr/sbin/mosquitto", &["-h"])
            .lines()
            .next()
            .unwrap_or("?"),
        SENSORS.len(),
        interval.as_millis()
    );
    println!(
        "| scenario | detection | gap | lost (subscribers) | lost at the dashboard | duplicates (subscribers) \
         | duplicates (dashboard) | retained copies | fail back |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!(
        "\nWorst over both sensors and every fault of a scenario. detection: fault → first reading delivered \
         through the secondary (includes waiting for the next sample when nothing was pending); gap: last reading \
         delivered before the fault → first after it, through either broker; lost: seq 0 … last sampled that no \
         subscriber received live; lost at the dashboard: readings the sensors had delivered that the cards do \
         not count (delivered − `readings`, or `lost` if larger), summed over the cards; duplicates: deliveries \
         beyond the first per (sensor, boot, seq), counted by the subscribers and by the cards; retained copies: \
         sent on resubscribing, not counted as duplicates; fail back: broker reachable again → first reading \
         delivered through the primary (at least the sensors' 6 s settle time)."
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_are_chosen_by_key_and_an_unknown_key_is_named() {
        let args = |a: &[&str]| parse_args(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(args(&[]).unwrap().scenarios.len(), Scenario::ALL.len());
        assert_eq!(
            args(&["--interval-ms", "2000", "hung"]).unwrap(),
            Args {
                scenarios: vec![Scenario::PrimaryHung],
                interval: Duration::from_secs(2)
            }
        );
        assert!(args(&["sigkill"]).unwrap_err().contains("\"sigkill\""));
        assert!(args(&["--interval-ms", "0"]).is_err());
    }
}
