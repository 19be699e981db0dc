//! Parquet in and out, tested by running the binary. Every Parquet file is
//! written by the test itself (no binary fixtures).
#![cfg(feature = "parquet")]

mod util;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array,
    Int32Array, ListArray, RecordBatch, StringArray, StructArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel};
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;
use util::{json_lines, report, run, Dir};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Writes `columns` as a Parquet file with `compression`, one row group
/// per `rows_per_group` rows.
fn write_parquet(
    path: &Path,
    columns: Vec<(&str, ArrayRef)>,
    compression: Compression,
    rows_per_group: usize,
) {
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_size(rows_per_group)
        .build();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    let file = std::fs::File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// Reads a whole Parquet file back as one batch.
fn read_parquet(path: &Path) -> RecordBatch {
    let file = std::fs::File::open(path).expect("open output");
    let mut reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file")
        .with_batch_size(1 << 20)
        .build()
        .expect("reader");
    let batch = reader.next().expect("rows").expect("batch");
    assert!(reader.next().is_none(), "one batch");
    batch
}

fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    col.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn arc(a: impl Array + 'static) -> ArrayRef {
    Arc::new(a)
}

fn tags(rows: &[&[&str]]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for row in rows {
        for t in *row {
            b.values().append_value(t);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

#[test]
fn parquet_in_jsonl_out_passes_columns_through_and_cleans_text() {
    let d = Dir::new();
    write_parquet(
        &d.path("in/sub/news.parquet"),
        vec![
            (
                "id",
                arc(StringArray::from(vec![Some("a"), None, Some("c")])),
            ),
            (
                "text",
                arc(StringArray::from(vec![
                    "The cafÃ© opened on Monday.  \r\n\r\n\r\n\r\nIt was busy.",
                    "A second story about a different matter entirely.",
                    "Third text, \"quoted\" and with a tab\there.",
                ])),
            ),
            ("n", arc(Int32Array::from(vec![Some(1), Some(2), None]))),
            ("tags", tags(&[&["x", "y"], &[], &["z"]])),
            (
                "ts",
                arc(TimestampMillisecondArray::from(vec![
                    0,
                    1_700_000_000_000,
                    86_400_000,
                ])),
            ),
        ],
        Compression::SNAPPY,
        2,
    );
    d.write("in/other.jsonl", "{\"id\":\"j\",\"text\":\"from JSONL\"}\n");
    let rep = d.path("report.json");
    let o = run(
        &[
            "run",
            s(&d.path("in")),
            "--no-learn",
            "-o",
            s(&d.path("out.jsonl")),
            "--report",
            s(&rep),
            "-q",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = report(&rep);
    assert_eq!(r["docs_in"], 4);
    assert_eq!(r["files_in"], 2);
    let out = json_lines(d.read("out.jsonl").as_bytes());
    assert_eq!(out.len(), 4);
    // Sorted walk: other.jsonl, then sub/news.parquet; columns in schema order.
    assert_eq!(out[0]["id"], "j");
    let first = serde_json::to_string(&out[1]).expect("json");
    assert_eq!(
        first,
        r#"{"id":"a","n":1,"tags":["x","y"],"text":"The café opened on Monday.\n\nIt was busy.","ts":"1970-01-01T00:00:00"}"#
    );
    let line = d.read("out.jsonl");
    let raw_first = line.lines().nth(1).expect("second line");
    assert!(
        raw_first.starts_with(r#"{"id":"a","text":"The café"#),
        "field order kept: {raw_first}"
    );
    // A null id gets the default FILE:ROW id; the record keeps its null.
    assert_eq!(out[2]["id"], serde_json::Value::Null);
    assert_eq!(out[2]["n"], 2);
    assert_eq!(out[3]["n"], serde_json::Value::Null);
    assert_eq!(
        out[3]["text"],
        "Third text, \"quoted\" and with a tab\there."
    );
    let mut ids = std::process::Command::new(env!("CARGO_BIN_EXE_scour"));
    ids.args([
        "fix",
        s(&d.path("in/sub/news.parquet")),
        "--rejects",
        s(&d.path("rej.jsonl")),
        "--max-doc-bytes",
        "120",
        "-q",
    ]);
    let o = ids.output().expect("run");
    assert_eq!(o.status.code(), Some(1));
    let rejects = json_lines(d.read("rej.jsonl").as_bytes());
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["reason"], "too-large");
    assert_eq!(rejects[0]["line"], 1);
    let kept = json_lines(&o.stdout);
    assert_eq!(kept.len(), 2);
}

#[test]
fn default_ids_of_parquet_rows_are_file_and_row() {
    let d = Dir::new();
    write_parquet(
        &d.path("in/t.parquet"),
        vec![(
            "text",
            arc(StringArray::from(vec!["one document", "another document"])),
        )],
        Compression::UNCOMPRESSED,
        10,
    );
    let o = run(
        &[
            "dedup",
            s(&d.path("in")),
            "--annotate",
            "--clusters",
            s(&d.path("c.jsonl")),
            "-q",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = json_lines(&o.stdout);
    assert_eq!(out[0]["cluster"], "t.parquet:1");
    assert_eq!(out[1]["cluster"], "t.parquet:2");
}

#[test]
fn jsonl_in_parquet_out_reads_back() {
    let d = Dir::new();
    let input = [
        r#"{"id":"d1","text":"Storm hits the coast.\n\nSource: Reuters","k":1,"tags":["a"],"meta":{"u":"x"},"mixed":1,"f":0.5}"#,
        r#"{"id":"d2","text":"Markets fell sharply today after the announcement.","k":2,"tags":[],"mixed":"two","f":2}"#,
        r#"{"id":7,"text":"A third document, with a numeric id.","k":null,"extra":true}"#,
    ]
    .join("\n");
    let out = d.path("out.parquet");
    let rep = d.path("r.json");
    let o = run(
        &[
            "run",
            "--no-learn",
            "--annotate",
            "-o",
            s(&out),
            "--report",
            s(&rep),
            "-q",
        ],
        input.as_bytes(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(report(&rep)["docs_out"], 3);
    let batch = read_parquet(&out);
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "text",
            "credits",
            "cluster",
            "similarity",
            "k",
            "tags",
            "meta",
            "mixed",
            "f",
            "extra"
        ]
    );
    let ty = |n: &str| schema.field_with_name(n).expect(n).data_type().clone();
    assert_eq!(ty("id"), DataType::Utf8, "string and number ids: JSON text");
    assert_eq!(ty("k"), DataType::Int64);
    assert_eq!(ty("f"), DataType::Float64);
    assert_eq!(ty("extra"), DataType::Boolean);
    assert_eq!(ty("meta"), DataType::Utf8);
    assert_eq!(ty("mixed"), DataType::Utf8);
    assert!(matches!(ty("tags"), DataType::List(_)));
    assert!(matches!(ty("credits"), DataType::List(_)));
    assert_eq!(ty("similarity"), DataType::Float64);
    assert_eq!(
        strings(&batch, "id"),
        [Some("d1".into()), Some("d2".into()), Some("7".into())]
    );
    assert_eq!(
        strings(&batch, "text")[0].as_deref(),
        Some("Storm hits the coast.")
    );
    assert_eq!(strings(&batch, "cluster")[1].as_deref(), Some("d2"));
    let credits = batch
        .column_by_name("credits")
        .expect("credits")
        .as_list::<i32>();
    assert_eq!(
        credits.value(0).as_string::<i32>().value(0),
        "Source: Reuters"
    );
    assert!(credits.is_null(1));
    assert_eq!(
        strings(&batch, "meta"),
        [Some(r#"{"u":"x"}"#.into()), None, None]
    );
    assert_eq!(
        strings(&batch, "mixed"),
        [Some("1".into()), Some("two".into()), None]
    );
    let k = batch
        .column_by_name("k")
        .expect("k")
        .as_primitive::<Int64Type>();
    assert_eq!((k.value(0), k.value(1), k.is_null(2)), (1, 2, true));
    let f = batch
        .column_by_name("f")
        .expect("f")
        .as_primitive::<Float64Type>();
    assert_eq!((f.value(0), f.value(1)), (0.5, 2.0));
    // Nothing left beside the output but the output.
    let names: Vec<String> = std::fs::read_dir(d.path(""))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".scour-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

fn typed_columns() -> Vec<(&'static str, ArrayRef)> {
    let a: ArrayRef = arc(Int32Array::from(vec![Some(1), None, Some(3)]));
    let b: ArrayRef = arc(StringArray::from(vec!["x", "y", "z"]));
    vec![
        ("id", arc(Int32Array::from(vec![10, 20, 30]))),
        (
            "text",
            arc(StringArray::from(vec![
                "First  document\n\n\n\nhas text.",
                "Second document is different.",
                "Third one talks about yet another thing.",
            ])),
        ),
        (
            "f32",
            arc(Float32Array::from(vec![Some(0.1), None, Some(3.5)])),
        ),
        (
            "flag",
            arc(BooleanArray::from(vec![Some(true), Some(false), None])),
        ),
        ("day", arc(Date32Array::from(vec![0, 19_000, 20_000]))),
        (
            "ts",
            arc(TimestampMillisecondArray::from(vec![
                1,
                2,
                1_700_000_000_123,
            ])),
        ),
        (
            "price",
            arc(Decimal128Array::from(vec![12345, -1, 0])
                .with_precision_and_scale(9, 2)
                .expect("decimal")),
        ),
        (
            "nums",
            arc(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
                Some(vec![Some(1), Some(2)]),
                None,
                Some(vec![]),
            ])),
        ),
        (
            "st",
            arc(StructArray::from(vec![
                (Arc::new(Field::new("a", DataType::Int32, true)), a),
                (Arc::new(Field::new("b", DataType::Utf8, true)), b),
            ])),
        ),
    ]
}

#[test]
fn parquet_round_trip_keeps_column_types() {
    let d = Dir::new();
    let cols = typed_columns();
    let input = RecordBatch::try_from_iter(cols.clone()).expect("batch");
    write_parquet(
        &d.path("in/a/t.parquet"),
        cols,
        Compression::ZSTD(Default::default()),
        2,
    );
    for out in ["out.parquet", "dir/"] {
        let o = run(
            &[
                "strip",
                "--no-learn",
                s(&d.path("in")),
                "-o",
                s(&d.path(out)),
                "-q",
            ],
            b"",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // A folder output mirrors the input: a/t.parquet.
        let path = match out {
            "dir/" => d.path("dir/a/t.parquet"),
            _ => d.path(out),
        };
        let back = read_parquet(&path);
        let want = input.schema();
        let got = back.schema();
        for field in want.fields() {
            let g = got.field_with_name(field.name()).expect("column kept");
            assert_eq!(g.data_type(), field.data_type(), "{}", field.name());
            if field.name() != "text" {
                assert_eq!(
                    back.column_by_name(field.name()).expect("col").as_ref(),
                    input.column_by_name(field.name()).expect("col").as_ref(),
                    "{}",
                    field.name()
                );
            }
        }
        assert_eq!(
            strings(&back, "text")[0].as_deref(),
            Some("First  document\n\nhas text.")
        );
        assert_eq!(got.field(0).name(), "id");
        assert_eq!(got.field(1).name(), "text");
    }
}

#[test]
fn corrupt_parquet_is_a_reject_and_other_inputs_still_come_out() {
    let d = Dir::new();
    d.write("in/bad.parquet", b"PAR1 this is not really parquet PAR1");
    d.write("in/empty.parquet", b"");
    // A real file cut short: the footer is gone.
    write_parquet(
        &d.path("tmp/cut.parquet"),
        typed_columns(),
        Compression::SNAPPY,
        1,
    );
    let mut cut = std::fs::read(d.path("tmp/cut.parquet")).expect("read");
    cut.truncate(cut.len() / 2);
    d.write("in/cut.parquet", &cut);
    // A real file with a damaged data page: the footer is intact, the
    // first row group is not.
    write_parquet(
        &d.path("tmp/pages.parquet"),
        vec![(
            "text",
            arc(StringArray::from(
                (0..40)
                    .map(|i| format!("document number {i}"))
                    .collect::<Vec<_>>(),
            )),
        )],
        Compression::GZIP(GzipLevel::default()),
        20,
    );
    let mut pages = std::fs::read(d.path("tmp/pages.parquet")).expect("read");
    for b in pages.iter_mut().skip(4).take(60) {
        *b ^= 0x5a;
    }
    d.write("in/pages.parquet", &pages);
    d.write("in/good.jsonl", "{\"id\":\"g\",\"text\":\"still here\"}\n");
    let rej = d.path("rejects.jsonl");
    let rep = d.path("report.json");
    let o = run(
        &[
            "fix",
            s(&d.path("in")),
            "-o",
            s(&d.path("out.jsonl")),
            "--rejects",
            s(&rej),
            "--report",
            s(&rep),
            "-q",
        ],
        b"",
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = report(&rep);
    let rejects = json_lines(d.read("rejects.jsonl").as_bytes());
    let corrupt: Vec<&str> = rejects
        .iter()
        .filter(|r| r["reason"] == "corrupt-parquet")
        .map(|r| r["file"].as_str().unwrap_or(""))
        .collect();
    for name in [
        "bad.parquet",
        "empty.parquet",
        "cut.parquet",
        "pages.parquet",
    ] {
        assert!(
            corrupt.iter().any(|f| f.ends_with(name)),
            "{name} not rejected: {rejects:?}"
        );
    }
    assert!(rejects
        .iter()
        .all(|r| r["detail"].as_str().is_some_and(|d| !d.is_empty())));
    let out = json_lines(d.read("out.jsonl").as_bytes());
    assert!(out.iter().any(|v| v["id"] == "g"), "{out:?}");
    // pages.parquet: each row of the damaged first row group is a reject
    // with its row number; the second row group is read as usual.
    let lost: Vec<u64> = rejects
        .iter()
        .filter(|r| {
            r["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("pages.parquet"))
        })
        .map(|r| r["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lost, (1..=20).collect::<Vec<u64>>());
    let texts: Vec<&str> = out.iter().filter_map(|v| v["text"].as_str()).collect();
    for i in 20..40 {
        let want = format!("document number {i}");
        assert!(texts.contains(&want.as_str()), "{want} missing");
    }
    assert_eq!(r["rejects_by_reason"]["corrupt-parquet"], 3 + 20);
    assert_eq!(r["docs_in"], 3 + 20 + 20 + 1);
}

#[test]
fn null_missing_and_invalid_text_are_rejected() {
    let d = Dir::new();
    write_parquet(
        &d.path("in/a.parquet"),
        vec![
            ("id", arc(StringArray::from(vec!["ok", "null-text"]))),
            (
                "text",
                arc(StringArray::from(vec![Some("fine text"), None])),
            ),
        ],
        Compression::SNAPPY,
        10,
    );
    write_parquet(
        &d.path("in/b.parquet"),
        vec![("body", arc(StringArray::from(vec!["no text column"])))],
        Compression::SNAPPY,
        10,
    );
    write_parquet(
        &d.path("in/c.parquet"),
        vec![(
            "text",
            arc(BinaryArray::from(vec![
                &b"binary but UTF-8"[..],
                b"caf\xe9",
            ])),
        )],
        Compression::SNAPPY,
        10,
    );
    let rej = d.path("rejects.jsonl");
    let rep = d.path("report.json");
    let o = run(
        &[
            "fix",
            s(&d.path("in")),
            "--rejects",
            s(&rej),
            "--report",
            s(&rep),
            "-q",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    report(&rep);
    let rejects = json_lines(d.read("rejects.jsonl").as_bytes());
    let find = |reason: &str| {
        rejects
            .iter()
            .find(|r| r["reason"] == reason)
            .unwrap_or_else(|| panic!("no {reason} in {rejects:?}"))
    };
    let null = find("text-not-string");
    assert_eq!(null["line"], 2);
    assert!(null["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("a.parquet")));
    assert!(null["detail"].as_str().is_some_and(|d| d.contains("null")));
    assert_eq!(find("missing-text")["raw"], r#"{"body":"no text column"}"#);
    let bad = find("invalid-utf8");
    assert_eq!(bad["line"], 2);
    assert_eq!(bad["raw"], "caf\\xe9");
    let out = json_lines(&o.stdout);
    let texts: Vec<&str> = out.iter().filter_map(|v| v["text"].as_str()).collect();
    assert_eq!(texts, ["fine text", "binary but UTF-8"]);
}

#[test]
fn mixed_inputs_into_one_parquet_file_widen_conflicting_columns() {
    let d = Dir::new();
    write_parquet(
        &d.path("in/a.parquet"),
        vec![
            ("id", arc(StringArray::from(vec!["p1"]))),
            ("text", arc(StringArray::from(vec!["From Parquet."]))),
            ("n", arc(Int32Array::from(vec![5]))),
            (
                "ts",
                Arc::new(TimestampMillisecondArray::from(vec![0])) as ArrayRef,
            ),
        ],
        Compression::SNAPPY,
        10,
    );
    d.write(
        "in/b.jsonl",
        "{\"id\":\"j1\",\"text\":\"From JSONL.\",\"n\":\"five\",\"ts\":null}\n",
    );
    let out = d.path("out.parquet");
    let o = run(&["fix", s(&d.path("in")), "-o", s(&out), "-q"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let back = read_parquet(&out);
    let schema = back.schema();
    // `n` is int32 in Parquet and a string in JSONL: JSON text in a string.
    assert_eq!(
        schema.field_with_name("n").expect("n").data_type(),
        &DataType::Utf8
    );
    assert_eq!(strings(&back, "n"), [Some("5".into()), Some("five".into())]);
    // `ts` only gets a null from JSONL, which fits: the type is kept.
    assert_eq!(
        schema.field_with_name("ts").expect("ts").data_type(),
        &DataType::Timestamp(TimeUnit::Millisecond, None)
    );
}

/// A text that shares no run of five words with another of these.
fn distinct_text(seed: u64) -> String {
    const WORDS: [&str; 16] = [
        "market", "river", "council", "harvest", "storm", "bridge", "museum", "budget", "league",
        "factory", "festival", "airport", "school", "export", "court", "season",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let words: Vec<&str> = (0..20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            WORDS[(x % 16) as usize]
        })
        .collect();
    format!("{}.", words.join(" "))
}

#[test]
fn sharded_run_mirrors_parquet_inputs_like_one_process() {
    let d = Dir::new();
    for (name, base) in [("a.parquet", 0), ("sub/b.parquet", 100)] {
        write_parquet(
            &d.path(&format!("in/{name}")),
            vec![
                (
                    "id",
                    arc(Int32Array::from((base..base + 30).collect::<Vec<i32>>())),
                ),
                (
                    "text",
                    arc(StringArray::from(
                        (0..30)
                            .map(|i| distinct_text(base as u64 + i))
                            .collect::<Vec<_>>(),
                    )),
                ),
            ],
            Compression::SNAPPY,
            7,
        );
    }
    d.write(
        "in/c.jsonl",
        "{\"id\":\"j\",\"text\":\"a JSONL document\"}\n",
    );
    let input = d.path("in");
    let o = run(
        &[
            "run",
            s(&input),
            "-o",
            &format!("{}/", s(&d.path("one"))),
            "-q",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let work = d.path("work");
    let o = run(
        &[
            "plan",
            s(&input),
            "-o",
            &format!("{}/", s(&d.path("two"))),
            "--work",
            s(&work),
            "--shards",
            "2",
            "-q",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["stage", "all", "--work", s(&work), "-q"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for rel in ["a.parquet", "sub/b.parquet", "c.jsonl"] {
        let (a, b) = (d.path(&format!("one/{rel}")), d.path(&format!("two/{rel}")));
        assert!(
            std::fs::read(&a).expect("one") == std::fs::read(&b).expect("two"),
            "{rel} differs"
        );
    }
    assert!(read_parquet(&d.path("two/sub/b.parquet")).num_rows() > 20);
    // One Parquet file cannot be joined from parts: a clear usage error.
    let o = run(
        &[
            "plan",
            s(&input),
            "-o",
            s(&d.path("x.parquet")),
            "--work",
            s(&d.path("work2")),
            "--shards",
            "2",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Parquet"));
}
