//! The fault suite's outside view of a run, independent of how tradewire
//! works inside: a [`Ledger`] of every input message written (partition,
//! offset, and whether it should become a record or a dead letter), an
//! [`Observer`] that reads the output and dead-letter topics as they fill,
//! snapshots of the group's committed input offsets, and the [`Audit`] that
//! compares them.
//!
//! An output record is traced back to its input offset through the article
//! id (its key), which the ledger maps to the offset the input got; a dead
//! letter names its input in the `tradewire.source.*` headers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::helpers::{article, unique, ChildApp, Topics};

/// The delivery mode under test. Everything a fault test checks that
/// depends on the mode is here, so each scenario runs unchanged per mode.
#[derive(Clone, Copy, Debug)]
pub enum Delivery {
    AtLeastOnce,
    /// `pipeline.delivery = "exactly-once"`. Runs on librdkafka's mock
    /// cluster only: tansu 0.6 has no `EndTxn`, so a transaction can never
    /// commit there.
    ExactlyOnce,
}

impl Delivery {
    pub fn name(self) -> &'static str {
        match self {
            Delivery::AtLeastOnce => "at-least-once",
            Delivery::ExactlyOnce => "exactly-once",
        }
    }

    /// The service's settings for this mode, as `spawn_process` env vars.
    /// Exactly-once also needs a `transactional.id` per instance: see
    /// [`Run::instance_env`].
    pub fn env(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Delivery::AtLeastOnce => Vec::new(),
            Delivery::ExactlyOnce => vec![("TRADEWIRE__PIPELINE__DELIVERY", "exactly-once")],
        }
    }

    /// Asserts what the mode promises, whatever the fault was.
    pub fn check(self, a: &Audit) {
        assert_eq!(
            a.lost, 0,
            "{a}\nlost input offsets (partition, offset), first ones: {:?}",
            a.missing
        );
        assert_eq!(
            a.order_violations, 0,
            "{a}\nper-partition order broken; first (partition, offset, delivered after): {:?}",
            a.out_of_order
        );
        assert_eq!(
            a.committed_ahead, 0,
            "{a}\ncommitted input offsets ran ahead of the output"
        );
        assert_eq!(
            a.misrouted, 0,
            "{a}\nrecords for input that should have been dead-lettered, or the \
             reverse, or for input never written"
        );
        match self {
            // Re-delivery after a crash or rebalance is allowed: counted only.
            Delivery::AtLeastOnce => {}
            // On a Kafka broker a `read_committed` reader would see no
            // duplicate. The mock cluster, the only broker these runs have,
            // neither stores the offsets committed in transactions (a
            // restarted or newly assigned instance starts over from the
            // beginning) nor hides aborted records, so duplicates are
            // counted, not asserted; what the mode promises on top of
            // at-least-once and the mock can show is the point-in-time
            // check of `committed_ahead` (see `Run::snapshot_commits`).
            Delivery::ExactlyOnce => {}
        }
    }
}

/// What an input message should become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// An output record keyed by this article id.
    Record(String),
    DeadLetter,
}

/// One input message as the broker acknowledged it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub partition: i32,
    pub offset: i64,
    pub expect: Expect,
}

/// Every input message written during a run.
#[derive(Clone, Default)]
pub struct Ledger(Arc<Mutex<Vec<Sent>>>);

impl Ledger {
    fn entries(&self) -> Vec<Sent> {
        self.0.lock().unwrap().clone()
    }
}

/// What a feeder writes: articles `from..to` (ids `a-NNNNN`), keyed by
/// story (`keys` distinct keys, so each key stays on one partition), every
/// `poison_every`-th one replaced by a payload that is not JSON; in chunks
/// of `chunk` with `pause` between chunks.
#[derive(Clone, Copy, Debug)]
pub struct Feed {
    pub from: usize,
    pub to: usize,
    pub keys: usize,
    pub poison_every: Option<usize>,
    pub chunk: usize,
    pub pause: Duration,
}

