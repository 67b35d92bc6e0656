//! Rules over changes to the system outside the project, and offensive tooling.
pub mod sys001;
pub mod sys002;
