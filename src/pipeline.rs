//! The path between source and sink: one ordered lane per input partition.
//!
//! The consumer loop takes an in-flight permit, reads a message, takes
//! permits for its payload's bytes (the memory bound: at either cap it
//! stops reading until acknowledgements free room) and hands it to its
//! partition's lane. A lane runs parsing + enrichment on
//! the worker pool (many at once), but sends the results to the sink in
//! input order and acknowledges input offsets in that same order, each only
//! after the broker acknowledged the record or dead letter it produced.
//!
//! In exactly-once mode the lanes send through the transaction gate of
//! [`crate::txn`], settled inputs become the transaction's offsets, and this
//! loop closes a transaction every `transaction_interval_ms` — on an abort it
//! drops every lane and rewinds. Every settled message also feeds the
//! poison-rate [`Breaker`]; once it opens, the loop pauses its partitions
//! and reads no more.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::article::{Article, EnrichedRecord, Poison, PoisonKind};
use crate::breaker::Breaker;
use crate::enrich::Enricher;
use crate::fetch::{FetchError, Fetcher};
use crate::sink::{Delivered, Outbound, Sink};
use crate::source::{InputMessage, Revoked, Source};
use crate::telemetry::Metrics;
use crate::txn::{Closed, Transactions};
use crate::workers::WorkerPool;

/// A payload after the synchronous first step.
#[derive(Debug)]
pub enum Prepared {
    Enriched(EnrichedRecord),
    /// A link-only article: fetch its page ([`fetch_body`]), then enrich.
    NeedsFetch(Article),
}

/// Parses one payload and, unless it is a link-only article, enriches it:
/// the single code path behind the Kafka pipeline, `tradewire enrich` and
/// `POST /v1/enrich` (each then fetches link-only articles its own way —
/// async here, blocking in batch mode — and calls [`Enricher::enrich`]).
pub fn prepare(enricher: &Enricher, payload: &[u8], max_bytes: usize) -> Result<Prepared, Poison> {
    let article = Article::parse(payload, max_bytes)?;
    Ok(match article.body {
        None => Prepared::NeedsFetch(article),
        Some(_) => Prepared::Enriched(enricher.enrich(&article)),
    })
}

/// Fills a link-only article with its page's main text (and title, when
/// the article has none), or says why the page could not be had.
pub async fn fetch_body(fetcher: &Fetcher, mut article: Article) -> Result<Article, Poison> {
    let Some(url) = article.url.clone() else {
        return Ok(article);
    };
    let page = fetcher.fetch(&url).await.map_err(fetch_poison)?;
    article.body = Some(page.text);
    if article.title.is_none() {
        article.title = page.title;
    }
    Ok(article)
}

/// A fetch failure as a dead-letter reason.
pub fn fetch_poison(e: FetchError) -> Poison {
    let kind = match e {
        FetchError::InvalidUrl(_) => PoisonKind::FetchInvalidUrl,
        FetchError::BlockedAddress { .. } => PoisonKind::FetchBlockedAddress,
        FetchError::Timeout { .. } => PoisonKind::FetchTimeout,
        FetchError::HttpStatus(_) => PoisonKind::FetchHttpStatus,
        FetchError::TooLarge { .. } => PoisonKind::FetchTooLarge,
        FetchError::UnsupportedContent(_) => PoisonKind::FetchUnsupportedContent,
        FetchError::RedirectLimit(_) => PoisonKind::FetchRedirectLimit,
        FetchError::Connect(_) => PoisonKind::FetchConnect,
        FetchError::Decode(_) => PoisonKind::FetchDecode,
    };
    Poison::new(kind, e.to_string())
}

/// Everything a lane needs, shared by all lanes.
pub struct Stage {
    pub source: Arc<Source>,
    pub sink: Arc<Sink>,
    pub enricher: Arc<Enricher>,
    pub fetcher: Fetcher,
    pub pool: WorkerPool,
    pub metrics: Metrics,
    pub max_message_bytes: usize,
    /// Acknowledge articles that are not about trade policy without
    /// publishing them (`pipeline.drop_irrelevant`).
    pub drop_irrelevant: bool,
    /// Exactly-once mode: the transaction all lanes send into.
    pub txn: Option<Arc<Transactions>>,
    /// How often the open transaction is committed (exactly-once).
    pub transaction_interval: Duration,
    pub breaker: Arc<Breaker>,
}

