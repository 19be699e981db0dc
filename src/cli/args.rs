//! Command-line arguments (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use scour::dedup::DedupConfig;
use std::path::PathBuf;

/// Clean scraped text corpora in one fast, parallel pass: repair mojibake,
/// strip boilerplate, drop near-duplicates.
///
/// Exit codes: 0 all documents processed; 1 some records were rejected
/// (see --rejects and the report); 2 usage error or the run failed;
/// 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "scour", version, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Every stage: decode, repair mojibake, normalize whitespace, strip
    /// boilerplate, drop near-duplicates.
    Run(RunArgs),
    /// Repair mojibake only (no whitespace normalization).
    Fix(FixArgs),
    /// Strip boilerplate only (with whitespace normalization).
    Strip(StripArgs),
    /// Cluster near-duplicates only and keep one document per cluster.
    Dedup(DedupArgs),
    /// Plan a sharded run (for Spark, Ray, Slurm): write WORK/manifest.json
    /// and print the tasks per stage as one JSON line. Takes every option
    /// of `scour run`; `scour stage` then runs the tasks.
    Plan(PlanArgs),
    /// Run one task of a sharded run planned with `scour plan`. Stages run
    /// in order: prepare (one task per shard), learn (1), sign (per shard),
    /// bands (per band part), cluster (1), write (per shard), finish (1);
    /// the tasks of one stage are independent. A finished task is skipped.
    /// Exit codes as for `scour run` (`finish` exits 1 when documents were
    /// rejected).
    Stage(StageArgs),
}

/// `scour plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    /// The options of `scour run`.
    pub run: RunArgs,

    /// The work folder on storage that every task can read and write
    /// (created if needed). A folder planned before with other settings is
    /// refused; with the same settings, finished tasks are kept.
    #[arg(long, value_name = "DIR")]
    pub work: PathBuf,

    /// Shards: contiguous runs of input files of about equal size, one
    /// prepare, sign and write task each. A file is never split: give at
    /// least as many files as shards.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub shards: usize,

    /// Tasks of the `bands` stage (each takes every Pth LSH band); default
    /// one per shard, at most one per band.
    #[arg(long, value_name = "P")]
    pub band_parts: Option<usize>,
}

/// The stages of a sharded run, and `all` (every task, in order, here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageName {
    /// Per shard: read, repair, normalize, strip rules, count lines, spill.
    Prepare,
    /// Learn boilerplate lines from every shard's counts.
    Learn,
    /// Per shard: strip learned lines, compute signatures.
    Sign,
    /// Per band part: candidate pairs.
    Bands,
    /// Cluster every document.
    Cluster,
    /// Per shard: write the cleaned, deduplicated part.
    Write,
    /// Assemble the output, the sidecars and the report.
    Finish,
    /// Every task of every stage, in order, in this process.
    All,
}

/// `scour stage`.
#[derive(Debug, Args)]
pub struct StageArgs {
    /// The stage.
    #[arg(value_enum)]
    pub stage: StageName,

    /// The work folder given to `scour plan`.
    #[arg(long, value_name = "DIR")]
    pub work: PathBuf,

    /// The task (0-based) of the stage.
    #[arg(long, value_name = "I", default_value_t = 0)]
    pub task: usize,

    /// Worker threads for this task [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `scour run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    /// Options of every subcommand.
    pub common: CommonArgs,
    #[command(flatten)]
    /// Repair options.
    pub fix: FixOpts,
    #[command(flatten)]
    /// Strip options.
    pub strip: StripOpts,
    #[command(flatten)]
    /// Dedup options.
    pub dedup: DedupOpts,
}

/// `scour fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    /// Options of every subcommand.
    pub common: CommonArgs,
    #[command(flatten)]
    /// Repair options.
    pub fix: FixOpts,
}

/// Options of the repair stage.
#[derive(Debug, Args)]
pub struct FixOpts {
    /// After mojibake repair, normalize the text to Unicode NFC (`e` +
    /// combining accent -> `é`); counted as `nfc` in the report and listed
    /// by --explain. Off by default: it changes text that is not mojibake.
    #[arg(long)]
    pub nfc: bool,
}

/// `scour strip`.
#[derive(Debug, Args)]
pub struct StripArgs {
    #[command(flatten)]
    /// Options of every subcommand.
    pub common: CommonArgs,
    #[command(flatten)]
    /// Strip options.
    pub strip: StripOpts,
}

/// `scour dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    /// Options of every subcommand.
    pub common: CommonArgs,
    #[command(flatten)]
    /// Dedup options.
    pub dedup: DedupOpts,
}

