//! Scoring one run of non-ASCII characters against one code page.
//!
//! A run is a maximal stretch of non-ASCII characters (mojibake never
//! contains ASCII: every byte of a UTF-8 multibyte sequence is >= 0x80, and
//! every page maps those bytes to non-ASCII characters). For one page the run
//! is mapped back to bytes, and every place where those bytes form a complete
//! UTF-8 sequence of 2-4 bytes becomes a candidate [`Seq`]. Each candidate
//! earns evidence (see [`seq_evidence`]); non-ASCII letters the page cannot
//! explain cost evidence, since real mojibake leaves few of them.

use super::classify::{class, is_box, may_stand_alone, script, Class, Script};
use super::tables::CodePage;

/// One candidate repair inside a run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seq {
    /// First char index in the run.
    pub first: usize,
    /// Number of run chars it replaces.
    pub len: usize,
    /// The character it decodes to.
    pub out: char,
    /// Evidence that this is mojibake (0 = rejected).
    pub evidence: f32,
    /// What kind of candidate.
    pub kind: SeqKind,
    /// Characters after the run (a space) the repair swallows.
    pub eat: usize,
    /// Nothing is output (a stray `Â` at the end of a line).
    pub delete: bool,
}

/// What is around a run: the character before it and the text after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// Character before the run.
    pub prev: Option<char>,
    /// Character after the run.
    pub next: Option<char>,
    /// The text after the run.
    pub after: &'a str,
}

/// What a candidate does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqKind {
    /// Bytes decoded as UTF-8.
    Decode,
    /// Bytes decoded, but one was lost (U+FFFD in the run): becomes U+FFFD.
    Lossy,
    /// A lone `Â` (UTF-8 NBSP whose second byte was dropped or spaced).
    StrayA,
    /// `Ã`, `Š` or NBSP whose 0xA0 byte became the space after the run.
    SpaceA0,
}

