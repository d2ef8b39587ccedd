//! `BrokerStatus`: one broker's health, `[data-broker=NAME][data-state=connected|connecting|disconnected]`, with
//! the state as text and colour and `[data-field]` `since`, `rate` (messages per second), `attempts` (reconnect
//! attempts since the last success) and `error` (the last error; also the element's `title`).

use super::wall_clock;
use crate::app::DashboardContext;
use crate::session::Phase;
use leptos::prelude::*;

#[component]
pub fn BrokerStatus(index: usize) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let health = Memo::new(move |_| ctx.dashboard.with(|d| d.broker(index).cloned()));
    // The broker list is fixed once configured, so the name is read once.
    let name = ctx
        .dashboard
        .with_untracked(|d| d.broker(index).map(|b| b.name.clone()))
        .unwrap_or_default();
    let state = move || health.with(|h| h.as_ref().map_or(Phase::Connecting, |h| h.phase).as_str());
    let since = move || health.with(|h| h.as_ref().and_then(|h| h.since_ms).map(wall_clock).unwrap_or_else(|| "—".into()));
    let rate = move || health.with(|h| h.as_ref().map(|h| format!("{:.0}", h.rate)).unwrap_or_default());
    let attempts = move || health.with(|h| h.as_ref().map(|h| h.attempts.to_string()).unwrap_or_default());
    let error = move || health.with(|h| h.as_ref().and_then(|h| h.last_error.clone()).unwrap_or_default());
    let label = name.clone();
    view! {
        <li class="broker" data-broker=label data-state=state title=error>
            <div class="broker-head">
                <span class="broker-name">{name}</span>
                <span class="broker-state">{state}</span>
            </div>
            <dl class="broker-facts">
                <div><dt>"since"</dt><dd data-field="since">{since}</dd></div>
                <div><dt>"msg/s"</dt><dd data-field="rate">{rate}</dd></div>
                <div><dt>"reconnects"</dt><dd data-field="attempts">{attempts}</dd></div>
                <div class="wide"><dt>"last error"</dt><dd data-field="error">{move || { let e = error(); if e.is_empty() { "none".to_owned() } else { e } }}</dd></div>
            </dl>
        </li>
    }
}
