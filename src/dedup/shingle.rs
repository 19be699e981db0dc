//! Normalization and shingling: text -> normalized words -> hashed word
//! n-grams.
//!
//! ```text
//! normalize(text):
//!     for each char c:
//!         letter or digit in a script written with spaces -> lowercase it
//!             (and with fold_digits, every digit becomes '0') into the word
//!         letter of a script written without spaces (CJK, kana, Thai, Lao,
//!             Khmer, Myanmar) -> a word of its own, so that word n-grams
//!             over them are character n-grams
//!         anything else (punctuation, symbols, whitespace) -> ends the word
//!     words are joined by single spaces
//! shingles(normalized):
//!     fewer than n words -> one shingle, the whole text (if any)
//!     else for i in 0..=words-n: xxh3(seed, bytes of words i..i+n)
//! ```
//!
//! Because words are joined by exactly one space, the n-gram `i` is the
//! contiguous slice from the start of word `i` to the end of word
//! `i + n - 1`: it is hashed in place, with no allocation per shingle.

use xxhash_rust::xxh3::{xxh3_128_with_seed, xxh3_64_with_seed};

/// Settings of shingling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShingleConfig {
    /// Words (or characters, for scripts without spaces) per shingle.
    pub ngram: usize,
    /// Seed of the shingle hash.
    pub seed: u64,
    /// Fold every digit to `0` (so `2023` and `2024` read the same).
    pub fold_digits: bool,
}

/// Reusable buffers of [`Shingler`]: the normalized text and where its
/// words start.
#[derive(Debug, Default, Clone)]
pub struct ShingleScratch {
    /// The normalized text of the last call.
    pub normalized: String,
    /// Byte offset of each word's start in `normalized`, then one sentinel
    /// (`normalized.len() + 1`).
    starts: Vec<usize>,
}

impl ShingleScratch {
    /// Words of the last normalized text.
    pub fn words(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }
}

/// Normalizes text and hashes its shingles. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Shingler {
    config: ShingleConfig,
}

/// Whether `c` belongs to a script written without spaces between words,
/// whose letters are therefore shingled one character at a time.
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF        // Thai, Lao
        | 0x1000..=0x109F      // Myanmar
        | 0x1780..=0x17FF      // Khmer
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFF66..=0xFF9F      // halfwidth Katakana
        | 0x20000..=0x3134F    // CJK extensions B-G
    )
}

impl Shingler {
    /// A shingler; `ngram` 0 is taken as 1.
    pub fn new(mut config: ShingleConfig) -> Shingler {
        config.ngram = config.ngram.max(1);
        Shingler { config }
    }

    /// The settings.
    pub fn config(&self) -> &ShingleConfig {
        &self.config
    }

    /// Normalizes `text` into `scratch.normalized` (case-folded, punctuation
    /// removed, whitespace collapsed to single spaces) and records where the
    /// words start.
    pub fn normalize(&self, text: &str, scratch: &mut ShingleScratch) {
        let out = &mut scratch.normalized;
        let starts = &mut scratch.starts;
        out.clear();
        starts.clear();
        out.reserve(text.len());
        // Whether the last thing pushed was part of a word that may go on.
        let mut in_word = false;
        // Whether the last char was one of a script without spaces.
        let mut after_unspaced = false;
        let fold = self.config.fold_digits;
        for c in text.chars() {
            if c.is_ascii() {
                // The fast path: almost all of news text.
                let b = c as u8;
                if b.is_ascii_alphanumeric() {
                    if !in_word {
                        start_word(out, starts);
                        in_word = true;
                    }
                    let b = if fold && b.is_ascii_digit() {
                        b'0'
                    } else {
                        b.to_ascii_lowercase()
                    };
                    out.push(b as char);
                } else {
                    in_word = false;
                }
            } else if is_unspaced(c) {
                if c.is_alphanumeric() || !after_unspaced {
                    start_word(out, starts);
                }
                // else: a combining mark (Thai tone marks) stays with the
                // character before it.
                out.push(c);
                in_word = false;
                after_unspaced = true;
                continue;
            } else if c.is_alphanumeric() {
                if !in_word {
                    start_word(out, starts);
                    in_word = true;
                }
                if fold && c.is_numeric() {
                    out.push('0');
                } else if c.is_lowercase() || !c.is_uppercase() {
                    out.push(c);
                } else {
                    out.extend(c.to_lowercase());
                }
            } else if in_word && is_mark(c) {
                // Combining accents belong to their word.
                out.push(c);
            } else {
                in_word = false;
            }
            after_unspaced = false;
        }
        starts.push(out.len() + 1);
    }

