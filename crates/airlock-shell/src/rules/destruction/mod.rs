//! Rules over destroying data, disks, history or the running system.
pub mod des001;
pub mod des002;
pub mod des003;
pub mod des004;
pub mod res001;
