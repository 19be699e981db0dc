//! Mojibake repair: text that was UTF-8 but was decoded with a single-byte
//! code page (Windows-1252, Latin-1, MacRoman, Windows-125x, DOS 437) is
//! turned back into what the author wrote; everything else is left
//! byte-for-byte alone.
//!
//! # How the detector works
//!
//! Mojibake of a UTF-8 character is 2-4 non-ASCII characters in a row
//! (`é` -> `Ã©`, `’` -> `â€™`), because every byte of a multibyte UTF-8
//! sequence is >= 0x80. So clean ASCII can be skipped without decoding, and
//! only *runs* of non-ASCII characters are examined:
//!
//! ```text
//! for each run of non-ASCII chars in the document (skip ASCII 32 bytes at a time):
//!     skip it unless some char reads as a lead byte followed by one that reads
//!         as a continuation byte in some page (or a special form is present)
//!     for each code page P (cp1252 first; stop early when cp1252 explains
//!             every char at full strength):
//!         bytes = the run mapped back through P (chars P lacks -> none;
//!                 a space right after the run may stand for 0xA0)
//!         candidates = places where bytes form a whole UTF-8 sequence
//!         evidence(candidate) = 0 if the decoded char is implausible
//!                               (C1 control, IPA, private use, lone letter of
//!                               another script, lowercase after capitals, ...)
//!                             else 3 for 3-4 byte sequences, up to 2 for pairs
//!                               (less for pairs a real word can hold, such as
//!                               a capital + NBSP, or capitals on rare pages)
//!         score(run, P) = sum(evidence) - letters and mojibake symbols left over
//!     keep the best page per run
//! page_totals[P] = sum over runs of score(run, P); runs are re-read with a
//!     bias towards the pages the whole document reads best in
//! doc_score = sum of the kept run scores
//! repair a run when score >= 2 and doc_score >= 2 (3 if the document also holds
//!     clean non-ASCII text), or when score >= 0.5 and the rest of the
//!     document adds up to >= 2
//! repeat on each repaired run (up to max_layers) for double mojibake
//! ```
//!
//! Besides UTF-8 sequences the detector repairs the stray `Â` that a UTF-8
//! no-break space leaves behind when its second byte became a space or was
//! dropped (`Â ` -> NBSP, `Â` at the end of a line -> removed), `Ã ` whose
//! 0xA0 became a space (`voilÃ  le` -> `voilà le`), sequences that lost a byte
//! to U+FFFD (-> one U+FFFD), CESU-8 surrogate pairs, and C1 control
//! characters, which become the Windows-1252 character a browser would show.
//!
//! A false repair is worse than a missed one: when evidence is weak the text
//! is left alone. Typography (quotes, widths, normalization) is not touched.

mod classify;
mod detect;
mod tables;

use detect::{eval_run, Context, RunEval, Seq, SeqKind};
use serde::Serialize;
use tables::{CodePage, CP1252};

/// Rounds of [`Repairer::repair`] before it gives up on reaching a fixed
/// point (a real document needs one; contrived input may need two).
pub const MAX_ROUNDS: usize = 3;

/// Settings of the repair stage. [`RepairConfig::default`] is the
/// recommended setting.
#[derive(Debug, Clone)]
pub struct RepairConfig {
    /// How many layers of mojibake are undone at most (`Ã¢â‚¬â„¢` is two).
    pub max_layers: u8,
    /// Repair the stray `Â` of a damaged no-break space. When off, a run
    /// whose only damage is a stray `Â` is left alone.
    pub stray_a: bool,
    /// Replace C1 control characters by the Windows-1252 characters a
    /// browser would show for them.
    pub c1_controls: bool,
    /// Also try DOS code page 437 (`╨┐` for `п`).
    pub dos: bool,
    /// After repair, bring the text to Unicode normalization form C
    /// (`e` + combining acute -> `é`). Off by default: normalization is
    /// not mojibake, and it changes text that was written that way.
    pub nfc: bool,
}

impl Default for RepairConfig {
    fn default() -> Self {
        RepairConfig {
            max_layers: 3,
            stray_a: true,
            c1_controls: true,
            dos: true,
            nfc: false,
        }
    }
}

