//! Near-duplicate clustering: exact hashes, shingles, MinHash, LSH banding
//! and verified clusters.
//!
//! The stage is a set of separable steps over compact per-document records:
//! [`Signer::sign`] (per document, parallel) -> [`Index::push`] (input order)
//! -> [`Index::cluster`] -> [`Clusters::assignment`] (per document, when
//! writing).
//!
//! # The method
//!
//! ```text
//! sign(text):                                   shingle.rs, minhash.rs
//!     normalized = case-folded words, no punctuation, single spaces
//!     exact      = xxh3-128(normalized)
//!     shingles   = xxh3-64 of each word, combined over every run of
//!                  `ngram` (5) words
//!     values     = one-permutation MinHash of the shingles (128 values)
//!     keys       = xxh3 of each band of `rows` values (32 bits) lsh.rs
//!     sketch     = low 16 bits of each value (for verification)
//! cluster():                                    cluster.rs
//!     exact copies (same `exact`) collapse first
//!     candidate pairs: documents that share a band key
//!     edges: candidates whose estimated Jaccard (agreeing sketch values /
//!            128) >= threshold (or containment >= --containment)
//!     clusters: every member verified against its representative
//! ```
//!
//! The representative of a cluster is the document with the most verified
//! matches (exact copies count), then the longest text, then the smallest
//! id; a member must itself verify against it (no chaining through other
//! members). Every tie is broken by id, so clusters are the same for any
//! input order and thread count (see [`cluster`]).
//!
//! # The S-curve
//!
//! With `b` bands of `r` values, a pair of Jaccard similarity `s` shares a
//! bucket with probability `1 - (1 - s^r)^b`. [`lsh::Banding::for_threshold`]
//! picks `b` and `r` for the threshold; at the defaults (threshold 0.35,
//! 128 values) that is 41 bands of 3 values: a pair at 0.35 is a candidate
//! with probability 0.83, at 0.4 with 0.93, at 0.5 with 0.996, at 0.2 with
//! 0.28 (see [`lsh`] for the curve). Candidates are then verified, so a false positive of the S-curve costs one
//! comparison of two sketches and never joins a cluster by itself.
//!
//! # Defaults and why
//!
//! The default threshold, 0.35, comes from the labeled benchmark
//! (`examples/eval_dedup.rs`: real news articles, edited copies of them,
//! unrelated articles on the same topics, and templated reports of other
//! days as hard negatives; about 5,300 documents). Syndicated copies with a
//! new lede, a dropped paragraph and a few words changed mostly have
//! Jaccard 0.3-0.8 on 5-word shingles. Pairwise F1 on two seeds:
//!
//! ```text
//! threshold      0.25   0.30   0.35   0.40   0.50   0.80
//! F1 (seed 42)   0.996  0.986  0.981  0.970  0.924  0.433
//! F1 (seed 1)    0.996  0.991  0.988  0.975  0.931  0.441
//! false merges   11     8-9    5-6    2      2      0      (of ~410 templated)
//! ```
//!
//! Below 0.35 the gain in recall is paid for by merging more templated
//! reports of other days (cotton stocks, feeder steer prices), and in the
//! corpus's own pairs (`--natural`) most matches under 0.35 are such
//! reports. 0.35 is the lowest threshold that keeps precision at 0.998.
//! `--containment 0.7` adds truncated and excerpted copies (F1 0.986-0.991
//! with the same precision) and is off by default.
//!
//! # Memory
//!
//! The index keeps, per document, its id, text length, exact hash, shingle
//! count, band keys (4 bytes a band) and a sketch of 16-bit values (2 bytes
//! a value): about 470 bytes plus the id at the defaults. Measured with
//! `examples/dedup_scale.rs`: a million documents, 502 bytes each with the
//! vectors' slack (479 MiB), clustered in about 3 s on two shared cores,
//! peak memory 546 MiB.

pub mod cluster;
pub mod lsh;
pub mod minhash;
pub mod shingle;

use lsh::Banding;
use minhash::{MinHashScratch, MinHasher};
use serde::Serialize;
use shingle::{ShingleConfig, ShingleScratch, Shingler};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Settings of the dedup stage.
#[derive(Debug, Clone)]
pub struct DedupConfig {
    /// Estimated Jaccard similarity (of word-shingle sets) at or above which
    /// two documents are duplicates.
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
    /// Fold every digit to `0` before shingling (off by default: in news,
    /// figures are often what tells two market reports apart).
    pub fold_digits: bool,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            threshold: 0.35,
            containment: None,
            ngram: 5,
            num_perm: 128,
            seed: 0,
            fold_digits: false,
        }
    }
}

