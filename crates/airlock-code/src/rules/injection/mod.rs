//! Untrusted data reaching an interpreter: deserializers, shells, `eval`, SQL.
pub mod cmd001;
pub mod cmd002;
pub mod dsr001;
pub mod evl001;
pub mod sql001;
pub mod flow;
