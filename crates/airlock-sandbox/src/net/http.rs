//! The HTTP proxy outside: `CONNECT host:port` tunnels whose first flight must be a TLS
//! ClientHello naming the same host, and absolute-form plain HTTP requests, rewritten to
//! origin-form with `Host` set from the URL. One request per connection.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use super::egress::{connect_any, Ctx, HEAD_TIME};
use super::policy::{check_host, parse_ip, Target};
use super::stream::{read_by, splice, Conn};
use super::tls::{read_client_hello, sni_matches};
use super::{Denial, DenialKind};

/// The largest request head accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;

/// A parsed request head, owned.
#[derive(Debug)]
struct Head {
    method: String,
    target: String,
    minor: u8,
    headers: Vec<(String, Vec<u8>)>,
}

/// Why no head could be read. `None` reason: closed before a byte came.
enum HeadError {
    Closed,
    Bad(u16, String),
}

/// Reads and parses the request head; returns it and the bytes read past it.
fn read_head(conn: &mut dyn Conn, deadline: Instant) -> Result<(Head, Vec<u8>), HeadError> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 8192];
    loop {
        let room = MAX_HEAD.saturating_sub(buf.len()).min(chunk.len());
        if room == 0 {
            return Err(HeadError::Bad(431, format!("request head over {MAX_HEAD} bytes")));
        }
        let Some(dst) = chunk.get_mut(..room) else { return Err(HeadError::Bad(500, "buffer".into())) };
        let n = match read_by(conn, dst, deadline) {
            Ok(0) if buf.is_empty() => return Err(HeadError::Closed),
            Ok(0) => return Err(HeadError::Bad(400, "connection closed inside the request head".into())),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(HeadError::Bad(408, "request head not complete in time".into())),
            Err(_) => return Err(HeadError::Closed),
        };
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(dst.get(..n).unwrap_or_default());
        // Parse only once a blank line may have arrived (keeps a trickled head linear).
        let window = buf.get(from..).unwrap_or_default();
        if !window.windows(2).any(|w| w == b"\n\n") && !window.windows(3).any(|w| w == b"\n\r\n") {
            continue;
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let head = Head {
                    method: req.method.unwrap_or_default().to_string(),
                    target: req.path.unwrap_or_default().to_string(),
                    minor: req.version.unwrap_or(1),
                    headers: req.headers.iter().map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec())).collect(),
                };
                let rest = buf.get(len..).unwrap_or_default().to_vec();
                return Ok((head, rest));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(HeadError::Bad(400, format!("malformed request head: {e}"))),
        }
    }
}

fn status_text(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        403 => "Forbidden",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        _ => "Error",
    }
}

/// Writes a complete error response with a one-line body.
fn respond(conn: &mut dyn Conn, code: u16, reason: &str) {
    let body = format!("airlock sandbox: {}\n", reason.replace(['\r', '\n'], " "));
    let head = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        status_text(code),
        body.len()
    );
    let _ = conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(body.as_bytes())).and_then(|()| conn.flush());
}

