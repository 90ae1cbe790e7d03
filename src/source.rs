//! The Kafka consumer: group membership and assignment, turning a message
//! into an owned [`InputMessage`], and offset bookkeeping.
//!
//! Offsets are stored (for the periodic auto-commit) only through
//! [`Source::ack`], which the pipeline calls after the message's output
//! record or dead letter was acknowledged — in input order per partition.
//! Stored offsets are committed every `commit_interval_ms`, synchronously on
//! partition revoke, and on shutdown ([`Source::commit`]).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, ConsumerGroupMetadata, Rebalance,
    StreamConsumer,
};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message};
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientContext;
use tokio::sync::mpsc;

use crate::config::{Config, Delivery};
use crate::error::{Error, Result};
use crate::telemetry::Metrics;

/// Partitions taken away by a rebalance, as `(topic, partition)`.
pub type Revoked = mpsc::UnboundedReceiver<Vec<(String, i32)>>;

/// One consumed message, detached from librdkafka's buffers.
#[derive(Debug, Clone)]
pub struct InputMessage {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
    /// Kafka timestamp (create or log-append time), milliseconds since epoch.
    pub timestamp_ms: Option<i64>,
    /// W3C trace context, carried to the output record and dead letter.
    pub traceparent: Option<String>,
}

/// Group state that readiness and the pipeline read.
#[derive(Debug, Default)]
pub struct Membership {
    joined: AtomicBool,
    assigned: Mutex<HashSet<(String, i32)>>,
}

impl Membership {
    /// True once the group is joined (an empty assignment counts: the
    /// instance is ready and waiting for partitions).
    pub fn joined(&self) -> bool {
        self.joined.load(Ordering::Relaxed)
    }

    pub fn assigned(&self) -> Vec<(String, i32)> {
        let mut v: Vec<_> = self
            .assigned
            .lock()
            .expect("not poisoned")
            .iter()
            .cloned()
            .collect();
        v.sort();
        v
    }
}

/// Rebalance, statistics and commit callbacks.
pub struct SourceContext {
    metrics: Metrics,
    membership: Arc<Membership>,
    revoked: mpsc::UnboundedSender<Vec<(String, i32)>>,
}

impl ClientContext for SourceContext {
    fn stats(&self, stats: Statistics) {
        let assigned = self
            .membership
            .assigned
            .lock()
            .expect("not poisoned")
            .clone();
        for (topic, t) in &stats.topics {
            for (partition, p) in &t.partitions {
                if !assigned.contains(&(topic.clone(), *partition)) {
                    continue;
                }
                let lag = if p.consumer_lag >= 0 {
                    p.consumer_lag
                } else if p.hi_offset >= 0 && p.app_offset >= 0 {
                    (p.hi_offset - p.app_offset).max(0)
                } else if p.hi_offset >= 0 && p.lo_offset >= 0 {
                    // Nothing consumed or committed yet: everything is lag.
                    p.hi_offset - p.lo_offset
                } else {
                    continue;
                };
                self.metrics
                    .consumer_lag
                    .with_label_values(&[topic.as_str(), &partition.to_string()])
                    .set(lag);
            }
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(error = %error, reason, "kafka consumer error");
    }
}

impl ConsumerContext for SourceContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            self.metrics.rebalances.with_label_values(&["revoke"]).inc();
            let revoked: Vec<(String, i32)> = tpl
                .elements()
                .iter()
                .map(|e| (e.topic().to_owned(), e.partition()))
                .collect();
            tracing::info!(partitions = ?revoked, "partitions revoked; committing stored offsets");
            // Commit what is stored so the next owner starts right after
            // the last acknowledged record.
            match consumer.commit_consumer_state(CommitMode::Sync) {
                Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
                Err(e) => tracing::warn!(error = %e, "commit on revoke failed"),
            }
            let mut assigned = self.membership.assigned.lock().expect("not poisoned");
            for (topic, partition) in &revoked {
                assigned.remove(&(topic.clone(), *partition));
                for gauge in [&self.metrics.consumer_lag, &self.metrics.committed_offset] {
                    let _ = gauge.remove_label_values(&[topic.as_str(), &partition.to_string()]);
                }
            }
            self.metrics.assigned_partitions.set(assigned.len() as i64);
            let _ = self.revoked.send(revoked);
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                self.metrics.rebalances.with_label_values(&["assign"]).inc();
                let mut assigned = self.membership.assigned.lock().expect("not poisoned");
                for e in tpl.elements() {
                    assigned.insert((e.topic().to_owned(), e.partition()));
                }
                self.metrics.assigned_partitions.set(assigned.len() as i64);
                self.membership.joined.store(true, Ordering::Relaxed);
                tracing::info!(partitions = ?sorted(&assigned), "partitions assigned");
            }
            Rebalance::Error(e) => {
                self.metrics.rebalances.with_label_values(&["error"]).inc();
                self.membership.joined.store(false, Ordering::Relaxed);
                tracing::warn!(error = %e, "rebalance failed");
            }
            Rebalance::Revoke(_) => {}
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => {
                self.metrics.commits.with_label_values(&["ok"]).inc();
                for e in offsets.elements() {
                    if let Offset::Offset(next) = e.offset() {
                        self.metrics
                            .committed_offset
                            .with_label_values(&[e.topic(), &e.partition().to_string()])
                            .set(next);
                    }
                }
            }
            // Nothing was stored since the last commit: not an error.
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => {
                self.metrics.commits.with_label_values(&["error"]).inc();
                tracing::warn!(error = %e, "offset commit failed");
            }
        }
    }
}

