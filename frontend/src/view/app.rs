//! The root component: creates the one `RwSignal<Dashboard>`, the selected-card signal and its `Selector`, provides
//! them as `DashboardContext`, loads the config and starts the broker sessions. Lays out the page; the parts live in
//! `components/`.

use super::components::{AlertAnnouncer, BrokerBar, EventTimeline, RejectedCount, SensorDetail, SensorGrid};
use crate::dashboard::Dashboard;
use crate::{config, connection};
use leptos::prelude::*;

/// Everything components share, provided once by `App`. Components read the model; only `connection` writes it.
/// `selected` is view state: the sensor shown in the large chart, set by clicking or pressing Enter on a card.
#[derive(Clone, Copy)]
pub struct DashboardContext {
    pub dashboard: RwSignal<Dashboard>,
    pub selected: RwSignal<Option<String>>,
    /// `selected`, asked per card: a change of selection notifies the two cards it concerns, not every card.
    selection: StoredValue<Selector<Option<String>>>,
}

impl DashboardContext {
    /// Whether `sensor` (as `Some(name)`) is the selected one; reactive, notified only when that answer changes.
    pub fn is_selected(&self, sensor: &Option<String>) -> bool {
        self.selection.try_with_value(|s| s.selected(sensor)).unwrap_or(false)
    }
}

#[component]
pub fn App() -> impl IntoView {
    let dashboard = RwSignal::new(Dashboard::default());
    let selected = RwSignal::new(None);
    let selection = StoredValue::new(Selector::new(move || selected.get()));
    provide_context(DashboardContext {
        dashboard,
        selected,
        selection,
    });
    leptos::task::spawn_local(async move {
        let config = config::load::load().await;
        dashboard.set(Dashboard::new(
            config.brokers.iter().map(|b| b.name.clone()),
            config.threshold_table(),
            config.history_ms(),
        ));
        connection::start(&config, dashboard);
    });
    view! {
        <header class="top">
            <h1>"Sensor dashboard"</h1>
            <RejectedCount/>
        </header>
        <AlertAnnouncer/>
        <BrokerBar/>
        <div class="layout">
            <main>
                <SensorDetail/>
                <SensorGrid/>
            </main>
            <EventTimeline/>
        </div>
    }
}
