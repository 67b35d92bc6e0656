//! Rules over data leaving the machine without a secret source being seen.
pub mod exf002;
pub mod exf003;
pub mod exf004;
pub mod exf005;
pub mod exf006;
