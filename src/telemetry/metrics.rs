//! The Prometheus registry and typed handles. Each event is counted in one
//! place; names follow `tradewire_<noun>_<unit>[_total]` in base units and
//! every label has a small, fixed set of values (no ids, URLs or names).

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::article::{EnrichedRecord, EntityKind, PoisonKind, SentimentLabel};
use crate::fetch::FetchMetrics;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub consumed: IntCounter,
    pub produced: IntCounter,
    pub filtered: IntCounter,
    pub dead_lettered: IntCounterVec,
    pub consume_errors: IntCounter,
    pub enrich_seconds: Histogram,
    pub end_to_end_seconds: Histogram,
    pub in_flight: IntGauge,
    pub backpressure_waits: IntCounter,
    pub rebalances: IntCounterVec,
    pub assigned_partitions: IntGauge,
    pub consumer_lag: IntGaugeVec,
    pub committed_offset: IntGaugeVec,
    pub producer_queue: IntGauge,
    pub delivery_errors: IntCounterVec,
    pub delivery_retries: IntCounter,
    pub commits: IntCounterVec,
    pub by_sentiment: IntCounterVec,
    pub by_relevance: IntCounterVec,
    pub by_topic: IntCounterVec,
    pub entity_tags: IntCounterVec,
    pub http_requests: HistogramVec,
    pub ready: IntGauge,
    pub transactions: IntCounterVec,
    pub transaction_seconds: Histogram,
    pub breaker_open: IntGauge,
    pub breaker_trips: IntCounter,
    pub fetch: FetchMetrics,
}

fn counter(r: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("valid metric");
    r.register(Box::new(c.clone())).expect("unique metric");
    c
}

fn counter_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    r.register(Box::new(c.clone())).expect("unique metric");
    c
}

fn gauge(r: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("valid metric");
    r.register(Box::new(g.clone())).expect("unique metric");
    g
}

fn gauge_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    r.register(Box::new(g.clone())).expect("unique metric");
    g
}

fn histogram(r: &Registry, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("valid metric");
    r.register(Box::new(h.clone())).expect("unique metric");
    h
}

impl Metrics {
    pub fn new() -> Metrics {
        let r = Registry::new();
        let consumed = counter(
            &r,
            "tradewire_articles_consumed_total",
            "Messages read from the input topic.",
        );
        let produced = counter(
            &r,
            "tradewire_articles_produced_total",
            "Enriched records acknowledged by the broker on the output topic.",
        );
        let filtered = counter(
            &r,
            "tradewire_articles_filtered_total",
            "Articles acknowledged without publishing: not about trade policy while pipeline.drop_irrelevant is on.",
        );
        let dead_lettered = counter_vec(
            &r,
            "tradewire_articles_dead_lettered_total",
            "Input messages acknowledged on the dead-letter topic, by reason.",
            &["reason"],
        );
        let consume_errors = counter(
            &r,
            "tradewire_consume_errors_total",
            "Errors returned by the consumer (broker unreachable, partition errors).",
        );
        let enrich_seconds = histogram(
            &r,
            "tradewire_enrich_duration_seconds",
            "Time to turn one message into a record: parsing, the page fetch of a link-only article, enrichment.",
            prometheus::exponential_buckets(0.000_01, 2.5, 12).expect("buckets"),
        );
        let end_to_end_seconds = histogram(
            &r,
            "tradewire_end_to_end_latency_seconds",
            "From the input message's Kafka timestamp to the output acknowledgement.",
            vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ],
        );
        let in_flight = gauge(
            &r,
            "tradewire_messages_in_flight",
            "Messages read and not yet acknowledged downstream.",
        );
        let backpressure_waits = counter(
            &r,
            "tradewire_backpressure_waits_total",
            "Times consumption paused because the in-flight cap was reached.",
        );
        let rebalances = counter_vec(
            &r,
            "tradewire_rebalances_total",
            "Consumer-group rebalances, by kind (assign, revoke, error).",
            &["kind"],
        );
        let assigned_partitions = gauge(
            &r,
            "tradewire_assigned_partitions",
            "Input partitions currently assigned to this instance.",
        );
        let consumer_lag = gauge_vec(
            &r,
            "tradewire_consumer_lag_messages",
            "Log end offset minus the committed (or current) offset, per assigned partition.",
            &["topic", "partition"],
        );
        let committed_offset = gauge_vec(
            &r,
            "tradewire_committed_offset",
            "Next input offset committed for the consumer group, per assigned partition (exactly-once: by the last committed transaction).",
            &["topic", "partition"],
        );
        let producer_queue = gauge(
            &r,
            "tradewire_producer_queue_messages",
            "Messages in the producer's queue awaiting delivery.",
        );
        let delivery_errors = counter_vec(
            &r,
            "tradewire_delivery_errors_total",
            "Failed deliveries to the output or dead-letter topic, by error code.",
            &["code"],
        );
        let delivery_retries = counter(
            &r,
            "tradewire_delivery_retries_total",
            "Records re-sent after a retriable delivery failure.",
        );
        let commits = counter_vec(
            &r,
            "tradewire_offset_commits_total",
            "Offset commits, by result (ok, error).",
            &["result"],
        );
        let by_sentiment = counter_vec(
            &r,
            "tradewire_articles_by_sentiment_total",
            "Enriched articles by sentiment label.",
            &["label"],
        );
        let by_relevance = counter_vec(
            &r,
            "tradewire_articles_by_relevance_total",
            "Enriched articles by trade-policy relevance (true, false).",
            &["relevant"],
        );
        let by_topic = counter_vec(
            &r,
            "tradewire_articles_by_topic_total",
            "Enriched articles by trade-policy topic (an article counts once per topic).",
            &["topic"],
        );
        let entity_tags = counter_vec(
            &r,
            "tradewire_entity_tags_total",
            "Distinct entities tagged, by kind.",
            &["kind"],
        );
        let http_requests = HistogramVec::new(
            HistogramOpts::new(
                "tradewire_http_request_duration_seconds",
                "HTTP requests served, by route and status class.",
            )
            .buckets(vec![0.001, 0.005, 0.025, 0.1, 0.5, 2.5]),
            &["route", "status"],
        )
        .expect("valid metric");
        r.register(Box::new(http_requests.clone()))
            .expect("unique metric");

