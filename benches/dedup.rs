//! Dedup throughput: normalization, shingle hashes and signatures on news
//! text (bytes per second, one thread), and LSH + clustering of generated
//! indexes of 100k and 1M documents (documents per second).
//!
//! Text: the news corpus at `$SCOUR_NEWS` or
//! `../shared/corpora/news_real.jsonl.gz` (its first 8 MB) when present,
//! else the seed articles in `corpus/`.
//!
//! The generated index: one document in ten is a near copy of another
//! (70% of MinHash values kept), one in fifty an exact copy, the rest
//! unrelated. The 1M case prints the index's heap bytes per document.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use scour::dedup::shingle::ShingleScratch;
use scour::dedup::{DedupConfig, DocSignature, Index, SignScratch, Signer};
use std::io::{BufRead, BufReader};
use std::path::Path;

const TEXT_BYTES: usize = 8 << 20;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::news_path;

fn texts() -> Vec<String> {
    let mut out = Vec::new();
    let mut bytes = 0;
    if let Ok(f) = std::fs::File::open(news_path()) {
        let r = BufReader::new(flate2::read::MultiGzDecoder::new(f));
        for line in r.lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                let t = v["text"].as_str().unwrap_or("").to_owned();
                bytes += t.len();
                out.push(t);
                if bytes >= TEXT_BYTES {
                    break;
                }
            }
        }
        return out;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if let Ok(t) = std::fs::read_to_string(e.path()) {
            out.push(t);
        }
    }
    out
}

fn text(c: &mut Criterion) {
    let texts = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let cfg = DedupConfig::default();
    let signer = Signer::new(&cfg);
    let mut g = c.benchmark_group("dedup-text");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);
    let mut sh = ShingleScratch::default();
    g.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &texts {
                signer.shingler().normalize(t, &mut sh);
            }
        })
    });
    let mut hashes = Vec::new();
    g.bench_function("shingle", |b| {
        b.iter(|| {
            for t in &texts {
                signer.shingler().hash_into(t, &mut sh, &mut hashes);
            }
        })
    });
    let mut scratch = SignScratch::default();
    let mut sig = DocSignature::default();
    g.bench_function("sign", |b| {
        b.iter(|| {
            for t in &texts {
                signer.sign(t, &mut scratch, &mut sig);
            }
        })
    });
    g.finish();
}

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

/// Signatures of `n` generated documents (see the module docs).
fn generated(n: usize, cfg: &DedupConfig) -> Vec<DocSignature> {
    let banding = cfg.banding();
    let k = cfg.num_perm;
    let mut rng = Rng(n as u64);
    let mut values: Vec<Vec<u32>> = Vec::with_capacity(n);
    let mut sigs = Vec::with_capacity(n);
    for i in 0..n {
        let roll = rng.next() % 100;
        let (v, exact) = if i > 0 && roll < 2 {
            let src = (rng.next() % i as u64) as usize;
            (
                values[src].clone(),
                sigs.get(src).map_or(0, |s: &DocSignature| s.exact),
            )
        } else if i > 0 && roll < 12 {
            let src = (rng.next() % i as u64) as usize;
            let mut v: Vec<u32> = values[src].clone();
            for x in v.iter_mut() {
                if rng.next() % 10 < 3 {
                    *x = rng.next() as u32;
                }
            }
            (v, rng.next() as u128)
        } else {
            (
                (0..k).map(|_| rng.next() as u32).collect(),
                rng.next() as u128,
            )
        };
        let mut keys = Vec::new();
        banding.keys_into(&v, cfg.seed, &mut keys);
        sigs.push(DocSignature {
            valid: true,
            exact,
            shingles: 300,
            keys,
            sketch: v.iter().map(|&x| x as u16).collect(),
        });
        values.push(v);
    }
    sigs
}

fn index_of(sigs: &[DocSignature], cfg: &DedupConfig) -> Index {
    let mut index = Index::new(cfg);
    for (i, s) in sigs.iter().enumerate() {
        index.push(&format!("doc-{i}"), 2000, s);
    }
    index
}

fn clustering(c: &mut Criterion) {
    let cfg = DedupConfig::default();
    for (n, samples) in [(100_000usize, 10usize), (1_000_000, 10)] {
        let sigs = generated(n, &cfg);
        let index = index_of(&sigs, &cfg);
        println!(
            "index of {n} documents: {} bytes per document",
            index.heap_bytes() / n
        );
        drop(index);
        let mut g = c.benchmark_group("dedup-cluster");
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(samples);
        g.bench_function(format!("{n}"), |b| {
            b.iter_batched(
                || index_of(&sigs, &cfg),
                |index| index.cluster(),
                BatchSize::PerIteration,
            )
        });
        g.finish();
    }
}

criterion_group!(benches, text, clustering);
criterion_main!(benches);
