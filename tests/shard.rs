//! Sharded runs (`scour plan` + `scour stage`) against `scour run` in one
//! process: byte-identical output and sidecars for 1, 3 and 8 shards, a
//! killed and restarted run, and the refusals (other settings, stages out
//! of order).

mod util;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use util::{run, scour, Dir};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A small deterministic generator (64-bit LCG).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "market", "minister", "rates", "bank", "growth", "election", "council", "trade", "shares",
    "profit", "export", "energy", "talks", "report", "police", "court", "river", "season",
    "league", "budget", "tax", "union", "strike", "harvest", "storm", "airport", "factory",
    "museum", "school", "hospital", "bridge", "coast", "festival", "record", "deal", "fund",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut out = String::from("The");
    for _ in 0..words {
        out.push(' ');
        out.push_str(WORDS[rng.below(WORDS.len())]);
    }
    out.push('.');
    out
}

fn article(rng: &mut Rng) -> String {
    (0..4 + rng.below(4))
        .map(|_| {
            let n = 14 + rng.below(10);
            sentence(rng, n)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Edits a few words of a text (a syndicated copy).
fn edit(rng: &mut Rng, text: &str) -> String {
    let mut words: Vec<String> = text.split(' ').map(String::from).collect();
    for _ in 0..3 {
        let i = rng.below(words.len());
        words[i] = WORDS[rng.below(WORDS.len())].to_string();
    }
    words.join(" ")
}

fn record(id: &str, text: &str) -> String {
    let mut line = serde_json::json!({"id": id, "text": text, "source": "test"}).to_string();
    line.push('\n');
    line
}

/// Twelve JSONL files (site chrome that recurs across files, near and
/// exact copies across files, mojibake, a malformed line, an empty text),
/// a truncated gzip file, and the sample corpus's text files.
fn corpus(dir: &Dir) -> std::path::PathBuf {
    let mut rng = Rng(7);
    let mut bases: Vec<String> = Vec::new();
    let sites = [
        "Daily Planet",
        "Gotham Gazette",
        "Metro Herald",
        "Coast Times",
    ];
    for f in 0..12 {
        let mut body = String::new();
        for d in 0..25 {
            let id = format!("f{f:02}-{d:02}");
            let site = sites[rng.below(sites.len())];
            let mut text = match rng.below(10) {
                0 if !bases.is_empty() => bases[rng.below(bases.len())].clone(),
                1 | 2 if !bases.is_empty() => {
                    let b = bases[rng.below(bases.len())].clone();
                    edit(&mut rng, &b)
                }
                _ => {
                    let a = article(&mut rng);
                    bases.push(a.clone());
                    a
                }
            };
            if rng.below(6) == 0 {
                text = text.replacen("The", "Itâ€™s the", 1);
            }
            let text = format!(
                "Subscribe to the {site} newsletter for the latest headlines\n{text}\nCopyright {site} Media Group. All rights reserved."
            );
            body += &record(&id, &text);
            if d == 7 && f % 5 == 0 {
                body += "{\"id\": \"broken\", \"text\": \n";
            }
            if d == 9 && f % 4 == 1 {
                body += &record(&format!("{id}-empty"), "   ");
            }
        }
        dir.write(&format!("in/part{f:02}.jsonl"), body);
    }
    // A gzip stream cut short: the records before the cut, then a reject.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut lines = String::new();
    for d in 0..40 {
        lines += &record(&format!("gz-{d}"), &article(&mut rng));
    }
    gz.write_all(lines.as_bytes()).expect("gzip");
    let bytes = gz.finish().expect("gzip");
    dir.write("in/zz-truncated.jsonl.gz", &bytes[..bytes.len() * 2 / 3]);
    for entry in std::fs::read_dir(util::corpus()).expect("corpus/") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "txt") {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            dir.write(
                &format!("in/seeds/{name}"),
                std::fs::read(&p).expect("seed"),
            );
        }
    }
    dir.path("in")
}

const SIDECARS: [&str; 4] = ["rejects", "duplicates", "clusters", "explain"];

fn options(dir: &Dir, tag: &str) -> Vec<String> {
    let mut o: Vec<String> = SIDECARS
        .iter()
        .flat_map(|k| {
            [
                format!("--{k}"),
                s(&dir.path(&format!("{tag}.{k}.jsonl"))).into(),
            ]
        })
        .collect();
    o.push("--report".into());
    o.push(s(&dir.path(&format!("{tag}.report.json"))).into());
    o.extend(["-q".into(), "-j".into(), "2".into()]);
    o
}

fn scour_args(args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args, b"")
}

