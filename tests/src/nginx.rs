//! `Nginx`: real nginx serving a staged dashboard dist from the shipped `nginx.conf` (rewritten as `config` says),
//! in the foreground (`daemon off`), killed with its workers when dropped. A test can stop it (the web server is
//! down) and start it again on the same port, serving the same or another dist (a new deploy).

pub mod config;

use crate::process::Process;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Debian's nginx binary.
pub const NGINX_BIN: &str = "/usr/sbin/nginx";
/// How long `start` waits for nginx to answer HTTP.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Nginx {
    port: u16,
    run_dir: PathBuf,
    process: Process,
}

impl Nginx {
    /// Writes `<run_dir>/nginx.conf`, starts nginx on `port` serving `site_dir`, waits until `GET /` answers.
    pub async fn start(port: u16, site_dir: &Path, run_dir: &Path) -> anyhow::Result<Nginx> {
        let process = spawn(port, site_dir, run_dir)?;
        let mut nginx = Nginx {
            port,
            run_dir: run_dir.to_path_buf(),
            process,
        };
        nginx.wait_ready(START_TIMEOUT).await?;
        Ok(nginx)
    }

    /// Kills nginx and its workers (SIGKILL to the group, reaped), as a crash would: nothing listens on the port
    /// any more. Idempotent.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        self.process.kill().map(|_| ())
    }

    /// Whether nginx (the master) still runs.
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    /// Starts nginx again on the same port (stopping it first if it runs), serving `site_dir`: the dist it served
    /// before, or a new one. Waits until `GET /` answers; the logs go on in the same files.
    pub async fn restart(&mut self, site_dir: &Path) -> anyhow::Result<()> {
        self.stop()?;
        self.process = spawn(self.port, site_dir, &self.run_dir)?;
        self.wait_ready(START_TIMEOUT).await
    }

    async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let port = self.port;
        let process = &mut self.process;
        let result = crate::wait_for("nginx to answer GET /", timeout, || {
            let exited = process.exit_status().map(|s| s.map(|s| format!("nginx exited: {s}")));
            async move {
                match exited {
                    Ok(Some(exited)) => return Err(anyhow::anyhow!(exited).context(crate::wait::GIVE_UP)),
                    Err(e) => return Err(e.context(crate::wait::GIVE_UP)),
                    Ok(None) => {}
                }
                let response = crate::http_get::get(port, "/", &[]).await?;
                Ok((response.status == 200).then_some(()))
            }
        })
        .await;
        result.with_context(|| format!("nginx log:\n{}", self.log_text()))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// nginx's own output, its error log and its access log.
    pub fn log_text(&self) -> String {
        let read = |name: &str| {
            std::fs::read(self.run_dir.join(name))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        format!(
            "{}--- nginx-error.log\n{}--- nginx-access.log\n{}",
            self.process.log_text(),
            read("nginx-error.log"),
            read("nginx-access.log")
        )
    }
}

/// Writes `<run_dir>/nginx.conf` for `port` and `site_dir` and starts nginx on it, without waiting.
fn spawn(port: u16, site_dir: &Path, run_dir: &Path) -> anyhow::Result<Process> {
    let shipped_path = crate::artifacts::nginx_conf()?;
    let shipped =
        std::fs::read_to_string(&shipped_path).with_context(|| format!("reading {}", shipped_path.display()))?;
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    let text = config::rewrite(
        &shipped,
        &config::NginxPaths {
            run_dir,
            site_dir,
            port,
            as_root,
        },
    )?;
    let conf = run_dir.join("nginx.conf");
    std::fs::write(&conf, text).with_context(|| format!("writing {}", conf.display()))?;

    let mut cmd = Command::new(NGINX_BIN);
    // -e: the log nginx uses before it has read the config (Debian's default is already stderr).
    cmd.arg("-p")
        .arg(run_dir)
        .arg("-e")
        .arg(run_dir.join("nginx-error.log"))
        .arg("-c")
        .arg(&conf);
    cmd.args(["-g", "daemon off;"]);
    Process::spawn("nginx", cmd, &run_dir.join("nginx.log"))
}
