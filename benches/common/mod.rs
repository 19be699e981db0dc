//! What the criterion benches (and `examples/eval_mojibake.rs`) share:
//! where the news corpus is, and the news-with-5%-damaged-lines input.

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

/// `text` as UTF-8 read as Windows-1252.
#[allow(dead_code)] // not every bench damages text
pub fn mojibake(text: &str) -> String {
    let (s, _, _) = encoding_rs::WINDOWS_1252.decode(text.as_bytes());
    s.into_owned()
}

/// `docs` with every 20th line mojibaked (Windows-1252); a line with no
/// non-ASCII text gets a typical damaged phrase too, so that the damage is
/// really 5% of the lines.
#[allow(dead_code)] // not every bench damages text
pub fn five_percent(docs: &[String]) -> Vec<String> {
    let mut n = 0usize;
    docs.iter()
        .map(|d| {
            let mut out = String::with_capacity(d.len() + 64);
            for line in d.split_inclusive('\n') {
                n += 1;
                if n % 20 == 0 {
                    if line.is_ascii() {
                        out.push_str(&mojibake("It’s a café — naïve "));
                    }
                    out.push_str(&mojibake(line));
                } else {
                    out.push_str(line);
                }
            }
            out
        })
        .collect()
}
