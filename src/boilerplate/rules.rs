//! Layer 1: rule families. The built-in set lives in `rules.txt` (format in
//! the module docs of [`crate::boilerplate`]); a user file adds to it.
//!
//! How a document is scanned:
//!
//! ```text
//! one aho-corasick pass (leftmost-longest, ASCII case-insensitive) over the text
//! for each match, in order:
//!     drop it unless it sits on word boundaries
//!     advance to the line that holds it; add it to that line's tally:
//!         exact rule covering the whole trimmed line  -> exact
//!         prefix rule at the line start               -> prefix
//!         phrase                                      -> strong bytes
//!         weak phrase                                 -> weak bytes
//! a line goes when: exact, or prefix on a short line, or
//!     strong > 0 and strong + weak > half the line, or weak >= 80% of the line
//! ```
//!
//! Before the automaton, a cheaper test picks the lines worth scanning.
//! Every pattern is matched on word boundaries, so each of its words (runs
//! of ASCII letters, digits, `_` and non-ASCII bytes) occurs as a whole word
//! of any line it matches. One word per pattern spelling, the longest (the
//! rarest, as a rule: `newsletter`, not `our`), is its *trigger*; a line is
//! handed to the automaton only when one of its words hashes to a trigger
//! (a 65536-bit filter, then a hash set). Most article lines have none, and
//! hashing words runs several times faster than the automaton over the
//! same bytes. The result is the same as scanning the whole text: no
//! pattern spans a line break, so a line without a trigger holds no valid
//! match (`scan_every_line`, kept for tests, is the oracle).

use super::{CreditsMode, Line, RulesError, Verdict};
use crate::swar::{bytes_in, digits, gather, letters, HI};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// The built-in rule set.
pub(crate) const BUILTIN: &str = include_str!("rules.txt");

/// Longest line (trimmed, bytes) a prefix rule removes.
const PREFIX_MAX: usize = 200;
/// Longest line a credit prefix rule takes.
const CREDIT_MAX: usize = 120;

/// What a pattern means, per kind: the family index when the pattern has
/// that kind. One pattern text can have several kinds (`=share`, `~share`).
#[derive(Debug, Clone, Copy, Default)]
struct PatInfo {
    exact: Option<u16>,
    prefix: Option<u16>,
    phrase: Option<u16>,
    weak: Option<u16>,
}

#[derive(Debug, Clone)]
struct Family {
    name: String,
    credit: bool,
}

/// The compiled rules.
#[derive(Debug, Clone)]
pub(crate) struct RuleSet {
    ac: Option<AhoCorasick>,
    pats: Vec<PatInfo>,
    families: Vec<Family>,
    triggers: Triggers,
    /// Tells this rule set's entries in a thread's [`LineFamilies`] from
    /// another's.
    id: u64,
}

/// Per thread: the family the rules give each line the automaton has read
/// ([`RuleSet::line_family`], `None` for no rule), by the xxh3-128 of the
/// line's bytes. A line's family depends on its bytes alone, and
/// boilerplate lines recur: in a news corpus about four in five lines
/// that reach the automaton have been read before. Cleared when it holds
/// [`LINE_FAMILIES`] lines, or when another rule set uses the thread.
#[derive(Debug, Default)]
struct LineFamilies {
    owner: u64,
    map: HashMap<u128, Option<u16>, super::BuildU64>,
}

/// Lines a thread's [`LineFamilies`] holds at most (about 2 MiB).
const LINE_FAMILIES: usize = 1 << 16;

/// Source of [`RuleSet::id`].
static RULE_SETS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Whether `b` is a word byte (as in [`on_boundaries`]): ASCII letters and
/// digits, `_`, and every non-ASCII byte. Branch-free, so that
/// [`word_masks`] compiles to vector compares.
#[inline]
fn is_word(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10) | (b == b'_') | (b >= 0x80)
}