/// Runs `scour run` into `tag`; returns its exit code.
fn one_process(dir: &Dir, input: &Path, out: &str, tag: &str) -> i32 {
    let mut args: Vec<String> = vec!["run".into(), s(input).into(), "-o".into(), out.into()];
    args.extend(options(dir, tag));
    let o = scour_args(&args);
    assert!(
        o.status.code() != Some(2),
        "scour run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.status.code().unwrap_or(-1)
}

/// `scour plan` into `work` with `shards`; the plan's JSON line.
fn plan(dir: &Dir, input: &Path, out: &str, tag: &str, work: &Path, shards: usize) -> Output {
    let mut args: Vec<String> = vec![
        "plan".into(),
        s(input).into(),
        "-o".into(),
        out.into(),
        "--work".into(),
        s(work).into(),
        "--shards".into(),
        shards.to_string(),
    ];
    args.extend(options(dir, tag));
    scour_args(&args)
}

fn stage(work: &Path, name: &str, task: usize) -> Output {
    run(
        &[
            "stage",
            name,
            "--work",
            s(work),
            "--task",
            &task.to_string(),
            "-q",
        ],
        b"",
    )
}

/// The report without what differs from run to run (times, threads).
fn counts(path: &Path) -> serde_json::Value {
    let mut r = util::report(path);
    let o = r.as_object_mut().expect("object");
    o.remove("wall_seconds");
    o.remove("stage_seconds");
    o.remove("threads");
    for p in o
        .get_mut("passes")
        .and_then(|p| p.as_array_mut())
        .expect("passes")
    {
        p.as_object_mut().expect("pass").remove("seconds");
    }
    r
}

fn assert_same_files(dir: &Dir, a: &str, b: &str) {
    for k in SIDECARS {
        let (pa, pb) = (format!("{a}.{k}.jsonl"), format!("{b}.{k}.jsonl"));
        assert!(
            std::fs::read(dir.path(&pa)).expect(&pa) == std::fs::read(dir.path(&pb)).expect(&pb),
            "{k} differs between {a} and {b}"
        );
    }
    assert_eq!(
        counts(&dir.path(&format!("{a}.report.json"))),
        counts(&dir.path(&format!("{b}.report.json"))),
        "reports differ"
    );
}

/// Every file under `a` has a byte-identical twin under `b`, and no more.
fn assert_same_tree(a: &Path, b: &Path) {
    fn list(root: &Path, dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                list(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).expect("prefix").to_path_buf());
            }
        }
    }
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    list(a, a, &mut la);
    list(b, b, &mut lb);
    la.sort();
    lb.sort();
    assert_eq!(la, lb, "different files");
    for rel in la {
        assert!(
            std::fs::read(a.join(&rel)).expect("a") == std::fs::read(b.join(&rel)).expect("b"),
            "{} differs",
            rel.display()
        );
    }
}

