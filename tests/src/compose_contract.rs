//! The seed's docker-compose contract, checked on the output of `docker-compose config` (the normalised file).
//! Pure: YAML text in, a list of violations out. Running `docker-compose` is the test's job.
//!
//! Contract: services `broker-primary` (1883:1883, 9001:9001), `broker-secondary` (1884:1883, 9002:9001),
//! `dashboard` (5001:5000, built from `frontend/Dockerfile`), `sensor-temp`, `sensor-humidity`, `sensor-volt`,
//! `sensor-air` (built from `sensor-node/Dockerfile`, `SENSOR_TYPE` temperature/humidity/voltage/air_quality); every
//! `container_name` equals its service name, so the seed's `docker exec -it broker-primary …` keeps working.
//!
//! Readiness (issue 9): the brokers and the dashboard have a healthcheck, and every sensor waits for both brokers
//! with `condition: service_healthy`, so `docker compose up --wait` (v2) or polling the health (v1) means "ready".

use serde_yaml::Value;

/// `(service, [(host port, container port)])` the seed publishes.
pub const PUBLISHED_PORTS: &[(&str, &[(u16, u16)])] = &[
    ("broker-primary", &[(1883, 1883), (9001, 9001)]),
    ("broker-secondary", &[(1884, 1883), (9002, 9001)]),
    ("dashboard", &[(5001, 5000)]),
];

/// `(service, SENSOR_TYPE)` of the seed's sensors.
pub const SENSOR_SERVICES: &[(&str, &str)] = &[
    ("sensor-temp", "temperature"),
    ("sensor-humidity", "humidity"),
    ("sensor-volt", "voltage"),
    ("sensor-air", "air_quality"),
];

/// Every way `config` (normalised compose YAML) breaks the contract; empty if it keeps it.
pub fn violations(config: &str) -> Vec<String> {
    let doc: Value = match serde_yaml::from_str(config) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return vec!["no `services` mapping".to_owned()];
    };
    let mut out = Vec::new();
    let mut expect_service = |name: &str| -> Option<&Value> {
        let service = services.get(name);
        if service.is_none() {
            out.push(format!("service `{name}` is missing"));
        }
        service
    };
    let mut found = Vec::new();
    for (name, ports) in PUBLISHED_PORTS {
        if let Some(service) = expect_service(name) {
            found.push((*name, service, Some(*ports), None));
        }
    }
    for (name, sensor_type) in SENSOR_SERVICES {
        if let Some(service) = expect_service(name) {
            found.push((*name, service, None, Some(*sensor_type)));
        }
    }
    for (name, service, ports, sensor_type) in found {
        let container = service.get("container_name").and_then(Value::as_str);
        if container != Some(name) {
            out.push(format!(
                "service `{name}` has container_name {container:?}, expected {name:?}"
            ));
        }
        if let Some(ports) = ports {
            let mut got = published_ports(service);
            got.sort_unstable();
            let mut want = ports.to_vec();
            want.sort_unstable();
            if got != want {
                out.push(format!(
                    "service `{name}` publishes {got:?} (host, container), expected {want:?}"
                ));
            }
        }
        if let Some(sensor_type) = sensor_type {
            let got = environment(service, "SENSOR_TYPE");
            if got.as_deref() != Some(sensor_type) {
                out.push(format!(
                    "service `{name}` has SENSOR_TYPE {got:?}, expected {sensor_type:?}"
                ));
            }
            check_dockerfile(&mut out, name, service, "sensor-node/Dockerfile");
        }
        if name == "dashboard" {
            check_dockerfile(&mut out, name, service, "frontend/Dockerfile");
        }
        if ports.is_some() && service.get("healthcheck").and_then(|h| h.get("test")).is_none() {
            out.push(format!("service `{name}` has no healthcheck"));
        }
        if sensor_type.is_some() {
            for (broker, _) in &PUBLISHED_PORTS[..2] {
                let condition = service
                    .get("depends_on")
                    .and_then(|d| d.get(*broker))
                    .and_then(|b| b.get("condition"))
                    .and_then(Value::as_str);
                if condition != Some("service_healthy") {
                    out.push(format!(
                        "service `{name}` does not wait for `{broker}` to be healthy (depends_on condition {condition:?})"
                    ));
                }
            }
        }
    }
    out
}

fn check_dockerfile(out: &mut Vec<String>, name: &str, service: &Value, want: &str) {
    let got = service
        .get("build")
        .and_then(|b| b.get("dockerfile"))
        .and_then(Value::as_str);
    if !got.is_some_and(|d| d.trim_start_matches("./") == want || d.ends_with(&format!("/{want}"))) {
        out.push(format!("service `{name}` builds from {got:?}, expected {want:?}"));
    }
}

