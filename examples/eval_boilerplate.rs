//! Labeled evaluation of the boilerplate stage against two naive anchors.
//!
//! ```text
//! cargo run --release --example eval_boilerplate [DOCS] [SEED]
//! ```
//!
//! Builds a seeded labeled set from real news bodies (`SCOUR_NEWS`, default
//! `../shared/corpora/news_real.jsonl.gz`) with injected boilerplate (see
//! `tests/boilerplate_set/mod.rs`) and prints, per method: boilerplate lines
//! removed (listed and unlisted wording), content lines kept, and the share
//! of documents that lost any content line.

#[path = "../tests/boilerplate_set/mod.rs"]
mod boilerplate_set;

use boilerplate_set::{
    build, load_articles, news_path, run_c4, run_ccnet, run_scour, Score, SetConfig,
};
use scour::boilerplate::StripConfig;

fn row(name: &str, s: &Score) {
    println!(
        "| {name:<28} | {:>8.2}% | {:>8.2}% | {:>8.3}% | {:>7.2}% |",
        s.listed_removed(),
        s.unlisted_removed(),
        s.content_kept(),
        s.damaged()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let docs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let Some(articles) = load_articles(usize::MAX) else {
        eprintln!("no corpus at {} (set SCOUR_NEWS)", news_path().display());
        std::process::exit(2);
    };
    let set = build(&articles, &SetConfig { docs, seed });
    let lines: usize = set.iter().map(|d| d.lines.len()).sum();
    println!("labeled set: {docs} documents, {lines} lines, seed {seed}\n");
    println!(
        "| method                       |  listed  | unlisted | content kept | docs damaged |"
    );
    println!(
        "| ---------------------------- | -------: | -------: | -----------: | -----------: |"
    );
    let start = std::time::Instant::now();
    let (score, lost, missed) = run_scour(&set, &StripConfig::default());
    let secs = start.elapsed().as_secs_f64();
    row("scour (rules+repeats+learned)", &score);
    row("C4-style line filter", &run_c4(&set));
    for t in [3, 10, 50] {
        row(&format!("CCNet-style, >= {t} docs"), &run_ccnet(&set, t));
    }
    println!("\nscour: {secs:.2} s for the set (one thread, all layers)");
    let show = std::env::var("EVAL_SHOW").map_or(10, |v| v.parse().unwrap_or(10));
    let tally = |what: &str, xs: &[String]| {
        let mut m: std::collections::HashMap<&str, usize> = Default::default();
        for x in xs {
            *m.entry(x.as_str()).or_default() += 1;
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        println!(
            "\n{what} ({} lines, {} distinct), most frequent:",
            xs.len(),
            v.len()
        );
        for (l, n) in v.into_iter().take(show) {
            println!("  {n:>5}  {l}");
        }
    };
    tally("content lines lost", &lost);
    tally("boilerplate lines missed", &missed);
}
