//! Character classes the detector scores with: how plausible a decoded
//! character is as real text, which script a letter belongs to, and which
//! letters may stand alone as a one-letter word.

/// How plausible a character is as the result of a repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Never the result of a repair (controls, IPA, private use, rare marks).
    Bad,
    /// Real but rare; only repaired with strong evidence around it.
    Weak,
    /// Common in real text.
    Good,
}

/// The class of `c` as a repair result.
pub(crate) fn class(c: char) -> Class {
    use Class::*;
    let u = c as u32;
    match u {
        0x00..=0x9F => Bad,
        0xA0..=0xFF => Good,
        0x100..=0x17F => match c {
            'ſ' => Bad,
            'ĸ' | 'ŉ' | 'Ŀ' | 'ŀ' | 'Ĳ' | 'ĳ' | 'Ĩ' | 'ĩ' | 'Ũ' | 'ũ' | 'Ŧ' | 'ŧ' | 'Ŋ' | 'ŋ'
            | 'Ĭ' | 'ĭ' | 'Ŏ' | 'ŏ' | 'Ŭ' | 'ŭ' | 'Ĕ' | 'ĕ' | 'Ĉ' | 'ĉ' | 'Ĝ' | 'ĝ' | 'Ĥ' | 'ĥ'
            | 'Ĵ' | 'ĵ' | 'Ŝ' | 'ŝ' | 'Ŵ' | 'ŵ' | 'Ŷ' | 'ŷ' | 'Ġ' | 'Ħ' | 'ħ' => Weak,
            _ => Good,
        },
        0x180..=0x24F => match c {
            'ƒ' | 'Ơ' | 'ơ' | 'Ư' | 'ư' | 'Ș' | 'ș' | 'Ț' | 'ț' | 'ǎ' | 'ǐ' | 'ǒ' | 'ǔ' => {
                Good
            }
            _ => Weak,
        },
        0x250..=0x2AF => Bad,
        0x2B0..=0x2FF => match c {
            'ˆ' | '˜' | 'ˇ' | '˘' | '˙' | '˚' | '˛' | '˝' | 'ʼ' | 'ʻ' => Good,
            _ => Bad,
        },
        0x300..=0x36F => Good,
        0x370..=0x3CE => Good,
        // Greek symbol forms and archaic letters (ϐ ϑ ϕ ϖ Ϙ ...): rare in text.
        0x3CF..=0x3E1 => Weak,
        0x3E2..=0x3FF => Weak,
        0x400..=0x45F => Good,
        0x460..=0x489 => Weak,
        0x48A..=0x4FF => Good,
        0x500..=0x52F => Weak,
        0x531..=0x556 | 0x561..=0x587 => Good,
        0x530..=0x58F => Weak,
        0x591..=0x5C7 => Bad,
        0x5D0..=0x5EA | 0x5F0..=0x5F4 => Good,
        0x5C8..=0x5FF => Bad,
        0x610..=0x61A => Bad,
        0x64B..=0x65F => Weak,
        0x600..=0x6FF => Good,
        0x700..=0x8FF => Bad,
        0x900..=0xDFF => Good,
        0xE00..=0xEFF => Good,
        0xF00..=0xFFF => Weak,
        0x1000..=0x109F => Good,
        0x10A0..=0x10FF => Good,
        0x1100..=0x11FF => Weak,
        0x1200..=0x137F => Good,
        0x1780..=0x17FF => Good,
        0x1380..=0x1DFF => Bad,
        0x1E00..=0x1EFF => Good,
        0x1F00..=0x1FFF => Weak,
        0x200B..=0x200F | 0x2028..=0x202E => Weak,
        0x2060..=0x206F => Bad,
        0x2000..=0x205F => Good,
        0x2070..=0x20CF => Good,
        0x20D0..=0x20FF => Bad,
        0x2100..=0x27BF => Good,
        0x27C0..=0x2BFF => Weak,
        0x2C00..=0x2DFF => Weak,
        0x2E00..=0x2E7F => Good,
        0x2E80..=0x2FFF => Weak,
        0x3000..=0x30FF => Good,
        0x3100..=0x31FF => Weak,
        0x3200..=0x33FF => Good,
        0x3400..=0x4DBF => Weak,
        0x4DC0..=0x4DFF => Bad,
        0x4E00..=0x9FFF => Good,
        0xA000..=0xABFF => Bad,
        0xAC00..=0xD7A3 => Good,
        0xD7A4..=0xF8FF => Bad,
        0xF900..=0xFAFF => Weak,
        0xFB00..=0xFB06 => Good,
        0xFB07..=0xFDFF => Weak,
        0xFE00..=0xFE0F => Good,
        0xFE10..=0xFE1F => Weak,
        0xFE20..=0xFE2F => Bad,
        0xFE30..=0xFE4F => Good,
        0xFE50..=0xFEFF => Weak,
        0xFF01..=0xFFEF => Good,
        0xFFFD => Good,
        0xFF00..=0xFFFF => Bad,
        0x1F000..=0x1FAFF => Good,
        0x1D400..=0x1D7FF => Weak,
        0x20000..=0x3FFFF => Weak,
        0xE0000..=0xE007F => Weak,
        _ => Bad,
    }
}