impl DedupConfig {
    /// The banding of the LSH index for these settings. With containment
    /// on, bands are cut for a lower similarity, that of an excerpt of a
    /// third of the longer text (containment `c` -> Jaccard `c / (4 - c)`),
    /// so that such excerpts become candidates at all.
    pub fn banding(&self) -> Banding {
        let mut t = self.threshold;
        if let Some(c) = self.containment {
            t = t.min(c / (4.0 - c));
        }
        Banding::for_threshold(t, self.num_perm.max(1))
    }
}

/// Counters of the dedup stage.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DedupStats {
    /// Documents dropped as exact copies of their cluster's representative.
    pub exact_duplicates: u64,
    /// Documents dropped as near copies.
    pub near_duplicates: u64,
    /// Clusters with more than one member.
    pub clusters: u64,
    /// The largest clusters: representative id and size (members with the
    /// representative), largest first, at most 10.
    pub largest: Vec<(String, u64)>,
    /// LSH bands and values per band.
    pub bands: usize,
    /// See `bands`.
    pub rows: usize,
    /// Candidate pairs compared.
    pub candidate_pairs: u64,
    /// Candidate pairs that passed verification.
    pub verified_pairs: u64,
}

/// Per-thread scratch buffers of [`Signer::sign`].
#[derive(Debug, Default)]
pub struct SignScratch {
    shingle: ShingleScratch,
    hashes: Vec<u64>,
    values: Vec<u32>,
    minhash: MinHashScratch,
}

/// The compact record of one document that clustering works on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocSignature {
    /// Whether [`Signer::sign`] filled it (a default signature clusters
    /// with nothing).
    pub valid: bool,
    /// 128-bit xxh3 of the normalized text.
    pub exact: u128,
    /// Shingles of the text (positions, repeats included).
    pub shingles: u32,
    /// One bucket key per LSH band (empty when there are no shingles).
    pub keys: Vec<u32>,
    /// The low 16 bits of each MinHash value, for verification.
    pub sketch: Vec<u16>,
}

/// Computes signatures. Built once, shared by every thread.
#[derive(Debug, Clone)]
pub struct Signer {
    config: DedupConfig,
    shingler: Shingler,
    minhasher: MinHasher,
    banding: Banding,
}

impl Signer {
    /// Whether this build has a working dedup stage.
    pub const BUILT: bool = true;

