//! `scour plan` and `scour stage`: the command line of a sharded run (see
//! [`scour::pipeline::shard`]).

use super::args::{Cli, Cmd, PlanArgs, StageArgs, StageName};
use super::config::{self, Config};
use super::progress::Stderr;
use anyhow::{bail, Context, Result};
use clap::Parser;
use scour::pipeline::shard::{self, Manifest, Stage, TaskOutcome};
use scour::report::Report;
use std::process::ExitCode;

/// `scour plan`: writes the manifest and prints the tasks per stage.
pub fn plan(args: PlanArgs) -> Result<ExitCode> {
    // The arguments as given (after `plan`), for the tasks to parse again.
    let raw: Vec<String> = std::env::args_os()
        .skip(2)
        .map(|a| {
            a.into_string()
                .map_err(|a| anyhow::anyhow!("argument {a:?} is not valid UTF-8"))
        })
        .collect::<Result<_>>()?;
    let (work, shards, band_parts) = (args.work.clone(), args.shards, args.band_parts);
    let config = config::from_args(Cmd::Plan(args))?;
    let manifest = shard::plan(
        &config.pipeline,
        &work,
        shards,
        band_parts.unwrap_or(0),
        raw,
    )?;
    println!("{}", manifest.plan_summary(&work));
    Ok(ExitCode::SUCCESS)
}

/// `scour stage`: runs one task (or all of them).
pub fn stage(args: StageArgs) -> Result<ExitCode> {
    let work = std::path::absolute(&args.work)
        .with_context(|| format!("work folder {}", args.work.display()))?;
    let manifest = Manifest::load(&work)?;
    // Relative paths in the settings are relative to where the run was
    // planned.
    std::env::set_current_dir(&manifest.cwd)
        .with_context(|| format!("cannot enter {}", manifest.cwd.display()))?;
    let argv = ["scour", "plan"]
        .into_iter()
        .map(String::from)
        .chain(manifest.args.iter().cloned());
    let Cmd::Plan(plan) = Cli::try_parse_from(argv)
        .context("the manifest's settings do not parse with this scour")?
        .command
    else {
        bail!("the manifest's settings are not those of `scour plan`");
    };
    let mut config = config::from_args(Cmd::Plan(plan))?;
    if let Some(t) = args.threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        config.pipeline.threads = t;
    }
    config.quiet |= args.quiet;
    let progress = Stderr::new(config.quiet);
    let report = match args.stage {
        StageName::All => shard::run_all(&config.pipeline, &work, &manifest, &progress)?,
        name => {
            let stage = Stage::from_name(stage_name(name))
                .ok_or_else(|| anyhow::anyhow!("unknown stage"))?;
            match shard::run_task(
                &config.pipeline,
                &work,
                &manifest,
                stage,
                args.task,
                &progress,
            )? {
                TaskOutcome::Finished(report) => *report,
                outcome => {
                    if !config.quiet {
                        let what = match outcome {
                            TaskOutcome::Skipped => "already done, skipped",
                            _ => "done",
                        };
                        eprintln!("scour: stage {} task {}: {what}", stage.name(), args.task);
                    }
                    return Ok(ExitCode::SUCCESS);
                }
            }
        }
    };
    finished(&config, &report)
}

fn stage_name(s: StageName) -> &'static str {
    match s {
        StageName::Prepare => "prepare",
        StageName::Learn => "learn",
        StageName::Sign => "sign",
        StageName::Bands => "bands",
        StageName::Cluster => "cluster",
        StageName::Write => "write",
        StageName::Finish => "finish",
        StageName::All => "all",
    }
}

/// The end of a whole run: report file, summary, exit code.
fn finished(config: &Config, report: &Report) -> Result<ExitCode> {
    crate::write_report(config, report)?;
    if !config.quiet {
        eprintln!("{}", report.summary());
    }
    Ok(if report.docs_rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
