//! The egress side, outside the sandbox: accepts relay connections on the Unix socket and
//! dispatches each on its first line (`HTTP`, `FWD <port>`, `DNS`).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::policy::{check_addr, Compiled};
use super::stream::{read_line, splice, Conn};
use super::{dns, http, Denial, DenialKind, NetPolicy, Reporter};

/// How long the first line, an HTTP head or a ClientHello may take to arrive.
pub(crate) const HEAD_TIME: Duration = Duration::from_secs(10);
/// How long a connection to an origin may take.
pub(crate) const CONNECT_TIME: Duration = Duration::from_secs(10);
/// The longest first line.
const MAX_LINE: usize = 64;
/// Connections handled at once; more are refused.
const MAX_ACTIVE: usize = 512;

/// Resolves a name to addresses (the system resolver, or a fake in tests).
pub(crate) type Resolver = fn(&str, u16) -> io::Result<Vec<IpAddr>>;

/// The system resolver (`getaddrinfo`), each address once.
pub(crate) fn system_resolve(name: &str, port: u16) -> io::Result<Vec<IpAddr>> {
    let mut out: Vec<IpAddr> = Vec::new();
    for a in (name, port).to_socket_addrs()? {
        if !out.contains(&a.ip()) {
            out.push(a.ip());
        }
    }
    Ok(out)
}

/// Vets one resolved address ([`check_addr`], or a laxer one in tests).
pub(crate) type AddrCheck = fn(IpAddr) -> Result<(), &'static str>;

/// What every connection handler shares.
pub(crate) struct Ctx {
    pub policy: Compiled,
    pub reporter: Arc<dyn Reporter>,
    pub resolve: Resolver,
    pub check: AddrCheck,
}

impl Ctx {
    pub(crate) fn new(policy: &NetPolicy, reporter: Arc<dyn Reporter>) -> Self {
        Ctx { policy: Compiled::new(policy), reporter, resolve: system_resolve, check: check_addr }
    }

    pub(crate) fn report(&self, d: &Denial) {
        tracing::info!(kind = ?d.kind, host = %d.host, port = d.port, reason = %d.reason, "sandbox: network access denied");
        self.reporter.denied(d);
    }
}

/// The running egress proxy.
pub struct EgressHandle {
    stop: Arc<AtomicBool>,
    path: Option<PathBuf>,
    thread: Option<JoinHandle<()>>,
}

impl EgressHandle {
    /// Stops accepting new connections and waits for the accept loop to end (connections in
    /// flight go on until they close). Dropping the handle instead leaves the proxy running.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        if let Some(path) = &self.path {
            let _ = std::os::unix::net::UnixStream::connect(path);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the accept loop on `listener` in a background thread; see [`super::spawn_egress`].
pub(crate) fn spawn(listener: UnixListener, ctx: Ctx) -> io::Result<EgressHandle> {
    let path = listener.local_addr().ok().and_then(|a| a.as_pathname().map(PathBuf::from));
    let stop = Arc::new(AtomicBool::new(false));
    let ctx = Arc::new(ctx);
    let stopping = stop.clone();
    let thread = thread::Builder::new().name("airlock-egress".into()).spawn(move || accept_loop(&listener, &ctx, &stopping))?;
    Ok(EgressHandle { stop, path, thread: Some(thread) })
}

fn accept_loop(listener: &UnixListener, ctx: &Arc<Ctx>, stop: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let conn = match conn {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "sandbox egress: accept failed");
                // Out of descriptors and the like: do not spin.
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_ACTIVE {
            active.fetch_sub(1, Ordering::SeqCst);
            ctx.report(&Denial { kind: DenialKind::Connect, host: String::new(), port: 0, reason: format!("over {MAX_ACTIVE} connections at once") });
            continue;
        }
        let (ctx, active2) = (ctx.clone(), active.clone());
        let spawned = thread::Builder::new().name("airlock-egress-conn".into()).spawn(move || {
            handle(Box::new(conn), &ctx);
            active2.fetch_sub(1, Ordering::SeqCst);
        });
        if let Err(e) = spawned {
            active.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(error = %e, "sandbox egress: cannot start a connection thread");
        }
    }
}

/// Serves one relay connection to its end. Everything on it is treated as hostile.
pub(crate) fn handle(mut conn: Box<dyn Conn>, ctx: &Ctx) {
    let line = match read_line(&mut *conn, MAX_LINE, Instant::now() + HEAD_TIME) {
        Ok(Some(l)) => l,
        Ok(None) => return,
        Err(e) => {
            ctx.report(&Denial { kind: DenialKind::Connect, host: String::new(), port: 0, reason: format!("bad relay header: {e}") });
            return;
        }
    };
    match line.as_slice() {
        b"HTTP" => http::serve(conn, ctx),
        b"DNS" => dns::serve(&mut *conn, ctx),
        other => match other.strip_prefix(b"FWD ").and_then(|p| std::str::from_utf8(p).ok()).and_then(|p| p.parse::<u16>().ok()) {
            Some(port) => forward(conn, ctx, port),
            None => {
                let shown = String::from_utf8_lossy(other).into_owned();
                ctx.report(&Denial { kind: DenialKind::Connect, host: String::new(), port: 0, reason: format!("unknown relay header {shown:?}") });
            }
        },
    }
}

/// Connects to the first of `addrs` that answers.
pub(crate) fn connect_any(addrs: &[SocketAddr]) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for a in addrs {
        match TcpStream::connect_timeout(a, CONNECT_TIME) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn forward(conn: Box<dyn Conn>, ctx: &Ctx, port: u16) {
    if !ctx.policy.forwards(port) {
        ctx.report(&Denial { kind: DenialKind::Connect, host: "127.0.0.1".into(), port, reason: format!("port {port} is not forwarded") });
        return;
    }
    match connect_any(&[SocketAddr::from((Ipv4Addr::LOCALHOST, port))]) {
        Ok(origin) => splice(conn, Box::new(origin), None),
        Err(e) => tracing::debug!(port, error = %e, "sandbox egress: forwarded port does not answer"),
    }
}