    /// Normalizes `text` and writes the hash of each shingle to `out`
    /// (cleared first). Returns the 128-bit hash of the normalized text,
    /// which identifies exact copies (of a text with no words: of the raw
    /// bytes, so that texts of punctuation alone are not all one copy).
    pub fn hash_into(&self, text: &str, scratch: &mut ShingleScratch, out: &mut Vec<u64>) -> u128 {
        self.normalize(text, scratch);
        out.clear();
        let norm = scratch.normalized.as_bytes();
        let seed = self.config.seed;
        let words = scratch.words();
        if words == 0 {
            return xxh3_128_with_seed(text.as_bytes(), seed ^ 0x5bd1_e995);
        }
        let n = self.config.ngram;
        if words < n {
            out.push(xxh3_64_with_seed(norm, seed));
        } else {
            out.reserve(words + 1 - n);
            let starts = &scratch.starts;
            // Word i+n-1 ends one byte before word i+n starts (the sentinel
            // stands for the end of the text).
            for (&s, &e) in starts.iter().zip(&starts[n..]) {
                if let Some(gram) = norm.get(s..e - 1) {
                    out.push(xxh3_64_with_seed(gram, seed));
                }
            }
        }
        xxh3_128_with_seed(norm, seed)
    }
}

fn start_word(out: &mut String, starts: &mut Vec<usize>) {
    if !out.is_empty() {
        out.push(' ');
    }
    starts.push(out.len());
}

/// Combining marks that keep a word together (accents written as separate
/// code points).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shingler(n: usize) -> Shingler {
        Shingler::new(ShingleConfig {
            ngram: n,
            seed: 7,
            fold_digits: false,
        })
    }

    fn norm(s: &Shingler, text: &str) -> String {
        let mut scratch = ShingleScratch::default();
        s.normalize(text, &mut scratch);
        scratch.normalized
    }

    #[test]
    fn normalize_table() {
        let s = shingler(3);
        let cases = [
            ("Hello, World!", "hello world"),
            ("  many\n\n spaces\t here ", "many spaces here"),
            ("Don't STOP", "don t stop"),
            ("Ünïcödé ÉTÉ", "ünïcödé été"),
            ("e\u{301}te\u{301}", "e\u{301}te\u{301}"),
            ("東京タワー is tall", "東 京 タ ワ ー is tall"),
            ("ภาษาไทย", "ภ า ษ า ไ ท ย"),
            ("", ""),
            ("...!!!", ""),
            ("a1b2 3.5", "a1b2 3 5"),
        ];
        for (input, want) in cases {
            assert_eq!(norm(&s, input), want, "input {input:?}");
        }
    }

    #[test]
    fn fold_digits() {
        let s = Shingler::new(ShingleConfig {
            ngram: 2,
            seed: 0,
            fold_digits: true,
        });
        assert_eq!(norm(&s, "Up 2.5% in 2024"), "up 0 0 in 0000");
    }

    #[test]
    fn shingles_are_hashes_of_word_ngrams() {
        let s = shingler(2);
        let mut scratch = ShingleScratch::default();
        let mut out = Vec::new();
        s.hash_into("The quick, brown FOX", &mut scratch, &mut out);
        let want: Vec<u64> = ["the quick", "quick brown", "brown fox"]
            .iter()
            .map(|g| xxh3_64_with_seed(g.as_bytes(), 7))
            .collect();
        assert_eq!(out, want);
    }

    #[test]
    fn short_texts_are_one_shingle() {
        let s = shingler(5);
        let mut scratch = ShingleScratch::default();
        let mut out = Vec::new();
        s.hash_into("two words", &mut scratch, &mut out);
        assert_eq!(out, vec![xxh3_64_with_seed(b"two words", 7)]);
        s.hash_into("?!", &mut scratch, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn exact_hash_ignores_case_and_punctuation_only() {
        let s = shingler(5);
        let mut scratch = ShingleScratch::default();
        let mut out = Vec::new();
        let a = s.hash_into("Hello, world.", &mut scratch, &mut out);
        let b = s.hash_into("hello   WORLD", &mut scratch, &mut out);
        let c = s.hash_into("hello worlds", &mut scratch, &mut out);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let p = s.hash_into("!!!", &mut scratch, &mut out);
        let q = s.hash_into("???", &mut scratch, &mut out);
        assert_ne!(p, q);
    }
}
