//! Exactly-once delivery (`pipeline.delivery = "exactly-once"`): the
//! output records, the dead letters and the consumed offsets they answer
//! are committed together in one Kafka transaction.
//!
//! Lanes send as usual, but through a gate. Every `transaction_interval_ms`
//! the pipeline closes the transaction ([`Transactions::close`]): it shuts
//! the gate (a lane holding its next record parks it), waits until every
//! record sent in this transaction is acknowledged and its input settled,
//! then hands the settled positions to the producer's transaction and
//! commits. The records of a transaction therefore answer exactly the
//! offsets committed with them. A commit that fails is aborted: the
//! pipeline drops everything in flight and rewinds its partitions to the
//! committed offsets. A fenced producer (another live instance with the
//! same `transactional.id`) is fatal.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::sink::{Sink, TxnFailure};
use crate::source::{InputMessage, Source};
use crate::telemetry::Metrics;

/// How long a closing transaction waits for its records' acknowledgements
/// before it gives up and aborts.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Time allowed for each transactional call to the broker.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Transactions {
    gate: RwLock<()>,
    state: Mutex<State>,
    settled: Notify,
}

#[derive(Default)]
struct State {
    /// Records sent in the open transaction.
    sent: u64,
    /// Of those, how many have settled (acknowledged or failed).
    settled: u64,
    /// Why the open transaction cannot commit, once a delivery failed.
    failure: Option<String>,
    /// Next offset to commit per input partition: one past the last message
    /// settled in the open transaction.
    positions: BTreeMap<(String, i32), i64>,
}

/// How closing a transaction ended.
#[derive(Debug)]
pub enum Closed {
    /// Nothing was sent or settled since the last commit.
    Idle,
    Committed {
        partitions: usize,
    },
    /// The transaction was aborted; the caller must drop what it holds in
    /// flight and rewind (see [`Transactions::rewind`]).
    Aborted(String),
    /// The producer cannot go on (fenced, or a fatal client error).
    Fatal(String),
}

impl Transactions {
    pub fn new() -> Transactions {
        Transactions {
            gate: RwLock::new(()),
            state: Mutex::new(State::default()),
            settled: Notify::new(),
        }
    }

    /// A lane's permission to send now, held while it enqueues; `None`
    /// while a transaction is closing (the lane parks its record).
    pub fn try_enter(&self) -> Option<RwLockReadGuard<'_, ()>> {
        self.gate.try_read().ok()
    }

    /// Resolves once the gate is open again.
    pub async fn opened(&self) {
        drop(self.gate.read().await);
    }

    /// One record was enqueued (call while holding the gate).
    pub fn sent(&self) {
        self.state.lock().expect("not poisoned").sent += 1;
    }

    /// `input` is done, in input order per partition. `was_sent` says
    /// whether it had been [`sent`](Self::sent); `failure` that its record
    /// was not acknowledged, which dooms the open transaction.
    pub fn settle(&self, input: &InputMessage, was_sent: bool, failure: Option<String>) {
        let mut s = self.state.lock().expect("not poisoned");
        if was_sent {
            s.settled += 1;
        }
        match failure {
            Some(reason) => {
                s.failure.get_or_insert(reason);
            }
            None => {
                s.positions
                    .insert((input.topic.clone(), input.partition), input.offset + 1);
            }
        }
        drop(s);
        self.settled.notify_one();
    }

    /// Marks the open transaction as one to abort (its lanes are gone).
    pub fn doom(&self, why: &str) {
        self.state
            .lock()
            .expect("not poisoned")
            .failure
            .get_or_insert_with(|| why.to_owned());
    }

    fn idle(&self) -> bool {
        let s = self.state.lock().expect("not poisoned");
        s.sent == 0 && s.positions.is_empty() && s.failure.is_none()
    }

    /// Closes the open transaction: commits it, or aborts it. Returns with
    /// the gate still shut; the caller reopens it by dropping the guard,
    /// after rewinding if the transaction was aborted.
    pub async fn close(
        &self,
        sink: &Arc<Sink>,
        source: &Arc<Source>,
        metrics: &Metrics,
    ) -> (Closed, Option<RwLockWriteGuard<'_, ()>>) {
        if self.idle() {
            return (Closed::Idle, None);
        }
        let started = Instant::now();
        let guard = self.gate.write().await;
        let settled = tokio::time::timeout(SETTLE_TIMEOUT, async {
            loop {
                {
                    let s = self.state.lock().expect("not poisoned");
                    // A doomed transaction is aborted at once: the abort
                    // discards whatever is still on its way.
                    if s.settled >= s.sent || s.failure.is_some() {
                        return;
                    }
                }
                self.settled.notified().await;
            }
        })
        .await;
        let (positions, failure) = {
            let mut s = self.state.lock().expect("not poisoned");
            let state = std::mem::take(&mut *s);
            (state.positions, state.failure)
        };
        let doomed = match (settled, failure) {
            (Err(_), _) => Some(format!(
                "records not acknowledged within {}s",
                SETTLE_TIMEOUT.as_secs()
            )),
            (Ok(()), failure) => failure,
        };
        let (sink2, source2) = (sink.clone(), source.clone());
        let committing = positions.clone();
        let outcome = tokio::task::spawn_blocking(move || match doomed {
            Some(reason) => Err(TxnFailure::Abort(reason)),
            None => {
                let group = source2.group_metadata().ok_or_else(|| {
                    TxnFailure::Abort("the consumer has no group metadata yet".to_owned())
                })?;
                sink2.commit_transaction(&positions, &group, CALL_TIMEOUT)
            }
        })
        .await
        .unwrap_or_else(|e| Err(TxnFailure::Fatal(format!("commit task failed: {e}"))));
        let closed = match outcome {
            Ok(partitions) => {
                metrics.transactions.with_label_values(&["committed"]).inc();
                for ((topic, partition), next) in &committing {
                    metrics
                        .committed_offset
                        .with_label_values(&[topic.as_str(), &partition.to_string()])
                        .set(*next);
                }
                Closed::Committed { partitions }
            }
            Err(TxnFailure::Fatal(reason)) => Closed::Fatal(reason),
            Err(TxnFailure::Abort(reason)) => {
                tracing::warn!(%reason, "transaction failed; aborting it");
                let s = sink.clone();
                match tokio::task::spawn_blocking(move || s.abort_transaction(CALL_TIMEOUT)).await {
                    Ok(Ok(())) => {
                        metrics.transactions.with_label_values(&["aborted"]).inc();
                        Closed::Aborted(reason)
                    }
                    Ok(Err(TxnFailure::Fatal(e) | TxnFailure::Abort(e))) => {
                        Closed::Fatal(format!("{reason}; then the abort failed: {e}"))
                    }
                    Err(e) => Closed::Fatal(format!("abort task failed: {e}")),
                }
            }
        };
        metrics
            .transaction_seconds
            .observe(started.elapsed().as_secs_f64());
        (closed, Some(guard))
    }

    /// After an abort, with every lane dropped: seeks the assigned
    /// partitions back to their committed offsets, so the aborted work is
    /// read and done again in the next transaction.
    pub async fn rewind(&self, source: &Arc<Source>) -> Result<(), String> {
        *self.state.lock().expect("not poisoned") = State::default();
        let s = source.clone();
        tokio::task::spawn_blocking(move || s.rewind_to_committed(CALL_TIMEOUT))
            .await
            .map_err(|e| format!("rewind task failed: {e}"))?
    }
}

impl Default for Transactions {
    fn default() -> Self {
        Transactions::new()
    }
}
