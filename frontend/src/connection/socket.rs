//! Shell: one WebSocket (subprotocol `mqtt`) driven by its own task. Bytes go to it through a channel; what it
//! receives, and how it ends, comes back to the broker loop as `Wake`s tagged with the socket's generation.

use super::Wake;
use futures::channel::mpsc;
use futures::future::{self, Either};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State};
use leptos::task::spawn_local;

/// The WebSocket subprotocol of MQTT 3.1.1 over WebSockets.
const SUBPROTOCOL: &str = "mqtt";

/// The current WebSocket, driven by its own task: bytes go to it through `outgoing`; dropping `outgoing` ends the
/// task, which closes the socket.
#[derive(Default)]
pub struct Socket {
    pub generation: u64,
    outgoing: Option<mpsc::UnboundedSender<Vec<u8>>>,
}

impl Socket {
    pub fn open(&mut self, url: &str, wake: &mpsc::UnboundedSender<Wake>) -> Result<(), String> {
        self.close();
        self.generation += 1;
        let ws = WebSocket::open_with_protocol(url, SUBPROTOCOL).map_err(|e| format!("cannot open {url}: {e}"))?;
        let (outgoing, to_send) = mpsc::unbounded();
        self.outgoing = Some(outgoing);
        spawn_local(drive(self.generation, ws, to_send, wake.clone()));
        Ok(())
    }

    /// Queues bytes for the socket; `false` if there is no live socket task.
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        self.outgoing.as_ref().is_some_and(|o| o.unbounded_send(bytes).is_ok())
    }

    pub fn close(&mut self) {
        self.outgoing = None;
    }
}

/// One WebSocket's life: reports `Opened` once it is open, forwards every message it receives, sends what the loop
/// queues, and reports `Closed` when it fails. Ends, closing the socket, when the loop drops its sender.
async fn drive(
    generation: u64,
    mut ws: WebSocket,
    mut to_send: mpsc::UnboundedReceiver<Vec<u8>>,
    wake: mpsc::UnboundedSender<Wake>,
) {
    let report = |w: Wake| wake.unbounded_send(w).is_ok();
    // `poll_ready` also returns once a failed socket is closed; its error event may still be on its way.
    let ready = future::poll_fn(|cx| ws.poll_ready_unpin(cx));
    if let Either::Right(_) = future::select(ready, to_send.next()).await {
        return;
    }
    if !matches!(ws.state(), State::Open) {
        let why = match ws.next().await {
            Some(Err(e)) => e.to_string(),
            _ => "connection failed".to_owned(),
        };
        report(Wake::Closed(generation, why));
        return;
    }
    if !report(Wake::Opened(generation)) {
        return;
    }
    loop {
        let step = match future::select(ws.next(), to_send.next()).await {
            Either::Left((received, _)) => Ok(received),
            Either::Right((outgoing, _)) => Err(outgoing),
        };
        let wake_with = match step {
            Ok(Some(Ok(message))) => Wake::Bytes(generation, message_bytes(message)),
            Ok(Some(Err(e))) => Wake::Closed(generation, e.to_string()),
            Ok(None) => Wake::Closed(generation, "closed by the broker".to_owned()),
            // Everything queued meanwhile (PUBACKs of a burst) goes in one WebSocket message: MQTT allows several
            // packets per frame, and each message costs the browser a Blob.
            Err(Some(mut bytes)) => {
                while let Ok(more) = to_send.try_recv() {
                    bytes.extend_from_slice(&more);
                }
                match ws.send(Message::Bytes(bytes)).await {
                    Ok(()) => continue,
                    Err(e) => Wake::Closed(generation, e.to_string()),
                }
            }
            // The session let go of this socket.
            Err(None) => return,
        };
        let last = matches!(wake_with, Wake::Closed(..));
        if !report(wake_with) || last {
            return;
        }
    }
}

/// MQTT over WebSockets is binary; text is handed on as bytes for the session to refuse as a malformed frame.
fn message_bytes(message: Message) -> Vec<u8> {
    match message {
        Message::Bytes(bytes) => bytes,
        Message::Text(text) => text.into_bytes(),
    }
}
