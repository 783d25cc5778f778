//! `jic check strike` end to end: the 17 Sept 2016 Deir ez-Zor notice against the embedded
//! September 2016 package, with and without the ~9 km location error, and the exit codes.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::path::PathBuf;
use std::process::Command;

fn package() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/syria-2016-09/agreement")
        .display()
        .to_string()
}

fn jic(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jic"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn notice(lon: f64, lat: f64) -> String {
    format!(
        r#"{{"id": "dez-1", "group": "isil",
            "area": {{"type": "Point", "coordinates": [{lon}, {lat}], "radius_m": 1000}},
            "window": {{"start": "2016-09-17T15:55:00+03:00", "end": "2016-09-17T16:56:00+03:00"}},
            "effects_radius_m": 500, "air_operation": "coalition-dez-0917"}}"#
    )
}

const SITUATION: &str = r#"{
  "air_operations": [{"id": "coalition-dez-0917", "party": "us",
    "path": {"type": "LineString", "coordinates": [[40.6, 35.6], [40.141, 35.257], [40.6, 35.6]]}}],
  "sites": [{"notifier": "un_ocha", "notified_at": "2016-09-16T08:00:00+03:00", "id": "clinic",
    "category": "clinic", "geometry": {"type": "Point", "coordinates": [40.0709, 35.2150]},
    "precision_m": 50, "recipients": ["us", "russia"], "valid_from": "2016-09-01T00:00:00+03:00",
    "disclosure": "sealed"}]
}"#;

#[test]
fn the_deir_ez_zor_notice_conflicts_and_the_location_error_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let situation = dir.path().join("situation.json");
    std::fs::write(&situation, SITUATION).unwrap();
    let on_target = dir.path().join("on-target.json");
    std::fs::write(&on_target, notice(40.141, 35.257)).unwrap();
    let off = dir.path().join("as-notified.json");
    std::fs::write(&off, notice(40.0709, 35.1998)).unwrap();
    let situation = situation.display().to_string();

    let (code, out, err) = jic(&[
        "check",
        "strike",
        &on_target.display().to_string(),
        "--agreement",
        &package(),
        "--sites",
        &situation,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("CONFLICT"), "{out}");
    assert!(out.contains("no_strikes_in_covered_areas"), "{out}");
    assert!(out.contains("jabal_tharda"), "{out}");
    assert!(out.contains("phase extension"), "{out}");

    let (code, out, _) = jic(&[
        "check",
        "strike",
        &off.display().to_string(),
        "--agreement",
        &package(),
        "--sites",
        &situation,
        "--json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "conflict");
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "location_consistency" && f["severity"] == "conflict"),
        "{out}"
    );
    // Offline there is no phase clock: the phase comes from the schedule, and the finding says
    // that the calm-day phase could not be judged.
    let phase = findings
        .iter()
        .find(|f| f["rule"] == "jic.phase")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        (&phase["phase"], &phase["source"]),
        (
            &serde_json::json!("extension"),
            &serde_json::json!("schedule")
        )
    );
    assert!(
        phase["message"]
            .as_str()
            .unwrap()
            .contains("`jic` waits for 7 consecutive calm days"),
        "{phase}"
    );
    // The sealed clinic answers with a band only.
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "sealed_site" && f["within_m"] == 1000),
        "{out}"
    );
    assert!(
        !out.contains("40.0709,") && !out.contains("35.215"),
        "{out}"
    );
}

#[test]
fn bad_input_exits_2_and_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, notice(400.0, 35.0)).unwrap();
    let (code, _, err) = jic(&[
        "check",
        "strike",
        &bad.display().to_string(),
        "--agreement",
        &package(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("area.coordinates"), "{err}");
}
