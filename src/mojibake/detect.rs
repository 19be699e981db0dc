//! Scoring one run of non-ASCII characters against one code page.
//!
//! A run is a maximal stretch of non-ASCII characters (mojibake never
//! contains ASCII: every byte of a UTF-8 multibyte sequence is >= 0x80, and
//! every page maps those bytes to non-ASCII characters). For one page the run
//! is mapped back to bytes, and every place where those bytes form a complete
//! UTF-8 sequence of 2-4 bytes becomes a candidate [`Seq`]. Each candidate
//! earns evidence (see [`seq_evidence`]); non-ASCII letters the page cannot
//! explain cost evidence, since real mojibake leaves few of them.

use super::classify::{class, is_box, may_stand_alone, script, Class, Letter, Script};
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
    /// Bytes decoded, but one was lost and written as an ASCII `?` by a
    /// lossy encoder (`â€?`, `Ã?Â¢`): becomes U+FFFD.
    LossyQuestion,
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

/// How a candidate sequence lost a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loss {
    /// Every byte is there.
    None,
    /// A U+FFFD stands for a byte.
    Replacement,
    /// An ASCII `?` stands for a byte.
    Question,
}

/// Whether a `?` at `chars[k]`, byte `j` of a sequence whose bytes so far
/// are `buf[..j]`, may stand for a lost byte: inside a run of mojibake (a
/// non-ASCII char follows), or closing `â€` (E2 80), whose most common
/// third byte, 0x9D of `”`, is one Windows-1252 leaves undefined.
fn question_is_lost_byte(chars: &[char], k: usize, j: usize, buf: &[u8]) -> bool {
    if chars.get(k) != Some(&'?') {
        return false;
    }
    let inside = chars.get(k + 1).is_some_and(|c| !c.is_ascii());
    inside || (j == 2 && buf.starts_with(&[0xE2, 0x80]))
}

/// Decodes the sequence starting at `i`, if there is one. Returns (chars
/// used, decoded char, how a byte was lost).
fn decode_at(bytes: &[Option<u8>], chars: &[char], i: usize) -> Option<(usize, char, Loss)> {
    let lead = (*bytes.get(i)?)?;
    let n = utf8_len(lead);
    if n == 0 || i + n > bytes.len() {
        return None;
    }
    let mut buf = [0u8; 4];
    buf[0] = lead;
    let mut loss = Loss::None;
    for j in 1..n {
        match bytes.get(i + j).copied().flatten() {
            Some(b) if is_cont(b) => buf[j] = b,
            _ if chars.get(i + j) == Some(&'\u{FFFD}') && loss != Loss::Question => {
                loss = Loss::Replacement;
                buf[j] = 0x80;
            }
            _ if loss != Loss::Replacement && question_is_lost_byte(chars, i + j, j, &buf[..j]) => {
                loss = Loss::Question;
                buf[j] = 0x80;
            }
            _ => return None,
        }
    }
    if loss != Loss::None {
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
            .map(|_| (n, '\u{FFFD}', loss));
    }
    if let Some(c) = std::str::from_utf8(&buf[..n])
        .ok()
        .and_then(|s| s.chars().next())
    {
        return Some((n, c, loss));
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
            return char::from_u32(cp).map(|c| (6, c, loss));
        }
    }
    None
}

