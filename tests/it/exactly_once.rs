//! `delivery = "exactly-once"` on librdkafka's mock cluster, which
//! implements transactions (InitProducerId, AddPartitions/AddOffsetsToTxn,
//! TxnOffsetCommit, EndTxn) and lets a test inject errors into them.
//!
//! What the mock cannot show: it does not hide aborted records from
//! `read_committed` readers, so after an abort the output may show a record
//! twice here where a real Kafka broker shows it once. These tests therefore
//! check what the mock does enforce — offsets reach the group only through a
//! committed transaction, never ahead of the records they answer; an aborted
//! transaction is rewound and redone; a fenced producer stops the service —
//! and count the duplicates an aborted transaction leaves visible.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use tradewire::config::Delivery;

use crate::helpers::*;

const PARTITIONS: i32 = 2;

fn eos_config(bootstrap: &str, topics: &Topics) -> tradewire::config::Config {
    let mut c = test_config(bootstrap, topics);
    c.pipeline.delivery = Delivery::ExactlyOnce;
    c.pipeline.transaction_interval_ms = 50;
    c.kafka.transactional_id = unique("tw-txn");
    c
}

/// The input offsets tradewire committed with its transactions, per
/// partition, as `/metrics` reports them (-1: none yet). The mock cluster
/// accepts TxnOffsetCommit but does not store the offsets (librdkafka's
/// `rdkafka_mock_handlers.c`), so a group offset lookup cannot show them.
async fn committed(app: &TestApp, topics: &Topics) -> HashMap<i32, i64> {
    let m = app.metrics().await;
    (0..PARTITIONS)
        .map(|p| {
            let series = format!(
                "tradewire_committed_offset{{partition=\"{p}\",topic=\"{}\"}}",
                topics.input
            );
            (p, metric(&m, &series).map_or(-1, |v| v as i64))
        })
        .collect()
}

/// Produces articles `from..to`, article `i` to partition `i % PARTITIONS`.
async fn feed(bootstrap: &str, topics: &Topics, from: usize, to: usize) {
    let p = producer(bootstrap);
    for i in from..to {
        let payload = article(i);
        produce(
            &p,
            &topics.input,
            &[((i as i32) % PARTITIONS, Some("k"), payload.as_bytes())],
            &[],
        )
        .await;
    }
}

