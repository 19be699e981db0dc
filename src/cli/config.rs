//! Command-line arguments -> a validated [`PipelineConfig`].

use super::args::{Cmd, CommonArgs, CreditsArg, DedupOpts, FixOpts, StripOpts};
use anyhow::{bail, Result};
use scour::boilerplate::CreditsMode;
use scour::io::output::OutputTarget;
use scour::pipeline::{Command, PipelineConfig};
use std::path::PathBuf;

/// What the binary needs besides the pipeline's settings.
#[derive(Debug)]
pub struct Config {
    /// The pipeline's settings.
    pub pipeline: PipelineConfig,
    /// Where to write the JSON report.
    pub report: Option<PathBuf>,
    /// No summary, no progress.
    pub quiet: bool,
}

/// Validates the arguments of one subcommand.
pub fn from_args(cmd: Cmd) -> Result<Config> {
    let (command, common, fix, strip, dedup) = match cmd {
        Cmd::Run(a) => (
            Command::Run,
            a.common,
            Some(a.fix),
            Some(a.strip),
            Some(a.dedup),
        ),
        Cmd::Fix(a) => (Command::Fix, a.common, Some(a.fix), None, None),
        Cmd::Strip(a) => (Command::Strip, a.common, None, Some(a.strip), None),
        Cmd::Dedup(a) => (Command::Dedup, a.common, None, None, Some(a.dedup)),
        Cmd::Plan(a) => (
            Command::Run,
            a.run.common,
            Some(a.run.fix),
            Some(a.run.strip),
            Some(a.run.dedup),
        ),
        Cmd::Stage(_) => bail!("`scour stage` takes its settings from the work folder"),
    };
    let mut p = PipelineConfig::new(command);
    let (report, quiet) = apply_common(&mut p, common)?;
    if let Some(f) = fix {
        apply_fix(&mut p, f);
    }
    if let Some(s) = strip {
        apply_strip(&mut p, s);
    }
    if let Some(d) = dedup {
        apply_dedup(&mut p, d)?;
    }
    Ok(Config {
        pipeline: p,
        report,
        quiet,
    })
}

fn apply_common(p: &mut PipelineConfig, c: CommonArgs) -> Result<(Option<PathBuf>, bool)> {
    if c.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    if c.max_doc_bytes == 0 {
        bail!("--max-doc-bytes must be at least 1");
    }
    if c.text_field == c.id_field {
        bail!("--text-field and --id-field must differ");
    }
    p.inputs = c.inputs;
    p.output = match c.output {
        None => OutputTarget::Stdout,
        Some(o) if o.as_os_str() == "-" => OutputTarget::Stdout,
        Some(o) if o.is_dir() || o.to_string_lossy().ends_with(std::path::MAIN_SEPARATOR) => {
            OutputTarget::Dir(o)
        }
        Some(o) => {
            if let Some(parent) = o.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !parent.is_dir() {
                    bail!("output folder {} does not exist", parent.display());
                }
            }
            OutputTarget::File(o)
        }
    };
    p.threads = c.threads.unwrap_or(0);
    p.text_field = c.text_field;
    p.id_field = c.id_field;
    p.rejects = c.rejects;
    p.explain = c.explain;
    p.max_doc_bytes = c.max_doc_bytes;
    p.temp_dir = c.temp_dir;
    Ok((c.report, c.quiet))
}

fn apply_fix(p: &mut PipelineConfig, f: FixOpts) {
    if let Some(cfg) = &mut p.repair {
        cfg.nfc = f.nfc;
    }
}

fn apply_strip(p: &mut PipelineConfig, s: StripOpts) {
    if let Some(cfg) = &mut p.strip {
        cfg.credits = match s.credits {
            CreditsArg::Keep => CreditsMode::Keep,
            CreditsArg::Strip => CreditsMode::Strip,
            CreditsArg::Extract => CreditsMode::Extract,
        };
        cfg.rules_file = s.rules;
    }
    p.learn = !s.no_learn;
    p.keep_empty = s.keep_empty;
}

fn apply_dedup(p: &mut PipelineConfig, d: DedupOpts) -> Result<()> {
    if !(d.threshold > 0.0 && d.threshold <= 1.0) {
        bail!("--threshold must be in (0, 1], got {}", d.threshold);
    }
    if let Some(t) = d.containment {
        if !(t > 0.0 && t <= 1.0) {
            bail!("--containment must be in (0, 1], got {t}");
        }
    }
    if d.ngram == 0 {
        bail!("--ngram must be at least 1");
    }
    if d.num_perm == 0 {
        bail!("--num-perm must be at least 1");
    }
    if let Some(cfg) = &mut p.dedup {
        cfg.threshold = d.threshold;
        cfg.containment = d.containment;
        cfg.ngram = d.ngram;
        cfg.num_perm = d.num_perm;
        cfg.seed = d.seed;
    }
    p.annotate = d.annotate;
    p.clusters = d.clusters;
    p.duplicates = d.duplicates;
    Ok(())
}
