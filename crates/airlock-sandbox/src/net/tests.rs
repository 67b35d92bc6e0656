//! Connection-level tests with a fake resolver (there is no network here), so that allowed
//! names can reach a local origin and the TLS and DNS paths past the name check are exercised.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};

use super::egress::{handle, Ctx};
use super::policy::{check_addr, Compiled};
use super::{Denial, DenialKind, NetPolicy, Reporter};

#[derive(Default)]
struct Collect(Mutex<Vec<Denial>>);

impl Reporter for Collect {
    fn denied(&self, d: &Denial) {
        self.0.lock().unwrap().push(d.clone());
    }
}

impl Collect {
    fn kinds(&self) -> Vec<DenialKind> {
        self.0.lock().unwrap().iter().map(|d| d.kind).collect()
    }
}

fn fake_resolve(name: &str, _port: u16) -> io::Result<Vec<IpAddr>> {
    let ips: &[&str] = match name {
        "example.test" | "other.test" => &["127.0.0.1"],
        "public.test" => &["93.184.216.34", "2606:2800:220:1::1"],
        "mixed.test" => &["93.184.216.34", "10.0.0.5"],
        "internal.test" => &["10.0.0.5"],
        _ => return Err(io::Error::new(io::ErrorKind::NotFound, "no such name")),
    };
    Ok(ips.iter().map(|s| s.parse().unwrap()).collect())
}

fn allow_all(_: IpAddr) -> Result<(), &'static str> {
    Ok(())
}

fn ctx(domains: &[&str], lax: bool) -> (Arc<Ctx>, Arc<Collect>) {
    let rep = Arc::new(Collect::default());
    let policy = NetPolicy { allow_domains: domains.iter().map(|s| s.to_string()).collect(), port_forwards: vec![] };
    let ctx = Ctx { policy: Compiled::new(&policy), reporter: rep.clone(), resolve: fake_resolve, check: if lax { allow_all } else { check_addr } };
    (Arc::new(ctx), rep)
}

/// One connection served by the egress handler; returns the client end and the handler thread.
fn serve(ctx: &Arc<Ctx>, header: &str) -> (UnixStream, thread::JoinHandle<()>) {
    let (mut client, server) = UnixStream::pair().unwrap();
    client.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    client.write_all(header.as_bytes()).unwrap();
    let ctx = ctx.clone();
    (client, thread::spawn(move || handle(Box::new(server), &ctx)))
}

/// An origin that echoes one connection and reports every byte it got once it closes.
fn echo_origin() -> (u16, mpsc::Receiver<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    let _ = s.write_all(&buf[..n]);
                }
            }
        }
        let _ = tx.send(got);
    });
    (port, rx)
}

fn client_hello(sni: &str, enable_sni: bool) -> Vec<u8> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    config.enable_sni = enable_sni;
    let name = rustls::pki_types::ServerName::try_from(sni.to_string()).unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

