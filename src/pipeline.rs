//! The path between source and sink: one ordered lane per input partition.
//!
//! The consumer loop takes an in-flight permit (the memory bound: at the
//! cap it stops reading until acknowledgements free room), reads a message
//! and hands it to its partition's lane. A lane runs parsing + enrichment on
//! the worker pool (many at once), but sends the results to the sink in
//! input order and acknowledges input offsets in that same order, each only
//! after the broker acknowledged the record or dead letter it produced.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::article::{Article, EnrichedRecord, Poison, PoisonKind};
use crate::enrich::Enricher;
use crate::fetch::{FetchError, Fetcher};
use crate::sink::{Delivered, Outbound, Sink};
use crate::source::{InputMessage, Revoked, Source};
use crate::telemetry::Metrics;
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
    _permit: OwnedSemaphorePermit,
    span: tracing::Span,
}

/// Reads until `token` is cancelled, then lets every lane drain. Returns
/// when all in-flight messages are acknowledged (or their lanes gave up
/// because the producer shut down).
pub async fn run(
    stage: Arc<Stage>,
    max_in_flight: usize,
    mut revoked: Revoked,
    token: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(max_in_flight));
    let mut lanes: HashMap<(String, i32), mpsc::UnboundedSender<Job>> = HashMap::new();
    let mut lane_tasks = JoinSet::new();

    'read: loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                stage.metrics.backpressure_waits.inc();
                tracing::debug!(max_in_flight, "in-flight cap reached; pausing consumption");
                tokio::select! {
                    _ = token.cancelled() => break 'read,
                    p = permits.clone().acquire_owned() => p.expect("semaphore is never closed"),
                }
            }
        };
        let input = loop {
            tokio::select! {
                biased;
                _ = token.cancelled() => break 'read,
                Some(gone) = revoked.recv() => {
                    // Closing a lane's channel lets it finish what it has.
                    for tp in gone {
                        lanes.remove(&tp);
                    }
                }
                msg = stage.source.recv() => match msg {
                    Ok(m) => break m,
                    Err(e) => {
                        stage.metrics.consume_errors.inc();
                        tracing::warn!(error = %e, "consume failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                },
            }
        };
        stage.metrics.consumed.inc();
        stage.metrics.in_flight.inc();
        let span = tracing::info_span!(
            "message",
            topic = %input.topic,
            partition = input.partition,
            offset = input.offset,
            article_id = tracing::field::Empty,
        );
        let key = (input.topic.clone(), input.partition);
        let job = Job {
            input: Arc::new(input),
            _permit: permit,
            span,
        };
        let lane = lanes.entry(key).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            lane_tasks.spawn(lane(stage.clone(), rx));
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
    drop(lanes);
    while lane_tasks.join_next().await.is_some() {}
}

/// An acknowledgement the lane waits for, in input order.
type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = (Job, Settled)> + Send>>;

/// One partition's ordered lane.
async fn lane(stage: Arc<Stage>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut enriching = FuturesOrdered::new();
    let mut acks: FuturesOrdered<Pending> = FuturesOrdered::new();
    let mut open = true;
    loop {
        tokio::select! {
            job = jobs.recv(), if open => match job {
                Some(job) => enriching.push_back(enrich(stage.clone(), job)),
                None => open = false,
            },
            Some((job, step)) = enriching.next() => match step {
                Step::Send(out) => {
                    let ack = stage.sink.send(job.input.clone(), out).instrument(job.span.clone()).await;
                    acks.push_back(Box::pin(async move {
                        let settled = match ack.await {
                            Ok(delivered) => Settled::Sent(delivered),
                            Err(e) => Settled::Unacknowledged(e),
                        };
                        (job, settled)
                    }) as Pending);
                }
                Step::Filter => acks.push_back(Box::pin(std::future::ready((job, Settled::Filtered)))),
            },
            Some((job, settled)) = acks.next() => finish(&stage, job, settled),
            else => break,
        }
    }
}

/// The serialised record: (key, payload, relevant).
type Encoded = (String, Vec<u8>, bool);

fn encode(metrics: &Metrics, record: EnrichedRecord) -> Encoded {
    metrics.record_enriched(&record);
    let payload = serde_json::to_vec(&record).expect("a record always serialises");
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

/// After the broker's ack (or the decision not to publish): count, and
/// store the input offset.
fn finish(stage: &Stage, job: Job, settled: Settled) {
    let _enter = job.span.enter();
    match &settled {
        Settled::Sent(Delivered::Output) => stage.metrics.produced.inc(),
        Settled::Sent(Delivered::DeadLetter(kind)) => stage
            .metrics
            .dead_lettered
            .with_label_values(&[kind.as_str()])
            .inc(),
        Settled::Filtered => stage.metrics.filtered.inc(),
        Settled::Unacknowledged(e) => {
            // Not acknowledged: leave the offset unstored; the message is
            // re-read after a restart or rebalance.
            tracing::warn!(error = %e, "not acknowledged; offset left uncommitted");
            stage.metrics.in_flight.dec();
            return;
        }
    }
    stage.source.ack(&job.input);
    stage.metrics.in_flight.dec();
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
