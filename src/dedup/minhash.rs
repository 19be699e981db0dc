//! MinHash signatures by one-permutation hashing with optimal densification.
//!
//! # Why this scheme
//!
//! Classic MinHash applies `k` hash functions to every shingle and keeps `k`
//! minima: `k` (128) multiplications per shingle, which caps signing at
//! about 100-200 MB/s per core even when vectorized. One-permutation hashing
//! (OPH; Li, Owen and Zhang, 2012) uses the shingle's single 64-bit xxh3
//! hash twice: its high bits pick one of `k` bins, its low bits are the value
//! whose minimum the bin keeps. That is O(1) per shingle whatever `k`, so
//! signing costs about as much as shingling itself. The probability that
//! two documents agree in a bin is their Jaccard similarity, as for `k`
//! independent permutations, with slightly lower variance (bins are drawn
//! without replacement).
//!
//! A bin that no shingle fell into (short documents) is filled by *optimal
//! densification* (Shrivastava, 2017): it borrows the value of the first
//! non-empty bin along a probe order that depends only on the bin number
//! and the seed, so two documents with the same set borrow the same values
//! and the agreement probability stays their Jaccard similarity. Here the
//! probe order of each bin is a random permutation of the bins, computed
//! once, so that the first filled bin can also be found as the filled bin
//! of least rank (cheap for tiny documents; see `densify`).
//!
//! ```text
//! bins[0..k] = EMPTY
//! for h in shingle hashes:
//!     bin = ((h >> 32) * k) >> 32        // high bits: a bin in 0..k
//!     bins[bin] = min(bins[bin], low 32 bits of h)
//! for each EMPTY bin i:
//!     j = the first bin in order[i] (a seeded permutation of 0..k) that
//!         was filled by a shingle; bins[i] = bins[j]
//! ```

/// A bin no shingle fell into.
const EMPTY: u32 = u32::MAX;

/// Largest `k` with precomputed probe orders (2 tables of `k * k` u16).
const MAX_TABLE_K: usize = 1024;

/// Computes `k`-value signatures from shingle hashes.
#[derive(Debug, Clone)]
pub struct MinHasher {
    k: usize,
    seed: u64,
    /// The probe orders of densification, when `k <= MAX_TABLE_K`.
    orders: Option<std::sync::Arc<Orders>>,
}

/// Each bin's probe order: the other bins sorted by a seeded hash of
/// (bin, other). `perm[i * k + t]` is the `t`-th bin bin `i` probes,
/// `rank[i * k + j]` where bin `j` is in that order.
#[derive(Debug)]
struct Orders {
    perm: Vec<u16>,
    rank: Vec<u16>,
}

/// Reusable buffers of [`MinHasher::signature_into`].
#[derive(Debug, Default, Clone)]
pub struct MinHashScratch {
    filled: Vec<u32>,
    filled_bins: Vec<u16>,
}