fn read_until_close(s: &mut UnixStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

const ESTABLISHED: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";

fn connect_head(host: &str, port: u16) -> String {
    format!("HTTP\nCONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n")
}

#[test]
fn tunnel_with_matching_sni_passes_both_ways() {
    let (ctx, rep) = ctx(&["example.test"], true);
    let (port, got) = echo_origin();
    let (mut c, h) = serve(&ctx, &connect_head("Example.TEST", port));
    let mut est = vec![0u8; ESTABLISHED.len()];
    c.read_exact(&mut est).unwrap();
    assert_eq!(est, ESTABLISHED);
    let hello = client_hello("example.test", true);
    // Cut inside the record: the proxy must wait for the rest.
    let (a, b) = hello.split_at(7);
    c.write_all(a).unwrap();
    thread::sleep(Duration::from_millis(50));
    c.write_all(b).unwrap();
    c.write_all(b"after").unwrap();
    let mut back = vec![0u8; hello.len() + 5];
    c.read_exact(&mut back).unwrap();
    assert_eq!(&back[..hello.len()], &hello[..]);
    assert_eq!(&back[hello.len()..], b"after");
    c.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(read_until_close(&mut c).is_empty());
    h.join().unwrap();
    let mut expected = hello.clone();
    expected.extend_from_slice(b"after");
    assert_eq!(got.recv_timeout(Duration::from_secs(10)).unwrap(), expected);
    assert!(rep.kinds().is_empty());
}

#[test]
fn hello_split_across_records_is_read_whole() {
    let (ctx, rep) = ctx(&["example.test"], true);
    let (port, got) = echo_origin();
    let (mut c, h) = serve(&ctx, &connect_head("example.test", port));
    let hello = client_hello("example.test", true);
    // One handshake record becomes two: same type and version, the payload cut in half.
    let payload = &hello[5..];
    let mut split = Vec::new();
    for part in payload.chunks(payload.len() / 2 + 1) {
        split.extend_from_slice(&hello[..3]);
        split.extend_from_slice(&u16::try_from(part.len()).unwrap().to_be_bytes());
        split.extend_from_slice(part);
    }
    c.write_all(&split).unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let out = read_until_close(&mut c);
    assert_eq!(&out[..ESTABLISHED.len()], ESTABLISHED);
    assert_eq!(&out[ESTABLISHED.len()..], &split[..]);
    h.join().unwrap();
    assert_eq!(got.recv_timeout(Duration::from_secs(10)).unwrap(), split);
    assert!(rep.kinds().is_empty());
}

fn denied_tunnel(first: &[u8], domains: &[&str], host: &str) -> (Vec<u8>, Vec<Denial>, Vec<u8>) {
    let (ctx, rep) = ctx(domains, true);
    let (port, got) = echo_origin();
    let (mut c, h) = serve(&ctx, &connect_head(host, port));
    c.write_all(first).unwrap();
    let out = read_until_close(&mut c);
    h.join().unwrap();
    let origin_got = got.recv_timeout(Duration::from_secs(10)).unwrap();
    let denials = rep.0.lock().unwrap().clone();
    (out, denials, origin_got)
}

#[test]
fn sni_mismatch_denied() {
    let (out, denials, origin_got) = denied_tunnel(&client_hello("other.test", true), &["example.test"], "example.test");
    assert_eq!(out, ESTABLISHED);
    assert!(origin_got.is_empty(), "nothing may reach the origin");
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0].kind, DenialKind::Tls);
    assert!(denials[0].reason.contains("other.test"), "{:?}", denials[0]);
}

#[test]
fn missing_sni_denied_for_a_name() {
    let (_, denials, origin_got) = denied_tunnel(&client_hello("example.test", false), &["example.test"], "example.test");
    assert!(origin_got.is_empty());
    assert_eq!(denials[0].kind, DenialKind::Tls);
}

