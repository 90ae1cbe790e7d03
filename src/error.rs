//! Errors that cross module edges. Poison input is not here: it is data
//! ([`crate::article::Poison`]) and goes to the dead-letter topic. What is
//! here stops the service (fatal) or is retried by the caller (transient).

use rdkafka::error::KafkaError;

use crate::config::ConfigError;
use crate::enrich::DataError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Each message already ends with its cause's, so no variant also reports
/// that cause as its `source()`: an error chain (`{:#}`) names it once.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("enrichment data: {0}")]
    Data(DataError),
    #[error("kafka: {context}: {cause}")]
    Kafka {
        context: &'static str,
        cause: KafkaError,
    },
    #[error("fetcher: {0}")]
    Fetch(crate::fetch::FetchSetupError),
    #[error("embedded broker: {0}")]
    Embedded(String),
    #[error("http: cannot listen on {addr}: {cause}")]
    Bind {
        addr: std::net::SocketAddr,
        cause: std::io::Error,
    },
    #[error("io: {0}")]
    Io(std::io::Error),
    #[error("telemetry: {0}")]
    Telemetry(String),
    #[error("shutdown: {0}")]
    Shutdown(String),
}

impl Error {
    pub fn kafka(context: &'static str) -> impl FnOnce(KafkaError) -> Error {
        move |cause| Error::Kafka { context, cause }
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Error {
        Error::Data(e)
    }
}

impl From<crate::fetch::FetchSetupError> for Error {
    fn from(e: crate::fetch::FetchSetupError) -> Error {
        Error::Fetch(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_chain_names_its_cause_once() {
        let io = || std::io::Error::other("disk on fire");
        for (e, want) in [
            (Error::from(io()), "io: disk on fire"),
            (
                Error::Bind {
                    addr: ([127, 0, 0, 1], 9898).into(),
                    cause: io(),
                },
                "http: cannot listen on 127.0.0.1:9898: disk on fire",
            ),
            (
                Error::kafka("creating producer")(KafkaError::Canceled),
                "kafka: creating producer: KafkaError (Client dropped)",
            ),
        ] {
            assert_eq!(format!("{:#}", anyhow::Error::from(e)), want);
        }
    }
}
