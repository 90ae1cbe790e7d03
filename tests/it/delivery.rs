//! At-least-once across process deaths: an aborted service loses nothing;
//! a gracefully stopped one also duplicates nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(120);

fn distinct(records: &[Record]) -> BTreeSet<String> {
    ids(records).into_iter().collect()
}

async fn abort_mid_stream_then_restart_loses_nothing(broker: Broker) {
    let topics = Topics::new("abort");
    broker.create(&topics, 3).await;
    let bootstrap = broker.bootstrap();
    let n = 1500;

    let first = spawn_process(&bootstrap, &topics, &[]);
    let feeder = {
        let bootstrap = bootstrap.clone();
        let input = topics.input.clone();
        tokio::spawn(async move {
            let p = producer(&bootstrap);
            for i in 0..n {
                let a = article(i);
                produce(&p, &input, &[((i % 3) as i32, None, a.as_bytes())], &[]).await;
            }
        })
    };
    // Kill it while articles are still arriving and being enriched.
    let before = read_n(&bootstrap, &topics.output, 100, WAIT).await;
    first.kill();
    let seen_before_kill = distinct(&before).len();

    let second = spawn_process(&bootstrap, &topics, &[]);
    feeder.await.unwrap();
    let out = read_until(&bootstrap, &topics.output, WAIT, |r| distinct(r).len() >= n).await;
    let got = distinct(&out);
    let duplicates = out.len() - got.len();
    println!(
        "abort test: {n} articles, {} records read, {} distinct, {duplicates} duplicates, \
         {seen_before_kill}+ done before SIGKILL",
        out.len(),
        got.len()
    );
    let missing: Vec<String> = (0..n)
        .map(|i| format!("a-{i:05}"))
        .filter(|id| !got.contains(id))
        .take(10)
        .collect();
    assert!(
        missing.is_empty(),
        "lost articles after SIGKILL + restart: {missing:?}…"
    );
    assert!(second.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_abort_mid_stream_then_restart_loses_nothing() {
    abort_mid_stream_then_restart_loses_nothing(Broker::mock()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tansu_abort_mid_stream_then_restart_loses_nothing() {
    abort_mid_stream_then_restart_loses_nothing(Broker::tansu()).await;
}

async fn graceful_stop_then_restart_duplicates_nothing(broker: Broker) {
    let topics = Topics::new("graceful");
    broker.create(&topics, 3).await;
    let bootstrap = broker.bootstrap();
    let p = producer(&bootstrap);
    let batch = |range: std::ops::Range<usize>| -> Vec<(usize, String)> {
        range.map(|i| (i, article(i))).collect()
    };

    let first = spawn_process(&bootstrap, &topics, &[]);
    wait_ready(first.http).await;
    for (i, a) in batch(0..100) {
        produce(
            &p,
            &topics.input,
            &[((i % 3) as i32, None, a.as_bytes())],
            &[],
        )
        .await;
    }
    read_n(&bootstrap, &topics.output, 100, WAIT).await;
    let status = first.terminate();
    assert!(status.success(), "SIGTERM exits 0, got {status}");

    for (i, a) in batch(100..150) {
        produce(
            &p,
            &topics.input,
            &[((i % 3) as i32, None, a.as_bytes())],
            &[],
        )
        .await;
    }
    let second = spawn_process(&bootstrap, &topics, &[]);
    read_n(&bootstrap, &topics.output, 150, WAIT).await;
    // Give a duplicate every chance to show up before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let out = read_until(&bootstrap, &topics.output, Duration::from_secs(10), |r| {
        r.len() > 150
    })
    .await;
    assert_eq!(distinct(&out).len(), 150);
    assert_eq!(
        out.len(),
        150,
        "a graceful stop commits everything it acknowledged"
    );
    assert!(second.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_graceful_stop_then_restart_duplicates_nothing() {
    graceful_stop_then_restart_duplicates_nothing(Broker::mock()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tansu_graceful_stop_then_restart_duplicates_nothing() {
    graceful_stop_then_restart_duplicates_nothing(Broker::tansu()).await;
}
