//! Boilerplate stripping: the text scrapers pick up around an article
//! (comment policies, share bars, cookie notices, copyright footers, ...).
//!
//! Three layers, each of which names what it removed ([`Removed`]):
//!
//! 1. **Rules** ([`Stripper`], `rules.rs`): built-in families (comment policy,
//!    comment prompt, newsletter, app prompt, cookie, share bar, related,
//!    advertisement, photo credit, copyright, paywall, login) in English,
//!    Spanish, French, German and Portuguese, plus the user's rules file. One
//!    aho-corasick pass over the whole document finds every phrase; a line
//!    goes only when the phrases *dominate* it (an exact-line rule, a short
//!    line that starts with a prefix rule, or phrases covering more than half
//!    of it), so an article sentence about a cookie law stays. Credit lines
//!    ("Source: ...", "Reporting by ...") are matched by the same pass and
//!    handled by [`CreditsMode`].
//! 2. **Repeats** ([`Stripper`], `repeats.rs`): a block of two or more lines,
//!    or one long line, that occurs twice in a document loses its later copy.
//! 3. **Learned** ([`LineCounts`] then [`Learned`], `learn.rs`): lines that
//!    recur in many documents with *different* surroundings, found in a first
//!    pass over normalized line hashes and removed in a second pass when they
//!    sit in boilerplate position (runs at the edges, blocks of recurring
//!    lines), never when they are short content lines inside an article or
//!    the body of a syndicated story.
//!
//! # Rules file format
//!
//! One rule per line, `family<TAB>pattern`; `#` starts a comment line and
//! blank lines are skipped. The first character of the pattern chooses its
//! kind: `=` the whole (trimmed) line, `^` the line starts with it (lines up
//! to 200 bytes, credits 120), `~` a weak phrase (counts toward coverage, but
//! a line made only of weak phrases must be 80% covered), anything else a
//! phrase that must cover more than half of its line. `\` escapes a leading
//! `=`, `^`, `~` or `\`. Matching ignores ASCII case (non-ASCII phrases also
//! match in lower, upper and capitalized form) and needs word boundaries.
//! Families whose name starts with `credit` are credits. A malformed line is
//! a [`RulesError`] naming the file and line number. The built-in set is
//! `src/boilerplate/rules.txt`, in the same format.

mod learn;
mod repeats;
mod rules;
mod slots;

pub use learn::{Learned, LearnedLine, LineCounts, LineUsage};

use crate::swar::{bytes_in, digits, LO};
use serde::Serialize;
use std::cell::RefCell;
use std::path::PathBuf;

use rules::RuleSet;

/// What to do with credit and byline lines ("Source: ...", "Reporting by ...").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CreditsMode {
    /// Leave them in the text.
    Keep,
    /// Remove them from the text and drop them.
    Strip,
    /// Move them out of the text into the record's `credits` field.
    #[default]
    Extract,
}

/// Settings of the strip stage. `Default` gives the recommended settings.
#[derive(Debug, Clone)]
pub struct StripConfig {
    /// What happens to credit lines.
    pub credits: CreditsMode,
    /// A file of extra user rules (format: see the [module docs](self)).
    pub rules_file: Option<PathBuf>,
    /// Use the built-in rule set (`true`); `false` leaves only the user's rules.
    pub builtin_rules: bool,
    /// Layer 2: remove the later copy of blocks repeated within a document.
    pub repeats: bool,
    /// Layer 3: a line must occur in at least this many documents to be
    /// learned as boilerplate.
    pub learn_min_docs: u32,
    /// Layer 3: a recurring line whose documents share their body (their
    /// longest lines) more often than this fraction of the time is part of a
    /// syndicated story, not boilerplate.
    pub learn_max_similarity: f32,
    /// Layer 3: distinct lines a [`LineCounts`] holds before it prunes lines
    /// seen once (20 to 40 bytes each while seen once, 56 to 112 when seen
    /// more often).
    pub learn_max_lines: usize,
}

