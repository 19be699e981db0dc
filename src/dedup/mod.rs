//! Near-duplicate clustering: exact hashes, shingles, MinHash, LSH banding
//! and verified clusters.
//!
//! The stage is a set of separable steps over compact per-document records:
//! [`Signer::sign`] (per document, parallel) -> [`Index::push`] (input order)
//! -> [`Index::cluster`] -> [`Clusters::assignment`] (per document, when
//! writing).
//!
//! STUB: filled by its own issue. Until then every document is its own
//! cluster and the CLI says that the stage is not built.

use serde::Serialize;

/// Settings of the dedup stage.
#[derive(Debug, Clone)]
pub struct DedupConfig {
    /// Similarity at or above which two documents are duplicates.
    pub threshold: f64,
    /// Containment at or above which a shorter document is a duplicate of a
    /// longer one (`None`: off).
    pub containment: Option<f64>,
    /// Words per shingle.
    pub ngram: usize,
    /// MinHash values per signature.
    pub num_perm: usize,
    /// Seed of every hash.
    pub seed: u64,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            threshold: 0.8,
            containment: None,
            ngram: 5,
            num_perm: 128,
            seed: 0,
        }
    }
}

/// Counters of the dedup stage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DedupStats {
    /// Documents dropped as exact copies.
    pub exact_duplicates: u64,
    /// Documents dropped as near copies.
    pub near_duplicates: u64,
    /// Clusters with more than one member.
    pub clusters: u64,
}

/// Per-thread scratch buffers of [`Signer::sign`].
#[derive(Debug, Default)]
pub struct SignScratch {}

/// The compact record of one document that clustering works on.
#[derive(Debug, Clone, Default)]
pub struct DocSignature {}

/// Computes signatures. Built once, shared by every thread.
#[derive(Debug, Clone)]
pub struct Signer {
    _config: DedupConfig,
}

impl Signer {
    /// Whether this build has a working dedup stage.
    pub const BUILT: bool = false;

    /// Builds the signer (hash seeds, permutations).
    pub fn new(config: &DedupConfig) -> Self {
        Signer {
            _config: config.clone(),
        }
    }

    /// Computes the signature of `text` into `out`.
    pub fn sign(&self, text: &str, scratch: &mut SignScratch, out: &mut DocSignature) {
        let _ = (text, scratch, out);
    }
}

/// Every document's signature, pushed in input order.
#[derive(Debug, Default)]
pub struct Index {
    ids: Vec<String>,
}

impl Index {
    /// An empty index.
    pub fn new(config: &DedupConfig) -> Self {
        let _ = config;
        Index::default()
    }

    /// Adds the next document; returns its number (0, 1, 2, ... in push order).
    pub fn push(&mut self, id: &str, text_len: usize, sig: &DocSignature) -> u32 {
        let _ = (text_len, sig);
        self.ids.push(id.to_owned());
        (self.ids.len() - 1) as u32
    }

    /// Clusters the documents.
    pub fn cluster(self) -> Clusters {
        Clusters {
            ids: self.ids,
            stats: DedupStats::default(),
        }
    }
}

/// How a dropped document relates to the one kept for its cluster.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assignment {
    /// Number of the cluster's representative (the document kept).
    pub representative: u32,
    /// Estimated similarity to the representative.
    pub similarity: f32,
    /// `true` when the text is an exact copy of the representative.
    pub exact: bool,
}

/// The result of clustering.
#[derive(Debug, Default)]
pub struct Clusters {
    ids: Vec<String>,
    stats: DedupStats,
}

impl Clusters {
    /// `None` for a document that is kept (alone or as representative);
    /// otherwise the representative it duplicates.
    pub fn assignment(&self, doc: u32) -> Option<Assignment> {
        let _ = doc;
        None
    }

    /// The id a document was pushed with.
    pub fn id(&self, doc: u32) -> &str {
        self.ids.get(doc as usize).map(String::as_str).unwrap_or("")
    }

    /// The counters.
    pub fn stats(&self) -> &DedupStats {
        &self.stats
    }
}
