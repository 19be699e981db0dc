//! The run report: what came in, what went out, and why the rest did not,
//! with one object of counters per stage.

use crate::boilerplate::{LearnedLine, StripStats};
use crate::dedup::DedupStats;
use crate::document::Source;
use crate::mojibake::RepairStats;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Longest raw excerpt kept in a reject, in bytes; longer records keep
/// their head and say how long they were.
pub const REJECT_RAW_MAX: usize = 64 * 1024;

/// A record that could not be processed. Written to `--rejects` as JSONL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reject {
    /// The input file.
    pub file: String,
    /// 1-based line for JSONL records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Byte offset in the (decompressed) input.
    pub offset: u64,
    /// The record's id, when it got that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A short machine-friendly reason (`invalid-json`, `binary`, ...).
    pub reason: Cow<'static, str>,
    /// The human explanation.
    pub detail: String,
    /// The original record when it is valid UTF-8 and short, else its head
    /// with invalid bytes escaped as `\xNN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// `true` when `raw` is an excerpt, not the whole record.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub raw_truncated: bool,
    /// `true` when `raw` has escaped bytes (`\xNN`) that were not UTF-8.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub raw_escaped: bool,
    /// Length of the original record in bytes.
    pub raw_len: u64,
}

impl Reject {
    /// A reject for the record at `source` with the original bytes `raw`.
    pub fn new(
        source: &Source,
        reason: &'static str,
        detail: impl Into<String>,
        raw: &[u8],
    ) -> Reject {
        let head = raw.get(..REJECT_RAW_MAX).unwrap_or(raw);
        let (text, escaped) = match std::str::from_utf8(head) {
            Ok(s) => (s.to_owned(), false),
            Err(e) if e.error_len().is_none() && raw.len() > REJECT_RAW_MAX => {
                // Cut inside a character at the excerpt's end: not damage.
                (
                    String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned(),
                    false,
                )
            }
            Err(_) => (escape_bytes(head), true),
        };
        Reject {
            file: source.file.to_string(),
            line: source.line,
            offset: source.offset,
            id: None,
            reason: Cow::Borrowed(reason),
            detail: detail.into(),
            raw: Some(text),
            raw_truncated: raw.len() > REJECT_RAW_MAX,
            raw_escaped: escaped,
            raw_len: raw.len() as u64,
        }
    }

    /// A `too-large` reject: a record of `total` bytes over the limit
    /// `max` (`--max-doc-bytes`), of which `head` was read.
    pub fn too_large(source: &Source, total: u64, max: usize, head: &[u8]) -> Reject {
        let mut r = Reject::new(
            source,
            "too-large",
            format!("{total} bytes, over --max-doc-bytes {max}"),
            head,
        );
        r.raw_len = total;
        r.raw_truncated = true;
        r
    }

    /// Sets the record's id.
    pub fn with_id(mut self, id: Option<String>) -> Reject {
        self.id = id;
        self
    }
}

/// UTF-8 runs kept, every invalid byte written as `\xNN` (and `\` as `\\`).
fn escape_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(&s.replace('\\', "\\\\"));
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(&String::from_utf8_lossy(good).replace('\\', "\\\\"));
                let bad = e.error_len().unwrap_or(rest.len());
                for b in rest.iter().take(bad) {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                bytes = rest.get(bad..).unwrap_or_default();
            }
        }
    }
}

/// Time, documents and bytes of one pass over the corpus.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PassStats {
    /// The pass's name (`read`, `learn+sign`, `write`, ...).
    pub name: String,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Documents seen.
    pub docs: u64,
    /// Bytes seen (input bytes in the first pass, text bytes after).
    pub bytes: u64,
}

/// Counters of the decode step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DecodeStats {
    /// Documents per encoding used.
    pub encodings: BTreeMap<String, u64>,
}

/// Counters of whitespace normalization.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NormalizeStats {
    /// Documents whose whitespace changed.
    pub docs_changed: u64,
}

/// One object of counters per stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StageStats {
    /// Bytes -> UTF-8.
    pub decode: DecodeStats,
    /// Mojibake repair (`fix`), when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<RepairStats>,
    /// Whitespace normalization, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalize: Option<NormalizeStats>,
    /// Boilerplate stripping, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strip: Option<StripStats>,
    /// Near-duplicate clustering, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedup: Option<DedupStats>,
}

/// Credits moved out of a document written as `.txt` (which has no field
/// to hold them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TxtCredits {
    /// The document's id.
    pub id: String,
    /// Its credit lines.
    pub credits: Vec<String>,
}

