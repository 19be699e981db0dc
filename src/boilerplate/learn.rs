//! Layer 3: boilerplate learned from the corpus.
//!
//! First pass ([`LineCounts::observe`], per document, after the rules):
//!
//! ```text
//! h[i]   = xxh3 of each non-blank line (case, spacing and digits folded)
//! b, b2  = per line, two min-hashes (independent hash functions) of the 3
//!          longest lines of the middle (all but the first and last 3
//!          lines; 1 for 5 to 8 lines), leaving out the line itself: a
//!          sketch of what the article is
//! e      = per line, the smaller sketch of the first and the last line
//!          other than itself: what frames it
//! for each distinct h in the document:
//!     docs += 1; edge += 1 when it is the first or last line
//!     body[top 3 bits of b] += 1; body2[top 3 bits of b2] += 1
//!     frame[top 3 bits of e] += 1
//! ```
//!
//! The mean of `max(body) / docs` and `max(body2) / docs` estimates how
//! often the documents that share the line share their body too;
//! `max(frame) / docs` how often they share a frame. Site chrome recurs with
//! different articles (low); a syndicated wire story recurs with copies of
//! itself (high), so its body is never learned. Two sketches, because one
//! recurring line among a site's long lines (a prompt in mid-article) is
//! the minimum of one sketch in most of the site's pages, which makes that
//! sketch look shared; it is rarely the minimum of both.
//!
//! Learning keeps the lines with `docs >= learn_min_docs` and similarity at
//! most `learn_max_similarity`. The second pass ([`Learned::strip`]) removes
//! such a line only in boilerplate position:
//!
//! ```text
//! shape guard: a line that starts in lower case, ends in , ; - (, is mostly
//!     digits, or is followed by a line starting in lower case is a piece of
//!     a paragraph or a table: never removed
//! anchors: learned lines that are "framed" (the first and last lines of
//!     their documents, not counting themselves, mostly recur together: the
//!     line travels with a site's chrome), or "edgy" (the first or last line
//!     in at least a quarter of their documents: recurring article lines,
//!     such as subheads and quotes, almost never are, while chrome shared
//!     by many sites is, wherever a site puts it)
//! in each run of consecutive learned lines, remove:
//!     at the head: from the edge through the last anchor
//!     at the tail: from the first anchor through the edge
//!     anywhere: from the first anchor through the last
//! ```
//!
//! So a short content line that recurs ("It was over.", a subhead) stays
//! when it sits inside an article among lines of its own.
//!
//! Memory: one 16-byte cell per distinct line (8 bytes of key, 4 of slot;
//! `slots.rs`), in a table between three eighths and three quarters full.
//! A line seen in one document so far keeps its counters packed in the
//! slot; a line seen in two or more has 56 bytes of counters besides. Most
//! distinct lines of a corpus are seen once, so about 21 to 43 bytes a
//! distinct line depending on the table's load (77 to 99 for lines seen
//! twice or more).
//! When a counter holds more than
//! `learn_max_lines` lines it forgets the lines seen once (and then twice,
//! ...), so memory stays bounded; such a line can still be learned if it
//! recurs often afterwards. Text is kept only for learned lines, the first
//! time one is removed.

use super::slots::SlotMap;
use super::{
    assemble, line_key, split_lines, BuildU64, LineKeys, Removed, StripConfig, StripStats, Verdict,
    SCRATCH,
};
use crate::swar;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Counters of one distinct line.
#[derive(Debug, Clone, Copy)]
struct Counter {
    docs: u32,
    /// Documents where the line is the first or last non-blank line.
    edge: u32,
    /// Documents per bucket of their body sketch (top 3 bits).
    body: [u16; BUCKETS],
    /// The same for a second body sketch with another hash: one recurring
    /// line among a site's long lines (a mid-article prompt) can make one
    /// sketch look shared, but rarely both.
    body2: [u16; BUCKETS],
    /// Documents per bucket of their frame sketch.
    frame: [u16; BUCKETS],
}

/// Buckets of a sketch histogram. Counting per bucket, not against the
/// first document's value, makes the counts independent of the order the
/// documents come in (and of the thread count); the largest bucket over
/// `docs` estimates how often the line comes with the same body (frame).
/// A sketch is a minimum of 2 or 3 hashes, so its top bits lean towards 0:
/// unrelated contexts fill the largest bucket to about a quarter (frame)
/// or a third (body), still well below the one-half threshold.
const BUCKETS: usize = 8;

fn bucket(x: u32) -> usize {
    (x >> 29) as usize
}

/// The counters of a line seen in one document, packed into 16 bits:
/// bits 0-2 the body bucket and bit 3 set when there is one, bits 4-6 and
/// bit 7 the same for the frame, bit 8 set when the line was at the edge,
/// bits 9-11 and bit 12 the second body sketch's bucket.
/// [`Once::counter`] gives the [`Counter`] the line would have had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Once(u16);

impl Once {
    fn new(body: u32, body2: u32, frame: u32, at_edge: bool) -> Once {
        let part = |x: u32| {
            if x == u32::MAX {
                0
            } else {
                8 | bucket(x) as u16
            }
        };
        Once(part(body) | part(frame) << 4 | u16::from(at_edge) << 8 | part(body2) << 9)
    }

