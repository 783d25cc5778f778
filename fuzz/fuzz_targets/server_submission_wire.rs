//! Fuzz what `POST /api/v1/submissions` parses before any state is touched: the wire form of a
//! signed submission. Hostile bytes must give an error, never a panic; whatever parses must
//! produce a log entry that is canonical, fits an entry bundle or is refused as too large, and
//! parses back to itself.
#![no_main]

use jic_ledger::envelope::{LogEntry, Submission};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(submission) = Submission::from_json(data, 60_000) else { return };
    let Ok(received) = jic_ledger::envelope::parse_time("2016-09-17T10:52:00Z") else { return };
    let entry = LogEntry::submission(submission.signed.clone(), received);
    if let Ok(bytes) = entry.to_bytes() {
        assert_eq!(LogEntry::from_bytes(&bytes).as_ref(), Ok(&entry));
        // A restricted payload never appears in its own log entry.
        if let Some(restricted) = &submission.restricted {
            let plain = restricted.payload.to_string();
            if plain.len() > 16 {
                assert!(!String::from_utf8_lossy(&bytes).contains(&plain));
            }
        }
    }
    // The wire form round-trips.
    if let Ok(wire) = submission.to_json() {
        assert_eq!(Submission::from_json(&wire, usize::MAX).as_ref(), Ok(&submission));
    }
});
