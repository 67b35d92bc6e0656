//! Landlock and seccomp against the running kernel.
//!
//! Both layers are irreversible, so each test re-executes this binary (`--exact <test>`, with
//! `AIRLOCK_LAYERS_CHILD=<test>`): the child applies the layer, tries what it must no longer be
//! able to do, and prints one `RESULT <what> <ok|ERRNO>` line for each; the parent asserts.
//! Syscalls with no safe wrapper (the crate forbids `unsafe`) are made by `perl`'s `syscall`,
//! started by the filtered child: that also shows the filter surviving `execve`. The same script
//! run unfiltered by the parent is the control: an item whose control already fails the same way
//! is skipped, visibly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::fmt::Display;
use std::io::{self, Write as _};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

use airlock_sandbox::landlock::{self, FsAccess, FsRule, LandlockPlan};
use airlock_sandbox::seccomp;
use nix::errno::Errno;

const ROLE: &str = "AIRLOCK_LAYERS_CHILD";

fn is_child(test: &str) -> bool {
    std::env::var(ROLE).as_deref() == Ok(test)
}

fn say(key: &str, value: impl Display) {
    println!("RESULT {key} {value}");
    let _ = io::stdout().flush();
}

fn errno_name(n: i32) -> String {
    format!("{:?}", Errno::from_raw(n))
}

fn nix_result<T>(r: nix::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => format!("{e:?}"),
    }
}

fn io_result<T>(r: io::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.raw_os_error().map_or_else(|| format!("error:{e}"), errno_name),
    }
}

/// `RESULT` lines of a run: key → outcome.
struct Results {
    map: HashMap<String, String>,
    stdout: String,
}

impl Results {
    fn parse(stdout: String) -> Results {
        let map = stdout
            .lines()
            // libtest prints "test <name> ... " without a newline before the child's output.
            .filter_map(|l| l.find("RESULT ").map(|i| &l[i + "RESULT ".len()..]))
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Results { map, stdout }
    }

    fn get(&self, key: &str) -> &str {
        self.map.get(key).map_or("<missing>", String::as_str)
    }

    /// Asserts every `(key, want)`, reporting all mismatches at once.
    fn expect(&self, wants: &[(&str, &str)]) {
        let bad: Vec<String> = wants
            .iter()
            .filter(|(k, want)| self.get(k) != *want)
            .map(|(k, want)| format!("{k}: want {want}, got {}", self.get(k)))
            .collect();
        assert!(bad.is_empty(), "{}\n--- child output:\n{}", bad.join("\n"), self.stdout);
    }
}

/// Runs this test again in a child process with `env`, and collects what it reports.
fn run_child(test: &str, env: &[(&str, String)]) -> Results {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"]).env(ROLE, test);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in stdout.lines().filter(|l| l.contains("RESULT ") || l.starts_with("note:") || l.starts_with("SKIP:")) {
        println!("[{test}] {line}");
    }
    assert!(
        out.status.success(),
        "child {test} failed: {}\n--- stdout:\n{stdout}\n--- stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Results::parse(stdout)
}

fn skip(reason: &str) {
    println!("SKIP: {reason}");
}

// ---------------------------------------------------------------------------------------------
// seccomp

#[test]
fn seccomp_program_builds() {
    if !matches!(std::env::consts::ARCH, "x86_64" | "aarch64") {
        assert!(matches!(seccomp::program(), Err(airlock_sandbox::SandboxError::Unsupported(_))));
        return;
    }
    let program = seccomp::program().unwrap();
    assert!(!program.is_empty() && program.len() < 4096, "{} instructions", program.len());
    // Starts by loading the architecture (offset 4 of seccomp_data).
    assert_eq!((program[0].code, program[0].k), (0x20, 4));
}