impl Feed {
    /// `n` articles written as fast as the broker takes them.
    pub fn backlog(n: usize) -> Feed {
        Feed {
            from: 0,
            to: n,
            keys: 12,
            poison_every: Some(97),
            chunk: 100,
            pause: Duration::ZERO,
        }
    }

    /// `n` articles spread over about `over`.
    pub fn paced(from: usize, n: usize, over: Duration) -> Feed {
        let chunk = 20;
        Feed {
            from,
            to: from + n,
            pause: over / (n / chunk).max(1) as u32,
            chunk,
            ..Feed::backlog(0)
        }
    }
}

/// An idempotent producer (no input duplicates from its retries) that
/// keeps retrying through a broker outage of a few minutes.
fn feed_producer(bootstrap: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .set("message.timeout.ms", "180000")
        .create()
        .expect("feed producer")
}

impl Feed {
    /// The messages, in order: `(key, payload, what it should become)`.
    fn messages(self) -> impl Iterator<Item = (String, String, Expect)> {
        (self.from..self.to).map(move |n| {
            let key = format!("story-{}", n % self.keys.max(1));
            match self.poison_every {
                Some(every) if n % every == every - 1 => (
                    key,
                    format!("{{\"id\": \"poison-{n}\", \"title\": "),
                    Expect::DeadLetter,
                ),
                _ => (key, article(n), Expect::Record(format!("a-{n:05}"))),
            }
        })
    }
}

/// Writes `feed` to `topic`, noting every acknowledged message in `ledger`.
pub async fn feed(bootstrap: &str, topic: &str, feed: Feed, ledger: &Ledger) {
    let producer = feed_producer(bootstrap);
    let mut messages = feed.messages().peekable();
    while messages.peek().is_some() {
        let chunk: Vec<_> = messages.by_ref().take(feed.chunk.max(1)).collect();
        write(&producer, topic, chunk, ledger).await;
        if !feed.pause.is_zero() && messages.peek().is_some() {
            tokio::time::sleep(feed.pause).await;
        }
    }
}

/// Writes `(key, payload, expect)`s in order and waits for their acks.
async fn write(
    producer: &FutureProducer,
    topic: &str,
    messages: Vec<(String, String, Expect)>,
    ledger: &Ledger,
) {
    let mut acks = Vec::new();
    for (key, payload, expect) in messages {
        let ack = producer
            .send_result(FutureRecord::to(topic).key(&key).payload(&payload))
            .map_err(|(e, _)| e)
            .expect("input message enqueued");
        acks.push((ack, expect));
    }
    for (ack, expect) in acks {
        let d = ack
            .await
            .expect("feed producer alive")
            .map_err(|(e, _)| e)
            .expect("input message acknowledged");
        ledger.0.lock().unwrap().push(Sent {
            partition: d.partition,
            offset: d.offset,
            expect,
        });
    }
}

/// A record seen on the output topic.
#[derive(Debug, Clone)]
struct Output {
    partition: i32,
    key: String,
}

/// A dead letter, by the input it names.
#[derive(Debug, Clone)]
pub struct Letter {
    partition: i32,
    pub source_partition: i32,
    pub source_offset: i64,
    pub headers: HashMap<String, String>,
    pub payload: Vec<u8>,
}

#[derive(Default)]
struct Seen {
    outputs: Vec<Output>,
    letters: Vec<Letter>,
    /// Records on either topic that do not parse as ours (no key, no
    /// source headers).
    strays: usize,
}