impl Default for StripConfig {
    fn default() -> Self {
        StripConfig {
            credits: CreditsMode::Extract,
            rules_file: None,
            builtin_rules: true,
            repeats: true,
            learn_min_docs: 10,
            learn_max_similarity: 0.5,
            learn_max_lines: 1 << 23,
        }
    }
}

/// Counters of the strip stage, summed over documents.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StripStats {
    /// Documents that lost at least one line.
    pub docs_changed: u64,
    /// Lines removed, all layers together.
    pub lines_removed: u64,
    /// Lines removed by a rule family (layer 1).
    pub lines_rule: u64,
    /// Lines removed as a repeat within their document (layer 2).
    pub lines_repeat: u64,
    /// Lines removed as learned boilerplate (layer 3).
    pub lines_learned: u64,
    /// Credit lines taken out of the text (moved to `credits` or dropped).
    pub lines_credit: u64,
    /// Documents the learned layer changed (they may also be counted in
    /// `docs_changed`, which the rules and repeats update).
    pub docs_learned: u64,
}

impl StripStats {
    /// Adds the counters of `other` into `self`.
    pub fn merge(&mut self, other: &StripStats) {
        self.docs_changed += other.docs_changed;
        self.lines_removed += other.lines_removed;
        self.lines_rule += other.lines_rule;
        self.lines_repeat += other.lines_repeat;
        self.lines_learned += other.lines_learned;
        self.lines_credit += other.lines_credit;
        self.docs_learned += other.docs_learned;
    }
}

/// One removed line, for `--explain` and the sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// 1-based line number in the text the layer was given.
    pub line: u32,
    /// The line as it was.
    pub text: String,
    /// The layer that removed it: `rule`, `repeat`, `learned` or `credit`.
    pub layer: &'static str,
    /// The family or reason (for example `comment-policy`).
    pub reason: String,
}

/// The learning keys of a text's non-blank lines, in order: each line's
/// hash with ASCII case, spacing and digits folded, and its trimmed length.
/// The first pass computes them once ([`Stripper::strip_keyed`]) for
/// [`LineCounts::observe_keys`] and the spill file, so that
/// [`Learned::strip_keyed`] need not hash the lines again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineKeys {
    /// Folded hash per non-blank line.
    pub hashes: Vec<u64>,
    /// Length in bytes of each line, trimmed.
    pub lens: Vec<u32>,
}

impl LineKeys {
    /// The keys of `text`'s non-blank lines (cleared first).
    pub fn fill(&mut self, text: &str) {
        self.clear();
        for line in text.split('\n') {
            let t = trim(line);
            if !t.is_empty() {
                self.push(line_key(t.as_bytes(), true), t.len());
            }
        }
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.hashes.clear();
        self.lens.clear();
    }

    fn push(&mut self, hash: u64, len: usize) {
        self.hashes.push(hash);
        self.lens.push(u32::try_from(len).unwrap_or(u32::MAX));
    }
}

/// Error building the rule set (a bad user rules file).
#[derive(Debug)]
pub struct RulesError(pub String);

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RulesError {}

/// Layers 1 and 2: rule families and in-document repeats. Built once.
#[derive(Debug, Clone)]
pub struct Stripper {
    config: StripConfig,
    rules: RuleSet,
}

/// The fate of one line of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Keep,
    /// Removed by the rule family with this index.
    Rule(u16),
    /// A credit line of the family with this index.
    Credit(u16),
    /// The later copy of a block whose first copy starts at this line (0-based).
    Repeat(u32),
    /// Learned boilerplate, the index of the learned line.
    Learned(u32),
}

/// One line of a document: byte range without the `\n`.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

