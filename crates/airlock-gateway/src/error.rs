use thiserror::Error;

/// Why the gateway could not start.
#[derive(Debug, Error)]
pub enum GatewayError {
    #[error("gateway configuration: {0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
}