/// One bit per byte of `bytes`, set for word bytes, 64 bytes a word.
/// Eight bytes at a time ([`word_bits8`]); the tail byte by byte.
fn word_masks(bytes: &[u8], out: &mut Vec<u64>) {
    out.clear();
    out.reserve(bytes.len() / 64 + 1);
    let mut chunks = bytes.chunks_exact(64);
    for c in &mut chunks {
        let mut m = 0u64;
        for (j, e) in c.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(e.try_into().unwrap_or_default());
            m |= word_bits8(x) << (8 * j);
        }
        out.push(m);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut m = 0u64;
        for (i, &b) in rest.iter().enumerate() {
            m |= u64::from(is_word(b)) << i;
        }
        out.push(m);
    }
}

/// [`is_word`] for the eight bytes of `x` (little-endian) at once, as eight
/// bits (bit `i` for byte `i`).
#[inline]
fn word_bits8(x: u64) -> u64 {
    let word = (x & HI) | letters(x) | digits(x) | bytes_in(x, b'_', b'_');
    u64::from(gather(word))
}

/// Calls `f(start, len)` for every word of the text whose masks are `masks`.
#[inline]
fn for_each_word(masks: &[u64], mut f: impl FnMut(usize, usize) -> bool) {
    let mut carry = 0u64;
    for (k, &m) in masks.iter().enumerate() {
        let mut starts = m & !((m << 1) | carry);
        carry = m >> 63;
        while starts != 0 {
            let i = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            let mut len = (!(m >> i)).trailing_zeros() as usize;
            if i + len >= 64 {
                len = 64 - i;
                for &n in masks.get(k + 1..).unwrap_or_default() {
                    let t = (!n).trailing_zeros() as usize;
                    len += t;
                    if t < 64 {
                        break;
                    }
                }
            }
            if !f(k * 64 + i, len) {
                return;
            }
        }
    }
}

/// The key of the word `bytes[start..start + len]`: its first 8 bytes with
/// bit 5 set (ASCII case folded; other bytes change alike on both sides) and
/// its length up to 9. Words of 9+ bytes that share their first 8 share a
/// key, which only sends a line to the automaton needlessly.
#[inline]
fn word_key(bytes: &[u8], start: usize, len: usize) -> u64 {
    let n = len.min(8);
    let raw = match bytes.get(start..start + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or_default()),
        None => bytes
            .get(start..start + n)
            .unwrap_or_default()
            .iter()
            .rev()
            .fold(0u64, |a, &b| a << 8 | u64::from(b)),
    };
    let mask = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    let k = (raw | 0x2020_2020_2020_2020) & mask;
    let k = (k ^ (len.min(9) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    k ^ (k >> 31)
}

/// The trigger words of the rules (see the module docs).
#[derive(Debug, Clone)]
struct Triggers {
    /// Keys ([`word_key`]) of the trigger words.
    words: std::collections::HashSet<u64, super::BuildU64>,
    /// Bit `key >> 48` set for every trigger key (8 KiB, so that about one
    /// article word in a hundred gets past it to the set).
    filter: Box<[u64; 1024]>,
    /// Some pattern has no word: every line goes to the automaton.
    every_line: bool,
}

impl Triggers {
    fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Triggers {
        let mut t = Triggers {
            words: Default::default(),
            filter: Box::new([0; 1024]),
            every_line: false,
        };
        let mut masks = Vec::new();
        for p in patterns {
            let bytes = p.as_bytes();
            word_masks(bytes, &mut masks);
            let mut longest = None::<(usize, usize)>;
            for_each_word(&masks, |start, len| {
                if longest.map_or(true, |(_, l)| len > l) {
                    longest = Some((start, len));
                }
                true
            });
            let Some((start, len)) = longest else {
                t.every_line = true;
                continue;
            };
            let key = word_key(bytes, start, len);
            t.words.insert(key);
            let bit = (key >> 48) as usize;
            if let Some(slot) = t.filter.get_mut(bit / 64) {
                *slot |= 1 << (bit % 64);
            }
        }
        t
    }

    #[inline]
    fn is_trigger(&self, key: u64) -> bool {
        let bit = (key >> 48) as usize;
        self.filter
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
            && self.words.contains(&key)
    }

    /// Whether `line` holds a trigger word.
    #[cfg(test)]
    fn in_line(&self, line: &[u8]) -> bool {
        let mut masks = Vec::new();
        word_masks(line, &mut masks);
        let mut found = self.every_line;
        for_each_word(&masks, |start, len| {
            found |= self.is_trigger(word_key(line, start, len));
            !found
        });
        found
    }
}

thread_local! {
    /// Word masks of the document being scanned, and the lines to scan.
    static MASKS: std::cell::RefCell<(Vec<u64>, Vec<usize>)> = Default::default();
    static FAMILIES: std::cell::RefCell<LineFamilies> = Default::default();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Phrase,
    Weak,
}

/// One parsed rule line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedRule {
    family: String,
    kind: Kind,
    text: String,
}

