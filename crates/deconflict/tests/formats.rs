//! The input formats: states CSV and plan/volume GeoJSON, good and bad.

#![allow(
    clippy::float_cmp,
    reason = "exact equality is the point: same computation, same bits"
)]

use jic_deconflict::plans_geojson::{parse_plans, parse_volumes};
use jic_deconflict::states_csv::{conflict_rows, format_conflicts, parse_states};
use jic_deconflict::track::TrackConflict;

/// Parses `input` and renders rows and errors as one string per line, for comparison.
fn check(input: &str, expected: &[&str]) {
    let got: Vec<String> = match parse_states(input) {
        Ok(p) => p
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {:?}",
                    r.line,
                    r.id,
                    (
                        r.state.lat_deg,
                        r.state.lon_deg,
                        r.state.alt_ft,
                        r.state.gs_kt,
                        r.state.trk_deg,
                        r.state.vs_fpm
                    )
                )
            })
            .chain(
                p.errors
                    .iter()
                    .map(|e| format!("error {}: {}", e.line, e.reason)),
            )
            .collect(),
        Err(e) => vec![format!("fatal: {e}")],
    };
    assert_eq!(got, expected, "input: {input:?}");
}

#[test]
fn states_csv() {
    check(
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nA,1,2,3,4,5,6\n",
        &["2 A (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)"],
    );
    // Columns in another order, an extra column, BOM, CRLF, blank lines, quotes.
    check(
        "\u{feff}lat,lon,id,note,alt_ft,gs_kt,trk_deg,vs_fpm\r\n\r\n1,2,\"X,1\",\"say \"\"hi\"\"\",3,4,5,6\r\n",
        &["3 X,1 (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)"],
    );
    check(
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nA,1,2,3,4,5,6\nA,1,2,3,4,5,6\nB,91,0,0,0,0,0\nC,0,0,0,-1,0,0\nD,0,0,nan,0,0,0\nE,0,0,0,0,0\n,0,0,0,0,0,0\nF,0,0,x,0,0,0\n\"G,0,0,0,0,0,0\n",
        &[
            "2 A (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)",
            "error 3: duplicate id `A` (first on line 2)",
            "error 4: lat 91 is outside [-90, 90]",
            "error 5: gs_kt -1 is negative",
            "error 6: alt_ft: `nan` is not a finite number",
            "error 7: 6 fields, the header has 7",
            "error 8: empty id",
            "error 9: alt_ft: `x` is not a number",
            "error 10: unterminated quoted field",
        ],
    );
    check(
        "",
        &["fatal: empty file: expected the header `id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm`"],
    );
    check(
        "id,lat,lon,alt_ft,gs_kt,trk_deg\n",
        &[
            "fatal: line 1: header lacks the column `vs_fpm`; expected `id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm`",
        ],
    );
    check(
        "id,lat,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\n",
        &["fatal: line 1: header names `lat` twice"],
    );
}

#[test]
fn conflict_csv_is_sorted_by_id_bytes() {
    let ids = ["b", "a,x", "B"];
    let c = |first, second| TrackConflict {
        first,
        second,
        tcpa_s: 1.0,
        dcpa_m: 1852.0,
        tin_s: f64::NEG_INFINITY,
        tout_s: 2.5,
    };
    let text = format_conflicts(&conflict_rows(&ids, &[c(0, 1), c(0, 2), c(1, 2)]));
    assert_eq!(
        text,
        "id1,id2,tcpa_s,dcpa_nm,tin_s,tout_s\n\
         B,\"a,x\",1.000000,1.000000,-inf,2.500000\n\
         B,b,1.000000,1.000000,-inf,2.500000\n\
         \"a,x\",b,1.000000,1.000000,-inf,2.500000\n"
    );
}

#[test]
fn plans_geojson() {
    let doc = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"A","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T12:05:00+02:00"],"rpz_nm":3},
       "geometry":{"type":"LineString","coordinates":[[36,35,3000],[37,35.5,20000]]}},
      {"type":"Feature","id":7,"properties":{"times":["2016-09-17T10:00:00Z"]},"geometry":{"type":"LineString","coordinates":[[36,35,3000],[37,35.5,20000]]}},
      {"type":"Feature","properties":{"id":"C","times":["2016-09-17T10:00:00Z","2016-09-17T09:00:00Z"]},"geometry":{"type":"LineString","coordinates":[[36,35,3000],[37,35.5,20000]]}},
      {"type":"Feature","properties":{"times":["x","y"]},"geometry":{"type":"LineString","coordinates":[[36,35,3000],[37,35.5,20000]]}},
      {"type":"Feature","properties":{"times":[]},"geometry":{"type":"Point","coordinates":[36,35]}},
      {"type":"Feature","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:01:00Z"]},"geometry":{"type":"LineString","coordinates":[[36,35],[37,35.5]]}}
    ]}"#;
    let parsed = parse_plans(doc).map_err(|e| e.to_string());
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(parsed.plans.len(), 1);
    let a = &parsed.plans[0];
    assert_eq!(a.id, "A");
    assert!((a.waypoints[1].time_s - a.waypoints[0].time_s - 300.0).abs() < 1e-6);
    assert!(a.rpz_m.is_some_and(|r| (r - 3.0 * 1852.0).abs() < 1e-9));
    let errors: Vec<(usize, Option<&str>, &str)> = parsed
        .errors
        .iter()
        .map(|e| (e.index, e.id.as_deref(), e.reason.as_str()))
        .collect();
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert_eq!(errors[0], (1, Some("7"), "2 positions but 1 times"));
    assert_eq!(
        errors[1],
        (2, Some("C"), "waypoint 1: time does not increase")
    );
    assert!(
        errors[2]
            .2
            .starts_with("times[0] `x` is not an RFC 3339 instant"),
        "{errors:?}"
    );
    assert_eq!(errors[3].2, "the geometry must be a LineString");
    assert_eq!(errors[4].2, "position 0 must be [lon, lat, alt_ft]");
    assert!(parse_plans("[]").is_err());
    assert!(parse_plans("{").is_err());
}

#[test]
fn volumes_geojson() {
    let doc = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"R1","properties":{"kind":"restricted_airspace","floor_ft":0,"ceiling_ft":15000,"start":"2016-09-12T16:00:00Z"},
       "geometry":{"type":"Polygon","coordinates":[[[36,35],[37,35],[37,36],[36,36],[36,35]]]}},
      {"type":"Feature","id":"C1","properties":{"kind":"control"},"geometry":{"type":"Polygon","coordinates":[]}},
      {"type":"Feature","id":"M","properties":{"floor_ft":0,"ceiling_ft":5000},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[36,35],[37,35],[37,36]]],[[[38,35],[39,35],[39,36]]]]}},
      {"type":"Feature","id":"BAD","properties":{"floor_ft":5000,"ceiling_ft":0},"geometry":{"type":"Polygon","coordinates":[[[36,35],[37,35],[37,36]]]}}
    ]}"#;
    let parsed = parse_volumes(doc).map_err(|e| e.to_string());
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    let ids: Vec<&str> = parsed.volumes.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["R1", "M/0", "M/1"]);
    assert_eq!(
        parsed.volumes[0].rings[0].len(),
        4,
        "closing vertex dropped"
    );
    assert!(
        parsed.volumes[0]
            .start_s
            .is_some_and(|s| s == 1_473_696_000.0)
    );
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].id.as_deref(), Some("BAD"));
}