    /// Builds the signer (hash seeds, banding).
    pub fn new(config: &DedupConfig) -> Self {
        Signer {
            config: config.clone(),
            shingler: Shingler::new(ShingleConfig {
                ngram: config.ngram,
                seed: config.seed,
                fold_digits: config.fold_digits,
            }),
            minhasher: MinHasher::new(config.num_perm, config.seed ^ 0x9e37_79b9_7f4a_7c15),
            banding: config.banding(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &DedupConfig {
        &self.config
    }

    /// The LSH banding.
    pub fn banding(&self) -> Banding {
        self.banding
    }

    /// The shingler (normalization and shingle hashes).
    pub fn shingler(&self) -> &Shingler {
        &self.shingler
    }

    /// Computes the signature of `text` into `out`.
    pub fn sign(&self, text: &str, scratch: &mut SignScratch, out: &mut DocSignature) {
        let exact = self
            .shingler
            .hash_into(text, &mut scratch.shingle, &mut scratch.hashes);
        out.valid = true;
        out.exact = exact;
        out.shingles = u32::try_from(scratch.hashes.len()).unwrap_or(u32::MAX);
        out.keys.clear();
        out.sketch.clear();
        if !self.minhasher.signature_into(
            &scratch.hashes,
            &mut scratch.minhash,
            &mut scratch.values,
        ) {
            out.shingles = 0;
            return;
        }
        self.banding
            .keys_into(&scratch.values, self.config.seed, &mut out.keys);
        out.sketch.extend(scratch.values.iter().map(|&v| v as u16));
    }
}

/// Every document's signature, pushed in input order.
#[derive(Debug, Default)]
pub struct Index {
    table: cluster::Table,
    verify: Option<cluster::Verify>,
    banding: Option<Banding>,
}

impl Index {
    /// An empty index.
    pub fn new(config: &DedupConfig) -> Self {
        let banding = config.banding();
        Index {
            table: cluster::Table {
                bands: banding.bands,
                keys: vec![Vec::new(); banding.bands],
                k: config.num_perm.max(1),
                ..cluster::Table::default()
            },
            verify: Some(cluster::Verify {
                threshold: config.threshold,
                containment: config.containment,
            }),
            banding: Some(banding),
        }
    }

    /// Makes room for `docs` more documents, so that a pass that knows its
    /// document count fills the index without regrowing (and copying) its
    /// columns.
    pub fn reserve(&mut self, docs: usize) {
        let t = &mut self.table;
        t.ids.reserve(docs);
        t.text_len.reserve(docs);
        t.exact.reserve(docs);
        t.shingles.reserve(docs);
        t.valid.reserve(docs);
        for column in &mut t.keys {
            column.reserve(docs);
        }
        t.sketch.reserve(docs.saturating_mul(t.k));
    }

    /// Adds the next document; returns its number (0, 1, 2, ... in push order).
    pub fn push(&mut self, id: &str, text_len: usize, sig: &DocSignature) -> u32 {
        let t = &mut self.table;
        // A signature of another shape (or none) clusters with nothing.
        let fits = sig.valid
            && (sig.shingles == 0 || (sig.keys.len() == t.bands && sig.sketch.len() == t.k));
        t.ids.push(id.to_owned());
        t.text_len.push(u32::try_from(text_len).unwrap_or(u32::MAX));
        t.exact.push(if fits { sig.exact } else { 0 });
        t.valid.push(fits);
        if fits && sig.shingles > 0 {
            t.shingles.push(sig.shingles);
            for (column, &key) in t.keys.iter_mut().zip(&sig.keys) {
                column.push(key);
            }
            t.sketch.extend_from_slice(&sig.sketch);
        } else {
            t.shingles.push(0);
            for column in &mut t.keys {
                column.push(0);
            }
            t.sketch.extend(std::iter::repeat(0).take(t.k));
        }
        u32::try_from(t.ids.len() - 1).unwrap_or(u32::MAX)
    }

    /// Documents pushed.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no document was pushed.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// Bytes the index holds (its vectors' capacities and the ids' text).
    pub fn heap_bytes(&self) -> usize {
        let t = &self.table;
        t.ids.capacity() * std::mem::size_of::<String>()
            + t.ids.iter().map(|s| s.capacity()).sum::<usize>()
            + t.text_len.capacity() * 4
            + t.exact.capacity() * 16
            + t.shingles.capacity() * 4
            + t.valid.capacity()
            + t.keys.iter().map(|c| c.capacity() * 4).sum::<usize>()
            + t.sketch.capacity() * 2
    }

    /// Clusters the documents.
    pub fn cluster(self) -> Clusters {
        self.finish(cluster::cluster)
    }

    fn finish(
        self,
        run: impl FnOnce(&cluster::Table, cluster::Verify) -> cluster::Outcome,
    ) -> Clusters {
        let verify = self.verify.unwrap_or(cluster::Verify {
            threshold: DedupConfig::default().threshold,
            containment: None,
        });
        let banding = self.banding.unwrap_or(Banding { bands: 0, rows: 0 });
        let outcome = run(&self.table, verify);
        let mut stats = DedupStats {
            clusters: outcome.groups.len() as u64,
            bands: banding.bands,
            rows: banding.rows,
            candidate_pairs: outcome.candidate_pairs,
            verified_pairs: outcome.verified_pairs,
            ..DedupStats::default()
        };
        for a in outcome.assignments.iter().flatten() {
            if a.exact {
                stats.exact_duplicates += 1;
            } else {
                stats.near_duplicates += 1;
            }
        }
        let mut by_size: Vec<(usize, usize)> = outcome
            .groups
            .iter()
            .enumerate()
            .map(|(i, (_, m))| (m.len() + 1, i))
            .collect();
        by_size.sort_by_key(|&(s, i)| (std::cmp::Reverse(s), i));
        let ids = self.table.ids;
        stats.largest = by_size
            .iter()
            .take(10)
            .filter_map(|&(s, i)| {
                let rep = outcome.groups.get(i)?.0;
                Some((ids.get(rep as usize)?.clone(), s as u64))
            })
            .collect();
        Clusters {
            ids,
            assignments: outcome.assignments,
            groups: outcome.groups,
            stats,
        }
    }
}

/// Which columns [`Index::read_parts`] loads: a sharded run's band tasks
/// need some band keys and no sketches, its cluster task the sketches and
/// no band keys.
#[derive(Debug, Clone)]
pub enum Columns {
    /// The band keys of these bands.
    Bands(Vec<usize>),
    /// The MinHash sketches.
    Sketches,
}

/// File names of an index part.
const META: &str = "meta.bin";
const KEYS: &str = "keys.bin";
const SKETCH: &str = "sketch.bin";

impl Index {
    /// Writes the index as a part of a sharded run's index, in folder `dir`
    /// (which exists). Three files, every integer little-endian:
    ///
    /// ```text
    /// meta.bin    u64 n, then per document: u32 id length, id (UTF-8),
    ///             u32 text length, u128 exact hash, u32 shingles, u8 valid
    /// keys.bin    u64 n, u32 bands, then per band: n x u32 key
    /// sketch.bin  u64 n, u32 k, then per document: k x u16
    /// ```
    ///
    /// Keys are band-major, so that a task that needs a few bands reads
    /// only theirs.
    pub fn write_part(&self, dir: &Path) -> io::Result<()> {
        let t = &self.table;
        let n = t.len() as u64;
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(META))?);
        w.write_all(&n.to_le_bytes())?;
        for i in 0..t.len() {
            w.write_all(&(t.ids[i].len() as u32).to_le_bytes())?;
            w.write_all(t.ids[i].as_bytes())?;
            w.write_all(&t.text_len[i].to_le_bytes())?;
            w.write_all(&t.exact[i].to_le_bytes())?;
            w.write_all(&t.shingles[i].to_le_bytes())?;
            w.write_all(&[u8::from(t.valid[i])])?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(KEYS))?);
        w.write_all(&n.to_le_bytes())?;
        w.write_all(&(t.bands as u32).to_le_bytes())?;
        for column in &t.keys {
            for k in column {
                w.write_all(&k.to_le_bytes())?;
            }
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(SKETCH))?);
        w.write_all(&n.to_le_bytes())?;
        w.write_all(&(t.k as u32).to_le_bytes())?;
        for v in &t.sketch {
            w.write_all(&v.to_le_bytes())?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(())
    }

