//! Publishes one message with the `mosquitto_pub` CLI — "any client", as the seed's debug commands do — and waits
//! for it to exit successfully.

use crate::credentials::OPERATOR;
use anyhow::{bail, Context};
use std::time::Duration;

/// How long one `mosquitto_pub` may take.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);

/// `mosquitto_pub -h 127.0.0.1 -p <port> -u operator -P … -t <topic> -m <payload> -q 1`: the operator's login,
/// since the brokers let anonymous clients only read.
pub async fn publish(port: u16, topic: &str, payload: &str) -> anyhow::Result<()> {
    let mut cmd = tokio::process::Command::new("mosquitto_pub");
    cmd.args([
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-u",
        OPERATOR.username,
        "-P",
        OPERATOR.password,
        "-q",
        "1",
        "-t",
        topic,
        "-m",
        payload,
    ]);
    cmd.kill_on_drop(true);
    let output = tokio::time::timeout(PUBLISH_TIMEOUT, cmd.output())
        .await
        .context("mosquitto_pub timed out")?
        .context("running mosquitto_pub (is the mosquitto-clients package installed?)")?;
    if !output.status.success() {
        bail!(
            "mosquitto_pub to port {port} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
