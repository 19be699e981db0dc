//! Any bytes: decoding never panics, and what it returns is text without NULs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match scour::decode::decode(data.to_vec()) {
        Ok((text, _)) => assert!(!text.contains('\0')),
        Err((_, bytes)) => assert_eq!(bytes, data),
    }
});
