//! The Kafka producer: enriched records to the output topic, poison to the
//! dead-letter topic, and the acknowledgements the pipeline waits for.
//!
//! [`Sink::send`] enqueues synchronously, so calling it in input order keeps
//! input order on the wire (the producer is idempotent, so librdkafka's own
//! retries keep it too). It returns a future that resolves once the broker
//! has acknowledged the record — retrying a retriable failure for as long as
//! it takes, and turning an output record the broker refuses as too large
//! into a dead letter — so the caller may store the input offset.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::util::Timeout;

use crate::article::{Poison, PoisonKind};
use crate::config::{Config, Delivery};
use crate::error::{Error, Result};
use crate::source::InputMessage;
use crate::telemetry::Metrics;

/// Dead-letter header names.
pub mod headers {
    pub const ERROR_KIND: &str = "tradewire.error.kind";
    pub const ERROR_REASON: &str = "tradewire.error.reason";
    pub const SOURCE_TOPIC: &str = "tradewire.source.topic";
    pub const SOURCE_PARTITION: &str = "tradewire.source.partition";
    pub const SOURCE_OFFSET: &str = "tradewire.source.offset";
    pub const PAYLOAD_TRUNCATED: &str = "tradewire.payload.truncated";
    pub const TRACEPARENT: &str = "traceparent";
}

/// A dead letter's payload is cut to this size if the broker refuses it whole.
const TRUNCATED_PAYLOAD_BYTES: usize = 64 * 1024;

/// What went where, once acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Output,
    /// Dead-lettered, with the reason it ended up there.
    DeadLetter(PoisonKind),
}

/// A message ready to leave.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// An enriched record: key = article id.
    Record { key: String, payload: Vec<u8> },
    /// The input, as it came, with why it was rejected.
    DeadLetter { poison: Poison },
}

/// Why a transaction could not commit.
#[derive(Debug)]
pub enum TxnFailure {
    /// Abort it, rewind, and go on.
    Abort(String),
    /// The producer is unusable (fenced by a newer instance with the same
    /// `transactional.id`, or a fatal client error): stop.
    Fatal(String),
}

pub struct Sink {
    producer: FutureProducer,
    output_topic: String,
    dlq_topic: String,
    retry_backoff: Duration,
    metrics: Metrics,
    /// Exactly-once: every record belongs to the open transaction, so a
    /// failed delivery is not retried here but fails the transaction.
    transactional: bool,
    /// Exactly-once: inputs whose record the broker refused as too large.
    /// The transaction that carried it aborts; when the input comes round
    /// again it goes straight to the dead-letter topic.
    refused_too_large: Mutex<HashSet<(String, i32, i64)>>,
}

impl Sink {
    pub fn new(config: &Config, brokers: &str, metrics: Metrics) -> Result<Arc<Sink>> {
        let k = &config.kafka;
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", brokers)
            .set("client.id", "tradewire")
            .set("enable.idempotence", "true")
            .set("compression.type", "zstd")
            .set("linger.ms", "5")
            .set("statistics.interval.ms", "0");
        let transactional = config.pipeline.delivery == Delivery::ExactlyOnce;
        if transactional {
            cc.set("transactional.id", config.transactional_id());
        } else {
            // librdkafka's idempotent producer retries a retriable failure
            // in order; with no message timeout it never gives a record up,
            // so a long broker outage cannot reorder a partition (a re-send
            // from here would land behind the records queued after it).
            // Config validation refuses any other value in this mode.
            cc.set("message.timeout.ms", "0");
        }
        for (key, value) in k.common.iter().chain(&k.producer) {
            cc.set(key, value.to_string());
        }
        let producer: FutureProducer = cc.create().map_err(Error::kafka("creating producer"))?;
        Ok(Arc::new(Sink {
            producer,
            output_topic: k.output_topic.clone(),
            dlq_topic: k.dlq_topic.clone(),
            retry_backoff: Duration::from_millis(config.pipeline.retry_backoff_ms),
            metrics,
            transactional,
            refused_too_large: Mutex::new(HashSet::new()),
        }))
    }

    /// Exactly-once: registers the `transactional.id` with the cluster
    /// (fencing any older producer that used it) and opens the first
    /// transaction. Blocking.
    pub fn init_transactions(&self, timeout: Duration) -> Result<()> {
        self.producer
            .init_transactions(Timeout::After(timeout))
            .map_err(Error::kafka("initialising transactions"))?;
        self.producer
            .begin_transaction()
            .map_err(Error::kafka("beginning a transaction"))
    }