/// Reads the output and dead-letter topics from the beginning, for as long
/// as the run lasts. It is assigned the partitions (no consumer group), so
/// it never takes part in the group under test.
pub struct Observer {
    consumer: Arc<StreamConsumer>,
    /// The output and dead-letter partitions it reads.
    partitions: Vec<(String, i32)>,
    seen: Arc<Mutex<Seen>>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Observer {
    pub async fn start(bootstrap: &str, topics: &Topics) -> Observer {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            // Required by librdkafka's consumer; never joined (assign only).
            .set("group.id", unique("observer"))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false")
            // Only what a transaction committed (the librdkafka default,
            // said out loud: exactly-once output must be read this way).
            .set("isolation.level", "read_committed")
            // After the mock broker comes back, one of this reader's
            // requests can go unanswered; librdkafka drops it only after
            // `socket.timeout.ms` (60 s by default), and the reader saw
            // nothing new for 57 s although the service had long
            // delivered everything. 10 s: the broker-restart run then
            // sees all handled 12 s after the restart.
            .set("socket.timeout.ms", "10000")
            .create()
            .expect("observer consumer");
        let mut tpl = TopicPartitionList::new();
        for topic in [&topics.output, &topics.dlq] {
            let md = consumer
                .fetch_metadata(Some(topic), Duration::from_secs(10))
                .expect("observer reads topic metadata");
            let partitions = md.topics()[0].partitions().len() as i32;
            assert!(partitions > 0, "topic {topic} has no partitions");
            for p in 0..partitions {
                tpl.add_partition_offset(topic, p, Offset::Beginning)
                    .unwrap();
            }
        }
        consumer.assign(&tpl).expect("observer assigns");
        let partitions = tpl
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition()))
            .collect();
        let consumer = Arc::new(consumer);
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = CancellationToken::new();
        let dlq = topics.dlq.clone();
        let (s, t, consumer2) = (seen.clone(), stop.clone(), consumer.clone());
        let task = tokio::spawn(async move {
            let consumer = consumer2;
            loop {
                let m = tokio::select! {
                    _ = t.cancelled() => return,
                    m = consumer.recv() => m,
                };
                let m = match m {
                    Ok(m) => m,
                    Err(e) => {
                        // Expected while a fault test has the broker down.
                        if std::env::var_os("TEST_LOG").is_some() {
                            eprintln!("observer: {e}");
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let headers: HashMap<String, String> = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                let v = String::from_utf8_lossy(h.value.unwrap_or_default());
                                (h.key.to_owned(), v.into_owned())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut seen = s.lock().unwrap();
                if m.topic() == dlq {
                    let source = |h: &str| headers.get(h).and_then(|v| v.parse().ok());
                    match (
                        source("tradewire.source.partition"),
                        source("tradewire.source.offset"),
                    ) {
                        (Some(p), Some(o)) => seen.letters.push(Letter {
                            partition: m.partition(),
                            source_partition: p as i32,
                            source_offset: o,
                            payload: m.payload().unwrap_or_default().to_vec(),
                            headers,
                        }),
                        _ => seen.strays += 1,
                    }
                } else {
                    match m.key() {
                        Some(k) => seen.outputs.push(Output {
                            partition: m.partition(),
                            key: String::from_utf8_lossy(k).into_owned(),
                        }),
                        None => seen.strays += 1,
                    }
                }
            }
        });
        Observer {
            consumer,
            partitions,
            seen,
            stop,
            task,
        }
    }

    /// Waits (up to `timeout`) until this observer has read everything the
    /// output and dead-letter topics held when it was called: their high
    /// watermarks are taken first. (The mock serves a `read_committed`
    /// reader up to the high watermark; a Kafka broker stops it at the
    /// last stable offset, so there the wait also lasts until transactions
    /// open at the call have ended.) False if the broker did not answer or
    /// it took longer.
    pub async fn caught_up(&self, timeout: Duration) -> bool {
        let (consumer, partitions) = (self.consumer.clone(), self.partitions.clone());
        let ends = tokio::task::spawn_blocking(move || {
            partitions
                .into_iter()
                .map(|(t, p)| {
                    let (_, end) = consumer.fetch_watermarks(&t, p, Duration::from_secs(5))?;
                    Ok(((t, p), end))
                })
                .collect::<rdkafka::error::KafkaResult<Vec<_>>>()
        })
        .await
        .expect("watermark task");
        let Ok(ends) = ends else { return false };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let read_to = |pos: &TopicPartitionList, t: &str, p: i32| {
                pos.find_partition(t, p)
                    .and_then(|e| e.offset().to_raw())
                    .unwrap_or(-1)
            };
            if let Ok(pos) = self.consumer.position() {
                if ends
                    .iter()
                    .all(|((t, p), end)| *end <= 0 || read_to(&pos, t, *p) >= *end)
                {
                    // The position moves as a message is handed over; give
                    // the reading task a moment to note the last one.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    return true;
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many inputs of `ledger` below the committed `offsets` have no
    /// record or dead letter seen so far.
    fn ahead(&self, ledger: &Ledger, offsets: &BTreeMap<i32, i64>) -> usize {
        let sent = ledger.entries();
        let done = seen_inputs(&sent, &self.seen.lock().unwrap());
        ahead_of(&sent, &done, offsets)
    }

    /// Records and dead letters seen so far.
    pub fn count(&self) -> usize {
        let s = self.seen.lock().unwrap();
        s.outputs.len() + s.letters.len()
    }

    /// The output keys seen so far, in output-topic order.
    pub fn output_keys(&self) -> Vec<String> {
        let s = self.seen.lock().unwrap();
        s.outputs.iter().map(|o| o.key.clone()).collect()
    }

    pub fn letters(&self) -> Vec<Letter> {
        self.seen.lock().unwrap().letters.clone()
    }

    /// Waits until at least `n` records and dead letters were seen; fails
    /// the test with `what` after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration, what: &str) {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.count() < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: only {} of {n} records seen within {timeout:?}",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Compares what was seen with `ledger` and the commit snapshots.
    fn audit(&self, label: &str, ledger: &Ledger, commits: &[Commits]) -> Audit {
        let sent = ledger.entries();
        let seen = self.seen.lock().unwrap();
        let by_id: HashMap<&str, usize> = sent
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.expect {
                Expect::Record(id) => Some((id.as_str(), i)),
                Expect::DeadLetter => None,
            })
            .collect();
        let by_offset: HashMap<(i32, i64), usize> = sent
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.partition, s.offset), i))
            .collect();
        let mut copies = vec![0usize; sent.len()];
        let mut records = vec![false; sent.len()];
        let mut letters = vec![false; sent.len()];
        let mut misrouted = seen.strays;
        let mut order_violations = 0;
        let mut out_of_order = Vec::new();
        // Per (topic, its partition, input partition): the highest input
        // offset delivered so far. A first delivery below it is out of order;
        // a repeat (re-delivery after a crash) is not.
        let mut highest: HashMap<(bool, i32, i32), i64> = HashMap::new();
        let mut first = |i: usize, out: (bool, i32), copies: &mut Vec<usize>| {
            copies[i] += 1;
            if copies[i] == 1 {
                let s = &sent[i];
                let top = highest
                    .entry((out.0, out.1, s.partition))
                    .or_insert(s.offset);
                if s.offset < *top {
                    order_violations += 1;
                    if out_of_order.len() < 10 {
                        out_of_order.push((s.partition, s.offset, *top));
                    }
                }
                *top = (*top).max(s.offset);
            }
        };
        for o in &seen.outputs {
            match by_id.get(o.key.as_str()) {
                Some(&i) => {
                    records[i] = true;
                    first(i, (false, o.partition), &mut copies);
                }
                None => misrouted += 1,
            }
        }
        for l in &seen.letters {
            match by_offset.get(&(l.source_partition, l.source_offset)) {
                Some(&i) => {
                    letters[i] = true;
                    first(i, (true, l.partition), &mut copies);
                }
                None => misrouted += 1,
            }
        }
        let mut missing = Vec::new();
        for (i, s) in sent.iter().enumerate() {
            match s.expect {
                Expect::Record(_) if letters[i] => misrouted += 1,
                Expect::DeadLetter if records[i] => misrouted += 1,
                _ => {}
            }
            if copies[i] == 0 {
                missing.push((s.partition, s.offset));
            }
        }
        let done = seen_inputs(&sent, &seen);
        let committed_ahead = commits
            .iter()
            .flat_map(|c| [Some(ahead_of(&sent, &done, &c.offsets)), c.ahead_then])
            .flatten()
            .max()
            .unwrap_or(0);
        let nothing = HashSet::new();
        let mid_run_cover = commits
            .iter()
            .rev()
            .skip(1)
            .map(|c| ahead_of(&sent, &nothing, &c.offsets))
            .max()
            .unwrap_or(0);
        missing.sort();
        Audit {
            label: label.to_owned(),
            produced: sent.len(),
            delivered: records.iter().filter(|&&r| r).count(),
            dead_lettered: letters.iter().filter(|&&l| l).count(),
            lost: missing.len(),
            duplicates: copies.iter().map(|c| c.saturating_sub(1)).sum(),
            order_violations,
            committed_ahead,
            misrouted,
            commit_snapshots: commits.len(),
            mid_run_cover,
            checked_then: commits.iter().filter(|c| c.ahead_then.is_some()).count(),
            missing: missing.into_iter().take(10).collect(),
            out_of_order,
        }
    }
}

/// The inputs of `sent` whose record (by article id) or dead letter (by
/// its source headers) is among `seen`.
fn seen_inputs(sent: &[Sent], seen: &Seen) -> HashSet<(i32, i64)> {
    let ids: HashSet<&str> = seen.outputs.iter().map(|o| o.key.as_str()).collect();
    let letters: HashSet<(i32, i64)> = seen
        .letters
        .iter()
        .map(|l| (l.source_partition, l.source_offset))
        .collect();
    sent.iter()
        .filter(|s| {
            letters.contains(&(s.partition, s.offset))
                || matches!(&s.expect, Expect::Record(id) if ids.contains(id.as_str()))
        })
        .map(|s| (s.partition, s.offset))
        .collect()
}

/// How many inputs of `sent` below the committed `offsets` are not `done`.
fn ahead_of(sent: &[Sent], done: &HashSet<(i32, i64)>, offsets: &BTreeMap<i32, i64>) -> usize {
    sent.iter()
        .filter(|s| offsets.get(&s.partition).is_some_and(|&c| s.offset < c))
        .filter(|s| !done.contains(&(s.partition, s.offset)))
        .count()
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.stop.cancel();
        self.task.abort();
    }
}

