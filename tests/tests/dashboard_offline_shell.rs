//! Issue 12, part 4: the offline app shell in a real browser. Two Mosquitto brokers from the shipped
//! `mosquitto.conf`, four release `sensor-node`s, nginx from the shipped `nginx.conf` serving the release dist,
//! headless Chromium. Once the page has been opened, its service worker (`frontend/sw.js`) loads it while nginx is
//! down, and it connects straight to both brokers; when nginx comes back with a new build, the next load runs that
//! build. Read through `data-shell`, `[data-field="served-from"]`, the broker panel's `data-state`, the cards'
//! `[data-field="readings"]`, and the browser's own records (`navigator.serviceWorker`, resource timing, `caches`).
//!
//! The new build stands for a deploy without running trunk again: a copy of the dist whose hashed wasm, js and css
//! carry another hash (renamed, and renamed in `index.html`) and whose `index.html` has a build marker
//! (`<meta name="build">`); wasm-bindgen's `snippets/`, if any, are copied as they are.
//!
//! Needs `cargo build --release -p sensor-node` and `cd frontend && trunk build --release --offline` first.

use anyhow::{ensure, Context};
use e2e::browser::ConsoleEntry;
use e2e::dist::{BrokerEndpoint, DashboardSettings};
use e2e::{http_get, mosquitto_pub, wait_for, wait_for_snapshot, Browser, Nginx, SensorSpec, Stack, StackConfig};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECONDARY: &str = "broker-secondary";
/// Faster than the seed's 2 s, so reading counts grow quickly.
const INTERVAL: Duration = Duration::from_millis(500);
/// Page load, worker installed, first connections, first readings.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The reading count the test watches grow after each load.
const WATCHED: &str = "temperature";
/// The new build's `<meta name="build" content=…>`.
const NEW_BUILD: &str = "e2e-new-deploy";

/// Everything this test reads from the page at once.
const SNAPSHOT_JS: &str = r#"
const one = sel => document.querySelector(sel);
const text = sel => { const el = one(sel); return el === null ? null : el.textContent.trim(); };
const nav = performance.getEntriesByType('navigation')[0];
return {
  controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
  shell: one('[data-shell]') === null ? null : one('[data-shell]').dataset.shell,
  notice: text('[data-field="served-from"]'),
  build: one('meta[name="build"]') === null ? null : one('meta[name="build"]').content,
  via_worker: nav !== undefined && nav.workerStart > 0,
  wasm: performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.wasm')),
  connected: document.querySelectorAll('[data-broker][data-state="connected"]').length,
  readings: text('[data-sensor="' + arguments[0] + '"] [data-field="readings"]'),
  pressure_via: text('[data-sensor="pressure"] [data-field="broker"]'),
};
"#;

/// Every URL in every cache of this origin (the Cache API, as the worker sees it).
const CACHED_URLS_JS: &str = r#"
return caches.keys()
  .then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))
  .then(lists => lists.flat().map(r => r.url));
"#;

/// An inline script without the nonce: under the page's CSP it must not run, and the console reports it.
const INLINE_PROBE_JS: &str = "window.probeRan = false; const s = document.createElement('script'); \
    s.textContent = 'window.probeRan = true;'; document.head.appendChild(s); return window.probeRan;";

/// How Chromium reports a CSP violation (as `tests/nginx_headers.rs` reads it).
async fn csp_violations(browser: &Browser) -> anyhow::Result<Vec<ConsoleEntry>> {
    Ok(browser
        .console()
        .await?
        .into_iter()
        .filter(|e| {
            e.source == "security" || e.message.contains("Content Security Policy") || e.message.contains("Refused to")
        })
        .collect())
}

#[derive(Debug, Deserialize)]
struct Snapshot {
    controlled: bool,
    shell: Option<String>,
    notice: Option<String>,
    build: Option<String>,
    via_worker: bool,
    wasm: Vec<String>,
    connected: usize,
    readings: Option<String>,
    pressure_via: Option<String>,
}

impl Snapshot {
    async fn read(browser: &Browser) -> anyhow::Result<Snapshot> {
        let value = browser.execute(SNAPSHOT_JS, vec![WATCHED.into()]).await?;
        serde_json::from_value(value).context("reading the page's snapshot")
    }

    fn readings(&self) -> Option<u64> {
        self.readings.as_deref()?.parse().ok()
    }

    fn live(&self) -> bool {
        self.connected == 2 && self.readings().is_some_and(|n| n > 0)
    }
}

