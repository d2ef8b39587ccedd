//! `wait_for`: poll a condition until it holds or a deadline passes — the only way the harness waits.
//!
//! There is no fixed sleep anywhere in the harness: a short pause between polls paces the loop, the deadline bounds
//! it, and the error names what was awaited and what the last poll saw.

use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Pause between two polls.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Context that turns a poll's error from "not yet" into "never": `wait_for` returns it at once.
pub const GIVE_UP: &str = "giving up";

/// Calls `poll` until it returns `Ok(Some(value))`, and returns that value.
///
/// `Ok(None)` and `Err(_)` both mean "not yet"; the last error, if any, is quoted when the deadline passes. An error
/// whose outermost context is `GIVE_UP` ends the wait at once.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut poll: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match poll().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) if e.to_string() == GIVE_UP => {
                return Err(e.context(format!("stopped waiting for {what}")));
            }
            Err(e) => last_error = Some(e),
        }
        if Instant::now() >= deadline {
            return Err(match last_error {
                Some(e) => e.context(format!("timed out after {timeout:?} waiting for {what}")),
                None => anyhow::anyhow!("timed out after {timeout:?} waiting for {what}"),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Reads snapshots with `read` until `check` finds what it wants in one (see `wait_for`); on timeout the error shows
/// the last snapshot read, so a failure says what the page looked like.
pub async fn wait_for_snapshot<S, T, R, Fut>(
    what: &str,
    timeout: Duration,
    read: R,
    mut check: impl FnMut(&S) -> Option<T>,
) -> anyhow::Result<T>
where
    S: std::fmt::Debug,
    R: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<S>>,
{
    let last = std::cell::RefCell::new(None);
    let check = std::cell::RefCell::new(&mut check);
    let result = wait_for(what, timeout, || {
        let (read, check, last) = (&read, &check, &last);
        async move {
            let snapshot = read().await?;
            let found = (check.borrow_mut())(&snapshot);
            *last.borrow_mut() = Some(snapshot);
            Ok(found)
        }
    })
    .await;
    result.map_err(|e| e.context(format!("last snapshot: {:#?}", last.borrow())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn returns_the_value_once_the_condition_holds() {
        let mut calls = 0;
        let got = wait_for("three calls", Duration::from_secs(5), || {
            calls += 1;
            let n = calls;
            async move { Ok((n >= 3).then_some(n)) }
        })
        .await
        .unwrap();
        assert_eq!(got, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_once_on_an_error_marked_give_up() {
        let mut calls = 0;
        let err = wait_for::<(), _, _>("anything", Duration::from_secs(60), || {
            calls += 1;
            async { Err(anyhow::anyhow!("process exited").context(GIVE_UP)) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(format!("{err:#}").contains("process exited"));
    }

    #[tokio::test(start_paused = true)]
    async fn names_what_it_waited_for_and_the_last_error_on_timeout() {
        let err = wait_for::<(), _, _>("the moon", Duration::from_secs(1), || async {
            Err(anyhow::anyhow!("still dark"))
        })
        .await
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("the moon") && text.contains("still dark"), "{text}");
    }
}
