//! Why a topic or payload was rejected. Each variant is a case the dashboard counts and shows.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum WireError {
    #[error("topic `{0}` is not sensor/<type> or sensor/<type>/status")]
    Topic(String),
    #[error("sensor name `{0}` is not 1-64 characters of a-z, 0-9, `_` or `-`")]
    SensorName(String),
    #[error("payload is {0} bytes, more than the {max} allowed", max = crate::MAX_PAYLOAD_BYTES)]
    TooLarge(usize),
    #[error("payload is not UTF-8")]
    NotUtf8,
    #[error("payload is not a valid message: {0}")]
    Json(String),
    #[error("value {0} is not a finite number")]
    NotFinite(f64),
    #[error("field `{field}` is empty or longer than {max} characters", max = crate::MAX_TEXT_LEN)]
    Text { field: &'static str },
    #[error("payload names sensor `{payload}` but was published on the topic of `{topic}`")]
    SensorMismatch { topic: String, payload: String },
}