#[test]
fn plain_bytes_in_a_tunnel_denied() {
    let (out, denials, origin_got) = denied_tunnel(b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n", &["example.test"], "example.test");
    assert_eq!(out, ESTABLISHED);
    assert!(origin_got.is_empty());
    assert_eq!(denials[0].kind, DenialKind::Tls);
    assert!(denials[0].reason.contains("not TLS"), "{:?}", denials[0]);
}

#[test]
fn oversize_or_bogus_hello_denied() {
    let mut big = vec![0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0xff, 0xff];
    big.resize(20 * 1024, 0x41);
    for first in [big, vec![0x16, 0x03, 0x01, 0x00, 0x00], vec![0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0, 0, 0]] {
        let (_, denials, origin_got) = denied_tunnel(&first, &["example.test"], "example.test");
        assert!(origin_got.is_empty());
        assert_eq!(denials.len(), 1);
        assert_eq!(denials[0].kind, DenialKind::Tls);
    }
}

#[test]
fn name_resolving_to_private_refused() {
    for host in ["internal.test", "mixed.test"] {
        let (ctx, rep) = ctx(&["*.test"], false);
        let (mut c, h) = serve(&ctx, &format!("HTTP\nGET http://{host}/ HTTP/1.1\r\n\r\n"));
        let out = String::from_utf8(read_until_close(&mut c)).unwrap();
        h.join().unwrap();
        assert!(out.starts_with("HTTP/1.1 403 "), "{out}");
        assert!(out.contains("10.0.0.5"), "{out}");
        let d = rep.0.lock().unwrap()[0].clone();
        assert_eq!((d.kind, d.host.as_str(), d.port), (DenialKind::Http, host, 80));
    }
}

fn query(name: &str, rtype: RecordType) -> Vec<u8> {
    let mut m = Message::new();
    m.set_id(0x1234).set_message_type(MessageType::Query).set_op_code(OpCode::Query).set_recursion_desired(true);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    m.to_vec().unwrap()
}

fn ask(ctx: &Ctx, q: &[u8]) -> Message {
    let reply = super::dns::answer(ctx, q).unwrap();
    let m = Message::from_vec(&reply).unwrap();
    assert_eq!(m.id(), 0x1234);
    assert_eq!(m.message_type(), MessageType::Response);
    m
}

#[test]
fn dns_answers_allowed_names_with_public_addresses_only() {
    let (ctx, rep) = ctx(&["public.test", "mixed.test"], false);
    let a = ask(&ctx, &query("Public.Test.", RecordType::A));
    assert_eq!(a.response_code(), ResponseCode::NoError);
    let data: Vec<_> = a.answers().iter().map(|r| (r.ttl(), r.data().clone())).collect();
    assert_eq!(data, vec![(60, RData::A("93.184.216.34".parse::<std::net::Ipv4Addr>().unwrap().into()))]);
    let aaaa = ask(&ctx, &query("public.test.", RecordType::AAAA));
    assert_eq!(aaaa.answers().len(), 1);
    assert!(matches!(aaaa.answers()[0].data(), RData::AAAA(_)));
    assert!(rep.kinds().is_empty());

    let mixed = ask(&ctx, &query("mixed.test.", RecordType::A));
    assert_eq!(mixed.answers().len(), 1, "the private address is left out");
    assert_eq!(rep.kinds(), vec![DenialKind::Dns]);
}

#[test]
fn dns_refuses_the_rest() {
    let (ctx, rep) = ctx(&["public.test"], false);
    for q in [query("other.test.", RecordType::A), query("public.test.", RecordType::MX), query("public.test.", RecordType::TXT)] {
        assert_eq!(ask(&ctx, &q).response_code(), ResponseCode::Refused);
    }
    let mut two = Message::from_vec(&query("public.test.", RecordType::A)).unwrap();
    two.add_query(Query::query(Name::from_ascii("public.test.").unwrap(), RecordType::AAAA));
    assert_eq!(ask(&ctx, &two.to_vec().unwrap()).response_code(), ResponseCode::Refused);
    let mut resp = Message::from_vec(&query("public.test.", RecordType::A)).unwrap();
    resp.set_message_type(MessageType::Response);
    assert_eq!(ask(&ctx, &resp.to_vec().unwrap()).response_code(), ResponseCode::Refused);
    assert_eq!(rep.kinds(), vec![DenialKind::Dns; 5]);
    // Unparseable: FORMERR with the id, or nothing without one.
    assert_eq!(ask(&ctx, &[0x12, 0x34, 0xff]).response_code(), ResponseCode::FormErr);
    assert!(super::dns::answer(&ctx, &[0x12]).is_none());
}

#[test]
fn dns_answers_localhost_with_the_sandbox_loopback_unreported() {
    let (ctx, rep) = ctx(&[], false);
    let a = ask(&ctx, &query("localhost.", RecordType::A));
    assert_eq!(a.response_code(), ResponseCode::NoError);
    assert_eq!(a.answers()[0].data().clone(), RData::A(std::net::Ipv4Addr::LOCALHOST.into()));
    let aaaa = ask(&ctx, &query("db.localhost.", RecordType::AAAA));
    assert_eq!(aaaa.answers()[0].data().clone(), RData::AAAA(std::net::Ipv6Addr::LOCALHOST.into()));
    assert!(ask(&ctx, &query("localhost.", RecordType::MX)).answers().is_empty());
    assert!(rep.kinds().is_empty());
    // Not a suffix trick: `localhost.evil.test` is an ordinary, unlisted name.
    assert_eq!(ask(&ctx, &query("localhost.evil.test.", RecordType::A)).response_code(), ResponseCode::Refused);
}
