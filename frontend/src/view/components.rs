//! The page's parts, one public component per file, named after it. Each reads `DashboardContext`; none writes the
//! model (cards only set which sensor is selected). Text and attributes are reactive `view!` values, lists are keyed
//! `<For/>`; only the two charts set inner HTML, from `view::chart`'s escaping builder.

mod alert_announcer;
mod broker_bar;
mod broker_panel;
mod event_timeline;
mod history_bar;
mod history_chart;
mod offline_banner;
mod rejected_count;
mod sensor_card;
mod sensor_detail;
mod sensor_facts;
mod sensor_grid;
mod sparkline;

pub use alert_announcer::AlertAnnouncer;
pub use broker_bar::BrokerBar;
pub use broker_panel::BrokerPanel;
pub use event_timeline::EventTimeline;
pub use history_bar::HistoryBar;
pub use history_chart::HistoryChart;
pub use offline_banner::OfflineBanner;
pub use rejected_count::RejectedCount;
pub use sensor_card::SensorCard;
pub use sensor_detail::SensorDetail;
pub use sensor_facts::SensorFacts;
pub use sensor_grid::{CardVisibility, SensorGrid};
pub use sparkline::Sparkline;
