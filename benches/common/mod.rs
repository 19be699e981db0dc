//! What the criterion benches share: where the news corpus is.

use std::path::{Path, PathBuf};

/// The real news corpus (JSONL, gzip): `$SCOUR_NEWS`, else
/// `../shared/corpora/news_real.jsonl.gz` next to the project.
pub fn news_path() -> PathBuf {
    std::env::var_os("SCOUR_NEWS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/news_real.jsonl.gz")
        })
}
