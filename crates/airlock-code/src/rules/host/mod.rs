//! Settings that hand the host away: the Docker socket, root containers, secrets
//! in images, world-writable files.
mod docker;
pub mod dkr001;
pub mod dkr002;
pub mod dkr003;
pub mod prm001;
