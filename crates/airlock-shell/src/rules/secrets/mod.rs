//! Rules over secrets being read or printed (tool output goes to the model provider).
pub mod sec001;
pub mod sec002;
pub mod sec003;
pub mod sec004;
pub mod sec005;
pub mod sec006;
