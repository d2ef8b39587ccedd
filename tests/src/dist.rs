//! Stages the dashboard: copies the trunk dist into a directory of its own and writes the runtime `config.json`
//! that tells the browser where both brokers' WebSocket listeners are, plus any further settings a test asks for
//! (`thresholds`, `history_minutes`). The original dist is never written to.

use anyhow::Context;
use serde::Serialize;
use std::path::Path;

/// One entry of `config.json`'s `brokers` list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BrokerEndpoint {
    pub name: String,
    pub url: String,
}

/// `config.json` keys besides `brokers`, as they are written (e.g. `{"thresholds": {…}}`).
pub type DashboardSettings = serde_json::Map<String, serde_json::Value>;

#[derive(Serialize)]
struct DashboardConfig<'a> {
    brokers: Vec<BrokerEntry<'a>>,
    #[serde(flatten)]
    settings: &'a DashboardSettings,
}

#[derive(Serialize)]
struct BrokerEntry<'a> {
    name: &'a str,
    url: &'a str,
    username: &'a str,
    password: &'a str,
}

/// `{"brokers":[{"name":…,"url":…,"username":"dashboard","password":…},…], …settings}`: the dashboard logs in to
/// every broker with the read-only development login.
pub fn config_json(brokers: &[BrokerEndpoint], settings: &DashboardSettings) -> String {
    let login = crate::credentials::DASHBOARD;
    let brokers = brokers
        .iter()
        .map(|b| BrokerEntry {
            name: &b.name,
            url: &b.url,
            username: login.username,
            password: login.password,
        })
        .collect();
    serde_json::to_string(&DashboardConfig { brokers, settings }).unwrap_or_default()
}

/// Copies `dist` (recursively) into `site` and rewrites `site/config.json`: the shipped file's settings (all but
/// `brokers`), overridden key by key by `settings`, with `brokers` as the broker list.
pub fn stage(dist: &Path, site: &Path, brokers: &[BrokerEndpoint], settings: &DashboardSettings) -> anyhow::Result<()> {
    copy_dir(dist, site).with_context(|| format!("copying {} to {}", dist.display(), site.display()))?;
    let config = site.join("config.json");
    let mut merged = shipped_settings(&config)?;
    merged.extend(settings.clone());
    std::fs::write(&config, config_json(brokers, &merged)).with_context(|| format!("writing {}", config.display()))
}

/// The settings of a shipped `config.json` (none if there is no such file), without its broker list.
fn shipped_settings(config: &Path) -> anyhow::Result<DashboardSettings> {
    let text = match std::fs::read_to_string(config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DashboardSettings::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", config.display())),
    };
    let mut settings: DashboardSettings =
        serde_json::from_str(&text).with_context(|| format!("{} is not a JSON object", config.display()))?;
    settings.remove("brokers");
    Ok(settings)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_json_lists_brokers_in_order() {
        let brokers = [
            BrokerEndpoint {
                name: "broker-primary".into(),
                url: "ws://127.0.0.1:1".into(),
            },
            BrokerEndpoint {
                name: "broker-secondary".into(),
                url: "ws://127.0.0.1:2".into(),
            },
        ];
        assert_eq!(
            config_json(&brokers, &DashboardSettings::new()),
            concat!(
                r#"{"brokers":[{"name":"broker-primary","url":"ws://127.0.0.1:1","username":"dashboard","#,
                r#""password":"dev-dashboard"},{"name":"broker-secondary","url":"ws://127.0.0.1:2","#,
                r#""username":"dashboard","password":"dev-dashboard"}]}"#
            )
        );
    }

    #[test]
    fn stage_keeps_the_shipped_settings_unless_overridden() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(
            dist.path().join("config.json"),
            r#"{"brokers":[{"name":"x","url":"ws://{host}:1"}],"history_minutes":10,"thresholds":{"t":{}}}"#,
        )
        .unwrap();
        let site = tempfile::tempdir().unwrap();
        let serde_json::Value::Object(settings) = serde_json::json!({"history_minutes": 2}) else {
            unreachable!("a JSON object literal")
        };
        stage(dist.path(), site.path(), &[], &settings).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(site.path().join("config.json")).unwrap()).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"brokers": [], "history_minutes": 2, "thresholds": {"t": {}}})
        );
    }

    #[test]
    fn stage_copies_nested_files_and_writes_the_config() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<html></html>").unwrap();
        std::fs::create_dir(dist.path().join("assets")).unwrap();
        std::fs::write(dist.path().join("assets/a.css"), "x").unwrap();
        let site = tempfile::tempdir().unwrap();
        let settings = serde_json::json!({"history_minutes": 2});
        let serde_json::Value::Object(settings) = settings else {
            unreachable!("a JSON object literal")
        };
        stage(dist.path(), &site.path().join("site"), &[], &settings).unwrap();
        assert!(site.path().join("site/assets/a.css").is_file());
        assert_eq!(
            std::fs::read_to_string(site.path().join("site/config.json")).unwrap(),
            r#"{"brokers":[],"history_minutes":2}"#
        );
    }
}
