//! Issue 5, nginx hardening: real nginx from the SHIPPED `nginx.conf` serving the release dist. The page carries a
//! Content-Security-Policy whose per-request nonce is the one stamped on trunk's inline loader, `nosniff`, a
//! Referrer-Policy and no version in `Server`; directories are never listed; and in real Chromium the dashboard
//! works under that policy without a single CSP violation in the console.
//!
//! Needs `cargo build --release -p sensor-node` and the dashboard dist (`cd frontend && trunk build --release`).

use e2e::http_get::{self, Response};
use e2e::{Browser, DashboardView, SensorSpec, Stack, StackConfig};
use std::time::Duration;

const FIRST_VIEW_TIMEOUT: Duration = Duration::from_secs(30);

/// The nonce of `script-src 'nonce-…'` in a CSP header.
fn csp_nonce(csp: &str) -> Option<&str> {
    csp.split_once("'nonce-")?.1.split_once('\'').map(|(nonce, _)| nonce)
}

/// The `nonce` attribute of the page's inline module script (trunk's loader).
fn loader_nonce(html: &str) -> Option<&str> {
    let tag_start = html.find("<script type=\"module\"")?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    tag.split_once("nonce=\"")?.1.split_once('"').map(|(nonce, _)| nonce)
}

fn csp(response: &Response) -> &str {
    response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no Content-Security-Policy: {:?}", response.headers))
}

/// The headers every response must carry, whatever it serves.
fn assert_hardened(what: &str, response: &Response) {
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}: {:?}",
        response.headers
    );
    assert!(
        response.header("referrer-policy").is_some_and(|p| !p.is_empty()),
        "{what}: no Referrer-Policy: {:?}",
        response.headers
    );
    let server = response.header("server").unwrap_or_default();
    assert!(
        !server.contains('/') && !server.chars().any(|c| c.is_ascii_digit()),
        "{what}: the Server header gives the version away: {server:?}"
    );
    let policy = csp(response);
    for directive in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{what}: CSP lacks {directive}: {policy}");
    }
    assert!(
        !policy.contains("'unsafe-inline'"),
        "{what}: CSP allows inline scripts: {policy}"
    );
}

/// How Chromium reports a CSP violation: source `security`, and (wording varies by version) "Refused to …" or
/// "… violates the following Content Security Policy directive …".
fn is_csp_violation(entry: &e2e::browser::ConsoleEntry) -> bool {
    entry.source == "security"
        || entry.message.contains("Content Security Policy")
        || entry.message.contains("Refused to")
}

#[tokio::test]
async fn the_page_carries_a_csp_whose_fresh_nonce_is_the_loaders_and_the_other_hardening_headers() {
    let stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let port = stack.ports().http;

    let mut nonces = Vec::new();
    for path in ["/", "/index.html"] {
        let page = http_get::get(port, path, &[]).await.unwrap();
        assert_eq!(page.status, 200);
        assert_hardened(path, &page);
        let nonce = csp_nonce(csp(&page))
            .unwrap_or_else(|| panic!("{path}: no nonce in the CSP: {}", csp(&page)))
            .to_owned();
        let html = String::from_utf8_lossy(&page.body);
        assert_eq!(
            loader_nonce(&html),
            Some(nonce.as_str()),
            "{path}: the inline loader is not stamped with the CSP's nonce:\n{html}"
        );
        assert!(nonce.len() >= 16, "{path}: a short nonce: {nonce}");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "two requests got the same nonce");

    let wasm = std::fs::read_dir(stack.dir().join("site"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with(".wasm"))
        .expect("the dist has a .wasm file");
    for path in ["/config.json".to_owned(), format!("/{wasm}")] {
        let response = http_get::get(port, &path, &[]).await.unwrap();
        assert_eq!(response.status, 200, "{path}");
        assert_hardened(&path, &response);
    }
    let missing = http_get::get(port, "/no-such-file", &[]).await.unwrap();
    assert_eq!(missing.status, 404);
    assert_hardened("a 404", &missing);
}

#[tokio::test]
async fn a_directory_url_is_never_a_listing() {
    let stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let port = stack.ports().http;
    // A directory without an index.html, as any future asset folder would be.
    let dir = stack.dir().join("site/assets");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("secret-name.txt"), "x").unwrap();

    for path in ["/assets/", "/assets"] {
        let response = http_get::get(port, path, &[]).await.unwrap();
        let body = String::from_utf8_lossy(&response.body);
        assert_ne!(response.status, 200, "{path} answered 200:\n{body}");
        assert!(
            !body.contains("secret-name.txt") && !body.contains("Index of"),
            "{path} lists the directory:\n{body}"
        );
        if let Some(location) = response.header("location") {
            // nginx redirects `/assets` to `/assets/`: that must not list either (checked above).
            assert!(location.ends_with("/assets/"), "{path} redirects to {location}");
        }
    }
    // The file itself is served: the check above is about listings, not about the directory being unreachable.
    let file = http_get::get(port, "/assets/secret-name.txt", &[]).await.unwrap();
    assert_eq!(file.status, 200);
}