    /// Exactly-once: adds the consumed `positions` (next offset per input
    /// partition) to the open transaction, commits it and opens the next.
    /// Returns how many partitions' offsets were committed. Blocking.
    pub fn commit_transaction(
        &self,
        positions: &BTreeMap<(String, i32), i64>,
        group: &ConsumerGroupMetadata,
        timeout: Duration,
    ) -> Result<usize, TxnFailure> {
        if !positions.is_empty() {
            let mut offsets = TopicPartitionList::new();
            for ((topic, partition), next) in positions {
                offsets
                    .add_partition_offset(topic, *partition, Offset::Offset(*next))
                    .map_err(|e| TxnFailure::Abort(e.to_string()))?;
            }
            retry_retriable(|| {
                self.producer
                    .send_offsets_to_transaction(&offsets, group, Timeout::After(timeout))
            })?;
        }
        retry_retriable(|| self.producer.commit_transaction(Timeout::After(timeout)))?;
        self.begin()?;
        Ok(positions.len())
    }

    /// Exactly-once: aborts the open transaction (its records stay
    /// invisible to `read_committed` readers) and opens the next. Blocking.
    pub fn abort_transaction(&self, timeout: Duration) -> Result<(), TxnFailure> {
        retry_retriable(|| self.producer.abort_transaction(Timeout::After(timeout)))?;
        self.begin()
    }

    fn begin(&self) -> Result<(), TxnFailure> {
        self.producer.begin_transaction().map_err(classify)
    }

    /// Enqueues `out` for `input` now, in call order, and returns the future
    /// of its acknowledgement. The future resolves `Err` only when the
    /// producer is gone (shutdown); the input's offset must then not be
    /// stored.
    pub async fn send(
        self: &Arc<Self>,
        input: Arc<InputMessage>,
        out: Outbound,
    ) -> impl std::future::Future<Output = Result<Delivered, String>> + Send + 'static {
        let sink = self.clone();
        let out = match out {
            Outbound::Record { .. } if sink.was_refused_too_large(&input) => Outbound::DeadLetter {
                poison: Poison::new(
                    PoisonKind::TooLarge,
                    "enriched record refused by the broker as too large".to_owned(),
                ),
            },
            out => out,
        };
        let first = sink.enqueue(&input, &out, false).await;
        async move {
            let mut out = out;
            let mut truncated = false;
            let mut attempt = first;
            loop {
                let (err, delivered_then_failed) = match attempt {
                    Err(err) => (err, false),
                    Ok(delivery) => match delivery.await {
                        Ok(Ok(_)) => {
                            return Ok(match out {
                                Outbound::Record { .. } => Delivered::Output,
                                Outbound::DeadLetter { poison } => {
                                    Delivered::DeadLetter(poison.kind)
                                }
                            })
                        }
                        Ok(Err((err, _))) => (err, true),
                        Err(_canceled) => {
                            return Err("producer shut down before the ack".to_owned())
                        }
                    },
                };
                let code = err.rdkafka_error_code();
                sink.metrics
                    .delivery_errors
                    .with_label_values(&[error_label(code).as_str()])
                    .inc();
                // Inside a transaction, a record the broker failed dooms the
                // transaction: it is aborted and the input read again. (A
                // record refused locally, before it joined the transaction,
                // is handled below like in at-least-once mode.)
                if sink.transactional && (delivered_then_failed || !code.is_some_and(too_large)) {
                    if matches!(out, Outbound::Record { .. }) && code.is_some_and(too_large) {
                        sink.refused_too_large
                            .lock()
                            .expect("not poisoned")
                            .insert((input.topic.clone(), input.partition, input.offset));
                    }
                    return Err(format!("delivery failed inside a transaction: {err}"));
                }
                match (&out, code) {
                    (Outbound::Record { .. }, Some(c)) if too_large(c) => {
                        tracing::warn!(error = %err, "output record refused as too large; dead-lettering the input");
                        out = Outbound::DeadLetter {
                            poison: Poison::new(
                                PoisonKind::TooLarge,
                                format!("enriched record refused by the producer or broker: {err}"),
                            ),
                        };
                    }
                    (Outbound::DeadLetter { .. }, Some(c)) if too_large(c) && !truncated => {
                        tracing::warn!(error = %err, "dead letter refused as too large; truncating its payload");
                        truncated = true;
                    }
                    _ => {
                        tracing::warn!(error = %err, backoff_ms = sink.retry_backoff.as_millis() as u64, "delivery failed; retrying");
                        sink.metrics.delivery_retries.inc();
                        tokio::time::sleep(sink.retry_backoff).await;
                    }
                }
                attempt = sink.enqueue(&input, &out, truncated).await;
            }
        }
    }

    /// Puts one record in the producer queue, waiting while the queue is
    /// full. Any other refusal is returned for the caller to classify.
    async fn enqueue(
        &self,
        input: &InputMessage,
        out: &Outbound,
        truncate: bool,
    ) -> Result<rdkafka::producer::DeliveryFuture, KafkaError> {
        loop {
            let result = match out {
                Outbound::Record { key, payload } => {
                    let mut headers = OwnedHeaders::new();
                    if let Some(tp) = &input.traceparent {
                        headers = headers.insert(Header {
                            key: headers::TRACEPARENT,
                            value: Some(tp.as_bytes()),
                        });
                    }
                    self.producer.send_result(
                        FutureRecord::to(&self.output_topic)
                            .key(key.as_bytes())
                            .payload(payload.as_slice())
                            .headers(headers),
                    )
                }
                Outbound::DeadLetter { poison } => {
                    let payload = if truncate && input.payload.len() > TRUNCATED_PAYLOAD_BYTES {
                        &input.payload[..TRUNCATED_PAYLOAD_BYTES]
                    } else {
                        &input.payload[..]
                    };
                    let mut record = FutureRecord::to(&self.dlq_topic)
                        .payload(payload)
                        .headers(dead_letter_headers(input, poison, truncate));
                    if let Some(key) = &input.key {
                        record = record.key(key.as_slice());
                    }
                    self.producer.send_result(record)
                }
            };
            match result {
                Ok(delivery) => return Ok(delivery),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err((err, _)) => return Err(err),
            }
        }
    }

    /// Records waiting in the producer queue.
    pub fn queue_len(&self) -> i32 {
        self.producer.in_flight_count()
    }

    /// Waits until every queued record is acknowledged or `timeout` passes.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        self.producer
            .flush(Timeout::After(timeout))
            .map_err(Error::kafka("flushing the producer"))
    }

    /// Asks a broker for metadata: does the producer reach the cluster?
    pub fn probe(&self, timeout: Duration) -> bool {
        self.producer
            .client()
            .fetch_metadata(Some(&self.output_topic), Timeout::After(timeout))
            .is_ok()
    }
}

