//! Any text: signing never panics, and the same text signs the same way.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scour::dedup::{DedupConfig, DocSignature, Index, SignScratch, Signer};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let cfg = DedupConfig::default();
    let signer = Signer::new(&cfg);
    let mut scratch = SignScratch::default();
    let (mut a, mut b) = (DocSignature::default(), DocSignature::default());
    signer.sign(text, &mut scratch, &mut a);
    signer.sign(text, &mut scratch, &mut b);
    let mut index = Index::new(&cfg);
    let x = index.push("a", text.len(), &a);
    let y = index.push("b", text.len(), &b);
    let clusters = index.cluster();
    // Two copies of one text: one is kept, the other points at it.
    let kept = [clusters.assignment(x), clusters.assignment(y)].iter().filter(|a| a.is_none()).count();
    assert!(kept >= 1);
});
