//! A seeded, labeled boilerplate set built from real news bodies, shared by
//! `tests/boilerplate_eval.rs` and `examples/eval_boilerplate.rs`.
//!
//! Every non-blank line has a label: article content, boilerplate worded as
//! in the built-in rules ("listed"), or boilerplate in wording no rule holds
//! that recurs across the set ("unlisted": 30 fake sites with chrome of
//! their own). Hard cases mixed in: hard negatives (stories about a cookie
//! law or a copyright case), short content lines that recur mid-article,
//! and syndicated copies of one article on many sites. Wire sign-off lines
//! ("Reuter") are taken out of the bodies first: they are credits, not
//! content nor junk.
#![allow(dead_code)]

use scour::boilerplate::{LineCounts, StripConfig, StripStats, Stripper};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;

/// Label of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Content,
    Listed,
    Unlisted,
}

/// One labeled document.
#[derive(Debug, Clone)]
pub struct Doc {
    pub lines: Vec<(String, Label)>,
}

impl Doc {
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (l, _) in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// The corpus path: `SCOUR_NEWS` or `../shared/corpora/news_real.jsonl.gz`
/// relative to the package.
pub fn news_path() -> PathBuf {
    std::env::var_os("SCOUR_NEWS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/news_real.jsonl.gz")
        })
}

/// Up to `max` article bodies (non-blank lines, wire sign-offs dropped).
pub fn load_articles(max: usize) -> Option<Vec<Vec<String>>> {
    let path = news_path();
    let file = std::fs::File::open(&path).ok()?;
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut out = Vec::new();
    for line in reader.lines() {
        let Ok(line) = line else { break };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let Some(text) = v.get("text").and_then(|t| t.as_str()) else {
            continue;
        };
        // A line that repeats an earlier line of its article is left out:
        // some wire articles carry a block of paragraphs twice, and the
        // second copy is the repeats layer's to remove, not content.
        let mut seen = std::collections::HashSet::new();
        let body: Vec<String> = text
            .lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| {
                let t = l.trim().to_lowercase();
                !(t.is_empty() || (t.starts_with("reuter") && t.len() <= 12))
                    && seen.insert(l.trim().to_string())
            })
            .collect();
        if body.len() >= 3 {
            out.push(body);
        }
        if out.len() >= max {
            break;
        }
    }
    Some(out)
}

/// SplitMix64: a small seeded generator (no dependency).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Boilerplate lines in the wording of the built-in rules.
pub const LISTED: &[&str] = &[
    "We use cookies to improve your experience. By continuing to browse you agree to our use of cookies. Learn more",
    "This website uses cookies to give you the best experience. Accept all cookies",
    "Cookie settings",
    "Nous utilisons des cookies. En poursuivant votre navigation, vous acceptez les cookies.",
    "Utilizamos cookies. Si continúa navegando, acepta nuestra política de cookies.",
    "Wir verwenden Cookies. Alle akzeptieren",
    "Este site usa cookies. Aceitar cookies",
    "Sign up for our newsletter",
    "Get the best stories delivered to your inbox. Subscribe to our newsletter",
    "Suscríbete a nuestro boletín",
    "Inscrivez-vous à notre newsletter",
    "Newsletter abonnieren",
    "Assine nossa newsletter",
    "Download our app",
    "Get the app",
    "Share this article",
    "Facebook Twitter WhatsApp Email",
    "Share on Facebook",
    "Compartilhar no Facebook",
    "Related articles",
    "Read more:",
    "You may also like",
    "Leia também:",
    "Lesen Sie auch:",
    "Advertisement",
    "Story continues below advertisement",
    "Publicidad",
    "Anzeige",
    "Photo: Getty Images",
    "Image caption",
    "© Copyright 2024 All rights reserved.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Todos los derechos reservados.",
    "Tous droits réservés",
    "Subscribe to continue reading",
    "You have reached your limit of free articles.",
    "Already a subscriber? Log in",
    "Réservé aux abonnés",
    "Log In",
    "Sign up",
    "Create an account",
    "(0) comments",
    "Comments are closed.",
    "Welcome to the discussion.",
    "Leave a comment",
    "Kommentare werden moderiert.",
    "Deixe um comentário",
];

