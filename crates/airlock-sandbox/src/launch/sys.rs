//! The launcher's raw system calls: each `unsafe` block is one call with its result checked.
//! Everything else goes through `nix`'s safe wrappers.

use crate::SandboxError;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn last_err(what: &str) -> SandboxError {
    SandboxError::sys(what, std::io::Error::last_os_error())
}

fn cpath(p: &Path) -> Result<CString, SandboxError> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| SandboxError::Invalid(format!("NUL in path {}", p.display())))
}

/// `clone(flags | SIGCHLD)` without a new stack: like `fork`, but the child starts in the new
/// namespaces. Returns 0 in the child, the child's pid in the parent.
///
/// The caller must be single-threaded (the child is a copy of this one thread and runs Rust
/// code afterwards); [`assert_single_threaded`] checks it.
pub fn clone_into_namespaces(flags: libc::c_int) -> Result<libc::pid_t, std::io::Error> {
    let all = (flags | libc::SIGCHLD) as libc::c_ulong;
    // SAFETY: the raw clone syscall with a null stack behaves like fork; the process is
    // single-threaded (checked by the caller), so the child's copy of memory is consistent.
    #[allow(unsafe_code)]
    let r = unsafe { libc::syscall(libc::SYS_clone, all, 0usize, 0usize, 0usize, 0usize) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(r as libc::pid_t)
}

/// Whether this process has exactly one thread (from `/proc/self/stat`'s thread count).
pub fn assert_single_threaded() -> Result<(), SandboxError> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| SandboxError::sys("read /proc/self/stat", e))?;
    // Field 20 counts threads; the command name (field 2) may hold spaces, so count from ')'.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let threads = after.split_whitespace().nth(17).and_then(|t| t.parse::<u32>().ok()).unwrap_or(0);
    if threads == 1 {
        Ok(())
    } else {
        Err(SandboxError::Invalid(format!("the launcher must be single-threaded ({threads} threads)")))
    }
}

/// Set mount attributes on `path` and every mount below it.
pub fn mount_setattr(path: &Path, set: u64, recursive: bool) -> Result<(), SandboxError> {
    let c = cpath(path)?;
    let attr = libc::mount_attr { attr_set: set, attr_clr: 0, propagation: 0, userns_fd: 0 };
    let flags = if recursive { libc::AT_RECURSIVE as libc::c_uint } else { 0 };
    // SAFETY: valid NUL-terminated path and a mount_attr of the size passed.
    #[allow(unsafe_code)]
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            c.as_ptr(),
            flags,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    if r < 0 {
        return Err(SandboxError::sys(format!("mount_setattr {}", path.display()), std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Bring the loopback interface of the current network namespace up.
pub fn loopback_up() -> Result<(), SandboxError> {
    use std::os::fd::AsRawFd;
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").map_err(|e| SandboxError::sys("socket for lo", e))?;
    let mut req: libc::ifreq = ifreq_lo();
    // SAFETY: SIOCGIFFLAGS reads into the ifreq we own.
    #[allow(unsafe_code)]
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req as *mut libc::ifreq) };
    if r < 0 {
        return Err(last_err("SIOCGIFFLAGS lo"));
    }
    // SAFETY: the union field written by SIOCGIFFLAGS is ifru_flags.
    #[allow(unsafe_code)]
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    // SAFETY: SIOCSIFFLAGS reads the ifreq we own.
    #[allow(unsafe_code)]
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req as *const libc::ifreq) };
    if r < 0 {
        return Err(last_err("SIOCSIFFLAGS lo"));
    }
    Ok(())
}

fn ifreq_lo() -> libc::ifreq {
    let mut name = [0 as libc::c_char; libc::IFNAMSIZ];
    for (d, s) in name.iter_mut().zip(b"lo") {
        *d = *s as libc::c_char;
    }
    libc::ifreq { ifr_name: name, ifr_ifru: libc::__c_anonymous_ifr_ifru { ifru_flags: 0 } }
}

