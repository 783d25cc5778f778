//! `jic demo --headless` replays the whole September 2016 timeline at maximum speed through a
//! real server, prints the summary and verifies its own log, at the full scale of `jic demo`
//! (every synthetic sortie and incident report: about 20 s in a debug build on two cores).

use std::process::Command;

#[test]
fn headless_demo_replays_the_scenario_and_verifies_its_log() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_jic"))
        .args(["demo", "--headless", "--speed", "max", "--data"])
        .arg(data.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("jic runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    for expected in [
        "What jic flagged, and when",
        "Jabal al-Tharda",
        "Urum al-Kubra",
        "After the suspension",
        "Log verified:",
        "every signature verified",
    ] {
        assert!(
            stdout.contains(expected),
            "the summary lacks {expected:?}:\n{stdout}"
        );
    }
    // What jic flagged: the 9 km location error, the stop request reaching the US cell, the
    // convoy attack as a violation linked to the acknowledged movement, the suspension refusing
    // joint review while deconfliction goes on.
    for expected in [
        "verdict: conflict",
        "strike.stop leaf",
        "reached the us cell's live feed",
        "track_conflict alert reached the us cell's live feed",
        "classified violation (no_attacks_on_humanitarian)",
        "linked: notified movement",
        "UN-MOV-0919-URUM was acknowledged by us at 18 Sep 16:40",
        "implementation plane is suspended",
        "the air-safety plane kept running",
        "plan_conflict",
        "stop_request",
        "Phase clock",
    ] {
        assert!(
            stdout.contains(expected),
            "the summary lacks {expected:?}:\n{stdout}"
        );
    }
    // The deployment is where --data said, with generated keys (never shipped).
    assert!(data.path().join("deployment/keys/us.key").exists());
}

#[test]
fn demo_refuses_a_bad_speed() {
    let output = Command::new(env!("CARGO_BIN_EXE_jic"))
        .args(["demo", "--headless", "--speed", "fast"])
        .output()
        .expect("jic runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("speed"));
}
