//! tradewire: streaming trade-news enrichment.
//!
//! # Layout
//!
//! A message flows through the modules in this order:
//!
//! * [`source`] — the Kafka consumer: group membership, assignment, copying
//!   a message out of librdkafka, and storing its offset once it is done.
//! * [`pipeline`] — one ordered lane per input partition, the in-flight
//!   bound (backpressure), and the hand-off to the worker pool;
//!   [`breaker`] stops consumption when most input turns out to be poison.
//! * [`article`] — parses a payload into an [`article::Article`] or a
//!   [`article::Poison`] that says why not (size, UTF-8, JSON, fields);
//!   [`html`] reduces markup to text on the way.
//! * [`fetch`] — for an article that came as a link only: fetches the page
//!   (SSRF-guarded, bounded, retried) and extracts its main text.
//! * [`enrich`] — the pure, synchronous engine: gazetteers, rules, tariff
//!   measures, deadlines, relevance and sentiment → [`article::EnrichedRecord`].
//!   It runs on [`workers`], a bounded thread pool off the async reactor.
//! * [`sink`] — the Kafka producer: records to the output topic, poison to
//!   the dead-letter topic with the reason in headers, and the broker's
//!   acknowledgement that lets [`source`] store the input offset.
//! * [`txn`] — in exactly-once mode, instead of storing offsets: commits the
//!   records, dead letters and consumed offsets in one Kafka transaction,
//!   or aborts it and rewinds.
//!
//! Around the path: [`app`] wires the stages and the HTTP server and shuts
//! them down in order; [`config`] holds typed, layered settings;
//! [`embedded`] starts an in-process broker when no cluster is configured;
//! [`http`] serves `/metrics`, `/healthz`, `/readyz` and `POST /v1/enrich`;
//! [`telemetry`] sets up logs and the Prometheus registry; [`shutdown`]
//! turns SIGINT/SIGTERM into one cancellation token; [`batch`] is
//! `tradewire enrich` over JSON lines; [`error`] holds the error types;
//! [`loadgen`] is `tradewire loadgen`, the end-to-end load test that drives
//! the service from outside like a scraper and a downstream reader would.
#![deny(unsafe_code)]

pub mod source;
pub mod pipeline;
pub mod breaker;
pub mod article;
pub mod html;
pub mod fetch;
pub mod enrich;
pub mod workers;
pub mod sink;
pub mod txn;

pub mod app;
pub mod batch;
pub mod config;
pub mod embedded;
pub mod error;
pub mod http;
pub mod loadgen;
pub mod shutdown;
pub mod telemetry;

pub use app::App;
