//! Carrying out a [`MountPlan`] inside the new mount namespace.
//!
//! The host's root is first moved aside (`/oldroot` under a staging tmpfs), so every source is
//! read through `/oldroot` even when the staging area hides it on the host (tests keep their
//! workspaces in `/tmp`). The new root is a tmpfs of its own, made read-only at the end.

use super::sys;
use crate::plan::{MountOp, MountPlan};
use crate::SandboxError;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

const STAGE: &str = "/tmp";
const NEW: &str = "/newroot";
const OLD: &str = "/oldroot";

fn err(what: &str, p: &Path, e: impl Into<std::io::Error>) -> SandboxError {
    SandboxError::sys(format!("{what} {}", p.display()), e.into())
}

fn do_mount(src: Option<&Path>, dst: &Path, fstype: Option<&str>, flags: MsFlags, data: Option<&str>) -> Result<(), SandboxError> {
    mount(src, dst, fstype, flags, data).map_err(|e| err("mount", dst, e))
}

/// Build the new root from `plan` and switch to it. Runs in the sandbox's init process, which
/// holds every capability of the new user namespace.
pub fn build_root(plan: &MountPlan) -> Result<(), SandboxError> {
    let none: Option<&Path> = None;
    do_mount(none, Path::new("/"), None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)?;
    let stage = Path::new(STAGE);
    do_mount(Some(Path::new("tmpfs")), stage, Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some("mode=0755"))?;
    for d in ["newroot", "oldroot", "files"] {
        std::fs::create_dir(stage.join(d)).map_err(|e| err("mkdir", &stage.join(d), e))?;
    }
    nix::unistd::pivot_root(stage, &stage.join("oldroot")).map_err(|e| err("pivot_root", stage, e))?;
    nix::unistd::chdir("/").map_err(|e| err("chdir", Path::new("/"), e))?;
    do_mount(Some(Path::new("tmpfs")), Path::new(NEW), Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some("mode=0755"))?;

    let mut resolver = Resolver { root: PathBuf::from(NEW), dirs: HashMap::new() };
    for (i, op) in plan.ops.iter().enumerate() {
        apply(op, i, &mut resolver)?;
    }

    nix::unistd::chdir(NEW).map_err(|e| err("chdir", Path::new(NEW), e))?;
    nix::unistd::pivot_root(".", ".").map_err(|e| err("pivot_root", Path::new(NEW), e))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| err("umount", Path::new(OLD), e))?;
    nix::unistd::chdir("/").map_err(|e| err("chdir", Path::new("/"), e))?;
    sys::mount_setattr(Path::new("/"), libc::MOUNT_ATTR_RDONLY, false)
}

fn apply(op: &MountOp, index: usize, r: &mut Resolver) -> Result<(), SandboxError> {
    let ro = libc::MOUNT_ATTR_RDONLY | libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV;
    match op {
        MountOp::Tmpfs { dst } => {
            let t = r.resolve(dst);
            mkdir_p(&t)?;
            let sticky = ["/tmp", "/var/tmp", "/dev/shm"].iter().any(|s| Path::new(s) == dst);
            let mode = if sticky { "mode=1777" } else { "mode=0755" };
            do_mount(Some(Path::new("tmpfs")), &t, Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some(mode))
        }
        MountOp::Bind { src, dst, write } => {
            let s = old(src);
            let t = r.resolve(dst);
            make_target(&t, s.is_dir())?;
            do_mount(Some(&s), &t, None, MsFlags::MS_BIND | MsFlags::MS_REC, None)?;
            let set = if *write { libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV } else { ro };
            sys::mount_setattr(&t, set, true)
        }
        MountOp::Dev { src, dst } => {
            let t = r.resolve(dst);
            make_target(&t, false)?;
            do_mount(Some(&old(src)), &t, None, MsFlags::MS_BIND, None)?;
            sys::mount_setattr(&t, libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NOEXEC, false)
        }
        MountOp::Symlink { target, dst } => {
            let t = r.resolve(dst);
            if let Some(parent) = t.parent() {
                mkdir_p(parent)?;
            }
            std::os::unix::fs::symlink(target, &t).map_err(|e| err("symlink", &t, e))
        }
        MountOp::Proc { dst } => {
            let t = r.resolve(dst);
            mkdir_p(&t)?;
            let f = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
            do_mount(Some(Path::new("proc")), &t, Some("proc"), f, None)
        }
        MountOp::Devpts { dst } => {
            let t = r.resolve(dst);
            mkdir_p(&t)?;
            let f = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC;
            do_mount(Some(Path::new("devpts")), &t, Some("devpts"), f, Some("newinstance,ptmxmode=0666,mode=620"))
        }
        MountOp::File { dst, contents } => {
            let staged = Path::new("/files").join(index.to_string());
            std::fs::write(&staged, contents).map_err(|e| err("write", &staged, e))?;
            let t = r.resolve(dst);
            make_target(&t, false)?;
            do_mount(Some(&staged), &t, None, MsFlags::MS_BIND, None)?;
            sys::mount_setattr(&t, ro, false)
        }
        MountOp::Mask { dst, dir } => {
            let t = r.resolve(dst);
            if *dir {
                make_target(&t, true)?;
                do_mount(Some(Path::new("tmpfs")), &t, Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some("mode=0000,size=4k"))?;
            } else {
                make_target(&t, false)?;
                do_mount(Some(&old(Path::new("/dev/null"))), &t, None, MsFlags::MS_BIND, None)?;
            }
            sys::mount_setattr(&t, ro | libc::MOUNT_ATTR_NOEXEC, false)
        }
    }
}

