//! Asks a broker whether it serves MQTT: a raw MQTT 3.1.1 CONNECT, a CONNACK within a timeout, then DISCONNECT.
//!
//! A TCP connect alone is not enough: a SIGSTOPped broker still completes handshakes from its listen backlog.

use anyhow::{bail, Context};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one probe waits for the CONNACK.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1000);

/// A CONNECT packet: protocol "MQTT" level 4, clean session, keepalive 10 s, client id `e2e-probe-<n>`
/// (distinct per probe, so two probes never take over each other's session).
fn connect_packet() -> Vec<u8> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let client_id = format!("e2e-probe-{}-{n}", std::process::id());
    let client_id = client_id.as_bytes();
    let mut body = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x0A];
    body.extend_from_slice(&(client_id.len() as u16).to_be_bytes());
    body.extend_from_slice(client_id);
    let mut packet = vec![0x10, body.len() as u8];
    packet.extend_from_slice(&body);
    packet
}

/// Ok if the broker on `127.0.0.1:port` answers a CONNECT with an accepting CONNACK within `PROBE_TIMEOUT`.
pub async fn mqtt_connack(port: u16) -> anyhow::Result<()> {
    tokio::time::timeout(PROBE_TIMEOUT, async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.context("TCP connect")?;
        stream.write_all(&connect_packet()).await.context("sending CONNECT")?;
        let mut connack = [0u8; 4];
        stream.read_exact(&mut connack).await.context("reading CONNACK")?;
        if connack != [0x20, 0x02, 0x00, 0x00] {
            bail!("unexpected CONNACK {connack:02x?}");
        }
        let _ = stream.write_all(&[0xE0, 0x00]).await;
        Ok(())
    })
    .await
    .with_context(|| format!("no CONNACK from 127.0.0.1:{port} within {PROBE_TIMEOUT:?}"))?
}

/// Ok if something accepts TCP connections on `127.0.0.1:port`.
pub async fn tcp_accepts(port: u16) -> anyhow::Result<()> {
    tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(("127.0.0.1", port)))
        .await
        .with_context(|| format!("TCP connect to 127.0.0.1:{port} timed out"))?
        .with_context(|| format!("TCP connect to 127.0.0.1:{port}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_packet_has_a_consistent_remaining_length() {
        let p = connect_packet();
        assert_eq!(p[1] as usize, p.len() - 2);
    }
}
