//! The relays inside the sandbox: loopback listeners whose connections go out through the Unix
//! socket, each preceded by the line that tells the outside what it carries.

use std::io::{self, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::dns::{write_framed, MAX_MESSAGE};
use super::stream::{read_exact_by, splice, Conn};

/// How long a UDP query waits for its answer from outside.
const DNS_TIME: Duration = Duration::from_secs(10);
/// UDP queries relayed at once; more are dropped (the client retries).
const MAX_UDP_IN_FLIGHT: usize = 64;

/// The relays running inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsideRelays {
    /// `127.0.0.1:proxy_port` is the HTTP proxy (for `HTTP_PROXY` / `HTTPS_PROXY`).
    pub proxy_port: u16,
    /// Whether `127.0.0.1:53` answers DNS over UDP and TCP.
    pub dns: bool,
}

/// Binds the relays and starts their threads; see [`super::spawn_inside`].
pub(crate) fn spawn(socket: &Path, port_forwards: &[u16]) -> io::Result<InsideRelays> {
    let socket = socket.to_path_buf();
    let proxy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let proxy_port = proxy.local_addr()?.port();
    let mut listeners = vec![(proxy, "HTTP\n".to_string())];
    for &port in port_forwards {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|e| io::Error::new(e.kind(), format!("port forward: cannot listen on 127.0.0.1:{port}: {e}")))?;
        listeners.push((l, format!("FWD {port}\n")));
    }
    let dns = match (UdpSocket::bind((Ipv4Addr::LOCALHOST, 53)), TcpListener::bind((Ipv4Addr::LOCALHOST, 53))) {
        (Ok(udp), Ok(tcp)) => {
            listeners.push((tcp, "DNS\n".to_string()));
            let socket = socket.clone();
            thread::Builder::new().name("airlock-dns-udp".into()).spawn(move || udp_loop(&udp, &socket))?;
            true
        }
        (u, t) => {
            let e = u.err().or(t.err()).map(|e| e.to_string()).unwrap_or_default();
            tracing::debug!(error = %e, "sandbox: no DNS relay on 127.0.0.1:53");
            false
        }
    };
    for (listener, header) in listeners {
        let socket = socket.clone();
        thread::Builder::new().name("airlock-relay".into()).spawn(move || tcp_loop(&listener, &socket, &header))?;
    }
    tracing::debug!(proxy_port, dns, forwards = ?port_forwards, "sandbox: relays up");
    Ok(InsideRelays { proxy_port, dns })
}

fn connect_out(socket: &Path, header: &str) -> io::Result<UnixStream> {
    let mut out = UnixStream::connect(socket)?;
    out.write_all(header.as_bytes())?;
    Ok(out)
}

fn tcp_loop(listener: &TcpListener, socket: &Path, header: &str) {
    for conn in listener.incoming() {
        let conn: TcpStream = match conn {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "sandbox relay: accept failed");
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let _ = conn.set_nodelay(true);
        let (socket, header) = (socket.to_path_buf(), header.to_string());
        let spawned = thread::Builder::new().name("airlock-relay-conn".into()).spawn(move || match connect_out(&socket, &header) {
            Ok(out) => splice(Box::new(conn), Box::new(out), None),
            Err(e) => tracing::debug!(error = %e, "sandbox relay: cannot reach the egress socket"),
        });
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "sandbox relay: cannot start a thread");
        }
    }
}

fn udp_loop(udp: &UdpSocket, socket: &Path) {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    loop {
        let (n, from) = match udp.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "sandbox dns relay: recv failed");
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let Some(query) = buf.get(..n).filter(|_| n <= MAX_MESSAGE).map(<[u8]>::to_vec) else { continue };
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_UDP_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let (Ok(reply_sock), socket, count) = (udp.try_clone(), PathBuf::from(socket), in_flight.clone()) else {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            continue;
        };
        let spawned = thread::Builder::new().name("airlock-dns-query".into()).spawn(move || {
            match relay_query(&socket, &query) {
                Ok(answer) => {
                    let _ = reply_sock.send_to(&answer, from);
                }
                Err(e) => tracing::debug!(error = %e, "sandbox dns relay: no answer"),
            }
            count.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Sends one query out over a fresh socket connection and reads its answer.
fn relay_query(socket: &Path, query: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = connect_out(socket, "DNS\n")?;
    write_framed(&mut out, query)?;
    let deadline = Instant::now() + DNS_TIME;
    let mut len = [0u8; 2];
    read_exact_by(&mut out as &mut dyn Conn, &mut len, deadline)?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
    read_exact_by(&mut out as &mut dyn Conn, &mut answer, deadline)?;
    Ok(answer)
}

