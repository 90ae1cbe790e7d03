//! Test harness: brokers (the mock cluster in-process, or a real `tansu`
//! process), the service (in-process `App` or the real binary as a child
//! process), and a Kafka client to feed and read topics from outside.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tradewire::config::Config;
use tradewire::embedded::EmbeddedBroker;
use tradewire::App;

/// Logs from the service only when `TEST_LOG` is set.
pub fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        tradewire::telemetry::init_logging();
    }
}

/// Where a helper process's log goes: the terminal with `TEST_LOG`, else
/// nowhere.
pub fn log_sink() -> Stdio {
    if std::env::var_os("TEST_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

/// A unique name per call: tests share brokers but never topics or groups.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct Topics {
    pub input: String,
    pub output: String,
    pub dlq: String,
    pub group: String,
}

impl Topics {
    pub fn new(test: &str) -> Topics {
        Topics {
            input: unique(&format!("{test}.raw")),
            output: unique(&format!("{test}.enriched")),
            dlq: unique(&format!("{test}.dlq")),
            group: unique(&format!("{test}.group")),
        }
    }
}

/// A Kafka-protocol broker the tests run against.
pub enum Broker {
    /// librdkafka's mock cluster, in this test process.
    Mock(EmbeddedBroker),
    /// A real broker process: tansu with SQLite storage.
    Tansu(Tansu),
}

impl Broker {
    pub fn mock() -> Broker {
        Broker::Mock(EmbeddedBroker::start(1, &[]).expect("mock cluster starts"))
    }

    pub fn tansu() -> Broker {
        Broker::Tansu(Tansu::start())
    }

    pub fn bootstrap(&self) -> String {
        match self {
            Broker::Mock(m) => m.bootstrap_servers().to_owned(),
            Broker::Tansu(t) => t.bootstrap(),
        }
    }

    /// "mock" or "tansu", for test output.
    pub fn name(&self) -> &'static str {
        match self {
            Broker::Mock(_) => "mock",
            Broker::Tansu(_) => "tansu",
        }
    }

    /// Takes the broker away: the mock's broker stops accepting and drops
    /// its connections; the tansu process is killed.
    pub fn stop(&mut self) {
        match self {
            Broker::Mock(m) => m.broker_down(1).expect("mock broker down"),
            Broker::Tansu(t) => t.stop(),
        }
    }

    /// On the mock, how long a consumer group's first join is held (see
    /// `EmbeddedBroker::set_initial_rebalance_delay`); tansu keeps its own.
    pub fn set_initial_rebalance_delay(&self, delay: Duration) {
        if let Broker::Mock(m) = self {
            m.set_initial_rebalance_delay(delay)
                .expect("mock rebalance delay set");
        }
    }

    /// Brings it back on the same address, with the data it had.
    pub fn restart(&mut self) {
        match self {
            Broker::Mock(m) => m.broker_up(1).expect("mock broker up"),
            Broker::Tansu(t) => t.launch(),
        }
    }

    /// Creates the test's topics: `input_partitions` for the input, one
    /// partition for output and dead letters so that order is observable.
    pub async fn create(&self, topics: &Topics, input_partitions: i32) {
        let spec = [
            (topics.input.as_str(), input_partitions),
            (topics.output.as_str(), 1),
            (topics.dlq.as_str(), 1),
        ];
        match self {
            Broker::Mock(m) => {
                for (name, partitions) in spec {
                    m.create_topic(name, partitions)
                        .expect("mock topic created");
                }
            }
            Broker::Tansu(t) => {
                let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
                    .set("bootstrap.servers", t.bootstrap())
                    .create()
                    .expect("admin client");
                let new: Vec<NewTopic> = spec
                    .iter()
                    .map(|(n, p)| NewTopic::new(n, *p, TopicReplication::Fixed(1)))
                    .collect();
                let results = admin
                    .create_topics(&new, &AdminOptions::new())
                    .await
                    .expect("create_topics request");
                for r in results {
                    r.expect("topic created on tansu");
                }
            }
        }
    }
}

