//! CPU time of the Chromium processes a `Browser` started, read from `/proc/<pid>/stat` (utime + stime): the
//! renderers (`--type=renderer`) and the whole process tree. Two samples taken around a window give the cores the
//! page used during it. Linux only; reads nothing but `/proc`.
//!
//! The tree is found from the browser process (the one whose command line holds our unique `--user-data-dir` and no
//! `--type=`): every process whose parent chain reaches it, plus any still naming the profile directory.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// CPU time, in clock ticks, of each process of one Chromium, at one moment.
#[derive(Debug, Clone)]
pub struct CpuSample {
    at: Instant,
    renderers: HashMap<i32, u64>,
    all: HashMap<i32, u64>,
}

/// CPU used between two samples, as a share of one core (1.0 = one core busy all the time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    pub renderer_cores: f64,
    pub chromium_cores: f64,
    pub wall: Duration,
}

struct ProcInfo {
    ppid: i32,
    ticks: u64,
}

/// `ppid` and `utime + stime` from `/proc/<pid>/stat` (fields 4, 14 and 15; the name in field 2 may hold spaces
/// and parentheses, so fields are counted from the last `)`).
fn proc_info(pid: i32) -> Option<ProcInfo> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state).
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(ProcInfo {
        ppid,
        ticks: utime + stime,
    })
}

/// The arguments of `pid`. Chromium's child processes rewrite their title into one space-separated string, so
/// spaces separate arguments as well as NULs (our profile path has none).
fn cmdline(pid: i32) -> Vec<Vec<u8>> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| c.split(|b| *b == 0 || *b == b' ').map(<[u8]>::to_vec).collect())
        .unwrap_or_default()
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

impl CpuSample {
    /// Samples every process of the Chromium that uses `profile` as its `--user-data-dir`.
    pub fn take(profile: &Path) -> CpuSample {
        let needle = format!("--user-data-dir={}", profile.display());
        let mut infos = HashMap::new();
        let mut ours = HashSet::new();
        let mut roots = HashSet::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            let Some(info) = proc_info(pid) else { continue };
            let args = cmdline(pid);
            if args.iter().any(|a| a == needle.as_bytes()) {
                ours.insert(pid);
                if !args.iter().any(|a| a.starts_with(b"--type=")) {
                    roots.insert(pid);
                }
            }
            infos.insert(pid, info);
        }
        // Every process whose parent chain reaches a browser process.
        for &pid in infos.keys() {
            let mut at = pid;
            for _ in 0..64 {
                if roots.contains(&at) {
                    ours.insert(pid);
                    break;
                }
                match infos.get(&at) {
                    Some(info) if info.ppid > 1 => at = info.ppid,
                    _ => break,
                }
            }
        }
        let all: HashMap<i32, u64> = ours
            .iter()
            .filter_map(|&pid| Some((pid, infos.get(&pid)?.ticks)))
            .collect();
        let renderers = all
            .iter()
            .filter(|(pid, _)| cmdline(**pid).iter().any(|a| a == b"--type=renderer"))
            .map(|(pid, ticks)| (*pid, *ticks))
            .collect();
        CpuSample {
            at: Instant::now(),
            renderers,
            all,
        }
    }

    /// Renderer processes found.
    pub fn renderer_count(&self) -> usize {
        self.renderers.len()
    }

    /// What was used from `earlier` to this sample. A process that appeared in between counts from zero; one that
    /// exited in between is missed (renderers live as long as their tab).
    pub fn since(&self, earlier: &CpuSample) -> CpuUse {
        let used = |now: &HashMap<i32, u64>, then: &HashMap<i32, u64>| {
            now.iter()
                .map(|(pid, ticks)| ticks.saturating_sub(then.get(pid).copied().unwrap_or(0)))
                .sum::<u64>() as f64
                / clock_ticks_per_second()
        };
        let wall = self.at.saturating_duration_since(earlier.at);
        let seconds = wall.as_secs_f64().max(1e-9);
        CpuUse {
            renderer_cores: used(&self.renderers, &earlier.renderers) / seconds,
            chromium_cores: used(&self.all, &earlier.all) / seconds,
            wall,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_cpu_time() {
        let me = std::process::id() as i32;
        let before = proc_info(me).map(|i| i.ticks);
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(200) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = proc_info(me).map(|i| i.ticks);
        assert!(after > before, "{before:?} → {after:?}");
    }
}
