//! `jic demo --headless` replays the whole September 2016 scenario at maximum speed through a
//! real server, prints the summary and verifies its own log.

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
    // The air-safety plane worked: flight plans were accepted and at least one conflict raised.
    assert!(stdout.contains("air_operation.file"), "{stdout}");
    assert!(stdout.contains("plan_conflict"), "{stdout}");
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