/// Parses a rules file; `origin` names it in errors.
pub(crate) fn parse(src: &str, origin: &str) -> Result<Vec<ParsedRule>, RulesError> {
    let mut rules = Vec::new();
    for (i, raw) in src.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let err = |why: &str| RulesError(format!("{origin}:{}: {why}: {raw:?}", i + 1));
        let Some((family, pattern)) = line.split_once('\t') else {
            return Err(err("expected `family<TAB>pattern`"));
        };
        let family = family.trim();
        if family.is_empty() || family.contains(char::is_whitespace) {
            return Err(err("the family must be one word"));
        }
        let pattern = pattern.trim();
        let (kind, text) = match pattern.as_bytes().first() {
            Some(b'=') => (Kind::Exact, &pattern[1..]),
            Some(b'^') => (Kind::Prefix, &pattern[1..]),
            Some(b'~') => (Kind::Weak, &pattern[1..]),
            Some(b'\\') => (Kind::Phrase, &pattern[1..]),
            _ => (Kind::Phrase, pattern),
        };
        let text = normalize_pattern(text);
        if text.is_empty() {
            return Err(err("empty pattern"));
        }
        if text.len() > 1000 {
            return Err(err("pattern longer than 1000 bytes"));
        }
        rules.push(ParsedRule {
            family: family.to_string(),
            kind,
            text,
        });
    }
    Ok(rules)
}

/// Lowercase, whitespace runs collapsed, trimmed.
fn normalize_pattern(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The spellings a pattern is searched in. The automaton folds ASCII case
/// only, so a pattern with non-ASCII letters is also added upper-cased and
/// capitalized; an apostrophe also matches the typographic one.
fn variants(text: &str) -> Vec<String> {
    let mut out = vec![text.to_string()];
    if !text.is_ascii() {
        out.push(text.to_uppercase());
        let mut chars = text.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_uppercase().chain(chars).collect());
        }
    }
    if text.contains('\'') {
        let curly: Vec<String> = out.iter().map(|v| v.replace('\'', "\u{2019}")).collect();
        out.extend(curly);
    }
    out.sort();
    out.dedup();
    out
}

