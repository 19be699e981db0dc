//! Throughput of the strip stage on one thread: the rule layer (rules and
//! repeats) on news text with injected boilerplate, and the corpus layer's
//! first pass (observe) and second pass (learned strip).
//!
//! Reads `SCOUR_NEWS` (default `../shared/corpora/news_real.jsonl.gz`); falls
//! back to generated text when it is missing.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use scour::boilerplate::{LineCounts, StripConfig, StripStats, Stripper};
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

criterion_group!(benches, bench);
criterion_main!(benches);
