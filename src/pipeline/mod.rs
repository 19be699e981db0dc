//! Wires the stages into passes over the corpus.
//!
//! ```text
//! pass "read"  (always)     inputs -> decode -> repair -> normalize -> strip rules
//!                           -> count lines (learn) -> spill file | output
//! learn                     line counts -> learned boilerplate
//! pass "sign"  (dedup)      spill -> strip learned -> signature -> index
//! cluster                   index -> clusters
//! pass "write" (spill)      spill -> strip learned -> output | duplicates
//! ```
//!
//! Each pass reads batches on one thread (I/O and decompression), maps each
//! batch over the rayon pool in chunks, each chunk on a `Worker` that owns
//! the scratch buffers and counters, and consumes the results in input
//! order on the calling thread. Output order and every counter are
//! therefore the same for one thread and many. Only the spill file and the
//! compact dedup index outlive a batch, so memory does not grow with the
//! size of the text.
//!
//! [`shard`] runs the same passes as separate tasks (per shard of the
//! input files, with files between them) for Spark, Ray or Slurm.

pub mod shard;

use crate::boilerplate::{
    CreditsMode, Learned, LineCounts, LineKeys, Removed, StripConfig, StripStats, Stripper,
};
use crate::decode::decode;
use crate::dedup::{Clusters, DedupConfig, DocSignature, Index, SignScratch, Signer};
use crate::document::{Document, Meta, Source};
use crate::error::{Error, ErrorKind, Result};
use crate::io::input::{self, InputFile, InputKind, Line};
use crate::io::jsonl::{self, Extras, FieldNames};
use crate::io::output::{OutputTarget, Sidecar, Writer};
use crate::io::spill::{self, Spill, SpillWriter};
use crate::mojibake::{Change, RepairConfig, RepairStats, Repairer};
use crate::normalize::normalize_in_place;
use crate::report::{DecodeStats, NormalizeStats, PassStats, Reject, Report, TxtCredits};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Which subcommand's set of stages runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Every stage: decode, repair, normalize, strip, dedup.
    Run,
    /// Mojibake repair only.
    Fix,
    /// Boilerplate stripping only (with whitespace normalization).
    Strip,
    /// Near-duplicate clustering only.
    Dedup,
}

impl Command {
    /// The subcommand's name.
    pub fn name(self) -> &'static str {
        match self {
            Command::Run => "run",
            Command::Fix => "fix",
            Command::Strip => "strip",
            Command::Dedup => "dedup",
        }
    }
}

/// Default for [`PipelineConfig::max_doc_bytes`]: 256 MiB.
pub const DEFAULT_MAX_DOC_BYTES: usize = 256 << 20;

/// Everything a run needs. [`PipelineConfig::new`] gives a subcommand's
/// defaults.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// The subcommand (for the report).
    pub command: Command,
    /// Files and folders; empty or `-` for standard input.
    pub inputs: Vec<PathBuf>,
    /// Where kept documents go.
    pub output: OutputTarget,
    /// Worker threads; 0 for one per core.
    pub threads: usize,
    /// JSON field holding the text.
    pub text_field: String,
    /// JSON field holding the id.
    pub id_field: String,
    /// Longest record read; longer ones are rejected (`too-large`).
    pub max_doc_bytes: usize,
    /// Mojibake repair, when on.
    pub repair: Option<RepairConfig>,
    /// Whitespace normalization.
    pub normalize: bool,
    /// Boilerplate stripping (rules and in-document repeats), when on.
    pub strip: Option<StripConfig>,
    /// Learn boilerplate lines from the corpus (needs `strip`).
    pub learn: bool,
    /// Keep documents left empty instead of rejecting them.
    pub keep_empty: bool,
    /// Near-duplicate clustering, when on.
    pub dedup: Option<DedupConfig>,
    /// Write every document with `cluster` and `similarity` fields.
    pub annotate: bool,
    /// `--rejects`: every record not processed, with the reason.
    pub rejects: Option<PathBuf>,
    /// `--explain`: every repaired span and removed line, per document.
    pub explain: Option<PathBuf>,
    /// `--duplicates`: every dropped duplicate, as a full record.
    pub duplicates: Option<PathBuf>,
    /// `--clusters`: every cluster with its members.
    pub clusters: Option<PathBuf>,
    /// Folder for the spill file (default: the system's).
    pub temp_dir: Option<PathBuf>,
}

impl PipelineConfig {
    /// The defaults of a subcommand: `run` has every stage, the others one.
    pub fn new(command: Command) -> PipelineConfig {
        let (repair, normalize, strip, dedup) = match command {
            Command::Run => (true, true, true, true),
            Command::Fix => (true, false, false, false),
            Command::Strip => (false, true, true, false),
            Command::Dedup => (false, false, false, true),
        };
        PipelineConfig {
            command,
            inputs: Vec::new(),
            output: OutputTarget::Stdout,
            threads: 0,
            text_field: "text".into(),
            id_field: "id".into(),
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            repair: repair.then(RepairConfig::default),
            normalize,
            strip: strip.then(StripConfig::default),
            learn: strip,
            keep_empty: false,
            dedup: dedup.then(DedupConfig::default),
            annotate: false,
            rejects: None,
            explain: None,
            duplicates: None,
            clusters: None,
            temp_dir: None,
        }
    }
}

/// Receives progress; the CLI draws a bar or logs lines. Calls come from
/// the thread that runs the pipeline.
pub trait Progress: Sync {
    /// A pass starts; `total_bytes` when known.
    fn pass_start(&self, _name: &str, _total_bytes: Option<u64>) {}
    /// Documents and bytes done since the last call.
    fn advance(&self, _docs: u64, _bytes: u64) {}
    /// A pass ended.
    fn pass_end(&self, _stats: &PassStats) {}
}

