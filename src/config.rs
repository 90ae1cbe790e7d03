//! Typed settings. Layers, later wins: `config/default.toml` (compiled in)
//! < `--config FILE` < `TRADEWIRE__SECTION__KEY` environment variables.
//! Everything is validated here, before any connection is made, and an error
//! names the key at fault.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// The documented defaults; also the first configuration layer.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// librdkafka settings that tradewire owns: overriding them would break the
/// delivery guarantee or duplicate a named setting.
const MANAGED_KEYS: &[(&str, &str)] = &[
    ("bootstrap.servers", "set kafka.brokers instead"),
    ("group.id", "set kafka.group_id instead"),
    (
        "enable.auto.offset.store",
        "offsets are stored only after the output is acknowledged",
    ),
    (
        "enable.idempotence",
        "the producer must be idempotent to keep per-partition order",
    ),
    (
        "enable.auto.commit",
        "tradewire commits offsets itself (stored offsets, or in transactions)",
    ),
    ("transactional.id", "set kafka.transactional_id instead"),
];

/// librdkafka's delivery timeout (two names for one setting). At least
/// once, the producer never gives a record up (0), so a broker outage of any
/// length cannot reorder a partition; a record it did give up on could only
/// be re-sent behind the records queued after it.
const DELIVERY_TIMEOUT_KEYS: [&str; 2] = ["message.timeout.ms", "delivery.timeout.ms"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub kafka: KafkaConfig,
    pub pipeline: PipelineConfig,
    pub http: HttpConfig,
    pub enrich: EnrichConfig,
    #[serde(default)]
    pub fetch: crate::fetch::FetchConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConfig {
    pub brokers: String,
    pub input_topic: String,
    pub output_topic: String,
    pub dlq_topic: String,
    pub group_id: String,
    pub create_topics: bool,
    pub topic_partitions: i32,
    pub replication_factor: i32,
    pub embedded_brokers: i32,
    pub commit_interval_ms: u64,
    pub statistics_interval_ms: u64,
    pub broker_unreachable_secs: u64,
    /// Exactly-once only: the producer's `transactional.id`. Empty: derived
    /// from the group and the pod (see [`Config::transactional_id`]).
    #[serde(default)]
    pub transactional_id: String,
    #[serde(default)]
    pub common: BTreeMap<String, PassValue>,
    #[serde(default)]
    pub consumer: BTreeMap<String, PassValue>,
    #[serde(default)]
    pub producer: BTreeMap<String, PassValue>,
}

/// A librdkafka pass-through value as TOML or the environment wrote it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum PassValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl std::fmt::Display for PassValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PassValue::Bool(b) => write!(f, "{b}"),
            PassValue::Int(i) => write!(f, "{i}"),
            PassValue::Float(x) => write!(f, "{x}"),
            PassValue::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    pub max_in_flight: usize,
    pub max_in_flight_bytes: usize,
    pub max_message_bytes: usize,
    pub workers: usize,
    pub shutdown_grace_secs: u64,
    pub retry_backoff_ms: u64,
    pub drop_irrelevant: bool,
    pub delivery: Delivery,
    pub transaction_interval_ms: u64,
    pub breaker: BreakerConfig,
}

/// What a consumed article's output is promised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Offsets committed after the broker acknowledged the output: nothing
    /// is lost; a crash may publish a record twice.
    AtLeastOnce,
    /// Output, dead letters and consumed offsets committed in one Kafka
    /// transaction: `read_committed` readers see each record once.
    ExactlyOnce,
}

/// The poison-rate circuit breaker: when the share of dead letters among
/// the last `window` settled messages exceeds `max_dead_letter_ratio`,
/// consumption stops and the instance turns unready until restarted.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerConfig {
    pub enabled: bool,
    pub window: usize,
    pub max_dead_letter_ratio: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichConfig {
    pub data_dir: String,
}

/// A setting that stops startup: which key, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(Box<figment::Error>),
    #[error("invalid setting `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        ConfigError::Parse(Box::new(e))
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

