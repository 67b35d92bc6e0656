use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "DES002",
    name: "disk-destruction",
    category: Category::Destruction,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "A disk or partition is formatted, wiped or overwritten: `mkfs*`, `dd of=/dev/sdX`, redirection into a block device, \
              `wipefs`, `shred /dev/...`, partition editors, `blkdiscard`.",
    why: "This destroys every file on the device at once, beyond recovery.",
    instead: "Work on image files (`dd of=disk.img`), never on devices, from an agent.",
    references: &["CWE-400", "ATT&CK T1561.001", "ATT&CK T1485"],
    flags: &["mkfs.ext4 /dev/sda1", "dd if=/dev/zero of=/dev/sda bs=1M", "cat /dev/urandom > /dev/nvme0n1", "wipefs -a /dev/sdb", "shred -n 3 /dev/sda"],
    passes: &["dd if=/dev/zero of=disk.img bs=1M count=10", "lsblk", "df -h", "echo hi > /dev/null"],
};

fn is_block_device(p: &str) -> bool {
    [
        "/dev/sd",
        "/dev/hd",
        "/dev/vd",
        "/dev/xvd",
        "/dev/nvme",
        "/dev/mmcblk",
        "/dev/disk",
        "/dev/rdisk",
        "/dev/md",
        "/dev/dm-",
        "/dev/mapper/",
        "/dev/loop",
    ]
    .iter()
    .any(|d| p.starts_with(d))
}

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let msg = if base.starts_with("mkfs")
            || base == "mke2fs"
            || base == "mkswap"
            || base == "newfs"
        {
            Some(format!("formats a filesystem with `{base}`"))
        } else if base == "dd"
            && texts
                .iter()
                .any(|t| t.strip_prefix("of=").is_some_and(is_block_device))
        {
            Some("overwrites a disk device with `dd`".into())
        } else if matches!(
            base,
            "wipefs"
                | "blkdiscard"
                | "sgdisk"
                | "sfdisk"
                | "parted"
                | "fdisk"
                | "gdisk"
                | "shred"
                | "diskutil"
        ) && texts
            .iter()
            .any(|t| is_block_device(t) || matches!(*t, "eraseDisk" | "zeroDisk" | "secureErase"))
        {
            Some(format!("wipes or repartitions a disk with `{base}`"))
        } else {
            a.writes_of(cmd)
                .iter()
                .find(|p| is_block_device(p))
                .map(|p| format!("writes into the disk device {p}"))
        };
        if let Some(msg) = msg {
            out.push(at_cmd(a, m, cmd, msg));
        }
    }
}