/// What became of a message once nothing more will happen to it.
#[derive(Debug)]
enum Settled {
    Sent(Delivered),
    /// Not about trade policy, and the config says not to publish those.
    Filtered,
    /// The producer went away before the broker acknowledged.
    Unacknowledged(String),
}

/// What the lane does with an enriched or rejected message.
enum Step {
    Send(Outbound),
    Filter,
}

struct Job {
    input: Arc<InputMessage>,
    /// Its room in flight: one message, and its payload's bytes.
    _permits: [OwnedSemaphorePermit; 2],
    span: tracing::Span,
    in_flight: prometheus::IntGauge,
}

impl Job {
    fn new(input: InputMessage, permits: [OwnedSemaphorePermit; 2], metrics: &Metrics) -> Job {
        let span = tracing::info_span!(
            "message",
            topic = %input.topic,
            partition = input.partition,
            offset = input.offset,
            article_id = tracing::field::Empty,
        );
        metrics.in_flight.inc();
        Job {
            input: Arc::new(input),
            _permits: permits,
            span,
            in_flight: metrics.in_flight.clone(),
        }
    }
}

/// However a message leaves the pipeline — settled, or dropped by an
/// aborted transaction or a shutdown — it is no longer in flight.
impl Drop for Job {
    fn drop(&mut self) {
        self.in_flight.dec();
    }
}

type Lanes = HashMap<(String, i32), mpsc::UnboundedSender<Job>>;

/// The in-flight caps (`pipeline.max_in_flight`, `max_in_flight_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct InFlight {
    /// Messages read and not yet settled.
    pub messages: usize,
    /// Payload bytes of those messages.
    pub bytes: usize,
}

/// The unit of the byte budget's semaphore.
const BYTE_UNIT: usize = 1024;

/// What waiting for room in flight came to.
enum Room {
    Granted(OwnedSemaphorePermit),
    /// Shutting down: stop reading.
    Stopped,
    /// Exactly-once: a transaction closed meanwhile and was aborted, so the
    /// partitions were rewound and the message in hand will be read again.
    Rewound,
}