impl Config {
    /// Loads all layers from the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::from_figment(Config::figment(file))
    }

    /// The layered sources, before extraction (tests add their own layers).
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(
                Env::prefixed("TRADEWIRE__")
                    .split("__")
                    // The filter sees the key with `__` already turned into
                    // `.`; a librdkafka key written with its own dots
                    // (`…__PRODUCER__linger.ms`) must not become a nested
                    // table either.
                    .filter(|key| pass_through_section(&key.as_str().replace('.', "__")).is_none()),
            )
            .merge(pass_through_env())
    }

    pub fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let mut config: Config = figment.extract()?;
        config.normalise();
        config.validate()?;
        Ok(config)
    }

    /// The built-in defaults alone.
    pub fn defaults() -> Config {
        Config::from_figment(Figment::from(Toml::string(DEFAULT_TOML)))
            .expect("config/default.toml is valid")
    }

    /// Environment variables cannot carry dots, so `_` stands for `.` in
    /// the librdkafka maps (no librdkafka property contains `_`).
    fn normalise(&mut self) {
        for map in [
            &mut self.kafka.common,
            &mut self.kafka.consumer,
            &mut self.kafka.producer,
        ] {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(k, v)| (k.replace('_', "."), v))
                .collect();
        }
        self.kafka.brokers = self.kafka.brokers.trim().to_owned();
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let k = &self.kafka;
        for (key, topic) in [
            ("kafka.input_topic", &k.input_topic),
            ("kafka.output_topic", &k.output_topic),
            ("kafka.dlq_topic", &k.dlq_topic),
        ] {
            validate_topic(key, topic)?;
        }
        if k.input_topic == k.output_topic || k.input_topic == k.dlq_topic {
            return Err(invalid(
                "kafka.input_topic",
                "must differ from output_topic and dlq_topic, or tradewire would consume its own output",
            ));
        }
        if k.output_topic == k.dlq_topic {
            return Err(invalid("kafka.dlq_topic", "must differ from output_topic"));
        }
        if k.group_id.trim().is_empty() {
            return Err(invalid("kafka.group_id", "must not be empty"));
        }
        if !(1..=10_000).contains(&k.topic_partitions) {
            return Err(invalid(
                "kafka.topic_partitions",
                "must be between 1 and 10000",
            ));
        }
        if !(1..=16).contains(&k.replication_factor) {
            return Err(invalid(
                "kafka.replication_factor",
                "must be between 1 and 16",
            ));
        }
        if !(1..=9).contains(&k.embedded_brokers) {
            return Err(invalid("kafka.embedded_brokers", "must be between 1 and 9"));
        }
        if k.commit_interval_ms == 0 {
            return Err(invalid("kafka.commit_interval_ms", "must be at least 1"));
        }
        if k.statistics_interval_ms < 100 {
            return Err(invalid(
                "kafka.statistics_interval_ms",
                "must be at least 100",
            ));
        }
        if k.broker_unreachable_secs == 0 {
            return Err(invalid(
                "kafka.broker_unreachable_secs",
                "must be at least 1",
            ));
        }
        for (section, map) in [
            ("kafka.common", &k.common),
            ("kafka.consumer", &k.consumer),
            ("kafka.producer", &k.producer),
        ] {
            for key in map.keys() {
                if let Some((_, why)) = MANAGED_KEYS.iter().find(|(m, _)| m == key) {
                    return Err(invalid(&format!("{section}.{key}"), *why));
                }
            }
        }
        if self.pipeline.delivery == Delivery::AtLeastOnce {
            for (section, map) in [("kafka.common", &k.common), ("kafka.producer", &k.producer)] {
                for key in DELIVERY_TIMEOUT_KEYS {
                    if map.get(key).is_some_and(|v| v.to_string() != "0") {
                        return Err(invalid(
                            &format!("{section}.{key}"),
                            "must be 0 with pipeline.delivery = \"at-least-once\": a record \
                             librdkafka gave up on would be re-sent behind the records queued \
                             after it, breaking per-partition order",
                        ));
                    }
                }
            }
        }
        let p = &self.pipeline;
        if !(1..=1_000_000).contains(&p.max_in_flight) {
            return Err(invalid(
                "pipeline.max_in_flight",
                "must be between 1 and 1000000",
            ));
        }
        if !((64 << 10)..=(64 << 30)).contains(&p.max_in_flight_bytes) {
            return Err(invalid(
                "pipeline.max_in_flight_bytes",
                "must be between 64 KiB and 64 GiB",
            ));
        }
        if !(64..=(256 << 20)).contains(&p.max_message_bytes) {
            return Err(invalid(
                "pipeline.max_message_bytes",
                "must be between 64 bytes and 256 MiB",
            ));
        }
        if p.workers > 1024 {
            return Err(invalid(
                "pipeline.workers",
                "must be at most 1024 (0 = one per core)",
            ));
        }
        if p.shutdown_grace_secs == 0 {
            return Err(invalid(
                "pipeline.shutdown_grace_secs",
                "must be at least 1",
            ));
        }
        if p.transaction_interval_ms == 0 {
            return Err(invalid(
                "pipeline.transaction_interval_ms",
                "must be at least 1",
            ));
        }
        if !(10..=1_000_000).contains(&p.breaker.window) {
            return Err(invalid(
                "pipeline.breaker.window",
                "must be between 10 and 1000000 messages",
            ));
        }
        if !(p.breaker.max_dead_letter_ratio > 0.0 && p.breaker.max_dead_letter_ratio <= 1.0) {
            return Err(invalid(
                "pipeline.breaker.max_dead_letter_ratio",
                "must be in (0, 1]",
            ));
        }
        if self.http.max_body_bytes < 64 {
            return Err(invalid("http.max_body_bytes", "must be at least 64"));
        }
        if !self.enrich.data_dir.is_empty() && !Path::new(&self.enrich.data_dir).is_dir() {
            return Err(invalid(
                "enrich.data_dir",
                format!("{} is not a directory", self.enrich.data_dir),
            ));
        }
        Ok(())
    }

    /// `None` when the embedded broker should be started.
    pub fn external_brokers(&self) -> Option<&str> {
        Some(self.kafka.brokers.as_str()).filter(|b| !b.is_empty())
    }

    pub fn workers(&self) -> usize {
        match self.pipeline.workers {
            0 => num_cpus::get(),
            n => n,
        }
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.pipeline.shutdown_grace_secs)
    }

    /// The exactly-once producer's `transactional.id`: the configured one,
    /// else `<group_id>-<pod>` where the pod is `$POD_NAME`, else
    /// `$HOSTNAME`. Stable across restarts of one pod (a StatefulSet gives
    /// stable names), unique between instances: two live instances with one
    /// id fence each other.
    pub fn transactional_id(&self) -> String {
        if !self.kafka.transactional_id.is_empty() {
            return self.kafka.transactional_id.clone();
        }
        let pod = ["POD_NAME", "HOSTNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "0".to_owned());
        format!("{}-{pod}", self.kafka.group_id)
    }

    pub fn data_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from(&self.enrich.data_dir)).filter(|_| !self.enrich.data_dir.is_empty())
    }
}

