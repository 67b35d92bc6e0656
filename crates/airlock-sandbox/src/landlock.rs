//! Landlock: the second, independent layer over the sandbox's file rules.
//!
//! The ruleset handles every filesystem access right of the best ABI the kernel offers (and this
//! build of the `landlock` crate knows): whatever a rule does not grant is denied, including
//! rename/link across directories (`refer`, ABI 2), truncation (ABI 3), device ioctls (ABI 5) and
//! connecting to pathname Unix sockets (ABI 9). On request it also limits TCP `connect` to a port
//! list (ABI 4) and scopes abstract Unix sockets and signals to the sandbox (ABI 6).
//!
//! Only what the running kernel supports is asked for; what the plan wanted and the kernel could
//! not do is written into [`LandlockOutcome::notes`] and clears
//! [`LandlockOutcome::fully_enforced`], so that a weaker sandbox is never silent.
//!
//! Landlock applies to the calling thread and to what it starts afterwards, and it cannot be
//! undone. `restrict_self` also sets `no_new_privs` (Landlock requires it without
//! `CAP_SYS_ADMIN`).

use std::io;
use std::path::PathBuf;

use landlock::{
    Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, LandlockStatus, NetPort, PathBeneath, PathFd,
    PathFdError, RestrictSelf, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetStatus, Scope, ABI,
};

use crate::SandboxError;

/// Access to one path and everything beneath it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsRule {
    pub path: PathBuf,
    pub access: FsAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsAccess {
    /// Read files, list directories, execute.
    ReadOnly,
    /// Every right: read, write, create, remove, rename, truncate, device ioctls.
    ReadWrite,
    /// Read, write and ioctl on an existing device file such as `/dev/null`; nothing created or
    /// removed.
    Device,
    /// List directories only (no file contents): granted on `/` so that walking up the tree
    /// (`ls /`, tools looking for a project root) works while file reads stay limited to the
    /// other rules.
    ListDir,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LandlockPlan {
    pub fs: Vec<FsRule>,
    /// `None`: TCP is not restricted by Landlock. `Some(ports)`: `connect` only to these ports
    /// (ABI 4 or later); `Some(vec![])` denies every TCP connect.
    pub tcp_connect: Option<Vec<u16>>,
    /// Scope abstract Unix sockets and signals to the sandbox (ABI 6 or later).
    pub scope: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandlockOutcome {
    /// The Landlock ABI whose rights were handled (0: none).
    pub abi: u32,
    /// Everything the plan asked for is enforced, and the filesystem rights include at least
    /// truncation and device ioctls.
    pub fully_enforced: bool,
    /// What was weaker than asked, and paths skipped because they do not exist.
    pub notes: Vec<String>,
}

/// The Landlock ABI the running kernel supports (0: none). One syscall, no side effect.
pub fn abi_version() -> u32 {
    match kernel_status() {
        LandlockStatus::Available { effective_abi, kernel_abi } => {
            kernel_abi.and_then(|v| u32::try_from(v).ok()).unwrap_or_else(|| abi_number(effective_abi))
        }
        _ => 0,
    }
}

/// Asks the kernel for its Landlock version. With no flag and without `no_new_privs`,
/// `RestrictSelf::apply` makes no syscall besides that probe.
fn kernel_status() -> LandlockStatus {
    match RestrictSelf::default().no_new_privs(false).apply() {
        Ok(status) => status.landlock,
        Err(_) => LandlockStatus::NotImplemented,
    }
}

fn abi_number(abi: ABI) -> u32 {
    abi as u32
}

/// Restricts the calling thread (and its future children) to `plan`.
///
/// Fails with [`SandboxError::Unsupported`] if the kernel has no Landlock: the caller decides
/// whether to run without this layer. A path that does not exist is skipped with a note.
pub fn restrict_self(plan: &LandlockPlan) -> Result<LandlockOutcome, SandboxError> {
    prepare(plan)?.enforce()
}

/// A ruleset built from a plan (every path opened and its rule added) but not yet enforced: a
/// warm session builds it ahead of the request, and the command only calls
/// `landlock_restrict_self`. Rules hold the inodes opened here, so build it in the file view
/// the command will see.
pub struct Prebuilt {
    created: RulesetCreated,
    abi: ABI,
    fully_enforced: bool,
    notes: Vec<String>,
}

/// Build the ruleset for `plan` without enforcing it (see [`Prebuilt`]).
pub fn prepare(plan: &LandlockPlan) -> Result<Prebuilt, SandboxError> {
    let (abi, kernel_abi) = match kernel_status() {
        LandlockStatus::Available { effective_abi, kernel_abi } => (effective_abi, kernel_abi),
        LandlockStatus::NotEnabled => {
            return Err(SandboxError::Unsupported(
                "Landlock is built into the kernel but not enabled (see the lsm= boot parameter)".into(),
            ))
        }
        LandlockStatus::NotImplemented => return Err(SandboxError::Unsupported("the kernel has no Landlock".into())),
    };
    if abi == ABI::Unsupported {
        return Err(SandboxError::Unsupported("the kernel has no Landlock".into()));
    }
    let mut notes = Vec::new();
    let mut fully_enforced = true;
    if let Some(v) = kernel_abi {
        notes.push(format!("kernel Landlock ABI {v} is newer than this build knows; using ABI {abi}"));
    }
    if abi < ABI::V2 {
        notes.push("Landlock ABI 1: renaming or linking a file into another directory is always denied".into());
    }
    if abi < ABI::V3 {
        fully_enforced = false;
        notes.push(format!("Landlock ABI {abi}: truncating files is not restricted (needs ABI 3)"));
    }
    if abi < ABI::V5 {
        fully_enforced = false;
        notes.push(format!("Landlock ABI {abi}: ioctl on device files is not restricted (needs ABI 5)"));
    }
    if abi < ABI::V9 {
        notes.push(format!("Landlock ABI {abi}: connecting to pathname Unix sockets is not restricted (needs ABI 9)"));
    }
    let restrict_tcp = match &plan.tcp_connect {
        Some(_) if abi < ABI::V4 => {
            fully_enforced = false;
            notes.push(format!("Landlock ABI {abi}: TCP connect is not restricted (needs ABI 4)"));
            false
        }
        Some(_) => true,
        None => false,
    };
    let scope = if plan.scope && abi < ABI::V6 {
        fully_enforced = false;
        notes.push(format!("Landlock ABI {abi}: abstract Unix sockets and signals are not scoped (needs ABI 6)"));
        false
    } else {
        plan.scope
    };

    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| ruleset_error("landlock: handle filesystem access", e))?;
    if restrict_tcp {
        ruleset = ruleset
            .handle_access(AccessNet::ConnectTcp)
            .map_err(|e| ruleset_error("landlock: handle TCP connect", e))?;
    }
    if scope {
        ruleset = ruleset.scope(Scope::from_all(abi)).map_err(|e| ruleset_error("landlock: scope", e))?;
    }
    let mut created = ruleset.create().map_err(|e| ruleset_error("landlock_create_ruleset", e))?;

    for rule in &plan.fs {
        created = match add_path(created, rule, abi)? {
            Added::Yes(c) => c,
            Added::Missing(c) => {
                notes.push(format!("{}: does not exist, no Landlock rule", rule.path.display()));
                c
            }
        };
    }
    if restrict_tcp {
        for port in plan.tcp_connect.iter().flatten() {
            created = created
                .add_rule(NetPort::new(*port, AccessNet::ConnectTcp))
                .map_err(|e| ruleset_error(format!("landlock: allow TCP connect to port {port}"), e))?;
        }
    }

    Ok(Prebuilt { created, abi, fully_enforced, notes })
}

impl Prebuilt {
    /// Restrict the calling thread (and its future children) with this ruleset.
    pub fn enforce(self) -> Result<LandlockOutcome, SandboxError> {
        let Prebuilt { created, abi, mut fully_enforced, mut notes } = self;
        let status = created.restrict_self().map_err(|e| ruleset_error("landlock_restrict_self", e))?;
        match status.ruleset {
            RulesetStatus::FullyEnforced => {}
            RulesetStatus::PartiallyEnforced => {
                fully_enforced = false;
                notes.push("the landlock crate reports the ruleset only partially enforced".into());
            }
            RulesetStatus::NotEnforced => {
                return Err(SandboxError::Unsupported("the Landlock ruleset was not enforced".into()));
            }
        }
        Ok(LandlockOutcome { abi: abi_number(abi), fully_enforced, notes })
    }
}

enum Added {
    Yes(RulesetCreated),
    Missing(RulesetCreated),
}

fn add_path(created: RulesetCreated, rule: &FsRule, abi: ABI) -> Result<Added, SandboxError> {
    let fd = match PathFd::new(&rule.path) {
        Ok(fd) => fd,
        Err(PathFdError::OpenCall { source, .. }) if is_missing(&source) => return Ok(Added::Missing(created)),
        Err(PathFdError::OpenCall { source, .. }) => {
            return Err(SandboxError::Path { path: rule.path.clone(), source })
        }
        Err(e) => return Err(SandboxError::Path { path: rule.path.clone(), source: io::Error::other(e) }),
    };
    // The type of what was opened, not of what the path names now.
    let stat =
        nix::sys::stat::fstat(&fd).map_err(|e| SandboxError::Path { path: rule.path.clone(), source: e.into() })?;
    let is_dir = stat.st_mode & libc::S_IFMT == libc::S_IFDIR;
    let access = rights(rule.access, abi, is_dir);
    let created = created
        .add_rule(PathBeneath::new(fd, access))
        .map_err(|e| ruleset_error(format!("landlock: rule for {}", rule.path.display()), e))?;
    Ok(Added::Yes(created))
}

fn is_missing(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR)
}