/// Counters of the repair stage, summed over documents.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RepairStats {
    /// Documents in which at least one span was repaired.
    pub docs_changed: u64,
    /// Spans repaired, all kinds together.
    pub spans_repaired: u64,
    /// Spans of UTF-8 read as Windows-1252.
    pub cp1252: u64,
    /// Spans of UTF-8 read as Latin-1 (C1 controls left in).
    pub latin1: u64,
    /// Spans of UTF-8 read as MacRoman.
    pub macroman: u64,
    /// Spans of UTF-8 read as Windows-1250 or ISO-8859-2.
    pub cp1250: u64,
    /// Spans of UTF-8 read as Windows-1251.
    pub cp1251: u64,
    /// Spans of UTF-8 read as Windows-1253.
    pub cp1253: u64,
    /// Spans of UTF-8 read as Windows-1254.
    pub cp1254: u64,
    /// Spans of UTF-8 read as Windows-1257.
    pub cp1257: u64,
    /// Spans of UTF-8 read as DOS code page 437.
    pub cp437: u64,
    /// Spans that needed more than one layer undone.
    pub multi_layer: u64,
    /// Stray `Â` repaired.
    pub stray_a: u64,
    /// Stray C1 control characters replaced.
    pub c1_controls: u64,
    /// Sequences that had lost a byte, replaced by U+FFFD.
    pub lossy: u64,
    /// Documents that NFC normalization changed (`RepairConfig::nfc`).
    pub nfc: u64,
}

impl RepairStats {
    /// Adds the counters of `other` (another thread's) into `self`.
    pub fn merge(&mut self, other: &RepairStats) {
        self.docs_changed += other.docs_changed;
        self.spans_repaired += other.spans_repaired;
        self.cp1252 += other.cp1252;
        self.latin1 += other.latin1;
        self.macroman += other.macroman;
        self.cp1250 += other.cp1250;
        self.cp1251 += other.cp1251;
        self.cp1253 += other.cp1253;
        self.cp1254 += other.cp1254;
        self.cp1257 += other.cp1257;
        self.cp437 += other.cp437;
        self.multi_layer += other.multi_layer;
        self.stray_a += other.stray_a;
        self.c1_controls += other.c1_controls;
        self.lossy += other.lossy;
        self.nfc += other.nfc;
    }

    fn count(&mut self, kind: &str) {
        self.spans_repaired += 1;
        let slot = match kind {
            "utf8-as-cp1252" => &mut self.cp1252,
            "utf8-as-latin1" => &mut self.latin1,
            "utf8-as-macroman" => &mut self.macroman,
            "utf8-as-cp1250" | "utf8-as-latin2" => &mut self.cp1250,
            "utf8-as-cp1251" => &mut self.cp1251,
            "utf8-as-cp1253" => &mut self.cp1253,
            "utf8-as-cp1254" => &mut self.cp1254,
            "utf8-as-cp1257" => &mut self.cp1257,
            "utf8-as-cp437" => &mut self.cp437,
            "multi-layer" => &mut self.multi_layer,
            "stray-a" => &mut self.stray_a,
            "c1-control" => &mut self.c1_controls,
            _ => return,
        };
        *slot += 1;
    }
}

/// One repaired span, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Byte offset of the span in the input text.
    pub start: usize,
    /// The span as it was.
    pub before: String,
    /// The span as repaired.
    pub after: String,
    /// What kind of damage it was: `utf8-as-cp1252`, `utf8-as-latin1`,
    /// `utf8-as-macroman`, `utf8-as-cp125x`, `utf8-as-cp437`, `multi-layer`
    /// (mojibake of mojibake), `stray-a`, `c1-control`, or `nfc` (the
    /// stretch NFC normalization changed, when it is on).
    pub kind: &'static str,
}

/// The repairer: built once, shared by every thread.
#[derive(Debug, Clone)]
pub struct Repairer {
    config: RepairConfig,
    pages: Vec<CodePage>,
    /// Per BMP char, one bit per page (by index in `pages`) that maps it to
    /// a UTF-8 lead byte.
    lead: Vec<u16>,
    /// Per BMP char, one bit per page that maps it to a continuation byte;
    /// every bit for U+FFFD, `?` and the space, which may stand for a lost
    /// byte.
    cont: Vec<u16>,
}

/// A run of non-ASCII text and what was decided for it.
#[derive(Debug)]
struct Plan {
    start: usize,
    end: usize,
    page: usize,
    score: f32,
    seqs: Vec<Seq>,
}

