//! `tradewire loadgen`: a reproducible end-to-end load test.
//!
//! It starts the service (`tradewire run` with its embedded broker, unless
//! `--brokers` names a cluster where a service already runs), times it until
//! `/readyz` answers, produces generated articles ([`articles`]) to the input
//! topic at a fixed rate or as fast as the service keeps up, reads the
//! output and dead-letter topics, and reports throughput, end-to-end
//! latency percentiles, dead letters, losses, and the service's peak memory
//! and CPU ([`report`]).
//!
//! Each message's key and article id is `lg-RUN-SEQ-MICROS`: the run, its
//! sequence number and the time it was due to be sent. The service keys its
//! record (and its dead letter) the same way, so the reader needs no shared
//! state to compute a latency or to notice a loss or a duplicate. At a
//! fixed rate the time is when the message was *due*, not when it left:
//! a stall in the generator counts against the latency instead of hiding it.

pub mod articles;
pub mod report;
pub mod service;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientContext;

use articles::{Generator, Kind, Mix};
use report::{Latencies, Report, ServiceStats};
use service::Service;

/// Messages per second: a fixed rate, or as fast as the service keeps up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    Fixed(f64),
    Max,
}

fn parse_rate(s: &str) -> Result<Rate, String> {
    if s.eq_ignore_ascii_case("max") {
        return Ok(Rate::Max);
    }
    match s.parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(Rate::Fixed(r)),
        _ => Err(format!("`{s}` is neither a positive number nor `max`")),
    }
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Kafka bootstrap servers of a cluster where the service already runs.
    /// Without it, `tradewire run` is started here with its embedded broker.
    #[arg(long)]
    pub brokers: Option<String>,
    /// Messages per second, or `max`: as fast as the service keeps up
    /// (at most --max-outstanding unanswered).
    #[arg(long, default_value = "max", value_parser = parse_rate)]
    pub rate: Rate,
    /// Messages to send (default: as many as fit in --duration).
    #[arg(long)]
    pub count: Option<u64>,
    /// Seconds to send for (default 30 when --count is not given).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Share of messages that are articles about trade policy.
    #[arg(long, default_value_t = 0.35)]
    pub trade_share: f64,
    /// Share of messages that are poison (bad JSON, no content, a bad
    /// field, bad UTF-8, in turn).
    #[arg(long, default_value_t = 0.01)]
    pub poison_share: f64,
    /// Input partitions of the embedded broker's topics (sets
    /// kafka.topic_partitions of the service started here).
    #[arg(long, default_value_t = 3)]
    pub partitions: i32,
    /// Sent but not yet answered, at most (default 2,000 per partition).
    /// The embedded broker keeps only the last 5 MB of each partition, so
    /// this also keeps the backlog inside what it holds.
    #[arg(long)]
    pub max_outstanding: Option<u64>,
    #[arg(long, default_value = "articles.raw")]
    pub input_topic: String,
    #[arg(long, default_value = "articles.enriched")]
    pub output_topic: String,
    #[arg(long, default_value = "articles.dlq")]
    pub dlq_topic: String,
    /// Seed of the article generator: the same seed, the same input.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also send the articles of this JSON-lines file (raw articles, or
    /// `{"article": …}` lines such as ../shared/eval/dev.jsonl).
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// Compression of the produced input (the service's own producer
    /// settings are its own).
    #[arg(long, default_value = "lz4")]
    pub compression: String,
    /// With --brokers: the service's process id, for its memory and CPU.
    #[arg(long)]
    pub service_pid: Option<u32>,
    /// With --brokers: the service's HTTP address, for its counters.
    #[arg(long)]
    pub service_http: Option<std::net::SocketAddr>,
    /// An environment variable for the service started here, e.g.
    /// `TRADEWIRE__PIPELINE__WORKERS=2` (repeatable).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    pub service_env: Vec<(String, String)>,
    /// Write the service's log here (default: discarded).
    #[arg(long, value_name = "FILE")]
    pub service_log: Option<PathBuf>,
    /// Wait this long for the last results before counting the rest lost.
    #[arg(long, default_value_t = 30.0)]
    pub drain_secs: f64,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write --count generated messages to FILE as JSON lines and exit (the
    /// input for batch comparisons); nothing is sent.
    #[arg(long, value_name = "FILE")]
    pub write_jsonl: Option<PathBuf>,
}

