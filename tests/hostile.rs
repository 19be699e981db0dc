//! Hostile input, each case run through the real binary: whatever arrives,
//! scour finishes, says what it could not process and why, loses no
//! document and leaves no partial output.

mod util;

use std::io::{Read, Write};
use std::process::Stdio;
use util::{json_lines, report, run, scour, Dir};

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `scour run` on `input` with a report and rejects; returns
/// (exit code, report, rejects, output lines).
fn run_case(
    d: &Dir,
    input: &str,
    extra: &[&str],
) -> (
    Option<i32>,
    serde_json::Value,
    Vec<serde_json::Value>,
    Vec<serde_json::Value>,
) {
    let (rep, rej, out) = (
        d.path("report.json"),
        d.path("rejects.jsonl"),
        d.path("out.jsonl"),
    );
    let mut args = vec![
        "run",
        input,
        "-o",
        s(&out),
        "--report",
        s(&rep),
        "--rejects",
        s(&rej),
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = run(&args, b"");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let r = report(&rep);
    let rejects = json_lines(d.read("rejects.jsonl").as_bytes());
    // Lines too deeply nested for serde_json's default recursion limit are
    // kept as strings.
    let out = d
        .read("out.jsonl")
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|_| serde_json::Value::String(l.to_string()))
        })
        .collect();
    (o.status.code(), r, rejects, out)
}

fn reasons(rejects: &[serde_json::Value]) -> Vec<String> {
    rejects
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or("").to_string())
        .collect()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gz");
    e.finish().expect("gz")
}

#[test]
fn utf16_with_and_without_bom_and_broken_utf8_are_decoded() {
    let d = Dir::new();
    let text = "Caf\u{e9} au lait, na\u{ef}ve r\u{e9}sum\u{e9}.";
    let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    d.write("in/a_le_bom.txt", [&[0xff, 0xfe][..], &le].concat());
    d.write("in/b_be_bom.txt", [&[0xfe, 0xff][..], &be].concat());
    d.write("in/c_le_nobom.txt", &le);
    let mut broken = "A long enough UTF-8 text with one bad byte in the middle. "
        .repeat(40)
        .into_bytes();
    broken.insert(700, 0xff);
    d.write("in/d_broken.txt", &broken);
    d.write(
        "in/e_latin1.txt",
        b"Le caf\xe9 est tr\xe8s bon, merci beaucoup \xe0 vous.",
    );
    // The three UTF-16 files hold one text: `--annotate` keeps the two
    // exact duplicates in the output (with their cluster) so that each
    // decoding can be checked.
    let (code, r, rejects, out) = run_case(&d, s(&d.path("in")), &["--annotate"]);
    assert_eq!(code, Some(0), "{rejects:?}");
    assert_eq!(out.len(), 5);
    for doc in &out[..3] {
        assert_eq!(doc["text"], text);
    }
    assert!(out[3]["text"].as_str().unwrap_or("").contains('\u{fffd}'));
    assert!(out[4]["text"].as_str().unwrap_or("").contains("caf\u{e9}"));
    let enc = &r["stages"]["decode"]["encodings"];
    assert_eq!(enc["utf-16le-bom"], 1);
    assert_eq!(enc["utf-16be-bom"], 1);
    assert_eq!(enc["utf-16le-nobom"], 1);
    assert_eq!(enc["utf-8-lossy"], 1);
}