/// Per-thread buffers, reused across documents (the stage API passes no
/// scratch of its own, and a fresh allocation per document costs more than
/// the rule scan).
#[derive(Default)]
struct Scratch {
    lines: Vec<Line>,
    verdicts: Vec<Verdict>,
    /// The lines the rules kept: (repeats key, line index, learning key).
    hashes: Vec<(u64, u32, u64)>,
    seen: std::collections::HashMap<u64, u32, BuildU64>,
    /// The learned layer's non-blank lines: (line index, entry or `u32::MAX`).
    nonblank: Vec<(u32, u32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Stripper {
    /// Whether this build has a working stripper.
    pub const BUILT: bool = true;

    /// Compiles the built-in rules and the user's rules file.
    pub fn new(config: StripConfig) -> Result<Self, RulesError> {
        let user = match &config.rules_file {
            Some(path) => {
                let src = std::fs::read_to_string(path).map_err(|e| {
                    RulesError(format!("cannot read rules file {}: {e}", path.display()))
                })?;
                Some((src, path.display().to_string()))
            }
            None => None,
        };
        let rules = RuleSet::build(
            config.builtin_rules,
            user.as_ref().map(|(s, p)| (s.as_str(), p.as_str())),
        )?;
        Ok(Stripper { config, rules })
    }

    /// Strips `text` into `out` (cleared first); credit lines go to
    /// `credits`, removed lines to `removed` when given (`--explain`; without
    /// it nothing is copied per removed line). Returns `true` when the text
    /// changed; when `false`, `out` is unspecified and the caller keeps `text`.
    pub fn strip(
        &self,
        text: &str,
        out: &mut String,
        credits: &mut Vec<String>,
        removed: Option<&mut Vec<Removed>>,
        stats: &mut StripStats,
    ) -> bool {
        self.strip_keyed(text, out, credits, removed, stats, None)
    }

    /// [`Stripper::strip`], also filling `keys` with the learning keys of
    /// the lines it keeps (as [`LineKeys::fill`] of the stripped text would,
    /// from the hashing the repeats layer does anyway).
    pub fn strip_keyed(
        &self,
        text: &str,
        out: &mut String,
        credits: &mut Vec<String>,
        mut removed: Option<&mut Vec<Removed>>,
        stats: &mut StripStats,
        keys: Option<&mut LineKeys>,
    ) -> bool {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            split_lines(text, &mut s.lines);
            s.verdicts.clear();
            s.verdicts.resize(s.lines.len(), Verdict::Keep);
            let mut any = self
                .rules
                .scan(text, &s.lines, &mut s.verdicts, self.config.credits);
            // The lines the rules kept, hashed once: (repeats key, line,
            // learning key).
            s.hashes.clear();
            if self.config.repeats || keys.is_some() {
                for (i, (line, v)) in s.lines.iter().zip(&s.verdicts).enumerate() {
                    let t = trim(&text[line.start..line.end]);
                    if *v != Verdict::Keep || t.is_empty() {
                        continue;
                    }
                    let (exact, folded) = match keys {
                        Some(_) => line_keys(t.as_bytes()),
                        None => (line_key(t.as_bytes(), false), 0),
                    };
                    s.hashes.push((exact, i as u32, folded));
                }
            }
            if self.config.repeats {
                any |= repeats::mark(text, &s.lines, &mut s.verdicts, &mut s.hashes, &mut s.seen);
            }
            if let Some(keys) = keys {
                keys.clear();
                for &(_, i, folded) in &s.hashes {
                    if s.verdicts[i as usize] == Verdict::Keep {
                        let line = s.lines[i as usize];
                        keys.push(folded, trim(&text[line.start..line.end]).len());
                    }
                }
            }
            if !any {
                return false;
            }
            let names = |v: Verdict| -> (&'static str, String) {
                match v {
                    Verdict::Rule(f) => ("rule", self.rules.family(f).to_string()),
                    Verdict::Credit(f) => ("credit", self.rules.family(f).to_string()),
                    Verdict::Repeat(first) => ("repeat", format!("repeat of line {}", first + 1)),
                    Verdict::Learned(_) | Verdict::Keep => ("learned", String::new()),
                }
            };
            for (i, (line, v)) in s.lines.iter().zip(&s.verdicts).enumerate() {
                match v {
                    Verdict::Keep => continue,
                    Verdict::Rule(_) => stats.lines_rule += 1,
                    Verdict::Credit(_) => {
                        stats.lines_credit += 1;
                        if self.config.credits == CreditsMode::Extract {
                            credits.push(text[line.start..line.end].trim().to_string());
                        }
                    }
                    Verdict::Repeat(_) => stats.lines_repeat += 1,
                    Verdict::Learned(_) => stats.lines_learned += 1,
                }
                stats.lines_removed += 1;
                if let Some(removed) = removed.as_deref_mut() {
                    let (layer, reason) = names(*v);
                    removed.push(Removed {
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        text: text[line.start..line.end].to_string(),
                        layer,
                        reason,
                    });
                }
            }
            stats.docs_changed += 1;
            assemble(text, &s.lines, &s.verdicts, out);
            true
        })
    }
}

