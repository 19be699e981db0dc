//! Pathological documents cost time linear in their size, in every stage.
//!
//! Each shape is cleaned at two sizes in the same run (size N and 4N) with
//! every stage on (`scour run`: decode is skipped by the library entry
//! point, repair, normalize, strip with learning, dedup). Linear work
//! gives a time ratio near 4; quadratic work gives 16. The test asserts
//! the ratio stays under 12: even linear work
//! measures 5-7 here, as the larger input falls out of the caches and
//! faults in fresh pages, while quadratic work measures 16 and more. Inputs
//! are several megabytes so that both sizes are past the caches. Time is the process's CPU time on one worker
//! thread (not wall time), the fastest of several repetitions, so that
//! other jobs on a shared machine do not decide the outcome. It compares
//! two sizes measured back to back rather than checking a wall-clock limit.

use scour::{clean, Command, Document, PipelineConfig};
use std::time::Duration;

const REPS: usize = 3;
const GROWTH: usize = 4;
const MAX_RATIO: f64 = 12.0;

/// CPU time used by this process so far.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn time_clean(text: &str) -> Duration {
    let mut config = PipelineConfig::new(Command::Run);
    config.threads = 1;
    (0..REPS)
        .map(|_| {
            // Two documents so that dedup has a pair to compare.
            let docs = vec![Document::new("a", text), Document::new("b", text)];
            let start = cpu_time();
            let (kept, report) = clean(docs, &config).expect("clean runs");
            let took = cpu_time().saturating_sub(start);
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
    let t_small = time_clean(&small).max(Duration::from_millis(1));
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
    check("one enormous line", 600_000, |n| {
        let mut s = String::with_capacity(n * 7);
        for i in 0..n {
            s.push_str(words[(i * 7 + i / 3) % words.len()]);
            s.push(' ');
        }
        s
    });
}

fn run_of_one_character() {
    check("run of one character", 6_000_000, |n| "a".repeat(n));
}

fn run_of_one_non_ascii_character() {
    // Every byte is a candidate for the mojibake scanner.
    check("run of Ã", 1_500_000, |n| "Ã".repeat(n));
}

fn mojibake_everywhere() {
    check("mojibake everywhere", 120_000, |n| {
        "CafÃ© â€œquotedâ€\u{9d} Ã¼ber naÃ¯ve. ".repeat(n)
    });
}

fn millions_of_lines() {
    check("many short lines", 400_000, |n| {
        let mut s = String::with_capacity(n * 12);
        for i in 0..n {
            s.push_str(&format!("line {}\n", i % 977));
        }
        s
    });
}

fn many_distinct_lines_and_blank_runs() {
    check("distinct lines and blank runs", 150_000, |n| {
        let mut s = String::with_capacity(n * 40);
        for i in 0..n {
            s.push_str(&format!(
                "Paragraph {i} says something about the vote.\n\n\n\n"
            ));
        }
        s
    });
}