#[tokio::test]
async fn the_page_loads_from_its_service_worker_while_nginx_is_down_and_the_next_deploy_wins_the_next_load() {
    let config = StackConfig::brokers_only().unwrap().sensors(SensorSpec::seed(INTERVAL));
    let mut stack = Stack::start(config).await.unwrap();
    // nginx is this test's own, not the stack's: the test stops it and starts it again with a new build.
    let site = stack.dir().join("site");
    let endpoints: Vec<BrokerEndpoint> = stack
        .brokers()
        .iter()
        .map(|b| BrokerEndpoint {
            name: b.name().to_owned(),
            url: b.ws_url(),
        })
        .collect();
    let dist = e2e::artifacts::dashboard_dist().unwrap();
    e2e::dist::stage(&dist, &site, &endpoints, &DashboardSettings::new()).unwrap();
    let run_dir = stack.dir().join("nginx");
    std::fs::create_dir_all(&run_dir).unwrap();
    let mut nginx = Nginx::start(stack.ports().http, &site, &run_dir).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let result = scenario(&mut stack, &mut nginx, &browser, &site).await;
    let result = result.map_err(|e| anyhow::anyhow!("{e:#}\n----- nginx -----\n{}", nginx.log_text()));
    browser.finish(result, stack.dir()).await;
}

