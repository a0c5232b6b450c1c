//! Hostile input, generated: the scenario reader and the criteria grammar must answer
//! every input with a value or a message, never a panic, and quickly. Bounded case counts
//! keep this a few seconds in CI.

use std::path::Path;

use proptest::prelude::*;

use gameday::scenario::parse_str;
use gameday::units::criterion::parse_criterion;
use gameday::units::duration::parse_duration;
use gameday::units::Unit;

fn env(name: &str) -> Option<String> {
    (name == "SET").then(|| "value".to_string())
}

const VALID: &str = include_str!("../fixtures/valid/full.yaml");

/// Pieces of YAML and of our grammar, so that generated text gets past the first
/// character often enough to reach the deeper paths.
fn yaml_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name: x\n".to_string()),
        Just("hypothesis: h\n".to_string()),
        Just("steady_state:\n".to_string()),
        Just("  - name: s\n".to_string()),
        Just("    expect: \"< 1%\"\n".to_string()),
        Just("    http: { url: http://127.0.0.1:1/, every: 1s }\n".to_string()),
        Just(
            "faults:\n  - name: f\n    duration: 1s\n    exec: { inject: a, revert: b }\n"
                .to_string()
        ),
        Just("&a [*a, *a]\n".to_string()),
        Just("${SET} ${UNSET:-d} $${X}\n".to_string()),
        Just("{[{[".to_string()),
        Just("\t".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("> ".to_string()),
        Just("|\n".to_string()),
        Just("\"\\u00e9\" ".to_string()),
        "[ -~]{0,12}".prop_map(|s| s),
        any::<char>().prop_map(|c| c.to_string()),
    ]
}

proptest! {
    // A fixed seed: CI runs the same cases every time, so a red run is reproducible and
    // never a coin toss. Change the seed to explore further.
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6a6d_6461_7901),
        .. ProptestConfig::default()
    })]

    #[test]
    fn the_reader_never_panics_on_token_soup(tokens in prop::collection::vec(yaml_token(), 0..40)) {
        let text: String = tokens.concat();
        let _ = parse_str(&text, "fuzz.yaml", Path::new("."), &env);
    }

    #[test]
    fn the_reader_never_panics_on_a_damaged_valid_file(cut in 0usize..4000, insert in "[ -~\\n\\t]{0,8}") {
        let mut text = VALID.to_string();
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.insert_str(at, &insert);
        let _ = parse_str(&text, "fuzz.yaml", Path::new("tests/fixtures/valid"), &env);
    }

    #[test]
    fn criteria_and_durations_never_panic(text in "[<>=!]{0,3} ?-?[0-9.e+]{0,8} ?(ms|s|m|h|%|KiB|MiB|GiB|B|[a-z]{0,3})? ?(for)? ?[0-9]{0,4}(ms|s|m|h)?") {
        for unit in [Unit::Ratio, Unit::Seconds, Unit::Bytes, Unit::Count, Unit::None] {
            if let Ok(c) = parse_criterion(&text, unit) {
                prop_assert!(c.value.is_finite(), "{text:?} gave {c:?}");
            }
        }
        let _ = parse_duration(&text);
    }

    #[test]
    fn huge_numbers_are_refused_not_infinite(exp in 309u32..5000) {
        let text = format!("< 1e{exp}");
        prop_assert!(parse_criterion(&text, Unit::Count).is_err());
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_str(&text, "fuzz.yaml", Path::new("."), &env);
    }
}
