//! Web application settings that open the door: CORS, CSRF, debug servers,
//! authentication bypasses.
pub mod aut001;
pub mod web001;
pub mod web002;
pub mod web003;
pub mod xss001;