/// The outcome of a run, counted from outside.
#[derive(Debug)]
pub struct Audit {
    pub label: String,
    /// Input offsets written.
    pub produced: usize,
    /// Input offsets with at least one output record.
    pub delivered: usize,
    /// Input offsets with at least one dead letter.
    pub dead_lettered: usize,
    /// Input offsets with neither.
    pub lost: usize,
    /// Extra copies beyond the first, records and dead letters together.
    pub duplicates: usize,
    /// First deliveries that came after a later offset of the same input
    /// partition (per-key order follows: a key lives on one partition).
    pub order_violations: usize,
    /// The most input offsets that a committed-offset snapshot covered
    /// without their record or dead letter: either never appearing, or
    /// (for the snapshots in `checked_then`) not yet in the output topics
    /// as they stood right after the snapshot was taken.
    pub committed_ahead: usize,
    /// A record for poison, a dead letter for a good article, or output
    /// that matches no input.
    pub misrouted: usize,
    pub commit_snapshots: usize,
    /// The most inputs the committed offsets of one snapshot before the
    /// last (which is taken once all output is in) covered: how much the
    /// `committed_ahead` check had to check while the fault was on.
    pub mid_run_cover: usize,
    /// Snapshots also compared with the output of their moment.
    pub checked_then: usize,
    /// The first lost `(partition, offset)`s.
    pub missing: Vec<(i32, i64)>,
    /// The first order violations: `(partition, offset, a later offset
    /// of that partition delivered before it)`.
    pub out_of_order: Vec<(i32, i64, i64)>,
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "audit[{}]: produced={} delivered={} dead_letters={} lost={} duplicates={} \
             order_violations={} committed_ahead={} misrouted={} (commit snapshots: {}, \
             mid-run ones covering up to {} inputs, {} checked against the output of their \
             moment)",
            self.label,
            self.produced,
            self.delivered,
            self.dead_lettered,
            self.lost,
            self.duplicates,
            self.order_violations,
            self.committed_ahead,
            self.misrouted,
            self.commit_snapshots,
            self.mid_run_cover,
            self.checked_then,
        )
    }
}