#[test]
fn seccomp_in_process() {
    const ME: &str = "seccomp_in_process";
    if is_child(ME) {
        return seccomp_in_process_child();
    }
    if seccomp::program().is_err() {
        return skip("no seccomp filter for this architecture");
    }
    let r = run_child(ME, &[]);
    r.expect(&[
        ("install", "ok"),
        ("no_new_privs", "1"),
        ("unshare_newuser", "EPERM"),
        ("unshare_newns", "EPERM"),
        ("mount", "EPERM"),
        ("socket_netlink_raw", "EPERM"),
        ("socket_netlink_dgram", "EPERM"),
        ("socket_packet", "EPERM"),
        ("socket_inet_raw_cloexec", "EPERM"),
        ("socket_inet6_raw_nonblock", "EPERM"),
        ("socket_inet_stream", "ok"),
        ("socket_inet_dgram", "ok"),
        ("socketpair_unix", "ok"),
        ("thread_spawn", "ok"),
        ("exec_true", "ok"),
    ]);
}

fn seccomp_in_process_child() {
    use nix::sys::socket::{socket, socketpair, AddressFamily, SockFlag, SockProtocol, SockType};
    say(
        "install",
        match seccomp::install() {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("error:{e}"),
        },
    );
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    let nnp = status.lines().find_map(|l| l.strip_prefix("NoNewPrivs:")).map(str::trim);
    say("no_new_privs", nnp.unwrap_or("<none>"));
    say("unshare_newuser", nix_result(nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER)));
    say("unshare_newns", nix_result(nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)));
    // Unfiltered, as root, this fails with ENOENT and mounts nothing.
    let mount = nix::mount::mount(
        Some("none"),
        "/nonexistent-airlock-layers-target",
        Some("tmpfs"),
        nix::mount::MsFlags::empty(),
        None::<&str>,
    );
    say("mount", nix_result(mount));
    let netlink_raw = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkRoute);
    say("socket_netlink_raw", nix_result(netlink_raw));
    let netlink_dgram =
        socket(AddressFamily::Netlink, SockType::Datagram, SockFlag::empty(), SockProtocol::NetlinkRoute);
    say("socket_netlink_dgram", nix_result(netlink_dgram));
    say("socket_packet", nix_result(socket(AddressFamily::Packet, SockType::Datagram, SockFlag::empty(), None)));
    let raw = socket(AddressFamily::Inet, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::Icmp);
    say("socket_inet_raw_cloexec", nix_result(raw));
    let raw6 = socket(AddressFamily::Inet6, SockType::Raw, SockFlag::SOCK_NONBLOCK, SockProtocol::IcmpV6);
    say("socket_inet6_raw_nonblock", nix_result(raw6));
    say("socket_inet_stream", nix_result(socket(AddressFamily::Inet, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)));
    say("socket_inet_dgram", nix_result(socket(AddressFamily::Inet, SockType::Datagram, SockFlag::empty(), None)));
    let pair = socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC);
    say("socketpair_unix", nix_result(pair));
    // glibc starts threads with clone3 (ENOSYS here), then falls back to clone.
    let thread = std::thread::spawn(|| 7).join();
    say("thread_spawn", if thread.ok() == Some(7) { "ok" } else { "failed" });
    // posix_spawn: clone3, then clone(CLONE_VM | CLONE_VFORK), then execve.
    let status = Command::new("/bin/true").status();
    say("exec_true", io_result(status.and_then(|s| if s.success() { Ok(()) } else { Err(io::Error::other("exit")) })));
}

