//! Byte streams the relays work on: bounded reads under a deadline, and splicing two streams.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

/// A connected byte stream: a Unix or TCP socket, or an in-memory stream in tests and fuzzing.
pub trait Conn: Read + Write + Send + 'static {
    /// As the sockets' `set_read_timeout`; `None` blocks without limit.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// A second handle on the same stream, for copying the other direction from another thread.
    fn try_clone_conn(&self) -> io::Result<Box<dyn Conn>>;
    /// As the sockets' `shutdown`; best effort.
    fn shutdown(&self, how: Shutdown);
}

impl Conn for UnixStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        UnixStream::set_read_timeout(self, timeout)
    }
    fn try_clone_conn(&self) -> io::Result<Box<dyn Conn>> {
        Ok(Box::new(self.try_clone()?))
    }
    fn shutdown(&self, how: Shutdown) {
        let _ = UnixStream::shutdown(self, how);
    }
}

impl Conn for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn try_clone_conn(&self) -> io::Result<Box<dyn Conn>> {
        Ok(Box::new(self.try_clone()?))
    }
    fn shutdown(&self, how: Shutdown) {
        let _ = TcpStream::shutdown(self, how);
    }
}

impl Conn for Box<dyn Conn> {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_read_timeout(timeout)
    }
    fn try_clone_conn(&self) -> io::Result<Box<dyn Conn>> {
        (**self).try_clone_conn()
    }
    fn shutdown(&self, how: Shutdown) {
        (**self).shutdown(how)
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "timed out")
}

/// One `read` that gives up at `deadline`.
pub(crate) fn read_by(conn: &mut dyn Conn, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(timed_out());
    }
    conn.set_read_timeout(Some(left))?;
    loop {
        match conn.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Err(timed_out()),
            r => return r,
        }
    }
}

/// Reads one `\n`-terminated line of at most `max` bytes (newline included), byte by byte so
/// nothing after it is consumed. `Ok(None)` on end of stream before any byte.
pub(crate) fn read_line(conn: &mut dyn Conn, max: usize, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < max {
        if read_by(conn, &mut byte, deadline)? == 0 {
            return if line.is_empty() { Ok(None) } else { Err(io::ErrorKind::UnexpectedEof.into()) };
        }
        if byte == [b'\n'] {
            return Ok(Some(line));
        }
        line.extend_from_slice(&byte);
    }
    Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"))
}

/// Fills `buf` completely before `deadline`.
pub(crate) fn read_exact_by(conn: &mut dyn Conn, buf: &mut [u8], deadline: Instant) -> io::Result<()> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        match read_by(conn, rest, deadline)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => done += n,
        }
    }
    Ok(())
}

/// Copies `from` to `to` until end of stream (or at most `limit` bytes), then half-closes `to`
/// if `close` is set.
fn copy(from: &mut dyn Conn, to: &mut dyn Conn, limit: Option<u64>, close: bool) -> u64 {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let want = match limit {
            Some(l) if total >= l => break,
            Some(l) => usize::try_from(l - total).unwrap_or(usize::MAX).min(buf.len()),
            None => buf.len(),
        };
        let Some(chunk) = buf.get_mut(..want) else { break };
        let n = match from.read(chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if to.write_all(chunk.get(..n).unwrap_or_default()).is_err() {
            break;
        }
        total += n as u64;
    }
    let _ = to.flush();
    if close {
        to.shutdown(Shutdown::Write);
    }
    total
}

/// Relays `a` and `b` both ways until both directions end, then closes both. `a_to_b` limits
/// what goes from `a` to `b`: `Some(n)` copies at most `n` bytes and leaves `b` open for writing
/// (a request body: the origin still answers). Read timeouts are cleared first.
pub(crate) fn splice(a: Box<dyn Conn>, b: Box<dyn Conn>, a_to_b: Option<u64>) {
    let _ = a.set_read_timeout(None);
    let _ = b.set_read_timeout(None);
    let (mut a_read, mut b_write) = match (a.try_clone_conn(), b.try_clone_conn()) {
        (Ok(ar), Ok(bw)) => (ar, bw),
        _ => {
            tracing::debug!("sandbox net: cannot clone a stream to splice it");
            return;
        }
    };
    let upstream = thread::Builder::new().name("airlock-net-copy".into()).spawn(move || {
        copy(&mut *a_read, &mut *b_write, a_to_b, a_to_b.is_none());
    });
    let (mut a, mut b) = (a, b);
    copy(&mut *b, &mut *a, None, true);
    // The other side is done with us: unblock a copy still waiting on `a`.
    a.shutdown(Shutdown::Both);
    if let Ok(h) = upstream {
        let _ = h.join();
    }
    b.shutdown(Shutdown::Both);
}

/// An in-memory [`Conn`] for fuzzing and tests: reads `input` then end of stream, collects what
/// is written into a shared buffer. It cannot be cloned, so nothing is ever spliced through it.
#[doc(hidden)]
pub struct MemConn {
    input: io::Cursor<Vec<u8>>,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl MemConn {
    /// The stream, and the buffer that will hold what the handler writes.
    pub fn new(input: Vec<u8>) -> (Self, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
        let output = std::sync::Arc::default();
        (MemConn { input: io::Cursor::new(input), output: std::sync::Arc::clone(&output) }, output)
    }
}

impl Read for MemConn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for MemConn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.output.lock() {
            Ok(mut out) => out.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Conn for MemConn {
    fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn try_clone_conn(&self) -> io::Result<Box<dyn Conn>> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "an in-memory stream cannot be cloned"))
    }
    fn shutdown(&self, _: Shutdown) {}
}