    fn counter(self) -> Counter {
        let mut c = Counter {
            docs: 1,
            edge: u32::from(self.0 >> 8 & 1),
            body: [0; BUCKETS],
            body2: [0; BUCKETS],
            frame: [0; BUCKETS],
        };
        if self.0 & 8 != 0 {
            c.body[usize::from(self.0 & 7)] = 1;
        }
        if self.0 & 0x1000 != 0 {
            c.body2[usize::from(self.0 >> 9 & 7)] = 1;
        }
        if self.0 & 0x80 != 0 {
            c.frame[usize::from(self.0 >> 4 & 7)] = 1;
        }
        c
    }

    /// The packed form of `c`, when it counts one document.
    fn of(c: &Counter) -> Option<Once> {
        if c.docs != 1 || c.edge > 1 {
            return None;
        }
        let one = |hist: &[u16; BUCKETS]| -> Option<u16> {
            match hist.iter().map(|&v| u32::from(v)).sum::<u32>() {
                0 => Some(0),
                1 => Some(8 | hist.iter().position(|&v| v == 1)? as u16),
                _ => None,
            }
        };
        Some(Once(
            one(&c.body)? | one(&c.frame)? << 4 | (c.edge as u16) << 8 | one(&c.body2)? << 9,
        ))
    }
}

/// Every distinct line's counts. One hash map from the line's hash to a
/// slot: a line seen in one document so far keeps its packed counters
/// ([`Once`]) in the slot itself; a line seen in more has its slot point
/// (top bit set) at its [`Counter`] in `counters`. One probe per line,
/// new or not (most lines of a corpus are new: article sentences).
#[derive(Debug, Default)]
struct Table {
    slots: SlotMap,
    counters: Vec<Counter>,
}

/// A slot's top bit: the rest of it indexes [`Table::counters`].
const FULL: u32 = 1 << 31;

impl Table {
    /// Distinct lines.
    fn len(&self) -> usize {
        self.slots.len()
    }

    /// Adds one document's sighting of line `h`.
    fn add_once(&mut self, h: u64, once: Once) {
        if let Some(slot) = self.slots.insert_or_get(h, u32::from(once.0)) {
            full_counter(&mut self.counters, slot).add_once(once);
        }
    }

    /// Adds the counts `c` of line `h`.
    fn add(&mut self, h: u64, c: &Counter) {
        let packed = match Once::of(c) {
            Some(once) => u32::from(once.0),
            None => FULL | self.counters.len() as u32,
        };
        match self.slots.insert_or_get(h, packed) {
            Some(slot) => full_counter(&mut self.counters, slot).add(c),
            None if packed & FULL != 0 => self.counters.push(*c),
            None => {}
        }
    }

    /// The counts of the slot `slot`.
    fn counter(&self, slot: u32) -> Counter {
        if slot & FULL != 0 {
            self.counters[(slot & !FULL) as usize]
        } else {
            Once(slot as u16).counter()
        }
    }

    /// The counts of line `h`.
    #[cfg(test)]
    fn get(&self, h: u64) -> Option<Counter> {
        self.slots.get(h).map(|s| self.counter(s))
    }

    /// Every line and its counts.
    fn iter(&self) -> impl Iterator<Item = (u64, Counter)> + '_ {
        self.slots.iter().map(|(h, s)| (h, self.counter(s)))
    }

    /// The lines seen in at least `floor` documents, and their counts.
    /// With a floor of 2 or more, the lines seen once (most of a table)
    /// are passed over by their packed slot, without unpacking it.
    fn iter_from(&self, floor: u32) -> impl Iterator<Item = (u64, Counter)> + '_ {
        self.slots
            .iter()
            .filter(move |&(_, s)| floor <= 1 || s & FULL != 0)
            .map(|(h, s)| (h, self.counter(s)))
            .filter(move |(_, c)| c.docs >= floor)
    }

    /// Keeps only the lines seen in more than `floor` (at least 1)
    /// documents, so every line seen once goes; the counters are compacted.
    fn retain_above(&mut self, floor: u32) {
        let old = std::mem::take(&mut self.counters);
        let counters = &mut self.counters;
        self.slots.retain(|_, slot| {
            let Some(c) = old
                .get((*slot & !FULL) as usize)
                .filter(|_| *slot & FULL != 0)
            else {
                return false;
            };
            if c.docs <= floor {
                return false;
            }
            *slot = FULL | counters.len() as u32;
            counters.push(*c);
            true
        });
    }

    /// Bytes of the map's cells (key and slot) and counters.
    fn bytes(&self) -> usize {
        self.slots.bytes() + self.counters.capacity() * std::mem::size_of::<Counter>()
    }
}

/// The full counter of an occupied slot; a line seen once so far gets one
/// (from its packed counts) and its slot points at it from now on.
fn full_counter<'a>(counters: &'a mut Vec<Counter>, slot: &mut u32) -> &'a mut Counter {
    if *slot & FULL == 0 {
        let unpacked = Once(*slot as u16).counter();
        *slot = FULL | counters.len() as u32;
        counters.push(unpacked);
    }
    &mut counters[(*slot & !FULL) as usize]
}

impl Counter {
    /// Adds one document's packed counts.
    fn add_once(&mut self, once: Once) {
        let o = once.0;
        self.docs = self.docs.saturating_add(1);
        self.edge = self.edge.saturating_add(u32::from(o >> 8 & 1));
        let bump = |hist: &mut [u16; BUCKETS], present: bool, bucket: u16| {
            if present {
                let b = &mut hist[usize::from(bucket)];
                *b = b.saturating_add(1);
            }
        };
        bump(&mut self.body, o & 8 != 0, o & 7);
        bump(&mut self.frame, o & 0x80 != 0, o >> 4 & 7);
        bump(&mut self.body2, o & 0x1000 != 0, o >> 9 & 7);
    }

