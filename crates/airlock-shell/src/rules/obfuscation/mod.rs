//! Rules over commands that hide what they run, and input that could not be followed.
pub mod obf001;
pub mod obf002;
pub mod obf003;
pub mod par001;
