//! The kernel attack surface: other processes (visibility, signals, ptrace), namespaces, setuid,
//! TIOCSTI, mount, raw and netlink sockets, seccomp arguments with high bits set, and descriptors
//! inherited from the caller.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::fixture::{run_with_timeout, Fx, HostProcess};
use crate::{PY, RAN, TIMEOUT};

#[test]
fn host_process_is_invisible_and_cannot_be_signalled() {
    require_sandbox!();
    let fx = Fx::new();
    let arg = format!("86{}.5", std::process::id() % 10000);
    let mut host = HostProcess::sleeper(&arg, &[]);
    let pid = host.pid();
    let out = fx.sh(
        &[],
        &format!(
            "kill -0 {pid} && echo SEES-HOST-\"PID\"; kill -STOP {pid}; kill -TERM {pid}; kill -KILL {pid}; \
             kill -TERM -1; ps -eo pid,args; cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; true"
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("SEES-HOST-PID"), "{out}");
    assert!(!out.stdout.contains(&arg), "the host process is visible inside:\n{out}");
    assert!(host.alive(), "the host process was killed from inside:\n{out}");
    assert!(!host.status_field("State:").starts_with('T'), "the host process was stopped:\n{out}");
}

const PTRACE: &str = r#"
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206
def attempt(label, req, pid):
    r = libc.ptrace(req, pid, None, None)
    print(label, 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
attempt('host-attach', PTRACE_ATTACH, HOST_PID)
attempt('host-seize', PTRACE_SEIZE, HOST_PID)
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
attempt('child-attach', PTRACE_ATTACH, child)
os.kill(child, 9)
os.waitpid(child, 0)
attempt('traceme', PTRACE_TRACEME, 0)
"#;

#[test]
fn ptrace_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let host = HostProcess::sleeper("300", &[]);
    let out = fx.py(&[], &PTRACE.replace("HOST_PID", &host.pid().to_string()));
    fx.assert_ran_clean(&out);
    for label in ["host-attach", "host-seize", "child-attach", "traceme"] {
        assert!(out.stdout.contains(&format!("{label} denied")), "{label} not denied:\n{out}");
    }
    // seccomp answers EPERM even for the sandbox's own child (no namespace rule forbids that one).
    assert!(out.stdout.contains("child-attach denied 1\n"), "ptrace not refused by seccomp:\n{out}");
    assert_eq!(host.status_field("TracerPid:"), "0", "the host process is being traced:\n{out}");
}

const UNSHARE: &str = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for name, flag in [('user', 0x10000000), ('mount', 0x20000), ('net', 0x40000000), ('pid', 0x20000000),
                   ('uts', 0x04000000), ('ipc', 0x08000000), ('cgroup', 0x02000000), ('time', 0x80)]:
    r = libc.unshare(flag)
    print('unshare', name, 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
"#;

#[test]
fn user_namespace_creation_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.sh(
        &[],
        &format!(
            "unshare -U true && echo UNSHARE-\"OK\"; unshare -Ur true && echo UNSHARE-\"OK\"; \
             unshare -Urm true && echo UNSHARE-\"OK\"; unshare -n true && echo UNSHARE-\"OK\"; \
             {PY} {}; true",
            fx.script("unshare_probe.py", UNSHARE)
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("UNSHARE-OK"), "{out}");
    assert!(out.stdout.contains("unshare user denied"), "{out}");
    assert!(!out.stdout.lines().any(|l| l.starts_with("unshare ") && l.contains(" ok ")), "{out}");
}

#[test]
fn setuid_binary_does_not_elevate() {
    require_sandbox!();
    let fx = Fx::new();
    let bin = fx.ws.join("suid-id");
    fs::copy("/usr/bin/id", &bin).unwrap();
    let chown = Command::new("chown").arg("1234:1234").arg(&bin).output().unwrap();
    if !chown.status.success() {
        eprintln!("SKIP: setuid binary (chown to another user needs root on the host: {})", String::from_utf8_lossy(&chown.stderr).trim());
        return;
    }
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o6755)).unwrap();
    assert_eq!(fs::metadata(&bin).unwrap().permissions().mode() & 0o7777, 0o6755);
    let out = fx.sh(&[], "./suid-id -u; ./suid-id -g; ./suid-id; true");
    fx.assert_ran_clean(&out);
    let ids: Vec<&str> = out.stdout.lines().filter(|l| !l.contains(RAN)).collect();
    assert!(!ids.is_empty(), "the setuid copy did not run:\n{out}");
    assert!(!ids.iter().any(|l| l.trim() == "1234" || l.contains("euid=1234") || l.contains("egid=1234")), "setuid took effect:\n{out}");
}

