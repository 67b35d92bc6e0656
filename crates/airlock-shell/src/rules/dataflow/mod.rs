//! Rules over data that flows from a secret source to a network sink.
pub mod exf001;