/// Root inside the user namespace gains no capabilities by `execve` (and cannot undo that).
pub fn lock_no_root_caps() -> Result<(), SandboxError> {
    let bits = libc::SECBIT_NOROOT
        | libc::SECBIT_NOROOT_LOCKED
        | libc::SECBIT_NO_SETUID_FIXUP
        | libc::SECBIT_NO_SETUID_FIXUP_LOCKED
        | libc::SECBIT_KEEP_CAPS_LOCKED;
    // SAFETY: prctl with integer arguments only.
    #[allow(unsafe_code)]
    let cur = unsafe { libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0) };
    if cur >= 0 && cur & bits == bits {
        return Ok(()); // already locked (a sandbox inside a sandbox)
    }
    // SAFETY: prctl with integer arguments only.
    #[allow(unsafe_code)]
    let r = unsafe { libc::prctl(libc::PR_SET_SECUREBITS, bits as libc::c_ulong, 0, 0, 0) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        // EPERM: no CAP_SETPCAP, so not root-with-capabilities; no_new_privs still applies.
        if e.raw_os_error() == Some(libc::EPERM) && !nix::unistd::geteuid().is_root() {
            return Ok(());
        }
        return Err(SandboxError::sys("PR_SET_SECUREBITS", e));
    }
    Ok(())
}

/// Wait for one of the blocked signals in `set`; returns (signal, si_code).
pub fn sigwaitinfo(set: &nix::sys::signal::SigSet) -> Result<(i32, i32), SandboxError> {
    loop {
        // SAFETY: siginfo_t is plain data; zeroed is a valid value to be overwritten.
        #[allow(unsafe_code)]
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid sigset and a siginfo_t we own.
        #[allow(unsafe_code)]
        let r = unsafe { libc::sigwaitinfo(set.as_ref(), &mut info) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(SandboxError::sys("sigwaitinfo", e));
        }
        return Ok((r, info.si_code));
    }
}

/// Drop every capability from the bounding set (so nothing can be regained later).
pub fn drop_bounding_set() -> Result<(), SandboxError> {
    for cap in 0..=63 {
        // SAFETY: prctl with integer arguments only.
        #[allow(unsafe_code)]
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINVAL) => break, // past the last capability this kernel knows
                // Without CAP_SETPCAP there is nothing privileged to drop: an unprivileged
                // process (the Landlock-only rung) gains no capabilities by execve anyway.
                Some(libc::EPERM) => break,
                _ => return Err(SandboxError::sys("PR_CAPBSET_DROP", e)),
            }
        }
    }
    // SAFETY: prctl with integer arguments only.
    #[allow(unsafe_code)]
    let r = unsafe { libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong, 0, 0, 0) };
    if r < 0 {
        return Err(last_err("PR_CAP_AMBIENT_CLEAR_ALL"));
    }
    Ok(())
}

/// `fork()`. The caller's other threads (if any) are blocked in system calls that hold no
/// locks the child needs; the child only makes system calls and execs.
pub fn fork() -> Result<nix::unistd::ForkResult, SandboxError> {
    // SAFETY: see above; glibc's fork also resets malloc's locks in the child.
    #[allow(unsafe_code)]
    let r = unsafe { nix::unistd::fork() };
    r.map_err(|e| SandboxError::sys("fork", e))
}

/// End this (forked) process at once, without running exit handlers or flushing buffers that
/// belong to the parent's copy.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit takes an integer and does not return.
    #[allow(unsafe_code)]
    unsafe {
        libc::_exit(code)
    }
}

/// Mark every descriptor from 3 up close-on-exec, so that nothing the caller left open (a
/// key file, a socket to an agent) reaches the command. Falls back to walking `/proc/self/fd`
/// on kernels without `close_range` (before 5.11).
pub fn cloexec_from_3() -> Result<(), SandboxError> {
    // SAFETY: close_range with integer arguments only; CLOSE_RANGE_CLOEXEC closes nothing now.
    #[allow(unsafe_code)]
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
    if r == 0 {
        return Ok(());
    }
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map_err(|e| SandboxError::sys("list /proc/self/fd", e))?
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: fcntl on an integer descriptor; a stale one (the directory's own) gives EBADF.
        #[allow(unsafe_code)]
        let r = unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EBADF) {
            return Err(last_err("F_SETFD"));
        }
    }
    Ok(())
}