/// SplitMix64's finalizer: a cheap, well-mixed 64-bit hash.
#[inline]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl MinHasher {
    /// A hasher of `k` values (at least 1).
    pub fn new(k: usize, seed: u64) -> MinHasher {
        let k = k.max(1);
        let orders = (k <= MAX_TABLE_K).then(|| {
            let mut perm = Vec::with_capacity(k * k);
            let mut rank = vec![0u16; k * k];
            let mut row: Vec<(u64, u16)> = Vec::with_capacity(k);
            for i in 0..k {
                row.clear();
                row.extend((0..k).map(|j| (probe_priority(seed, i, j), j as u16)));
                row.sort_unstable();
                for (t, &(_, j)) in row.iter().enumerate() {
                    perm.push(j);
                    rank[i * k + j as usize] = t as u16;
                }
            }
            std::sync::Arc::new(Orders { perm, rank })
        });
        MinHasher { k, seed, orders }
    }

    /// Values per signature.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Writes the signature of the set of `shingles` (hashes, repeats
    /// allowed) to `out` (`k` values). Returns `false`, with `out` all
    /// `u32::MAX`, when there are no shingles.
    pub fn signature_into(
        &self,
        shingles: &[u64],
        scratch: &mut MinHashScratch,
        out: &mut Vec<u32>,
    ) -> bool {
        let k = self.k;
        out.clear();
        out.resize(k, EMPTY);
        if shingles.is_empty() {
            return false;
        }
        let bins = out.as_mut_slice();
        let k64 = k as u64;
        for &h in shingles {
            let bin = (((h >> 32) * k64) >> 32) as usize;
            // EMPTY - 1 at most, so a filled bin never reads as empty.
            let v = (h as u32).min(EMPTY - 1);
            // A store every time (branch-free): whether a shingle lowers
            // its bin is a coin toss the predictor would lose.
            if let Some(slot) = bins.get_mut(bin) {
                *slot = (*slot).min(v);
            }
        }
        self.densify(bins, scratch);
        true
    }

    /// Fills empty bins from filled ones (at least one bin is filled).
    ///
    /// Bin `i` takes the value of the first filled bin in its probe order
    /// (a random permutation of the bins fixed by the seed). Walking the
    /// order costs `k / filled` steps on average, which is slow for tiny
    /// documents (one shingle: 127 empty bins x 128 steps); the same
    /// answer is the filled bin of least rank in `i`'s order, found in
    /// `filled` steps. Each empty bin takes the cheaper way, so a bin costs
    /// at most about `sqrt(k)` steps.
    fn densify(&self, bins: &mut [u32], scratch: &mut MinHashScratch) {
        let k = bins.len();
        if !bins.contains(&EMPTY) {
            return;
        }
        if k <= 128 {
            if let Some(orders) = self.orders.as_deref() {
                densify_small(bins, orders);
                return;
            }
        }
        let filled = &mut scratch.filled;
        filled.clear();
        filled.extend_from_slice(bins);
        let filled_bins = &mut scratch.filled_bins;
        filled_bins.clear();
        filled_bins.extend((0..k).filter(|&j| filled[j] != EMPTY).map(|j| j as u16));
        let Some(&first_filled) = filled_bins.first() else {
            return;
        };
        let m = filled_bins.len();
        let Some(orders) = self.orders.as_deref() else {
            self.densify_by_hashing(bins, filled, first_filled as usize);
            return;
        };
        for (i, slot) in bins.iter_mut().enumerate() {
            if *slot != EMPTY {
                continue;
            }
            let row = i * k..(i + 1) * k;
            let j = if m * m >= k {
                orders
                    .perm
                    .get(row)
                    .and_then(|order| order.iter().find(|&&j| filled[j as usize] != EMPTY))
            } else {
                let rank = orders.rank.get(row).unwrap_or(&[]);
                filled_bins
                    .iter()
                    .min_by_key(|&&j| rank.get(j as usize).copied().unwrap_or(u16::MAX))
            };
            let j = j.copied().unwrap_or(first_filled) as usize;
            *slot = filled.get(j).copied().unwrap_or(EMPTY);
        }
    }

    /// Densification without tables (`k > MAX_TABLE_K`): probes drawn by
    /// hashing (bin, attempt), the first filled one wins.
    fn densify_by_hashing(&self, bins: &mut [u32], filled: &[u32], first_filled: usize) {
        let k = bins.len();
        for (i, slot) in bins.iter_mut().enumerate() {
            if *slot != EMPTY {
                continue;
            }
            let mut borrowed = None;
            for attempt in 1..=(64 * k as u64) {
                let r = mix64(self.seed ^ ((i as u64) << 32 | attempt));
                let j = (((r >> 32) * k as u64) >> 32) as usize;
                if let Some(&v) = filled.get(j) {
                    if v != EMPTY {
                        borrowed = Some(v);
                        break;
                    }
                }
            }
            *slot = borrowed.unwrap_or(filled.get(first_filled).copied().unwrap_or(EMPTY));
        }
    }
}

/// [`MinHasher::densify`] for `k <= 128` (the default `k` is 128), with the
/// same result: which bins are filled is a bit mask in one register, so the
/// empty bins are visited by their bits, and a byte per bin (1 when
/// filled), so a probe is one byte load (a 128-bit shift by a variable
/// amount takes several instructions). Filled bins are never written, so
/// the values need no copy.
fn densify_small(bins: &mut [u32], orders: &Orders) {
    let k = bins.len();
    let mut filled = [0u8; 128];
    for (&v, f) in bins.iter().zip(&mut filled) {
        *f = u8::from(v != EMPTY);
    }
    // Eight bytes of 0 or 1 to eight bits at a time.
    let mut mask: u128 = 0;
    for (c, eight) in filled.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(eight.try_into().unwrap_or([0; 8]));
        mask |= u128::from(crate::swar::gather(x << 7)) << (8 * c);
    }
    if mask == 0 {
        return;
    }
    let m = mask.count_ones() as usize;
    let all = if k == 128 {
        u128::MAX
    } else {
        (1u128 << k) - 1
    };
    let mut empty = !mask & all;
    while empty != 0 {
        let i = empty.trailing_zeros() as usize;
        empty &= empty - 1;
        let row = i * k..(i + 1) * k;
        let j = if m * m >= k {
            // The first filled bin of i's order: k / m probes on average,
            // taken eight at a time into a bit mask, so that the loop
            // exit (one branch per eight probes, nearly always the first)
            // does not mispredict at a random probe.
            orders.perm.get(row).and_then(|order| {
                let mut chunks = order.chunks_exact(8);
                for chunk in chunks.by_ref() {
                    let mut hits = 0u32;
                    for (t, &b) in chunk.iter().enumerate() {
                        // `b < k <= 128`: the mask leaves the index as is.
                        hits |= u32::from(filled[usize::from(b) & 127]) << t;
                    }
                    if hits != 0 {
                        return Some(usize::from(chunk[hits.trailing_zeros() as usize]));
                    }
                }
                chunks
                    .remainder()
                    .iter()
                    .find(|&&j| mask >> j & 1 == 1)
                    .map(|&j| usize::from(j))
            })
        } else {
            // Few filled bins: the one of least rank in i's order.
            let rank = orders.rank.get(row).unwrap_or(&[]);
            let mut rest = mask;
            let mut best = (u16::MAX, None);
            while rest != 0 {
                let j = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let r = rank.get(j).copied().unwrap_or(u16::MAX);
                if best.1.is_none() || r < best.0 {
                    best = (r, Some(j));
                }
            }
            best.1
        };
        if let Some(v) = j.and_then(|j| bins.get(j).copied()) {
            bins[i] = v;
        }
    }
}

