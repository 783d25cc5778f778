//! `jic deconflict tracks|plans` end to end: the CSV and GeoJSON contracts, bad rows, exit codes.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// Runs `jic` with `args`, feeding `stdin`; returns (exit code, stdout, stderr).
fn jic(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jic"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// One degree of longitude on the equator, nautical miles (flat frame of DESIGN.md §3.2).
const NM_PER_DEG: f64 = 6_371_000.0 * std::f64::consts::PI / 180.0 / 1852.0;

fn states() -> String {
    let lon20 = 20.0 / NM_PER_DEG;
    format!(
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\n\
         zulu,0,0,30000,400,90,0\n\
         alpha,0,{lon20},30000,400,270,0\n\
         level1,10,10,31000,400,0,0\n\
         level2,10,10,32000,400,180,0\n\
         bad,95,0,0,0,0,0\n\
         alpha,1,1,1,1,1,1\n"
    )
}

#[test]
fn tracks_prints_the_contract_csv_and_reports_bad_rows() {
    let (code, out, err) = jic(&["deconflict", "tracks", "-"], &states());
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id1,id2,tcpa_s,dcpa_nm,tin_s,tout_s");
    // Head-on at 800 kt over 20 nm: tcpa = 20/800 h = 90 s (with 1 kt = 0.514444 m/s).
    assert_eq!(lines.len(), 2, "{out}");
    let fields: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(&fields[..2], ["alpha", "zulu"]);
    let value = |k: usize| fields[k].parse::<f64>().unwrap();
    let closing = 800.0 * 0.514444;
    assert!((value(2) - 20.0 * 1852.0 / closing).abs() < 1e-4, "{out}");
    assert!(value(3).abs() < 1e-4);
    assert!((value(4) - 15.0 * 1852.0 / closing).abs() < 1e-4);
    assert!((value(5) - 25.0 * 1852.0 / closing).abs() < 1e-4);
    assert!(
        fields[2].split('.').nth(1).is_some_and(|d| d.len() >= 4),
        "at least 4 decimals"
    );
    // Level aircraft exactly 1000 ft apart are not in conflict; bad rows are named with lines.
    assert!(err.contains("line 6: lat 95 is outside [-90, 90]"), "{err}");
    assert!(
        err.contains("line 7: duplicate id `alpha` (first on line 3)"),
        "{err}"
    );
}

#[test]
fn tracks_strict_stops_at_the_first_bad_row() {
    let (code, out, err) = jic(&["deconflict", "tracks", "--strict", "-"], &states());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("line 6"), "{err}");
    assert!(!err.contains("line 7"), "{err}");
}

#[test]
fn tracks_options_and_fail_on_conflict() {
    // With a 1500 ft vertical minimum the two level aircraft conflict too; with 25 nm the
    // head-on pair is already in loss of separation.
    let (code, out, _) = jic(
        &[
            "deconflict",
            "tracks",
            "--hpz-ft",
            "1500",
            "--rpz-nm",
            "25",
            "--lookahead-s",
            "60",
            "--fail-on-conflict",
            "-",
        ],
        &states(),
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[1].starts_with("alpha,zulu,") && lines[2].starts_with("level1,level2,"),
        "{out}"
    );
    assert!(
        lines[1].split(',').nth(4).unwrap().starts_with('-'),
        "tin < 0: {out}"
    );
}

#[test]
fn tracks_bad_header_and_missing_file() {
    let (code, _, err) = jic(&["deconflict", "tracks", "-"], "id,lat\n");
    assert_eq!(code, 2);
    assert!(err.contains("header lacks the column `lon`"), "{err}");
    let (code, _, err) = jic(&["deconflict", "tracks", "/nonexistent/states.csv"], "");
    assert_eq!(code, 3, "{err}");
}

const PLANS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"EAST","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:10:00Z"]},
  "geometry":{"type":"LineString","coordinates":[[0.0,0.0,20000],[0.5,0.0,20000]]}},
 {"type":"Feature","id":"WEST","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:10:00Z"]},
  "geometry":{"type":"LineString","coordinates":[[0.5,0.0,20000],[0.0,0.0,20000]]}},
 {"type":"Feature","id":"BROKEN","properties":{"times":["2016-09-17T10:00:00Z"]},
  "geometry":{"type":"LineString","coordinates":[[0.5,0.0,20000],[0.0,0.0,20000]]}}
]}"#;

const VOLUMES: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"R1","properties":{"kind":"restricted_airspace","floor_ft":0,"ceiling_ft":25000},
  "geometry":{"type":"Polygon","coordinates":[[[0.1,-0.1],[0.2,-0.1],[0.2,0.1],[0.1,0.1],[0.1,-0.1]]]}}
]}"#;

#[test]
fn plans_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let volumes = dir.path().join("volumes.geojson");
    std::fs::write(&volumes, VOLUMES).unwrap();
    let volumes = volumes.to_str().unwrap();

    let (code, out, err) = jic(&["deconflict", "plans", "-", "--volumes", volumes], PLANS);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("feature 2 (BROKEN): 2 positions but 1 times"),
        "{err}"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "kind,id1,id2,start,end,leg1,leg2,min_horizontal_nm,vertical_ft,min_time,min_lat,min_lon"
    );
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[1].starts_with("plan,EAST,WEST,2016-09-17T10:0"),
        "{out}"
    );
    assert!(
        lines[1].contains(",2016-09-17T10:05:00Z,"),
        "closest at 10:05: {out}"
    );
    // EAST crosses R1 (0.1° to 0.2° of 0.5° in 600 s) from 10:02 to 10:04; WEST from 10:06 to 10:08.
    assert_eq!(
        lines[2],
        "volume,EAST,R1,2016-09-17T10:02:00Z,2016-09-17T10:04:00Z,0,0,,,,,"
    );
    assert_eq!(
        lines[3],
        "volume,WEST,R1,2016-09-17T10:06:00Z,2016-09-17T10:08:00Z,0,0,,,,,"
    );

    let (code, out, _) = jic(
        &["deconflict", "plans", "-", "--format", "json", "--strict"],
        PLANS,
    );
    assert_eq!(code, 2, "--strict refuses the broken feature: {out}");
    let fixed = PLANS.replace(
        r#""BROKEN","properties":{"times":["2016-09-17T10:00:00Z"]}"#,
        r#""BROKEN","properties":{"times":["2016-09-17T11:00:00Z","2016-09-17T11:01:00Z"]}"#,
    );
    let (code, out, err) = jic(
        &[
            "deconflict",
            "plans",
            "-",
            "--format",
            "json",
            "--strict",
            "--fail-on-conflict",
        ],
        &fixed,
    );
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["plan_conflicts"][0]["id1"], "EAST");
    assert_eq!(doc["plan_conflicts"][0]["min_time"], "2016-09-17T10:05:00Z");
    assert_eq!(doc["volume_crossings"].as_array().map(Vec::len), Some(0));
}
