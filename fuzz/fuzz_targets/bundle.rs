//! Any bytes in: the model-signing bundle parser, the statement parser and
//! bundle verification never panic and return clean errors.
//! Run: `cargo fuzz run bundle` (from the repository root).
#![no_main]

use airlock_signing::{bundle, verify_bundle, VerifierSpec};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEz1hOLxdXznCrF7U626VfGF/jic2t
3lxmFAAK9LyBN/cXlB8vPlrsBF3THRrHNWoGezWOn+zP2AipfY9FCPMJdw==
-----END PUBLIC KEY-----
";

fuzz_target!(|data: &[u8]| {
    let _ = bundle::parse_bundle(data);
    let _ = bundle::parse_statement(data);
    let _ = verify_bundle(data, &VerifierSpec::PublicKey(KEY.as_bytes().to_vec()));
    let _ = verify_bundle(data, &VerifierSpec::Certificate(data.to_vec()));
});
