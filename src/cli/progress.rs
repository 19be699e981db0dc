//! Progress on stderr: an indicatif bar per pass when stderr is a
//! terminal; otherwise (a job's log) a line every ten seconds while a pass
//! runs and one when it ends.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scour::pipeline::Progress;
use scour::report::PassStats;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a log line is written when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The running pass, for log lines.
struct Pass {
    name: String,
    total_bytes: Option<u64>,
    docs: u64,
    bytes: u64,
    start: Instant,
    last_log: Instant,
}

/// Draws bars or writes log lines.
pub struct Stderr {
    bar: Mutex<Option<ProgressBar>>,
    pass: Mutex<Option<Pass>>,
    terminal: bool,
    quiet: bool,
}

impl Stderr {
    /// Bars when stderr is a terminal; nothing at all when `quiet`.
    pub fn new(quiet: bool) -> Stderr {
        Stderr {
            bar: Mutex::new(None),
            pass: Mutex::new(None),
            terminal: std::io::stderr().is_terminal(),
            quiet,
        }
    }
}

impl Progress for Stderr {
    fn pass_start(&self, name: &str, total_bytes: Option<u64>) {
        if self.quiet {
            return;
        }
        if !self.terminal {
            if let Ok(mut p) = self.pass.lock() {
                let now = Instant::now();
                *p = Some(Pass {
                    name: name.to_string(),
                    total_bytes,
                    docs: 0,
                    bytes: 0,
                    start: now,
                    last_log: now,
                });
            }
            return;
        }
        let bar = match total_bytes {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template(
                    "{prefix:>6} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{prefix:>6} {spinner} {bytes} {bytes_per_sec} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_prefix(name.to_string());
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn advance(&self, docs: u64, bytes: u64) {
        if let Ok(mut p) = self.pass.lock() {
            if let Some(pass) = p.as_mut() {
                pass.docs += docs;
                pass.bytes += bytes;
                if pass.last_log.elapsed() >= LOG_EVERY {
                    pass.last_log = Instant::now();
                    let secs = pass.start.elapsed().as_secs_f64().max(1e-9);
                    let rate = pass.bytes as f64 / 1e6 / secs;
                    let eta = match pass.total_bytes {
                        Some(total) if rate > 0.0 && total > pass.bytes => {
                            format!(", ETA {:.0}s", (total - pass.bytes) as f64 / 1e6 / rate)
                        }
                        _ => String::new(),
                    };
                    eprintln!(
                        "scour: pass {}: {} documents, {:.1} MB, {:.1} MB/s{eta}",
                        pass.name,
                        pass.docs,
                        pass.bytes as f64 / 1e6,
                        rate
                    );
                }
            }
        }
        if let Ok(b) = self.bar.lock() {
            if let Some(bar) = b.as_ref() {
                bar.inc(bytes);
                let done: u64 = bar.message().parse::<u64>().unwrap_or(0) + docs;
                bar.set_message(done.to_string());
            }
        }
    }

    fn pass_end(&self, stats: &PassStats) {
        if let Ok(mut p) = self.pass.lock() {
            *p = None;
        }
        if let Ok(mut b) = self.bar.lock() {
            if let Some(bar) = b.take() {
                bar.finish_and_clear();
            }
        }
        if !self.quiet {
            eprintln!(
                "scour: pass {}: {} documents, {:.1} MB in {:.2}s",
                stats.name,
                stats.docs,
                stats.bytes as f64 / 1e6,
                stats.seconds
            );
        }
    }
}