/// The seed's comment-policy block, in its one-rule-per-line form.
pub const POLICY: &[&str] = &[
    "Keep it Clean. Please avoid obscene, vulgar, lewd, racist or sexually-oriented language.",
    "PLEASE TURN OFF YOUR CAPS LOCK.",
    "Don't Threaten. Threats of harming another person will not be tolerated.",
    "Be Truthful. Don't knowingly lie about anyone or anything.",
    "Be Nice. No racism, sexism or any sort of -ism that is degrading to another person.",
];

const SITE_NAMES: &[&str] = &[
    "Riverside Courier",
    "Northfield Ledger",
    "Bay Chronicle",
    "Summit Post",
    "Harbor Gazette",
    "Valley Sentinel",
    "Metro Dispatch",
    "Coastal Herald",
    "Prairie Examiner",
    "Capital Beacon",
    "Lakeshore Times",
    "Granite Observer",
    "Redwood Record",
    "Frontier Journal",
    "Union Bulletin",
    "Pinecrest Daily",
    "Delta Tribune",
    "Highland Monitor",
    "Canyon Standard",
    "Meridian Press",
    "Orchard Voice",
    "Ironbridge Mail",
    "Westgate Clarion",
    "Silverton Leader",
    "Brookline Review",
    "Eastport Register",
    "Oakmont Advocate",
    "Seaview Signal",
    "Stonehill Star",
    "Twin Rivers News",
];

/// Unlisted chrome templates; `{}` is the site name.
const UNLISTED: &[&str] = &[
    "{} | Home | Local | Sports | Opinion | Obituaries",
    "Stay in the loop with the {} morning briefing",
    "Tips? Write to the {} news desk",
    "More from the {} team",
    "The {} is supported by readers like you",
    "Back to the {} front page",
    "Our journalism depends on your support",
    "Got a story idea? Tell the {} about it",
    "Follow the {} on Mastodon and Bluesky",
    "Listen to the {} podcast wherever you get your podcasts",
    "Trending on {} this week",
    "Jobs at the {} | Contact us | Terms of use",
    "{} app users tap here for the interactive graphic",
    "Corrections and clarifications policy of the {}",
    "Like this story? Send it to a friend",
    "Continue to the next story on {}",
];

/// Short content lines that recur inside articles.
pub const RECURRING_CONTENT: &[&str] = &[
    "It was over.",
    "Then came the rain.",
    "Nobody answered.",
    "What happens next",
    "Market reaction",
    "The background",
    "Analysis",
    "\"We will not back down,\" she said.",
    "\"It is a good day,\" he said.",
    "Prices fell.",
    "That changed in March.",
    "Why it matters",
    "The numbers",
    "A long road",
    "Nothing happened.",
    "Officials declined to comment.",
    "Questions remain.",
    "The reaction was swift.",
    "Not everyone agreed.",
    "Then silence.",
];

/// Hard negatives: content about cookies, consent and copyright.
fn hard_negative(rng: &mut Rng) -> String {
    let who = rng.pick(&[
        "Google",
        "Meta",
        "a French publisher",
        "Amazon",
        "a German retailer",
        "TikTok",
    ]);
    let reg = rng.pick(&[
        "the Irish data regulator",
        "France's CNIL",
        "a Hamburg court",
        "the European Commission",
        "Spain's AEPD",
    ]);
    match rng.below(6) {
        0 => format!("{reg} fined {who} after finding that its website set tracking cookies before visitors gave consent, a practice the cookie law forbids."),
        1 => format!("Under the rules, a banner that says \"we use cookies\" is not enough, {reg} said; users must be able to reject all cookies as easily as they accept them."),
        2 => format!("Lawyers for {who} argued in the copyright case that the articles were reproduced without permission only in short snippets."),
        3 => format!("The judge ruled that the notice \"all rights reserved\" did not by itself stop {who} from quoting the work, a decision copyright experts called narrow."),
        4 => format!("Privacy groups said the cookie consent banners used by {who} were designed to push users to accept, and asked {reg} to act."),
        _ => format!("{who} said it would appeal, adding that its privacy policy had been approved by {reg} last year."),
    }
}

/// How the set is made.
pub struct SetConfig {
    pub docs: usize,
    pub seed: u64,
}