    /// Adds the counts of `c`.
    fn add(&mut self, c: &Counter) {
        self.docs = self.docs.saturating_add(c.docs);
        self.edge = self.edge.saturating_add(c.edge);
        for k in 0..BUCKETS {
            self.body[k] = self.body[k].saturating_add(c.body[k]);
            self.body2[k] = self.body2[k].saturating_add(c.body2[k]);
            self.frame[k] = self.frame[k].saturating_add(c.frame[k]);
        }
    }
}

/// Share of the documents in the largest bucket (counts saturate at
/// 65535, so for lines in more documents the share is a lower bound).
fn top_share(hist: &[u16; BUCKETS], docs: u32, discount: u16) -> f64 {
    let top = hist
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .saturating_sub(discount);
    f64::from(top) / f64::from(docs.max(1))
}

/// Layer 3, first pass: what is counted over the corpus. One per thread,
/// merged at the end of the pass.
#[derive(Debug)]
pub struct LineCounts {
    /// Every line's counts.
    table: Table,
    min_docs: u32,
    max_similarity: f32,
    max_lines: usize,
    /// Lines seen in at most this many documents go when the map is full.
    prune_floor: u32,
    hashes: Vec<u64>,
    keys: LineKeys,
}

impl Default for LineCounts {
    fn default() -> Self {
        LineCounts::new(&StripConfig::default())
    }
}

/// Lines that make a document's body sketch.
const BODY: usize = 3;
/// Lines at each edge left out of the body of a document of 9+ lines.
const EDGE: usize = 3;

