//! Shell: one browser WebSocket (subprotocol `mqtt`, binary frames as `ArrayBuffer`s). What it receives, and how it
//! ends, goes back to the broker loop as `Wake`s tagged with the socket's generation; bytes go out with one
//! synchronous `send` of a byte array. Built on `web_sys::WebSocket` directly: gloo-net's stream wraps every outgoing
//! message in a `Blob`, which Chromium sends asynchronously and slowly — at 5,000 QoS 1 readings a second the
//! page's acknowledgements alone saturated the main thread that way.

use super::Wake;
use futures::channel::mpsc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// The WebSocket subprotocol of MQTT 3.1.1 over WebSockets.
const SUBPROTOCOL: &str = "mqtt";

/// The browser's callbacks of one socket; kept alive as long as the socket is ours.
struct Handlers {
    _open: Closure<dyn FnMut(Event)>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

/// The current WebSocket, if any. Replacing or closing it detaches its callbacks first, so a replaced socket's late
/// events never reach the loop (and its generation tells stale ones apart anyway).
#[derive(Default)]
pub struct Socket {
    pub generation: u64,
    current: Option<(WebSocket, Handlers)>,
}

impl Socket {
    /// Opens a new socket to `url`; its events come back through `wake` as `Opened`, `Bytes` and `Closed`.
    pub fn open(&mut self, url: &str, wake: &mpsc::UnboundedSender<Wake>) -> Result<(), String> {
        self.close();
        self.generation += 1;
        let generation = self.generation;
        let ws =
            WebSocket::new_with_str(url, SUBPROTOCOL).map_err(|e| format!("cannot open {url}: {}", text_of(&e)))?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let report = {
            let wake = wake.clone();
            move |w: Wake| {
                let _ = wake.unbounded_send(w);
            }
        };
        let handlers = Handlers {
            _open: Closure::new({
                let report = report.clone();
                move |_: Event| report(Wake::Opened(generation))
            }),
            _message: Closure::new({
                let report = report.clone();
                move |e: MessageEvent| report(Wake::Bytes(generation, message_bytes(&e)))
            }),
            // An `error` event is always followed by `close`, which carries the code: report once, from there.
            _close: Closure::new(move |e: CloseEvent| {
                let why = match (e.code(), e.reason()) {
                    (code, reason) if reason.is_empty() => format!("WebSocket closed (code {code})"),
                    (code, reason) => format!("WebSocket closed (code {code}: {reason})"),
                };
                report(Wake::Closed(generation, why));
            }),
        };
        ws.set_onopen(Some(handlers._open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(handlers._message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(handlers._close.as_ref().unchecked_ref()));
        self.current = Some((ws, handlers));
        Ok(())
    }

    /// Sends `bytes` as one binary message; `false` if there is no open socket to take them.
    pub fn send(&self, bytes: &[u8]) -> bool {
        self.current
            .as_ref()
            .is_some_and(|(ws, _)| ws.send_with_u8_array(bytes).is_ok())
    }

    /// Closes the socket, if any; nothing it does later is reported.
    pub fn close(&mut self) {
        if let Some((ws, _handlers)) = self.current.take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}

/// MQTT over WebSockets is binary; a text frame is handed on as its bytes for the session to refuse as malformed.
fn message_bytes(e: &MessageEvent) -> Vec<u8> {
    let data = e.data();
    match data.dyn_ref::<js_sys::ArrayBuffer>() {
        Some(buffer) => js_sys::Uint8Array::new(buffer).to_vec(),
        None => data.as_string().map(String::into_bytes).unwrap_or_default(),
    }
}

fn text_of(e: &wasm_bindgen::JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "unknown error".to_owned())
}