/// A host path as seen from the staging root.
fn old(p: &Path) -> PathBuf {
    Path::new(OLD).join(p.strip_prefix("/").unwrap_or(p))
}

fn mkdir_p(p: &Path) -> Result<(), SandboxError> {
    std::fs::create_dir_all(p).map_err(|e| err("mkdir", p, e))
}

/// An existing mount point of the right kind, or a new one (directory or empty file).
fn make_target(t: &Path, dir: bool) -> Result<(), SandboxError> {
    if t.symlink_metadata().is_ok() {
        return Ok(());
    }
    if dir {
        return mkdir_p(t);
    }
    if let Some(parent) = t.parent() {
        mkdir_p(parent)?;
    }
    std::fs::File::create(t).map(drop).map_err(|e| err("create", t, e))
}

/// [`inside`] with the resolution of parent directories remembered: the plan's destinations
/// share most of their parents, and each lookup is a system call.
struct Resolver {
    root: PathBuf,
    dirs: HashMap<PathBuf, PathBuf>,
}

impl Resolver {
    fn resolve(&mut self, dst: &Path) -> PathBuf {
        let (Some(parent), Some(name)) = (dst.parent(), dst.file_name()) else {
            return inside(&self.root, dst);
        };
        let base = match self.dirs.get(parent) {
            Some(b) => b.clone(),
            None => {
                let b = self.resolve(parent);
                self.dirs.insert(parent.to_path_buf(), b.clone());
                b
            }
        };
        let next = base.join(name);
        match next.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => match next.strip_prefix(&self.root) {
                Ok(rel) => inside(&self.root, &Path::new("/").join(rel)),
                Err(_) => inside(&self.root, dst),
            },
            _ => next,
        }
    }
}

/// `dst` under `root`, with symlinks met on the way resolved inside `root` (an absolute link
/// restarts at `root`, never at the host's `/`). Bounded like the kernel's 40 links.
pub fn inside(root: &Path, dst: &Path) -> PathBuf {
    let mut pending: Vec<PathBuf> = dst.components().rev().filter_map(|c| match c {
        Component::Normal(n) => Some(PathBuf::from(n)),
        Component::ParentDir => Some(PathBuf::from("..")),
        _ => None,
    }).collect();
    let mut cur = root.to_path_buf();
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part == Path::new("..") {
            if cur != root {
                cur.pop();
            }
            continue;
        }
        let next = cur.join(&part);
        let link = match next.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() && hops < 40 => std::fs::read_link(&next).ok(),
            _ => None,
        };
        match link {
            Some(target) => {
                hops += 1;
                if target.is_absolute() {
                    cur = root.to_path_buf();
                }
                for c in target.components().rev() {
                    match c {
                        Component::Normal(n) => pending.push(PathBuf::from(n)),
                        Component::ParentDir => pending.push(PathBuf::from("..")),
                        _ => {}
                    }
                }
            }
            None => cur = next,
        }
    }
    cur
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let t = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = t.path();
        std::fs::create_dir_all(root.join("run")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(root.join("var")).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink("/run", root.join("var/run")).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink("../../etc", root.join("run/up")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inside(root, Path::new("/var/run/docker.sock")), root.join("run/docker.sock"));
        assert_eq!(inside(root, Path::new("/run/up/x")), root.join("etc/x"));
        assert_eq!(inside(root, Path::new("/a/b")), root.join("a/b"));
        let mut r = Resolver { root: root.to_path_buf(), dirs: HashMap::new() };
        assert_eq!(r.resolve(Path::new("/var/run/docker.sock")), root.join("run/docker.sock"));
        assert_eq!(r.resolve(Path::new("/var/run")), root.join("run"));
        assert_eq!(r.resolve(Path::new("/run/up/x")), root.join("etc/x"));
    }
}
