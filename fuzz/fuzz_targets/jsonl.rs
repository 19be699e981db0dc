//! Any line: parsing never panics; a parsed record renders to one valid JSON
//! line that parses back to the same text and id.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scour::document::{Document, Meta, Source};
use scour::io::jsonl::{parse_record, render, Extras, FieldNames};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let Ok(p) = parse_record(line, "text", "id") else { return };
    let doc = Document {
        id: p.id.clone().unwrap_or_default(),
        text: p.text.clone(),
        meta: Meta::Json { fields: p.fields, rel_path: Arc::from("f.jsonl") },
        credits: vec!["c".into()],
        source: Source::memory(),
    };
    let mut out = Vec::new();
    let names = FieldNames { text: "text", id: "id" };
    render(&doc, names, Extras { credits: true, cluster: Some(("rep", 0.5)) }, &mut out);
    assert_eq!(out.last(), Some(&b'\n'));
    let again = std::str::from_utf8(&out[..out.len() - 1]).expect("utf-8");
    assert!(!again.contains('\n'));
    let back = parse_record(again, "text", "id").expect("rendered record parses");
    assert_eq!(back.text, p.text);
    assert_eq!(back.id, p.id);
});
