//! Shell: a panic hook that logs the panic and puts an error banner on the page, so a bug never leaves a silently
//! dead dashboard. Touches the DOM directly because the reactive system may be what panicked.

/// Installs the hook; call once, before mounting.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.as_str().into());
        let _ = show(&message);
    }));
}

fn show(message: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let banner = document.create_element("div").ok()?;
    banner.set_class_name("panic-banner");
    banner.set_attribute("role", "alert").ok()?;
    banner.set_attribute("data-field", "panic").ok()?;
    banner.set_text_content(Some(&format!(
        "The dashboard stopped after an internal error; reload the page to restart it. ({message})"
    )));
    document.body()?.prepend_with_node_1(&banner).ok()
}