fn too_large(code: RDKafkaErrorCode) -> bool {
    matches!(code, RDKafkaErrorCode::MessageSizeTooLarge)
}

fn error_label(code: Option<RDKafkaErrorCode>) -> String {
    code.map_or("other".to_owned(), |c| format!("{c:?}"))
}

impl Sink {
    fn was_refused_too_large(&self, input: &InputMessage) -> bool {
        self.transactional
            && self
                .refused_too_large
                .lock()
                .expect("not poisoned")
                .remove(&(input.topic.clone(), input.partition, input.offset))
    }
}

/// Sorts a transactional call's error: fatal, abortable, or retried here.
fn classify(e: KafkaError) -> TxnFailure {
    match &e {
        KafkaError::Transaction(t) if t.is_fatal() => TxnFailure::Fatal(e.to_string()),
        _ => TxnFailure::Abort(e.to_string()),
    }
}

/// Runs a transactional call, repeating it while librdkafka says the same
/// call may simply be retried (a timeout, a coordinator moving).
fn retry_retriable(
    mut call: impl FnMut() -> rdkafka::error::KafkaResult<()>,
) -> Result<(), TxnFailure> {
    let mut attempts = 0;
    loop {
        match call() {
            Ok(()) => return Ok(()),
            Err(KafkaError::Transaction(t)) if t.is_retriable() && attempts < 5 => {
                attempts += 1;
                tracing::warn!(error = %t, attempts, "transactional call failed; retrying it");
                std::thread::sleep(Duration::from_millis(200 * attempts));
            }
            Err(e) => return Err(classify(e)),
        }
    }
}

fn dead_letter_headers(input: &InputMessage, poison: &Poison, truncated: bool) -> OwnedHeaders {
    let partition = input.partition.to_string();
    let offset = input.offset.to_string();
    let mut h = OwnedHeaders::new_with_capacity(7)
        .insert(Header {
            key: headers::ERROR_KIND,
            value: Some(poison.kind.as_str()),
        })
        .insert(Header {
            key: headers::ERROR_REASON,
            value: Some(poison.reason.as_str()),
        })
        .insert(Header {
            key: headers::SOURCE_TOPIC,
            value: Some(input.topic.as_str()),
        })
        .insert(Header {
            key: headers::SOURCE_PARTITION,
            value: Some(partition.as_str()),
        })
        .insert(Header {
            key: headers::SOURCE_OFFSET,
            value: Some(offset.as_str()),
        });
    if truncated {
        h = h.insert(Header {
            key: headers::PAYLOAD_TRUNCATED,
            value: Some("true"),
        });
    }
    if let Some(tp) = &input.traceparent {
        h = h.insert(Header {
            key: headers::TRACEPARENT,
            value: Some(tp.as_str()),
        });
    }
    h
}
