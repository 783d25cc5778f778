//! The shipped September 2016 scenario loads, cites or labels every event, and runs under an
//! agreement package that validates.

use jic_sim::scenario::{LoadOptions, Provenance, Scenario};

fn shipped() -> (tempfile::TempDir, Scenario) {
    let dir = tempfile::tempdir().expect("temp dir");
    jic_sim::embedded::write_to(dir.path()).expect("embedded scenario written");
    let scenario =
        Scenario::load(dir.path(), LoadOptions::default()).expect("shipped scenario loads");
    (dir, scenario)
}

#[test]
fn shipped_scenario_loads_in_order_with_provenance() {
    let (_dir, s) = shipped();
    assert!(
        s.events.windows(2).all(|w| w[0].at <= w[1].at),
        "events are time-ordered"
    );
    assert!(s.events.iter().all(|e| e.at >= s.start && e.at <= s.end));
    // Synthetic traffic and incidents are generated: hundreds of plans and reports.
    let plans = s
        .events
        .iter()
        .filter(|e| e.kind == "air_operation.file")
        .count();
    let reports = s
        .events
        .iter()
        .filter(|e| e.kind == "incident.report")
        .count();
    assert!(plans > 500, "{plans} plans");
    assert!(reports > 300, "{reports} incident reports");
    // Every fact carries an events_2016.md citation; generated content is synthetic.
    for e in &s.events {
        match &e.provenance {
            Provenance::Fact { source, .. } => {
                assert!(source.contains("events_2016.md"), "{}: {source}", e.origin)
            }
            Provenance::Synthetic => {}
        }
        if e.origin.contains("generator") {
            assert_eq!(e.provenance, Provenance::Synthetic, "{}", e.origin);
        }
    }
}

#[test]
fn the_2016_turning_points_are_in_the_timeline() {
    let (_dir, s) = shipped();
    let find = |label: &str| {
        s.events
            .iter()
            .find(|e| e.label.as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no event labelled {label}"))
    };
    let local = |label: &str| s.local(find(label).at);
    assert_eq!(local("tharda_notice"), "17 Sep 14:30");
    assert_eq!(local("tharda_stop"), "17 Sep 16:29");
    assert_eq!(find("tharda_stop").kind, "strike.stop");
    assert_eq!(find("convoy").payload["vehicles"], 31);
    assert_eq!(
        find("convoy_incident").payload["category"],
        "attack_on_humanitarian"
    );
    assert_eq!(local("suspension"), "3 Oct 20:00");
    assert!(
        s.events
            .iter()
            .any(|e| e.kind == "humanitarian.site" && e.payload["disclosure"] == "sealed")
    );
    // The notified point is about 9 km from the strike area centre (events_2016.md §4).
    let p = &find("tharda_notice").payload["area"]["coordinates"];
    let (lon, lat) = (p[0].as_f64().expect("lon"), p[1].as_f64().expect("lat"));
    let dy = (lat - 35.257).to_radians() * 6_371.0;
    let dx = (lon - 40.141).to_radians() * 6_371.0 * 35.23_f64.to_radians().cos();
    let km = (dx * dx + dy * dy).sqrt();
    assert!((8.5..9.5).contains(&km), "{km} km");
}

#[test]
fn the_agreement_package_validates() {
    let (_dir, s) = shipped();
    let agreement = jic_agreement::load_dir(&s.agreement_dir()).expect("agreement validates");
    // Every cell that is an agreement party keeps its id.
    for id in ["us", "russia", "un_ocha", "jic_monitors"] {
        assert!(
            agreement.party(id).is_some(),
            "{id} is a party of the agreement"
        );
        assert!(
            s.manifest.cells.iter().any(|c| c.id == id),
            "{id} is a cell"
        );
    }
}

#[test]
fn a_smaller_synthetic_scale_generates_fewer_plans_and_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    jic_sim::embedded::write_to(dir.path()).expect("written");
    let full = Scenario::load(dir.path(), LoadOptions::default()).expect("loads");
    let tenth = Scenario::load(
        dir.path(),
        LoadOptions {
            synthetic_scale: 0.1,
        },
    )
    .expect("loads");
    let count = |s: &Scenario| {
        s.events
            .iter()
            .filter(|e| e.kind == "air_operation.file")
            .count()
    };
    assert!(
        count(&tenth) * 5 < count(&full),
        "{} vs {}",
        count(&tenth),
        count(&full)
    );
}
