//! The spill file: documents that survived the first pass, written once in
//! input order and read back by every later pass, so that no pass holds
//! the corpus's text in memory. It is an unnamed temporary file: the
//! operating system removes it however the process ends.
//!
//! Layout (all integers little-endian): a record is `u32 length` + body;
//! a body is id, text, source file, line (`u64::MAX` = none), offset, meta
//! tag (0 none, 1 file, 2 JSON) with its fields, the credits, then the
//! learning keys of the text's non-blank lines (`u32 count` + `u64` each;
//! see [`crate::boilerplate::LineKeys`]). Strings are `u32 length` + UTF-8
//! bytes.

use crate::document::{Document, Meta, Source};
use serde_json::value::RawValue;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

/// Writes records; [`SpillWriter::finish`] turns it into a [`Spill`].
pub struct SpillWriter {
    out: BufWriter<File>,
    bytes: u64,
    records: u64,
}

impl SpillWriter {
    /// Creates the unnamed temporary file in `dir` (or the system's).
    pub fn create(dir: Option<&Path>) -> io::Result<SpillWriter> {
        let file = match dir {
            Some(d) => tempfile::tempfile_in(d)?,
            None => tempfile::tempfile()?,
        };
        Ok(SpillWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            bytes: 0,
            records: 0,
        })
    }

    /// Creates a named spill file at `path` (a sharded run keeps it between
    /// tasks; see [`crate::pipeline::shard`]).
    pub fn create_at(path: &Path) -> io::Result<SpillWriter> {
        let file = File::create(path)?;
        Ok(SpillWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            bytes: 0,
            records: 0,
        })
    }

    /// Appends one encoded record (from [`encode`]).
    pub fn push(&mut self, body: &[u8]) -> io::Result<()> {
        let len =
            u32::try_from(body.len()).map_err(|_| io::Error::other("spill record over 4 GiB"))?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(body)?;
        self.bytes += 4 + body.len() as u64;
        self.records += 1;
        Ok(())
    }

    /// Flushes and returns the readable spill.
    pub fn finish(self) -> io::Result<Spill> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Spill {
            file,
            bytes: self.bytes,
            records: self.records,
        })
    }
}

/// A finished spill file, read from the start by each pass.
pub struct Spill {
    file: File,
    /// Total size in bytes.
    pub bytes: u64,
    /// Number of records.
    pub records: u64,
}

impl Spill {
    /// Opens a spill file written by [`SpillWriter::create_at`] that holds
    /// `records` records.
    pub fn open(path: &Path, records: u64) -> io::Result<Spill> {
        let file = File::open(path)?;
        let bytes = file.metadata()?.len();
        Ok(Spill {
            file,
            bytes,
            records,
        })
    }

    /// A reader from the first record.
    pub fn reader(&self) -> io::Result<SpillReader> {
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        Ok(SpillReader {
            input: BufReader::with_capacity(1 << 20, file),
        })
    }
}

/// Reads records back in order.
pub struct SpillReader {
    input: BufReader<File>,
}

impl SpillReader {
    /// Reads the next record body into `buf`; `false` at the end.
    pub fn next_record(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        let mut len = [0u8; 4];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
        // Read into spare capacity (`read_to_end` does not zero it first).
        let n = u32::from_le_bytes(len) as usize;
        buf.clear();
        buf.reserve_exact(n);
        if (&mut self.input).take(n as u64).read_to_end(buf)? != n {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "spill record cut short",
            ));
        }
        Ok(true)
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Encodes a document and the learning keys of its lines (may be empty)
/// into `out` (cleared first).
pub fn encode(doc: &Document, keys: &[u64], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(encoded_len(doc, keys));
    put_str(out, &doc.id);
    put_str(out, &doc.text);
    put_str(out, &doc.source.file);
    out.extend_from_slice(&doc.source.line.unwrap_or(u64::MAX).to_le_bytes());
    out.extend_from_slice(&doc.source.offset.to_le_bytes());
    match &doc.meta {
        Meta::None => out.push(0),
        Meta::File { rel_path } => {
            out.push(1);
            put_str(out, rel_path);
        }
        Meta::Json { fields, rel_path } => {
            out.push(2);
            put_str(out, rel_path);
            out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
            for (key, value) in fields {
                put_str(out, key);
                match value {
                    Some(raw) => {
                        out.push(1);
                        put_str(out, raw.get());
                    }
                    None => out.push(0),
                }
            }
        }
    }
    out.extend_from_slice(&(doc.credits.len() as u32).to_le_bytes());
    for c in &doc.credits {
        put_str(out, c);
    }
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    for k in keys {
        out.extend_from_slice(&k.to_le_bytes());
    }
}

/// The size of [`encode`]'s record, so that it is written into one
/// allocation instead of a chain of doublings (each a copy, and at the
/// sizes of long documents a fresh page to fault in).
fn encoded_len(doc: &Document, keys: &[u64]) -> usize {
    let meta = match &doc.meta {
        Meta::None => 1,
        Meta::File { rel_path } => 5 + rel_path.len(),
        Meta::Json { fields, rel_path } => {
            9 + rel_path.len()
                + fields
                    .iter()
                    .map(|(k, v)| 5 + k.len() + v.as_ref().map_or(0, |r| 4 + r.get().len()))
                    .sum::<usize>()
        }
    };
    let credits: usize = doc.credits.iter().map(|c| 4 + c.len()).sum();
    12 + doc.id.len()
        + doc.text.len()
        + doc.source.file.len()
        + 16
        + meta
        + 4
        + credits
        + 4
        + 8 * keys.len()
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        simdutf8::basic::from_utf8(self.take(n)?).ok()
    }
}

