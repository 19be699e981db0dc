//! LSH banding: which pairs of documents are worth comparing.
//!
//! A signature of `k` values is cut into `b` bands of `r` rows (`b * r <= k`);
//! two documents become a candidate pair when all `r` values of at least one
//! band agree. Each value agrees with probability `s` (the Jaccard
//! similarity), so a pair of similarity `s` becomes a candidate with
//! probability
//!
//! ```text
//! P(s) = 1 - (1 - s^r)^b                                  (the S-curve)
//!
//!  P(s)                              at the defaults (t = 0.35, k = 128):
//!  1.0 |           .-''''''''''     b = 41 bands of r = 3 rows
//!      |         .'                 s    0.1   0.2   0.3   0.35  0.4   0.5
//!      |        /                   P(s) 0.04  0.28  0.67  0.83  0.93  1.00
//!  0.5 |       /
//!      |      /
//!      |   ..'
//!  0.0 |..'__________________ s
//!      0     t=0.35         1
//! ```
//!
//! (The figures are those of one example; [`Banding::for_threshold`]
//! computes the real `b` and `r` for the configured threshold and `k`.)
//!
//! `b` and `r` are chosen for a threshold `t` by minimizing the area of
//! false positives (`P(s)` for `s < t`) plus the area of false negatives
//! (`1 - P(s)` for `s >= t`), with false negatives weighted more: a false
//! positive only costs one verification, a false negative is a missed
//! duplicate.
//!
//! Candidates come from sorting, not from hash maps of buckets: per band,
//! `key << 32 | doc` words are sorted and runs of equal keys are the
//! buckets. Sorting one `u64` per document is cache-friendly and needs no
//! memory beyond one band's array. Words whose key occurs once in the band
//! are dropped first (`keep_repeated_keys`): most are, so the sort works
//! on a short array that fits in cache. Keys are 32 bits: among a million
//! documents about a hundred unrelated pairs per band share a key by
//! chance, and verification drops them.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Weight of the false-negative area against the false-positive area.
const FN_WEIGHT: f64 = 0.75;

/// Members of a bucket above which pairs are only formed between neighbors
/// (templated pages that share a whole band): each member is paired with
/// the next [`WINDOW`] members in document order instead of all of them.
pub const MAX_BUCKET: usize = 64;
/// See [`MAX_BUCKET`].
pub const WINDOW: usize = 32;

/// Bands and rows of an LSH index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banding {
    /// Number of bands.
    pub bands: usize,
    /// Values per band.
    pub rows: usize,
}

impl Banding {
    /// The banding for threshold `t` with `k` values per signature,
    /// minimizing `fp_area + 3 * fn_area` (see the module docs).
    ///
    /// The areas are midpoint sums over a fixed grid of similarities, so
    /// for each `r` the grid's `1 - s^r` is computed once and raised to
    /// `b = 1, 2, ...` by one multiplication per step: every `(b, r)` costs
    /// one product per grid point instead of two powers. (The slow form,
    /// [`Banding::false_positive_area`] and
    /// [`Banding::false_negative_area`] per candidate, is the test's
    /// oracle.)
    pub fn for_threshold(t: f64, k: usize) -> Banding {
        let k = k.max(1);
        let t = t.clamp(0.01, 1.0);
        let (fp_grid, fp_h) = midpoints(0.0, t);
        let (fn_grid, fn_h) = midpoints(t, 1.0);
        let mut best = (f64::INFINITY, Banding { bands: 1, rows: 1 });
        // Per grid point: `1 - s^r`, and its `b`-th power.
        let mut fp_miss = vec![0.0; INTEGRATION_STEPS];
        let mut fn_miss = vec![0.0; INTEGRATION_STEPS];
        let mut fp_pow = vec![0.0; INTEGRATION_STEPS];
        let mut fn_pow = vec![0.0; INTEGRATION_STEPS];
        for rows in 1..=k {
            for (m, &s) in fp_miss.iter_mut().zip(&fp_grid) {
                *m = 1.0 - s.powi(rows as i32);
            }
            for (m, &s) in fn_miss.iter_mut().zip(&fn_grid) {
                *m = 1.0 - s.powi(rows as i32);
            }
            fp_pow.fill(1.0);
            fn_pow.fill(1.0);
            for bands in 1..=(k / rows) {
                // P(s) = 1 - (1 - s^r)^b; the false-positive area sums
                // P(s) below t, the false-negative area 1 - P(s) above.
                let mut fp = 0.0;
                for (p, &m) in fp_pow.iter_mut().zip(&fp_miss) {
                    *p *= m;
                    fp += 1.0 - *p;
                }
                let mut fneg = 0.0;
                for (p, &m) in fn_pow.iter_mut().zip(&fn_miss) {
                    *p *= m;
                    fneg += *p;
                }
                let cost = (1.0 - FN_WEIGHT) * fp * fp_h + FN_WEIGHT * fneg * fn_h;
                if cost < best.0 - 1e-12 {
                    best = (cost, Banding { bands, rows });
                }
            }
        }
        best.1
    }

