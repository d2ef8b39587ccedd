//! Issue 11, item 2: text from a publisher is shown as text. Valid readings whose `broker_used` and `unit` are
//! markup — published with the operator login, as any client with write access could — appear literally on the
//! card (value with unit, `via`), in the timeline (the failover to that "broker") and in the large chart (axis
//! labels with the unit, the latest value, the failover mark's label), and create no element and run no script.
//!
//! The page's Content-Security-Policy (nginx.conf) would block an injected inline handler anyway, so "no script
//! ran" is checked three ways: no injected element exists at all (the decisive check), the browser reported no CSP
//! violation (an injected handler that tried to run), and nginx saw no request for the injected `<img src=x>`.
//!
//! Needs `cd frontend && trunk build --release --offline` first.

use e2e::credentials::OPERATOR;
use e2e::dashboard_page::wait_brokers_connected;
use e2e::publish_as::publish_as;
use e2e::{wait_for, Browser, DashboardView, Stack, StackConfig};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);
/// Valid as `broker_used` and `unit` (at most 64 characters, no control characters), and markup in HTML and SVG.
const MARKUP: [&str; 4] = [
    "<b>x</b>",
    "<img src=x onerror=window.__injected=1>",
    "\"'><svg onload=window.__injected=2>",
    "&amp; é → 😀 ]]> </svg>",
];
const PRIMARY: &str = "broker-primary";

/// Installed before anything is published: records CSP violations (an injected inline handler trying to run).
const WATCH_JS: &str = r#"
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ': ' + e.sample));
"#;

/// Everything the checks need, in one consistent read: per sensor the card's texts, its timeline entries, and the
/// page-wide evidence of injection.
const READ_JS: &str = r#"
const [sensors] = arguments;
const text = (el, sel) => { const f = el === null ? null : el.querySelector(sel); return f === null ? null : f.textContent; };
return {
  cards: sensors.map(s => {
    const c = document.querySelector('[data-sensor="' + s + '"]');
    return { broker: text(c, '[data-field="broker"]'), value: text(c, '[data-field="value"]') };
  }),
  failovers: [...document.querySelectorAll('[data-event][data-kind="failover"]')]
    .map(e => ({ subject: text(e, '.subject'), detail: text(e, '.detail-text') })),
  injected: [...document.querySelectorAll('img, b, [onerror], [onload], svg:not(.spark):not(.history), svg *')]
    .filter(e => !['rect', 'line', 'text', 'path', 'circle'].includes(e.localName) || e.closest('svg.spark, svg.history') === null)
    .map(e => e.outerHTML),
  flag: window.__injected === undefined ? null : String(window.__injected),
  violations: window.__violations,
};
"#;

/// The selected sensor's large chart: its texts by class.
const DETAIL_JS: &str = r#"
const [sensor] = arguments;
const d = document.querySelector('[data-detail="' + sensor + '"]');
if (d === null || d.hidden) return null;
const all = sel => [...d.querySelectorAll(sel)].map(t => t.textContent);
return { marks: all('text.mark-label'), y_ticks: all('text.tick.y'), latest: all('text.latest-label'),
         facts: all('.detail-facts'),
         selected: [...document.querySelectorAll('[data-sensor][data-selected="true"]')].map(c => c.dataset.sensor) };
"#;

