//! The browser dashboard: one MQTT-over-WebSocket session per broker, merged into one card per sensor.
//!
//! Pure cores (build and test natively with `cargo test -p frontend`): `session` (MQTT state machine), `dashboard`
//! (the model the page shows), `config` (the runtime broker list). Browser shells, wasm only: `connection`
//! (WebSockets and timers), `config::load` (fetches `config.json`), `panic_banner`, and the view (`app`,
//! `components`). Data flows one way: broker → session → dashboard → view.

pub mod chart;
pub mod config;
pub mod dashboard;
pub mod markup;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
mod connection;
#[cfg(target_arch = "wasm32")]
pub mod panic_banner;