/// Builds the labeled set from `articles`.
pub fn build(articles: &[Vec<String>], cfg: &SetConfig) -> Vec<Doc> {
    let mut rng = Rng::new(cfg.seed);
    // Each site: head and tail chrome lines, sometimes a mid-article line.
    let sites: Vec<(Vec<String>, Vec<String>, Option<String>)> = SITE_NAMES
        .iter()
        .map(|name| {
            // Distinct templates per site: head, tail, mid.
            let mut order: Vec<usize> = (0..UNLISTED.len()).collect();
            for k in (1..order.len()).rev() {
                order.swap(k, rng.below(k + 1));
            }
            let mut it = order.into_iter().map(|t| UNLISTED[t].replace("{}", name));
            let head: Vec<String> = it.by_ref().take(1 + rng.below(3)).collect();
            let tail: Vec<String> = it.by_ref().take(1 + rng.below(4)).collect();
            let mid = if rng.chance(0.3) { it.next() } else { None };
            (head, tail, mid)
        })
        .collect();
    let syndicated: Vec<usize> = (0..30).map(|_| rng.below(articles.len())).collect();
    let mut docs = Vec::with_capacity(cfg.docs);
    for i in 0..cfg.docs {
        let body: &Vec<String> = if rng.chance(0.04) {
            &articles[*rng.pick(&syndicated)]
        } else {
            &articles[i % articles.len()]
        };
        let mut lines: Vec<(String, Label)> =
            body.iter().map(|l| (l.clone(), Label::Content)).collect();
        if rng.chance(0.03) {
            let at = 1 + rng.below(lines.len().saturating_sub(1).max(1));
            lines.insert(
                at.min(lines.len()),
                (hard_negative(&mut rng), Label::Content),
            );
        }
        if lines.len() >= 4 && rng.chance(0.15) {
            let at = 1 + rng.below(lines.len() - 2);
            lines.insert(
                at,
                (rng.pick(RECURRING_CONTENT).to_string(), Label::Content),
            );
        }
        let (head, tail, mid) = &sites[rng.below(sites.len())];
        if let Some(mid) = mid {
            if lines.len() >= 4 && rng.chance(0.5) {
                let at = 1 + rng.below(lines.len() - 2);
                lines.insert(at, (mid.clone(), Label::Unlisted));
            }
        }
        // Listed boilerplate: head, tail, sometimes the middle.
        let mut pre: Vec<(String, Label)> = Vec::new();
        let mut post: Vec<(String, Label)> = Vec::new();
        for _ in 0..rng.below(4) {
            let l = (rng.pick(LISTED).to_string(), Label::Listed);
            match rng.below(10) {
                0..=3 => pre.push(l),
                4..=8 => post.push(l),
                _ => {
                    let at = 1 + rng.below(lines.len().saturating_sub(1).max(1));
                    lines.insert(at.min(lines.len()), l);
                }
            }
        }
        if rng.chance(0.08) {
            post.extend(POLICY.iter().map(|l| (l.to_string(), Label::Listed)));
        }
        let mut all: Vec<(String, Label)> = Vec::new();
        all.extend(
            head.iter()
                .filter(|_| rng.chance(0.9))
                .map(|l| (l.clone(), Label::Unlisted)),
        );
        all.extend(pre);
        all.extend(lines);
        all.extend(post);
        all.extend(
            tail.iter()
                .filter(|_| rng.chance(0.9))
                .map(|l| (l.clone(), Label::Unlisted)),
        );
        docs.push(Doc { lines: all });
    }
    docs
}

/// Counts of one method on the set.
#[derive(Debug, Default, Clone)]
pub struct Score {
    pub listed: (u64, u64),
    pub unlisted: (u64, u64),
    pub content: (u64, u64),
    pub docs: u64,
    pub docs_damaged: u64,
}

impl Score {
    pub fn pct(x: (u64, u64)) -> f64 {
        100.0 * x.0 as f64 / x.1.max(1) as f64
    }
    pub fn listed_removed(&self) -> f64 {
        Self::pct(self.listed)
    }
    pub fn unlisted_removed(&self) -> f64 {
        Self::pct(self.unlisted)
    }
    pub fn content_kept(&self) -> f64 {
        Self::pct(self.content)
    }
    pub fn damaged(&self) -> f64 {
        Self::pct((self.docs_damaged, self.docs))
    }
}

