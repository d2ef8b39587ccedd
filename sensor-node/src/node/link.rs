//! One MQTT connection to one broker: a fresh rumqttc client and event loop, driven by its own task, reporting
//! plain `LinkEvent`s. Also the failback probe (a short-lived side connection).
//! This and `node.rs` are the only places that touch rumqttc. No decisions here: a link never reconnects — when it
//! fails it reports once and ends, and the failover policy decides what comes next.

use crate::config::{Broker, Credentials};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, LastWill, MqttOptions, Outgoing, Packet, QoS, StateError,
};
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a graceful close may take to get its DISCONNECT out before the connection is simply dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// Largest MQTT packet sent or accepted, either way: the system-wide bound, equal to the brokers' `max_packet_size`.
/// The sensor's own packets are far smaller (a reading is ~150 bytes; CONNECT with the longest credentials and Will
/// fits, see the tests), and it receives only acknowledgements, so a broker never sees more from it than it accepts.
pub const MAX_PACKET_BYTES: usize = sensor_wire::MAX_PACKET_BYTES;
/// Room the bound leaves beside the payload for a publish's header, topic and packet id.
#[cfg(test)]
const PUBLISH_OVERHEAD_BYTES: usize = sensor_wire::MAX_PACKET_BYTES - sensor_wire::MAX_PAYLOAD_BYTES;

/// What a link reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// CONNACK accepted.
    Connected,
    /// A publish was written with this packet id.
    Written(u16),
    /// PUBACK for this packet id.
    Acked(u16),
    /// The DISCONNECT we asked for is out; the link is finished.
    Closed,
    /// The link is finished.
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Before CONNACK: refused, reset, unreachable, rejected.
    Connect(String),
    /// CONNACK refused the credentials (or their absence): a misconfiguration, not an outage.
    NotAuthorized(&'static str),
    /// After CONNACK: closed or errored.
    Lost(String),
    /// No PINGRESP before the next keepalive.
    PingTimeout,
}

/// A message to publish with QoS 1 (payloads always come from the wire crate).
pub struct Publication {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

/// An open (or opening) connection. Dropping it drops the connection at once (the broker then sends the Will).
pub struct Link {
    client: AsyncClient,
    events: mpsc::UnboundedReceiver<LinkEvent>,
    task: Option<JoinHandle<()>>,
}

/// Options shared by every connection of this process.
pub struct LinkOptions {
    pub client_id: String,
    pub keepalive: Duration,
    pub connect_timeout: Duration,
    /// Request channel size; must exceed the most publishes handed over without being written.
    pub capacity: usize,
    /// Sent in every CONNECT, the probe's too; `None` connects anonymously.
    pub credentials: Option<Credentials>,
}

impl Link {
    /// Starts connecting to `broker` with `will` as Last Will (retained, QoS 1).
    pub fn open(broker: &Broker, options: &LinkOptions, will: Publication) -> Self {
        let mut mqtt = mqtt_options(
            broker,
            &options.client_id,
            options.keepalive,
            options.credentials.as_ref(),
        );
        mqtt.set_last_will(LastWill::new(will.topic, will.payload, QoS::AtLeastOnce, will.retain));
        mqtt.set_inflight(u16::try_from(options.capacity).unwrap_or(u16::MAX).max(2));
        let (client, mut eventloop) = AsyncClient::new(mqtt, options.capacity);
        eventloop
            .network_options
            .set_connection_timeout(whole_secs(options.connect_timeout));
        let (tx, events) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut connected = false;
            loop {
                let event = match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        connected = true;
                        LinkEvent::Connected
                    }
                    Ok(Event::Incoming(Packet::PubAck(ack))) => LinkEvent::Acked(ack.pkid),
                    Ok(Event::Outgoing(Outgoing::Publish(pkid))) => LinkEvent::Written(pkid),
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                        let _ = tx.send(LinkEvent::Closed);
                        return;
                    }
                    Ok(_) => continue,
                    Err(e) => {
                        let _ = tx.send(LinkEvent::Failed(classify(e, connected)));
                        return;
                    }
                };
                // Keep driving even when nobody listens any more: a closing link must still get its DISCONNECT out.
                let _ = tx.send(event);
            }
        });
        Self {
            client,
            events,
            task: Some(task),
        }
    }

    /// The next event; a link whose task ended without saying so reports a lost connection.
    pub async fn next_event(&mut self) -> LinkEvent {
        self.events
            .recv()
            .await
            .unwrap_or_else(|| LinkEvent::Failed(Failure::Lost("link ended".into())))
    }

    /// Hands a QoS 1 publish to the client. Fails only when the link is gone or its queue is full.
    pub fn publish(&self, msg: Publication) -> Result<(), rumqttc::ClientError> {
        self.client
            .try_publish(msg.topic, QoS::AtLeastOnce, msg.retain, msg.payload)
    }

    /// Sends DISCONNECT after everything already handed over (so the broker does not send the Will) and lets the
    /// link finish in the background within `CLOSE_GRACE`.
    pub fn close(mut self) {
        let _ = self.client.try_disconnect();
        if let Some(mut task) = self.task.take() {
            tokio::spawn(async move {
                if tokio::time::timeout(CLOSE_GRACE, &mut task).await.is_err() {
                    task.abort();
                }
            });
        }
    }

    /// Like `close`, but waits (at most `CLOSE_GRACE`) until the DISCONNECT is out. For shutdown.
    pub async fn close_and_wait(mut self) {
        let _ = self.client.try_disconnect();
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while !matches!(self.next_event().await, LinkEvent::Closed | LinkEvent::Failed(_)) {}
        })
        .await;
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Opens a side connection to `broker` (own client id, no Will, the same credentials) and closes it again: Ok once
/// a CONNACK arrived within the connect timeout.
pub fn probe(broker: &Broker, options: &LinkOptions) -> impl Future<Output = Result<(), Failure>> + Send + 'static {
    let client_id = format!("{}-probe", options.client_id);
    let mqtt = mqtt_options(broker, &client_id, Duration::ZERO, options.credentials.as_ref());
    let timeout = options.connect_timeout;
    probe_with(mqtt, timeout)
}

