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
//!     fewer than n words -> one shingle of all the words (if any)
//!     else for i in 0..=words-n: gram_hash(xxh3(word i), ..., xxh3(word i+n-1))
//! ```
//!
//! Every word is hashed once (in place in the normalized text, with no
//! allocation per word or shingle) and each shingle's hash combines its
//! words' hashes, so every byte goes through xxh3 once, not `n` times.

use crate::swar;
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
    /// The normalized text of the last call (UTF-8).
    normalized: Vec<u8>,
    /// Hash of each word.
    word_hashes: Vec<u64>,
    /// Byte offset of each word's start in `normalized`, then one sentinel
    /// (`normalized.len() + 1`).
    starts: Vec<usize>,
}

impl ShingleScratch {
    /// The normalized text of the last call.
    pub fn normalized(&self) -> &str {
        std::str::from_utf8(&self.normalized).unwrap_or("")
    }

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
        // Local vectors (given back at the end): the compiler keeps their
        // pointers and lengths in registers, which it cannot do through
        // `&mut scratch`.
        let mut out = std::mem::take(&mut scratch.normalized);
        let mut starts = std::mem::take(&mut scratch.starts);
        self.normalize_into(text, &mut out, &mut starts);
        scratch.normalized = out;
        scratch.starts = starts;
    }

    fn normalize_into(&self, text: &str, out: &mut Vec<u8>, starts: &mut Vec<usize>) {
        out.clear();
        starts.clear();
        out.reserve(text.len() + 1);
        // Whether the last thing pushed was part of a word that may go on.
        let mut in_word = false;
        // Whether the last char was one of a script without spaces.
        let mut after_unspaced = false;
        let fold = self.config.fold_digits;
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                // The fast path: a run of ASCII, almost all of news text.
                let end = i + ascii_prefix(&bytes[i..]);
                in_word = ascii_run(&bytes[i..end], fold, in_word, out, starts);
                after_unspaced = false;
                i = end;
                continue;
            }
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            if is_unspaced(c) {
                if c.is_alphanumeric() || !after_unspaced {
                    start_word(out, starts);
                }
                // else: a combining mark (Thai tone marks) stays with the
                // character before it.
                push_char(out, c);
                in_word = false;
                after_unspaced = true;
                continue;
            }
            after_unspaced = false;
            if c.is_alphanumeric() {
                if !in_word {
                    start_word(out, starts);
                    in_word = true;
                }
                if fold && c.is_numeric() {
                    out.push(b'0');
                } else if !c.is_uppercase() {
                    push_char(out, c);
                } else {
                    for l in c.to_lowercase() {
                        push_char(out, l);
                    }
                }
            } else if in_word && is_mark(c) {
                // Combining accents belong to their word.
                push_char(out, c);
            } else {
                in_word = false;
            }
        }
        starts.push(out.len() + 1);
    }

    /// Normalizes `text` and writes the hash of each shingle to `out`
    /// (cleared first). Returns the 128-bit hash of the normalized text,
    /// which identifies exact copies (of a text with no words: of the raw
    /// bytes, so that texts of punctuation alone are not all one copy).
    ///
    /// Each word is hashed once with xxh3; a shingle's hash combines the
    /// hashes of its words ([`gram_hash`]), so every byte goes through xxh3
    /// once rather than `ngram` times.
    pub fn hash_into(&self, text: &str, scratch: &mut ShingleScratch, out: &mut Vec<u64>) -> u128 {
        self.normalize(text, scratch);
        out.clear();
        let seed = self.config.seed;
        let words = scratch.words();
        if words == 0 {
            return xxh3_128_with_seed(text.as_bytes(), seed ^ 0x5bd1_e995);
        }
        let exact = xxh3_128_with_seed(&scratch.normalized, seed);
        // Sixteen zero bytes after the text, so that every word of up to 16
        // bytes can be read as one 16-byte block (taken off again below).
        let text_len = scratch.normalized.len();
        scratch.normalized.extend_from_slice(&[0u8; 16]);
        let norm = scratch.normalized.as_slice();
        let wh = &mut scratch.word_hashes;
        wh.clear();
        // Word w ends one byte before word w+1 starts (the sentinel stands
        // for the end of the text).
        for (&s, &e) in scratch.starts.iter().zip(&scratch.starts[1..]) {
            wh.push(word_hash(norm, s, e - 1, seed));
        }
        scratch.normalized.truncate(text_len);
        let n = self.config.ngram;
        if words < n {
            out.push(gram_hash(wh));
        } else {
            out.extend(wh.windows(n).map(gram_hash));
        }
        exact
    }
}

