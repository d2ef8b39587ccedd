//! Starts chromedriver on a free port and cleans up after Chromium.
//!
//! Chromium's helper processes may leave chromedriver's process group, so the last resort finds them by the unique
//! `--user-data-dir` on their command line and SIGKILLs exactly those pids.

use crate::process::Process;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Debian's chromedriver.
pub const CHROMEDRIVER_BIN: &str = "/usr/bin/chromedriver";
/// How long chromedriver may take to answer `/status`.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts chromedriver (log `<dir>/chromedriver.log`) and waits until it answers; returns it and its port.
pub async fn start(dir: &Path) -> anyhow::Result<(Process, u16)> {
    let port = crate::ports::free_ports(1)?[0];
    let mut cmd = Command::new(CHROMEDRIVER_BIN);
    cmd.arg(format!("--port={port}")).arg("--allowed-ips=127.0.0.1");
    let mut process = Process::spawn("chromedriver", cmd, &dir.join("chromedriver.log"))?;
    let ready = crate::wait_for("chromedriver to answer /status", START_TIMEOUT, || async move {
        let response = crate::http_get::get(port, "/status", &[]).await?;
        Ok((response.status == 200).then_some(()))
    })
    .await;
    if let Err(e) = ready {
        let running = process.is_running();
        return Err(e.context(format!(
            "chromedriver (running: {running}) log:\n{}",
            process.log_text()
        )));
    }
    Ok((process, port))
}

/// SIGKILLs every process whose command line contains `--user-data-dir=<profile>`.
pub fn kill_chromium_using(profile: &Path) {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|b| *b == 0).any(|arg| arg == needle.as_bytes()) {
            // SAFETY: kill(2) on a pid we just read, whose command line names our own profile directory.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}