impl RuleSet {
    /// Compiles the built-in rules (when `builtin`) and the user's
    /// `(source, origin)`.
    pub(crate) fn build(builtin: bool, user: Option<(&str, &str)>) -> Result<Self, RulesError> {
        let mut parsed = Vec::new();
        if builtin {
            parsed.extend(parse(BUILTIN, "built-in rules.txt")?);
        }
        if let Some((src, origin)) = user {
            parsed.extend(parse(src, origin)?);
        }
        let mut families: Vec<Family> = Vec::new();
        let mut family_ix: HashMap<String, u16> = HashMap::new();
        let mut pat_ix: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pats: Vec<PatInfo> = Vec::new();
        for rule in parsed {
            let f = match family_ix.get(&rule.family) {
                Some(&f) => f,
                None => {
                    let f = u16::try_from(families.len())
                        .map_err(|_| RulesError("more than 65535 rule families".into()))?;
                    families.push(Family {
                        credit: rule.family.starts_with("credit"),
                        name: rule.family.clone(),
                    });
                    family_ix.insert(rule.family.clone(), f);
                    f
                }
            };
            for v in variants(&rule.text) {
                let ix = *pat_ix.entry(v.clone()).or_insert_with(|| {
                    patterns.push(v);
                    pats.push(PatInfo::default());
                    pats.len() - 1
                });
                let slot = match rule.kind {
                    Kind::Exact => &mut pats[ix].exact,
                    Kind::Prefix => &mut pats[ix].prefix,
                    Kind::Phrase => &mut pats[ix].phrase,
                    Kind::Weak => &mut pats[ix].weak,
                };
                // The first rule for a pattern and kind wins.
                slot.get_or_insert(f);
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| RulesError(format!("cannot compile the rules: {e}")))?,
            )
        };
        let triggers = Triggers::new(patterns.iter().map(String::as_str));
        Ok(RuleSet {
            ac,
            pats,
            families,
            triggers,
            id: RULE_SETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The name of family `f`.
    pub(crate) fn family(&self, f: u16) -> &str {
        self.families
            .get(usize::from(f))
            .map_or("rule", |f| f.name.as_str())
    }

    fn is_credit(&self, f: u16) -> bool {
        self.families.get(usize::from(f)).is_some_and(|f| f.credit)
    }

    /// Marks the lines the rules remove in `verdicts` (one per line of
    /// `lines`). Returns `true` when any line was marked. Only lines with
    /// a trigger word go to the automaton.
    pub(crate) fn scan(
        &self,
        text: &str,
        lines: &[Line],
        verdicts: &mut [Verdict],
        credits: CreditsMode,
    ) -> bool {
        let Some(ac) = &self.ac else { return false };
        let bytes = text.as_bytes();
        let mut any = false;
        MASKS.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (masks, candidates) = &mut *guard;
            candidates.clear();
            if self.triggers.every_line {
                candidates.extend(0..lines.len());
            } else {
                word_masks(bytes, masks);
                let mut li = 0usize;
                for_each_word(masks, |start, len| {
                    if self.triggers.is_trigger(word_key(bytes, start, len)) {
                        while lines.get(li).is_some_and(|l| l.end < start) {
                            li += 1;
                        }
                        if candidates.last() != Some(&li) {
                            candidates.push(li);
                        }
                    }
                    true
                });
            }
            FAMILIES.with(|cell| {
                let mut families = cell.borrow_mut();
                if families.owner != self.id {
                    families.map.clear();
                    families.owner = self.id;
                }
                for &li in candidates.iter() {
                    any |= self.scan_line(ac, text, lines, li, verdicts, credits, &mut families);
                }
            });
        });
        any
    }

    /// Decides line `li`: its family from `families` or the automaton,
    /// then whether it continues the paragraph above.
    #[allow(clippy::too_many_arguments)]
    fn scan_line(
        &self,
        ac: &AhoCorasick,
        text: &str,
        lines: &[Line],
        li: usize,
        verdicts: &mut [Verdict],
        credits: CreditsMode,
        families: &mut LineFamilies,
    ) -> bool {
        let Some(line) = lines.get(li) else {
            return false;
        };
        let Some(lt) = text.get(line.start..line.end) else {
            return false;
        };
        let key = xxhash_rust::xxh3::xxh3_128(lt.as_bytes());
        let family = match families.map.get(&key) {
            Some(&f) => f,
            None => {
                let f = self.line_family(ac, lt);
                if families.map.len() >= LINE_FAMILIES {
                    families.map.clear();
                }
                families.map.insert(key, f);
                f
            }
        };
        let Some(f) = family else { return false };
        if is_continuation(text.as_bytes(), lines, verdicts, li) {
            return false;
        }
        self.apply(f, li, verdicts, credits)
    }

