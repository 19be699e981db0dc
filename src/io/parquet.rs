//! Parquet files (cargo feature `parquet`): rows in as JSON records,
//! documents out as a table.
//!
//! **Reading.** One row is one document. A file is read at most
//! [`READ_BATCH_ROWS`] rows at a time, fewer when its rows are long (about
//! 16 MB of uncompressed data per batch); the reader decodes a row group
//! page by page, so memory follows the batch, not the file or row group. Each batch is written
//! as JSON lines by arrow-json, one object per row with every column in
//! schema order and nulls written as `null`, and each line goes down the
//! JSONL record path: the same parse, rejects, `--max-doc-bytes` and default
//! ids (`FILE:ROW`). Before that, columns are made JSON-friendly:
//! dictionary and view columns become their plain type, and a column type
//! the JSON writer does not know (unions, run-end encoded, ...) becomes the
//! display text of each value. A text column stored as binary is read as
//! UTF-8; a row whose bytes are not UTF-8 becomes an `invalid-utf8` reject.
//!
//! **Writing.** [`ParquetSink`] receives each kept document with the JSON
//! line the JSONL writer would write, and writes the same record as a row.
//! Columns, in this order:
//!
//! - `id`: the record's own `id` field when it has one (value and type as
//!   they were), otherwise the document's id as a string (`FILE:LINE`, or
//!   the relative path of a one-document file);
//! - the text field (named after `--text-field`, `text` by default): the
//!   cleaned text, a string;
//! - `credits` (list of strings), `cluster` (string) and `similarity`
//!   (double), when some document has them;
//! - every other field, in the order in which the records first show it.
//!
//! The schema rule: a column whose every value came from Parquet inputs
//! that agree on its Arrow type keeps that type (integers of any width,
//! floats, booleans, strings, dates, timestamps, decimals, and lists and
//! structs of those). Any other column gets the narrowest type that fits
//! all of its JSON values: booleans -> boolean, integers -> int64, numbers
//! -> double, strings -> string, lists of strings -> list of strings;
//! anything else (objects, other lists, values of different kinds) -> a
//! string column that holds each value's JSON text (a string as itself).
//! `null` fits every type, and a field a record does not have is null. So
//! no value ever fails to fit and no document is lost.
//!
//! A single pass cannot know that rule's answer before the last document,
//! so the sink stages the rows in an unnamed temporary file beside the
//! output (removed by the OS however the process ends), keeps only a few
//! bytes of type evidence per column, and writes the table in
//! [`ParquetSink::commit`]: batches of staged rows -> Arrow arrays -> row
//! groups, into an [`AtomicFile`] renamed into place when complete.

use super::input::ParquetRow as RowResult;
use super::output::AtomicFile;
use crate::document::{Document, Meta, Source};
use crate::error::{Error, Result};
use crate::report::Reject;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, StringArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_json::writer::LineDelimited;
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Most rows decoded at a time from a file: enough that per-batch costs
/// vanish.
pub const READ_BATCH_ROWS: usize = 1024;

/// Rows of a damaged row group beyond which they are one reject, not one
/// each: the number comes from the footer, which a hostile file controls.
const LOST_ROWS_MAX: u64 = 1 << 20;

/// Uncompressed bytes a batch aims at (as the JSONL reader's batches), so
/// that a file of long documents is read fewer rows at a time.
const READ_BATCH_BYTES: u64 = 16 << 20;

/// The rows of one Parquet file, as JSON records (see the module docs).
///
/// Row groups are read one after the other, each with a reader of its own,
/// so that a damaged row group costs its rows and not the rest of the file.
/// Problems become rejects: a file whose footer cannot be read is one
/// `corrupt-parquet` reject (its rows are unknown); each row of a row group
/// that fails to decode is a `corrupt-parquet` reject with its row number
/// (up to 2^20 per row group, beyond which the group is one
/// reject), so every row the footer announces is accounted for.
pub struct Rows {
    /// The open file and its footer, once read.
    input: Option<(File, ArrowReaderMetadata)>,
    batch_rows: usize,
    /// The next row group to open.
    group: usize,
    /// The row count at the end of the current row group.
    group_end: u64,
    reader: Option<ParquetRecordBatchReader>,
    /// Rows of a damaged row group still to reject: up to `group_end`.
    lost: Option<Arc<str>>,
    file: Arc<str>,
    text_field: String,
    max: usize,
    /// Rows done so far; the next row's 1-based number is `row + 1`.
    row: u64,
    pending: VecDeque<RowResult>,
    counter: Arc<AtomicU64>,
    file_len: u64,
    total_rows: u64,
    counted: u64,
}

