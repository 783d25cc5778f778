//! Fuzz what `POST /api/v1/submissions` parses before any state is touched: the wire form of a
//! signed submission. Hostile bytes must give an error, never a panic; whatever parses must
//! produce a log entry that is canonical, fits an entry bundle or is refused as too large, and
//! parses back to itself. The server's faster parse (`verified_from_owned`, which moves the
//! payload and returns the signing bytes it verified) must agree with the reference parse on
//! every input, and the entry spliced from those bytes must equal the canonical entry.
#![no_main]

use jic_ledger::envelope::{LogEntry, Submission};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reference = Submission::from_json(data, 60_000);
    if data.len() <= 60_000 {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
            let fast = Submission::verified_from_owned(value, None);
            assert_eq!(fast.is_ok(), reference.is_ok(), "{fast:?} vs {reference:?}");
            if let (Ok((sub, _)), Ok(want)) = (&fast, &reference) {
                assert_eq!(sub, want);
            }
        }
    }
    let Ok(submission) = reference else { return };
    let Ok(received) = jic_ledger::envelope::parse_time("2016-09-17T10:52:00Z") else { return };
    let entry = LogEntry::submission(submission.signed.clone(), received);
    if let Ok(bytes) = entry.to_bytes() {
        assert_eq!(LogEntry::from_bytes(&bytes).as_ref(), Ok(&entry));
        if let Ok(signing) = submission.signed.envelope.signing_bytes() {
            let spliced = LogEntry::submission_bytes(&signing, &submission.signed.sig, received);
            assert_eq!(spliced.as_ref(), Ok(&bytes));
        }
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