    /// The family of the rule that removes `line` (one line, without its
    /// `\n`) by the automaton's matches on it, or `None`. Depends on the
    /// line's bytes alone: a match's word boundaries at the line's ends
    /// fall on a `\n` or the text's end, which are not word bytes.
    fn line_family(&self, ac: &AhoCorasick, line: &str) -> Option<u16> {
        let bytes = line.as_bytes();
        let mut tally: Option<Tally> = None;
        for m in ac.find_iter(line) {
            let (s, e) = (m.start(), m.end());
            if !on_boundaries(bytes, s, e) {
                continue;
            }
            let Some(info) = self.pats.get(m.pattern().as_usize()) else {
                continue;
            };
            tally
                .get_or_insert_with(|| {
                    Tally::new(
                        bytes,
                        Line {
                            start: 0,
                            end: bytes.len(),
                        },
                    )
                })
                .add(info, s, e);
        }
        self.family_of(&tally?)
    }

    /// [`RuleSet::scan`] without the trigger test: one automaton pass over
    /// the whole text, the oracle the line filter is tested against.
    #[cfg(test)]
    fn scan_every_line(
        &self,
        text: &str,
        lines: &[Line],
        verdicts: &mut [Verdict],
        credits: CreditsMode,
    ) -> bool {
        let Some(ac) = &self.ac else { return false };
        let bytes = text.as_bytes();
        let mut any = false;
        let mut li = 0usize;
        let mut tally = Tally::default();
        let mut tally_line = usize::MAX;
        let mut continuation = false;
        for m in ac.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            if !on_boundaries(bytes, s, e) {
                continue;
            }
            while li < lines.len() && lines[li].end < s {
                li += 1;
            }
            let Some(line) = lines.get(li) else { break };
            if li != tally_line {
                if tally_line != usize::MAX {
                    any |= self.decide((&tally, continuation), tally_line, verdicts, credits);
                }
                tally = Tally::new(bytes, *line);
                continuation = is_continuation(bytes, lines, verdicts, li);
                tally_line = li;
            }
            let Some(info) = self.pats.get(m.pattern().as_usize()) else {
                continue;
            };
            tally.add(info, s, e);
        }
        if tally_line != usize::MAX {
            any |= self.decide((&tally, continuation), tally_line, verdicts, credits);
        }
        any
    }

    /// [`RuleSet::family_of`] and [`RuleSet::apply`] for a tally that
    /// knows whether its line is a continuation (the oracle's way).
    #[cfg(test)]
    fn decide(
        &self,
        (t, continuation): (&Tally, bool),
        li: usize,
        verdicts: &mut [Verdict],
        credits: CreditsMode,
    ) -> bool {
        if continuation {
            return false;
        }
        self.family_of(t)
            .is_some_and(|f| self.apply(f, li, verdicts, credits))
    }

    /// The family of the rule the matches of a line add up to, or `None`.
    fn family_of(&self, t: &Tally) -> Option<u16> {
        let len = t.te.saturating_sub(t.ts);
        if let Some(f) = t.exact {
            Some(f)
        } else if let Some(f) = t.prefix.filter(|&f| {
            len <= if self.is_credit(f) {
                CREDIT_MAX
            } else {
                PREFIX_MAX
            }
        }) {
            Some(f)
        } else if t.strong > 0 && (t.strong + t.weak) * 2 > len {
            Some(t.strong_family.1)
        } else if t.weak > 0 && t.weak * 5 >= len * 4 {
            Some(t.weak_family.1)
        } else {
            None
        }
    }

    /// Marks line `li` as removed by family `f` (a credit line only when
    /// credits are removed or extracted). Returns whether it was marked.
    fn apply(&self, f: u16, li: usize, verdicts: &mut [Verdict], credits: CreditsMode) -> bool {
        let verdict = if self.is_credit(f) {
            if credits == CreditsMode::Keep {
                return false;
            }
            Verdict::Credit(f)
        } else {
            Verdict::Rule(f)
        };
        match verdicts.get_mut(li) {
            Some(v) => {
                *v = verdict;
                true
            }
            None => false,
        }
    }
}

