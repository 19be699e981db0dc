//! The labeled near-duplicate benchmark: pairwise precision, recall, F1
//! and adjusted Rand index at the default settings and for a threshold
//! sweep, recall per kind of copy, and signing speed.
//!
//! ```text
//! cargo run --release --example eval_dedup -- [--bases N] [--distractors N]
//!     [--seed S] [--dump FILE.jsonl]
//! ```
//!
//! `--natural T` instead clusters the whole corpus at threshold T and
//! prints how many of its own (unlabeled) pairs fall in each similarity
//! band, with examples to judge by eye.
//!
//! `--dump` writes the set (`id`, `text`, `label`, `kind`) for
//! `benches/dedup_peers.py`, which runs datasketch and rensa on it.
//! The corpus is `SCOUR_NEWS` or `../shared/corpora/news_real.jsonl.gz`.

#[path = "../tests/labeled/mod.rs"]
mod labeled;

use labeled::{metrics, predict, Labeled};
use scour::dedup::{DedupConfig, DocSignature, SignScratch, Signer};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

/// This thread's CPU time, from /proc (Linux); wall time elsewhere.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map(|ns| ns / 1e9)
        .unwrap_or_else(|| {
            static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
            START.get_or_init(Instant::now).elapsed().as_secs_f64()
        })
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bases = arg(&args, "--bases")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let distractors = arg(&args, "--distractors")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed = arg(&args, "--seed")
        .and_then(|v| v.parse().ok())
        .unwrap_or(42);
    let Some(news) = labeled::load_news() else {
        eprintln!(
            "corpus not found at {} (set SCOUR_NEWS); skipping",
            labeled::news_path().display()
        );
        return;
    };
    if let Some(t) = arg(&args, "--natural").and_then(|v| v.parse::<f64>().ok()) {
        natural(&news, t);
        return;
    }
    let set = labeled::build(&news, bases, distractors, seed);
    let bytes: usize = set.iter().map(|d| d.text.len()).sum();
    let gold: Vec<u32> = set.iter().map(|d| d.label).collect();
    let copies = set.iter().filter(|d| d.id.contains("~copy")).count();
    println!(
        "set: {} documents ({} bases, {} copies, {} distractors), {:.1} MB, seed {seed}",
        set.len(),
        bases,
        copies,
        distractors,
        bytes as f64 / 1e6
    );
    if let Some(path) = arg(&args, "--dump") {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create dump"));
        for d in &set {
            serde_json::to_writer(&mut f, d).expect("write dump");
            f.write_all(b"\n").expect("write dump");
        }
        println!("dumped to {path}");
    }

    // Signing speed on this set (one thread).
    let cfg = DedupConfig::default();
    let signer = Signer::new(&cfg);
    let mut scratch = SignScratch::default();
    let mut sig = DocSignature::default();
    // MB per second of this thread's CPU time (the machine is shared, so
    // wall time would count other processes' turns).
    // The kernel updates the figure at scheduler ticks: run for at least
    // half a second.
    let time = |f: &mut dyn FnMut()| {
        let start = cpu_seconds();
        let mut reps = 0;
        while reps < 3 || cpu_seconds() - start < 0.5 {
            f();
            reps += 1;
        }
        (reps * bytes) as f64 / (cpu_seconds() - start) / 1e6
    };
    let mut sh = scour::dedup::shingle::ShingleScratch::default();
    let mut hashes = Vec::new();
    let norm = time(&mut || {
        for d in &set {
            signer.shingler().normalize(&d.text, &mut sh);
        }
    });
    let shingles = time(&mut || {
        for d in &set {
            signer.shingler().hash_into(&d.text, &mut sh, &mut hashes);
        }
    });
    let signs = time(&mut || {
        for d in &set {
            signer.sign(&d.text, &mut scratch, &mut sig);
        }
    });
    let mut sink = 0u64;
    let calib = time(&mut || {
        for d in &set {
            sink ^= d.text.bytes().filter(|b| b.is_ascii_alphanumeric()).count() as u64;
        }
    });
    println!("calibration: counting alphanumeric bytes {calib:.0} MB/s ({sink})");
    println!(
        "normalize: {norm:.0} MB/s, normalize + shingle hashes: {shingles:.0} MB/s (CPU time)"
    );
    println!(
        "signatures: {signs:.0} MB/s of one thread's CPU time ({} bands x {} rows, {} values)",
        signer.banding().bands,
        signer.banding().rows,
        cfg.num_perm
    );

    let report = |name: &str, cfg: &DedupConfig, set: &[Labeled]| {
        let start = Instant::now();
        let (pred, clusters) = predict(set, cfg);
        let secs = start.elapsed().as_secs_f64();
        let m = metrics(&gold, &pred);
        let false_merges = (0..set.len())
            .filter(|&i| set[pred[i] as usize].label != set[i].label)
            .count();
        println!(
            "{name:<28} P {:.4}  R {:.4}  F1 {:.4}  ARI {:.4}  ({false_merges} false merges, {} clusters, {} candidate pairs, {:.2} s)",
            m.precision,
            m.recall,
            m.f1,
            m.ari,
            clusters.stats().clusters,
            clusters.stats().candidate_pairs,
            secs
        );
        (m, pred)
    };

    println!(
        "\ndefaults (threshold {}, ngram {}, num_perm {}):",
        cfg.threshold, cfg.ngram, cfg.num_perm
    );
    let (_, pred) = report("scour defaults", &cfg, &set);

    // Recall per kind of copy: copies clustered with their base.
    let mut base_of: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, d) in set.iter().enumerate() {
        if d.kind == "base" {
            base_of.insert(d.label, i);
        }
    }
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, d) in set.iter().enumerate() {
        if let Some(&b) = base_of.get(&d.label) {
            if b != i {
                let e = per_kind.entry(d.kind.clone()).or_default();
                e.1 += 1;
                if pred[i] == pred[b] {
                    e.0 += 1;
                }
            }
        }
    }
    // Documents merged into a cluster of another label: the errors of
    // precision.
    let mut wrong: Vec<(usize, usize)> = Vec::new();
    for (i, d) in set.iter().enumerate() {
        let r = pred[i] as usize;
        if r != i && set[r].label != d.label {
            wrong.push((r, i));
        }
    }
    println!("\nfalse merges: {} documents; first ones:", wrong.len());
    let short = |s: &str| s.chars().take(120).collect::<String>().replace('\n', " / ");
    for &(r, i) in wrong.iter().take(8) {
        println!(
            "  {} ({}) <- {} ({})",
            set[r].id, set[r].kind, set[i].id, set[i].kind
        );
        println!("     R: {}", short(&set[r].text));
        println!("     M: {}", short(&set[i].text));
    }

    println!("\nrecall per kind of copy (copy clustered with its base):");
    for (kind, (hit, all)) in &per_kind {
        println!(
            "  {kind:<32} {hit:>5}/{all:<5} {:.3}",
            *hit as f64 / *all as f64
        );
    }

    println!("\nthreshold sweep:");
    for t in [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8] {
        let c = DedupConfig {
            threshold: t,
            ..DedupConfig::default()
        };
        report(&format!("threshold {t:.2}"), &c, &set);
    }
    println!("\nwith containment:");
    for c in [0.7, 0.8, 0.9] {
        let cfg = DedupConfig {
            containment: Some(c),
            ..DedupConfig::default()
        };
        report(
            &format!("threshold {:.2} + cont {c:.1}", cfg.threshold),
            &cfg,
            &set,
        );
    }
}

