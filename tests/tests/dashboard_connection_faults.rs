//! Faults on the dashboard's own side, with the page as the judge (issue 10, item 3): real Mosquitto, nginx, the
//! release dist in headless Chromium, two release sensors at 200 ms.
//!
//! - A `FaultProxy` between the page and the primary's WebSocket listener cuts the page's link for 10 s — reset,
//!   then in another test black-holed — while the sensors keep publishing to the primary. The page must notice
//!   (the primary shows `disconnected`), come back, and end with every card counting every reading its sensor
//!   delivered, `lost` 0: the broker kept them for the page's persistent session.
//! - The primary dies while the page's link to it is black-holed: what the primary had acknowledged to the sensors
//!   but could not pass to the page is gone with it; the sensors send it again to the secondary (their replay
//!   window), and the page counts every reading.
//! - The tab is reloaded during a failover (the primary SIGKILLed just before): the new page continues the old
//!   one's counts from the browser's store (issue 12); every reading from the reload on must be counted, none lost.
//!
//! Sensors start only once the page is subscribed on both brokers, so everything they sample is the page's to show.

use e2e::dashboard_page::{wait_brokers_connected, DashboardView};
use e2e::fault_proxy::{Fault, FaultProxy};
use e2e::{Browser, SensorSpec, Stack, StackConfig};
use std::time::Duration;
use tokio::time::Instant;

