//! Shell: runs one `Session` per broker over WebSockets and feeds what they deliver into the `RwSignal<Dashboard>`
//! through a per-frame `Inbox`. With `socket`, `frames` and `clock`, the only code that touches WebSockets, timers,
//! workers and animation frames; it decides nothing — every decision (when to connect, ping, give up, retry) is
//! the session's, every interpretation the dashboard's.

mod clock;
mod frames;
mod socket;

use crate::config::{BrokerConfig, Config};
use crate::dashboard::{Dashboard, Event};
use crate::session::{Action, Input, Jitter, Session, SessionConfig};
use frames::Inbox;
use futures::channel::mpsc;
use futures::StreamExt;
use leptos::logging::{log, warn};
use leptos::prelude::*;
use leptos::task::spawn_local;
use socket::Socket;
use std::collections::VecDeque;
use std::rc::Rc;

/// What reaches a broker's loop. Socket events carry the socket's generation so a replaced socket's late events
/// are recognised and dropped.
enum Wake {
    Tick,
    Opened(u64),
    Bytes(u64, Vec<u8>),
    Closed(u64, String),
}

/// Starts one session task per configured broker and the clock that drives them; they run as long as the page.
pub fn start(config: &Config, dashboard: RwSignal<Dashboard>) {
    let inbox = Rc::new(Inbox::new(dashboard));
    let mut wakes = Vec::new();
    for (index, broker) in config.brokers.iter().cloned().enumerate() {
        let (wake, woken) = mpsc::unbounded();
        spawn_local(run_broker(index, broker, wake.clone(), woken, Rc::clone(&inbox)));
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
    wake: mpsc::UnboundedSender<Wake>,
    mut woken: mpsc::UnboundedReceiver<Wake>,
    inbox: Rc<Inbox>,
) {
    let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let mut ids = Jitter::new(seed ^ 0x5eed);
    let mut settings = SessionConfig::new(format!("dashboard-{:08x}{:08x}", ids.next_u32(), ids.next_u32()));
    settings.username = broker.username.clone();
    settings.password = broker.password.clone();
    let mut session = Session::new(settings, seed);

    let mut socket = Socket::default();
    let mut last_said = None;
    let mut pending: VecDeque<Action> = session.start(now_ms()).into();
    loop {
        let mut events = Vec::new();
        while let Some(action) = pending.pop_front() {
            match action {
                Action::Open => {
                    if let Err(why) = socket.open(&broker.url, &wake) {
                        pending.extend(session.handle(now_ms(), Input::Closed(&why)));
                    }
                }
                Action::Send(bytes) => {
                    if !socket.send(bytes) {
                        socket.close();
                        pending.extend(session.handle(now_ms(), Input::Closed("socket task ended")));
                    }
                }
                Action::Close => socket.close(),
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
        if !events.is_empty() {
            // Applied with everything else that arrives before the next animation frame, in one update.
            inbox.push(events);
        }
        let Some(wake) = woken.next().await else { return };
        let now = now_ms();
        let actions = match wake {
            Wake::Tick => session.handle(now, Input::Tick),
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