/// Progress that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {}

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks a running pipeline to stop at the next batch (from a signal
/// handler). The run then ends with [`ErrorKind::Interrupted`] and removes
/// its temporary files; no output appears under its final name.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Whether [`request_stop`] was called.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Batches from a reader thread, ending early with [`ErrorKind::Interrupted`]
/// when a stop was requested, even while the reader is blocked.
fn recv_batches<T>(rx: &Receiver<T>) -> impl Iterator<Item = Result<T>> + '_ {
    std::iter::from_fn(move || loop {
        match rx.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(batch) => return Some(check_stop().map(|()| batch)),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = check_stop() {
                    return Some(Err(e));
                }
            }
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    })
}

fn check_stop() -> Result<()> {
    if STOP.load(Ordering::Relaxed) {
        Err(Error::new(ErrorKind::Interrupted))
    } else {
        Ok(())
    }
}

/// Runs the pipeline on documents in memory and returns the kept ones.
///
/// The same stages and passes as [`run`]; the spill file is still used
/// between passes.
pub fn clean(docs: Vec<Document>, config: &PipelineConfig) -> Result<(Vec<Document>, Report)> {
    let mut config = config.clone();
    config.output = OutputTarget::Memory;
    run_with(&config, Source_::Memory(docs), &NoProgress)
}

/// Runs the pipeline on `config.inputs` and writes `config.output`.
///
/// Bad documents never stop a run: they are counted in the report and
/// written to `--rejects`. An error here means the run as a whole failed
/// (an output that cannot be written, an interruption).
pub fn run(config: &PipelineConfig, progress: &dyn Progress) -> Result<Report> {
    run_with(config, Source_::Inputs, progress).map(|(_, report)| report)
}

enum Source_ {
    /// Discover `config.inputs`.
    Inputs,
    Memory(Vec<Document>),
    /// Files discovered before (a sharded run's shard), with the rejects of
    /// discovery to report first.
    Files(Vec<InputFile>, Vec<Reject>),
}

/// The stages a run uses, built once and shared by every thread.
struct Stages<'a> {
    config: &'a PipelineConfig,
    repairer: Option<Repairer>,
    stripper: Option<Stripper>,
    signer: Option<Signer>,
    learned: Option<Learned>,
    credits_field: bool,
}

impl<'a> Stages<'a> {
    fn new(config: &'a PipelineConfig) -> Result<Stages<'a>> {
        let stripper = match &config.strip {
            Some(cfg) => Some(
                Stripper::new(cfg.clone())
                    .map_err(|e| Error::new(ErrorKind::Rules(e.to_string())))?,
            ),
            None => None,
        };
        Ok(Stages {
            config,
            repairer: config.repair.clone().map(Repairer::new),
            stripper,
            signer: config.dedup.as_ref().map(Signer::new),
            learned: None,
            credits_field: config
                .strip
                .as_ref()
                .is_some_and(|s| s.credits == CreditsMode::Extract),
        })
    }

    /// The per-stage counters of the stages that run, at zero.
    fn init_report(&self, report: &mut Report) {
        report.stages.fix = self.repairer.as_ref().map(|_| RepairStats::default());
        report.stages.normalize = self.config.normalize.then(NormalizeStats::default);
        report.stages.strip = self.stripper.as_ref().map(|_| StripStats::default());
    }
}

/// Per-thread scratch buffers and counters.
struct Worker {
    scratch: String,
    changes: Vec<Change>,
    removed: Vec<Removed>,
    decode: DecodeStats,
    repair: RepairStats,
    normalize: NormalizeStats,
    strip: StripStats,
    counts: Option<LineCounts>,
    /// The learning keys of the document in hand (first pass: from the
    /// stripper, into the spill; later passes: from the spill).
    keys: LineKeys,
    sign_scratch: SignScratch,
    stage_nanos: StageTimes,
}

/// The stages a worker times (`cluster` is timed by the run itself).
#[derive(Debug, Clone, Copy)]
enum Stage {
    Decode,
    Parse,
    Fix,
    Normalize,
    Strip,
    Learn,
    Learned,
    Sign,
}

impl Stage {
    const ALL: [Stage; 8] = [
        Stage::Decode,
        Stage::Parse,
        Stage::Fix,
        Stage::Normalize,
        Stage::Strip,
        Stage::Learn,
        Stage::Learned,
        Stage::Sign,
    ];

    /// The key in the report's `stage_seconds`.
    fn name(self) -> &'static str {
        match self {
            Stage::Decode => "decode",
            Stage::Parse => "parse",
            Stage::Fix => "fix",
            Stage::Normalize => "normalize",
            Stage::Strip => "strip",
            Stage::Learn => "learn",
            Stage::Learned => "learned",
            Stage::Sign => "sign",
        }
    }
}

/// One worker's time per stage: an array indexed by [`Stage`], added to
/// per document (a map keyed by name cost a lookup each time).
#[derive(Debug, Default)]
struct StageTimes {
    /// Nanoseconds, or `None` for a stage that never ran.
    nanos: [Option<u64>; Stage::ALL.len()],
}

impl StageTimes {
    /// Adds the time since `start` to `stage`.
    fn add(&mut self, stage: Stage, start: Instant) {
        let t = &mut self.nanos[stage as usize];
        *t = Some(t.unwrap_or(0) + start.elapsed().as_nanos() as u64);
    }

    /// The stages that ran, with their seconds.
    fn seconds(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        Stage::ALL
            .iter()
            .zip(&self.nanos)
            .filter_map(|(s, n)| n.map(|n| (s.name(), n as f64 / 1e9)))
    }
}

impl Worker {
    fn new(stages: &Stages) -> Worker {
        Worker {
            scratch: String::new(),
            changes: Vec::new(),
            removed: Vec::new(),
            decode: DecodeStats::default(),
            repair: RepairStats::default(),
            normalize: NormalizeStats::default(),
            strip: StripStats::default(),
            counts: match (&stages.config.strip, stages.config.learn) {
                (Some(cfg), true) => Some(LineCounts::new(cfg)),
                _ => None,
            },
            keys: LineKeys::default(),
            sign_scratch: SignScratch::default(),
            stage_nanos: StageTimes::default(),
        }
    }

