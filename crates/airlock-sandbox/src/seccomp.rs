//! The seccomp filter installed last before `execve`.
//!
//! Everything is allowed except the calls below, which fail with `EPERM` (`clone3`: `ENOSYS`, so
//! that libc falls back to `clone`, whose flags a classic BPF filter can read). The filter is a
//! deny list on purpose: the namespaces, the mount view and Landlock are the walls; this layer
//! takes away the kernel interfaces that are the usual way through them (or under them), and that
//! a coding agent's tools never need.
//!
//! | syscall | why it is refused |
//! |---|---|
//! | `ptrace`, `process_vm_readv`, `process_vm_writev`, `pidfd_getfd`, `kcmp` | read or steer another process's memory, registers or file descriptors |
//! | `mount`, `umount2`, `pivot_root`, `chroot`, `move_mount`, `open_tree`, `open_tree_attr`, `fsopen`, `fsconfig`, `fsmount`, `fspick`, `mount_setattr` | change the mount view the sandbox built (possible inside the user namespace) |
//! | `unshare`, `setns` | new namespaces: a nested user namespace gives back capabilities over fresh mount and network namespaces |
//! | `clone` with any `CLONE_NEW*` flag in its flags (argument 0 on x86_64 and aarch64) | the same through `clone`; plain `fork` and threads still work |
//! | `clone3` (`ENOSYS`) | its flags live in memory a filter cannot read; libc then falls back to `clone` |
//! | `bpf`, `perf_event_open`, `userfaultfd` | large kernel attack surface, and tools for exploiting races |
//! | `io_uring_setup`, `io_uring_enter`, `io_uring_register` | does file and network I/O without the syscalls this filter sees; a steady source of kernel bugs |
//! | `keyctl`, `add_key`, `request_key` | the kernel keyring is not namespaced: keys of the user outside can be reached |
//! | `init_module`, `finit_module`, `delete_module`, `kexec_load`, `kexec_file_load`, `reboot`, `swapon`, `swapoff`, `acct`, `quotactl`, `syslog`, `vhangup`, `lookup_dcookie`, `nfsservctl`, `uselib`, `iopl`, `ioperm` (the last three on x86_64 only) | administration of the machine, obsolete interfaces, direct hardware access |
//! | `open_by_handle_at`, `name_to_handle_at` | open a file by handle, around the paths that Landlock and the mount view check |
//! | `personality`, except `PER_LINUX` (0) and the query `0xffffffff` | turns off address-space randomisation and changes the ABI |
//! | `ioctl` with request `TIOCSTI` or `TIOCLINUX` (the low 32 bits: the kernel reads an `unsigned int`) | types characters into the terminal the agent shares with the user |
//! | `socket`, `socketpair` with domain `AF_NETLINK` or `AF_PACKET`, or type `SOCK_RAW` or `SOCK_PACKET` (type masked with `0xf`, which drops `SOCK_NONBLOCK` and `SOCK_CLOEXEC` as the kernel does) | reconfigure the network, read raw packets, forge packets |
//! | any x32 syscall (number with bit 30 set, x86_64 only; `ENOSYS`) | a second syscall table that would bypass every check above |
//!
//! A syscall of another architecture than the build's (say i386 through `int 0x80` on x86_64)
//! kills the process.
//!
//! The program: a hand-written prefix (architecture, x32, `clone3`), a binary search over the
//! syscalls refused whatever their arguments, then seccompiler's rules for the few refused by
//! argument. No `unsafe` here: seccompiler makes the `seccomp(2)` call.
//!
//! What this costs a program: `ip`, `ss` and anything else that talks netlink fail (glibc's
//! `getaddrinfo` falls back when its netlink probe fails); `ping` fails; nested sandboxes
//! (bubblewrap, containers, `unshare`) fail; debuggers fail.

#![cfg_attr(not(any(target_arch = "x86_64", target_arch = "aarch64")), allow(dead_code, unused_imports))]

use std::collections::BTreeMap;

