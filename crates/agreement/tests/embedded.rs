//! The embedded September 2016 package: it loads, and its rules give the verdicts the
//! September 2016 record calls for.

use jic_agreement::{Agreement, Source, load};

const TOML: &str = include_str!("../../../scenarios/syria-2016-09/agreement/agreement.toml");
const ZONES: &str = include_str!("../../../scenarios/syria-2016-09/agreement/zones.geojson");

fn package() -> Agreement {
    match load(&[
        Source {
            name: "agreement.toml",
            text: TOML,
        },
        Source {
            name: "zones.geojson",
            text: ZONES,
        },
    ]) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn loads() {
    let a = package();
    assert_eq!(a.terms().meta.id, "syria-2016-09");
    assert_eq!(a.hash_hex().len(), 64);
}
