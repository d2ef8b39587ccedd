//! `SensorCard`: one sensor, `[data-sensor=TYPE]` with `data-state` (live|stale|offline), `data-alert`
//! (ok|warn|crit) and `data-presence`, and `[data-field]` value (with unit), broker (its `broker_used`), readings,
//! lost, duplicates, presence, state and alert, plus its `Sparkline`. Focusable; click, Enter or Space selects it
//! for the large chart. Redraws only when the sensor's revision changes.

use super::Sparkline;
use crate::app::DashboardContext;
use crate::dashboard::{Sensor, SensorSummary};
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use sensor_wire::Presence;

#[component]
pub fn SensorCard(name: String) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let revision = Memo::new({
        let name = name.clone();
        move |_| ctx.dashboard.with(|d| d.sensor(&name).map_or(0, |s| s.revision))
    });
    let summary = Memo::new({
        let name = name.clone();
        move |_| {
            revision.track();
            ctx.dashboard.with_untracked(|d| d.sensor(&name).map(Sensor::summary))
        }
    });
    let field =
        move |pick: fn(&SensorSummary) -> String| move || summary.with(|s| s.as_ref().map(pick).unwrap_or_default());
    let presence = move || {
        summary.with(|s| match s.as_ref().and_then(|s| s.presence) {
            Some(Presence::Online) => "online",
            Some(Presence::Offline) => "offline",
            None => "unknown",
        })
    };
    let state = move || summary.with(|s| s.as_ref().map_or("live", |s| s.state.as_str()));
    let alert = move || summary.with(|s| s.as_ref().map_or("ok", |s| s.alert.as_str()));
    let is_selected = {
        let name = name.clone();
        move || ctx.selected.with(|s| s.as_deref() == Some(name.as_str()))
    };
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
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                toggle();
            }
        }
    };
    let label = {
        let name = name.clone();
        move || {
            summary.with(|s| match s {
                Some(s) => format!(
                    "{name}: {}, {}, alert {}",
                    if s.value.is_empty() { "no value" } else { &s.value },
                    s.state.as_str(),
                    s.alert.as_str()
                ),
                None => name.clone(),
            })
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
            data-selected=move || is_selected().to_string()
            tabindex="0"
            role="button"
            aria-pressed=move || is_selected().to_string()
            aria-label=label
            on:click=move |_| toggle()
            on:keydown=on_key
        >
            <div class="card-head">
                <h2 class="card-title">{name}</h2>
                <span class="badge state" data-field="state">{state}</span>
                <span class="badge alert" data-field="alert">{alert}</span>
            </div>
            <p class="value" data-field="value">{field(|s| if s.value.is_empty() { "—".to_owned() } else { s.value.clone() })}</p>
            <Sparkline name=chart/>
            <dl class="facts">
                <div class="wide"><dt>"via"</dt><dd data-field="broker">{field(|s| s.broker.clone())}</dd></div>
                <div><dt>"readings"</dt><dd data-field="readings">{field(|s| s.readings.to_string())}</dd></div>
                <div><dt>"lost"</dt><dd data-field="lost">{field(|s| s.lost.to_string())}</dd></div>
                <div><dt>"duplicates"</dt><dd data-field="duplicates">{field(|s| s.duplicates.to_string())}</dd></div>
                <div><dt>"status"</dt><dd data-field="presence">{presence}</dd></div>
            </dl>
        </article>
    }
}
