//! Fuzz the C2SP signed-note parser: hostile bytes must give an error, never a panic, and
//! whatever parses must re-serialise to signature lines that parse the same way.
#![no_main]

use jic_ledger::key::NoteSigner;
use jic_ledger::note::{Note, NoteSignature, Verifiers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((text, sigs)) = Note::parse_unverified(data) {
        for sig in &sigs {
            let line = sig.to_line();
            let again = NoteSignature::parse_line(line.trim_end_matches('\n'));
            assert_eq!(again.as_ref(), Ok(sig));
        }
        assert!(text.ends_with('\n'));
    }
    // Verification against a known key must not panic either.
    if let Ok(key) = NoteSigner::from_seed("fuzz.example/log", &[1; 32]) {
        let _ = Note::open(data, &Verifiers::new([key.verifier()]));
    }
});
