//! The failover scenarios against real Mosquitto (the shipped config), the release `sensor-node` at 200 ms (two
//! sensors) and the dashboard in headless Chromium, with nothing between sensors and brokers: every card ends with
//! `lost` 0 and `readings` equal to what its sensor delivered (the page is the judge); every reading also reaches a
//! persistent subscriber on one broker or the other, live, through the broker it names; the sensors never exit, end
//! on the primary once it is back, and exit 0 on SIGTERM.
//!
//! The scripts live in `e2e::failover_scenario`, shared with the `failover_bench` binary, which reports the timings;
//! nothing here asserts on wall-clock time. Each test takes as long as its fault (5 s to 30 s) plus the sensors'
//! settle time before failback and a few seconds. Needs the release `sensor-node` and dashboard dist first.

use e2e::delivery_audit::{audit, Arrivals};
use e2e::failover_scenario::{run, Outcome, Scenario, INTERVAL, PRIMARY, SECONDARY};
use sensor_wire::Presence;

const SENSORS: [&str; 2] = ["temperature", "humidity"];

async fn run_and_check(scenario: Scenario) {
    let outcome = run(scenario, &SENSORS, INTERVAL)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    check(&outcome);
}

/// Everything the issues ask of every scenario: judged first on the page, then on what the subscribers received.
fn check(o: &Outcome) {
    let logs = &o.logs;
    let what = o.scenario.describe();
    for end in &o.sensors {
        assert!(
            end.exit.success(),
            "{what}: sensor-{} exited with {} on SIGTERM\n{logs}",
            end.sensor_type,
            end.exit
        );
        let summary = end
            .summary
            .unwrap_or_else(|| panic!("{what}: sensor-{} wrote no `stopped` line\n{logs}", end.sensor_type));
        assert_eq!(
            (summary.dropped, summary.unsent),
            (0, 0),
            "{what}: sensor-{} dropped or could not flush readings\n{logs}",
            end.sensor_type
        );
    }
    let rows = o
        .page_shortfalls()
        .unwrap_or_else(|e| panic!("{what}: the page could not be read: {e}\n{logs}"));
    for row in &rows {
        let sensor = &row.sensor;
        assert!(row.delivered > 0, "{what}: sensor-{sensor} delivered nothing\n{logs}");
        assert_eq!(
            (row.readings, row.lost),
            (Some(row.delivered), Some(0)),
            "{what}: the {sensor} card must count every reading its sensor delivered, none lost \
             (readings, lost) — all cards: {:?}\n{logs}",
            o.page
        );
    }
    assert_eq!(
        o.unparsable,
        Vec::<String>::new(),
        "{what}: unparsable messages\n{logs}"
    );

    let runs = audit(&o.deliveries);
    assert_eq!(
        runs.len(),
        SENSORS.len(),
        "{what}: one run (boot) per sensor: {runs:?}\n{logs}"
    );
    for run in &runs {
        assert_eq!(run.unsequenced, 0, "{what}: readings without seq");
        assert_eq!(
            run.misattributed,
            Vec::<String>::new(),
            "{what}: broker_used wrong\n{logs}"
        );
    }
    for (run, missing) in o.lost() {
        assert!(missing.is_empty(), "{what}: {run} lost {missing:?}\n{logs}");
    }

    let expected = if o.scenario.ends_on_primary() {
        PRIMARY
    } else {
        SECONDARY
    };
    for run in &runs {
        let arrivals = Arrivals::of(&o.deliveries, &run.sensor, &run.boot);
        assert_eq!(
            arrivals.final_broker(),
            Some(expected),
            "{what}: {} ended elsewhere\n{logs}",
            run.sensor
        );
        // The broker in use was told `offline` last.
        let last_status = o
            .statuses
            .iter()
            .filter(|(via, s)| via == expected && s.sensor.as_str() == run.sensor)
            .map(|(_, s)| s)
            .next_back();
        assert!(
            last_status.is_some_and(|s| s.status == Presence::Offline && s.boot == run.boot),
            "{what}: last status of {} via {expected} is {last_status:?}\n{logs}",
            run.sensor
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_primary_is_left_for_the_secondary_with_nothing_lost() {
    run_and_check(Scenario::PrimaryKilled).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_return_to_a_restarted_primary_with_nothing_lost() {
    run_and_check(Scenario::PrimaryRestarted).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_hung_for_15_seconds_is_left_and_returned_to_with_nothing_lost() {
    run_and_check(Scenario::PrimaryHung).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_sampled_while_both_brokers_are_down_for_30_seconds_arrive_once_they_are_back() {
    run_and_check(Scenario::BothDown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_flapping_every_3_seconds_for_30_seconds_loses_nothing_and_is_returned_to() {
    run_and_check(Scenario::PrimaryFlapping).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gracefully_restarted_primary_loses_nothing_and_is_returned_to() {
    run_and_check(Scenario::PrimaryRestartedGracefully).await;
}