/// The raw syscalls, run by perl: `(key, perl statement setting $r)`.
fn perl_script(pty_fd: i32) -> String {
    let newns = libc::CLONE_NEWNS | libc::SIGCHLD;
    let mut items = vec![
        ("clone_newns", format!("$r = syscall({}, {newns}, 0, 0, 0, 0); reap($r);", libc::SYS_clone)),
        (
            "clone_newnet",
            format!("$r = syscall({}, {}, 0, 0, 0, 0); reap($r);", libc::SYS_clone, libc::CLONE_NEWNET | libc::SIGCHLD),
        ),
        ("clone_plain", format!("$r = syscall({}, {}, 0, 0, 0, 0); reap($r);", libc::SYS_clone, libc::SIGCHLD)),
        ("perl_fork", "$r = fork(); reap($r);".to_string()),
        ("clone3", format!("$r = syscall({}, 0, 0);", libc::SYS_clone3)),
        ("io_uring_setup", format!("$r = syscall({}, 1, 0);", libc::SYS_io_uring_setup)),
        // KEYCTL_GET_KEYRING_ID of KEY_SPEC_SESSION_KEYRING, without creating it.
        ("keyctl", format!("$r = syscall({}, 0, -3, 0);", libc::SYS_keyctl)),
        ("add_key", format!("$r = syscall({}, 0, 0, 0, 0, 0);", libc::SYS_add_key)),
        // BPF_MAP_CREATE with no attributes.
        ("bpf", format!("$r = syscall({}, 0, 0, 0);", libc::SYS_bpf)),
        ("tiocsti", format!("my $c = 'x'; $r = syscall({}, {pty_fd}, {}, $c);", libc::SYS_ioctl, libc::TIOCSTI)),
        // The kernel reads the request as 32 bits: this is TIOCSTI too.
        (
            "tiocsti_hi",
            format!(
                "my $c = 'y'; $r = syscall({}, {pty_fd}, {}, $c);",
                libc::SYS_ioctl,
                (1u64 << 32) | u64::from(libc::TIOCSTI as u32)
            ),
        ),
        ("tcgets", format!("my $t = \"\\0\" x 64; $r = syscall({}, {pty_fd}, {}, $t);", libc::SYS_ioctl, libc::TCGETS)),
        ("perf_event_open", format!("$r = syscall({}, 0, 0, -1, -1, 0);", libc::SYS_perf_event_open)),
        ("open_by_handle_at", format!("$r = syscall({}, -100, 0, 0);", libc::SYS_open_by_handle_at)),
        ("getpid", format!("$r = syscall({});", libc::SYS_getpid)),
        ("personality_query", format!("$r = syscall({}, 0xffffffff);", libc::SYS_personality)),
        ("personality_linux", format!("$r = syscall({}, 0);", libc::SYS_personality)),
        ("personality_no_aslr", format!("$r = syscall({}, 0x0040000);", libc::SYS_personality)),
    ];
    if cfg!(target_arch = "x86_64") {
        // getpid through the x32 table (__X32_SYSCALL_BIT | 39).
        items.push(("x32_getpid", "$r = syscall(0x40000027);".to_string()));
    }
    // Last: once traced, a signal would stop perl with no debugger to resume it.
    items.push(("ptrace_traceme", format!("$r = syscall({}, 0, 0, 0, 0);", libc::SYS_ptrace)));
    let mut s = String::from(
        "use strict; use warnings; use POSIX ();\n$| = 1;\n\
         sub reap { my ($p) = @_; if (defined $p && $p == 0) { POSIX::_exit(0) } if (defined $p && $p > 0) { waitpid($p, 0) } }\n",
    );
    for (key, stmt) in items {
        s.push_str(&format!(
            "{{ my $r; $! = 0; {stmt} if (!defined $r || $r == -1) {{ printf \"RESULT {key} errno=%d\\n\", $!+0 }} else {{ print \"RESULT {key} ok\\n\" }} }}\n"
        ));
    }
    s
}

/// Runs the perl script with a fresh pty's slave as `pty_fd`; `RESULT` lines with errno names.
fn run_perl(pty_slave: &std::os::fd::OwnedFd) -> io::Result<Results> {
    let fd = pty_slave.as_raw_fd();
    // Inherited by perl across exec.
    nix::fcntl::fcntl(pty_slave, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()))?;
    let out = Command::new("perl").arg("-e").arg(perl_script(fd)).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).replace("errno=", "\u{0}");
    // errno=N → its name.
    let named: String = stdout
        .lines()
        .map(|l| match l.split_once('\u{0}') {
            Some((head, n)) => format!("{head}{}\n", n.trim().parse().map_or_else(|_| n.to_string(), errno_name)),
            None => format!("{l}\n"),
        })
        .collect();
    if !out.status.success() {
        return Err(io::Error::other(format!("perl: {}: {}", out.status, String::from_utf8_lossy(&out.stderr))));
    }
    Ok(Results::parse(named))
}

