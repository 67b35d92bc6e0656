//! The network side of the sandbox: an egress proxy and DNS answerer run outside, reached from
//! inside only through a Unix socket.
//!
//! Inside (a network namespace with only loopback), [`spawn_inside`] binds an HTTP proxy on an
//! ephemeral loopback port, one listener per port forward, and DNS on `127.0.0.1:53`; each of
//! their connections becomes one connection to the Unix socket, opened by a line saying what
//! follows: `HTTP\n` (an HTTP/1.1 proxy connection), `FWD <port>\n` (raw TCP to the host's
//! `127.0.0.1:<port>`) or `DNS\n` (DNS messages with a 2-byte length, both ways).
//!
//! Outside, [`spawn_egress`] serves that socket and decides: names on `allow_domains` (after
//! resolution, never to a private, loopback, link-local or metadata address), loopback only
//! for forwarded ports, a CONNECT tunnel only for a TLS ClientHello naming the same host, DNS
//! answered from here for allowed names only. Everything arriving on the socket is treated as
//! hostile: the sandboxed command can connect to it directly. Each refusal goes to a
//! [`Reporter`].

mod dns;
mod egress;
mod http;
mod inside;
mod policy;
mod stream;
#[cfg(test)]
mod tests;
mod tls;

use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::Arc;

pub use egress::EgressHandle;
pub use inside::InsideRelays;
pub use policy::check_addr;
pub use stream::{Conn, MemConn};

/// What the sandboxed command may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetPolicy {
    /// `example.com` (exactly that name), `*.example.com` (any subdomain, not the apex), or an
    /// IP literal (that address only). Case-insensitive; a trailing dot is ignored.
    pub allow_domains: Vec<String>,
    /// Ports of the host's `127.0.0.1` the command may reach, as the same port on its own
    /// loopback and as `localhost:<port>` through the proxy.
    pub port_forwards: Vec<u16>,
}

/// What was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    /// A CONNECT request, a port forward or a malformed relay connection.
    Connect,
    /// A plain HTTP proxy request.
    Http,
    /// A DNS query.
    Dns,
    /// A CONNECT tunnel whose first bytes were not a TLS ClientHello for the CONNECT host.
    Tls,
}

/// One refused attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub kind: DenialKind,
    /// As the request named it (may be empty when the request was unreadable).
    pub host: String,
    pub port: u16,
    /// Why, in a few words.
    pub reason: String,
}

/// Receives every refusal (to show the user, log or count).
pub trait Reporter: Send + Sync {
    fn denied(&self, d: &Denial);
}

/// OUTSIDE the sandbox: accepts on `listener` (already bound) in a background thread, one
/// thread (two while copying) per connection. Returns at once.
pub fn spawn_egress(listener: UnixListener, policy: NetPolicy, reporter: Arc<dyn Reporter>) -> std::io::Result<EgressHandle> {
    egress::spawn(listener, egress::Ctx::new(&policy, reporter))
}

/// INSIDE the sandbox (in its init process, once the mount view is final, in the new network
/// namespace with loopback up): binds the relays to `socket` and starts their threads.
pub fn spawn_inside(socket: &Path, port_forwards: &[u16]) -> std::io::Result<InsideRelays> {
    inside::spawn(socket, port_forwards)
}

/// Serves one connection from the Unix socket, as the egress proxy does, on the calling thread.
/// For fuzzing and tests with in-memory streams.
#[doc(hidden)]
pub fn serve_connection(conn: Box<dyn Conn>, policy: &NetPolicy, reporter: Arc<dyn Reporter>) {
    egress::handle(conn, &egress::Ctx::new(policy, reporter));
}

/// The SNI of a ClientHello starting with `first` (then end of stream), as the CONNECT check
/// reads it; `Err(reason)` if it is not one. For fuzzing.
#[doc(hidden)]
pub fn client_hello_sni(first: &[u8]) -> Result<Option<String>, String> {
    let (mut conn, _) = MemConn::new(Vec::new());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    tls::read_client_hello(&mut conn, first.to_vec(), deadline).map(|h| h.sni)
}