#[test]
fn empty_whitespace_and_binary_documents_are_rejected_with_reasons() {
    let d = Dir::new();
    d.write("in/empty.txt", b"");
    d.write("in/spaces.txt", b"  \n\t\n   ");
    d.write("in/nul.txt", b"text\x00with\x00nuls\x00\x01\x02");
    d.write(
        "in/elf.bin",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00",
    );
    d.write("in/ok.txt", b"A real document.");
    d.write(
        "in/x.jsonl",
        "{\"id\":\"e\",\"text\":\"\"}\n{\"id\":\"w\",\"text\":\" \\n \"}\n",
    );
    let (code, r, rejects, out) = run_case(&d, s(&d.path("in")), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(out.len(), 1);
    assert_eq!(r["rejects_by_reason"]["empty"], 4);
    assert_eq!(r["rejects_by_reason"]["binary"], 2);
    let nul = rejects
        .iter()
        .find(|r| r["id"] == "nul.txt")
        .expect("nul reject");
    assert_eq!(
        nul["raw_escaped"],
        serde_json::Value::Null,
        "NULs are valid UTF-8: {nul}"
    );
}

#[test]
fn malformed_json_lines_each_become_one_reject() {
    let d = Dir::new();
    let deep = format!(
        "{{\"id\":\"deep\",\"text\":\"t\",\"x\":{}1{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let lines = [
        r#"{"id":"ok","text":"fine"}"#.to_string(),
        r#"{"id":"trunc","text":"cut"#.to_string(),
        r#""just a string""#.to_string(),
        r#"{"id":"dupkey","text":"a","id":"b"}"#.to_string(),
        r#"{"id":"num","text":7}"#.to_string(),
        r#"{"id":"missing"}"#.to_string(),
        deep,
    ];
    d.write("a.jsonl", lines.join("\n"));
    d.write("b.jsonl", r#"{"id":"ok","text":"same id in another file"}"#);
    let (code, r, rejects, out) = run_case(&d, s(&d.path("a.jsonl")), &[s(&d.path("b.jsonl"))]);
    assert_eq!(code, Some(1));
    let got = reasons(&rejects);
    for want in [
        "truncated-json",
        "not-an-object",
        "duplicate-key",
        "text-not-string",
        "missing-text",
    ] {
        assert!(got.iter().any(|g| g == want), "{want} not in {got:?}");
    }
    assert_eq!(rejects.len(), 5);
    let deep_out = out
        .iter()
        .filter_map(|o| o.as_str())
        .find(|l| l.contains("\"deep\""));
    assert!(
        deep_out.is_some_and(|l| l.len() > 10_000),
        "deep nesting passes through"
    );
    assert_eq!(
        r["duplicate_ids"], 1,
        "duplicate ids across files are counted"
    );
    assert_eq!(
        out.iter().filter(|o| o["id"] == "ok").count(),
        2,
        "both kept"
    );
}

#[test]
fn truncated_and_corrupt_compressed_streams() {
    let d = Dir::new();
    let body: String = (0..2000)
        .map(|i| {
            format!(
                "{{\"id\":\"d{i}\",\"text\":\"document {i} {}\"}}\n",
                "words ".repeat(i % 13)
            )
        })
        .collect();
    let mut g = gz(body.as_bytes());
    g.truncate(g.len() * 2 / 3);
    d.write("in/a.jsonl.gz", &g);
    let mut z = zstd::encode_all(body.as_bytes(), 3).expect("zst");
    let mid = z.len() / 2;
    for b in &mut z[mid..mid + 64] {
        *b ^= 0x5a;
    }
    d.write("in/b.jsonl.zst", &z);
    d.write("in/c.jsonl.gz", b"this is not gzip at all");
    let (code, r, rejects, out) = run_case(&d, s(&d.path("in")), &["--no-learn"]);
    assert_eq!(code, Some(1));
    assert!(!out.is_empty(), "the readable head of each stream is kept");
    let bad: Vec<_> = rejects
        .iter()
        .filter(|r| r["reason"] == "corrupt-compressed")
        .collect();
    assert_eq!(bad.len(), 3, "{rejects:?}");
    assert!(bad.iter().all(|r| r["detail"]
        .as_str()
        .unwrap_or("")
        .contains("rest of the file")));
    assert!(r["docs_in"].as_u64().unwrap_or(0) > 3);
}

#[test]
fn gzip_bomb_stops_at_max_doc_bytes() {
    let d = Dir::new();
    // 64 MB of one line compresses to about 64 KB.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        e.write_all(&chunk).expect("gz");
    }
    e.write_all(b"\n{\"id\":\"after\",\"text\":\"still read\"}\n")
        .expect("gz");
    d.write("bomb.jsonl.gz", e.finish().expect("gz"));
    let (code, _r, rejects, out) = run_case(
        &d,
        s(&d.path("bomb.jsonl.gz")),
        &["--max-doc-bytes", "1000000"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(reasons(&rejects), ["too-large"]);
    assert_eq!(rejects[0]["raw_len"], 64 << 20);
    assert_eq!(rejects[0]["raw_truncated"], true);
    assert_eq!(out.len(), 1, "the record after the bomb is read");
}

#[test]
fn dangling_links_and_symlink_loops_are_rejected_not_followed_forever() {
    let d = Dir::new();
    d.write("in/sub/doc.txt", "A document.");
    std::os::unix::fs::symlink(d.path("in"), d.path("in/sub/loop")).expect("symlink");
    std::os::unix::fs::symlink(d.path("nowhere"), d.path("in/dangling.txt")).expect("symlink");
    let (code, _r, rejects, out) = run_case(&d, s(&d.path("in")), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(out.len(), 1);
    let mut got = reasons(&rejects);
    got.sort();
    assert_eq!(got, ["symlink-loop", "unreadable"]);
}

#[test]
fn output_folder_is_created_and_an_impossible_one_is_a_clear_error() {
    let d = Dir::new();
    d.write("in/a.txt", "Text.");
    let out = d.path("new/deeper/out/");
    let o = run(&["run", s(&d.path("in")), "-o", s(&out), "-q"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert!(out.join("a.txt").exists());
    d.write("file", "x");
    let o = run(
        &[
            "run",
            s(&d.path("in")),
            "-o",
            &format!("{}/sub/", s(&d.path("file"))),
            "-q",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("scour: error"));
}

#[test]
fn closed_output_pipe_exits_quietly() {
    let body: String = (0..200_000)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"document number {i}\"}}\n"))
        .collect();
    let mut child = scour()
        .args(["fix", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(body.as_bytes());
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = [0u8; 100];
    stdout.read_exact(&mut head).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let _ = feeder.join();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sigterm_leaves_no_output_and_no_temp_files() {
    let d = Dir::new();
    let out = d.path("out/result.jsonl");
    std::fs::create_dir_all(d.path("out")).expect("mkdir");
    // Standard input that never ends: the run is mid-way when the signal comes.
    let mut child = scour()
        .args(["run", "-", "-o", s(&out), "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    for i in 0..5000 {
        let _ = writeln!(stdin, "{{\"id\":\"d{i}\",\"text\":\"text {i}\"}}");
    }
    let _ = stdin.flush();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(killed.map(|s| s.success()).unwrap_or(false));
    let status = child.wait().expect("wait");
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    let left: Vec<_> = std::fs::read_dir(d.path("out"))
        .expect("out")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn same_bytes_whatever_the_thread_count_and_input_order() {
    let d = Dir::new();
    for (name, n) in [("b.jsonl", 700), ("a.jsonl", 900), ("c/d.jsonl", 400)] {
        let body: String = (0..n)
            .map(|i| format!("{{\"id\":\"{name}-{i}\",\"text\":\"Story {} about {}. It was over.\\n\\nShare this article\"}}\n", i % 50, i % 7))
            .collect();
        d.write(name, body);
    }
    let mut outs = Vec::new();
    for (j, order) in [
        ("1", ["a.jsonl", "b.jsonl", "c"]),
        ("2", ["c", "b.jsonl", "a.jsonl"]),
    ] {
        let out = d.path(&format!("out{j}.jsonl"));
        let args: Vec<String> = ["run".to_string()]
            .into_iter()
            .chain(order.iter().map(|p| s(&d.path(p)).to_string()))
            .chain([
                "-o".into(),
                s(&out).into(),
                "-j".into(),
                j.into(),
                "-q".into(),
            ])
            .collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&argv, b"");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outs.push(std::fs::read(&out).expect("out"));
    }
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn a_million_tiny_documents() {
    let d = Dir::new();
    let body: String = (0..1_000_000)
        .map(|i| format!("{{\"text\":\"t{i}\"}}\n"))
        .collect();
    d.write("tiny.jsonl", body);
    let (code, r, _rejects, _out) = run_case(&d, s(&d.path("tiny.jsonl")), &["--no-learn"]);
    assert_eq!(code, Some(0));
    assert_eq!(r["docs_in"], 1_000_000);
}

#[test]
fn one_200_mb_line() {
    let d = Dir::new();
    let sentence = "The committee met on Friday and agreed to publish the figures next week. ";
    let mut text = String::with_capacity(200 << 20);
    while text.len() < 200 << 20 {
        text.push_str(sentence);
    }
    d.write("huge.txt", &text);
    let (code, r, _rejects, out) = run_case(&d, s(&d.path("huge.txt")), &[]);
    assert_eq!(code, Some(0));
    assert_eq!(r["docs_out"], 1);
    assert_eq!(
        out[0]["text"].as_str().map(str::len),
        Some(text.trim_end().len())
    );
}
