//! Seeded, labeled mojibake cases: clean multilingual sentences pushed
//! through the corruption chains seen in the wild, plus clean look-alikes.
//!
//! Shared by `tests/mojibake_eval.rs` (quality floor in CI) and
//! `examples/eval_mojibake.rs` (full report, JSONL dump for the ftfy side).
#![allow(dead_code)]

/// One labeled case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Corruption chain (`cp1252`, `double`, ...) or `clean` / `lookalike`.
    pub chain: &'static str,
    /// Text given to the repairer.
    pub input: String,
    /// What it must come out as.
    pub expected: String,
    /// A negative case: the input must come out unchanged.
    pub negative: bool,
}

/// Clean sentences, one per language or script, written for this set.
pub const SENTENCES: &[&str] = &[
    "Le café était fermé, alors nous sommes allés à la boulangerie près de l’église.",
    "Très bientôt, la fenêtre donnera sur un jardin où poussent des pêches.",
    "El niño comió una piña en el jardín mientras su abuela leía un periódico.",
    "¿Dónde está la estación? ¡Qué lástima que llegamos tan tarde!",
    "A população de São Paulo não parou de crescer, e a cidade está ótima.",
    "Ele disse que a situação é difícil, mas as crianças estão bem.",
    "Die Straße war nass, und die Größe des Gebäudes überraschte alle Gäste.",
    "Über die Brücke fuhren fünf schöne Züge in Richtung München.",
    "Il caffè è già pronto, però la città è ancora addormentata.",
    "Zażółć gęślą jaźń, powiedział Łukasz i wyszedł na ulicę.",
    "Příliš žluťoučký kůň úpěl ďábelské ódy na náměstí.",
    "În România, școala începe în septembrie și țara sărbătorește.",
    "İstanbul’da güneşli bir gün; çocuklar ağaçların altında oyun oynuyor.",
    "Šiandien Vilniuje lyja, o vaikai žaidžia kieme prie mokyklos.",
    "Rīgā ir skaista vecpilsēta, un ļaudis staigā pa ielām.",
    "Smørrebrød og blåbærsyltetøj er godt på en kold dag i Århus.",
    "Tiếng Việt có nhiều dấu, và người ta viết chữ Quốc ngữ rất đẹp.",
    "Москва — столица России, и зимой там очень холодно.",
    "Привіт, як справи? Їжак їсть яблуко в саду.",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας και έχει πολλά μνημεία.",
    "השמש זורחת מעל ירושלים והילדים משחקים בגן.",
    "القاهرة مدينة كبيرة ويعيش فيها ملايين الناس.",
    "我们明天去北京参观博物馆，然后吃烤鸭。",
    "東京の天気は晴れです。明日は雨が降るでしょう。",
    "서울은 한국의 수도이며 많은 사람들이 살고 있습니다.",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "भारत एक विशाल देश है और यहाँ कई भाषाएँ बोली जाती हैं।",
    "She said “it’s fine” — but the price was €45… or £40, she wasn’t sure.",
    "The party was great 🎉🎂 and everyone loved the cake 😍👍",
    "Temperature: 25 °C ± 2 °C, area 3 m², ratio ½ and ¼.",
    "Ørsted’s CEO visited Åland and Færøerne last week.",
    "Résumé naïve coöperate façade déjà vu — all loan words.",
];

/// Clean text that looks like mojibake to a careless detector.
pub const LOOKALIKES: &[&str] = &[
    "NÃO SE PREOCUPE",
    "SÃO PAULO FUTEBOL CLUBE",
    "Ângela Ângelo e Ântonio",
    "ÎN ROMÂNIA, CÂND VII?",
    "Ôôô VIDA MINHA",
    "C O N C L U S Ã O",
    "Mọi người đều ở đây, Ông và Bà",
    "ÅSE ÆRØ ØYVIND ÅRHUS",
    "Price ≥ 5 € ≤ 10 £ ≠ ¥ × ÷ ± √π ∞",
    "┌──┬──┐\n│ok│no│\n└──┴──┘",
    "(╯°□°)╯︵ ┻━┻  ¯\\_(ツ)_/¯  ( ͡° ͜ʖ ͡°)",
    "OK??:(   `¬´    ):",
    "😀😃😄 ❤️ ✔ ☺ ♫",
    "½ cup, ¼ tsp, 3° off, § 12, © 2024, ® and ™",
    "MARQUÉ… SÓ… VOCÊ…",
    "Café Müller – Straße à la carte",
    "ЁЛКА И ВСЁ",
    "Ђорђе и Љиљана",
    "“Quoted” ‘text’ – dash — em … ellipsis",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ",
    "Ñandú, ÑOÑO, AÑOS",
    "10 Å—",
    "ÉCOLE ÉTÉ, À BIENTÔT",
];

/// A small seeded generator (xorshift64*), so the set never changes.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next value.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A value below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Decodes UTF-8 bytes of `text` with a single-byte page, as a careless
/// reader would: bytes the page lacks in 0x80..0x9F become C1 controls (as
/// browsers show them); `None` when a byte above 0x9F is undefined.
pub fn mis_decode(text: &str, enc: &'static encoding_rs::Encoding) -> Option<String> {
    let mut out = String::with_capacity(text.len() * 2);
    for &b in text.as_bytes() {
        if b < 0x80 {
            out.push(char::from(b));
            continue;
        }
        match enc.decode_without_bom_handling_and_without_replacement(&[b]) {
            Some(s) => out.push_str(&s),
            None if b < 0xA0 => out.push(char::from(b)),
            None => return None,
        }
    }
    Some(out)
}

