//! The shipped docker-compose.yml, checked statically (no Docker engine needed): `docker-compose config -q` accepts
//! it, and its normalised form keeps the seed's contract (`e2e::compose_contract`). `compose_stack.rs` runs it.

use std::process::Command;

/// The docker-compose v1 CLI (Debian's `docker-compose` package).
const DOCKER_COMPOSE: &str = "docker-compose";

fn docker_compose(args: &[&str]) -> std::process::Output {
    let file = e2e::artifacts::compose_file().unwrap();
    Command::new(DOCKER_COMPOSE)
        .arg("-f")
        .arg(&file)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {DOCKER_COMPOSE} (apt-get install docker-compose): {e}"))
}

#[test]
fn docker_compose_accepts_the_compose_file() {
    let out = docker_compose(&["config", "-q"]);
    assert!(
        out.status.success(),
        "docker-compose config -q failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_compose_file_keeps_the_seed_services_ports_and_container_names() {
    let out = docker_compose(&["config"]);
    assert!(
        out.status.success(),
        "docker-compose config failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = String::from_utf8_lossy(&out.stdout);
    let violations = e2e::compose_contract::violations(&config);
    assert!(
        violations.is_empty(),
        "the compose file breaks the seed contract:\n{}\n\n{config}",
        violations.join("\n")
    );
}
