//! CSV import in two column layouts with messy values, and hostile files refused with clear
//! errors; export read back through import.

mod common;

use common::{fixture, ts};
use jic_compliance::export::{CSV_MAPPING, ExportRow, to_csv, to_geojson};
use jic_compliance::import::{ImportError, ImportOutcome, Mapping, import_csv, parse_count_range};
use jic_compliance::{AllegedActor, Category, ReviewStatus};

/// An ACLED-like layout: comma-separated, day-month-name dates and ISO dates, one fatalities
/// column with ranges, actors by name, non-ASCII place names.
const LAYOUT_A_MAPPING: &str = r#"
[columns]
id = "event_id_cnty"
date = "event_date"
category = "sub_event_type"
actor = "actor1"
target = "actor2"
place = "location"
latitude = "latitude"
longitude = "longitude"
precision = "geo_precision"
source_url = "source"
description = "notes"
fatalities = "fatalities"

[options]
date_formats = ["%d %B %Y", "%Y-%m-%d"]
utc_offset = "+03:00"
default_category = "other"

[categories]
"Air/drone strike" = "airstrike"
"Shelling/artillery/missile attack" = "shelling"
"Attack" = "ground_attack"

[actors]
"Unidentified Armed Group (Syria)" = "opp_factions"

[precision_m]
"1" = 500
"2" = 5000
"3" = 25000
"#;

const LAYOUT_A: &str = "event_id_cnty,event_date,sub_event_type,actor1,actor2,location,latitude,longitude,geo_precision,source,notes,fatalities
SYR1,19 September 2016,Air/drone strike,Military Forces of the Government,Rebels,Urum al-Kubrá,10.5,10.5,1,https://example.org/a;https://example.org/b,Convoy hit,3-5
SYR2,2016-09-20,Shelling/artillery/missile attack,ISIS,,أورم الكبرى,10.6,11.5,2,,\"Shells, several\",
SYR3,20 September 2016,Attack,Daesh,Rebels,Kafr Nāha,10.4,10.4,,,,12
SYR4,32 September 2016,Air/drone strike,Rebels,,Atarib,10.5,10.5,1,,,1
SYR5,21 September 2016,Air/drone strike,Unknown aircraft,,Nowhere,0,0,1,,,
SYR6,21 September 2016,Air/drone strike,الدولة الإسلامية,,Aleppo,abc,10.5,1,,,5-3
SYR7,22 September 2016,Looting,Unidentified Armed Group (Syria),,Idlib,10.2,10.2,3,,,at least 2

SYR8,22 September 2016,Air/drone strike,Sponsor A,ISIS,Deir ez-Zor,10.5,12.5,1,,,2–4
";

/// A GED-like layout: semicolon-separated, decimal commas, separate low/high death columns,
/// day/month/year dates and ISO date-times, no category column.
const LAYOUT_B_MAPPING: &str = r#"
[columns]
id = "id"
date = "date_start"
latitude = "latitude"
longitude = "longitude"
actor = "side_a"
fatalities_low = "deaths_low"
fatalities_high = "deaths_high"
place = "where_coordinates"
source_url = "source_article"
uncertainty_m = "radius_m"

[options]
delimiter = ";"
date_formats = ["%d/%m/%Y", "%Y-%m-%d %H:%M"]
utc_offset = "+03:00"
default_category = "shelling"
default_uncertainty_m = 2000
id_prefix = "ged-"
"#;

const LAYOUT_B: &str = "id;date_start;latitude;longitude;side_a;deaths_low;deaths_high;where_coordinates;source_article;radius_m
1001;19/09/2016;10,5;10,5;Government;2;4;Orum al-Kubra (أورم الكبرى);BBC;
1002;2016-09-19 19:15;10,51;10,52;Islamic State;;;Ḥalab;;250
1003;19/09/2016;10,5;;Government;1;1;Aleppo;;
1004;09/19/2016;10,5;10,5;Government;1;1;Aleppo;;
";