/// Prints a line of the fault suite's report: on stdout (shown with
/// `-- --nocapture`) and, when `TRADEWIRE_AUDIT_LOG` names a file, appended
/// there too (`.ci/run` prints that file after the tests).
pub fn report(line: &str) {
    println!("{line}");
    if let Some(path) = std::env::var_os("TRADEWIRE_AUDIT_LOG") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("audit log opens");
        writeln!(f, "{line}").expect("audit log written");
    }
}

/// One fault run: its ledger, observer and commit snapshots.
pub struct Run {
    pub label: String,
    pub delivery: Delivery,
    pub ledger: Ledger,
    pub observer: Observer,
    bootstrap: String,
    input: String,
    group: String,
    commits: Mutex<Vec<Commits>>,
}

/// A snapshot of committed input offsets (next offset per partition).
#[derive(Clone)]
struct Commits {
    offsets: BTreeMap<i32, i64>,
    /// Inputs below `offsets` whose record or dead letter was not in the
    /// output topics right after the offsets were read; `None` when the
    /// observer could not catch up with the output in time.
    ahead_then: Option<usize>,
}

impl Run {
    /// `scenario` names the fault; the label adds broker and mode.
    pub async fn start(
        scenario: &str,
        broker: &str,
        delivery: Delivery,
        bootstrap: &str,
        topics: &Topics,
    ) -> Run {
        Run {
            label: format!("{broker} {scenario} {}", delivery.name()),
            delivery,
            ledger: Ledger::default(),
            observer: Observer::start(bootstrap, topics).await,
            bootstrap: bootstrap.to_owned(),
            input: topics.input.clone(),
            group: topics.group.clone(),
            commits: Mutex::new(Vec::new()),
        }
    }