/// Options of every subcommand.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Input files and folders (walked recursively in sorted order; hidden
    /// entries and README files skipped). `.jsonl`/`.ndjson` (optionally
    /// `.gz`/`.zst`) hold one JSON object per line; `.parquet` files one
    /// document per row (every column but the text passed through); any
    /// other file is one document whose id is its path relative to the
    /// folder given. None or `-`: JSONL on standard input.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output: a `.jsonl` file (`.jsonl.gz`, `.jsonl.zst` compress it), a
    /// `.parquet` file (zstd; columns `id`, the text, `credits`, `cluster`,
    /// `similarity`, then the other fields), or a folder (an existing one,
    /// or a path ending in `/`) that mirrors the input tree: `.txt` inputs
    /// become cleaned `.txt` files, JSONL inputs JSONL files, Parquet inputs
    /// Parquet files. Default: JSONL on standard output. Files are written
    /// under a temporary name and renamed when complete.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,

    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// JSON field (Parquet column) that holds the text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub text_field: String,

    /// JSON field (Parquet column) that holds the id (records without one
    /// get `FILE:LINE`; Parquet rows `FILE:ROW`).
    #[arg(long, value_name = "NAME", default_value = "id")]
    pub id_field: String,

    /// Write the JSON run report here: docs_in, docs_out, docs_rejected,
    /// docs_duplicate, bytes, time per pass and stage, counters per stage.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Write every record that could not be processed here (JSONL: file,
    /// line, offset, id, reason, detail and the original bytes).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Write every change here (JSONL per document: repaired spans before
    /// and after, removed lines with layer and reason).
    #[arg(long, value_name = "FILE")]
    pub explain: Option<PathBuf>,

    /// Records longer than this many bytes are rejected (`too-large`),
    /// which also stops decompression bombs.
    #[arg(long, value_name = "BYTES", default_value_t = scour::pipeline::DEFAULT_MAX_DOC_BYTES)]
    pub max_doc_bytes: usize,

    /// Folder for the temporary spill file between passes [default: the
    /// system's temporary folder].
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,

    /// No summary and no progress on stderr (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// What to do with credit and byline lines.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CreditsArg {
    /// Leave them in the text.
    Keep,
    /// Remove them.
    Strip,
    /// Move them into a `credits` field (into the report for `.txt` output).
    Extract,
}

/// Options of the strip stage.
#[derive(Debug, Args)]
pub struct StripOpts {
    /// Credit and byline lines ("Source: ...", "Reporting by ...").
    #[arg(long, value_enum, default_value = "extract")]
    pub credits: CreditsArg,

    /// Extra boilerplate rules from a file (see the README for its format).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Do not learn recurring boilerplate lines from the corpus (rules and
    /// in-document repeats only; one pass fewer).
    #[arg(long)]
    pub no_learn: bool,

    /// Keep documents whose every line was removed (empty) instead of
    /// rejecting them.
    #[arg(long)]
    pub keep_empty: bool,
}

/// Options of the dedup stage.
#[derive(Debug, Args)]
pub struct DedupOpts {
    /// Similarity (estimated Jaccard of word shingles) at or above which two
    /// documents are near-duplicates.
    #[arg(long, value_name = "S", default_value_t = DedupConfig::default().threshold)]
    pub threshold: f64,

    /// Also drop a document when at least this fraction of its shingles is
    /// contained in a longer one (truncated or excerpted copies); off unless
    /// given.
    #[arg(long, value_name = "T")]
    pub containment: Option<f64>,

    /// Words per shingle.
    #[arg(long, value_name = "N", default_value_t = DedupConfig::default().ngram)]
    pub ngram: usize,

    /// MinHash values per signature.
    #[arg(long, value_name = "K", default_value_t = DedupConfig::default().num_perm)]
    pub num_perm: usize,

    /// Seed of every hash (same seed, same clusters).
    #[arg(long, value_name = "N", default_value_t = DedupConfig::default().seed)]
    pub seed: u64,

    /// Write every document, duplicates included, with `cluster` (the id of
    /// its cluster's kept document) and `similarity` fields.
    #[arg(long)]
    pub annotate: bool,

    /// Write the clusters here (JSONL: representative, members, similarities).
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,

    /// Write every dropped duplicate here as a full record with its
    /// `cluster` and `similarity`, so nothing is lost.
    #[arg(long, value_name = "FILE")]
    pub duplicates: Option<PathBuf>,
}
