//! Sharded runs: the passes of `scour run` as tasks that an engine (Spark,
//! Ray, Slurm, a shell loop) launches, with files on shared storage between
//! them. The engine only launches "task i of stage S"; scour brings no
//! cluster of its own.
//!
//! ```text
//! plan        inputs -> WORK/manifest.json: the ordered input files, their
//!             shards (contiguous runs of files, balanced by size), the
//!             settings and their hash
//! prepare i   shard i: the read pass (decode, repair, normalize, rules)
//!             -> spill.bin, counts.bin (line counts), ids.bin, rejects,
//!             explain
//! learn       every shard's line counts -> learned.bin; ids repeated
//!             across shards
//! sign i      spill i -> strip learned -> signatures -> index part i
//!             (meta.bin, keys.bin, sketch.bin) + numbers.bin
//! bands p     the band keys of bands p, p+P, p+2P, ... of every part
//!             -> candidate pairs (pairs.bin); the only shuffle
//! cluster     sketches of every part + every pair -> clusters;
//!             assign-i.bin per shard, clusters.jsonl
//! write i     spill i -> strip learned -> output part i, duplicates,
//!             rejects, explain
//! finish      the parts in shard order -> exactly what `scour run` writes
//!             (output, sidecars), and the merged report
//! ```
//!
//! Every task writes into a temporary folder beside its final one
//! (`WORK/<stage>/.<task>.tmp-<pid>-<nanos>`), writes `done.json` last and
//! renames the folder into place (`WORK/<stage>/<task>`), so a finished
//! task is all there and a killed one leaves nothing under a final name. A
//! task whose folder exists is skipped: rerunning everything resumes a
//! killed run. Two attempts of one task (speculative execution) race to
//! the rename; the loser's work is dropped.
//!
//! The output is byte-identical to `scour run` in one process on the same
//! inputs and settings, for any number of shards: documents keep their
//! input order (shards are contiguous, parts are concatenated in order),
//! the learned lines are counted over the whole corpus (counts merge by
//! addition), and clustering sees every signature in input order. One
//! caveat, shared with one process on many threads: when a line-count
//! table outgrows `learn_max_lines` distinct lines it forgets rare lines,
//! and where that happens depends on how the corpus was split.
//!
//! Formats between stages are the documented binary layouts of
//! [`crate::io::spill`], [`LineCounts::write_to`], [`Learned::write_to`]
//! and [`Index::write_part`]: each is written once, read whole and in
//! order by a scour task, and needs no schema or decoding step.

use super::{
    first_pass, sign_pass, write_pass, ClusterLookup, Progress, Sidecars, Source_, Stages,
};
use crate::boilerplate::{Learned, LineCounts, LineUsage};
use crate::dedup::{Columns, DedupConfig, Index};
use crate::error::{Error, ErrorKind, Result};
use crate::io::input::{self, InputFile};
use crate::io::output::{safe_join, AtomicFile, OutputTarget, Sidecar, Writer};
use crate::io::spill::{Spill, SpillWriter};
use crate::pipeline::PipelineConfig;
use crate::report::{Reject, Report};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Version of the work folder's layout; a manifest of another version is
/// refused.
pub const LAYOUT: u32 = 3;

/// One stage of a sharded run, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Per shard: the read pass.
    Prepare,
    /// Once: learned boilerplate from every shard's counts.
    Learn,
    /// Per shard: signatures.
    Sign,
    /// Per band part: candidate pairs.
    Bands,
    /// Once: clusters.
    Cluster,
    /// Per shard: the cleaned, deduplicated output part.
    Write,
    /// Once: the final output, sidecars and report.
    Finish,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 7] = [
        Stage::Prepare,
        Stage::Learn,
        Stage::Sign,
        Stage::Bands,
        Stage::Cluster,
        Stage::Write,
        Stage::Finish,
    ];

    /// The stage's name on the command line and in the work folder.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Prepare => "prepare",
            Stage::Learn => "learn",
            Stage::Sign => "sign",
            Stage::Bands => "bands",
            Stage::Cluster => "cluster",
            Stage::Write => "write",
            Stage::Finish => "finish",
        }
    }

    /// The stage called `name`.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One input file of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// The path to open (relative to [`Manifest::cwd`] when relative).
    pub path: PathBuf,
    /// The relative name (the id of a one-document file, the name it is
    /// mirrored under).
    pub rel: String,
    /// Size on disk when planned.
    pub bytes: u64,
}

