//! The root component: creates the one `RwSignal<Dashboard>`, the selected-card signal and its `Selector`, provides
//! them as `DashboardContext`, loads the config, restores the stored history (`storage`) before the broker sessions
//! start, then starts them. Lays out the page; the parts live in `components/`.

use super::components::{
    AlertAnnouncer, BrokerBar, EventTimeline, HistoryBar, OfflineBanner, RejectedCount, SensorDetail, SensorGrid,
};
use crate::archive::{ChartRange, Retention};
use crate::dashboard::Dashboard;
use crate::storage::keeper::Keeper;
use crate::storage::Store;
use crate::{config, connection};
use leptos::logging::warn;
use leptos::prelude::*;
use std::rc::Rc;

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

/// The stored history as the view sees it, provided once by `App`.
#[derive(Clone, Copy)]
pub struct HistoryContext {
    /// The keeper of the store, once it is open; `None` while loading, or when nothing is stored.
    keeper: StoredValue<Option<Rc<Keeper>>, LocalStorage>,
    /// Why nothing is stored, in words; empty while it is.
    pub off_reason: RwSignal<String>,
    /// Set once the store is open and the history restored.
    pub ready: RwSignal<bool>,
    /// The oldest stored time.
    pub since: RwSignal<Option<u64>>,
    /// Bumped when stored rows changed in a way charts must reread (maintenance, clearing).
    pub changed: RwSignal<u64>,
    /// Readings counted but not stored (the rate was above what the store takes).
    pub not_stored: RwSignal<u64>,
    /// The range of the detail chart and of the CSV export.
    pub range: RwSignal<ChartRange>,
}

impl HistoryContext {
    pub fn keeper(&self) -> Option<Rc<Keeper>> {
        self.keeper.try_get_value().flatten()
    }
}

/// How long the page waits for its store before it connects without history.
const RESTORE_TIMEOUT_MS: u32 = 5_000;

/// Opens the store and restores the cards and their recent history into `dashboard`; `None` (and why, logged) when
/// history is off or the browser refuses.
async fn restore(retention: Retention, history_ms: u64, dashboard: &mut Dashboard) -> Result<Store, String> {
    if !retention.enabled() {
        return Err("history_hours is 0 in config.json".into());
    }
    let store = Store::open(retention).await?;
    let since = (js_sys::Date::now() as u64).saturating_sub(history_ms);
    match store.load(since).await {
        Ok((saved, records)) => dashboard.restore(saved, &records),
        Err(e) => warn!("history: cannot read what was stored: {e}"),
    }
    dashboard.keep_for_store(crate::storage::keeper::MAX_STORED_PER_SECOND);
    Ok(store)
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
    provide_context(crate::offline_shell::start());
    let history = HistoryContext {
        keeper: StoredValue::new_local(None),
        off_reason: RwSignal::new(String::new()),
        ready: RwSignal::new(false),
        since: RwSignal::new(None),
        changed: RwSignal::new(0),
        not_stored: RwSignal::new(0),
        range: RwSignal::new(ChartRange::default()),
    };
    provide_context(history);
    leptos::task::spawn_local(async move {
        let config = config::load::load().await;
        let mut restored = Dashboard::new(
            config.brokers.iter().map(|b| b.name.clone()),
            config.threshold_table(),
            config.history_ms(),
        );
        let retention = Retention {
            keep_ms: config.stored_ms(),
        };
        // A store that does not open in time (a browser's IndexedDB can hang on open) must not keep the page from
        // its brokers: then it runs without history.
        let store = {
            let restoring = std::pin::pin!(restore(retention, config.history_ms(), &mut restored));
            let late = gloo_timers::future::TimeoutFuture::new(RESTORE_TIMEOUT_MS);
            match futures::future::select(restoring, late).await {
                futures::future::Either::Left((store, _)) => store,
                futures::future::Either::Right(_) => Err(format!(
                    "the browser's store did not open within {RESTORE_TIMEOUT_MS} ms"
                )),
            }
        };
        dashboard.set(restored);
        connection::start(&config, dashboard);
        // After the connection, so that on `pagehide` its buffered readings reach the model before the keeper
        // takes the last batch (listeners run in the order they were added).
        match store {
            Ok(store) => {
                let keeper = Keeper::start(
                    Rc::new(store),
                    dashboard,
                    history.since,
                    history.changed,
                    history.not_stored,
                );
                history.keeper.set_value(Some(Rc::clone(&keeper)));
                leptos::task::spawn_local(async move { keeper.refresh_since().await });
            }
            Err(why) => {
                warn!("history is not stored in this browser: {why}");
                history.off_reason.set(why);
            }
        }
        history.ready.set(true);
    });
    view! {
        <header class="top">
            <h1>"Sensor dashboard"</h1>
            <RejectedCount/>
        </header>
        <AlertAnnouncer/>
        <OfflineBanner/>
        <BrokerBar/>
        <div class="layout">
            <main>
                <HistoryBar/>
                <SensorDetail/>
                <SensorGrid/>
            </main>
            <EventTimeline/>
        </div>
    }
}
