//! The labeled near-duplicate benchmark, small: a quality floor at the
//! default settings (the full set and the sweep: `examples/eval_dedup.rs`).

mod labeled;

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