/// Runs the load test (or writes the corpus) and prints the report.
/// `Ok(false)` when messages were lost.
pub fn main(opts: Options) -> Result<bool, String> {
    let mix = Mix {
        trade_share: opts.trade_share,
        poison_share: opts.poison_share,
    };
    mix.validate()?;
    let mut generator = Generator::new(mix, opts.seed);
    if let Some(path) = &opts.corpus {
        let n = generator
            .add_corpus(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        eprintln!("loadgen: {n} articles added from {}", path.display());
    }
    if let Some(path) = &opts.write_jsonl {
        let count = opts.count.ok_or("--write-jsonl needs --count")?;
        return write_jsonl(&mut generator, count, path).map(|()| true);
    }
    let report = run(&opts, generator)?;
    if opts.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialises")
        );
    } else {
        println!("{report}");
    }
    Ok(report.lost == 0)
}

fn write_jsonl(
    generator: &mut Generator,
    count: u64,
    path: &std::path::Path,
) -> Result<(), String> {
    use std::io::Write;
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for seq in 0..count {
        let (_, mut payload) = generator.next(&format!("lg-{seq}"));
        // A line per message: a newline inside would split it.
        payload.retain(|&b| b != b'\n');
        payload.push(b'\n');
        out.write_all(&payload).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

/// Counts the broker's acknowledgements of what the generator sent.
struct Acks {
    failed: AtomicU64,
}

impl ClientContext for Acks {}

impl ProducerContext for Acks {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            if self.failed.fetch_add(1, Ordering::Relaxed) == 0 {
                eprintln!("loadgen: a message was not delivered to the broker: {e}");
            }
        }
    }
}

/// State the reader shares with the sender.
struct Progress {
    /// Distinct messages answered (record or dead letter).
    answered: AtomicU64,
    stop: AtomicBool,
}

/// What the reader saw.
#[derive(Default)]
struct Seen {
    latencies: Latencies,
    records: u64,
    dead_letters: u64,
    duplicates: u64,
    last: Option<Instant>,
}

