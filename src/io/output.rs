//! Writers: JSONL to standard output or a file (plain, `.gz`, `.zst`), a
//! Parquet file (feature `parquet`), or a folder that mirrors the input
//! tree. Every file is written under a temporary name in its final folder
//! and renamed when complete, so an interrupted run never leaves a half
//! file under the final name.

use super::{is_parquet_name, Compression};
use crate::document::{Document, Meta};
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use tempfile::TempPath;

/// Where the kept documents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// JSONL on standard output.
    Stdout,
    /// One JSONL file (`.gz` / `.zst` compress it), or a Parquet file when
    /// the name ends in `.parquet` (see [`crate::io::parquet`] for its
    /// columns).
    File(PathBuf),
    /// A folder: one-document inputs become `.txt` files at their relative
    /// path, JSONL inputs JSONL files and Parquet inputs Parquet files at
    /// theirs.
    Dir(PathBuf),
    /// Kept in memory (the library's [`crate::pipeline::clean`]).
    Memory,
}

enum Encoder {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

/// A file written under a temporary name and renamed by [`AtomicFile::commit`].
/// Dropped without commit, it removes its temporary file.
pub struct AtomicFile {
    enc: Encoder,
    temp: TempPath,
    path: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file beside `path`; compression from its name.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".scour-").suffix(".tmp");
        // Output files get the usual permissions (0666 less the umask), not
        // a temporary file's private 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let named = builder.tempfile_in(&dir).map_err(|e| Error::io(path, e))?;
        let (file, temp) = named.into_parts();
        let buf = BufWriter::with_capacity(1 << 17, file);
        let enc = match Compression::from_path(path) {
            Compression::None => Encoder::Plain(buf),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                buf,
                flate2::Compression::default(),
            )),
            Compression::Zstd => {
                Encoder::Zstd(zstd::Encoder::new(buf, 3).map_err(|e| Error::io(path, e))?)
            }
        };
        Ok(AtomicFile {
            enc,
            temp,
            path: path.to_path_buf(),
        })
    }

    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let r = match &mut self.enc {
            Encoder::Plain(w) => w.write_all(bytes),
            Encoder::Gzip(w) => w.write_all(bytes),
            Encoder::Zstd(w) => w.write_all(bytes),
        };
        r.map_err(|e| Error::io(&self.path, e))
    }

    /// Finishes the stream and renames the file to its final name.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let buf = match self.enc {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(w) => w.finish(),
            Encoder::Zstd(w) => w.finish(),
        };
        let file = buf
            .and_then(|b| b.into_inner().map_err(|e| e.into_error()))
            .map_err(|e| Error::io(&path, e))?;
        drop(file);
        self.temp
            .persist(&path)
            .map_err(|e| Error::io(&path, e.error))
    }
}

