//! Logs and metrics. Logs: `tracing`, JSON lines when
//! `TRADEWIRE_LOG_FORMAT=json`, human-readable otherwise, filtered by
//! `RUST_LOG` (default `info`). Metrics: see [`metrics`].

pub mod metrics;

pub use metrics::Metrics;

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber. Safe to call more than once (tests); only
/// the first call installs.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,librdkafka=warn,rdkafka=warn"));
    let json = std::env::var("TRADEWIRE_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
