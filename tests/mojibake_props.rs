//! Property tests of the repairer: identity on clean text, idempotence,
//! and repair(mojibake(x)) == x for generated multilingual x.

mod mojibake_gen;

use mojibake_gen::{latin1, mis_decode};
use proptest::prelude::*;
use scour::mojibake::{RepairConfig, RepairStats, Repairer};
use std::sync::OnceLock;

fn repairer() -> &'static Repairer {
    static R: OnceLock<Repairer> = OnceLock::new();
    R.get_or_init(|| Repairer::new(RepairConfig::default()))
}

fn fix(text: &str) -> String {
    let mut out = String::new();
    let mut stats = RepairStats::default();
    if repairer().repair(text, &mut out, &mut stats, None) {
        out
    } else {
        text.to_string()
    }
}

/// Words in many scripts; sentences are built from them.
const WORDS: &[&str] = &[
    "the",
    "café",
    "naïve",
    "über",
    "straße",
    "niño",
    "são",
    "não",
    "façade",
    "à",
    "été",
    "garçon",
    "crème",
    "brûlée",
    "jalapeño",
    "smørrebrød",
    "blåbær",
    "Ærø",
    "żółć",
    "gęślą",
    "příliš",
    "žluťoučký",
    "şcoală",
    "țară",
    "İstanbul",
    "ağaç",
    "Šiauliai",
    "Rīga",
    "москва",
    "привет",
    "Їжак",
    "αθήνα",
    "ελλάδα",
    "ירושלים",
    "القاهرة",
    "北京",
    "東京",
    "서울",
    "กรุงเทพ",
    "भारत",
    "😀",
    "🎉",
    "❤",
    "—",
    "–",
    "…",
    "“quoted”",
    "it’s",
    "€5",
    "£3",
    "½",
    "±2",
    "°C",
    "✔",
    "2024",
    "and",
    "of",
    "Tiếng",
    "Việt",
    "Quốc",
];

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..12).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn clean_text_is_identity(s in sentence()) {
        prop_assert_eq!(fix(&s), s);
    }

    #[test]
    fn repair_is_idempotent(s in ".{0,60}") {
        let once = fix(&s);
        prop_assert_eq!(fix(&once), once);
    }

    #[test]
    fn repair_of_mojibake_is_idempotent(s in sentence()) {
        let bad = mis_decode(&s, encoding_rs::WINDOWS_1252).unwrap_or_default();
        let once = fix(&bad);
        prop_assert_eq!(fix(&once), once);
    }

    #[test]
    fn cp1252_mojibake_is_undone(s in sentence()) {
        prop_assume!(!s.is_ascii());
        let bad = mis_decode(&s, encoding_rs::WINDOWS_1252).unwrap_or_default();
        prop_assert_eq!(fix(&bad), s);
    }

    #[test]
    fn latin1_mojibake_is_undone(s in sentence()) {
        prop_assume!(!s.is_ascii());
        prop_assert_eq!(fix(&latin1(&s)), s);
    }

    #[test]
    fn double_mojibake_is_undone(s in sentence()) {
        prop_assume!(!s.is_ascii());
        let once = mis_decode(&s, encoding_rs::WINDOWS_1252).unwrap_or_default();
        let twice = mis_decode(&once, encoding_rs::WINDOWS_1252).unwrap_or_default();
        prop_assert_eq!(fix(&twice), s);
    }
}
