//! Fuzzes the CSV import: any bytes through the mapping of the September 2016 layout must give
//! accepted rows, rejected rows or a file-level error, never a panic; and every accepted row
//! must be a valid incident report.
#![no_main]

use std::sync::OnceLock;

use jic_agreement::{Agreement, Source};
use jic_compliance::import::{Mapping, import_csv, parse_count_range};
use libfuzzer_sys::fuzz_target;

const MAPPING: &str = r#"
[columns]
id = "id"
date = "date"
time = "time"
latitude = "lat"
longitude = "lon"
actor = "actor"
target = "target"
fatalities = "killed"
category = "type"
uncertainty_m = "radius"
place = "place"
source_url = "source"

[options]
date_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%Y-%m-%dT%H:%M:%S%:z"]
utc_offset = "+03:00"

[categories]
"Air strike" = "airstrike"
"#;

fn setup() -> &'static (Agreement, Mapping) {
    static SETUP: OnceLock<(Agreement, Mapping)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let agreement = jic_agreement::load(&[
            Source {
                name: "agreement.toml",
                text: include_str!("../../scenarios/syria-2016-09/agreement/agreement.toml"),
            },
            Source {
                name: "zones.geojson",
                text: include_str!("../../scenarios/syria-2016-09/agreement/zones.geojson"),
            },
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let mapping = Mapping::from_toml(MAPPING, &agreement).unwrap_or_else(|e| panic!("{e}"));
        (agreement, mapping)
    })
}

fuzz_target!(|data: &[u8]| {
    let (agreement, mapping) = setup();
    // A header the mapping accepts, then the fuzzer's bytes as rows (and as a whole file).
    let mut file = b"id,date,time,lat,lon,actor,target,killed,type,radius,place,source\n".to_vec();
    file.extend_from_slice(data);
    for bytes in [file.as_slice(), data] {
        if let Ok(outcome) = import_csv(bytes, mapping, agreement, "jic_monitors") {
            for row in &outcome.accepted {
                assert!(row.report.validate(Some(agreement)).is_ok(), "{row:?}");
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok((Some(lo), Some(hi))) = parse_count_range(text) {
            assert!(lo <= hi);
        }
    }
});