/// Scratch buffers, kept per thread between calls.
#[derive(Default)]
struct Scratch {
    chars: Vec<char>,
    bytes: Vec<Option<u8>>,
    eval: RunEval,
    best: RunEval,
    /// Per page, the sum of positive run scores (collected in pass 1).
    page_totals: Vec<f32>,
    /// Collect into `page_totals`.
    collect: bool,
    /// Per page, a small bonus from the document's totals, so that near
    /// ties go to the page the rest of the document reads best in (empty in
    /// pass 1).
    bias: Vec<f32>,
}

/// Evidence a run needs on its own, and what the document must add up to.
const RUN_STRONG: f32 = 2.0;
const RUN_WEAK: f32 = 0.5;
const DOC_SUPPORT: f32 = 2.0;

impl Repairer {
    /// Whether this build has a working repairer.
    pub const BUILT: bool = true;

    /// Builds the repairer and its tables.
    pub fn new(config: RepairConfig) -> Self {
        let pages = tables::pages(config.dos);
        debug_assert!(pages.len() <= 16, "page masks are 16 bits");
        let mut lead = vec![0u16; 0x10000];
        let mut cont = vec![0u16; 0x10000];
        for (p, page) in pages.iter().enumerate() {
            let bit = 1u16 << p;
            let chars = (0x80u8..=0xFF)
                .map(|b| page.char_of(b))
                .chain((0x80u8..=0x9F).map(char::from));
            for c in chars {
                let (Some(b), Some(l), Some(k)) = (
                    page.byte_of(c),
                    lead.get_mut(c as usize),
                    cont.get_mut(c as usize),
                ) else {
                    continue;
                };
                match b {
                    0x80..=0xBF => *k |= bit,
                    0xC2..=0xF4 => *l |= bit,
                    _ => {}
                }
            }
        }
        for c in ['\u{FFFD}', '?', ' '] {
            if let Some(k) = cont.get_mut(c as usize) {
                *k = u16::MAX;
            }
        }
        Repairer {
            config,
            pages,
            lead,
            cont,
        }
    }

    /// Repairs `text` into `out` (cleared first). Returns `true` when the
    /// text changed; when it returns `false`, `out` is unspecified and the
    /// caller keeps `text`. Changed spans are pushed to `explain` when given.
    ///
    /// Repair is idempotent by construction: a repaired text is checked
    /// once more, and in the rare case where that check would change it
    /// again (a repair's output that itself reads as mojibake), repair goes
    /// on to a fixed point, or, when none is reached within
    /// [`MAX_ROUNDS`], leaves the text alone (weak evidence). Spans of the
    /// later rounds are explained with offsets into the previous round's
    /// text.
    pub fn repair(
        &self,
        text: &str,
        out: &mut String,
        stats: &mut RepairStats,
        mut explain: Option<&mut Vec<Change>>,
    ) -> bool {
        let repaired = self.repair_encoding(text, out, stats, explain.as_deref_mut());
        if !self.config.nfc {
            return repaired;
        }
        let source = if repaired { out.as_str() } else { text };
        let Some(normal) = nfc_if_changed(source) else {
            return repaired;
        };
        if let Some(ex) = explain {
            ex.push(nfc_change(source, &normal));
        }
        stats.nfc += 1;
        if !repaired {
            stats.docs_changed += 1;
        }
        *out = normal;
        true
    }

    /// [`Repairer::repair`] without NFC.
    fn repair_encoding(
        &self,
        text: &str,
        out: &mut String,
        stats: &mut RepairStats,
        mut explain: Option<&mut Vec<Change>>,
    ) -> bool {
        let explained = explain.as_deref().map_or(0, Vec::len);
        let mut round_stats = RepairStats::default();
        if !self.repair_once(text, out, &mut round_stats, explain.as_deref_mut()) {
            return false;
        }
        let mut again = String::new();
        for _ in 1..MAX_ROUNDS {
            if !self.repair_once(out, &mut again, &mut round_stats, explain.as_deref_mut()) {
                // A fixed point: count one changed document, however many
                // rounds it took.
                round_stats.docs_changed = 1;
                stats.merge(&round_stats);
                return true;
            }
            std::mem::swap(out, &mut again);
        }
        if let Some(ex) = explain {
            ex.truncate(explained);
        }
        false
    }