/// `host[:port]` or `[v6][:port]`; `default` when no port is written (`None`: required).
pub(crate) fn split_authority(auth: &str, default: Option<u16>) -> Result<(String, u16), String> {
    let (host, port) = if let Some(inner) = auth.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or("unclosed [ in host")?;
        if parse_ip(v6).is_none() {
            return Err("not an IPv6 address inside [ ]".into());
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after ]")?),
        };
        (format!("[{v6}]"), port)
    } else {
        match auth.rsplit_once(':') {
            Some((h, _)) if h.contains(':') => return Err("IPv6 address without [ ]".into()),
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (auth.to_string(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("empty host".into());
    }
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<u16>().map_err(|_| "port out of range")?,
        Some(_) => return Err("bad port".into()),
        None => default.ok_or("port missing")?,
    };
    Ok((host, port))
}

/// An absolute-form `http://` URL: host, port and the origin-form path.
pub(crate) fn split_url(target: &str) -> Result<(String, u16, String), String> {
    let Some((scheme, rest)) = target.split_once("://") else {
        return Err("the proxy needs an absolute http:// URL".into());
    };
    if scheme.eq_ignore_ascii_case("https") {
        return Err("https:// URLs go through CONNECT".into());
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(format!("unsupported URL scheme {scheme:?}"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (auth, path) = rest.split_at(end);
    if auth.contains('@') {
        return Err("user info in the URL".into());
    }
    let (host, port) = split_authority(auth, Some(80))?;
    let path = path.split('#').next().unwrap_or_default();
    let path = match path.as_bytes().first() {
        None => "/".to_string(),
        Some(b'?') => format!("/{path}"),
        Some(_) => path.to_string(),
    };
    Ok((host, port, path))
}

/// The addresses an allowed target may be connected to, every one vetted.
fn vet(ctx: &Ctx, target: &Target, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    match target {
        Target::Forward(p) => Ok(vec![SocketAddr::from((Ipv4Addr::LOCALHOST, *p))]),
        Target::Ip(ip) => Ok(vec![SocketAddr::new(*ip, port)]),
        Target::Name(name) => {
            let ips = (ctx.resolve)(name, port).map_err(|e| format!("cannot resolve {host}: {e}"))?;
            if ips.is_empty() {
                return Err(format!("{host} has no address"));
            }
            for ip in &ips {
                (ctx.check)(*ip).map_err(|why| format!("{host} resolves to {ip}: {why}"))?;
            }
            Ok(ips.into_iter().map(|ip| SocketAddr::new(ip, port)).collect())
        }
    }
}

/// Serves one proxy request on `conn`.
pub(crate) fn serve(mut conn: Box<dyn Conn>, ctx: &Ctx) {
    let (head, rest) = match read_head(&mut *conn, Instant::now() + HEAD_TIME) {
        Ok(h) => h,
        Err(HeadError::Closed) => return,
        Err(HeadError::Bad(code, reason)) => {
            ctx.report(&Denial { kind: DenialKind::Http, host: String::new(), port: 0, reason: reason.clone() });
            respond(&mut *conn, code, &reason);
            return;
        }
    };
    let connect = head.method == "CONNECT";
    let kind = if connect { DenialKind::Connect } else { DenialKind::Http };
    let deny = |conn: &mut dyn Conn, code: u16, host: &str, port: u16, reason: String| {
        respond(conn, code, &reason);
        ctx.report(&Denial { kind, host: host.to_string(), port, reason });
    };
    let parsed = if connect { split_authority(&head.target, None).map(|(h, p)| (h, p, String::new())) } else { split_url(&head.target) };
    let (host, port, path) = match parsed {
        Ok(p) => p,
        Err(reason) => return deny(&mut *conn, 400, &head.target, 0, reason),
    };
    let target = match check_host(&ctx.policy, &host, port) {
        Ok(t) => t,
        Err(d) => return deny(&mut *conn, 403, &host, port, d.reason),
    };
    let addrs = match vet(ctx, &target, &host, port) {
        Ok(a) => a,
        Err(reason) => return deny(&mut *conn, 403, &host, port, reason),
    };
    let mut origin = match connect_any(&addrs) {
        Ok(o) => o,
        Err(e) => {
            tracing::debug!(host, port, error = %e, "sandbox proxy: origin does not answer");
            return respond(&mut *conn, 502, &format!("cannot connect to {host}:{port}: {e}"));
        }
    };
    tracing::debug!(host, port, connect, "sandbox proxy: allowed");
    if connect {
        tunnel(conn, origin, rest, ctx, &host, port, target == Target::Forward(port));
        return;
    }
    let (out, body) = match rewrite(&head, &host, port, &path) {
        Ok(r) => r,
        Err(reason) => return deny(&mut *conn, 400, &host, port, reason),
    };
    let mut first = out;
    let already = match body {
        Some(n) => rest.get(..usize::try_from(n).unwrap_or(usize::MAX).min(rest.len())).unwrap_or_default(),
        None => rest.as_slice(),
    };
    first.extend_from_slice(already);
    if origin.write_all(&first).is_err() {
        return respond(&mut *conn, 502, &format!("{host}:{port} closed the connection"));
    }
    let left = body.map(|n| n.saturating_sub(already.len() as u64));
    splice(conn, Box::new(origin), left);
}

fn tunnel(mut conn: Box<dyn Conn>, mut origin: std::net::TcpStream, rest: Vec<u8>, ctx: &Ctx, host: &str, port: u16, forward: bool) {
    if conn.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").and_then(|()| conn.flush()).is_err() {
        return;
    }
    let first = if forward {
        rest
    } else {
        let denied = |reason: String| ctx.report(&Denial { kind: DenialKind::Tls, host: host.to_string(), port, reason });
        match read_client_hello(&mut *conn, rest, Instant::now() + HEAD_TIME) {
            Ok(hello) if sni_matches(hello.sni.as_deref(), host) => hello.bytes,
            Ok(hello) => {
                return denied(match hello.sni {
                    Some(sni) => format!("TLS server name {sni:?} is not the CONNECT host"),
                    None => "TLS ClientHello without a server name".into(),
                })
            }
            Err(reason) => return denied(reason),
        }
    };
    if !first.is_empty() && origin.write_all(&first).is_err() {
        return;
    }
    splice(conn, Box::new(origin), None);
}

/// Hop-by-hop and proxy headers a request loses on its way to the origin.
fn dropped(name: &str) -> bool {
    name.starts_with("proxy-") || matches!(name, "host" | "connection" | "keep-alive" | "upgrade" | "te" | "trailer")
}

/// The origin-form head, and how many body bytes follow (`None`: all the client sends).
fn rewrite(head: &Head, host: &str, port: u16, path: &str) -> Result<(Vec<u8>, Option<u64>), String> {
    let mut length: Option<u64> = None;
    let mut chunked = false;
    for (name, value) in &head.headers {
        match name.as_str() {
            "transfer-encoding" => chunked = true,
            "content-length" => {
                let v = std::str::from_utf8(value).ok().map(str::trim).and_then(|v| v.parse::<u64>().ok()).ok_or("bad Content-Length")?;
                if length.is_some_and(|l| l != v) {
                    return Err("conflicting Content-Length headers".into());
                }
                length = Some(v);
            }
            _ => {}
        }
    }
    if chunked && length.is_some() {
        return Err("both Transfer-Encoding and Content-Length".into());
    }
    let body = if chunked { None } else { Some(length.unwrap_or(0)) };
    let mut out = Vec::with_capacity(1024);
    let host_header = if port == 80 { host.to_string() } else { format!("{host}:{port}") };
    out.extend_from_slice(format!("{} {path} HTTP/1.{}\r\nHost: {host_header}\r\n", head.method, head.minor.min(1)).as_bytes());
    for (name, value) in head.headers.iter().filter(|(n, _)| !dropped(n)) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    Ok((out, body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn authorities() {
        assert_eq!(split_authority("example.com:443", None), Ok(("example.com".into(), 443)));
        assert_eq!(split_authority("[::1]:8080", None), Ok(("[::1]".into(), 8080)));
        assert_eq!(split_authority("example.com", Some(80)), Ok(("example.com".into(), 80)));
        for bad in ["example.com", "example.com:", "example.com:99999", "example.com:+1", "::1:80", "[::1", "[nope]:1", "[::1]x", ":443"] {
            assert!(split_authority(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(split_url("http://Example.com/a?b#c"), Ok(("Example.com".into(), 80, "/a?b".into())));
        assert_eq!(split_url("HTTP://example.com:8080"), Ok(("example.com".into(), 8080, "/".into())));
        assert_eq!(split_url("http://example.com?x=1"), Ok(("example.com".into(), 80, "/?x=1".into())));
        assert!(split_url("https://example.com/").is_err());
        assert!(split_url("/relative").is_err());
        assert!(split_url("ftp://example.com/").is_err());
        assert!(split_url("http://user@evil.com@example.com/").is_err());
    }

    fn head(headers: &[(&str, &str)]) -> Head {
        Head {
            method: "POST".into(),
            target: String::new(),
            minor: 1,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())).collect(),
        }
    }

    #[test]
    fn rewritten_head() {
        let h = head(&[("host", "internal.corp"), ("proxy-authorization", "x"), ("accept", "*/*"), ("content-length", "5"), ("connection", "keep-alive")]);
        let (out, body) = rewrite(&h, "example.com", 8080, "/p").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "POST /p HTTP/1.1\r\nHost: example.com:8080\r\naccept: */*\r\ncontent-length: 5\r\nConnection: close\r\n\r\n");
        assert_eq!(body, Some(5));
        assert_eq!(rewrite(&head(&[]), "a.com", 80, "/").unwrap().1, Some(0));
        assert_eq!(rewrite(&head(&[("transfer-encoding", "chunked")]), "a.com", 80, "/").unwrap().1, None);
        assert!(rewrite(&head(&[("transfer-encoding", "chunked"), ("content-length", "1")]), "a.com", 80, "/").is_err());
        assert!(rewrite(&head(&[("content-length", "1"), ("content-length", "2")]), "a.com", 80, "/").is_err());
        assert!(rewrite(&head(&[("content-length", "-1")]), "a.com", 80, "/").is_err());
    }
}
