//! Monitoring against the real thing: Debian's Prometheus server scrapes the
//! service's /metrics; counters must equal what was sent, every dashboard
//! query must parse and return data, and the alert rules must load.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - {REPO}/deploy/prometheus/alerts.yml\n\
                 scrape_configs:\n  - job_name: tradewire\n    static_configs:\n\
                 \x20     - targets: ['{target}']\n        labels: {{namespace: ci, pod: tradewire-0}}\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log_sink())
            .spawn()
            .expect("prometheus is installed (apt-get install prometheus; .ci/run does)");
        Prometheus {
            child,
            port,
            _dir: dir,
        }
    }

    async fn api(&self, path: &str, query: &[(&str, &str)]) -> Value {
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}{path}", self.port))
            .query(query)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("prometheus API answers")
            .json()
            .await
            .expect("JSON")
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("http://127.0.0.1:{}/-/ready", self.port);
        while !reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "prometheus never became ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The value of a scalar-like query, or `None` when it has no series.
    async fn value(&self, query: &str) -> Option<f64> {
        let v = self.api("/api/v1/query", &[("query", query)]).await;
        v["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|s| s.parse().ok())
    }

    async fn wait_for(&self, query: &str, want: f64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.value(query).await;
            if got == Some(want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{query}: want {want}, Prometheus says {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every `expr` in the dashboard JSON, wherever it sits.
fn exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr", Value::String(s)) if !s.trim().is_empty() => out.push(s.clone()),
                    _ => exprs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

fn substitute(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$__interval", "1m")
        .replace("$__range", "1m")
        .replace("${namespace}", ".*")
        .replace("$namespace", ".*")
        .replace("${pod}", ".*")
        .replace("$pod", ".*")
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_sees_what_was_sent_and_the_dashboard_queries_work() {
    let broker = Broker::mock();
    let topics = Topics::new("prom");
    broker.create(&topics, 2).await;
    let bootstrap = broker.bootstrap();
    let app = spawn_app(test_config(&bootstrap, &topics)).await;
    let prometheus = Prometheus::start(&app.http.to_string());
    prometheus.wait_ready().await;

    let good: Vec<String> = (0..20).map(article).collect();
    let mut msgs: Vec<(i32, Option<&str>, &[u8])> = good
        .iter()
        .enumerate()
        .map(|(i, a)| ((i % 2) as i32, None, a.as_bytes()))
        .collect();
    msgs.push((0, None, b"{broken json"));
    msgs.push((1, None, b"[]"));
    msgs.push((0, None, br#"{"title":"headline only"}"#));
    produce(&producer(&bootstrap), &topics.input, &msgs, &[]).await;
    read_n(&bootstrap, &topics.output, 20, Duration::from_secs(60)).await;
    read_n(&bootstrap, &topics.dlq, 3, Duration::from_secs(60)).await;

    let sel = r#"{job="tradewire",namespace="ci",pod="tradewire-0"}"#;
    prometheus
        .wait_for(&format!("tradewire_articles_produced_total{sel}"), 20.0)
        .await;
    prometheus
        .wait_for(&format!("tradewire_articles_consumed_total{sel}"), 23.0)
        .await;
    prometheus
        .wait_for(
            r#"tradewire_articles_dead_lettered_total{reason="invalid_json"}"#,
            2.0,
        )
        .await;
    prometheus
        .wait_for(
            r#"tradewire_articles_dead_lettered_total{reason="missing_content"}"#,
            1.0,
        )
        .await;
    prometheus
        .wait_for("sum(tradewire_articles_by_relevance_total)", 20.0)
        .await;
    prometheus
        .wait_for("tradewire_messages_in_flight", 0.0)
        .await;
    prometheus.wait_for(r#"up{job="tradewire"}"#, 1.0).await;
    // Everything was read and committed: no lag on either input partition.
    prometheus
        .wait_for(
            &format!(
                r#"count(tradewire_consumer_lag_messages{{topic="{}"}})"#,
                topics.input
            ),
            2.0,
        )
        .await;
    prometheus
        .wait_for(
            &format!(
                r#"sum(tradewire_consumer_lag_messages{{topic="{}"}})"#,
                topics.input
            ),
            0.0,
        )
        .await;
    // Let a few more scrapes land so that rate() windows have two samples.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{REPO}/deploy/grafana/tradewire.json")).unwrap(),
    )
    .expect("dashboard is JSON");
    let mut all = Vec::new();
    exprs(&dashboard, &mut all);
    assert!(
        all.len() >= 15,
        "the dashboard has its panels ({} queries)",
        all.len()
    );
    let mut failures = Vec::new();
    for expr in &all {
        let query = substitute(expr);
        let v = prometheus
            .api("/api/v1/query", &[("query", query.as_str())])
            .await;
        if v["status"] != "success" {
            failures.push(format!("{expr}: {}", v["error"]));
        } else if v["data"]["result"].as_array().is_none_or(|r| r.is_empty()) {
            failures.push(format!("{expr}: no series"));
        }
    }
    assert!(
        failures.is_empty(),
        "dashboard queries that fail:\n{}",
        failures.join("\n")
    );

    let rules = prometheus.api("/api/v1/rules", &[]).await;
    let loaded: Vec<&str> = rules["data"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .filter_map(|r| r["name"].as_str())
        .collect();
    for alert in [
        "TradewireNotReady",
        "TradewireDeadLetterRatioHigh",
        "TradewireTargetDown",
        "TradewireBreakerOpen",
    ] {
        assert!(loaded.contains(&alert), "alert {alert} loaded: {loaded:?}");
    }

    // The exposition itself passes promtool's lint.
    let metrics = app.metrics().await;
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed");
    check
        .stdin
        .take()
        .unwrap()
        .write_all(metrics.as_bytes())
        .unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    app.stop().await.unwrap();
}
