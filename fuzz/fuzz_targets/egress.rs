//! Any bytes as what a sandboxed command writes to the egress socket: no panic, no hang, and an
//! HTTP proxy connection is answered with an HTTP response or not at all. The policy allows only
//! addresses the address check refuses, so nothing is ever connected to or resolved.
//! Run: `cargo fuzz run egress` (from the repository root).
#![no_main]

use std::sync::Arc;

use airlock_sandbox::net::{client_hello_sni, serve_connection, Denial, MemConn, NetPolicy, Reporter};
use libfuzzer_sys::fuzz_target;

struct Ignore;

impl Reporter for Ignore {
    fn denied(&self, _: &Denial) {}
}

fuzz_target!(|data: &[u8]| {
    let policy = NetPolicy {
        allow_domains: vec!["10.0.0.1".into(), "169.254.169.254".into(), "::ffff:127.0.0.1".into(), "fd00::1".into()],
        port_forwards: vec![],
    };
    let (conn, out) = MemConn::new(data.to_vec());
    serve_connection(Box::new(conn), &policy, Arc::new(Ignore));
    let out = out.lock().map(|o| o.clone()).unwrap_or_default();
    if data.starts_with(b"HTTP\n") && !out.is_empty() {
        assert!(out.starts_with(b"HTTP/1.1 "), "not an HTTP answer: {:?}", String::from_utf8_lossy(&out));
    }
    if data.starts_with(b"DNS\n") {
        // Whole frames only.
        let mut rest = &out[..];
        while let [hi, lo, tail @ ..] = rest {
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            assert!(len <= tail.len(), "a cut DNS frame");
            rest = &tail[len..];
        }
        assert!(rest.is_empty(), "a cut DNS frame");
    }
    let _ = client_hello_sni(data);
});
