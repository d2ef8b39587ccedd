//! Shell: runs one `Session` per broker over WebSockets and feeds what they deliver into the `RwSignal<Dashboard>`
//! through a per-frame `Inbox`. With `socket`, `frames` and `clock`, the only code that touches WebSockets, timers,
//! workers and animation frames; it decides nothing — every decision (when to connect, ping, give up, retry) is
//! the session's, every interpretation the dashboard's.

mod client_id;
pub(crate) mod clock;
mod frames;
mod socket;

use crate::config::{BrokerConfig, Config};
use crate::dashboard::{Dashboard, Event};
use crate::session::{is_puback, Action, Input, Session, SessionConfig};
use frames::Inbox;
use futures::channel::mpsc;
use futures::StreamExt;
use leptos::logging::{log, warn};
use leptos::prelude::*;
use leptos::task::spawn_local;
use socket::Socket;
use std::collections::VecDeque;
use std::rc::Rc;

/// Most socket events and beats handled in one turn of a broker's loop before its sends go out and its events are
/// pushed; bounds the time one turn can take under a flood.
const MAX_WAKES_PER_TURN: usize = 512;
/// PUBACKs wait at most this long to go out together in one WebSocket message (a message per reading was the page's
/// largest single cost at 5,000 msg/s: issue 13). The broker allows 1,000 in flight (`mosquitto.conf`), about
/// 200 ms of that load, so this delays no delivery.
const ACK_DELAY_MS: u32 = 20;
/// PUBACKs (4 bytes each) buffered before they go out without waiting for `ACK_DELAY_MS`.
const ACK_BATCH_BYTES: usize = 1_024;

/// What reaches a broker's loop. Socket events carry the socket's generation so a replaced socket's late events
/// are recognised and dropped.
enum Wake {
    Tick,
    /// Buffered PUBACKs have waited `ACK_DELAY_MS`.
    FlushAcks,
    Opened(u64),
    Bytes(u64, Vec<u8>),
    Closed(u64, String),
}

/// Starts one session task per configured broker and the clock that drives them; they run as long as the page.
pub fn start(config: &Config, dashboard: RwSignal<Dashboard>) {
    let inbox = Inbox::new(dashboard);
    let client_id = client_id::for_this_tab();
    log!("MQTT client id {client_id}");
    let mut wakes = Vec::new();
    for (index, broker) in config.brokers.iter().cloned().enumerate() {
        let (wake, woken) = mpsc::unbounded();
        let settings = SessionConfig {
            username: broker.username.clone(),
            password: broker.password.clone(),
            ..SessionConfig::new(client_id.clone())
        };
        spawn_local(run_broker(
            index,
            broker,
            settings,
            wake.clone(),
            woken,
            Rc::clone(&inbox),
        ));
        wakes.push(wake);
    }
    clock::start(move || {
        for wake in &wakes {
            let _ = wake.unbounded_send(Wake::Tick);
        }
        inbox.tick(now_ms());
    });
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

async fn run_broker(
    index: usize,
    broker: BrokerConfig,
    settings: SessionConfig,
    wake: mpsc::UnboundedSender<Wake>,
    mut woken: mpsc::UnboundedReceiver<Wake>,
    inbox: Rc<Inbox>,
) {
    let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let mut session = Session::new(settings, seed);

    let mut socket = Socket::default();
    let mut last_said = None;
    let mut pending: VecDeque<Action> = session.start(now_ms()).into();
    let mut outgoing = Vec::new();
    // Whether `outgoing` holds anything but PUBACKs (then it goes out at once), and whether its PUBACKs have waited
    // long enough; the timer that says so.
    let (mut urgent, mut acks_due) = (false, false);
    let mut ack_timer: Option<gloo_timers::callback::Timeout> = None;
    loop {
        let mut events = Vec::new();
        loop {
            while let Some(action) = pending.pop_front() {
                match action {
                    Action::Open => {
                        outgoing.clear();
                        if let Err(why) = socket.open(&broker.url, &wake) {
                            pending.extend(session.handle(now_ms(), Input::Closed(&why)));
                        }
                    }
                    // Collected and sent as one message below: a burst of readings is acknowledged in one send.
                    Action::Send(bytes) => {
                        urgent |= !is_puback(&bytes);
                        outgoing.extend_from_slice(&bytes);
                    }
                    Action::Close => {
                        outgoing.clear();
                        socket.close();
                    }
                    Action::Deliver(delivery) => events.push(Event::Received {
                        broker: index,
                        delivery,
                        at_ms: now_ms(),
                    }),
                    Action::Phase(change) => {
                        // One console line per change, not one per retry.
                        let said = (change.phase, change.reason.clone());
                        if last_said.as_ref() != Some(&said) {
                            match &change.reason {
                                Some(why) => warn!("{}: {} ({why})", broker.name, change.phase.as_str()),
                                None => log!("{}: {}", broker.name, change.phase.as_str()),
                            }
                            last_said = Some(said);
                        }
                        events.push(Event::Broker {
                            broker: index,
                            change,
                            at_ms: now_ms(),
                        });
                    }
                }
            }
            if outgoing.is_empty() {
                break;
            }
            if !(urgent || acks_due || outgoing.len() >= ACK_BATCH_BYTES) {
                // Only PUBACKs, and young: they wait for more (or for the timer).
                if ack_timer.is_none() {
                    let wake = wake.clone();
                    ack_timer = Some(gloo_timers::callback::Timeout::new(ACK_DELAY_MS, move || {
                        let _ = wake.unbounded_send(Wake::FlushAcks);
                    }));
                }
                break;
            }
            let sent = socket.send(&outgoing);
            outgoing.clear();
            (urgent, acks_due, ack_timer) = (false, false, None);
            if sent {
                break;
            }
            socket.close();
            pending.extend(session.handle(now_ms(), Input::Closed("the WebSocket refused to send")));
        }
        if !events.is_empty() {
            // Applied with everything else that arrives before the next animation frame, in one update.
            inbox.push(events);
        }
        // Everything that has arrived meanwhile is handled before anything is sent or applied (one send, one push).
        let Some(first) = woken.next().await else { return };
        let mut wakes = vec![first];
        while wakes.len() < MAX_WAKES_PER_TURN {
            match woken.try_recv() {
                Ok(w) => wakes.push(w),
                Err(_) => break,
            }
        }
        let now = now_ms();
        for wake in wakes {
            let actions = match wake {
                Wake::Tick => {
                    // The clock's beat is never throttled: in a hidden tab, where the timer is, acks wait for it.
                    acks_due = true;
                    session.handle(now, Input::Tick)
                }
                Wake::FlushAcks => {
                    ack_timer = None;
                    acks_due = true;
                    Vec::new()
                }
                Wake::Opened(generation) if generation == socket.generation => session.handle(now, Input::Opened),
                Wake::Bytes(generation, bytes) if generation == socket.generation => {
                    session.handle(now, Input::Bytes(&bytes))
                }
                Wake::Closed(generation, why) if generation == socket.generation => {
                    socket.close();
                    session.handle(now, Input::Closed(&why))
                }
                // An event of a socket that was already replaced or closed.
                Wake::Opened(..) | Wake::Bytes(..) | Wake::Closed(..) => Vec::new(),
            };
            pending.extend(actions);
        }
    }
}