fn sketch(h: u64, seed: u64) -> u32 {
    ((h ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

impl LineCounts {
    /// An empty counter.
    pub fn new(config: &StripConfig) -> Self {
        LineCounts {
            table: Table::default(),
            min_docs: config.learn_min_docs.max(2),
            max_similarity: config.learn_max_similarity,
            max_lines: config.learn_max_lines.max(1024),
            prune_floor: 1,
            hashes: Vec::new(),
            keys: LineKeys::default(),
        }
    }

    /// Counts the lines of one (rule-stripped) document.
    pub fn observe(&mut self, text: &str) {
        let mut keys = std::mem::take(&mut self.keys);
        keys.fill(text);
        self.observe_keys(&keys);
        self.keys = keys;
    }

    /// [`LineCounts::observe`] of the document whose non-blank lines have
    /// these keys (from [`LineKeys::fill`] or [`Stripper::strip_keyed`]).
    ///
    /// [`Stripper::strip_keyed`]: super::Stripper::strip_keyed
    pub fn observe_keys(&mut self, keys: &LineKeys) {
        let n = keys.hashes.len().min(keys.lens.len());
        if n == 0 {
            return;
        }
        self.hashes.clear();
        self.hashes.extend_from_slice(&keys.hashes[..n]);
        // The body: the BODY longest lines (length, sketch, hash). Article
        // paragraphs are longer than chrome, so copies of one story share
        // their body and pages of one site do not.
        // Chrome sits at the edges: the body lines come from the middle.
        let skip = match n {
            0..=4 => 0,
            5..=8 => 1,
            _ => EDGE,
        };
        let mut body = [(0usize, u32::MAX, u32::MAX, 0u64); BODY + 1];
        for (&h, &len) in self.hashes[skip..n - skip]
            .iter()
            .zip(&keys.lens[skip..n - skip])
        {
            let len = len as usize;
            if len > body[BODY].0 && !body.iter().any(|b| b.3 == h && b.0 > 0) {
                body[BODY] = (
                    len,
                    sketch(h, 0x5851_F42D_4C95_7F2D),
                    sketch(h, 0x1B87_3593_A54F_F53A),
                    h,
                );
                body.sort_unstable_by_key(|x| std::cmp::Reverse(x.0));
            }
        }
        // The frame: the first and the last line; for a line that is one
        // of them, the first (last) line that is not this line.
        let (first, last) = (self.hashes[0], self.hashes[n - 1]);
        let first_other = self.hashes.iter().copied().find(|&h| h != first);
        let last_other = self.hashes.iter().rev().copied().find(|&h| h != last);
        let frame_of = |h: u64| {
            let a = if h == first { first_other } else { Some(first) };
            let b = if h == last { last_other } else { Some(last) };
            [a, b]
                .into_iter()
                .flatten()
                .map(|f| sketch(f, 0x2545_F491_4F6C_DD1D))
                .min()
                .unwrap_or(u32::MAX)
        };
        self.hashes.sort_unstable();
        self.hashes.dedup();
        self.table.slots.reserve(self.hashes.len());
        self.table.slots.touch(&self.hashes);
        for &h in &self.hashes {
            // Each sketch leaves out the line itself: a line does not vouch
            // for its own context.
            let others = || body.iter().filter(|x| x.0 > 0 && x.3 != h).take(BODY);
            let b = others().map(|x| x.1).min().unwrap_or(u32::MAX);
            let b2 = others().map(|x| x.2).min().unwrap_or(u32::MAX);
            let e = frame_of(h);
            let at_edge = h == first || h == last;
            self.table.add_once(h, Once::new(b, b2, e, at_edge));
        }
        if self.distinct_lines() > self.max_lines {
            self.prune();
        }
    }

    /// Forgets the rarest lines until at most half the budget is used.
    fn prune(&mut self) {
        while self.distinct_lines() > self.max_lines / 2 {
            // The floor is at least 1: every line seen once goes.
            self.table.retain_above(self.prune_floor);
            if self.distinct_lines() > self.max_lines / 2 {
                self.prune_floor += 1;
            }
        }
    }

    /// Learns from the counts of several threads (or parts of a corpus):
    /// the lines [`LineCounts::merge`] then [`LineCounts::learn`] would
    /// find, without merging the tables. A line in `min_docs` documents
    /// over `n` tables is in `min_docs / n` or more of one of them (the
    /// pigeonhole), so only such lines are looked up in the others and
    /// summed; the lines seen once, most of every table, are never moved.
    /// (Merging two tables of millions of lines took seconds on one
    /// thread at the end of the first pass.) The tables are scanned in
    /// parallel, on the current rayon pool.
    pub fn learn_all(mut parts: Vec<LineCounts>) -> Option<Learned> {
        if parts.len() <= 1 {
            return parts.pop().map(LineCounts::learn);
        }
        let first = &parts[0];
        let mut sum = LineCounts {
            table: Table::default(),
            min_docs: first.min_docs,
            max_similarity: first.max_similarity,
            max_lines: first.max_lines,
            prune_floor: parts.iter().map(|p| p.prune_floor).max().unwrap_or(1),
            hashes: Vec::new(),
            keys: LineKeys::default(),
        };
        let floor = sum.min_docs.div_ceil(parts.len() as u32);
        // Each table on a thread of the pool: its lines at the floor that
        // no earlier table has at the floor (that one sums them), with
        // their counts summed over all tables. Added in table order, as
        // one thread scanning the tables in turn would.
        let has_at_floor = |part: &LineCounts, h: u64| {
            part.table
                .slots
                .get(h)
                .is_some_and(|s| part.table.counter(s).docs >= floor)
        };
        let found: Vec<Vec<(u64, Counter)>> = parts
            .par_iter()
            .enumerate()
            .map(|(i, part)| {
                part.table
                    .iter_from(floor)
                    .filter(|&(h, _)| !parts[..i].iter().any(|p| has_at_floor(p, h)))
                    .map(|(h, c)| {
                        let mut total = c;
                        for (_, other) in parts.iter().enumerate().filter(|&(j, _)| j != i) {
                            if let Some(slot) = other.table.slots.get(h) {
                                total.add(&other.table.counter(slot));
                            }
                        }
                        (h, total)
                    })
                    .collect()
            })
            .collect();
        drop(parts);
        for (h, total) in found.iter().flatten() {
            sum.table.add(*h, total);
        }
        Some(sum.learn())
    }

    /// Adds another thread's counts.
    pub fn merge(&mut self, other: LineCounts) {
        // The larger tables take the smaller ones' lines (the settings
        // stay this counter's).
        let settings = (self.min_docs, self.max_similarity, self.max_lines);
        let (mut big, small) = if other.distinct_lines() > self.distinct_lines() {
            (other, std::mem::take(self))
        } else {
            (std::mem::take(self), other)
        };
        (big.min_docs, big.max_similarity, big.max_lines) = settings;
        big.prune_floor = big.prune_floor.max(small.prune_floor);
        big.table.slots.reserve(small.table.len());
        for (h, c) in small.table.iter() {
            big.table.add(h, &c);
        }
        *self = big;
        if self.distinct_lines() > self.max_lines {
            self.prune();
        }
    }

    /// Distinct lines counted so far.
    pub fn distinct_lines(&self) -> usize {
        self.table.len()
    }

    /// Bytes of the counting tables (slots of key, counters and control byte).
    pub fn table_bytes(&self) -> usize {
        self.table.bytes()
    }

    /// Every line's counts, in hash order.
    fn sorted(&self) -> Vec<(u64, Counter)> {
        let mut entries: Vec<(u64, Counter)> = self.table.iter().collect();
        entries.sort_unstable_by_key(|e| e.0);
        entries
    }

    /// Writes the counts (for a sharded run, where each shard counts its
    /// own documents and one task merges them). Layout, little-endian:
    /// `u32` prune floor, `u64` lines, then per line `u64` hash, `u32`
    /// docs, `u32` edge, 8 x `u16` body, 8 x `u16` frame, 8 x `u16` second
    /// body.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&self.prune_floor.to_le_bytes())?;
        w.write_all(&(self.distinct_lines() as u64).to_le_bytes())?;
        let entries = self.sorted();
        let mut rec = Vec::with_capacity(16 + 6 * BUCKETS);
        for (h, c) in entries {
            rec.clear();
            rec.extend_from_slice(&h.to_le_bytes());
            rec.extend_from_slice(&c.docs.to_le_bytes());
            rec.extend_from_slice(&c.edge.to_le_bytes());
            for v in c.body.iter().chain(&c.frame).chain(&c.body2) {
                rec.extend_from_slice(&v.to_le_bytes());
            }
            w.write_all(&rec)?;
        }
        Ok(())
    }

    /// Reads counts written by [`LineCounts::write_to`] and adds them, as
    /// [`LineCounts::merge`] does.
    pub fn merge_from(&mut self, r: &mut impl Read) -> io::Result<()> {
        let mut other = LineCounts {
            table: Table::default(),
            min_docs: self.min_docs,
            max_similarity: self.max_similarity,
            max_lines: self.max_lines,
            prune_floor: u32::from_le_bytes(read_array(r)?),
            hashes: Vec::new(),
            keys: LineKeys::default(),
        };
        let n = u64::from_le_bytes(read_array(r)?);
        let mut rec = [0u8; 16 + 6 * BUCKETS];
        for _ in 0..n {
            r.read_exact(&mut rec)?;
            let word = |i: usize| u16::from_le_bytes([rec[16 + 2 * i], rec[17 + 2 * i]]);
            let mut c = Counter {
                docs: u32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]),
                edge: u32::from_le_bytes([rec[12], rec[13], rec[14], rec[15]]),
                body: [0; BUCKETS],
                body2: [0; BUCKETS],
                frame: [0; BUCKETS],
            };
            for k in 0..BUCKETS {
                c.body[k] = word(k);
                c.frame[k] = word(BUCKETS + k);
                c.body2[k] = word(2 * BUCKETS + k);
            }
            let h = u64::from_le_bytes(rec[..8].try_into().unwrap_or_default());
            other.table.add(h, &c);
        }
        self.merge(other);
        Ok(())
    }

    /// Decides which lines are boilerplate.
    pub fn learn(self) -> Learned {
        let mut index = HashMap::default();
        let mut lines = Vec::new();
        // Lines seen once are below `min_docs` (at least 2).
        for (h, c) in self.table.iter_from(self.min_docs) {
            // Two documents are taken off the top bucket so that a few
            // documents that land in one bucket by chance are not a frame.
            let frame_share = top_share(&c.frame, c.docs, 2);
            let framed = frame_share >= 0.5;
            // A line that comes with the same body is a syndicated story's,
            // unless it also comes with the same frame: then it is a site's
            // chrome whose long lines fill a short page's middle (copies of
            // one whole page are left to dedup by the all-learned guard).
            let similarity = (top_share(&c.body, c.docs, 0) + top_share(&c.body2, c.docs, 0)) / 2.0;
            if similarity > f64::from(self.max_similarity) && frame_share < 0.7 {
                continue;
            }
            index.insert(h, lines.len() as u32);
            lines.push(Entry {
                edgy: f64::from(c.edge) >= 0.25 * f64::from(c.docs),
                framed,
                docs: c.docs,
                text: OnceLock::new(),
                removed: AtomicU64::new(0),
            });
        }
        Learned { index, lines }
    }
}