const SENSORS: [&str; 2] = ["temperature", "humidity"];
const INTERVAL: Duration = Duration::from_millis(200);
const CUT_FOR: Duration = Duration::from_secs(10);
/// How long the page's link to the primary is black-holed before the primary dies: well inside the sensors' 10 s
/// replay window, long enough for a dozen readings per sensor to pile up undelivered.
const HELD_BACK_FOR: Duration = Duration::from_secs(3);
/// Deadline for anything that should take a few seconds (a reconnect is at most the page's 4 s backoff away).
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long the sensors may take to exit on SIGTERM (docker's grace period).
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// The reload test's publish interval: fast, so that the readings published while a page reloads (a few hundred
/// ms here) far outnumber `UNDRAWN_AT_RELOAD`, and a page that lost them would show it.
const RELOAD_INTERVAL: Duration = Duration::from_millis(50);
/// Readings the old page may have acknowledged to a broker but not drawn yet when the reload began: what one
/// animation frame of coalescing can hold back at `RELOAD_INTERVAL` per sensor.
const UNDRAWN_AT_RELOAD: u64 = 2;

/// The stack with the dashboard, the page open and subscribed on both brokers, then the sensors started,
/// publishing every `interval`.
async fn open_then_start_sensors(config: StackConfig, interval: Duration) -> (Stack, Browser) {
    let mut stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    browser.goto(&stack.dashboard_url().unwrap()).await.unwrap();
    if let Err(e) = wait_brokers_connected(&browser, TIMEOUT).await {
        browser.fail(e, stack.dir()).await;
    }
    for sensor in SENSORS {
        stack.start_sensor(&SensorSpec::new(sensor, interval)).unwrap();
    }
    (stack, browser)
}

/// `open_then_start_sensors` with the page reaching the primary through a `FaultProxy`.
async fn open_through_a_proxy_then_start_sensors() -> (FaultProxy, Stack, Browser) {
    let config = StackConfig::with_dashboard().unwrap();
    let proxy = FaultProxy::start(config.ports.ws[0]).await.unwrap();
    let config = config.dashboard_url_for(0, proxy.ws_url());
    let (stack, browser) = open_then_start_sensors(config, INTERVAL).await;
    (proxy, stack, browser)
}

/// The number in `[data-field=name]` of `sensor`'s card, if shown.
fn count(view: &DashboardView, sensor: &str, name: &str) -> Option<u64> {
    view.card(sensor).and_then(|c| c.count(name))
}

/// Waits until every card shows at least `n` readings.
async fn wait_readings(browser: &Browser, n: u64) -> anyhow::Result<()> {
    DashboardView::wait_until(browser, &format!("{n} readings on every card"), TIMEOUT, |v| {
        SENSORS
            .iter()
            .all(|s| count(v, s, "readings").is_some_and(|r| r >= n))
            .then_some(())
    })
    .await
}

/// Waits until every card counts exactly what its sensor `delivered`, with nothing lost.
async fn wait_every_reading_counted(browser: &Browser, delivered: &[(String, u64)]) -> anyhow::Result<()> {
    DashboardView::wait_until(
        browser,
        &format!("every card to count what its sensor delivered ({delivered:?}), none lost"),
        TIMEOUT,
        |v| {
            delivered
                .iter()
                .all(|(sensor, n)| count(v, sensor, "readings") == Some(*n) && count(v, sensor, "lost") == Some(0))
                .then_some(())
        },
    )
    .await
}

/// Cuts the page's link to the primary with `fault` for `CUT_FOR`, while the sensors publish there; then every
/// card must count every reading.
async fn cut_the_page_from_the_primary(fault: Fault) {
    let (proxy, mut stack, browser) = open_through_a_proxy_then_start_sensors().await;
    let result = async {
        wait_readings(&browser, 5).await?;
        proxy.set(fault);
        let cut_at = Instant::now();
        // The page must see the cut (a black hole only by its own ping deadline), or the test proves nothing.
        DashboardView::wait_until(&browser, "the page to see the primary cut off", CUT_FOR, |v| {
            (v.broker_state("broker-primary") == Some("disconnected")).then_some(())
        })
        .await?;
        let before = DashboardView::read(&browser).await?;
        e2e::wait_for("the end of the cut", CUT_FOR + TIMEOUT, || async {
            Ok((Instant::now() >= cut_at + CUT_FOR).then_some(()))
        })
        .await?;
        proxy.set(Fault::None);
        wait_brokers_connected(&browser, TIMEOUT).await?;
        // The sensors were on the primary throughout: nothing reached the page by another way.
        for sensor in SENSORS {
            let card = before.card(sensor);
            anyhow::ensure!(
                card.and_then(|c| c.broker.as_deref()) == Some("broker-primary"),
                "{sensor} was not on the primary during the cut: {card:?}"
            );
        }
        let delivered = stack.stop_sensors(STOP_TIMEOUT).await?;
        wait_every_reading_counted(&browser, &delivered).await
    }
    .await;
    if let Err(e) = result {
        browser.fail(e, stack.dir()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_websocket_is_reset_for_10_seconds_loses_nothing() {
    cut_the_page_from_the_primary(Fault::Reset).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_websocket_is_black_holed_for_10_seconds_loses_nothing() {
    cut_the_page_from_the_primary(Fault::BlackHole).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_a_dying_primary_held_back_from_the_page_reach_it_through_the_secondary() {
    let (proxy, mut stack, browser) = open_through_a_proxy_then_start_sensors().await;
    let result = async {
        wait_readings(&browser, 5).await?;
        proxy.set(Fault::BlackHole);
        let held_from = Instant::now();
        e2e::wait_for(
            "readings to pile up in the primary for the page",
            HELD_BACK_FOR + TIMEOUT,
            || async { Ok((Instant::now() >= held_from + HELD_BACK_FOR).then_some(())) },
        )
        .await?;
        stack.primary().kill()?;
        proxy.set(Fault::None);
        DashboardView::wait_until(&browser, "the cards on the secondary", TIMEOUT, |v| {
            SENSORS
                .iter()
                .all(|s| v.card(s).and_then(|c| c.broker.as_deref()) == Some("broker-secondary"))
                .then_some(())
        })
        .await?;
        let delivered = stack.stop_sensors(STOP_TIMEOUT).await?;
        wait_every_reading_counted(&browser, &delivered).await
    }
    .await;
    if let Err(e) = result {
        browser.fail(e, stack.dir()).await;
    }
}

/// Reads each card's `readings` and reloads the page in the same script turn, so no reading is drawn in between.
const READ_AND_RELOAD_JS: &str = r#"
const counts = {};
for (const card of document.querySelectorAll('[data-sensor]')) {
  const f = card.querySelector('[data-field="readings"]');
  counts[card.getAttribute('data-sensor')] = f === null ? null : Number(f.textContent.trim());
}
setTimeout(() => location.reload(), 0);
return counts;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_reloaded_during_a_failover_counts_every_reading_from_the_reload_on() {
    let (mut stack, browser) = open_then_start_sensors(StackConfig::with_dashboard().unwrap(), RELOAD_INTERVAL).await;
    let result = async {
        wait_readings(&browser, 10).await?;
        stack.primary().kill()?;
        let before = browser.execute(READ_AND_RELOAD_JS, Vec::new()).await?;
        let drawn_before = |sensor: &str| before[sensor].as_u64();
        // The new page: connected to the secondary, where the sensors now are.
        DashboardView::wait_until(&browser, "the reloaded page on the secondary", TIMEOUT, |v| {
            let fresh = v.broker_state("broker-secondary") == Some("connected");
            let moved = SENSORS
                .iter()
                .all(|s| v.card(s).and_then(|c| c.broker.as_deref()) == Some("broker-secondary"));
            (fresh && moved).then_some(())
        })
        .await?;
        wait_readings(&browser, 10).await?;
        let delivered = stack.stop_sensors(STOP_TIMEOUT).await?;
        let complete = |v: &DashboardView| {
            delivered.iter().all(|(sensor, n)| {
                let Some(drawn) = drawn_before(sensor) else {
                    return false;
                };
                // Every reading from the reload on (seq ≥ drawn + UNDRAWN_AT_RELOAD) is counted, and nothing
                // between the first and the last the new page saw is missing.
                let needed = n.saturating_sub(drawn + UNDRAWN_AT_RELOAD);
                count(v, sensor, "readings").is_some_and(|r| r >= needed) && count(v, sensor, "lost") == Some(0)
            })
        };
        DashboardView::wait_until(
            &browser,
            &format!(
                "every card to count what its sensor delivered after the reload (delivered {delivered:?}, drawn \
                 before the reload {before}), none lost"
            ),
            TIMEOUT,
            |v| complete(v).then_some(()),
        )
        .await
    }
    .await;
    if let Err(e) = result {
        browser.fail(e, stack.dir()).await;
    }
}
