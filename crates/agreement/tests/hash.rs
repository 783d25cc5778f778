//! The agreement's identity: stable across formatting, comments, key order and equivalent
//! spellings; different whenever a term changes.

use jic_agreement::{Source, load};

const TOML: &str = include_str!("fixtures/small.toml");
const ZONES: &str = include_str!("fixtures/small.geojson");

fn hash(toml: &str, zones: &str) -> String {
    match load(&[
        Source {
            name: "agreement.toml",
            text: toml,
        },
        Source {
            name: "zones.geojson",
            text: zones,
        },
    ]) {
        Ok(a) => a.hash_hex(),
        Err(e) => panic!("{e}"),
    }
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

/// The fixture rewritten by hand the way negotiators do: comments, blank lines, keys and
/// entries reordered, a table written inline, integers as floats, set members reordered, an
/// instant in another offset, GeoJSON minified.
#[test]
fn formatting_does_not_change_the_hash() {
    let original = hash(TOML, ZONES);
    let mut t = TOML.replace("\n[[", "\n# a comment a negotiator added\n\n[[");
    t = edit(
        &t,
        "id = \"a\"\nname = \"Sponsor A\"",
        "name = \"Sponsor A\"   # trailing comment\nid = \"a\"",
    );
    t = edit(&t, "horizontal_nm = 5\n", "horizontal_nm = 5.0\n");
    t = edit(
        &t,
        "signatories = [\"a\", \"b\"]",
        "signatories = [\n  \"b\",\n  \"a\",\n]",
    );
    t = edit(
        &t,
        "start = { at = 2020-01-01T00:00:00+03:00 }",
        "start = { at = 2019-12-31T21:00:00Z }",
    );
    t = edit(
        &t,
        "[calm_day]\nmax_verified_violations = 2\nutc_offset = \"+03:00\"\n",
        "",
    );
    t = format!("calm_day = {{ utc_offset = \"+03:00\", max_verified_violations = 2 }}\n{t}");
    // Move the first rule to the end of the file.
    let first_rule_start = t
        .find("[[rules]]\nid = \"general_no_attacks_on_covered\"")
        .expect("rule");
    let first_rule_end = first_rule_start
        + t[first_rule_start..]
            .find("\n# a comment")
            .expect("next section");
    let rule = t[first_rule_start..first_rule_end].to_owned();
    t.replace_range(first_rule_start..first_rule_end, "");
    t = format!("{t}\n{rule}\n");
    let zones_value: serde_json::Value = serde_json::from_str(ZONES).expect("fixture is JSON");
    let minified = serde_json::to_string(&zones_value).expect("serializes");
    assert_ne!(t, TOML);
    assert_eq!(hash(&t, &minified), original);
}

#[test]
fn any_term_change_changes_the_hash() {
    let original = hash(TOML, ZONES);
    let changes = [
        ("max_verified_violations = 2", "max_verified_violations = 3"),
        (
            "verdict = \"requires_notice\"",
            "verdict = \"requires_concurrence\"",
        ),
        ("buffer_m = 5000", "buffer_m = 5001"),
        ("name = \"Sponsor A\"", "name = \"Sponsor A.\""),
        ("aliases = [\"DG\"]", "aliases = [\"DG\", \"D.G.\"]"),
        ("ack_deadline_min = 30", "ack_deadline_min = 31"),
    ];
    for (from, to) in changes {
        assert_ne!(
            hash(&edit(TOML, from, to), ZONES),
            original,
            "{from} -> {to}"
        );
    }
    let moved = edit(ZONES, "[11, 11]", "[11, 11.0001]");
    assert_ne!(hash(TOML, &moved), original, "a moved vertex");
    let flagged = edit(
        ZONES,
        "\"id\": \"held\", \"approximate\": false",
        "\"id\": \"held\", \"approximate\": true",
    );
    assert_ne!(hash(TOML, &flagged), original, "approximate flag");
}

/// The optional `[strike]` section and probing thresholds are additive: absent (or an empty
/// table) they leave the hash of existing packages as it was; set, they change it.
#[test]
fn optional_strike_and_probing_parameters_change_the_hash_only_when_set() {
    let original = hash(TOML, ZONES);
    assert_eq!(hash(&format!("{TOML}\n[strike]\n"), ZONES), original);
    for extra in [
        "\n[strike]\nreview_window_min = 45\n",
        "\n[strike]\nlocation_tolerance_m = 3000\n",
        "\n[strike]\nschedule_slack_min = 10\n",
    ] {
        assert_ne!(hash(&format!("{TOML}{extra}"), ZONES), original, "{extra}");
    }
    let probing = edit(
        TOML,
        "ack_deadline_min = 30",
        "ack_deadline_min = 30\nprobe_report_after = 2",
    );
    assert_ne!(hash(&probing, ZONES), original);
}
