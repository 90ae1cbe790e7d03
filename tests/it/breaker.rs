//! The poison-rate circuit breaker, from outside: a burst of poison stops
//! consumption and turns the instance unready instead of dead-lettering the
//! whole topic; a restart (here with the breaker switched off by config)
//! picks up exactly where it stopped, losing nothing.

use std::time::Duration;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_poison_burst_stops_consumption_until_restarted() {
    let broker = Broker::mock();
    let topics = Topics::new("breaker");
    broker.create(&topics, 1).await;
    let p = producer(&broker.bootstrap());
    let good: Vec<String> = (0..30).map(article).collect();
    let mut msgs: Vec<(i32, Option<&str>, &[u8])> = Vec::new();
    for a in &good[..10] {
        msgs.push((0, None, a.as_bytes()));
    }
    let poison = 60;
    for _ in 0..poison {
        msgs.push((0, None, b"{\"title\": 42".as_slice()));
    }
    for a in &good[10..] {
        msgs.push((0, None, a.as_bytes()));
    }
    produce(&p, &topics.input, &msgs, &[]).await;

    let mut config = test_config(&broker.bootstrap(), &topics);
    config.pipeline.max_in_flight = 4;
    config.pipeline.breaker.window = 20;
    config.pipeline.breaker.max_dead_letter_ratio = 0.5;
    let app = spawn_app(config.clone()).await;

    // It opens once more than half of the last 20 were poison.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let body = loop {
        let r = reqwest::get(app.url("/readyz")).await.expect("/readyz");
        let status = r.status();
        let body = r.text().await.unwrap();
        if status == 503 && body.contains("dead letters") {
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "breaker never opened: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(body.contains("restart"), "{body}");
    let m = app.metrics().await;
    assert!(m.contains("tradewire_breaker_open 1"), "{m}");
    assert!(m.contains("tradewire_breaker_trips_total 1"), "{m}");

    // Stopped: a little settles after the trip (what was in flight), then
    // nothing — most of the poison and the good articles behind it wait.
    let dlq = read_until(
        &broker.bootstrap(),
        &topics.dlq,
        Duration::from_secs(10),
        |r| r.len() > 20,
    )
    .await;
    let out = read_until(
        &broker.bootstrap(),
        &topics.output,
        Duration::from_secs(10),
        |r| r.len() > 10,
    )
    .await;
    println!(
        "breaker: opened after {} dead letters of {poison}, {} records published",
        dlq.len(),
        out.len()
    );
    assert!(
        (11..=20).contains(&dlq.len()),
        "dead letters before the stop: {}",
        dlq.len()
    );
    assert_eq!(
        out.len(),
        10,
        "nothing after the poison burst was published"
    );
    app.stop().await.expect("clean stop while halted");

    // An operator fixes the upstream and restarts (breaker off for the
    // backlog of known poison): everything left is handled, nothing lost.
    config.pipeline.breaker.enabled = false;
    let app = spawn_app(config).await;
    let dlq = read_n(
        &broker.bootstrap(),
        &topics.dlq,
        poison,
        Duration::from_secs(60),
    )
    .await;
    let out = read_n(
        &broker.bootstrap(),
        &topics.output,
        30,
        Duration::from_secs(60),
    )
    .await;
    let mut got = ids(&out);
    got.dedup();
    let want: Vec<String> = (0..30).map(|i| format!("a-{i:05}")).collect();
    assert_eq!(got, want, "all good articles, in order");
    assert_eq!(dlq.len(), poison, "each poison message dead-lettered once");
    app.stop().await.expect("clean stop");
}
