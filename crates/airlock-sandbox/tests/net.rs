//! The egress proxy and the inside relays over real sockets, in this process (no network
//! namespace, no external network: names that must resolve are `localhost` via port forwards).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use airlock_sandbox::net::{spawn_egress, spawn_inside, Denial, DenialKind, EgressHandle, NetPolicy, Reporter};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

const WAIT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Collect(Mutex<Vec<Denial>>);

impl Reporter for Collect {
    fn denied(&self, d: &Denial) {
        self.0.lock().unwrap().push(d.clone());
    }
}

impl Collect {
    fn all(&self) -> Vec<Denial> {
        self.0.lock().unwrap().clone()
    }
}

struct Egress {
    _dir: tempfile::TempDir,
    path: PathBuf,
    rep: Arc<Collect>,
    handle: EgressHandle,
}

fn egress(domains: &[&str], forwards: &[u16]) -> Egress {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("egress.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let rep = Arc::new(Collect::default());
    let policy = NetPolicy { allow_domains: domains.iter().map(|s| s.to_string()).collect(), port_forwards: forwards.to_vec() };
    let handle = spawn_egress(listener, policy, rep.clone()).unwrap();
    Egress { _dir: dir, path, rep, handle }
}

fn open(path: &Path, first: &[u8]) -> UnixStream {
    let mut s = UnixStream::connect(path).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(first).unwrap();
    s
}

fn read_all(s: &mut impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// An HTTP origin for one request: sends the head it got, answers `200 ok`.
fn http_origin() -> (u16, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let _ = tx.send(head);
        let _ = (&s).write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
    (port, rx)
}

/// A TCP server that echoes every connection.
fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            thread::spawn(move || {
                let mut r = s.try_clone().unwrap();
                let _ = std::io::copy(&mut r, &mut &s);
            });
        }
    });
    port
}

fn status(resp: &[u8]) -> String {
    String::from_utf8_lossy(resp).lines().next().unwrap_or_default().to_string()
}

#[test]
fn get_through_a_forward_is_rewritten() {
    let (port, heads) = http_origin();
    let e = egress(&[], &[port]);
    let req = format!(
        "HTTP\nGET http://localhost:{port}/path?q=1 HTTP/1.1\r\nHost: intranet.corp\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n"
    );
    let mut c = open(&e.path, req.as_bytes());
    let resp = read_all(&mut c);
    assert!(resp.ends_with(b"\r\n\r\nok"), "{}", String::from_utf8_lossy(&resp));
    let head = heads.recv_timeout(WAIT).unwrap();
    assert!(head.starts_with(&format!("GET /path?q=1 HTTP/1.1\r\nHost: localhost:{port}\r\n")), "{head}");
    assert!(!head.contains("intranet") && !head.to_ascii_lowercase().contains("proxy-"), "{head}");
    assert!(head.contains("Accept: */*") || head.contains("accept: */*"), "{head}");
    assert!(head.ends_with("Connection: close\r\n"), "{head}");
    assert!(e.rep.all().is_empty());
    e.handle.stop();
}

