//! Fuzz the tlog-checkpoint parser (and the tile path parser, which takes the same kind of
//! hostile text from URLs): errors, never panics; what parses round-trips.
#![no_main]

use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::tile::TilePath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(cp.to_body(), text);
    }
    if let Ok(path) = TilePath::parse(text) {
        assert_eq!(path.to_string(), text);
    }
});