/// A learned line, for the report.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LearnedLine {
    /// The line's text.
    pub text: String,
    /// In how many documents it occurred.
    pub docs: u64,
    /// How many times the second pass removed it.
    pub removed: u64,
}

#[derive(Debug)]
struct Entry {
    docs: u32,
    /// The first or last line of at least a quarter of its documents.
    edgy: bool,
    /// Mostly framed by the same edge lines: it travels with a site's chrome.
    framed: bool,
    text: OnceLock<Box<str>>,
    removed: AtomicU64,
}

/// Layer 3, second pass: the learned boilerplate, applied per document.
#[derive(Debug, Default)]
pub struct Learned {
    index: HashMap<u64, u32, BuildU64>,
    lines: Vec<Entry>,
}

/// Shape of a line that is a piece of a paragraph or a table, never chrome.
fn looks_like_content(line: &str) -> bool {
    let t = super::trim(line);
    if t.chars().next().is_some_and(char::is_lowercase) {
        return true;
    }
    if t.ends_with([',', ';', '-', '(']) {
        return true;
    }
    let (alnum, digits) = alnum_and_digits(t.as_bytes());
    digits * 100 > alnum * 15
}

/// ASCII letters and digits in `bytes`, and digits alone, eight bytes at a
/// time: each byte's class is a top bit, counted with `count_ones`.
fn alnum_and_digits(bytes: &[u8]) -> (usize, usize) {
    let count = |x: u64| {
        let digit = swar::digits(x);
        (
            (swar::letters(x) | digit).count_ones() as usize,
            digit.count_ones() as usize,
        )
    };
    let (mut alnum, mut digits) = (0, 0);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let (a, d) = count(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        alnum += a;
        digits += d;
    }
    // The tail, padded with zero bytes (neither letters nor digits).
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    let (a, d) = count(u64::from_le_bytes(tail));
    (alnum + a, digits + d)
}

impl Learned {
    /// Lines learned as boilerplate candidates.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether nothing was learned.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Strips learned lines of `text` into `out` (cleared first); removed
    /// lines go to `removed` when given. Returns `true` when the text
    /// changed; when `false`, `out` is unspecified.
    ///
    /// `stats.docs_learned` counts the documents this layer changed
    /// (`docs_changed` is left to the first pass, which sees every document).
    pub fn strip(
        &self,
        text: &str,
        out: &mut String,
        removed: Option<&mut Vec<Removed>>,
        stats: &mut StripStats,
    ) -> bool {
        self.strip_keyed(text, None, out, removed, stats, true)
    }

    /// [`Learned::strip`] for a pass that strips the same documents a
    /// second time (the dedup pass before the write pass): the same output,
    /// but [`Learned::report`]'s removal counts and sample texts are left
    /// to the pass that writes.
    pub fn strip_unrecorded(
        &self,
        text: &str,
        out: &mut String,
        removed: Option<&mut Vec<Removed>>,
        stats: &mut StripStats,
    ) -> bool {
        self.strip_keyed(text, None, out, removed, stats, false)
    }

