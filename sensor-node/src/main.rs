//! The `sensor-node` binary: parses the environment into a `Config` (exit code 2 with one line on a bad value),
//! sets up tracing and runs until SIGTERM or SIGINT. No logic of its own.

use sensor_node::config;
use std::process::ExitCode;

/// Exit code for a configuration error, as the house style asks.
const EXIT_CONFIG: u8 = 2;

fn main() -> anyhow::Result<ExitCode> {
    // A value that is not UTF-8 would otherwise read as unset and silently fall back to a default.
    let not_unicode = config::VARIABLES
        .into_iter()
        .find(|var| matches!(std::env::var(var), Err(std::env::VarError::NotUnicode(_))));
    if let Some(var) = not_unicode {
        eprintln!("sensor-node: {}", config::ConfigError::NotUnicode { var });
        return Ok(ExitCode::from(EXIT_CONFIG));
    }
    let config = match config::parse(|var| std::env::var(var).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("sensor-node: {e}");
            return Ok(ExitCode::from(EXIT_CONFIG));
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let code = runtime.block_on(async {
        let shutdown = shutdown_signal()?;
        sensor_node::run(config, shutdown).await;
        anyhow::Ok(ExitCode::SUCCESS)
    })?;
    // Whatever is still pending (a connection attempt, a DNS lookup) must not hold up the exit.
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    Ok(code)
}

/// Longest wait for leftover tasks once `run` has returned.
const RUNTIME_SHUTDOWN: std::time::Duration = std::time::Duration::from_millis(100);

/// Completes on the first SIGTERM (what `docker stop` sends) or SIGINT.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
