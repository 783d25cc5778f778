//! Situation reports: the data (counts, series, acknowledgments, checkpoint), the stand-alone
//! HTML (no external references), and the page rendered in headless Chromium with no network
//! request, the map and the charts present.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{group, incident, party, syria_2016, ts};
use jic_compliance::links::{Acknowledgment, Context};
use jic_compliance::render::render_html;
use jic_compliance::report::{AlertRef, CheckpointRef, NotificationRef, ReportInputs};
use jic_compliance::{
    AllegedActor, Category, ClockIncident, PhaseClock, ReviewStatus, SituationReport,
};
use jiff::civil::date;

/// A fortnight of September 2016: shelling of east Aleppo every day (verified), the Deir
/// ez-Zor strikes on the 17th, the Urum al-Kubra convoy on the 19th (reported, actor unknown),
/// an alert and two notifications.
fn report() -> SituationReport {
    let a = syria_2016();
    let mut incidents = Vec::new();
    for day in 6..=19 {
        for k in 0..(day % 5 + 2) {
            let mut r = incident(
                &format!("aleppo-{day:02}-{k}"),
                Category::Shelling,
                group("saa"),
                36.20 + 0.01 * f64::from(k),
                37.18,
                &format!("2016-09-{day:02}T1{k}:00:00+03:00"),
            );
            r.target = Some(group("opposition_factions"));
            r.location.name = Some("حلب الشرقية (east Aleppo)".to_owned());
            incidents.push(ClockIncident {
                report: r,
                status: ReviewStatus::Verified,
            });
        }
    }
    let mut dez = incident(
        "deir-ez-zor",
        Category::Airstrike,
        party("us"),
        35.257,
        40.141,
        "2016-09-17T15:55:00+03:00",
    );
    dez.location.uncertainty_m = 3000.0;
    incidents.push(ClockIncident {
        report: dez,
        status: ReviewStatus::UnderReview,
    });
    let mut urum = incident(
        "urum-al-kubra",
        Category::AttackOnHumanitarian,
        AllegedActor::unknown(),
        36.1516,
        36.9678,
        "2016-09-19T19:10:00+03:00",
    );
    urum.location.uncertainty_m = 500.0;
    urum.location.name = Some("Urum al-Kubra <SARC warehouse>".to_owned());
    urum.casualties.killed_min = Some(10);
    urum.casualties.killed_max = Some(20);
    incidents.push(ClockIncident {
        report: urum,
        status: ReviewStatus::Reported,
    });
    let clock = match PhaseClock::compute(
        &a,
        &incidents,
        &Context::default(),
        ts("2016-09-20T06:00:00+03:00"),
    ) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let alerts = [AlertRef {
        id: "alert-17".into(),
        kind: "stop_request".into(),
        at: ts("2016-09-19T19:20:00+03:00"),
        lat: Some(36.16),
        lon: Some(36.96),
        summary: "convoy under attack".into(),
    }];
    let notifications = [
        NotificationRef {
            id: "convoy-urum".into(),
            kind: "movement".into(),
            name: "UN/SARC convoy to Urum al-Kubra".into(),
            notified_at: ts("2016-09-19T08:00:00+03:00"),
            deadline: ts("2016-09-19T09:00:00+03:00"),
            recipients: vec!["russia".into(), "us".into()],
            acknowledgments: vec![
                Acknowledgment {
                    party: "us".into(),
                    at: ts("2016-09-19T08:30:00+03:00"),
                },
                Acknowledgment {
                    party: "russia".into(),
                    at: ts("2016-09-19T09:27:00+03:00"),
                },
            ],
        },
        NotificationRef {
            id: "clinic-7".into(),
            kind: "site".into(),
            name: "Clinic".into(),
            notified_at: ts("2016-09-19T12:00:00+03:00"),
            deadline: ts("2016-09-19T13:00:00+03:00"),
            recipients: vec!["russia".into(), "us".into()],
            acknowledgments: vec![Acknowledgment {
                party: "us".into(),
                at: ts("2016-09-19T12:10:00+03:00"),
            }],
        },
    ];
    let checkpoint = CheckpointRef {
        origin: "jic.example/syria-2016".into(),
        size: 1234,
        root_hash: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=".into(),
    };
    match SituationReport::build(
        date(2016, 9, 19),
        ReportInputs {
            agreement: &a,
            clock: &clock,
            incidents: &incidents,
            alerts: &alerts,
            notifications: &notifications,
            checkpoint: Some(&checkpoint),
            generated_at: ts("2016-09-20T06:00:00+03:00"),
        },
    ) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn report_data() {
    let r = report();
    assert_eq!(r.phase.as_deref(), Some("extension"));
    assert_eq!(r.utc_offset, "+03");
    assert_eq!(r.series.len(), 14);
    assert_eq!(r.series[0].date, date(2016, 9, 6));
    assert_eq!(r.series[13].date, date(2016, 9, 19));
    // Before the truce nothing is judged; from the 13th every day had ≥ 4 violations… except
    // days with fewer than four shellings (day % 5 + 2 < 4): 15 (2), 16 (3), 20… so check both.
    assert_eq!(r.series[0].calm, None);
    for d in &r.series[7..] {
        let expect = d.verified_violations <= 3;
        assert_eq!(d.calm, Some(expect), "{d:?}");
    }
    // The 19th: 6 shellings (verified violations) and the convoy (reported, not counted).
    assert_eq!(r.incidents.len(), 7);
    let saa = r.by_party.iter().find(|p| p.party == "syrian_government");
    assert_eq!(
        saa.map(|p| (p.incidents, p.verified_violations)),
        Some((6, 6))
    );
    let unknown = r.by_party.iter().find(|p| p.party == "unknown");
    assert_eq!(
        unknown.map(|p| (p.incidents, p.violations, p.verified_violations)),
        Some((1, 1, 0))
    );
    // Russia acknowledged the convoy 27 minutes late; the clinic is overdue for Russia.
    let convoy = &r.notifications[0];
    assert_eq!(convoy.on_time, ["us"]);
    assert_eq!(
        convoy
            .late
            .iter()
            .map(|a| a.party.as_str())
            .collect::<Vec<_>>(),
        ["russia"]
    );
    assert_eq!(r.notifications[1].overdue, ["russia"]);
    assert_eq!(r.checkpoint.as_ref().map(|c| c.size), Some(1234));
    let cited: Vec<&str> = r.rules_cited.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(cited, ["coh_cease_attacks", "no_attacks_on_humanitarian"]);
    let urum = r
        .incidents
        .iter()
        .find(|i| i.id == "urum-al-kubra")
        .map(|i| i.summary.as_str());
    assert!(
        urum.is_some_and(|s| s.contains("attribution is open")),
        "{urum:?}"
    );
    // JSON round trip (floats may move by an ulp through text; everything else is exact).
    let json = serde_json::to_string(&r).unwrap_or_default();
    let back: SituationReport = match serde_json::from_str(&json) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        (back.series, back.by_party, back.notifications),
        (r.series, r.by_party, r.notifications)
    );
}