/// The xxh3 of the word `norm[s..e]`. A word of up to 16 bytes (nearly
/// all) is hashed as a 16-byte block, zero-padded: xxh3 then takes one
/// code path for every word instead of branching on its length, which
/// mispredicts about once a word. Words hold no zero bytes, so the padded
/// block still identifies the word. `norm` has 16 bytes of padding after
/// the last word.
#[inline]
fn word_hash(norm: &[u8], s: usize, e: usize, seed: u64) -> u64 {
    let len = e.saturating_sub(s);
    if (1..=16).contains(&len) {
        if let Some(block) = norm
            .get(s..s + 16)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
        {
            let x = u128::from_le_bytes(block) & (u128::MAX >> (128 - 8 * len));
            return xxh3_64_with_seed(&x.to_le_bytes(), seed);
        }
    }
    xxh3_64_with_seed(norm.get(s..e).unwrap_or(&[]), seed)
}

/// The hash of a shingle from the hashes of its words: each word's hash
/// rotated by its position (so order matters), summed, then mixed
/// (SplitMix64's finalizer) so that every bit of the result depends on
/// every word. Independent rotations and adds keep the loop short.
#[inline]
pub fn gram_hash(words: &[u64]) -> u64 {
    let mut h = words.len() as u64;
    for (j, &w) in words.iter().enumerate() {
        h = h.wrapping_add(w.rotate_left((j as u32).wrapping_mul(23) % 64));
    }
    super::minhash::mix64(h)
}

/// ASCII letters and digits to their lowercase selves, anything else to 0
/// (a table beats two range checks and a case test).
static ASCII_FOLD: [u8; 128] = ascii_table(false);
/// [`ASCII_FOLD`] with every digit as `0`.
static ASCII_FOLD_DIGITS: [u8; 128] = ascii_table(true);

const fn ascii_table(fold_digits: bool) -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_digit() && fold_digits {
            t[b] = b'0';
        } else if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
}

/// Length of the leading ASCII bytes of `b`, eight bytes at a time.
#[inline]
fn ascii_prefix(b: &[u8]) -> usize {
    let mut i = 0;
    for chunk in b.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0x80; 8]));
        let high = word & swar::HI;
        if high != 0 {
            return i + (high.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|&c| c >= 0x80)
        .unwrap_or(b.len() - i)
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Normalizes a run of ASCII bytes onto `out`, recording word starts;
/// returns whether the run ends inside a word.
///
/// Eight bytes at a time where the chunk's separators are single bytes
/// between words (most of running text): the chunk maps byte for byte
/// (letters and digits folded, any other byte a space), so it is written
/// with one store and its word starts read off a bit mask. A chunk with a
/// run of two or more separators (", ", "\n\n", a run that began in the
/// chunk before) collapses and takes [`ascii_bytes`], a byte at a time.
fn ascii_run(
    run: &[u8],
    fold_digits: bool,
    in_word: bool,
    out: &mut Vec<u8>,
    starts: &mut Vec<usize>,
) -> bool {
    let table = if fold_digits {
        &ASCII_FOLD_DIGITS
    } else {
        &ASCII_FOLD
    };
    let mut j = out.len();
    let mut w = starts.len();
    // Each byte adds at most two (a space and itself) and words are at
    // most one in two bytes, plus room for a chunk's whole stores.
    out.resize(j + 2 * run.len() + 16, 0);
    starts.resize(w + run.len() / 2 + 8, 0);
    let mut iw = in_word;
    let mut chunks = run.chunks_exact(8);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let written = ascii_chunk(x, fold_digits, iw).and_then(|c| {
            c.write(iw, j, w, out, starts)
                .map(|(j, w)| (j, w, c.ends_in_word))
        });
        (j, w, iw) = match written {
            Some(state) => state,
            None => ascii_bytes(chunk, table, iw, j, w, out, starts),
        };
    }
    (j, w, iw) = ascii_bytes(chunks.remainder(), table, iw, j, w, out, starts);
    out.truncate(j);
    starts.truncate(w);
    iw
}

/// One chunk of eight ASCII bytes as [`ascii_run`] writes it in one go.
struct AsciiChunk {
    /// The bytes folded: letters lowercase, digits themselves (or `0`),
    /// anything else a space.
    mapped: u64,
    /// Bit `i`: a word starts at byte `i`.
    starts: u32,
    /// Whether the last byte is a letter or a digit.
    ends_in_word: bool,
}

