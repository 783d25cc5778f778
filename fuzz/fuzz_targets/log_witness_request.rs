//! Fuzz the tlog-witness add-checkpoint request parser and the whole witness decision: any body
//! gets a status code, never a panic; what parses round-trips.
#![no_main]

use jic_ledger::key::{KeyType, NoteSigner};
use jic_ledger::witness::{AddCheckpointRequest, add_checkpoint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpointRequest::parse(data) {
        assert_eq!(
            AddCheckpointRequest::parse(req.to_body().as_bytes()),
            Ok(req)
        );
    }
    let (Ok(log), Ok(witness)) = (
        NoteSigner::from_seed("fuzz.example/log", &[1; 32]),
        NoteSigner::from_seed_typed("fuzz.example/w", KeyType::CosignatureV1, &[2; 32]),
    ) else {
        return;
    };
    let _ = add_checkpoint(data, &[log.verifier()], |_| None, &witness, 1);
});