    fn time<T>(&mut self, stage: Stage, f: impl FnOnce(&mut Self) -> T) -> T {
        let start = Instant::now();
        let out = f(self);
        self.stage_nanos.add(stage, start);
        out
    }
}

/// Workers not in use; a chunk takes one and gives it back.
struct WorkerPool<'a> {
    idle: Mutex<Vec<Worker>>,
    stages: &'a Stages<'a>,
}

impl WorkerPool<'_> {
    fn take(&self) -> Worker {
        let popped = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        popped.unwrap_or_else(|| Worker::new(self.stages))
    }

    fn put(&self, w: Worker) {
        if let Ok(mut v) = self.idle.lock() {
            v.push(w);
        }
    }

    fn drain(&self) -> Vec<Worker> {
        self.idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    /// Maps `items` over the thread pool in order-preserving chunks.
    fn map<I: Send, O: Send>(
        &self,
        items: Vec<I>,
        f: impl Fn(&mut Worker, I) -> O + Sync,
    ) -> Vec<O> {
        let per_chunk = (items.len() / (rayon::current_num_threads() * 4)).max(1);
        let mut chunks: Vec<Vec<I>> = Vec::new();
        let mut it = items.into_iter().peekable();
        while it.peek().is_some() {
            chunks.push(it.by_ref().take(per_chunk).collect());
        }
        let done: Vec<Vec<O>> = chunks
            .into_par_iter()
            .map(|chunk| {
                let mut w = self.take();
                let out = chunk.into_iter().map(|item| f(&mut w, item)).collect();
                self.put(w);
                out
            })
            .collect();
        done.into_iter().flatten().collect()
    }

    /// Maps each batch (items and what `consume` needs with them) over the
    /// thread pool, and gives the outputs to `consume` batch by batch, in
    /// input order. The calling thread consumes one batch while the pool
    /// maps the next, so that the serial part of a pass (the spill, the
    /// output, the index) does not leave the other cores idle.
    fn map_batches<I: Send, O: Send, X: Send>(
        &self,
        batches: impl Iterator<Item = Result<(Vec<I>, X)>>,
        f: impl Fn(&mut Worker, I) -> O + Sync,
        mut consume: impl FnMut(Vec<O>, X) -> Result<()> + Send,
    ) -> Result<()> {
        let mut pending: Option<(Vec<O>, X)> = None;
        for batch in batches {
            let (items, extra) = batch?;
            let (consumed, outs) = rayon::join(
                || pending.take().map_or(Ok(()), |(o, x)| consume(o, x)),
                || self.map(items, &f),
            );
            consumed?;
            pending = Some((outs, extra));
        }
        pending.map_or(Ok(()), |(o, x)| consume(o, x))
    }
}

/// What the reader hands to the workers.
enum RawItem {
    Record {
        bytes: Vec<u8>,
        source: Source,
        file: Arc<InputFile>,
    },
    Doc(Document),
    Reject(Reject),
    Blank,
}

struct Batch<T> {
    items: Vec<T>,
    /// Bytes the progress bar counts (on-disk input bytes, or spill bytes).
    progress_bytes: u64,
}

/// Records per batch and bytes per batch: large enough to keep every core
/// busy, small enough that a few batches in flight cost little memory.
const BATCH_RECORDS: usize = 4096;
const BATCH_BYTES: usize = 16 << 20;

/// What a worker returns for one record of the first pass.
enum FirstOut {
    Keep {
        doc: Document,
        line: Vec<u8>,
        explain: Option<Vec<u8>>,
        in_bytes: u64,
    },
    Reject {
        reject: Reject,
        in_bytes: u64,
    },
    Blank,
}

/// One JSON line of `--explain`.
#[derive(Serialize)]
struct Explain<'a> {
    id: &'a str,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    pass: &'static str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    repairs: &'a [Change],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    removed: &'a [Removed],
}

fn explain_line(
    doc: &Document,
    pass: &'static str,
    repairs: &[Change],
    removed: &[Removed],
) -> Option<Vec<u8>> {
    if repairs.is_empty() && removed.is_empty() {
        return None;
    }
    let e = Explain {
        id: &doc.id,
        file: &doc.source.file,
        line: doc.source.line,
        pass,
        repairs,
        removed,
    };
    let mut line = serde_json::to_vec(&e).ok()?;
    line.push(b'\n');
    Some(line)
}

fn run_with(
    config: &PipelineConfig,
    source: Source_,
    progress: &dyn Progress,
) -> Result<(Vec<Document>, Report)> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| Error::config(format!("cannot start threads: {e}")))?;
    let mut report = Report {
        command: config.command.name().into(),
        threads: pool.current_num_threads(),
        ..Report::default()
    };
    let mut stages = Stages::new(config)?;
    let mut sidecars = Sidecars {
        rejects: Sidecar::open(config.rejects.as_deref())?,
        explain: Sidecar::open(config.explain.as_deref())?,
        duplicates: Sidecar::open(config.duplicates.as_deref())?,
        clusters: Sidecar::open(config.clusters.as_deref())?,
    };
    let mut writer = Writer::open(config.output.clone())?;
    let needs_spill = config.dedup.is_some() || (config.learn && config.strip.is_some());

    stages.init_report(&mut report);

    let spill = match needs_spill {
        true => Some(
            SpillWriter::create(config.temp_dir.as_deref())
                .map_err(|e| Error::io(config.temp_dir.clone().unwrap_or_default(), e))?,
        ),
        false => None,
    };
    let (spill, counts, _) = pool.install(|| {
        first_pass(
            &stages,
            source,
            &mut report,
            &mut sidecars,
            &mut writer,
            spill,
            progress,
        )
    })?;

    if let Some(spill) = spill {
        if !counts.is_empty() {
            let learn_start = Instant::now();
            stages.learned = pool.install(|| LineCounts::learn_all(counts));
            *report.stage_seconds.entry("learn".into()).or_default() +=
                learn_start.elapsed().as_secs_f64();
        }
        let clusters = match &stages.signer {
            Some(_) => {
                let (index, numbers) =
                    pool.install(|| sign_pass(&stages, &spill, &mut report, progress))?;
                let start = Instant::now();
                let clusters = pool.install(|| index.cluster());
                *report.stage_seconds.entry("cluster".into()).or_default() +=
                    start.elapsed().as_secs_f64();
                Some((clusters, numbers))
            }
            None => None,
        };
        pool.install(|| {
            write_pass(
                &stages,
                &spill,
                clusters.as_ref().map(|c| c as &dyn ClusterLookup),
                &mut report,
                &mut sidecars,
                &mut writer,
                progress,
            )
        })?;
        if let Some((clusters, _)) = &clusters {
            report.stages.dedup = Some(clusters.stats().clone());
            if sidecars.clusters.enabled() {
                for cluster in clusters.clusters() {
                    sidecars.clusters.write(&cluster.record())?;
                }
            }
        }
        if let Some(learned) = &stages.learned {
            report.learned_boilerplate = learned.report();
        }
    }

    let kept = writer.finish()?;
    sidecars.commit()?;
    report.wall_seconds = started.elapsed().as_secs_f64();
    if !report.balanced() {
        return Err(Error::new(ErrorKind::Accounting(format!(
            "docs_in {} != docs_out {} + docs_rejected {} + docs_duplicate {}",
            report.docs_in, report.docs_out, report.docs_rejected, report.docs_duplicate
        ))));
    }
    Ok((kept, report))
}

