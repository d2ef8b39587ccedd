//! The failover scenarios, scripted once against real processes and shared by the test
//! (`tests/failover_scenarios.rs`) and the benchmark (`failover_bench`): both brokers from the shipped
//! `mosquitto.conf`, nginx with the dashboard open in headless Chromium, a persistent `Subscriber` straight on each
//! broker, release `sensor-node` processes. A script injects faults and records when; `Outcome` holds what the
//! page shows and what the subscribers received. Judging is left to the callers and `delivery_audit`; nothing here
//! asserts on wall-clock time.
//!
//! # The page is the judge
//!
//! An operator reads `readings` and `lost` on each card, so that is where zero loss must hold. The sensors start
//! only once the page is subscribed on both brokers, so every reading they sample is one the page must count; at
//! the end each card must show `readings` equal to what its sensor had delivered (`StopSummary::delivered`) and
//! `lost` 0. Nothing is arranged for the test's sake: the sensors connect straight to the brokers, and a returning
//! broker is usable the moment it listens, by the sensors and the page alike. (An earlier harness held a returning
//! broker behind a closed TCP gate until its own subscriber had resubscribed; that hid exactly the race in which a
//! sensor fails back before the dashboard is listening. The sensors' settle time and the page's persistent sessions
//! now close that race, see docs/failover.md.) The subscribers keep the older audit by `seq`, with persistent
//! sessions as the page has.

mod rig;

use crate::delivery_audit::{audit, Arrivals, Delivery};
use rig::Rig;
use sensor_wire::Status;
use std::process::ExitStatus;
use std::time::Duration;
use tokio::time::Instant;

/// The publish interval every scenario runs at.
pub const INTERVAL: Duration = Duration::from_millis(200);
/// How long a SIGKILLed primary stays down before it is restarted (or the scenario ends).
pub const KILLED_FOR: Duration = Duration::from_secs(5);
/// How long the primary stays SIGSTOPped.
pub const HUNG_FOR: Duration = Duration::from_secs(15);
/// How long both brokers stay down.
pub const BOTH_DOWN_FOR: Duration = Duration::from_secs(30);
/// The flapping primary is down this long, then up this long, …
pub const FLAP_HALF_PERIOD: Duration = Duration::from_secs(3);
/// … for this long in all.
pub const FLAP_FOR: Duration = Duration::from_secs(30);

pub const PRIMARY: &str = crate::BROKER_NAMES[0];
pub const SECONDARY: &str = crate::BROKER_NAMES[1];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// SIGKILL of the primary, which stays down.
    PrimaryKilled,
    /// SIGKILL of the primary, restarted after `KILLED_FOR`: the sensor must fail back.
    PrimaryRestarted,
    /// SIGSTOP of the primary for `HUNG_FOR`, then SIGCONT.
    PrimaryHung,
    /// SIGKILL of both brokers for `BOTH_DOWN_FOR`, then both restarted.
    BothDown,
    /// The primary SIGKILLed and restarted every `FLAP_HALF_PERIOD` for `FLAP_FOR`.
    PrimaryFlapping,
    /// The primary SIGTERMed and started again at once, as `docker restart` does.
    PrimaryRestartedGracefully,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::PrimaryKilled,
        Scenario::PrimaryRestarted,
        Scenario::PrimaryHung,
        Scenario::BothDown,
        Scenario::PrimaryFlapping,
        Scenario::PrimaryRestartedGracefully,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Scenario::PrimaryKilled => "primary SIGKILLed, stays down",
            Scenario::PrimaryRestarted => "primary SIGKILLed, restarted after 5 s",
            Scenario::PrimaryHung => "primary SIGSTOPped 15 s, then SIGCONT",
            Scenario::BothDown => "both brokers down 30 s, then back",
            Scenario::PrimaryFlapping => "primary down/up every 3 s for 30 s",
            Scenario::PrimaryRestartedGracefully => "primary restarted gracefully (SIGTERM, start)",
        }
    }

    /// Whether the sensors must end on the primary (it came back).
    pub fn ends_on_primary(self) -> bool {
        self != Scenario::PrimaryKilled
    }
}

/// How a sensor process ended.
#[derive(Debug, Clone)]
pub struct SensorEnd {
    pub sensor_type: String,
    /// After the SIGTERM that ends every scenario.
    pub exit: ExitStatus,
    /// Its last log line's counts, if it wrote one.
    pub summary: Option<StopSummary>,
}

/// The counts of sensor-node's `stopped` log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopSummary {
    pub sampled: u64,
    pub dropped: u64,
    pub unsent: u64,
}

impl StopSummary {
    /// Readings some broker acknowledged: `seq` 0 up to this, exclusive, must reach a subscriber and the page.
    pub fn delivered(&self) -> u64 {
        self.sampled - self.unsent
    }

