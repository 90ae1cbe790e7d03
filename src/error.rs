//! Errors that cross module edges. Poison input is not here: it is data
//! ([`crate::article::Poison`]) and goes to the dead-letter topic. What is
//! here stops the service (fatal) or is retried by the caller (transient).

use rdkafka::error::KafkaError;

use crate::config::ConfigError;
use crate::enrich::DataError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("enrichment data: {0}")]
    Data(#[from] DataError),
    #[error("kafka: {context}: {source}")]
    Kafka {
        context: &'static str,
        #[source]
        source: KafkaError,
    },
    #[error("fetcher: {0}")]
    Fetch(#[from] crate::fetch::FetchSetupError),
    #[error("embedded broker: {0}")]
    Embedded(String),
    #[error("http: cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("telemetry: {0}")]
    Telemetry(String),
    #[error("shutdown: {0}")]
    Shutdown(String),
}

impl Error {
    pub fn kafka(context: &'static str) -> impl FnOnce(KafkaError) -> Error {
        move |source| Error::Kafka { context, source }
    }
}