/// `WORK/manifest.json`: what `scour plan` decided, read by every task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`LAYOUT`].
    pub layout: u32,
    /// The scour version that planned the run.
    pub scour_version: String,
    /// Hash of the settings, the files and the shards; every task refuses
    /// to run when its own differs.
    pub settings_hash: String,
    /// The command-line arguments of `scour plan` (tasks rebuild the
    /// settings from them).
    pub args: Vec<String>,
    /// The folder `scour plan` ran in; tasks resolve relative paths from it.
    pub cwd: PathBuf,
    /// The input files in input order.
    pub files: Vec<ManifestFile>,
    /// Per shard, the indices of its files (contiguous, in order).
    pub shards: Vec<Vec<usize>>,
    /// Tasks of the `bands` stage.
    pub band_parts: usize,
    /// Inputs that could not be walked (reported by the first shard).
    pub discovery_rejects: Vec<Reject>,
}

/// The name of the manifest in the work folder.
pub const MANIFEST: &str = "manifest.json";

impl Manifest {
    /// Tasks of `stage`.
    pub fn tasks(&self, stage: Stage) -> usize {
        match stage {
            Stage::Prepare | Stage::Sign | Stage::Write => self.shards.len(),
            Stage::Bands => self.band_parts,
            Stage::Learn | Stage::Cluster | Stage::Finish => 1,
        }
    }

