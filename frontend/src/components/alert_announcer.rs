//! `AlertAnnouncer`: an ARIA live region, `[data-field="announcement"]`, that speaks the newest alert crossing,
//! sensor going offline or broker going down. Visually hidden: the same facts are on the cards and in the timeline.

use crate::app::DashboardContext;
use crate::dashboard::Kind;
use leptos::prelude::*;

#[component]
pub fn AlertAnnouncer() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let revision = Memo::new(move |_| ctx.dashboard.with(|d| d.timeline().revision()));
    let text = Memo::new(move |_| {
        revision.with(|_| ()); // reads (not just tracks) so the lazy memo computes and subscribes
        ctx.dashboard.with_untracked(|d| {
            d.timeline()
                .entries()
                .find(|e| matches!(e.kind, Kind::Alert | Kind::SensorOffline | Kind::BrokerDown))
                .map(|e| match e.kind {
                    Kind::Alert => format!("Alert: {} {}", e.subject, e.detail),
                    Kind::SensorOffline => format!("{} is offline", e.subject),
                    _ => format!("Broker {} is down", e.subject),
                })
                .unwrap_or_default()
        })
    });
    view! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-field="announcement">
            {Signal::<String>::from(text)}
        </div>
    }
}
