//! Link-only articles: the page is fetched and its text enriched, in the
//! Kafka path and over HTTP; a page that cannot be had is a dead letter
//! with its own reason, and the partition keeps flowing.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::helpers::*;

const PAGE: &str = r#"<html><head><title>Wire: Beijing answers Washington</title></head>
<body><nav><a href="/">Home</a> <a href="/markets">Markets</a></nav>
<article><h1>Beijing answers Washington</h1>
<p>China said on Tuesday it would impose a 15 percent tariff on American coal and
liquefied natural gas, answering new U.S. duties on Chinese goods.</p>
<p>Commerce Minister Wang Wentao said Beijing remained open to talks.</p></article>
<footer>Subscribe to our newsletter. Cookie settings.</footer></body></html>"#;

async fn news_site() -> SocketAddr {
    let app = Router::new()
        .route("/story", get(|| async { Html(PAGE) }))
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn link(id: &str, url: &str) -> String {
    serde_json::json!({ "id": id, "url": url, "published_at": "2025-02-04T08:00:00Z" }).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_only_article_is_fetched_enriched_or_dead_lettered() {
    let site = news_site().await;
    let broker = Broker::mock();
    let topics = Topics::new("fetch");
    broker.create(&topics, 1).await;
    let bootstrap = broker.bootstrap();
    let mut config = test_config(&bootstrap, &topics);
    // The test site is on loopback, which is refused unless allowed.
    config.fetch.allow = vec!["127.0.0.1".to_owned()];
    config.fetch.max_retries = 0;
    let app = spawn_app(config).await;

    let inputs = [
        link("story", &format!("http://{site}/story")),
        link("metadata", "http://169.254.169.254/latest/meta-data/"),
        link("private", "http://10.1.2.3/internal"),
        link("gone", &format!("http://{site}/gone")),
        article(1),
    ];
    let msgs: Vec<(i32, Option<&str>, &[u8])> =
        inputs.iter().map(|p| (0, None, p.as_bytes())).collect();
    produce(&producer(&bootstrap), &topics.input, &msgs, &[]).await;

    let out = read_n(&bootstrap, &topics.output, 2, Duration::from_secs(60)).await;
    assert_eq!(
        ids(&out),
        ["story", "a-00001"],
        "input order holds around a fetch"
    );
    let story = out[0].json();
    assert_eq!(story["title"], "Wire: Beijing answers Washington");
    let ids_found: Vec<&str> = story["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(ids_found.contains(&"country:CN"), "{ids_found:?}");
    assert!(ids_found.contains(&"person:wang-wentao"), "{ids_found:?}");
    assert!(
        story["tariff_measures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["imposer"] == "country:CN" && m["rate_percent"] == 15.0),
        "{}",
        story["tariff_measures"]
    );

    let dlq = read_n(&bootstrap, &topics.dlq, 3, Duration::from_secs(60)).await;
    let kinds: Vec<&str> = dlq
        .iter()
        .map(|r| r.headers["tradewire.error.kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "fetch_blocked_address",
            "fetch_blocked_address",
            "fetch_http_status"
        ]
    );

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("tradewire_fetch_requests_total{outcome=\"ok\"} 1"),
        "{metrics}"
    );
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_enrich_endpoint_fetches_a_link_only_article() {
    let site = news_site().await;
    let broker = Broker::mock();
    let topics = Topics::new("fetchhttp");
    broker.create(&topics, 1).await;
    let mut config = test_config(&broker.bootstrap(), &topics);
    config.fetch.allow = vec!["127.0.0.1".to_owned()];
    let app = spawn_app(config).await;
    let client = reqwest::Client::new();

    let ok = client
        .post(app.url("/v1/enrich"))
        .body(link("s", &format!("http://{site}/story")))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let record: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(record["trade_policy"]["relevant"], true);

    let blocked = client
        .post(app.url("/v1/enrich"))
        .body(link("m", "http://169.254.169.254/"))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), 422);
    let err: serde_json::Value = blocked.json().await.unwrap();
    assert_eq!(err["error"], "fetch_blocked_address");
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_mode_fetches_link_only_lines_too() {
    let site = news_site().await;
    let input = format!(
        "{}\n{}\n",
        link("s", &format!("http://{site}/story")),
        link("m", "http://169.254.169.254/")
    );
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tradewire"))
            .arg("enrich")
            .env("TRADEWIRE__FETCH__ALLOW", r#"["127.0.0.1"]"#)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "one line failed");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let record: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(record["id"], "s");
    assert_eq!(record["title"], "Wire: Beijing answers Washington");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("line 2: fetch_blocked_address"), "{stderr}");
}
