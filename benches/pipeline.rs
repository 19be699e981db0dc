//! Pipeline throughput: reading, decoding and writing JSONL with no stage
//! enabled (the floor every stage adds to), and `run` end to end, on one
//! thread, in bytes per second.
//!
//! Input: the news corpus at `$SCOUR_NEWS` or `../shared/corpora/news_real.jsonl.gz`
//! when present, else the seed articles in `corpus/` repeated; about 32 MB.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scour::io::output::OutputTarget;
use scour::pipeline::{Command, NoProgress, PipelineConfig};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

const TARGET_BYTES: usize = 32 << 20;

// The binary's allocator, so the bench measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::news_path;

/// JSONL lines: the news corpus, or the seed corpus as records.
fn source_lines() -> Vec<String> {
    if let Ok(f) = std::fs::File::open(news_path()) {
        let r = BufReader::new(flate2::read::MultiGzDecoder::new(f));
        return r.lines().map_while(Result::ok).collect();
    }
    let mut lines = Vec::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if let Ok(text) = std::fs::read_to_string(e.path()) {
            let id = e.file_name().to_string_lossy().into_owned();
            lines.push(serde_json::json!({"id": id, "text": text, "src": "seed"}).to_string());
        }
    }
    lines
}

fn make_input(dir: &Path) -> (PathBuf, u64) {
    let lines = source_lines();
    let path = dir.join("input.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create input"));
    let mut written = 0usize;
    let mut copy = 0;
    while written < TARGET_BYTES && !lines.is_empty() {
        for line in &lines {
            // Unique ids per copy, so the copies are distinct records.
            let line = line.replacen("{\"id\":\"", &format!("{{\"id\":\"c{copy}-"), 1);
            out.write_all(line.as_bytes()).expect("write");
            out.write_all(b"\n").expect("write");
            written += line.len() + 1;
            if written >= TARGET_BYTES {
                break;
            }
        }
        copy += 1;
    }
    out.flush().expect("flush");
    (path, written as u64)
}

fn config(command: Command, input: &Path, out: &Path, no_stages: bool) -> PipelineConfig {
    let mut c = PipelineConfig::new(command);
    c.inputs = vec![input.to_path_buf()];
    c.output = OutputTarget::File(out.to_path_buf());
    c.threads = 1;
    if no_stages {
        c.repair = None;
        c.normalize = false;
        c.strip = None;
        c.learn = false;
        c.dedup = None;
    }
    c
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, bytes) = make_input(dir.path());
    let out = dir.path().join("out.jsonl");
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    let io_only = config(Command::Fix, &input, &out, true);
    g.bench_function("read-decode-write-jsonl/1-thread", |b| {
        b.iter(|| scour::pipeline::run(&io_only, &NoProgress).expect("run"))
    });
    let run = config(Command::Run, &input, &out, false);
    g.bench_function("run-all-stages/1-thread", |b| {
        b.iter(|| scour::pipeline::run(&run, &NoProgress).expect("run"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