/// Scores one document: `kept` is the output text, a subsequence of the
/// input lines. Content lines missing from it are counted in `lost`.
pub fn score_doc(doc: &Doc, kept: &str, score: &mut Score, lost: &mut Vec<String>) {
    let out: Vec<&str> = kept.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut j = 0;
    let mut damaged = false;
    for (line, label) in &doc.lines {
        let here = j < out.len() && out[j].trim() == line.trim();
        if here {
            j += 1;
        }
        match label {
            Label::Content => {
                score.content.1 += 1;
                if here {
                    score.content.0 += 1;
                } else {
                    damaged = true;
                    lost.push(line.clone());
                }
            }
            Label::Listed => {
                score.listed.1 += 1;
                score.listed.0 += u64::from(!here);
            }
            Label::Unlisted => {
                score.unlisted.1 += 1;
                score.unlisted.0 += u64::from(!here);
            }
        }
    }
    score.docs += 1;
    score.docs_damaged += u64::from(damaged);
}

/// Runs scour's three layers over the set, as the pipeline does.
pub fn run_scour(docs: &[Doc], config: &StripConfig) -> (Score, Vec<String>, Vec<String>) {
    let stripper = Stripper::new(config.clone()).expect("built-in rules compile");
    let mut counts = LineCounts::new(config);
    let mut firsts = Vec::with_capacity(docs.len());
    let mut stats = StripStats::default();
    for d in docs {
        let text = d.text();
        let (mut out, mut credits, mut removed) = (String::new(), Vec::new(), Vec::new());
        let t = if stripper.strip(
            &text,
            &mut out,
            &mut credits,
            Some(&mut removed),
            &mut stats,
        ) {
            out
        } else {
            text
        };
        counts.observe(&t);
        firsts.push(t);
    }
    let learned = counts.learn();
    let mut score = Score::default();
    let mut lost = Vec::new();
    let mut missed = Vec::new();
    for (d, t) in docs.iter().zip(&firsts) {
        let mut out = String::new();
        let mut removed = Vec::new();
        let kept = if learned.strip(t, &mut out, Some(&mut removed), &mut stats) {
            &out
        } else {
            t
        };
        let before = (score.listed.0, score.unlisted.0);
        score_doc(d, kept, &mut score, &mut lost);
        let _ = before;
        let set: std::collections::HashSet<&str> = kept.lines().map(str::trim).collect();
        for (l, label) in &d.lines {
            if *label != Label::Content && set.contains(l.trim()) {
                missed.push(l.clone());
            }
        }
    }
    (score, lost, missed)
}

/// Normalized line for the anchors: lower case, digits folded, spaces collapsed.
fn norm(l: &str) -> String {
    l.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect()
}

/// Anchor: a C4-style line filter (keep lines that end in terminal
/// punctuation and have at least three words; drop lines that mention
/// javascript or a cookie policy).
pub fn run_c4(docs: &[Doc]) -> Score {
    let mut score = Score::default();
    for d in docs {
        let kept: String = d
            .lines
            .iter()
            .map(|(l, _)| l.trim())
            .filter(|l| {
                let lower = l.to_lowercase();
                l.ends_with(['.', '!', '?', '"'])
                    && l.split_whitespace().count() >= 3
                    && !lower.contains("javascript")
                    && !lower.contains("cookie policy")
            })
            .collect::<Vec<_>>()
            .join("\n");
        score_doc(d, &kept, &mut score, &mut Vec::new());
    }
    score
}

/// Anchor: a CCNet-style frequency filter: a normalized line found in at
/// least `min_docs` documents of the set is removed everywhere.
pub fn run_ccnet(docs: &[Doc], min_docs: usize) -> Score {
    let mut freq: HashMap<String, usize> = HashMap::new();
    for d in docs {
        let mut seen = std::collections::HashSet::new();
        for (l, _) in &d.lines {
            let n = norm(l);
            if seen.insert(n.clone()) {
                *freq.entry(n).or_default() += 1;
            }
        }
    }
    let mut score = Score::default();
    for d in docs {
        let kept: String = d
            .lines
            .iter()
            .filter(|(l, _)| freq.get(&norm(l)).copied().unwrap_or(0) < min_docs)
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        score_doc(d, &kept, &mut score, &mut Vec::new());
    }
    score
}
