//! Articles in → enriched records out; poison → dead letters with headers.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tradewire::config::Config;

use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(90);

async fn n_articles_in_n_records_out(broker: Broker) {
    let topics = Topics::new("flow");
    broker.create(&topics, 3).await;
    let bootstrap = broker.bootstrap();
    let app = spawn_app(test_config(&bootstrap, &topics)).await;

    let n = 60;
    let payloads: Vec<String> = (0..n).map(article).collect();
    let keys: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
    let msgs: Vec<(i32, Option<&str>, &[u8])> = (0..n)
        .map(|i| {
            (
                (i % 3) as i32,
                Some(keys[i].as_str()),
                payloads[i].as_bytes(),
            )
        })
        .collect();
    produce(
        &producer(&bootstrap),
        &topics.input,
        &msgs,
        &[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )],
    )
    .await;

    let out = read_n(&bootstrap, &topics.output, n, WAIT).await;
    assert_eq!(out.len(), n, "exactly one record per article");
    let got: BTreeSet<String> = ids(&out).into_iter().collect();
    let want: BTreeSet<String> = (0..n).map(|i| format!("a-{i:05}")).collect();
    assert_eq!(got, want);
    for r in &out {
        let v = r.json();
        assert_eq!(v["schema"], "tradewire.enriched.v1");
        assert_eq!(
            r.key.as_deref(),
            v["id"].as_str(),
            "output key is the article id"
        );
        assert_eq!(v["published_at"], "2025-07-29T09:00:00Z");
        assert_eq!(
            r.headers.get("traceparent").map(String::as_str),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "trace context is carried to the output"
        );
    }
    // The output topic has one partition, so its order is the order records
    // left in; per input partition that must be input order.
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for id in ids(&out) {
        let i: usize = id[2..].parse().unwrap();
        if let Some(prev) = seen.insert(i % 3, i) {
            assert!(
                prev < i,
                "input partition {} out of order: {prev} before {i}",
                i % 3
            );
        }
    }
    let dlq = read_until(&bootstrap, &topics.dlq, Duration::from_secs(2), |r| {
        !r.is_empty()
    })
    .await;
    assert!(dlq.is_empty(), "good articles are never dead-lettered");
    app.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_n_articles_in_n_records_out() {
    n_articles_in_n_records_out(Broker::mock()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tansu_n_articles_in_n_records_out() {
    n_articles_in_n_records_out(Broker::tansu()).await;
}

async fn poison_is_dead_lettered_and_the_partition_keeps_flowing(broker: Broker) {
    let topics = Topics::new("poison");
    broker.create(&topics, 1).await;
    let bootstrap = broker.bootstrap();
    let mut config = test_config(&bootstrap, &topics);
    config.pipeline.max_message_bytes = 4096;
    let app = spawn_app(config).await;

    let big = format!("{{\"body\": \"{}\"}}", "tariff ".repeat(1000));
    let cases: Vec<(Option<&str>, Vec<u8>)> = vec![
        (None, article(1).into_bytes()),
        (Some("invalid_json"), b"{\"title\": \"unterminated".to_vec()),
        (
            Some("invalid_utf8"),
            vec![b'{', b'"', b'b', 0xff, 0xfe, b'"', b'}'],
        ),
        (
            Some("missing_content"),
            br#"{"id":"x","title":"A headline and nothing else"}"#.to_vec(),
        ),
        (
            Some("invalid_field"),
            br#"{"id":"y","body":["not","a","string"]}"#.to_vec(),
        ),
        (Some("too_large"), big.into_bytes()),
        (None, article(2).into_bytes()),
    ];
    let msgs: Vec<(i32, Option<&str>, &[u8])> =
        cases.iter().map(|(_, p)| (0, None, p.as_slice())).collect();
    let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    produce(
        &producer(&bootstrap),
        &topics.input,
        &msgs,
        &[("traceparent", trace)],
    )
    .await;

    let out = read_n(&bootstrap, &topics.output, 2, WAIT).await;
    assert_eq!(
        ids(&out),
        ["a-00001", "a-00002"],
        "good articles around the poison still flow"
    );
    let dlq = read_n(&bootstrap, &topics.dlq, 5, WAIT).await;
    assert_eq!(dlq.len(), 5);
    for (input_offset, (expected, payload)) in cases.iter().enumerate() {
        let Some(expected) = expected else { continue };
        let letter = dlq
            .iter()
            .find(|r| r.headers.get("tradewire.source.offset") == Some(&input_offset.to_string()))
            .unwrap_or_else(|| panic!("no dead letter for offset {input_offset} ({expected})"));
        assert_eq!(letter.headers["tradewire.error.kind"], *expected);
        assert!(!letter.headers["tradewire.error.reason"].is_empty());
        assert_eq!(letter.headers["tradewire.source.topic"], topics.input);
        assert_eq!(letter.headers["tradewire.source.partition"], "0");
        assert_eq!(&letter.payload, payload, "the original payload is kept");
        assert_eq!(
            letter.headers["traceparent"], trace,
            "trace context reaches the dead letter"
        );
    }

    let metrics = app.metrics().await;
    for kind in [
        "invalid_json",
        "invalid_utf8",
        "missing_content",
        "invalid_field",
        "too_large",
    ] {
        let line = format!("tradewire_articles_dead_lettered_total{{reason=\"{kind}\"}} 1");
        assert!(metrics.contains(&line), "missing `{line}` in /metrics");
    }
    assert!(metrics.contains("tradewire_articles_produced_total 2"));
    assert!(metrics.contains("tradewire_articles_consumed_total 7"));
    app.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_poison_is_dead_lettered_and_the_partition_keeps_flowing() {
    poison_is_dead_lettered_and_the_partition_keeps_flowing(Broker::mock()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tansu_poison_is_dead_lettered_and_the_partition_keeps_flowing() {
    poison_is_dead_lettered_and_the_partition_keeps_flowing(Broker::tansu()).await;
}

/// Runs `payloads` (alternating over 2 partitions) through a service whose
/// in-flight caps `cap` sets, and checks that consumption paused at the cap
/// and that every article came out all the same.
async fn through_a_cap(name: &str, cap: impl FnOnce(&mut Config), payloads: &[String]) {
    let broker = Broker::mock();
    let topics = Topics::new(name);
    broker.create(&topics, 2).await;
    let bootstrap = broker.bootstrap();
    let mut config = test_config(&bootstrap, &topics);
    cap(&mut config);
    let app = spawn_app(config).await;

    let msgs: Vec<(i32, Option<&str>, &[u8])> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| ((i % 2) as i32, None, p.as_bytes()))
        .collect();
    produce(&producer(&bootstrap), &topics.input, &msgs, &[]).await;
    let out = read_n(&bootstrap, &topics.output, payloads.len(), WAIT).await;
    let got: BTreeSet<String> = ids(&out).into_iter().collect();
    assert_eq!(got.len(), payloads.len(), "every article: {got:?}");

    let metrics = app.metrics().await;
    let waits =
        metric(&metrics, "tradewire_backpressure_waits_total ").expect("backpressure metric");
    assert!(waits > 0.0, "the cap was reached at least once");
    assert!(
        metrics.contains("tradewire_messages_in_flight 0"),
        "nothing left in flight"
    );
    app.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tiny_in_flight_cap_pauses_consumption_but_loses_nothing() {
    let payloads: Vec<String> = (0..80).map(article).collect();
    through_a_cap("backpressure", |c| c.pipeline.max_in_flight = 2, &payloads).await;
}

/// An article of about `kib` KiB: the test article with its body repeated.
fn big_article(i: usize, kib: usize) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&article(i)).unwrap();
    let para = v["body"].as_str().unwrap().to_owned();
    let body = vec![para.as_str(); kib * 1024 / para.len() + 1].join("\n\n");
    v["body"] = body.into();
    v.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_byte_budget_pauses_consumption_and_a_message_larger_than_it_still_passes() {
    // Room for 1,000 messages but only 64 KiB: two 40 KiB articles do not
    // fit at once, and the 200 KiB one is larger than the whole budget.
    let payloads: Vec<String> = (0..30)
        .map(|i| big_article(i, if i == 15 { 200 } else { 40 }))
        .collect();
    let cap = |c: &mut Config| {
        c.pipeline.max_in_flight = 1000;
        c.pipeline.max_in_flight_bytes = 64 << 10;
        c.pipeline.max_message_bytes = 1 << 20;
    };
    through_a_cap("byte-budget", cap, &payloads).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_irrelevant_acknowledges_off_topic_articles_without_publishing() {
    let broker = Broker::mock();
    let topics = Topics::new("filter");
    broker.create(&topics, 1).await;
    let bootstrap = broker.bootstrap();
    let mut config = test_config(&bootstrap, &topics);
    config.pipeline.drop_irrelevant = true;
    let app = spawn_app(config).await;

    let off_topic = serde_json::json!({
        "id": "sport-1",
        "title": "Rangers add a goalie before the trade deadline",
        "body": "The club sent a fourth-round pick to Buffalo for a backup goalie \
                 minutes before the league's trade deadline on Friday.",
    })
    .to_string();
    let msgs: Vec<(i32, Option<&str>, &[u8])> = vec![
        (0, None, off_topic.as_bytes()),
        (0, None, article(5).leak().as_bytes()),
    ];
    produce(&producer(&bootstrap), &topics.input, &msgs, &[]).await;
    let out = read_n(&bootstrap, &topics.output, 1, WAIT).await;
    assert_eq!(
        ids(&out),
        ["a-00005"],
        "only the trade article is published"
    );

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("tradewire_articles_filtered_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("tradewire_messages_in_flight 0"));
    app.stop().await.expect("clean shutdown");
}
