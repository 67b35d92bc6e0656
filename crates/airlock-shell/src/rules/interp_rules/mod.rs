//! Rules over inline interpreter code (`python -c`, `node -e`, `perl -e`, here-documents).
pub mod int001;
pub mod int002;
pub mod int003;