impl Rows {
    /// Opens `path` (shown as `file` in rejects). `max` is
    /// `--max-doc-bytes`, applied to each row's JSON record; `counter`
    /// receives the file's bytes as its rows are read, for progress.
    pub fn open(
        path: &Path,
        file: Arc<str>,
        text_field: &str,
        max: usize,
        counter: Arc<AtomicU64>,
    ) -> Rows {
        let mut rows = Rows {
            input: None,
            batch_rows: READ_BATCH_ROWS,
            group: 0,
            group_end: 0,
            reader: None,
            lost: None,
            file,
            text_field: text_field.to_owned(),
            max,
            row: 0,
            pending: VecDeque::new(),
            counter,
            file_len: 0,
            total_rows: 0,
            counted: 0,
        };
        let unreadable = |e: String| {
            (
                "corrupt-parquet",
                format!("not a readable Parquet file: {e}"),
            )
        };
        let opened = File::open(path)
            .map_err(|e| unreadable(e.to_string()))
            .and_then(|f| {
                rows.file_len = f.metadata().map(|m| m.len()).unwrap_or(0);
                let meta = guard(|| ArrowReaderMetadata::load(&f, ArrowReaderOptions::default()))
                    .map_err(unreadable)?;
                Ok((f, meta))
            })
            .and_then(|(f, meta)| match unsupported_codec(meta.metadata()) {
                Some(detail) => Err(("unsupported-parquet", detail)),
                None => Ok((f, meta)),
            });
        match opened {
            Ok((f, meta)) => {
                let m = meta.metadata();
                rows.total_rows = u64::try_from(m.file_metadata().num_rows()).unwrap_or(0);
                let bytes: u64 = m
                    .row_groups()
                    .iter()
                    .map(|rg| u64::try_from(rg.total_byte_size()).unwrap_or(0))
                    .sum();
                let per_row = (bytes / rows.total_rows.max(1)).max(1);
                rows.batch_rows =
                    (READ_BATCH_BYTES / per_row).clamp(1, READ_BATCH_ROWS as u64) as usize;
                rows.input = Some((f, meta));
            }
            Err((reason, detail)) => {
                let src = rows.source(None);
                let mut r = Reject::new(&src, reason, detail, b"");
                r.raw = None;
                rows.pending.push_back(Err(Box::new(r)));
                rows.count_progress(true);
            }
        }
        rows
    }

    /// Opens a reader on the next row group; `false` when there is none.
    fn next_group(&mut self) -> bool {
        let Some((f, meta)) = &self.input else {
            return false;
        };
        let g = self.group;
        let Some(rg) = meta.metadata().row_groups().get(g) else {
            self.input = None;
            self.count_progress(true);
            return false;
        };
        self.group += 1;
        self.group_end = self.row + u64::try_from(rg.num_rows()).unwrap_or(0);
        let opened = f.try_clone().map_err(|e| e.to_string()).and_then(|f| {
            guard(|| {
                ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone())
                    .with_batch_size(self.batch_rows)
                    .with_row_groups(vec![g])
                    .build()
            })
        });
        match opened {
            Ok(reader) => self.reader = Some(reader),
            Err(e) => self.lose_group(g, &e),
        }
        true
    }

    /// The rest of row group `g` cannot be read: its remaining rows become
    /// rejects.
    fn lose_group(&mut self, g: usize, why: &str) {
        self.reader = None;
        let why = format!(
            "row group {g} (rows up to {}) cannot be decoded: {why}",
            self.group_end
        );
        let left = self.group_end.saturating_sub(self.row);
        if left > LOST_ROWS_MAX {
            // The count comes from the (maybe hostile) footer: one reject.
            let src = self.source(Some(self.row + 1));
            let mut r = Reject::new(
                &src,
                "corrupt-parquet",
                format!("{why}; its {left} rows are one reject"),
                b"",
            );
            r.raw = None;
            self.pending.push_back(Err(Box::new(r)));
            self.row = self.group_end;
        } else {
            self.lost = Some(Arc::from(why));
        }
    }

    fn source(&self, row: Option<u64>) -> Source {
        Source {
            file: self.file.clone(),
            line: row,
            offset: 0,
        }
    }

    /// Adds the share of the file's bytes that the rows read so far stand for.
    fn count_progress(&mut self, done: bool) {
        let target = if done || self.total_rows == 0 {
            self.file_len
        } else {
            (self.file_len as u128 * self.row.min(self.total_rows) as u128
                / self.total_rows as u128) as u64
        };
        if target > self.counted {
            self.counter
                .fetch_add(target - self.counted, Ordering::Relaxed);
            self.counted = target;
        }
    }

    fn push_batch(&mut self, batch: RecordBatch) {
        let n = batch.num_rows();
        let first = self.row;
        self.row += n as u64;
        let mut bad_text = Vec::new();
        let prepared = prepare(batch, &self.text_field, &mut bad_text);
        let lines = prepared.as_ref().map_err(|e| e.to_string()).and_then(|b| {
            let buf = encode_rows(b).map_err(|e| e.to_string())?;
            let mut lines: Vec<Vec<u8>> = buf.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
            lines.pop(); // after the last '\n'
            if lines.len() == n {
                Ok(lines)
            } else {
                Err(format!("{} JSON records for {n} rows", lines.len()))
            }
        });
        for i in 0..n {
            let src = self.source(Some(first + i as u64 + 1));
            let line = match &lines {
                Ok(lines) => Ok(lines.get(i).cloned().unwrap_or_default()),
                // One row at a time, so that one bad value costs one row.
                Err(e) => match &prepared {
                    Ok(b) => encode_rows(&b.slice(i, 1))
                        .map(|mut v| {
                            v.pop();
                            v
                        })
                        .map_err(|e| e.to_string()),
                    Err(_) => Err(e.clone()),
                },
            };
            let item = if let Some((_, bytes, at)) = bad_text.iter().find(|(r, _, _)| *r == i) {
                Err(Box::new(Reject::new(
                    &src,
                    "invalid-utf8",
                    format!("the text column is not valid UTF-8 at byte {at}"),
                    bytes,
                )))
            } else {
                match line {
                    Ok(bytes) if bytes.len() > self.max => {
                        let total = bytes.len();
                        let head = bytes.get(..self.max).unwrap_or(&bytes);
                        Err(Box::new(Reject::too_large(
                            &src,
                            total as u64,
                            self.max,
                            head,
                        )))
                    }
                    Ok(bytes) => Ok((bytes, src)),
                    Err(e) => {
                        let mut r = Reject::new(
                            &src,
                            "unsupported-parquet",
                            format!("this row cannot be written as JSON: {e}"),
                            b"",
                        );
                        r.raw = None;
                        Err(Box::new(r))
                    }
                }
            };
            self.pending.push_back(item);
        }
        self.count_progress(false);
    }
}

