//! `SensorCard`: one sensor, `[data-sensor=TYPE]` with `data-state` (live|stale|offline), `data-alert`
//! (ok|warn|crit: the value shown), `data-alert-raised` (the alert raised, after hold and hysteresis),
//! `data-presence` and `data-selected`, its title in words, the value with its unit (`[data-field="value"]`), state
//! and alert in words, its `Sparkline` and its `SensorFacts`. Focusable; click, Enter or Space selects it for the large
//! chart (again deselects). Reads the model only when the sensor's revision changes, and hears about the selection
//! only when it becomes or stops being the selected card.

use super::{SensorFacts, Sparkline};
use crate::dashboard::{Sensor, SensorSummary};
use crate::view::app::DashboardContext;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use sensor_wire::Presence;

/// `revision` is set by `SensorGrid` whenever this sensor changes.
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
    let raised = word(|s| s.raised.as_str(), "ok");
    let value = Signal::derive(move || {
        summary.with(|s| match s.as_ref().map(|s| s.value.as_str()) {
            None | Some("") => "—".to_owned(),
            Some(v) => v.to_owned(),
        })
    });
    let me = Some(name.clone());
    let selected = Signal::derive(move || if ctx.is_selected(&me) { "true" } else { "false" });
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
            data-alert-raised=raised
            data-selected=selected
            tabindex="0"
            role="button"
            aria-pressed=selected
            on:click=move |_| toggle()
            on:keydown=on_key
        >
            <div class="card-head">
                <h2 class="card-title">{sensor_wire::title_for(&name).into_owned()}</h2>
                <span class="badge state" data-field="state">{state}</span>
                <span class="badge alert" data-field="alert">{alert}</span>
            </div>
            <p class="value" data-field="value">{value}</p>
            <Sparkline name=chart revision/>
            <SensorFacts summary presence/>
        </article>
    }
}