#[test]
fn name_not_allowed_gets_403() {
    let e = egress(&["example.com"], &[]);
    let mut c = open(&e.path, b"HTTP\nGET http://evil.example.net/x HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let resp = read_all(&mut c);
    assert_eq!(status(&resp), "HTTP/1.1 403 Forbidden");
    let body = String::from_utf8_lossy(&resp).split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    assert_eq!(body.lines().count(), 1, "{body}");
    let d = &e.rep.all()[0];
    assert_eq!((d.kind, d.host.as_str(), d.port), (DenialKind::Http, "evil.example.net", 80));

    let mut c = open(&e.path, b"HTTP\nCONNECT evil.example.net:443 HTTP/1.1\r\n\r\n");
    assert_eq!(status(&read_all(&mut c)), "HTTP/1.1 403 Forbidden");
    assert_eq!(e.rep.all()[1].kind, DenialKind::Connect);
}

#[test]
fn localhost_only_with_a_port_forward() {
    let (port, heads) = http_origin();
    // Allowed by name but not forwarded: refused, and nothing reaches the origin.
    let e = egress(&["localhost", "127.0.0.1"], &[]);
    for host in ["localhost", "127.0.0.1", "[::1]", "LOCALHOST."] {
        let mut c = open(&e.path, format!("HTTP\nGET http://{host}:{port}/ HTTP/1.1\r\n\r\n").as_bytes());
        assert_eq!(status(&read_all(&mut c)), "HTTP/1.1 403 Forbidden", "{host}");
    }
    assert_eq!(e.rep.all().len(), 4);
    assert!(heads.recv_timeout(Duration::from_millis(200)).is_err());
    // Forwarded: reaches it.
    let e = egress(&[], &[port]);
    let mut c = open(&e.path, format!("HTTP\nGET http://localhost:{port}/ HTTP/1.1\r\n\r\n").as_bytes());
    assert_eq!(status(&read_all(&mut c)), "HTTP/1.1 200 OK");
    assert!(heads.recv_timeout(WAIT).is_ok());
}

#[test]
fn private_and_metadata_addresses_refused() {
    let e = egress(&["10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "[fd00:ec2::254]"], &[]);
    let targets = ["10.0.0.1:443", "169.254.169.254:80", "[::ffff:127.0.0.1]:443", "[fd00:ec2::254]:80"];
    for t in targets {
        let mut c = open(&e.path, format!("HTTP\nCONNECT {t} HTTP/1.1\r\n\r\n").as_bytes());
        assert_eq!(status(&read_all(&mut c)), "HTTP/1.1 403 Forbidden", "{t}");
        let mut c = open(&e.path, format!("HTTP\nGET http://{t}/latest/meta-data/ HTTP/1.1\r\n\r\n").as_bytes());
        assert_eq!(status(&read_all(&mut c)), "HTTP/1.1 403 Forbidden", "{t}");
    }
    assert_eq!(e.rep.all().len(), 2 * targets.len());
}

#[test]
fn connect_to_a_forward_skips_the_tls_check() {
    let port = echo_server();
    let e = egress(&[], &[port]);
    let mut c = open(&e.path, format!("HTTP\nCONNECT localhost:{port} HTTP/1.1\r\n\r\nearly").as_bytes());
    c.write_all(b" bytes").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let out = read_all(&mut c);
    assert_eq!(String::from_utf8_lossy(&out), "HTTP/1.1 200 Connection established\r\n\r\nearly bytes");
}

#[test]
fn garbage_is_answered_cleanly() {
    let e = egress(&["example.com"], &[]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"HTTP\n\x00\x01\x02 nonsense\r\n\r\n".to_vec(), "HTTP/1.1 400 Bad Request"),
        (b"HTTP\nGET /relative HTTP/1.1\r\n\r\n".to_vec(), "HTTP/1.1 400 Bad Request"),
        (b"HTTP\nCONNECT example.com HTTP/1.1\r\n\r\n".to_vec(), "HTTP/1.1 400 Bad Request"),
        (b"HTTP\nGET https://example.com/ HTTP/1.1\r\n\r\n".to_vec(), "HTTP/1.1 400 Bad Request"),
        (b"HTTP\nGET http://a@example.com/ HTTP/1.1\r\n\r\n".to_vec(), "HTTP/1.1 400 Bad Request"),
        ([b"HTTP\nGET http://example.com/".to_vec(), vec![b'a'; 70 * 1024]].concat(), "HTTP/1.1 431 Request Header Fields Too Large"),
    ];
    for (i, (input, want)) in cases.iter().enumerate() {
        let mut c = open(&e.path, input);
        let _ = c.shutdown(Shutdown::Write);
        assert_eq!(status(&read_all(&mut c)), *want, "case {i}");
    }
    // Bad first lines: closed without an answer, reported.
    for first in [b"SMTP\n".to_vec(), b"FWD x\n".to_vec(), b"FWD 99999\n".to_vec(), vec![b'A'; 100]] {
        let mut c = open(&e.path, &first);
        assert!(read_all(&mut c).is_empty());
    }
    // Closing at once is not a denial.
    drop(open(&e.path, b""));
    drop(open(&e.path, b"HTTP\n"));
    thread::sleep(Duration::from_millis(100));
    let all = e.rep.all();
    assert_eq!(all.len(), cases.len() + 4, "{all:#?}");
    // The proxy still serves.
    let mut c = open(&e.path, b"HTTP\nGET http://nope.invalid/ HTTP/1.1\r\n\r\n");
    assert_eq!(status(&read_all(&mut c)), "HTTP/1.1 403 Forbidden");
}

fn dns_query(name: &str, rtype: RecordType) -> Vec<u8> {
    let mut m = Message::new();
    m.set_id(7).set_message_type(MessageType::Query).set_op_code(OpCode::Query).set_recursion_desired(true);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    m.to_vec().unwrap()
}

fn framed(msg: &[u8]) -> Vec<u8> {
    [u16::try_from(msg.len()).unwrap().to_be_bytes().to_vec(), msg.to_vec()].concat()
}

fn read_framed(s: &mut impl Read) -> Message {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).unwrap();
    let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut msg).unwrap();
    Message::from_vec(&msg).unwrap()
}