/// `str::trim`, byte by byte while the ends are ASCII: a line that starts
/// and ends with a visible ASCII byte (the usual one) has nothing to trim,
/// checked with two byte loads; other ASCII ends lose their ASCII
/// whitespace; only an end at a non-ASCII byte, which may be Unicode
/// whitespace, goes to `str::trim` (which decodes chars from both ends).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b.wrapping_sub(0x21) < 0x5f);
    let b = s.as_bytes();
    if visible(b.first()) && visible(b.last()) {
        return s;
    }
    // The whitespace of ASCII: tab, line feed, vertical tab, form feed,
    // carriage return and space (U+001C..U+001F are not white space).
    let space = |c: u8| c == b' ' || (b'\t'..=b'\r').contains(&c);
    let start = b.iter().position(|&c| !space(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !space(c)).map_or(start, |e| e + 1);
    match (b.get(start), end.checked_sub(1).and_then(|e| b.get(e))) {
        (Some(&first), Some(&last)) if first < 0x80 && last < 0x80 => &s[start..end],
        (None, _) => "",
        _ => s.trim(),
    }
}

/// Splits `text` into lines (without their `\n`) into `lines` (cleared
/// first). A final `\n` does not start an empty line, as in `str::lines`.
fn split_lines(text: &str, lines: &mut Vec<Line>) {
    lines.clear();
    let bytes = text.as_bytes();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        lines.push(Line { start, end: nl });
        start = nl + 1;
    }
    if start < bytes.len() {
        lines.push(Line {
            start,
            end: bytes.len(),
        });
    }
}

/// Writes the kept lines of `text` into `out` (cleared first). Blank lines
/// at the start and the end go, and a run of blank lines shrinks to one, so
/// removing a block does not leave a hole.
fn assemble(text: &str, lines: &[Line], verdicts: &[Verdict], out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut pending_blank = false;
    for (line, v) in lines.iter().zip(verdicts) {
        if *v != Verdict::Keep {
            continue;
        }
        let s = &text[line.start..line.end];
        if trim(s).is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if pending_blank {
                out.push('\n');
            }
        }
        pending_blank = false;
        out.push_str(s);
    }
    if !out.is_empty() && text.ends_with('\n') {
        out.push('\n');
    }
}

/// Hash of a line for repeats and learning: ASCII case folded, whitespace
/// runs collapsed to one space, leading and trailing whitespace ignored;
/// with `fold_digits`, every ASCII digit counts as `0` (so "© 2023" and
/// "© 2024" are one line). Non-ASCII bytes are hashed as they are.
fn line_key(line: &[u8], fold_digits: bool) -> u64 {
    with_normalized(line, |buf, digits| {
        if fold_digits && digits {
            fold_digits_in(buf);
        }
        xxhash_rust::xxh3::xxh3_64(buf)
    })
}

