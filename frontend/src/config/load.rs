//! Shell: fetches `config.json` beside `index.html` and resolves it against the page's location.
//! The only code that reads the page URL or does HTTP; every decision is in `Config::resolve`.

use super::{Config, CONFIG_PATH};
use gloo_net::http::Request;
use leptos::logging::{log, warn};

/// The broker list for this page: from `config.json`, else the default on the page's host (logged with why).
pub async fn load() -> Config {
    let fetched = fetch_text().await;
    let location = web_sys::window().map(|w| w.location());
    let hostname = location.as_ref().and_then(|l| l.hostname().ok()).unwrap_or_default();
    let https = location
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .is_some_and(|p| p == "https:");
    let (config, why_default) = Config::resolve(fetched, &hostname, https);
    match why_default {
        Some(why) => warn!("{why}"),
        None => {
            let urls: Vec<&str> = config.brokers.iter().map(|b| b.url.as_str()).collect();
            log!("brokers from {CONFIG_PATH}: {}", urls.join(", "));
        }
    }
    config
}

async fn fetch_text() -> Result<String, String> {
    let response = Request::get(CONFIG_PATH)
        .send()
        .await
        .map_err(|e| format!("cannot fetch {CONFIG_PATH}: {e}"))?;
    if !response.ok() {
        return Err(format!("{CONFIG_PATH}: HTTP {}", response.status()));
    }
    response
        .text()
        .await
        .map_err(|e| format!("cannot read {CONFIG_PATH}: {e}"))
}