#[test]
fn dns_over_the_socket() {
    let e = egress(&[], &[]);
    let mut c = open(&e.path, b"DNS\n");
    // localhost is the sandbox's own loopback: answered, not reported.
    c.write_all(&framed(&dns_query("localhost.", RecordType::A))).unwrap();
    let m = read_framed(&mut c);
    assert_eq!((m.id(), m.response_code(), m.answers().len()), (7, ResponseCode::NoError, 1));
    // Several messages on one connection.
    c.write_all(&framed(&dns_query("example.com.", RecordType::A))).unwrap();
    c.write_all(&framed(&dns_query("localhost.evil.test.", RecordType::TXT))).unwrap();
    assert_eq!(read_framed(&mut c).response_code(), ResponseCode::Refused);
    assert_eq!(read_framed(&mut c).response_code(), ResponseCode::Refused);
    c.write_all(&framed(b"\x00\x07garbage")).unwrap();
    assert_eq!(read_framed(&mut c).response_code(), ResponseCode::FormErr);
    // Oversize: the connection ends.
    c.write_all(&[0x20, 0x00]).unwrap();
    assert!(read_all(&mut c).is_empty());
    let all = e.rep.all();
    assert!(all.iter().all(|d| d.kind == DenialKind::Dns), "{all:#?}");
    assert!(all.iter().any(|d| d.host == "example.com"), "{all:#?}");
    assert!(all.iter().all(|d| d.host != "localhost"), "{all:#?}");
    assert_eq!(all.len(), 4, "{all:#?}");
}

#[test]
fn port_forwards() {
    let port = echo_server();
    let e = egress(&[], &[port]);
    let mut c = open(&e.path, format!("FWD {port}\nping").as_bytes());
    c.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_all(&mut c), b"ping");
    let other = if port == u16::MAX { port - 1 } else { port + 1 };
    let mut c = open(&e.path, format!("FWD {other}\nping").as_bytes());
    assert!(read_all(&mut c).is_empty());
    let d = &e.rep.all()[0];
    assert_eq!((d.kind, d.port), (DenialKind::Connect, other));
}

/// A stand-in for the egress side: records each connection's first line, then echoes.
fn fake_outside() -> (tempfile::TempDir, PathBuf, mpsc::Receiver<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.sock");
    let l = UnixListener::bind(&path).unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                let _ = tx.send(line);
                let _ = std::io::copy(&mut r, &mut &s);
            });
        }
    });
    (dir, path, rx)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn inside_relays_bind_and_forward() {
    let (_dir, path, lines) = fake_outside();
    let fwd = free_port();
    let relays = spawn_inside(&path, &[fwd]).unwrap();
    assert_ne!(relays.proxy_port, 0);
    for (port, header) in [(relays.proxy_port, "HTTP\n".to_string()), (fwd, format!("FWD {fwd}\n"))] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        s.write_all(b"hello").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        assert_eq!(read_all(&mut s), b"hello");
        assert_eq!(lines.recv_timeout(WAIT).unwrap(), header);
    }
    if relays.dns {
        // UDP: the fake outside echoes the framed query, which comes back as the answer.
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        u.set_read_timeout(Some(WAIT)).unwrap();
        let q = dns_query("example.com.", RecordType::A);
        u.send_to(&q, "127.0.0.1:53").unwrap();
        let mut buf = [0u8; 4096];
        let n = u.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], &q[..]);
        assert_eq!(lines.recv_timeout(WAIT).unwrap(), "DNS\n");
        let mut t = TcpStream::connect("127.0.0.1:53").unwrap();
        t.set_read_timeout(Some(WAIT)).unwrap();
        t.write_all(&framed(&q)).unwrap();
        assert_eq!(read_framed(&mut t).id(), 7);
        assert_eq!(lines.recv_timeout(WAIT).unwrap(), "DNS\n");
    } else {
        assert!(UdpSocket::bind("127.0.0.1:53").is_err() || TcpListener::bind("127.0.0.1:53").is_err());
    }
}

#[test]
fn inside_and_outside_end_to_end() {
    let (port, heads) = http_origin();
    let e = egress(&[], &[port]);
    let relays = spawn_inside(&e.path, &[]).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", relays.proxy_port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(format!("GET http://127.0.0.1:{port}/e2e HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
    assert!(read_all(&mut s).ends_with(b"ok"));
    assert!(heads.recv_timeout(WAIT).unwrap().starts_with("GET /e2e HTTP/1.1\r\n"));
    let mut s = TcpStream::connect(("127.0.0.1", relays.proxy_port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(b"GET http://example.org/ HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(status(&read_all(&mut s)), "HTTP/1.1 403 Forbidden");
}
