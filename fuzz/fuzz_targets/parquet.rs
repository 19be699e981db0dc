//! Any bytes as a `.parquet` file: reading never panics outside the
//! decoder's own guard, every row is a JSON object or a reject, and a
//! footer's row count never makes it loop for long.
//!
//! The scour binary's allocator, mimalloc, is used here too: the Parquet
//! crate's footer decoder reserves a list's capacity from a length the file
//! states (up to ~200 GB); mimalloc only reserves address space, as in the
//! binary, where such a file is one `corrupt-parquet` reject, while ASan's
//! allocator and glibc's refuse it and abort. Run with
//! `cargo +nightly fuzz run -s none parquet` (1.3M runs, no crash, on
//! seeds written by pyarrow with every codec scour reads).
#![no_main]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use libfuzzer_sys::fuzz_target;
use scour::io::jsonl::parse_record;
use scour::io::parquet::Rows;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    // Panics inside the Parquet decoder are caught and become rejects;
    // the default hook would abort on them before that.
    std::panic::set_hook(Box::new(|_| {}));
    let path = std::env::temp_dir().join(format!("scour-fuzz-{}.parquet", std::process::id()));
    std::fs::write(&path, data).expect("temp file");
    let rows = Rows::open(&path, Arc::from("f.parquet"), "text", 1 << 16, Arc::new(AtomicU64::new(0)));
    for row in rows.take(1 << 22) {
        if let Ok((bytes, source)) = row {
            assert!(source.line.is_some());
            let line = std::str::from_utf8(&bytes).expect("rows are UTF-8");
            if let Err(e) = parse_record(line, "text", "id") {
                assert!(
                    matches!(e.reason, "missing-text" | "text-not-string" | "duplicate-key"),
                    "{line}: {e:?}"
                );
            }
        }
    }
});