fn run(opts: &Options, mut generator: Generator) -> Result<Report, String> {
    let mut service_env = vec![
        ("RUST_LOG".to_owned(), "info".to_owned()),
        (
            "TRADEWIRE__KAFKA__TOPIC_PARTITIONS".to_owned(),
            opts.partitions.to_string(),
        ),
        (
            "TRADEWIRE__KAFKA__INPUT_TOPIC".to_owned(),
            opts.input_topic.clone(),
        ),
        (
            "TRADEWIRE__KAFKA__OUTPUT_TOPIC".to_owned(),
            opts.output_topic.clone(),
        ),
        (
            "TRADEWIRE__KAFKA__DLQ_TOPIC".to_owned(),
            opts.dlq_topic.clone(),
        ),
    ];
    service_env.extend(opts.service_env.iter().cloned());
    let (service, bootstrap, pid, http) = match &opts.brokers {
        Some(b) => (None, b.clone(), opts.service_pid, opts.service_http),
        None => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let s = Service::spawn(&exe, &service_env, opts.service_log.as_deref())?;
            eprintln!(
                "loadgen: service pid {} ready after {} ms, broker {}",
                s.pid(),
                s.ready_after.as_millis(),
                s.bootstrap
            );
            let (b, p, h) = (s.bootstrap.clone(), Some(s.pid()), Some(s.http));
            (Some(s), b, p, h)
        }
    };

    let run_id = format!("{:x}", fastrand::u32(..));
    let epoch = Instant::now();
    let progress = Arc::new(Progress {
        answered: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let reader = spawn_reader(opts, &bootstrap, &run_id, epoch, progress.clone())?;

    let producer: ThreadedProducer<Acks> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("client.id", "tradewire-loadgen")
        .set("compression.type", &opts.compression)
        .set("linger.ms", "5")
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "200000")
        .set("message.timeout.ms", "60000")
        .create_with_context(Acks {
            failed: AtomicU64::new(0),
        })
        .map_err(|e| format!("creating the producer: {e}"))?;

    let duration = match (opts.count, opts.duration) {
        (None, None) => Some(Duration::from_secs(30)),
        (_, d) => d.map(Duration::from_secs_f64),
    };
    let window = opts
        .max_outstanding
        .unwrap_or(2_000 * opts.partitions.max(1) as u64);
    let cpu_at_start = pid.and_then(service::cpu_secs);
    let own_cpu_at_start = service::cpu_secs(std::process::id());
    let started = Instant::now();
    let (mut sent, mut trade, mut poison) = (0u64, 0u64, 0u64);
    let mut next_progress = started + Duration::from_secs(5);
    loop {
        if opts.count.is_some_and(|c| sent >= c) {
            break;
        }
        let due = match opts.rate {
            Rate::Fixed(r) => started + Duration::from_secs_f64(sent as f64 / r),
            Rate::Max => Instant::now(),
        };
        if duration.is_some_and(|d| due.duration_since(started) >= d) {
            break;
        }
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        // Never further ahead of the answers than the window.
        while sent.saturating_sub(progress.answered.load(Ordering::Relaxed)) >= window {
            std::thread::sleep(Duration::from_micros(200));
        }
        let now = Instant::now();
        if now >= next_progress {
            next_progress = now + Duration::from_secs(5);
            eprintln!(
                "loadgen: {:>4.0} s  sent {sent}  answered {}  peak RSS {}",
                now.duration_since(started).as_secs_f64(),
                progress.answered.load(Ordering::Relaxed),
                pid.and_then(service::peak_rss_kb)
                    .map_or("n/a".into(), |kb| format!("{} MB", kb / 1024)),
            );
        }
        let stamp = match opts.rate {
            Rate::Fixed(_) => due,
            Rate::Max => now,
        };
        let id = format!(
            "lg-{run_id}-{sent}-{}",
            stamp.duration_since(epoch).as_micros()
        );
        let (kind, payload) = generator.next(&id);
        match kind {
            Kind::Trade => trade += 1,
            Kind::Poison(_) => poison += 1,
            Kind::Other => {}
        }
        let mut record = BaseRecord::to(&opts.input_topic).key(&id).payload(&payload);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, back)) => {
                    if e.rdkafka_error_code() != Some(rdkafka::types::RDKafkaErrorCode::QueueFull) {
                        return Err(format!("producing: {e}"));
                    }
                    record = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        sent += 1;
    }
    let sending = started.elapsed();
    producer
        .flush(Duration::from_secs(60))
        .map_err(|e| format!("flushing the producer: {e}"))?;

    // Wait for the last answers while they keep coming.
    let drain = Duration::from_secs_f64(opts.drain_secs);
    let mut last_change = Instant::now();
    let mut last_answered = 0;
    loop {
        let answered = progress.answered.load(Ordering::Relaxed);
        if answered >= sent {
            break;
        }
        if answered != last_answered {
            last_answered = answered;
            last_change = Instant::now();
        } else if last_change.elapsed() > drain {
            eprintln!("loadgen: no answer for {drain:?}; counting the rest as lost");
            if service.is_some() {
                eprintln!(
                    "loadgen: the embedded broker deletes all but the last 5 MB of a \
                     partition, so a backlog larger than that is lost before it is read: \
                     lower --max-outstanding or raise --partitions"
                );
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let cpu_used = match (cpu_at_start, pid.and_then(service::cpu_secs)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let own_cpu = match (own_cpu_at_start, service::cpu_secs(std::process::id())) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    progress.stop.store(true, Ordering::Relaxed);
    let seen = reader.join().map_err(|_| "the reader panicked")?;
    let answered = progress.answered.load(Ordering::Relaxed);
    let busy = seen
        .last
        .map_or(sending, |l| l.duration_since(started))
        .as_secs_f64();

    let mut stats = ServiceStats {
        ready_ms: service.as_ref().map(|s| s.ready_after.as_millis() as u64),
        peak_rss_mb: pid
            .and_then(service::peak_rss_kb)
            .map(|kb| kb as f64 / 1024.0),
        cpu_cores: cpu_used.map(|c| c / busy),
        cpu_us_per_message: cpu_used
            .filter(|_| answered > 0)
            .map(|c| c * 1e6 / answered as f64),
        ..ServiceStats::default()
    };
    if let Some((200, text)) = http.and_then(|h| service::http_get(h, "/metrics")) {
        stats.consumed = service::metric_sum(&text, "tradewire_articles_consumed_total");
        stats.produced = service::metric_sum(&text, "tradewire_articles_produced_total");
        stats.dead_lettered = service::metric_sum(&text, "tradewire_articles_dead_lettered_total");
        stats.backpressure_waits = service::metric_sum(&text, "tradewire_backpressure_waits_total");
    }
    let failed = producer.context().failed.load(Ordering::Relaxed);
    // Our clients go first: they would complain about the broker leaving.
    drop(producer);
    if let Some(s) = service {
        s.stop();
    }
    Ok(Report {
        rate: match opts.rate {
            Rate::Fixed(r) => format!("{r}/s"),
            Rate::Max => "max".into(),
        },
        partitions: opts.brokers.is_none().then_some(opts.partitions),
        sent,
        trade_articles: trade,
        poison_sent: poison,
        send_errors: failed,
        records: seen.records,
        dead_letters: seen.dead_letters,
        duplicates: seen.duplicates,
        lost: sent.saturating_sub(answered),
        produced_per_sec: sent as f64 / sending.as_secs_f64(),
        delivered_per_sec: answered as f64 / busy,
        wall_secs: busy,
        latency: seen.latencies.summary(),
        service: stats,
        loadgen_cpu_cores: own_cpu.map(|c| c / busy),
    })
}

/// Reads the output and dead-letter topics from their current ends on,
/// until told to stop.
fn spawn_reader(
    opts: &Options,
    bootstrap: &str,
    run_id: &str,
    epoch: Instant,
    progress: Arc<Progress>,
) -> Result<std::thread::JoinHandle<Seen>, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("tradewire-loadgen-{run_id}"))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        // The embedded broker holds an empty fetch for the whole wait even
        // when data arrives meanwhile: keep the wait short.
        .set("fetch.wait.max.ms", "5")
        .create()
        .map_err(|e| format!("creating the reader: {e}"))?;
    // Assign explicitly at the current ends, so nothing produced from now
    // on can be missed and nothing older is read.
    let mut tpl = TopicPartitionList::new();
    for topic in [&opts.output_topic, &opts.dlq_topic] {
        let md = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|e| format!("metadata of {topic}: {e}"))?;
        let partitions = md
            .topics()
            .first()
            .map(|t| t.partitions().len())
            .unwrap_or(0);
        if partitions == 0 {
            return Err(format!("topic {topic} does not exist"));
        }
        for p in 0..partitions as i32 {
            let (_, high) = consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .map_err(|e| format!("offsets of {topic}/{p}: {e}"))?;
            tpl.add_partition_offset(topic, p, Offset::Offset(high))
                .map_err(|e| e.to_string())?;
        }
    }
    consumer
        .assign(&tpl)
        .map_err(|e| format!("assigning: {e}"))?;
    let prefix = format!("lg-{run_id}-");
    let dlq = opts.dlq_topic.clone();
    std::thread::Builder::new()
        .name("loadgen-reader".into())
        .spawn(move || {
            let mut seen = Seen::default();
            let mut answered: Vec<bool> = Vec::new();
            while !progress.stop.load(Ordering::Relaxed) {
                let Some(result) = consumer.poll(Duration::from_millis(50)) else {
                    continue;
                };
                let Ok(m) = result else {
                    continue;
                };
                let now = Instant::now();
                let Some((seq, due_us)) = m
                    .key()
                    .and_then(|k| std::str::from_utf8(k).ok())
                    .and_then(|k| k.strip_prefix(&prefix))
                    .and_then(parse_key)
                else {
                    continue;
                };
                let seq = seq as usize;
                if answered.len() <= seq {
                    answered.resize(seq + 1 + seq / 2, false);
                }
                if answered[seq] {
                    seen.duplicates += 1;
                    continue;
                }
                answered[seq] = true;
                progress.answered.fetch_add(1, Ordering::Relaxed);
                if m.topic() == dlq {
                    seen.dead_letters += 1;
                } else {
                    seen.records += 1;
                }
                let now_us = now.duration_since(epoch).as_micros() as u64;
                seen.latencies.record(now_us.saturating_sub(due_us));
                seen.last = Some(now);
            }
            seen
        })
        .map_err(|e| e.to_string())
}

/// `SEQ-MICROS` → (sequence number, due time in µs since the run's epoch).
fn parse_key(rest: &str) -> Option<(u64, u64)> {
    let (seq, due) = rest.split_once('-')?;
    Some((seq.parse().ok()?, due.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_keys_parse() {
        assert_eq!(parse_rate("max"), Ok(Rate::Max));
        assert_eq!(parse_rate("2000"), Ok(Rate::Fixed(2000.0)));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
        assert_eq!(parse_key("42-1234567"), Some((42, 1_234_567)));
        assert_eq!(parse_key("42"), None);
        assert_eq!(parse_key("x-1"), None);
        assert_eq!(
            parse_env("TRADEWIRE__PIPELINE__WORKERS=2"),
            Ok(("TRADEWIRE__PIPELINE__WORKERS".into(), "2".into()))
        );
    }
}