impl AsciiChunk {
    /// Writes the chunk at output length `j` with `w` word starts so far
    /// (after a byte inside a word when `in_word`); returns the new `j`
    /// and `w`, or `None` (nothing written) when `out` or `starts` has no
    /// room for its whole stores, which [`ascii_run`]'s sizing rules out.
    fn write(
        &self,
        in_word: bool,
        j: usize,
        w: usize,
        out: &mut [u8],
        starts: &mut [usize],
    ) -> Option<(usize, usize)> {
        // A word that starts the chunk after a separator in the chunk
        // before gets its space first (none at the start of the output).
        let lead = usize::from(!in_word && j != 0);
        let at = j + lead;
        let o = out.get_mut(j..at + 8)?;
        let st = <&mut [usize; 4]>::try_from(starts.get_mut(w..w + 4)?).ok()?;
        // The mapped bytes overwrite the space when there is no lead.
        o[0] = b' ';
        o[lead..].copy_from_slice(&self.mapped.to_le_bytes());
        // At most four starts (they are never adjacent); all four slots
        // are written, the count says which hold.
        let mut bits = self.starts;
        for slot in st.iter_mut() {
            *slot = at + bits.trailing_zeros() as usize;
            bits &= bits.wrapping_sub(1);
        }
        // A separator that ends the chunk is not written out: the next
        // word's space stands for it.
        let j = at + 8 - usize::from(!self.ends_in_word);
        Some((j, w + self.starts.count_ones() as usize))
    }
}

/// The chunk `x` mapped byte for byte, or `None` when it holds two
/// separators in a row (counting the byte before it, a separator unless
/// `in_word`): those collapse to one space, which a byte-for-byte map
/// cannot write.
#[inline]
fn ascii_chunk(x: u64, digit_fold: bool, in_word: bool) -> Option<AsciiChunk> {
    let (letter, digit) = (swar::letters(x), swar::digits(x));
    let word = swar::gather(letter | digit);
    let sep = !word & 0xff;
    // Bit i: byte i - 1 is a separator (bit 0: the byte before the chunk).
    let sep_before = (sep << 1) | u32::from(!in_word);
    if sep & sep_before != 0 {
        return None;
    }
    // Top bits to whole bytes of ones.
    let full = |top: u64| (top >> 7) * 0xff;
    let (letters, digits) = (full(letter), full(digit));
    let digit_bytes = if digit_fold {
        swar::LO * u64::from(b'0')
    } else {
        x
    };
    // Bit 5 (the top bit moved down two) makes a letter lower case.
    let mapped = ((x | (letter >> 2)) & letters)
        | (digit_bytes & digits)
        | ((swar::LO * u64::from(b' ')) & !(letters | digits));
    Some(AsciiChunk {
        mapped,
        starts: word & sep_before,
        ends_in_word: word & 0x80 != 0,
    })
}

/// [`ascii_run`] a byte at a time, from output length `j` and `w` starts;
/// returns the new `j`, `w` and whether the bytes end inside a word.
///
/// Branch-free per byte: word boundaries come every few bytes at random,
/// so a branch on them mispredicts about once a word. Instead every byte
/// writes a space and its folded self at `j` and advances `j` by 0, 1 or 2
/// (the space is overwritten unless a word starts there); a word start
/// writes its offset to `starts` and advances `w` by one.
fn ascii_bytes(
    bytes: &[u8],
    table: &[u8; 128],
    in_word: bool,
    mut j: usize,
    mut w: usize,
    out: &mut [u8],
    starts: &mut [usize],
) -> (usize, usize, bool) {
    let mut iw = in_word as usize;
    for &b in bytes {
        let m = table[(b & 0x7f) as usize];
        let alnum = (m != 0) as usize;
        let start = alnum & (iw ^ 1);
        out[j] = b' ';
        j += start & ((j != 0) as usize);
        starts[w] = j;
        w += start;
        out[j] = m;
        j += alnum;
        iw = alnum;
    }
    (j, w, iw == 1)
}