/// Evidence that the 2-4 chars `src` decoding to `out` are mojibake, given
/// the decoded-view characters `prev` and `next` around them. 0 means the
/// decoded character is implausible anywhere; a negative value means it is
/// implausible *here* (a lone letter, a case break), which a run full of
/// other mojibake may overrule.
#[allow(clippy::too_many_arguments)]
fn seq_evidence(
    page: &CodePage,
    cp1252: bool,
    src: &[char],
    lead_byte: u8,
    out: char,
    lossy: bool,
    prev: Option<char>,
    next: Option<char>,
) -> f32 {
    let mut cls = class(out);
    if ('\u{80}'..='\u{9F}').contains(&out)
        && src.iter().any(|&c| c as u32 >= 0x80 && c as u32 <= 0x9F)
    {
        // `Â\u{9d}`: the middle layer of double mojibake, which the next
        // layer decodes (`â€\u{9d}` -> `”`).
        cls = Class::Weak;
    }
    if cls == Class::Bad {
        return 0.0;
    }
    let Some(&lead) = src.first() else {
        return 0.0;
    };
    let cont = src.get(1).copied().unwrap_or('\u{A0}');
    let prev_letter = prev.is_some_and(char::alpha);
    let next_letter = next.is_some_and(char::alpha);
    let mut e: f32;
    if lossy {
        e = if prev.is_some_and(char::lower) || src.len() >= 3 {
            2.0
        } else {
            1.0
        };
        return e;
    }
    if src.len() >= 3 {
        e = 3.0;
    } else {
        // Two bytes: a lead letter or symbol, then one of the page's
        // upper-half symbols or rare letters. On cp1252 those letters
        // (š ž œ Ÿ ª º µ ƒ) never follow an accented capital in real text;
        // on MacRoman, cp1251 and cp1253 the upper half holds letters of the
        // very languages the page is for.
        let cont_letter =
            cont.alpha() && !cp1252 && !(page.name == "cp1251" && matches!(lead_byte, 0xD0 | 0xD1));
        let cont_weight = if !cont_letter {
            2.0
        } else if matches!(page.name, "macroman" | "cp1251" | "cp1253" | "cp437") {
            1.0
        } else {
            1.5
        };
        e = match lead_byte {
            0xC2 => {
                if cont == '\u{A0}' && (prev.is_some_and(char::upper) || prev.is_none()) {
                    0.5
                } else if cont == '\u{A0}' && cp1252 && !prev.is_some_and(char::is_whitespace) {
                    // `Â` + NBSP after a lowercase letter or punctuation.
                    3.0
                } else {
                    cont_weight
                }
            }
            0xC3 => {
                if out == 'à' && cont == '\u{A0}' {
                    if next_letter || prev.is_some_and(char::lower) || !prev_letter {
                        2.0
                    } else {
                        0.5
                    }
                } else if out.lower() {
                    cont_weight
                } else if prev_letter
                    || (next.is_some_and(char::lower) && !matches!(cont, '’' | '‘'))
                {
                    // A capital inside a word or starting one (`Ã‰cole`);
                    // but `Ã’s` is a plural of Ã, not `Òs`.
                    cont_weight
                } else {
                    0.5
                }
            }
            _ => {
                if out == 'Š' && cont == '\u{A0}' && next.is_some_and(char::lower) {
                    // `Å\u{a0}iauliai`: Š is common, Å + NBSP + lowercase is not.
                    2.0
                } else if cont == '\u{A0}' {
                    0.5
                } else {
                    cont_weight
                }
            }
        };
        // Pages other than cp1252 are rarer: capitals inside a word need
        // more evidence there (`NICIODATĂ™` is Romanian, not `DATÙ`).
        if !cp1252 && out.upper() && prev_letter {
            e *= 0.75;
        }
        // A symbol or box-drawing lead glued to a letter is not how symbols
        // are used in real text.
        if !lead.alpha()
            && out.alpha()
            && (prev_letter || (is_box(lead) && (cont.alpha() || next_letter)))
        {
            e = e.max(2.0);
        }
        // A little preference for the letters real text is full of, so that
        // ISO-8859-2 `ĂĄ` reads as `á` rather than cp1250's `å`.
        if matches!(
            out,
            'á' | 'é'
                | 'í'
                | 'ó'
                | 'ú'
                | 'à'
                | 'è'
                | 'ì'
                | 'ò'
                | 'ù'
                | 'â'
                | 'ê'
                | 'î'
                | 'ô'
                | 'û'
                | 'ç'
                | 'ã'
                | 'õ'
                | 'ñ'
                | 'ä'
                | 'ë'
                | 'ï'
                | 'ö'
                | 'ü'
                | 'ß'
        ) {
            e += 0.1;
        }
        // Symbol + symbol reading as a symbol (`¬´` -> `«` in MacRoman) is
        // how kaomoji look, not evidence.
        if !cp1252 && !lead.alpha() && !cont.alpha() && !out.alpha() {
            e = e.min(0.5);
        }
    }
    if cls == Class::Weak {
        e *= 0.25;
    }
    // Letters: the repaired word must look like a word. Neighbours that are
    // non-ASCII symbols are likely more mojibake, so they do not count as
    // word boundaries.
    if out.alpha() {
        let boundary = |c: Option<char>| c.is_none_or_ascii_non_alnum();
        let alone = boundary(prev) && boundary(next);
        if alone && src.len() == 2 && !may_stand_alone(out) {
            return -1.0;
        }
        if out.lower()
            && script(out) == Script::Latin
            && prev.is_some_and(|p| p.is_ascii_uppercase())
            && !next.is_some_and(char::lower)
            && boundary(next)
        {
            return -1.0;
        }
        if let Script::Other(s) = script(out) {
            let same = |c: Option<char>| c.is_some_and(|c| script(c) == Script::Other(s));
            let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if !same(prev) && !same(next) {
                if src.len() == 2 && !alone {
                    return -1.0;
                }
                if src.len() > 2 && (glued(prev) || glued(next)) {
                    return -1.0;
                }
                if src.len() > 2 && s >= 10 {
                    // One ideograph or syllable among non-CJK text.
                    e = e.min(1.0);
                }
            }
        }
    }
    e
}

