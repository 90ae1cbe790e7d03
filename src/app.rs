//! Wiring: [`App::build`] connects source → enrich → sink and the HTTP
//! server and reports the addresses it bound; [`App::run`] runs until the
//! token is cancelled, then shuts down in order: stop reading → finish
//! in-flight work → flush the producer → commit offsets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::types::RDKafkaErrorCode;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::breaker::Breaker;
use crate::config::{is_secret_key, Config, Delivery, PassValue};
use crate::embedded::EmbeddedBroker;
use crate::enrich::Enricher;
use crate::error::{Error, Result};
use crate::fetch::Fetcher;
use crate::http::{self, HttpState, Readiness};
use crate::pipeline::{self, Stage};
use crate::sink::Sink;
use crate::source::{Revoked, Source};
use crate::telemetry::Metrics;
use crate::txn::{self, Transactions};
use crate::workers::WorkerPool;

/// How often the producer's reach to the cluster is probed, at most.
const PROBE_INTERVAL: Duration = Duration::from_secs(5);

pub struct App {
    config: Config,
    bootstrap: String,
    http_addr: SocketAddr,
    listener: TcpListener,
    stage: Arc<Stage>,
    revoked: Revoked,
    readiness: Arc<Readiness>,
    http_state: HttpState,
    // Declared last: dropped after the clients that talk to it.
    embedded: Option<EmbeddedBroker>,
}

/// Loads the enrichment engine the config asks for.
pub fn load_enricher(config: &Config) -> Result<Enricher> {
    Ok(match config.data_dir() {
        Some(dir) => Enricher::from_dir(&dir)?,
        None => Enricher::embedded()?,
    })
}

impl App {
    pub async fn build(mut config: Config) -> Result<App> {
        if config.external_brokers().is_none() {
            for (key, value) in crate::embedded::CONSUMER_DEFAULTS {
                config
                    .kafka
                    .consumer
                    .entry((*key).to_owned())
                    .or_insert_with(|| PassValue::Str((*value).to_owned()));
            }
        }
        let metrics = Metrics::new();
        let started = std::time::Instant::now();
        let enricher = Arc::new(load_enricher(&config)?);
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "enrichment data loaded"
        );
        let pool = WorkerPool::new(config.workers())?;
        let fetcher = Fetcher::new(&config.fetch, Some(metrics.fetch.clone()))?;
        let k = &config.kafka;

        let embedded = match config.external_brokers() {
            Some(_) => None,
            None => {
                let topics = [&k.input_topic, &k.output_topic, &k.dlq_topic]
                    .map(|t| (t.as_str(), k.topic_partitions));
                let broker = EmbeddedBroker::start(k.embedded_brokers, &topics)?;
                tracing::info!(
                    bootstrap = broker.bootstrap_servers(),
                    topics = ?[&k.input_topic, &k.output_topic, &k.dlq_topic],
                    "embedded Kafka broker started (in-memory; set kafka.brokers to use a cluster)"
                );
                Some(broker)
            }
        };
        let bootstrap = match (&embedded, config.external_brokers()) {
            (Some(b), _) => b.bootstrap_servers().to_owned(),
            (None, Some(b)) => b.to_owned(),
            (None, None) => unreachable!("either embedded or external"),
        };
        if embedded.is_none() && k.create_topics {
            ensure_topics(&config, &bootstrap).await?;
        }
        log_client_settings(&config);

        let sink = Sink::new(&config, &bootstrap, metrics.clone())?;
        let txn = match config.pipeline.delivery {
            Delivery::AtLeastOnce => None,
            Delivery::ExactlyOnce => {
                let id = config.transactional_id();
                let s = sink.clone();
                tokio::task::spawn_blocking(move || s.init_transactions(txn::CALL_TIMEOUT))
                    .await
                    .map_err(|e| Error::Shutdown(e.to_string()))??;
                tracing::info!(transactional_id = %id, "exactly-once delivery: transactions initialised");
                Some(Arc::new(Transactions::new()))
            }
        };
        let (source, revoked) = Source::subscribe(&config, &bootstrap, metrics.clone())?;
        let source = Arc::new(source);
        let breaker = Arc::new(Breaker::new(&config.pipeline.breaker, metrics.clone()));
        let readiness = Arc::new(Readiness::new(
            Some(source.membership()),
            Some(breaker.clone()),
            Duration::from_secs(k.broker_unreachable_secs),
        ));

