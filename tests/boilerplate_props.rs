//! Property tests of the strip stage: nothing invented, everything
//! accounted for, the rule layer idempotent.

use proptest::prelude::*;
use scour::boilerplate::{LineCounts, Removed, StripConfig, StripStats, Stripper};
use std::sync::OnceLock;

fn stripper() -> &'static Stripper {
    static S: OnceLock<Stripper> = OnceLock::new();
    S.get_or_init(|| Stripper::new(StripConfig::default()).expect("built-in rules"))
}

/// Lines from a pool that mixes chrome, credits and article text, so the
/// rules fire often.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Advertisement".to_string()),
        Just("Share this article".to_string()),
        Just("Facebook Twitter Email".to_string()),
        Just("We use cookies to improve your experience. Learn more".to_string()),
        Just("Source: Al Jazeera".to_string()),
        Just("Log In".to_string()),
        Just("Sign up for our newsletter".to_string()),
        Just("The court ruled on the cookie law on Tuesday, officials said.".to_string()),
        Just("".to_string()),
        Just("Follow us for more stories and updates every day".to_string()),
        Just("and more on the second line of a repeated block here".to_string()),
        "[A-Za-z ,.]{0,60}",
        "\\PC{0,40}",
    ]
}

fn doc() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..25), any::<bool>()).prop_map(|(lines, nl)| {
        let mut s = lines.join("\n");
        if nl {
            s.push('\n');
        }
        s
    })
}

fn strip(text: &str) -> (String, Vec<String>, Vec<Removed>) {
    let (mut out, mut credits, mut removed, mut stats) =
        (String::new(), Vec::new(), Vec::new(), StripStats::default());
    if !stripper().strip(text, &mut out, &mut credits, Some(&mut removed), &mut stats) {
        out = text.to_string();
    }
    assert_eq!(stats.lines_removed as usize, removed.len());
    (out, credits, removed)
}

/// Whether the non-blank lines of `sub` are a subsequence of those of `seq`
/// (blank lines are normalized: runs shrink to one, edges drop).
fn subsequence(sub: &[&str], seq: &[&str]) -> bool {
    let mut it = seq.iter().filter(|x| !x.trim().is_empty());
    sub.iter()
        .filter(|s| !s.trim().is_empty())
        .all(|s| it.any(|x| x == s))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn output_lines_are_input_lines_in_order(text in doc()) {
        let (out, _, _) = strip(&text);
        let input: Vec<&str> = text.lines().collect();
        let output: Vec<&str> = out.lines().collect();
        prop_assert!(subsequence(&output, &input), "{output:?} not in {input:?}");
    }

    #[test]
    fn removed_and_kept_account_for_every_line(text in doc()) {
        let (out, _, removed) = strip(&text);
        let input: Vec<&str> = text.lines().collect();
        let mut kept = out.lines().filter(|l| !l.trim().is_empty()).peekable();
        let mut gone = removed.iter().peekable();
        for (i, l) in input.iter().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            if gone.peek().is_some_and(|r| r.line as usize == i + 1) {
                let r = gone.next().unwrap();
                prop_assert_eq!(&r.text, l);
            } else {
                prop_assert_eq!(kept.next(), Some(*l), "line {} lost", i + 1);
            }
        }
        prop_assert!(kept.next().is_none());
        prop_assert!(gone.next().is_none());
    }

    #[test]
    fn rule_layer_is_idempotent(text in doc()) {
        // Rules alone: removing a repeat can make two copies of another
        // block adjacent, so layer 2 may find more on a second pass.
        let s = Stripper::new(StripConfig { repeats: false, ..StripConfig::default() }).expect("rules");
        let run = |t: &str| {
            let (mut out, mut c, mut r, mut st) = (String::new(), Vec::new(), Vec::new(), StripStats::default());
            if s.strip(t, &mut out, &mut c, Some(&mut r), &mut st) { out } else { t.to_string() }
        };
        let once = run(&text);
        let twice = run(&once);
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn learned_layer_invents_nothing(docs in prop::collection::vec(doc(), 1..30)) {
        let cfg = StripConfig { learn_min_docs: 2, ..StripConfig::default() };
        let mut counts = LineCounts::new(&cfg);
        for d in &docs {
            counts.observe(d);
        }
        let learned = counts.learn();
        for d in &docs {
            let mut out = String::new();
            let mut removed = Vec::new();
            let kept = if learned.strip(d, &mut out, Some(&mut removed), &mut StripStats::default()) { out } else { d.clone() };
            let input: Vec<&str> = d.lines().collect();
            let output: Vec<&str> = kept.lines().collect();
            prop_assert!(subsequence(&output, &input));
            let nonblank = input.iter().filter(|l| !l.trim().is_empty()).count();
            let left = output.iter().filter(|l| !l.trim().is_empty()).count();
            prop_assert_eq!(nonblank, left + removed.len());
        }
    }
}