/// What the matches on one line add up to.
#[derive(Debug, Default)]
struct Tally {
    /// Trimmed line bounds.
    ts: usize,
    te: usize,
    exact: Option<u16>,
    prefix: Option<u16>,
    strong: usize,
    weak: usize,
    /// Longest strong / weak match and its family.
    strong_family: (usize, u16),
    weak_family: (usize, u16),
}

impl Tally {
    fn new(bytes: &[u8], line: Line) -> Self {
        let s = bytes.get(line.start..line.end).unwrap_or_default();
        let lead = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let trail = s[lead..]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        Tally {
            ts: line.start + lead,
            te: line.end - trail,
            ..Tally::default()
        }
    }

    fn add(&mut self, info: &PatInfo, s: usize, e: usize) {
        let n = e - s;
        if let Some(f) = info.exact {
            if s == self.ts && e == self.te {
                self.exact.get_or_insert(f);
            }
        }
        if let Some(f) = info.prefix {
            if s == self.ts {
                self.prefix.get_or_insert(f);
            }
        }
        if let Some(f) = info.phrase {
            self.strong += n;
            if n > self.strong_family.0 {
                self.strong_family = (n, f);
            }
        } else if let Some(f) = info.weak {
            self.weak += n;
            if n > self.weak_family.0 {
                self.weak_family = (n, f);
            }
        }
    }
}

/// Whether line `li` starts in lower case after a kept line that does not
/// end a sentence (the continuation of a removed line is removed as usual).
fn is_continuation(bytes: &[u8], lines: &[Line], verdicts: &[Verdict], li: usize) -> bool {
    let text = |l: &Line| bytes.get(l.start..l.end).unwrap_or_default().trim_ascii();
    let Some(line) = lines.get(li) else {
        return false;
    };
    if !text(line).first().is_some_and(u8::is_ascii_lowercase) {
        return false;
    }
    let Some((prev, verdict)) = lines[..li]
        .iter()
        .zip(verdicts)
        .rev()
        .map(|(l, v)| (text(l), v))
        .find(|(t, _)| !t.is_empty())
    else {
        return false;
    };
    *verdict == Verdict::Keep
        && !prev
            .last()
            .is_some_and(|b| matches!(b, b'.' | b'!' | b'?' | b':' | b'"' | b')'))
}

