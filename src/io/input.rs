//! Finding the input files and reading them as raw records.
//!
//! Folders are walked recursively in sorted (byte-wise) order, hidden
//! entries and a folder's own `README`/`README.*` (the description that
//! datasets ship beside their documents) skipped, symbolic links followed once (a link back to a folder
//! already on the path is a loop and becomes a reject). Every problem with
//! one file becomes a [`Reject`] and the walk goes on.

use super::{is_jsonl_name, is_parquet_name, Compression};
use crate::document::Source;
use crate::report::Reject;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How a file holds its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// The whole file is one document.
    Text,
    /// One JSON object per line.
    Jsonl,
    /// A Parquet table: one row per document (read as a JSON object per
    /// row; see [`parquet_rows`]).
    Parquet,
}

/// One input file (or standard input).
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The path to open; `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name used in rejects and messages.
    pub display: Arc<str>,
    /// Path relative to the folder given (`/`-separated): the id of a
    /// one-document file and the name it is mirrored under.
    pub rel: Arc<str>,
    /// One document, JSON lines or a Parquet table.
    pub kind: InputKind,
    /// Compression, from the name.
    pub compression: Compression,
}

impl InputFile {
    /// Standard input, read as JSONL.
    pub fn stdin() -> InputFile {
        InputFile {
            path: None,
            display: Arc::from("-"),
            rel: Arc::from("stdin.jsonl"),
            kind: InputKind::Jsonl,
            compression: Compression::None,
        }
    }

    /// A file at `path` named `rel` (its relative path); kind and
    /// compression from the name.
    pub fn from_path(path: PathBuf, rel: String) -> InputFile {
        let kind = if is_parquet_name(&path) {
            InputKind::Parquet
        } else if is_jsonl_name(&path) {
            InputKind::Jsonl
        } else {
            InputKind::Text
        };
        InputFile {
            display: Arc::from(path.display().to_string()),
            rel: Arc::from(rel),
            kind,
            compression: Compression::from_path(&path),
            path: Some(path),
        }
    }
}

/// Expands the inputs given on the command line into files: the inputs in
/// sorted order (a path given twice is read once), each folder walked in
/// sorted order. An empty list or `-` means standard input.
pub fn discover(inputs: &[PathBuf]) -> (Vec<InputFile>, Vec<Reject>) {
    let mut files = Vec::new();
    let mut rejects = Vec::new();
    if inputs.is_empty() {
        files.push(InputFile::stdin());
    }
    // Sorted, so that the same inputs listed in another order give the same
    // output, byte for byte.
    let mut inputs: Vec<&PathBuf> = inputs.iter().collect();
    inputs.sort();
    inputs.dedup();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(InputFile::stdin());
            continue;
        }
        match std::fs::metadata(input) {
            Ok(meta) if meta.is_dir() => {
                let mut stack = Vec::new();
                if let Ok(canon) = input.canonicalize() {
                    stack.push(canon);
                }
                walk(input, "", &mut stack, &mut files, &mut rejects);
            }
            Ok(_) => {
                let rel = input
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| input.display().to_string());
                files.push(InputFile::from_path(input.clone(), rel));
            }
            Err(e) => rejects.push(file_reject(
                input,
                "unreadable",
                format!("cannot read input: {e}"),
            )),
        }
    }
    (files, rejects)
}

fn file_reject(path: &Path, reason: &'static str, detail: String) -> Reject {
    let source = Source {
        file: Arc::from(path.display().to_string()),
        line: None,
        offset: 0,
    };
    let mut r = Reject::new(&source, reason, detail, b"");
    r.raw = None;
    r
}

/// Depth-first walk; `stack` holds the canonical paths of the folders on
/// the current path, to see symlink loops.
fn walk(
    dir: &Path,
    rel: &str,
    stack: &mut Vec<PathBuf>,
    files: &mut Vec<InputFile>,
    rejects: &mut Vec<Reject>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            rejects.push(file_reject(
                dir,
                "unreadable",
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let name_str = name.to_string_lossy();
        if name_str.starts_with('.') || is_readme(&name_str) {
            continue;
        }
        let path = dir.join(&name);
        let child_rel = if rel.is_empty() {
            name_str.into_owned()
        } else {
            format!("{rel}/{name_str}")
        };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                let canon = match path.canonicalize() {
                    Ok(c) => c,
                    Err(e) => {
                        rejects.push(file_reject(
                            &path,
                            "unreadable",
                            format!("cannot resolve folder: {e}"),
                        ));
                        continue;
                    }
                };
                if stack.contains(&canon) {
                    rejects.push(file_reject(
                        &path,
                        "symlink-loop",
                        "folder links back to one of its parents".into(),
                    ));
                    continue;
                }
                stack.push(canon);
                walk(&path, &child_rel, stack, files, rejects);
                stack.pop();
            }
            Ok(meta) if meta.is_file() => files.push(InputFile::from_path(path, child_rel)),
            Ok(_) => rejects.push(file_reject(
                &path,
                "not-a-file",
                "neither a regular file nor a folder".into(),
            )),
            Err(e) => rejects.push(file_reject(
                &path,
                "unreadable",
                format!("cannot read: {e}"),
            )),
        }
    }
}

/// `README` or `README.<ext>`, any case: a folder's description, not a document.
fn is_readme(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    stem.eq_ignore_ascii_case("readme") && name.matches('.').count() <= 1
}

/// A reader that counts the bytes it hands out (the on-disk bytes, before
/// decompression), for progress.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens an input with its decompressor.
pub fn open(file: &InputFile, counter: Arc<AtomicU64>) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match &file.path {
        Some(p) => Box::new(File::open(p)?),
        None => Box::new(io::stdin()),
    };
    let counted = Counting {
        inner: raw,
        counter,
    };
    Ok(match file.compression {
        Compression::None => Box::new(BufReader::with_capacity(1 << 16, counted)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(BufReader::new(counted)),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            1 << 16,
            zstd::Decoder::new(counted)?,
        )),
    })
}

/// One row of a Parquet input: its JSON record and where it came from, or
/// the reject it became.
pub type ParquetRow = Result<(Vec<u8>, Source), Box<Reject>>;

/// The rows of a Parquet input as JSON records (one object per row, every
/// column a field), each with its source (`line` is the 1-based row), or
/// the reject it became. A file whose footer cannot be read yields one
/// `corrupt-parquet` reject, a damaged row group one per row; built without
/// the `parquet` feature, every
/// Parquet input yields one `unsupported-format` reject.
pub fn parquet_rows(
    file: &InputFile,
    text_field: &str,
    max: usize,
    counter: Arc<AtomicU64>,
) -> Box<dyn Iterator<Item = ParquetRow> + Send> {
    #[cfg(feature = "parquet")]
    if let Some(path) = &file.path {
        return Box::new(super::parquet::Rows::open(
            path,
            file.display.clone(),
            text_field,
            max,
            counter,
        ));
    }
    let _ = (text_field, max, counter);
    let source = Source {
        file: file.display.clone(),
        line: None,
        offset: 0,
    };
    let detail = if cfg!(feature = "parquet") {
        "Parquet is read from files only"
    } else {
        "scour was built without the `parquet` feature"
    };
    let mut r = Reject::new(&source, "unsupported-format", detail, b"");
    r.raw = None;
    Box::new(std::iter::once(Err(Box::new(r))))
}

/// The result of [`read_line_bounded`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// End of input.
    Eof,
    /// A line (without its `\n`) of this many bytes, all kept in the buffer.
    Whole(usize),
    /// A line longer than the limit: the buffer holds its first `limit`
    /// bytes; the number is its full length. The rest was read and dropped.
    TooLong(u64),
}

/// Reads one `\n`-terminated line into `buf` (cleared first), keeping at
/// most `limit` bytes and skipping the rest, so that one enormous line (or
/// a decompression bomb) costs time but not memory.
pub fn read_line_bounded(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut total: u64 = 0;
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = limit.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        total += take as u64;
        reader.consume(if done { take + 1 } else { take });
        if done {
            break;
        }
    }
    if !any {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\r') && total as usize == buf.len() {
        buf.pop();
        total -= 1;
    }
    if total > limit as u64 {
        Ok(Line::TooLong(total))
    } else {
        Ok(Line::Whole(buf.len()))
    }
}

/// Reads a whole one-document file, keeping at most `limit` bytes.
/// Returns the bytes and the full length.
pub fn read_all_bounded(reader: &mut dyn BufRead, limit: usize) -> io::Result<(Vec<u8>, u64)> {
    let mut buf = Vec::new();
    reader.take(limit as u64).read_to_end(&mut buf)?;
    let mut total = buf.len() as u64;
    if buf.len() == limit {
        total += io::copy(reader, &mut io::sink())?;
    }
    Ok((buf, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines_match_str_lines() {
        let text = "a\nbb\r\n\nccc\nlast";
        let mut reader: &[u8] = text.as_bytes();
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            match read_line_bounded(&mut reader, &mut buf, 100).unwrap() {
                Line::Eof => break,
                Line::Whole(_) => got.push(String::from_utf8(buf.clone()).unwrap()),
                Line::TooLong(_) => unreachable!(),
            }
        }
        let want: Vec<&str> = text.lines().collect();
        assert_eq!(got, want);
    }

    #[test]
    fn long_line_is_cut_and_skipped() {
        let text = format!("{}\nnext\n", "x".repeat(1000));
        let mut reader: &[u8] = text.as_bytes();
        let mut buf = Vec::new();
        assert_eq!(
            read_line_bounded(&mut reader, &mut buf, 10).unwrap(),
            Line::TooLong(1000)
        );
        assert_eq!(buf.len(), 10);
        assert_eq!(
            read_line_bounded(&mut reader, &mut buf, 10).unwrap(),
            Line::Whole(4)
        );
        assert_eq!(
            read_line_bounded(&mut reader, &mut buf, 10).unwrap(),
            Line::Eof
        );
    }

    #[test]
    fn read_all_bounded_counts_everything() {
        let mut reader: &[u8] = &[7u8; 100];
        let (buf, total) = read_all_bounded(&mut reader, 10).unwrap();
        assert_eq!((buf.len(), total), (10, 100));
    }
}