#[test]
fn seccomp_raw_syscalls() {
    const ME: &str = "seccomp_raw_syscalls";
    if is_child(ME) {
        let pty = nix::pty::openpty(None, None).unwrap();
        say("install", io_result(seccomp::install().map_err(io::Error::other)));
        match run_perl(&pty.slave) {
            Ok(r) => {
                for (k, v) in &r.map {
                    say(k, v);
                }
            }
            Err(e) => say("perl", format!("error:{}", e.to_string().replace(['\n', ' '], "_"))),
        }
        return;
    }
    if seccomp::program().is_err() {
        return skip("no seccomp filter for this architecture");
    }
    let pty = nix::pty::openpty(None, None).unwrap();
    let control = match run_perl(&pty.slave) {
        Ok(r) => r,
        Err(e) => return skip(&format!("cannot run perl for the raw syscalls: {e}")),
    };
    let r = run_child(ME, &[]);
    assert_eq!(r.get("install"), "ok", "{}", r.stdout);
    let mut wants = vec![
        ("clone_newns", "EPERM"),
        ("clone_newnet", "EPERM"),
        ("clone_plain", "ok"),
        ("perl_fork", "ok"),
        ("clone3", "ENOSYS"),
        ("io_uring_setup", "EPERM"),
        ("keyctl", "EPERM"),
        ("add_key", "EPERM"),
        ("bpf", "EPERM"),
        ("tiocsti", "EPERM"),
        ("tiocsti_hi", "EPERM"),
        ("tcgets", "ok"),
        ("perf_event_open", "EPERM"),
        ("open_by_handle_at", "EPERM"),
        ("getpid", "ok"),
        ("personality_query", "ok"),
        ("personality_linux", "ok"),
        ("personality_no_aslr", "EPERM"),
        ("ptrace_traceme", "EPERM"),
    ];
    if cfg!(target_arch = "x86_64") {
        wants.push(("x32_getpid", "ENOSYS"));
    }
    // A denial the kernel would give anyway proves nothing about the filter.
    wants.retain(|(k, want)| {
        let same = *want != "ok" && control.get(k) == *want;
        if same {
            skip(&format!("{k}: already {want} without the filter"));
        }
        !same
    });
    r.expect(&wants);
}

// ---------------------------------------------------------------------------------------------
// Landlock

/// `/usr`, `/bin`, `/etc` and every `/lib*`, read-only.
fn system_rules() -> Vec<FsRule> {
    let mut paths: Vec<PathBuf> = ["/usr", "/bin", "/etc"].iter().map(PathBuf::from).collect();
    if let Ok(root) = std::fs::read_dir("/") {
        paths.extend(
            root.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("lib"))
                .map(|e| e.path()),
        );
    }
    paths.into_iter().map(|path| FsRule { path, access: FsAccess::ReadOnly }).collect()
}

fn landlock_needs(abi: u32, what: &str) -> bool {
    let have = landlock::abi_version();
    if have < abi {
        skip(&format!("{what} needs Landlock ABI {abi}, the kernel has {have}"));
        return false;
    }
    true
}

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap())
}

#[test]
fn landlock_files() {
    const ME: &str = "landlock_files";
    if is_child(ME) {
        return landlock_files_child(&env_path("LAYERS_A"), &env_path("LAYERS_B"));
    }
    if !landlock_needs(1, "the Landlock file test") {
        return;
    }
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    std::fs::write(b.path().join("secret"), "s").unwrap();
    std::fs::write(b.path().join("allowed"), "a").unwrap();
    std::fs::write(a.path().join("old"), "o").unwrap();
    let env = [("LAYERS_A", a.path().display().to_string()), ("LAYERS_B", b.path().display().to_string())];
    let r = run_child(ME, &env);
    let mut wants = vec![
        ("restrict", "ok"),
        ("missing_noted", "true"),
        ("write_a", "ok"),
        ("mkdir_a", "ok"),
        ("rename_in_a", "ok"),
        ("remove_in_a", "ok"),
        ("write_b", "EACCES"),
        ("read_b_secret", "EACCES"),
        ("list_b", "EACCES"),
        ("read_b_allowed_file_rule", "ok"),
        ("write_b_allowed_file_rule", "EACCES"),
        ("read_etc_passwd", "ok"),
        ("write_etc", "EACCES"),
        ("read_proc_self_status", "EACCES"),
        ("write_dev_null", "ok"),
        ("exec_true", "ok"),
    ];
    if landlock::abi_version() >= 5 {
        wants.push(("fully_enforced", "true"));
    }
    r.expect(&wants);
    assert!(b.path().join("new").metadata().is_err());
}