async fn scenario(stack: &mut Stack, nginx: &mut Nginx, browser: &Browser, site: &Path) -> anyhow::Result<()> {
    let url = nginx.url();
    let port = nginx.port();
    // The worker and config.json are revalidated on every load: a new deploy is seen at once.
    for path in ["/sw.js", "/config.json"] {
        let response = http_get::get(port, path, &[]).await?;
        ensure!(response.status == 200, "{path}: HTTP {}", response.status);
        ensure!(
            response.header("cache-control") == Some("no-cache"),
            "{path}: {:?}",
            response.headers
        );
    }
    let worker = http_get::get(port, "/sw.js", &[]).await?;
    ensure!(
        worker.header("content-type").is_some_and(|t| t.contains("javascript")),
        "a worker script needs a JavaScript MIME type: {:?}",
        worker.headers
    );

    // First visit: the worker installs (saving the page), takes control, the page is live from the network.
    browser.goto(&url).await?;
    let first = wait_for_snapshot(
        "the worker in control, the page from the network and live",
        TIMEOUT,
        || Snapshot::read(browser),
        |s| (s.controlled && s.shell.as_deref() == Some("network") && s.live()).then_some(s.wasm.clone()),
    )
    .await?;
    let old_wasm = first
        .iter()
        .find(|u| u.ends_with("_bg.wasm"))
        .cloned()
        .with_context(|| format!("no wasm in the page's resources: {first:?}"))?;

    // nginx down: nothing answers on its port any more.
    nginx.stop()?;
    ensure!(
        http_get::get(port, "/", &[]).await.is_err(),
        "nginx still answers after stop"
    );

    // Reload: the worker serves the saved page, which says so and connects to both brokers.
    browser.goto(&url).await?;
    let offline = wait_for_snapshot(
        "the saved page, saying so, both brokers connected",
        TIMEOUT,
        || Snapshot::read(browser),
        |s| (s.shell.as_deref() == Some("cache") && s.connected == 2).then_some(s.readings().unwrap_or(0)),
    )
    .await?;
    let snapshot = Snapshot::read(browser).await?;
    ensure!(
        snapshot.via_worker && snapshot.build.is_none(),
        "not the saved page: {snapshot:#?}"
    );
    ensure!(
        snapshot
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("saved copy") && n.contains("web server is not reachable")),
        "the page does not say it runs from the saved copy: {snapshot:#?}"
    );
    ensure!(
        snapshot.wasm.contains(&old_wasm),
        "the saved page did not run the saved wasm {old_wasm}: {snapshot:#?}"
    );
    wait_for_snapshot(
        "the watched sensor's reading count to grow on the saved page",
        TIMEOUT,
        || Snapshot::read(browser),
        |s| (s.readings().is_some_and(|n| n > offline) && s.connected == 2).then_some(()),
    )
    .await?;
    // The secondary carries live data to the saved page too: any client's reading there becomes a card.
    let payload = r#"{"sensor":"pressure","value":1013,"broker_used":"broker-secondary"}"#;
    mosquitto_pub::publish(stack.secondary().ports().mqtt, "sensor/pressure", payload).await?;
    wait_for_snapshot(
        "a pressure card via broker-secondary on the saved page",
        TIMEOUT,
        || Snapshot::read(browser),
        |s| (s.pressure_via.as_deref() == Some(SECONDARY)).then_some(()),
    )
    .await?;

    // The saved page runs under the CSP it was saved with: its loader ran (its nonce is the saved header's), and an
    // inline script without that nonce is refused.
    let violations = csp_violations(browser).await?;
    ensure!(violations.is_empty(), "CSP violations so far: {violations:#?}");
    let ran = browser.execute(INLINE_PROBE_JS, vec![]).await?;
    ensure!(
        ran == serde_json::json!(false),
        "the saved page runs without a CSP: {ran}"
    );
    let probed = wait_for("the probe's CSP violation in the console", TIMEOUT, || async {
        let count = csp_violations(browser).await?.len();
        Ok((count > 0).then_some(count))
    })
    .await?;

    // nginx back with a new build: the next load runs it, from the network.
    let new_site = site.with_file_name("site-new");
    let renamed = stage_new_build(site, &new_site)?;
    let new_wasm = renamed
        .iter()
        .find(|(old, _)| old_wasm.ends_with(&format!("/{old}")))
        .map(|(_, new)| format!("{url}{new}"))
        .with_context(|| format!("{old_wasm} was not renamed: {renamed:?}"))?;
    nginx.restart(&new_site).await?;
    browser.goto(&url).await?;
    let fresh = wait_for_snapshot(
        "the new build from the network, live",
        TIMEOUT,
        || Snapshot::read(browser),
        |s| {
            (s.build.as_deref() == Some(NEW_BUILD) && s.shell.as_deref() == Some("network") && s.live())
                .then_some(s.readings().unwrap_or(0))
        },
    )
    .await?;
    let snapshot = Snapshot::read(browser).await?;
    ensure!(
        !snapshot.wasm.is_empty() && snapshot.wasm.iter().all(|w| *w == new_wasm) && snapshot.notice.is_none(),
        "the new build should run its own wasm ({new_wasm}) and say nothing: {snapshot:#?}"
    );
    wait_for_snapshot(
        "the watched sensor's reading count to grow on the new build",
        TIMEOUT,
        || Snapshot::read(browser),
        |s| (s.readings().is_some_and(|n| n > fresh) && s.connected == 2).then_some(()),
    )
    .await?;
    // The cache holds the new build, all of it and nothing else: the next offline load runs this build.
    let mut expected: BTreeSet<String> = build_files(&new_site, "")?
        .into_iter()
        .map(|file| format!("{url}{file}"))
        .collect();
    expected.extend([url.clone(), format!("{url}config.json")]);
    wait_for_snapshot(
        "the cache to hold exactly the new build",
        TIMEOUT,
        || async {
            Ok(serde_json::from_value::<BTreeSet<String>>(
                browser.execute(CACHED_URLS_JS, vec![]).await?,
            )?)
        },
        |cached| (*cached == expected).then_some(()),
    )
    .await
    .with_context(|| format!("expected: {expected:#?}"))?;

    let violations = csp_violations(browser).await?;
    ensure!(
        violations.len() == probed,
        "CSP violations besides the probe's: {violations:#?}"
    );
    // Everything either build asked nginx for exists.
    let access = nginx.log_text();
    let missing: Vec<&str> = access.lines().filter(|l| l.contains("\" 404 ")).collect();
    ensure!(missing.is_empty(), "the page requested missing files: {missing:#?}");
    Ok(())
}

/// Copies `site` to `new_site` as a new deploy: every hashed asset under another hash (renamed in `index.html`
/// too), and `<meta name="build" content=NEW_BUILD>` in `index.html`. Returns the renames, old name → new name.
fn stage_new_build(site: &Path, new_site: &Path) -> anyhow::Result<Vec<(String, String)>> {
    std::fs::create_dir_all(new_site)?;
    let mut renamed = Vec::new();
    for entry in std::fs::read_dir(site)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            // wasm-bindgen's snippets/: as they are (their names carry no content hash).
            copy_tree(&entry.path(), &new_site.join(&name))?;
            continue;
        }
        let target = match rehashed(&name) {
            Some(new) => {
                renamed.push((name, new.clone()));
                new
            }
            None => name,
        };
        std::fs::copy(entry.path(), new_site.join(target))?;
    }
    ensure!(
        renamed.iter().any(|(old, _)| old.ends_with("_bg.wasm")),
        "no hashed wasm in {}: {renamed:?}",
        site.display()
    );
    let index: PathBuf = site.join("index.html");
    let html = std::fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    std::fs::write(new_site.join("index.html"), new_index(&html, &renamed)?)?;
    Ok(renamed)
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// The build files under `dir` (wasm, js, css; not the worker), as URL paths relative to the site's root.
fn build_files(dir: &Path, prefix: &str) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            files.extend(build_files(&entry.path(), &format!("{name}/"))?);
        } else if name != "sw.js" && [".wasm", ".js", ".css"].iter().any(|ext| name.ends_with(ext)) {
            files.push(name);
        }
    }
    Ok(files)
}