    /// The probability that a pair of similarity `s` shares a bucket.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// Area under the S-curve below the threshold.
    pub fn false_positive_area(&self, t: f64) -> f64 {
        integrate(|s| self.probability(s), 0.0, t)
    }

    /// Area above the S-curve from the threshold up.
    pub fn false_negative_area(&self, t: f64) -> f64 {
        integrate(|s| 1.0 - self.probability(s), t, 1.0)
    }

    /// The bucket key of each band of `values` into `out` (`bands` keys):
    /// the xxh3 of the band's values (little-endian bytes), seeded with the
    /// band number, top 32 bits.
    pub fn keys_into(&self, values: &[u32], seed: u64, out: &mut Vec<u32>) {
        out.clear();
        out.reserve_exact(self.bands);
        let mut bytes = Vec::new();
        let mut small = [0u8; 64];
        for (band, rows) in values.chunks_exact(self.rows).take(self.bands).enumerate() {
            let band_seed = seed ^ (band as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            // Up to 16 rows (every banding of 128 values but the flattest)
            // fit a buffer on the stack.
            let buf: &[u8] = if rows.len() <= 16 {
                for (dst, v) in small.chunks_exact_mut(4).zip(rows) {
                    dst.copy_from_slice(&v.to_le_bytes());
                }
                &small[..4 * rows.len()]
            } else {
                bytes.clear();
                bytes.extend(rows.iter().flat_map(|v| v.to_le_bytes()));
                &bytes
            };
            out.push((xxh3_64_with_seed(buf, band_seed) >> 32) as u32);
        }
    }
}

/// Points of the midpoint rule; the integrands are smooth.
const INTEGRATION_STEPS: usize = 200;

/// The midpoints of [`INTEGRATION_STEPS`] equal steps over `[a, b]`, and
/// the step.
fn midpoints(a: f64, b: f64) -> (Vec<f64>, f64) {
    let h = (b - a) / INTEGRATION_STEPS as f64;
    let points = (0..INTEGRATION_STEPS)
        .map(|i| a + (i as f64 + 0.5) * h)
        .collect();
    (points, h)
}

/// Midpoint rule over [`midpoints`].
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (points, h) = midpoints(a, b);
    points.into_iter().map(f).sum::<f64>() * h
}

