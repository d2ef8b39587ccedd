//! The page's parts, one public component per file. Each reads `DashboardContext`; none writes the model (cards
//! only set which sensor is selected).

mod alert_announcer;
mod broker_bar;
mod event_timeline;
mod history_chart;
mod rejected_count;
mod sensor_card;
mod sensor_detail;
mod sensor_grid;
mod sparkline;
mod wall_clock;

pub use alert_announcer::AlertAnnouncer;
pub use broker_bar::BrokerBar;
pub use event_timeline::EventTimeline;
pub use history_chart::HistoryChart;
pub use rejected_count::RejectedCount;
pub use sensor_card::SensorCard;
pub use sensor_detail::SensorDetail;
pub use sensor_grid::SensorGrid;
pub use sparkline::Sparkline;
pub use wall_clock::wall_clock;
