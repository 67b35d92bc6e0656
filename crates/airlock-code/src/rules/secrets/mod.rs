//! Credentials written into source.
pub mod crd001;
pub mod crd002;
pub(crate) mod keys;