#[tokio::test]
async fn the_dashboard_runs_under_the_policy_without_a_single_csp_violation() {
    let config = StackConfig::with_dashboard()
        .unwrap()
        .sensors(SensorSpec::seed(Duration::from_millis(500)));
    let stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let result = async {
        browser.goto(&stack.dashboard_url().expect("nginx runs")).await?;
        DashboardView::wait_until(
            &browser,
            "four seed cards with values, both brokers connected",
            FIRST_VIEW_TIMEOUT,
            |v| {
                let cards = e2e::sensor::SEED_SENSORS
                    .iter()
                    .all(|s| v.card(s).is_some_and(|c| c.value_number().is_some()));
                let brokers = e2e::BROKER_NAMES.iter().all(|b| v.broker_state(b) == Some("connected"));
                (cards && brokers).then_some(())
            },
        )
        .await?;
        let console = browser.console().await?;
        let violations: Vec<_> = console.iter().filter(|e| is_csp_violation(e)).collect();
        anyhow::ensure!(violations.is_empty(), "CSP violations: {violations:#?}");
        let errors = browser.page_errors().await?;
        anyhow::ensure!(errors.is_empty(), "the page threw: {errors:#?}");

        // The control: an inline script without the nonce is refused, and the console shows that — so the check
        // above would have seen a violation.
        browser
            .execute(
                "const s = document.createElement('script'); s.textContent = 'window.injected = 1;'; \
                 document.body.appendChild(s); return null;",
                Vec::new(),
            )
            .await?;
        e2e::wait_for(
            "the injected inline script's CSP violation in the console",
            FIRST_VIEW_TIMEOUT,
            || async {
                let console = browser.console().await?;
                Ok(console.iter().any(is_csp_violation).then_some(()))
            },
        )
        .await?;
        let injected = browser
            .execute("return window.injected === undefined;", Vec::new())
            .await?;
        anyhow::ensure!(
            injected == serde_json::json!(true),
            "an inline script without the nonce ran"
        );
        Ok(())
    }
    .await;
    if let Err(e) = result {
        let console = browser.console().await.unwrap_or_default();
        panic!("{e:#}\n----- browser console -----\n{console:#?}");
    }
    browser.close().await.unwrap();
}

#[test]
fn nonces_are_read_from_the_header_and_the_loader_tag() {
    let csp = "default-src 'self'; script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'";
    assert_eq!(csp_nonce(csp), Some("abc123"));
    let html = "<head>\n<script type=\"module\" nonce=\"abc123\">\nimport init from '/x.js';</script>";
    assert_eq!(loader_nonce(html), Some("abc123"));
    assert_eq!(loader_nonce("<script type=\"module\">"), None);
}