fn landlock_files_child(a: &Path, b: &Path) {
    let mut fs = system_rules();
    fs.push(FsRule { path: a.to_path_buf(), access: FsAccess::ReadWrite });
    fs.push(FsRule { path: b.join("allowed"), access: FsAccess::ReadOnly });
    fs.push(FsRule { path: "/dev/null".into(), access: FsAccess::Device });
    fs.push(FsRule { path: "/nonexistent-airlock-layers".into(), access: FsAccess::ReadOnly });
    let plan = LandlockPlan { fs, tcp_connect: None, scope: false };
    match landlock::restrict_self(&plan) {
        Ok(out) => {
            say("restrict", "ok");
            say("abi", out.abi);
            say("fully_enforced", out.fully_enforced);
            say("missing_noted", out.notes.iter().any(|n| n.contains("/nonexistent-airlock-layers")));
            for note in &out.notes {
                println!("note: {note}");
            }
        }
        Err(e) => return say("restrict", format!("error:{e}")),
    }
    say("write_a", io_result(std::fs::write(a.join("new"), "n")));
    say("mkdir_a", io_result(std::fs::create_dir(a.join("sub"))));
    say("rename_in_a", io_result(std::fs::rename(a.join("old"), a.join("sub/old"))));
    say("remove_in_a", io_result(std::fs::remove_file(a.join("sub/old"))));
    say("write_b", io_result(std::fs::write(b.join("new"), "n")));
    say("read_b_secret", io_result(std::fs::read(b.join("secret"))));
    say("list_b", io_result(std::fs::read_dir(b)));
    say("read_b_allowed_file_rule", io_result(std::fs::read(b.join("allowed"))));
    let open_rw = std::fs::OpenOptions::new().append(true).open(b.join("allowed"));
    say("write_b_allowed_file_rule", io_result(open_rw));
    say("read_etc_passwd", io_result(std::fs::read("/etc/passwd")));
    say("write_etc", io_result(std::fs::write("/etc/airlock-layers-test", "x")));
    say("read_proc_self_status", io_result(std::fs::read("/proc/self/status")));
    let dev_null = std::fs::OpenOptions::new().write(true).open("/dev/null").and_then(|mut f| f.write_all(b"x"));
    say("write_dev_null", io_result(dev_null));
    let status = Command::new("/bin/true").status();
    say("exec_true", io_result(status.and_then(|s| if s.success() { Ok(()) } else { Err(io::Error::other("exit")) })));
}

#[test]
fn landlock_scope() {
    const ME: &str = "landlock_scope";
    if is_child(ME) {
        return landlock_scope_child();
    }
    if !landlock_needs(6, "scoping abstract Unix sockets and signals") {
        return;
    }
    use std::os::linux::net::SocketAddrExt;
    let name = format!("airlock-layers-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
    let env = [("LAYERS_ABSTRACT", name), ("LAYERS_PARENT", std::process::id().to_string())];
    let r = run_child(ME, &env);
    r.expect(&[
        ("connect_before", "ok"),
        ("kill_parent_before", "ok"),
        ("restrict", "ok"),
        ("connect_abstract", "EPERM"),
        ("kill_parent", "EPERM"),
        ("kill_self", "ok"),
        ("fully_enforced", "true"),
    ]);
}

fn landlock_scope_child() {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixStream};
    let name = std::env::var("LAYERS_ABSTRACT").unwrap();
    let parent = nix::unistd::Pid::from_raw(std::env::var("LAYERS_PARENT").unwrap().parse().unwrap());
    let connect = || SocketAddr::from_abstract_name(name.as_bytes()).and_then(|a| UnixStream::connect_addr(&a));
    say("connect_before", io_result(connect()));
    say("kill_parent_before", nix_result(nix::sys::signal::kill(parent, None)));
    let plan = LandlockPlan { fs: system_rules(), tcp_connect: None, scope: true };
    match landlock::restrict_self(&plan) {
        Ok(out) => {
            say("restrict", "ok");
            say("fully_enforced", out.fully_enforced);
        }
        Err(e) => return say("restrict", format!("error:{e}")),
    }
    say("connect_abstract", io_result(connect()));
    say("kill_parent", nix_result(nix::sys::signal::kill(parent, None)));
    say("kill_self", nix_result(nix::sys::signal::kill(nix::unistd::getpid(), None)));
}

