//! The session protocol on its Unix socket.
//!
//! Client to server: a header (`MAGIC`, the body's length as u32 LE) sent with the client's
//! stdin, stdout and stderr as `SCM_RIGHTS`, then the body: a list of byte strings, each a u32 LE
//! length and the bytes: kind (`run` or `stop`), the session key, the working directory, the
//! argument count and the arguments, the environment count and `NAME`, `VALUE` pairs. Then, while
//! the command runs, one byte per signal to pass on.
//!
//! Server to client: `A` (accepted: the command is about to start; before it, the client may
//! still fall back to a fresh sandbox), `R` + message (refused: nothing ran), `S` + i32 LE (the
//! command's exit status), `E` + message (setup failed after `A`; status 125).

use crate::SandboxError;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use std::ffi::OsString;
use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

const MAGIC: &[u8; 8] = b"ALSESS01";
/// Upper bound on a request body (argv and environment together; the kernel's own limit for
/// `execve` is lower).
const MAX_BODY: u32 = 64 << 20;

pub const ACCEPTED: u8 = b'A';
pub const REFUSED: u8 = b'R';
pub const STATUS: u8 = b'S';
pub const FAILED: u8 = b'E';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Stop,
}

/// One request as the server reads it.
pub struct Request {
    pub kind: Kind,
    pub key: Vec<u8>,
    pub cwd: PathBuf,
    pub argv: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
    /// stdin, stdout, stderr of the client (empty for `stop`).
    pub fds: Vec<OwnedFd>,
}

fn bad(what: &str) -> SandboxError {
    SandboxError::Invalid(format!("session protocol: {what}"))
}

fn put(body: &mut Vec<u8>, item: &[u8]) {
    body.extend_from_slice(&(item.len() as u32).to_le_bytes());
    body.extend_from_slice(item);
}

/// Send a request with `fds` attached.
pub fn send_request(conn: &UnixStream, kind: Kind, key: &[u8], cwd: &std::path::Path, argv: &[OsString], env: &[(OsString, OsString)], fds: &[RawFd]) -> Result<(), SandboxError> {
    let mut body = Vec::with_capacity(4096);
    put(&mut body, if kind == Kind::Run { b"run" } else { b"stop" });
    put(&mut body, key);
    put(&mut body, cwd.as_os_str().as_bytes());
    put(&mut body, argv.len().to_string().as_bytes());
    for a in argv {
        put(&mut body, a.as_bytes());
    }
    put(&mut body, env.len().to_string().as_bytes());
    for (k, v) in env {
        put(&mut body, k.as_bytes());
        put(&mut body, v.as_bytes());
    }
    let mut header = [0u8; 12];
    header[..8].copy_from_slice(MAGIC);
    header[8..].copy_from_slice(&(body.len() as u32).to_le_bytes());
    let iov = [IoSlice::new(&header)];
    let cmsg = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &cmsg };
    let sent = sendmsg::<()>(conn.as_raw_fd(), &iov, cmsgs, MsgFlags::MSG_NOSIGNAL, None).map_err(|e| SandboxError::sys("session: send", e))?;
    if sent != header.len() {
        return Err(bad("short header write"));
    }
    let mut w = conn;
    w.write_all(&body).map_err(|e| SandboxError::sys("session: send", e))
}

