//! Loader diagnostics: every problem with file, line, column and a hint, all in one run.
//!
//! Each case edits the small fixture package and lists the expected problems as
//! `file:line:col: message fragment`; positions are computed from the edited text (the first
//! occurrence of a marker string) so the cases read as "the error points at this text".

use jic_agreement::{Error, Source, load};

const TOML: &str = include_str!("fixtures/small.toml");
const ZONES: &str = include_str!("fixtures/small.geojson");

/// `file:line:col` of the first occurrence of `needle` in `text` (plus `skip` characters).
fn at(file: &str, text: &str, needle: &str, skip: usize) -> String {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("marker {needle:?} not in {file}"))
        + skip;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{file}:{line}:{column}")
}

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

/// Loads the package and checks the problems: each expected `(position, fragment)` must match
/// one diagnostic, in order, and there must be no others. Every diagnostic must carry a hint.
fn check(toml: &str, zones: &str, expected: &[(String, &str)]) {
    let result = load(&[
        Source {
            name: "agreement.toml",
            text: toml,
        },
        Source {
            name: "zones.geojson",
            text: zones,
        },
    ]);
    let diags = match result {
        Err(Error::Invalid(d)) => d,
        Ok(_) => panic!("expected problems, the package loaded"),
        Err(e) => panic!("unexpected error {e}"),
    };
    let got: Vec<(String, String)> = diags
        .iter()
        .map(|d| {
            (
                format!("{}:{}:{}", d.file, d.line, d.column),
                d.message.clone(),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len(), "got:\n{diags}");
    for ((pos, msg), (want_pos, fragment)) in got.iter().zip(expected) {
        assert_eq!(pos, want_pos, "for {msg:?}; all:\n{diags}");
        assert!(msg.contains(fragment), "{msg:?} lacks {fragment:?}");
    }
    assert!(
        diags.iter().all(|d| !d.hint.is_empty()),
        "every problem says how to fix it"
    );
}

#[test]
fn fixture_is_valid() {
    let a = load(&[
        Source {
            name: "agreement.toml",
            text: TOML,
        },
        Source {
            name: "zones.geojson",
            text: ZONES,
        },
    ]);
    assert!(a.is_ok(), "{:?}", a.err().map(|e| e.to_string()));
}

/// The five problems of issue #2 in one package, all reported in one run.
#[test]
fn issue_two_problems_in_one_run() {
    // (a) TOML syntax error: an unterminated string.
    let toml = replaced(TOML, "name = \"Monitor\"", "name = \"Monitor");
    // (b) an unknown key.
    let toml = replaced(
        &toml,
        "aliases = [\"DG\"]",
        "aliases = [\"DG\"]\ncolour = \"red\"",
    );
    // (c) a rule naming a zone kind that no zone has.
    let toml = replaced(
        &toml,
        "zone_kinds = [\"demilitarized\"]",
        "zone_kinds = [\"restricted_airspace\"]",
    );
    // (d) a self-intersecting polygon: swap two vertices of `held` into a bow tie.
    let zones = replaced(
        ZONES,
        "[11, 10],\n          [11, 11],",
        "[11, 11],\n          [11, 10],",
    );
    // (e) a longitude of 200.
    let zones = replaced(&zones, "[16, 17]", "[200, 17]");
    check(
        &toml,
        &zones,
        &[
            (at("agreement.toml", &toml, "\"Monitor\n", 8), "TOML syntax"),
            (
                at("agreement.toml", &toml, "colour", 0),
                "unknown key `colour` in [[groups]] `designated_g`",
            ),
            (
                at("agreement.toml", &toml, "\"restricted_airspace\"", 0),
                "no zone has that kind",
            ),
            // The bow tie's two lobes cancel out, and its edges cross.
            (
                at("zones.geojson", &zones, "[[\n          [10, 10]", 1),
                "encloses no area",
            ),
            (
                at("zones.geojson", &zones, "[10, 10]", 0),
                "intersects itself",
            ),
            (at("zones.geojson", &zones, "200", 0), "longitude 200"),
        ],
    );
}

#[test]
fn unknown_keys_suggest_the_right_one() {
    let toml = replaced(
        TOML,
        "verdict = \"permitted\"\n",
        "verdcit = \"permitted\"\n",
    );
    let result = load(&[
        Source {
            name: "agreement.toml",
            text: &toml,
        },
        Source {
            name: "zones.geojson",
            text: ZONES,
        },
    ]);
    let Err(Error::Invalid(d)) = result else {
        panic!("expected problems")
    };
    let unknown = d
        .iter()
        .find(|d| d.message.contains("unknown key `verdcit`"))
        .expect("unknown key reported");
    assert!(
        unknown.hint.contains("did you mean `verdict`?"),
        "{}",
        unknown.hint
    );
    // The rule also misses its verdict now: both are reported.
    assert!(
        d.iter()
            .any(|d| d.message.contains("missing key `verdict`"))
    );
}

#[test]
fn references_are_checked() {
    let toml = replaced(TOML, "answerable = \"b\"", "answerable = \"bb\"");
    let toml = replaced(&toml, "after = \"p1\"", "after = \"p0\"");
    let toml = replaced(
        &toml,
        "controller = \"covered_g\"",
        "controller = \"nobody\"",
    );
    let toml = replaced(
        &toml,
        "signatories = [\"a\", \"b\"]",
        "signatories = [\"a\", \"x\"]",
    );
    let toml = replaced(&toml, "zones = [\"road\"]", "zones = [\"raod\"]");
    check(
        &toml,
        ZONES,
        &[
            (
                at("agreement.toml", &toml, "\"x\"", 0),
                "signatory `x` is not a known party",
            ),
            (
                at("agreement.toml", &toml, "\"bb\"", 0),
                "answerable party `bb` is not a known party",
            ),
            (
                at("agreement.toml", &toml, "\"nobody\"", 0),
                "zone controller `nobody` is not a known party or group",
            ),
            (
                at("agreement.toml", &toml, "\"p0\"", 0),
                "preceding phase `p0` is not a known phase",
            ),
            (
                at("agreement.toml", &toml, "\"raod\"", 0),
                "rule zone `raod` is not a known zone",
            ),
        ],
    );
}

#[test]
fn model_errors() {
    // Duplicate id, a covered group without a party, a phase cycle, an unknown keyword,
    // restricted airspace without floor/ceiling, a bad offset, an instant without an offset.
    let toml = replaced(TOML, "id = \"m\"", "id = \"a\"");
    let toml = replaced(&toml, "answerable = \"b\"\n", "");
    let toml = replaced(
        &toml,
        "start = { at = 2020-01-01T00:00:00+03:00 }",
        "start = { after = \"p2\" }",
    );
    let toml = replaced(&toml, "role = \"sponsor\"", "role = \"sponser\"");
    let toml = replaced(
        &toml,
        "kind = \"demilitarized\"",
        "kind = \"restricted_airspace\"",
    );
    let toml = replaced(
        &toml,
        "zone_kinds = [\"demilitarized\"]",
        "zone_kinds = [\"restricted_airspace\"]",
    );
    let toml = replaced(&toml, "utc_offset = \"+03:00\"", "utc_offset = \"3\"");
    let toml = replaced(
        &toml,
        "valid_until = 2020-01-05T00:00:00Z",
        "valid_until = 2020-01-05T00:00:00",
    );
    check(
        &toml,
        ZONES,
        &[
            (
                at("agreement.toml", &toml, "\"sponser\"", 0),
                "unknown role `sponser`",
            ),
            (
                at("agreement.toml", &toml, "\"a\"\nname = \"Monitor\"", 0),
                "duplicate party or group id `a`",
            ),
            (
                at("agreement.toml", &toml, "[[groups]]", 0),
                "covered group in [[groups]] `covered_g` has no answerable party",
            ),
            (
                at("agreement.toml", &toml, "[[zones]]\nid = \"expired\"", 0),
                "needs floor_ft and ceiling_ft",
            ),
            (
                at("agreement.toml", &toml, "2020-01-05T00:00:00", 0),
                "not an instant with a UTC offset",
            ),
            (
                at("agreement.toml", &toml, "\"p1\"\nname = \"First\"", 0),
                "waits on itself",
            ),
            (
                at("agreement.toml", &toml, "\"p2\"\nname = \"Second\"", 0),
                "waits on itself",
            ),
            (at("agreement.toml", &toml, "\"3\"", 0), "not a UTC offset"),
        ],
    );
}

#[test]
fn geojson_problems() {
    // Wrong winding (clockwise exterior), an unclosed ring, a feature no zone uses, a
    // latitude out of range, a missing feature, a point zone without radius.
    let zones = replaced(
        ZONES,
        "[12.5, 12.5],\n          [13.5, 12.5],\n          [13.5, 13.5],\n          [12.5, 13.5],",
        "[12.5, 12.5],\n          [12.5, 13.5],\n          [13.5, 13.5],\n          [13.5, 12.5],",
    );
    let zones = replaced(
        &zones,
        "[12, 13],\n          [12, 12]",
        "[12, 13],\n          [12, 12.5]",
    );
    let zones = replaced(&zones, "\"id\": \"contested\"", "\"id\": \"stray\"");
    let zones = replaced(&zones, "[15, 14]", "[15, 94]");
    let toml = replaced(TOML, "radius_m = 1000\n", "");
    check(
        &toml,
        &zones,
        &[
            (
                at("agreement.toml", &toml, "feature = \"contested\"", 10),
                "names feature `contested`, which no zone file has",
            ),
            (
                at("agreement.toml", &toml, "[[zones]]\nid = \"road\"", 0),
                "has no `radius_m`",
            ),
            (
                at("zones.geojson", &zones, "[[\n          [12.5, 12.5]", 1),
                "winds clockwise",
            ),
            (
                at("zones.geojson", &zones, "[[\n          [12, 12]", 1),
                "is not closed",
            ),
            (
                at(
                    "zones.geojson",
                    &zones,
                    "{\n      \"type\": \"Feature\",\n      \"properties\": {\"id\": \"stray\"",
                    0,
                ),
                "feature `stray` is not used by any zone",
            ),
            (at("zones.geojson", &zones, "94", 0), "latitude 94"),
        ],
    );
}

#[test]
fn unused_features_and_json_syntax() {
    let zones = replaced(ZONES, "\"id\": \"road\"", "\"id\": \"road2\"");
    let toml = TOML.to_owned();
    let diags = match load(&[
        Source {
            name: "agreement.toml",
            text: &toml,
        },
        Source {
            name: "zones.geojson",
            text: &zones,
        },
    ]) {
        Err(Error::Invalid(d)) => d,
        _ => panic!("expected problems"),
    };
    assert!(diags.iter().any(|d| {
        d.message
            .contains("feature `road2` is not used by any zone")
            && d.hint.contains("feature = \"road2\"")
    }));
    let broken = replaced(
        ZONES,
        "\"type\": \"FeatureCollection\",",
        "\"type\": \"FeatureCollection\"",
    );
    check(
        &toml,
        &broken,
        &[(
            at("zones.geojson", &broken, "\"features\"", 0),
            "JSON syntax",
        )],
    );
}

#[test]
fn hostile_inputs_do_not_panic() {
    for text in [
        "",
        "[",
        "[[rules]]\n[[rules]]",
        "agreement = 3",
        "[agreement]\nzone_files = [1, {a = 2}]",
        "\u{feff}",
        "a = \"\\u0000\"",
    ] {
        let r = load(&[Source {
            name: "agreement.toml",
            text,
        }]);
        assert!(matches!(r, Err(Error::Invalid(_))), "{text:?}");
    }
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let toml = TOML.to_owned();
    let r = load(&[
        Source {
            name: "agreement.toml",
            text: &toml,
        },
        Source {
            name: "zones.geojson",
            text: &nested,
        },
    ]);
    assert!(matches!(r, Err(Error::Invalid(_))));
}

#[test]
fn strike_and_probing_parameters_are_checked_like_every_key() {
    let toml = format!(
        "{}\n[strike]\nreview_window_mins = 45\nlocation_tolerance_m = -1\n",
        replaced(
            TOML,
            "ack_deadline_min = 30",
            "ack_deadline_min = 30\nprobe_report_after = 7\nprobe_refuse_after = 6"
        )
    );
    check(
        &toml,
        ZONES,
        &[
            (
                at("agreement.toml", &toml, "[humanitarian]", 0),
                "probe_report_after (7) is above probe_refuse_after (6)",
            ),
            (
                at("agreement.toml", &toml, "review_window_mins", 0),
                "unknown key `review_window_mins` in [strike]",
            ),
            (at("agreement.toml", &toml, "-1", 0), "location_tolerance_m"),
        ],
    );
    let fine = format!(
        "{TOML}\n[strike]\nreview_window_min = 45\nlocation_tolerance_m = 3000\nschedule_slack_min = 10\n"
    );
    let a = load(&[
        Source {
            name: "agreement.toml",
            text: &fine,
        },
        Source {
            name: "zones.geojson",
            text: ZONES,
        },
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let strike = &a.terms().strike;
    assert_eq!(
        (
            strike.review_window_min(),
            strike.location_tolerance_m(),
            strike.schedule_slack_min()
        ),
        (45, 3000.0, 10)
    );
    assert_eq!(
        a.terms().humanitarian.probe_refuse_after(),
        6,
        "the default"
    );
}