trait Boundary {
    fn is_none_or_ascii_non_alnum(&self) -> bool;
}

impl Boundary for Option<char> {
    fn is_none_or_ascii_non_alnum(&self) -> bool {
        match self {
            None => true,
            Some(c) => c.is_ascii() && !c.is_ascii_alphanumeric(),
        }
    }
}

/// Evaluates `chars` (one run) under `page`. `bytes` is scratch space.
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
    let a0 = page.char_of(0xA0) == '\u{A0}';
    let last = chars.len().saturating_sub(1);
    bytes.extend(chars.iter().enumerate().map(|(k, &c)| {
        if c == ' ' && a0 && k > 0 && k < last {
            // A space inside a run was let in by the caller because it sits
            // where a 0xA0 byte belongs (`â €` for U+2800).
            Some(0xA0)
        } else {
            page.byte_of(c)
        }
    }));
    // A space right after the run may be a 0xA0 byte (a no-break space in
    // every page tried here but MacRoman) that some process "normalized".
    let virtual_a0 = ctx.next == Some(' ') && a0;
    if virtual_a0 {
        bytes.push(Some(0xA0));
    }
    // First pass: candidates, greedy left to right.
    let mut i = 0;
    while i < chars.len() {
        if let Some((n, c, loss)) = decode_at(bytes, chars, i) {
            let mut seq = Seq {
                first: i,
                len: n,
                out: c,
                evidence: 0.0,
                kind: match loss {
                    Loss::None => SeqKind::Decode,
                    Loss::Replacement => SeqKind::Lossy,
                    Loss::Question => SeqKind::LossyQuestion,
                },
                eat: 0,
                delete: false,
            };
            if i + n > chars.len() {
                seq.len = chars.len() - i;
                seq.kind = SeqKind::SpaceA0;
                seq.eat = 1;
                if c == '\u{A0}' {
                    seq.kind = SeqKind::StrayA;
                } else if c == 'à' {
                    seq.eat = usize::from(a_grave_eats_space(ctx.after));
                }
            }
            out.seqs.push(seq);
            i += n;
        } else {
            i += 1;
        }
    }
    stray_a_at_eol(page, cp1252, chars, ctx, out);
    if out.seqs.is_empty() {
        return;
    }
    // Second pass: evidence, with neighbours seen as they would be repaired.
    let mut k = 0;
    let mut pos = 0;
    let mut prev = ctx.prev;
    let mut unexplained = 0.0f32;
    // Letters after a repaired no-break space start another word.
    let mut after_space = false;
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
                    // Weak on its own: the run or the document must show
                    // mojibake elsewhere.
                    SeqKind::LossyQuestion => 0.5,
                    SeqKind::Decode if src.contains(&' ') => {
                        // A 0xA0 byte turned into a space inside the
                        // sequence: only symbols (the Braille blank of
                        // social media posts), and only weak.
                        if s.out.alpha() {
                            0.0
                        } else {
                            seq_evidence(page, cp1252, src, lead_byte, s.out, false, prev, next)
                                .min(0.5)
                        }
                    }
                    SeqKind::Decode | SeqKind::Lossy => seq_evidence(
                        page,
                        cp1252,
                        src,
                        lead_byte,
                        s.out,
                        s.kind == SeqKind::Lossy,
                        prev,
                        next,
                    ),
                    SeqKind::SpaceA0 if s.out != 'à' => {
                        // Weak on its own: the document must show mojibake
                        // elsewhere.
                        if class(s.out) != Class::Good
                            || (src.len() < 2 && !(s.out.alpha() || s.out.is_numeric()))
                        {
                            0.0
                        } else if src.len() >= 2 {
                            1.5
                        } else {
                            0.5
                        }
                    }
                    SeqKind::StrayA | SeqKind::SpaceA0 => special_evidence(s, prev),
                };
                if let Some(slot) = out.seqs.get_mut(k) {
                    slot.evidence = e;
                }
                prev = Some(if s.delete { ' ' } else { s.out });
                after_space = s.out == '\u{A0}';
                pos += s.len.max(1);
                k += 1;
            }
            _ => {
                // A letter the page has but no sequence explains speaks
                // against mojibake; letters of other scripts are just text.
                let c = chars.get(pos).copied().unwrap_or(' ');
                let byte = bytes.get(pos).copied().flatten();
                if after_space {
                    // Another word.
                } else if c.alpha() && (byte.is_some() || ('\u{C0}'..'\u{250}').contains(&c)) {
                    unexplained += 1.0;
                } else if byte.is_some_and(is_cont)
                    && !matches!(
                        c,
                        '’' | '‘'
                            | '“'
                            | '”'
                            | '…'
                            | '–'
                            | '—'
                            | '•'
                            | '«'
                            | '»'
                            | '\u{A0}'
                            | '°'
                            | '·'
                    )
                {
                    // A left-over continuation symbol (`â„¢` half decoded).
                    unexplained += 0.5;
                }
                prev = Some(c);
                pos += 1;
            }
        }
    }
    // A run that is plainly mojibake overall (a 3-byte sequence's worth of
    // evidence) takes its doubtful pieces too: in double mojibake the
    // intermediate characters (`â`, `Ã`) look like lone letters.
    let total: f32 = out.seqs.iter().map(|s| s.evidence.max(0.0)).sum();
    for s in out.seqs.iter_mut() {
        if s.evidence < 0.0 {
            if total >= 3.0 {
                s.evidence = 0.5;
            } else {
                unexplained += chars
                    .get(s.first..s.first + s.len)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|c| c.alpha())
                    .count() as f32;
            }
        }
    }
    // A `?` read as a lost byte needs a real sequence beside it in the run,
    // except in the `â€?` form.
    let real = out.seqs.iter().any(|s| {
        let curly =
            bytes.get(s.first) == Some(&Some(0xE2)) && bytes.get(s.first + 1) == Some(&Some(0x80));
        s.evidence > 0.0 && (s.kind != SeqKind::LossyQuestion || curly)
    });
    if !real {
        out.seqs.clear();
    }
    out.seqs.retain(|s| s.evidence > 0.0);
    out.score = out.seqs.iter().map(|s| s.evidence).sum::<f32>() - unexplained;
}

