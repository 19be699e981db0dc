//! Conformance: the repairer over ftfy's public test cases.
//!
//! The data lives outside the repository: `SCOUR_FTFY_DIR`, default
//! `../shared/conformance/ftfy` relative to the package. When it is missing
//! the test prints where it looked and passes.
//!
//! Each case is compared with `fixed-encoding` when present, else `fixed`.
//! ftfy's `fixed` also carries its cosmetic defaults (straight quotes,
//! narrowed full-width forms, NFC, un-escaped HTML); the cases listed in
//! [`COSMETIC`] are those whose expected text differs from the input only by
//! such a cosmetic fix *after* the encoding repair, and they are compared
//! with the cosmetic difference undone (see [`cosmetic_ok`]).
//!
//! Asserted: every case ftfy marks `pass` passes, `negative.json` comes out
//! unchanged, and the `known-failures` listed in [`KNOWN_FIXED`] pass too.

use scour::mojibake::{RepairConfig, RepairStats, Repairer};
use std::path::PathBuf;

/// Known failures of ftfy that scour repairs (by label).
const KNOWN_FIXED: &[&str] = &[
    "Two levels of inconsistent mojibake",
    "An example with 'à' in windows-1251 where we need our heuristic to be bolder",
    "Italian UTF-8 / MacRoman mojibake that looks like math",
    "Synthetic: Incomplete UTF-8 / Windows-1252 mixup in Arabic",
    "Synthetic, false positive: the title of a manga, in weird capitalized romaji, with a non-breaking space",
];

/// Cases ftfy passes that scour does not yet (none at present); reported,
/// not asserted, and the run says when one starts to pass.
const PENDING: &[&str] = &[];

/// Cases whose `fixed` includes a cosmetic change scour does not make.
const COSMETIC: &[&str] = &[];

fn data_dir() -> PathBuf {
    match std::env::var_os("SCOUR_FTFY_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/ftfy"),
    }
}

fn cosmetic_ok(got: &str, want: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .map(|c| match c {
                '“' | '”' | '„' => '"',
                '‘' | '’' => '\'',
                c => c,
            })
            .collect::<String>()
    };
    norm(got) == norm(want)
}

#[test]
fn ftfy_cases() {
    let dir = data_dir();
    if !dir.join("negative.json").is_file() {
        println!("skipped: data not found at {}", dir.display());
        return;
    }
    let r = Repairer::new(RepairConfig::default());
    let mut failures = Vec::new();
    let files = [
        "in-the-wild",
        "synthetic",
        "negative",
        "language-names",
        "known-failures",
    ];
    for name in files {
        let path = dir.join(format!("{name}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("valid JSON");
        let (mut pass, mut total) = (0, 0);
        for case in &cases {
            let label = case["label"].as_str().unwrap_or("");
            let original = case["original"].as_str().unwrap_or("");
            let want = case
                .get("fixed-encoding")
                .and_then(|v| v.as_str())
                .or_else(|| case["fixed"].as_str())
                .unwrap_or("");
            let ftfy_passes = case["expect"].as_str() == Some("pass");
            let mut out = String::new();
            let mut stats = RepairStats::default();
            let got = if r.repair(original, &mut out, &mut stats, None) {
                out
            } else {
                original.to_string()
            };
            let ok = got == want || (COSMETIC.contains(&label) && cosmetic_ok(&got, want));
            total += 1;
            if ok {
                pass += 1;
            }
            let required =
                (ftfy_passes && !PENDING.contains(&label)) || KNOWN_FIXED.contains(&label);
            if ok && PENDING.contains(&label) {
                println!("  pending case now passes, remove it from PENDING: {label:?}");
            }
            if ok && !ftfy_passes {
                println!("  bonus: known failure fixed: {label:?}");
            }
            if !ok {
                println!("  {} {name}: {label:?}\n      in:   {original:?}\n      got:  {got:?}\n      want: {want:?}",
                    if required { "FAIL" } else { "miss" });
                if required {
                    failures.push(format!("{name}: {label}"));
                }
            }
        }
        println!("{name}.json: {pass}/{total} pass");
    }
    assert!(
        failures.is_empty(),
        "{} required cases fail: {failures:#?}",
        failures.len()
    );
}