    /// [`Learned::strip`] (`record`) or [`Learned::strip_unrecorded`], given
    /// the folded hashes of `text`'s non-blank lines ([`LineKeys::hashes`],
    /// kept in the spill file since the first pass) so that no line is
    /// hashed again. Keys that do not match the text's non-blank lines in
    /// number are ignored and the lines hashed.
    pub fn strip_keyed(
        &self,
        text: &str,
        keys: Option<&[u64]>,
        out: &mut String,
        mut removed: Option<&mut Vec<Removed>>,
        stats: &mut StripStats,
        record: bool,
    ) -> bool {
        if self.lines.is_empty() {
            return false;
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            split_lines(text, &mut s.lines);
            // Non-blank lines: (line index, learned index or u32::MAX).
            let nb = &mut s.nonblank;
            nb.clear();
            let mut any = false;
            for (i, line) in s.lines.iter().enumerate() {
                let l = &text[line.start..line.end];
                if !super::trim(l).is_empty() {
                    nb.push((i as u32, u32::MAX));
                }
            }
            let keys = keys.filter(|k| k.len() == nb.len());
            for (j, (i, cand)) in nb.iter_mut().enumerate() {
                let line = s.lines[*i as usize];
                let l = &text[line.start..line.end];
                let key = match keys {
                    Some(keys) => keys[j],
                    None => line_key(super::trim(l).as_bytes(), true),
                };
                if let Some(&e) = self.index.get(&key) {
                    if !looks_like_content(l) {
                        any = true;
                        *cand = e;
                    }
                }
            }
            // A page made only of learned lines is a copy of a page (dedup's
            // business) or a page of chrome: either way not this layer's to
            // empty.
            if !any || nb.iter().all(|x| x.1 != u32::MAX) {
                return false;
            }
            // A line followed by one that starts in lower case continues
            // into it, unless it travels with a site's frame (chrome pasted
            // into a hard-wrapped paragraph).
            for k in 0..nb.len().saturating_sub(1) {
                // Only a candidate has a place to lose.
                let Some(entry) = self.lines.get(nb[k].1 as usize) else {
                    continue;
                };
                let next = s.lines[nb[k + 1].0 as usize];
                if !entry.framed
                    && text[next.start..next.end]
                        .trim_start()
                        .chars()
                        .next()
                        .is_some_and(char::is_lowercase)
                {
                    nb[k].1 = u32::MAX;
                }
            }
            s.verdicts.clear();
            s.verdicts.resize(s.lines.len(), Verdict::Keep);
            let mut changed = false;
            let mut k = 0;
            while k < nb.len() {
                if nb[k].1 == u32::MAX {
                    k += 1;
                    continue;
                }
                let start = k;
                while k < nb.len() && nb[k].1 != u32::MAX {
                    k += 1;
                }
                let run = &nb[start..k];
                // Anchors: lines that are chrome by their statistics. At
                // the head everything from the edge to the last anchor goes,
                // at the tail everything from the first anchor; anywhere,
                // the lines between two anchors. A recurring title or
                // subhead next to chrome but outside it stays.
                let at_head = start == 0;
                let at_tail = k == nb.len();
                let anchor = |&(_, e): &(u32, u32)| {
                    self.lines
                        .get(e as usize)
                        .is_some_and(|e| e.framed || e.edgy)
                };
                let (Some(first), Some(last)) =
                    (run.iter().position(anchor), run.iter().rposition(anchor))
                else {
                    continue;
                };
                let from = if at_head { 0 } else { first };
                let to = if at_tail { run.len() - 1 } else { last };
                for &(i, e) in &run[from..=to] {
                    s.verdicts[i as usize] = Verdict::Learned(e);
                }
                changed = true;
            }
            if !changed {
                return false;
            }
            for (i, (line, v)) in s.lines.iter().zip(&s.verdicts).enumerate() {
                let Verdict::Learned(e) = *v else { continue };
                let l = &text[line.start..line.end];
                let docs = match self.lines.get(e as usize) {
                    Some(entry) => {
                        if record {
                            entry.text.get_or_init(|| l.trim().into());
                            entry.removed.fetch_add(1, Ordering::Relaxed);
                        }
                        entry.docs
                    }
                    None => 0,
                };
                stats.lines_learned += 1;
                stats.lines_removed += 1;
                if let Some(removed) = removed.as_deref_mut() {
                    removed.push(Removed {
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        text: l.to_string(),
                        layer: "learned",
                        reason: format!("recurs in {docs} documents"),
                    });
                }
            }
            stats.docs_learned += 1;
            assemble(text, &s.lines, &s.verdicts, out);
            true
        })
    }

    /// The learned lines that the second pass removed, with their document
    /// counts, most frequent first. (Text is kept only for lines that were
    /// removed somewhere, so before the second pass this is empty.)
    pub fn report(&self) -> Vec<LearnedLine> {
        let mut out: Vec<LearnedLine> = self
            .lines
            .iter()
            .filter_map(|e| {
                Some(LearnedLine {
                    text: e.text.get()?.to_string(),
                    docs: u64::from(e.docs),
                    removed: e.removed.load(Ordering::Relaxed),
                })
            })
            .collect();
        out.sort_by(|a, b| b.docs.cmp(&a.docs).then_with(|| a.text.cmp(&b.text)));
        out
    }
}

/// How often the write pass removed one learned line, and its text: the
/// part of [`Learned::report`] that a sharded run's write tasks add up.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LineUsage {
    /// The line's number in its [`Learned`] (the same in every task that
    /// loads one learned file).
    pub index: u32,
    /// Times it was removed.
    pub removed: u64,
    /// Its text as first removed.
    pub text: String,
}