    /// Reads `WORK/manifest.json`.
    pub fn load(work: &Path) -> Result<Manifest> {
        let path = work.join(MANIFEST);
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            Error::config(format!("{} is not a scour manifest: {e}", path.display()))
        })?;
        if m.layout != LAYOUT {
            return Err(Error::config(format!(
                "{} has layout {}, this scour writes {LAYOUT}; plan the run again in a new work folder",
                path.display(),
                m.layout
            )));
        }
        Ok(m)
    }

    /// What `scour plan` prints: the work folder and the tasks per stage,
    /// for a launcher.
    pub fn plan_summary(&self, work: &Path) -> serde_json::Value {
        let stages: Vec<serde_json::Value> = Stage::ALL
            .iter()
            .map(|&s| serde_json::json!({"name": s.name(), "tasks": self.tasks(s)}))
            .collect();
        serde_json::json!({
            "work": work.display().to_string(),
            "shards": self.shards.len(),
            "band_parts": self.band_parts,
            "stages": stages,
        })
    }

    fn input_files(&self, shard: usize) -> Vec<InputFile> {
        self.shards
            .get(shard)
            .map(|files| {
                files
                    .iter()
                    .filter_map(|&i| self.files.get(i))
                    .map(|f| InputFile::from_path(f.path.clone(), f.rel.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The hash of everything that decides a sharded run's result: the
/// settings (not the thread count), the user's rule file's contents, the
/// files, the shards and the band parts, and the scour version.
pub fn settings_hash(
    config: &PipelineConfig,
    files: &[ManifestFile],
    shards: &[Vec<usize>],
    band_parts: usize,
) -> Result<String> {
    let mut c = config.clone();
    c.threads = 0;
    c.inputs.clear();
    c.temp_dir = None;
    let mut text = format!(
        "scour {} layout {LAYOUT}\n{c:?}\n",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(rules) = config.strip.as_ref().and_then(|s| s.rules_file.as_ref()) {
        let bytes = fs::read(rules).map_err(|e| Error::io(rules, e))?;
        text += &format!("rules {:032x}\n", xxhash_rust::xxh3::xxh3_128(&bytes));
    }
    for f in files {
        text += &format!("file {} {}\n", f.path.display(), f.rel);
    }
    text += &format!("shards {shards:?} band_parts {band_parts}\n");
    Ok(format!(
        "{:032x}",
        xxhash_rust::xxh3::xxh3_128(text.as_bytes())
    ))
}

/// Plans a sharded run of `config` in `work`: finds the input files, cuts
/// them into `shards` contiguous shards of about equal size and writes the
/// manifest. `args` are the command-line arguments to store (see
/// [`Manifest::args`]); `band_parts` 0 picks one part per shard (at most
/// one per band).
///
/// A work folder planned before with the same settings is kept as it is
/// (so a rerun resumes); with other settings it is refused.
pub fn plan(
    config: &PipelineConfig,
    work: &Path,
    shards: usize,
    band_parts: usize,
    args: Vec<String>,
) -> Result<Manifest> {
    if shards == 0 {
        return Err(Error::config("--shards must be at least 1"));
    }
    if config.inputs.is_empty() || config.inputs.iter().any(|p| p.as_os_str() == "-") {
        return Err(Error::config(
            "a sharded run reads files that every task can open: give input files or folders, not standard input",
        ));
    }
    if let OutputTarget::File(path) = &config.output {
        if crate::io::is_parquet_name(path) {
            return Err(Error::config(
                "a sharded run joins its write tasks' parts into the output file, which a Parquet file cannot be: write JSONL, or a folder (-o DIR/, where Parquet inputs become Parquet files)",
            ));
        }
    }
    let (found, discovery_rejects) = input::discover(&config.inputs);
    let mut files = Vec::with_capacity(found.len());
    for f in found {
        let Some(path) = f.path else {
            return Err(Error::config("a sharded run cannot read standard input"));
        };
        let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        files.push(ManifestFile {
            path,
            rel: f.rel.to_string(),
            bytes,
        });
    }
    if let OutputTarget::Dir(dir) = &config.output {
        let mut seen = HashSet::new();
        for f in &files {
            if !seen.insert(&f.rel) {
                return Err(Error::config(format!(
                    "two inputs would both be written as {}: give them distinct relative paths or write one output file",
                    dir.join(&f.rel).display()
                )));
            }
        }
    }
    let total: u64 = files.iter().map(|f| f.bytes.max(1)).sum();
    let mut cut: Vec<Vec<usize>> = vec![Vec::new(); shards];
    let mut before = 0u64;
    for (i, f) in files.iter().enumerate() {
        let size = f.bytes.max(1);
        // The shard whose share of the bytes holds the file's middle:
        // contiguous, and about equal in size.
        let mid = before + size / 2;
        let s = ((u128::from(mid) * shards as u128) / u128::from(total.max(1))) as usize;
        cut[s.min(shards - 1)].push(i);
        before += size;
    }
    let bands = config
        .dedup
        .as_ref()
        .map(|d| d.banding().bands)
        .unwrap_or(1)
        .max(1);
    let band_parts = match band_parts {
        0 => shards.min(bands),
        n => n.min(bands),
    };
    let hash = settings_hash(config, &files, &cut, band_parts)?;
    let manifest = Manifest {
        layout: LAYOUT,
        scour_version: env!("CARGO_PKG_VERSION").into(),
        settings_hash: hash,
        args,
        cwd: std::env::current_dir().map_err(|e| Error::io(".", e))?,
        files,
        shards: cut,
        band_parts,
        discovery_rejects,
    };
    let path = work.join(MANIFEST);
    if path.exists() {
        let old = Manifest::load(work)?;
        if old.settings_hash != manifest.settings_hash {
            return Err(Error::config(format!(
                "{} was planned with other settings, inputs or shards (hash {} there, {} now): use a new work folder, or delete this one",
                work.display(),
                old.settings_hash,
                manifest.settings_hash
            )));
        }
        return Ok(old);
    }
    fs::create_dir_all(work).map_err(|e| Error::io(work, e))?;
    let mut f = AtomicFile::create(&path)?;
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| Error::from(io::Error::other(e)))?;
    f.write_all(&json)?;
    f.write_all(b"\n")?;
    f.commit()?;
    Ok(manifest)
}

/// How a task ended.
#[derive(Debug)]
pub enum TaskOutcome {
    /// It ran and its results are in place.
    Done,
    /// Its results were already there (an earlier or parallel attempt).
    Skipped,
    /// The `finish` task: the merged report of the whole run (also when
    /// skipped).
    Finished(Box<Report>),
}

/// What a task leaves in `done.json`, besides its files.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct TaskState {
    /// The task's part of the run report.
    report: Report,
    /// `prepare`: records in the spill file.
    records: u64,
    /// `sign`: documents in the index part.
    index_docs: u64,
    /// `write`: removals of learned lines.
    usage: Vec<LineUsage>,
}

const DONE: &str = "done.json";

fn task_dir(work: &Path, stage: Stage, task: usize) -> PathBuf {
    work.join(stage.name()).join(format!("{task:05}"))
}

fn load_state(work: &Path, stage: Stage, task: usize) -> Result<TaskState> {
    let path = task_dir(work, stage, task).join(DONE);
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::config(format!("{} is damaged: {e}", path.display())))
}

/// Whether a task has finished.
pub fn is_done(work: &Path, stage: Stage, task: usize) -> bool {
    task_dir(work, stage, task).join(DONE).is_file()
}

/// Runs task `task` of `stage` (see the module docs). `config` must be the
/// settings the run was planned with (checked against the manifest's
/// hash); only its thread count may differ.
pub fn run_task(
    config: &PipelineConfig,
    work: &Path,
    manifest: &Manifest,
    stage: Stage,
    task: usize,
    progress: &dyn Progress,
) -> Result<TaskOutcome> {
    let hash = settings_hash(
        config,
        &manifest.files,
        &manifest.shards,
        manifest.band_parts,
    )?;
    if hash != manifest.settings_hash {
        return Err(Error::config(format!(
            "the settings differ from those {} was planned with (hash {} there, {hash} here; a changed rule file or another scour version does this too): plan again in a new work folder",
            work.display(),
            manifest.settings_hash
        )));
    }
    let tasks = manifest.tasks(stage);
    if task >= tasks {
        return Err(Error::config(format!(
            "stage {} has {tasks} task(s): --task must be below {tasks}",
            stage.name()
        )));
    }
    let done = task_dir(work, stage, task);
    if done.join(DONE).is_file() {
        return Ok(match stage {
            Stage::Finish => TaskOutcome::Finished(Box::new(load_state(work, stage, 0)?.report)),
            _ => TaskOutcome::Skipped,
        });
    }
    for &earlier in Stage::ALL.iter().filter(|&&s| s < stage) {
        for t in 0..manifest.tasks(earlier) {
            if !is_done(work, earlier, t) {
                return Err(Error::config(format!(
                    "task {t} of stage {} has not finished: run the stages in order ({})",
                    earlier.name(),
                    Stage::ALL.map(Stage::name).join(", ")
                )));
            }
        }
    }
    let parent = work.join(stage.name());
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = parent.join(format!(".{task:05}.tmp-{}-{nanos}", std::process::id()));
    fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let guard = TempDir(Some(tmp.clone()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| Error::config(format!("cannot start threads: {e}")))?;
    let started = Instant::now();
    let ctx = Ctx {
        config,
        work,
        manifest,
        tmp: &tmp,
        progress,
        threads: pool.current_num_threads(),
    };
    let mut state = pool.install(|| match stage {
        Stage::Prepare => prepare(&ctx, task),
        Stage::Learn => learn(&ctx),
        Stage::Sign => sign(&ctx, task),
        Stage::Bands => bands(&ctx, task),
        Stage::Cluster => cluster(&ctx),
        Stage::Write => write(&ctx, task),
        Stage::Finish => finish(&ctx),
    })?;
    state.report.wall_seconds = started.elapsed().as_secs_f64();
    let json = serde_json::to_vec(&state).map_err(|e| Error::from(io::Error::other(e)))?;
    let done_file = tmp.join(DONE);
    let mut f = File::create(&done_file).map_err(|e| Error::io(&done_file, e))?;
    f.write_all(&json)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(&done_file, e))?;
    match fs::rename(&tmp, &done) {
        Ok(()) => {
            guard.keep();
            if stage == Stage::Finish {
                remove_stale_temps(work);
                Ok(TaskOutcome::Finished(Box::new(state.report)))
            } else {
                Ok(TaskOutcome::Done)
            }
        }
        // Another attempt of this task finished first.
        Err(_) if done.join(DONE).is_file() => Ok(match stage {
            Stage::Finish => TaskOutcome::Finished(Box::new(load_state(work, stage, 0)?.report)),
            _ => TaskOutcome::Skipped,
        }),
        Err(e) => Err(Error::io(&done, e)),
    }
}

/// Runs every task of every stage in order, in this process (tests and
/// small corpora). Returns the merged report.
pub fn run_all(
    config: &PipelineConfig,
    work: &Path,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<Report> {
    let mut report = None;
    for stage in Stage::ALL {
        for task in 0..manifest.tasks(stage) {
            if let TaskOutcome::Finished(r) =
                run_task(config, work, manifest, stage, task, progress)?
            {
                report = Some(*r);
            }
        }
    }
    report.ok_or_else(|| Error::config("the finish task gave no report"))
}

/// A task's temporary folder, removed unless kept.
struct TempDir(Option<PathBuf>);

impl TempDir {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_dir_all(p);
        }
    }
}

/// Temporary folders of killed tasks (`finish` runs when every other task
/// has finished, so none of them is in use).
fn remove_stale_temps(work: &Path) {
    for stage in Stage::ALL {
        let Ok(rd) = fs::read_dir(work.join(stage.name())) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().contains(".tmp-") {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// What every stage function gets.
struct Ctx<'a> {
    config: &'a PipelineConfig,
    work: &'a Path,
    manifest: &'a Manifest,
    /// The task's temporary folder.
    tmp: &'a Path,
    progress: &'a dyn Progress,
    threads: usize,
}

impl Ctx<'_> {
    fn report(&self) -> Report {
        Report {
            command: self.config.command.name().into(),
            threads: self.threads,
            ..Report::default()
        }
    }

    fn dir(&self, stage: Stage, task: usize) -> PathBuf {
        task_dir(self.work, stage, task)
    }

    fn learned(&self) -> Result<Option<Learned>> {
        let path = self.dir(Stage::Learn, 0).join(LEARNED);
        if !path.exists() {
            return Ok(None);
        }
        let mut r = BufReader::new(File::open(&path).map_err(|e| Error::io(&path, e))?);
        Learned::read_from(&mut r)
            .map(Some)
            .map_err(|e| Error::io(&path, e))
    }

    fn spill(&self, shard: usize) -> Result<Spill> {
        let records = load_state(self.work, Stage::Prepare, shard)?.records;
        let path = self.dir(Stage::Prepare, shard).join(SPILL);
        Spill::open(&path, records).map_err(|e| Error::io(&path, e))
    }

    fn sign_dirs(&self) -> Vec<PathBuf> {
        (0..self.manifest.shards.len())
            .map(|i| self.dir(Stage::Sign, i))
            .collect()
    }

    fn dedup(&self) -> Option<&DedupConfig> {
        self.config.dedup.as_ref()
    }
}

const SPILL: &str = "spill.bin";
const COUNTS: &str = "counts.bin";
const IDS: &str = "ids.bin";
const LEARNED: &str = "learned.bin";
const NUMBERS: &str = "numbers.bin";
const PAIRS: &str = "pairs.bin";
const REJECTS: &str = "rejects.jsonl";
const EXPLAIN: &str = "explain.jsonl";
const DUPLICATES: &str = "duplicates.jsonl";
const CLUSTERS: &str = "clusters.jsonl";
const OUT_FILE: &str = "out.jsonl";
const OUT_DIR: &str = "out";

fn assign_name(shard: usize) -> String {
    format!("assign-{shard:05}.bin")
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| Error::io(path, e))
}

fn close(w: BufWriter<File>, path: &Path) -> Result<()> {
    w.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

fn write_u64s(path: &Path, values: &[u64]) -> Result<()> {
    let mut w = create(path)?;
    (|| -> io::Result<()> {
        w.write_all(&(values.len() as u64).to_le_bytes())?;
        for v in values {
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })()
    .map_err(|e| Error::io(path, e))?;
    close(w, path)
}

fn read_u64s(path: &Path, out: &mut Vec<u64>) -> Result<()> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let n = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .unwrap_or(0);
    let body = bytes.get(8..).unwrap_or_default();
    if body.len() != n * 8 {
        return Err(Error::io(
            path,
            io::Error::new(io::ErrorKind::InvalidData, "truncated"),
        ));
    }
    out.extend(
        body.chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default())),
    );
    Ok(())
}

/// Sidecars of a task, in its temporary folder.
fn task_sidecars(ctx: &Ctx, explain: bool, duplicates: bool) -> Result<Sidecars> {
    let path = |name: &str, on: bool| on.then(|| ctx.tmp.join(name));
    Ok(Sidecars {
        rejects: Sidecar::open(Some(&ctx.tmp.join(REJECTS)))?,
        explain: Sidecar::open(path(EXPLAIN, explain).as_deref())?,
        duplicates: Sidecar::open(path(DUPLICATES, duplicates).as_deref())?,
        clusters: Sidecar::open(None)?,
    })
}

fn prepare(ctx: &Ctx, shard: usize) -> Result<TaskState> {
    let stages = Stages::new(ctx.config)?;
    let mut report = ctx.report();
    stages.init_report(&mut report);
    let files = ctx.manifest.input_files(shard);
    let rejects = match shard {
        0 => ctx.manifest.discovery_rejects.clone(),
        _ => Vec::new(),
    };
    let mut sidecars = task_sidecars(ctx, ctx.config.explain.is_some(), false)?;
    let mut writer = Writer::open(OutputTarget::Memory)?;
    let spill_path = ctx.tmp.join(SPILL);
    let spill = SpillWriter::create_at(&spill_path).map_err(|e| Error::io(&spill_path, e))?;
    let (spill, counts, ids) = first_pass(
        &stages,
        Source_::Files(files, rejects),
        &mut report,
        &mut sidecars,
        &mut writer,
        Some(spill),
        ctx.progress,
    )?;
    sidecars.commit()?;
    let records = spill.map(|s| s.records).unwrap_or(0);
    // The learn task adds up every shard's counts, so a shard's are exact.
    let counts = counts.into_iter().reduce(|mut all, c| {
        all.merge(c);
        all
    });
    if let Some(counts) = counts {
        let path = ctx.tmp.join(COUNTS);
        let mut w = create(&path)?;
        counts.write_to(&mut w).map_err(|e| Error::io(&path, e))?;
        close(w, &path)?;
    }
    let mut ids: Vec<u64> = ids.into_iter().collect();
    ids.sort_unstable();
    write_u64s(&ctx.tmp.join(IDS), &ids)?;
    Ok(TaskState {
        report,
        records,
        ..TaskState::default()
    })
}

fn learn(ctx: &Ctx) -> Result<TaskState> {
    let start = Instant::now();
    let mut report = ctx.report();
    let shards = ctx.manifest.shards.len();
    if let (Some(strip), true) = (&ctx.config.strip, ctx.config.learn) {
        let mut counts = LineCounts::new(strip);
        for i in 0..shards {
            let path = ctx.dir(Stage::Prepare, i).join(COUNTS);
            let mut r = BufReader::with_capacity(
                1 << 20,
                File::open(&path).map_err(|e| Error::io(&path, e))?,
            );
            counts.merge_from(&mut r).map_err(|e| Error::io(&path, e))?;
        }
        let learned = counts.learn();
        let path = ctx.tmp.join(LEARNED);
        let mut w = create(&path)?;
        learned.write_to(&mut w).map_err(|e| Error::io(&path, e))?;
        close(w, &path)?;
    }
    // Each shard counted the ids it saw twice; these are the ids seen in
    // more than one shard.
    let mut all = Vec::new();
    for i in 0..shards {
        read_u64s(&ctx.dir(Stage::Prepare, i).join(IDS), &mut all)?;
    }
    let total = all.len();
    all.sort_unstable();
    all.dedup();
    report.duplicate_ids = (total - all.len()) as u64;
    report
        .stage_seconds
        .insert("learn".into(), start.elapsed().as_secs_f64());
    Ok(TaskState {
        report,
        ..TaskState::default()
    })
}

fn sign(ctx: &Ctx, shard: usize) -> Result<TaskState> {
    let mut report = ctx.report();
    if ctx.dedup().is_none() {
        return Ok(TaskState {
            report,
            ..TaskState::default()
        });
    }
    let mut stages = Stages::new(ctx.config)?;
    stages.learned = ctx.learned()?;
    let spill = ctx.spill(shard)?;
    let (index, numbers) = sign_pass(&stages, &spill, &mut report, ctx.progress)?;
    index
        .write_part(ctx.tmp)
        .map_err(|e| Error::io(ctx.tmp, e))?;
    let path = ctx.tmp.join(NUMBERS);
    let mut w = create(&path)?;
    for n in &numbers {
        w.write_all(&n.to_le_bytes())
            .map_err(|e| Error::io(&path, e))?;
    }
    close(w, &path)?;
    Ok(TaskState {
        report,
        index_docs: index.len() as u64,
        ..TaskState::default()
    })
}

fn bands(ctx: &Ctx, part: usize) -> Result<TaskState> {
    let start = Instant::now();
    let mut report = ctx.report();
    let mut pairs = Vec::new();
    if let Some(dedup) = ctx.dedup() {
        let parts = ctx.manifest.band_parts.max(1);
        let bands: Vec<usize> = (0..dedup.banding().bands)
            .filter(|b| b % parts == part)
            .collect();
        let index = Index::read_parts(dedup, &ctx.sign_dirs(), &Columns::Bands(bands.clone()))
            .map_err(|e| Error::io(ctx.work, e))?;
        pairs = index.candidates(&bands);
    }
    write_u64s(&ctx.tmp.join(PAIRS), &pairs)?;
    report
        .stage_seconds
        .insert("cluster".into(), start.elapsed().as_secs_f64());
    Ok(TaskState {
        report,
        ..TaskState::default()
    })
}

fn cluster(ctx: &Ctx) -> Result<TaskState> {
    let start = Instant::now();
    let mut report = ctx.report();
    let Some(dedup) = ctx.dedup() else {
        return Ok(TaskState {
            report,
            ..TaskState::default()
        });
    };
    let index = Index::read_parts(dedup, &ctx.sign_dirs(), &Columns::Sketches)
        .map_err(|e| Error::io(ctx.work, e))?;
    let mut pairs = Vec::new();
    for p in 0..ctx.manifest.band_parts {
        read_u64s(&ctx.dir(Stage::Bands, p).join(PAIRS), &mut pairs)?;
    }
    let clusters = index.cluster_pairs(pairs);
    // Per shard, per document of its index part: kept (0) or a duplicate
    // (1, f32 similarity, u32 length + the representative's id).
    let mut number = 0u32;
    for shard in 0..ctx.manifest.shards.len() {
        let docs = load_state(ctx.work, Stage::Sign, shard)?.index_docs;
        let path = ctx.tmp.join(assign_name(shard));
        let mut w = create(&path)?;
        (|| -> io::Result<()> {
            for _ in 0..docs {
                match clusters.assignment(number) {
                    None => w.write_all(&[0])?,
                    Some(a) => {
                        let id = clusters.id(a.representative);
                        w.write_all(&[1])?;
                        w.write_all(&a.similarity.to_le_bytes())?;
                        w.write_all(&(id.len() as u32).to_le_bytes())?;
                        w.write_all(id.as_bytes())?;
                    }
                }
                number += 1;
            }
            Ok(())
        })()
        .map_err(|e| Error::io(&path, e))?;
        close(w, &path)?;
    }
    if ctx.config.clusters.is_some() {
        let mut side = Sidecar::open(Some(&ctx.tmp.join(CLUSTERS)))?;
        for c in clusters.clusters() {
            side.write(&c.record())?;
        }
        side.commit()?;
    }
    report.stages.dedup = Some(clusters.stats().clone());
    report
        .stage_seconds
        .insert("cluster".into(), start.elapsed().as_secs_f64());
    Ok(TaskState {
        report,
        ..TaskState::default()
    })
}

/// A shard's clusters: its spill records' document numbers and, per
/// document, the representative it duplicates.
struct ShardLookup {
    numbers: Vec<u32>,
    assigned: Vec<Option<(String, f32)>>,
}

impl ClusterLookup for ShardLookup {
    fn lookup(&self, record: usize) -> Option<Option<(&str, f32)>> {
        let n = self
            .numbers
            .get(record)
            .copied()
            .filter(|&n| n != u32::MAX)?;
        let a = self.assigned.get(n as usize)?;
        Some(a.as_ref().map(|(id, sim)| (id.as_str(), *sim)))
    }
}

fn shard_lookup(ctx: &Ctx, shard: usize) -> Result<ShardLookup> {
    let path = ctx.dir(Stage::Sign, shard).join(NUMBERS);
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let numbers = bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let path = ctx.dir(Stage::Cluster, 0).join(assign_name(shard));
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let damaged = || Error::io(&path, io::Error::new(io::ErrorKind::InvalidData, "damaged"));
    let mut assigned = Vec::new();
    let mut rest = &bytes[..];
    while let Some((&flag, tail)) = rest.split_first() {
        rest = tail;
        if flag == 0 {
            assigned.push(None);
            continue;
        }
        let head = rest.get(..8).ok_or_else(damaged)?;
        let sim = f32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let id = rest.get(8..8 + len).ok_or_else(damaged)?;
        assigned.push(Some((
            String::from_utf8(id.to_vec()).map_err(|_| damaged())?,
            sim,
        )));
        rest = &rest[8 + len..];
    }
    Ok(ShardLookup { numbers, assigned })
}

fn write(ctx: &Ctx, shard: usize) -> Result<TaskState> {
    let cfg = ctx.config;
    let mut stages = Stages::new(cfg)?;
    stages.learned = ctx.learned()?;
    let mut report = ctx.report();
    stages.init_report(&mut report);
    // The write pass adds to these; the read pass counted the rest.
    report.stages.fix = None;
    report.stages.normalize = None;
    let spill = ctx.spill(shard)?;
    let lookup = match ctx.dedup() {
        Some(_) => Some(shard_lookup(ctx, shard)?),
        None => None,
    };
    let target = match &cfg.output {
        OutputTarget::Dir(_) => OutputTarget::Dir(ctx.tmp.join(OUT_DIR)),
        _ => OutputTarget::File(ctx.tmp.join(OUT_FILE)),
    };
    let mut writer = Writer::open(target)?;
    let mut sidecars = task_sidecars(ctx, cfg.explain.is_some(), cfg.duplicates.is_some())?;
    write_pass(
        &stages,
        &spill,
        lookup.as_ref().map(|l| l as &dyn ClusterLookup),
        &mut report,
        &mut sidecars,
        &mut writer,
        ctx.progress,
    )?;
    writer.finish()?;
    sidecars.commit()?;
    let usage = stages
        .learned
        .as_ref()
        .map(Learned::usage)
        .unwrap_or_default();
    Ok(TaskState {
        report,
        usage,
        ..TaskState::default()
    })
}

fn finish(ctx: &Ctx) -> Result<TaskState> {
    let cfg = ctx.config;
    let shards = ctx.manifest.shards.len();
    let mut report = ctx.report();
    // Counters in the order the passes of one process add them.
    let mut usage = Vec::new();
    for stage in Stage::ALL.into_iter().filter(|&s| s != Stage::Finish) {
        for t in 0..ctx.manifest.tasks(stage) {
            let state = load_state(ctx.work, stage, t)?;
            report.merge(&state.report);
            if stage == Stage::Write {
                usage.push(state.usage);
            }
        }
    }
    if let Some(learned) = ctx.learned()? {
        for u in &usage {
            learned.add_usage(u);
        }
        report.learned_boilerplate = learned.report();
    }
    if !report.balanced() {
        return Err(Error::new(ErrorKind::Accounting(format!(
            "docs_in {} != docs_out {} + docs_rejected {} + docs_duplicate {}",
            report.docs_in, report.docs_out, report.docs_rejected, report.docs_duplicate
        ))));
    }
    let parts = |stage: Stage, name: &str| -> Vec<PathBuf> {
        (0..shards).map(|i| ctx.dir(stage, i).join(name)).collect()
    };
    // Sidecars first: a failure there leaves the output untouched.
    let mut rejects = parts(Stage::Prepare, REJECTS);
    rejects.extend(parts(Stage::Write, REJECTS));
    concat(cfg.rejects.as_deref(), &rejects)?;
    let mut explain = parts(Stage::Prepare, EXPLAIN);
    explain.extend(parts(Stage::Write, EXPLAIN));
    concat(cfg.explain.as_deref(), &explain)?;
    concat(cfg.duplicates.as_deref(), &parts(Stage::Write, DUPLICATES))?;
    concat(
        cfg.clusters.as_deref(),
        &[ctx.dir(Stage::Cluster, 0).join(CLUSTERS)],
    )?;
    match &cfg.output {
        OutputTarget::File(path) => concat(Some(path), &parts(Stage::Write, OUT_FILE))?,
        OutputTarget::Stdout => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            for p in parts(Stage::Write, OUT_FILE) {
                let mut f = File::open(&p).map_err(|e| Error::io(&p, e))?;
                io::copy(&mut f, &mut out)?;
            }
            out.flush()?;
        }
        OutputTarget::Dir(dir) => {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            for p in parts(Stage::Write, OUT_DIR) {
                move_tree(&p, &p, dir)?;
            }
        }
        OutputTarget::Memory => {}
    }
    Ok(TaskState {
        report,
        ..TaskState::default()
    })
}