    /// Reads the last `stopped sampled=… dropped=… unsent=…` line of a sensor-node log.
    pub fn from_log(log: &str) -> Option<StopSummary> {
        let line = log.lines().rev().find(|l| l.contains(" stopped "))?;
        let field = |name: &str| -> Option<u64> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        };
        Some(StopSummary {
            sampled: field("sampled")?,
            dropped: field("dropped")?,
            unsent: field("unsent")?,
        })
    }
}

/// What one scenario run produced.
#[derive(Debug)]
pub struct Outcome {
    pub scenario: Scenario,
    /// Every reading either subscriber received, in no particular order.
    pub deliveries: Vec<Delivery>,
    /// Every presence message, as (broker that delivered it, status), in arrival order per broker.
    pub statuses: Vec<(String, Status)>,
    /// Payloads the wire crate rejected, described.
    pub unparsable: Vec<String>,
    /// When each fault was injected (for `BothDown`, the first of the two kills).
    pub faults: Vec<Instant>,
    /// When a broker that failed was reachable to the sensors again (its gate opened).
    pub backs: Vec<Instant>,
    pub sensors: Vec<SensorEnd>,
    /// What each card showed at the end, or why the page could not be read.
    pub page: Result<Vec<PageCount>, String>,
    /// Every log of the run, for failure messages.
    pub logs: String,
}

/// One sensor's readings as delivered by the sensor and as counted on its card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageTally {
    pub sensor: String,
    /// Readings some broker acknowledged (`StopSummary::delivered`).
    pub delivered: u64,
    /// `readings` and `lost` on the card (`None`: not shown).
    pub readings: Option<u64>,
    pub lost: Option<u64>,
}

impl PageTally {
    /// Readings the page did not show: delivered − `readings`, or `lost` if larger.
    pub fn missing(&self) -> u64 {
        let unseen = self.delivered.saturating_sub(self.readings.unwrap_or(0));
        unseen.max(self.lost.unwrap_or(0))
    }
}

/// One card's counters at the end of a run (`None`: the card or field was missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCount {
    pub sensor: String,
    pub readings: Option<u64>,
    pub lost: Option<u64>,
    pub duplicates: Option<u64>,
    /// `broker_used` of the reading shown.
    pub broker: Option<String>,
}

/// The benchmark's numbers for one run: the worst over its sensors and faults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Fault → first reading delivered through the secondary, for faults that struck the sensor on the primary.
    pub detection: Option<Duration>,
    /// Last reading delivered before a fault → first after it (either broker, arrival times).
    pub gap: Option<Duration>,
    /// Sampled `seq`s no subscriber received live (0 up to what the sensor reported sampled and flushed).
    pub lost: usize,
    /// Live deliveries beyond the first of a `seq`.
    pub duplicates: usize,
    /// Retained copies received on resubscribing (not duplicates).
    pub retained: usize,
    /// Broker back → first reading delivered through the primary (worst over returns that failed back).
    pub failback: Option<Duration>,
    /// Readings the page did not show, over all sensors: delivered − `readings` on the card, or its `lost` if
    /// larger; `None` if the page could not be read.
    pub page_lost: Option<u64>,
    /// `duplicates` on the cards, summed.
    pub page_duplicates: u64,
    /// Returns (per sensor) after which the sensor was not back on the primary before the next fault.
    pub failbacks_missed: usize,
    /// Returns of a broker, per sensor.
    pub returns: usize,
}

impl Outcome {
    /// The last `seq` each run must have delivered, from the sensor's `stopped` line: `sampled − unsent − 1`.
    fn expected_end(&self, sensor: &str) -> Option<u64> {
        let summary = self.sensors.iter().find(|s| s.sensor_type == sensor)?.summary?;
        Some(summary.delivered())
    }

    /// Per sensor: what it delivered next to what its card counts.
    pub fn page_shortfalls(&self) -> Result<Vec<PageTally>, String> {
        let page = self.page.as_ref().map_err(Clone::clone)?;
        Ok(self
            .sensors
            .iter()
            .map(|end| {
                let card = page.iter().find(|c| c.sensor == end.sensor_type);
                PageTally {
                    sensor: end.sensor_type.clone(),
                    delivered: end.summary.map_or(0, |s| s.delivered()),
                    readings: card.and_then(|c| c.readings),
                    lost: card.and_then(|c| c.lost),
                }
            })
            .collect())
    }

