//! Rewrites the shipped `mosquitto.conf` for a native run. Pure: text in, text out.
//!
//! Exactly these changes, nothing else:
//! - the line `listener 1883` (MQTT over TCP) becomes `listener <mqtt port>`;
//! - the line `listener 9001` (MQTT over WebSockets) becomes `listener <ws port>`;
//! - `password_file` and `acl_file` lines pointing into the container's `/mosquitto/config/` point at the same files
//!   in the repository's `mosquitto/` directory instead (docker-compose mounts those very files there);
//! - when the harness runs as root, `user root` is appended (Mosquitto 2 otherwise drops to the `mosquitto` user,
//!   which cannot read the harness's 0700 temp dir; in the container the image's own user applies).
//!
//! No `socket_domain` is added: Mosquitto 2.0.11 binds the WebSocket listener dual-stack (`*:<port>`), which accepts
//! `127.0.0.1`. Anything after the port on a listener line (a bind address) is kept.

use super::BrokerPorts;
use anyhow::bail;

/// The TCP listener port in the shipped file.
pub const SHIPPED_MQTT_PORT: u16 = 1883;
/// The WebSocket listener port in the shipped file.
pub const SHIPPED_WS_PORT: u16 = 9001;

/// Where docker-compose mounts the password and ACL files inside the broker containers.
pub const CONTAINER_CONFIG_DIR: &str = "/mosquitto/config/";

/// The shipped config with its two listener ports replaced, its password/ACL file paths pointed into `files_dir`
/// (the repository's `mosquitto/`), and `user root` appended when `as_root`.
pub fn rewrite(
    shipped: &str,
    ports: BrokerPorts,
    files_dir: &std::path::Path,
    as_root: bool,
) -> anyhow::Result<String> {
    let mut found = [0usize; 2];
    let mut out = String::with_capacity(shipped.len() + 64);
    for line in shipped.lines() {
        let mut words = line.split_whitespace();
        let rewritten = match (words.next(), words.next().map(str::parse::<u16>)) {
            (Some("listener"), Some(Ok(port))) if port == SHIPPED_MQTT_PORT || port == SHIPPED_WS_PORT => {
                let (slot, new_port) = if port == SHIPPED_MQTT_PORT {
                    (0, ports.mqtt)
                } else {
                    (1, ports.ws)
                };
                found[slot] += 1;
                let rest: Vec<&str> = words.collect();
                Some(if rest.is_empty() {
                    format!("listener {new_port}")
                } else {
                    format!("listener {new_port} {}", rest.join(" "))
                })
            }
            (Some(key @ ("password_file" | "acl_file")), _) => {
                let path = line.split_whitespace().nth(1).unwrap_or_default();
                let Some(file) = path.strip_prefix(CONTAINER_CONFIG_DIR) else {
                    bail!("mosquitto.conf: `{key}` must point into {CONTAINER_CONFIG_DIR} (found `{path}`)");
                };
                Some(format!("{key} {}", files_dir.join(file).display()))
            }
            _ => None,
        };
        out.push_str(rewritten.as_deref().unwrap_or(line));
        out.push('\n');
    }
    if found != [1, 1] {
        bail!(
            "mosquitto.conf must have exactly one `listener {SHIPPED_MQTT_PORT}` and one `listener {SHIPPED_WS_PORT}` \
             line (found {} and {})",
            found[0],
            found[1]
        );
    }
    if as_root {
        out.push_str("\n# Added by the e2e harness: the harness runs as root.\nuser root\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = "allow_anonymous true\nlistener 1883\nprotocol mqtt\nlistener 9001\nprotocol websockets\n";
    const PORTS: BrokerPorts = BrokerPorts { mqtt: 41883, ws: 49001 };
    const FILES_DIR: &str = "/repo/mosquitto";

    #[test]
    fn points_the_password_and_acl_files_into_the_repository() {
        let out = rewrite(
            "listener 1883\nlistener 9001\npassword_file /mosquitto/config/passwd\nacl_file /mosquitto/config/acl\n",
            PORTS,
            std::path::Path::new(FILES_DIR),
            false,
        )
        .unwrap();
        assert!(out.contains("password_file /repo/mosquitto/passwd\n"));
        assert!(out.contains("acl_file /repo/mosquitto/acl\n"));
    }

    #[test]
    fn replaces_only_the_two_listener_ports() {
        let out = rewrite(SHIPPED, PORTS, std::path::Path::new(FILES_DIR), false).unwrap();
        assert_eq!(
            out,
            "allow_anonymous true\nlistener 41883\nprotocol mqtt\nlistener 49001\nprotocol websockets\n"
        );
    }

    #[test]
    fn appends_user_root_when_running_as_root() {
        let out = rewrite(SHIPPED, PORTS, std::path::Path::new(FILES_DIR), true).unwrap();
        assert!(out.ends_with("user root\n"));
    }

    #[test]
    fn keeps_a_bind_address_after_the_port() {
        let out = rewrite(
            "listener 1883 0.0.0.0\nlistener 9001\n",
            PORTS,
            std::path::Path::new(FILES_DIR),
            false,
        )
        .unwrap();
        assert!(out.starts_with("listener 41883 0.0.0.0\n"));
    }

    #[test]
    fn refuses_a_config_without_the_websocket_listener() {
        assert!(rewrite("listener 1883\n", PORTS, std::path::Path::new(FILES_DIR), false).is_err());
    }

    #[test]
    fn the_shipped_packet_limit_is_the_wire_formats_bound() {
        let shipped = std::fs::read_to_string(crate::artifacts::mosquitto_conf().unwrap()).unwrap();
        let limit = shipped
            .lines()
            .find_map(|l| l.strip_prefix("max_packet_size "))
            .map(str::trim);
        assert_eq!(limit, Some(sensor_wire::MAX_PACKET_BYTES.to_string().as_str()));
    }

    #[test]
    fn rewrites_the_shipped_file() {
        let shipped = std::fs::read_to_string(crate::artifacts::mosquitto_conf().unwrap()).unwrap();
        let out = rewrite(&shipped, PORTS, std::path::Path::new(FILES_DIR), false).unwrap();
        assert!(out.contains("listener 41883\n") && out.contains("listener 49001\n"));
        assert!(
            out.contains("password_file /repo/mosquitto/passwd\n") && out.contains("acl_file /repo/mosquitto/acl\n")
        );
        assert_eq!(out.lines().count(), shipped.lines().count());
    }
}
