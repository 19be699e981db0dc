//! Throughput of the strip stage on one thread: the rule layer (rules and
//! repeats) on news text with injected boilerplate, and the corpus layer's
//! first pass (observe) and second pass (learned strip). A second group
//! (`boilerplate-scale`) counts the line keys of a corpus the size of 1 GB,
//! where the counting table no longer fits in the caches.
//!
//! Reads `SCOUR_NEWS` (default `../shared/corpora/news_real.jsonl.gz`); falls
//! back to generated text when it is missing.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use scour::boilerplate::{LineCounts, LineKeys, StripConfig, StripStats, Stripper};
use std::io::BufRead;

const CHROME: &[&str] = &[
    "We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
    "Share this article",
    "Facebook Twitter Email",
    "Sign up for our newsletter",
    "Advertisement",
    "Read more: Markets rally as rates hold",
    "Stay in the loop with the Harbor Gazette morning briefing",
    "Source: Reuters",
];

fn docs() -> Vec<String> {
    let path = std::env::var_os("SCOUR_NEWS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/corpora/news_real.jsonl.gz")
        });
    let mut bodies: Vec<String> = Vec::new();
    if let Ok(f) = std::fs::File::open(&path) {
        let r = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(f));
        for line in r.lines().map_while(Result::ok).take(4000) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if let Some(t) = v.get("text").and_then(|t| t.as_str()) {
                    bodies.push(t.to_string());
                }
            }
        }
    }
    if bodies.is_empty() {
        eprintln!("no corpus at {}: generated text", path.display());
        bodies = (0..4000)
            .map(|i| (0..12).map(|p| format!("Paragraph {p} of story {i} tells what happened and why it matters to readers.\n")).collect())
            .collect();
    }
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let head = CHROME[i % CHROME.len()];
            let tail = CHROME[(i * 7 + 3) % CHROME.len()];
            format!("{head}\n{b}\n{tail}\n")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let docs = docs();
    let bytes: usize = docs.iter().map(String::len).sum();
    let mut g = c.benchmark_group("boilerplate");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    for (name, repeats) in [("rules", false), ("rules+repeats", true)] {
        let cfg = StripConfig {
            repeats,
            ..StripConfig::default()
        };
        g.bench_function(name, |b| {
            let (mut out, mut credits, mut stats) =
                (String::new(), Vec::new(), StripStats::default());
            // A new stripper (built outside the timing) for each pass over
            // the documents: a thread remembers the rule family of every
            // line it has read for one rule set, so a reused stripper
            // would read no line twice after the first pass. Each pass
            // starts with nothing remembered, as a run does.
            b.iter_batched(
                || Stripper::new(cfg.clone()).expect("rules"),
                |s| {
                    for d in &docs {
                        credits.clear();
                        s.strip(d, &mut out, &mut credits, None, &mut stats);
                    }
                    s
                },
                BatchSize::PerIteration,
            )
        });
    }
    let cfg = StripConfig::default();
    g.bench_function("observe", |b| {
        b.iter(|| {
            let mut counts = LineCounts::new(&cfg);
            for d in &docs {
                counts.observe(d);
            }
            counts
        })
    });
    let mut counts = LineCounts::new(&cfg);
    for d in &docs {
        counts.observe(d);
    }
    eprintln!(
        "observe: {} distinct lines, {} table bytes ({:.1} bytes a line)",
        counts.distinct_lines(),
        counts.table_bytes(),
        counts.table_bytes() as f64 / counts.distinct_lines().max(1) as f64
    );
    let learned = counts.learn();
    g.bench_function("learned-strip", |b| {
        let (mut out, mut stats) = (String::new(), StripStats::default());
        b.iter(|| {
            for d in &docs {
                learned.strip(d, &mut out, None, &mut stats);
            }
        })
    });
    g.finish();
}

/// The line keys of a corpus the size of 1 GB of news (680,000 documents
/// of 20 non-blank lines, as `benches/gen_corpus.py` makes): two lines of
/// site chrome from a pool of 3,000, eighteen article lines of their own,
/// and one document in ten a copy of an earlier one. About 11 million
/// distinct lines: the counting table outgrows the caches, and is pruned
/// once, as in a run of that size.
fn corpus_keys() -> Vec<LineKeys> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut docs: Vec<LineKeys> = Vec::with_capacity(680_000);
    for i in 0..680_000usize {
        if i > 0 && next() % 10 == 0 {
            let copy = docs[(next() % i as u64) as usize].clone();
            docs.push(copy);
            continue;
        }
        let mut keys = LineKeys::default();
        let site = next() % 1000;
        keys.hashes.push(0x9E37_79B9 ^ (site * 3));
        keys.lens.push(40);
        for _ in 0..18 {
            keys.hashes.push(next());
            keys.lens.push(60 + (next() % 200) as u32);
        }
        keys.hashes.push(0x9E37_79B9 ^ (site * 3 + 1 + next() % 2));
        keys.lens.push(30);
        docs.push(keys);
    }
    docs
}

/// The first pass's counting alone, at the scale of 1 GB of news: the
/// table's memory, not the text, sets the pace here.
fn counting_at_scale(c: &mut Criterion) {
    let docs = corpus_keys();
    let bytes: u64 = docs
        .iter()
        .flat_map(|k| &k.lens)
        .map(|&l| u64::from(l) + 1)
        .sum();
    let mut g = c.benchmark_group("boilerplate-scale");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    let cfg = StripConfig::default();
    g.bench_function("observe-keys-1GB", |b| {
        b.iter(|| {
            let mut counts = LineCounts::new(&cfg);
            for k in &docs {
                counts.observe_keys(k);
            }
            counts.distinct_lines()
        })
    });
    g.finish();
}

criterion_group!(benches, bench, counting_at_scale);
criterion_main!(benches);
