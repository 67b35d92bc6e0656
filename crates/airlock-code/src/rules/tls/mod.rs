//! Transport security switched off.
pub mod tls001;