/// The librdkafka map an environment key (after `TRADEWIRE__`) belongs to.
fn pass_through_section(key: &str) -> Option<(&'static str, String)> {
    let lower = key.to_ascii_lowercase();
    ["common", "consumer", "producer"]
        .iter()
        .find_map(|section| {
            lower
                .strip_prefix(&format!("kafka__{section}__"))
                .filter(|rest| !rest.is_empty())
                .map(|rest| (*section, rest.to_owned()))
        })
}

/// `kafka` → section → librdkafka key → value.
type PassThroughEnv = BTreeMap<String, BTreeMap<String, BTreeMap<String, PassValue>>>;

/// `TRADEWIRE__KAFKA__{COMMON,CONSUMER,PRODUCER}__*` exactly as written:
/// librdkafka takes strings, and a password like `00123` must not become
/// the number 123 on the way (figment's `Env` would parse it).
fn pass_through_env() -> figment::providers::Serialized<PassThroughEnv> {
    let mut sections: BTreeMap<String, BTreeMap<String, PassValue>> = BTreeMap::new();
    for (name, value) in std::env::vars() {
        let Some(key) = name
            .get(..11)
            .filter(|p| p.eq_ignore_ascii_case("TRADEWIRE__"))
            .map(|_| &name[11..])
        else {
            continue;
        };
        if let Some((section, key)) = pass_through_section(key) {
            sections
                .entry(section.to_owned())
                .or_default()
                .insert(key, PassValue::Str(value));
        }
    }
    figment::providers::Serialized::defaults(BTreeMap::from([("kafka".to_owned(), sections)]))
}

/// Kafka's own rule for topic names.
fn validate_topic(key: &str, topic: &str) -> Result<(), ConfigError> {
    if topic.is_empty() || topic.len() > 249 {
        return Err(invalid(key, "a topic name has 1 to 249 characters"));
    }
    if topic == "." || topic == ".." {
        return Err(invalid(key, "`.` and `..` are not topic names"));
    }
    if let Some(c) = topic
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(invalid(
            key,
            format!("{c:?} is not allowed in a topic name (use letters, digits, `.`, `_`, `-`)"),
        ));
    }
    Ok(())
}

