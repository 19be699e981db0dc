//! Measures the format between the sharded stages: the binary index parts
//! that `scour stage sign` writes (layout in `Index::write_part`) against
//! the same columns as Parquet, written and read with the arrow-rs crates.
//!
//! ```text
//! scour plan FILES... -o OUT --work WORK --shards 8
//! scour stage prepare|learn|sign --work WORK --task I   (every task)
//! cargo run --release --example stage_format -- WORK/sign/0000*
//! ```
//!
//! It reads the parts' documented layout with its own reader, then times,
//! on one thread, each way of writing all parts to a temp folder and
//! reading them back: the whole index (what `cluster` reads) and five
//! band columns (what one `bands` task reads). Every figure is the best
//! of five rounds, printed with file sizes and the ratio to the binary
//! layout. Both readers rebuild the same vectors, and the example checks
//! that they are equal.

use arrow_array::builder::{FixedSizeBinaryBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::UInt32Type;
use arrow_array::{ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// One index part as columns.
#[derive(Default, PartialEq, Debug)]
struct Part {
    ids: Vec<String>,
    text_len: Vec<u32>,
    exact: Vec<u128>,
    shingles: Vec<u32>,
    valid: Vec<bool>,
    /// Band-major: `keys[band][doc]`.
    keys: Vec<Vec<u32>>,
    /// Per document `k` values.
    sketch: Vec<u16>,
    k: usize,
}

fn u32_at(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn u64_at(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn open(path: &Path) -> io::Result<BufReader<File>> {
    Ok(BufReader::with_capacity(1 << 20, File::open(path)?))
}

/// Reads a part in the layout of `Index::write_part`; with `bands`, only
/// those band columns and no metadata or sketches (a `bands` task).
fn read_binary(dir: &Path, bands: Option<&[usize]>) -> io::Result<Part> {
    let mut p = Part::default();
    let mut r = open(&dir.join("keys.bin"))?;
    let n = u64_at(&mut r)? as usize;
    let nb = u32_at(&mut r)? as usize;
    let wanted: Vec<usize> = bands.map_or_else(|| (0..nb).collect(), <[usize]>::to_vec);
    let mut column = vec![0u8; n * 4];
    for &b in &wanted {
        r.seek(SeekFrom::Start(12 + (b * n * 4) as u64))?;
        r.read_exact(&mut column)?;
        p.keys.push(
            column
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        );
    }
    if bands.is_some() {
        return Ok(p);
    }
    let mut r = open(&dir.join("meta.bin"))?;
    let n = u64_at(&mut r)? as usize;
    let mut id = Vec::new();
    for _ in 0..n {
        id.resize(u32_at(&mut r)? as usize, 0);
        r.read_exact(&mut id)?;
        p.ids
            .push(String::from_utf8(std::mem::take(&mut id)).unwrap());
        p.text_len.push(u32_at(&mut r)?);
        let mut e = [0; 16];
        r.read_exact(&mut e)?;
        p.exact.push(u128::from_le_bytes(e));
        p.shingles.push(u32_at(&mut r)?);
        let mut v = [0; 1];
        r.read_exact(&mut v)?;
        p.valid.push(v[0] != 0);
    }
    let mut r = open(&dir.join("sketch.bin"))?;
    let _n = u64_at(&mut r)?;
    p.k = u32_at(&mut r)? as usize;
    let mut all = Vec::new();
    r.read_to_end(&mut all)?;
    p.sketch = all
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    Ok(p)
}

/// Writes a part in the layout of `Index::write_part`.
fn write_binary(p: &Part, dir: &Path) -> io::Result<()> {
    let n = p.ids.len() as u64;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join("meta.bin"))?);
    w.write_all(&n.to_le_bytes())?;
    for i in 0..p.ids.len() {
        w.write_all(&(p.ids[i].len() as u32).to_le_bytes())?;
        w.write_all(p.ids[i].as_bytes())?;
        w.write_all(&p.text_len[i].to_le_bytes())?;
        w.write_all(&p.exact[i].to_le_bytes())?;
        w.write_all(&p.shingles[i].to_le_bytes())?;
        w.write_all(&[u8::from(p.valid[i])])?;
    }
    w.flush()?;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join("keys.bin"))?);
    w.write_all(&n.to_le_bytes())?;
    w.write_all(&(p.keys.len() as u32).to_le_bytes())?;
    for column in &p.keys {
        for k in column {
            w.write_all(&k.to_le_bytes())?;
        }
    }
    w.flush()?;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join("sketch.bin"))?);
    w.write_all(&n.to_le_bytes())?;
    w.write_all(&(p.k as u32).to_le_bytes())?;
    for v in &p.sketch {
        w.write_all(&v.to_le_bytes())?;
    }
    w.flush()
}