struct Sidecars {
    rejects: Sidecar,
    explain: Sidecar,
    duplicates: Sidecar,
    clusters: Sidecar,
}

impl Sidecars {
    fn commit(self) -> Result<()> {
        self.rejects.commit()?;
        self.explain.commit()?;
        self.duplicates.commit()?;
        self.clusters.commit()
    }
}

/// Reads inputs on a thread of its own and sends batches.
///
/// The thread is detached, not scoped: when a run is interrupted while the
/// reader is blocked (on standard input, say), the run returns at once and
/// the process exits without waiting for it.
fn spawn_reader(
    config: &PipelineConfig,
    source: Source_,
    disk: Arc<AtomicU64>,
) -> (Receiver<Batch<RawItem>>, std::thread::JoinHandle<u64>) {
    let (tx, rx) = sync_channel::<Batch<RawItem>>(2);
    let max = config.max_doc_bytes;
    let inputs = config.inputs.clone();
    let text_field = config.text_field.clone();
    let handle = std::thread::spawn(move || -> u64 {
        let mut batch = Vec::new();
        let mut batch_bytes = 0usize;
        let mut sent_disk = 0u64;
        let mut flush = |batch: &mut Vec<RawItem>, batch_bytes: &mut usize, force: bool| -> bool {
            if batch.is_empty()
                || (!force && batch.len() < BATCH_RECORDS && *batch_bytes < BATCH_BYTES)
            {
                return true;
            }
            let now = disk.load(Ordering::Relaxed);
            let b = Batch {
                items: std::mem::replace(batch, Vec::with_capacity(BATCH_RECORDS)),
                progress_bytes: now - sent_disk,
            };
            sent_disk = now;
            *batch_bytes = 0;
            tx.send(b).is_ok() && !STOP.load(Ordering::Relaxed)
        };
        let files = match source {
            Source_::Memory(docs) => {
                for doc in docs {
                    batch_bytes += doc.text.len();
                    batch.push(RawItem::Doc(doc));
                    if !flush(&mut batch, &mut batch_bytes, false) {
                        return 0;
                    }
                }
                flush(&mut batch, &mut batch_bytes, true);
                return 0;
            }
            Source_::Inputs => {
                let (files, rejects) = input::discover(&inputs);
                batch.extend(rejects.into_iter().map(RawItem::Reject));
                files
            }
            Source_::Files(files, rejects) => {
                batch.extend(rejects.into_iter().map(RawItem::Reject));
                files
            }
        };
        let mut line = Vec::new();
        let n_files = files.len() as u64;
        for file in files {
            let file = Arc::new(file);
            let mut reader = match input::open(&file, disk.clone()) {
                Ok(r) => r,
                Err(e) => {
                    let src = Source {
                        file: file.display.clone(),
                        line: None,
                        offset: 0,
                    };
                    let mut r = Reject::new(&src, "unreadable", format!("cannot open: {e}"), b"");
                    r.raw = None;
                    batch.push(RawItem::Reject(r));
                    continue;
                }
            };
            match file.kind {
                InputKind::Text => {
                    let src = Source {
                        file: file.display.clone(),
                        line: None,
                        offset: 0,
                    };
                    match input::read_all_bounded(&mut *reader, max) {
                        Ok((bytes, total)) if total > max as u64 => {
                            let r = Reject::too_large(&src, total, max, &bytes);
                            batch_bytes += bytes.len();
                            batch.push(RawItem::Reject(r.with_id(Some(file.rel.to_string()))));
                        }
                        Ok((bytes, _)) => {
                            batch_bytes += bytes.len();
                            batch.push(RawItem::Record {
                                bytes,
                                source: src,
                                file: file.clone(),
                            });
                        }
                        Err(e) => {
                            let mut r =
                                Reject::new(&src, "read-error", format!("cannot read: {e}"), b"");
                            r.raw = None;
                            batch.push(RawItem::Reject(r.with_id(Some(file.rel.to_string()))));
                        }
                    }
                }
                InputKind::Parquet => {
                    // Opened above only to see that it can be; read as rows.
                    drop(reader);
                    for row in input::parquet_rows(&file, &text_field, max, disk.clone()) {
                        match row {
                            Ok((bytes, source)) => {
                                batch_bytes += bytes.len();
                                batch.push(RawItem::Record {
                                    bytes,
                                    source,
                                    file: file.clone(),
                                });
                            }
                            Err(reject) => batch.push(RawItem::Reject(*reject)),
                        }
                        if !flush(&mut batch, &mut batch_bytes, false) {
                            return n_files;
                        }
                    }
                }
                InputKind::Jsonl => {
                    let mut offset = 0u64;
                    let mut line_no = 0u64;
                    loop {
                        line_no += 1;
                        let src = Source {
                            file: file.display.clone(),
                            line: Some(line_no),
                            offset,
                        };
                        match input::read_line_bounded(&mut *reader, &mut line, max) {
                            Ok(Line::Eof) => break,
                            Ok(Line::Whole(n)) => {
                                offset += n as u64 + 1;
                                if line.iter().all(u8::is_ascii_whitespace) {
                                    batch.push(RawItem::Blank);
                                } else {
                                    batch_bytes += n;
                                    // An exact copy; `line` keeps its
                                    // capacity for the next one.
                                    let bytes = line.clone();
                                    batch.push(RawItem::Record {
                                        bytes,
                                        source: src,
                                        file: file.clone(),
                                    });
                                }
                            }
                            Ok(Line::TooLong(total)) => {
                                offset += total + 1;
                                let r = Reject::too_large(&src, total, max, &line);
                                batch_bytes += line.len();
                                batch.push(RawItem::Reject(r));
                            }
                            Err(e) => {
                                let reason = if file.compression == crate::io::Compression::None {
                                    "read-error"
                                } else {
                                    "corrupt-compressed"
                                };
                                let mut r = Reject::new(
                                    &src,
                                    reason,
                                    format!("cannot read past this point: {e}; the rest of the file is skipped"),
                                    b"",
                                );
                                r.raw = None;
                                batch.push(RawItem::Reject(r));
                                break;
                            }
                        }
                        if !flush(&mut batch, &mut batch_bytes, false) {
                            return n_files;
                        }
                    }
                }
            }
            if !flush(&mut batch, &mut batch_bytes, false) {
                return n_files;
            }
        }
        flush(&mut batch, &mut batch_bytes, true);
        n_files
    });
    (rx, handle)
}

