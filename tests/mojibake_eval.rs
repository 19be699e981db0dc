//! Quality floor of the repairer on the seeded labeled set (see
//! `tests/mojibake_gen`): regressions in fixed-rate or any false change on
//! clean text fail CI. The full report is `cargo run --release --example
//! eval_mojibake`.

mod mojibake_gen;

use mojibake_gen::{cases, score};
use scour::mojibake::{RepairConfig, RepairStats, Repairer};

fn repair_with(r: &Repairer) -> impl Fn(&str) -> String + '_ {
    move |text| {
        let mut out = String::new();
        let mut stats = RepairStats::default();
        if r.repair(text, &mut out, &mut stats, None) {
            out
        } else {
            text.to_string()
        }
    }
}

#[test]
fn quality_floor_on_seeded_set() {
    let r = Repairer::new(RepairConfig::default());
    let set = cases(7, 600);
    let s = score(&set, repair_with(&r));
    for (chain, fixed, total) in &s.by_chain {
        println!("{chain:>14}: {fixed}/{total}");
    }
    for (chain, input, got, want) in s.failures.iter().take(40) {
        println!("FAIL {chain}\n  in:   {input:?}\n  got:  {got:?}\n  want: {want:?}");
    }
    let rate = s.fixed as f64 / s.positives.max(1) as f64;
    println!(
        "fixed {}/{} = {:.2}%, false changes {}/{}",
        s.fixed,
        s.positives,
        rate * 100.0,
        s.false_changes,
        s.negatives
    );
    assert_eq!(s.false_changes, 0, "clean text was changed");
    assert!(rate >= 0.99, "fixed-rate {rate:.4} under the floor");
}
