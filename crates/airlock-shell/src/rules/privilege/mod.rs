//! Rules over gaining privileges or changing accounts.
pub mod prv001;
pub mod prv002;
