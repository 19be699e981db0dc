//! scour: clean scraped text corpora in one fast, parallel pass.
//!
//! The pipeline, one module per stage, in the order a document meets them:
//!
//! ```text
//! io::input      files, folders, stdin; .txt = one document, .jsonl(.gz/.zst) = one per line,
//!                .parquet = one per row (feature `parquet`)
//! decode         bytes -> UTF-8 (BOM, UTF-16, legacy code pages via encoding_rs + chardetng)
//! mojibake       repair UTF-8 that was decoded as Windows-1252 / Latin-1 / MacRoman / ...
//! normalize      line endings, trailing whitespace, blank-line runs
//! boilerplate    rule families, in-document repeats, lines learned from the corpus
//! dedup          exact hash, shingles -> MinHash -> LSH buckets -> verified clusters
//! io::output     JSONL (plain/gz/zst), Parquet or a mirrored folder, written atomically
//! report         counters per stage and pass; every document accounted for
//! ```
//!
//! [`pipeline`] wires them into passes over the corpus (read, sign, write)
//! with a spill file in between, so memory is bounded by the compact dedup
//! index, never by the text. Every stage writes into buffers its caller
//! owns; every pass runs on a rayon pool and gives the same bytes for any
//! thread count. [`pipeline::shard`] runs the passes as tasks of a sharded
//! run (Spark, Ray, Slurm) that give the same bytes as one process.
//!
//! Bad input never stops a run: a record that cannot be processed becomes a
//! [`report::Reject`] with its source and reason, and the run goes on.
//! Every run satisfies `docs_in == docs_out + docs_rejected + docs_duplicate`.
//!
//! # Example
//!
//! ```
//! use scour::{clean, Command, Document, PipelineConfig};
//!
//! let story = "Peru declared a state of emergency on its southern border on Friday, \
//!              as hundreds of migrants tried to leave Chile ahead of the run-off vote.";
//! let docs = vec![
//!     Document::new("a", format!("{story}\n\n\n\nIt was over.Â")),
//!     Document::new("b", format!("{story}\n\nIt was over.")),
//!     Document::new("c", "   \n  "),
//! ];
//! let (kept, report) = clean(docs, &PipelineConfig::new(Command::Run))?;
//! assert_eq!(report.docs_in, 3);
//! assert_eq!(report.docs_rejected, 1); // "c" is empty: rejected with a reason
//! // Once the stray "Â" is repaired and the blank run collapsed, "b" is a
//! // copy of "a": one document is kept, the other counted as a duplicate.
//! assert_eq!(report.docs_duplicate, 1);
//! assert_eq!(report.docs_in, report.docs_out + report.docs_rejected + report.docs_duplicate);
//! assert_eq!(kept.len(), 1);
//! assert_eq!(kept[0].text, format!("{story}\n\nIt was over."));
//! # Ok::<(), scour::Error>(())
//! ```
#![deny(missing_docs)]

pub mod boilerplate;
pub mod decode;
pub mod dedup;
pub mod document;
pub mod error;
pub mod io;
pub mod mojibake;
pub mod normalize;
pub mod pipeline;
pub mod report;
mod swar;

pub use document::Document;
pub use error::{Error, Result};
pub use pipeline::{clean, run, Command, PipelineConfig};