/// Letter properties the detector asks about constantly, answered from a
/// table below U+2600 (std's Unicode lookups are a binary search for every
/// non-ASCII char) and by std above.
pub(crate) trait Letter {
    /// `char::is_alphabetic`.
    fn alpha(self) -> bool;
    /// `char::is_uppercase`.
    fn upper(self) -> bool;
    /// `char::is_lowercase`.
    fn lower(self) -> bool;
}

const TABLE_END: usize = 0x2600;
const ALPHA: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;

fn props(c: char) -> Option<u8> {
    static TABLE: std::sync::OnceLock<Box<[u8]>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..TABLE_END as u32)
            .map(|u| {
                let c = char::from_u32(u).unwrap_or('\0');
                (u8::from(c.is_alphabetic()) * ALPHA)
                    | (u8::from(c.is_uppercase()) * UPPER)
                    | (u8::from(c.is_lowercase()) * LOWER)
            })
            .collect()
    });
    table.get(c as usize).copied()
}

impl Letter for char {
    #[inline]
    fn alpha(self) -> bool {
        props(self).map_or_else(|| self.is_alphabetic(), |p| p & ALPHA != 0)
    }

    #[inline]
    fn upper(self) -> bool {
        props(self).map_or_else(|| self.is_uppercase(), |p| p & UPPER != 0)
    }

    #[inline]
    fn lower(self) -> bool {
        props(self).map_or_else(|| self.is_lowercase(), |p| p & LOWER != 0)
    }
}

/// Scripts the detector tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Latin letters and everything that is not a letter.
    Latin,
    /// Greek: single Greek letters are common in science text.
    Greek,
    /// Any other alphabet (Cyrillic, Hebrew, Arabic, Armenian, ...): a lone
    /// letter of it among Latin text or digits is suspicious. Numbers of 10
    /// and more are the CJK scripts (Hangul, kana, ideographs).
    Other(u8),
}

/// The script of a letter.
pub(crate) fn script(c: char) -> Script {
    match c as u32 {
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F => Script::Other(1),
        0x530..=0x58F => Script::Other(2),
        0x590..=0x5FF => Script::Other(3),
        0x600..=0x6FF => Script::Other(4),
        0x700..=0x8FF => Script::Other(5),
        0x900..=0xDFF => Script::Other(6),
        0xE00..=0xEFF => Script::Other(7),
        0x1100..=0x11FF | 0xAC00..=0xD7AF => Script::Other(10),
        0x3040..=0x30FF => Script::Other(11),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x20000..=0x3FFFF => Script::Other(12),
        _ => Script::Latin,
    }
}

/// Non-ASCII letters that are whole words in some language (`à`, `é`, `è`,
/// Russian `в`, ...), so a repair may produce them standing alone.
pub(crate) fn may_stand_alone(c: char) -> bool {
    matches!(
        c,
        'à' | 'À'
            | 'á'
            | 'é'
            | 'É'
            | 'è'
            | 'È'
            | 'ó'
            | 'ò'
            | 'ú'
            | 'í'
            | 'ä'
            | 'ö'
            | 'ü'
            | 'å'
            | 'ø'
            | 'æ'
            | 'ß'
            | 'а'
            | 'в'
            | 'и'
            | 'к'
            | 'о'
            | 'с'
            | 'у'
            | 'я'
            | 'А'
            | 'В'
            | 'И'
            | 'К'
            | 'О'
            | 'С'
            | 'У'
            | 'Я'
            | 'ο'
            | 'Ο'
            | 'Η'
            | 'Ή'
            | 'Ό'
            | 'η'
            | 'ή'
            | 'ό'
            | 'ω'
            | 'ù'
            | 'ì'
    ) || matches!(c as u32, 0xA1..=0xBF) // symbols are not words
}

/// Box drawing and block elements (DOS code page 437 mojibake).
pub(crate) fn is_box(c: char) -> bool {
    matches!(c as u32, 0x2500..=0x259F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(class('é'), Class::Good);
        assert_eq!(class('ʩ'), Class::Bad);
        assert_eq!(class('\u{85}'), Class::Bad);
        assert_eq!(class('ſ'), Class::Bad);
        assert_eq!(class('😀'), Class::Good);
        assert_eq!(class('\u{F659}'), Class::Bad);
        assert_eq!(class('ᴴ'), Class::Bad);
    }

    #[test]
    fn letter_table_agrees_with_std() {
        for u in 0..0x3000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            assert_eq!(c.alpha(), c.is_alphabetic(), "{c:?}");
            assert_eq!(c.upper(), c.is_uppercase(), "{c:?}");
            assert_eq!(c.lower(), c.is_lowercase(), "{c:?}");
        }
    }

    #[test]
    fn scripts() {
        assert_eq!(script('γ'), Script::Greek);
        assert_eq!(script('п'), Script::Other(1));
        assert_eq!(script('é'), Script::Latin);
    }
}
