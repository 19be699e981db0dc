//! Any text: repair never panics, returns valid UTF-8, and is idempotent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scour::mojibake::{RepairConfig, RepairStats, Repairer};
use std::sync::OnceLock;

static REPAIRER: OnceLock<Repairer> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = REPAIRER.get_or_init(|| Repairer::new(RepairConfig::default()));
    let mut stats = RepairStats::default();
    let mut once = String::new();
    let once = if r.repair(text, &mut once, &mut stats, None) { once } else { text.to_string() };
    let mut twice = String::new();
    if r.repair(&once, &mut twice, &mut stats, None) {
        assert_eq!(twice, once, "repair is idempotent");
    }
});
