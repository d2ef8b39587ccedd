//! `Subscriber`: an MQTT client (rumqttc) on one broker that records every message it receives on a filter, with
//! the time it arrived. It reconnects and resubscribes by itself when its broker dies and comes back, so failover
//! scenarios can count what each broker delivered. With a clean session every connection attempt uses a fresh client
//! id, so an attempt a hung broker only answers later can never take over (and end) the session of the attempt that
//! succeeded; a persistent one (`connect_persistent`, as the dashboard) keeps its id, and the broker hands whatever
//! it queued to whichever connection holds the session last.
//!
//! It records; it judges nothing. Parsing goes through `sensor-wire`, the one place that knows the wire format.

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How long `connect` waits for the first SUBACK.
pub const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause before reconnecting after the connection failed (paces the retry loop).
pub const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// One message as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
    pub at: Instant,
}

impl Received {
    pub fn payload_text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }

    /// The message as the wire crate reads it.
    pub fn parse(&self) -> Result<sensor_wire::Message, sensor_wire::WireError> {
        sensor_wire::parse_message(&self.topic, &self.payload)
    }
}

#[derive(Debug, Default)]
struct Record {
    received: Vec<Received>,
    subacks: u32,
    last_suback: Option<Instant>,
    connected: bool,
    disconnects: u32,
}

/// Records what one broker delivers on one filter. Stops when dropped.
#[derive(Debug)]
pub struct Subscriber {
    label: String,
    record: Arc<Mutex<Record>>,
    task: JoinHandle<()>,
}

impl Subscriber {
    /// Connects to `127.0.0.1:<port>`, subscribes to `filter` at QoS 1 and waits for the SUBACK.
    /// `label` names it in errors and in its client id.
    pub async fn connect(label: &str, port: u16, filter: &str) -> anyhow::Result<Subscriber> {
        Subscriber::connect_as(label, port, filter, None).await
    }

    /// Like `connect`, with a persistent session (clean session off, one client id across reconnects), as the
    /// dashboard has: the broker queues what arrives while it is reconnecting.
    pub async fn connect_persistent(label: &str, port: u16, filter: &str) -> anyhow::Result<Subscriber> {
        Subscriber::start(label, port, filter, None, true).await
    }

    /// Like `connect`, logged in as `login` (`None`: anonymous, as `connect`).
    pub async fn connect_as(
        label: &str,
        port: u16,
        filter: &str,
        login: Option<crate::credentials::Login>,
    ) -> anyhow::Result<Subscriber> {
        Subscriber::start(label, port, filter, login, false).await
    }

    async fn start(
        label: &str,
        port: u16,
        filter: &str,
        login: Option<crate::credentials::Login>,
        persistent: bool,
    ) -> anyhow::Result<Subscriber> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let client_id = format!("e2e-{label}-{}-{n}", std::process::id());
        let mut options = MqttOptions::new(client_id.clone(), "127.0.0.1", port);
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_clean_session(!persistent);
        if let Some(login) = login {
            options.set_credentials(login.username, login.password);
        }
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let record = Arc::new(Mutex::new(Record::default()));
        let filter = filter.to_owned();
        let task = tokio::spawn({
            let record = Arc::clone(&record);
            async move {
                let mut attempt = 0u32;
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            lock(&record).connected = true;
                            // A clean session needs its subscription again on every (re)connect; a persistent one
                            // may have lost it with a restarted broker.
                            let _ = client.try_subscribe(filter.clone(), QoS::AtLeastOnce);
                        }
                        Ok(Event::Incoming(Packet::SubAck(_))) => {
                            let mut r = lock(&record);
                            r.subacks += 1;
                            r.last_suback = Some(Instant::now());
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) => lock(&record).received.push(Received {
                            topic: p.topic.clone(),
                            payload: p.payload.to_vec(),
                            retain: p.retain,
                            at: Instant::now(),
                        }),
                        Ok(_) => {}
                        Err(_) => {
                            {
                                let mut r = lock(&record);
                                if r.connected {
                                    r.disconnects += 1;
                                }
                                r.connected = false;
                            }
                            attempt += 1;
                            if !persistent {
                                eventloop.mqtt_options.set_client_id(format!("{client_id}-r{attempt}"));
                            }
                            tokio::time::sleep(RECONNECT_PAUSE).await;
                        }
                    }
                }
            }
        });
        let subscriber = Subscriber {
            label: label.to_owned(),
            record,
            task,
        };
        crate::wait_for(
            &format!("subscriber {label} to be subscribed on port {port}"),
            SUBSCRIBE_TIMEOUT,
            || {
                let subscribed = subscriber.lock().subacks > 0;
                async move { Ok(subscribed.then_some(())) }
            },
        )
        .await?;
        Ok(subscriber)
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        lock(&self.record)
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    pub fn count(&self) -> usize {
        self.lock().received.len()
    }

    /// Readings (not status messages, not unparsable payloads) received so far, with their arrival times.
    pub fn readings(&self) -> Vec<(sensor_wire::Reading, Instant)> {
        self.lock()
            .received
            .iter()
            .filter_map(|r| match r.parse() {
                Ok(sensor_wire::Message::Reading(reading)) => Some((reading, r.at)),
                _ => None,
            })
            .collect()
    }

    pub fn is_connected(&self) -> bool {
        self.lock().connected
    }

    /// Connected, with a SUBACK received at or after `since`: a broker that was restarted or resumed before
    /// `since` delivers everything published to it from now on to this subscriber.
    pub fn subscribed_since(&self, since: Instant) -> bool {
        let r = self.lock();
        r.connected && r.last_suback.is_some_and(|at| at >= since)
    }

    /// How often an established connection was lost.
    pub fn disconnects(&self) -> u32 {
        self.lock().disconnects
    }

    /// Waits until at least `n` messages satisfying `keep` have been received; returns them all.
    pub async fn wait_for_messages(
        &self,
        n: usize,
        timeout: Duration,
        keep: impl Fn(&Received) -> bool,
    ) -> anyhow::Result<Vec<Received>> {
        crate::wait_for(
            &format!("{n} matching messages on subscriber {}", self.label),
            timeout,
            || {
                let matching: Vec<Received> = self.lock().received.iter().filter(|r| keep(r)).cloned().collect();
                async move { Ok((matching.len() >= n).then_some(matching)) }
            },
        )
        .await
    }
}

fn lock(record: &Mutex<Record>) -> MutexGuard<'_, Record> {
    // A panic while holding the lock cannot leave a Vec push half-done; keep recording.
    record.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}
