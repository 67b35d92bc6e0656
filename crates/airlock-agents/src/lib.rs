//! Agent adapters (being built).
#![forbid(unsafe_code)]
