//! The labeled near-duplicate benchmark, small: a quality floor at the
//! default settings (the full set and the sweep: `examples/eval_dedup.rs`).

mod labeled;
mod util;

use scour::dedup::DedupConfig;

#[test]
fn default_settings_meet_the_quality_floor() {
    let Some(news) = labeled::load_news() else {
        eprintln!(
            "SKIPPED: news corpus not found at {} (set SCOUR_NEWS)",
            labeled::news_path().display()
        );
        return;
    };
    let set = labeled::build(&news, 300, 600, 7);
    let gold: Vec<u32> = set.iter().map(|d| d.label).collect();
    let (pred, clusters) = labeled::predict(&set, &DedupConfig::default());
    let m = labeled::metrics(&gold, &pred);
    eprintln!("{} documents: {m:?}", set.len());
    assert!(m.precision >= 0.99, "{m:?}");
    assert!(m.f1 >= 0.97, "{m:?}");
    assert!(clusters.stats().clusters > 200);
}

#[test]
fn push_order_does_not_change_the_clusters_of_real_news() {
    let Some(news) = labeled::load_news() else {
        eprintln!("SKIPPED: news corpus not found");
        return;
    };
    let set = labeled::build(&news, 100, 100, 3);
    let cfg = DedupConfig::default();
    let by_id = |set: &[labeled::Labeled]| {
        let (pred, _) = labeled::predict(set, &cfg);
        let mut out: Vec<(String, String)> = set
            .iter()
            .zip(&pred)
            .map(|(d, &p)| (d.id.clone(), set[p as usize].id.clone()))
            .collect();
        out.sort();
        out
    };
    let want = by_id(&set);
    let mut reversed = set.clone();
    reversed.reverse();
    assert_eq!(by_id(&reversed), want);
}

/// The same floor through the binary: `scour run` (repair and strip first)
/// and `scour dedup` alone, with `--annotate`, scored on the `cluster`
/// field of every output record.
#[test]
fn the_binary_meets_the_quality_floor_with_run_and_with_dedup() {
    let Some(news) = labeled::load_news() else {
        eprintln!("SKIPPED: news corpus not found");
        return;
    };
    let set = labeled::build(&news, 300, 600, 7);
    let dir = util::Dir::new();
    let mut input = Vec::new();
    for d in &set {
        serde_json::to_writer(&mut input, d).unwrap();
        input.push(b'\n');
    }
    let path = dir.write("set.jsonl", &input);
    let gold: Vec<u32> = set.iter().map(|d| d.label).collect();
    for cmd in ["run", "dedup"] {
        let out = dir.path(&format!("{cmd}.jsonl"));
        let o = util::run(
            &[
                cmd,
                path.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--annotate",
                "-q",
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(0), "{cmd}: {o:?}");
        let rows = util::json_lines(&std::fs::read(&out).unwrap());
        assert_eq!(rows.len(), set.len(), "{cmd}: every document annotated");
        // Cluster ids by representative, in input order.
        let mut ids = std::collections::HashMap::new();
        let pred: Vec<u32> = rows
            .iter()
            .map(|r| {
                let c = r["cluster"]
                    .as_str()
                    .or(r["id"].as_str())
                    .unwrap()
                    .to_string();
                let n = ids.len() as u32;
                *ids.entry(c).or_insert(n)
            })
            .collect();
        let ids_in: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let ids_set: Vec<&str> = set.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids_in, ids_set, "{cmd}: input order kept");
        let m = labeled::metrics(&gold, &pred);
        eprintln!("scour {cmd}: {m:?}");
        assert!(m.precision >= 0.99, "{cmd}: {m:?}");
        assert!(m.f1 >= 0.97, "{cmd}: {m:?}");
    }
}
