//! Whitespace normalization (part of `run` and `strip`, off in `fix`):
//! line endings become `\n`, trailing whitespace goes, runs of blank lines
//! shrink to one, and leading and trailing blank lines go. Indentation and
//! paragraph breaks stay.

/// Normalizes `text` into `out` (cleared first). Returns `true` when the
/// text changed; when `false`, `out` holds a copy of `text`.
pub fn normalize_whitespace(text: &str, out: &mut String) -> bool {
    out.clear();
    if is_normalized(text) {
        out.push_str(text);
        return false;
    }
    rebuild(text, out);
    out.as_str() != text
}

/// Normalizes `text` where it is, `scratch` holding the old text
/// afterwards when it changed. Returns `true` when it changed. Text that
/// is already in normal form (most) is looked at once and not copied.
pub fn normalize_in_place(text: &mut String, scratch: &mut String) -> bool {
    if is_normalized(text) {
        return false;
    }
    scratch.clear();
    rebuild(text, scratch);
    std::mem::swap(text, scratch);
    true
}

/// Writes the normal form of `text` into `out` (empty), line by line.
fn rebuild(text: &str, out: &mut String) {
    out.reserve(text.len());
    let mut pending_blank = false;
    for line in text.split('\n') {
        // `\r\n` and lone `\r` both end a line.
        let line = line.strip_suffix('\r').unwrap_or(line);
        for line in line.split('\r') {
            let line = line.trim_end();
            if line.is_empty() {
                pending_blank = !out.is_empty();
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
                if pending_blank {
                    out.push('\n');
                }
            }
            pending_blank = false;
            out.push_str(line);
        }
    }
}

/// Whether [`normalize_whitespace`] would leave `text` as it is: no `\r`,
/// no line with trailing whitespace, no blank line first, last or after
/// another (or no text at all). One look at each line's end, no copy: most
/// scraped text that reaches this stage is already clean.
fn is_normalized(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        return false;
    }
    // A blank line before the first one, so that a leading blank fails.
    let mut prev_blank = true;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for end in ends {
        let line = text.get(start..end).unwrap_or_default();
        start = end + 1;
        let blank = line.is_empty();
        if (blank && prev_blank) || line.chars().next_back().is_some_and(char::is_whitespace) {
            return false;
        }
        prev_blank = blank;
    }
    !prev_blank
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases = [
            ("a\nb", "a\nb", false),
            ("a\r\nb\r\n", "a\nb", true),
            ("a  \n\n\n\nb\t\n\n", "a\n\nb", true),
            ("\n\n  a\n", "  a", true),
            ("a\rb", "a\nb", true),
            ("", "", false),
            ("  \n \n", "", true),
            ("p1 line\np1 more\n\np2", "p1 line\np1 more\n\np2", false),
        ];
        for (input, want, changed) in cases {
            let mut out = String::new();
            assert_eq!(normalize_whitespace(input, &mut out), changed, "{input:?}");
            assert_eq!(out, want, "{input:?}");
        }
    }

    /// The naive oracle: `str::lines`, trim, and a blank-run state machine.
    fn oracle(text: &str) -> String {
        let text = text.replace("\r\n", "\n");
        let lines: Vec<&str> = text.split(['\n', '\r']).map(str::trim_end).collect();
        let mut out: Vec<&str> = Vec::new();
        for line in lines {
            if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
                continue;
            }
            out.push(line);
        }
        while out.last() == Some(&"") {
            out.pop();
        }
        out.join("\n")
    }

    proptest! {
        #[test]
        fn matches_oracle(text in "[ a\u{a0}b\t\r\n]{0,40}") {
            let mut out = String::new();
            normalize_whitespace(&text, &mut out);
            prop_assert_eq!(out, oracle(&text));
        }

        #[test]
        fn the_shortcut_agrees_with_the_copy(text in "[ a\u{a0}\u{85}\u{2028}b\t\r\n]{0,40}") {
            let mut out = String::new();
            normalize_whitespace(&text, &mut out);
            prop_assert_eq!(is_normalized(&text), out == text);
        }

        #[test]
        fn in_place_agrees_with_the_copy(text in "[ a\u{a0}b\t\r\n]{0,40}") {
            let mut out = String::new();
            let changed = normalize_whitespace(&text, &mut out);
            let (mut in_place, mut scratch) = (text.clone(), String::from("junk"));
            prop_assert_eq!(normalize_in_place(&mut in_place, &mut scratch), changed);
            prop_assert_eq!(in_place, out);
        }

        #[test]
        fn idempotent(text in "\\PC{0,60}") {
            let mut once = String::new();
            normalize_whitespace(&text, &mut once);
            let mut twice = String::new();
            prop_assert!(!normalize_whitespace(&once, &mut twice));
            prop_assert_eq!(once, twice);
        }
    }
}