/// Whether `bytes[s..e]` starts and ends on word boundaries (checked only
/// where the match itself starts or ends with a word byte; non-ASCII bytes
/// count as word bytes).
fn on_boundaries(bytes: &[u8], s: usize, e: usize) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let first = bytes.get(s).copied().is_some_and(word);
    let last = e
        .checked_sub(1)
        .and_then(|i| bytes.get(i))
        .copied()
        .is_some_and(word);
    let before = s
        .checked_sub(1)
        .and_then(|i| bytes.get(i))
        .copied()
        .is_some_and(word);
    let after = bytes.get(e).copied().is_some_and(word);
    !((first && before) || (last && after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::split_lines;

    fn removed(set: &RuleSet, text: &str) -> Vec<(usize, String)> {
        let mut lines = Vec::new();
        split_lines(text, &mut lines);
        let mut v = vec![Verdict::Keep; lines.len()];
        set.scan(text, &lines, &mut v, CreditsMode::Extract);
        v.iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Verdict::Rule(f) | Verdict::Credit(f) => Some((i, set.family(*f).to_string())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn builtin_rules_parse() {
        let set = RuleSet::build(true, None).unwrap();
        assert!(set.pats.len() > 400);
    }

    #[test]
    fn families_in_five_languages() {
        let set = RuleSet::build(true, None).unwrap();
        let cases = [
            (
                "We use cookies to improve your experience. Learn more",
                "cookie",
            ),
            (
                "Utilizamos cookies para mejorar su experiencia. Política de cookies",
                "cookie",
            ),
            ("Nous utilisons des cookies. Accepter les cookies", "cookie"),
            ("Wir verwenden Cookies. Alle akzeptieren", "cookie"),
            ("Este site utiliza cookies. Aceitar cookies", "cookie"),
            ("Sign up for our newsletter", "newsletter"),
            ("SUSCRÍBETE A NUESTRO BOLETÍN", "newsletter"),
            ("Share this article", "share-bar"),
            ("Facebook Twitter Email", "share-bar"),
            (
                "Read more: Peru declares emergency at the border",
                "related",
            ),
            ("Advertisement", "advertisement"),
            ("Photo: Reuters/John Doe", "photo-credit"),
            ("© 2024 Daily Planet. All rights reserved.", "copyright"),
            ("Subscribe to continue reading", "paywall"),
            ("Log In", "comment-prompt"),
            ("Comments are closed.", "comment-prompt"),
            ("(0) comments", "comment-prompt"),
            ("Source: Al Jazeera", "credit-source"),
            (
                "Reporting by Jane Doe; Editing by John Roe",
                "credit-byline",
            ),
            ("(With inputs from AFP)", "credit-byline"),
            (
                "Don’t threaten. Threats of harming another person will not be tolerated.",
                "comment-policy",
            ),
        ];
        for (line, family) in cases {
            assert_eq!(removed(&set, line), vec![(0, family.to_string())], "{line}");
        }
    }

    #[test]
    fn hard_negatives_stay() {
        let set = RuleSet::build(true, None).unwrap();
        for line in [
            "The court ruled that a website which says it uses cookies to track visitors must first obtain consent.",
            "The EU cookie law, which requires a banner, took effect in 2011, the commission said.",
            "Shares of the publisher fell after a copyright case over all rights reserved notices was dismissed.",
            "Smoking is prohibited in all public buildings.",
            "They share this view, she said.",
            "The catalog in the museum was updated.",
            "Profit was 12 cts per\nshare.",
            "Facebook said on Tuesday it would appeal the ruling.",
            "Sources said the talks would resume.",
            "Written by hand, the letter was found in 1998 in an attic in a small town near the border of the two countries, officials said on Friday after a long inquiry.",
        ] {
            assert_eq!(removed(&set, line), vec![], "{line}");
        }
    }

    fn verdicts(set: &RuleSet, text: &str, every_line: bool) -> Vec<Verdict> {
        let mut lines = Vec::new();
        split_lines(text, &mut lines);
        let mut v = vec![Verdict::Keep; lines.len()];
        if every_line {
            set.scan_every_line(text, &lines, &mut v, CreditsMode::Extract);
        } else {
            set.scan(text, &lines, &mut v, CreditsMode::Extract);
        }
        v
    }

    proptest::proptest! {
        /// The trigger-word line filter changes nothing: the same verdicts
        /// as one automaton pass over the whole text, on texts made of the
        /// rules' own phrases (in any case, cut, glued to other words) and
        /// ordinary words.
        #[test]
        fn line_filter_matches_a_scan_of_every_line(
            pieces in proptest::collection::vec((0usize..2000, 0usize..8, 0usize..9), 0..40),
        ) {
            let set = RuleSet::build(true, None).unwrap();
            let rules = parse(BUILTIN, "rules.txt").unwrap();
            let words = ["the", "share", "of", "cookies", "Reuters", "said", "12", "é", "comment"];
            let mut text = String::new();
            for (pick, case, glue) in pieces {
                let piece = match pick % 3 {
                    0 => words[pick % words.len()].to_string(),
                    _ => {
                        let t = &rules[pick % rules.len()].text;
                        let cut = if pick % 7 == 0 { t.len() / 2 } else { t.len() };
                        let cut = (0..=cut).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                        t[..cut].to_string()
                    }
                };
                let piece = match case {
                    0 => piece.to_uppercase(),
                    1 => {
                        let mut c = piece.chars();
                        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
                    }
                    _ => piece,
                };
                text.push_str(&piece);
                text.push_str(["", " ", "\n", ". ", "x", "’", "\n\n", " | ", "_"][glue]);
            }
            let oracle = verdicts(&set, &text, true);
            // Another rule set reads the text first on this thread: the
            // same rules in reverse order, so that its family numbers
            // differ. What it remembers must not leak into `set`'s scans.
            static OTHER: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
            let other = OTHER.get_or_init(|| {
                let reversed: String = BUILTIN.lines().rev().map(|l| format!("{l}\n")).collect();
                RuleSet::build(false, Some((&reversed, "reversed"))).unwrap()
            });
            verdicts(other, &text, false);
            proptest::prop_assert_eq!(&verdicts(&set, &text, false), &oracle, "{:?}", text);
            // Again, with every line's family now remembered.
            proptest::prop_assert_eq!(&verdicts(&set, &text, false), &oracle, "{:?}", text);
        }
    }

    proptest::proptest! {
        /// The eight-at-a-time word masks against a byte-by-byte oracle.
        #[test]
        fn word_masks_match_a_byte_scan(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let mut masks = Vec::new();
            word_masks(&bytes, &mut masks);
            proptest::prop_assert_eq!(masks.len(), bytes.len().div_ceil(64));
            for (i, &b) in bytes.iter().enumerate() {
                let want = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
                proptest::prop_assert_eq!(masks[i / 64] >> (i % 64) & 1 == 1, want, "byte {} at {}", b, i);
            }
        }
    }

    #[test]
    fn every_byte_value_classifies_like_the_boundary_test() {
        for b in 0..=255u8 {
            let want = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
            assert_eq!(is_word(b), want, "{b}");
            let x = u64::from(b) << 24 | u64::from(b'a');
            assert_eq!(word_bits8(x), 1 | u64::from(want) << 3, "{b}");
        }
    }

    #[test]
    fn a_pattern_without_a_word_sends_every_line_to_the_automaton() {
        let set = RuleSet::build(
            false,
            Some(("chrome\t=|||\nchrome\t=Back to top\n", "u.txt")),
        )
        .unwrap();
        assert!(set.triggers.every_line);
        assert_eq!(
            removed(&set, "x\n|||\nback to top"),
            vec![(1, "chrome".into()), (2, "chrome".into())]
        );
        let set = RuleSet::build(true, None).unwrap();
        assert!(!set.triggers.every_line);
        assert!(!set
            .triggers
            .in_line(b"Shares of the company fell on Tuesday."));
        assert!(set.triggers.in_line(b"Sign up for our NEWSLETTER today"));
    }

    #[test]
    fn user_rules_and_errors() {
        let set = RuleSet::build(
            false,
            Some((
                "# mine\nchrome\t=Back to top\nchrome\tbrought to you by\n",
                "u.txt",
            )),
        )
        .unwrap();
        assert_eq!(
            removed(&set, "x\nBACK TO TOP\nThis page brought to you by Acme"),
            vec![(1, "chrome".into()), (2, "chrome".into())]
        );
        let err = RuleSet::build(false, Some(("ok\tfine\nno tab here\n", "u.txt"))).unwrap_err();
        assert!(err.0.starts_with("u.txt:2:"), "{}", err.0);
        let err = RuleSet::build(false, Some(("fam\t=\n", "u.txt"))).unwrap_err();
        assert!(err.0.contains("u.txt:1: empty pattern"), "{}", err.0);
    }
}
