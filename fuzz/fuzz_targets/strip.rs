//! Any text: stripping never panics, and every output line is a line of the
//! input (nothing is invented).
#![no_main]
use libfuzzer_sys::fuzz_target;
use scour::boilerplate::{LineCounts, StripConfig, StripStats, Stripper};
use std::sync::OnceLock;

static STRIPPER: OnceLock<Option<Stripper>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(s) = STRIPPER.get_or_init(|| Stripper::new(StripConfig::default()).ok()) else { return };
    let (mut out, mut credits, mut removed, mut stats) = (String::new(), Vec::new(), Vec::new(), StripStats::default());
    let kept = if s.strip(text, &mut out, &mut credits, Some(&mut removed), &mut stats) { out.as_str() } else { text };
    let input_lines: std::collections::HashSet<&str> = text.lines().map(str::trim).collect();
    for line in kept.lines() {
        assert!(input_lines.contains(line.trim()), "invented line {line:?}");
    }
    let mut counts = LineCounts::new(&StripConfig::default());
    counts.observe(kept);
    let learned = counts.learn();
    let mut out2 = String::new();
    learned.strip(kept, &mut out2, Some(&mut removed), &mut stats);
});
