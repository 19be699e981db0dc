//! Verified clustering: exact groups, LSH candidates, verification, and
//! clusters in which every member is similar to the representative.
//!
//! ```text
//! rank documents by (id, exact hash, length, push number)   // input order
//!                                                            // never decides
//! exact groups: documents with the same 128-bit hash of the normalized
//!     text; the group's leader is its longest text, then lowest rank
//! candidates: LSH over the leaders' band keys (lsh::candidates)
//! verify: a candidate pair is an edge when its estimated Jaccard >= t
//!     (or, with containment c, the shorter's estimated containment in the
//!     longer >= c)
//! components: union-find over the edges
//! within each component, until no edge is left among the unassigned:
//!     representative = the unassigned leader with the most matches
//!         (edges to unassigned leaders, weighted by their exact groups,
//!         plus its own copies), then the longest text, then lowest rank
//!     every other unassigned leader that verifies against the
//!         representative joins its cluster; the rest try again
//! leaders left over are clusters of their own
//! ```
//!
//! A member joins only if it is similar to the representative itself, so
//! chains of templated pages (A~B, B~C, ... but A !~ Z) cannot pull unrelated
//! documents into one giant cluster: a component is split greedily,
//! largest-degree representative first. Every choice depends on ranks, so the
//! result is the same for any input order and any number of threads.

use super::lsh;
use super::minhash::estimate;
use super::Assignment;
use rayon::prelude::*;
use std::cmp::Reverse;

/// The compact per-document records, columns indexed by push number.
///
/// Bytes per document: `id` (24 + its length), `text_len` 4, `exact` 16,
/// `shingles` 4, `valid` 1, `keys` 4 per band, `sketch` 2 per MinHash value.
/// At the defaults (128 values, 41 bands) that is 24 + 25 + 164 + 256 = 469
/// bytes plus the id's text; clustering adds about 40 bytes per document
/// while it runs, plus 8 per candidate pair.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub ids: Vec<String>,
    pub text_len: Vec<u32>,
    pub exact: Vec<u128>,
    pub shingles: Vec<u32>,
    pub valid: Vec<bool>,
    /// Band keys, one column per band (so that each band's pass reads
    /// 4 bytes per document, not a strided row).
    pub keys: Vec<Vec<u32>>,
    pub sketch: Vec<u16>,
    pub bands: usize,
    pub k: usize,
}

impl Table {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    fn key(&self, doc: u32, band: usize) -> Option<u32> {
        self.keys.get(band)?.get(doc as usize).copied()
    }

    fn sketch(&self, doc: u32) -> &[u16] {
        let i = doc as usize * self.k;
        self.sketch.get(i..i + self.k).unwrap_or(&[])
    }
}

/// Verification thresholds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verify {
    pub threshold: f64,
    pub containment: Option<f64>,
}

impl Verify {
    /// The similarity of two documents if they are duplicates: the
    /// estimated Jaccard when it passes the threshold, else the estimated
    /// containment of the shorter in the longer when that passes.
    pub fn check(&self, t: &Table, a: u32, b: u32) -> Option<f32> {
        // A document of one shingle (fewer words than the n-gram size) is
        // the same as another only when its normalized text is, and exact
        // copies are grouped before verification. Its signature is one
        // 32-bit value repeated, so among a million such documents some
        // pairs would collide and read as identical.
        let sa = *t.shingles.get(a as usize)?;
        let sb = *t.shingles.get(b as usize)?;
        if sa.min(sb) <= 1 {
            return None;
        }
        let j = estimate(t.sketch(a), t.sketch(b));
        if j >= self.threshold {
            return Some(j as f32);
        }
        let c = self.containment?;
        let (sa, sb) = (sa as f64, sb as f64);
        let cont = containment(j, sa.min(sb), sa.max(sb));
        (cont >= c).then_some(cont as f32)
    }
}

/// Containment of the smaller set A in the larger B from their Jaccard
/// similarity and sizes: |A ∩ B| = J (|A| + |B|) / (1 + J), divided by |A|.
pub fn containment(j: f64, small: f64, large: f64) -> f64 {
    if small <= 0.0 {
        return 0.0;
    }
    (j * (small + large) / ((1.0 + j) * small)).min(1.0)
}