        let listener = TcpListener::bind(config.http.listen)
            .await
            .map_err(|cause| Error::Bind {
                addr: config.http.listen,
                cause,
            })?;
        let http_addr = listener.local_addr()?;
        tracing::info!(addr = %http_addr, "http listening (/metrics, /healthz, /readyz, POST /v1/enrich)");

        let http_state = HttpState {
            metrics: metrics.clone(),
            enricher: enricher.clone(),
            fetcher: fetcher.clone(),
            pool: pool.clone(),
            readiness: readiness.clone(),
            max_body_bytes: config.http.max_body_bytes,
            max_message_bytes: config.pipeline.max_message_bytes,
        };
        let stage = Arc::new(Stage {
            source,
            sink,
            enricher,
            fetcher,
            pool,
            metrics,
            max_message_bytes: config.pipeline.max_message_bytes,
            drop_irrelevant: config.pipeline.drop_irrelevant,
            txn,
            transaction_interval: Duration::from_millis(config.pipeline.transaction_interval_ms),
            breaker,
        });
        Ok(App {
            config,
            bootstrap,
            http_addr,
            listener,
            stage,
            revoked,
            readiness,
            http_state,
            embedded,
        })
    }

    /// Where the HTTP server listens (the real port when configured as 0).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The Kafka bootstrap servers in use (the embedded broker's address
    /// when no cluster was configured).
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    /// Runs until `token` is cancelled, then shuts down within the grace
    /// period. `Err` when the grace period ran out before the end.
    pub async fn run(self, token: CancellationToken) -> Result<()> {
        let App {
            config,
            listener,
            stage,
            revoked,
            readiness,
            http_state,
            embedded,
            ..
        } = self;

        let http_token = token.clone();
        let server = tokio::spawn(async move {
            let app = http::router(http_state);
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(http_token.cancelled_owned())
                .await
            {
                tracing::error!(error = %e, "http server failed");
            }
        });
        // Probe often enough that /readyz flips within the configured time.
        let every =
            PROBE_INTERVAL.min(Duration::from_secs(config.kafka.broker_unreachable_secs) / 3);
        let probe = tokio::spawn(probe_broker(
            stage.clone(),
            readiness.clone(),
            every,
            token.clone(),
        ));
        let mut pipeline = tokio::spawn(pipeline::run(
            stage.clone(),
            pipeline::InFlight {
                messages: config.pipeline.max_in_flight,
                bytes: config.pipeline.max_in_flight_bytes,
            },
            revoked,
            token.clone(),
        ));

        // The pipeline ends by itself only on a fatal error; after the
        // token is cancelled it ends by draining, which is not a failure.
        let ended = tokio::select! {
            biased;
            _ = token.cancelled() => None,
            ended = &mut pipeline => Some(ended),
        };
        let failed = match &ended {
            Some(Ok(Err(reason))) => Some(reason.clone()),
            Some(Err(e)) => Some(format!("the pipeline task failed: {e}")),
            Some(Ok(Ok(()))) | None => None,
        };
        if let Some(reason) = &failed {
            tracing::error!(%reason, "stopping");
            token.cancel();
        }
        readiness.stopping();
        let grace = config.shutdown_grace();
        let deadline = tokio::time::Instant::now() + grace;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "stopping: finishing in-flight messages"
        );

        if let Some(reason) = failed {
            probe.abort();
            let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
            return Err(Error::Shutdown(format!(
                "{reason}; uncommitted messages will be re-read on restart"
            )));
        }
        let drained = match ended {
            Some(_) => Ok(()),
            None => match tokio::time::timeout_at(deadline, pipeline).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(reason))) => Err(reason),
                Ok(Err(e)) => Err(format!("the pipeline task failed: {e}")),
                Err(_) => Err(format!(
                    "in-flight messages not finished within {}s",
                    grace.as_secs()
                )),
            },
        };
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let flush_stage = stage.clone();
        let flushed = tokio::task::spawn_blocking(move || flush_stage.sink.flush(remaining))
            .await
            .map_err(|e| Error::Shutdown(e.to_string()))?;
        let commit_stage = stage.clone();
        let committed = tokio::task::spawn_blocking(move || commit_stage.source.commit())
            .await
            .map_err(|e| Error::Shutdown(e.to_string()))?;
        probe.abort();
        let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
        drop(stage);
        drop(embedded);

        match (drained, flushed, committed) {
            (Ok(()), Ok(()), Ok(())) => {
                tracing::info!(
                    "stopped cleanly: all in-flight messages acknowledged and committed"
                );
                Ok(())
            }
            (drained, flushed, committed) => {
                let why: Vec<String> = [
                    drained.err(),
                    flushed.err().map(|e| e.to_string()),
                    committed.err().map(|e| e.to_string()),
                ]
                .into_iter()
                .flatten()
                .collect();
                Err(Error::Shutdown(format!(
                    "{}; unacknowledged messages will be re-read on restart",
                    why.join("; ")
                )))
            }
        }
    }
}

