//! Entry point of the browser build: installs the panic banner and mounts the app. Nothing else lives here.

#[cfg(target_arch = "wasm32")]
fn main() {
    frontend::panic_banner::install();
    leptos::mount::mount_to_body(frontend::view::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the dashboard runs in a browser: build it with `trunk build --release` in frontend/");
    std::process::exit(2);
}
