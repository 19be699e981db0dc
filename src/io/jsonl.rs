//! One JSON object per line: parsing a record into id, text and the other
//! fields (kept as raw JSON, in order), and writing it back.
//!
//! Parsing is one serde_json pass: the text field is unescaped into a
//! `String`, every other field is only validated and kept as a raw slice,
//! so pass-through costs little more than a copy.

use crate::document::{Document, Meta};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::cell::Cell;
use std::fmt;
use std::io::Write;

/// A parsed record.
#[derive(Debug)]
pub struct Parsed {
    /// The id field, when present and not null (strings unescaped, other
    /// values as their JSON text).
    pub id: Option<String>,
    /// The text field.
    pub text: String,
    /// Every field in order; the text field's value is `None`.
    pub fields: Vec<(String, Option<Box<RawValue>>)>,
}

/// Why a line is not a usable record: a short reason and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// `invalid-json`, `truncated-json`, `not-an-object`, `duplicate-key`,
    /// `missing-text` or `text-not-string`.
    pub reason: &'static str,
    /// The explanation.
    pub detail: String,
}

/// Parses one JSONL line.
pub fn parse_record(line: &str, text_field: &str, id_field: &str) -> Result<Parsed, RecordError> {
    let reason = Cell::new(None);
    let seed = RecordSeed {
        text_field,
        id_field,
        reason: &reason,
    };
    let mut de = serde_json::Deserializer::from_str(line);
    let result = seed.deserialize(&mut de).and_then(|p| de.end().map(|()| p));
    match result {
        Ok(parsed) => Ok(parsed),
        Err(e) => {
            let reason = reason.get().unwrap_or(match e.classify() {
                serde_json::error::Category::Eof => "truncated-json",
                serde_json::error::Category::Data => "not-an-object",
                _ => "invalid-json",
            });
            Err(RecordError {
                reason,
                detail: e.to_string(),
            })
        }
    }
}

struct RecordSeed<'a> {
    text_field: &'a str,
    id_field: &'a str,
    reason: &'a Cell<Option<&'static str>>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Parsed;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_map(self)
    }
}

