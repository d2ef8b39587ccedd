//! The page's console, read through chromedriver's log endpoint (`goog:loggingPrefs` = `browser: ALL`).
//!
//! chromedriver hands out each entry once, so `Browser` keeps what it has drained.

use anyhow::Context;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde::Deserialize;

/// One console line as chromedriver reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO`, `DEBUG`.
    pub level: String,
    pub message: String,
    /// `console-api`, `javascript` (uncaught), `network`, …
    #[serde(default)]
    pub source: String,
}

impl ConsoleEntry {
    /// An uncaught exception or a Rust panic (console_error_panic_hook logs "panicked at").
    pub fn is_page_error(&self) -> bool {
        self.level == "SEVERE"
            && (self.source == "javascript"
                || self.message.contains("Uncaught")
                || self.message.contains("panicked at")
                || self.message.contains("RuntimeError"))
    }
}

/// `POST /session/{id}/se/log {"type":"browser"}`.
#[derive(Debug)]
struct GetBrowserLog;

impl WebDriverCompatibleCommand for GetBrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// Console entries produced since the last call.
pub async fn drain(client: &Client) -> anyhow::Result<Vec<ConsoleEntry>> {
    let value = client
        .issue_cmd(GetBrowserLog)
        .await
        .context("reading the browser console log")?;
    serde_json::from_value(value).context("parsing the browser console log")
}
