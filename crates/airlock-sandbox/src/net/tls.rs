//! The first flight of a CONNECT tunnel: it must be a TLS ClientHello, parsed by rustls'
//! `Acceptor` (which needs no crypto provider to read a ClientHello).

use std::io;
use std::time::Instant;

use rustls::server::Acceptor;

use super::stream::{read_by, Conn};

/// The most a ClientHello may take: one full record's payload and room for the headers of the
/// records it may be split into.
pub(crate) const MAX_HELLO: usize = 16 * 1024 + 5 * 8;

/// What came first through a tunnel.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Hello {
    /// The SNI host name, lowercase; `None` if the client sent none (or an IP address, which
    /// RFC 6066 does not allow there).
    pub sni: Option<String>,
    /// Every byte read so far, to send on unchanged.
    pub bytes: Vec<u8>,
}

/// Reads from `conn` (after the `already` bytes) until a whole ClientHello is in, at most
/// [`MAX_HELLO`] bytes, before `deadline`. `Err(reason)` if it is not one.
pub(crate) fn read_client_hello(conn: &mut dyn Conn, already: Vec<u8>, deadline: Instant) -> Result<Hello, String> {
    let mut buf = already;
    let mut acceptor = Acceptor::default();
    let mut fed = 0usize;
    let mut chunk = vec![0u8; 4096];
    loop {
        if buf.first().is_some_and(|&b| b != 0x16) {
            return Err("not TLS: the tunnel must start with a TLS ClientHello".into());
        }
        while let Some(mut rest) = buf.get(fed..).filter(|r| !r.is_empty()) {
            match acceptor.read_tls(&mut rest) {
                Ok(0) => return Err("TLS ClientHello not accepted".into()),
                Ok(n) => fed += n,
                Err(e) => return Err(format!("not a TLS ClientHello: {e}")),
            }
        }
        if fed > 0 {
            match acceptor.accept() {
                Ok(Some(accepted)) => {
                    let sni = accepted.client_hello().server_name().map(str::to_ascii_lowercase);
                    return Ok(Hello { sni, bytes: buf });
                }
                Ok(None) => {}
                Err((e, _alert)) => return Err(format!("not a TLS ClientHello: {e}")),
            }
        }
        let room = MAX_HELLO.saturating_sub(buf.len());
        if room == 0 {
            return Err("TLS ClientHello too large".into());
        }
        let want = room.min(chunk.len());
        let Some(dst) = chunk.get_mut(..want) else { return Err("internal buffer error".into()) };
        let n = match read_by(conn, dst, deadline) {
            Ok(0) => return Err("closed before a TLS ClientHello".into()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err("no TLS ClientHello in time".into()),
            Err(e) => return Err(format!("reading the TLS ClientHello: {e}")),
        };
        buf.extend_from_slice(dst.get(..n).unwrap_or_default());
    }
}

/// Whether the SNI fits the CONNECT host: equal (case and trailing dot aside), or absent when
/// the host is an IP literal.
pub(crate) fn sni_matches(sni: Option<&str>, connect_host: &str) -> bool {
    let host = connect_host.strip_suffix('.').unwrap_or(connect_host);
    match sni {
        Some(s) => s.strip_suffix('.').unwrap_or(s).eq_ignore_ascii_case(host),
        None => super::policy::parse_ip(connect_host).is_some(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn sni_rules() {
        assert!(sni_matches(Some("example.com"), "Example.COM"));
        assert!(sni_matches(Some("example.com"), "example.com."));
        assert!(!sni_matches(Some("evil.com"), "example.com"));
        assert!(!sni_matches(None, "example.com"));
        assert!(sni_matches(None, "93.184.216.34"));
        assert!(sni_matches(None, "[2606:2800::1]"));
        assert!(!sni_matches(Some("example.com"), "93.184.216.34"));
    }
}