impl Iterator for Rows {
    type Item = RowResult;

    fn next(&mut self) -> Option<RowResult> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if let Some(why) = &self.lost {
                if self.row < self.group_end {
                    self.row += 1;
                    let src = self.source(Some(self.row));
                    let mut r = Reject::new(&src, "corrupt-parquet", why.to_string(), b"");
                    r.raw = None;
                    return Some(Err(Box::new(r)));
                }
                self.lost = None;
                self.count_progress(false);
            }
            let Some(reader) = self.reader.as_mut() else {
                if self.next_group() {
                    continue;
                }
                return None;
            };
            match guard(|| reader.next().transpose()).transpose() {
                None => {
                    self.reader = None;
                    if self.row < self.group_end {
                        let g = self.group - 1;
                        let why = format!("it ended after row {}", self.row);
                        self.lose_group(g, &why);
                    }
                }
                Some(Ok(batch)) => self.push_batch(batch),
                Some(Err(e)) => {
                    let g = self.group - 1;
                    self.lose_group(g, &e);
                }
            }
        }
    }
}

/// The first column chunk compressed with a codec this build does not
/// read (lz4, brotli, lzo), as a message; checked before reading so that
/// such a file is one clear reject rather than a decoder error.
fn unsupported_codec(meta: &parquet::file::metadata::ParquetMetaData) -> Option<String> {
    meta.row_groups()
        .iter()
        .flat_map(|rg| rg.columns())
        .find_map(|c| match c.compression() {
            Compression::UNCOMPRESSED
            | Compression::SNAPPY
            | Compression::GZIP(_)
            | Compression::ZSTD(_) => None,
            other => Some(format!(
                "column `{}` is compressed with {other}, which scour does not read \
                 (it reads uncompressed, snappy, gzip and zstd files)",
                c.column_path().string()
            )),
        })
}

/// Runs a step of the Parquet decoder, turning a panic on malformed input
/// into an error, so that a hostile file costs a reject, not the run.
fn guard<T, E: fmt::Display>(
    f: impl FnOnce() -> std::result::Result<T, E>,
) -> std::result::Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(panic) => Err(format!(
            "the decoder failed: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        )),
    }
}

/// Writes a batch as JSON lines, nulls included, so that every row has
/// every column.
fn encode_rows(batch: &RecordBatch) -> std::result::Result<Vec<u8>, ArrowError> {
    let mut w = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, LineDelimited>(Vec::new());
    w.write(batch)?;
    w.finish()?;
    Ok(w.into_inner())
}

/// Makes every column of `batch` one the JSON writer can write; the text
/// column becomes a string column, its non-UTF-8 rows are noted in `bad`
/// (row, bytes, valid prefix) and set to null.
fn prepare(
    batch: RecordBatch,
    text_field: &str,
    bad: &mut Vec<(usize, Vec<u8>, usize)>,
) -> std::result::Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        let col = normalize(col.clone());
        let col = if field.name() == text_field {
            text_column(col, bad)
        } else {
            col
        };
        fields.push(Field::new(field.name(), col.data_type().clone(), true));
        columns.push(col);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
}

/// A binary text column read as UTF-8, row by row.
fn text_column(col: ArrayRef, bad: &mut Vec<(usize, Vec<u8>, usize)>) -> ArrayRef {
    let values: Vec<Option<&[u8]>> = match col.data_type() {
        DataType::Binary => col.as_binary::<i32>().iter().collect(),
        DataType::LargeBinary => col.as_binary::<i64>().iter().collect(),
        DataType::FixedSizeBinary(_) => col.as_fixed_size_binary().iter().collect(),
        _ => return col,
    };
    let strings: StringArray = values
        .into_iter()
        .enumerate()
        .map(|(row, v)| {
            let v = v?;
            match std::str::from_utf8(v) {
                Ok(s) => Some(s),
                Err(e) => {
                    bad.push((row, v.to_vec(), e.valid_up_to()));
                    None
                }
            }
        })
        .collect();
    Arc::new(strings)
}

/// Whether arrow-json's writer writes `dt` (the plain types, and lists,
/// structs and string-keyed maps of them).
fn encodable(dt: &DataType) -> bool {
    use DataType::*;
    match dt {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
        | Float16 | Float32 | Float64 | Utf8 | LargeUtf8 | Binary | LargeBinary
        | FixedSizeBinary(_) | Decimal128(..) | Decimal256(..) | Date32 | Date64
        | Timestamp(..) | Time32(_) | Time64(_) | Duration(_) | Interval(_) => true,
        List(f) | LargeList(f) | FixedSizeList(f, _) => encodable(f.data_type()),
        Struct(fields) => fields.iter().all(|f| encodable(f.data_type())),
        Map(entries, _) => match entries.data_type() {
            Struct(kv) => {
                kv.len() == 2
                    && matches!(kv[0].data_type(), Utf8 | LargeUtf8)
                    && encodable(kv[1].data_type())
            }
            _ => false,
        },
        _ => false,
    }
}

