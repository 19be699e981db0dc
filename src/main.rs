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
    let config = match cli::config::from_args(args.command) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scour: error: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Ctrl-C / SIGTERM: stop at the next batch; temporary files are removed
    // as the run unwinds, and nothing appears under a final name.
    // A second signal exits at once.
    let _ = ctrlc::set_handler(|| {
        if scour::pipeline::stop_requested() {
            std::process::exit(130);
        }
        scour::pipeline::request_stop();
    });
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