/// Commit errors saying that this member's partitions are being or were
/// given to another member: a rebalance in progress, an older generation,
/// a membership the coordinator no longer knows, or an assignment librdkafka
/// already gave up.
fn partitions_moved(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::RebalanceInProgress
            | RDKafkaErrorCode::IllegalGeneration
            | RDKafkaErrorCode::UnknownMemberId
            | RDKafkaErrorCode::StaleMemberEpoch
            | RDKafkaErrorCode::AssignmentLost
    )
}

fn sorted(set: &HashSet<(String, i32)>) -> Vec<(String, i32)> {
    let mut v: Vec<_> = set.iter().cloned().collect();
    v.sort();
    v
}

/// The consumer side of the pipeline.
pub struct Source {
    consumer: StreamConsumer<SourceContext>,
    membership: Arc<Membership>,
}

impl Source {
    /// Creates the consumer and subscribes to the input topic. Returns the
    /// receiver of revoked partitions alongside.
    pub fn subscribe(
        config: &Config,
        brokers: &str,
        metrics: Metrics,
    ) -> Result<(Source, Revoked)> {
        let k = &config.kafka;
        let delivery = config.pipeline.delivery;
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", brokers)
            .set("group.id", &k.group_id)
            .set("client.id", "tradewire")
            // Exactly-once: offsets are committed only inside transactions.
            .set(
                "enable.auto.commit",
                (delivery == Delivery::AtLeastOnce).to_string(),
            )
            .set("auto.commit.interval.ms", k.commit_interval_ms.to_string())
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            .set(
                "statistics.interval.ms",
                k.statistics_interval_ms.to_string(),
            )
            // Bound librdkafka's prefetch (per assigned partition) so that
            // pausing under backpressure bounds memory too. 4 MiB instead of
            // 16: same throughput, 18 MB less RSS with 6 partitions.
            .set("queued.max.messages.kbytes", "4096")
            // Once that prefetch is full, librdkafka waits this long before
            // it fetches again (default 1 s). At full speed the prefetch
            // lasts well under a second, so the default left the pipeline
            // idle for ~0.45 s of every ~0.85 s: 5,800 articles/s end to end
            // instead of 13,400 (measured with `tradewire loadgen`).
            .set("fetch.queue.backoff.ms", "50");
        // The next-generation group protocol (KIP-848) takes both from the
        // broker and refuses them here.
        let protocol = k
            .consumer
            .get("group.protocol")
            .or(k.common.get("group.protocol"));
        if protocol.is_none_or(|p| p.to_string() != "consumer") {
            cc.set("session.timeout.ms", "10000")
                .set("heartbeat.interval.ms", "1000");
        }
        for (key, value) in k.common.iter().chain(&k.consumer) {
            cc.set(key, value.to_string());
        }
        let membership = Arc::new(Membership::default());
        let (revoked_tx, revoked_rx) = mpsc::unbounded_channel();
        let context = SourceContext {
            metrics,
            membership: membership.clone(),
            revoked: revoked_tx,
        };
        let consumer: StreamConsumer<SourceContext> = cc
            .create_with_context(context)
            .map_err(Error::kafka("creating consumer"))?;
        consumer
            .subscribe(&[k.input_topic.as_str()])
            .map_err(Error::kafka("subscribing to the input topic"))?;
        Ok((
            Source {
                consumer,
                membership,
            },
            revoked_rx,
        ))
    }

    pub fn membership(&self) -> Arc<Membership> {
        self.membership.clone()
    }

