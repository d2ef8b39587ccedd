//! The browser dashboard: one MQTT-over-WebSocket session per broker, merged into one card per sensor.
//!
//! Pure cores (build and test natively with `cargo test -p frontend`): `session` (MQTT state machine), `dashboard`
//! (the model the page shows), `config` (the runtime broker list), `chart` (plot geometry). Browser shells, wasm
//! only: `connection` (WebSockets, timers, animation frames), `config::load` (fetches `config.json`),
//! `panic_banner`, `diagnostics` (wasm memory for the benchmarks). The view lives in `view/` (`view::app`,
//! `view::components`, and `view::chart`, which renders plots as SVG and is pure too). Data flows one way: broker →
//! session → dashboard → view; no module outside `view` imports from it.

pub mod archive;
pub mod chart;
pub mod config;
pub mod dashboard;
pub mod offline_shell;
pub mod session;
pub mod view;

#[cfg(target_arch = "wasm32")]
mod connection;
#[cfg(target_arch = "wasm32")]
pub mod diagnostics;
#[cfg(target_arch = "wasm32")]
pub mod panic_banner;
#[cfg(target_arch = "wasm32")]
mod storage;