#[test]
fn landlock_tcp_connect() {
    const ME: &str = "landlock_tcp_connect";
    if is_child(ME) {
        return landlock_tcp_child();
    }
    if !landlock_needs(4, "restricting TCP connect") {
        return;
    }
    let r = run_child(ME, &[]);
    let mut wants = vec![("restrict", "ok"), ("connect_allowed", "ok"), ("connect_other", "EACCES")];
    if landlock::abi_version() >= 5 {
        wants.push(("fully_enforced", "true"));
    }
    r.expect(&wants);
}

fn landlock_tcp_child() {
    use std::net::{TcpListener, TcpStream};
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = allowed.local_addr().unwrap().port();
    let plan = LandlockPlan { fs: system_rules(), tcp_connect: Some(vec![port]), scope: false };
    match landlock::restrict_self(&plan) {
        Ok(out) => {
            say("restrict", "ok");
            say("fully_enforced", out.fully_enforced);
        }
        Err(e) => return say("restrict", format!("error:{e}")),
    }
    say("connect_allowed", io_result(TcpStream::connect(allowed.local_addr().unwrap())));
    say("connect_other", io_result(TcpStream::connect(other.local_addr().unwrap())));
}

#[test]
fn layers_timing() {
    const ME: &str = "layers_timing";
    if is_child(ME) {
        return timing_child();
    }
    if seccomp::program().is_err() || !landlock_needs(1, "timing restrict_self") {
        return skip("timing needs both layers");
    }
    let r = run_child(ME, &[]);
    println!("{}", r.stdout.lines().filter(|l| l.starts_with("RESULT")).collect::<Vec<_>>().join("\n"));
    r.expect(&[("errors", "0")]);
}

/// Each sample in a fresh thread: both layers apply to the calling thread only, and a thread may
/// stack at most 16 Landlock domains.
fn sample(n: usize, f: impl Fn() -> bool + Send + Sync + Copy + 'static) -> (Vec<std::time::Duration>, usize) {
    let mut times = Vec::with_capacity(n);
    let mut errors = 0;
    for _ in 0..n {
        let (t, ok) = std::thread::spawn(move || {
            let start = std::time::Instant::now();
            let ok = f();
            (start.elapsed(), ok)
        })
        .join()
        .unwrap();
        times.push(t);
        errors += usize::from(!ok);
    }
    times.sort();
    (times, errors)
}

fn timing_child() {
    use std::sync::OnceLock;
    static PLAN: OnceLock<LandlockPlan> = OnceLock::new();
    let a = tempfile::tempdir().unwrap();
    let mut fs = system_rules();
    fs.push(FsRule { path: a.path().to_path_buf(), access: FsAccess::ReadWrite });
    fs.push(FsRule { path: "/dev/null".into(), access: FsAccess::Device });
    PLAN.get_or_init(|| LandlockPlan { fs, tcp_connect: Some(vec![443]), scope: true });
    let plan = || PLAN.get().map(landlock::restrict_self).is_some_and(|r| r.is_ok());
    let mut errors = 0;
    let mut report = |name: &str, (t, e): (Vec<std::time::Duration>, usize)| {
        errors += e;
        let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
        say(
            name,
            format!(
                "min={:.0}us median={:.0}us p90={:.0}us n={}",
                us(t[0]),
                us(t[t.len() / 2]),
                us(t[t.len() * 9 / 10]),
                t.len()
            ),
        );
    };
    const N: usize = 200;
    report("abi_version", sample(N, || landlock::abi_version() > 0));
    report("seccomp_program", sample(N, || seccomp::program().is_ok()));
    report("seccomp_install", sample(N, || seccomp::install().is_ok()));
    report("landlock_restrict_self", sample(N, plan));
    report("both", sample(N, move || plan() && seccomp::install().is_ok()));
    say("errors", errors);
}
