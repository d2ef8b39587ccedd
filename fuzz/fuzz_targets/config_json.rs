//! `config.json` as any bytes: `Config::resolve` must never panic and always yields a usable broker list.
#![no_main]

use frontend::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let (config, _why) = Config::resolve(Ok(text), "dashboard.example", false);
    assert!(!config.brokers.is_empty());
    let _ = config.threshold_table();
    let _ = config.history_ms();
});
