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
}

/// `scour run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    /// Options of every subcommand.
    pub common: CommonArgs,
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