/// Decodes a record written by [`encode`], its keys into `keys` when given
/// (cleared first); `None` if it is damaged.
pub fn decode(body: &[u8], keys: Option<&mut Vec<u64>>) -> Option<Document> {
    let mut c = Cursor(body);
    let id = c.str()?.to_owned();
    let text = c.str()?.to_owned();
    let file: Arc<str> = Arc::from(c.str()?);
    let line = Some(c.u64()?).filter(|&l| l != u64::MAX);
    let offset = c.u64()?;
    let meta = match c.u8()? {
        0 => Meta::None,
        1 => Meta::File {
            rel_path: c.str()?.to_owned(),
        },
        2 => {
            let rel_path = Arc::from(c.str()?);
            let n = c.u32()? as usize;
            let mut fields = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let key = c.str()?.to_owned();
                let value = match c.u8()? {
                    0 => None,
                    _ => Some(RawValue::from_string(c.str()?.to_owned()).ok()?),
                };
                fields.push((key, value));
            }
            Meta::Json { fields, rel_path }
        }
        _ => return None,
    };
    let n = c.u32()? as usize;
    let mut credits = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        credits.push(c.str()?.to_owned());
    }
    let n = c.u32()? as usize;
    let packed = c.take(n.checked_mul(8)?)?;
    if let Some(keys) = keys {
        keys.clear();
        keys.extend(
            packed
                .chunks_exact(8)
                .map(|k| u64::from_le_bytes(k.try_into().expect("eight bytes"))),
        );
    }
    Some(Document {
        id,
        text,
        meta,
        credits,
        source: Source { file, line, offset },
    })
}

/// The id and the text of a record written by [`encode`], borrowed from
/// it, and its keys into `keys` (cleared first); `None` if it is damaged.
/// What the sign pass needs, without [`decode`]'s copies: the other
/// fields are stepped over by their lengths.
pub fn decode_text<'a>(body: &'a [u8], keys: &mut Vec<u64>) -> Option<(&'a str, &'a str)> {
    let mut c = Cursor(body);
    let id = c.str()?;
    let text = c.str()?;
    let skip_str = |c: &mut Cursor| -> Option<()> {
        let n = c.u32()? as usize;
        c.take(n).map(drop)
    };
    skip_str(&mut c)?;
    c.take(16)?;
    match c.u8()? {
        0 => {}
        1 => skip_str(&mut c)?,
        2 => {
            skip_str(&mut c)?;
            for _ in 0..c.u32()? {
                skip_str(&mut c)?;
                if c.u8()? != 0 {
                    skip_str(&mut c)?;
                }
            }
        }
        _ => return None,
    }
    for _ in 0..c.u32()? {
        skip_str(&mut c)?;
    }
    let n = c.u32()? as usize;
    let packed = c.take(n.checked_mul(8)?)?;
    keys.clear();
    keys.extend(
        packed
            .chunks_exact(8)
            .map(|k| u64::from_le_bytes(k.try_into().expect("eight bytes"))),
    );
    Some((id, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let docs = vec![
            Document::new("a", "text a"),
            Document {
                id: "b".into(),
                text: "t\u{e9}xt".into(),
                meta: Meta::Json {
                    fields: vec![
                        (
                            "id".into(),
                            Some(RawValue::from_string("\"b\"".into()).unwrap()),
                        ),
                        ("text".into(), None),
                    ],
                    rel_path: Arc::from("x/y.jsonl"),
                },
                credits: vec!["Source: Z".into()],
                source: Source {
                    file: Arc::from("in/x/y.jsonl"),
                    line: Some(3),
                    offset: 99,
                },
            },
            Document {
                meta: Meta::File {
                    rel_path: "dir/f.txt".into(),
                },
                ..Document::new("dir/f.txt", "")
            },
        ];
        let keys = [7u64, u64::MAX];
        let mut w = SpillWriter::create(None).unwrap();
        let mut buf = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            encode(d, &keys[..i], &mut buf);
            assert_eq!(encoded_len(d, &keys[..i]), buf.len(), "{}", d.id);
            w.push(&buf).unwrap();
        }
        let spill = w.finish().unwrap();
        for _ in 0..2 {
            let mut r = spill.reader().unwrap();
            let (mut got, mut got_keys) = (Vec::new(), Vec::new());
            while r.next_record(&mut buf).unwrap() {
                got.push(decode(&buf, Some(&mut got_keys)).unwrap());
                assert_eq!(got_keys, keys[..got.len() - 1]);
                assert_eq!(decode(&buf, None).as_ref(), got.last());
                let mut text_keys = Vec::new();
                let (id, text) = decode_text(&buf, &mut text_keys).unwrap();
                let last = got.last().unwrap();
                assert_eq!((id, text), (last.id.as_str(), last.text.as_str()));
                assert_eq!(text_keys, got_keys);
                for cut in 0..buf.len() {
                    assert!(decode_text(&buf[..cut], &mut text_keys).is_none());
                }
            }
            assert_eq!(got, docs);
        }
        assert!(decode(b"\x05\x00", None).is_none());
        assert!(decode_text(b"\x05\x00", &mut Vec::new()).is_none());
    }
}
