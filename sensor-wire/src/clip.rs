//! `clip`: shortens text that came from outside (a payload, a topic, an environment variable) so that an error
//! message or a label can quote it. The one place the system cuts text: it counts characters, so it can never cut
//! inside one, whatever bytes a stranger sent. Pure.

use std::borrow::Cow;

/// Marks text that `clip` shortened.
pub const ELLIPSIS: char = '…';

/// `text` if it has at most `max_chars` characters, else its first `max_chars` characters followed by `…`.
pub fn clip(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let mut shown = String::with_capacity(cut + ELLIPSIS.len_utf8());
            shown.push_str(text.get(..cut).unwrap_or_default());
            shown.push(ELLIPSIS);
            Cow::Owned(shown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn leaves_short_text_alone() {
        assert!(matches!(clip("temperature", 11), Cow::Borrowed("temperature")));
        assert_eq!(clip("", 0), "");
    }

    #[test]
    fn cuts_by_characters_not_bytes() {
        // 4-byte characters: a byte index of 5 would fall inside the second one.
        assert_eq!(clip("😀😀😀", 2), "😀😀…");
        assert_eq!(clip("ééé", 1), "é…");
        assert_eq!(clip("abc", 0), "…");
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_a_prefix_of_at_most_max_chars(text in ".*", max in 0usize..40) {
            let shown = clip(&text, max);
            let kept = shown.strip_suffix(ELLIPSIS).filter(|_| shown != text).unwrap_or(&shown);
            prop_assert!(text.starts_with(kept));
            prop_assert!(kept.chars().count() <= max);
            prop_assert_eq!(shown == text, text.chars().count() <= max);
        }
    }
}
