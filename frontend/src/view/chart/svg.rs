//! `Svg`: the only writer of chart markup. Element and attribute names are `&'static str` (plain lowercase names,
//! checked in debug builds), numbers go in as numbers, and every text — attribute values and element content alike
//! — goes in through `escape`, which escapes `& < > " '`. Nothing else appends to the output, so no string can open
//! an element or an attribute, end one, or start a CDATA section. Pure: it builds a `String`, and does not know
//! where it is shown.

use std::fmt::Write;

/// SVG markup under construction: a sequence of elements, each either empty (`<line …/>`) or holding one text.
#[derive(Debug, Default)]
pub struct Svg {
    out: String,
}

/// An element whose start tag is open: add attributes, then end it with `text`, or drop it for an empty element.
#[derive(Debug)]
pub struct Tag<'a> {
    out: &'a mut String,
    name: &'static str,
    closed: bool,
}

impl Svg {
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            out: String::with_capacity(bytes),
        }
    }

    /// Opens `<name`.
    pub fn open(&mut self, name: &'static str) -> Tag<'_> {
        debug_assert!(is_name(name), "not an element name: {name:?}");
        self.out.push('<');
        self.out.push_str(name);
        Tag {
            out: &mut self.out,
            name,
            closed: false,
        }
    }

    /// The markup, for an `<svg>` element's inner HTML.
    pub fn finish(self) -> String {
        self.out
    }
}

impl Tag<'_> {
    /// ` name="value"`, the value escaped.
    pub fn attr(mut self, name: &'static str, value: &str) -> Self {
        self.start_attr(name);
        escape(self.out, value);
        self.out.push('"');
        self
    }

    /// ` name="12.3"`: a number with one decimal.
    pub fn num(mut self, name: &'static str, value: f64) -> Self {
        self.start_attr(name);
        push_fixed1(self.out, value);
        self.out.push('"');
        self
    }

    /// ` name="M1.0,2.0L3.0,4.0…"`: path data through `points`.
    pub fn path(mut self, name: &'static str, points: &[(f64, f64)]) -> Self {
        self.start_attr(name);
        for (i, &(x, y)) in points.iter().enumerate() {
            self.out.push(if i == 0 { 'M' } else { 'L' });
            push_fixed1(self.out, x);
            self.out.push(',');
            push_fixed1(self.out, y);
        }
        self.out.push('"');
        self
    }

    /// Ends the element with `content`, escaped, as its text: `>content</name>`.
    pub fn text(mut self, content: &str) {
        self.out.push('>');
        escape(self.out, content);
        self.out.push_str("</");
        self.out.push_str(self.name);
        self.out.push('>');
        self.closed = true;
    }

    fn start_attr(&mut self, name: &'static str) {
        debug_assert!(is_name(name), "not an attribute name: {name:?}");
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
    }
}

impl Drop for Tag<'_> {
    /// An element given no text ends empty: `/>`.
    fn drop(&mut self) {
        if !self.closed {
            self.out.push_str("/>");
        }
    }
}