use seccompiler::{
    sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use crate::SandboxError;

/// `open_tree_attr` (Linux 6.15); the same number on every architecture, not yet in libc.
const SYS_OPEN_TREE_ATTR: i64 = 467;

/// The `CLONE_NEW*` flags that fit in `clone`'s flags (`CLONE_NEWTIME` does not: its bit is in the
/// exit-signal byte there, and it reaches the kernel only through `clone3` and `unshare`).
const CLONE_NEW_FLAGS: [i32; 7] = [
    libc::CLONE_NEWNS,
    libc::CLONE_NEWCGROUP,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
];

/// The kernel's `SOCK_TYPE_MASK`.
const SOCK_TYPE_MASK: u64 = 0xf;
/// The obsolete packet socket type (libc marks its constant deprecated).
const SOCK_PACKET: i32 = 10;

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// `AUDIT_ARCH_X86_64` / `AUDIT_ARCH_AARCH64` (linux/audit.h).
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 62 | 0x8000_0000 | 0x4000_0000;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 183 | 0x8000_0000 | 0x4000_0000;

/// Sets `PR_SET_NO_NEW_PRIVS` and loads the filter for the calling thread (and what it starts).
///
/// Call it last, right before `execve`, from a single-threaded process: other threads keep
/// running unfiltered (no TSYNC).
pub fn install() -> Result<(), SandboxError> {
    install_program(&program()?)
}

/// [`install`] with a program compiled earlier (a warm session compiles it once).
pub fn install_program(program: &BpfProgram) -> Result<(), SandboxError> {
    nix::sys::prctl::set_no_new_privs().map_err(|e| SandboxError::sys("prctl(PR_SET_NO_NEW_PRIVS)", e))?;
    seccompiler::apply_filter(program)
        .map_err(|e| SandboxError::sys("seccomp(SET_MODE_FILTER)", std::io::Error::other(e)))
}

/// The filter as a BPF program, for tests and benchmarks.
pub fn program() -> Result<BpfProgram, SandboxError> {
    program_for_arch()
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn program_for_arch() -> Result<BpfProgram, SandboxError> {
    Err(SandboxError::Unsupported(format!("no seccomp filter for {}", std::env::consts::ARCH)))
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn program_for_arch() -> Result<BpfProgram, SandboxError> {
    let filter =
        SeccompFilter::new(argument_rules()?, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), ARCH)
            .map_err(|e| SandboxError::Invalid(format!("seccomp filter: {e}")))?;
    let body: BpfProgram = filter.try_into().map_err(|e| SandboxError::Invalid(format!("seccomp filter: {e}")))?;
    let mut program = prefix();
    program.extend(search(&always_refused())?);
    program.extend(body);
    Ok(program)
}

// Classic BPF opcodes (linux/bpf_common.h) for the hand-written part.
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JMP_JEQ_K: u16 = 0x05 | 0x10;
const BPF_JMP_JGE_K: u16 = 0x05 | 0x30;
const BPF_RET_K: u16 = 0x06;
/// Offsets in `struct seccomp_data`.
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

fn ret_errno(errno: i32) -> sock_filter {
    stmt(BPF_RET_K, libc::SECCOMP_RET_ERRNO | (errno as u32 & libc::SECCOMP_RET_DATA))
}

/// What seccompiler cannot say (one action per filter): the architecture check, x32 syscalls
/// refused on x86_64, and `clone3` answered with `ENOSYS`. Leaves the syscall number loaded.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn prefix() -> BpfProgram {
    let mut p = vec![
        stmt(BPF_LD_W_ABS, DATA_ARCH),
        jump(BPF_JMP_JEQ_K, AUDIT_ARCH, 1, 0),
        stmt(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, DATA_NR),
    ];
    #[cfg(target_arch = "x86_64")]
    p.extend([jump(BPF_JMP_JGE_K, 0x4000_0000, 0, 1), ret_errno(libc::ENOSYS)]);
    p.extend([jump(BPF_JMP_JEQ_K, libc::SYS_clone3 as u32, 0, 1), ret_errno(libc::ENOSYS)]);
    p
}

/// Where a jump of the search goes.
#[derive(Clone, Copy)]
enum To {
    Next,
    At(usize),
    Refuse,
    Continue,
}

/// A binary search over `numbers` (with the syscall number loaded): `EPERM` for a member, on to
/// the next instruction after the block otherwise. The kernel runs the filter once per syscall
/// number and architecture when it is loaded, to cache the numbers it always allows; seccompiler's
/// linear chain made that cost ~0.4 ms, a search keeps it small (and each syscall's check short).
fn search(numbers: &[i64]) -> Result<BpfProgram, SandboxError> {
    let mut numbers: Vec<u32> = numbers
        .iter()
        .map(|n| u32::try_from(*n).map_err(|_| SandboxError::Invalid(format!("syscall number {n}"))))
        .collect::<Result<_, _>>()?;
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut block: Vec<(u16, u32, To, To)> = Vec::new();
    tree(&numbers, &mut block);
    let refuse = block.len();
    let resolve = |pc: usize, to: To| -> Result<u8, SandboxError> {
        let target = match to {
            To::Next => pc + 1,
            To::At(at) => at,
            To::Refuse => refuse,
            To::Continue => refuse + 1,
        };
        target
            .checked_sub(pc + 1)
            .and_then(|off| u8::try_from(off).ok())
            .ok_or_else(|| SandboxError::Invalid("seccomp search: jump out of range".into()))
    };
    let mut program = Vec::with_capacity(block.len() + 1);
    for (pc, (code, k, jt, jf)) in block.iter().enumerate() {
        program.push(jump(*code, *k, resolve(pc, *jt)?, resolve(pc, *jf)?));
    }
    program.push(ret_errno(libc::EPERM));
    Ok(program)
}

fn tree(numbers: &[u32], out: &mut Vec<(u16, u32, To, To)>) {
    let mid = numbers.len() / 2;
    match numbers.split_at_checked(mid) {
        Some((low, high)) if numbers.len() > 3 => {
            let Some(&pivot) = high.first() else { return };
            let at = out.len();
            out.push((BPF_JMP_JGE_K, pivot, To::Next, To::Next));
            tree(low, out);
            let high_start = out.len();
            if let Some(node) = out.get_mut(at) {
                node.2 = To::At(high_start);
            }
            tree(high, out);
        }
        _ => {
            for (i, n) in numbers.iter().enumerate() {
                let miss = if i + 1 == numbers.len() { To::Continue } else { To::Next };
                out.push((BPF_JMP_JEQ_K, *n, To::Refuse, miss));
            }
        }
    }
}

/// Syscalls refused whatever their arguments.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn always_refused() -> Vec<i64> {
    let mut calls = vec![
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_pidfd_getfd,
        libc::SYS_kcmp,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        SYS_OPEN_TREE_ATTR,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_mount_setattr,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_acct,
        libc::SYS_quotactl,
        libc::SYS_syslog,
        libc::SYS_vhangup,
        libc::SYS_lookup_dcookie,
        libc::SYS_nfsservctl,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
    ];
    #[cfg(target_arch = "x86_64")]
    calls.extend([libc::SYS_uselib, libc::SYS_iopl, libc::SYS_ioperm]);
    calls
}