/// The Parquet schema: one row per document, a column per band key, the
/// 128-bit hash and the sketch as fixed-size binary.
fn schema(bands: usize, k: usize) -> Arc<Schema> {
    let mut fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("text_len", DataType::UInt32, false),
        Field::new("exact", DataType::FixedSizeBinary(16), false),
        Field::new("shingles", DataType::UInt32, false),
        Field::new("valid", DataType::Boolean, false),
    ];
    for b in 0..bands {
        fields.push(Field::new(format!("band_{b}"), DataType::UInt32, false));
    }
    fields.push(Field::new(
        "sketch",
        DataType::FixedSizeBinary(2 * k as i32),
        false,
    ));
    Arc::new(Schema::new(fields))
}

fn write_parquet(p: &Part, path: &Path, compression: Compression) -> io::Result<()> {
    let schema = schema(p.keys.len(), p.k);
    let mut ids = StringBuilder::new();
    let mut exact = FixedSizeBinaryBuilder::new(16);
    let mut sketch = FixedSizeBinaryBuilder::new(2 * p.k as i32);
    let mut bytes = Vec::with_capacity(2 * p.k);
    for i in 0..p.ids.len() {
        ids.append_value(&p.ids[i]);
        exact.append_value(p.exact[i].to_le_bytes()).unwrap();
        bytes.clear();
        for v in &p.sketch[i * p.k..(i + 1) * p.k] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        sketch.append_value(&bytes).unwrap();
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(UInt32Array::from(p.text_len.clone())),
        Arc::new(exact.finish()),
        Arc::new(UInt32Array::from(p.shingles.clone())),
        Arc::new(BooleanArray::from(p.valid.clone())),
    ];
    for column in &p.keys {
        columns.push(Arc::new(UInt32Array::from(column.clone())));
    }
    columns.push(Arc::new(sketch.finish()));
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(io::Error::other)?;
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).map_err(io::Error::other)?;
    w.write(&batch).map_err(io::Error::other)?;
    w.close().map_err(io::Error::other)?;
    Ok(())
}

fn read_parquet(path: &Path, bands: Option<&[usize]>, nb: usize, k: usize) -> io::Result<Part> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)
        .map_err(io::Error::other)?
        .with_batch_size(1 << 16);
    let builder = match bands {
        Some(bands) => {
            let mask = ProjectionMask::roots(
                builder.parquet_schema(),
                bands.iter().map(|b| 5 + b).collect::<Vec<_>>(),
            );
            builder.with_projection(mask)
        }
        None => builder,
    };
    let wanted: Vec<usize> = bands.map_or_else(|| (0..nb).collect(), <[usize]>::to_vec);
    let mut p = Part {
        keys: vec![Vec::new(); wanted.len()],
        ..Part::default()
    };
    for batch in builder.build().map_err(io::Error::other)? {
        let batch = batch.map_err(io::Error::other)?;
        let key_at = if bands.is_some() { 0 } else { 5 };
        for (j, column) in p.keys.iter_mut().enumerate() {
            column.extend(
                batch
                    .column(key_at + j)
                    .as_primitive::<UInt32Type>()
                    .values(),
            );
        }
        if bands.is_some() {
            continue;
        }
        p.k = k;
        let ids = batch.column(0).as_string::<i32>();
        p.ids.extend(ids.iter().map(|s| s.unwrap().to_owned()));
        p.text_len
            .extend(batch.column(1).as_primitive::<UInt32Type>().values());
        let exact = batch.column(2).as_fixed_size_binary();
        p.exact.extend(
            exact
                .iter()
                .map(|e| u128::from_le_bytes(e.unwrap().try_into().unwrap())),
        );
        p.shingles
            .extend(batch.column(3).as_primitive::<UInt32Type>().values());
        p.valid
            .extend(batch.column(4).as_boolean().iter().flatten());
        let sketch = batch.column(5 + nb).as_fixed_size_binary();
        for s in sketch.iter() {
            p.sketch.extend(
                s.unwrap()
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            );
        }
    }
    Ok(p)
}

