//! What this machine supports, for `airlock doctor` and for choosing the isolation level.

use super::{sys, Level};

/// The facts `airlock doctor` prints.
#[derive(Debug, Clone)]
pub struct Support {
    /// Whether a process can enter new user, mount, PID, network, IPC and UTS namespaces
    /// (`Err` holds why not).
    pub namespaces: Result<(), String>,
    /// `kernel.apparmor_restrict_unprivileged_userns` (Ubuntu 24.04+), when present.
    pub apparmor_restricts_userns: Option<bool>,
    /// `user.max_user_namespaces`, when readable.
    pub max_user_namespaces: Option<u64>,
    /// Landlock ABI (0: none).
    pub landlock_abi: u32,
    /// Whether seccomp filters are available.
    pub seccomp: bool,
    /// Whether already inside a seccomp filter (a nested sandbox, a container).
    pub seccomp_filtered: bool,
}

impl Support {
    /// The level `airlock run` will use, or why it refuses.
    pub fn level(&self, require_full: bool) -> Result<Level, String> {
        if !self.seccomp {
            return Err("seccomp filters are not available (kernel built without CONFIG_SECCOMP_FILTER)".into());
        }
        match &self.namespaces {
            Ok(()) if self.landlock_abi > 0 => Ok(Level::Full),
            Ok(()) => Err("Landlock is not enabled (add `landlock` to the kernel's lsm= list)".into()),
            Err(e) if require_full => Err(format!("namespaces unavailable ({e}) and the policy requires full isolation")),
            Err(_) if self.landlock_abi > 0 => Ok(Level::LandlockOnly),
            Err(e) => Err(format!("namespaces unavailable ({e}) and no Landlock")),
        }
    }
}

/// Probe the machine (forks one short-lived child; call from a single-threaded process).
pub fn probe() -> Support {
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    let status = read("/proc/self/status").unwrap_or_default();
    let seccomp_line = status.lines().find(|l| l.starts_with("Seccomp:")).map(|l| l.trim_start_matches("Seccomp:").trim().to_string());
    Support {
        namespaces: namespaces(),
        apparmor_restricts_userns: read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").map(|v| v == "1"),
        max_user_namespaces: read("/proc/sys/user/max_user_namespaces").and_then(|v| v.parse().ok()),
        landlock_abi: crate::landlock::abi_version(),
        seccomp: seccomp_line.is_some(),
        seccomp_filtered: seccomp_line.as_deref() == Some("2"),
    }
}

fn namespaces() -> Result<(), String> {
    if let Err(e) = sys::assert_single_threaded() {
        return Err(e.to_string());
    }
    let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWNET | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
    match sys::clone_into_namespaces(flags) {
        Ok(0) => sys::exit_now(0),
        Ok(pid) => match nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None) {
            Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(()),
            other => Err(format!("probe child ended with {other:?}")),
        },
        Err(e) => Err(match e.raw_os_error() {
            Some(libc::EPERM) => "creating a user namespace is not permitted (EPERM): a container without it, or an AppArmor/SELinux restriction".to_string(),
            Some(libc::ENOSPC) | Some(libc::EUSERS) => "user.max_user_namespaces is exhausted or 0".to_string(),
            Some(libc::EINVAL) => "the kernel lacks one of the namespace kinds (EINVAL)".to_string(),
            _ => e.to_string(),
        }),
    }
}