/// An ioctl request as the filter compares it: `libc::Ioctl` is `c_ulong` on glibc, `c_int` on musl.
#[allow(clippy::unnecessary_cast)]
fn request(r: libc::Ioctl) -> u64 {
    u64::from(r as u32)
}

fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, SandboxError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value)
        .map_err(|e| SandboxError::Invalid(format!("seccomp condition: {e}")))
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, SandboxError> {
    SeccompRule::new(conditions).map_err(|e| SandboxError::Invalid(format!("seccomp rule: {e}")))
}

/// One rule per socket kind refused; `socket` and `socketpair` take (domain, type, protocol).
fn socket_rules() -> Result<Vec<SeccompRule>, SandboxError> {
    let mut rules = Vec::new();
    for domain in [libc::AF_NETLINK, libc::AF_PACKET] {
        rules.push(rule(vec![cond(0, SeccompCmpOp::Eq, domain as u64)?])?);
    }
    for kind in [libc::SOCK_RAW, SOCK_PACKET] {
        rules.push(rule(vec![cond(1, SeccompCmpOp::MaskedEq(SOCK_TYPE_MASK), kind as u64)?])?);
    }
    Ok(rules)
}

/// The syscalls refused for some arguments only: refused when any rule matches (the conditions
/// of one rule must all hold).
fn argument_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, SandboxError> {
    let mut map: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();

    let mut clone = Vec::new();
    for flag in CLONE_NEW_FLAGS {
        let flag = u64::from(flag as u32);
        clone.push(rule(vec![cond(0, SeccompCmpOp::MaskedEq(flag), flag)?])?);
    }
    map.insert(libc::SYS_clone, clone);

    let ioctl = vec![
        rule(vec![cond(1, SeccompCmpOp::Eq, request(libc::TIOCSTI))?])?,
        rule(vec![cond(1, SeccompCmpOp::Eq, request(libc::TIOCLINUX))?])?,
    ];
    map.insert(libc::SYS_ioctl, ioctl);

    map.insert(libc::SYS_socket, socket_rules()?);
    map.insert(libc::SYS_socketpair, socket_rules()?);

    let personality = vec![rule(vec![cond(0, SeccompCmpOp::Ne, 0)?, cond(0, SeccompCmpOp::Ne, 0xffff_ffff)?])?];
    map.insert(libc::SYS_personality, personality);

    Ok(map)
}

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
    const EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
    const ENOSYS: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

    /// Runs a classic BPF seccomp program the way the kernel would, for one call.
    fn run(program: &[sock_filter], arch: u32, nr: i64, args: [u64; 6]) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&(nr as i32).to_ne_bytes());
        data[4..8].copy_from_slice(&arch.to_ne_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_ne_bytes());
        }
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let ins = &program[pc];
            let (code, k) = (ins.code, ins.k);
            let cond = match code {
                0x20 => {
                    let at = k as usize;
                    acc = u32::from_ne_bytes(data[at..at + 4].try_into().unwrap());
                    pc += 1;
                    continue;
                }
                0x54 => {
                    acc &= k;
                    pc += 1;
                    continue;
                }
                0x05 => {
                    pc += 1 + k as usize;
                    continue;
                }
                0x06 => return k,
                0x15 => acc == k,
                0x35 => acc >= k,
                0x25 => acc > k,
                0x45 => acc & k != 0,
                other => panic!("opcode {other:#x} at {pc}"),
            };
            pc += 1 + usize::from(if cond { ins.jt } else { ins.jf });
        }
    }

    #[test]
    fn every_syscall_number_gets_the_table_decision() {
        let program = program().unwrap();
        let refused = always_refused();
        for nr in 0..600 {
            let want = if refused.contains(&nr) {
                EPERM
            } else if nr == libc::SYS_clone3 {
                ENOSYS
            } else {
                ALLOW
            };
            assert_eq!(run(&program, AUDIT_ARCH, nr, [0; 6]), want, "syscall {nr}");
        }
        assert_eq!(run(&program, 0x4000_0003, libc::SYS_getpid, [0; 6]), libc::SECCOMP_RET_KILL_PROCESS);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(run(&program, AUDIT_ARCH, 0x4000_0000 | libc::SYS_getpid, [0; 6]), ENOSYS);
    }

    #[test]
    fn argument_checks() {
        let p = program().unwrap();
        let call = |nr: i64, a0: u64, a1: u64| run(&p, AUDIT_ARCH, nr, [a0, a1, 0, 0, 0, 0]);
        let sigchld = libc::SIGCHLD as u64;
        assert_eq!(call(libc::SYS_clone, sigchld, 0), ALLOW);
        let thread =
            (libc::CLONE_VM | libc::CLONE_FS | libc::CLONE_FILES | libc::CLONE_SIGHAND | libc::CLONE_THREAD) as u64;
        assert_eq!(call(libc::SYS_clone, thread, 0), ALLOW);
        for flag in CLONE_NEW_FLAGS {
            assert_eq!(call(libc::SYS_clone, sigchld | u64::from(flag as u32), 0), EPERM, "{flag:#x}");
        }
        assert_eq!(call(libc::SYS_ioctl, 0, request(libc::TIOCSTI)), EPERM);
        assert_eq!(call(libc::SYS_ioctl, 0, (7 << 32) | request(libc::TIOCSTI)), EPERM);
        assert_eq!(call(libc::SYS_ioctl, 0, request(libc::TIOCLINUX)), EPERM);
        assert_eq!(call(libc::SYS_ioctl, 0, request(libc::TCGETS)), ALLOW);
        for nr in [libc::SYS_socket, libc::SYS_socketpair] {
            let (inet, unix) = (libc::AF_INET as u64, libc::AF_UNIX as u64);
            let cloexec = (libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) as u64;
            assert_eq!(call(nr, inet, libc::SOCK_STREAM as u64 | cloexec), ALLOW);
            assert_eq!(call(nr, unix, libc::SOCK_DGRAM as u64), ALLOW);
            assert_eq!(call(nr, inet, libc::SOCK_RAW as u64 | cloexec), EPERM);
            assert_eq!(call(nr, inet, SOCK_PACKET as u64), EPERM);
            assert_eq!(call(nr, libc::AF_NETLINK as u64, libc::SOCK_DGRAM as u64), EPERM);
            assert_eq!(call(nr, libc::AF_PACKET as u64, libc::SOCK_DGRAM as u64), EPERM);
        }
        assert_eq!(call(libc::SYS_personality, 0, 0), ALLOW);
        assert_eq!(call(libc::SYS_personality, 0xffff_ffff, 0), ALLOW);
        assert_eq!(call(libc::SYS_personality, 0x0040000, 0), EPERM);
        assert_eq!(call(libc::SYS_personality, 8, 0), EPERM);
    }
}