    /// The next message, copied out of librdkafka's buffers.
    pub async fn recv(&self) -> KafkaResult<InputMessage> {
        let m = self.consumer.recv().await?;
        let traceparent = m.headers().and_then(|h| {
            h.iter()
                .find(|h| h.key.eq_ignore_ascii_case("traceparent"))
                .and_then(|h| h.value)
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(str::to_owned)
        });
        Ok(InputMessage {
            topic: m.topic().to_owned(),
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(<[u8]>::to_vec),
            payload: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            timestamp_ms: m.timestamp().to_millis(),
            traceparent,
        })
    }

    /// Marks `msg` as done: its offset + 1 is committed with the next commit.
    /// A partition revoked meanwhile refuses the store; the new owner then
    /// re-reads the message (a duplicate, never a loss).
    pub fn ack(&self, msg: &InputMessage) {
        if let Err(e) = self
            .consumer
            .store_offset(&msg.topic, msg.partition, msg.offset)
        {
            tracing::debug!(
                error = %e,
                topic = %msg.topic,
                partition = msg.partition,
                offset = msg.offset,
                "offset not stored (partition no longer assigned)"
            );
        }
    }

    /// Commits stored offsets now, on shutdown (blocking; call from a
    /// blocking context).
    ///
    /// A commit the group refuses because the partitions are being or were
    /// reassigned ([`partitions_moved`]) is not a failure of this instance:
    /// every record it consumed was delivered before the commit was tried,
    /// and the next owner starts at the last committed offset, so it
    /// re-delivers (at-least-once), never loses. It is logged as a warning
    /// and the shutdown counts as clean.
    pub fn commit(&self) -> Result<()> {
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => Ok(()),
            Err(KafkaError::ConsumerCommit(code)) if partitions_moved(code) => {
                tracing::warn!(
                    error = %code,
                    "final offset commit refused: the group is rebalancing or has moved the \
                     partitions on; their next owner re-delivers what was acknowledged since \
                     the last commit"
                );
                Ok(())
            }
            Err(e) => Err(Error::Kafka {
                context: "committing offsets",
                cause: e,
            }),
        }
    }

    /// The group's generation and member id, which a transaction's offset
    /// commit carries so that a zombie instance is fenced by the broker.
    pub fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        self.consumer.group_metadata()
    }

    /// Exactly-once, after an aborted transaction: moves every assigned
    /// partition back to its committed offset (the start, when nothing was
    /// committed yet), dropping what librdkafka had prefetched. Blocking.
    pub fn rewind_to_committed(&self, timeout: std::time::Duration) -> Result<(), String> {
        let assignment = self
            .consumer
            .assignment()
            .map_err(|e| format!("reading the assignment: {e}"))?;
        if assignment.count() == 0 {
            return Ok(());
        }
        let committed = self
            .consumer
            .committed_offsets(assignment, timeout)
            .map_err(|e| format!("reading committed offsets: {e}"))?;
        let mut seek = TopicPartitionList::new();
        for e in committed.elements() {
            let to = match e.offset() {
                Offset::Offset(o) => Offset::Offset(o),
                _ => Offset::Beginning,
            };
            seek.add_partition_offset(e.topic(), e.partition(), to)
                .map_err(|e| e.to_string())?;
        }
        let result = self
            .consumer
            .seek_partitions(seek, timeout)
            .map_err(|e| format!("seeking: {e}"))?;
        for e in result.elements() {
            if let Err(err) = e.error() {
                return Err(format!("seeking {}/{}: {err}", e.topic(), e.partition()));
            }
            tracing::info!(topic = e.topic(), partition = e.partition(), offset = ?e.offset(), "rewound to the committed offset");
        }
        Ok(())
    }

    /// Stops fetching from every assigned partition (the circuit breaker).
    /// Called again after a rebalance, it pauses the new assignment too.
    pub fn pause_all(&self) {
        match self.consumer.assignment() {
            Ok(tpl) if tpl.count() > 0 => {
                if let Err(e) = self.consumer.pause(&tpl) {
                    tracing::warn!(error = %e, "pausing partitions failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the assignment failed"),
        }
    }

    /// Committed offsets of the current assignment (for diagnostics).
    pub fn committed(&self) -> HashMap<(String, i32), i64> {
        let mut out = HashMap::new();
        if let Ok(tpl) = self.consumer.committed(std::time::Duration::from_secs(5)) {
            for e in tpl.elements() {
                if let Some(o) = e.offset().to_raw() {
                    out.insert((e.topic().to_owned(), e.partition()), o);
                }
            }
        }
        out
    }
}
