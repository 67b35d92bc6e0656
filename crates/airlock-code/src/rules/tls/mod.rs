//! Transport security switched off.
pub mod net001;
pub mod tls001;
pub mod tls002;