/// Clusters the whole corpus; prints members per similarity band and a
/// few examples of each.
fn natural(news: &[labeled::News], t: f64) {
    let set: Vec<Labeled> = news
        .iter()
        .enumerate()
        .map(|(i, n)| Labeled {
            id: n.id.clone(),
            text: n.text.clone(),
            label: i as u32,
            kind: "news".into(),
        })
        .collect();
    let cfg = DedupConfig {
        threshold: t,
        ..DedupConfig::default()
    };
    let (_, clusters) = predict(&set, &cfg);
    let mut bands: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for c in clusters.clusters() {
        for &m in c.members() {
            if let Some(a) = clusters.assignment(m) {
                let band = (a.similarity * 10.0).floor() as u32;
                bands.entry(band).or_default().push((c.representative(), m));
            }
        }
    }
    println!(
        "{} documents, threshold {t}: {:?}",
        set.len(),
        clusters.stats()
    );
    let short = |s: &str| s.chars().take(160).collect::<String>().replace('\n', " / ");
    for (band, members) in &bands {
        println!(
            "\nsimilarity {:.1}-{:.1}: {} members",
            *band as f64 / 10.0,
            (*band + 1) as f64 / 10.0,
            members.len()
        );
        for &(rep, m) in members.iter().step_by((members.len() / 6).max(1)).take(6) {
            println!("  {} <- {}", set[rep as usize].id, set[m as usize].id);
            println!("     R: {}", short(&set[rep as usize].text));
            println!("     M: {}", short(&set[m as usize].text));
        }
    }
}
