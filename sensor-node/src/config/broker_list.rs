//! `BROKER_LIST`: comma-separated `[name=]host:port`, the first being the primary. Pure parsing only.

use sensor_wire::MAX_TEXT_LEN;
use std::net::Ipv6Addr;

/// Used when `BROKER_LIST` is unset: the seed's two brokers, as docker-compose names them.
pub const DEFAULT_BROKER_LIST: &str = "broker-primary:1883,broker-secondary:1883";

/// One broker: `name` is what readings published to it carry in `broker_used`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    pub name: String,
    pub host: String,
    pub port: u16,
}

/// Parses a broker list; the error says what was wrong, for `ConfigError::Invalid`'s "expected".
pub fn parse_broker_list(list: &str) -> Result<Vec<Broker>, String> {
    let mut brokers: Vec<Broker> = Vec::new();
    for item in list.split(',').map(str::trim) {
        if item.is_empty() {
            return Err("comma-separated [name=]host:port entries, none empty".into());
        }
        let broker = parse_broker(item)?;
        if brokers.iter().any(|b| b.name == broker.name) {
            return Err(format!(
                "[name=]host:port entries with distinct names (`{}` appears twice)",
                quoted(&broker.name)
            ));
        }
        if brokers.iter().any(|b| (&b.host, b.port) == (&broker.host, broker.port)) {
            return Err(format!(
                "[name=]host:port entries with distinct addresses (`{}` appears twice)",
                quoted(&address(&broker))
            ));
        }
        brokers.push(broker);
    }
    Ok(brokers)
}

/// At most this much of a bad entry is quoted back in an error.
const QUOTED_CHARS: usize = 40;
/// Longest DNS name, and longest label in one.
const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

fn quoted(s: &str) -> String {
    sensor_wire::clip(s, QUOTED_CHARS).into_owned()
}

fn address(b: &Broker) -> String {
    if b.host.contains(':') {
        format!("[{}]:{}", b.host, b.port)
    } else {
        format!("{}:{}", b.host, b.port)
    }
}

fn parse_broker(item: &str) -> Result<Broker, String> {
    let (name, address) = match item.split_once('=') {
        Some((name, address)) => (Some(name.trim()), address.trim()),
        None => (None, item),
    };
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("[name=]host:port entries (`{}` has no :port)", quoted(address)))?;
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.strip_suffix(']').filter(|h| h.parse::<Ipv6Addr>().is_ok()),
        None => Some(host).filter(|h| is_host_name(h)),
    }
    .ok_or_else(|| {
        format!(
            "[name=]host:port entries with a host name, an IPv4 address or a bracketed IPv6 address (`{}` has none)",
            quoted(address)
        )
    })?;
    let digits = !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit());
    let port = match port.parse::<u16>() {
        Ok(p) if p > 0 && digits => p,
        _ => {
            return Err(format!(
                "[name=]host:port entries with a port from 1 to 65535 (got `{}`)",
                quoted(port)
            ))
        }
    };
    let name = name.unwrap_or(host);
    if name.is_empty() || name.chars().count() > MAX_TEXT_LEN || name.chars().any(char::is_control) {
        return Err(format!("broker names of 1-{MAX_TEXT_LEN} printable characters"));
    }
    Ok(Broker {
        name: name.to_owned(),
        host: host.to_owned(),
        port,
    })
}

/// A DNS name or IPv4 address: dot-separated labels of ASCII letters, digits, `-` and `_` (compose service names may
/// hold `_`), none empty, none starting or ending with `-`.
fn is_host_name(host: &str) -> bool {
    host.len() <= MAX_HOST_LEN
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(name: &str, host: &str, port: u16) -> Broker {
        Broker {
            name: name.into(),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn the_default_list_names_each_broker_after_its_host() {
        assert_eq!(
            parse_broker_list(DEFAULT_BROKER_LIST).unwrap(),
            vec![
                b("broker-primary", "broker-primary", 1883),
                b("broker-secondary", "broker-secondary", 1883)
            ]
        );
    }

    #[test]
    fn a_name_prefix_overrides_the_host_as_name() {
        assert_eq!(
            parse_broker_list("broker-primary=127.0.0.1:21883, broker-secondary=localhost:21884").unwrap(),
            vec![
                b("broker-primary", "127.0.0.1", 21883),
                b("broker-secondary", "localhost", 21884)
            ]
        );
    }

    #[test]
    fn accepts_a_single_broker_and_bracketed_ipv6() {
        assert_eq!(parse_broker_list("v6=[::1]:1883").unwrap(), vec![b("v6", "::1", 1883)]);
    }

    #[test]
    fn accepts_dns_names_ipv4_and_compose_style_names() {
        let list = "a=broker-primary:1,b=mq.example.com:2,c=10.0.0.7:3,d=my_stack_broker_1:4";
        assert_eq!(parse_broker_list(list).unwrap().len(), 4);
        let longest = format!("n={}:1", vec!["x".repeat(MAX_LABEL_LEN); 3].join("."));
        assert!(parse_broker_list(&longest).is_ok());
        assert!(parse_broker_list(&format!("{}:1", "x".repeat(MAX_LABEL_LEN + 1))).is_err());
    }

    #[test]
    fn rejects_malformed_entries() {
        for list in [
            "",
            "a:1883,",
            "host",
            "host:",
            "host:0",
            "host:65536",
            "host:x",
            ":1883",
            "a=:1883",
            "=h:1",
            "a b:1883",
            "a=h:1,a=g:2",
            "h:1,h:1",
            "a=h:1,b=h:1",
            "h:1:2",
            "::1:1883",
            "[::1:1883",
            "[not-v6]:1883",
            "-h:1",
            "h-:1",
            "h..x:1",
            ".h:1",
            "h.:1",
            "ho$t:1",
            "ünï:1",
            "h:+1",
            "h:-1",
            "h: 1",
            "n\u{1}=h:1",
        ] {
            assert!(parse_broker_list(list).is_err(), "{list:?} accepted");
        }
    }
}