    /// One round of repair, with this thread's scratch buffers.
    fn repair_once(
        &self,
        text: &str,
        out: &mut String,
        stats: &mut RepairStats,
        explain: Option<&mut Vec<Change>>,
    ) -> bool {
        let bytes = text.as_bytes();
        if next_non_ascii(bytes, 0) >= bytes.len() {
            return false;
        }
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.repair_with(text, out, stats, explain, &mut scratch),
            Err(_) => self.repair_with(text, out, stats, explain, &mut Scratch::default()),
        })
    }

    fn repair_with(
        &self,
        text: &str,
        out: &mut String,
        stats: &mut RepairStats,
        mut explain: Option<&mut Vec<Change>>,
        scratch: &mut Scratch,
    ) -> bool {
        let bytes = text.as_bytes();
        let mut i = next_non_ascii(bytes, 0);
        if i >= bytes.len() {
            return false;
        }
        scratch.page_totals.clear();
        scratch.page_totals.resize(self.pages.len(), 0.0);
        scratch.collect = true;
        scratch.bias.clear();
        let mut plans: Vec<Plan> = Vec::new();
        let mut doc_score = 0.0f32;
        let mut clean_runs = 0usize;
        // Pass 1: evaluate every run.
        while i < bytes.len() {
            let end = self.bridge(text, i, run_end(bytes, i));
            let (Some(run), Some(before), Some(after)) =
                (text.get(i..end), text.get(..i), text.get(end..))
            else {
                break;
            };
            let ctx = Context {
                prev: before.chars().next_back(),
                next: after.chars().next(),
                after,
            };
            scratch.chars.clear();
            scratch.chars.extend(run.chars());
            if !self.may_hold_mojibake(&scratch.chars, ctx) {
                // Clean non-ASCII text (a word of Russian, `café`, CJK).
                clean_runs += 1;
                i = next_non_ascii(bytes, end);
                continue;
            }
            let page = self.best_page(scratch, ctx);
            let has_c1 = self.config.c1_controls && scratch.chars.iter().any(|&c| is_c1(c));
            if scratch.best.seqs.is_empty() {
                clean_runs += 1;
                if has_c1 {
                    plans.push(Plan {
                        start: i,
                        end,
                        page,
                        score: 0.0,
                        seqs: Vec::new(),
                    });
                }
            } else {
                let mut score = scratch.best.score;
                if (RUN_WEAK..RUN_STRONG).contains(&score) && self.config.max_layers > 1 {
                    // A weak first layer may be the outer layer of double
                    // mojibake; a strong second layer makes it strong.
                    let mut inner = String::new();
                    let seqs = scratch.best.seqs.clone();
                    self.apply(&scratch.chars, &seqs, &mut inner);
                    scratch.chars.clear();
                    scratch.chars.extend(inner.chars());
                    self.best_page(scratch, ctx);
                    if scratch.best.score >= RUN_STRONG {
                        score += scratch.best.score;
                    }
                    scratch.best.seqs = seqs;
                }
                if score > 0.0 {
                    doc_score += score;
                }
                plans.push(Plan {
                    start: i,
                    end,
                    page,
                    score,
                    seqs: std::mem::take(&mut scratch.best.seqs),
                });
            }
            i = next_non_ascii(bytes, end);
        }
        // Pass 1.5: runs that read best in another page than the document's
        // get another look with a bias towards the document's page
        // (Windows-1250 and ISO-8859-2 differ in a few letters only).
        scratch.collect = false;
        let doc_page = scratch
            .page_totals
            .iter()
            .enumerate()
            .fold(
                (CP1252, 0.0f32),
                |b, (p, &t)| if t > b.1 { (p, t) } else { b },
            )
            .0;
        let max_total = scratch.page_totals.iter().fold(0.0f32, |a, &b| a.max(b));
        if max_total > 0.0 {
            scratch.bias = scratch.page_totals.iter().map(|t| t / max_total).collect();
        }
        for plan in plans.iter_mut() {
            if plan.seqs.is_empty() || plan.page == doc_page {
                continue;
            }
            let (Some(run), Some(before), Some(after)) = (
                text.get(plan.start..plan.end),
                text.get(..plan.start),
                text.get(plan.end..),
            ) else {
                continue;
            };
            let ctx = Context {
                prev: before.chars().next_back(),
                next: after.chars().next(),
                after,
            };
            scratch.chars.clear();
            scratch.chars.extend(run.chars());
            let page = self.best_page(scratch, ctx);
            if page != plan.page {
                doc_score += scratch.best.score.max(0.0) - plan.score.max(0.0);
                plan.page = page;
                plan.score = scratch.best.score;
                plan.seqs = std::mem::take(&mut scratch.best.seqs);
            }
        }
        scratch.bias.clear();
        // Pass 2: decide and write.
        let doc_needed = if clean_runs > 0 { 3.0 } else { 2.0 };
        out.clear();
        let mut copied = 0usize;
        let mut changed_spans = 0usize;
        let mut run_out = String::new();
        for plan in &plans {
            let rest = doc_score - plan.score.max(0.0);
            let accept = !plan.seqs.is_empty()
                && ((plan.score >= RUN_STRONG && doc_score >= doc_needed)
                    || (plan.score >= RUN_WEAK && rest >= DOC_SUPPORT));
            let Some(run) = text.get(plan.start..plan.end) else {
                continue;
            };
            scratch.chars.clear();
            scratch.chars.extend(run.chars());
            run_out.clear();
            let mut eat = 0;
            let mut kind;
            let only_stray_a = plan.seqs.iter().all(|s| s.kind == SeqKind::StrayA);
            if accept && !self.config.stray_a && only_stray_a {
                // Stray-Â repair is switched off: leave such runs alone.
                continue;
            }
            if accept {
                eat = plan.seqs.iter().map(|s| s.eat).max().unwrap_or(0);
                self.apply(&scratch.chars, &plan.seqs, &mut run_out);
                kind = self.kind_of(plan, &scratch.chars);
                let layers = self.more_layers(&mut run_out, scratch, text, plan);
                if layers > 0 {
                    kind = "multi-layer";
                }
            } else if self.config.c1_controls && scratch.chars.iter().any(|&c| is_c1(c)) {
                kind = "c1-control";
                self.apply(&scratch.chars, &[], &mut run_out);
            } else {
                continue;
            }
            let end = plan.end + eat;
            if run_out == run && eat == 0 {
                continue;
            }
            let (Some(gap), Some(before)) =
                (text.get(copied..plan.start), text.get(plan.start..end))
            else {
                continue;
            };
            out.push_str(gap);
            if let Some(ex) = explain.as_deref_mut() {
                ex.push(Change {
                    start: plan.start,
                    before: before.to_string(),
                    after: run_out.clone(),
                    kind,
                });
            }
            out.push_str(&run_out);
            copied = end;
            changed_spans += 1;
            stats.count(kind);
            if kind != "c1-control"
                && kind != "stray-a"
                && plan.seqs.iter().any(|s| s.kind == SeqKind::StrayA)
            {
                stats.stray_a += 1;
            }
            stats.lossy += plan
                .seqs
                .iter()
                .filter(|s| matches!(s.kind, SeqKind::Lossy | SeqKind::LossyQuestion))
                .count() as u64;
        }
        if changed_spans == 0 {
            return false;
        }
        out.push_str(text.get(copied..).unwrap_or(""));
        stats.docs_changed += 1;
        true
    }

    /// Cheap test before the per-page evaluation: mojibake needs a char
    /// some page reads as a lead byte followed by one it reads as a
    /// continuation byte, or one of the special forms (C1 control, a lead
    /// before a space that was 0xA0, a stray `Â`).
    fn may_hold_mojibake(&self, chars: &[char], ctx: Context) -> bool {
        self.pages_to_try(chars, ctx) != 0 || chars.iter().any(|&c| is_c1(c))
    }

    /// The pages (one bit each) under which the run can hold a candidate
    /// at all: a lead byte followed by a continuation byte, a lead before a
    /// space that may have been 0xA0, or (Windows-1252) a stray `Â` at its
    /// end. Other pages would find nothing, so they are not evaluated.
    fn pages_to_try(&self, chars: &[char], ctx: Context) -> u16 {
        let lead = |c: char| self.lead.get(c as usize).copied().unwrap_or(0);
        let cont = |c: char| self.cont.get(c as usize).copied().unwrap_or(0);
        let mut mask = 0u16;
        for w in chars.windows(2) {
            if let [a, b] = w {
                mask |= lead(*a) & cont(*b);
            }
        }
        if let Some(&last) = chars.last() {
            if last == 'Â' {
                mask |= 1 << CP1252;
            }
            if ctx.next == Some(' ') {
                mask |= lead(last);
            }
        }
        mask
    }

    /// Extends the run `text[start..end]` over single ASCII bytes that
    /// stand for a byte of a UTF-8 sequence the run leaves incomplete (read
    /// as Windows-1252): a `?` written by a lossy encoder for a byte it
    /// could not map (`â€?` for `”`, `Ã?Â¢â?¬` in doubled mojibake), or a
    /// space that was a 0xA0 byte (`â €` for the Braille blank U+2800). The
    /// run goes on over the non-ASCII text after it. Whether the bytes
    /// really decode is for [`eval_run`] to judge.
    fn bridge(&self, text: &str, start: usize, mut end: usize) -> usize {
        let bytes = text.as_bytes();
        let Some(page) = self.pages.get(CP1252) else {
            return end;
        };
        while let Some(&b) = bytes.get(end) {
            if b != b'?' && b != b' ' {
                break;
            }
            let Some(run) = text.get(start..end) else {
                break;
            };
            // A space that would end the sequence is the run's own
            // business (`Â ` and `Ã ` are judged with the text after them).
            let missing = bytes_missing(page, run);
            if missing == 0 || (b == b' ' && missing < 2) {
                break;
            }
            let after = text.get(end + 1..).and_then(|t| t.chars().next());
            match after {
                Some(c) if !c.is_ascii() => {
                    if b == b' ' && !page.byte_of(c).is_some_and(|x| (0x80..=0xBF).contains(&x)) {
                        break;
                    }
                    end = run_end(bytes, end + 1);
                }
                _ => {
                    if b == b'?' && run.ends_with("â€") {
                        end += 1;
                    }
                    break;
                }
            }
        }
        end
    }

    /// Evaluates the run in `scratch.chars` on every page; the best result
    /// is left in `scratch.best` and its page returned.
    fn best_page(&self, scratch: &mut Scratch, ctx: Context) -> usize {
        let mut best_page = CP1252;
        scratch.best.seqs.clear();
        scratch.best.score = f32::MIN;
        let mut best_eff = f32::MIN;
        let mask = self.pages_to_try(&scratch.chars, ctx);
        for (p, page) in self.pages.iter().enumerate() {
            if mask & (1 << p) == 0 {
                continue;
            }
            eval_run(
                page,
                p == CP1252,
                &scratch.chars,
                ctx,
                &mut scratch.bytes,
                &mut scratch.eval,
            );
            if scratch.collect && scratch.eval.score > 0.0 {
                if let Some(t) = scratch.page_totals.get_mut(p) {
                    *t += scratch.eval.score;
                }
            }
            let bonus = scratch.bias.get(p).copied().unwrap_or(0.0);
            if !scratch.eval.seqs.is_empty() && scratch.eval.score + bonus > best_eff {
                best_eff = scratch.eval.score + bonus;
                std::mem::swap(&mut scratch.eval, &mut scratch.best);
                best_page = p;
                // Plain cp1252 mojibake that explains every character of the
                // run at full strength: no other page can read it better.
                if p == CP1252 && scratch.bias.is_empty() {
                    let covered: usize = scratch.best.seqs.iter().map(|s| s.len).sum();
                    let full = scratch.best.seqs.len() as f32 * 2.0;
                    if covered == scratch.chars.len() && scratch.best.score >= full {
                        break;
                    }
                }
            }
        }
        if scratch.best.seqs.is_empty() {
            scratch.best.score = 0.0;
        }
        best_page
    }

    /// Writes `chars` with `seqs` applied (and C1 controls replaced).
    fn apply(&self, chars: &[char], seqs: &[Seq], out: &mut String) {
        let mut k = 0;
        let mut pos = 0;
        while pos < chars.len() {
            match seqs.get(k) {
                Some(s) if s.first == pos => {
                    if !s.delete {
                        out.push(s.out);
                    }
                    pos += s.len.max(1);
                    k += 1;
                }
                _ => {
                    let c = chars.get(pos).copied().unwrap_or(' ');
                    if self.config.c1_controls && is_c1(c) {
                        out.push(self.c1_replacement(c));
                    } else {
                        out.push(c);
                    }
                    pos += 1;
                }
            }
        }
    }

    /// Undoes further layers of mojibake on a repaired run; returns how many.
    fn more_layers(
        &self,
        run_out: &mut String,
        scratch: &mut Scratch,
        text: &str,
        plan: &Plan,
    ) -> usize {
        let mut layers = 0;
        let before = text.get(..plan.start).unwrap_or("");
        let after = text.get(plan.end..).unwrap_or("");
        let ctx = Context {
            prev: before.chars().next_back(),
            next: after.chars().next(),
            after,
        };
        while layers + 1 < usize::from(self.config.max_layers) {
            scratch.chars.clear();
            scratch.chars.extend(run_out.chars());
            // One character cannot be mojibake any more.
            if scratch.chars.len() < 2 {
                break;
            }
            self.best_page(scratch, ctx);
            // The outer layer proved the run is mojibake, so an inner layer
            // that explains every character may be weak.
            let covered: usize = scratch.best.seqs.iter().map(|s| s.len).sum();
            let whole = covered == scratch.chars.len();
            if scratch.best.seqs.is_empty()
                || scratch.best.score < if whole { RUN_WEAK } else { RUN_STRONG }
            {
                break;
            }
            // The special forms look at the text after the run, which the
            // outer layer already consumed; only plain decoding recurses.
            if scratch
                .best
                .seqs
                .iter()
                .any(|s| matches!(s.kind, SeqKind::StrayA | SeqKind::SpaceA0))
            {
                break;
            }
            run_out.clear();
            let seqs = std::mem::take(&mut scratch.best.seqs);
            self.apply(&scratch.chars, &seqs, run_out);
            scratch.best.seqs = seqs;
            layers += 1;
        }
        layers
    }

    /// The change kind of a repaired run.
    fn kind_of(&self, plan: &Plan, chars: &[char]) -> &'static str {
        if plan
            .seqs
            .iter()
            .all(|s| matches!(s.kind, SeqKind::StrayA) && s.out == '\u{A0}')
        {
            return "stray-a";
        }
        let Some(page) = self.pages.get(plan.page) else {
            return "utf8-as-cp1252";
        };
        if plan.page == CP1252 && chars.iter().any(|&c| is_c1(c)) {
            return "utf8-as-latin1";
        }
        page.kind
    }

    /// The Windows-1252 character for a C1 control (itself when undefined).
    fn c1_replacement(&self, c: char) -> char {
        match self.pages.get(CP1252) {
            Some(p) => p.char_of(c as u32 as u8),
            None => c,
        }
    }
}

