//! `WsMqttClient`: a minimal MQTT 3.1.1 client over WebSockets (subprotocol `mqtt`), as a browser would talk to the
//! brokers' WebSocket listener — for checking what that listener lets a client do. CONNECT (optionally with a
//! login), QoS 1 PUBLISH waiting for its PUBACK, DISCONNECT. Packets are built and read with mqttrs.
//!
//! Test-only plumbing: it trusts what Mosquitto sends and does not subscribe (the TCP `Subscriber` observes).

use crate::credentials::Login;
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use mqttrs::{Connect, ConnectReturnCode, Packet, Pid, Protocol, Publish, QosPid};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long the handshake, a CONNACK or a PUBACK may take.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// The WebSocket subprotocol of MQTT 3.1.1 over WebSockets.
pub const SUBPROTOCOL: &str = "mqtt";

/// Why a CONNECT did not give a session.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectRefused {
    /// The broker answered with this CONNACK code.
    Code(ConnectReturnCode),
}

pub struct WsMqttClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    inbox: Vec<u8>,
    next_pid: u16,
}

impl WsMqttClient {
    /// Opens `ws://127.0.0.1:<port>` with the `mqtt` subprotocol and sends CONNECT (clean session) as `login`
    /// (`None`: anonymous). `Ok(Err(_))`: the broker refused the CONNECT.
    pub async fn connect(
        port: u16,
        client_id: &str,
        login: Option<Login>,
    ) -> anyhow::Result<Result<WsMqttClient, ConnectRefused>> {
        let mut request = format!("ws://127.0.0.1:{port}")
            .into_client_request()
            .context("building the WebSocket request")?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", http::HeaderValue::from_static(SUBPROTOCOL));
        let (ws, response) = tokio::time::timeout(REPLY_TIMEOUT, tokio_tungstenite::connect_async(request))
            .await
            .context("WebSocket handshake timed out")?
            .with_context(|| format!("WebSocket handshake with 127.0.0.1:{port}"))?;
        let agreed = response.headers().get("Sec-WebSocket-Protocol").map(|v| v.as_bytes());
        if agreed != Some(SUBPROTOCOL.as_bytes()) {
            bail!("the server did not agree to the `{SUBPROTOCOL}` subprotocol: {agreed:?}");
        }
        let mut client = WsMqttClient {
            ws,
            inbox: Vec::new(),
            next_pid: 1,
        };
        let connect = Packet::Connect(Connect {
            protocol: Protocol::MQTT311,
            keep_alive: 30,
            client_id,
            clean_session: true,
            last_will: None,
            username: login.map(|l| l.username),
            password: login.map(|l| l.password.as_bytes()),
        });
        client.send(&connect).await?;
        let connack = client.next_packet().await.context("waiting for CONNACK")?;
        match mqttrs::decode_slice(&connack).context("decoding CONNACK")? {
            Some(Packet::Connack(ack)) if ack.code == ConnectReturnCode::Accepted => Ok(Ok(client)),
            Some(Packet::Connack(ack)) => Ok(Err(ConnectRefused::Code(ack.code))),
            other => bail!("expected CONNACK, got {other:?}"),
        }
    }

    /// Publishes `payload` on `topic` at QoS 1 and waits for the PUBACK. Mosquitto acknowledges a publish its ACL
    /// denies too (MQTT 3.1.1 has no way to say no): `Ok` means "the broker took it", not "someone got it".
    /// `Err`: the broker closed the connection instead (e.g. the packet was over its size limit).
    pub async fn publish(&mut self, topic: &str, payload: &[u8], retain: bool) -> anyhow::Result<()> {
        let pid = Pid::try_from(self.next_pid).context("packet id")?;
        self.next_pid = self.next_pid.wrapping_add(1).max(1);
        let publish = Packet::Publish(Publish {
            dup: false,
            qospid: QosPid::AtLeastOnce(pid),
            retain,
            topic_name: topic,
            payload,
        });
        self.send(&publish).await?;
        loop {
            let frame = self.next_packet().await.context("waiting for PUBACK")?;
            if let Some(Packet::Puback(acked)) = mqttrs::decode_slice(&frame).context("decoding a packet")? {
                if acked == pid {
                    return Ok(());
                }
            }
        }
    }

    /// Sends DISCONNECT and closes the WebSocket.
    pub async fn disconnect(mut self) -> anyhow::Result<()> {
        self.send(&Packet::Disconnect).await?;
        let _ = self.ws.close(None).await;
        Ok(())
    }

    async fn send(&mut self, packet: &Packet<'_>) -> anyhow::Result<()> {
        let size = match packet {
            Packet::Publish(p) => p.payload.len() + p.topic_name.len() + 16,
            _ => 512,
        };
        let mut buf = vec![0u8; size];
        let len = mqttrs::encode_slice(packet, &mut buf).context("encoding a packet")?;
        buf.truncate(len);
        tokio::time::timeout(REPLY_TIMEOUT, self.ws.send(Message::binary(buf)))
            .await
            .context("sending timed out")?
            .context("sending over the WebSocket")
    }

    /// The next whole MQTT packet from the broker (WebSocket messages may split or join packets).
    async fn next_packet(&mut self) -> anyhow::Result<Vec<u8>> {
        tokio::time::timeout(REPLY_TIMEOUT, async {
            loop {
                if let Some(len) = frame_len(&self.inbox) {
                    return Ok(self.inbox.drain(..len).collect());
                }
                match self.ws.next().await {
                    Some(Ok(Message::Binary(bytes))) => self.inbox.extend_from_slice(&bytes),
                    Some(Ok(Message::Close(frame))) => bail!("the broker closed the WebSocket: {frame:?}"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e).context("reading from the WebSocket"),
                    None => bail!("the broker closed the connection"),
                }
            }
        })
        .await
        .context("no packet from the broker in time")?
    }
}

/// The length of the whole MQTT packet at the start of `buf`, once all of it is there.
fn frame_len(buf: &[u8]) -> Option<usize> {
    let mut body = 0usize;
    for i in 0..4 {
        let byte = *buf.get(1 + i)?;
        body |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let total = 2 + i + body;
            return (buf.len() >= total).then_some(total);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_len_waits_for_the_whole_packet() {
        assert_eq!(frame_len(&[]), None);
        assert_eq!(frame_len(&[0x20]), None);
        assert_eq!(frame_len(&[0x20, 0x02, 0x00]), None);
        assert_eq!(frame_len(&[0x20, 0x02, 0x00, 0x00, 0xd0]), Some(4));
        let mut long = vec![0x30, 0xc8, 0x01];
        long.extend(vec![0u8; 200]);
        assert_eq!(frame_len(&long), Some(203));
    }
}