/// Marks the broker reachable whenever a metadata request succeeds, and
/// samples the producer queue.
async fn probe_broker(
    stage: Arc<Stage>,
    readiness: Arc<Readiness>,
    every: Duration,
    token: CancellationToken,
) {
    let mut interval = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = interval.tick() => {}
        }
        let s = stage.clone();
        let timeout = every.max(Duration::from_millis(500));
        let ok = tokio::task::spawn_blocking(move || s.sink.probe(timeout))
            .await
            .unwrap_or(false);
        if ok {
            readiness.broker_answered();
        } else {
            tracing::warn!("no broker answered a metadata request");
        }
        stage
            .metrics
            .producer_queue
            .set(stage.sink.queue_len() as i64);
    }
}

/// Creates the three topics on an external cluster when asked to.
async fn ensure_topics(config: &Config, bootstrap: &str) -> Result<()> {
    let k = &config.kafka;
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", bootstrap);
    for (key, value) in &k.common {
        cc.set(key, value.to_string());
    }
    let admin: AdminClient<DefaultClientContext> =
        cc.create().map_err(Error::kafka("creating admin client"))?;
    let topics: Vec<NewTopic> = [&k.input_topic, &k.output_topic, &k.dlq_topic]
        .into_iter()
        .map(|t| {
            NewTopic::new(
                t,
                k.topic_partitions,
                TopicReplication::Fixed(k.replication_factor),
            )
        })
        .collect();
    let results = admin
        .create_topics(
            &topics,
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        )
        .await
        .map_err(Error::kafka("creating topics"))?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(topic, "topic created"),
            Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => {
                tracing::debug!(topic, "topic exists")
            }
            Err((topic, code)) => {
                return Err(Error::Kafka {
                    context: "creating topics",
                    cause: rdkafka::error::KafkaError::AdminOp(code),
                })
                .inspect_err(|_| tracing::error!(topic, ?code, "cannot create topic"))
            }
        }
    }
    Ok(())
}

/// Logs which librdkafka settings were passed through — keys only for
/// secrets, never their values.
fn log_client_settings(config: &Config) {
    let k = &config.kafka;
    let shown: Vec<String> = k
        .common
        .iter()
        .chain(&k.consumer)
        .chain(&k.producer)
        .map(|(key, v)| {
            if is_secret_key(key) {
                format!("{key}=<redacted>")
            } else {
                format!("{key}={v}")
            }
        })
        .collect();
    tracing::info!(
        input = %k.input_topic,
        output = %k.output_topic,
        dlq = %k.dlq_topic,
        group = %k.group_id,
        librdkafka = ?shown,
        max_in_flight = config.pipeline.max_in_flight,
        max_in_flight_bytes = config.pipeline.max_in_flight_bytes,
        workers = config.workers(),
        "kafka clients configured"
    );
}
