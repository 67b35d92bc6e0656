//! Cryptography that does not protect what it is used for.
pub mod cry001;
pub mod cry002;
pub mod cry003;
pub mod cry004;
