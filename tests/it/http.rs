//! The HTTP surface: health, readiness, metrics and the synchronous enrich API.

use crate::helpers::*;

async fn running_app() -> (Broker, TestApp) {
    let broker = Broker::mock();
    let topics = Topics::new("http");
    broker.create(&topics, 1).await;
    let mut config = test_config(&broker.bootstrap(), &topics);
    config.http.max_body_bytes = 8 * 1024;
    let app = spawn_app(config).await;
    (broker, app)
}

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_metrics_answer() {
    let (_broker, app) = running_app().await;
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    app.wait_ready().await;
    let ready: serde_json::Value = reqwest::get(app.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["group_joined"], true);

    let metrics = reqwest::get(app.url("/metrics")).await.unwrap();
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    assert!(text.contains("tradewire_build_info{version=\""));
    assert!(text.contains("tradewire_assigned_partitions 1"));
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn enrich_endpoint_returns_a_record_or_a_clear_error() {
    let (_broker, app) = running_app().await;
    let client = reqwest::Client::new();
    let post = |body: Vec<u8>| client.post(app.url("/v1/enrich")).body(body).send();

    let ok = post(article(7).into_bytes()).await.unwrap();
    assert_eq!(ok.status(), 200);
    let record: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(record["id"], "a-00007");
    assert_eq!(record["schema"], "tradewire.enriched.v1");

    let cases: [(Vec<u8>, u16, &str); 4] = [
        (b"{not json".to_vec(), 400, "invalid_json"),
        (
            br#"{"title":"headline only"}"#.to_vec(),
            422,
            "missing_content",
        ),
        (br#"{"body": 5}"#.to_vec(), 422, "invalid_field"),
        (vec![b' '; 9000], 413, "too_large"),
    ];
    for (body, status, kind) in cases {
        let r = post(body).await.unwrap();
        assert_eq!(r.status(), status, "{kind}");
        let err: serde_json::Value = r.json().await.unwrap();
        assert_eq!(err["error"], kind);
        assert!(err["reason"].as_str().is_some_and(|s| !s.is_empty()));
    }
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_follows_the_broker() {
    let broker = Broker::mock();
    let topics = Topics::new("ready");
    broker.create(&topics, 1).await;
    let mut config = test_config(&broker.bootstrap(), &topics);
    config.kafka.broker_unreachable_secs = 3;
    let app = spawn_app(config).await;
    app.wait_ready().await;
    let Broker::Mock(mock) = &broker else {
        unreachable!()
    };

    mock.broker_down(1).unwrap();
    let status = |app: &TestApp| {
        let url = app.url("/readyz");
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while status(&app).await != 503 {
        assert!(
            std::time::Instant::now() < deadline,
            "still ready with the broker down"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(
        health.status(),
        200,
        "liveness does not depend on the broker"
    );

    mock.broker_up(1).unwrap();
    app.wait_ready().await;
    app.stop().await.unwrap();
}
