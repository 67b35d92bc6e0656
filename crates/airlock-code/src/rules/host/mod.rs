//! Settings that hand the host away: the Docker socket, world-writable files.
pub mod dkr001;
pub mod prm001;