/// Read one request (header with descriptors, then the body).
pub fn read_request(conn: &UnixStream) -> Result<Request, SandboxError> {
    let mut header = [0u8; 12];
    let mut space = nix::cmsg_space!([RawFd; 3]);
    let (got, fds) = {
        let mut iov = [IoSliceMut::new(&mut header)];
        let msg = recvmsg::<()>(conn.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC).map_err(|e| SandboxError::sys("session: receive", e))?;
        let mut fds = Vec::new();
        for c in msg.cmsgs().map_err(|e| SandboxError::sys("session: control message", e))? {
            if let ControlMessageOwned::ScmRights(raw) = c {
                for fd in raw {
                    // SAFETY: the kernel just installed this descriptor for us; nothing else owns it.
                    #[allow(unsafe_code)]
                    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
                    fds.push(owned);
                }
            }
        }
        (msg.bytes, fds)
    };
    if got != header.len() || &header[..8] != MAGIC {
        return Err(bad("bad header"));
    }
    let len = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if len > MAX_BODY {
        return Err(bad("request too large"));
    }
    let mut body = vec![0u8; len as usize];
    let mut r = conn;
    r.read_exact(&mut body).map_err(|e| SandboxError::sys("session: receive", e))?;
    let mut items = Items { rest: &body };
    let kind = match items.next()? {
        b"run" => Kind::Run,
        b"stop" => Kind::Stop,
        _ => return Err(bad("unknown request")),
    };
    let key = items.next()?.to_vec();
    let cwd = PathBuf::from(OsString::from_vec(items.next()?.to_vec()));
    let argc = items.count()?;
    let mut argv = Vec::with_capacity(argc.min(4096));
    for _ in 0..argc {
        argv.push(OsString::from_vec(items.next()?.to_vec()));
    }
    let envc = items.count()?;
    let mut env = Vec::with_capacity(envc.min(4096));
    for _ in 0..envc {
        let k = OsString::from_vec(items.next()?.to_vec());
        let v = OsString::from_vec(items.next()?.to_vec());
        env.push((k, v));
    }
    if kind == Kind::Run && (fds.len() != 3 || argv.is_empty()) {
        return Err(bad("a run request needs three descriptors and a command"));
    }
    Ok(Request { kind, key, cwd, argv, env, fds })
}

struct Items<'a> {
    rest: &'a [u8],
}

impl<'a> Items<'a> {
    fn next(&mut self) -> Result<&'a [u8], SandboxError> {
        let (len, rest) = self.rest.split_first_chunk::<4>().ok_or_else(|| bad("truncated body"))?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return Err(bad("truncated body"));
        }
        let (item, rest) = rest.split_at(len);
        self.rest = rest;
        Ok(item)
    }

    fn count(&mut self) -> Result<usize, SandboxError> {
        std::str::from_utf8(self.next()?).ok().and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad count"))
    }
}

/// A reply: a tag and its payload.
pub fn reply(conn: &UnixStream, tag: u8, payload: &[u8]) -> std::io::Result<()> {
    let mut msg = Vec::with_capacity(5 + payload.len());
    msg.push(tag);
    if tag == REFUSED || tag == FAILED {
        msg.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    }
    msg.extend_from_slice(payload);
    let mut w = conn;
    w.write_all(&msg)
}

/// Read the message after a `R` or `E` tag.
pub fn read_message(conn: &UnixStream) -> String {
    let mut r = conn;
    let mut len = [0u8; 4];
    if r.read_exact(&mut len).is_err() {
        return String::new();
    }
    let mut buf = vec![0u8; (u32::from_le_bytes(len) as usize).min(64 << 10)];
    let _ = r.read_exact(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_request_round_trips_with_its_descriptors() {
        let (a, b) = UnixStream::pair().unwrap();
        let null = std::fs::File::open("/dev/null").unwrap();
        let fd = null.as_raw_fd();
        let argv = vec![OsString::from("echo"), OsString::from("a b")];
        let env = vec![(OsString::from("PATH"), OsString::from("/usr/bin"))];
        send_request(&a, Kind::Run, b"key", std::path::Path::new("/w"), &argv, &env, &[fd, fd, fd]).unwrap();
        let r = read_request(&b).unwrap();
        assert_eq!(r.kind, Kind::Run);
        assert_eq!(r.key, b"key");
        assert_eq!(r.cwd, PathBuf::from("/w"));
        assert_eq!(r.argv, argv);
        assert_eq!(r.env, env);
        assert_eq!(r.fds.len(), 3);
    }

    #[test]
    fn a_truncated_or_foreign_request_is_refused() {
        let (a, b) = UnixStream::pair().unwrap();
        (&a).write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        assert!(read_request(&b).is_err());
        let (a, b) = UnixStream::pair().unwrap();
        let mut h = MAGIC.to_vec();
        h.extend_from_slice(&100u32.to_le_bytes());
        h.extend_from_slice(&[3, 0, 0, 0, b'r']);
        (&a).write_all(&h).unwrap();
        drop(a);
        assert!(read_request(&b).is_err());
    }
}