fn total_input_bytes(config: &PipelineConfig) -> Option<u64> {
    let mut total = 0;
    if config.inputs.is_empty() {
        return None;
    }
    for p in &config.inputs {
        if p.as_os_str() == "-" {
            return None;
        }
        total += dir_size(p);
    }
    Some(total)
}

fn dir_size(p: &std::path::Path) -> u64 {
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => m.len(),
        Ok(m) if m.is_dir() => std::fs::read_dir(p)
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| dir_size(&e.path())).sum())
            .unwrap_or(0),
        _ => 0,
    }
}

/// Turns one raw record into a cleaned document (or a reject).
fn first_item(stages: &Stages, w: &mut Worker, item: RawItem, spill: bool) -> FirstOut {
    let cfg = stages.config;
    let (mut doc, in_bytes) = match item {
        RawItem::Blank => return FirstOut::Blank,
        RawItem::Reject(reject) => {
            let in_bytes = reject.raw_len;
            return FirstOut::Reject { reject, in_bytes };
        }
        RawItem::Doc(doc) => {
            let n = doc.text.len() as u64;
            (doc, n)
        }
        RawItem::Record {
            bytes,
            source,
            file,
        } => {
            let in_bytes = bytes.len() as u64;
            match parse(cfg, w, bytes, source, &file) {
                Ok(doc) => (doc, in_bytes),
                Err(reject) => {
                    return FirstOut::Reject {
                        reject: *reject,
                        in_bytes,
                    }
                }
            }
        }
    };
    w.changes.clear();
    w.removed.clear();
    let was_blank = doc.text.trim().is_empty();
    if let Some(repairer) = &stages.repairer {
        w.time(Stage::Fix, |w| {
            let explain = cfg.explain.is_some().then_some(&mut w.changes);
            if repairer.repair(&doc.text, &mut w.scratch, &mut w.repair, explain) {
                std::mem::swap(&mut doc.text, &mut w.scratch);
            }
        });
    }
    if cfg.normalize {
        w.time(Stage::Normalize, |w| {
            if normalize_in_place(&mut doc.text, &mut w.scratch) {
                w.normalize.docs_changed += 1;
            }
        });
    }
    // The learning pass and the spill need each kept line's key; the
    // stripper computes them with its own line hashing.
    let want_keys = spill && w.counts.is_some();
    if let Some(stripper) = &stages.stripper {
        let explain = cfg.explain.is_some();
        w.time(Stage::Strip, |w| {
            if stripper.strip_keyed(
                &doc.text,
                &mut w.scratch,
                &mut doc.credits,
                explain.then_some(&mut w.removed),
                &mut w.strip,
                want_keys.then_some(&mut w.keys),
            ) {
                std::mem::swap(&mut doc.text, &mut w.scratch);
            }
        });
    } else if want_keys {
        w.keys.fill(&doc.text);
    }
    if doc.text.trim().is_empty() && !cfg.keep_empty {
        let (reason, detail) = if was_blank {
            ("empty", "the text is empty or only whitespace")
        } else {
            (
                "all-boilerplate",
                "every line was removed as boilerplate (keep such documents with --keep-empty)",
            )
        };
        let reject = Reject::new(&doc.source, reason, detail, doc.text.as_bytes())
            .with_id(Some(doc.id.clone()));
        return FirstOut::Reject { reject, in_bytes };
    }
    let explain = if cfg.explain.is_some() {
        explain_line(&doc, "read", &w.changes, &w.removed)
    } else {
        None
    };
    let mut line = Vec::new();
    if spill {
        if let Some(counts) = &mut w.counts {
            let start = Instant::now();
            counts.observe_keys(&w.keys);
            w.stage_nanos.add(Stage::Learn, start);
        }
        let keys = if want_keys { &w.keys.hashes[..] } else { &[] };
        spill::encode(&doc, keys, &mut line);
    } else {
        let extras = Extras {
            credits: stages.credits_field,
            cluster: None,
        };
        jsonl::render(&doc, field_names(cfg), extras, &mut line);
    }
    FirstOut::Keep {
        doc,
        line,
        explain,
        in_bytes,
    }
}

fn field_names(cfg: &PipelineConfig) -> FieldNames<'_> {
    FieldNames {
        text: &cfg.text_field,
        id: &cfg.id_field,
    }
}