/// The type a column of type `dt` has once [`normalize`]d: views and
/// dictionaries become their plain type, types the JSON writer does not
/// know become strings (their display text).
fn normalized_type(dt: &DataType) -> DataType {
    match dt {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        DataType::Dictionary(_, values) => normalized_type(values),
        t if encodable(t) => t.clone(),
        _ => DataType::Utf8,
    }
}

fn normalize(col: ArrayRef) -> ArrayRef {
    let target = normalized_type(col.data_type());
    if &target == col.data_type() {
        return col;
    }
    if matches!(
        col.data_type(),
        DataType::Utf8View | DataType::BinaryView | DataType::Dictionary(..)
    ) {
        if let Ok(cast) = arrow_cast::cast(&col, &target) {
            return cast;
        }
    }
    display(&col)
}

/// Each value's display text (nulls stay null).
fn display(col: &ArrayRef) -> ArrayRef {
    let nulls = col.logical_nulls();
    let is_null = |i: usize| nulls.as_ref().is_some_and(|n| n.is_null(i));
    let strings: StringArray =
        match ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default()) {
            Ok(f) => (0..col.len())
                .map(|i| (!is_null(i)).then(|| f.value(i).to_string()))
                .collect(),
            Err(e) => (0..col.len())
                .map(|i| (!is_null(i)).then(|| format!("<{e}>")))
                .collect(),
        };
    Arc::new(strings)
}

/// Whether a column of this type, written as JSON by arrow-json, decodes
/// back to the same values with arrow-json's reader (checked by
/// `typed_columns_survive_json` below); only such columns keep their
/// Parquet type in the output.
fn decodable(dt: &DataType) -> bool {
    use DataType::*;
    match dt {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
        | Float32 | Float64 | Utf8 | LargeUtf8 | Date32 | Decimal128(..) => true,
        Timestamp(_, None) => true,
        Timestamp(_, Some(tz)) => tz.parse::<arrow_array::timezone::Tz>().is_ok(),
        List(f) | LargeList(f) => decodable(f.data_type()),
        Struct(fields) => fields.iter().all(|f| decodable(f.data_type())),
        _ => false,
    }
}

/// The column types of a Parquet input as its rows reach the output
/// (after [`normalize`]), for the columns that can keep them.
fn source_types(path: &Path) -> Option<HashMap<String, DataType>> {
    let file = File::open(path).ok()?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).ok()?;
    Some(
        builder
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), normalized_type(f.data_type())))
            .filter(|(_, t)| decodable(t))
            .collect(),
    )
}

// ---------------------------------------------------------------- writing

/// Staged rows per Arrow batch when writing, and staged bytes per batch.
const WRITE_BATCH_ROWS: usize = 8192;
const WRITE_BATCH_BYTES: usize = 64 << 20;
/// A row group is closed when it holds this much (uncompressed, buffered in
/// memory until then) or [`ROW_GROUP_ROWS`] rows, whichever comes first.
const ROW_GROUP_BYTES: usize = 128 << 20;
const ROW_GROUP_ROWS: usize = 64 * 1024;

const ID: usize = 0;
const TEXT: usize = 1;
/// Columns scour writes itself, in their output order after `id` and the text.
const OWN: [&str; 3] = ["credits", "cluster", "similarity"];

/// What one column's values were, as bits.
const K_NULL: u8 = 1;
const K_BOOL: u8 = 2;
const K_INT: u8 = 4;
const K_FLOAT: u8 = 8;
const K_STR: u8 = 16;
const K_STR_LIST: u8 = 32;
const K_OTHER: u8 = 64;

/// Staged cell tags: a raw JSON value, or a plain string (the text and
/// default ids, staged without JSON escaping).
const TAG_JSON: u8 = 0;
const TAG_STR: u8 = 1;

/// Where a column's values came from, for the schema rule.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// Nothing yet, or only nulls from JSON inputs.
    Unset,
    /// Every non-null value so far from Parquet inputs with this type.
    Typed(DataType),
    /// Some value came from elsewhere, or the Parquet types disagree.
    Mixed,
}

#[derive(Debug)]
struct ColumnStats {
    name: String,
    kinds: u8,
    origin: Origin,
    used: bool,
}

/// A column's type in the output.
#[derive(Debug, Clone, PartialEq)]
enum ColType {
    /// Kept from the Parquet inputs; values are decoded by arrow-json.
    Typed(DataType),
    Bool,
    Int,
    Float,
    Str,
    StrList,
    /// Strings as themselves, any other value as its JSON text.
    JsonText,
}

impl ColType {
    fn infer(kinds: u8) -> ColType {
        match kinds & !K_NULL {
            0 | K_STR => ColType::Str,
            K_BOOL => ColType::Bool,
            K_INT => ColType::Int,
            k if k & !(K_INT | K_FLOAT) == 0 => ColType::Float,
            K_STR_LIST => ColType::StrList,
            _ => ColType::JsonText,
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            ColType::Typed(t) => t.clone(),
            ColType::Bool => DataType::Boolean,
            ColType::Int => DataType::Int64,
            ColType::Float => DataType::Float64,
            ColType::Str | ColType::JsonText => DataType::Utf8,
            ColType::StrList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        }
    }
}

