//! Mojibake repair throughput on one thread, in bytes per second:
//! clean news text (the common case), the same text with 5% of its lines
//! mojibaked (Windows-1252), and fully mojibaked text.
//!
//! Input: the news corpus at `$SCOUR_NEWS` or
//! `../shared/corpora/news_real.jsonl.gz` when present (first ~8 MB of
//! text), else generated multilingual text.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scour::mojibake::{RepairConfig, RepairStats, Repairer};
use std::io::{BufRead, BufReader};

const TARGET_BYTES: usize = 8 << 20;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::{five_percent, mojibake, news_path};

/// Documents of clean text, about `TARGET_BYTES` in all.
fn clean_docs() -> Vec<String> {
    let mut docs = Vec::new();
    let mut total = 0;
    if let Ok(f) = std::fs::File::open(news_path()) {
        let r = BufReader::new(flate2::read::MultiGzDecoder::new(f));
        for line in r.lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if let Some(t) = v.get("text").and_then(|t| t.as_str()) {
                total += t.len();
                docs.push(t.to_string());
            }
            if total >= TARGET_BYTES {
                return docs;
            }
        }
    }
    // Fallback: generated multilingual paragraphs.
    let words = [
        "the", "market", "rose", "café", "naïve", "über", "São", "Paulo", "prices", "—", "it’s",
        "€5", "report", "said", "on", "Monday", "München", "año", "of", "and",
    ];
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    while total < TARGET_BYTES {
        let mut doc = String::new();
        for i in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            doc.push_str(words[(seed % words.len() as u64) as usize]);
            doc.push(if i % 15 == 14 { '\n' } else { ' ' });
        }
        total += doc.len();
        docs.push(doc);
    }
    docs
}

fn bench(c: &mut Criterion) {
    let r = Repairer::new(RepairConfig::default());
    let clean = clean_docs();
    let five = five_percent(&clean);
    let full: Vec<String> = clean
        .iter()
        .map(|d| mojibake(&d.replace('\'', "’").replace(" - ", " — ")))
        .collect();
    let mut g = c.benchmark_group("mojibake");
    g.sample_size(10);
    for (name, docs) in [("clean", &clean), ("5pct_lines", &five), ("full", &full)] {
        let bytes: usize = docs.iter().map(String::len).sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(name, |b| {
            let mut out = String::new();
            let mut stats = RepairStats::default();
            b.iter(|| {
                let mut changed = 0usize;
                for d in docs.iter() {
                    changed += usize::from(r.repair(d, &mut out, &mut stats, None));
                }
                changed
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
