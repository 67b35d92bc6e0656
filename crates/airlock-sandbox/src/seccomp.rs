//! The seccomp filter installed last before `execve`.