/// Whether `Ã` + space (à whose 0xA0 became a space) swallows that space: it
/// does before a second space or a Portuguese contraction (`às`, `àquele`);
/// otherwise the space is kept, as French `voilà le` needs it.
fn a_grave_eats_space(after: &str) -> bool {
    let after_space = after.get(1..).unwrap_or("");
    let word = after_space.split(|c: char| !c.alpha()).next().unwrap_or("");
    let word_end = after_space.get(word.len()..).and_then(|r| r.chars().next());
    after_space.starts_with(' ')
        || (matches!(
            word,
            "s" | "quele" | "quela" | "queles" | "quelas" | "quilo"
        ) && word_end.is_none_or_ascii_non_alnum()
            && word_end != Some('\''))
}

/// A lone `Â` closing a line: the rest of a UTF-8 no-break space was lost.
fn stray_a_at_eol(page: &CodePage, cp1252: bool, chars: &[char], ctx: Context, out: &mut RunEval) {
    let Some(last_i) = chars.len().checked_sub(1) else {
        return;
    };
    if !cp1252 || out.seqs.last().is_some_and(|s| s.first + s.len > last_i) {
        return;
    }
    if chars.get(last_i).and_then(|&c| page.byte_of(c)) != Some(0xC2) {
        return;
    }
    if matches!(ctx.next, None | Some('\n') | Some('\r')) {
        out.seqs.push(Seq {
            first: last_i,
            len: 1,
            out: '\u{A0}',
            evidence: 0.0,
            kind: SeqKind::StrayA,
            eat: 0,
            delete: true,
        });
    }
}

/// Evidence for the stray `Â` and `Ã` + space candidates.
fn special_evidence(s: Seq, prev: Option<char>) -> f32 {
    match (s.kind, s.out) {
        (SeqKind::StrayA, _) => match prev {
            Some(p) if !p.is_whitespace() && !p.upper() => 3.0,
            _ => 0.0,
        },
        (_, 'à') => {
            if prev.is_some_and(char::lower) {
                2.0
            } else if prev.is_some_and(char::alpha) {
                0.0
            } else {
                1.0
            }
        }
        _ => 0.0,
    }
}