#[test]
fn sharded_output_is_byte_identical_for_1_3_and_8_shards() {
    let dir = Dir::new();
    let input = corpus(&dir);
    let code = one_process(&dir, &input, s(&dir.path("one.jsonl")), "one");
    assert_eq!(code, 1, "the corpus has rejects");
    let one = std::fs::read(dir.path("one.jsonl")).expect("output");
    let r = counts(&dir.path("one.report.json"));
    assert!(r["docs_duplicate"].as_u64().unwrap_or(0) > 20, "{r}");
    assert!(r["docs_rejected"].as_u64().unwrap_or(0) >= 4, "{r}");
    assert!(
        !r["learned_boilerplate"]
            .as_array()
            .expect("learned")
            .is_empty(),
        "{r}"
    );
    for shards in [1, 3, 8] {
        let tag = format!("s{shards}");
        let work = dir.path(&format!("work{shards}"));
        let out = dir.path(&format!("{tag}.jsonl"));
        let o = plan(&dir, &input, s(&out), &tag, &work, shards);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let summary: serde_json::Value =
            serde_json::from_slice(&o.stdout).expect("plan prints one JSON line");
        assert_eq!(summary["shards"], shards);
        // Each task on its own, as an engine launches them.
        for st in summary["stages"].as_array().expect("stages") {
            let name = st["name"].as_str().expect("name");
            for t in 0..st["tasks"].as_u64().expect("tasks") as usize {
                let o = stage(&work, name, t);
                let want = if name == "finish" { 1 } else { 0 };
                assert_eq!(
                    o.status.code(),
                    Some(want),
                    "stage {name} task {t}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
        assert!(
            std::fs::read(&out).expect("sharded output") == one,
            "{shards} shards: output differs from scour run"
        );
        assert_same_files(&dir, "one", &tag);
    }
}

#[test]
fn sharded_folder_output_matches_scour_run() {
    let dir = Dir::new();
    let input = corpus(&dir);
    one_process(&dir, &input, &format!("{}/", s(&dir.path("one"))), "one");
    let work = dir.path("work");
    let out = format!("{}/", s(&dir.path("three")));
    assert!(plan(&dir, &input, &out, "three", &work, 3).status.success());
    let o = run(&["stage", "all", "--work", s(&work), "-q"], b"");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_same_tree(&dir.path("one"), &dir.path("three"));
    assert_same_files(&dir, "one", "three");
}

fn spawn_all(work: &Path) -> std::process::Child {
    scour()
        .args(["stage", "all", "--work", s(work), "-q", "-j", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

#[test]
fn a_killed_run_resumes_to_the_same_result() {
    let dir = Dir::new();
    let input = corpus(&dir);
    one_process(&dir, &input, s(&dir.path("one.jsonl")), "one");
    let work = dir.path("work");
    let out = dir.path("k.jsonl");
    assert!(plan(&dir, &input, s(&out), "k", &work, 3).status.success());
    // A task that died long ago left its temporary folder behind.
    std::fs::create_dir_all(work.join("sign/.00001.tmp-1-1")).expect("stale");
    std::fs::write(work.join("sign/.00001.tmp-1-1/meta.bin"), b"half").expect("stale");
    // Killed (SIGKILL: no clean-up) at several points of its way: each
    // restart skips the tasks finished before and goes a little further.
    let tasks = 3 + 1 + 3 + 3 + 1 + 3 + 1;
    let mut killed_midway = 0;
    for delay_ms in [15, 30, 45, 60, 80, 100, 130, 160] {
        let mut child = spawn_all(&work);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let done = walk(&work)
            .iter()
            .filter(|p| p.ends_with("done.json"))
            .count();
        if done < tasks {
            killed_midway += 1;
            assert!(!out.exists(), "an output appeared before the run finished");
        }
    }
    eprintln!("kills that landed before the end: {killed_midway}");
    assert!(
        killed_midway > 0,
        "no kill landed before the end of the run"
    );
    let status = spawn_all(&work).wait().expect("wait");
    assert_eq!(status.code(), Some(1));
    assert!(
        std::fs::read(&out).expect("output") == std::fs::read(dir.path("one.jsonl")).expect("one")
    );
    assert_same_files(&dir, "one", "k");
    // Nothing temporary is left, and a rerun changes nothing.
    let leftovers: Vec<_> = walk(&work)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let before = std::fs::read(&out).expect("output");
    let o = run(&["stage", "all", "--work", s(&work), "-q"], b"");
    assert_eq!(
        o.status.code(),
        Some(1),
        "the rerun reports the rejects again"
    );
    assert!(std::fs::read(&out).expect("output") == before);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.clone());
            if p.is_dir() {
                out.extend(walk(&p));
            }
        }
    }
    out
}

#[test]
fn other_settings_and_stages_out_of_order_are_refused() {
    let dir = Dir::new();
    let rules = dir.write("rules.txt", "footer\tPrinted from the archive\n");
    let input = dir.path("in");
    for f in 0..3 {
        dir.write(
            &format!("in/{f}.jsonl"),
            record(
                &format!("d{f}"),
                "A line of text about the harbour.\nAnother line.",
            ),
        );
    }
    let work = dir.path("work");
    let out = dir.path("out.jsonl");
    let base = |extra: &[&str]| -> Output {
        let mut args = vec![
            "plan",
            s(&input),
            "-o",
            s(&out),
            "--work",
            s(&work),
            "--shards",
            "2",
            "--rules",
            s(&rules),
        ];
        args.extend_from_slice(extra);
        run(&args, b"")
    };
    let o = base(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same plan again is fine (a resumed run); another one is not.
    assert!(base(&[]).status.success());
    let o = base(&["--threshold", "0.6"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("other settings"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A stage before the one it needs.
    let o = stage(&work, "sign", 0);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has not finished"));
    // A task that does not exist.
    let o = stage(&work, "prepare", 2);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--task must be below 2"));
    // The rule file changed after planning: every task refuses.
    std::fs::write(&rules, "footer\tSomething else\n").expect("rules");
    let o = stage(&work, "prepare", 0);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("settings differ"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Standard input cannot be sharded.
    let o = run(&["plan", "-", "--work", s(&dir.path("w2"))], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("standard input"));
}