/// Writes the files `parts` (those that exist), one after another, to
/// `dest` (compressed as its name says), under a temporary name until
/// complete.
fn concat(dest: Option<&Path>, parts: &[PathBuf]) -> Result<()> {
    let Some(dest) = dest else {
        return Ok(());
    };
    let mut out = AtomicFile::create(dest)?;
    let mut buf = vec![0u8; 1 << 20];
    for p in parts {
        let mut f = match File::open(p) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(p, e)),
        };
        loop {
            let n = f.read(&mut buf).map_err(|e| Error::io(p, e))?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
        }
    }
    out.commit()
}

/// Moves the files under `dir` (a write task's output folder, rooted at
/// `root`) to the same relative paths under `dest`. A rerun after a kill
/// moves what is left.
fn move_tree(root: &Path, dir: &Path, dest: &Path) -> Result<()> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.as_deref().is_some_and(|n| n.starts_with(".scour-")) {
            continue;
        }
        if path.is_dir() {
            move_tree(root, &path, dest)?;
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let Some(target) = safe_join(dest, &rel.to_string_lossy()) else {
            continue;
        };
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if fs::rename(&path, &target).is_err() {
            // Another file system: copy under a temporary name, then rename.
            let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
            let tmp = target.with_file_name(format!(".scour-move-{}", name.unwrap_or_default()));
            fs::copy(&path, &tmp).map_err(|e| Error::io(&tmp, e))?;
            fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))?;
            let _ = fs::remove_file(&path);
        }
    }
    Ok(())
}
