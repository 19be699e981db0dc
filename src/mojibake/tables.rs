//! Single-byte code pages that UTF-8 gets mis-decoded with, both directions.
//!
//! The Windows and Mac pages are built once from `encoding_rs`, so the tables
//! cannot drift from the decoder the rest of scour uses. Bytes a page leaves
//! undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D in Windows-1252) decode to the C1
//! control of the same number, as browsers do; and every page also accepts
//! the C1 controls U+0080..U+009F back as their own byte, because Latin-1
//! decoding (which leaves C1 controls in the text) is mixed with the Windows
//! pages in the wild. IBM code page 437 (DOS box drawing) is not in
//! `encoding_rs`; its upper half is written out below.

/// Chars below this are mapped back by direct lookup: it covers Latin,
/// Greek, Cyrillic, general punctuation, currency and box drawing, so only
/// MacRoman's Apple logo and ligatures take the binary search.
const DIRECT_END: usize = 0x2600;

/// One code page: byte -> char for the upper half, char -> byte back.
#[derive(Debug, Clone)]
pub(crate) struct CodePage {
    /// Short name, used in change kinds and stats (`cp1252`, `macroman`, ...).
    pub name: &'static str,
    /// Change kind reported for UTF-8 decoded with this page.
    pub kind: &'static str,
    /// Chars of bytes 0x80..=0xFF.
    upper: [char; 128],
    /// (char, byte) sorted by char, for the way back.
    back: Vec<(char, u8)>,
    /// The way back for U+0080..[`DIRECT_END`] (every char of the Windows
    /// pages and of DOS 437), 0 = none; `back` holds the few above.
    low: Box<[u8]>,
}

impl CodePage {
    fn new(name: &'static str, kind: &'static str, upper: [char; 128]) -> Self {
        let mut back: Vec<(char, u8)> = Vec::with_capacity(160);
        for (i, &c) in upper.iter().enumerate() {
            // U+FFFD marks a byte the page leaves undefined above 0x9F; the
            // lossy-sequence logic handles U+FFFD itself.
            if c != '\u{FFFD}' {
                back.push((c, 0x80 + i as u8));
            }
        }
        // C1 controls come back as their own byte (Latin-1), unless the page
        // already maps that byte to them.
        for b in 0x80u8..=0x9F {
            let c = char::from(b);
            if !upper.contains(&c) {
                back.push((c, b));
            }
        }
        back.sort_unstable();
        back.dedup_by_key(|p| p.0);
        let mut low = vec![0u8; DIRECT_END - 0x80].into_boxed_slice();
        for &(c, b) in &back {
            if let Some(slot) = (c as usize).checked_sub(0x80).and_then(|i| low.get_mut(i)) {
                *slot = b;
            }
        }
        CodePage {
            name,
            kind,
            upper,
            back,
            low,
        }
    }

    fn from_encoding(
        name: &'static str,
        kind: &'static str,
        enc: &'static encoding_rs::Encoding,
    ) -> Self {
        let mut upper = ['\u{FFFD}'; 128];
        for (i, slot) in upper.iter_mut().enumerate() {
            let b = 0x80 + i as u8;
            let one = [b];
            *slot = match enc.decode_without_bom_handling_and_without_replacement(&one) {
                Some(s) => s.chars().next().unwrap_or(char::from(b)),
                // Undefined byte: browsers show the C1 control of that number;
                // above the C1 range there is nothing to show.
                None if b < 0xA0 => char::from(b),
                None => '\u{FFFD}',
            };
        }
        CodePage::new(name, kind, upper)
    }

    /// The byte `c` has in this page, if any (ASCII maps to itself).
    #[inline]
    pub fn byte_of(&self, c: char) -> Option<u8> {
        if c.is_ascii() {
            return Some(c as u8);
        }
        if let Some(&b) = (c as usize).checked_sub(0x80).and_then(|i| self.low.get(i)) {
            return (b != 0).then_some(b);
        }
        self.back
            .binary_search_by_key(&c, |p| p.0)
            .ok()
            .and_then(|i| self.back.get(i))
            .map(|p| p.1)
    }

    /// The char byte `b` decodes to in this page.
    #[inline]
    pub fn char_of(&self, b: u8) -> char {
        if b < 0x80 {
            char::from(b)
        } else {
            self.upper[usize::from(b - 0x80)]
        }
    }
}

/// Upper half of IBM code page 437.
const CP437_UPPER: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{A0}',
];

/// Index of the Windows-1252 page in [`pages`] (also used for stray C1s).
pub(crate) const CP1252: usize = 0;

/// Every page the detector tries, most common first (ties go to the first).
pub(crate) fn pages(dos: bool) -> Vec<CodePage> {
    use encoding_rs::{
        ISO_8859_2, MACINTOSH, WINDOWS_1250, WINDOWS_1251, WINDOWS_1252, WINDOWS_1253,
        WINDOWS_1254, WINDOWS_1257,
    };
    let mut v = vec![
        CodePage::from_encoding("cp1252", "utf8-as-cp1252", WINDOWS_1252),
        CodePage::from_encoding("macroman", "utf8-as-macroman", MACINTOSH),
        CodePage::from_encoding("cp1250", "utf8-as-cp1250", WINDOWS_1250),
        CodePage::from_encoding("latin2", "utf8-as-latin2", ISO_8859_2),
        CodePage::from_encoding("cp1251", "utf8-as-cp1251", WINDOWS_1251),
        CodePage::from_encoding("cp1253", "utf8-as-cp1253", WINDOWS_1253),
        CodePage::from_encoding("cp1254", "utf8-as-cp1254", WINDOWS_1254),
        CodePage::from_encoding("cp1257", "utf8-as-cp1257", WINDOWS_1257),
    ];
    if dos {
        v.push(CodePage::new("cp437", "utf8-as-cp437", CP437_UPPER));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_round_trips_and_keeps_undefined_bytes_as_c1() {
        let p = &pages(true)[CP1252];
        for b in 0x80u8..=0xFF {
            assert_eq!(p.byte_of(p.char_of(b)), Some(b), "byte {b:#x}");
        }
        assert_eq!(p.char_of(0x81), '\u{81}');
        assert_eq!(p.char_of(0x80), '€');
        assert_eq!(p.byte_of('’'), Some(0x92));
        // Latin-1 reading: the C1 control comes back as its byte too.
        assert_eq!(p.byte_of('\u{92}'), Some(0x92));
    }

    #[test]
    fn every_page_round_trips() {
        for p in pages(true) {
            for b in 0x80u8..=0xFF {
                if p.char_of(b) == '\u{FFFD}' {
                    continue;
                }
                assert_eq!(p.byte_of(p.char_of(b)), Some(b), "{} {b:#x}", p.name);
            }
        }
    }

    #[test]
    fn known_letters() {
        let v = pages(true);
        let find = |n: &str| v.iter().find(|p| p.name == n).cloned();
        let mac = find("macroman").unwrap_or_else(|| v[0].clone());
        assert_eq!(mac.char_of(0xC3), '√');
        let cyr = find("cp1251").unwrap_or_else(|| v[0].clone());
        assert_eq!(cyr.char_of(0xD0), 'Р');
        let dos = find("cp437").unwrap_or_else(|| v[0].clone());
        assert_eq!(dos.char_of(0xC4), '─');
    }
}
