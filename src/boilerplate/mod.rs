//! Boilerplate stripping: the text scrapers pick up around an article
//! (comment policies, share bars, cookie notices, copyright footers, ...).
//!
//! Three layers: known rule families ([`Stripper`]), blocks repeated within
//! one document ([`Stripper`] too), and lines learned from the whole corpus
//! ([`LineCounts`] in a first pass, [`Learned`] in a second).
//!
//! STUB: filled by its own issue. Until then nothing is removed and the CLI
//! says that the stage is not built.

use serde::Serialize;
use std::path::PathBuf;

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

/// Settings of the strip stage.
#[derive(Debug, Clone, Default)]
pub struct StripConfig {
    /// What happens to credit lines.
    pub credits: CreditsMode,
    /// A file of extra user rules.
    pub rules_file: Option<PathBuf>,
}

/// Counters of the strip stage, summed over documents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StripStats {
    /// Documents that lost at least one line.
    pub docs_changed: u64,
    /// Lines removed, all layers together.
    pub lines_removed: u64,
}

impl StripStats {
    /// Adds the counters of `other` into `self`.
    pub fn merge(&mut self, other: &StripStats) {
        self.docs_changed += other.docs_changed;
        self.lines_removed += other.lines_removed;
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
    _config: StripConfig,
}

impl Stripper {
    /// Whether this build has a working stripper.
    pub const BUILT: bool = false;

    /// Compiles the built-in rules and the user's rules file.
    pub fn new(config: StripConfig) -> Result<Self, RulesError> {
        Ok(Stripper { _config: config })
    }

    /// Strips `text` into `out` (cleared first); credit lines go to
    /// `credits`, removed lines to `removed`. Returns `true` when the text
    /// changed; when `false`, `out` is unspecified and the caller keeps `text`.
    pub fn strip(
        &self,
        text: &str,
        out: &mut String,
        credits: &mut Vec<String>,
        removed: &mut Vec<Removed>,
        stats: &mut StripStats,
    ) -> bool {
        let _ = (text, out, credits, removed, stats);
        false
    }
}

/// Layer 3, first pass: what is counted over the corpus. One per thread,
/// merged at the end of the pass.
#[derive(Debug, Default)]
pub struct LineCounts {}

impl LineCounts {
    /// An empty counter.
    pub fn new(config: &StripConfig) -> Self {
        let _ = config;
        LineCounts {}
    }

    /// Counts the lines of one (rule-stripped) document.
    pub fn observe(&mut self, text: &str) {
        let _ = text;
    }

    /// Adds another thread's counts.
    pub fn merge(&mut self, other: LineCounts) {
        let _ = other;
    }

    /// Decides which lines are boilerplate.
    pub fn learn(self) -> Learned {
        Learned {}
    }
}

/// A learned line, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct LearnedLine {
    /// The line's text.
    pub text: String,
    /// In how many documents it occurred.
    pub docs: u64,
}

/// Layer 3, second pass: the learned boilerplate, applied per document.
#[derive(Debug, Default)]
pub struct Learned {}

impl Learned {
    /// Strips learned lines of `text` into `out` (cleared first). Returns
    /// `true` when the text changed; when `false`, `out` is unspecified.
    pub fn strip(
        &self,
        text: &str,
        out: &mut String,
        removed: &mut Vec<Removed>,
        stats: &mut StripStats,
    ) -> bool {
        let _ = (text, out, removed, stats);
        false
    }

    /// The learned lines with their counts.
    pub fn report(&self) -> Vec<LearnedLine> {
        Vec::new()
    }
}