async fn probe_with(mqtt: MqttOptions, timeout: Duration) -> Result<(), Failure> {
    let (client, mut eventloop) = AsyncClient::new(mqtt, 4);
    eventloop.network_options.set_connection_timeout(whole_secs(timeout));
    let attempt = async {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {}
            Ok(other) => return Err(Failure::Connect(format!("unexpected {other:?}"))),
            Err(e) => return Err(classify(e, false)),
        }
        let _ = client.try_disconnect();
        while let Ok(ev) = eventloop.poll().await {
            if ev == Event::Outgoing(Outgoing::Disconnect) {
                break;
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Connect(format!(
            "no CONNACK within {} ms",
            timeout.as_millis()
        ))),
    }
}

fn mqtt_options(broker: &Broker, client_id: &str, keepalive: Duration, login: Option<&Credentials>) -> MqttOptions {
    let mut mqtt = MqttOptions::new(client_id, broker.host.clone(), broker.port);
    mqtt.set_keep_alive(keepalive);
    mqtt.set_clean_session(true);
    mqtt.set_max_packet_size(MAX_PACKET_BYTES, MAX_PACKET_BYTES);
    if let Some(login) = login {
        mqtt.set_credentials(login.username.clone(), login.password.clone());
    }
    mqtt
}

fn whole_secs(d: Duration) -> u64 {
    d.as_secs_f64().ceil().max(1.0) as u64
}

fn classify(e: ConnectionError, connected: bool) -> Failure {
    match e {
        ConnectionError::MqttState(StateError::AwaitPingResp) => Failure::PingTimeout,
        ConnectionError::ConnectionRefused(ConnectReturnCode::BadUserNamePassword) => {
            Failure::NotAuthorized("bad user name or password")
        }
        ConnectionError::ConnectionRefused(ConnectReturnCode::NotAuthorized) => {
            Failure::NotAuthorized("not authorised")
        }
        e if connected => Failure::Lost(e.to_string()),
        e => Failure::Connect(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MAX_CREDENTIAL_BYTES;
    use rumqttc::{Connect, Login, Publish};
    use sensor_wire::{SensorName, Topic, MAX_PAYLOAD_BYTES, MAX_TEXT_LEN};

    fn longest_sensor() -> SensorName {
        SensorName::parse(&"s".repeat(64)).unwrap()
    }

    #[test]
    fn a_publish_of_the_brokers_size_limit_on_the_longest_topic_fits_the_packet_limit() {
        let topic = Topic::Status(longest_sensor()).to_topic_string();
        let mut publish = Publish::new(topic, QoS::AtLeastOnce, vec![b'x'; MAX_PAYLOAD_BYTES]);
        publish.pkid = u16::MAX;
        let size = Packet::Publish(publish).size();
        assert!(size <= MAX_PACKET_BYTES, "{size} > {MAX_PACKET_BYTES}");
        // And the limit is not much looser than what the broker accepts.
        assert!(MAX_PACKET_BYTES - size < PUBLISH_OVERHEAD_BYTES, "{size}");
    }

    #[test]
    fn connect_with_the_longest_credentials_and_will_fits_the_packet_limit() {
        let sensor = longest_sensor();
        let will = sensor_wire::Status {
            sensor: sensor.clone(),
            status: sensor_wire::Presence::Offline,
            broker_used: "\u{1F4A1}".repeat(MAX_TEXT_LEN),
            boot: "b".repeat(MAX_TEXT_LEN),
        };
        let mut connect = Connect::new(format!("{sensor}-{}-probe", "0".repeat(16)));
        connect.last_will = Some(LastWill::new(
            Topic::Status(sensor).to_topic_string(),
            will.to_json(),
            QoS::AtLeastOnce,
            true,
        ));
        connect.login = Some(Login::new(
            "u".repeat(MAX_CREDENTIAL_BYTES),
            "p".repeat(MAX_CREDENTIAL_BYTES),
        ));
        let size = Packet::Connect(connect).size();
        assert!(size <= MAX_PACKET_BYTES, "{size} > {MAX_PACKET_BYTES}");
    }

    #[test]
    fn refused_credentials_are_told_apart_from_other_connect_failures() {
        for code in [ConnectReturnCode::BadUserNamePassword, ConnectReturnCode::NotAuthorized] {
            assert!(matches!(
                classify(ConnectionError::ConnectionRefused(code), false),
                Failure::NotAuthorized(_)
            ));
        }
        assert!(matches!(
            classify(
                ConnectionError::ConnectionRefused(ConnectReturnCode::ServiceUnavailable),
                false
            ),
            Failure::Connect(_)
        ));
    }
}