    /// `seq`s lost per sensor run: missing from 0 to the end the sensor reported (or to the last delivered).
    pub fn lost(&self) -> Vec<(String, Vec<u64>)> {
        audit(&self.deliveries)
            .into_iter()
            .map(|run| {
                let end = self
                    .expected_end(&run.sensor)
                    .unwrap_or_else(|| run.last().map_or(0, |l| l + 1));
                let label = format!("{} boot {}", run.sensor, run.boot);
                (label, run.missing_in(0, end))
            })
            .collect()
    }

    pub fn figures(&self) -> Figures {
        let mut f = Figures {
            lost: self.lost().iter().map(|(_, m)| m.len()).sum(),
            page_lost: self
                .page_shortfalls()
                .ok()
                .map(|rows| rows.iter().map(PageTally::missing).sum()),
            page_duplicates: self
                .page
                .as_ref()
                .map_or(0, |cards| cards.iter().filter_map(|c| c.duplicates).sum()),
            ..Figures::default()
        };
        for run in audit(&self.deliveries) {
            f.duplicates += run.duplicates;
            f.retained += run.retained;
            f.returns += self.backs.len();
            let arrivals = Arrivals::of(&self.deliveries, &run.sensor, &run.boot);
            for &fault in &self.faults {
                f.detection = f.detection.max(arrivals.detection(fault, PRIMARY, SECONDARY));
                f.gap = f.gap.max(arrivals.gap(fault));
            }
            for &back in &self.backs {
                let next_fault = self.faults.iter().copied().find(|&t| t > back);
                match arrivals.failback(back, PRIMARY, next_fault) {
                    Some(d) => f.failback = f.failback.max(Some(d)),
                    None => f.failbacks_missed += 1,
                }
            }
        }
        f
    }
}

/// Runs `scenario` with one sensor process per entry of `sensor_types`, publishing every `interval`, then stops
/// them with SIGTERM. Fails (with every log) if a sensor exits before that, or an awaited step does not happen in
/// time.
pub async fn run(scenario: Scenario, sensor_types: &[&str], interval: Duration) -> anyhow::Result<Outcome> {
    let mut rig = Rig::start(sensor_types, interval).await?;
    let played = match play(&mut rig, scenario).await {
        Ok(()) => rig.stop_sensors(scenario).await,
        Err(e) => Err(e),
    };
    match played {
        Ok(ends) => Ok(rig.outcome(scenario, ends).await),
        Err(e) => Err(anyhow::anyhow!(
            "{} failed: {e:#}\n----- logs -----\n{}",
            scenario.describe(),
            rig.logs()
        )),
    }
}

const P: usize = 0;
const S: usize = 1;
/// Readings through the secondary that show a fault was handled.
const MOVED_READINGS: usize = 5;

async fn play(rig: &mut Rig, scenario: Scenario) -> anyhow::Result<()> {
    match scenario {
        Scenario::PrimaryKilled | Scenario::PrimaryRestarted => {
            let fault = rig.kill(&[P])?;
            rig.wait_readings(S, fault, MOVED_READINGS).await?;
            rig.hold_until(fault + KILLED_FOR).await?;
            if scenario == Scenario::PrimaryRestarted {
                rig.bring_back(&[P]).await?;
            }
        }
        Scenario::PrimaryHung => {
            let fault = rig.stop(P)?;
            rig.wait_readings(S, fault, MOVED_READINGS).await?;
            rig.hold_until(fault + HUNG_FOR).await?;
            rig.resume(P)?;
        }
        Scenario::PrimaryRestartedGracefully => {
            let back = rig.restart_gracefully(P).await?;
            rig.wait_readings(P, back, MOVED_READINGS).await?;
        }
        Scenario::BothDown => {
            let fault = rig.kill(&[P, S])?;
            rig.hold_until(fault + BOTH_DOWN_FOR).await?;
            rig.bring_back(&[P, S]).await?;
        }
        Scenario::PrimaryFlapping => {
            let cycles = (FLAP_FOR.as_millis() / (2 * FLAP_HALF_PERIOD.as_millis())) as usize;
            for _ in 0..cycles {
                let fault = rig.kill(&[P])?;
                rig.hold_until(fault + FLAP_HALF_PERIOD).await?;
                let back = rig.bring_back(&[P]).await?;
                rig.hold_until(back + FLAP_HALF_PERIOD).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_summary_is_read_from_the_last_stopped_line() {
        let log = "2026-11-27T22:00:00Z  INFO starting sensor=temperature\n\
                   2026-11-27T22:00:09Z  INFO stopped sampled=45 acknowledged=45 dropped=0 unsent=1\n";
        assert_eq!(
            StopSummary::from_log(log),
            Some(StopSummary {
                sampled: 45,
                dropped: 0,
                unsent: 1
            })
        );
        assert_eq!(StopSummary::from_log("INFO stopping unacked=3"), None);
    }
}
