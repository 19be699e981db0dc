//! Layer 2: blocks repeated within one document.
//!
//! ```text
//! hash every non-blank line that the rules kept (case and spacing folded;
//!     the stripper hashes them once for this layer and for learning)
//! walk the lines in order; for line i whose hash was first seen at line j < i:
//!     extend k while line i+k equals line j+k (and j+k < i: copies never overlap)
//!     the block is boilerplate when k >= 2 lines of 40+ bytes together,
//!     or k == 1 and the line is long (100+ bytes)
//!     mark lines i..i+k as the repeat of line j; continue after the block
//! ```
//!
//! The later copy goes: when a scraper pastes a block twice, the first copy
//! is the one in reading order (a paragraph repeated by a scraper keeps its
//! place), and when the block is chrome the rules or the learned layer take
//! the first copy too. Digits are not folded here, so the two halves of an
//! earnings table ("Shr 10 cts vs 9 cts" for the quarter and the year) are
//! different lines.

use super::{BuildU64, Line, Verdict};
use std::collections::HashMap;

/// Fewest bytes (normalized lines together) of a multi-line repeated block.
const MIN_BLOCK_BYTES: usize = 40;
/// Fewest bytes of a single repeated line.
const MIN_LINE_BYTES: usize = 100;

/// Marks later copies of repeated blocks in `verdicts`. `hashes` holds the
/// lines the rules kept that are not blank, in order (line key with digits
/// as they are, line index, unused here); table rows get a key of their
/// own. `seen` is scratch. Returns `true` when any line was marked.
pub(super) fn mark(
    text: &str,
    lines: &[Line],
    verdicts: &mut [Verdict],
    hashes: &mut [(u64, u32, u64)],
    seen: &mut HashMap<u64, u32, BuildU64>,
) -> bool {
    let bytes = text.as_bytes();
    // Clearing a map costs its capacity, not its length: a map grown by
    // one huge document would tax every later one.
    if seen.capacity() > 4 * lines.len().max(256) {
        *seen = HashMap::default();
    } else {
        seen.clear();
    }
    for (h, i, _) in hashes.iter_mut() {
        let line = lines[*i as usize];
        if mostly_digits(&bytes[line.start..line.end]) {
            // Table rows repeat by nature ("04/09/87 03/09/87"); they
            // break a block instead of making one.
            *h = u64::MAX - u64::from(*i);
        }
    }
    let mut any = false;
    let mut p = 0;
    while p < hashes.len() {
        let h = hashes[p].0;
        let first = *seen.entry(h).or_insert(p as u32) as usize;
        if first == p {
            p += 1;
            continue;
        }
        let mut k = 0;
        let mut block_bytes = 0;
        while p + k < hashes.len() && first + k < p && hashes[first + k].0 == hashes[p + k].0 {
            let line = lines[hashes[p + k].1 as usize];
            block_bytes += super::trim(&text[line.start..line.end]).len();
            k += 1;
        }
        let is_block =
            (k >= 2 && block_bytes >= MIN_BLOCK_BYTES) || (k == 1 && block_bytes >= MIN_LINE_BYTES);
        if !is_block {
            p += 1;
            continue;
        }
        for &(_, q, _) in &hashes[p..p + k] {
            if let Some(v) = verdicts.get_mut(q as usize) {
                *v = Verdict::Repeat(hashes[first].1);
            }
        }
        any = true;
        p += k;
    }
    any
}

/// More than 15% of the letters and digits are digits. Counted in byte
/// lanes over chunks of 255 bytes, branch-free, so that it vectorizes.
fn mostly_digits(s: &[u8]) -> bool {
    let (mut alnum, mut digits) = (0usize, 0usize);
    for c in s.chunks(255) {
        let (mut a, mut d) = (0u8, 0u8);
        for &b in c {
            let digit = b.wrapping_sub(b'0') < 10;
            let letter = (b | 0x20).wrapping_sub(b'a') < 26;
            a += u8::from(digit | letter);
            d += u8::from(digit);
        }
        alnum += usize::from(a);
        digits += usize::from(d);
    }
    digits * 100 > alnum * 15
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::{line_key, split_lines};

    fn run(text: &str) -> Vec<Verdict> {
        let mut lines = Vec::new();
        split_lines(text, &mut lines);
        let mut v = vec![Verdict::Keep; lines.len()];
        let mut hashes: Vec<(u64, u32, u64)> = (0..lines.len() as u32)
            .filter_map(|i| {
                let line = lines[i as usize];
                let t = text[line.start..line.end].trim();
                (!t.is_empty()).then(|| (line_key(t.as_bytes(), false), i, 0))
            })
            .collect();
        mark(text, &lines, &mut v, &mut hashes, &mut HashMap::default());
        v
    }

    #[test]
    fn later_copy_of_a_block_goes() {
        let text = "Intro line of the story.\nFollow us on Mastodon for more stories\nand on our podcast every week\nBody goes on here.\nFollow us on Mastodon for more stories\nand on our podcast every week\nEnd.";
        let v = run(text);
        assert_eq!(v[1], Verdict::Keep);
        assert_eq!(v[4], Verdict::Repeat(1));
        assert_eq!(v[5], Verdict::Repeat(1));
        assert_eq!(v[6], Verdict::Keep);
    }

    #[test]
    fn short_lines_and_tables_stay() {
        let text = "Qtr\nShr 10 cts vs 9 cts\nNet 100 vs 90\nYear\nShr 40 cts vs 30 cts\nNet 400 vs 300\nYes.\nNo.\nYes.\nNo.";
        assert!(run(text).iter().all(|v| *v == Verdict::Keep));
    }

    proptest::proptest! {
        /// The chunked count against counting byte by byte.
        #[test]
        fn mostly_digits_counts_like_a_byte_scan(s in proptest::collection::vec(proptest::num::u8::ANY, 0..700)) {
            let alnum = s.iter().filter(|b| b.is_ascii_alphanumeric()).count();
            let digits = s.iter().filter(|b| b.is_ascii_digit()).count();
            proptest::prop_assert_eq!(mostly_digits(&s), digits * 100 > alnum * 15);
        }
    }

    #[test]
    fn one_long_line_twice() {
        let long = "This is a long paragraph that a scraper picked up twice, once in the teaser and once in the body of the page.";
        let text = format!("{long}\nMiddle.\n{long}");
        assert_eq!(run(&text)[2], Verdict::Repeat(0));
    }
}
