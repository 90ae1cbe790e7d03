//! The embedded broker: librdkafka's in-process mock cluster, so that
//! `cargo run` works with no Kafka installed. It speaks the Kafka protocol on
//! 127.0.0.1, so outside clients (kcat) can use it too. It keeps data in
//! memory only; use a real cluster for anything that must survive a restart.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::client::{Client, ClientContext};
use rdkafka::producer::{BaseProducer, Producer};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use rdkafka::ClientConfig;

use crate::error::{Error, Result};

enum Command {
    CreateTopic {
        name: String,
        partitions: i32,
        done: mpsc::Sender<Result<(), String>>,
    },
    BrokerDown {
        id: i32,
        done: mpsc::Sender<Result<(), String>>,
    },
    BrokerUp {
        id: i32,
        done: mpsc::Sender<Result<(), String>>,
    },
    RequestErrors {
        api: RDKafkaApiKey,
        errors: Vec<RDKafkaRespErr>,
        done: mpsc::Sender<Result<(), String>>,
    },
    InitialRebalanceDelay {
        ms: i32,
        done: mpsc::Sender<Result<(), String>>,
    },
}

/// Consumer settings that fit the embedded broker, applied unless the
/// configuration sets them (`kafka.consumer.*`). A real cluster needs
/// neither.
pub const CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    // The mock holds a classic group's first join for 3 s (a broker's
    // group.initial.rebalance.delay.ms); the next-generation protocol
    // (KIP-848) assigns partitions on the first heartbeat, so the service
    // is ready in well under 2 s.
    ("group.protocol", "consumer"),
    // The mock answers a fetch that found no data only after the whole
    // wait, even when data arrives meanwhile (a real broker answers as
    // soon as fetch.min.bytes are there). The default 500 ms wait would
    // then be added to the latency of every message that finds the
    // consumer caught up.
    ("fetch.wait.max.ms", "10"),
];

