//! Checks on the raw text, for every language.
pub mod ign001;
pub mod uni001;
