//! The `scour` binary: parse -> run -> exit code; nothing else.

mod cli;

use anyhow::Context;
use clap::Parser;
use scour::error::ErrorKind;
use std::process::ExitCode;

// Records are allocated on the reader thread and freed on the workers; the
// system allocator serializes that on its arena locks (measured: a fifth of
// the I/O path's time). mimalloc's thread-local free lists do not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    set_signal_handler();
    let result = match args.command {
        cli::args::Cmd::Plan(a) => cli::shard::plan(a),
        cli::args::Cmd::Stage(a) => cli::shard::stage(a),
        cmd => return run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let interrupted = e
                .downcast_ref::<scour::error::Error>()
                .is_some_and(|e| matches!(e.kind, ErrorKind::Interrupted));
            if interrupted {
                eprintln!("scour: interrupted; this task left nothing behind");
                return ExitCode::from(130);
            }
            eprintln!("scour: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Ctrl-C / SIGTERM: stop at the next batch; temporary files are removed
/// as the run unwinds, and nothing appears under a final name. A second
/// signal exits at once.
fn set_signal_handler() {
    let _ = ctrlc::set_handler(|| {
        if scour::pipeline::stop_requested() {
            std::process::exit(130);
        }
        scour::pipeline::request_stop();
    });
}

/// `run`, `fix`, `strip`, `dedup`.
fn run(cmd: cli::args::Cmd) -> ExitCode {
    let config = match cli::config::from_args(cmd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scour: error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let progress = cli::progress::Stderr::new(config.quiet);
    match scour::pipeline::run(&config.pipeline, &progress) {
        Ok(report) => {
            if let Err(e) = write_report(&config, &report) {
                eprintln!("scour: error: {e:#}");
                return ExitCode::from(2);
            }
            if !config.quiet {
                eprintln!("{}", report.summary());
            }
            if report.docs_rejected > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) if matches!(e.kind, ErrorKind::Interrupted) => {
            eprintln!("scour: interrupted; no output was written");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("scour: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn write_report(
    config: &cli::config::Config,
    report: &scour::report::Report,
) -> anyhow::Result<()> {
    if let Some(path) = &config.report {
        let json = serde_json::to_vec_pretty(report).context("serializing the report")?;
        let mut f = scour::io::output::AtomicFile::create(path)?;
        f.write_all(&json)?;
        f.write_all(b"\n")?;
        f.commit()
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    Ok(())
}
