//! Rules over shells: reverse and bind shells, shells spawned through other programs, interactive shells.
pub mod rev001;
pub mod rev002;
pub mod she001;
pub mod she002;
pub mod she003;
pub mod she004;