/// Candidate pairs `(a, b)` with `a < b` of the documents `docs` whose key
/// in band `band` is `key(doc, band)`, sorted and without repeats.
///
/// Documents are numbered by an order that does not depend on input order
/// (the caller's ranks), so the neighbor windows of large buckets are too.
pub fn candidates(
    docs: &[u32],
    bands: usize,
    key: impl Fn(u32, usize) -> Option<u32> + Sync,
) -> Vec<(u32, u32)> {
    let all: Vec<usize> = (0..bands).collect();
    candidates_in(docs, &all, key)
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

/// [`candidates`] of the bands `bands` only, as `a << 32 | b`, sorted and
/// unique. The union over a partition of the bands, sorted and made
/// unique, is [`candidates`] over all of them: a sharded run computes the
/// parts in separate tasks.
pub fn candidates_in(
    docs: &[u32],
    bands: &[usize],
    key: impl Fn(u32, usize) -> Option<u32> + Sync,
) -> Vec<u64> {
    // Bands are independent: each is sorted on a thread of the pool, and
    // the pairs are merged, sorted and deduplicated, so the result does
    // not depend on the number of threads.
    let ascending = docs.windows(2).all(|w| w[0] < w[1]);
    let per_band: Vec<Vec<u64>> = bands
        .par_iter()
        .map_init(
            || (Vec::with_capacity(docs.len()), Vec::new(), Vec::new()),
            |(column, tmp, filter): &mut (Vec<u64>, Vec<u64>, Vec<u64>), &band| {
                band_pairs(docs, ascending, band, &key, column, tmp, filter)
            },
        )
        .collect();
    let mut pairs: Vec<u64> = Vec::with_capacity(per_band.iter().map(Vec::len).sum());
    for p in per_band {
        pairs.extend(p);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// The pairs `a << 32 | b` (`a < b`) of one band, sorted and unique.
/// `ascending`: `docs` are in increasing order (then a radix sort on the
/// keys alone sorts the column). `tmp` and `filter` are scratch.
fn band_pairs(
    docs: &[u32],
    ascending: bool,
    band: usize,
    key: &impl Fn(u32, usize) -> Option<u32>,
    column: &mut Vec<u64>,
    tmp: &mut Vec<u64>,
    filter: &mut Vec<u64>,
) -> Vec<u64> {
    column.clear();
    column.extend(
        docs.iter()
            .filter_map(|&d| key(d, band).map(|k| (k as u64) << 32 | d as u64)),
    );
    keep_repeated_keys(column, filter);
    if ascending {
        sort_by_high_half(column, tmp);
    } else {
        column.sort_unstable();
    }
    let mut pairs = Vec::new();
    let mut start = 0;
    while start < column.len() {
        let key = column[start] >> 32;
        let end = start
            + column[start..]
                .iter()
                .take_while(|&&e| e >> 32 == key)
                .count();
        let bucket = &column[start..end];
        let reach = if bucket.len() > MAX_BUCKET {
            WINDOW
        } else {
            bucket.len()
        };
        for (i, &a) in bucket.iter().enumerate() {
            for &b in bucket.iter().skip(i + 1).take(reach) {
                pairs.push(a << 32 | (b & 0xffff_ffff));
            }
        }
        start = end;
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Drops from a band's column the words whose key occurs once, keeping the
/// order of the rest (possibly with a few singletons). Most keys of a band
/// are unique (a document shares a band only with its near-copies), so
/// the sort that finds the buckets then has a tenth of the words, and
/// they fit in the cache: at a million documents a band's column and its
/// sort buffer were 16 MB, read and written three times per band.
///
/// Two bit sets in one array, eight bits each per word of the column: a
/// key's hash sets its bit in `seen`, or its bit in `again` when `seen`
/// has it. A repeated key always has its `again` bit; a unique key has it
/// only when its hash collides with another key's (about one in nine).
/// `filter` is scratch.
fn keep_repeated_keys(column: &mut Vec<u64>, filter: &mut Vec<u64>) {
    let bits = (column.len() * 8).next_power_of_two().max(1 << 10);
    let shift = 64 - bits.trailing_zeros();
    // Word 2i holds bits 64i.. of `seen`, word 2i + 1 the same of `again`:
    // one cache line for both.
    filter.clear();
    filter.resize(bits / 32, 0);
    // Two multiplies with a fold between: keys that are an arithmetic
    // progression would fall on a few lines of slots under one multiply.
    let slot = |w: u64| {
        let x = (w >> 32).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((x ^ x >> 32).wrapping_mul(0xD6E8_FEB8_6659_FD93) >> shift) as usize
    };
    for &w in column.iter() {
        let s = slot(w);
        let (word, bit) = (2 * (s / 64), 1u64 << (s % 64));
        if filter[word] & bit != 0 {
            filter[word + 1] |= bit;
        } else {
            filter[word] |= bit;
        }
    }
    column.retain(|&w| {
        let s = slot(w);
        filter[2 * (s / 64) + 1] & 1 << (s % 64) != 0
    });
}

/// Sorts `words` by their high 32 bits, keeping the order of words with
/// equal high halves: a least-significant-digit radix sort, three passes
/// of 11 bits (a pass whose digit is one value for all is skipped). When
/// the low halves ascend in input order, as a band's documents do, this
/// is `sort_unstable` of the whole words, in linear time. `tmp` is
/// scratch.
fn sort_by_high_half(words: &mut Vec<u64>, tmp: &mut Vec<u64>) {
    const BITS: usize = 11;
    const BUCKETS: usize = 1 << BITS;
    let n = words.len();
    if n < 512 {
        // Small: a comparison sort of (high half, position) is cheaper
        // than clearing the counters.
        words.sort_by_key(|&w| w >> 32);
        return;
    }
    let digit = |w: u64, pass: usize| ((w >> 32) as usize >> (pass * BITS)) & (BUCKETS - 1);
    let mut counts = vec![[0usize; BUCKETS]; 3];
    for &w in words.iter() {
        for (pass, c) in counts.iter_mut().enumerate() {
            c[digit(w, pass)] += 1;
        }
    }
    tmp.clear();
    tmp.resize(n, 0);
    for (pass, c) in counts.iter_mut().enumerate() {
        if c.contains(&n) {
            continue;
        }
        let mut start = 0;
        for slot in c.iter_mut() {
            let size = *slot;
            *slot = start;
            start += size;
        }
        for &w in words.iter() {
            let slot = &mut c[digit(w, pass)];
            tmp[*slot] = w;
            *slot += 1;
        }
        std::mem::swap(words, tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banding_fits_k_and_puts_the_threshold_on_the_slope() {
        for (t, k) in [
            (0.4, 128),
            (0.5, 128),
            (0.8, 128),
            (0.9, 256),
            (0.3, 64),
            (0.5, 7),
        ] {
            let b = Banding::for_threshold(t, k);
            assert!(b.bands * b.rows <= k, "{t} {k} {b:?}");
            assert!(b.probability(t) > 0.2, "{t} {k} {b:?}");
            assert!(b.probability((t + 0.2).min(1.0)) > 0.8, "{t} {k} {b:?}");
            if t >= 0.4 && k >= 64 {
                assert!(b.probability(t / 2.0) < 0.2, "{t} {k} {b:?}");
            }
        }
    }

    /// The slow form: both areas of every candidate by numerical
    /// integration of [`Banding::probability`].
    fn for_threshold_by_integration(t: f64, k: usize) -> Banding {
        let k = k.max(1);
        let t = t.clamp(0.01, 1.0);
        let mut best = (f64::INFINITY, Banding { bands: 1, rows: 1 });
        for bands in 1..=k {
            for rows in 1..=(k / bands) {
                let b = Banding { bands, rows };
                let cost = (1.0 - FN_WEIGHT) * b.false_positive_area(t)
                    + FN_WEIGHT * b.false_negative_area(t);
                if cost < best.0 - 1e-12 {
                    best = (cost, b);
                }
            }
        }
        best.1
    }

    #[test]
    fn banding_is_the_one_integration_finds() {
        for k in [1, 7, 16, 64, 100, 128, 200, 256] {
            for i in 0..=50 {
                let t = i as f64 / 50.0;
                assert_eq!(
                    Banding::for_threshold(t, k),
                    for_threshold_by_integration(t, k),
                    "t={t} k={k}"
                );
            }
        }
    }

    #[test]
    fn keys_depend_on_every_row() {
        let b = Banding { bands: 2, rows: 3 };
        let mut k1 = Vec::new();
        let mut k2 = Vec::new();
        b.keys_into(&[1, 2, 3, 4, 5, 6, 7], 0, &mut k1);
        b.keys_into(&[1, 2, 3, 4, 5, 9, 7], 0, &mut k2);
        assert_eq!(k1.len(), 2);
        assert_eq!(k1[0], k2[0]);
        assert_ne!(k1[1], k2[1]);
    }

    #[test]
    fn candidates_from_shared_buckets() {
        let keys: Vec<Vec<u32>> = vec![vec![1, 10], vec![1, 11], vec![2, 11], vec![3, 12]];
        let docs = [0, 1, 2, 3];
        let got = candidates(&docs, 2, |d, b| keys[d as usize].get(b).copied());
        assert_eq!(got, vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn large_buckets_pair_neighbors_only() {
        let n = MAX_BUCKET as u32 + 50;
        let keys: Vec<Vec<u32>> = (0..n).map(|_| vec![7]).collect();
        let docs: Vec<u32> = (0..n).collect();
        let got = candidates(&docs, 1, |d, b| keys[d as usize].get(b).copied());
        assert!(got
            .iter()
            .all(|&(a, b)| a < b && (b - a) as usize <= WINDOW));
        assert!(got.contains(&(0, 1)));
    }

    /// Unique keys: hash-like, and arithmetic progressions (on which one
    /// multiply put a third of them on shared slots).
    #[test]
    fn the_filter_drops_most_unique_keys() {
        let keys: [fn(u64) -> u64; 3] = [
            |d| d.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32,
            |d| d * 7,
            |d| d,
        ];
        for key in keys {
            let mut column: Vec<u64> = (0..10_000u64).map(|d| key(d) << 32 | d).collect();
            keep_repeated_keys(&mut column, &mut Vec::new());
            // Eight or more bits per word: under one in eight collides.
            assert!(column.len() < 1_250, "{} of 10000 kept", column.len());
        }
    }

    proptest::proptest! {
        /// The radix sort of a band's column is `sort_unstable` of it when
        /// the documents ascend; keys crowd a few values or span all 32
        /// bits, in columns below and above the small-column cutoff.
        #[test]
        fn radix_sort_is_a_full_sort(
            keys in proptest::collection::vec(
                proptest::prop_oneof![0u32..4, proptest::num::u32::ANY],
                0..3000,
            ),
        ) {
            let mut words: Vec<u64> = keys
                .iter()
                .enumerate()
                .map(|(d, &k)| u64::from(k) << 32 | d as u64)
                .collect();
            let mut want = words.clone();
            want.sort_unstable();
            sort_by_high_half(&mut words, &mut Vec::new());
            proptest::prop_assert_eq!(words, want);
        }

        /// Dropping the words of keys seen once leaves every bucket of two
        /// or more words whole and in order: the buckets of the filtered
        /// column are those of the whole column. Keys crowd a few values,
        /// spread over many, or span all 32 bits.
        #[test]
        fn the_filter_keeps_every_repeated_key(
            keys in proptest::collection::vec(
                proptest::prop_oneof![0u32..4, 0u32..3000, proptest::num::u32::ANY],
                0..3000,
            ),
        ) {
            let column: Vec<u64> = keys
                .iter()
                .enumerate()
                .map(|(d, &k)| u64::from(k) << 32 | d as u64)
                .collect();
            let mut kept = column.clone();
            keep_repeated_keys(&mut kept, &mut Vec::new());
            let mut count = std::collections::HashMap::new();
            for &k in &keys {
                *count.entry(k).or_insert(0usize) += 1;
            }
            let want: Vec<u64> = column.iter().copied().filter(|w| count[&((w >> 32) as u32)] > 1).collect();
            let got: Vec<u64> = kept.iter().copied().filter(|w| count[&((w >> 32) as u32)] > 1).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert!(kept.windows(2).all(|p| p[0] & 0xffff_ffff < p[1] & 0xffff_ffff));
        }

        /// Candidates do not depend on the order documents come in (the
        /// radix path for ascending documents, the comparison sort else),
        /// buckets over MAX_BUCKET included.
        #[test]
        fn candidates_do_not_depend_on_document_order(
            keys in proptest::collection::vec((0u32..3, 0u32..40), 0..1500),
        ) {
            let docs: Vec<u32> = (0..keys.len() as u32).collect();
            let key = |d: u32, b: usize| keys.get(d as usize).map(|k| if b == 0 { k.0 } else { k.1 });
            let ascending = candidates_in(&docs, &[0, 1], key);
            let reversed: Vec<u32> = docs.iter().rev().copied().collect();
            proptest::prop_assert_eq!(candidates_in(&reversed, &[0, 1], key), ascending);
        }
    }
}