#[derive(Debug, serde::Deserialize)]
struct Page {
    cards: Vec<CardText>,
    failovers: Vec<Failover>,
    injected: Vec<String>,
    flag: Option<String>,
    violations: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct CardText {
    broker: Option<String>,
    value: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Failover {
    subject: Option<String>,
    detail: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Detail {
    marks: Vec<String>,
    y_ticks: Vec<String>,
    latest: Vec<String>,
    facts: Vec<String>,
    /// The cards marked `data-selected="true"`.
    selected: Vec<String>,
}

fn sensor(i: usize) -> String {
    format!("markup_{i}")
}

/// Sensor `i` reports through `MARKUP[i]` in the end, with the unit `MARKUP[i + 1]`.
fn unit(i: usize) -> &'static str {
    MARKUP[(i + 1) % MARKUP.len()]
}

/// The value on the card and in the chart's latest label: the second reading's 2, with the unit.
fn value_text(i: usize) -> String {
    format!("2 {}", unit(i))
}

#[tokio::test]
async fn markup_in_broker_used_and_unit_shows_as_text_and_creates_no_element() {
    let stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    if let Err(e) = scenario(&stack, &browser).await {
        browser.fail(e, stack.dir()).await;
    }
    browser.close().await.unwrap();
}

async fn scenario(stack: &Stack, browser: &Browser) -> anyhow::Result<()> {
    browser
        .goto(&stack.dashboard_url().expect("the stack runs nginx"))
        .await?;
    wait_brokers_connected(browser, TIMEOUT).await?;
    browser.execute(WATCH_JS, vec![]).await?;

    // Each sensor first reports through the primary, then through a "broker" named with markup: a failover to it.
    let port = stack.ports().mqtt[0];
    for (i, markup) in MARKUP.iter().enumerate() {
        for (value, broker) in [(1, PRIMARY), (2, *markup)] {
            let payload =
                serde_json::json!({"sensor": sensor(i), "value": value, "broker_used": broker, "unit": unit(i)});
            publish_as(
                port,
                Some(OPERATOR),
                &format!("sensor/{}", sensor(i)),
                payload.to_string().into_bytes(),
                false,
            )
            .await?;
        }
    }

    // The card and the timeline show the text literally.
    let sensors: Vec<String> = (0..MARKUP.len()).map(sensor).collect();
    let shown =
        |p: &Page| {
            p.cards.iter().enumerate().all(|(i, c)| {
                c.broker.as_deref() == Some(MARKUP[i]) && c.value.as_deref() == Some(value_text(i).as_str())
            }) && (0..MARKUP.len()).all(|i| {
                let detail = format!("{PRIMARY} → {}", MARKUP[i]);
                p.failovers.iter().any(|f| {
                    f.subject.as_deref() == Some(sensor(i).as_str()) && f.detail.as_deref() == Some(detail.as_str())
                })
            })
        };
    let last = std::cell::RefCell::new(None);
    wait_for(
        "every card and failover entry showing the markup as text",
        TIMEOUT,
        || async {
            let page: Page = serde_json::from_value(browser.execute(READ_JS, vec![serde_json::json!(sensors)]).await?)?;
            let done = shown(&page);
            *last.borrow_mut() = Some(page);
            Ok(done.then_some(()))
        },
    )
    .await
    .map_err(|e| e.context(format!("last read: {:#?}", last.borrow())))?;

    // The large chart of each sensor in turn: the failover mark names the markup "broker", the unit labels the value
    // axis; the card clicked is the one selected card.
    for (i, name) in sensors.iter().enumerate() {
        let card = format!(r#"[data-sensor="{name}"]"#);
        browser
            .client()
            .find(fantoccini::Locator::Css(&card))
            .await?
            .click()
            .await?;
        let mark = format!("failover → {}", MARKUP[i]);
        let last = std::cell::RefCell::new(None);
        wait_for(&format!("the large chart of {name}"), TIMEOUT, || async {
            let detail: Option<Detail> =
                serde_json::from_value(browser.execute(DETAIL_JS, vec![serde_json::json!(name)]).await?)?;
            let done = detail.as_ref().is_some_and(|d| {
                d.marks == [mark.as_str()]
                    && !d.y_ticks.is_empty()
                    && d.y_ticks.iter().all(|t| t.ends_with(&format!(" {}", unit(i))))
                    && d.latest == [value_text(i)]
                    && d.facts.iter().any(|f| f.contains(MARKUP[i]))
                    && d.selected == [name.as_str()]
            });
            *last.borrow_mut() = detail;
            Ok(done.then_some(()))
        })
        .await
        .map_err(|e| e.context(format!("last read of the large chart: {:#?}", last.borrow())))?;
    }

    // Nothing was injected, nothing tried to run, the injected image was never requested, the page is healthy.
    let page: Page = serde_json::from_value(browser.execute(READ_JS, vec![serde_json::json!(sensors)]).await?)?;
    anyhow::ensure!(
        page.injected.is_empty(),
        "elements from a payload: {:#?}",
        page.injected
    );
    anyhow::ensure!(
        page.flag.is_none() && page.violations.is_empty(),
        "a payload's handler tried to run: flag {:?}, CSP violations {:#?}",
        page.flag,
        page.violations
    );
    let requested_x = stack
        .nginx()
        .map(|n| n.log_text())
        .unwrap_or_default()
        .lines()
        .any(|l| l.contains("GET /x "));
    anyhow::ensure!(
        !requested_x,
        "the page requested /x: an injected <img src=x> was created"
    );
    let view = DashboardView::read(browser).await?;
    anyhow::ensure!(view.panic.is_none(), "the page shows a panic banner: {view:#?}");
    let errors = browser.page_errors().await?;
    anyhow::ensure!(errors.is_empty(), "the page threw or panicked: {errors:#?}");
    Ok(())
}
