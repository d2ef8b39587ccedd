//! What the browser stores of a card besides its readings, so a reload shows the same counters, value and chart
//! marks it had: written with each batch of readings, in the same transaction, so the counts always match the rows
//! stored. Plain data; the `storage` shell turns it into a stored object (no serde here: its code would cost the
//! first load more than the few fields it saves).

use super::sensor::{Latest, Switch};
pub use super::sequence::SequenceParts;

#[derive(Debug, Clone, PartialEq)]
pub struct SavedSensor {
    pub name: String,
    pub readings: u64,
    pub duplicates: u64,
    pub sequence: SequenceParts,
    pub switches: Vec<Switch>,
    pub gaps: Vec<u64>,
    pub latest: Option<Latest>,
}
