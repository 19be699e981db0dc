//! [`Document`]: the one type every stage receives and passes on.

use serde_json::value::RawValue;
use std::sync::Arc;

/// Where a record came from, for rejects and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The input file as given or found while walking (`-` for standard input).
    pub file: Arc<str>,
    /// 1-based line number for JSONL records; `None` for one-document files.
    pub line: Option<u64>,
    /// Byte offset of the record in the (decompressed) input.
    pub offset: u64,
}

impl Source {
    /// A source for documents built in memory.
    pub fn memory() -> Source {
        Source {
            file: Arc::from("<memory>"),
            line: None,
            offset: 0,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => f.write_str(&self.file),
        }
    }
}

/// What a document carries besides its id and text, so that the writer can
/// give it back in its original shape.
#[derive(Debug, Clone)]
pub enum Meta {
    /// Built in memory: written as `{"id", "text"}`.
    None,
    /// One document per file; `rel_path` is its path relative to the folder
    /// given (mirrored when writing a folder of `.txt` files).
    File {
        /// Relative path, `/`-separated.
        rel_path: String,
    },
    /// One JSON object per line. Every field is kept in order as raw JSON;
    /// the text field's slot holds `None` and is filled from
    /// [`Document::text`] when writing.
    Json {
        /// Field names and raw values, in input order.
        fields: Vec<(String, Option<Box<RawValue>>)>,
        /// The input file's path relative to the folder given, for mirroring
        /// when writing to a folder.
        rel_path: Arc<str>,
    },
}

impl PartialEq for Meta {
    fn eq(&self, other: &Meta) -> bool {
        match (self, other) {
            (Meta::None, Meta::None) => true,
            (Meta::File { rel_path: a }, Meta::File { rel_path: b }) => a == b,
            (
                Meta::Json {
                    fields: fa,
                    rel_path: ra,
                },
                Meta::Json {
                    fields: fb,
                    rel_path: rb,
                },
            ) => {
                ra == rb
                    && fa.len() == fb.len()
                    && fa.iter().zip(fb).all(|((ka, va), (kb, vb))| {
                        ka == kb && va.as_ref().map(|v| v.get()) == vb.as_ref().map(|v| v.get())
                    })
            }
            _ => false,
        }
    }
}

/// A document: an id, its text (always valid UTF-8) and what is needed to
/// write it back.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The id: the id field of a JSON record, or the relative path of a file.
    pub id: String,
    /// The text every stage works on.
    pub text: String,
    /// The rest of the record.
    pub meta: Meta,
    /// Credit and byline lines moved out of the text by the strip stage.
    pub credits: Vec<String>,
    /// Where it came from.
    pub source: Source,
}

impl Document {
    /// A document built in memory.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            meta: Meta::None,
            credits: Vec::new(),
            source: Source::memory(),
        }
    }
}