/// A running mock cluster. Dropping it stops the cluster.
pub struct EmbeddedBroker {
    bootstrap: String,
    commands: Option<mpsc::Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedBroker {
    /// Starts `brokers` mock brokers and creates each `(topic, partitions)`.
    pub fn start(brokers: i32, topics: &[(&str, i32)]) -> Result<EmbeddedBroker> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, String>>();
        let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
        // The mock cluster handle is not Send: it lives on its own thread,
        // which serves commands until the handle is dropped.
        let thread = std::thread::Builder::new()
            .name("tradewire-embedded-kafka".into())
            .spawn(move || {
                // The cluster belongs to this client (librdkafka's
                // `test.mock.num.brokers`), whose handle also reaches the
                // settings the safe wrapper lacks.
                let owner: BaseProducer = match ClientConfig::new()
                    .set("test.mock.num.brokers", brokers.to_string())
                    .create()
                {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let Some(cluster) = owner.client().mock_cluster() else {
                    let _ = ready_tx.send(Err("librdkafka made no mock cluster".into()));
                    return;
                };
                let _ = ready_tx.send(Ok(cluster.bootstrap_servers()));
                loop {
                    // Serves the owner's queued events (its log lines)
                    // while waiting for commands.
                    owner.poll(Duration::ZERO);
                    let command = match cmd_rx.recv_timeout(Duration::from_secs(1)) {
                        Ok(c) => c,
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    match command {
                        Command::CreateTopic {
                            name,
                            partitions,
                            done,
                        } => {
                            let r = cluster.create_topic(&name, partitions, 1);
                            let _ = done.send(r.map_err(|e| format!("creating topic {name}: {e}")));
                        }
                        Command::BrokerDown { id, done } => {
                            let _ = done.send(cluster.broker_down(id).map_err(|e| e.to_string()));
                        }
                        Command::BrokerUp { id, done } => {
                            let _ = done.send(cluster.broker_up(id).map_err(|e| e.to_string()));
                        }
                        Command::RequestErrors { api, errors, done } => {
                            cluster.request_errors(api, &errors);
                            let _ = done.send(Ok(()));
                        }
                        Command::InitialRebalanceDelay { ms, done } => {
                            let _ = done.send(set_initial_rebalance_delay(owner.client(), ms));
                        }
                    }
                }
                drop(cluster);
                drop(owner);
            })
            .map_err(|e| Error::Embedded(e.to_string()))?;
        let bootstrap = ready_rx
            .recv()
            .map_err(|_| Error::Embedded("mock cluster thread exited".into()))?
            .map_err(Error::Embedded)?;
        let broker = EmbeddedBroker {
            bootstrap,
            commands: Some(cmd_tx),
            thread: Some(thread),
        };
        for (topic, partitions) in topics {
            broker.create_topic(topic, *partitions)?;
        }
        Ok(broker)
    }

    /// `127.0.0.1:PORT[,…]`, for clients.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<()> {
        self.call(|done| Command::CreateTopic {
            name: name.to_owned(),
            partitions,
            done,
        })
    }

    /// Takes broker `id` (1-based) offline: connections to it fail.
    pub fn broker_down(&self, id: i32) -> Result<()> {
        self.call(|done| Command::BrokerDown { id, done })
    }

    pub fn broker_up(&self, id: i32) -> Result<()> {
        self.call(|done| Command::BrokerUp { id, done })
    }

    /// Makes the next `errors.len()` requests of kind `api`, from any
    /// client, fail with these errors in order (librdkafka's error
    /// injection; the fault tests use it).
    pub fn request_errors(&self, api: RDKafkaApiKey, errors: &[RDKafkaRespErr]) -> Result<()> {
        let errors = errors.to_vec();
        self.call(|done| Command::RequestErrors { api, errors, done })
    }

    /// How long a classic consumer group's first join is held for others
    /// to join too (a broker's `group.initial.rebalance.delay.ms`; the
    /// mock's is 3 s). The mock counts a member's session from its join
    /// meanwhile, so with a `session.timeout.ms` under that delay the first
    /// member expires before it is answered, its JoinGroup is never
    /// answered, and it waits out its request timeout
    /// (`max.poll.interval.ms`, 5 min). A broker starts the session only
    /// once the join completes.
    pub fn set_initial_rebalance_delay(&self, delay: Duration) -> Result<()> {
        let ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
        self.call(|done| Command::InitialRebalanceDelay { ms, done })
    }

    fn call(
        &self,
        command: impl FnOnce(mpsc::Sender<Result<(), String>>) -> Command,
    ) -> Result<()> {
        let (done, result) = mpsc::channel();
        self.commands
            .as_ref()
            .and_then(|c| c.send(command(done)).ok())
            .ok_or_else(|| Error::Embedded("mock cluster stopped".into()))?;
        result
            .recv()
            .map_err(|_| Error::Embedded("mock cluster stopped".into()))?
            .map_err(Error::Embedded)
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        drop(self.commands.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sets the mock cluster's initial rebalance delay through `client`'s
/// handle (see [`EmbeddedBroker::set_initial_rebalance_delay`]).
#[allow(unsafe_code)]
fn set_initial_rebalance_delay<C: ClientContext>(
    client: &Client<C>,
    ms: i32,
) -> Result<(), String> {
    use rdkafka::bindings::{
        rd_kafka_handle_mock_cluster, rd_kafka_mock_group_initial_rebalance_delay_ms,
    };
    // SAFETY: `native_ptr` is the live handle of `client`, which outlives
    // this call; librdkafka returns the mock cluster that handle owns, or
    // null. The setter takes the cluster's own lock, so it may run beside
    // the cluster's thread.
    unsafe {
        let cluster = rd_kafka_handle_mock_cluster(client.native_ptr());
        if cluster.is_null() {
            return Err("the client owns no mock cluster".into());
        }
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, ms);
    }
    Ok(())
}