/// Writes documents as one Parquet file (see the module docs for the
/// columns and the schema rule). Nothing appears under the final name
/// until [`ParquetSink::commit`]; dropped without it, nothing is left.
pub struct ParquetSink {
    path: PathBuf,
    out: AtomicFile,
    staging: BufWriter<File>,
    rows: u64,
    text_name: Option<String>,
    columns: Vec<ColumnStats>,
    by_name: HashMap<String, usize>,
    /// Parquet inputs seen, with the column types their rows can keep.
    sources: HashMap<Arc<str>, Option<HashMap<String, DataType>>>,
    row: Vec<u8>,
}

impl ParquetSink {
    /// Creates the output's temporary file and the staging file beside it.
    pub fn create(path: &Path) -> Result<ParquetSink> {
        let out = AtomicFile::create(path)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let staging = tempfile::tempfile_in(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut columns = Vec::new();
        let mut by_name = HashMap::new();
        for name in ["id", "text"].into_iter().chain(OWN) {
            if name != "text" {
                by_name.insert(name.to_owned(), columns.len());
            }
            columns.push(ColumnStats {
                name: name.to_owned(),
                kinds: 0,
                origin: Origin::Unset,
                used: false,
            });
        }
        Ok(ParquetSink {
            path: path.to_path_buf(),
            out,
            staging: BufWriter::with_capacity(1 << 20, staging),
            rows: 0,
            text_name: None,
            columns,
            by_name,
            sources: HashMap::new(),
            row: Vec::new(),
        })
    }

    fn err(&self, e: impl fmt::Display) -> Error {
        Error::io(&self.path, io::Error::other(e.to_string()))
    }

    /// Stages one document; `line` is the JSON line the JSONL writer would
    /// write for it (fields in order, `credits` / `cluster` / `similarity`
    /// added), from which the row is taken.
    pub fn write(&mut self, doc: &Document, line: &[u8]) -> Result<()> {
        let line = std::str::from_utf8(line).map_err(|e| self.err(e))?;
        let pairs =
            parse_pairs(line).map_err(|e| self.err(format!("record not an object: {e}")))?;
        // The JSONL writer writes a record with its own fields; anything
        // else as the id field then the text field.
        let (text_key, id_first) = match &doc.meta {
            Meta::Json { fields, .. } => (
                fields
                    .iter()
                    .find(|(_, v)| v.is_none())
                    .map(|(k, _)| k.as_str()),
                false,
            ),
            Meta::None | Meta::File { .. } => (pairs.get(1).map(|(k, _)| k.as_str()), true),
        };
        let types = match &doc.meta {
            Meta::Json { .. } if super::is_parquet_name(Path::new(&*doc.source.file)) => {
                let file = doc.source.file.clone();
                self.sources
                    .entry(file.clone())
                    .or_insert_with(|| source_types(Path::new(&*file)))
                    .clone()
            }
            _ => None,
        };
        self.row.clear();
        let mut cells = 0u32;
        self.row.extend_from_slice(&0u32.to_le_bytes());
        let (mut has_id, mut has_text) = (false, false);
        for (i, (key, raw)) in pairs.iter().enumerate() {
            if Some(key.as_str()) == text_key && !has_text {
                has_text = true;
                if self.text_name.is_none() {
                    self.text_name = Some(key.clone());
                }
                self.stage(TEXT, TAG_STR, doc.text.as_bytes(), K_STR, None);
            } else if id_first && i == 0 {
                has_id = true;
                self.stage(ID, TAG_STR, doc.id.as_bytes(), K_STR, None);
            } else {
                let col = self.column(key);
                has_id |= col == ID;
                // scour's own columns may hold values it added: never typed.
                let typed = match (&types, col == ID || col > OWN.len() + 1) {
                    (Some(t), true) => t.get(key.as_str()),
                    _ => None,
                };
                let raw = raw.get();
                self.stage(col, TAG_JSON, raw.as_bytes(), kind_of(raw), typed.cloned());
            }
            cells += 1;
        }
        if !has_id {
            self.stage(ID, TAG_STR, doc.id.as_bytes(), K_STR, None);
            cells += 1;
        }
        if !has_text {
            self.stage(TEXT, TAG_STR, doc.text.as_bytes(), K_STR, None);
            cells += 1;
        }
        self.row[..4].copy_from_slice(&cells.to_le_bytes());
        let len = self.row.len() as u64;
        let path = self.path.clone();
        self.staging
            .write_all(&len.to_le_bytes())
            .and_then(|()| self.staging.write_all(&self.row))
            .map_err(|e| Error::io(path, e))?;
        self.rows += 1;
        Ok(())
    }

    fn column(&mut self, key: &str) -> usize {
        if let Some(&i) = self.by_name.get(key) {
            return i;
        }
        let i = self.columns.len();
        self.columns.push(ColumnStats {
            name: key.to_owned(),
            kinds: 0,
            origin: Origin::Unset,
            used: false,
        });
        self.by_name.insert(key.to_owned(), i);
        i
    }

    /// Appends one cell to the row being staged and notes its evidence.
    fn stage(&mut self, col: usize, tag: u8, bytes: &[u8], kind: u8, typed: Option<DataType>) {
        self.row.extend_from_slice(&(col as u32).to_le_bytes());
        self.row.push(tag);
        self.row
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.row.extend_from_slice(bytes);
        let Some(c) = self.columns.get_mut(col) else {
            return;
        };
        c.used = true;
        c.kinds |= kind;
        c.origin = match (&c.origin, typed) {
            (Origin::Mixed, _) => Origin::Mixed,
            // A null from a JSON input fits whatever type the column gets.
            (origin, None) if kind == K_NULL => origin.clone(),
            (_, None) => Origin::Mixed,
            (Origin::Unset, Some(t)) => Origin::Typed(t),
            (Origin::Typed(a), Some(t)) if *a == t => Origin::Typed(t),
            (Origin::Typed(_), Some(_)) => Origin::Mixed,
        };
    }

    /// Writes the table and renames it into place.
    pub fn commit(self) -> Result<()> {
        let ParquetSink {
            path,
            out,
            staging,
            text_name,
            mut columns,
            ..
        } = self;
        let err = |e: &dyn fmt::Display| Error::io(&path, io::Error::other(e.to_string()));
        let mut staging = staging
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        if let Some(name) = text_name {
            columns[TEXT].name = name;
        }
        columns[ID].used = true;
        columns[TEXT].used = true;
        let mut types: Vec<Option<ColType>> = columns
            .iter()
            .map(|c| {
                c.used.then(|| match &c.origin {
                    Origin::Typed(t) => ColType::Typed(t.clone()),
                    _ => ColType::infer(c.kinds),
                })
            })
            .collect();
        // Text and default ids are staged as plain strings.
        types[TEXT] = Some(ColType::Str);
        if types.iter().any(|t| matches!(t, Some(ColType::Typed(_)))) {
            // A typed column whose values do not decode (which the types
            // allowed by `decodable` should never see) falls back to the
            // inferred type rather than failing the run.
            staging
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(&path, e))?;
            let mut reader = BufReader::with_capacity(1 << 20, &staging);
            let mut batch = Vec::new();
            while read_batch(&mut reader, &mut batch).map_err(|e| Error::io(&path, e))? {
                let cells = split_cells(&batch, columns.len());
                for (i, t) in types.iter_mut().enumerate() {
                    if let Some(ColType::Typed(dt)) = t {
                        if build_typed(dt, &cells[i]).is_err() {
                            *t = Some(ColType::infer(columns[i].kinds));
                        }
                    }
                }
            }
        }
        let order: Vec<usize> = (0..columns.len()).filter(|&i| types[i].is_some()).collect();
        let schema = Arc::new(Schema::new(
            order
                .iter()
                .map(|&i| {
                    let t = types[i]
                        .as_ref()
                        .map(ColType::data_type)
                        .unwrap_or(DataType::Utf8);
                    Field::new(columns[i].name.as_str(), t, true)
                })
                .collect::<Vec<_>>(),
        ));
        // zstd, not snappy: text is most of a corpus and compresses much
        // better with it (20,000 news documents: 31% smaller than snappy),
        // for CPU that is small next to the cleaning stages; it is a
        // standard Parquet codec that current readers decode, and level 3
        // is what scour's `.zst` output uses. The text column is neither
        // dictionary encoded (each text is unique) nor given min/max
        // statistics (they would copy whole documents into the footer).
        let text_col = ColumnPath::from(columns[TEXT].name.as_str());
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).map_err(|e| err(&e))?,
            ))
            .set_max_row_group_size(ROW_GROUP_ROWS)
            .set_statistics_truncate_length(Some(64))
            .set_column_dictionary_enabled(text_col.clone(), false)
            .set_column_statistics_enabled(text_col, EnabledStatistics::None)
            .build();
        let mut writer =
            ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(|e| err(&e))?;
        staging
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&path, e))?;
        let mut reader = BufReader::with_capacity(1 << 20, &staging);
        let mut batch = Vec::new();
        while read_batch(&mut reader, &mut batch).map_err(|e| Error::io(&path, e))? {
            let cells = split_cells(&batch, columns.len());
            let mut arrays = Vec::with_capacity(order.len());
            for &i in &order {
                let t = types[i].as_ref().unwrap_or(&ColType::Str);
                arrays.push(build_column(t, &cells[i]).map_err(|e| err(&e))?);
            }
            let rb = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| err(&e))?;
            writer.write(&rb).map_err(|e| err(&e))?;
            if writer.in_progress_size() >= ROW_GROUP_BYTES {
                writer.flush().map_err(|e| err(&e))?;
            }
        }
        let out = writer.into_inner().map_err(|e| err(&e))?;
        out.commit()
    }
}