/// A new session whose controlling terminal is a pty the sandboxed process opened: without the
/// seccomp rule the kernel would accept TIOCSTI here (it is the caller's own terminal).
const TIOCSTI_INSIDE: &str = r#"
import fcntl, os, sys, termios, tty
m, s = os.openpty()
tty.setraw(s)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    try:
        fcntl.ioctl(s, termios.TIOCSTI, b'x')
        print('pty TIOCSTI ok', flush=True)
    except OSError as e:
        print('pty TIOCSTI denied', e.errno, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
os.set_blocking(m, False)
"#;

const TIOCSTI_STDIN: &str = r#"
import fcntl, os, termios
print('stdin isatty', os.isatty(0), flush=True)
try:
    fcntl.ioctl(0, termios.TIOCSTI, b'x')
    print('tty TIOCSTI ok', flush=True)
except OSError as e:
    print('tty TIOCSTI denied', e.errno, flush=True)
"#;

/// Runs argv with a fresh pty as its controlling terminal and stdin (raw mode); prints the
/// child's stdout, then `HOST-TTY-INPUT <bytes>` with anything that was pushed into the
/// terminal's input queue, then `EXIT <code>`.
const PTY_HARNESS: &str = r#"
import fcntl, json, os, subprocess, sys, termios, tty
m, s = os.openpty()
tty.setraw(s)
def ctty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(sys.argv[1:], stdin=s, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=ctty)
out, err = p.communicate(timeout=50)
sys.stdout.write(out.decode(errors='replace'))
sys.stderr.write(err.decode(errors='replace'))
os.set_blocking(s, False)
try:
    pending = os.read(s, 1024)
except BlockingIOError:
    pending = b''
print('HOST-TTY-INPUT', repr(pending))
print('EXIT', p.returncode)
"#;

#[test]
fn tiocsti_injection_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    // On a terminal the sandboxed process opens itself.
    let out = fx.py(&[], TIOCSTI_INSIDE);
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("pty TIOCSTI denied 1\n"), "TIOCSTI not refused with EPERM:\n{out}");

    // On the user's terminal, inherited as stdin: nothing may be typed into it.
    let inner = fx.command(&[], &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{TIOCSTI_STDIN}")]);
    let mut harness = Command::new(PY);
    harness.arg("-c").arg(PTY_HARNESS).arg(inner.get_program()).args(inner.get_args()).current_dir(&fx.ws);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => harness.env(k, v),
            None => harness.env_remove(k),
        };
    }
    let out = run_with_timeout(harness, None, TIMEOUT);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("tty TIOCSTI ok"), "TIOCSTI on the inherited terminal succeeded:\n{out}");
    assert!(out.stdout.contains("HOST-TTY-INPUT b''"), "input was pushed into the host terminal:\n{out}");
}

