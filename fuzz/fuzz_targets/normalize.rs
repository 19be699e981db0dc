//! Any text: whitespace normalization never panics and is idempotent.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut once = String::new();
    scour::normalize::normalize_whitespace(text, &mut once);
    let mut twice = String::new();
    assert!(!scour::normalize::normalize_whitespace(&once, &mut twice));
});
