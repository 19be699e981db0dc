//! Any text: stripping never panics, every output line is a line of the
//! input (nothing is invented), and the keys the stripper hands on are the
//! keys of its output.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scour::boilerplate::{LineCounts, LineKeys, StripConfig, StripStats, Stripper};
use std::sync::OnceLock;

static STRIPPER: OnceLock<Option<Stripper>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(s) = STRIPPER.get_or_init(|| Stripper::new(StripConfig::default()).ok()) else { return };
    let (mut out, mut credits, mut removed, mut stats) = (String::new(), Vec::new(), Vec::new(), StripStats::default());
    let mut keys = LineKeys::default();
    let changed = s.strip_keyed(text, &mut out, &mut credits, Some(&mut removed), &mut stats, Some(&mut keys));
    let kept = if changed { out.as_str() } else { text };
    let mut want = LineKeys::default();
    want.fill(kept);
    assert_eq!(keys, want, "the stripper's keys are not its output's");
    let input_lines: std::collections::HashSet<&str> = text.lines().map(str::trim).collect();
    for line in kept.lines() {
        assert!(input_lines.contains(line.trim()), "invented line {line:?}");
    }
    let mut counts = LineCounts::new(&StripConfig::default());
    counts.observe_keys(&keys);
    let learned = counts.learn();
    let (mut out2, mut out3) = (String::new(), String::new());
    let a = learned.strip(kept, &mut out2, Some(&mut removed), &mut stats);
    let b = learned.strip_keyed(kept, Some(&keys.hashes), &mut out3, None, &mut stats, false);
    assert_eq!(a, b);
    assert!(!a || out2 == out3, "keyed and hashing strips differ");
});
