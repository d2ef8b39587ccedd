//! The view: everything that turns the `Dashboard` model into the page. `app` builds the root and provides
//! `DashboardContext`; `components` holds the page's parts, one public component per file; `chart` renders a
//! `chart::Plot` as SVG markup through one escaping builder (`chart::svg`). Reads the pure modules, never the
//! other way round: nothing outside `view` imports from it. `chart` is pure and builds natively (its tests run
//! with `cargo test -p frontend`); the rest is wasm only.

pub mod chart;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
mod wall_clock;
