//! Table tests of the repairer: each row is (input, expected output).

use super::*;

fn fix(text: &str) -> String {
    let r = Repairer::new(RepairConfig::default());
    let mut out = String::new();
    let mut stats = RepairStats::default();
    if r.repair(text, &mut out, &mut stats, None) {
        out
    } else {
        text.to_string()
    }
}

#[test]
fn repairs_common_mojibake() {
    let rows = [
        ("cafÃ©", "café"),
        ("doesnâ€™t", "doesn’t"),
        ("Ã‰cole", "École"),
        (
            "The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.",
            "The Mona Lisa doesn’t have eyebrows.",
        ),
        ("Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€", "привет мир"),
        ("æ—¥æœ¬èªž", "日本語"),
        ("ðŸ˜€ ok", "😀 ok"),
        ("g√¢teaux et r√©gime", "gâteaux et régime"),
        ("РґРѕСЂРѕРіРµ", "дороге"),
        ("voilÃ  le travail", "voilà le travail"),
        ("crossing.Â\nNext", "crossing.\nNext"),
        ("namedÂ thing", "named\u{A0}thing"),
        ("a\u{84}b\u{93}", "a„b“"),
    ];
    for (input, want) in rows {
        assert_eq!(fix(input), want, "input {input:?}");
    }
}

#[test]
fn leaves_legit_text_alone() {
    let rows = [
        "NÃO",
        "SÃO PAULO",
        "Ângela",
        "ÎN ROMÂNIA, în Câmpina",
        "Tiếng Việt có dấu",
        "Smørrebrød og blåbær",
        "5 € 3 £ ¥ 10 ≥ 3 × 4",
        "┌──┐ │ok│ └──┘",
        "😀 ¯\\_(ツ)_/¯ (╯°□°)╯︵ ┻━┻",
        "Привет, мир",
        "Ελληνικά",
        "“quoted” — dash…",
        "C O N C L U S Ã O",
        "HUHLL Õ…",
        "(-1/2)! = √π",
        "├┤a┼┐a┼┐a┼┐a┼┐a",
        "Bremer/Mccoy – DrÃ¥ber",
        "Offering 5×£35 pin ups",
    ];
    for input in rows {
        assert_eq!(fix(input), input, "input {input:?}");
    }
}

#[test]
fn explain_reports_spans() {
    let r = Repairer::new(RepairConfig::default());
    let mut out = String::new();
    let mut stats = RepairStats::default();
    let mut changes = Vec::new();
    assert!(r.repair("a cafÃ© b", &mut out, &mut stats, Some(&mut changes)));
    assert_eq!(out, "a café b");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].start, 5);
    assert_eq!(changes[0].before, "Ã©");
    assert_eq!(changes[0].after, "é");
    assert_eq!(changes[0].kind, "utf8-as-cp1252");
    assert_eq!(stats.cp1252, 1);
    assert_eq!(stats.docs_changed, 1);
}

#[test]
fn clean_ascii_is_untouched() {
    let r = Repairer::new(RepairConfig::default());
    let mut out = String::new();
    let mut stats = RepairStats::default();
    assert!(!r.repair("plain ascii text", &mut out, &mut stats, None));
    assert!(!r.repair("", &mut out, &mut stats, None));
}

#[test]
fn stray_a_repair_can_be_switched_off() {
    let r = Repairer::new(RepairConfig {
        stray_a: false,
        ..RepairConfig::default()
    });
    let mut out = String::new();
    let mut stats = RepairStats::default();
    assert!(!r.repair("crossing.Â\nNext", &mut out, &mut stats, None));
    // Other damage is still repaired.
    assert!(r.repair("cafÃ©", &mut out, &mut stats, None));
    assert_eq!(out, "café");
}

/// Regression (fuzz, mojibake target): C1 controls became en dashes around
/// a Cyrillic letter, and a second repair read "П–" as cp1251 mojibake of
/// the Greek symbol "ϖ". Repairing must be idempotent.
#[test]
fn repair_of_c1_controls_is_idempotent() {
    let once = fix("`z\u{0}1\u{96}П\u{96}");
    assert_eq!(once, "`z\u{0}1–П–");
    assert_eq!(fix(&once), once);
}

/// Regression (fuzz, mojibake target): a repair whose output read as
/// mojibake again. Whatever the input, repairing twice equals once.
#[test]
fn repair_reaches_a_fixed_point() {
    for input in ["`\u{0}\u{0}1ןЭ\u{9f}¨", "`\u{0}\u{0}1ןЭŸ¨"] {
        let once = fix(input);
        assert_eq!(fix(&once), once, "input {input:?}");
    }
}

/// A document with plain mojibake elsewhere, so that weak evidence gets the
/// document's support.
const SUPPORT: &str = "Il a dit : â€œcâ€™est finiâ€\u{9d}.\n";

#[test]
fn repairs_bytes_lost_to_question_marks_and_spaces() {
    let rows = [
        // Lossy encoders write `?` for the 0x9D of `”`.
        ("â€œbb+â€? from â€œbbâ€?", "“bb+� from “bb�"),
        // Doubled mojibake whose middle layer lost bytes to `?`.
        ("ItÃ?Â¢â?¬â?¢s epic. ItÃ?Â¢â?¬â?¢s", "It�¢��s epic. It�¢��s"),
        // A Braille blank (E2 A0 80) whose 0xA0 became a space.
        (
            "â € Regulamento: prÃªmio em nosso endereÃ§o",
            "⠀ Regulamento: prêmio em nosso endereço",
        ),
    ];
    for (input, want) in rows {
        assert_eq!(fix(input), want, "input {input:?}");
    }
}

#[test]
fn question_marks_and_spaces_in_real_text_stay() {
    // Each line is correct text beside real mojibake: the mojibake is
    // repaired, the line is not touched.
    let rows = [
        "Wie heißt die Straße? Weiß?",
        "Un café…? Oui.",
        "¿Qué?¡No!",
        "Il a été « la » star.",
        "NÃ? Não sei.",
        "à € 5",
    ];
    for row in rows {
        let text = format!("{SUPPORT}{row}");
        let fixed = fix(&text);
        assert!(fixed.ends_with(row), "{row:?} became {fixed:?}");
        assert!(fixed.starts_with("Il a dit : “c’est fini”."), "{fixed:?}");
    }
}

#[test]
fn nfc_is_off_by_default_and_composes_when_on() {
    let decomposed = "Cafe\u{301} cre\u{300}me";
    assert_eq!(fix(decomposed), decomposed);
    let r = Repairer::new(RepairConfig {
        nfc: true,
        ..RepairConfig::default()
    });
    let mut out = String::new();
    let mut stats = RepairStats::default();
    let mut explain = Vec::new();
    assert!(r.repair(decomposed, &mut out, &mut stats, Some(&mut explain)));
    assert_eq!(out, "Café crème");
    assert_eq!((stats.nfc, stats.docs_changed), (1, 1));
    assert_eq!(explain.len(), 1);
    let c = &explain[0];
    assert_eq!((c.start, c.kind), (3, "nfc"));
    assert_eq!(
        (c.before.as_str(), c.after.as_str()),
        ("e\u{301} cre\u{300}", "é crè")
    );
    // Mojibake and decomposed text together: both repaired, one document.
    let mut stats = RepairStats::default();
    assert!(r.repair("doesnâ€™t cafÃ© e\u{301}", &mut out, &mut stats, None));
    assert_eq!(out, "doesn’t café é");
    assert_eq!((stats.nfc, stats.docs_changed), (1, 1));
    // Text already in NFC is not changed.
    assert!(!r.repair("Café crème", &mut out, &mut stats, None));
}
