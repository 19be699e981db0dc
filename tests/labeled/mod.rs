//! A seeded, labeled near-duplicate benchmark built from real news
//! (`news_real.jsonl.gz`): base articles, edited copies of them, and
//! unrelated distractors on the same topics; plus pairwise metrics.
//!
//! Shared by `tests/dedup_eval.rs` (a small set, a quality floor) and
//! `examples/eval_dedup.rs` (the full set, a threshold sweep, the dump for
//! `benches/dedup_peers.py`).
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// One article of the corpus.
pub struct News {
    pub id: String,
    pub text: String,
    pub topics: Vec<String>,
}

/// One document of the labeled set.
#[derive(Clone, serde::Serialize)]
pub struct Labeled {
    pub id: String,
    pub text: String,
    /// Documents with the same label are copies of one article.
    pub label: u32,
    /// How the document was made: `base`, `distractor`, `templated` (a
    /// report from a template shared with other documents of the set, on
    /// another day), or the edits of a
    /// copy joined by `+` (`lede`, `drop`, `words`, `truncate`,
    /// `boilerplate`, `mojibake`, `exact`).
    pub kind: String,
}

/// The corpus path: `SCOUR_NEWS`, else `../shared/corpora/news_real.jsonl.gz`
/// beside the package.
pub fn news_path() -> PathBuf {
    match std::env::var_os("SCOUR_NEWS") {
        Some(p) => PathBuf::from(p),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/news_real.jsonl.gz")
        }
    }
}

