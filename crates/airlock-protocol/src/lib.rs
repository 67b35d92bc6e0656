//! Pure data shared by every airlock layer.
//!
//! Nothing here performs I/O or analysis: these are the words the layers use to
//! talk to each other. A [`ToolCall`] is "what the model wants done", a
//! [`Finding`] is one reason to worry about it, and a [`Verdict`] is the
//! decision with its reasons.

#![forbid(unsafe_code)]

mod decision;
mod finding;
mod tool_call;

pub use decision::{Decision, Severity};
pub use finding::{Category, Finding, Span, Verdict};
pub use tool_call::{Edit, ToolCall};
