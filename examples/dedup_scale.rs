//! The dedup index at scale: pushes `N` generated signatures (default one
//! million), then clusters them; prints the index's bytes per document,
//! clustering time (wall and CPU) and the process's peak memory.
//!
//! ```text
//! cargo run --release --example dedup_scale -- [N]
//! ```
//!
//! Generated documents: one in ten is a near copy of a recent one (70% of
//! its MinHash values kept, estimated Jaccard about 0.7), one in fifty an
//! exact copy, the rest unrelated. Signatures are made on the fly, so the
//! peak memory is the index's and clustering's.

use scour::dedup::{DedupConfig, DocSignature, Index};
use std::collections::VecDeque;
use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// User + system CPU seconds of the process, from /proc (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the
    // 12th, stime the 13th, in clock ticks (100 a second).
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let cfg = DedupConfig::default();
    let banding = cfg.banding();
    let mut rng = Rng(1);
    let mut recent: VecDeque<(Vec<u32>, u128)> = VecDeque::new();
    let mut index = Index::new(&cfg);
    let mut sig = DocSignature {
        valid: true,
        shingles: 300,
        ..DocSignature::default()
    };
    let start = Instant::now();
    for i in 0..n {
        let roll = rng.next() % 100;
        let pick = |rng: &mut Rng| (rng.next() % recent.len().max(1) as u64) as usize;
        let (values, exact) = match recent.len() {
            0 => (
                (0..cfg.num_perm).map(|_| rng.next() as u32).collect(),
                rng.next() as u128,
            ),
            _ if roll < 2 => recent[pick(&mut rng)].clone(),
            _ if roll < 12 => {
                let mut v = recent[pick(&mut rng)].0.clone();
                for x in v.iter_mut() {
                    if rng.next() % 10 < 3 {
                        *x = rng.next() as u32;
                    }
                }
                (v, rng.next() as u128)
            }
            _ => (
                (0..cfg.num_perm).map(|_| rng.next() as u32).collect(),
                rng.next() as u128,
            ),
        };
        banding.keys_into(&values, cfg.seed, &mut sig.keys);
        sig.sketch.clear();
        sig.sketch.extend(values.iter().map(|&v| v as u16));
        sig.exact = exact;
        index.push(&format!("doc-{i:07}"), 2000, &sig);
        recent.push_back((values, exact));
        if recent.len() > 10_000 {
            recent.pop_front();
        }
    }
    drop(recent);
    let heap = index.heap_bytes();
    println!(
        "{n} documents pushed in {:.1} s; index {:.0} MiB, {} bytes per document ({} bands x {} rows)",
        start.elapsed().as_secs_f64(),
        heap as f64 / (1 << 20) as f64,
        heap / n.max(1),
        banding.bands,
        banding.rows
    );
    let rss_before = peak_rss_mib();
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let clusters = index.cluster();
    let wall = wall.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    let s = clusters.stats();
    println!(
        "clustered in {wall:.2} s wall, {cpu:.2} s CPU ({} threads): {} candidate pairs, {} verified, {} clusters, {} exact + {} near duplicates",
        rayon::current_num_threads(),
        s.candidate_pairs,
        s.verified_pairs,
        s.clusters,
        s.exact_duplicates,
        s.near_duplicates
    );
    println!(
        "peak memory: {rss_before:.0} MiB before clustering, {:.0} MiB after",
        peak_rss_mib()
    );
}
