//! `SensorCard`: one sensor, `[data-sensor=TYPE]` with `data-state` (live|stale|offline), `data-alert`
//! (ok|warn|crit) and `data-presence`, and `[data-field]` value (with unit), broker (its `broker_used`), readings,
//! lost, duplicates, presence, state and alert, plus its `Sparkline`. Focusable; click, Enter or Space selects it
//! for the large chart (again deselects). Redraws only when the sensor's revision changes.

use super::Sparkline;
use crate::app::DashboardContext;
use crate::dashboard::{Sensor, SensorSummary};
use crate::markup;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use sensor_wire::Presence;

/// `revision` is set by `SensorGrid` whenever this sensor changes; the card reads the model only then.
#[component]
pub fn SensorCard(name: String, revision: ReadSignal<u64>) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let summary = Memo::new({
        let name = name.clone();
        move |_| {
            revision.track();
            ctx.dashboard.with_untracked(|d| d.sensor(&name).map(Sensor::summary))
        }
    });
    // Every reactive text and attribute is a `Signal`, so the view code is shared by all of them (smaller wasm).
    let field = move |pick: fn(&SensorSummary) -> String| {
        Signal::derive(move || summary.with(|s| s.as_ref().map(pick).unwrap_or_default()))
    };
    let word = move |pick: fn(&SensorSummary) -> &'static str, none: &'static str| {
        Signal::derive(move || summary.with(|s| s.as_ref().map_or(none, pick)))
    };
    let presence = word(
        |s| match s.presence {
            Some(Presence::Online) => "online",
            Some(Presence::Offline) => "offline",
            None => "unknown",
        },
        "unknown",
    );
    let state = word(|s| s.state.as_str(), "live");
    let alert = word(|s| s.alert.as_str(), "ok");
    let is_selected = Memo::new({
        let name = name.clone();
        move |_| ctx.selected.with(|s| s.as_deref() == Some(name.as_str()))
    });
    let selected = Signal::derive(move || if is_selected.get() { "true" } else { "false" });
    let toggle = {
        let name = name.clone();
        move || {
            ctx.selected.update(|s| {
                *s = if s.as_deref() == Some(name.as_str()) {
                    None
                } else {
                    Some(name.clone())
                }
            })
        }
    };
    let on_key = {
        let toggle = toggle.clone();
        move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Enter" || key == " " {
                e.prevent_default();
                toggle();
            }
        }
    };
    let key = name.clone();
    let chart = name.clone();
    view! {
        <article
            class="card"
            data-sensor=key
            data-presence=presence
            data-state=state
            data-alert=alert
            data-selected=selected
            tabindex="0"
            role="button"
            aria-pressed=selected
            on:click=move |_| toggle()
            on:keydown=on_key
        >
            <div class="card-head">
                <h2 class="card-title">{name}</h2>
                <span class="badge state" data-field="state">{state}</span>
                <span class="badge alert" data-field="alert">{alert}</span>
            </div>
            <p class="value" data-field="value">{field(|s| if s.value.is_empty() { "—".to_owned() } else { s.value.clone() })}</p>
            <Sparkline name=chart revision/>
            <dl class="facts" inner_html=field(markup::sensor_facts)></dl>
        </article>
    }
}
