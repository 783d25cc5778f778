//! Fuzzes the agreement loader: arbitrary bytes split into `agreement.toml` and
//! `zones.geojson` must produce an agreement or diagnostics, never a panic, and every
//! diagnostic must point inside its file.
//!
//! Seeds (the embedded package and the test fixture, TOML length first):
//! `cargo +nightly fuzz run agreement_load corpus/agreement_load seeds/agreement_load`.
#![no_main]

use jic_agreement::{Error, Source, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first two bytes (big-endian) give the TOML's length; the rest is the GeoJSON. The
    // fuzzer can grow either file. Non-UTF-8 input is what read_to_string would have refused.
    let [hi, lo, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut cut = usize::from(u16::from_be_bytes([*hi, *lo])).min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let (toml, zones) = text.split_at(cut);
    let sources = [
        Source {
            name: "agreement.toml",
            text: toml,
        },
        Source {
            name: "zones.geojson",
            text: zones,
        },
    ];
    match load(&sources) {
        Ok(agreement) => {
            // A loaded agreement hashes deterministically.
            assert_eq!(agreement.hash(), agreement.hash());
        }
        Err(Error::Invalid(diagnostics)) => {
            for d in diagnostics.iter() {
                let file = if d.file == "agreement.toml" {
                    toml
                } else {
                    zones
                };
                assert!(d.line >= 1 && d.column >= 1);
                assert!(d.line <= file.split('\n').count().max(1), "{d}");
            }
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
});