/// The result of clustering.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Per push number.
    pub assignments: Vec<Option<Assignment>>,
    /// Clusters with more than one member: representative, then the other
    /// members, each list in rank order; clusters in their
    /// representative's rank order.
    pub groups: Vec<(u32, Vec<u32>)>,
    /// Candidate pairs from LSH.
    pub candidate_pairs: u64,
    /// Candidate pairs that verified.
    pub verified_pairs: u64,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The lower number becomes the root: deterministic.
        if ra < rb {
            self.0[rb as usize] = ra;
        } else if rb < ra {
            self.0[ra as usize] = rb;
        }
    }
}

/// Documents in rank order, their exact groups and the documents LSH
/// sees: everything clustering derives from the compact records before the
/// candidate pairs (which the band keys give, per band).
#[derive(Debug, Default)]
pub(crate) struct Ranked {
    /// Rank -> push number.
    order: Vec<u32>,
    /// Rank -> rank of its exact group's leader.
    leader: Vec<u32>,
    /// Rank of a leader -> documents in its exact group.
    size: Vec<u32>,
    /// Ranks of the leaders with shingles (LSH's documents).
    lsh_docs: Vec<u32>,
}

/// Ranks the documents and groups exact copies. Reads ids, exact hashes,
/// lengths, validity and shingle counts; no band keys or sketches.
pub(crate) fn rank(t: &Table) -> Ranked {
    let n = t.len();
    // Ranks: documents in an order that input order does not change.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        t.ids[a]
            .cmp(&t.ids[b])
            .then(t.exact[a].cmp(&t.exact[b]))
            .then(t.text_len[a].cmp(&t.text_len[b]))
            .then(a.cmp(&b))
    });
    let doc = |r: u32| order[r as usize];

    // Exact groups.
    let mut by_hash: Vec<u32> = (0..n as u32)
        .filter(|&r| t.valid[doc(r) as usize])
        .collect();
    by_hash.sort_unstable_by_key(|&r| (t.exact[doc(r) as usize], r));
    let mut leader: Vec<u32> = (0..n as u32).collect();
    let mut size: Vec<u32> = vec![1; n];
    for run in by_hash.chunk_by(|&a, &b| t.exact[doc(a) as usize] == t.exact[doc(b) as usize]) {
        let Some(&lead) = run
            .iter()
            .max_by_key(|&&r| (t.text_len[doc(r) as usize], Reverse(r)))
        else {
            continue;
        };
        for &r in run {
            leader[r as usize] = lead;
        }
        size[lead as usize] = run.len() as u32;
    }
    let lsh_docs: Vec<u32> = (0..n as u32)
        .filter(|&r| {
            leader[r as usize] == r && t.valid[doc(r) as usize] && t.shingles[doc(r) as usize] > 0
        })
        .collect();
    Ranked {
        order,
        leader,
        size,
        lsh_docs,
    }
}

/// Candidate pairs of ranks (`a << 32 | b`, `a < b`, sorted, unique) from
/// the band keys of `bands` (the columns the table holds).
pub(crate) fn candidates(t: &Table, ranked: &Ranked, bands: &[usize]) -> Vec<u64> {
    let doc = |r: u32| ranked.order[r as usize];
    lsh::candidates_in(&ranked.lsh_docs, bands, |r, band| t.key(doc(r), band))
}

/// Clusters the table (see the module docs).
pub(crate) fn cluster(t: &Table, verify: Verify) -> Outcome {
    let ranked = rank(t);
    let bands: Vec<usize> = (0..t.bands).collect();
    let pairs = candidates(t, &ranked, &bands);
    cluster_pairs(t, verify, &ranked, pairs)
}