/// Latin-1 reading: every byte is its own code point.
pub fn latin1(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// The chains of corruption, by name.
pub const CHAINS: &[&str] = &[
    "cp1252",
    "latin1",
    "macroman",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "double",
    "partial",
    "mixed-line",
    "stray-a-nbsp",
    "stray-a-space",
    "stray-a-eol",
    "c1-controls",
];

fn corrupt(chain: &str, text: &str) -> Option<String> {
    use encoding_rs::*;
    match chain {
        "cp1252" => mis_decode(text, WINDOWS_1252),
        "latin1" => Some(latin1(text)),
        "macroman" => mis_decode(text, MACINTOSH),
        "cp1250" => mis_decode(text, WINDOWS_1250),
        "cp1251" => mis_decode(text, WINDOWS_1251),
        "cp1253" => mis_decode(text, WINDOWS_1253),
        "cp1254" => mis_decode(text, WINDOWS_1254),
        "cp1257" => mis_decode(text, WINDOWS_1257),
        "double" => mis_decode(&mis_decode(text, WINDOWS_1252)?, WINDOWS_1252),
        _ => None,
    }
}

/// `n` positive cases and all negatives, from `seed`.
pub fn cases(seed: u64, n: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n + SENTENCES.len() + LOOKALIKES.len());
    let mut tries = 0;
    while out.len() < n && tries < n * 20 {
        tries += 1;
        let chain = *rng.pick(CHAINS);
        let a = *rng.pick(SENTENCES);
        let b = *rng.pick(SENTENCES);
        let case = match chain {
            "partial" => {
                corrupt("cp1252", b).map(|bad| (format!("{a}\n\n{bad}"), format!("{a}\n\n{b}")))
            }
            "mixed-line" => {
                corrupt("cp1252", b).map(|bad| (format!("{a} {bad}"), format!("{a} {b}")))
            }
            "stray-a-nbsp" => Some((format!("{a}Â\u{A0}{b}"), format!("{a}\u{A0}{b}"))),
            "stray-a-space" => Some((format!("{a}Â {b}"), format!("{a}\u{A0}{b}"))),
            "stray-a-eol" => Some((format!("{a}Â\n{b}"), format!("{a}\n{b}"))),
            "c1-controls" => {
                // Windows-1252 bytes read as Latin-1: curly quotes become C1.
                let text = format!("“{a}” – {b}…");
                let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
                if bad {
                    None
                } else {
                    let input: String = bytes.iter().map(|&b| char::from(b)).collect();
                    Some((input, text))
                }
            }
            _ => {
                let text = if rng.below(2) == 0 {
                    a.to_string()
                } else {
                    format!("{a} {b}")
                };
                corrupt(chain, &text).map(|bad| (bad, text))
            }
        };
        let Some((input, expected)) = case else {
            continue;
        };
        if input == expected {
            continue;
        }
        out.push(Case {
            chain,
            input,
            expected,
            negative: false,
        });
    }
    for s in SENTENCES {
        out.push(Case {
            chain: "clean",
            input: s.to_string(),
            expected: s.to_string(),
            negative: true,
        });
    }
    for s in LOOKALIKES {
        out.push(Case {
            chain: "lookalike",
            input: s.to_string(),
            expected: s.to_string(),
            negative: true,
        });
    }
    out
}

/// Fixed-rate and false-change rate of `repair` over `cases`, with the
/// failures (up to `keep`) for the report.
pub struct Score {
    /// Positive cases repaired exactly.
    pub fixed: usize,
    /// Positive cases.
    pub positives: usize,
    /// Negative cases changed.
    pub false_changes: usize,
    /// Negative cases.
    pub negatives: usize,
    /// Per chain: (name, fixed, total).
    pub by_chain: Vec<(&'static str, usize, usize)>,
    /// Failed cases: (chain, input, got, expected).
    pub failures: Vec<(&'static str, String, String, String)>,
}

/// Runs `repair` over `cases`.
pub fn score(cases: &[Case], repair: impl Fn(&str) -> String) -> Score {
    let mut s = Score {
        fixed: 0,
        positives: 0,
        false_changes: 0,
        negatives: 0,
        by_chain: Vec::new(),
        failures: Vec::new(),
    };
    for c in cases {
        let got = repair(&c.input);
        let ok = got == c.expected;
        if c.negative {
            s.negatives += 1;
            if !ok {
                s.false_changes += 1;
            }
        } else {
            s.positives += 1;
            if ok {
                s.fixed += 1;
            }
        }
        match s.by_chain.iter_mut().find(|e| e.0 == c.chain) {
            Some(e) => {
                e.1 += usize::from(ok);
                e.2 += 1;
            }
            None => s.by_chain.push((c.chain, usize::from(ok), 1)),
        }
        if !ok {
            s.failures
                .push((c.chain, c.input.clone(), got, c.expected.clone()));
        }
    }
    s
}