/// Bytes of one record -> a document: decode a one-document file, parse a
/// JSON line (a Parquet row arrives as one).
fn parse(
    cfg: &PipelineConfig,
    w: &mut Worker,
    bytes: Vec<u8>,
    source: Source,
    file: &InputFile,
) -> std::result::Result<Document, Box<Reject>> {
    match file.kind {
        InputKind::Text => {
            let id = file.rel.to_string();
            let start = Instant::now();
            let decoded = decode(bytes);
            w.stage_nanos.add(Stage::Decode, start);
            match decoded {
                Ok((text, how)) => {
                    *w.decode.encodings.entry(how.name()).or_default() += 1;
                    Ok(Document {
                        id: id.clone(),
                        text,
                        meta: Meta::File { rel_path: id },
                        credits: Vec::new(),
                        source,
                    })
                }
                Err((e, bytes)) => Err(Box::new(
                    Reject::new(&source, "binary", e.to_string(), &bytes).with_id(Some(id)),
                )),
            }
        }
        InputKind::Jsonl | InputKind::Parquet => {
            // simdutf8's check is the fast one; std's says where it fails.
            let line =
                match simdutf8::basic::from_utf8(&bytes).or_else(|_| std::str::from_utf8(&bytes)) {
                    Ok(s) => s,
                    Err(e) => {
                        return Err(Box::new(Reject::new(
                            &source,
                            "invalid-utf8",
                            format!(
                                "the JSON line is not valid UTF-8 at byte {}",
                                e.valid_up_to()
                            ),
                            &bytes,
                        )))
                    }
                };
            let start = Instant::now();
            let parsed = jsonl::parse_record(line, &cfg.text_field, &cfg.id_field);
            w.stage_nanos.add(Stage::Parse, start);
            match parsed {
                Ok(p) => {
                    // Looked up by `&str` first: `entry` would allocate the key per record.
                    match w.decode.encodings.get_mut("utf-8") {
                        Some(n) => *n += 1,
                        None => {
                            w.decode.encodings.insert("utf-8".into(), 1);
                        }
                    }
                    let id = p
                        .id
                        .unwrap_or_else(|| format!("{}:{}", file.rel, source.line.unwrap_or(0)));
                    Ok(Document {
                        id,
                        text: p.text,
                        meta: Meta::Json {
                            fields: p.fields,
                            rel_path: file.rel.clone(),
                        },
                        credits: Vec::new(),
                        source,
                    })
                }
                Err(e) => Err(Box::new(Reject::new(&source, e.reason, e.detail, &bytes))),
            }
        }
    }
}

fn first_pass(
    stages: &Stages,
    source: Source_,
    report: &mut Report,
    sidecars: &mut Sidecars,
    writer: &mut Writer,
    mut spill: Option<SpillWriter>,
    progress: &dyn Progress,
) -> Result<(Option<Spill>, Vec<LineCounts>, HashSet<u64>)> {
    let cfg = stages.config;
    let start = Instant::now();
    let total = match &source {
        Source_::Inputs => total_input_bytes(cfg),
        Source_::Memory(_) => None,
        Source_::Files(files, _) => Some(
            files
                .iter()
                .filter_map(|f| f.path.as_ref())
                .map(|p| dir_size(p))
                .sum(),
        ),
    };
    progress.pass_start("read", total);
    let workers = WorkerPool {
        idle: Mutex::new(Vec::new()),
        stages,
    };
    let mut seen_ids: HashSet<u64> = HashSet::new();
    let mut pass = PassStats {
        name: "read".into(),
        ..PassStats::default()
    };
    let disk = Arc::new(AtomicU64::new(0));
    let spilling = spill.is_some();
    (|| -> Result<()> {
        let (rx, reader) = spawn_reader(cfg, source, disk.clone());
        let batches = recv_batches(&rx).map(|batch| {
            let batch = batch?;
            let extra = (batch.items.len() as u64, batch.progress_bytes);
            Ok((batch.items, extra))
        });
        let first = |w: &mut Worker, item| first_item(stages, w, item, spilling);
        workers.map_batches(batches, first, |outs, (n_items, progress_bytes)| {
            for out in outs {
                match out {
                    FirstOut::Blank => report.blank_lines += 1,
                    FirstOut::Reject { reject, in_bytes } => {
                        report.docs_in += 1;
                        report.bytes_in += in_bytes;
                        report.count_reject(&reject);
                        sidecars.rejects.write(&reject)?;
                    }
                    FirstOut::Keep {
                        doc,
                        line,
                        explain,
                        in_bytes,
                    } => {
                        report.docs_in += 1;
                        report.bytes_in += in_bytes;
                        if !seen_ids.insert(xxhash_rust::xxh3::xxh3_64(doc.id.as_bytes())) {
                            report.duplicate_ids += 1;
                        }
                        if let Some(e) = explain {
                            sidecars.explain.write_raw(&e)?;
                        }
                        match &mut spill {
                            Some(s) => s.push(&line).map_err(|e| Error::io("spill file", e))?,
                            None => {
                                report.docs_out += 1;
                                report.bytes_out += doc.text.len() as u64;
                                note_txt_credits(report, cfg, &doc);
                                writer.write(&doc, &line)?;
                            }
                        }
                    }
                }
            }
            pass.docs += n_items;
            progress.advance(n_items, progress_bytes);
            Ok(())
        })?;
        report.files_in = reader.join().unwrap_or(0);
        check_stop()
    })()?;
    pass.bytes = report.bytes_in;
    let mut counts = Vec::new();
    end_pass(report, &workers, &mut counts, pass, start, progress);
    let spill = match spill {
        Some(s) => Some(s.finish().map_err(|e| Error::io("spill file", e))?),
        None => None,
    };
    Ok((spill, counts, seen_ids))
}