/// A tansu broker process with its data in a temporary SQLite file, so it
/// survives a broker restart.
pub struct Tansu {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Tansu {
    pub fn start() -> Tansu {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut t = Tansu {
            child: None,
            port,
            dir,
        };
        t.launch();
        t
    }

    /// Starts the process on this broker's port and storage.
    fn launch(&mut self) {
        assert!(self.child.is_none(), "tansu is already running");
        let bin = std::env::var("TANSU").unwrap_or_else(|_| "tansu".into());
        let listener = format!("tcp://127.0.0.1:{}", self.port);
        // tansu resolves the SQLite path against its working directory.
        let child = Command::new(&bin)
            .current_dir(self.dir.path())
            .args(["broker", "--storage-engine", "sqlite://tansu.db"])
            .args([
                "--listener-url",
                &listener,
                "--advertised-listener-url",
                &listener,
            ])
            .stdout(log_sink())
            .stderr(log_sink())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start the tansu broker ({bin}): {e}. Install it with \
                     `cargo install tansu --locked --features dynostore,libsql` (.ci/run does)"
                )
            });
        self.child = Some(child);
        wait_for_port(self.port, Duration::from_secs(30));
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Settings every test service uses: the test's broker and topics, an
/// ephemeral HTTP port, quick commits.
pub fn test_config(bootstrap: &str, topics: &Topics) -> Config {
    let mut c = Config::defaults();
    c.kafka.brokers = bootstrap.to_owned();
    c.kafka.input_topic = topics.input.clone();
    c.kafka.output_topic = topics.output.clone();
    c.kafka.dlq_topic = topics.dlq.clone();
    c.kafka.group_id = topics.group.clone();
    c.kafka.commit_interval_ms = 200;
    c.kafka.statistics_interval_ms = 500;
    c.http.listen = "127.0.0.1:0".parse().unwrap();
    c.pipeline.shutdown_grace_secs = 15;
    c
}

/// The service running in this process.
pub struct TestApp {
    pub http: SocketAddr,
    token: CancellationToken,
    handle: JoinHandle<tradewire::error::Result<()>>,
}

pub async fn spawn_app(config: Config) -> TestApp {
    init_test_logging();
    let app = App::build(config).await.expect("app builds");
    let http = app.http_addr();
    let token = CancellationToken::new();
    let handle = tokio::spawn(app.run(token.clone()));
    TestApp {
        http,
        token,
        handle,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    /// The `/metrics` exposition text.
    pub async fn metrics(&self) -> String {
        reqwest::get(self.url("/metrics"))
            .await
            .and_then(|r| r.error_for_status())
            .expect("/metrics answers")
            .text()
            .await
            .expect("text")
    }

    /// Graceful shutdown, as on SIGTERM.
    pub async fn stop(self) -> tradewire::error::Result<()> {
        self.token.cancel();
        self.handle.await.expect("app task")
    }

    /// Waits for the service to stop by itself (a fatal error).
    pub async fn join(self) -> tradewire::error::Result<()> {
        self.handle.await.expect("app task")
    }

    /// Waits until `/readyz` says ready.
    pub async fn wait_ready(&self) {
        wait_ready(self.http).await
    }
}

pub async fn wait_ready(http: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("http://{http}/readyz")).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "service never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The real binary as a child process.
pub struct ChildApp {
    child: Child,
    pub http: SocketAddr,
}

pub fn spawn_process(bootstrap: &str, topics: &Topics, extra_env: &[(&str, &str)]) -> ChildApp {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tradewire"));
    cmd.arg("run")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TRADEWIRE_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("TRADEWIRE__KAFKA__BROKERS", bootstrap)
        .env("TRADEWIRE__KAFKA__INPUT_TOPIC", &topics.input)
        .env("TRADEWIRE__KAFKA__OUTPUT_TOPIC", &topics.output)
        .env("TRADEWIRE__KAFKA__DLQ_TOPIC", &topics.dlq)
        .env("TRADEWIRE__KAFKA__GROUP_ID", &topics.group)
        .env("TRADEWIRE__KAFKA__COMMIT_INTERVAL_MS", "200")
        .env("TRADEWIRE__HTTP__LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("tradewire binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let echo = std::env::var_os("TEST_LOG").is_some();
    let pid = child.id();
    // Keep draining stderr for the child's whole life, or it blocks.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if echo {
                eprintln!("[child {pid}] {line}");
            }
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if v["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("http listening"))
                {
                    let _ = tx.send(v["addr"].as_str().unwrap_or_default().to_owned());
                }
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the child logs its HTTP address");
    ChildApp {
        child,
        http: addr.parse().expect("an address"),
    }
}

impl ChildApp {
    /// Whether the process is still running (it has not exited or crashed).
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("child status").is_none()
    }

    /// SIGKILL: no graceful shutdown at all.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit within the grace period");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ChildApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message as read back from a topic.
#[derive(Debug, Clone)]
pub struct Record {
    pub key: Option<String>,
    pub payload: Vec<u8>,
    pub headers: HashMap<String, String>,
}

impl Record {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload).expect("JSON payload")
    }
}