/// `html` with every old name replaced by its new one and the build marker first in `<head>`.
fn new_index(html: &str, renamed: &[(String, String)]) -> anyhow::Result<String> {
    let mut html = html.to_owned();
    for (old, new) in renamed {
        ensure!(html.contains(old.as_str()), "index.html does not name {old}");
        html = html.replace(old.as_str(), new);
    }
    ensure!(html.contains("<head>"), "index.html has no <head>");
    Ok(html.replacen(
        "<head>",
        &format!("<head>\n    <meta name=\"build\" content=\"{NEW_BUILD}\">"),
        1,
    ))
}

/// A trunk-hashed name (`name-<8 to 16 hex>.js|.css|.wasm`, `name-<hex>_bg.wasm`: nginx's immutable pattern) with
/// each hex digit d replaced by 15 − d; `None` for any other name.
fn rehashed(file: &str) -> Option<String> {
    let (stem, suffix) = ["_bg.wasm", ".wasm", ".js", ".css"]
        .iter()
        .find_map(|suffix| file.strip_suffix(suffix).map(|stem| (stem, *suffix)))?;
    let (name, hash) = stem.rsplit_once('-')?;
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if !(8..=16).contains(&hash.len()) || !hash.chars().all(hex) {
        return None;
    }
    let flipped: String = hash
        .chars()
        .filter_map(|c| c.to_digit(16).and_then(|d| char::from_digit(15 - d, 16)))
        .collect();
    Some(format!("{name}-{flipped}{suffix}"))
}

#[test]
fn rehashes_trunks_hashed_names_only() {
    assert_eq!(
        rehashed("frontend-0123456789abcdef_bg.wasm").as_deref(),
        Some("frontend-fedcba9876543210_bg.wasm")
    );
    assert_eq!(
        rehashed("frontend-0123456789abcdef.js").as_deref(),
        Some("frontend-fedcba9876543210.js")
    );
    assert_eq!(rehashed("style-00ff00ff.css").as_deref(), Some("style-ff00ff00.css"));
    for plain in [
        "index.html",
        "sw.js",
        "config.json",
        "frontend-xyz.js",
        "a-1234.css",
        "style-ABCDEF01.css",
    ] {
        assert_eq!(rehashed(plain), None, "{plain}");
    }
}

#[test]
fn the_new_index_names_the_new_files_and_carries_the_marker() {
    let html = "<html><head><script type=\"module\">import init from '/f-0011223344556677.js'; \
                init({module_or_path: '/f-0011223344556677_bg.wasm'});</script></head></html>";
    let renamed = [
        ("f-0011223344556677.js".to_owned(), "f-ffeeddccbbaa9988.js".to_owned()),
        (
            "f-0011223344556677_bg.wasm".to_owned(),
            "f-ffeeddccbbaa9988_bg.wasm".to_owned(),
        ),
    ];
    let new = new_index(html, &renamed).unwrap();
    assert!(!new.contains("0011223344556677"), "{new}");
    assert!(new.contains("'/f-ffeeddccbbaa9988.js'") && new.contains("'/f-ffeeddccbbaa9988_bg.wasm'"));
    assert!(new.starts_with("<html><head>\n    <meta name=\"build\" content=\"e2e-new-deploy\">"));
    assert!(new_index(html, &[("gone-0011223344556677.css".into(), "x".into())]).is_err());
}

/// `frontend/tests/sw.test.mjs`: the worker's caching rules in plain node, when node is installed (the Chromium
/// scenario above is the worker's real test).
#[test]
fn the_workers_caching_rules_pass_their_node_tests() {
    e2e::node_test::run("frontend/tests/sw.test.mjs");
}
