//! The labeled boilerplate set, small: the quality floor of the strip stage.
//! Skipped (with a message) when the news corpus is not there.

mod boilerplate_set;

use boilerplate_set::{build, load_articles, news_path, run_scour, SetConfig};
use scour::boilerplate::StripConfig;

#[test]
fn labeled_set_meets_the_floor() {
    let Some(articles) = load_articles(6_000) else {
        eprintln!(
            "SKIPPED: no news corpus at {} (set SCOUR_NEWS)",
            news_path().display()
        );
        return;
    };
    // The targets: 97% of listed and of unlisted boilerplate
    // removed, 99.9% of content lines kept, at most 0.5% of documents
    // damaged. Two seeds; seed 1 has the hardest site layouts of the seeds
    // tried (20,000 documents, seeds 1-7 and 42: unlisted 99.65-100%,
    // content 99.978-99.994%, damaged 0.04-0.28%).
    for seed in [7, 1] {
        let set = build(&articles, &SetConfig { docs: 6_000, seed });
        let (score, lost, missed) = run_scour(&set, &StripConfig::default());
        eprintln!("seed {seed}: {score:?}");
        assert!(
            score.listed_removed() >= 97.0,
            "seed {seed}: listed {score:?} missed {:?}",
            &missed[..missed.len().min(20)]
        );
        assert!(
            score.unlisted_removed() >= 97.0,
            "seed {seed}: unlisted {score:?} missed {:?}",
            &missed[..missed.len().min(20)]
        );
        assert!(
            score.content_kept() >= 99.9,
            "seed {seed}: content {score:?} lost {:?}",
            &lost[..lost.len().min(20)]
        );
        assert!(
            score.damaged() <= 0.5,
            "seed {seed}: damaged {score:?} lost {:?}",
            &lost[..lost.len().min(20)]
        );
    }
}