/// Reads the corpus; `None` when it is missing.
pub fn load_news() -> Option<Vec<News>> {
    let path = news_path();
    let file = std::fs::File::open(&path).ok()?;
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for line in reader.lines() {
        let line = line.ok()?;
        let v: serde_json::Value = serde_json::from_str(&line).ok()?;
        let text = v["text"].as_str().unwrap_or("").to_owned();
        let id = v["id"].as_str().unwrap_or("").to_owned();
        let topics = v["topics"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        out.push(News { id, text, topics });
    }
    Some(out)
}

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 1.0 < p
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// Lower-cased word 5-grams of a text, for the overlap filter.
fn grams(text: &str) -> HashSet<u64> {
    let w: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    w.windows(5)
        .map(|g| xxhash_rust::xxh3::xxh3_64(g.join(" ").as_bytes()))
        .collect()
}

/// Paragraphs: Reuters texts indent them, BBC texts put one per line.
fn paragraphs(text: &str) -> Vec<String> {
    let parts: Vec<String> = if text.contains("\n    ") {
        text.split("\n    ").map(str::to_owned).collect()
    } else {
        text.split('\n').map(str::to_owned).collect()
    };
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

const AGENCIES: &[&str] = &[
    "(Reuters)",
    "(AP)",
    "(AFP)",
    "(Bloomberg)",
    "(Staff report)",
    "(Wire services)",
];
const CITIES: &[&str] = &[
    "NEW YORK",
    "LONDON",
    "WASHINGTON",
    "TOKYO",
    "PARIS",
    "CHICAGO",
    "SYDNEY",
    "FRANKFURT",
];
const LEDES: &[&str] = &[
    "In a development closely watched by analysts, officials confirmed on Tuesday that",
    "Sources familiar with the matter said late on Monday that",
    "According to a statement released earlier today,",
    "Market watchers were taken by surprise this week when it emerged that",
    "In news that could have wide implications for the sector,",
    "Speaking to reporters, a spokesman said that",
];
const SUBS: &[(&str, &str)] = &[
    ("said", "stated"),
    ("says", "states"),
    ("company", "firm"),
    ("year", "12 months"),
    ("percent", "pct"),
    ("pct", "percent"),
    ("million", "mln"),
    ("mln", "million"),
    ("billion", "bln"),
    ("bln", "billion"),
    ("shares", "stock"),
    ("rose", "climbed"),
    ("fell", "dropped"),
    ("government", "administration"),
    ("also", "additionally"),
    ("but", "however"),
    ("will", "would"),
    ("about", "around"),
    ("told", "informed"),
    ("new", "fresh"),
];
const HEADERS: &[&str] = &[
    "Home | News | Business | Markets | Sport | Contact us",
    "Skip to main content",
    "Advertisement",
    "Share this article: Facebook Twitter Email Print",
    "Subscribe to our newsletter for the latest headlines",
];
const FOOTERS: &[&str] = &[
    "Copyright 2024 All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
    "Related stories: Markets close higher | Oil prices slip | Central bank holds rates",
    "Follow us on social media for breaking news and updates.",
    "Click here to read more articles like this one. Terms of use | Privacy policy | Cookie settings",
    "Sign up for alerts. Already a subscriber? Log in.",
];

fn new_lede(rng: &mut Rng, paras: &mut [String]) {
    let Some(first) = paras.first_mut() else {
        return;
    };
    let w = words(first);
    // The first paragraph, rewritten: a new opening clause, its words
    // thinned out, the agency's dateline.
    let kept: Vec<&str> = w.iter().copied().filter(|_| rng.chance(0.5)).collect();
    *first = format!(
        "{} {} - {} {}",
        CITIES[rng.below(CITIES.len())],
        AGENCIES[rng.below(AGENCIES.len())],
        LEDES[rng.below(LEDES.len())],
        kept.join(" ")
    );
}

fn drop_paragraph(rng: &mut Rng, paras: &mut Vec<String>) -> bool {
    if paras.len() < 4 {
        return false;
    }
    let i = 1 + rng.below(paras.len() - 1);
    paras.remove(i);
    true
}

fn substitute(rng: &mut Rng, text: &str, rate: f64) -> String {
    let vocab: Vec<&str> = words(text);
    text.split(' ')
        .map(|w| {
            if !rng.chance(rate) {
                return w.to_owned();
            }
            let lower = w.to_lowercase();
            if let Some((_, to)) = SUBS.iter().find(|(from, _)| *from == lower) {
                (*to).to_owned()
            } else if rng.chance(0.5) {
                // A word from elsewhere in the article.
                vocab[rng.below(vocab.len())].to_owned()
            } else {
                // Dropped.
                String::new()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn truncate(rng: &mut Rng, text: &str) -> String {
    let keep = rng.range(0.6, 0.9);
    let mut cut = (text.len() as f64 * keep) as usize;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    // End at a word boundary.
    let cut = text[..cut].rfind(char::is_whitespace).unwrap_or(cut);
    text[..cut].to_owned()
}

fn boilerplate(rng: &mut Rng, text: &str) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(3) {
        out.push_str(HEADERS[rng.below(HEADERS.len())]);
        out.push('\n');
    }
    out.push_str(text);
    for _ in 0..1 + rng.below(3) {
        out.push('\n');
        out.push_str(FOOTERS[rng.below(FOOTERS.len())]);
    }
    out
}

/// Typographic quotes and dashes, then the UTF-8 bytes read as
/// Windows-1252: the usual mojibake.
fn mojibake(text: &str) -> String {
    let mut typo = String::with_capacity(text.len());
    let mut open = true;
    for c in text.chars() {
        match c {
            '\'' => typo.push('\u{2019}'),
            '"' => {
                typo.push(if open { '\u{201c}' } else { '\u{201d}' });
                open = !open;
            }
            _ => typo.push(c),
        }
    }
    let typo = typo.replace(" - ", " \u{2014} ").replace("...", "\u{2026}");
    let (decoded, _, _) = encoding_rs::WINDOWS_1252.decode(typo.as_bytes());
    decoded.into_owned()
}

/// Makes one edited copy of `base`; returns its text and kind.
fn variant(rng: &mut Rng, base: &str) -> (String, String) {
    let mut kinds = Vec::new();
    let roll = rng.below(100);
    let mut text = if roll < 8 {
        kinds.push("exact");
        base.to_owned()
    } else if roll < 55 {
        // A syndicated copy.
        let mut paras = paragraphs(base);
        if rng.chance(0.7) {
            new_lede(rng, &mut paras);
            kinds.push("lede");
        }
        if rng.chance(0.5) && drop_paragraph(rng, &mut paras) {
            kinds.push("drop");
        }
        let mut t = paras.join("\n\n");
        if rng.chance(0.8) {
            let rate = rng.range(0.005, 0.03);
            t = substitute(rng, &t, rate);
            kinds.push("words");
        }
        t
    } else if roll < 75 {
        kinds.push("truncate");
        truncate(rng, base)
    } else {
        base.to_owned()
    };
    if roll >= 75 || rng.chance(0.15) {
        if rng.chance(0.5) {
            text = boilerplate(rng, &text);
            kinds.push("boilerplate");
        } else {
            text = mojibake(&text);
            kinds.push("mojibake");
        }
    }
    if roll >= 75 && rng.chance(0.3) {
        if kinds.contains(&"boilerplate") {
            text = mojibake(&text);
            kinds.push("mojibake");
        } else {
            text = boilerplate(rng, &text);
            kinds.push("boilerplate");
        }
    }
    if kinds.is_empty() {
        kinds.push("exact");
    }
    (text, kinds.join("+"))
}

/// Builds the set: `bases` articles with 0-4 edited copies each,
/// `distractors` unrelated articles on the same topics, and about
/// `distractors / 5` templated reports (hard negatives, see below),
/// shuffled. No two
/// chosen articles share more than 5% of their 5-grams with a base, or
/// 15% with a distractor (the corpus has near-duplicates of its own, which
/// would make the labels wrong).
pub fn build(news: &[News], bases: usize, distractors: usize, seed: u64) -> Vec<Labeled> {
    let mut rng = Rng(seed);
    let mut pool: Vec<usize> = (0..news.len()).collect();
    rng.shuffle(&mut pool);
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut chosen: Vec<usize> = Vec::new();
    let mut base_topics: HashSet<&str> = HashSet::new();
    let mut is_base = Vec::new();
    for want_base in [true, false] {
        let target = if want_base { bases } else { distractors };
        let mut got = 0;
        for &i in &pool {
            if got == target {
                break;
            }
            let doc = &news[i];
            let n_words = words(&doc.text).len();
            let ok_len = if want_base {
                (120..1500).contains(&n_words)
            } else {
                n_words >= 40
            };
            if !ok_len || chosen.contains(&i) {
                continue;
            }
            if !want_base && !doc.topics.iter().any(|t| base_topics.contains(t.as_str())) {
                continue;
            }
            let g = grams(&doc.text);
            let mut hits: HashMap<u32, usize> = HashMap::new();
            for h in &g {
                if let Some(&o) = seen.get(h) {
                    *hits.entry(o).or_default() += 1;
                }
            }
            // Bases overlap nothing; distractors may share a little
            // (templated reports on the same topic), never 15%.
            let limit = if want_base { 20 } else { 7 };
            if hits.values().any(|&c| c * limit > g.len().max(1)) {
                continue;
            }
            for h in g {
                seen.insert(h, chosen.len() as u32);
            }
            chosen.push(i);
            is_base.push(want_base);
            if want_base {
                base_topics.extend(doc.topics.iter().map(String::as_str));
            }
            got += 1;
        }
    }
    // Hard negatives: reports made from one template on different days
    // (Reuters' weekly money supply, daily heating oil prices): the same
    // first three title words, a different date in the dateline and
    // mostly different figures. They share a lot of text and are still
    // different documents.
    let templated_target = distractors / 5;
    let mut by_title: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    for &i in &pool {
        let doc = &news[i];
        if chosen.contains(&i) || words(&doc.text).len() < 40 {
            continue;
        }
        if let (Some(title), Some(date)) = (title_key(&doc.text), dateline_date(&doc.text)) {
            let nums = numbers(&doc.text);
            if nums.len() < 3 {
                continue;
            }
            let group = by_title.entry(title).or_default();
            // Another day and other figures: another report. (The same
            // figures on another day is the wire repeating a story.)
            if group.len() < 3
                && group
                    .iter()
                    .all(|(d, j)| *d != date && set_jaccard(&numbers(&news[*j].text), &nums) < 0.5)
            {
                group.push((date, i));
            }
        }
    }
    let mut groups: Vec<Vec<(String, usize)>> =
        by_title.into_values().filter(|g| g.len() >= 2).collect();
    groups.sort_by_key(|g| g[0].1);
    rng.shuffle(&mut groups);
    let n_before = chosen.len() as u32;
    let mut templated = 0;
    for group in groups {
        if templated >= templated_target {
            break;
        }
        // Against the bases and plain distractors only.
        let clean = group.iter().all(|&(_, i)| {
            let g = grams(&news[i].text);
            let hits = g
                .iter()
                .filter(|h| seen.get(h).is_some_and(|&o| o < n_before))
                .count();
            hits * 20 <= g.len().max(1)
        });
        if !clean {
            continue;
        }
        for (_, i) in group {
            chosen.push(i);
            is_base.push(false);
            templated += 1;
        }
    }
    let n_plain = n_before as usize;
    let mut out = Vec::new();
    for (label, (&i, &base)) in chosen.iter().zip(&is_base).enumerate() {
        let doc = &news[i];
        let label = label as u32;
        out.push(Labeled {
            id: doc.id.clone(),
            text: doc.text.clone(),
            label,
            kind: if base {
                "base"
            } else if (label as usize) < n_plain {
                "distractor"
            } else {
                "templated"
            }
            .into(),
        });
        if !base {
            continue;
        }
        let copies = match rng.below(100) {
            0..=14 => 0,
            15..=44 => 1,
            45..=69 => 2,
            70..=87 => 3,
            _ => 4,
        };
        for c in 0..copies {
            let (text, kind) = variant(&mut rng, &doc.text);
            out.push(Labeled {
                id: format!("{}~copy{c}", doc.id),
                text,
                label,
                kind,
            });
        }
    }
    rng.shuffle(&mut out);
    out
}

/// The numbers of a text (runs of digits, dots and commas).
fn numbers(text: &str) -> HashSet<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_matches(|c| c == '.' || c == ','))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_owned)
        .collect()
}

fn set_jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let both = a.intersection(b).count();
    let any = a.len() + b.len() - both;
    if any == 0 {
        1.0
    } else {
        both as f64 / any as f64
    }
}

/// The first three words of the title (first line), upper-cased.
fn title_key(text: &str) -> Option<String> {
    let first = text.lines().next()?;
    let w: Vec<String> = first
        .split_whitespace()
        .take(3)
        .map(str::to_uppercase)
        .collect();
    (w.len() == 3).then(|| w.join(" "))
}

/// "March 6" from a Reuters dateline ("CHICAGO, March 6 - ...").
fn dateline_date(text: &str) -> Option<String> {
    const MONTHS: &[&str] = &[
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let head: String = text.chars().take(300).collect();
    let dash = head.find(" - ")?;
    let before = &head[..dash];
    let w: Vec<&str> = before.split_whitespace().collect();
    let (month, day) = (w.get(w.len().checked_sub(2)?)?, w.last()?);
    (MONTHS.contains(month) && day.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{month} {day}"))
}

/// Pairwise precision, recall, F1 and adjusted Rand index of a clustering
/// against the gold labels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub ari: f64,
}

fn pairs(n: u64) -> f64 {
    (n * n.saturating_sub(1) / 2) as f64
}

pub fn metrics(gold: &[u32], pred: &[u32]) -> Metrics {
    let mut both: HashMap<(u32, u32), u64> = HashMap::new();
    let mut g: HashMap<u32, u64> = HashMap::new();
    let mut p: HashMap<u32, u64> = HashMap::new();
    for (&a, &b) in gold.iter().zip(pred) {
        *both.entry((a, b)).or_default() += 1;
        *g.entry(a).or_default() += 1;
        *p.entry(b).or_default() += 1;
    }
    let tp: f64 = both.values().map(|&c| pairs(c)).sum();
    let gold_pairs: f64 = g.values().map(|&c| pairs(c)).sum();
    let pred_pairs: f64 = p.values().map(|&c| pairs(c)).sum();
    let total = pairs(gold.len() as u64);
    let precision = if pred_pairs > 0.0 {
        tp / pred_pairs
    } else {
        1.0
    };
    let recall = if gold_pairs > 0.0 {
        tp / gold_pairs
    } else {
        1.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let expected = gold_pairs * pred_pairs / total.max(1.0);
    let max = (gold_pairs + pred_pairs) / 2.0;
    let ari = if max - expected != 0.0 {
        (tp - expected) / (max - expected)
    } else {
        1.0
    };
    Metrics {
        precision,
        recall,
        f1,
        ari,
    }
}

/// Clusters the set with the library; returns the predicted label of each
/// document (its representative's number) and the clusters.
pub fn predict(
    set: &[Labeled],
    cfg: &scour::dedup::DedupConfig,
) -> (Vec<u32>, scour::dedup::Clusters) {
    use scour::dedup::{DocSignature, Index, SignScratch, Signer};
    let signer = Signer::new(cfg);
    let mut scratch = SignScratch::default();
    let mut index = Index::new(cfg);
    let mut sig = DocSignature::default();
    for d in set {
        signer.sign(&d.text, &mut scratch, &mut sig);
        index.push(&d.id, d.text.len(), &sig);
    }
    let clusters = index.cluster();
    let pred = (0..set.len() as u32)
        .map(|i| clusters.assignment(i).map_or(i, |a| a.representative))
        .collect();
    (pred, clusters)
}
