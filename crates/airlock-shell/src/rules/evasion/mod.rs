//! Rules over covering tracks and disabling defences. Their presence raises the severity of every other finding.
pub mod eva001;
pub mod eva002;
pub mod eva003;
