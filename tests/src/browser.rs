//! `Browser`: headless Chromium driven through chromedriver (WebDriver, fantoccini), with the page's console
//! collected so a test can fail on uncaught exceptions and wasm panics.
//!
//! chromedriver runs on a free port in its own process group; Chromium gets a fresh profile directory. Dropping the
//! `Browser` kills chromedriver's group and any Chromium process still running on that profile; `close` ends the
//! WebDriver session politely first.

pub mod chromedriver;
pub mod console;
pub mod cpu;
pub mod devtools;

pub use console::ConsoleEntry;
pub use cpu::{CpuSample, CpuUse};

use crate::process::Process;
use anyhow::Context;
use fantoccini::{Client, ClientBuilder};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Debian's Chromium.
pub const CHROMIUM_BIN: &str = "/usr/bin/chromium";

/// Chromium's flags, besides `--user-data-dir`: headless, no sandbox (root, containers), and nothing that talks to
/// the network on its own.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// Switches chromedriver adds by default that keep a hidden tab's timers running at full speed. Real browsers have
/// neither, so `BackgroundTabs::Throttled` removes them.
pub const UNTHROTTLING_SWITCHES: &[&str] = &[
    "disable-background-timer-throttling",
    "disable-backgrounding-occluded-windows",
];

/// Seconds a tab stays hidden before Chromium's intensive throttling (timers woken at most once a minute) starts
/// in `BackgroundTabs::Throttled`. Chrome's default is 300; the feature and its one-minute wake-ups are unchanged,
/// only the wait before them is shortened so a test need not hide a tab for five minutes.
pub const INTENSIVE_THROTTLING_GRACE_S: u32 = 10;

/// How Chromium treats the timers of a hidden tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackgroundTabs {
    /// chromedriver's default: no throttling at all.
    Unthrottled,
    /// As a desktop Chrome does it: timers aligned to 1 s once hidden, and to one wake-up a minute after
    /// `INTENSIVE_THROTTLING_GRACE_S` hidden.
    Throttled,
}

#[derive(Debug)]
pub struct Browser {
    client: Client,
    profile: PathBuf,
    console: Mutex<Vec<ConsoleEntry>>,
    // Dropped after `client`: fields drop in declaration order.
    chromedriver: Process,
}

impl Browser {
    /// Starts chromedriver and a Chromium session; logs and the profile go under `dir`.
    pub async fn launch(dir: &Path) -> anyhow::Result<Browser> {
        Browser::launch_with(dir, BackgroundTabs::Unthrottled).await
    }

    /// `launch`, choosing how hidden tabs are throttled.
    pub async fn launch_with(dir: &Path, background: BackgroundTabs) -> anyhow::Result<Browser> {
        let profile = dir.join("chromium-profile");
        std::fs::create_dir_all(&profile)?;
        let (chromedriver, port) = chromedriver::start(dir).await?;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let excluded: &[&str] = match background {
            BackgroundTabs::Unthrottled => &[],
            BackgroundTabs::Throttled => {
                args.push(format!(
                    "--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/{INTENSIVE_THROTTLING_GRACE_S}"
                ));
                UNTHROTTLING_SWITCHES
            }
        };
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM_BIN, "args": args, "excludeSwitches": excluded },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .with_context(|| {
                format!(
                    "starting a Chromium session; chromedriver log:\n{}",
                    chromedriver.log_text()
                )
            })?;
        Ok(Browser {
            client,
            profile,
            console: Mutex::new(Vec::new()),
            chromedriver,
        })
    }

    /// The WebDriver client, for anything this type does not wrap.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("navigating to {url}"))
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its JSON result.
    pub async fn execute(&self, script: &str, args: Vec<serde_json::Value>) -> anyhow::Result<serde_json::Value> {
        self.client
            .execute(script, args)
            .await
            .context("executing script in the page")
    }

    /// Runs a Chrome DevTools Protocol command in the current tab (see `devtools`).
    pub async fn devtools(&self, cmd: &str, params: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        devtools::execute(&self.client, cmd, params).await
    }

    /// CPU time of this Chromium's processes now (see `cpu`).
    pub fn cpu_sample(&self) -> CpuSample {
        CpuSample::take(&self.profile)
    }

    /// Every console entry the page produced so far (errors, warnings, logs, uncaught exceptions).
    pub async fn console(&self) -> anyhow::Result<Vec<ConsoleEntry>> {
        let fresh = console::drain(&self.client).await?;
        let mut all = self.console.lock().unwrap_or_else(|e| e.into_inner());
        all.extend(fresh);
        Ok(all.clone())
    }

    /// Console entries that mean the page's code broke: uncaught exceptions and Rust panics. Failed network
    /// requests (a dead broker's WebSocket) are expected in failover scenarios and are not included.
    pub async fn page_errors(&self) -> anyhow::Result<Vec<ConsoleEntry>> {
        Ok(self
            .console()
            .await?
            .into_iter()
            .filter(ConsoleEntry::is_page_error)
            .collect())
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let png = self.client.screenshot().await.context("taking a screenshot")?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    /// Ends a failed scenario: saves `failure.png` in `dir`, then panics with `error`, the page's console and
    /// chromedriver's log. (A `Stack` dropped during the panic prints its own logs.)
    pub async fn fail(&self, error: anyhow::Error, dir: &Path) -> ! {
        let console = self.console().await.unwrap_or_default();
        let screenshot = dir.join("failure.png");
        let _ = self.screenshot(&screenshot).await;
        panic!(
            "{error:#}\n\n----- browser console -----\n{console:#?}\n----- chromedriver -----\n{}\n(screenshot: {})",
            self.chromedriver_log(),
            screenshot.display()
        );
    }

    pub fn chromedriver_log(&self) -> String {
        self.chromedriver.log_text()
    }

    /// Ends the WebDriver session (Chromium exits), then chromedriver is killed on drop.
    /// Ends a test: fails it (`fail`) if `result` is an error or the page threw or panicked meanwhile, then closes
    /// the browser.
    pub async fn finish(self, result: anyhow::Result<()>, dir: &Path) {
        let result = match result {
            Ok(()) => match self.page_errors().await {
                Ok(errors) if errors.is_empty() => Ok(()),
                Ok(errors) => Err(anyhow::anyhow!("the page threw or panicked: {errors:#?}")),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            self.fail(e, dir).await;
        }
        self.close().await.expect("closing the browser");
    }

    pub async fn close(self) -> anyhow::Result<()> {
        let result = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        drop(self);
        result
            .context("closing the browser timed out")?
            .context("closing the browser")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
        chromedriver::kill_chromium_using(&self.profile);
    }
}
