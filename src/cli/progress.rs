//! Progress on stderr: an indicatif bar per pass when stderr is a
//! terminal, one log line per pass otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scour::pipeline::Progress;
use scour::report::PassStats;
use std::io::IsTerminal;
use std::sync::Mutex;

/// Draws bars or writes log lines.
pub struct Stderr {
    bar: Mutex<Option<ProgressBar>>,
    terminal: bool,
    quiet: bool,
}

impl Stderr {
    /// Bars when stderr is a terminal; nothing at all when `quiet`.
    pub fn new(quiet: bool) -> Stderr {
        Stderr {
            bar: Mutex::new(None),
            terminal: std::io::stderr().is_terminal(),
            quiet,
        }
    }
}

impl Progress for Stderr {
    fn pass_start(&self, name: &str, total_bytes: Option<u64>) {
        if self.quiet || !self.terminal {
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
        if let Ok(b) = self.bar.lock() {
            if let Some(bar) = b.as_ref() {
                bar.inc(bytes);
                let done: u64 = bar.message().parse::<u64>().unwrap_or(0) + docs;
                bar.set_message(done.to_string());
            }
        }
    }

    fn pass_end(&self, stats: &PassStats) {
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
