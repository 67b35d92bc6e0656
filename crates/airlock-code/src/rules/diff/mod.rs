//! What a change takes away: a verification, a permission check, a pinned version.
pub mod dif001;
pub mod dif002;