/// The evaluation of one run under one page.
#[derive(Debug, Default)]
pub(crate) struct RunEval {
    /// Accepted candidates, in order, not overlapping.
    pub seqs: Vec<Seq>,
    /// Sum of evidence minus penalties.
    pub score: f32,
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

#[inline]
fn is_cont(b: u8) -> bool {
    (0x80..=0xBF).contains(&b)
}

/// Decodes the sequence starting at `i`, if there is one. Returns (chars
/// used, decoded char, lossy).
fn decode_at(bytes: &[Option<u8>], chars: &[char], i: usize) -> Option<(usize, char, bool)> {
    let lead = (*bytes.get(i)?)?;
    let n = utf8_len(lead);
    if n == 0 || i + n > bytes.len() {
        return None;
    }
    let mut buf = [0u8; 4];
    buf[0] = lead;
    let mut lossy = false;
    for j in 1..n {
        match bytes.get(i + j).copied().flatten() {
            Some(b) if is_cont(b) => buf[j] = b,
            _ if chars.get(i + j) == Some(&'\u{FFFD}') => {
                lossy = true;
                buf[j] = 0x80;
            }
            _ => return None,
        }
    }
    if lossy {
        // The lead and the bytes that survived must still be a valid
        // beginning; check with the lost bytes as the lowest legal value.
        if lead == 0xE0 && buf[1] < 0xA0 {
            buf[1] = 0xA0;
        }
        if lead == 0xF0 && buf[1] < 0x90 {
            buf[1] = 0x90;
        }
        return std::str::from_utf8(&buf[..n])
            .ok()
            .map(|_| (n, '\u{FFFD}', true));
    }
    if let Some(c) = std::str::from_utf8(&buf[..n])
        .ok()
        .and_then(|s| s.chars().next())
    {
        return Some((n, c, false));
    }
    // CESU-8: a surrogate pair written as two 3-byte sequences.
    if lead == 0xED && (0xA0..=0xAF).contains(&buf[1]) && i + 6 <= bytes.len() {
        let mut lo = [0u8; 3];
        for (j, slot) in lo.iter_mut().enumerate() {
            *slot = bytes.get(i + 3 + j).copied().flatten()?;
        }
        if lo[0] == 0xED && (0xB0..=0xBF).contains(&lo[1]) && is_cont(lo[2]) {
            let hi = 0xD800 + ((u32::from(buf[1] & 0x0F) << 6) | u32::from(buf[2] & 0x3F));
            let low = 0xDC00 + ((u32::from(lo[1] & 0x0F) << 6) | u32::from(lo[2] & 0x3F));
            let cp = 0x10000 + ((hi - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(cp).map(|c| (6, c, false));
        }
    }
    None
}

/// Evidence that the 2-4 chars `src` decoding to `out` are mojibake, given
/// the decoded-view characters `prev` and `next` around them.
fn seq_evidence(
    cp1252: bool,
    src: &[char],
    lead_byte: u8,
    out: char,
    lossy: bool,
    prev: Option<char>,
    next: Option<char>,
) -> f32 {
    let cls = class(out);
    if cls == Class::Bad {
        return 0.0;
    }
    let Some(&lead) = src.first() else {
        return 0.0;
    };
    let cont = src.get(1).copied().unwrap_or(' ');
    let prev_letter = prev.is_some_and(char::is_alphabetic);
    let next_letter = next.is_some_and(char::is_alphabetic);
    let mut e: f32;
    if lossy {
        e = if prev.is_some_and(char::is_lowercase) || src.len() >= 3 {
            2.0
        } else {
            1.0
        };
        return e;
    }
    if src.len() >= 3 {
        e = 3.0;
    } else {
        // Two bytes: the lead is a letter or symbol, the continuation one of
        // the page's upper-half symbols or rare letters.
        let cont_symbol = !cont.is_alphabetic();
        e = match lead_byte {
            0xC2 => {
                if cont == '\u{A0}' && (prev.is_some_and(char::is_uppercase) || prev.is_none()) {
                    0.5
                } else {
                    2.0
                }
            }
            0xC3 => {
                if out == 'à' && cont == '\u{A0}' {
                    if next_letter || prev.is_some_and(char::is_lowercase) || !prev_letter {
                        2.0
                    } else {
                        0.5
                    }
                } else if out.is_lowercase() {
                    if cont_symbol {
                        2.0
                    } else {
                        1.0
                    }
                } else if prev_letter {
                    2.0
                } else {
                    0.5
                }
            }
            _ => {
                if cont == '\u{A0}' {
                    0.5
                } else if cont_symbol {
                    2.0
                } else {
                    1.0
                }
            }
        };
        if !cp1252 {
            e *= 0.75;
        }
        // A symbol or box-drawing lead glued to a letter is not how symbols
        // are used in real text.
        if !lead.is_alphabetic()
            && out.is_alphabetic()
            && (prev_letter || (is_box(lead) && (cont.is_alphabetic() || next_letter)))
        {
            e = e.max(2.0);
        }
    }
    if cls == Class::Weak {
        e *= 0.25;
    }
    // Letters: the repaired word must look like a word.
    if out.is_alphabetic() {
        let alone = !prev.is_some_and(char::is_alphanumeric)
            && !next.is_some_and(char::is_alphanumeric);
        if alone && !may_stand_alone(out) {
            return 0.0;
        }
        if out.is_lowercase()
            && prev.is_some_and(char::is_uppercase)
            && !next.is_some_and(char::is_lowercase)
        {
            return 0.0;
        }
        if src.len() == 2 {
            if let Script::Other(s) = script(out) {
                let same = |c: Option<char>| c.is_some_and(|c| script(c) == Script::Other(s));
                if !same(prev) && !same(next) && !alone {
                    return 0.0;
                }
            }
        }
    }
    e
}

/// Evaluates `chars` (one run) under `page`. `scratch` holds the byte view.
pub(crate) fn eval_run(
    page: &CodePage,
    cp1252: bool,
    chars: &[char],
    ctx: Context,
    bytes: &mut Vec<Option<u8>>,
    out: &mut RunEval,
) {
    out.seqs.clear();
    out.score = 0.0;
    bytes.clear();
    bytes.extend(chars.iter().map(|&c| page.byte_of(c)));
    // First pass: candidates, greedy left to right.
    let mut i = 0;
    while i < chars.len() {
        if let Some((n, c, lossy)) = decode_at(bytes, chars, i) {
            out.seqs.push(Seq {
                first: i,
                len: n,
                out: c,
                evidence: 0.0,
                kind: if lossy { SeqKind::Lossy } else { SeqKind::Decode },
                eat: 0,
                delete: false,
            });
            i += n;
        } else {
            i += 1;
        }
    }
    space_a0(page, cp1252, chars, ctx, out);
    if out.seqs.is_empty() {
        return;
    }
    // Second pass: evidence, with neighbours seen as they would be repaired.
    let mut unexplained = 0.0f32;
    let mut k = 0;
    let mut pos = 0;
    let mut prev = ctx.prev;
    while pos < chars.len() {
        match out.seqs.get(k).copied() {
            Some(s) if s.first == pos => {
                let next = match out.seqs.get(k + 1) {
                    Some(n) if n.first == pos + s.len => Some(n.out),
                    _ => chars.get(pos + s.len).copied().or(ctx.next),
                };
                let src = chars.get(pos..pos + s.len).unwrap_or(&[]);
                let lead_byte = bytes.get(pos).copied().flatten().unwrap_or(0);
                let e = match s.kind {
                    SeqKind::Decode | SeqKind::Lossy => seq_evidence(
                        cp1252,
                        src,
                        lead_byte,
                        s.out,
                        s.kind == SeqKind::Lossy,
                        prev,
                        next,
                    ),
                    SeqKind::StrayA | SeqKind::SpaceA0 => {
                        special_evidence(s, prev, ctx)
                    }
                };
                if e <= 0.0 {
                    unexplained += src.iter().filter(|c| c.is_alphabetic()).count() as f32;
                }
                if let Some(slot) = out.seqs.get_mut(k) {
                    slot.evidence = e;
                }
                prev = Some(s.out);
                pos += s.len;
                k += 1;
            }
            _ => {
                let c = chars.get(pos).copied().unwrap_or(' ');
                if c.is_alphabetic() {
                    unexplained += 1.0;
                }
                prev = Some(c);
                pos += 1;
            }
        }
    }
    out.seqs.retain(|s| s.evidence > 0.0);
    let _ = page;
    out.score = out.seqs.iter().map(|s| s.evidence).sum::<f32>() - unexplained;
}

/// Adds the candidates that involve the space after the run or a stray `Â`
/// closing a line; the run's last character must be left by the decoder.
fn space_a0(page: &CodePage, cp1252: bool, chars: &[char], ctx: Context, out: &mut RunEval) {
    let Some(last_i) = chars.len().checked_sub(1) else {
        return;
    };
    if out.seqs.last().is_some_and(|s| s.first + s.len > last_i) {
        return;
    }
    let Some(&last) = chars.get(last_i) else {
        return;
    };
    let byte = page.byte_of(last);
    let mut seq = Seq {
        first: last_i,
        len: 1,
        out: '\u{A0}',
        evidence: 0.0,
        kind: SeqKind::SpaceA0,
        eat: 0,
        delete: false,
    };
    let after_space = ctx.after.get(1..).unwrap_or("");
    match (ctx.next, byte) {
        (Some(' '), Some(0xC2)) if cp1252 => {
            seq.kind = SeqKind::StrayA;
            seq.eat = 1;
        }
        (None | Some('\n') | Some('\r'), Some(0xC2)) if cp1252 => {
            seq.kind = SeqKind::StrayA;
            seq.delete = true;
        }
        (Some(' '), Some(0xC3)) if cp1252 || page.name == "cp1251" => {
            seq.out = 'à';
            // A second space, or a Portuguese contraction (`às`, `àquele`)
            // following, means the space stood for the lost 0xA0 byte.
            let word: &str = after_space
                .split(|c: char| !c.is_alphabetic())
                .next()
                .unwrap_or("");
            if after_space.starts_with(' ')
                || matches!(word, "s" | "quele" | "quela" | "queles" | "quelas" | "quilo")
            {
                seq.eat = 1;
            }
        }
        (Some(' '), Some(0xC5)) if cp1252 => {
            seq.out = 'Š';
            seq.eat = 1;
        }
        _ => return,
    }
    out.seqs.push(seq);
}

/// Evidence for the candidates of [`space_a0`].
fn special_evidence(s: Seq, prev: Option<char>, ctx: Context) -> f32 {
    let after_space = ctx.after.get(1..).unwrap_or("");
    let next2 = after_space.chars().next();
    match (s.kind, s.out) {
        (SeqKind::StrayA, _) => {
            match prev {
                Some(p) if !p.is_whitespace() && !p.is_uppercase() => 2.0,
                _ => 0.0,
            }
        }
        (_, 'à') => {
            if prev.is_some_and(char::is_lowercase) {
                2.0
            } else if prev.is_some_and(char::is_alphabetic) {
                0.0
            } else {
                1.0
            }
        }
        (_, 'Š') => {
            if next2.is_some_and(char::is_lowercase) && !prev.is_some_and(char::is_alphabetic) {
                0.5
            } else {
                0.0
            }
        }
        _ => 0.0,
    }
}