#[test]
fn html_stands_alone_and_escapes() {
    let html = render_html(&report());
    for forbidden in [
        "<script", "<link", " src=", " href=", "url(", "@import", "http://", "https://",
    ] {
        assert!(
            !html.contains(forbidden),
            "the page references something external: {forbidden}"
        );
    }
    assert!(html.contains("<svg id=\"map\""));
    assert!(html.contains("id=\"series-chart\""));
    assert!(html.contains("id=\"category-chart\""));
    assert!(html.contains("@media print"));
    assert!(
        html.contains("Urum al-Kubra &lt;SARC warehouse&gt;"),
        "escaped"
    );
    assert!(html.contains("حلب الشرقية"), "UTF-8 kept");
    assert!(html.contains("tree size 1234"));
    assert_eq!(html.matches("class=\"incident\"").count(), 7);
}

fn chromium() -> PathBuf {
    std::env::var_os("JIC_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

fn headless(dir: &Path, extra: &[String], page: &Path) -> std::process::Output {
    let profile = dir.join("profile");
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--disable-extensions",
        "--hide-scrollbars",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.extend_from_slice(extra);
    args.push(format!("file://{}", page.display()));
    match Command::new(chromium()).args(&args).output() {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run {} ({e}): install Chromium (apt-get install chromium) or set JIC_CHROMIUM",
            chromium().display()
        ),
    }
}

/// URLs requested by the page itself (not by the browser's own services) in a Chromium net
/// log: jobs whose network isolation key is the page's `file://` origin, other than files.
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).unwrap_or_default();
    // Chromium may leave the closing brackets off when it exits quickly.
    let log: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .unwrap_or_else(|e| panic!("unreadable net log {}: {e}", netlog.display()));
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_i64();
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"].as_i64() == start_job)
        .filter(|e| {
            e["params"]["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_owned))
        .filter(|u| !u.starts_with("file://"))
        .collect();
    urls.dedup();
    urls
}

#[test]
fn html_renders_in_headless_chromium_without_network() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let page = dir.path().join("report.html");
    if let Err(e) = std::fs::write(&page, render_html(&report())) {
        panic!("{e}");
    }
    // The DOM after layout, and every network event Chromium logged while loading the page.
    let netlog = dir.path().join("netlog.json");
    let out = headless(
        dir.path(),
        &[
            "--dump-dom".to_owned(),
            format!("--log-net-log={}", netlog.display()),
            "--net-log-capture-mode=Default".to_owned(),
        ],
        &page,
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dom.contains("<svg id=\"map\""),
        "map missing from the rendered DOM"
    );
    assert!(
        dom.contains("class=\"outline\""),
        "the Natural Earth outline is drawn"
    );
    assert_eq!(
        dom.matches("class=\"incident\"").count(),
        7,
        "every incident is on the map"
    );
    assert!(dom.contains("id=\"series-chart\"") && dom.matches("class=\"bar\"").count() >= 14);
    assert!(dom.contains("id=\"category-chart\""));
    // No request left the page (Chromium's own background traffic is not the page's).
    let requests = page_requests(&netlog);
    assert!(
        requests.is_empty(),
        "the page made network requests: {requests:?}"
    );

    // The detector works: a page with one external image is caught.
    let probe = dir.path().join("probe.html");
    if let Err(e) = std::fs::write(&probe, "<p>probe</p><img src=\"http://127.0.0.1:9/x.png\">") {
        panic!("{e}");
    }
    let probe_log = dir.path().join("probe.json");
    let _ = headless(
        dir.path(),
        &[
            "--dump-dom".to_owned(),
            format!("--log-net-log={}", probe_log.display()),
        ],
        &probe,
    );
    assert_eq!(page_requests(&probe_log), ["http://127.0.0.1:9/x.png"]);

    // A screenshot, kept under target/ for people to look at.
    let shot_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let shot = shot_dir.join("situation-report.png");
    let _ = std::fs::copy(&page, shot_dir.join("situation-report.html"));
    let out = headless(
        dir.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1000,2400".to_owned(),
        ],
        &page,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot missing or blank"
    );
}
