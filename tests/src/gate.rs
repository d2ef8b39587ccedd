//! `Gate`: a TCP forwarder on a free port in front of one broker's MQTT port, which a scenario can close so that the
//! sensors cannot reach that broker while the harness's own subscriber (connected straight to the broker) can.
//!
//! Open, it is a transparent byte pipe: one upstream connection per accepted one, closed when either side closes.
//! Closed, it accepts and drops at once — to an MQTT client that is a connection ended before CONNACK, as with a
//! broker that is down — and it severs every connection it carries. It never looks inside the bytes.

use anyhow::Context;
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug)]
pub struct Gate {
    port: u16,
    open: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Gate {
    /// An open gate on a free port of 127.0.0.1, forwarding to `127.0.0.1:<upstream>`.
    pub async fn start(upstream: u16) -> anyhow::Result<Gate> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding a gate on 127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let (open, _) = watch::channel(true);
        let task = tokio::spawn({
            let open = open.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if *open.borrow() {
                        tokio::spawn(forward(client, upstream, open.subscribe()));
                    }
                }
            }
        });
        Ok(Gate { port, open, task })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<gate port>`, as sensor-node's `BROKER_LIST` wants it.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Refuses new connections and severs the ones it carries.
    pub fn close(&self) {
        self.open.send_replace(false);
    }

    pub fn open(&self) {
        self.open.send_replace(true);
    }

    pub fn is_open(&self) -> bool {
        *self.open.borrow()
    }
}

/// Pipes `client` to the upstream port until either side closes or the gate closes (or is dropped).
async fn forward(mut client: TcpStream, upstream: u16, mut open: watch::Receiver<bool>) {
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = up.set_nodelay(true);
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut up) => {}
        _ = open.wait_for(|open| !*open) => {}
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.task.abort();
        // Forwarders end too: their `wait_for` returns once the sender is gone.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn echo_server() -> (u16, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        (port, task)
    }

    #[tokio::test]
    async fn an_open_gate_carries_bytes_both_ways_and_a_closed_one_severs_and_refuses() {
        let (port, _server) = echo_server().await;
        let gate = Gate::start(port).await.unwrap();
        let mut conn = TcpStream::connect(("127.0.0.1", gate.port())).await.unwrap();
        conn.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        conn.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");

        gate.close();
        assert_eq!(
            conn.read(&mut buf).await.unwrap_or(0),
            0,
            "the carried connection is severed"
        );
        let mut refused = TcpStream::connect(("127.0.0.1", gate.port())).await.unwrap();
        assert_eq!(
            refused.read(&mut buf).await.unwrap_or(0),
            0,
            "a new connection is dropped"
        );

        gate.open();
        let mut again = TcpStream::connect(("127.0.0.1", gate.port())).await.unwrap();
        again.write_all(b"pong").await.unwrap();
        again.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    }

    #[tokio::test]
    async fn a_connection_to_a_dead_upstream_ends_before_any_byte() {
        let dead = crate::ports::free_ports(1).unwrap()[0];
        let gate = Gate::start(dead).await.unwrap();
        let mut conn = TcpStream::connect(("127.0.0.1", gate.port())).await.unwrap();
        let mut buf = [0u8; 1];
        assert_eq!(conn.read(&mut buf).await.unwrap_or(0), 0);
    }
}
