//! The offline app shell's decisions: where this page came from (the web server, or the copy the service worker
//! `sw.js` saved in this browser, which it marks with `<meta name="served-from" content="cache">`), what the page says
//! about it, and why a service worker cannot run here. Pure: no I/O, no signals. `registration` (wasm only) is the
//! shell that registers `sw.js` and reads the mark; how the worker caches is in `sw.js` and `docs/offline.md`.

#[cfg(target_arch = "wasm32")]
mod registration;

#[cfg(target_arch = "wasm32")]
pub use registration::{start, OfflineShell};

/// The worker's script, beside `index.html` (trunk copies `frontend/sw.js` into the dist).
pub const WORKER_SCRIPT: &str = "sw.js";
/// `<meta name=…>` that `sw.js` puts into the page when it serves its saved copy…
pub const SERVED_FROM_META: &str = "served-from";
/// …with this `content` (the same value as its `x-served-from` response header).
pub const SERVED_FROM_CACHE: &str = "cache";
/// What the page says while it runs from the saved copy.
pub const CACHE_NOTICE: &str = "Running from this browser's saved copy: the web server is not reachable. Live values \
    still come straight from the brokers; reload once the server is back to get updates.";

/// Where the running page came from, as the page tells it (`data-shell`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellSource {
    /// No service worker looks after this page (not supported, not a secure context, registration failed or not
    /// done yet): it came from the web server and would not load without it.
    None,
    /// From the web server, with the service worker registered: the next load works without the server.
    Network,
    /// From the service worker's saved copy: the web server did not answer.
    Cache,
}

impl ShellSource {
    /// `data-shell`'s value.
    pub fn as_str(self) -> &'static str {
        match self {
            ShellSource::None => "none",
            ShellSource::Network => "network",
            ShellSource::Cache => "cache",
        }
    }

    /// What the page says about it, if anything: only a page from the saved copy has something to tell.
    pub fn notice(self) -> Option<&'static str> {
        (self == ShellSource::Cache).then_some(CACHE_NOTICE)
    }
}

/// The service worker's registration, as far as this page knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Registration {
    #[default]
    Pending,
    Registered,
    /// Not possible or failed; the reason was logged.
    Unavailable,
}

/// Everything the page knows about its shell: the mark in the page, and the registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShellStatus {
    served_from_cache: bool,
    registration: Registration,
}

impl ShellStatus {
    /// At start: `meta` is the `content` of the page's `served-from` mark, if it has one.
    pub fn new(meta: Option<&str>) -> ShellStatus {
        ShellStatus {
            served_from_cache: meta.is_some_and(|m| m.trim() == SERVED_FROM_CACHE),
            registration: Registration::Pending,
        }
    }

    pub fn set_registration(&mut self, registration: Registration) {
        self.registration = registration;
    }

    /// The saved copy's mark decides; a page without it came from the server, with or without a worker behind it.
    pub fn source(&self) -> ShellSource {
        match (self.served_from_cache, self.registration) {
            (true, _) => ShellSource::Cache,
            (false, Registration::Registered) => ShellSource::Network,
            (false, Registration::Pending | Registration::Unavailable) => ShellSource::None,
        }
    }
}

/// Why this page cannot have a service worker, in one console line; `None` if it can try. `origin` is the page's
/// (`http://192.168.1.20:5001`), `secure` is `window.isSecureContext`, `supported` whether `navigator.serviceWorker`
/// exists (browsers hide it outside secure contexts, and some in private windows).
pub fn unavailable_reason(origin: &str, secure: bool, supported: bool) -> Option<String> {
    if !secure {
        return Some(format!(
            "offline shell off: {origin} is not a secure context, and a service worker needs one (https, or http on \
             localhost); the page works, but only while the web server answers (docs/offline.md)"
        ));
    }
    if !supported {
        return Some(
            "offline shell off: this browser offers no service worker here (not supported, or turned off as in \
             some private windows); the page works, but only while the web server answers"
                .to_owned(),
        );
    }
    None
}

/// The console line for a registration the browser refused.
pub fn registration_failed(why: &str) -> String {
    format!(
        "offline shell off: registering {WORKER_SCRIPT} failed ({why}); the page works, but only while the web server \
         answers"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_marked_as_the_saved_copy_runs_from_the_cache_whatever_the_registration() {
        for registration in [
            Registration::Pending,
            Registration::Registered,
            Registration::Unavailable,
        ] {
            let mut status = ShellStatus::new(Some("cache"));
            status.set_registration(registration);
            assert_eq!(status.source(), ShellSource::Cache, "{registration:?}");
        }
    }

    #[test]
    fn an_unmarked_page_came_from_the_network_once_the_worker_is_registered() {
        let mut status = ShellStatus::new(None);
        assert_eq!(status.source(), ShellSource::None);
        status.set_registration(Registration::Registered);
        assert_eq!(status.source(), ShellSource::Network);
    }

    #[test]
    fn an_unmarked_page_without_a_worker_has_no_shell() {
        let mut status = ShellStatus::new(None);
        status.set_registration(Registration::Unavailable);
        assert_eq!(status.source(), ShellSource::None);
        assert_eq!(status.source().as_str(), "none");
    }

    #[test]
    fn only_the_cache_mark_counts_as_one() {
        assert_eq!(ShellStatus::new(Some(" cache ")).source(), ShellSource::Cache);
        assert_eq!(ShellStatus::new(Some("network")).source(), ShellSource::None);
        assert_eq!(ShellStatus::new(Some("")).source(), ShellSource::None);
    }

    #[test]
    fn only_the_saved_copy_says_something() {
        assert_eq!(ShellSource::Cache.notice(), Some(CACHE_NOTICE));
        assert!(CACHE_NOTICE.starts_with("Running from this browser's saved copy"));
        assert_eq!(ShellSource::Network.notice(), None);
        assert_eq!(ShellSource::None.notice(), None);
        assert_eq!(
            [ShellSource::None, ShellSource::Network, ShellSource::Cache].map(ShellSource::as_str),
            ["none", "network", "cache"]
        );
    }

    #[test]
    fn plain_http_from_another_host_is_refused_with_the_origin_and_what_would_work() {
        let why = unavailable_reason("http://192.168.1.20:5001", false, false).unwrap();
        assert!(
            why.contains("http://192.168.1.20:5001") && why.contains("secure context"),
            "{why}"
        );
        assert!(why.contains("https") && why.contains("localhost"), "{why}");
        assert!(!why.contains('\n'));
    }

    #[test]
    fn a_secure_page_without_the_api_says_the_browser_lacks_it() {
        let why = unavailable_reason("https://dash.example", true, false).unwrap();
        assert!(why.contains("no service worker"), "{why}");
    }

    #[test]
    fn a_secure_page_with_the_api_may_register() {
        assert_eq!(unavailable_reason("http://localhost:5001", true, true), None);
        assert!(registration_failed("SecurityError: x").contains("sw.js failed (SecurityError: x)"));
    }
}