/// Reads until `token` is cancelled, then lets every lane drain. Returns
/// when all in-flight messages are acknowledged (or their lanes gave up
/// because the producer shut down). `Err` says why the pipeline cannot go
/// on (exactly-once: the producer was fenced, or a rewind failed).
pub async fn run(
    stage: Arc<Stage>,
    caps: InFlight,
    mut revoked: Revoked,
    token: CancellationToken,
) -> Result<(), String> {
    let permits = Arc::new(Semaphore::new(caps.messages));
    let byte_units = (caps.bytes / BYTE_UNIT).max(1);
    let bytes = Arc::new(Semaphore::new(byte_units));
    let mut commit_tick = tokio::time::interval(stage.transaction_interval);
    commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut r = Reader {
        lanes: HashMap::new(),
        lane_tasks: JoinSet::new(),
        commit_tick,
    };
    let eos = stage.txn.is_some();

    'read: loop {
        if stage.breaker.is_open() {
            halted(
                &stage,
                &mut r.lanes,
                &mut r.lane_tasks,
                &mut revoked,
                &token,
            )
            .await?;
            break 'read;
        }
        let permit = match r.room(&stage, &token, &permits, 1, "messages").await? {
            Room::Granted(p) => p,
            Room::Stopped => break 'read,
            Room::Rewound => continue 'read,
        };
        let input = loop {
            tokio::select! {
                biased;
                _ = token.cancelled() => break 'read,
                Some(gone) = revoked.recv() => {
                    on_revoke(&stage, &mut r.lanes, &mut r.lane_tasks, gone).await?;
                }
                _ = r.commit_tick.tick(), if eos => {
                    close_transaction(&stage, &mut r.lanes, &mut r.lane_tasks).await?;
                }
                msg = stage.source.recv() => match msg {
                    Ok(m) => break m,
                    Err(e) => {
                        stage.metrics.consume_errors.inc();
                        tracing::warn!(error = %e, "consume failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        };
        // A message larger than the whole budget runs alone.
        let units = input.payload.len().div_ceil(BYTE_UNIT).clamp(1, byte_units);
        // Unsettled, the message in hand is read again after a restart or
        // a rewind: dropping it here loses nothing.
        let byte_permit = match r.room(&stage, &token, &bytes, units, "bytes").await? {
            Room::Granted(p) => p,
            Room::Stopped => break 'read,
            Room::Rewound => continue 'read,
        };
        stage.metrics.consumed.inc();
        let key = (input.topic.clone(), input.partition);
        let job = Job::new(input, [permit, byte_permit], &stage.metrics);
        let lane = r.lanes.entry(key).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            r.lane_tasks.spawn(lane(stage.clone(), rx));
            tx
        });
        if let Err(mpsc::error::SendError(job)) = lane.send(job) {
            // The lane ended (it cannot while its sender lives); never drop
            // a message silently.
            tracing::error!(
                offset = job.input.offset,
                "lane closed unexpectedly; message will be re-read"
            );
        }
    }
    let Reader {
        lanes,
        mut lane_tasks,
        ..
    } = r;
    drop(lanes);
    while lane_tasks.join_next().await.is_some() {}
    if eos {
        // Commit what the drained lanes settled.
        let mut none = HashMap::new();
        close_transaction(&stage, &mut none, &mut lane_tasks).await?;
    }
    Ok(())
}

/// The read loop's lanes and transaction clock.
struct Reader {
    lanes: Lanes,
    lane_tasks: JoinSet<()>,
    commit_tick: tokio::time::Interval,
}

impl Reader {
    /// Takes `n` permits of the `cap` semaphore, waiting while acks free
    /// room (in exactly-once mode, transactions keep closing meanwhile).
    async fn room(
        &mut self,
        stage: &Arc<Stage>,
        token: &CancellationToken,
        sem: &Arc<Semaphore>,
        n: usize,
        cap: &str,
    ) -> Result<Room, String> {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if let Ok(p) = sem.clone().try_acquire_many_owned(n) {
            return Ok(Room::Granted(p));
        }
        stage.metrics.backpressure_waits.inc();
        tracing::debug!(cap, "in-flight cap reached; pausing consumption");
        let eos = stage.txn.is_some();
        loop {
            tokio::select! {
                _ = token.cancelled() => return Ok(Room::Stopped),
                _ = self.commit_tick.tick(), if eos => {
                    if close_transaction(stage, &mut self.lanes, &mut self.lane_tasks).await? {
                        return Ok(Room::Rewound);
                    }
                }
                p = sem.clone().acquire_many_owned(n) => {
                    return Ok(Room::Granted(p.expect("semaphore is never closed")));
                }
            }
        }
    }
}

/// Exactly-once: commits the open transaction, or aborts it and rewinds
/// (then `Ok(true)`).
async fn close_transaction(
    stage: &Arc<Stage>,
    lanes: &mut Lanes,
    lane_tasks: &mut JoinSet<()>,
) -> Result<bool, String> {
    let Some(txn) = &stage.txn else {
        return Ok(false);
    };
    let (closed, gate) = txn.close(&stage.sink, &stage.source, &stage.metrics).await;
    match closed {
        Closed::Idle => Ok(false),
        Closed::Committed { partitions } => {
            tracing::debug!(partitions, "transaction committed");
            Ok(false)
        }
        Closed::Aborted(reason) => {
            tracing::warn!(%reason, "transaction aborted; rewinding to the committed offsets");
            drop_lanes(lanes, lane_tasks).await;
            let rewound = txn.rewind(&stage.source).await;
            drop(gate);
            rewound.map(|()| true)
        }
        Closed::Fatal(reason) => {
            tracing::error!(%reason, "transactional producer cannot go on");
            Err(format!("exactly-once producer failed: {reason}"))
        }
    }
}

/// Partitions were taken away. At-least-once: closing their lanes lets
/// them finish what they hold (a revoked partition refuses the offset
/// store, so the new owner re-reads it). Exactly-once: what was sent for
/// them is in the open transaction, so it is aborted and what is still
/// assigned is rewound — the new owner alone publishes their records.
async fn on_revoke(
    stage: &Arc<Stage>,
    lanes: &mut Lanes,
    lane_tasks: &mut JoinSet<()>,
    gone: Vec<(String, i32)>,
) -> Result<(), String> {
    let Some(txn) = &stage.txn else {
        for tp in gone {
            lanes.remove(&tp);
        }
        return Ok(());
    };
    tracing::info!(partitions = ?gone, "partitions revoked: aborting the open transaction");
    drop_lanes(lanes, lane_tasks).await;
    txn.doom("partitions revoked");
    close_transaction(stage, lanes, lane_tasks)
        .await
        .map(|_| ())
}

/// Drops every lane and whatever it held in flight.
async fn drop_lanes(lanes: &mut Lanes, lane_tasks: &mut JoinSet<()>) {
    lanes.clear();
    lane_tasks.abort_all();
    while lane_tasks.join_next().await.is_some() {}
}

/// The circuit breaker is open: read nothing more, but keep the group
/// membership (rebalances), commit what was in flight, and wait for the
/// shutdown. Messages librdkafka had prefetched are not acknowledged, so a
/// restart reads them again.
async fn halted(
    stage: &Arc<Stage>,
    lanes: &mut Lanes,
    lane_tasks: &mut JoinSet<()>,
    revoked: &mut Revoked,
    token: &CancellationToken,
) -> Result<(), String> {
    let mut tick =
        tokio::time::interval(stage.transaction_interval.max(Duration::from_millis(500)));
    loop {
        // Pausing again covers partitions assigned since.
        stage.source.pause_all();
        tokio::select! {
            _ = token.cancelled() => return Ok(()),
            Some(gone) = revoked.recv() => on_revoke(stage, lanes, lane_tasks, gone).await?,
            _ = tick.tick() => {
                close_transaction(stage, lanes, lane_tasks).await?;
            }
            msg = stage.source.recv() => if let Ok(m) = msg {
                tracing::debug!(partition = m.partition, offset = m.offset, "breaker open: message left unread");
            },
        }
    }
}

/// An acknowledgement the lane waits for, in input order.
type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = (Job, Settled)> + Send>>;

/// One partition's ordered lane.
async fn lane(stage: Arc<Stage>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut enriching = FuturesOrdered::new();
    let mut acks: FuturesOrdered<Pending> = FuturesOrdered::new();
    // Exactly-once: the next record, held while a transaction closes.
    let mut parked: Option<(Job, Outbound)> = None;
    let mut open = true;
    loop {
        tokio::select! {
            job = jobs.recv(), if open => match job {
                Some(job) => enriching.push_back(enrich(stage.clone(), job)),
                None => open = false,
            },
            Some((job, step)) = enriching.next(), if parked.is_none() => match step {
                Step::Send(out) => parked = send(&stage, job, out, &mut acks).await,
                Step::Filter => acks.push_back(Box::pin(std::future::ready((job, Settled::Filtered)))),
            },
            _ = gate_opened(&stage), if parked.is_some() => {
                let (job, out) = parked.take().expect("parked");
                parked = send(&stage, job, out, &mut acks).await;
            }
            Some((job, settled)) = acks.next() => finish(&stage, job, settled),
            else => break,
        }
    }
}

/// Sends `out` now and queues its acknowledgement; or, while an
/// exactly-once transaction is closing, hands it back to be parked.
async fn send(
    stage: &Arc<Stage>,
    job: Job,
    out: Outbound,
    acks: &mut FuturesOrdered<Pending>,
) -> Option<(Job, Outbound)> {
    let _gate = match &stage.txn {
        None => None,
        Some(txn) => match txn.try_enter() {
            Some(gate) => Some(gate),
            None => return Some((job, out)),
        },
    };
    let ack = stage
        .sink
        .send(job.input.clone(), out)
        .instrument(job.span.clone())
        .await;
    if let Some(txn) = &stage.txn {
        txn.sent();
    }
    acks.push_back(Box::pin(async move {
        let settled = match ack.await {
            Ok(delivered) => Settled::Sent(delivered),
            Err(e) => Settled::Unacknowledged(e),
        };
        (job, settled)
    }));
    None
}

async fn gate_opened(stage: &Stage) {
    if let Some(txn) = &stage.txn {
        txn.opened().await;
    }
}

/// The serialised record: (key, payload, relevant).
type Encoded = (String, Vec<u8>, bool);

fn encode(metrics: &Metrics, record: EnrichedRecord) -> Encoded {
    metrics.record_enriched(&record);
    let mut payload = Vec::with_capacity(4096);
    record.write_json(&mut payload);
    (record.id, payload, record.trade_policy.relevant)
}

/// What the first, synchronous step hands back to the lane.
enum FirstStep {
    Done(Encoded),
    Fetch(Article),
}

/// Parse (+ fetch) + enrich + serialise. CPU work runs on the worker pool;
/// a page fetch is awaited here, so other messages keep flowing meanwhile.
/// `Err` carries a panic message from the pool.
async fn process(
    stage: &Arc<Stage>,
    input: Arc<InputMessage>,
) -> Result<Result<Encoded, Poison>, String> {
    let s = stage.clone();
    let first = stage
        .pool
        .run(move || {
            prepare(&s.enricher, &input.payload, s.max_message_bytes).map(|p| match p {
                Prepared::Enriched(record) => FirstStep::Done(encode(&s.metrics, record)),
                Prepared::NeedsFetch(article) => FirstStep::Fetch(article),
            })
        })
        .await?;
    let article = match first {
        Err(poison) => return Ok(Err(poison)),
        Ok(FirstStep::Done(encoded)) => return Ok(Ok(encoded)),
        Ok(FirstStep::Fetch(article)) => article,
    };
    let article = match fetch_body(&stage.fetcher, article).await {
        Ok(a) => a,
        Err(poison) => return Ok(Err(poison)),
    };
    let s = stage.clone();
    stage
        .pool
        .run(move || Ok(encode(&s.metrics, s.enricher.enrich(&article))))
        .await
}

/// Runs [`process`] for one job and decides what the lane sends.
async fn enrich(stage: Arc<Stage>, job: Job) -> (Job, Step) {
    let started = Instant::now();
    let result = process(&stage, job.input.clone()).await;
    stage
        .metrics
        .enrich_seconds
        .observe(started.elapsed().as_secs_f64());
    let out = match result {
        Ok(Ok((key, _, false))) if stage.drop_irrelevant => {
            job.span.record("article_id", key.as_str());
            Step::Filter
        }
        Ok(Ok((key, payload, _))) => {
            job.span.record("article_id", key.as_str());
            Step::Send(Outbound::Record { key, payload })
        }
        Ok(Err(poison)) => {
            job.span.in_scope(
                || tracing::warn!(kind = %poison.kind, reason = %poison.reason, "poison message"),
            );
            Step::Send(Outbound::DeadLetter { poison })
        }
        Err(panic) => {
            job.span
                .in_scope(|| tracing::error!(reason = %panic, "enrichment failed"));
            Step::Send(Outbound::DeadLetter {
                poison: Poison::new(PoisonKind::EnrichFailed, panic),
            })
        }
    };
    (job, out)
}

/// After the broker's ack (or the decision not to publish): count, feed
/// the breaker, and settle the input offset — stored for the next commit,
/// or handed to the open transaction.
fn finish(stage: &Stage, job: Job, settled: Settled) {
    let _enter = job.span.enter();
    let was_sent = !matches!(settled, Settled::Filtered);
    let dead_letter = match &settled {
        Settled::Sent(Delivered::Output) => {
            stage.metrics.produced.inc();
            false
        }
        Settled::Sent(Delivered::DeadLetter(kind)) => {
            stage
                .metrics
                .dead_lettered
                .with_label_values(&[kind.as_str()])
                .inc();
            true
        }
        Settled::Filtered => {
            stage.metrics.filtered.inc();
            false
        }
        Settled::Unacknowledged(e) => {
            // Not acknowledged: leave the offset unstored; the message is
            // re-read after a restart, rebalance or aborted transaction.
            tracing::warn!(error = %e, "not acknowledged; offset left uncommitted");
            if let Some(txn) = &stage.txn {
                txn.settle(&job.input, true, Some(e.clone()));
            }
            return;
        }
    };
    stage.breaker.record(dead_letter);
    match &stage.txn {
        Some(txn) => txn.settle(&job.input, was_sent, None),
        None => stage.source.ack(&job.input),
    }
    if let Some(ts) = job.input.timestamp_ms {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(ts);
        stage
            .metrics
            .end_to_end_seconds
            .observe((now_ms - ts).max(0) as f64 / 1000.0);
    }
    tracing::debug!(?settled, "acknowledged");
}
