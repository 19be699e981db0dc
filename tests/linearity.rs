//! Pathological documents cost time linear in their size, in every stage.
//!
//! Each shape is cleaned at two sizes in the same run (size N and 4N) with
//! every stage on (`scour run`: decode is skipped by the library entry
//! point, repair, normalize, strip with learning, dedup). Linear work
//! gives a time ratio near 4; quadratic work gives 16. The test asserts
//! the ratio stays under 9, taking the fastest of several repetitions so
//! that a noisy, shared machine does not decide the outcome. It compares
//! two sizes measured back to back rather than checking a wall-clock limit.

use scour::{clean, Command, Document, PipelineConfig};
use std::time::{Duration, Instant};

const REPS: usize = 3;
const GROWTH: usize = 4;
const MAX_RATIO: f64 = 9.0;

fn time_clean(text: &str) -> Duration {
    let config = PipelineConfig::new(Command::Run);
    (0..REPS)
        .map(|_| {
            // Two documents so that dedup has a pair to compare.
            let docs = vec![Document::new("a", text), Document::new("b", text)];
            let start = Instant::now();
            let (kept, report) = clean(docs, &config).expect("clean runs");
            let took = start.elapsed();
            assert_eq!(
                report.docs_in,
                report.docs_out + report.docs_rejected + report.docs_duplicate
            );
            drop(kept);
            took
        })
        .min()
        .unwrap_or_default()
}

/// Builds the shape at `n` units and at `GROWTH * n` units and checks the ratio.
fn check(shape: &str, n: usize, build: impl Fn(usize) -> String) {
    let small = build(n);
    let large = build(n * GROWTH);
    // Warm up allocators and lazily built tables.
    let _ = time_clean(&small);
    let t_small = time_clean(&small).max(Duration::from_micros(200));
    let t_large = time_clean(&large);
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64();
    eprintln!(
        "{shape}: {} bytes {:?}, {} bytes {:?}, ratio {ratio:.2} (linear = {GROWTH})",
        small.len(),
        t_small,
        large.len(),
        t_large
    );
    assert!(
        ratio < MAX_RATIO,
        "{shape}: {GROWTH}x the input took {ratio:.1}x the time (super-linear)"
    );
}

/// One test, shapes in sequence: tests running side by side would skew
/// each other's timings.
#[test]
fn pathological_documents_cost_linear_time() {
    one_enormous_line();
    run_of_one_character();
    run_of_one_non_ascii_character();
    mojibake_everywhere();
    millions_of_lines();
    many_distinct_lines_and_blank_runs();
}

fn one_enormous_line() {
    let words = [
        "the", "border", "crossing", "migrants", "Chile", "Peru", "said", "on", "Friday",
    ];
    check("one enormous line", 200_000, |n| {
        let mut s = String::with_capacity(n * 7);
        for i in 0..n {
            s.push_str(words[(i * 7 + i / 3) % words.len()]);
            s.push(' ');
        }
        s
    });
}

fn run_of_one_character() {
    check("run of one character", 2_000_000, |n| "a".repeat(n));
}

fn run_of_one_non_ascii_character() {
    // Every byte is a candidate for the mojibake scanner.
    check("run of Ã", 500_000, |n| "Ã".repeat(n));
}

fn mojibake_everywhere() {
    check("mojibake everywhere", 40_000, |n| {
        "CafÃ© â€œquotedâ€\u{9d} Ã¼ber naÃ¯ve. ".repeat(n)
    });
}

fn millions_of_lines() {
    check("many short lines", 100_000, |n| {
        let mut s = String::with_capacity(n * 12);
        for i in 0..n {
            s.push_str(&format!("line {}\n", i % 977));
        }
        s
    });
}

fn many_distinct_lines_and_blank_runs() {
    check("distinct lines and blank runs", 50_000, |n| {
        let mut s = String::with_capacity(n * 40);
        for i in 0..n {
            s.push_str(&format!(
                "Paragraph {i} says something about the vote.\n\n\n\n"
            ));
        }
        s
    });
}