/// Reads up to a batch of staged rows into `rows` (cleared first); `false`
/// at the end.
fn read_batch(reader: &mut impl Read, rows: &mut Vec<Vec<u8>>) -> io::Result<bool> {
    rows.clear();
    let mut bytes = 0usize;
    while rows.len() < WRITE_BATCH_ROWS && bytes < WRITE_BATCH_BYTES {
        let mut len = [0u8; 8];
        match reader.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        let len = usize::try_from(u64::from_le_bytes(len)).map_err(io::Error::other)?;
        let mut row = vec![0u8; len];
        reader.read_exact(&mut row)?;
        bytes += len;
        rows.push(row);
    }
    Ok(!rows.is_empty())
}

/// One staged cell: tag and bytes.
type Cell<'a> = Option<(u8, &'a [u8])>;

/// Staged rows -> per column, per row, the cell (`None`: the record has no
/// such field).
fn split_cells(rows: &[Vec<u8>], n_columns: usize) -> Vec<Vec<Cell<'_>>> {
    let mut cells = vec![vec![None; rows.len()]; n_columns];
    for (r, row) in rows.iter().enumerate() {
        let mut rest = row.get(4..).unwrap_or(&[]);
        while rest.len() >= 13 {
            let col = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let tag = rest[4];
            let mut len = [0u8; 8];
            len.copy_from_slice(&rest[5..13]);
            let end = usize::try_from(u64::from_le_bytes(len))
                .ok()
                .and_then(|len| len.checked_add(13));
            let Some((value, tail)) =
                end.and_then(|end| Some((rest.get(13..end)?, rest.get(end..)?)))
            else {
                break;
            };
            if let Some(slot) = cells.get_mut(col).and_then(|c| c.get_mut(r)) {
                *slot = Some((tag, value));
            }
            rest = tail;
        }
    }
    cells
}