/// `(published, target)` pairs, from long syntax (`{published, target}`, numbers or strings) or short (`"a:b"`).
fn published_ports(service: &Value) -> Vec<(u16, u16)> {
    let number = |v: Option<&Value>| -> Option<u16> {
        match v? {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    };
    service
        .get("ports")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|p| match p {
            Value::String(s) => {
                let s = s.split('/').next().unwrap_or(s);
                let mut parts = s.rsplit(':');
                let target = parts.next()?.parse().ok()?;
                let published = parts.next()?.parse().ok()?;
                Some((published, target))
            }
            Value::Mapping(_) => Some((number(p.get("published"))?, number(p.get("target"))?)),
            _ => None,
        })
        .collect()
}

/// An environment variable from a map (`KEY: value`) or a list (`- KEY=value`).
fn environment(service: &Value, key: &str) -> Option<String> {
    match service.get("environment")? {
        Value::Mapping(map) => match map.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
        Value::Sequence(list) => list
            .iter()
            .filter_map(Value::as_str)
            .find_map(|entry| entry.strip_prefix(key)?.strip_prefix('=').map(str::to_owned)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
x-brokers-healthy: &brokers_healthy
  broker-primary: {condition: service_healthy}
  broker-secondary: {condition: service_healthy}
services:
  broker-primary:
    container_name: broker-primary
    ports: [{published: 1883, target: 1883}, {published: "9001", target: 9001}]
    healthcheck: {test: [CMD, mosquitto_sub]}
  broker-secondary:
    container_name: broker-secondary
    ports: ["1884:1883", "9002:9001/tcp"]
    healthcheck: {test: [CMD, mosquitto_sub]}
  dashboard:
    container_name: dashboard
    build: {context: /x, dockerfile: frontend/Dockerfile}
    ports: [{published: 5001, target: 5000}]
    healthcheck: {test: [CMD, wget]}
  sensor-temp:
    container_name: sensor-temp
    depends_on: *brokers_healthy
    build: {context: /x, dockerfile: sensor-node/Dockerfile}
    environment: {SENSOR_TYPE: temperature}
  sensor-humidity:
    container_name: sensor-humidity
    depends_on: *brokers_healthy
    build: {context: /x, dockerfile: sensor-node/Dockerfile}
    environment: [SENSOR_TYPE=humidity]
  sensor-volt:
    container_name: sensor-volt
    depends_on: *brokers_healthy
    build: {context: /x, dockerfile: ./sensor-node/Dockerfile}
    environment: {SENSOR_TYPE: voltage}
  sensor-air:
    container_name: sensor-air
    depends_on: *brokers_healthy
    build: {context: /x, dockerfile: sensor-node/Dockerfile}
    environment: {SENSOR_TYPE: air_quality}
"#;

    #[test]
    fn accepts_the_seed_contract_in_long_and_short_port_syntax() {
        assert_eq!(violations(GOOD), Vec::<String>::new());
    }

    #[test]
    fn reports_a_wrong_host_port() {
        let v = violations(&GOOD.replace("\"1884:1883\"", "\"1885:1883\""));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("broker-secondary"));
    }

    #[test]
    fn reports_a_container_name_that_differs_from_the_service() {
        let v = violations(&GOOD.replace("container_name: sensor-air", "container_name: air"));
        assert!(
            v.iter()
                .any(|m| m.contains("sensor-air") && m.contains("container_name")),
            "{v:?}"
        );
    }

    #[test]
    fn reports_a_missing_service() {
        let v = violations(&GOOD.replace("  sensor-volt:", "  sensor-voltage:"));
        assert!(v.iter().any(|m| m.contains("`sensor-volt` is missing")), "{v:?}");
    }

    #[test]
    fn reports_a_broker_without_a_healthcheck() {
        let v = violations(&GOOD.replacen("    healthcheck: {test: [CMD, mosquitto_sub]}\n", "", 1));
        assert_eq!(v, vec!["service `broker-primary` has no healthcheck".to_owned()]);
    }

    #[test]
    fn reports_a_sensor_that_starts_before_the_brokers_are_healthy() {
        let v = violations(&GOOD.replacen(
            "    depends_on: *brokers_healthy\n",
            "    depends_on: [broker-primary, broker-secondary]\n",
            1,
        ));
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(
            v.iter().all(|m| m.contains("sensor-temp") && m.contains("healthy")),
            "{v:?}"
        );
    }

    #[test]
    fn reports_a_sensor_of_the_wrong_type() {
        let v = violations(&GOOD.replace("{SENSOR_TYPE: voltage}", "{SENSOR_TYPE: volt}"));
        assert!(v.iter().any(|m| m.contains("SENSOR_TYPE")), "{v:?}");
    }
}
