//! The shipped `mosquitto.conf` turned into a native test broker's config. Pure: text in, text out.
//!
//! Exactly these changes:
//! - `listener 1883` (MQTT over TCP) and `listener 9001` (WebSockets) get the test's ports (the rest of the line kept);
//! - `password_file` / `acl_file` point at the repository's `mosquitto/passwd` / `mosquitto/acl`: their paths are
//!   rewritten when the shipped file has the lines (in Docker they name /mosquitto/config/…), appended when not yet;
//! - `user root` is appended when running as root (Mosquitto 2 would otherwise drop to the `mosquitto` user).

use std::path::{Path, PathBuf};

const SHIPPED_MQTT_PORT: &str = "1883";
const SHIPPED_WS_PORT: &str = "9001";

/// The repository root (this crate's parent directory).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sensor-node lives in the workspace")
        .to_owned()
}

/// Reads the shipped config and rewrites it for a broker on `mqtt` (TCP) and `ws` (WebSockets).
pub fn for_native_run(mqtt: u16, ws: u16, as_root: bool) -> String {
    let path = repo().join("mosquitto.conf");
    let shipped = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    rewrite(&shipped, mqtt, ws, as_root, &repo())
}

pub fn rewrite(shipped: &str, mqtt: u16, ws: u16, as_root: bool, repo: &Path) -> String {
    let files = [
        ("password_file", repo.join("mosquitto/passwd")),
        ("acl_file", repo.join("mosquitto/acl")),
    ];
    let mut found_files = [false; 2];
    let mut found_ports = [0; 2];
    let mut out = String::new();
    for line in shipped.lines() {
        let mut words = line.split_whitespace();
        let (key, value) = (words.next(), words.next());
        let rest: Vec<&str> = words.collect();
        let rewritten = match (key, value) {
            (Some("listener"), Some(port)) if port == SHIPPED_MQTT_PORT || port == SHIPPED_WS_PORT => {
                let (slot, new) = if port == SHIPPED_MQTT_PORT { (0, mqtt) } else { (1, ws) };
                found_ports[slot] += 1;
                Some(
                    std::iter::once(format!("listener {new}"))
                        .chain(rest.iter().map(|w| w.to_string()))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }
            (Some(key), Some(_)) => files.iter().position(|(k, _)| *k == key).map(|i| {
                found_files[i] = true;
                format!("{key} {}", files[i].1.display())
            }),
            _ => None,
        };
        out.push_str(rewritten.as_deref().unwrap_or(line));
        out.push('\n');
    }
    assert_eq!(
        found_ports,
        [1, 1],
        "mosquitto.conf must have exactly one `listener 1883` and one `listener 9001` line"
    );
    for (i, (key, path)) in files.iter().enumerate() {
        if !found_files[i] {
            out.push_str(&format!("{key} {}\n", path.display()));
        }
    }
    if as_root {
        out.push_str("user root\n");
    }
    out
}

#[test]
fn appends_the_password_and_acl_files_while_the_shipped_config_lacks_them() {
    let shipped = "allow_anonymous true\nlistener 1883\nprotocol mqtt\nlistener 9001\nprotocol websockets\n";
    let out = rewrite(shipped, 41883, 49001, true, Path::new("/repo"));
    assert_eq!(
        out,
        "allow_anonymous true\nlistener 41883\nprotocol mqtt\nlistener 49001\nprotocol websockets\n\
         password_file /repo/mosquitto/passwd\nacl_file /repo/mosquitto/acl\nuser root\n"
    );
}

#[test]
fn rewrites_the_container_paths_once_the_shipped_config_has_them() {
    let shipped = "listener 1883 0.0.0.0\npassword_file /mosquitto/config/passwd\nacl_file /mosquitto/config/acl\n\
                   listener 9001\n";
    let out = rewrite(shipped, 1, 2, false, Path::new("/repo"));
    assert_eq!(
        out,
        "listener 1 0.0.0.0\npassword_file /repo/mosquitto/passwd\nacl_file /repo/mosquitto/acl\nlistener 2\n"
    );
}

#[test]
fn the_committed_password_file_holds_only_hashes_of_the_acl_users() {
    let passwd = std::fs::read_to_string(repo().join("mosquitto/passwd")).expect("mosquitto/passwd");
    let acl = std::fs::read_to_string(repo().join("mosquitto/acl")).expect("mosquitto/acl");
    let acl_users: Vec<&str> = acl
        .lines()
        .filter_map(|l| l.strip_prefix("user "))
        .map(str::trim)
        .collect();
    let mut users = Vec::new();
    for line in passwd.lines() {
        let (user, hash) = line.split_once(':').unwrap_or_else(|| panic!("not user:hash: {line}"));
        // `$7$` is mosquitto_passwd's PBKDF2-SHA512 format: iterations, salt and hash, never a plain password.
        assert!(
            hash.starts_with("$7$") && hash.split('$').count() == 5,
            "{user}'s entry is not a hash"
        );
        users.push(user);
    }
    users.sort_unstable();
    let mut acl_users = acl_users;
    acl_users.sort_unstable();
    assert_eq!(users, acl_users, "passwd and acl name the same users");
}
