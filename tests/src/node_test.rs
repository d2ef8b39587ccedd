//! `run`: a plain-node test file of the frontend's JavaScript (`node --test`, no npm, no packages), when node is
//! installed. Nothing else needs node, so the install path does not add it; the Chromium scenarios are those
//! scripts' real tests.

/// Runs `node --test` on `relative` (a path from the workspace root) and panics with its output if it fails;
/// skipped, with a line on stderr, where there is no `node` on PATH.
pub fn run(relative: &str) {
    let script = crate::artifacts::workspace_root().join(relative);
    let output = match std::process::Command::new("node").arg("--test").arg(&script).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: no `node` on PATH to run {}", script.display());
            return;
        }
        Err(e) => panic!("running node --test {}: {e}", script.display()),
    };
    assert!(
        output.status.success(),
        "node --test {}:\n{}{}",
        script.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