/// What the builder accepts as an element or attribute name.
fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Appends `text` with `& < > " '` escaped, for element content and double-quoted attribute values alike.
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Appends `v` with one decimal, e.g. `12.3`, `-0.5` (integer formatting only: float formatting with a precision
/// would pull a large formatter into the wasm). Non-finite values come out as a finite number (NaN as `0.0`).
pub fn push_fixed1(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let tenths = tenths.unsigned_abs();
    let _ = write!(out, "{}.{}", tenths / 10, tenths % 10);
}

#[cfg(test)]
pub mod parse {
    //! A strict reader of exactly what `Svg` writes — `<name( attr="value")*/>` or `<name( attr="value")*>text</name>`,
    //! where text and values hold no `< > " '` and `&` only as one of the five entities `escape` writes. Anything
    //! else is an error, so a string that got through unescaped fails the read instead of being miscounted.

    #[derive(Debug, Clone, PartialEq)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        /// Unescaped; `None` for an empty element.
        pub text: Option<String>,
    }

    pub fn elements(markup: &str) -> Result<Vec<Element>, String> {
        let mut rest = markup;
        let mut found = Vec::new();
        while !rest.is_empty() {
            rest = rest
                .strip_prefix('<')
                .ok_or_else(|| format!("expected `<` at {rest:?}"))?;
            let (name, after) = read_name(rest)?;
            rest = after;
            let mut attrs = Vec::new();
            let text = loop {
                if let Some(after) = rest.strip_prefix("/>") {
                    rest = after;
                    break None;
                }
                if let Some(after) = rest.strip_prefix('>') {
                    let (text, after) = after.split_once('<').ok_or("unterminated text")?;
                    rest = after
                        .strip_prefix('/')
                        .and_then(|a| a.strip_prefix(name.as_str()))
                        .and_then(|a| a.strip_prefix('>'))
                        .ok_or_else(|| format!("expected </{name}> at <{after:?}"))?;
                    break Some(unescape(text)?);
                }
                let after = rest
                    .strip_prefix(' ')
                    .ok_or_else(|| format!("expected an attribute at {rest:?}"))?;
                let (attr, after) = read_name(after)?;
                let after = after.strip_prefix("=\"").ok_or("expected =\"")?;
                let (value, after) = after.split_once('"').ok_or("unterminated attribute value")?;
                attrs.push((attr, unescape(value)?));
                rest = after;
            };
            found.push(Element { name, attrs, text });
        }
        Ok(found)
    }

    fn read_name(s: &str) -> Result<(String, &str), String> {
        let name: String = s
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let rest = s.strip_prefix(name.as_str()).unwrap_or_default();
        if name.is_empty() {
            return Err(format!("expected a name at {s:?}"));
        }
        Ok((name, rest))
    }

    fn unescape(s: &str) -> Result<String, String> {
        if s.contains(['<', '>', '"', '\'']) {
            return Err(format!("unescaped markup character in {s:?}"));
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((before, after)) = rest.split_once('&') {
            out.push_str(before);
            let (entity, c) = [
                ("amp;", '&'),
                ("lt;", '<'),
                ("gt;", '>'),
                ("quot;", '"'),
                ("#39;", '\''),
            ]
            .into_iter()
            .find(|(e, _)| after.starts_with(e))
            .ok_or_else(|| format!("stray `&` in {s:?}"))?;
            out.push(c);
            rest = after.strip_prefix(entity).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::parse::{elements, Element};
    use super::*;
    use proptest::prelude::*;

    /// Text that tries hard to be markup, mixed with anything at all (non-ASCII and control characters included).
    fn hostile_text() -> impl Strategy<Value = String> {
        let hostile = prop::sample::select(vec![
            "<",
            ">",
            "\"",
            "'",
            "&",
            "&amp;",
            "&#39;",
            "<script>alert(1)</script>",
            "]]>",
            "<![CDATA[",
            "</svg>",
            "<img src=x onerror=alert(1)>",
            "\" onload=\"x",
            "°C → é 😀",
        ]);
        let pieces = prop::collection::vec(prop_oneof![hostile.prop_map(str::to_owned), any::<String>()], 0..8);
        pieces.prop_map(|p| p.concat())
    }

    fn one_of_each(text: &str, value: &str) -> String {
        let mut svg = Svg::default();
        svg.open("rect").num("x", 1.0).attr("class", value);
        svg.open("path").path("d", &[(0.0, 1.0), (2.5, -3.25)]);
        svg.open("text").attr("class", value).num("y", f64::NAN).text(text);
        svg.finish()
    }

    #[test]
    fn writes_elements_attributes_numbers_and_paths() {
        assert_eq!(
            one_of_each("25 °C", "tick y"),
            "<rect x=\"1.0\" class=\"tick y\"/><path d=\"M0.0,1.0L2.5,-3.3\"/>\
             <text class=\"tick y\" y=\"0.0\">25 °C</text>"
        );
    }

    #[test]
    fn escapes_all_five_markup_characters() {
        let mut out = String::new();
        escape(&mut out, "<a href='x'>&\"</a>");
        assert_eq!(out, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    }

    #[test]
    fn writes_one_decimal_with_integer_formatting_only() {
        let mut s = String::new();
        for v in [12.34, -0.46, 0.0, 7.0, f64::INFINITY, f64::NAN] {
            push_fixed1(&mut s, v);
            s.push(' ');
        }
        let written: Vec<&str> = s.split_whitespace().collect();
        assert_eq!(written[..4], ["12.3", "-0.5", "0.0", "7.0"]);
        assert!(written[4].chars().all(|c| c.is_ascii_digit() || c == '.'), "{s}");
        assert_eq!(written[5], "0.0");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the text, the markup holds exactly the elements and attributes the builder was asked for, and
        /// reads back as the text it was given.
        #[test]
        fn no_text_creates_an_element_or_an_attribute(text in hostile_text(), value in hostile_text()) {
            let markup = one_of_each(&text, &value);
            let found = elements(&markup).map_err(|e| TestCaseError::fail(format!("{e} in {markup:?}")))?;
            let expected = [
                Element { name: "rect".into(), attrs: vec![("x".into(), "1.0".into()), ("class".into(), value.clone())], text: None },
                Element { name: "path".into(), attrs: vec![("d".into(), "M0.0,1.0L2.5,-3.3".into())], text: None },
                Element { name: "text".into(), attrs: vec![("class".into(), value.clone()), ("y".into(), "0.0".into())], text: Some(text.clone()) },
            ];
            prop_assert_eq!(found, expected);
        }

        /// Escaped text holds no `< > " '`, and every `&` starts an entity the builder wrote.
        #[test]
        fn escaped_text_holds_no_markup_characters(text in hostile_text()) {
            let mut out = String::new();
            escape(&mut out, &text);
            prop_assert!(!out.contains(['<', '>', '"', '\'']), "{}", out);
            let entities = ["amp;", "lt;", "gt;", "quot;", "#39;"];
            prop_assert!(out.split('&').skip(1).all(|after| entities.iter().any(|e| after.starts_with(e))), "{}", out);
        }
    }
}
