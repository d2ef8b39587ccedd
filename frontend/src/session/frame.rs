//! MQTT framing for the browser session: finds where one packet ends in a byte stream that WebSocket messages
//! may split anywhere, and checks each frame's shape before mqttrs sees it.
//!
//! mqttrs 0.4 indexes its input without bounds checks in a few places (CONNACK, packet ids, a PUBLISH whose
//! topic runs past its declared length), so a hostile frame would panic it. `check_shape` rejects every such frame
//! first; the fuzz-style tests in `session.rs` feed random bytes through the whole path. Pure: no I/O.

use thiserror::Error;

/// Why a byte stream cannot be MQTT from a broker. Any of these closes the session.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("remaining length is not a valid variable-length integer")]
    BadLength,
    #[error("frame of {len} bytes exceeds the {max}-byte limit")]
    Oversized { len: usize, max: usize },
    #[error("packet type {0} is never sent by a broker")]
    NotFromBroker(u8),
    #[error("{packet} with a {len}-byte body is malformed")]
    Malformed { packet: &'static str, len: usize },
}

/// The length of the first complete frame at the start of `buf`, `None` while more bytes are needed.
/// A declared length over `max` is refused as soon as the header is readable, before its body is buffered.
pub fn complete_len(buf: &[u8], max: usize) -> Result<Option<usize>, FrameError> {
    let Some(&first) = buf.first() else { return Ok(None) };
    let mut body_len = 0usize;
    let mut header_len = None;
    for i in 0..4 {
        let Some(&byte) = buf.get(1 + i) else { return Ok(None) };
        body_len |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            header_len = Some(2 + i);
            break;
        }
    }
    let header_len = header_len.ok_or(FrameError::BadLength)?;
    if header_len + body_len > max {
        return Err(FrameError::Oversized {
            len: header_len + body_len,
            max,
        });
    }
    if buf.len() < header_len + body_len {
        return Ok(None);
    }
    check_shape(first, &buf[header_len..header_len + body_len])?;
    Ok(Some(header_len + body_len))
}

/// Refuses frames a broker never sends and bodies too short for what their type promises.
fn check_shape(first: u8, body: &[u8]) -> Result<(), FrameError> {
    let malformed = |packet| {
        Err(FrameError::Malformed {
            packet,
            len: body.len(),
        })
    };
    match first >> 4 {
        // CONNACK: flags + return code.
        2 if body.len() != 2 => malformed("CONNACK"),
        // PUBLISH: topic length + topic (+ packet id for QoS > 0) + payload.
        3 => {
            let qos = (first >> 1) & 0b11;
            let Some(prefix) = body.get(..2) else {
                return malformed("PUBLISH");
            };
            let topic_len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
            let pid_len = if qos > 0 { 2 } else { 0 };
            if body.len() < 2 + topic_len + pid_len {
                malformed("PUBLISH")
            } else {
                Ok(())
            }
        }
        // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: a packet id only.
        4..=7 | 11 if body.len() != 2 => malformed("acknowledgement"),
        // SUBACK: packet id + at least one return code.
        9 if body.len() < 3 => malformed("SUBACK"),
        // PINGRESP: empty.
        13 if !body.is_empty() => malformed("PINGRESP"),
        2 | 4..=7 | 9 | 11 | 13 => Ok(()),
        // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT and the reserved 0 and 15.
        other => Err(FrameError::NotFromBroker(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1024;

    #[test]
    fn waits_for_the_rest_of_a_split_frame() {
        let pingresp = [0xd0, 0x00];
        assert_eq!(complete_len(&[], MAX), Ok(None));
        assert_eq!(complete_len(&pingresp[..1], MAX), Ok(None));
        assert_eq!(complete_len(&pingresp, MAX), Ok(Some(2)));
        let publish = [0x30, 0x05, 0x00, 0x01, b't', b'h', b'i'];
        for cut in 0..publish.len() {
            assert_eq!(complete_len(&publish[..cut], MAX), Ok(None), "cut at {cut}");
        }
        assert_eq!(complete_len(&publish, MAX), Ok(Some(7)));
    }

    #[test]
    fn reads_multi_byte_lengths_and_refuses_oversized_frames_early() {
        // 200 = 0xc8 0x01; only the header has arrived and it already exceeds the limit.
        assert_eq!(
            complete_len(&[0x30, 0xc8, 0x01], 100),
            Err(FrameError::Oversized { len: 203, max: 100 })
        );
        assert_eq!(complete_len(&[0x30, 0xc8, 0x01], MAX), Ok(None));
        assert_eq!(
            complete_len(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01], usize::MAX),
            Err(FrameError::BadLength)
        );
    }

    #[test]
    fn refuses_packets_only_clients_send() {
        for first in [0x00, 0x10, 0x82, 0xa2, 0xc0, 0xe0, 0xf0] {
            assert!(
                matches!(complete_len(&[first, 0x00], MAX), Err(FrameError::NotFromBroker(_))),
                "{first:#x}"
            );
        }
    }

    #[test]
    fn refuses_bodies_too_short_for_their_type() {
        let cases: &[&[u8]] = &[
            &[0x20, 0x01, 0x00],
            &[0x40, 0x01, 0x00],
            &[0x90, 0x02, 0x00, 0x01],
            &[0xd0, 0x01, 0x00],
            &[0x30, 0x01, 0x00],
            &[0x30, 0x03, 0x00, 0x05, b'x'],
            &[0x32, 0x04, 0x00, 0x01, b't', 0x00],
        ];
        for frame in cases {
            assert!(
                matches!(complete_len(frame, MAX), Err(FrameError::Malformed { .. })),
                "{frame:x?}"
            );
        }
    }
}
