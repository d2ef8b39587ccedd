//! Port numbers: free ones picked at run time for tests, or the compose file's for the native stack.
//!
//! A free port is found by binding `127.0.0.1:0` and reading what the kernel gave; all listeners of one request are
//! held until every port is chosen, so one request never hands out the same port twice.

use std::net::TcpListener;

/// Every port one stack listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// MQTT over TCP, primary then secondary.
    pub mqtt: [u16; 2],
    /// MQTT over WebSockets, primary then secondary.
    pub ws: [u16; 2],
    /// The dashboard's HTTP port (nginx).
    pub http: u16,
}

impl Ports {
    /// The host ports docker-compose.yml publishes: 1883/1884, 9001/9002, 5001.
    pub const COMPOSE: Ports = Ports {
        mqtt: [1883, 1884],
        ws: [9001, 9002],
        http: 5001,
    };

    /// Five ports that were free a moment ago.
    pub fn free() -> std::io::Result<Ports> {
        let p = free_ports(5)?;
        Ok(Ports {
            mqtt: [p[0], p[1]],
            ws: [p[2], p[3]],
            http: p[4],
        })
    }
}

/// `n` distinct ports that were free on 127.0.0.1 a moment ago.
pub fn free_ports(n: usize) -> std::io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    listeners.iter().map(|l| l.local_addr().map(|a| a.port())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_of_one_request_are_distinct() {
        let mut p = free_ports(8).unwrap();
        p.sort_unstable();
        p.dedup();
        assert_eq!(p.len(), 8);
    }
}
