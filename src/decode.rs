//! Bytes -> UTF-8, before any stage sees a document.
//!
//! ```text
//! BOM present            -> that encoding (UTF-8, UTF-16LE, UTF-16BE)
//! valid UTF-8            -> taken as is, without copying
//! NUL bytes in a pattern -> UTF-16 without BOM (ASCII-heavy text has a NUL
//!                           in every other byte), else binary: rejected
//! almost valid UTF-8     -> UTF-8 with U+FFFD for the few bad bytes (a file
//!                           damaged in the middle is still UTF-8, and guessing
//!                           a legacy code page would garble all of it)
//! anything else          -> the legacy encoding chardetng guesses, decoded
//!                           with encoding_rs
//! ```
//! Text that still looks binary after decoding (many C0 control characters)
//! is rejected: a cleaning tool must not pass it on as prose.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// How a document's bytes were decoded, counted in the run report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// Valid UTF-8 without BOM (no copy).
    Utf8,
    /// UTF-8 with a byte order mark.
    Utf8Bom,
    /// UTF-16 (LE or BE) with a BOM.
    Utf16Bom(&'static Encoding),
    /// UTF-16 without BOM, recognised by the position of its NUL bytes.
    Utf16NoBom(&'static Encoding),
    /// Mostly UTF-8 with a few invalid bytes, replaced by U+FFFD.
    Utf8Lossy,
    /// A legacy encoding guessed by chardetng.
    Legacy(&'static Encoding),
}

impl Decoding {
    /// The name used in the run report.
    pub fn name(self) -> String {
        match self {
            Decoding::Utf8 => "utf-8".into(),
            Decoding::Utf8Bom => "utf-8-bom".into(),
            Decoding::Utf16Bom(e) => format!("{}-bom", e.name().to_ascii_lowercase()),
            Decoding::Utf16NoBom(e) => format!("{}-nobom", e.name().to_ascii_lowercase()),
            Decoding::Utf8Lossy => "utf-8-lossy".into(),
            Decoding::Legacy(e) => e.name().to_ascii_lowercase(),
        }
    }
}

/// Why bytes could not be made into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// NUL bytes or control characters: not text.
    Binary(&'static str),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Binary(why) => write!(f, "binary data ({why})"),
        }
    }
}

/// Fraction of invalid UTF-8 sequences (per byte) up to which a file is
/// still taken as damaged UTF-8 rather than a legacy encoding.
const LOSSY_UTF8_MAX: f64 = 0.001;

/// Decodes `bytes` into a `String`, reusing the allocation when the bytes
/// are already valid UTF-8. On failure the bytes come back with the error,
/// so that the reject can show them.
pub fn decode(bytes: Vec<u8>) -> Result<(String, Decoding), (DecodeError, Vec<u8>)> {
    let bytes = match String::from_utf8(bytes) {
        // NULs may be UTF-16 without BOM: the slow path looks.
        Ok(text)
            if !text.starts_with('\u{feff}') && memchr::memchr(0, text.as_bytes()).is_none() =>
        {
            return match check_text(&text) {
                Ok(()) => Ok((text, Decoding::Utf8)),
                Err(e) => Err((e, text.into_bytes())),
            };
        }
        Ok(text) => text.into_bytes(),
        Err(e) => e.into_bytes(),
    };
    let (text, how) = decode_slow(&bytes)?;
    match check_text(&text) {
        Ok(()) => Ok((text, how)),
        Err(e) => Err((e, bytes)),
    }
}

