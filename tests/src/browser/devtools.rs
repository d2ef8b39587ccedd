//! Chrome DevTools Protocol commands through chromedriver's `goog/cdp/execute` endpoint, for what WebDriver has no
//! command for: `Performance.getMetrics` (the renderer's task, script, layout and style time) and the sampling
//! `Profiler`. One request per command; no DevTools socket of our own.

use anyhow::Context;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use std::collections::HashMap;

/// `POST /session/{id}/goog/cdp/execute {"cmd": …, "params": …}`.
#[derive(Debug)]
struct ExecuteCdp {
    body: String,
}

impl WebDriverCompatibleCommand for ExecuteCdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

/// Runs one DevTools command in the current tab and returns its result.
pub async fn execute(client: &Client, cmd: &str, params: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let body = serde_json::json!({ "cmd": cmd, "params": params }).to_string();
    client
        .issue_cmd(ExecuteCdp { body })
        .await
        .with_context(|| format!("DevTools command {cmd}"))
}

/// `Performance.getMetrics` as name → value (durations in seconds since `Performance.enable`).
pub async fn metrics(client: &Client) -> anyhow::Result<HashMap<String, f64>> {
    let v = execute(client, "Performance.getMetrics", serde_json::json!({})).await?;
    Ok(v["metrics"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|m| Some((m["name"].as_str()?.to_owned(), m["value"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default())
}

/// One function's share of a CPU profile.
#[derive(Debug, Clone, PartialEq)]
pub struct HotFunction {
    /// `name (url:line)`, or `(program)`, `(garbage collector)`, `(idle)`.
    pub name: String,
    /// Time sampled in the function itself.
    pub self_ms: f64,
}

/// A `Profiler.stop` profile summed by function: self time per function, most first, and the total sampled.
pub fn self_times(profile: &serde_json::Value) -> (Vec<HotFunction>, f64) {
    let nodes = profile["nodes"].as_array().cloned().unwrap_or_default();
    let name_of: HashMap<i64, String> = nodes
        .iter()
        .filter_map(|n| {
            let frame = &n["callFrame"];
            let function = frame["functionName"]
                .as_str()
                .filter(|f| !f.is_empty())
                .unwrap_or("(anonymous)");
            let url = frame["url"].as_str().unwrap_or("");
            let file = url.rsplit('/').next().unwrap_or(url);
            let name = if file.is_empty() {
                function.to_owned()
            } else {
                format!("{function} ({file})")
            };
            Some((n["id"].as_i64()?, name))
        })
        .collect();
    let samples = profile["samples"].as_array().cloned().unwrap_or_default();
    let deltas = profile["timeDeltas"].as_array().cloned().unwrap_or_default();
    let mut by_name: HashMap<String, f64> = HashMap::new();
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta to the next one.
    for (i, sample) in samples.iter().enumerate() {
        let Some(name) = sample.as_i64().and_then(|id| name_of.get(&id)) else {
            continue;
        };
        let us = deltas.get(i + 1).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
        *by_name.entry(name.clone()).or_default() += us / 1000.0;
    }
    let total = by_name.values().sum();
    let mut hot: Vec<HotFunction> = by_name
        .into_iter()
        .map(|(name, self_ms)| HotFunction { name, self_ms })
        .collect();
    hot.sort_by(|a, b| b.self_ms.total_cmp(&a.self_ms));
    (hot, total)
}