const MOUNT: &str = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.mount(b'none', b'/mnt', b'tmpfs', 0, None)
print('mount', 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
r = libc.umount2(b'/proc', 2)
print('umount', 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
"#;

#[test]
fn mount_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.sh(
        &[],
        &format!(
            "mount -t tmpfs none /mnt && echo MOUNT-\"OK\"; mount --bind / \"$PWD/rootview\" && echo MOUNT-\"OK\"; \
             mount -o remount,rw / && echo MOUNT-\"OK\"; umount -l /proc && echo MOUNT-\"OK\"; {PY} {}; true",
            fx.script("mount_probe.py", MOUNT)
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("MOUNT-OK"), "{out}");
    assert!(out.stdout.contains("mount denied 1\n") && out.stdout.contains("umount denied 1\n"), "{out}");
}

#[test]
fn raw_and_netlink_sockets_are_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.py(
        &[],
        "import socket\nfor name, fam, typ, proto in [('raw', socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), ('packet', socket.AF_PACKET, socket.SOCK_RAW, 0), ('netlink', socket.AF_NETLINK, socket.SOCK_RAW, 0)]:\n    try:\n        socket.socket(fam, typ, proto)\n        print(name, 'ok', flush=True)\n    except OSError as e:\n        print(name, 'denied', e.errno, flush=True)\n",
    );
    fx.assert_ran_clean(&out);
    for name in ["raw", "packet", "netlink"] {
        assert!(out.stdout.contains(&format!("{name} denied")), "{name} socket created:\n{out}");
    }
}

// seccomp argument truncation: the kernel reads ioctl's `cmd` and socket's `family` as 32-bit
// values, so a filter that compares the whole 64-bit register is bypassed by setting high bits.

const HIGH_BITS: &str = r#"
import ctypes, fcntl, os, termios, tty
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_ioctl, SYS_socket = 16, 41
m, s = os.openpty()
tty.setraw(s)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    ch = ctypes.c_char(b'x')
    r = libc.syscall(ctypes.c_long(SYS_ioctl), ctypes.c_long(s), ctypes.c_ulong((1 << 32) | termios.TIOCSTI), ctypes.byref(ch))
    print('ioctl-high-bits', 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
os.set_blocking(m, False)
try:
    print('master-read', os.read(m, 16), flush=True)
except BlockingIOError:
    print('master-read nothing', flush=True)
for name, fam, typ in [('netlink', 16, 3), ('packet', 17, 3), ('raw', 2, 3)]:
    r = libc.syscall(ctypes.c_long(SYS_socket), ctypes.c_ulong((1 << 32) | fam), ctypes.c_long(typ), ctypes.c_long(0))
    print('socket-high-bits', name, 'ok' if r >= 0 else 'denied', ctypes.get_errno(), flush=True)
"#;

#[test]
fn seccomp_arguments_with_high_bits_set_are_still_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.run(&[], &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{HIGH_BITS}")]);
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("ioctl-high-bits denied"), "TIOCSTI with high bits in cmd went through:\n{out}");
    for name in ["netlink", "packet", "raw"] {
        assert!(out.stdout.contains(&format!("socket-high-bits {name} denied")), "{name} socket with high bits in family:\n{out}");
    }
}

/// Runs argv with the file at `path` open on descriptor 5 (inheritable), as a careless agent
/// process might leave it.
const FD_HARNESS: &str = r#"
import os, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.dup2(fd, 5, inheritable=True)
p = subprocess.run(sys.argv[2:], pass_fds=(5,), capture_output=True)
sys.stdout.write(p.stdout.decode(errors='replace'))
sys.stderr.write(p.stderr.decode(errors='replace'))
sys.exit(p.returncode)
"#;

#[test]
fn inherited_file_descriptors_are_closed() {
    require_sandbox!();
    let fx = Fx::new();
    let inner = fx.command(
        &[],
        &["sh", "-c", &format!("echo {RAN}; ls -l /proc/self/fd; cat <&5; cat /proc/self/fd/5; head -c 400 /proc/1/fd/5; true")],
    );
    let mut harness = Command::new(PY);
    harness.arg("-c").arg(FD_HARNESS).arg(fx.home.join(".ssh/id_ed25519")).arg(inner.get_program()).args(inner.get_args());
    harness.current_dir(&fx.ws);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => harness.env(k, v),
            None => harness.env_remove(k),
        };
    }
    let out = run_with_timeout(harness, None, TIMEOUT);
    fx.assert_ran_clean(&out);
}