/// Keys whose values must never be logged.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "jaas",
        "token",
        "key.pem",
        "sasl.oauthbearer.config",
        "ssl.key",
    ]
    .iter()
    .any(|s| key.contains(s))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_are_valid_and_embedded() {
        let c = Config::defaults();
        assert_eq!(c.external_brokers(), None);
        assert_eq!(c.kafka.input_topic, "articles.raw");
        assert_eq!(c.http.listen.port(), 9898);
        assert_eq!(c.shutdown_grace(), Duration::from_secs(25));
    }

    #[test]
    fn file_then_env_override_in_order() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "tw.toml",
                "[kafka]\nbrokers = \"file:9092\"\n[pipeline]\nmax_in_flight = 7\n",
            )?;
            jail.set_env("TRADEWIRE__PIPELINE__MAX_IN_FLIGHT", "9");
            jail.set_env("TRADEWIRE__KAFKA__COMMON__SASL_MECHANISM", "PLAIN");
            jail.set_env("TRADEWIRE__KAFKA__PRODUCER__LINGER_MS", "35");
            let c = Config::load(Some(Path::new("tw.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.external_brokers(), Some("file:9092"));
            assert_eq!(c.pipeline.max_in_flight, 9);
            assert_eq!(c.kafka.common["sasl.mechanism"].to_string(), "PLAIN");
            assert_eq!(c.kafka.producer["linger.ms"].to_string(), "35");
            Ok(())
        });
    }

    #[test]
    fn pass_through_values_from_the_environment_stay_strings() {
        Jail::expect_with(|jail| {
            jail.set_env("TRADEWIRE__KAFKA__COMMON__SASL_PASSWORD", "00123");
            jail.set_env("TRADEWIRE__KAFKA__CONSUMER__CLIENT_RACK", "007.50");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.kafka.common["sasl.password"].to_string(), "00123");
            assert_eq!(c.kafka.consumer["client.rack"].to_string(), "007.50");
            Ok(())
        });
    }

    #[test]
    fn a_pass_through_key_may_keep_its_dots_in_the_environment() {
        Jail::expect_with(|jail| {
            jail.set_env("TRADEWIRE__KAFKA__PRODUCER__linger.ms", "2");
            jail.set_env("TRADEWIRE__KAFKA__CONSUMER__fetch.wait.max.ms", "7");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.kafka.producer["linger.ms"].to_string(), "2");
            assert_eq!(c.kafka.consumer["fetch.wait.max.ms"].to_string(), "7");
            Ok(())
        });
    }

    fn error_with_env(key: &str, value: &str) -> String {
        let mut err = String::new();
        Jail::expect_with(|jail| {
            jail.set_env(key, value);
            err = Config::load(None).unwrap_err().to_string();
            Ok(())
        });
        err
    }

    #[test]
    fn bad_settings_name_the_key() {
        let e = error_with_env("TRADEWIRE__PIPELINE__MAX_IN_FLIGHT", "0");
        assert!(e.contains("pipeline.max_in_flight"), "{e}");
        let e = error_with_env("TRADEWIRE__PIPELINE__MAX_IN_FLIGHT", "lots");
        assert!(e.to_lowercase().contains("pipeline.max_in_flight"), "{e}");
        let e = error_with_env("TRADEWIRE__PIPELINE__MAX_IN_FLIGHT_BYTES", "4096");
        assert!(e.contains("pipeline.max_in_flight_bytes"), "{e}");
        let e = error_with_env("TRADEWIRE__KAFKA__OUTPUT_TOPIC", "articles raw");
        assert!(e.contains("kafka.output_topic"), "{e}");
        let e = error_with_env("TRADEWIRE__KAFKA__OUTPUT_TOPIC", "articles.raw");
        assert!(e.contains("kafka.input_topic"), "{e}");
        let e = error_with_env(
            "TRADEWIRE__KAFKA__CONSUMER__ENABLE_AUTO_OFFSET_STORE",
            "true",
        );
        assert!(e.contains("kafka.consumer.enable.auto.offset.store"), "{e}");
        let e = error_with_env("TRADEWIRE__KAFKA__PRODUCER__MESSAGE_TIMEOUT_MS", "1500");
        assert!(e.contains("kafka.producer.message.timeout.ms"), "{e}");
        assert!(e.contains("order"), "the reason is given: {e}");
        let e = error_with_env("TRADEWIRE__KAFKA__COMMON__DELIVERY_TIMEOUT_MS", "30000");
        assert!(e.contains("kafka.common.delivery.timeout.ms"), "{e}");
        let e = error_with_env("TRADEWIRE__PIPELINE__MAX_INFLIGHT", "5");
        assert!(e.to_lowercase().contains("max_inflight"), "{e}");
    }

    #[test]
    fn a_delivery_timeout_is_allowed_where_it_cannot_reorder() {
        Jail::expect_with(|jail| {
            jail.set_env("TRADEWIRE__KAFKA__PRODUCER__MESSAGE_TIMEOUT_MS", "0");
            Config::load(None).expect("0 (never give up) is the at-least-once setting");
            jail.set_env("TRADEWIRE__KAFKA__PRODUCER__MESSAGE_TIMEOUT_MS", "60000");
            jail.set_env("TRADEWIRE__PIPELINE__DELIVERY", "exactly-once");
            let c = Config::load(None).expect("a timed-out record aborts its transaction");
            assert_eq!(c.kafka.producer["message.timeout.ms"].to_string(), "60000");
            Ok(())
        });
    }

    #[test]
    fn secrets_are_recognised() {
        assert!(is_secret_key("sasl.password"));
        assert!(is_secret_key("ssl.key.password"));
        assert!(!is_secret_key("sasl.mechanism"));
    }
}