    /// Reads the parts written by [`Index::write_part`], in order, as one
    /// index (document numbers continue from part to part), with the
    /// columns `columns` (others left empty).
    pub fn read_parts(
        config: &DedupConfig,
        dirs: &[PathBuf],
        columns: &Columns,
    ) -> io::Result<Index> {
        let mut index = Index::new(config);
        let t = &mut index.table;
        let bad = |what: &str, dir: &Path| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: {what} does not match these dedup settings",
                    dir.display()
                ),
            )
        };
        for dir in dirs {
            let mut r = BufReader::with_capacity(1 << 20, File::open(dir.join(META))?);
            let n = u64::from_le_bytes(read_array(&mut r)?) as usize;
            let mut id = Vec::new();
            for _ in 0..n {
                let len = u32::from_le_bytes(read_array(&mut r)?) as usize;
                id.resize(len, 0);
                r.read_exact(&mut id)?;
                t.ids.push(
                    String::from_utf8(std::mem::take(&mut id))
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
                );
                t.text_len.push(u32::from_le_bytes(read_array(&mut r)?));
                t.exact.push(u128::from_le_bytes(read_array(&mut r)?));
                t.shingles.push(u32::from_le_bytes(read_array(&mut r)?));
                t.valid.push(read_array::<1>(&mut r)?[0] != 0);
            }
            match columns {
                Columns::Bands(bands) => {
                    let mut f = File::open(dir.join(KEYS))?;
                    let head: [u8; 12] = read_array(&mut f)?;
                    if u64::from_le_bytes(head[..8].try_into().unwrap_or_default()) != n as u64
                        || u32::from_le_bytes(head[8..].try_into().unwrap_or_default()) as usize
                            != t.bands
                    {
                        return Err(bad("keys.bin", dir));
                    }
                    let mut buf = vec![0u8; 4 * n];
                    for &band in bands {
                        let Some(column) = t.keys.get_mut(band) else {
                            return Err(bad("a band number", dir));
                        };
                        f.seek(SeekFrom::Start(12 + (band * 4 * n) as u64))?;
                        f.read_exact(&mut buf)?;
                        column.extend(
                            buf.chunks_exact(4)
                                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                        );
                    }
                }
                Columns::Sketches => {
                    let mut r = BufReader::with_capacity(1 << 20, File::open(dir.join(SKETCH))?);
                    let head: [u8; 12] = read_array(&mut r)?;
                    if u64::from_le_bytes(head[..8].try_into().unwrap_or_default()) != n as u64
                        || u32::from_le_bytes(head[8..].try_into().unwrap_or_default()) as usize
                            != t.k
                    {
                        return Err(bad("sketch.bin", dir));
                    }
                    let mut buf = vec![0u8; 2 * n * t.k];
                    r.read_exact(&mut buf)?;
                    t.sketch.extend(
                        buf.chunks_exact(2)
                            .map(|b| u16::from_le_bytes([b[0], b[1]])),
                    );
                }
            }
        }
        Ok(index)
    }

    /// Candidate pairs from the bands `bands` (loaded with
    /// [`Columns::Bands`]), as `a << 32 | b` over document ranks; sorted,
    /// unique. The pairs of every band, in any number of parts, go to
    /// [`Index::cluster_pairs`].
    pub fn candidates(&self, bands: &[usize]) -> Vec<u64> {
        let ranked = cluster::rank(&self.table);
        cluster::candidates(&self.table, &ranked, bands)
    }

    /// [`Index::cluster`] from candidate pairs computed in parts by
    /// [`Index::candidates`] (the index loaded with [`Columns::Sketches`]).
    /// The same clusters as [`Index::cluster`] when the parts cover every
    /// band.
    pub fn cluster_pairs(self, pairs: Vec<u64>) -> Clusters {
        let ranked = cluster::rank(&self.table);
        self.finish(|t, verify| cluster::cluster_pairs(t, verify, &ranked, pairs))
    }
}