/// The run report (`--report FILE`, and a short form on stderr).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    /// The subcommand: `run`, `fix`, `strip` or `dedup`.
    pub command: String,
    /// Records read (documents, including those rejected).
    pub docs_in: u64,
    /// Documents written to the output.
    pub docs_out: u64,
    /// Records rejected, with a reason in `--rejects`.
    pub docs_rejected: u64,
    /// Documents dropped as duplicates of a kept one.
    pub docs_duplicate: u64,
    /// Input bytes (after decompression).
    pub bytes_in: u64,
    /// Output text bytes (the text of the documents written).
    pub bytes_out: u64,
    /// Wall time of the whole run in seconds.
    pub wall_seconds: f64,
    /// Worker threads used.
    pub threads: usize,
    /// Input files read.
    pub files_in: u64,
    /// Rejects by reason.
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// Ids seen more than once (the documents are kept; ids should be unique).
    pub duplicate_ids: u64,
    /// Blank lines skipped in JSONL inputs (not records).
    pub blank_lines: u64,
    /// Counters per stage.
    pub stages: StageStats,
    /// Boilerplate lines learned from the corpus, with their counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub learned_boilerplate: Vec<LearnedLine>,
    /// Credits of documents written as `.txt`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<TxtCredits>,
    /// One entry per pass over the corpus.
    pub passes: Vec<PassStats>,
    /// Time spent in each stage, summed over threads (CPU seconds).
    pub stage_seconds: BTreeMap<String, f64>,
}

impl Report {
    /// Whether every document is accounted for.
    pub fn balanced(&self) -> bool {
        self.docs_in == self.docs_out + self.docs_rejected + self.docs_duplicate
    }

    /// Adds the counts of a report of another part of the same run (a
    /// sharded task): counters are summed, passes of one name merged
    /// (their seconds summed), the dedup counters taken when `other` has
    /// them. `learned_boilerplate` is left to the caller, which merges the
    /// per-line counts.
    pub fn merge(&mut self, other: &Report) {
        self.docs_in += other.docs_in;
        self.docs_out += other.docs_out;
        self.docs_rejected += other.docs_rejected;
        self.docs_duplicate += other.docs_duplicate;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        self.wall_seconds += other.wall_seconds;
        self.threads = self.threads.max(other.threads);
        self.files_in += other.files_in;
        for (k, v) in &other.rejects_by_reason {
            *self.rejects_by_reason.entry(k.clone()).or_default() += v;
        }
        self.duplicate_ids += other.duplicate_ids;
        self.blank_lines += other.blank_lines;
        let (st, o) = (&mut self.stages, &other.stages);
        for (k, v) in &o.decode.encodings {
            *st.decode.encodings.entry(k.clone()).or_default() += v;
        }
        if let Some(f) = &o.fix {
            st.fix.get_or_insert_with(Default::default).merge(f);
        }
        if let Some(n) = &o.normalize {
            st.normalize
                .get_or_insert_with(Default::default)
                .docs_changed += n.docs_changed;
        }
        if let Some(s) = &o.strip {
            st.strip.get_or_insert_with(Default::default).merge(s);
        }
        if o.dedup.is_some() {
            st.dedup.clone_from(&o.dedup);
        }
        self.credits.extend(other.credits.iter().cloned());
        for p in &other.passes {
            match self.passes.iter_mut().find(|q| q.name == p.name) {
                Some(q) => {
                    q.seconds += p.seconds;
                    q.docs += p.docs;
                    q.bytes += p.bytes;
                }
                None => self.passes.push(p.clone()),
            }
        }
        for (k, v) in &other.stage_seconds {
            *self.stage_seconds.entry(k.clone()).or_default() += v;
        }
    }

    /// Counts one reject.
    pub fn count_reject(&mut self, reject: &Reject) {
        self.docs_rejected += 1;
        *self
            .rejects_by_reason
            .entry(reject.reason.to_string())
            .or_default() += 1;
    }

    /// The short human summary printed on stderr.
    pub fn summary(&self) -> String {
        let mb = |b: u64| b as f64 / 1e6;
        let mut s = format!(
            "scour {}: {} in, {} out, {} duplicate, {} rejected; {:.1} MB in, {:.1} MB out, {:.2}s ({:.1} MB/s)",
            self.command,
            self.docs_in,
            self.docs_out,
            self.docs_duplicate,
            self.docs_rejected,
            mb(self.bytes_in),
            mb(self.bytes_out),
            self.wall_seconds,
            mb(self.bytes_in) / self.wall_seconds.max(1e-9),
        );
        if let Some(fix) = &self.stages.fix {
            s += &format!(
                "\n  fix: {} documents repaired, {} spans",
                fix.docs_changed, fix.spans_repaired
            );
        }
        if let Some(strip) = &self.stages.strip {
            s += &format!(
                "\n  strip: {} documents changed, {} lines removed",
                strip.docs_changed, strip.lines_removed
            );
        }
        if let Some(dedup) = &self.stages.dedup {
            s += &format!(
                "\n  dedup: {} exact and {} near duplicates in {} clusters",
                dedup.exact_duplicates, dedup.near_duplicates, dedup.clusters
            );
        }
        for (reason, n) in &self.rejects_by_reason {
            s += &format!("\n  rejected ({reason}): {n}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_escapes_binary_and_bounds_size() {
        let src = Source::memory();
        let r = Reject::new(&src, "binary", "x", b"ab\xffc\\");
        assert_eq!(r.raw.as_deref(), Some("ab\\xffc\\\\"));
        assert!(r.raw_escaped && !r.raw_truncated);
        let big = vec![b'a'; REJECT_RAW_MAX + 10];
        let r = Reject::new(&src, "too-large", "x", &big);
        assert!(r.raw_truncated);
        assert_eq!(r.raw.map(|s| s.len()), Some(REJECT_RAW_MAX));
        assert_eq!(r.raw_len, (REJECT_RAW_MAX + 10) as u64);
    }
}