fn note_txt_credits(report: &mut Report, cfg: &PipelineConfig, doc: &Document) {
    if !doc.credits.is_empty()
        && matches!(cfg.output, OutputTarget::Dir(_))
        && matches!(doc.meta, Meta::File { .. })
    {
        report.credits.push(TxtCredits {
            id: doc.id.clone(),
            credits: doc.credits.clone(),
        });
    }
}

/// Ends a pass: adds the workers' counters to the report (their line
/// counts, one table per worker, to `counts`), then the pass's time and
/// statistics.
fn end_pass(
    report: &mut Report,
    workers: &WorkerPool,
    counts: &mut Vec<LineCounts>,
    mut pass: PassStats,
    start: Instant,
    progress: &dyn Progress,
) {
    for w in workers.drain() {
        merge_worker(report, w, counts);
    }
    pass.seconds = start.elapsed().as_secs_f64();
    progress.pass_end(&pass);
    report.passes.push(pass);
}

fn merge_worker(report: &mut Report, w: Worker, counts: &mut Vec<LineCounts>) {
    let st = &mut report.stages;
    for (k, v) in w.decode.encodings {
        *st.decode.encodings.entry(k).or_default() += v;
    }
    if let Some(fix) = &mut st.fix {
        fix.merge(&w.repair);
    }
    if let Some(n) = &mut st.normalize {
        n.docs_changed += w.normalize.docs_changed;
    }
    if let Some(s) = &mut st.strip {
        s.merge(&w.strip);
    }
    for (k, v) in w.stage_nanos.seconds() {
        *report.stage_seconds.entry(k.to_string()).or_default() += v;
    }
    counts.extend(w.counts);
}

/// Reads the spill on a thread of its own and sends batches of records.
fn spawn_spill_reader(spill: &Spill) -> Result<Receiver<Result<Batch<Vec<u8>>>>> {
    let mut reader = spill.reader().map_err(|e| Error::io("spill file", e))?;
    let (tx, rx) = sync_channel::<Result<Batch<Vec<u8>>>>(2);
    std::thread::spawn(move || {
        let mut items = Vec::new();
        let mut bytes = 0usize;
        let mut buf = Vec::new();
        loop {
            match reader.next_record(&mut buf) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let _ = tx.send(Err(Error::io("spill file", e)));
                    return;
                }
            }
            bytes += buf.len() + 4;
            items.push(std::mem::take(&mut buf));
            if items.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES {
                let b = Batch {
                    items: std::mem::replace(&mut items, Vec::with_capacity(BATCH_RECORDS)),
                    progress_bytes: bytes as u64,
                };
                bytes = 0;
                if tx.send(Ok(b)).is_err() || STOP.load(Ordering::Relaxed) {
                    return;
                }
            }
        }
        let _ = tx.send(Ok(Batch {
            items,
            progress_bytes: bytes as u64,
        }));
    });
    Ok(rx)
}

/// A document from the spill, the learning keys of its lines into `keys`.
fn spill_doc(body: &[u8], keys: &mut Vec<u64>) -> Result<Document> {
    spill::decode(body, Some(keys)).ok_or_else(damaged_spill)
}

fn damaged_spill() -> Error {
    Error::new(ErrorKind::Io(std::io::Error::other("damaged spill record")))
}

/// Applies the learned boilerplate to a document from the spill; with
/// `--explain`, the removed lines go to `w.removed`.
fn strip_learned(stages: &Stages, w: &mut Worker, doc: &mut Document, count: bool) {
    if learned_into(stages, w, &doc.text, count) {
        std::mem::swap(&mut doc.text, &mut w.scratch);
    }
}

/// Applies the learned boilerplate to `text` (its lines' keys in
/// `w.keys`): `true` when it changed, the new text then in `w.scratch`.
/// With `count`, the lines go to the statistics and the time to the
/// `learned` stage; with `--explain`, the removed lines to `w.removed`.
fn learned_into(stages: &Stages, w: &mut Worker, text: &str, count: bool) -> bool {
    w.removed.clear();
    let Some(learned) = &stages.learned else {
        return false;
    };
    let start = count.then(Instant::now);
    let mut throwaway = StripStats::default();
    let stats = if count { &mut w.strip } else { &mut throwaway };
    let removed = stages.config.explain.is_some().then_some(&mut w.removed);
    let keys = Some(&w.keys.hashes[..]);
    let changed = learned.strip_keyed(text, keys, &mut w.scratch, removed, stats, count);
    if let Some(start) = start {
        w.stage_nanos.add(Stage::Learned, start);
    }
    changed
}

/// The dedup pass: signatures of every document into the index. Returns
/// the index and, per spill record, its document number in the index
/// (`u32::MAX` for a record the write pass rejects).
fn sign_pass(
    stages: &Stages,
    spill: &Spill,
    report: &mut Report,
    progress: &dyn Progress,
) -> Result<(Index, Vec<u32>)> {
    let cfg = stages.config;
    let start = Instant::now();
    progress.pass_start("sign", Some(spill.bytes));
    let workers = WorkerPool {
        idle: Mutex::new(Vec::new()),
        stages,
    };
    let mut index = Index::new(cfg.dedup.as_ref().unwrap_or(&DedupConfig::default()));
    index.reserve(spill.records as usize);
    let mut numbers = Vec::with_capacity(spill.records as usize);
    let mut pass = PassStats {
        name: "sign".into(),
        ..PassStats::default()
    };
    (|| -> Result<()> {
        let rx = spawn_spill_reader(spill)?;
        let batches = recv_batches(&rx).map(|batch| {
            let batch = batch??;
            let extra = (batch.items.len() as u64, batch.progress_bytes);
            Ok((batch.items, extra))
        });
        workers.map_batches(
            batches,
            |w, body: Vec<u8>| -> Result<Option<(String, usize, DocSignature)>> {
                // Only the id and the text: no copy of the document.
                let (id, text) =
                    spill::decode_text(&body, &mut w.keys.hashes).ok_or_else(damaged_spill)?;
                let text = match learned_into(stages, w, text, false) {
                    true => w.scratch.as_str(),
                    false => text,
                };
                if text.trim().is_empty() && !cfg.keep_empty {
                    return Ok(None);
                }
                let mut sig = DocSignature::default();
                if let Some(signer) = &stages.signer {
                    let start = Instant::now();
                    signer.sign(text, &mut w.sign_scratch, &mut sig);
                    w.stage_nanos.add(Stage::Sign, start);
                }
                Ok(Some((id.to_owned(), text.len(), sig)))
            },
            |outs, (n, progress_bytes)| {
                for out in outs {
                    match out? {
                        Some((id, len, sig)) => {
                            pass.bytes += len as u64;
                            numbers.push(index.push(&id, len, &sig));
                        }
                        None => numbers.push(u32::MAX),
                    }
                }
                pass.docs += n;
                progress.advance(n, progress_bytes);
                Ok(())
            },
        )?;
        check_stop()
    })()?;
    end_pass(report, &workers, &mut Vec::new(), pass, start, progress);
    Ok((index, numbers))
}