fn start_word(out: &mut Vec<u8>, starts: &mut Vec<usize>) {
    if !out.is_empty() {
        out.push(b' ');
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

    /// xxh3 of a short word padded to 16 bytes, the long way.
    fn padded(word: &str, seed: u64) -> u64 {
        let mut b = [0u8; 16];
        b[..word.len()].copy_from_slice(word.as_bytes());
        xxh3_64_with_seed(&b, seed)
    }

    #[test]
    fn long_and_short_words_hash_apart() {
        let s = shingler(1);
        let mut scratch = ShingleScratch::default();
        let mut out = Vec::new();
        s.hash_into("ab abc supercalifragilistic abc", &mut scratch, &mut out);
        assert_eq!(out[1], out[3]);
        assert_eq!(out[1], gram_hash(&[padded("abc", 7)]));
        let long = xxh3_64_with_seed(b"supercalifragilistic", 7);
        assert_eq!(out[2], gram_hash(&[long]));
        assert_ne!(out[0], out[1]);
    }

    fn norm(s: &Shingler, text: &str) -> String {
        let mut scratch = ShingleScratch::default();
        s.normalize(text, &mut scratch);
        scratch.normalized().to_owned()
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

    /// The slow, obvious normalization of ASCII text.
    fn naive(text: &str, fold: bool) -> String {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let w = w.to_ascii_lowercase();
                if fold {
                    w.chars()
                        .map(|c| if c.is_ascii_digit() { '0' } else { c })
                        .collect()
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        #[test]
        fn ascii_prefix_matches_a_byte_scan(
            bytes in proptest::collection::vec(proptest::prop_oneof![0u8..0x80, 0x80u8..=255], 0..40),
            ascii_run in 0usize..30,
        ) {
            let mut b = vec![b'a'; ascii_run];
            b.extend(bytes);
            let want = b.iter().position(|&c| c >= 0x80).unwrap_or(b.len());
            proptest::prop_assert_eq!(ascii_prefix(&b), want);
        }

        /// Eight bytes at a time where a chunk maps byte for byte, one at
        /// a time elsewhere: the same bytes and word starts as one at a
        /// time throughout, after any state (inside a word or not, at the
        /// start of the output or not).
        #[test]
        fn ascii_chunks_write_what_ascii_bytes_writes(
            text in "[ -~\t\n]{0,80}|[a-zA-Z0-9 ]{0,80}|[aZ9 .,\n]{0,80}",
            fold in proptest::bool::ANY,
            in_word in proptest::bool::ANY,
            before in "[a-z]{0,3}",
        ) {
            let run = text.as_bytes();
            let mut out = before.as_bytes().to_vec();
            let mut starts = vec![0; before.len().min(1)];
            let in_word = in_word && !before.is_empty();
            let got_in_word = ascii_run(run, fold, in_word, &mut out, &mut starts);
            let table = if fold { &ASCII_FOLD_DIGITS } else { &ASCII_FOLD };
            let mut want = before.as_bytes().to_vec();
            want.resize(want.len() + 2 * run.len() + 1, 0);
            let mut want_starts = vec![0; before.len().min(1) + run.len() / 2 + 2];
            let (j, w, want_in_word) = ascii_bytes(
                run, table, in_word, before.len(), before.len().min(1), &mut want, &mut want_starts,
            );
            want.truncate(j);
            want_starts.truncate(w);
            proptest::prop_assert_eq!(out, want);
            proptest::prop_assert_eq!(starts, want_starts);
            proptest::prop_assert_eq!(got_in_word, want_in_word);
        }

        #[test]
        fn branch_free_ascii_path_matches_the_naive_one(
            text in "[ -~\t\n]{0,200}",
            fold in proptest::bool::ANY,
        ) {
            let s = Shingler::new(ShingleConfig { ngram: 2, seed: 0, fold_digits: fold });
            let mut scratch = ShingleScratch::default();
            s.normalize(&text, &mut scratch);
            let want = naive(&text, fold);
            proptest::prop_assert_eq!(scratch.normalized(), want.as_str());
            proptest::prop_assert_eq!(scratch.words(), want.split_whitespace().count());
            // Around a non-ASCII separator (an em dash), the same.
            let mixed = format!("{text}\u{2014}{text}");
            s.normalize(&mixed, &mut scratch);
            let want = naive(&mixed.replace('\u{2014}', " "), fold);
            proptest::prop_assert_eq!(scratch.normalized(), want.as_str());
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
        let w = |s: &str| padded(s, 7);
        let want: Vec<u64> = [["the", "quick"], ["quick", "brown"], ["brown", "fox"]]
            .iter()
            .map(|g| gram_hash(&[w(g[0]), w(g[1])]))
            .collect();
        assert_ne!(gram_hash(&[w("a"), w("b")]), gram_hash(&[w("b"), w("a")]));
        assert_eq!(out, want);
    }

    #[test]
    fn short_texts_are_one_shingle() {
        let s = shingler(5);
        let mut scratch = ShingleScratch::default();
        let mut out = Vec::new();
        s.hash_into("two words", &mut scratch, &mut out);
        let w = |s: &str| padded(s, 7);
        assert_eq!(out, vec![gram_hash(&[w("two"), w("words")])]);
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