    /// The service's env for this run's mode plus `extra`.
    pub fn env<'a>(&self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut env = self.delivery.env();
        env.extend_from_slice(extra);
        env
    }

    /// [`Run::env`] for the instance running as pod `pod` (`POD_NAME`),
    /// as in a StatefulSet: in exactly-once mode its `transactional.id` is
    /// `<group>-<pod>`, distinct between instances and the same when the
    /// pod is restarted, which is what fences a restarted instance's
    /// predecessor.
    pub fn instance_env<'a>(
        &self,
        pod: &'a str,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut env = self.env(extra);
        env.push(("POD_NAME", pod));
        env
    }

    /// Writes `f` now.
    pub async fn feed(&self, f: Feed) {
        feed(&self.bootstrap, &self.input, f, &self.ledger).await
    }

    /// Writes these `(key, payload, expect)`s now, in order.
    pub async fn write(&self, messages: Vec<(String, String, Expect)>) {
        let producer = feed_producer(&self.bootstrap);
        write(&producer, &self.input, messages, &self.ledger).await
    }

    /// Writes `f` in the background.
    pub fn feed_in_background(&self, f: Feed) -> JoinHandle<()> {
        let (bootstrap, input, ledger) = (
            self.bootstrap.clone(),
            self.input.clone(),
            self.ledger.clone(),
        );
        tokio::spawn(async move { feed(&bootstrap, &input, f, &ledger).await })
    }

    /// Notes the committed input offsets now, to check that every input
    /// below them has its output: at once, against the output topics as
    /// they stand right after the offsets were read (what was committed
    /// must already be visible), and at the end of the run.
    ///
    /// The offsets are the group's, asked from the broker (an OffsetFetch),
    /// and, per partition the higher, those the running `apps` report as
    /// committed (`tradewire_committed_offset`, set once the broker
    /// confirmed the commit or the transaction). The latter is how
    /// exactly-once runs are checked on the mock cluster, which accepts
    /// offsets committed in a transaction but does not store them.
    pub async fn snapshot_commits(&self, apps: &[&ChildApp]) {
        let (bootstrap, input, group) = (
            self.bootstrap.clone(),
            self.input.clone(),
            self.group.clone(),
        );
        let from_group =
            tokio::task::spawn_blocking(move || committed_offsets(&bootstrap, &input, &group))
                .await
                .unwrap();
        let asked = from_group.is_some();
        let mut offsets = from_group.unwrap_or_default();
        let mut reported = false;
        for app in apps {
            for (p, o) in reported_commits(app, &self.input).await {
                reported = true;
                let top = offsets.entry(p).or_insert(o);
                *top = (*top).max(o);
            }
        }
        if !asked && !reported {
            return;
        }
        let ahead_then = match self.observer.caught_up(Duration::from_secs(10)).await {
            true => Some(self.observer.ahead(&self.ledger, &offsets)),
            false => None,
        };
        self.commits.lock().unwrap().push(Commits {
            offsets,
            ahead_then,
        });
    }

    /// Waits (up to `timeout`) until every input written has its record or
    /// dead letter, takes a last commit snapshot (with the running `apps`),
    /// then prints the audit and checks it against the mode's promises.
    pub async fn finish(&self, timeout: Duration, apps: &[&ChildApp]) -> Audit {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let audit = self.audit();
            if audit.lost == 0 || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.snapshot_commits(apps).await;
        let audit = self.audit();
        report(&audit.to_string());
        self.delivery.check(&audit);
        audit
    }

    fn audit(&self) -> Audit {
        let commits = self.commits.lock().unwrap().clone();
        self.observer.audit(&self.label, &self.ledger, &commits)
    }
}