/// The text field's value: a string, or the kind of JSON it was instead.
enum TextValue {
    Str(String),
    Other(&'static str),
}

impl<'de> de::Deserialize<'de> for TextValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TextValue, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TextValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, v: &str) -> Result<TextValue, E> {
                Ok(TextValue::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<TextValue, E> {
                Ok(TextValue::Str(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<TextValue, E> {
                Ok(TextValue::Other("boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<TextValue, E> {
                Ok(TextValue::Other("number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<TextValue, E> {
                Ok(TextValue::Other("number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<TextValue, E> {
                Ok(TextValue::Other("number"))
            }
            fn visit_unit<E>(self) -> Result<TextValue, E> {
                Ok(TextValue::Other("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<TextValue, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(TextValue::Other("array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextValue, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(TextValue::Other("object"))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let mut fields: Vec<(String, Option<Box<RawValue>>)> = Vec::new();
        let mut text = None;
        let mut id = None;
        while let Some(key) = map.next_key::<String>()? {
            if fields.iter().any(|(k, _)| *k == key) {
                self.reason.set(Some("duplicate-key"));
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            if key == self.text_field {
                match map.next_value::<TextValue>()? {
                    TextValue::Str(s) => text = Some(s),
                    TextValue::Other(kind) => {
                        self.reason.set(Some("text-not-string"));
                        return Err(de::Error::custom(format_args!(
                            "field `{key}` is {kind}, not a string"
                        )));
                    }
                }
                fields.push((key, None));
            } else {
                let raw: Box<RawValue> = map.next_value()?;
                if key == self.id_field {
                    id = id_from_raw(&raw);
                }
                fields.push((key, Some(raw)));
            }
        }
        match text {
            Some(text) => Ok(Parsed { id, text, fields }),
            None => {
                self.reason.set(Some("missing-text"));
                Err(de::Error::custom(format_args!(
                    "no `{}` field",
                    self.text_field
                )))
            }
        }
    }
}

fn id_from_raw(raw: &RawValue) -> Option<String> {
    let s = raw.get();
    if s == "null" {
        None
    } else if s.starts_with('"') {
        serde_json::from_str::<String>(s).ok()
    } else {
        Some(s.to_owned())
    }
}

/// Extra fields a writer adds to a record.
#[derive(Debug, Default, Clone, Copy)]
pub struct Extras<'a> {
    /// Write the `credits` field (when the document has credits).
    pub credits: bool,
    /// The `cluster` field (id of the cluster's representative) and the
    /// similarity to it, for `--annotate`.
    pub cluster: Option<(&'a str, f32)>,
}

/// Names the writer uses for the fields it owns.
#[derive(Debug, Clone, Copy)]
pub struct FieldNames<'a> {
    /// The text field.
    pub text: &'a str,
    /// The id field.
    pub id: &'a str,
}

/// Writes `doc` as one JSON line (with `\n`) into `out`.
///
/// A JSON record gets its fields back in their order with the text
/// replaced; an added field whose name the record already has replaces
/// that field's value in place instead of repeating the key.
pub fn render(doc: &Document, names: FieldNames, extras: Extras, out: &mut Vec<u8>) {
    let mut added: Vec<(&str, AddedValue)> = Vec::new();
    if extras.credits && !doc.credits.is_empty() {
        added.push(("credits", AddedValue::Strings(&doc.credits)));
    }
    if let Some((cluster, sim)) = extras.cluster {
        added.push(("cluster", AddedValue::Str(cluster)));
        added.push(("similarity", AddedValue::Num(sim)));
    }
    out.reserve(rendered_len_hint(doc, names));
    out.push(b'{');
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
    };
    match &doc.meta {
        Meta::Json { fields, .. } => {
            for (key, value) in fields {
                sep(out);
                write_str(out, key);
                out.push(b':');
                if let Some(pos) = added.iter().position(|(k, _)| k == key) {
                    added.remove(pos).1.write(out);
                } else {
                    match value {
                        Some(raw) => out.extend_from_slice(raw.get().as_bytes()),
                        None => write_str(out, &doc.text),
                    }
                }
            }
        }
        Meta::None | Meta::File { .. } => {
            sep(out);
            write_str(out, names.id);
            out.push(b':');
            write_str(out, &doc.id);
            sep(out);
            write_str(out, names.text);
            out.push(b':');
            write_str(out, &doc.text);
        }
    }
    for (key, value) in added {
        sep(out);
        write_str(out, key);
        out.push(b':');
        value.write(out);
    }
    out.extend_from_slice(b"}\n");
}

/// About the size of [`render`]'s line (the text with a sixteenth more
/// for escapes), so that it is written into one allocation instead of a
/// chain of doublings.
fn rendered_len_hint(doc: &Document, names: FieldNames) -> usize {
    let text = doc.text.len() + doc.text.len() / 16;
    let rest = match &doc.meta {
        Meta::Json { fields, .. } => fields
            .iter()
            .map(|(k, v)| 4 + k.len() + v.as_ref().map_or(0, |r| r.get().len()))
            .sum(),
        Meta::None | Meta::File { .. } => 8 + names.id.len() + names.text.len() + doc.id.len(),
    };
    let credits: usize = doc.credits.iter().map(|c| 4 + c.len()).sum();
    text + rest + credits + 64
}

enum AddedValue<'a> {
    Str(&'a str),
    Strings(&'a [String]),
    Num(f32),
}

impl AddedValue<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            AddedValue::Str(s) => write_str(out, s),
            AddedValue::Strings(list) => {
                out.push(b'[');
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, s);
                }
                out.push(b']');
            }
            AddedValue::Num(x) => {
                // Four decimals are plenty for a similarity and keep output stable.
                let _ = write!(out, "{:.4}", if x.is_finite() { *x } else { 0.0 });
            }
        }
    }
}

/// Writes `s` as a JSON string, escaped byte for byte as `serde_json`
/// escapes it (`\"`, `\\`, `\b \f \n \r \t`, other controls as
/// `\u00xx`). Eight bytes at a time: a word's bytes to escape are found
/// with bit masks ([`escape_mask`]) and the runs between them copied as
/// they are (serde_json looks up every byte).
fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    // `b[copied..]` is not written yet.
    let mut copied = 0;
    let mut escape_at = |out: &mut Vec<u8>, j: usize| {
        out.extend_from_slice(&b[copied..j]);
        copied = j + 1;
        push_escape(out, b[j]);
    };
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut m = escape_mask(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        while m != 0 {
            escape_at(out, at + m.trailing_zeros() as usize / 8);
            m &= m - 1;
        }
        at += 8;
    }
    for (j, &c) in words.remainder().iter().enumerate() {
        if c < 0x20 || c == b'"' || c == b'\\' {
            escape_at(out, at + j);
        }
    }
    out.extend_from_slice(&b[copied..]);
    out.push(b'"');
}

/// The escape of byte `c` (below 0x20, `"` or `\`).
fn push_escape(out: &mut Vec<u8>, c: u8) {
    let short: &[u8] = match c {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0c => b"\\f",
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
            return;
        }
    };
    out.extend_from_slice(short);
}

/// The top bit of each byte of `w` that JSON escapes (below 0x20, `"` or
/// `\`), exactly: adding to the low seven bits of a byte never carries
/// into the next.
#[inline]
fn escape_mask(w: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let low7 = |x: u64| x & !HI;
    // Top bit set where a byte is 0x20 or more (or has its own top bit).
    let at_least_space = (low7(w) + LO * 0x60) | w;
    // Top bit set where a byte is not zero.
    let nonzero = |x: u64| (low7(x) + LO * 0x7f) | x;
    let quote = nonzero(w ^ (LO * u64::from(b'"')));
    let backslash = nonzero(w ^ (LO * u64::from(b'\\')));
    !(at_least_space & quote & backslash) & HI
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    proptest::proptest! {
        /// The escaper writes what serde_json writes, for text dense in
        /// bytes to escape and for any text.
        #[test]
        fn write_str_is_serde_json(
            s in proptest::prop_oneof![
                "[\\x00-\\x21\"\\\\a\\x7f\u{e9}\u{2028}\u{1f600}]{0,40}",
                "\\PC{0,80}",
            ]
        ) {
            let mut ours = Vec::new();
            write_str(&mut ours, &s);
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&s).unwrap());
        }
    }

    fn parse(line: &str) -> Result<Parsed, &'static str> {
        parse_record(line, "text", "id").map_err(|e| e.reason)
    }

    #[test]
    fn table() {
        let ok = parse(r#"{"id":7,"text":"a\nb","x":[1,{"y":2}]}"#).unwrap();
        assert_eq!(ok.id.as_deref(), Some("7"));
        assert_eq!(ok.text, "a\nb");
        assert_eq!(ok.fields.len(), 3);
        assert_eq!(
            parse(r#"{"id":"a","text":"t"}"#).unwrap().id.as_deref(),
            Some("a")
        );
        assert_eq!(parse(r#"{"text":"t"}"#).unwrap().id, None);
        let cases = [
            (r#"{"id":1,"text":"t""#, "truncated-json"),
            (r#"[1,2]"#, "not-an-object"),
            (r#""text""#, "not-an-object"),
            (r#"{"text":"a","text":"b"}"#, "duplicate-key"),
            (r#"{"id":1}"#, "missing-text"),
            (r#"{"text":5}"#, "text-not-string"),
            (r#"{"text":null}"#, "text-not-string"),
            (r#"{"text":"a"} x"#, "invalid-json"),
            (r#"{text:"a"}"#, "invalid-json"),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).err(), Some(reason), "{line}");
        }
    }

    #[test]
    fn deep_nesting_passes_through_without_recursion() {
        // Raw values are skipped without recursing, so depth costs no stack.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let line = format!(r#"{{"text":"a","x":{deep}}}"#);
        let p = parse(&line).unwrap();
        assert_eq!(
            p.fields[1].1.as_ref().map(|r| r.get().len()),
            Some(deep.len())
        );
        let unbalanced = format!(r#"{{"text":"a","x":{}}}"#, "[".repeat(100_000));
        assert!(parse(&unbalanced).is_err());
    }

    #[test]
    fn round_trip_keeps_fields_in_order() {
        let line = r#"{"z":1,"text":"old","id":"d1","meta":{"k":"v"}}"#;
        let p = parse_record(line, "text", "id").unwrap();
        let doc = Document {
            id: p.id.clone().unwrap(),
            text: "new \"quoted\"".into(),
            meta: Meta::Json {
                fields: p.fields,
                rel_path: Arc::from("x.jsonl"),
            },
            credits: vec!["Source: X".into()],
            source: crate::document::Source::memory(),
        };
        let mut out = Vec::new();
        render(
            &doc,
            FieldNames {
                text: "text",
                id: "id",
            },
            Extras {
                credits: true,
                cluster: Some(("d0", 0.9)),
            },
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"z\":1,\"text\":\"new \\\"quoted\\\"\",\"id\":\"d1\",\"meta\":{\"k\":\"v\"},\"credits\":[\"Source: X\"],\"cluster\":\"d0\",\"similarity\":0.9000}\n"
        );
    }
}