pub fn producer(bootstrap: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "30000")
        .create()
        .expect("test producer")
}

/// Produces each `(partition, key, payload)` and waits for its ack.
pub async fn produce(
    p: &FutureProducer,
    topic: &str,
    msgs: &[(i32, Option<&str>, &[u8])],
    headers: &[(&str, &str)],
) {
    for (partition, key, payload) in msgs {
        let mut h = OwnedHeaders::new();
        for (k, v) in headers {
            h = h.insert(Header {
                key: k,
                value: Some(*v),
            });
        }
        let mut rec = FutureRecord::to(topic)
            .partition(*partition)
            .payload(*payload)
            .headers(h);
        if let Some(k) = key {
            rec = rec.key(*k);
        }
        p.send(rec, Duration::from_secs(30))
            .await
            .map_err(|(e, _)| e)
            .expect("test message delivered");
    }
}

/// Reads `topic` from the beginning until `done(records)` or `timeout`.
pub async fn read_until(
    bootstrap: &str,
    topic: &str,
    timeout: Duration,
    done: impl Fn(&[Record]) -> bool,
) -> Vec<Record> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("test consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = tokio::time::Instant::now() + timeout;
    let mut out = Vec::new();
    while !done(&out) {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Err(_) => break,
            Ok(Err(e)) => {
                eprintln!("reader: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Ok(m)) => out.push(Record {
                key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                payload: m.payload().unwrap_or_default().to_vec(),
                headers: m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                (
                                    h.key.to_owned(),
                                    String::from_utf8_lossy(h.value.unwrap_or_default())
                                        .into_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
        }
    }
    out
}

/// Reads until `n` records arrived; fails the test if they do not.
pub async fn read_n(bootstrap: &str, topic: &str, n: usize, timeout: Duration) -> Vec<Record> {
    let out = read_until(bootstrap, topic, timeout, |r| r.len() >= n).await;
    assert!(
        out.len() >= n,
        "expected {n} records on {topic}, got {} within {timeout:?}",
        out.len()
    );
    out
}

/// A small trade-news article; `i` makes it unique and orderable.
pub fn article(i: usize) -> String {
    serde_json::json!({
        "id": format!("a-{i:05}"),
        "source": "Test Wire",
        "title": format!("Talks resume as tariff deadline nears ({i})"),
        "body": "The United States and China agreed to extend their tariff truce, \
                 U.S. Treasury Secretary Scott Bessent said. U.S. tariffs stand at \
                 30 percent on Chinese goods.",
        "published_at": "2025-07-29T09:00:00Z",
    })
    .to_string()
}

/// The article ids in records, in order.
pub fn ids(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.json()["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The value of the `/metrics` series whose line starts with `line_start`.
pub fn metric(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