impl Learned {
    /// Writes the learned lines (for the tasks of a sharded run). Layout,
    /// little-endian: `u64` lines, then per line in index order `u64` hash,
    /// `u32` docs, `u8` flags (1 edgy, 2 framed).
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut hashes = vec![0u64; self.lines.len()];
        for (&h, &i) in &self.index {
            if let Some(slot) = hashes.get_mut(i as usize) {
                *slot = h;
            }
        }
        w.write_all(&(self.lines.len() as u64).to_le_bytes())?;
        for (e, h) in self.lines.iter().zip(hashes) {
            w.write_all(&h.to_le_bytes())?;
            w.write_all(&e.docs.to_le_bytes())?;
            w.write_all(&[u8::from(e.edgy) | u8::from(e.framed) << 1])?;
        }
        Ok(())
    }

    /// Reads lines written by [`Learned::write_to`].
    pub fn read_from(r: &mut impl Read) -> io::Result<Learned> {
        let n = u64::from_le_bytes(read_array(r)?);
        let mut learned = Learned::default();
        for i in 0..n {
            let h = u64::from_le_bytes(read_array(r)?);
            let docs = u32::from_le_bytes(read_array(r)?);
            let [flags] = read_array::<1>(r)?;
            learned.index.insert(h, i as u32);
            learned.lines.push(Entry {
                docs,
                edgy: flags & 1 != 0,
                framed: flags & 2 != 0,
                text: OnceLock::new(),
                removed: AtomicU64::new(0),
            });
        }
        Ok(learned)
    }

    /// The removal counts and texts recorded so far, per line removed.
    pub fn usage(&self) -> Vec<LineUsage> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                Some(LineUsage {
                    index: i as u32,
                    removed: e.removed.load(Ordering::Relaxed),
                    text: e.text.get()?.to_string(),
                })
            })
            .collect()
    }

    /// Adds usage recorded by another [`Learned`] loaded from the same file
    /// (a text already known is kept: the earlier task's).
    pub fn add_usage(&self, usage: &[LineUsage]) {
        for u in usage {
            if let Some(e) = self.lines.get(u.index as usize) {
                e.removed.fetch_add(u.removed, Ordering::Relaxed);
                let _ = e.text.set(u.text.clone().into_boxed_str());
            }
        }
    }
}