/// The input offsets `app` says it committed (`tradewire_committed_offset`
/// on `/metrics`), by partition; none if it does not answer.
async fn reported_commits(app: &ChildApp, input: &str) -> Vec<(i32, i64)> {
    let url = format!("http://{}/metrics", app.http);
    let text = match reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
    {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => return Vec::new(),
    };
    let label = |line: &str, name: &str| -> Option<String> {
        let start = line.find(&format!("{name}=\""))? + name.len() + 2;
        let len = line[start..].find('"')?;
        Some(line[start..start + len].to_owned())
    };
    text.lines()
        .filter(|l| l.starts_with("tradewire_committed_offset{"))
        .filter(|l| label(l, "topic").as_deref() == Some(input))
        .filter_map(|l| {
            let partition = label(l, "partition")?.parse().ok()?;
            let offset: f64 = l.rsplit(' ').next()?.parse().ok()?;
            (offset >= 0.0).then_some((partition, offset as i64))
        })
        .collect()
}

/// The group's committed offsets on `topic`, by partition, asked from
/// outside (an OffsetFetch; this client never joins the group). `None`
/// when the broker does not answer in time (a broker outage).
fn committed_offsets(bootstrap: &str, topic: &str, group: &str) -> Option<BTreeMap<i32, i64>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("offset reader");
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .ok()?;
    let mut tpl = TopicPartitionList::new();
    for p in md.topics()[0].partitions() {
        tpl.add_partition(topic, p.id());
    }
    let committed = consumer
        .committed_offsets(tpl, Duration::from_secs(5))
        .ok()?;
    Some(
        committed
            .elements()
            .iter()
            .filter_map(|e| e.offset().to_raw().map(|o| (e.partition(), o)))
            .filter(|(_, o)| *o >= 0)
            .collect(),
    )
}

#[test]
fn committed_offsets_ahead_of_the_output_are_counted() {
    let sent: Vec<Sent> = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
        .into_iter()
        .map(|(partition, offset)| Sent {
            partition,
            offset,
            expect: Expect::DeadLetter,
        })
        .collect();
    let done: HashSet<(i32, i64)> = [(0, 0), (0, 1), (1, 0)].into();
    // Partition 0 committed up to (not including) offset 2: covered.
    assert_eq!(ahead_of(&sent, &done, &[(0, 2)].into()), 0);
    // Offset 2 committed without its output; partition 1 likewise.
    assert_eq!(ahead_of(&sent, &done, &[(0, 3), (1, 2)].into()), 2);
    // A partition without a committed offset covers nothing.
    assert_eq!(ahead_of(&sent, &HashSet::new(), &BTreeMap::new()), 0);
}
