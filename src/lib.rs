//! scour: clean scraped text corpora in one fast, parallel pass.
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

pub use document::Document;
pub use error::{Error, Result};
pub use pipeline::{clean, run, Command, PipelineConfig};