fn read_array<const N: usize>(r: &mut impl Read) -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A corpus of `n` sites' documents: each has its own article, a
    /// two-line chrome head and one tail line, and a recurring content line
    /// in the middle of some articles.
    fn corpus(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let site = letters(i % 20);
                let mut d = format!(
                    "Home | World | {site}\nSubscribe to {site} for unlimited access today\n"
                );
                for p in 0..6 {
                    d.push_str(&format!(
                        "Article {} paragraph {} says something unique about {}.\n",
                        letters(i),
                        letters(p),
                        letters(i * 7 + p)
                    ));
                    if p == 2 && i % 3 == 0 {
                        d.push_str("It was over.\n");
                    }
                }
                d.push_str(&format!("Thanks for reading {site} journalism\n"));
                d
            })
            .collect()
    }

    /// `n` spelled in letters (digits are folded by the line hash).
    fn letters(mut n: usize) -> String {
        let mut s = String::new();
        loop {
            s.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return s;
            }
        }
    }

    fn learn(docs: &[String]) -> Learned {
        let cfg = StripConfig::default();
        let mut a = LineCounts::new(&cfg);
        let mut b = LineCounts::new(&cfg);
        for (i, d) in docs.iter().enumerate() {
            if i % 2 == 0 {
                a.observe(d)
            } else {
                b.observe(d)
            }
        }
        a.merge(b);
        a.learn()
    }

    fn strip(l: &Learned, text: &str) -> String {
        let mut out = String::new();
        if l.strip(text, &mut out, None, &mut StripStats::default()) {
            out
        } else {
            text.to_string()
        }
    }

    #[test]
    fn a_packed_line_unpacks_to_its_counters() {
        for bits in 0..0x2000u16 {
            let o = Once(bits);
            let c = o.counter();
            assert_eq!(c.docs, 1);
            // Buckets without their "present" bit are not part of the value.
            let norm = Once::of(&c).expect("one document packs");
            assert_eq!(norm.counter().body, c.body);
            assert_eq!(norm.counter().body2, c.body2);
            assert_eq!(norm.counter().frame, c.frame);
            assert_eq!(norm.counter().edge, c.edge);
        }
        let two = Counter {
            docs: 2,
            edge: 0,
            body: [0; BUCKETS],
            body2: [0; BUCKETS],
            frame: [0; BUCKETS],
        };
        assert_eq!(Once::of(&two), None);
    }

    proptest::proptest! {
        /// Counts checked against the documents themselves (docs and edge
        /// per line), and the same counts whether one counter sees every
        /// document, three counters merged in any order see a third each,
        /// or counts go through `write_to` / `merge_from`.
        #[test]
        fn counts_match_the_documents_however_they_are_split(
            docs in proptest::collection::vec(
                proptest::collection::vec(0usize..40, 1..12), 1..60),
            order in 0usize..6,
        ) {
            let texts: Vec<String> = docs
                .iter()
                .map(|d| d.iter().map(|&l| format!("Line {}\n", letters(l))).collect())
                .collect();
            let cfg = StripConfig::default();
            let mut all = LineCounts::new(&cfg);
            let mut parts = [LineCounts::new(&cfg), LineCounts::new(&cfg), LineCounts::new(&cfg)];
            for (i, t) in texts.iter().enumerate() {
                all.observe(t);
                parts[i % 3].observe(t);
            }
            let want = all.sorted();
            // docs and edge, counted naively from the texts.
            let mut naive: HashMap<u64, (u32, u32)> = HashMap::new();
            for d in &docs {
                let mut seen: Vec<usize> = d.clone();
                seen.sort_unstable();
                seen.dedup();
                for &l in &seen {
                    let h = line_key(format!("Line {}", letters(l)).as_bytes(), true);
                    let e = naive.entry(h).or_default();
                    e.0 += 1;
                    e.1 += u32::from(l == d[0] || l == d[d.len() - 1]);
                }
            }
            proptest::prop_assert_eq!(want.len(), naive.len());
            for (h, c) in &want {
                proptest::prop_assert_eq!(Some(&(c.docs, c.edge)), naive.get(h));
                proptest::prop_assert!(c.body.iter().map(|&v| u32::from(v)).sum::<u32>() <= c.docs);
                proptest::prop_assert!(c.frame.iter().map(|&v| u32::from(v)).sum::<u32>() <= c.docs);
            }
            let [a, b, c] = parts;
            let (first, second, third) = match order {
                0 => (a, b, c),
                1 => (a, c, b),
                2 => (b, a, c),
                3 => (b, c, a),
                4 => (c, a, b),
                _ => (c, b, a),
            };
            let mut buf = Vec::new();
            third.write_to(&mut buf).unwrap();
            let mut merged = first;
            merged.merge(second);
            merged.merge_from(&mut buf.as_slice()).unwrap();
            let got = merged.sorted();
            proptest::prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                proptest::prop_assert_eq!(g.0, w.0);
                proptest::prop_assert_eq!((g.1.docs, g.1.edge, g.1.body, g.1.body2, g.1.frame),
                    (w.1.docs, w.1.edge, w.1.body, w.1.body2, w.1.frame));
            }
        }
    }

    /// What a [`Learned`] decided, in hash order.
    fn decisions(l: &Learned) -> Vec<(u64, u32, bool, bool)> {
        let mut v: Vec<_> = l
            .index
            .iter()
            .map(|(&h, &e)| {
                let e = &l.lines[e as usize];
                (h, e.docs, e.edgy, e.framed)
            })
            .collect();
        v.sort_unstable();
        v
    }

    proptest::proptest! {
        /// The eight-at-a-time count agrees with a byte-by-byte one on any
        /// bytes (every value, every tail length).
        #[test]
        fn alnum_and_digits_count_like_a_byte_loop(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..70)
        ) {
            let alnum = bytes.iter().filter(|b| b.is_ascii_alphanumeric()).count();
            let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
            proptest::prop_assert_eq!(alnum_and_digits(&bytes), (alnum, digits));
        }

        /// Learning from several threads' tables (only the lines that can
        /// reach `min_docs` summed) decides as one table of every document.
        #[test]
        fn learning_from_parts_decides_as_one_table(
            docs in proptest::collection::vec(
                proptest::collection::vec(0usize..30, 1..10), 1..80),
            n_parts in 1usize..5,
            min_docs in 2u32..12,
        ) {
            let cfg = StripConfig { learn_min_docs: min_docs, ..StripConfig::default() };
            let mut all = LineCounts::new(&cfg);
            let mut parts: Vec<LineCounts> = (0..n_parts).map(|_| LineCounts::new(&cfg)).collect();
            for (i, d) in docs.iter().enumerate() {
                let t: String = d.iter().map(|&l| format!("Line {}\n", letters(l))).collect();
                all.observe(&t);
                parts[i % n_parts].observe(&t);
            }
            let want = decisions(&all.learn());
            let got = decisions(&LineCounts::learn_all(parts).unwrap());
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn a_full_table_forgets_rare_lines_and_keeps_recurring_ones() {
        let cfg = StripConfig {
            learn_max_lines: 1024,
            ..StripConfig::default()
        };
        let mut counts = LineCounts::new(&cfg);
        for i in 0..3000 {
            counts.observe(&format!(
                "Sign up for the Daily Brief\nStory {} first line\nStory {} second line\n",
                letters(i),
                letters(i)
            ));
            assert!(counts.distinct_lines() <= 1024);
        }
        assert!(counts.prune_floor >= 1);
        let chrome = line_key(b"Sign up for the Daily Brief", true);
        let docs = counts.table.get(chrome).map(|c| c.docs);
        assert_eq!(
            docs,
            Some(3000),
            "a line in every document is never forgotten"
        );
        assert!(counts.table_bytes() < 1024 * 200);
    }

    #[test]
    fn chrome_goes_content_stays() {
        let docs = corpus(400); // 20 sites of 20 pages
        let l = learn(&docs);
        for d in &docs {
            let out = strip(&l, d);
            assert!(!out.contains("for unlimited"), "{out}");
            assert!(!out.contains("Home | World"));
            assert!(!out.contains("Thanks for reading"));
            assert_eq!(out.lines().count(), d.lines().count() - 3, "{out}");
        }
        let report = l.report();
        assert_eq!(report.len(), 60, "{report:?}");
        assert!(report.iter().all(|r| r.docs == 20 && r.removed == 20));
    }

    #[test]
    fn syndicated_body_stays() {
        let mut docs = corpus(100);
        let story: String = (0..8)
            .map(|p| format!("Wire story paragraph {p} is carried by many outlets.\n"))
            .collect();
        for i in 0..40 {
            docs.push(format!(
                "Site {} masthead\n{story}Site {} footer",
                letters(i),
                letters(i)
            ));
        }
        let l = learn(&docs);
        for d in &docs[100..] {
            assert_eq!(strip(&l, d), *d);
        }
    }
}