/// `text` in NFC, when that differs from `text`.
fn nfc_if_changed(text: &str) -> Option<String> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return None;
    }
    let normal: String = text.nfc().collect();
    (normal != text).then_some(normal)
}

/// The stretch where `before` and `after` differ (from the first to the
/// last differing char), as an `nfc` change.
fn nfc_change(before: &str, after: &str) -> Change {
    let prefix: usize = before
        .chars()
        .zip(after.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let (b, a) = (
        before.get(prefix..).unwrap_or(""),
        after.get(prefix..).unwrap_or(""),
    );
    let suffix: usize = b
        .chars()
        .rev()
        .zip(a.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let suffix = suffix.min(b.len()).min(a.len());
    Change {
        start: prefix,
        before: b.get(..b.len() - suffix).unwrap_or("").to_string(),
        after: a.get(..a.len() - suffix).unwrap_or("").to_string(),
        kind: "nfc",
    }
}

#[inline]
fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9F}').contains(&c)
}

/// Index of the first byte >= 0x80 at or after `i` (or `bytes.len()`).
/// Clean text is mostly ASCII, so 32 bytes are tested at a time; the OR-fold
/// compiles to vector instructions.
#[inline]
fn next_non_ascii(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes.get(i..i + 32) {
        if chunk.iter().fold(0u8, |a, &b| a | b) & 0x80 != 0 {
            break;
        }
        i += 32;
    }
    while let Some(&b) = bytes.get(i) {
        if b >= 0x80 {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// How many continuation bytes `run`, read through `page`, still owes: a
/// lead byte at its end followed by fewer continuation bytes than it
/// announces (a `?` or a space already let into the run counts as one).
/// 0 when the run does not end inside a sequence.
fn bytes_missing(page: &CodePage, run: &str) -> usize {
    let mut conts = 0usize;
    for c in run.chars().rev().take(4) {
        let b = match c {
            '?' | ' ' => 0x80,
            c => match page.byte_of(c) {
                Some(b) => b,
                None => return 0,
            },
        };
        let needed = match b {
            0x80..=0xBF => {
                conts += 1;
                continue;
            }
            0xC2..=0xDF => 1,
            0xE0..=0xEF => 2,
            0xF0..=0xF4 => 3,
            _ => 0usize,
        };
        return needed.saturating_sub(conts);
    }
    0
}

/// End of the run of non-ASCII bytes starting at `i` (always a char boundary).
#[inline]
fn run_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests;
