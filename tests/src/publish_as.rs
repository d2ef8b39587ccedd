//! `publish_as`: one MQTT client over TCP (rumqttc) that logs in as a given user (or anonymously), publishes one
//! QoS 1 message with any bytes as payload, waits for the PUBACK and disconnects — "this user tries to write this".
//!
//! Mosquitto acknowledges a publish its ACL denies too (MQTT 3.1.1 cannot say no), so `Ok` means the broker took
//! the packet, not that anyone received it; whether it was delivered is for a `Subscriber` to tell.

use crate::credentials::Login;
use anyhow::{bail, Context};
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// How long the CONNACK and PUBACK may take together.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);
/// The client's own packet limit: far above the brokers', so that it is the broker that refuses big messages.
pub const CLIENT_MAX_PACKET: usize = 2 << 20;

/// Connects to `127.0.0.1:<port>` as `login` (`None`: anonymous), publishes `payload` on `topic` at QoS 1 and waits
/// for its PUBACK. `Err`: the connection was refused (the error names the CONNACK code) or closed by the broker.
pub async fn publish_as(
    port: u16,
    login: Option<Login>,
    topic: &str,
    payload: Vec<u8>,
    retain: bool,
) -> anyhow::Result<()> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let id = format!(
        "e2e-pub-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    options.set_max_packet_size(CLIENT_MAX_PACKET, CLIENT_MAX_PACKET);
    if let Some(login) = login {
        options.set_credentials(login.username, login.password);
    }
    let (client, mut eventloop) = AsyncClient::new(options, 4);
    client
        .publish(topic, QoS::AtLeastOnce, retain, payload)
        .await
        .context("queueing the publish")?;
    let acked = tokio::time::timeout(PUBLISH_TIMEOUT, async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => return Ok(()),
                Ok(_) => {}
                Err(e) => bail!("{e:?}"),
            }
        }
    })
    .await
    .with_context(|| format!("no PUBACK or error within {PUBLISH_TIMEOUT:?}"))?;
    if acked.is_ok() {
        client.disconnect().await.context("queueing DISCONNECT")?;
        let _ = tokio::time::timeout(PUBLISH_TIMEOUT, async {
            while let Ok(event) = eventloop.poll().await {
                if event == Event::Outgoing(Outgoing::Disconnect) {
                    break;
                }
            }
        })
        .await;
    }
    acked.with_context(|| format!("publishing {topic} as {:?}", login.map(|l| l.username)))
}