/// A cell as a JSON value's text.
fn json_text(cell: Cell<'_>) -> std::borrow::Cow<'_, [u8]> {
    match cell {
        None => std::borrow::Cow::Borrowed(b"null"),
        Some((TAG_STR, s)) => {
            let s = String::from_utf8_lossy(s);
            std::borrow::Cow::Owned(serde_json::to_vec(&*s).unwrap_or_default())
        }
        Some((_, raw)) => std::borrow::Cow::Borrowed(raw),
    }
}

/// A cell as a string: plain strings and JSON strings as themselves,
/// anything else as its JSON text; `None` for null.
fn cell_string(cell: Cell<'_>) -> Option<std::borrow::Cow<'_, str>> {
    match cell {
        None => None,
        Some((TAG_STR, s)) => Some(String::from_utf8_lossy(s)),
        Some((_, b"null")) => None,
        Some((_, raw)) if raw.first() == Some(&b'"') => serde_json::from_slice::<String>(raw)
            .ok()
            .map(std::borrow::Cow::Owned)
            .or_else(|| Some(String::from_utf8_lossy(raw))),
        Some((_, raw)) => Some(String::from_utf8_lossy(raw)),
    }
}

fn build_typed(dt: &DataType, cells: &[Cell<'_>]) -> std::result::Result<ArrayRef, ArrowError> {
    let mut buf = Vec::new();
    for &cell in cells {
        buf.extend_from_slice(&json_text(cell));
        buf.push(b'\n');
    }
    let field = Arc::new(Field::new("value", dt.clone(), true));
    let mut decoder = arrow_json::ReaderBuilder::new_with_field(field)
        .with_batch_size(cells.len().max(1))
        .build_decoder()?;
    let mut done = 0;
    while done < buf.len() {
        let n = decoder.decode(&buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    let batch = decoder.flush()?;
    let array = match batch {
        Some(b) if b.num_columns() == 1 => b.column(0).clone(),
        _ => arrow_array::new_empty_array(dt),
    };
    if array.len() != cells.len() || done != buf.len() {
        return Err(ArrowError::JsonError(format!(
            "{} values decoded for {} rows",
            array.len(),
            cells.len()
        )));
    }
    Ok(array)
}

fn build_column(t: &ColType, cells: &[Cell<'_>]) -> std::result::Result<ArrayRef, ArrowError> {
    fn raw(cell: Cell<'_>) -> Option<&str> {
        match cell {
            Some((TAG_JSON, raw)) if raw != b"null" => std::str::from_utf8(raw).ok(),
            _ => None,
        }
    }
    Ok(match t {
        ColType::Typed(dt) => build_typed(dt, cells)?,
        ColType::Bool => {
            let mut b = BooleanBuilder::with_capacity(cells.len());
            for &c in cells {
                b.append_option(raw(c).and_then(|s| s.parse::<bool>().ok()));
            }
            Arc::new(b.finish())
        }
        ColType::Int => {
            let mut b = Int64Builder::with_capacity(cells.len());
            for &c in cells {
                b.append_option(raw(c).and_then(|s| s.parse::<i64>().ok()));
            }
            Arc::new(b.finish())
        }
        ColType::Float => {
            let mut b = Float64Builder::with_capacity(cells.len());
            for &c in cells {
                b.append_option(raw(c).and_then(|s| s.parse::<f64>().ok()));
            }
            Arc::new(b.finish())
        }
        ColType::Str | ColType::JsonText => {
            let mut b = StringBuilder::new();
            for &c in cells {
                b.append_option(cell_string(c));
            }
            Arc::new(b.finish())
        }
        ColType::StrList => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for &c in cells {
                match raw(c).and_then(|s| serde_json::from_str::<Vec<Option<String>>>(s).ok()) {
                    Some(list) => {
                        for s in list {
                            b.values().append_option(s);
                        }
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
    })
}

/// What kind of JSON value `raw` is (a [`K_NULL`]... bit).
fn kind_of(raw: &str) -> u8 {
    match raw.as_bytes().first() {
        Some(b'n') => K_NULL,
        Some(b't') | Some(b'f') => K_BOOL,
        Some(b'"') => K_STR,
        Some(b'[') => {
            if serde_json::from_str::<Vec<Option<StrProbe>>>(raw).is_ok() {
                K_STR_LIST
            } else {
                K_OTHER
            }
        }
        Some(b'{') => K_OTHER,
        Some(_) if raw.parse::<i64>().is_ok() => K_INT,
        // An integer beyond int64 would lose digits as a double: kept as text.
        Some(_) if !raw.contains(['.', 'e', 'E']) => K_OTHER,
        Some(_) if raw.parse::<f64>().is_ok() => K_FLOAT,
        _ => K_OTHER,
    }
}

/// Deserializes from any JSON string and keeps nothing.
struct StrProbe;

impl<'de> de::Deserialize<'de> for StrProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<StrProbe, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StrProbe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<StrProbe, E> {
                Ok(StrProbe)
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON object's fields in order, values as raw JSON.
fn parse_pairs(line: &str) -> serde_json::Result<Vec<(String, &RawValue)>> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                out.push((key, map.next_value::<&RawValue>()?));
            }
            Ok(out)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> std::result::Result<Self::Value, A::Error> {
            Err(de::Error::custom("an array"))
        }
    }
    let mut de = serde_json::Deserializer::from_str(line.trim_end());
    let pairs = de.deserialize_map(Pairs)?;
    de.end()?;
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int64Type;
    use arrow_array::{
        BooleanArray, Date32Array, Decimal128Array, Float32Array, Int32Array, ListArray,
        StructArray, TimestampMicrosecondArray, TimestampMillisecondArray, UInt64Array,
    };

    fn round_trip(col: ArrayRef) {
        let dt = normalized_type(col.data_type());
        assert!(decodable(&dt), "{dt}");
        let schema = Arc::new(Schema::new(vec![Field::new("v", dt.clone(), true)]));
        let batch = RecordBatch::try_new(schema, vec![normalize(col.clone())]).unwrap();
        let json = encode_rows(&batch).unwrap();
        let cells: Vec<(u8, Vec<u8>)> = json
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let pairs = parse_pairs(std::str::from_utf8(l).unwrap()).unwrap();
                (TAG_JSON, pairs[0].1.get().as_bytes().to_vec())
            })
            .collect();
        let cells: Vec<Cell<'_>> = cells.iter().map(|(t, b)| Some((*t, &b[..]))).collect();
        let back = build_typed(&dt, &cells).unwrap();
        assert_eq!(back.as_ref(), batch.column(0).as_ref(), "{dt}");
    }

    #[test]
    fn typed_columns_survive_json() {
        round_trip(Arc::new(Int32Array::from(vec![Some(1), None, Some(-7)])));
        round_trip(Arc::new(UInt64Array::from(vec![u64::MAX, 0])));
        round_trip(Arc::new(Float32Array::from(vec![
            Some(0.1),
            None,
            Some(-2.5e10),
        ])));
        round_trip(Arc::new(BooleanArray::from(vec![
            Some(true),
            None,
            Some(false),
        ])));
        round_trip(Arc::new(StringArray::from(vec![
            Some("a\n\"b\""),
            None,
            Some("é"),
        ])));
        round_trip(Arc::new(Date32Array::from(vec![
            Some(0),
            Some(19_000),
            None,
        ])));
        round_trip(Arc::new(TimestampMillisecondArray::from(vec![
            Some(1_700_000_000_123),
            None,
        ])));
        round_trip(Arc::new(
            TimestampMicrosecondArray::from(vec![Some(1_700_000_000_123_456)])
                .with_timezone("+00:00"),
        ));
        round_trip(Arc::new(
            Decimal128Array::from(vec![Some(12345), None, Some(-5)])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        ));
        round_trip(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
            vec![Some(vec![Some(1), None]), None, Some(vec![])],
        )));
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None]));
        let b: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), Some("y")]));
        round_trip(Arc::new(StructArray::from(vec![
            (Arc::new(Field::new("a", DataType::Int32, true)), a),
            (Arc::new(Field::new("b", DataType::Utf8, true)), b),
        ])));
    }

    #[test]
    fn kinds_and_inferred_types() {
        let cases = [
            (&["1", "-3"][..], ColType::Int),
            (&["1", "2.5", "null"][..], ColType::Float),
            (&["true", "null"][..], ColType::Bool),
            (&["\"a\"", "null"][..], ColType::Str),
            (&["[\"a\",null]", "[]"][..], ColType::StrList),
            (&["[1]"][..], ColType::JsonText),
            (&["{\"a\":1}"][..], ColType::JsonText),
            (&["1", "\"a\""][..], ColType::JsonText),
            (&["18446744073709551615"][..], ColType::JsonText),
            (&["1e3", "2"][..], ColType::Float),
            (&["null"][..], ColType::Str),
        ];
        for (values, want) in cases {
            let kinds = values.iter().fold(0, |k, v| k | kind_of(v));
            assert_eq!(ColType::infer(kinds), want, "{values:?}");
        }
    }

    #[test]
    fn json_text_column_keeps_every_value() {
        let cells: Vec<Cell<'_>> = vec![
            Some((TAG_JSON, b"\"a\\nb\"")),
            Some((TAG_JSON, b"{\"k\":[1,2]}")),
            Some((TAG_JSON, b"null")),
            None,
            Some((TAG_STR, b"plain")),
        ];
        let col = build_column(&ColType::JsonText, &cells).unwrap();
        let col = col.as_string::<i32>();
        assert_eq!(col.value(0), "a\nb");
        assert_eq!(col.value(1), "{\"k\":[1,2]}");
        assert!(col.is_null(2) && col.is_null(3));
        assert_eq!(col.value(4), "plain");
    }

    #[test]
    fn undisplayable_types_become_strings() {
        assert_eq!(
            normalized_type(&DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(DataType::Utf8View)
            )),
            DataType::Utf8
        );
        assert_eq!(normalized_type(&DataType::BinaryView), DataType::Binary);
        assert!(!decodable(&DataType::Binary));
    }
}