/// Everything but the common case of valid UTF-8 without BOM.
fn decode_slow(bytes: &[u8]) -> Result<(String, Decoding), (DecodeError, Vec<u8>)> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        let (text, _) = enc.decode_without_bom_handling(body);
        let how = if enc == UTF_8 {
            Decoding::Utf8Bom
        } else {
            Decoding::Utf16Bom(enc)
        };
        return Ok((text.into_owned(), how));
    }
    if memchr::memchr(0, bytes).is_some() {
        return match utf16_without_bom(bytes) {
            Some(enc) => {
                let (text, _) = enc.decode_without_bom_handling(bytes);
                Ok((text.into_owned(), Decoding::Utf16NoBom(enc)))
            }
            None => Err((DecodeError::Binary("NUL bytes"), bytes.to_vec())),
        };
    }
    if invalid_utf8_fraction(bytes) <= LOSSY_UTF8_MAX {
        return Ok((
            String::from_utf8_lossy(bytes).into_owned(),
            Decoding::Utf8Lossy,
        ));
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let enc = detector.guess(None, false);
    let (text, _) = enc.decode_without_bom_handling(bytes);
    Ok((text.into_owned(), Decoding::Legacy(enc)))
}

/// UTF-16 without BOM: an even length and, among the first bytes, NULs
/// almost only at odd (LE) or even (BE) positions, as ASCII-heavy text has.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let pairs = sample.len() / 2;
    // Most code units of Latin text are ASCII (one NUL byte each); none of
    // them has two NULs unless the text holds U+0000.
    if odd * 10 >= pairs * 3 && even * 20 <= pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 3 && odd * 20 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Invalid sequences per byte, counted with the standard library's decoder.
fn invalid_utf8_fraction(mut bytes: &[u8]) -> f64 {
    let total = bytes.len().max(1) as f64;
    let mut invalid = 0usize;
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(_) => break,
            Err(e) => {
                invalid += 1;
                let skip = e.valid_up_to() + e.error_len().unwrap_or(bytes.len() - e.valid_up_to());
                bytes = bytes.get(skip..).unwrap_or_default();
            }
        }
    }
    invalid as f64 / total
}

/// Rejects decoded text that is not prose: NULs, or more than 10% C0
/// control characters other than tab, newline, carriage return, form feed.
fn check_text(text: &str) -> Result<(), DecodeError> {
    if memchr::memchr(0, text.as_bytes()).is_some() {
        return Err(DecodeError::Binary("NUL characters"));
    }
    let controls = text
        .bytes()
        .filter(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if controls * 10 > text.len() {
        return Err(DecodeError::Binary("control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn table() {
        // (bytes, Some((text, encoding name)) or None for a rejection)
        type Case = (Vec<u8>, Option<(&'static str, &'static str)>);
        let cases: Vec<Case> = vec![
            (b"plain".to_vec(), Some(("plain", "utf-8"))),
            (b"\xef\xbb\xbfbom".to_vec(), Some(("bom", "utf-8-bom"))),
            (
                [&[0xff, 0xfe][..], &utf16le("h\u{e9}llo")].concat(),
                Some(("h\u{e9}llo", "utf-16le-bom")),
            ),
            (
                utf16le("hello world"),
                Some(("hello world", "utf-16le-nobom")),
            ),
            (
                b"caf\xe9 cr\xe8me br\xfbl\xe9e".to_vec(),
                Some(("caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e", "windows-1252")),
            ),
            (b"\x00\x01\x02\x03\xff\x00\x10".to_vec(), None),
            (b"\x01\x02\x03\x04\x05abc".to_vec(), None),
        ];
        for (bytes, want) in cases {
            let got = decode(bytes.clone())
                .map(|(t, d)| (t, d.name()))
                .map_err(|(e, b)| {
                    assert_eq!(b, bytes);
                    e
                });
            match want {
                Some((text, name)) => {
                    assert_eq!(got, Ok((text.to_string(), name.to_string())), "{bytes:?}")
                }
                None => assert!(got.is_err(), "{bytes:?} -> {got:?}"),
            }
        }
    }

    #[test]
    fn one_bad_byte_in_long_utf8_stays_utf8() {
        let mut bytes = "na\u{ef}ve caf\u{e9} ".repeat(200).into_bytes();
        bytes.insert(500, 0xff);
        let (text, how) = decode(bytes).unwrap();
        assert_eq!(how, Decoding::Utf8Lossy);
        assert!(text.contains("caf\u{e9}"));
        assert!(text.contains('\u{fffd}'));
    }
}
