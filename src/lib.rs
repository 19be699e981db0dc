//! scour: clean scraped text corpora in one fast, parallel pass.
#![deny(missing_docs)]

pub mod boilerplate;
pub mod dedup;
pub mod mojibake;
