//! Shell: CSV export. Writes what waits first (so the file holds every reading counted so far), reads the stored
//! rows of one sensor or of all over a range, builds the text with `archive::csv` and hands it to the browser as a
//! download (a Blob URL on a temporary link). Decides nothing about the file's content.

use super::keeper::Keeper;
use crate::archive::csv::{iso8601, CsvWriter};
use crate::archive::ChartRange;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// Exports `sensor` (or every sensor) over the `range` before now; the file name it was saved as.
pub async fn export_csv(keeper: &Rc<Keeper>, sensor: Option<&str>, range: ChartRange) -> Result<String, String> {
    keeper.flush(true);
    let now = js_sys::Date::now() as u64;
    let (buckets, records) = keeper
        .store
        .rows_between(sensor, now.saturating_sub(range.ms()), now)
        .await?;
    let mut csv = CsvWriter::default();
    buckets.iter().for_each(|b| csv.bucket(b));
    records.iter().for_each(|r| csv.record(r));
    let stamp: String = iso8601(now).chars().filter(char::is_ascii_alphanumeric).collect();
    let name = format!("sensors-{}-{}-{stamp}.csv", sensor.unwrap_or("all"), range.as_str());
    download(&name, &csv.finish())?;
    Ok(name)
}

fn download(name: &str, text: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| super::request::describe(&e);
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The download has its own copy once started; the URL can go after this task.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