/// Both [`line_key`]s of a line from one normalization: (digits as they
/// are, digits folded). A line without digits has one key twice.
fn line_keys(line: &[u8]) -> (u64, u64) {
    with_normalized(line, |buf, digits| {
        let exact = xxhash_rust::xxh3::xxh3_64(buf);
        if !digits {
            return (exact, exact);
        }
        fold_digits_in(buf);
        (exact, xxhash_rust::xxh3::xxh3_64(buf))
    })
}

/// Normalizes `line` as [`line_key`] hashes it (digits as they are) into a
/// buffer kept per thread, and gives `f` the bytes and whether any is an
/// ASCII digit. Eight bytes at a time where a word of eight holds no two
/// whitespace bytes in a row (the usual case), one at a time elsewhere; no
/// allocation per line.
fn with_normalized<R>(line: &[u8], f: impl FnOnce(&mut [u8], bool) -> R) -> R {
    let line = line.trim_ascii();
    KEY_BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        if buf.len() < line.len() {
            buf.resize(line.len(), 0);
        }
        let mut n = 0;
        let mut prev_space = false;
        let mut digit_tops = 0u64;
        let mut digit = false;
        // Every byte is written and the position advances unless it is a
        // space after a space: `n` never passes the bytes read, so the
        // buffer needs the line's length.
        let byte = |buf: &mut [u8], n: &mut usize, prev_space: &mut bool, b: u8| {
            let c = KEY_FOLD[b as usize];
            let space = c == b' ';
            buf[*n] = c;
            *n += usize::from(!(space && *prev_space));
            *prev_space = space;
            b.is_ascii_digit()
        };
        let mut words = line.chunks_exact(8);
        for word in &mut words {
            let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            let space = ascii_space_bytes(x);
            digit_tops |= digits(x);
            if space & ((space << 8) | u64::from(prev_space) << 7) == 0 {
                buf[n..n + 8].copy_from_slice(&fold_word(x, space).to_le_bytes());
                n += 8;
                prev_space = space >> 63 != 0;
            } else {
                for &b in word {
                    byte(&mut buf, &mut n, &mut prev_space, b);
                }
            }
        }
        for &b in words.remainder() {
            digit |= byte(&mut buf, &mut n, &mut prev_space, b);
        }
        f(&mut buf[..n], digit || digit_tops != 0)
    })
}

/// Every ASCII digit of `buf` to `0`.
fn fold_digits_in(buf: &mut [u8]) {
    for b in buf {
        if b.is_ascii_digit() {
            *b = b'0';
        }
    }
}

thread_local! {
    /// [`with_normalized`]'s buffer: as long as the longest line this
    /// thread saw.
    static KEY_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The top bit of each byte of `x` that is ASCII whitespace (space, tab,
/// line feed, form feed, carriage return: `u8::is_ascii_whitespace`).
fn ascii_space_bytes(x: u64) -> u64 {
    bytes_in(x, b'\t', b'\n') | bytes_in(x, 0x0c, b'\r') | bytes_in(x, b' ', b' ')
}

/// Eight bytes through [`KEY_FOLD`] at once: upper case to lower case,
/// `space` bytes (from [`ascii_space_bytes`]) to a space.
fn fold_word(x: u64, space: u64) -> u64 {
    let y = x | (bytes_in(x, b'A', b'Z') >> 2);
    let spaces = (space >> 7) * 0xff;
    (y & !spaces) | ((LO * u64::from(b' ')) & spaces)
}

/// Byte -> the byte [`line_key`] hashes (before digits are folded): ASCII
/// upper case to lower case, ASCII whitespace to a space.
static KEY_FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_whitespace() {
            b' '
        } else {
            b.to_ascii_lowercase()
        };
        i += 1;
    }
    t
};

/// A hasher for keys that are already xxh3 hashes: passes them through.
#[derive(Debug, Default, Clone, Copy)]
struct U64Hasher(u64);

impl std::hash::Hasher for U64Hasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys go through this hasher; fold anything else.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64 ^ (n >> 64) as u64;
    }
}

