//! Labeled evaluation of the mojibake repairer.
//!
//! Generates the seeded set of `tests/mojibake_gen` (clean multilingual
//! sentences through every corruption chain, plus clean look-alikes), prints
//! fixed-rate and false-change rate per chain and overall, times the
//! repairer, and dumps the cases as JSONL so that
//! `benches/mojibake_ftfy.py` can run ftfy on exactly the same input.
//!
//! ```text
//! cargo run --release --example eval_mojibake -- [--n 3000] [--seed 42] [--out DIR]
//! python3 benches/mojibake_ftfy.py [DIR]
//! ```
//!
//! `DIR` defaults to `target/mojibake_eval`. With the news corpus present
//! (`$SCOUR_NEWS` or `../shared/corpora/news_real.jsonl.gz`) its first 2 MB
//! of text are timed too, as the clean common case, and the same documents
//! with every 20th line mojibaked (Windows-1252), as the damaged case; those
//! are written to `DIR/news_5pct.jsonl` for the Python side.

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../tests/mojibake_gen/mod.rs"]
mod mojibake_gen;

use common::{five_percent, news_path};
use mojibake_gen::{cases, score};
use scour::mojibake::{RepairConfig, RepairStats, Repairer};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Bytes of news text timed (the Python side takes the same documents).
const NEWS_BYTES: usize = 2_000_000;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn news_docs() -> Vec<String> {
    let mut docs = Vec::new();
    let Ok(f) = std::fs::File::open(news_path()) else {
        return docs;
    };
    let mut total = 0;
    for line in BufReader::new(flate2::read::MultiGzDecoder::new(f))
        .lines()
        .map_while(Result::ok)
    {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if let Some(t) = v.get("text").and_then(|t| t.as_str()) {
            total += t.len();
            docs.push(t.to_string());
        }
        if total >= NEWS_BYTES {
            break;
        }
    }
    docs
}

/// Seconds per pass of `repair` over `docs` (best of a few passes).
fn time(r: &Repairer, docs: &[String]) -> f64 {
    let mut out = String::new();
    let mut stats = RepairStats::default();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for d in docs {
            std::hint::black_box(r.repair(d, &mut out, &mut stats, None));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() -> std::io::Result<()> {
    let n: usize = arg("--n").and_then(|v| v.parse().ok()).unwrap_or(3000);
    let seed: u64 = arg("--seed").and_then(|v| v.parse().ok()).unwrap_or(42);
    let dir = arg("--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/mojibake_eval"));
    std::fs::create_dir_all(&dir)?;

    let r = Repairer::new(RepairConfig::default());
    let set = cases(seed, n);
    let s = score(&set, |text| {
        let mut out = String::new();
        let mut stats = RepairStats::default();
        if r.repair(text, &mut out, &mut stats, None) {
            out
        } else {
            text.to_string()
        }
    });
    println!("scour mojibake eval: seed {seed}, {} cases", set.len());
    for (chain, fixed, total) in &s.by_chain {
        println!(
            "  {chain:>14}: {fixed:>5}/{total:<5} {:6.2}%",
            100.0 * *fixed as f64 / (*total).max(1) as f64
        );
    }
    let fixed_rate = s.fixed as f64 / s.positives.max(1) as f64;
    let false_rate = s.false_changes as f64 / s.negatives.max(1) as f64;
    println!(
        "fixed {}/{} = {:.2}%   false changes {}/{} = {:.2}%",
        s.fixed,
        s.positives,
        100.0 * fixed_rate,
        s.false_changes,
        s.negatives,
        100.0 * false_rate
    );
    if std::env::args().any(|a| a == "--failures") {
        for (chain, input, got, want) in &s.failures {
            println!("FAIL {chain}\n  in:   {input:?}\n  got:  {got:?}\n  want: {want:?}");
        }
    }

    // Timing: the eval inputs, and clean news text when present.
    let inputs: Vec<String> = set.iter().map(|c| c.input.clone()).collect();
    let case_bytes: usize = inputs.iter().map(String::len).sum();
    let case_secs = time(&r, &inputs);
    println!(
        "time on the eval inputs: {:.1} ms for {:.2} MB = {:.0} MB/s",
        case_secs * 1e3,
        case_bytes as f64 / 1e6,
        case_bytes as f64 / 1e6 / case_secs
    );
    let news = news_docs();
    let news_bytes: usize = news.iter().map(String::len).sum();
    let news_secs = if news.is_empty() {
        0.0
    } else {
        time(&r, &news)
    };
    if !news.is_empty() {
        println!(
            "time on clean news text: {:.2} ms for {:.2} MB = {:.0} MB/s",
            news_secs * 1e3,
            news_bytes as f64 / 1e6,
            news_bytes as f64 / 1e6 / news_secs
        );
    }

    let damaged = five_percent(&news);
    let damaged_bytes: usize = damaged.iter().map(String::len).sum();
    let damaged_secs = if damaged.is_empty() {
        0.0
    } else {
        time(&r, &damaged)
    };
    if !damaged.is_empty() {
        println!(
            "time on news with 5% of lines damaged: {:.2} ms for {:.2} MB = {:.0} MB/s",
            damaged_secs * 1e3,
            damaged_bytes as f64 / 1e6,
            damaged_bytes as f64 / 1e6 / damaged_secs
        );
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("news_5pct.jsonl"))?);
        for d in &damaged {
            writeln!(f, "{}", serde_json::json!({ "text": d }))?;
        }
        f.flush()?;
    }

    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("cases.jsonl"))?);
    for c in &set {
        let line = serde_json::json!({
            "chain": c.chain,
            "input": c.input,
            "expected": c.expected,
            "negative": c.negative,
        });
        writeln!(f, "{line}")?;
    }
    f.flush()?;
    let summary = serde_json::json!({
        "seed": seed,
        "fixed": s.fixed,
        "positives": s.positives,
        "false_changes": s.false_changes,
        "negatives": s.negatives,
        "by_chain": s.by_chain.iter().map(|(c, f, t)| serde_json::json!([c, f, t])).collect::<Vec<_>>(),
        "case_bytes": case_bytes,
        "case_seconds": case_secs,
        "news_docs": news.len(),
        "news_bytes": news_bytes,
        "news_seconds": news_secs,
        "damaged_bytes": damaged_bytes,
        "damaged_seconds": damaged_secs,
    });
    std::fs::write(dir.join("summary.json"), summary.to_string())?;
    println!("cases and summary written to {}", dir.display());
    Ok(())
}
