//! `SensorFacts`: a card's facts as a definition list: `[data-field]` broker (`broker_used` of the reading shown),
//! readings, lost, duplicates and presence (`online` | `offline` | `unknown`). Reactive text only: a new reading
//! changes a few text nodes, never the elements.

use crate::dashboard::SensorSummary;
use leptos::prelude::*;

/// `summary` is the card's (see `SensorCard`); `presence` the presence word the card also carries as an attribute.
#[component]
pub fn SensorFacts(summary: Memo<Option<SensorSummary>>, presence: Signal<&'static str>) -> impl IntoView {
    let field = move |pick: fn(&SensorSummary) -> String| {
        Signal::derive(move || summary.with(|s| s.as_ref().map(pick).unwrap_or_default()))
    };
    view! {
        <dl class="facts">
            <div class="wide">
                <dt>"via"</dt>
                <dd data-field="broker">{field(|s| s.broker.clone())}</dd>
            </div>
            <div>
                <dt>"readings"</dt>
                <dd data-field="readings">{field(|s| s.readings.to_string())}</dd>
            </div>
            <div>
                <dt>"lost"</dt>
                <dd data-field="lost">{field(|s| s.lost.to_string())}</dd>
            </div>
            <div>
                <dt>"duplicates"</dt>
                <dd data-field="duplicates">{field(|s| s.duplicates.to_string())}</dd>
            </div>
            <div>
                <dt>"status"</dt>
                <dd data-field="presence">{presence}</dd>
            </div>
        </dl>
    }
}
