//! The CLI, tested by running the binary: formats in and out, accounting,
//! rejects, determinism across thread counts.

mod util;

use std::io::{Read, Write};
use util::{json_lines, report, run, Dir};

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn main_job_on_corpus_mirrors_txt_tree() {
    let d = Dir::new();
    let out = d.path("out/");
    let rep = d.path("report.json");
    let o = run(
        &[
            "run",
            s(&util::corpus()),
            "-o",
            s(&out),
            "--report",
            s(&rep),
            "-q",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = report(&rep);
    assert_eq!(r["docs_in"], 5);
    for name in ["000_4089aa679192563f.txt", "004_ff9f5c3cdc69ce5a.txt"] {
        let text = std::fs::read_to_string(out.join(name)).expect("mirrored file");
        assert!(!text.contains("\n\n\n"), "blank runs collapsed in {name}");
        assert!(
            !text.ends_with("\n\n"),
            "trailing blank lines removed in {name}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("out")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".scour-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left");
}

#[test]
fn jsonl_stdin_to_stdout_keeps_extra_fields_in_order() {
    let input = concat!(
        r#"{"meta":{"a":[1,2]},"id":"d1","text":"Hello  \r\nworld\n\n\n\nbye","n":3.5}"#,
        "\n\n",
        r#"{"id":2,"text":"second","tags":["x"]}"#,
        "\n"
    );
    let o = run(&["strip", "--no-learn", "-q"], input.as_bytes());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        r#"{"meta":{"a":[1,2]},"id":"d1","text":"Hello\nworld\n\nbye","n":3.5}"#
    );
    assert_eq!(lines[1], r#"{"id":2,"text":"second","tags":["x"]}"#);
}

#[test]
fn fix_leaves_whitespace_alone() {
    let input = "{\"id\":\"a\",\"text\":\"x  \\n\\n\\n\\ny\"}\n";
    let o = run(&["fix", "-q"], input.as_bytes());
    assert!(o.status.success());
    assert_eq!(json_lines(&o.stdout)[0]["text"], "x  \n\n\n\ny");
}

#[test]
fn nfc_only_with_the_flag_in_fix_and_run() {
    let input = "{\"id\":\"a\",\"text\":\"Cafe\\u0301 ok\"}\n";
    for cmd in ["fix", "run"] {
        let o = run(&[cmd, "-q"], input.as_bytes());
        assert!(o.status.success());
        assert_eq!(json_lines(&o.stdout)[0]["text"], "Cafe\u{301} ok", "{cmd}");
        let o = run(&[cmd, "-q", "--nfc"], input.as_bytes());
        assert!(o.status.success());
        assert_eq!(json_lines(&o.stdout)[0]["text"], "Café ok", "{cmd} --nfc");
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gz");
    e.finish().expect("gz")
}

fn jsonl_docs(n: usize) -> String {
    (0..n)
        .map(|i| {
            let text = format!(
                "Document number {i} talks about topic {} at some length.\nSecond line {i}.",
                i % 7
            );
            format!(
                "{}\n",
                serde_json::json!({"id": format!("doc-{i}"), "text": text, "k": i})
            )
        })
        .collect()
}

#[test]
fn gz_and_zst_in_and_out() {
    let d = Dir::new();
    let plain = jsonl_docs(50);
    d.write("in/a.jsonl.gz", gz(plain.as_bytes()));
    d.write(
        "in/b.jsonl.zst",
        zstd::encode_all(plain.as_bytes(), 3).expect("zst"),
    );
    let rep = d.path("r.json");
    for out in ["out.jsonl.gz", "out.jsonl.zst"] {
        let o = run(
            &[
                "fix",
                s(&d.path("in")),
                "-o",
                s(&d.path(out)),
                "--report",
                s(&rep),
                "-q",
            ],
            b"",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(d.path(out)).expect("out");
        let mut text = String::new();
        if out.ends_with(".gz") {
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("gunzip");
        } else {
            text = String::from_utf8(zstd::decode_all(&bytes[..]).expect("unzstd")).expect("utf-8");
        }
        assert_eq!(text, format!("{plain}{plain}"));
        assert_eq!(report(&rep)["docs_out"], 100);
    }
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    let d = Dir::new();
    d.write("in/a.jsonl", jsonl_docs(3000));
    d.write("in/b/c.txt", "A text file.\n\n\n\nWith blank lines.  \n");
    d.write("in/b/d.jsonl", jsonl_docs(500));
    let mut outs = Vec::new();
    for j in ["1", "2"] {
        let out = d.path(&format!("out{j}.jsonl"));
        let o = run(
            &["run", s(&d.path("in")), "-o", s(&out), "-j", j, "-q"],
            b"",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outs.push(std::fs::read(out).expect("out"));
    }
    assert!(!outs[0].is_empty());
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn bad_records_are_rejected_with_reasons_and_the_run_goes_on() {
    let d = Dir::new();
    let mut jsonl = Vec::new();
    jsonl.extend_from_slice(b"{\"id\":\"ok1\",\"text\":\"fine\"}\n");
    jsonl.extend_from_slice(b"{\"id\":\"trunc\",\"text\":\"cut\n");
    jsonl.extend_from_slice(b"[1,2,3]\n");
    jsonl.extend_from_slice(b"{\"id\":\"num\",\"text\":42}\n");
    jsonl.extend_from_slice(b"{\"id\":\"none\"}\n");
    jsonl.extend_from_slice(b"{\"id\":\"dup\",\"text\":\"a\",\"text\":\"b\"}\n");
    jsonl.extend_from_slice(b"{\"id\":\"bad\",\"text\":\"caf\xe9\"}\n");
    jsonl.extend_from_slice(b"{\"id\":\"empty\",\"text\":\"   \"}\n");
    jsonl.extend_from_slice(b"{\"id\":\"ok2\",\"text\":\"also fine\"}\n");
    d.write("in/a.jsonl", &jsonl);
    d.write("in/bin.txt", b"\x00\x01\x02\xff\xfe\x00\x00\x07binary");
    let mut truncated = gz(jsonl_docs(200).as_bytes());
    truncated.truncate(truncated.len() / 2);
    d.write("in/t.jsonl.gz", &truncated);
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
    assert_eq!(o.status.code(), Some(1), "rejects make exit code 1");
    let r = report(&rep);
    let rejects = json_lines(d.read("rejects.jsonl").as_bytes());
    let reasons: Vec<&str> = rejects
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or(""))
        .collect();
    for want in [
        "truncated-json",
        "not-an-object",
        "text-not-string",
        "missing-text",
        "duplicate-key",
        "invalid-utf8",
        "empty",
        "binary",
        "corrupt-compressed",
    ] {
        assert!(reasons.contains(&want), "{want} missing from {reasons:?}");
    }
    assert_eq!(r["docs_rejected"].as_u64(), Some(rejects.len() as u64));
    let invalid = rejects
        .iter()
        .find(|r| r["reason"] == "invalid-utf8")
        .expect("invalid-utf8");
    assert_eq!(invalid["line"], 7);
    assert_eq!(invalid["raw"], "{\"id\":\"bad\",\"text\":\"caf\\xe9\"}");
    let out = json_lines(d.read("out.jsonl").as_bytes());
    assert!(out.iter().any(|v| v["id"] == "ok1") && out.iter().any(|v| v["id"] == "ok2"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["run", "--threads", "0"], b"").status.code(), Some(2));
    assert_eq!(run(&["run", "--no-such-flag"], b"").status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], b"").status.code(), Some(2));
    let o = run(&["run", "-o", "/no/such/dir/out.jsonl"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}

#[test]
fn missing_input_is_a_reject_not_a_crash() {
    let d = Dir::new();
    let rep = d.path("r.json");
    let o = run(
        &["fix", s(&d.path("nope.txt")), "--report", s(&rep), "-q"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(report(&rep)["rejects_by_reason"]["unreadable"], 1);
}

#[test]
fn txt_ids_with_dot_dot_stay_inside_the_output_folder() {
    let d = Dir::new();
    let input = r#"{"id":"../../escape","text":"x"}"#;
    let out = d.path("deep/out/");
    let o = run(&["fix", "-o", s(&out), "-q"], input.as_bytes());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("stdin.jsonl").exists());
    assert!(!d.path("escape").exists());
}
