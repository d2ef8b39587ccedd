//! Stages the dashboard: copies the trunk dist into a directory of its own and writes the runtime `config.json`
//! that tells the browser where both brokers' WebSocket listeners are. The original dist is never written to.

use anyhow::Context;
use serde::Serialize;
use std::path::Path;

/// One entry of `config.json`'s `brokers` list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BrokerEndpoint {
    pub name: String,
    pub url: String,
}

#[derive(Serialize)]
struct DashboardConfig<'a> {
    brokers: Vec<BrokerEntry<'a>>,
}

#[derive(Serialize)]
struct BrokerEntry<'a> {
    name: &'a str,
    url: &'a str,
    username: &'a str,
    password: &'a str,
}

/// `{"brokers":[{"name":…,"url":…,"username":"dashboard","password":…},…]}`: the dashboard logs in to every
/// broker with the read-only development login.
pub fn config_json(brokers: &[BrokerEndpoint]) -> String {
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
    serde_json::to_string(&DashboardConfig { brokers }).unwrap_or_default()
}

/// Copies `dist` (recursively) into `site` and writes `site/config.json` for `brokers`, replacing any shipped one.
pub fn stage(dist: &Path, site: &Path, brokers: &[BrokerEndpoint]) -> anyhow::Result<()> {
    copy_dir(dist, site).with_context(|| format!("copying {} to {}", dist.display(), site.display()))?;
    let config = site.join("config.json");
    std::fs::write(&config, config_json(brokers)).with_context(|| format!("writing {}", config.display()))
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
            config_json(&brokers),
            concat!(
                r#"{"brokers":[{"name":"broker-primary","url":"ws://127.0.0.1:1","username":"dashboard","#,
                r#""password":"dev-dashboard"},{"name":"broker-secondary","url":"ws://127.0.0.1:2","#,
                r#""username":"dashboard","password":"dev-dashboard"}]}"#
            )
        );
    }

    #[test]
    fn stage_copies_nested_files_and_writes_the_config() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<html></html>").unwrap();
        std::fs::create_dir(dist.path().join("assets")).unwrap();
        std::fs::write(dist.path().join("assets/a.css"), "x").unwrap();
        let site = tempfile::tempdir().unwrap();
        stage(dist.path(), &site.path().join("site"), &[]).unwrap();
        assert!(site.path().join("site/assets/a.css").is_file());
        assert_eq!(
            std::fs::read_to_string(site.path().join("site/config.json")).unwrap(),
            r#"{"brokers":[]}"#
        );
    }
}
