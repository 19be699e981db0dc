//! Mojibake repair: text that was UTF-8 but was decoded with a single-byte
//! code page (Windows-1252, Latin-1, MacRoman, Windows-125x) is turned back
//! into what the author wrote; everything else is left byte-for-byte alone.
//!
//! STUB: the repairer is filled by its own issue. Until then [`Repairer::repair`]
//! changes nothing and the CLI says that the stage is not built.

use serde::Serialize;

/// Settings of the repair stage.
#[derive(Debug, Clone, Default)]
pub struct RepairConfig {}

/// Counters of the repair stage, summed over documents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepairStats {
    /// Documents in which at least one span was repaired.
    pub docs_changed: u64,
    /// Spans repaired, all kinds together.
    pub spans_repaired: u64,
}

impl RepairStats {
    /// Adds the counters of `other` (another thread's) into `self`.
    pub fn merge(&mut self, other: &RepairStats) {
        self.docs_changed += other.docs_changed;
        self.spans_repaired += other.spans_repaired;
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
    /// What kind of damage it was (for example `utf8-as-cp1252`).
    pub kind: &'static str,
}

/// The repairer: built once, shared by every thread.
#[derive(Debug, Clone)]
pub struct Repairer {
    _config: RepairConfig,
}

impl Repairer {
    /// Whether this build has a working repairer.
    pub const BUILT: bool = false;

    /// Builds the repairer and its tables.
    pub fn new(config: RepairConfig) -> Self {
        Repairer { _config: config }
    }

    /// Repairs `text` into `out` (cleared first). Returns `true` when the
    /// text changed; when it returns `false`, `out` is unspecified and the
    /// caller keeps `text`. Changed spans are pushed to `explain` when given.
    pub fn repair(
        &self,
        text: &str,
        out: &mut String,
        stats: &mut RepairStats,
        explain: Option<&mut Vec<Change>>,
    ) -> bool {
        let _ = (text, out, stats, explain);
        false
    }
}
