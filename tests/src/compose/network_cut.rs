//! `NetworkCut`: a network fault in which packets are DROPPED, not refused — what a pulled cable or a dead switch
//! looks like to the peers, unlike a stopped process whose kernel answers with RST. An iptables DROP rule per source
//! address in the INPUT chain of one container's network namespace, entered from the host with `nsenter`, so the
//! container needs no tools or privileges of its own. Only traffic from those addresses is cut; everything else (the
//! dashboard through the published ports) still reaches the container.
//!
//! Dropping a `NetworkCut` deletes its rules (also while a test is failing); `restore` does the same and reports.

use anyhow::{bail, Context};
use std::net::IpAddr;
use std::process::Command;

/// `iptables` arguments that insert (`-I`) or delete (`-D`) the DROP rule for `source`. `-w`: wait for the xtables
/// lock rather than fail while Docker edits the host's tables.
pub fn rule_args(action: &str, source: IpAddr) -> Vec<String> {
    [
        "-w",
        "-t",
        "filter",
        action,
        "INPUT",
        "-s",
        &source.to_string(),
        "-j",
        "DROP",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[derive(Debug)]
pub struct NetworkCut {
    pid: u32,
    sources: Vec<IpAddr>,
    active: bool,
}

impl NetworkCut {
    /// From now on, packets from `sources` to the network namespace of host process `pid` are dropped.
    pub fn drop_inbound(pid: u32, sources: &[IpAddr]) -> anyhow::Result<NetworkCut> {
        if sources.is_empty() {
            bail!("a network cut needs at least one source address");
        }
        let mut cut = NetworkCut {
            pid,
            sources: Vec::new(),
            active: true,
        };
        for &source in sources {
            iptables(pid, &rule_args("-I", source))?;
            cut.sources.push(source);
        }
        Ok(cut)
    }

    /// Deletes the rules: the sources reach the namespace again.
    pub fn restore(mut self) -> anyhow::Result<()> {
        self.remove_rules()
    }

    fn remove_rules(&mut self) -> anyhow::Result<()> {
        if !self.active {
            return Ok(());
        }
        self.active = false;
        let mut errors = Vec::new();
        for &source in &self.sources {
            if let Err(e) = iptables(self.pid, &rule_args("-D", source)) {
                errors.push(format!("{e:#}"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            bail!("restoring the network: {}", errors.join("; "))
        }
    }
}

impl Drop for NetworkCut {
    fn drop(&mut self) {
        // The namespace may be gone already (container removed): then so are the rules.
        let _ = self.remove_rules();
    }
}

fn iptables(pid: u32, args: &[String]) -> anyhow::Result<()> {
    let out = Command::new("nsenter")
        .arg("--target")
        .arg(pid.to_string())
        .arg("--net")
        .arg("iptables")
        .args(args)
        .output()
        .context("running nsenter (util-linux) with iptables; both need root")?;
    if !out.status.success() {
        bail!(
            "nsenter -t {pid} -n iptables {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_drops_only_packets_from_the_source() {
        let source: IpAddr = "172.18.0.5".parse().unwrap();
        assert_eq!(
            rule_args("-I", source).join(" "),
            "-w -t filter -I INPUT -s 172.18.0.5 -j DROP"
        );
        assert_eq!(
            rule_args("-D", source).join(" "),
            "-w -t filter -D INPUT -s 172.18.0.5 -j DROP"
        );
    }
}