/// Clusters the table from candidate pairs of ranks (those of
/// [`candidates`] over every band, in any number of parts, merged). Reads
/// the sketches; no band keys.
pub(crate) fn cluster_pairs(
    t: &Table,
    verify: Verify,
    ranked: &Ranked,
    mut pairs: Vec<u64>,
) -> Outcome {
    pairs.par_sort_unstable();
    pairs.dedup();
    let n = t.len();
    let Ranked {
        order,
        leader,
        size,
        lsh_docs,
    } = ranked;
    let doc = |r: u32| order[r as usize];
    let edges: Vec<(u32, u32)> = pairs
        .par_iter()
        .map(|&p| ((p >> 32) as u32, p as u32))
        .filter(|&(a, b)| verify.check(t, doc(a), doc(b)).is_some())
        .collect();

    // Components.
    let mut uf = UnionFind((0..n as u32).collect());
    for &(a, b) in &edges {
        uf.union(a, b);
    }
    let mut comp_edges: Vec<(u32, u32, u32)> =
        edges.iter().map(|&(a, b)| (uf.find(a), a, b)).collect();
    comp_edges.sort_unstable();
    let mut members: Vec<(u32, u32)> = lsh_docs.iter().map(|&r| (uf.find(r), r)).collect();
    members.sort_unstable();

    // rep_of[leader] = (representative, similarity); itself when kept.
    let mut rep_of: Vec<(u32, f32)> = (0..n as u32).map(|r| (r, 1.0)).collect();
    let mut local = vec![u32::MAX; n];
    let mut edge_start = 0;
    for comp in members.chunk_by(|a, b| a.0 == b.0) {
        let root = comp[0].0;
        let edge_end = edge_start
            + comp_edges[edge_start..]
                .iter()
                .take_while(|e| e.0 == root)
                .count();
        let cedges = &comp_edges[edge_start..edge_end];
        edge_start = edge_end;
        if comp.len() < 2 {
            continue;
        }
        let nodes: Vec<u32> = comp.iter().map(|&(_, r)| r).collect();
        for (i, &r) in nodes.iter().enumerate() {
            local[r as usize] = i as u32;
        }
        let ledges: Vec<(usize, usize)> = cedges
            .iter()
            .map(|&(_, a, b)| (local[a as usize] as usize, local[b as usize] as usize))
            .collect();
        split_component(t, &verify, &nodes, &ledges, size, &doc, &mut rep_of);
    }

    // Assignments per push number.
    let mut assignments: Vec<Option<Assignment>> = vec![None; n];
    let mut groups: Vec<(u32, u32)> = Vec::new(); // (representative rank, member rank)
    for r in 0..n as u32 {
        let lead = leader[r as usize];
        let (rep, sim) = rep_of[lead as usize];
        if rep == r {
            continue;
        }
        let exact = rep == lead;
        assignments[doc(r) as usize] = Some(Assignment {
            representative: doc(rep),
            similarity: if exact { 1.0 } else { sim },
            exact,
        });
        groups.push((rep, r));
    }
    groups.sort_unstable();
    let groups = groups
        .chunk_by(|a, b| a.0 == b.0)
        .map(|g| (doc(g[0].0), g.iter().map(|&(_, m)| doc(m)).collect()))
        .collect();
    Outcome {
        assignments,
        groups,
        candidate_pairs: pairs.len() as u64,
        verified_pairs: edges.len() as u64,
    }
}

/// Splits one component into clusters whose members all verify against
/// their representative (see the module docs).
fn split_component(
    t: &Table,
    verify: &Verify,
    nodes: &[u32],
    edges: &[(usize, usize)],
    size: &[u32],
    doc: &impl Fn(u32) -> u32,
    rep_of: &mut [(u32, f32)],
) {
    let mut alive = vec![true; nodes.len()];
    let mut degree = vec![0u64; nodes.len()];
    loop {
        degree.iter_mut().for_each(|d| *d = 0);
        let mut any_edge = false;
        for &(a, b) in edges {
            if alive[a] && alive[b] {
                degree[a] += size[nodes[b] as usize] as u64;
                degree[b] += size[nodes[a] as usize] as u64;
                any_edge = true;
            }
        }
        if !any_edge {
            return;
        }
        let Some(rep) = (0..nodes.len()).filter(|&i| alive[i]).max_by_key(|&i| {
            let r = nodes[i];
            (
                degree[i] + size[r as usize] as u64 - 1,
                t.text_len[doc(r) as usize],
                Reverse(r),
            )
        }) else {
            return;
        };
        alive[rep] = false;
        let rep_rank = nodes[rep];
        for i in 0..nodes.len() {
            if !alive[i] {
                continue;
            }
            if let Some(sim) = verify.check(t, doc(nodes[i]), doc(rep_rank)) {
                rep_of[nodes[i] as usize] = (rep_rank, sim);
                alive[i] = false;
            }
        }
    }
}