/// The best of five rounds of `f`, in seconds.
fn best(mut f: impl FnMut() -> io::Result<()>) -> io::Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        f()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn size(paths: impl IntoIterator<Item = PathBuf>) -> u64 {
    paths
        .into_iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}

fn main() -> io::Result<()> {
    let dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: stage_format WORK/sign/00000 [WORK/sign/00001 ...]");
        std::process::exit(2);
    }
    let parts: Vec<Part> = dirs
        .iter()
        .map(|d| read_binary(d, None))
        .collect::<io::Result<_>>()?;
    let docs: usize = parts.iter().map(|p| p.ids.len()).sum();
    let nb = parts[0].keys.len();
    let k = parts[0].k;
    let some_bands: Vec<usize> = (0..nb.min(5)).collect();
    let tmp = std::env::temp_dir().join(format!("scour-stage-format-{}", std::process::id()));
    let bin_dirs: Vec<PathBuf> = (0..parts.len())
        .map(|i| tmp.join(format!("{i:05}")))
        .collect();
    for d in &bin_dirs {
        std::fs::create_dir_all(d)?;
    }
    println!(
        "{} parts, {docs} documents, {nb} bands, {k} sketch values; one thread, best of 5",
        parts.len()
    );
    println!();
    println!(
        "| format | bytes/doc | write | read all | read {} bands |",
        some_bands.len()
    );
    println!("| --- | --- | --- | --- | --- |");

    let write = best(|| {
        parts
            .iter()
            .zip(&bin_dirs)
            .try_for_each(|(p, d)| write_binary(p, d))
    })?;
    for (p, d) in parts.iter().zip(&bin_dirs) {
        assert!(read_binary(d, None)? == *p, "binary round trip differs");
    }
    let read = best(|| {
        for d in &bin_dirs {
            read_binary(d, None)?;
        }
        Ok(())
    })?;
    let read_bands = best(|| {
        for d in &bin_dirs {
            read_binary(d, Some(&some_bands))?;
        }
        Ok(())
    })?;
    let bin_size = size(
        bin_dirs
            .iter()
            .flat_map(|d| ["meta.bin", "keys.bin", "sketch.bin"].map(|f| d.join(f))),
    );
    let base = (write, read, read_bands);
    let row = |name: &str, bytes: u64, t: (f64, f64, f64)| {
        println!(
            "| {name} | {} | {:.0} ms ({:.1}x) | {:.0} ms ({:.1}x) | {:.0} ms ({:.1}x) |",
            bytes / docs as u64,
            t.0 * 1e3,
            t.0 / base.0,
            t.1 * 1e3,
            t.1 / base.1,
            t.2 * 1e3,
            t.2 / base.2
        );
    };
    row("binary (scour)", bin_size, base);

    for (name, compression) in [
        ("Parquet, uncompressed", Compression::UNCOMPRESSED),
        ("Parquet, snappy", Compression::SNAPPY),
        (
            "Parquet, zstd 1",
            Compression::ZSTD(ZstdLevel::try_new(1).unwrap()),
        ),
    ] {
        let files: Vec<PathBuf> = (0..parts.len())
            .map(|i| tmp.join(format!("{i:05}.parquet")))
            .collect();
        let write = best(|| {
            parts
                .iter()
                .zip(&files)
                .try_for_each(|(p, f)| write_parquet(p, f, compression))
        })?;
        for (p, f) in parts.iter().zip(&files) {
            assert!(
                read_parquet(f, None, nb, k)? == *p,
                "Parquet round trip differs"
            );
        }
        let read = best(|| {
            for f in &files {
                read_parquet(f, None, nb, k)?;
            }
            Ok(())
        })?;
        let read_bands = best(|| {
            for f in &files {
                read_parquet(f, Some(&some_bands), nb, k)?;
            }
            Ok(())
        })?;
        row(name, size(files), (write, read, read_bands));
    }
    std::fs::remove_dir_all(&tmp)
}
