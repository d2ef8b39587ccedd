//! The development credentials of docs/security.md, as the harness uses them: each seed sensor logs in as its
//! compose service's user, the dashboard as the read-only `dashboard`, hand publishing as `operator`.
//! They must match `mosquitto/passwd` (hashes) and `mosquitto/acl`; the broker tests fail if they do not.

/// A user name and password for one MQTT client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    pub username: &'static str,
    pub password: &'static str,
}

/// Read-only: what the dashboard's `config.json` carries.
pub const DASHBOARD: Login = Login {
    username: "dashboard",
    password: "dev-dashboard",
};
/// May write every `sensor/#` topic: `mosquitto_pub` by hand, and tests publishing as "any client".
pub const OPERATOR: Login = Login {
    username: "operator",
    password: "dev-operator",
};

/// The login of a seed sensor type (user = its compose service name), `None` for any other type.
pub fn sensor_login(sensor_type: &str) -> Option<Login> {
    let (username, password) = match sensor_type {
        "temperature" => ("sensor-temp", "dev-sensor-temp"),
        "humidity" => ("sensor-humidity", "dev-sensor-humidity"),
        "voltage" => ("sensor-volt", "dev-sensor-volt"),
        "air_quality" => ("sensor-air", "dev-sensor-air"),
        _ => return None,
    };
    Some(Login { username, password })
}
