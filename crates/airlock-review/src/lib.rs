//! Cross-provider review.
#![forbid(unsafe_code)]