/// The priority of bin `j` in bin `i`'s probe order.
fn probe_priority(seed: u64, i: usize, j: usize) -> u64 {
    mix64(seed ^ mix64((i as u64) << 32 | j as u64))
}

/// Fraction of positions where two signatures agree: the estimate of
/// their Jaccard similarity. 0 for signatures of different lengths or empty
/// ones.
#[inline]
pub fn estimate<T: Copy + PartialEq>(a: &[T], b: &[T]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// Jaccard similarity of two sets of hashes, exactly (for tests and
/// oracles).
pub fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(|x| mix64(x ^ 0xabcdef)).collect()
    }

    fn sig(h: &MinHasher, s: &[u64]) -> Vec<u32> {
        let mut out = Vec::new();
        h.signature_into(s, &mut MinHashScratch::default(), &mut out);
        out
    }

    #[test]
    fn identical_sets_identical_signatures() {
        let h = MinHasher::new(128, 1);
        let a = set(0..300);
        let mut b = a.clone();
        b.reverse();
        b.extend_from_slice(&a[..10]);
        assert_eq!(sig(&h, &a), sig(&h, &b));
    }

    #[test]
    fn empty_set_is_reported() {
        let h = MinHasher::new(16, 1);
        let mut out = Vec::new();
        assert!(!h.signature_into(&[], &mut MinHashScratch::default(), &mut out));
        assert_eq!(out, vec![EMPTY; 16]);
    }

    #[test]
    fn densified_signatures_have_no_empty_bins() {
        let h = MinHasher::new(128, 3);
        for n in [1u64, 2, 5, 40] {
            let s = sig(&h, &set(0..n));
            assert!(!s.contains(&EMPTY), "n={n}");
        }
    }

    #[test]
    fn estimates_track_jaccard() {
        let h = MinHasher::new(256, 9);
        // |A| = |B| = 600, overlap 400: J = 400 / 800 = 0.5.
        let a = set(0..600);
        let b = set(200..800);
        let est = estimate(&sig(&h, &a), &sig(&h, &b));
        assert!((est - 0.5).abs() < 0.1, "{est}");
        assert!((exact_jaccard(&a, &b) - 0.5).abs() < 1e-9);
        // Small sets lean on densification.
        let a = set(0..8);
        let b = set(4..12);
        let est = estimate(&sig(&h, &a), &sig(&h, &b));
        assert!((est - 1.0 / 3.0).abs() < 0.2, "{est}");
    }

    #[test]
    fn both_densification_paths_agree_with_walking_the_order() {
        // Tiny sets take the least-rank path, larger ones walk the order;
        // both must give what a plain walk gives, with the bit-mask code
        // (k <= 128) and the general one (k = 200).
        for k in [64usize, 100, 128, 200] {
            let h = MinHasher::new(k, 5);
            for n in [1u64, 2, 3, 7, 8, 9, 11, 15, 20, 60, 150] {
                let s = set(0..n);
                let got = sig(&h, &s);
                let mut bins = vec![EMPTY; k];
                for &x in &s {
                    let b = (((x >> 32) * k as u64) >> 32) as usize;
                    bins[b] = bins[b].min((x as u32).min(EMPTY - 1));
                }
                let orders = h.orders.as_deref().unwrap();
                for i in 0..k {
                    if bins[i] == EMPTY {
                        let j = orders.perm[i * k..(i + 1) * k]
                            .iter()
                            .find(|&&j| bins[j as usize] != EMPTY)
                            .unwrap();
                        assert_eq!(got[i], bins[*j as usize], "k={k} n={n} bin {i}");
                    } else {
                        assert_eq!(got[i], bins[i]);
                    }
                }
            }
        }
    }

    #[test]
    fn large_k_densifies_by_hashing() {
        let h = MinHasher::new(MAX_TABLE_K + 1, 5);
        let s = sig(&h, &set(0..10));
        assert!(!s.contains(&EMPTY));
    }

    #[test]
    fn odd_k_works() {
        let h = MinHasher::new(7, 0);
        let s = sig(&h, &set(0..100));
        assert_eq!(s.len(), 7);
        assert!(!s.contains(&EMPTY));
    }
}