/// Plain bytes through the file's encoder, for writers that want
/// [`std::io::Write`] (the Parquet writer).
impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.enc {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.enc {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

/// One output file being written: JSON lines, or a Parquet table.
enum Sink {
    Jsonl(AtomicFile),
    #[cfg(feature = "parquet")]
    Parquet(Box<super::parquet::ParquetSink>),
}

impl Sink {
    /// A Parquet sink when the name says so, else JSON lines.
    fn create(path: &Path) -> Result<Sink> {
        if !is_parquet_name(path) {
            return Ok(Sink::Jsonl(AtomicFile::create(path)?));
        }
        #[cfg(feature = "parquet")]
        return Ok(Sink::Parquet(Box::new(
            super::parquet::ParquetSink::create(path)?,
        )));
        #[cfg(not(feature = "parquet"))]
        Err(Error::config(format!(
            "{}: scour was built without the `parquet` feature",
            path.display()
        )))
    }

    #[cfg_attr(not(feature = "parquet"), allow(unused_variables))]
    fn write(&mut self, doc: &Document, line: &[u8]) -> Result<()> {
        match self {
            Sink::Jsonl(f) => f.write_all(line),
            #[cfg(feature = "parquet")]
            Sink::Parquet(p) => p.write(doc, line),
        }
    }

    fn commit(self) -> Result<()> {
        match self {
            Sink::Jsonl(f) => f.commit(),
            #[cfg(feature = "parquet")]
            Sink::Parquet(p) => p.commit(),
        }
    }
}

/// Joins an untrusted relative path (an id, an input's relative path)
/// under `dir`, dropping `..`, roots and prefixes so that nothing is ever
/// written outside `dir`. `None` when nothing is left.
pub fn safe_join(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = dir.to_path_buf();
    let mut any = false;
    for part in rel.split(['/', '\\']) {
        for comp in Path::new(part).components() {
            if let Component::Normal(name) = comp {
                out.push(name);
                any = true;
            }
        }
    }
    any.then_some(out)
}

/// The writer of kept documents.
pub struct Writer {
    target: OutputTarget,
    stdout: Option<BufWriter<io::Stdout>>,
    file: Option<Sink>,
    /// Folder mode: the JSONL or Parquet file being written and its
    /// relative path.
    current: Option<(String, Sink)>,
    written: HashSet<PathBuf>,
    memory: Vec<Document>,
    /// Name collisions in folder mode, resolved with a `~N` suffix.
    pub collisions: u64,
}

impl Writer {
    /// Opens the target (creating a folder target if needed).
    pub fn open(target: OutputTarget) -> Result<Writer> {
        let mut w = Writer {
            target: target.clone(),
            stdout: None,
            file: None,
            current: None,
            written: HashSet::new(),
            memory: Vec::new(),
            collisions: 0,
        };
        match &target {
            OutputTarget::Stdout => {
                w.stdout = Some(BufWriter::with_capacity(1 << 17, io::stdout()))
            }
            OutputTarget::File(p) => w.file = Some(Sink::create(p)?),
            OutputTarget::Dir(d) => {
                std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
                // Fail now, not after the first pass, when the folder is not writable.
                drop(AtomicFile::create(&d.join("probe"))?);
            }
            OutputTarget::Memory => {}
        }
        Ok(w)
    }

    /// Writes one document: `line` is its rendered JSON line.
    pub fn write(&mut self, doc: &Document, line: &[u8]) -> Result<()> {
        match &self.target {
            OutputTarget::Stdout => match &mut self.stdout {
                Some(out) => out.write_all(line).map_err(Error::from),
                None => Ok(()),
            },
            OutputTarget::File(_) => match &mut self.file {
                Some(f) => f.write(doc, line),
                None => Ok(()),
            },
            OutputTarget::Memory => {
                self.memory.push(doc.clone());
                Ok(())
            }
            OutputTarget::Dir(dir) => {
                let dir = dir.clone();
                match &doc.meta {
                    Meta::File { rel_path } => {
                        let path = self.unique(&dir, rel_path, &doc.id);
                        create_parent(&path)?;
                        let mut f = AtomicFile::create(&path)?;
                        f.write_all(doc.text.as_bytes())?;
                        if !doc.text.is_empty() {
                            f.write_all(b"\n")?;
                        }
                        f.commit()
                    }
                    Meta::Json { rel_path, .. } => self.write_records(&dir, rel_path, doc, line),
                    Meta::None => self.write_records(&dir, "documents.jsonl", doc, line),
                }
            }
        }
    }

    /// Folder mode, a record: into the JSONL or Parquet file mirroring its
    /// input.
    fn write_records(&mut self, dir: &Path, rel: &str, doc: &Document, line: &[u8]) -> Result<()> {
        if self.current.as_ref().map(|(r, _)| r.as_str()) != Some(rel) {
            if let Some((_, f)) = self.current.take() {
                f.commit()?;
            }
            let fallback = if is_parquet_name(Path::new(rel)) {
                "documents.parquet"
            } else {
                "documents.jsonl"
            };
            let path = self.unique(dir, rel, fallback);
            create_parent(&path)?;
            self.current = Some((rel.to_owned(), Sink::create(&path)?));
        }
        match &mut self.current {
            Some((_, f)) => f.write(doc, line),
            None => Ok(()),
        }
    }

    /// A path under `dir` for `rel` not written before in this run.
    fn unique(&mut self, dir: &Path, rel: &str, fallback: &str) -> PathBuf {
        let base = safe_join(dir, rel)
            .or_else(|| safe_join(dir, fallback))
            .unwrap_or_else(|| dir.join("document"));
        let mut path = base.clone();
        let mut n = 1;
        while self.written.contains(&path) {
            n += 1;
            self.collisions += 1;
            let mut name = base
                .file_name()
                .map(|s| s.to_os_string())
                .unwrap_or_default();
            name.push(format!("~{n}"));
            path = base.with_file_name(name);
        }
        self.written.insert(path.clone());
        path
    }

    /// Flushes and renames everything into place; returns the documents
    /// kept in memory (empty for other targets).
    pub fn finish(mut self) -> Result<Vec<Document>> {
        if let Some(mut out) = self.stdout.take() {
            out.flush()?;
        }
        if let Some(f) = self.file.take() {
            f.commit()?;
        }
        if let Some((_, f)) = self.current.take() {
            f.commit()?;
        }
        Ok(std::mem::take(&mut self.memory))
    }
}

fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(p) => std::fs::create_dir_all(p).map_err(|e| Error::io(p, e)),
        None => Ok(()),
    }
}

/// A JSONL sidecar (`--rejects`, `--explain`, `--duplicates`, `--clusters`):
/// written atomically, or absent.
pub struct Sidecar(Option<AtomicFile>);

impl Sidecar {
    /// Opens the sidecar when a path is given.
    pub fn open(path: Option<&Path>) -> Result<Sidecar> {
        Ok(Sidecar(path.map(AtomicFile::create).transpose()?))
    }

    /// Whether anything is written.
    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Writes one value as a JSON line.
    pub fn write<T: serde::Serialize>(&mut self, value: &T) -> Result<()> {
        if let Some(f) = &mut self.0 {
            let mut line =
                serde_json::to_vec(value).map_err(|e| Error::from(io::Error::other(e)))?;
            line.push(b'\n');
            f.write_all(&line)?;
        }
        Ok(())
    }

    /// Writes bytes that already form JSON lines.
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        match &mut self.0 {
            Some(f) => f.write_all(bytes),
            None => Ok(()),
        }
    }

    /// Renames it into place.
    pub fn commit(self) -> Result<()> {
        match self.0 {
            Some(f) => f.commit(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_join_never_escapes() {
        let d = Path::new("/out");
        let cases = [
            ("a/b.txt", Some("/out/a/b.txt")),
            ("../../etc/passwd", Some("/out/etc/passwd")),
            ("/etc/passwd", Some("/out/etc/passwd")),
            ("..\\..\\x", Some("/out/x")),
            ("./a/./b", Some("/out/a/b")),
            ("..", None),
            ("", None),
        ];
        for (rel, want) in cases {
            assert_eq!(safe_join(d, rel), want.map(PathBuf::from), "{rel}");
        }
    }
}
