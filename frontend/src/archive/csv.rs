//! CSV export of stored rows (RFC 4180: CRLF line ends, a field quoted when it holds a comma, a quote or a line
//! break, quotes doubled). One header line, then one row per reading: `time` (ISO 8601, UTC, ms), `sensor`, `value`,
//! `unit`, `broker_used`, `seq`, `boot`. A bucket (readings older than the full-resolution window, already folded)
//! is one row: its mean at its start, with empty `seq` and `boot`. Pure.

use super::{Bucket, Record};
use std::fmt::Write;

pub const HEADER: &str = "time,sensor,value,unit,broker_used,seq,boot";

/// Builds the file's text row by row.
pub struct CsvWriter {
    text: String,
}

impl Default for CsvWriter {
    fn default() -> Self {
        let mut text = String::with_capacity(4_096);
        text.push_str(HEADER);
        text.push_str("\r\n");
        Self { text }
    }
}

impl CsvWriter {
    pub fn record(&mut self, r: &Record) {
        let seq = r.seq.map(|s| s.to_string()).unwrap_or_default();
        self.row(
            r.at_ms,
            &r.sensor,
            r.value,
            r.unit.as_deref(),
            &r.broker_used,
            &seq,
            &r.boot,
        );
    }

    pub fn bucket(&mut self, b: &Bucket) {
        self.row(b.start_ms, &b.sensor, b.mean, b.unit.as_deref(), &b.broker_used, "", "");
    }

    #[allow(clippy::too_many_arguments)]
    fn row(&mut self, at_ms: u64, sensor: &str, value: f64, unit: Option<&str>, broker: &str, seq: &str, boot: &str) {
        self.text.push_str(&iso8601(at_ms));
        for field in [sensor, &value.to_string(), unit.unwrap_or(""), broker, seq, boot] {
            self.text.push(',');
            push_field(&mut self.text, field);
        }
        self.text.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.text
    }
}

fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// `ms` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian, UTC).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(24);
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60,
        ms % 1_000
    );
    s
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::record;

    #[test]
    fn times_are_iso_8601_in_utc_with_milliseconds() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_796_150_096_789), "2026-12-01T18:34:56.789Z");
        assert_eq!(iso8601(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn writes_a_header_then_one_quoted_row_per_reading_and_bucket() {
        let mut w = CsvWriter::default();
        w.record(&record("temperature", 7, 1_000, 25.5, "broker-primary"));
        let mut odd = record("air,\"x\"\nq", 8, 2_000, -1.0, "b");
        odd.seq = None;
        odd.boot = String::new();
        w.record(&odd);
        w.bucket(&Bucket {
            sensor: "t".into(),
            start_ms: 60_000,
            count: 2,
            min: 1.0,
            mean: 1.5,
            max: 2.0,
            broker_used: "s".into(),
            unit: None,
            lost: 0,
        });
        assert_eq!(
            w.finish(),
            "time,sensor,value,unit,broker_used,seq,boot\r\n\
             1970-01-01T00:00:01.000Z,temperature,25.5,°C,broker-primary,7,b1\r\n\
             1970-01-01T00:00:02.000Z,\"air,\"\"x\"\"\nq\",-1,°C,b,,\r\n\
             1970-01-01T00:01:00.000Z,t,1.5,,s,,\r\n"
        );
    }
}