fn read_array<const N: usize>(r: &mut impl Read) -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

/// How a dropped document relates to the one kept for its cluster.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assignment {
    /// Number of the cluster's representative (the document kept).
    pub representative: u32,
    /// Estimated similarity to the representative: Jaccard, or the
    /// containment in it when the document joined by containment.
    pub similarity: f32,
    /// `true` when the text is an exact copy of the representative.
    pub exact: bool,
}

/// The result of clustering.
#[derive(Debug, Default)]
pub struct Clusters {
    ids: Vec<String>,
    assignments: Vec<Option<Assignment>>,
    /// Representative and the other members, in id order.
    groups: Vec<(u32, Vec<u32>)>,
    stats: DedupStats,
}

impl Clusters {
    /// `None` for a document that is kept (alone or as representative);
    /// otherwise the representative it duplicates.
    pub fn assignment(&self, doc: u32) -> Option<Assignment> {
        self.assignments.get(doc as usize).copied().flatten()
    }

    /// The id a document was pushed with.
    pub fn id(&self, doc: u32) -> &str {
        self.ids.get(doc as usize).map(String::as_str).unwrap_or("")
    }

    /// The counters.
    pub fn stats(&self) -> &DedupStats {
        &self.stats
    }

    /// Every cluster of more than one document, in the order of their
    /// representatives' ids.
    pub fn clusters(&self) -> impl Iterator<Item = Cluster<'_>> + '_ {
        self.groups.iter().map(move |(rep, members)| Cluster {
            clusters: self,
            representative: *rep,
            members,
        })
    }

    /// The `n` largest clusters, largest first (ties by representative id).
    pub fn largest(&self, n: usize) -> Vec<Cluster<'_>> {
        let mut all: Vec<Cluster<'_>> = self.clusters().collect();
        all.sort_by_key(|c| std::cmp::Reverse(c.size()));
        all.truncate(n);
        all
    }
}

/// One cluster of [`Clusters`].
#[derive(Debug, Clone, Copy)]
pub struct Cluster<'a> {
    clusters: &'a Clusters,
    representative: u32,
    members: &'a [u32],
}

impl<'a> Cluster<'a> {
    /// The document kept.
    pub fn representative(&self) -> u32 {
        self.representative
    }

    /// The documents dropped in favour of it, in id order.
    pub fn members(&self) -> &'a [u32] {
        self.members
    }

    /// Documents in the cluster, the representative included.
    pub fn size(&self) -> usize {
        self.members.len() + 1
    }

    /// The cluster as a record for `--clusters` (one JSON line each).
    pub fn record(&self) -> ClusterRecord {
        ClusterRecord {
            representative: self.clusters.id(self.representative).to_owned(),
            size: self.size(),
            members: self
                .members
                .iter()
                .filter_map(|&m| {
                    let a = self.clusters.assignment(m)?;
                    Some(MemberRecord {
                        id: self.clusters.id(m).to_owned(),
                        similarity: a.similarity,
                        exact: a.exact,
                    })
                })
                .collect(),
        }
    }
}

