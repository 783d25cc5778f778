//! `jic agreement check|show|hash` run as a user runs them: the built binary on the embedded
//! September 2016 package and on broken copies of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PACKAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/syria-2016-09/agreement"
);

fn jic(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jic"))
        .args(args)
        .output()
        .expect("the jic binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary copy of the embedded package.
fn copy_package() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("agreement");
    std::fs::create_dir(&dir).expect("mkdir");
    for name in ["agreement.toml", "zones.geojson"] {
        std::fs::copy(Path::new(PACKAGE).join(name), dir.join(name)).expect("copy");
    }
    (tmp, dir)
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read")
}

fn write(dir: &Path, name: &str, contents: &str) {
    std::fs::write(dir.join(name), contents).expect("write");
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "package lacks {from:?}");
    text.replacen(from, to, 1)
}

/// `line:col` of the first occurrence of `needle` (plus `skip` characters).
fn position(text: &str, needle: &str, skip: usize) -> String {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("marker {needle:?} not found"))
        + skip;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{column}")
}

fn hash_of(dir: &Path) -> String {
    let out = jic(&["agreement", "hash", dir.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

#[test]
fn embedded_package_checks_ok() {
    let out = jic(&["agreement", "check", PACKAGE]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("OK syria-2016-09"), "{stdout}");
    let hash = hash_of(Path::new(PACKAGE));
    assert_eq!(hash.len(), 64);
    assert!(
        stdout.trim_end().ends_with(&hash),
        "check prints the hash: {stdout}"
    );
}

#[test]
fn show_summarises_the_package() {
    let out = jic(&["agreement", "show", PACKAGE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "Parties (9)",
        "Groups (7)",
        "Zones (11)",
        "Phases (3)",
        "Rules (11)",
        "km²",
        "jabal_tharda",
        "APPROXIMATE",
        "starts 2016-09-12 19:00 +03:00, lasts 48 h",
        "no_strikes_in_covered_areas",
    ] {
        assert!(
            stdout.contains(expected),
            "show lacks {expected:?}:\n{stdout}"
        );
    }
}

/// Issue #2's five problems in one copy: all reported with file:line:col in one run, exit 1.
#[test]
fn broken_copy_reports_every_problem() {
    let (_tmp, dir) = copy_package();
    let toml = read(&dir, "agreement.toml");
    // (a) TOML syntax error.
    let toml = edit(
        &toml,
        "name = \"Syrian Arab Red Crescent\"",
        "name = \"Syrian Arab Red Crescent",
    );
    // (b) unknown key.
    let toml = edit(
        &toml,
        "id = \"un_envoy\"",
        "id = \"un_envoy\"\ncolour = \"blue\"",
    );
    // (c) a rule naming a zone kind no zone has.
    let toml = edit(
        &toml,
        "zone_kinds = [\"humanitarian_route\"]",
        "zone_kinds = [\"restricted_airspace\"]",
    );
    write(&dir, "agreement.toml", &toml);

    // (d) a self-intersecting polygon and (e) a longitude of 200, edited as data.
    let mut zones: serde_json::Value =
        serde_json::from_str(&read(&dir, "zones.geojson")).expect("zones are JSON");
    let features = zones["features"].as_array_mut().expect("features");
    for f in features.iter_mut() {
        let id = f["properties"]["id"].as_str().map(str::to_owned);
        let ring = &mut f["geometry"]["coordinates"][0];
        match id.as_deref() {
            Some("sheikh_maqsoud_ypg") => {
                let a = ring[1].clone();
                ring[1] = ring[10].clone();
                ring[10] = a;
            }
            Some("jabal_tharda_target_area") => ring[3][0] = serde_json::json!(200.0),
            _ => {}
        }
    }
    let zones_text = serde_json::to_string_pretty(&zones).expect("serializes");
    write(&dir, "zones.geojson", &zones_text);

    let out = jic(&["agreement", "check", dir.to_str().expect("utf-8 path")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "no OK line for an invalid package");
    let toml_file = dir.join("agreement.toml").display().to_string();
    let zones_file = dir.join("zones.geojson").display().to_string();
    let expect = |file: &str, pos: String, fragment: &str| {
        let prefix = format!("{file}:{pos}: error: ");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(fragment)),
            "missing {prefix}…{fragment}… in:\n{stderr}"
        );
    };
    expect(
        &toml_file,
        position(&toml, "\"Syrian Arab Red Crescent\n", 25),
        "TOML syntax",
    );
    expect(
        &toml_file,
        position(&toml, "colour", 0),
        "unknown key `colour`",
    );
    expect(
        &toml_file,
        position(&toml, "\"restricted_airspace\"", 0),
        "no zone has that kind",
    );
    expect(
        &zones_file,
        position(&zones_text, "200.0", 0),
        "longitude 200",
    );
    // The crossing is reported at the position array where the offending edge starts.
    let crossing = stderr
        .lines()
        .find(|l| l.contains("`sheikh_maqsoud_ypg` intersects itself"))
        .unwrap_or_else(|| panic!("no self-intersection reported:\n{stderr}"));
    let rest = crossing
        .strip_prefix(&format!("{zones_file}:"))
        .expect("points into zones.geojson");
    let mut nums = rest
        .split(':')
        .take(2)
        .map(|n| n.parse::<usize>().expect("line and column"));
    let (line, column) = (nums.next().expect("line"), nums.next().expect("column"));
    let at = zones_text
        .lines()
        .nth(line - 1)
        .expect("line exists")
        .chars()
        .skip(column - 1)
        .collect::<String>();
    assert!(at.starts_with('['), "points at a position: {at:?}");
    // Every problem comes with a hint.
    let errors = stderr.lines().filter(|l| l.contains(": error: ")).count();
    let hints = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("hint: "))
        .count();
    assert!(errors >= 5 && hints == errors, "{stderr}");
}

#[test]
fn hash_ignores_formatting_and_follows_terms() {
    let (_tmp, dir) = copy_package();
    let original = hash_of(&dir);
    let toml = read(&dir, "agreement.toml");
    // Comments, key order, spacing and the spelling of numbers do not matter.
    let reformatted = edit(&toml, "id = \"syria-2016-09\"\ntitle", "# reordered\ntitle");
    let reformatted = edit(
        &reformatted,
        "zone_files = [\"zones.geojson\"]",
        "zone_files = [ \"zones.geojson\" ]   # the map\nid = \"syria-2016-09\"",
    );
    let reformatted = edit(
        &reformatted,
        "horizontal_nm = 5\n",
        "horizontal_nm   =   5.0\n",
    );
    let reformatted = edit(
        &reformatted,
        "signatories = [\"us\", \"russia\"]",
        "signatories = [\"russia\", \"us\"]",
    );
    write(&dir, "agreement.toml", &reformatted);
    assert_eq!(hash_of(&dir), original);
    // A term changes: the hash changes.
    write(
        &dir,
        "agreement.toml",
        &edit(
            &reformatted,
            "max_verified_violations = 3",
            "max_verified_violations = 4",
        ),
    );
    assert_ne!(hash_of(&dir), original);
}

#[test]
fn missing_directory_is_an_io_error() {
    let out = jic(&["agreement", "check", "/nonexistent/jic-package"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}
