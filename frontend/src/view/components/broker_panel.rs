//! `BrokerPanel`: one broker's health, `li[data-broker=NAME][data-state=connected|connecting|disconnected]` with the
//! last error as its `title`, and `[data-field]` since (local time), rate (msg/s, smoothed, one decimal), attempts
//! (reconnects since the last success) and error (the last error, `none` before the first). Notified when what it
//! shows changes — at most once a second, as the rate is measured — not on every message.

use crate::dashboard::BrokerHealth;
use crate::view::app::DashboardContext;
use crate::view::wall_clock::wall_clock;
use leptos::prelude::*;

/// What the panel shows of a `BrokerHealth`: without its per-message counter, so it changes only when the text does.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    name: String,
    state: &'static str,
    since_ms: Option<u64>,
    /// Tenths of a message per second, as shown.
    rate_tenths: u64,
    attempts: u32,
    error: Option<String>,
}

impl Shown {
    fn of(b: &BrokerHealth) -> Self {
        Self {
            name: b.name.clone(),
            state: b.phase.as_str(),
            since_ms: b.since_ms,
            rate_tenths: (b.rate * 10.0).round() as u64,
            attempts: b.attempts,
            error: b.last_error.clone(),
        }
    }
}

/// `index` is the broker's position in the configured list.
#[component]
pub fn BrokerPanel(index: usize) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let shown = Memo::new(move |_| ctx.dashboard.with(|d| d.broker(index).map(Shown::of)));
    // Every reactive text and attribute is a `Signal` of a `String`, so they share one view code path.
    let text = move |pick: fn(&Shown) -> String| {
        Signal::derive(move || shown.with(|s| s.as_ref().map(pick).unwrap_or_default()))
    };
    let name = text(|b| b.name.clone());
    let state = text(|b| b.state.to_owned());
    view! {
        <li class="broker" data-broker=name data-state=state title=text(|b| b.error.clone().unwrap_or_default())>
            <div class="broker-head">
                <span class="broker-name">{name}</span>
                <span class="broker-state">{state}</span>
            </div>
            <dl class="broker-facts">
                <div>
                    <dt>"since"</dt>
                    <dd data-field="since">{text(|b| b.since_ms.map_or_else(|| "—".to_owned(), wall_clock))}</dd>
                </div>
                <div>
                    <dt>"msg/s"</dt>
                    <dd data-field="rate">{text(|b| format!("{}.{}", b.rate_tenths / 10, b.rate_tenths % 10))}</dd>
                </div>
                <div>
                    <dt>"reconnects"</dt>
                    <dd data-field="attempts">{text(|b| b.attempts.to_string())}</dd>
                </div>
                <div class="wide">
                    <dt>"last error"</dt>
                    <dd data-field="error">{text(|b| b.error.clone().unwrap_or_else(|| "none".to_owned()))}</dd>
                </div>
            </dl>
        </li>
    }
}
