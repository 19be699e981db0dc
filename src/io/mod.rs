//! Readers and writers: input discovery (files, folders, standard input),
//! JSONL records, Parquet tables (feature `parquet`), compressed streams,
//! atomic output files, and the spill file that carries documents between
//! passes.

pub mod input;
pub mod jsonl;
pub mod output;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod spill;

use std::path::Path;

/// Compression of a file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

impl Compression {
    /// The compression a file name implies.
    pub fn from_path(path: &Path) -> Compression {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("gz") | Some("gzip") => Compression::Gzip,
            Some("zst") | Some("zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Whether a file name (after any compression suffix) says JSON lines.
pub fn is_jsonl_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let stem = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".gzip"))
        .or_else(|| name.strip_suffix(".zst"))
        .or_else(|| name.strip_suffix(".zstd"))
        .unwrap_or(&name);
    stem.ends_with(".jsonl") || stem.ends_with(".ndjson")
}

/// Whether a file name says Parquet (`.parquet`, any case).
pub fn is_parquet_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".parquet"))
}