fn run(mapping: &str, csv: &[u8]) -> ImportOutcome {
    let a = fixture();
    let m = match Mapping::from_toml(mapping, &a) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    match import_csv(csv, &m, &a, "mon") {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

fn refuse(mapping: &str, csv: &[u8]) -> ImportError {
    let a = fixture();
    let m = match Mapping::from_toml(mapping, &a) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    match import_csv(csv, &m, &a, "mon") {
        Ok(o) => panic!("accepted a hostile file: {o:?}"),
        Err(e) => e,
    }
}

#[test]
fn layout_a_messy_values() {
    let o = run(LAYOUT_A_MAPPING, LAYOUT_A.as_bytes());
    assert_eq!(o.rows, 8, "the blank line is not a row");
    let accepted: Vec<&str> = o.accepted.iter().map(|r| r.report.id.as_str()).collect();
    assert_eq!(
        accepted,
        [
            "import-SYR1",
            "import-SYR2",
            "import-SYR3",
            "import-SYR7",
            "import-SYR8"
        ]
    );
    let rejected: Vec<(u64, String)> = o
        .rejected
        .iter()
        .map(|r| (r.line, r.reasons.join(" | ")))
        .collect();
    assert_eq!(rejected.len(), 3, "{rejected:#?}");
    assert_eq!(rejected[0].0, 5);
    assert!(
        rejected[0]
            .1
            .contains("`32 September 2016` matches none of the formats"),
        "{}",
        rejected[0].1
    );
    assert!(
        rejected[1].1.contains("0,0 are a placeholder"),
        "{}",
        rejected[1].1
    );
    assert!(
        rejected[2].1.contains("latitude `abc` is not a number")
            && rejected[2].1.contains("runs backwards"),
        "{}",
        rejected[2].1
    );

    let r1 = &o.accepted[0].report;
    assert_eq!(r1.category, Category::Airstrike);
    assert_eq!(
        r1.actor,
        AllegedActor::Group {
            id: "gov_army".into()
        },
        "by alias"
    );
    assert_eq!(
        r1.target,
        Some(AllegedActor::Group {
            id: "opp_factions".into()
        })
    );
    assert_eq!(
        (r1.casualties.killed_min, r1.casualties.killed_max),
        (Some(3), Some(5))
    );
    assert_eq!(r1.location.name.as_deref(), Some("Urum al-Kubrá"));
    assert!((r1.location.uncertainty_m - 500.0).abs() < 1e-9);
    assert_eq!(
        r1.sources,
        ["https://example.org/a", "https://example.org/b"]
    );
    // A date without a time is the whole local day.
    assert_eq!(r1.occurred.from, ts("2016-09-19T00:00:00+03:00"));
    assert_eq!(r1.occurred.until, Some(ts("2016-09-19T23:59:59+03:00")));

    let r2 = &o.accepted[1].report;
    assert_eq!(r2.actor, AllegedActor::Group { id: "isil".into() });
    assert_eq!(r2.location.name.as_deref(), Some("أورم الكبرى"));
    assert_eq!(r2.description, "Shells, several");
    assert_eq!(
        r2.casualties.killed_min, None,
        "blank fatalities stay unknown"
    );
    assert_eq!(r2.occurred.from, ts("2016-09-20T00:00:00+03:00"));

    let r7 = &o.accepted[3].report;
    assert_eq!(r7.category, Category::Other, "unmapped category → default");
    assert_eq!(
        r7.actor,
        AllegedActor::Group {
            id: "opp_factions".into()
        },
        "mapping table"
    );
    assert_eq!(
        (r7.casualties.killed_min, r7.casualties.killed_max),
        (Some(2), None)
    );
    let r8 = &o.accepted[4].report;
    assert_eq!(
        r8.actor,
        AllegedActor::Party { id: "a".into() },
        "party by name"
    );
    assert_eq!(
        (r8.casualties.killed_min, r8.casualties.killed_max),
        (Some(2), Some(4)),
        "en dash"
    );
    assert!(
        r8.external_id
            .as_deref()
            .is_some_and(|x| x.starts_with("csv:") && x.ends_with(":SYR8"))
    );
}

#[test]
fn layout_b_semicolons_decimal_commas_and_two_date_formats() {
    let o = run(LAYOUT_B_MAPPING, LAYOUT_B.as_bytes());
    let accepted: Vec<&str> = o.accepted.iter().map(|r| r.report.id.as_str()).collect();
    assert_eq!(accepted, ["ged-1001", "ged-1002"]);
    let a = &o.accepted[0].report;
    assert_eq!(a.actor, AllegedActor::Party { id: "gov".into() });
    assert_eq!(
        (a.casualties.killed_min, a.casualties.killed_max),
        (Some(2), Some(4))
    );
    assert!((a.location.lat - 10.5).abs() < 1e-12);
    assert_eq!(a.category, Category::Shelling);
    assert!((a.location.uncertainty_m - 2000.0).abs() < 1e-9);
    let b = &o.accepted[1].report;
    assert_eq!(b.occurred.from, ts("2016-09-19T19:15:00+03:00"));
    assert_eq!(b.occurred.until, None);
    assert!((b.location.uncertainty_m - 250.0).abs() < 1e-9);
    assert_eq!(b.location.name.as_deref(), Some("Ḥalab"));
    assert_eq!(o.rejected.len(), 2);
    assert!(
        o.rejected[0].reasons[0].contains("longitude is blank"),
        "{:?}",
        o.rejected[0]
    );
    assert!(
        o.rejected[1].reasons[0].contains("09/19/2016"),
        "month-first is not day-first: {:?}",
        o.rejected[1]
    );
}

#[test]
fn hostile_files_are_refused_with_clear_errors() {
    // Latin-1: é as 0xE9 on line 3.
    let mut latin1 = b"event_id_cnty,event_date,sub_event_type,actor1,actor2,location,latitude,longitude,geo_precision,source,notes,fatalities\n".to_vec();
    latin1.extend_from_slice(b"X1,19 September 2016,Attack,ISIS,,Alep,10.5,10.5,1,,,1\n");
    latin1.extend_from_slice(b"X2,19 September 2016,Attack,ISIS,,Kafr Nah\xe9,10.5,10.5,1,,,1\n");
    let e = refuse(LAYOUT_A_MAPPING, &latin1);
    assert!(
        matches!(
            e,
            ImportError::Encoding {
                line: 3,
                byte: 0xe9,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("iconv"), "{e}");

    // UTF-16 with and without a byte-order mark.
    let utf16: Vec<u8> = std::iter::once([0xFF_u8, 0xFE])
        .chain(LAYOUT_A.encode_utf16().map(u16::to_le_bytes))
        .flatten()
        .collect();
    assert!(matches!(
        refuse(LAYOUT_A_MAPPING, &utf16),
        ImportError::Utf16(_)
    ));
    assert!(matches!(
        refuse(LAYOUT_A_MAPPING, &utf16[2..]),
        ImportError::Utf16(_)
    ));

    // A huge line.
    let mut huge = LAYOUT_A.as_bytes().to_vec();
    huge.extend(std::iter::repeat_n(b'x', 100_000));
    huge.push(b'\n');
    let e = refuse(LAYOUT_A_MAPPING, &huge);
    assert!(
        matches!(e, ImportError::LineTooLong { line: 11, .. }),
        "{e:?}"
    );

    // Missing columns: the error names them and lists what the file has.
    let e = refuse(
        LAYOUT_A_MAPPING,
        b"event_date,latitude,longitude\n19 September 2016,10.5,10.5\n",
    );
    match &e {
        ImportError::MissingColumns { missing, available } => {
            assert!(
                missing.contains(&"actor1".to_owned())
                    && missing.contains(&"fatalities".to_owned())
            );
            assert_eq!(available, &["event_date", "latitude", "longitude"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("`actor1`"), "{e}");

    // Empty.
    assert!(matches!(refuse(LAYOUT_B_MAPPING, b""), ImportError::Empty));
}

#[test]
fn ragged_and_unterminated_rows_are_rejected_not_fatal() {
    let csv = "id;date_start;latitude;longitude;side_a;deaths_low;deaths_high;where_coordinates;source_article;radius_m\n\
               1;19/09/2016;10,5;10,5;Government;1;1;A;;;extra\n\
               2;19/09/2016;10,5;10,5;Government;1;1;\"B;;\n";
    let o = run(LAYOUT_B_MAPPING, csv.as_bytes());
    assert!(o.accepted.is_empty(), "{:?}", o.accepted);
    assert!(
        o.rejected[0].reasons[0].contains("11 fields, the header 10"),
        "{:?}",
        o.rejected
    );
}

#[test]
fn mappings_are_checked() {
    let a = fixture();
    for (mapping, needle) in [
        ("[columns]\ndate='d'\nlatitude='y'\n", "longitude"),
        (
            "[columns]\ndate='d'\nlatitude='y'\nlongitude='x'\nwho='w'\n",
            "unknown field",
        ),
        (
            "[columns]\ndate='d'\nlatitude='y'\nlongitude='x'\n[categories]\n'x'='bombing'\n",
            "not a category",
        ),
        (
            "[columns]\ndate='d'\nlatitude='y'\nlongitude='x'\n[actors]\n'x'='martians'\n",
            "neither a party nor a group",
        ),
        (
            "[columns]\ndate='d'\nlatitude='y'\nlongitude='x'\n[options]\nutc_offset='EEST'\n",
            "utc_offset",
        ),
    ] {
        match Mapping::from_toml(mapping, &a) {
            Ok(_) => panic!("accepted {mapping}"),
            Err(e) => assert!(e.to_string().contains(needle), "{e}"),
        }
    }
}

#[test]
fn count_ranges() {
    for (raw, want) in [
        ("", Ok((None, None))),
        ("unknown", Ok((None, None))),
        ("4", Ok((Some(4), Some(4)))),
        (" 3-5 ", Ok((Some(3), Some(5)))),
        ("3–5", Ok((Some(3), Some(5)))),
        ("3 to 5", Ok((Some(3), Some(5)))),
        ("at least 5", Ok((Some(5), None))),
        ("12+", Ok((Some(12), None))),
        ("1,200", Ok((Some(1200), Some(1200)))),
        ("~7", Ok((Some(7), Some(7)))),
        ("5-3", Err(())),
        ("many", Err(())),
        ("-4", Err(())),
    ] {
        assert_eq!(parse_count_range(raw).map_err(|_| ()), want, "{raw:?}");
    }
}

#[test]
fn export_reads_back_through_import() {
    let o = run(LAYOUT_A_MAPPING, LAYOUT_A.as_bytes());
    let rows: Vec<ExportRow<'_>> = o
        .accepted
        .iter()
        .map(|r| ExportRow {
            report: &r.report,
            version: 1,
            status: ReviewStatus::Reported,
            classification: None,
        })
        .collect();
    let csv = match to_csv(&rows) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let back = run(CSV_MAPPING, &csv);
    assert!(back.rejected.is_empty(), "{:?}", back.rejected);
    assert_eq!(back.accepted.len(), rows.len());
    for (a, b) in o.accepted.iter().zip(&back.accepted) {
        assert_eq!(a.report.id, b.report.id);
        assert_eq!(a.report.occurred.from, b.report.occurred.from);
        assert_eq!(a.report.location, b.report.location);
        assert_eq!(a.report.category, b.report.category);
        assert_eq!(a.report.actor.id(), b.report.actor.id());
        assert_eq!(
            a.report.casualties.killed_min,
            b.report.casualties.killed_min
        );
    }
    let gj = to_geojson(&rows);
    assert_eq!(gj["type"], "FeatureCollection");
    assert_eq!(gj["features"][0]["geometry"]["coordinates"][0], 10.5);
    assert_eq!(gj["features"][1]["properties"]["place"], "أورم الكبرى");
}

#[test]
fn repeated_row_ids_are_rejected() {
    let csv = "id;date_start;latitude;longitude;side_a;deaths_low;deaths_high;where_coordinates;source_article;radius_m\n\
               7;19/09/2016;10,5;10,5;Government;1;1;A;;\n\
               7;20/09/2016;10,5;10,5;Government;1;1;B;;\n";
    let o = run(LAYOUT_B_MAPPING, csv.as_bytes());
    assert_eq!(o.accepted.len(), 1);
    assert_eq!(
        o.rejected[0].reasons,
        ["id `ged-7` repeats the row on line 2"]
    );
}

#[test]
fn windows_line_ends_and_a_byte_order_mark() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(LAYOUT_B.replace('\n', "\r\n").as_bytes());
    let o = run(LAYOUT_B_MAPPING, &bytes);
    let accepted: Vec<&str> = o.accepted.iter().map(|r| r.report.id.as_str()).collect();
    assert_eq!(accepted, ["ged-1001", "ged-1002"]);
    assert_eq!(
        o.accepted[1].report.occurred.from,
        ts("2016-09-19T19:15:00+03:00")
    );
    assert_eq!(o.rejected.len(), 2);
}
