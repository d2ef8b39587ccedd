//! `Process`: one child process in its own process group, its output in a log file, killed (the whole group) on drop.
//!
//! Signals go to the group, so a program that forks (nginx's workers) is stopped, continued or killed as a whole.
//! It never signals anything it did not start.

use anyhow::Context;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A running (or exited) child process and the file that holds its stdout and stderr.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Child,
    log: PathBuf,
    exit: Option<ExitStatus>,
}

impl Process {
    /// Starts `command` in a new process group, stdout and stderr appended to `log`, stdin closed.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> anyhow::Result<Process> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening log file {}", log.display()))?;
        let err = out.try_clone()?;
        command.stdin(Stdio::null()).stdout(out).stderr(err).process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {name}: {command:?}"))?;
        Ok(Process {
            name: name.to_owned(),
            child,
            log: log.to_path_buf(),
            exit: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The log so far (lossy UTF-8); empty if it cannot be read.
    pub fn log_text(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Sends `signal` to the whole process group. A group that is already gone is not an error.
    pub fn signal(&mut self, signal: libc::c_int) -> anyhow::Result<()> {
        if self.exit_status()?.is_some() {
            return Ok(());
        }
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals the process group we created with process_group(0).
        let rc = unsafe { libc::kill(-pgid, signal) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::ESRCH) {
                return Err(e).with_context(|| format!("signal {signal} to {} (pgid {pgid})", self.name));
            }
        }
        Ok(())
    }

    /// The exit status if the process has exited (reaping it), `None` while it runs.
    pub fn exit_status(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        if self.exit.is_none() {
            self.exit = self
                .child
                .try_wait()
                .with_context(|| format!("waiting for {}", self.name))?;
        }
        Ok(self.exit)
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.exit_status(), Ok(None))
    }

    /// Waits (polling) until the process exits, at most `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> anyhow::Result<ExitStatus> {
        let what = format!("{} to exit", self.name);
        crate::wait_for(&what, timeout, || {
            let status = self.exit_status();
            async move { status }
        })
        .await
    }

    /// SIGKILLs the group and reaps the child. Idempotent.
    pub fn kill(&mut self) -> anyhow::Result<ExitStatus> {
        if let Some(status) = self.exit_status()? {
            // The leader is gone; make sure nothing it forked is left behind.
            self.signal_group_unchecked(libc::SIGKILL);
            return Ok(status);
        }
        self.signal_group_unchecked(libc::SIGKILL);
        let status = self.child.wait().with_context(|| format!("reaping {}", self.name))?;
        self.exit = Some(status);
        Ok(status)
    }

    fn signal_group_unchecked(&self, signal: libc::c_int) {
        // SAFETY: as in `signal`; errors (ESRCH: group already gone) are irrelevant here.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), signal);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // SIGKILL also ends a group that was SIGSTOPped.
        let _ = self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn kill_ends_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 300 & echo child $!; wait"]);
        let mut p = Process::spawn("sh", cmd, &dir.path().join("sh.log")).unwrap();
        let log = dir.path().join("sh.log");
        let child_pid: i32 = crate::wait_for("the child's pid", Duration::from_secs(5), || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            async move { Ok(text.trim().strip_prefix("child ").and_then(|p| p.parse().ok())) }
        })
        .await
        .unwrap();
        p.kill().unwrap();
        // SAFETY: signal 0 only checks existence. The orphan is reaped by init, so poll.
        crate::wait_for("the grandchild to be gone", Duration::from_secs(5), || async move {
            let alive = unsafe { libc::kill(child_pid, 0) } == 0
                && !std::fs::read_to_string(format!("/proc/{child_pid}/stat"))
                    .unwrap_or_default()
                    .contains(") Z ");
            Ok((!alive).then_some(()))
        })
        .await
        .unwrap();
    }
}
