//! `FaultProxy`: a TCP forwarder on a free port in front of one upstream port (a broker's WebSocket listener), for
//! cutting one client's link the way networks do. It never looks inside the bytes.
//!
//! - `Fault::None`: a transparent byte pipe, one upstream connection per accepted one.
//! - `Fault::Reset`: every connection it carries is reset (RST, as a dropped NAT entry or a restarted proxy does),
//!   and new ones are accepted and reset at once.
//! - `Fault::BlackHole`: connections stay open but nothing crosses them either way (an unplugged cable, a silently
//!   dropping firewall); new ones are accepted and never answered. What is sent meanwhile is held "in the network":
//!   if both ends are still there when the fault clears, it arrives late, as TCP would retransmit it; if either end
//!   gives up or dies meanwhile, it is lost with that connection and the other end is reset.
//!
//! Clearing the fault lets new connections through again; black-holed connections whose ends both held on resume.

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does to traffic now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Reset,
    BlackHole,
}

#[derive(Debug)]
pub struct FaultProxy {
    port: u16,
    fault: watch::Sender<Fault>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// A transparent proxy on a free port of 127.0.0.1, forwarding to `127.0.0.1:<upstream>`.
    pub async fn start(upstream: u16) -> anyhow::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding a fault proxy on 127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let (fault, _) = watch::channel(Fault::None);
        let task = tokio::spawn({
            let fault = fault.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let now = *fault.borrow();
                    match now {
                        Fault::None => {
                            tokio::spawn(forward(client, upstream, fault.subscribe()));
                        }
                        Fault::Reset => reset(client),
                        // Held open, unread, until the fault clears and the client gives up.
                        Fault::BlackHole => {
                            tokio::spawn(hold(client, fault.subscribe()));
                        }
                    }
                }
            }
        });
        Ok(FaultProxy { port, fault, task })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ws://127.0.0.1:<proxy port>`, for a dashboard's `config.json`.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Closes `stream` with a RST rather than a FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn hold(client: TcpStream, mut fault: watch::Receiver<Fault>) {
    // Until the fault changes to a reset (then reset it) or clears (then keep it silent: it was never answered).
    while fault.changed().await.is_ok() {
        if *fault.borrow() == Fault::Reset {
            reset(client);
            return;
        }
    }
}

/// One proxied connection: copies both ways while there is no fault. On `Reset` both sides end with a RST; on
/// `BlackHole` what arrives is held, not forwarded, until the fault clears (then it is delivered) or a side closes
/// (then it is dropped and the other side reset).
async fn forward(mut client: TcpStream, upstream: u16, mut fault: watch::Receiver<Fault>) {
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        reset(client);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut up, mut down) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    // Bytes in the network during a black hole: client → server, server → client.
    let (mut held_up, mut held_down) = (Vec::new(), Vec::new());
    loop {
        let now = *fault.borrow_and_update();
        match now {
            Fault::Reset => {
                reset(client);
                reset(server);
                return;
            }
            Fault::None if !held_up.is_empty() || !held_down.is_empty() => {
                let delivered = server.write_all(&held_up).await.is_ok() && client.write_all(&held_down).await.is_ok();
                if !delivered {
                    return;
                }
                held_up.clear();
                held_down.clear();
            }
            Fault::None | Fault::BlackHole => {}
        }
        let holding = now == Fault::BlackHole;
        tokio::select! {
            read = client.read(&mut up) => match read {
                Ok(n) if n > 0 && holding => held_up.extend_from_slice(&up[..n]),
                Ok(n) if n > 0 => {
                    if server.write_all(&up[..n]).await.is_err() {
                        return;
                    }
                }
                _ if holding => {
                    reset(server);
                    return;
                }
                _ => {
                    let _ = server.shutdown().await;
                    return;
                }
            },
            read = server.read(&mut down) => match read {
                Ok(n) if n > 0 && holding => held_down.extend_from_slice(&down[..n]),
                Ok(n) if n > 0 => {
                    if client.write_all(&down[..n]).await.is_err() {
                        return;
                    }
                }
                _ if holding => {
                    reset(client);
                    return;
                }
                _ => {
                    let _ = client.shutdown().await;
                    return;
                }
            },
            changed = fault.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}