/// Article ids visible on the output topic, distinct, with the number of
/// extra copies.
async fn outputs(bootstrap: &str, topics: &Topics, want: usize) -> (HashSet<String>, usize) {
    let records = read_until(bootstrap, &topics.output, Duration::from_secs(60), |r| {
        ids(r).into_iter().collect::<HashSet<_>>().len() >= want
    })
    .await;
    let all = ids(&records);
    let distinct: HashSet<String> = all.iter().cloned().collect();
    (distinct.clone(), all.len() - distinct.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn records_and_offsets_commit_together() {
    let broker = Broker::mock();
    let topics = Topics::new("eos-commit");
    broker.create(&topics, PARTITIONS).await;
    let n = 300;
    feed(&broker.bootstrap(), &topics, 0, n).await;
    let p = producer(&broker.bootstrap());
    produce(&p, &topics.input, &[(0, Some("bad"), b"{not json")], &[]).await;

    let app = spawn_app(eos_config(&broker.bootstrap(), &topics)).await;
    let (ids, duplicates) = outputs(&broker.bootstrap(), &topics, n).await;
    assert_eq!(ids.len(), n, "every article published");
    assert_eq!(duplicates, 0, "no abort happened, so no copies");
    let dlq = read_n(&broker.bootstrap(), &topics.dlq, 1, Duration::from_secs(30)).await;
    assert_eq!(dlq[0].headers["tradewire.error.kind"], "invalid_json");

    // The offsets travel with the transactions: once the last one commits,
    // the group stands right after the last input message.
    let want: HashMap<i32, i64> = [(0, (n / 2 + 1) as i64), (1, (n / 2) as i64)].into();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while committed(&app, &topics).await != want {
        if std::time::Instant::now() > deadline {
            let m = app.metrics().await;
            let lines: Vec<&str> = m
                .lines()
                .filter(|l| l.contains("transaction") || l.contains("committed_offset"))
                .collect();
            panic!(
                "committed offsets {:?}, want {want:?}; {lines:#?}",
                committed(&app, &topics).await
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let m = app.metrics().await;
    assert!(metric(&m, "tradewire_transactions_total{outcome=\"committed\"}") >= Some(1.0));
    assert_eq!(
        metric(&m, "tradewire_transactions_total{outcome=\"aborted\"}"),
        Some(0.0)
    );
    println!(
        "audit[mock exactly-once commit]: produced={} delivered={} dead_letters={} duplicates={duplicates} committed={:?}",
        n + 1,
        ids.len(),
        dlq.len(),
        committed(&app, &topics).await
    );
    app.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_offset_commit_aborts_rewinds_and_redoes_the_work() {
    let broker = Broker::mock();
    let Broker::Mock(mock) = &broker else {
        unreachable!()
    };
    let topics = Topics::new("eos-abort");
    broker.create(&topics, PARTITIONS).await;
    let n = 200;
    feed(&broker.bootstrap(), &topics, 0, n / 2).await;

    // The group generation is stale for the first two offset commits: the
    // broker refuses them, which librdkafka reports as an abortable error.
    mock.request_errors(
        RDKafkaApiKey::TxnOffsetCommit,
        &[
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION,
        ],
    )
    .expect("errors injected");
    let app = spawn_app(eos_config(&broker.bootstrap(), &topics)).await;

    // While it works, sample: the offset committed in a partition never
    // exceeds the articles of that partition visible on the output.
    let bootstrap = broker.bootstrap();
    let input = topics.input.clone();
    let feeder = tokio::spawn(async move {
        let topics = Topics {
            input,
            ..Topics::new("unused")
        };
        feed(&bootstrap, &topics, n / 2, n).await
    });
    // Offsets are sampled first; the records they answer must already be
    // in the log then, so a read that follows finds at least as many.
    let mut ahead = 0;
    for _ in 0..5 {
        let offsets = committed(&app, &topics).await;
        let per_partition = |records: &[Record]| {
            let mut seen: HashMap<i32, HashSet<String>> = HashMap::new();
            for id in ids(records) {
                let i: usize = id.trim_start_matches("a-").parse().expect("numbered id");
                seen.entry((i as i32) % PARTITIONS).or_default().insert(id);
            }
            seen
        };
        let enough = |records: &[Record]| {
            let seen = per_partition(records);
            offsets
                .iter()
                .all(|(p, o)| seen.get(p).map_or(0, HashSet::len) as i64 >= *o)
        };
        let records = read_until(
            &broker.bootstrap(),
            &topics.output,
            Duration::from_secs(20),
            enough,
        )
        .await;
        let seen = per_partition(&records);
        for (p, o) in &offsets {
            let visible = seen.get(p).map_or(0, HashSet::len) as i64;
            if *o > visible {
                eprintln!("partition {p}: committed {o} > {visible} visible outputs");
                ahead += 1;
            }
        }
    }
    feeder.await.unwrap();
    let (ids, duplicates) = outputs(&broker.bootstrap(), &topics, n).await;
    assert_eq!(ids.len(), n, "every article published despite the aborts");
    assert_eq!(ahead, 0, "offsets ran ahead of the output");

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let want: HashMap<i32, i64> = [(0, (n / 2) as i64), (1, (n / 2) as i64)].into();
    while committed(&app, &topics).await != want {
        assert!(
            std::time::Instant::now() < deadline,
            "offsets never caught up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let m = app.metrics().await;
    let aborted = metric(&m, "tradewire_transactions_total{outcome=\"aborted\"}").unwrap_or(0.0);
    assert!(
        aborted >= 1.0,
        "the refused offset commits aborted transactions"
    );
    println!(
        "audit[mock exactly-once abort]: produced={n} delivered={} lost=0 aborted_transactions={aborted} duplicates_visible_on_mock={duplicates}",
        ids.len()
    );
    app.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fenced_producer_stops_the_service_without_committing() {
    let broker = Broker::mock();
    let Broker::Mock(mock) = &broker else {
        unreachable!()
    };
    let topics = Topics::new("eos-fenced");
    broker.create(&topics, PARTITIONS).await;
    feed(&broker.bootstrap(), &topics, 0, 20).await;
    let app = spawn_app(eos_config(&broker.bootstrap(), &topics)).await;
    outputs(&broker.bootstrap(), &topics, 20).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let want: HashMap<i32, i64> = [(0, 10), (1, 10)].into();
    while committed(&app, &topics).await != want {
        assert!(
            std::time::Instant::now() < deadline,
            "first batch never committed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A newer producer took the transactional id: the broker answers the
    // next commit with PRODUCER_FENCED.
    mock.request_errors(
        RDKafkaApiKey::EndTxn,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_PRODUCER_FENCED; 4],
    )
    .expect("errors injected");
    feed(&broker.bootstrap(), &topics, 20, 40).await;
    let result = tokio::time::timeout(Duration::from_secs(60), app.join())
        .await
        .expect("the service stops by itself");
    let err = result
        .expect_err("a fenced producer is an error")
        .to_string();
    assert!(err.contains("exactly-once producer failed"), "{err}");
}