/// The clusters as the write pass needs them, per spill record.
trait ClusterLookup: Sync {
    /// `None` for a record that is not in the index (the write pass rejects
    /// it); `Some(None)` for a kept document; `Some(Some((id, similarity)))`
    /// for a duplicate of the document `id`.
    fn lookup(&self, record: usize) -> Option<Option<(&str, f32)>>;
}

/// One process: the clusters and each spill record's document number.
impl ClusterLookup for (Clusters, Vec<u32>) {
    fn lookup(&self, record: usize) -> Option<Option<(&str, f32)>> {
        let (clusters, numbers) = self;
        let number = numbers.get(record).copied().filter(|&n| n != u32::MAX)?;
        Some(
            clusters
                .assignment(number)
                .map(|a| (clusters.id(a.representative), a.similarity)),
        )
    }
}

/// What a worker returns for one record of the write pass.
enum WriteOut {
    Keep {
        doc: Document,
        line: Vec<u8>,
        explain: Option<Vec<u8>>,
    },
    Duplicate {
        doc: Document,
        line: Vec<u8>,
        explain: Option<Vec<u8>>,
    },
    Reject(Reject),
}

fn write_pass(
    stages: &Stages,
    spill: &Spill,
    clusters: Option<&dyn ClusterLookup>,
    report: &mut Report,
    sidecars: &mut Sidecars,
    writer: &mut Writer,
    progress: &dyn Progress,
) -> Result<()> {
    let cfg = stages.config;
    let start = Instant::now();
    progress.pass_start("write", Some(spill.bytes));
    let workers = WorkerPool {
        idle: Mutex::new(Vec::new()),
        stages,
    };
    let mut pass = PassStats {
        name: "write".into(),
        ..PassStats::default()
    };
    let mut record = 0usize;
    (|| -> Result<()> {
        let rx = spawn_spill_reader(spill)?;
        let batches = recv_batches(&rx).map(|batch| {
            let batch = batch??;
            let n = batch.items.len();
            let first = record;
            record += n;
            let items: Vec<(usize, Vec<u8>)> = batch
                .items
                .into_iter()
                .enumerate()
                .map(|(i, b)| (first + i, b))
                .collect();
            Ok((items, (n, batch.progress_bytes)))
        });
        let write = |w: &mut Worker, (rec, body): (usize, Vec<u8>)| -> Result<WriteOut> {
            let mut doc = spill_doc(&body, &mut w.keys.hashes)?;
            strip_learned(stages, w, &mut doc, true);
            let explain = if cfg.explain.is_some() {
                explain_line(&doc, "write", &[], &w.removed)
            } else {
                None
            };
            if doc.text.trim().is_empty() && !cfg.keep_empty {
                let detail =
                    "every line was removed as boilerplate (keep such documents with --keep-empty)";
                return Ok(WriteOut::Reject(
                    Reject::new(&doc.source, "all-boilerplate", detail, b"")
                        .with_id(Some(doc.id.clone())),
                ));
            }
            let names = field_names(cfg);
            let mut extras = Extras {
                credits: stages.credits_field,
                cluster: None,
            };
            let mut line = Vec::new();
            match clusters.and_then(|c| c.lookup(rec)) {
                Some(Some((representative, similarity))) => {
                    extras.cluster = Some((representative, similarity));
                    jsonl::render(&doc, names, extras, &mut line);
                    Ok(WriteOut::Duplicate { doc, line, explain })
                }
                Some(None) if cfg.annotate => {
                    extras.cluster = Some((&doc.id, 1.0));
                    jsonl::render(&doc, names, extras, &mut line);
                    Ok(WriteOut::Keep { doc, line, explain })
                }
                _ => {
                    jsonl::render(&doc, names, extras, &mut line);
                    Ok(WriteOut::Keep { doc, line, explain })
                }
            }
        };
        workers.map_batches(batches, write, |outs, (n, progress_bytes)| {
            for out in outs {
                match out? {
                    WriteOut::Keep { doc, line, explain } => {
                        if let Some(e) = explain {
                            sidecars.explain.write_raw(&e)?;
                        }
                        report.docs_out += 1;
                        report.bytes_out += doc.text.len() as u64;
                        pass.bytes += doc.text.len() as u64;
                        note_txt_credits(report, cfg, &doc);
                        writer.write(&doc, &line)?;
                    }
                    WriteOut::Duplicate { doc, line, explain } => {
                        if let Some(e) = explain {
                            sidecars.explain.write_raw(&e)?;
                        }
                        report.docs_duplicate += 1;
                        sidecars.duplicates.write_raw(&line)?;
                        if cfg.annotate {
                            // Written with its cluster, but counted as a duplicate.
                            writer.write(&doc, &line)?;
                        }
                    }
                    WriteOut::Reject(reject) => {
                        report.count_reject(&reject);
                        sidecars.rejects.write(&reject)?;
                    }
                }
            }
            pass.docs += n as u64;
            progress.advance(n as u64, progress_bytes);
            Ok(())
        })?;
        check_stop()
    })()?;
    end_pass(report, &workers, &mut Vec::new(), pass, start, progress);
    Ok(())
}