/// The rights one rule grants. Directory-only rights are left out for anything that is not a
/// directory (the kernel rejects them there).
fn rights(access: FsAccess, abi: ABI, is_dir: bool) -> BitFlags<AccessFs> {
    let granted = match access {
        FsAccess::ReadOnly => AccessFs::from_read(abi),
        FsAccess::ReadWrite => AccessFs::from_all(abi),
        FsAccess::Device => (AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::IoctlDev) & AccessFs::from_all(abi),
        FsAccess::ListDir => BitFlags::from(AccessFs::ReadDir),
    };
    if is_dir {
        granted
    } else {
        granted & AccessFs::from_file(abi)
    }
}

fn ruleset_error(what: impl Into<String>, e: landlock::RulesetError) -> SandboxError {
    SandboxError::sys(what, io::Error::other(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_rules_get_file_rights_only() {
        let rw = rights(FsAccess::ReadWrite, ABI::V7, false);
        assert!(!rw.contains(AccessFs::ReadDir));
        assert!(!rw.contains(AccessFs::MakeReg));
        assert!(rw.contains(AccessFs::WriteFile | AccessFs::Truncate | AccessFs::IoctlDev));
        let ro = rights(FsAccess::ReadOnly, ABI::V7, true);
        assert_eq!(ro, AccessFs::Execute | AccessFs::ReadFile | AccessFs::ReadDir);
        let dev = rights(FsAccess::Device, ABI::V3, false);
        assert_eq!(dev, AccessFs::ReadFile | AccessFs::WriteFile);
    }
}
