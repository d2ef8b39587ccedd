//! `FakeBroker`: a WebSocket server that speaks the first step of MQTT-over-WebSockets (it agrees to the `mqtt`
//! subprotocol and waits for the client's CONNECT) and then answers with bytes the test chooses — garbage, an invalid
//! frame, an absurd length — to see what the dashboard's session does with a broker that sends nonsense.
//!
//! Connection `i` gets `replies[i % replies.len()]`. It records every connection: whether a CONNECT came, and
//! whether the client then closed the socket itself. It judges nothing. Listens on a port the kernel picks.

use futures::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

/// How long one connection is kept after the reply, waiting for the client to close it.
pub const LINGER: Duration = Duration::from_secs(30);

/// What happened on one connection, as far as it got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeConnection {
    /// The first MQTT packet's type byte, if a binary message arrived (0x10 = CONNECT).
    pub first_byte: Option<u8>,
    /// The reply was sent.
    pub replied: bool,
    /// The client closed the WebSocket (close frame or end of stream) after the reply.
    pub closed_by_client: bool,
}

pub struct FakeBroker {
    port: u16,
    connections: Arc<Mutex<Vec<FakeConnection>>>,
    task: JoinHandle<()>,
}

impl FakeBroker {
    /// Listens on `127.0.0.1:<free port>`; each connection gets the next reply of `replies` (cycled).
    pub async fn start(replies: Vec<Vec<u8>>) -> anyhow::Result<FakeBroker> {
        anyhow::ensure!(!replies.is_empty(), "a fake broker needs at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let connections = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let index = {
                        let mut all = lock(&connections);
                        all.push(FakeConnection::default());
                        all.len() - 1
                    };
                    let reply = replies[index % replies.len()].clone();
                    tokio::spawn(serve(stream, reply, index, Arc::clone(&connections)));
                }
            }
        });
        Ok(FakeBroker {
            port,
            connections,
            task,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ws://127.0.0.1:<port>`, for `config.json`.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// Every connection so far, in the order they came.
    pub fn connections(&self) -> Vec<FakeConnection> {
        lock(&self.connections).clone()
    }
}

// tungstenite's handshake callback must return its `ErrorResponse` (a whole HTTP response) as the error type.
#[allow(clippy::result_large_err)]
async fn serve(
    stream: tokio::net::TcpStream,
    reply: Vec<u8>,
    index: usize,
    connections: Arc<Mutex<Vec<FakeConnection>>>,
) {
    let agree_to_mqtt = |_: &Request, mut response: Response| {
        response
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", http::HeaderValue::from_static("mqtt"));
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, agree_to_mqtt).await else {
        return;
    };
    let record = |f: &dyn Fn(&mut FakeConnection)| {
        if let Some(c) = lock(&connections).get_mut(index) {
            f(c);
        }
    };
    // The client speaks first: wait for its CONNECT.
    loop {
        match tokio::time::timeout(LINGER, ws.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => {
                let first = bytes.first().copied();
                record(&|c| c.first_byte = first);
                break;
            }
            Ok(Some(Ok(_))) => {}
            _ => return,
        }
    }
    if ws.send(Message::binary(reply)).await.is_err() {
        return;
    }
    record(&|c| c.replied = true);
    // Then only listen: the client is expected to give up on this connection.
    loop {
        match tokio::time::timeout(LINGER, ws.next()).await {
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                record(&|c| c.closed_by_client = true);
                return;
            }
            Ok(Some(Ok(_))) => {}
            Err(_) => return,
        }
    }
}

fn lock(connections: &Mutex<Vec<FakeConnection>>) -> MutexGuard<'_, Vec<FakeConnection>> {
    connections.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for FakeBroker {
    fn drop(&mut self) {
        self.task.abort();
    }
}