type BuildU64 = std::hash::BuildHasherDefault<U64Hasher>;

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(name: &str) -> Option<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
        let entry = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with(name));
        match entry {
            Some(e) => std::fs::read_to_string(e.path()).ok(),
            None => {
                eprintln!("SKIPPED: seed {name}* not found under {}", dir.display());
                None
            }
        }
    }

    fn run(s: &Stripper, text: &str) -> (String, Vec<String>, Vec<Removed>) {
        let (mut out, mut credits, mut removed, mut stats) =
            (String::new(), Vec::new(), Vec::new(), StripStats::default());
        if !s.strip(text, &mut out, &mut credits, Some(&mut removed), &mut stats) {
            out = text.to_string();
        }
        (out, credits, removed)
    }

    #[test]
    fn seed_004_loses_both_policy_blocks_and_chrome() {
        let Some(text) = seed("004_") else { return };
        let s = Stripper::new(StripConfig::default()).unwrap();
        let (out, _, removed) = run(&s, &text);
        let article: Vec<&str> = text.lines().take(13).collect();
        let kept: Vec<&str> = out.lines().collect();
        assert_eq!(kept, article, "removed: {removed:#?}");
        assert_eq!(removed.len(), text.lines().count() - 13);
    }

    #[test]
    fn seed_003_credits_are_extracted() {
        let Some(text) = seed("003_") else { return };
        let s = Stripper::new(StripConfig::default()).unwrap();
        let (out, credits, removed) = run(&s, &text);
        assert_eq!(
            credits,
            vec!["Source: Al Jazeera", "Written By Rodney Mbua"]
        );
        assert!(removed.iter().all(|r| r.layer == "credit"));
        assert_eq!(out.lines().count(), text.lines().count() - 2);

        let keep = Stripper::new(StripConfig {
            credits: CreditsMode::Keep,
            ..StripConfig::default()
        })
        .unwrap();
        let (out, credits, _) = run(&keep, &text);
        assert!(credits.is_empty());
        assert_eq!(out, text);

        let strip = Stripper::new(StripConfig {
            credits: CreditsMode::Strip,
            ..StripConfig::default()
        })
        .unwrap();
        let (out, credits, removed) = run(&strip, &text);
        assert!(credits.is_empty());
        assert_eq!(removed.len(), 2);
        assert!(!out.contains("Source:"));
    }

    #[test]
    fn clean_seeds_are_untouched_except_credits() {
        let s = Stripper::new(StripConfig::default()).unwrap();
        for name in ["000_", "001_", "002_"] {
            let Some(text) = seed(name) else { return };
            let (_, _, removed) = run(&s, &text);
            assert!(
                removed.iter().all(|r| r.layer == "credit"),
                "{name}: {removed:#?}"
            );
        }
    }

    /// The naive oracle of `line_key`: normalize into a string, hash it.
    fn naive_key(line: &[u8], fold_digits: bool) -> u64 {
        let words: Vec<Vec<u8>> = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .map(|w| {
                w.iter()
                    .map(|&b| match b {
                        b'0'..=b'9' if fold_digits => b'0',
                        _ => b.to_ascii_lowercase(),
                    })
                    .collect()
            })
            .collect();
        xxhash_rust::xxh3::xxh3_64(&words.join(&b' '))
    }

    proptest::proptest! {
        #[test]
        fn line_key_matches_the_naive_oracle(
            line in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b" \t\r\x0b\x0caZ09\xc3\xa9".to_vec()),
                    proptest::prelude::any::<u8>(),
                ],
                0..3000,
            ),
            fold in proptest::prelude::any::<bool>(),
        ) {
            proptest::prop_assert_eq!(line_key(&line, fold), naive_key(&line, fold));
        }

        #[test]
        fn line_key_matches_the_oracle_on_prose(
            line in "([A-Za-z0-9é,.]{1,12}[ \t]{1,2}){0,80}",
            fold in proptest::prelude::any::<bool>(),
        ) {
            let line = line.as_bytes();
            proptest::prop_assert_eq!(line_key(line, fold), naive_key(line, fold));
            proptest::prop_assert_eq!(
                line_keys(line),
                (naive_key(line, false), naive_key(line, true))
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn trim_is_str_trim(
            line in "[ \t\n\r\u{b}\u{c}\u{1c}\u{1f}\u{7f}\u{85}\u{a0}\u{2028}\u{3000}a!~é]{0,8}"
        ) {
            proptest::prop_assert_eq!(trim(&line), line.trim());
        }
    }

    proptest::proptest! {
        /// The keys the stripper hands on are the keys of the text it
        /// returns, whatever it removed.
        #[test]
        fn stripper_keys_are_the_keys_of_its_output(
            picks in proptest::collection::vec(0usize..10, 0..40),
        ) {
            const POOL: [&str; 10] = [
                "The minister said on Tuesday that talks would go on.",
                "We welcome comments that advance the story. Please be respectful.",
                "Share this article",
                "",
                "   ",
                "\u{a0}Prices rose 3.5% in 2023, the agency said.\u{a0}",
                "Source: Reuters",
                "This long paragraph repeats when a scraper pastes the page twice over, so the second copy goes.",
                "Table 1987 1988 1989 04/09/87",
                "Line with trailing CR\r",
            ];
            let text: String = picks.iter().map(|&i| format!("{}\n", POOL[i])).collect();
            static STRIPPER: std::sync::OnceLock<Stripper> = std::sync::OnceLock::new();
            let s = STRIPPER.get_or_init(|| Stripper::new(StripConfig::default()).unwrap());
            let (mut out, mut credits, mut stats) = (String::new(), Vec::new(), StripStats::default());
            let mut keys = LineKeys::default();
            let changed = s.strip_keyed(&text, &mut out, &mut credits, None, &mut stats, Some(&mut keys));
            let mut want = LineKeys::default();
            want.fill(if changed { &out } else { &text });
            proptest::prop_assert_eq!(keys, want);
        }
    }

    #[test]
    fn byte_lanes_match_each_byte() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                // Neighbours that sit on either side of every range.
                for fill in [0u8, b'@', b'[', 0x7f, 0xff, b'A', b' '] {
                    let mut word = [fill; 8];
                    word[lane] = b;
                    let x = u64::from_le_bytes(word);
                    let top = |m: u64| m >> (lane * 8 + 7) & 1 == 1;
                    assert_eq!(top(bytes_in(x, b'A', b'Z')), b.is_ascii_uppercase());
                    assert_eq!(top(bytes_in(x, b'0', b'9')), b.is_ascii_digit());
                    assert_eq!(top(ascii_space_bytes(x)), b.is_ascii_whitespace());
                    let y = fold_word(x, ascii_space_bytes(x));
                    assert_eq!(y.to_le_bytes()[lane], KEY_FOLD[b as usize]);
                }
            }
        }
    }

    #[test]
    fn line_key_folds_case_space_and_digits() {
        assert_eq!(
            line_key(b"  Hello   World ", false),
            line_key(b"hello world", false)
        );
        assert_ne!(line_key(b"a 2023", false), line_key(b"a 2024", false));
        assert_eq!(line_key(b"a 2023", true), line_key(b"A 2024", true));
        let long = "word ".repeat(200);
        assert_eq!(
            line_key(long.as_bytes(), false),
            line_key(long.to_uppercase().as_bytes(), false)
        );
    }

    #[test]
    fn assemble_keeps_line_order_and_trailing_newline() {
        let text = "a\n\nb\nc\n\nd\n";
        let mut lines = Vec::new();
        split_lines(text, &mut lines);
        let mut v = vec![Verdict::Keep; lines.len()];
        v[2] = Verdict::Rule(0);
        v[3] = Verdict::Rule(0);
        let mut out = String::new();
        assemble(text, &lines, &v, &mut out);
        assert_eq!(out, "a\n\nd\n");
    }
}