        let ready = gauge(
            &r,
            "tradewire_ready",
            "1 when /readyz answers ready (group joined, broker reachable, not stopping), else 0.",
        );
        let build_info = IntGaugeVec::new(
            Opts::new(
                "tradewire_build_info",
                "Always 1; labels say which build runs.",
            ),
            &["version"],
        )
        .expect("valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        r.register(Box::new(build_info)).expect("unique metric");
        #[cfg(target_os = "linux")]
        r.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("unique metric");

        let fetch = FetchMetrics::register(&r).expect("unique metric");

        // Pre-create fixed label values so dashboards and alerts see zeros
        // instead of absent series.
        for kind in PoisonKind::ALL {
            dead_lettered.with_label_values(&[kind.as_str()]);
        }
        for label in SentimentLabel::ALL {
            by_sentiment.with_label_values(&[label.as_str()]);
        }
        for relevant in ["true", "false"] {
            by_relevance.with_label_values(&[relevant]);
        }
        for kind in EntityKind::ALL {
            entity_tags.with_label_values(&[kind.as_str()]);
        }
        for kind in ["assign", "revoke", "error"] {
            rebalances.with_label_values(&[kind]);
        }
        for result in ["ok", "error"] {
            commits.with_label_values(&[result]);
        }
        let transactions = counter_vec(
            &r,
            "tradewire_transactions_total",
            "Exactly-once transactions, by outcome (committed, aborted).",
            &["outcome"],
        );
        for outcome in ["committed", "aborted"] {
            transactions.with_label_values(&[outcome]);
        }
        let transaction_seconds = histogram(
            &r,
            "tradewire_transaction_commit_seconds",
            "Exactly-once: time to close a transaction (waiting for acks, sending offsets, committing).",
            prometheus::exponential_buckets(0.001, 2.5, 10).expect("buckets"),
        );
        let breaker_open = gauge(
            &r,
            "tradewire_breaker_open",
            "1 while the poison-rate circuit breaker has stopped consumption.",
        );
        let breaker_trips = counter(
            &r,
            "tradewire_breaker_trips_total",
            "Times the poison-rate circuit breaker stopped consumption.",
        );

        Metrics {
            registry: r,
            consumed,
            produced,
            filtered,
            dead_lettered,
            consume_errors,
            enrich_seconds,
            end_to_end_seconds,
            in_flight,
            backpressure_waits,
            rebalances,
            assigned_partitions,
            consumer_lag,
            committed_offset,
            producer_queue,
            delivery_errors,
            delivery_retries,
            commits,
            by_sentiment,
            by_relevance,
            by_topic,
            entity_tags,
            http_requests,
            ready,
            transactions,
            transaction_seconds,
            breaker_open,
            breaker_trips,
            fetch,
        }
    }

    /// Counts what an enriched record says (newsroom view).
    pub fn record_enriched(&self, record: &EnrichedRecord) {
        self.by_sentiment
            .with_label_values(&[record.sentiment.label.as_str()])
            .inc();
        self.by_relevance
            .with_label_values(&[if record.trade_policy.relevant {
                "true"
            } else {
                "false"
            }])
            .inc();
        for topic in &record.trade_policy.topics {
            self.by_topic.with_label_values(&[topic.as_str()]).inc();
        }
        for entity in &record.entities {
            self.entity_tags
                .with_label_values(&[entity.kind.as_str()])
                .inc();
        }
    }

    /// The registry in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding cannot fail");
        String::from_utf8(buf).expect("exposition format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
