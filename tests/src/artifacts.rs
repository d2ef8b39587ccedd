//! Where the harness finds what it runs: the shipped configs, the release `sensor-node`, the dashboard dist.
//!
//! A missing build artifact is an error that says how to build it; nothing here builds anything.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

/// Overrides the path of the release `sensor-node` binary.
pub const SENSOR_NODE_BIN_ENV: &str = "SENSOR_NODE_BIN";
/// Overrides the path of the dashboard's trunk dist directory.
pub const DASHBOARD_DIST_ENV: &str = "DASHBOARD_DIST";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The shipped `mosquitto.conf`.
pub fn mosquitto_conf() -> anyhow::Result<PathBuf> {
    existing(workspace_root().join("mosquitto.conf"), "the shipped mosquitto.conf")
}

/// The repository's `mosquitto/` directory: the brokers' password file and ACL.
pub fn broker_files_dir() -> PathBuf {
    workspace_root().join("mosquitto")
}

/// The shipped `nginx.conf`.
pub fn nginx_conf() -> anyhow::Result<PathBuf> {
    existing(workspace_root().join("nginx.conf"), "the shipped nginx.conf")
}

/// The shipped `docker-compose.yml`.
pub fn compose_file() -> anyhow::Result<PathBuf> {
    existing(
        workspace_root().join("docker-compose.yml"),
        "the shipped docker-compose.yml",
    )
}

/// The release `sensor-node` binary: `$SENSOR_NODE_BIN`, else `$CARGO_TARGET_DIR/release/sensor-node`, else
/// `<workspace>/target/release/sensor-node`.
pub fn sensor_node_bin() -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os(SENSOR_NODE_BIN_ENV) {
        Some(p) => PathBuf::from(p),
        None => target_dir().join("release").join("sensor-node"),
    };
    if !path.is_file() {
        bail!(
            "the release sensor-node binary is missing at {} — build it with `cargo build --release -p sensor-node` \
             (or point {SENSOR_NODE_BIN_ENV} at it)",
            path.display()
        );
    }
    Ok(path)
}

/// The dashboard's release dist: `$DASHBOARD_DIST`, else `<workspace>/frontend/dist`. Must hold `index.html`.
pub fn dashboard_dist() -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os(DASHBOARD_DIST_ENV) {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("frontend").join("dist"),
    };
    if !path.join("index.html").is_file() {
        bail!(
            "the dashboard dist is missing at {} (no index.html) — build it with \
             `cd frontend && trunk build --release --offline` (or point {DASHBOARD_DIST_ENV} at it)",
            path.display()
        );
    }
    Ok(path)
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

fn existing(path: PathBuf, what: &str) -> anyhow::Result<PathBuf> {
    std::fs::metadata(&path).with_context(|| format!("{what} is missing at {}", path.display()))?;
    Ok(path)
}
