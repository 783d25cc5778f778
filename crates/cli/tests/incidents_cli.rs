//! `jic incidents import|export`, `jic phase` and `jic report` against a real server on
//! 127.0.0.1: a CSV imported as signed monitor submissions (all or nothing, resumable), the phase
//! clock recomputed offline from the data directory and from the log over HTTP giving the
//! server's answer, and the report rendered offline.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use jic_server::clock::ManualClock;
use jic_server::config::ServerConfig;
use jic_server::deployment::{self, DataDir, InitOptions};
use jic_server::{AppState, OpenOptions};
use serde_json::Value;

fn package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/syria-2016-09/agreement")
}

fn jic(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jic"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `jic` on a blocking thread, so the test's in-process server keeps serving meanwhile.
async fn jic_off_thread(args: &[impl AsRef<str>]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.as_ref().to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        jic(&args)
    })
    .await
    .unwrap()
}

const MAPPING: &str = r#"
[columns]
id = "event_id"
date = "event_date"
latitude = "latitude"
longitude = "longitude"
actor = "actor1"
target = "actor2"
category = "event_type"
fatalities = "fatalities"
place = "location"

[options]
date_formats = ["%d %B %Y", "%Y-%m-%d"]
utc_offset = "+03:00"
default_uncertainty_m = 300

[categories]
"Shelling/artillery/missile attack" = "shelling"
"Air/drone strike" = "airstrike"
"#;

/// Shelling of east Aleppo by the Syrian Arab Army on 13–14 Sept 2016 (dates only: each row is
/// a whole-day window), a strike on the Urum al-Kubra warehouse.
const CSV: &str = "event_id,event_date,latitude,longitude,actor1,actor2,event_type,fatalities,location
A1,13 September 2016,36.20,37.18,Syrian Arab Army,moderate opposition,Shelling/artillery/missile attack,3-5,حلب
A2,2016-09-13,36.21,37.18,Syrian Arab Army,moderate opposition,Shelling/artillery/missile attack,,Aleppo
A3,14 September 2016,36.20,37.19,Syrian Arab Army,moderate opposition,Shelling/artillery/missile attack,1,Aleppo
A4,19 September 2016,36.1516,36.9678,,,Air/drone strike,12,Urum al-Kubra
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_phase_report_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let init = deployment::init(
        &data,
        &InitOptions {
            agreement: package(),
            extra_members: vec![],
            origin: "jic.test/syria-2016".to_owned(),
            config: ServerConfig::default(),
        },
    )
    .unwrap();
    let token = |m: &str| {
        init.tokens
            .iter()
            .find(|(_, x, _)| x == m)
            .unwrap()
            .2
            .clone()
    };
    let key = deployment::keys_dir(&data).join("jic_monitors.key");
    // The server's clock is real-ish: envelopes are stamped by the CLI with the wall clock.
    #[allow(
        clippy::disallowed_methods,
        reason = "the CLI stamps envelopes with the wall clock"
    )]
    let now = jiff::Timestamp::now();
    let clock = Arc::new(ManualClock::new(now));
    let state = AppState::open(
        &data,
        OpenOptions {
            clock: clock.clone(),
            config: deployment::read_config(&data).unwrap(),
            registry: jic_server::kinds::default_registry(),
            log: None,
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = state.clone();
    tokio::spawn(async move {
        jic_server::run(listener, served, std::future::pending())
            .await
            .unwrap();
    });

    let work = dir.path();
    std::fs::write(work.join("mapping.toml"), MAPPING).unwrap();
    std::fs::write(work.join("events.csv"), CSV).unwrap();
    let mut bad = CSV.to_owned();
    bad.push_str(
        "A5,31 February 2016,36.2,37.1,Syrian Arab Army,,Shelling/artillery/missile attack,,x\n",
    );
    std::fs::write(work.join("bad.csv"), bad).unwrap();
    let p = |name: &str| work.join(name).display().to_string();
    let pkg = package().display().to_string();
    let key_s = key.display().to_string();

    let import = |file: &str, extra: &[&str]| {
        let mut a: Vec<String> = [
            "incidents",
            "import",
            file,
            "--mapping",
            &p("mapping.toml"),
            "--agreement",
            &pkg,
            "--server",
            &base,
            "--key",
            &key_s,
        ]
        .map(str::to_owned)
        .to_vec();
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };

    // A rejected row stops the whole import; a dry run submits nothing.
    let (code, _, err) = jic_off_thread(&import(&p("bad.csv"), &[])).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad.csv:6: rejected") && err.contains("nothing imported"),
        "{err}"
    );
    let (code, _, err) = jic_off_thread(&import(&p("events.csv"), &["--dry-run"])).await;
    assert_eq!(code, 0, "{err}");
    let incidents = |state: AppState| async move {
        state
            .read(|c| Ok(jic_server::kinds::incidents::load_replay(c)?.dossiers.len()))
            .await
            .unwrap()
    };
    assert_eq!(incidents(state.clone()).await, 0);

    // The import, then a re-run that finds everything already there.
    let (code, _, err) = jic_off_thread(&import(&p("events.csv"), &[])).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("imported 4 incident(s); 0 were already"),
        "{err}"
    );
    let (code, _, err) = jic_off_thread(&import(&p("events.csv"), &[])).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("imported 0 incident(s); 4 were already"),
        "{err}"
    );
    assert_eq!(incidents(state.clone()).await, 4);
    state.integrate().await.unwrap();

    // The phase clock: server, offline from the data directory, offline from the log over HTTP.
    let as_of = "2016-09-21T00:00:00+03:00";
    let server: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/phase?as_of=2016-09-20T21:00:00Z"))
        .bearer_auth(token("us"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (code, out, err) = jic_off_thread(&[
        "phase",
        "--data",
        &data.root().display().to_string(),
        "--as-of",
        as_of,
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let offline: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(offline, server);
    let (code, out, err) = jic_off_thread(&[
        "phase",
        "--log",
        &base,
        "--agreement",
        &pkg,
        "--as-of",
        as_of,
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let over_http: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(over_http, server);
    // Imported incidents are only reported, not verified: every day calm, the JIC phase reached.
    assert_eq!(server["phase_now"], "jic");

    // The report, offline from the data directory, and export over HTTP.
    let (code, _, err) = jic_off_thread(&[
        "report",
        "--day",
        "2016-09-13",
        "--data",
        &data.root().display().to_string(),
        "--as-of",
        as_of,
        "-o",
        &p("report.html"),
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(work.join("report.html")).unwrap();
    assert!(html.contains("<svg id=\"map\"") && html.contains("import-A1") && html.contains("حلب"));
    let (code, csv, err) = jic_off_thread(&[
        "incidents",
        "export",
        "--server",
        &base,
        "--token",
        &token("un_envoy"),
        "--format",
        "csv",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(Path::new(&p("report.html")).exists());
}
