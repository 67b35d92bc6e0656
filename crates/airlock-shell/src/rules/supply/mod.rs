//! Rules over where packages come from.
pub mod sup001;
pub mod sup002;