/// A cluster as written to `--clusters`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterRecord {
    /// Id of the document kept.
    pub representative: String,
    /// Documents in the cluster, the representative included.
    pub size: usize,
    /// The dropped documents.
    pub members: Vec<MemberRecord>,
}

/// A dropped member of a [`ClusterRecord`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRecord {
    /// The document's id.
    pub id: String,
    /// Its estimated similarity to the representative.
    pub similarity: f32,
    /// Whether it is an exact copy of the representative.
    pub exact: bool,
}

#[cfg(test)]
mod tests {
    use super::minhash::{estimate, exact_jaccard};
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A small deterministic generator (SplitMix64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            minhash::mix64(self.0)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn words(rng: &mut Rng, n: usize) -> Vec<String> {
        (0..n).map(|_| format!("w{}", rng.below(5000))).collect()
    }

    /// Families of near-copies (a few words changed, an exact copy in
    /// upper case, a slightly shorter copy) and unrelated singletons.
    fn corpus(seed: u64) -> Vec<(String, String)> {
        let mut rng = Rng(seed);
        let mut docs = Vec::new();
        for f in 0..6 {
            let len = 80 + rng.below(40);
            let base = words(&mut rng, len);
            docs.push((format!("f{f}-base"), base.join(" ")));
            for v in 0..rng.below(4) {
                let mut w = base.clone();
                for _ in 0..rng.below(3) {
                    let i = rng.below(w.len());
                    w[i] = format!("x{}", rng.below(5000));
                }
                if rng.below(2) == 0 {
                    w.truncate(w.len() - rng.below(6));
                }
                docs.push((format!("f{f}-v{v}"), w.join(" ")));
            }
            if rng.below(2) == 0 {
                docs.push((format!("f{f}-copy"), base.join(" ").to_uppercase()));
            }
        }
        for s in 0..5 {
            docs.push((format!("s{s}"), words(&mut rng, 60).join(" ")));
        }
        docs
    }

    /// id -> id of its representative, through the real stage.
    fn run(cfg: &DedupConfig, docs: &[(String, String)]) -> BTreeMap<String, String> {
        let signer = Signer::new(cfg);
        let mut scratch = SignScratch::default();
        let mut index = Index::new(cfg);
        for (id, text) in docs {
            let mut sig = DocSignature::default();
            signer.sign(text, &mut scratch, &mut sig);
            index.push(id, text.len(), &sig);
        }
        let clusters = index.cluster();
        (0..docs.len() as u32)
            .map(|d| {
                let rep = clusters.assignment(d).map_or(d, |a| a.representative);
                (clusters.id(d).to_owned(), clusters.id(rep).to_owned())
            })
            .collect()
    }

    /// The naive oracle: exact Jaccard of shingle sets over all pairs, the
    /// same exact groups, representative rule and verification.
    fn oracle(cfg: &DedupConfig, docs: &[(String, String)]) -> BTreeMap<String, String> {
        let signer = Signer::new(cfg);
        let mut scratch = shingle::ShingleScratch::default();
        let mut sets = Vec::new();
        let mut exact = Vec::new();
        for (_, text) in docs {
            let mut h = Vec::new();
            exact.push(signer.shingler().hash_into(text, &mut scratch, &mut h));
            sets.push(h);
        }
        let n = docs.len();
        // Ranks by id (ids are unique here).
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| docs[a].0.cmp(&docs[b].0));
        let mut rank = vec![0; n];
        for (r, &d) in order.iter().enumerate() {
            rank[d] = r;
        }
        // Exact groups: leader = longest, then lowest rank.
        let mut leader: Vec<usize> = (0..n).collect();
        for d in 0..n {
            let group = (0..n).filter(|&e| exact[e] == exact[d]);
            leader[d] = group
                .max_by_key(|&e| (docs[e].1.len(), std::cmp::Reverse(rank[e])))
                .unwrap_or(d);
        }
        let size = |l: usize| (0..n).filter(|&e| leader[e] == l).count();
        let leaders: Vec<usize> = (0..n).filter(|&d| leader[d] == d).collect();
        let sim = |a: usize, b: usize| exact_jaccard(&sets[a], &sets[b]) >= cfg.threshold;
        let mut rep: Vec<usize> = (0..n).collect();
        let mut alive: Vec<bool> = vec![false; n];
        for &l in &leaders {
            alive[l] = true;
        }
        // Components of the similarity graph.
        let mut comp: Vec<usize> = (0..n).collect();
        loop {
            let mut changed = false;
            for &a in &leaders {
                for &b in &leaders {
                    if a != b && sim(a, b) && comp[b] > comp[a] {
                        comp[b] = comp[a];
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        loop {
            let degree = |a: usize, alive: &[bool]| -> usize {
                leaders
                    .iter()
                    .filter(|&&b| b != a && alive[b] && comp[b] == comp[a] && sim(a, b))
                    .map(|&b| size(b))
                    .sum()
            };
            let with_edges: Vec<usize> = leaders
                .iter()
                .copied()
                .filter(|&a| alive[a] && degree(a, &alive) > 0)
                .collect();
            let Some(&r) = with_edges.iter().max_by_key(|&&a| {
                (
                    degree(a, &alive) + size(a) - 1,
                    docs[a].1.len(),
                    std::cmp::Reverse(rank[a]),
                )
            }) else {
                break;
            };
            alive[r] = false;
            for &m in &leaders {
                if alive[m] && comp[m] == comp[r] && sim(m, r) {
                    rep[m] = r;
                    alive[m] = false;
                }
            }
        }
        (0..n)
            .map(|d| {
                let r = rep[leader[d]];
                (docs[d].0.clone(), docs[r].0.clone())
            })
            .collect()
    }

    #[test]
    fn clusters_match_the_all_pairs_oracle() {
        let cfg = DedupConfig {
            ngram: 3,
            ..DedupConfig::default()
        };
        for seed in 0..25 {
            let docs = corpus(seed);
            assert_eq!(run(&cfg, &docs), oracle(&cfg, &docs), "seed {seed}");
        }
    }

    #[test]
    fn push_order_does_not_change_clusters() {
        let cfg = DedupConfig::default();
        for seed in 0..10 {
            let mut docs = corpus(seed);
            let want = run(&cfg, &docs);
            let mut rng = Rng(seed ^ 99);
            for i in (1..docs.len()).rev() {
                docs.swap(i, rng.below(i + 1));
            }
            assert_eq!(run(&cfg, &docs), want, "seed {seed}");
        }
    }

    #[test]
    fn chains_do_not_make_one_cluster() {
        // Each document is the previous one shifted by 12 words: neighbors
        // are similar, the ends of the chain are not.
        let mut rng = Rng(5);
        let w = words(&mut rng, 400);
        let docs: Vec<(String, String)> = (0..20)
            .map(|i| (format!("d{i:02}"), w[i * 12..i * 12 + 60].join(" ")))
            .collect();
        let cfg = DedupConfig::default();
        let got = run(&cfg, &docs);
        let reps: std::collections::BTreeSet<&String> = got.values().collect();
        assert!(reps.len() >= 4, "{got:?}");
        // Every member is similar to its own representative.
        let signer = Signer::new(&cfg);
        let mut scratch = shingle::ShingleScratch::default();
        let set = |text: &str, scratch: &mut shingle::ShingleScratch| {
            let mut h = Vec::new();
            signer.shingler().hash_into(text, scratch, &mut h);
            h
        };
        for (id, rep) in &got {
            let a = &docs.iter().find(|d| &d.0 == id).unwrap().1;
            let b = &docs.iter().find(|d| &d.0 == rep).unwrap().1;
            let j = exact_jaccard(&set(a, &mut scratch), &set(b, &mut scratch));
            assert!(j > 0.25, "{id} -> {rep}: {j}");
        }
    }

    #[test]
    fn one_word_documents_are_never_near_copies() {
        // Each signature is one 32-bit value repeated; among 300k documents
        // about ten pairs share it by chance. Only exact copies may merge.
        let cfg = DedupConfig::default();
        let signer = Signer::new(&cfg);
        let mut scratch = SignScratch::default();
        let mut index = Index::new(&cfg);
        let mut sig = DocSignature::default();
        for i in 0..300_000u32 {
            let text = format!("t{i}");
            signer.sign(&text, &mut scratch, &mut sig);
            index.push(&text, text.len(), &sig);
        }
        signer.sign("t7", &mut scratch, &mut sig);
        let copy = index.push("zz-copy", 2, &sig);
        let clusters = index.cluster();
        assert_eq!(clusters.stats().near_duplicates, 0);
        assert_eq!(clusters.stats().exact_duplicates, 1);
        assert_eq!(clusters.assignment(copy).map(|a| a.representative), Some(7));
    }

    #[test]
    fn exact_copies_point_at_the_kept_text() {
        let cfg = DedupConfig::default();
        let text = "The quick brown fox jumps over the lazy dog again and again.";
        let mut index = Index::new(&cfg);
        let signer = Signer::new(&cfg);
        let mut scratch = SignScratch::default();
        for (id, t) in [
            ("b", text.to_uppercase()),
            ("a", text.to_owned()),
            ("c", "unrelated words only here and there".into()),
        ] {
            let mut sig = DocSignature::default();
            signer.sign(&t, &mut scratch, &mut sig);
            index.push(id, t.len(), &sig);
        }
        let clusters = index.cluster();
        // Same length: the lower id, "a" (number 1), is kept.
        assert_eq!(clusters.assignment(1), None);
        let a = clusters.assignment(0).unwrap();
        assert_eq!((a.representative, a.exact, a.similarity), (1, true, 1.0));
        assert_eq!(clusters.assignment(2), None);
        assert_eq!(clusters.stats().exact_duplicates, 1);
        assert_eq!(clusters.stats().clusters, 1);
        let records: Vec<ClusterRecord> = clusters.clusters().map(|c| c.record()).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].representative, "a");
        assert_eq!(records[0].size, 2);
        assert_eq!(records[0].members[0].id, "b");
        assert_eq!(clusters.stats().largest, vec![("a".to_string(), 2)]);
    }

    #[test]
    fn default_signatures_and_empty_texts_stand_alone() {
        let cfg = DedupConfig::default();
        let signer = Signer::new(&cfg);
        let mut scratch = SignScratch::default();
        let mut index = Index::new(&cfg);
        index.push("x", 0, &DocSignature::default());
        index.push("y", 0, &DocSignature::default());
        for id in ["p", "q"] {
            let mut sig = DocSignature::default();
            signer.sign("?!", &mut scratch, &mut sig);
            index.push(id, 2, &sig);
        }
        let clusters = index.cluster();
        assert_eq!(clusters.assignment(0), None);
        assert_eq!(clusters.assignment(1), None);
        // Two texts of the same punctuation are exact copies.
        assert!(clusters.assignment(3).is_some_and(|a| a.exact));
    }

    #[test]
    fn containment_catches_excerpts() {
        let mut rng = Rng(11);
        let w = words(&mut rng, 300);
        // Jaccard 86 / 296 = 0.29, containment 1.
        let docs = vec![
            ("full".to_string(), w.join(" ")),
            ("excerpt".to_string(), w[..90].join(" ")),
        ];
        let plain = run(&DedupConfig::default(), &docs);
        assert_eq!(plain["excerpt"], "excerpt");
        let cfg = DedupConfig {
            containment: Some(0.8),
            ..DedupConfig::default()
        };
        let got = run(&cfg, &docs);
        assert_eq!(got["excerpt"], "full");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn minhash_estimate_tracks_exact_jaccard(
            a_len in 20usize..400,
            shift in 0usize..400,
            extra in 0usize..200,
            seed in any::<u64>(),
        ) {
            let cfg = DedupConfig { num_perm: 256, seed, ngram: 1, ..DedupConfig::default() };
            let signer = Signer::new(&cfg);
            let mut scratch = SignScratch::default();
            let a: Vec<String> = (0..a_len).map(|i| format!("t{i}")).collect();
            let b: Vec<String> = (shift..shift + a_len + extra).map(|i| format!("t{i}")).collect();
            let (mut sa, mut sb) = (DocSignature::default(), DocSignature::default());
            signer.sign(&a.join(" "), &mut scratch, &mut sa);
            signer.sign(&b.join(" "), &mut scratch, &mut sb);
            let mut sh = shingle::ShingleScratch::default();
            let (mut ha, mut hb) = (Vec::new(), Vec::new());
            signer.shingler().hash_into(&a.join(" "), &mut sh, &mut ha);
            signer.shingler().hash_into(&b.join(" "), &mut sh, &mut hb);
            let exact = exact_jaccard(&ha, &hb);
            let est = estimate(&sa.sketch, &sb.sketch);
            // 256 values: the standard error is at most 0.031.
            prop_assert!((est - exact).abs() < 0.16, "est {} exact {}", est, exact);
        }
    }
}
