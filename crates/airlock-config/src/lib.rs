//! airlock's policy: `airlock.toml` files layered system-managed > project > user > built-in.
//!
//! Works with no file at all. A project or user file may tighten or loosen
//! what the built-in defaults say; the system-managed file (written by an
//! administrator, e.g. `/etc/airlock/airlock.toml`) sets a floor that the
//! other two cannot loosen: a rule level it names is the minimum, and the
//! lists it sets (trusted hosts, remotes) replace theirs.

#![forbid(unsafe_code)]

mod error;
mod file;
mod gateway;
mod models;
mod policy;
mod review;
mod sandbox;

pub use error::ConfigError;
pub use gateway::{GatewaySection, ProviderEntry};
pub use file::{ConfigFile, GitSection, NetworkSection, PolicySection, RuleLevel};
pub use policy::{parse_file, Layers, Policy};
pub use models::{ModelsPolicy, ModelsSection, Publisher, PublisherEntry, PublisherKey};
pub use review::{ReviewApi, ReviewConfig, ReviewSection, ReviewWrites, ReviewerEntry, ReviewerSpec};
pub use sandbox::{SandboxMode, SandboxRules, SandboxSection};

/// Where the system-managed policy lives unless `AIRLOCK_MANAGED_CONFIG` says otherwise.
pub const MANAGED_CONFIG_PATH: &str = "/etc/airlock/airlock.toml";
/// The project file names looked up from the working directory upwards.
pub const PROJECT_CONFIG_NAMES: [&str; 2] = ["airlock.toml", ".airlock.toml"];
