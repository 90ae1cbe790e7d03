//! Fetches the page behind a URL-only article and reduces it to its main
//! text (issue 6).
//!
//! The URL comes from a message, so it is untrusted input: the fetcher must
//! not become a way to reach the network tradewire runs in (SSRF), to
//! exhaust its memory, or to stall a partition. Hence:
//!
//! - **SSRF guard.** Only `http` and `https`. Every destination address is
//!   checked against `AddressPolicy`, on the first hop and on every
//!   redirect. Host names are resolved by `GuardedResolver`, which reqwest
//!   uses for every connection it opens: it resolves once, refuses the name
//!   if any address is not allowed, and hands reqwest exactly the addresses
//!   it checked, so there is no second lookup that a rebinding DNS server
//!   could answer differently. IP-literal hosts never reach a resolver, so
//!   they are checked before the request and in the redirect policy.
//!   Proxies are disabled: through a proxy the checked address would be the
//!   proxy's, not the destination's.
//! - **Bounded work.** Connect and per-attempt timeouts; the body size is
//!   enforced while streaming, on the decompressed bytes; at most
//!   `max_redirects` redirects; a global and a per-host concurrency limit;
//!   retries bounded in count and in total time.
//! - **Errors as data.** Every failure is a [`FetchError`] whose
//!   [`kind`](FetchError::kind) is the dead-letter reason.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime};

use encoding_rs::{Encoding, UTF_8};
use ipnet::IpNet;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};
use regex::bytes::Regex as BytesRegex;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{redirect, StatusCode, Url};
use scraper::Html;
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::html;

// ---------------------------------------------------------------------------
// Configuration

/// The `[fetch]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// Time allowed to open one TCP (and TLS) connection.
    pub connect_timeout_ms: u64,
    /// Time allowed for one attempt, from sending the request to the last
    /// body byte. A server trickling bytes is cut off by this.
    pub total_timeout_ms: u64,
    /// Largest body accepted, counted after decompression so that a small
    /// gzip bomb cannot expand past it.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up with `fetch_redirect_limit`.
    pub max_redirects: usize,
    /// Requests in flight across all hosts.
    pub max_concurrent: usize,
    /// Requests in flight to one host, so that one slow site cannot take
    /// every slot and so that tradewire stays polite to each site.
    pub max_concurrent_per_host: usize,
    /// Retries after a timeout, a 429 or a 5xx (not counting the first try).
    pub max_retries: u32,
    /// Time a fetch may take in total, retries and their waits included; a
    /// retry whose wait would end past it is not made. A single attempt
    /// still gets `total_timeout_ms` when that is larger.
    pub retry_budget_ms: u64,
    /// Host names (exact, case-insensitive), addresses or CIDR networks that
    /// may be fetched even though they are private, loopback and so on. Cloud
    /// metadata addresses are refused even when listed.
    pub allow: Vec<String>,
    /// `User-Agent` header; default `tradewire/<version>`.
    pub user_agent: Option<String>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout_ms: 5_000,
            total_timeout_ms: 15_000,
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            max_concurrent: 64,
            max_concurrent_per_host: 4,
            max_retries: 2,
            retry_budget_ms: 30_000,
            allow: Vec::new(),
            user_agent: None,
        }
    }
}

/// A `[fetch]` setting that cannot work, or a client that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum FetchSetupError {
    #[error("fetch.{key}: {reason}")]
    InvalidConfig { key: &'static str, reason: String },
    #[error("cannot build the HTTP client")]
    Client(#[from] reqwest::Error),
}

fn invalid(key: &'static str, reason: impl Into<String>) -> FetchSetupError {
    FetchSetupError::InvalidConfig {
        key,
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------------------
// Results and errors

/// What a successful fetch yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPage {
    /// The URL after redirects.
    pub final_url: String,
    /// The page's title (`og:title`, `<title>` or first `<h1>`); `None` for
    /// plain text.
    pub title: Option<String>,
    /// The main text, paragraphs separated by blank lines.
    pub text: String,
}

/// Why a fetch failed. Every variant is a dead-letter reason (see
/// [`FetchError::kind`]); none of them should stop a partition.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("refused destination {host} ({addr}): {reason} address")]
    BlockedAddress {
        host: String,
        addr: IpAddr,
        reason: &'static str,
    },
    #[error("{phase} timed out after {after:?}")]
    Timeout {
        /// "connect" or "request" (one attempt, body included).
        phase: &'static str,
        after: Duration,
    },
    #[error("server answered {0}")]
    HttpStatus(StatusCode),
    #[error("body larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("unsupported content: {0}")]
    UnsupportedContent(String),
    #[error("more than {0} redirects")]
    RedirectLimit(usize),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("cannot decode the body: {0}")]
    Decode(String),
}

impl FetchError {
    /// The dead-letter reason, also the `outcome` label of
    /// `tradewire_fetch_requests_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl(_) => "fetch_invalid_url",
            FetchError::BlockedAddress { .. } => "fetch_blocked_address",
            FetchError::Timeout { .. } => "fetch_timeout",
            FetchError::HttpStatus(_) => "fetch_http_status",
            FetchError::TooLarge { .. } => "fetch_too_large",
            FetchError::UnsupportedContent(_) => "fetch_unsupported_content",
            FetchError::RedirectLimit(_) => "fetch_redirect_limit",
            FetchError::Connect(_) => "fetch_connect",
            FetchError::Decode(_) => "fetch_decode",
        }
    }

    /// Worth another attempt: the server may answer differently later.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } => true,
            FetchError::HttpStatus(s) => *s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error(),
            _ => false,
        }
    }
}

/// Every `outcome` label value, so that each series exists (at zero) from
/// the start.
const OUTCOMES: &[&str] = &[
    "ok",
    "fetch_invalid_url",
    "fetch_blocked_address",
    "fetch_timeout",
    "fetch_http_status",
    "fetch_too_large",
    "fetch_unsupported_content",
    "fetch_redirect_limit",
    "fetch_connect",
    "fetch_decode",
];

/// A refusal raised inside reqwest (by the resolver or the redirect
/// policy). reqwest wraps it in its own error; [`classify`] digs it out.
#[derive(Debug, Clone, thiserror::Error)]
enum Refusal {
    #[error("{host} ({addr}) is a {reason} address")]
    Blocked {
        host: String,
        addr: IpAddr,
        reason: &'static str,
    },
    #[error("unsupported scheme {0:?}")]
    Scheme(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
}

impl From<Refusal> for FetchError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Blocked { host, addr, reason } => {
                FetchError::BlockedAddress { host, addr, reason }
            }
            Refusal::Scheme(scheme) => {
                FetchError::InvalidUrl(format!("scheme {scheme:?} is not http or https"))
            }
            Refusal::TooManyRedirects(limit) => FetchError::RedirectLimit(limit),
        }
    }
}

/// Maps a reqwest error to a [`FetchError`], looking through its causes for
/// a [`Refusal`] of ours first.
fn classify(err: reqwest::Error, connect_timeout: Duration) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = cause {
        if let Some(refusal) = e.downcast_ref::<Refusal>() {
            return refusal.clone().into();
        }
        cause = e.source();
    }
    if err.is_timeout() {
        FetchError::Timeout {
            phase: "connect",
            after: connect_timeout,
        }
    } else if err.is_decode() {
        FetchError::Decode(error_chain(&err))
    } else {
        FetchError::Connect(error_chain(&err))
    }
}

/// "outer: inner: innermost", because reqwest's own message says little
/// ("error sending request") and a dead letter should say what happened.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

// ---------------------------------------------------------------------------
// Metrics

/// Prometheus handles for fetches. Cheap to clone.
#[derive(Clone)]
pub struct FetchMetrics {
    requests: IntCounterVec,
    duration: Histogram,
    bytes: IntCounter,
    in_flight: IntGauge,
}

impl FetchMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<FetchMetrics> {
        let requests = IntCounterVec::new(
            Opts::new(
                "tradewire_fetch_requests_total",
                "Page fetches by outcome: ok or the dead-letter reason",
            ),
            &["outcome"],
        )?;
        let duration = Histogram::with_opts(
            HistogramOpts::new(
                "tradewire_fetch_duration_seconds",
                "Time per page fetch, retries and text extraction included",
            )
            .buckets(vec![
                0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0,
            ]),
        )?;
        let bytes = IntCounter::new(
            "tradewire_fetch_bytes_total",
            "Body bytes received by the fetcher, after decompression",
        )?;
        let in_flight = IntGauge::new(
            "tradewire_fetch_in_flight",
            "HTTP requests currently on the wire",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(bytes.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        for outcome in OUTCOMES {
            requests.with_label_values(&[outcome]);
        }
        Ok(FetchMetrics {
            requests,
            duration,
            bytes,
            in_flight,
        })
    }
}

/// Counts one request in `tradewire_fetch_in_flight` for as long as it
/// lives, including when the fetch is cancelled.
struct InFlight(Option<IntGauge>);

impl InFlight {
    fn start(metrics: Option<&FetchMetrics>) -> InFlight {
        let gauge = metrics.map(|m| m.in_flight.clone());
        if let Some(g) = &gauge {
            g.inc();
        }
        InFlight(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(g) = &self.0 {
            g.dec();
        }
    }
}

// ---------------------------------------------------------------------------
// SSRF guard: which addresses may be fetched

/// Cloud instance metadata endpoints (AWS, GCP, Azure, and AWS's IPv6 one).
/// They hand out credentials, so no allow-list entry can open them.
const METADATA: &[IpAddr] = &[
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)),
];

/// Networks that are not the public internet, with the word used in the
/// error. Order matters where networks overlap: the first match names it.
static REFUSED_NETWORKS: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol"),
        ("192.0.2.0/24", "documentation"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible"),
        ("100::/64", "discard"),
        ("2001:db8::/32", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    ]
    .into_iter()
    .map(|(net, why)| (net.parse().expect("valid network"), why))
    .collect()
});

/// NAT64's well-known prefix: `64:ff9b::a.b.c.d` reaches IPv4 `a.b.c.d`.
static NAT64: LazyLock<IpNet> = LazyLock::new(|| "64:ff9b::/96".parse().expect("valid network"));

/// The address actually reached: IPv4-mapped (`::ffff:a.b.c.d`) and NAT64
/// addresses are judged by the IPv4 address inside them.
fn effective_address(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) if NAT64.contains(&IpAddr::V6(v6)) => {
            let [.., a, b, c, d] = v6.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, d))
        }
        other => other,
    }
}

/// Which destinations may be fetched: public addresses, plus whatever the
/// `allow` list names.
#[derive(Debug, Default)]
struct AddressPolicy {
    allowed_hosts: HashSet<String>,
    allowed_networks: Vec<IpNet>,
}

impl AddressPolicy {
    fn new(allow: &[String]) -> Result<AddressPolicy, FetchSetupError> {
        let mut policy = AddressPolicy::default();
        for entry in allow {
            let entry = entry.trim().trim_end_matches('.').to_ascii_lowercase();
            if let Ok(net) = entry.parse::<IpNet>() {
                policy.allowed_networks.push(net.trunc());
            } else if let Ok(addr) = entry.parse::<IpAddr>() {
                policy.allowed_networks.push(IpNet::from(addr));
            } else if is_host_name(&entry) {
                policy.allowed_hosts.insert(entry);
            } else {
                return Err(invalid(
                    "allow",
                    format!("{entry:?} is neither a host name, an address nor a CIDR network"),
                ));
            }
        }
        Ok(policy)
    }

    fn is_allowed_host(&self, host: &str) -> bool {
        self.allowed_hosts
            .contains(host.trim_end_matches('.').to_ascii_lowercase().as_str())
    }

    /// `Err(reason)` when `addr` may not be connected to. `host_allowed`:
    /// the host name it came from is on the allow list.
    fn check_address(&self, addr: IpAddr, host_allowed: bool) -> Result<(), &'static str> {
        let addr = effective_address(addr);
        if METADATA.contains(&addr) {
            return Err("cloud metadata");
        }
        if host_allowed || self.allowed_networks.iter().any(|n| n.contains(&addr)) {
            return Ok(());
        }
        match REFUSED_NETWORKS.iter().find(|(net, _)| net.contains(&addr)) {
            Some((_, reason)) => Err(reason),
            None => Ok(()),
        }
    }

    /// The checks a URL gets before any request to it: scheme, and the
    /// address when the host is an IP literal (names are checked by the
    /// resolver when reqwest connects).
    fn check_url(&self, url: &Url) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::Scheme(url.scheme().to_owned()));
        }
        // The URL parser has already normalised literals ("0x7f.1" is
        // "127.0.0.1"), and IPv6 ones come in brackets.
        let host = url.host_str().unwrap_or_default();
        let Ok(addr) = host.trim_start_matches('[').trim_end_matches(']').parse() else {
            return Ok(());
        };
        self.check_address(addr, false)
            .map_err(|reason| Refusal::Blocked {
                host: host.to_owned(),
                addr,
                reason,
            })
    }
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Where host names are looked up.
enum Lookup {
    /// The system resolver (getaddrinfo, on tokio's blocking pool).
    System,
    /// A fixed table; names not in it do not resolve. For tests.
    Static(HashMap<String, Vec<IpAddr>>),
}

impl Lookup {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        match self {
            Lookup::System => Ok(tokio::net::lookup_host((host, 0))
                .await?
                .map(|a| a.ip())
                .collect()),
            Lookup::Static(table) => table.get(host).cloned().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{host}: unknown host"),
                )
            }),
        }
    }
}

/// reqwest's resolver: looks a name up once, refuses it if any of its
/// addresses is refused, and returns exactly the checked addresses, which
/// are the only ones reqwest then connects to.
struct GuardedResolver {
    policy: Arc<AddressPolicy>,
    lookup: Arc<Lookup>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let lookup = Arc::clone(&self.lookup);
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let addrs = lookup.lookup(&host).await?;
            let host_allowed = policy.is_allowed_host(&host);
            // Refuse the whole name rather than connect to the public subset:
            // a name that points inside the network is not a news site.
            for &addr in &addrs {
                if let Err(reason) = policy.check_address(addr, host_allowed) {
                    return Err(Box::new(Refusal::Blocked {
                        host: host.clone(),
                        addr,
                        reason,
                    }) as _);
                }
            }
            let checked: Addrs = Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(checked)
        })
    }
}

/// Follows at most `max` redirects, each to an http(s) URL whose literal
/// address (if any) is allowed.
fn redirect_policy(max: usize, policy: Arc<AddressPolicy>) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        // `previous` holds the first URL and every redirect target so far.
        if attempt.previous().len() > max {
            return attempt.error(Refusal::TooManyRedirects(max));
        }
        match policy.check_url(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(refusal) => attempt.error(refusal),
        }
    })
}

// ---------------------------------------------------------------------------
// Concurrency limits

/// One semaphore per host with requests in flight; an entry is removed when
/// its last user is done, so the map stays as small as the set of busy
/// hosts however many hosts are ever fetched.
struct HostLimits {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

struct HostPermit {
    limits: Arc<HostLimits>,
    host: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl HostLimits {
    async fn acquire(self: &Arc<Self>, host: &str) -> HostPermit {
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            let entry = hosts
                .entry(host.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)));
            Arc::clone(entry)
        };
        let permit = semaphore
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        HostPermit {
            limits: Arc::clone(self),
            host: host.to_owned(),
            permit: Some(permit),
        }
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut hosts = self.limits.hosts.lock().unwrap_or_else(|e| e.into_inner());
        // Clones are only made under this lock, so a count of one (the map's
        // own) means nobody holds or waits for this host's semaphore.
        if hosts
            .get(&self.host)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            hosts.remove(&self.host);
        }
    }
}

// ---------------------------------------------------------------------------
// Retries

/// First backoff step; doubled per retry up to [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// Wait before retry number `retry` (0-based): exponential, with "equal
/// jitter" (half fixed, half random) so that many messages failing
/// together do not retry in lockstep; never shorter than the server's
/// `Retry-After`.
fn backoff(retry: u32, retry_after: Option<Duration>) -> Duration {
    let step = BACKOFF_BASE
        .saturating_mul(1 << retry.min(16))
        .min(BACKOFF_CAP);
    let jittered = step / 2 + step.mul_f64(fastrand::f64() / 2.0);
    jittered.max(retry_after.unwrap_or_default())
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// A failed attempt and what the server asked us to wait before the next.
struct Failed {
    error: FetchError,
    retry_after: Option<Duration>,
}

impl From<FetchError> for Failed {
    fn from(error: FetchError) -> Self {
        Failed {
            error,
            retry_after: None,
        }
    }
}

// ---------------------------------------------------------------------------
// The fetcher

/// Fetches pages through one shared HTTP client. Clones share the client,
/// the limits and the metrics.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("policy", &self.inner.policy)
            .field("max_retries", &self.inner.max_retries)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

struct Inner {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    retry_budget: Duration,
    max_retries: u32,
    max_body_bytes: u64,
    global: Arc<Semaphore>,
    hosts: Arc<HostLimits>,
    metrics: Option<FetchMetrics>,
}

impl Fetcher {
    pub fn new(
        config: &FetchConfig,
        metrics: Option<FetchMetrics>,
    ) -> Result<Fetcher, FetchSetupError> {
        Fetcher::build(config, metrics, Lookup::System)
    }

    /// A fetcher that looks host names up in `hosts` instead of DNS (names
    /// not in it do not resolve), so tests can make a name point anywhere.
    pub fn with_resolver(
        config: &FetchConfig,
        metrics: Option<FetchMetrics>,
        hosts: HashMap<String, Vec<IpAddr>>,
    ) -> Result<Fetcher, FetchSetupError> {
        let hosts = hosts
            .into_iter()
            .map(|(name, addrs)| (name.to_ascii_lowercase(), addrs))
            .collect();
        Fetcher::build(config, metrics, Lookup::Static(hosts))
    }

    fn build(
        config: &FetchConfig,
        metrics: Option<FetchMetrics>,
        lookup: Lookup,
    ) -> Result<Fetcher, FetchSetupError> {
        let positive = [
            ("connect_timeout_ms", config.connect_timeout_ms),
            ("total_timeout_ms", config.total_timeout_ms),
            ("max_body_bytes", config.max_body_bytes),
            ("max_concurrent", config.max_concurrent as u64),
            (
                "max_concurrent_per_host",
                config.max_concurrent_per_host as u64,
            ),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(invalid(key, "must be greater than 0"));
        }
        let user_agent = match &config.user_agent {
            Some(ua) => HeaderValue::from_str(ua)
                .map_err(|_| invalid("user_agent", "not a valid header value"))?,
            None => HeaderValue::from_static(concat!("tradewire/", env!("CARGO_PKG_VERSION"))),
        };
        let policy = Arc::new(AddressPolicy::new(&config.allow)?);
        let connect_timeout = Duration::from_millis(config.connect_timeout_ms);
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("text/html, text/plain;q=0.9, */*;q=0.1"),
        );
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .default_headers(headers)
            .connect_timeout(connect_timeout)
            .redirect(redirect_policy(config.max_redirects, Arc::clone(&policy)))
            .dns_resolver(Arc::new(GuardedResolver {
                policy: Arc::clone(&policy),
                lookup: Arc::new(lookup),
            }))
            .no_proxy()
            .gzip(true)
            .brotli(true)
            .build()?;
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                policy,
                connect_timeout,
                attempt_timeout: Duration::from_millis(config.total_timeout_ms),
                retry_budget: Duration::from_millis(config.retry_budget_ms),
                max_retries: config.max_retries,
                max_body_bytes: config.max_body_bytes,
                global: Arc::new(Semaphore::new(config.max_concurrent)),
                hosts: Arc::new(HostLimits {
                    per_host: config.max_concurrent_per_host,
                    hosts: Mutex::new(HashMap::new()),
                }),
                metrics,
            }),
        })
    }

    /// Fetches `url` and extracts its main text. Counts the outcome and the
    /// duration; the caller logs and dead-letters failures.
    pub async fn fetch(&self, url: &str) -> Result<FetchedPage, FetchError> {
        let started = Instant::now();
        let result = self.fetch_page(url).await;
        if let Some(m) = &self.inner.metrics {
            let outcome = result.as_ref().map_or_else(FetchError::kind, |_| "ok");
            m.requests.with_label_values(&[outcome]).inc();
            m.duration.observe(started.elapsed().as_secs_f64());
        }
        result
    }

    async fn fetch_page(&self, raw: &str) -> Result<FetchedPage, FetchError> {
        let url = Url::parse(raw).map_err(|e| FetchError::InvalidUrl(format!("{raw:?}: {e}")))?;
        self.inner.policy.check_url(&url)?;
        let body = self.download(url).await?;
        // Parsing a few megabytes of HTML is CPU work: keep it off the
        // reactor. A panic in the parser poisons this message, not the
        // service.
        tokio::task::spawn_blocking(move || body.into_page())
            .await
            .unwrap_or_else(|e| Err(FetchError::Decode(format!("text extraction failed: {e}"))))
    }

    /// Downloads `url`, retrying transient failures within the budget.
    async fn download(&self, url: Url) -> Result<Body, FetchError> {
        let inner = &*self.inner;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let deadline = Instant::now() + inner.retry_budget.max(inner.attempt_timeout);
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let failed = match self
                .attempt(&url, &host, inner.attempt_timeout.min(remaining))
                .await
            {
                Ok(body) => return Ok(body),
                Err(failed) => failed,
            };
            if !failed.error.is_transient() || retries >= inner.max_retries {
                return Err(failed.error);
            }
            let wait = backoff(retries, failed.retry_after);
            if Instant::now() + wait >= deadline {
                return Err(failed.error);
            }
            tracing::debug!(
                %url,
                reason = failed.error.kind(),
                error = %failed.error,
                ?wait,
                "retrying fetch"
            );
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// One request, within the concurrency limits and `timeout`. `host` is
    /// the first URL's: redirects elsewhere still count against it.
    async fn attempt(&self, url: &Url, host: &str, timeout: Duration) -> Result<Body, Failed> {
        let inner = &*self.inner;
        // Host first: a request queued behind a busy host must not sit on a
        // global slot that requests to other hosts could use.
        let _host = inner.hosts.acquire(host).await;
        let _global = Arc::clone(&inner.global)
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        let _in_flight = InFlight::start(inner.metrics.as_ref());
        tokio::time::timeout(timeout, self.request(url))
            .await
            .unwrap_or(Err(FetchError::Timeout {
                phase: "request",
                after: timeout,
            }
            .into()))
    }

    async fn request(&self, url: &Url) -> Result<Body, Failed> {
        let inner = &*self.inner;
        let mut response = inner
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| classify(e, inner.connect_timeout))?;
        let status = response.status();
        // reqwest hands back, unfollowed, a redirect whose target is not
        // http(s) (such as `file:`): that is a bad URL, not a bad status.
        if status.is_redirection() {
            if let Some(location) = response.headers().get(LOCATION) {
                let location = String::from_utf8_lossy(location.as_bytes());
                return Err(FetchError::InvalidUrl(format!(
                    "redirect to {location:?} not followed"
                ))
                .into());
            }
        }
        if !status.is_success() {
            return Err(Failed {
                error: FetchError::HttpStatus(status),
                retry_after: retry_after(response.headers()),
            });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let media = MediaType::parse(&content_type).ok_or_else(|| {
            FetchError::UnsupportedContent(format!(
                "type {content_type:?} (only text/html and text/plain are fetched)"
            ))
        })?;
        let limit = inner.max_body_bytes;
        // A declared length over the limit fails before reading anything.
        // (reqwest drops Content-Length when it decompresses, so a gzip body
        // is caught by the streaming check below instead.)
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(FetchError::TooLarge { limit }.into());
        }
        let final_url = response.url().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(e, inner.connect_timeout))?
        {
            if let Some(m) = &inner.metrics {
                m.bytes.inc_by(chunk.len() as u64);
            }
            // Stop at the first chunk past the limit; dropping the response
            // closes the connection, so the rest is never downloaded.
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit }.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Body {
            final_url,
            media,
            bytes,
        })
    }
}

// ---------------------------------------------------------------------------
// From bytes to text

/// The accepted content types, with the charset the server declared.
struct MediaType {
    html: bool,
    charset: Option<&'static Encoding>,
}

impl MediaType {
    /// `None` unless `text/html` or `text/plain`. An unknown charset label
    /// is ignored (the page's own `<meta>` or UTF-8 is used instead).
    fn parse(content_type: &str) -> Option<MediaType> {
        let mut parts = content_type.split(';');
        let essence = parts.next()?.trim().to_ascii_lowercase();
        let html = match essence.as_str() {
            "text/html" => true,
            "text/plain" => false,
            _ => return None,
        };
        let charset = parts.find_map(|param| {
            let (key, value) = param.split_once('=')?;
            if !key.trim().eq_ignore_ascii_case("charset") {
                return None;
            }
            Encoding::for_label(value.trim().trim_matches('"').as_bytes())
        });
        Some(MediaType { html, charset })
    }
}

/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…;
/// charset=…">`, looked for in the first 1024 bytes as browsers do.
static META_CHARSET: LazyLock<BytesRegex> = LazyLock::new(|| {
    BytesRegex::new(r#"(?i)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#)
        .expect("valid regex")
});

fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let label = META_CHARSET.captures(head)?.get(1)?.as_bytes();
    // A page cannot be UTF-16 if its <meta> was readable as ASCII; browsers
    // take such a label to mean UTF-8, and `output_encoding` does the same.
    Encoding::for_label(label).map(Encoding::output_encoding)
}

/// A downloaded body, not yet decoded.
struct Body {
    final_url: String,
    media: MediaType,
    bytes: Vec<u8>,
}

impl Body {
    /// Decodes (a byte-order mark wins, then the header's charset, then the
    /// page's `<meta>`, then UTF-8) and extracts the text. Undecodable bytes
    /// become U+FFFD rather than failing the article.
    fn into_page(self) -> Result<FetchedPage, FetchError> {
        let encoding = self
            .media
            .charset
            .or_else(|| self.media.html.then(|| meta_charset(&self.bytes)).flatten())
            .unwrap_or(UTF_8);
        let (decoded, _, _) = encoding.decode(&self.bytes);
        let (title, text) = if self.media.html {
            if html::nesting_depth(&decoded) > html::MAX_NESTING {
                return Err(FetchError::UnsupportedContent(format!(
                    "HTML nested deeper than {} elements",
                    html::MAX_NESTING
                )));
            }
            let doc = Html::parse_document(&decoded);
            (html::page_title(&doc), html::main_text(&doc))
        } else {
            (None, decoded.replace("\r\n", "\n").trim().to_owned())
        };
        if text.trim().is_empty() {
            return Err(FetchError::UnsupportedContent("no text in the page".into()));
        }
        Ok(FetchedPage {
            final_url: self.final_url,
            title,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

    use axum::body::{Body as HttpBody, Bytes};
    use axum::extract::{Path, State};
    use axum::http::{header, HeaderMap as RequestHeaders};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::routing::get;
    use axum::Router;
    use futures::stream;

    use super::*;

    /// The test server's name; it resolves to 127.0.0.1 and is allow-listed,
    /// so redirects from it to a bare 127.0.0.1 are still refused.
    const HOST: &str = "news.test";

    const ARTICLE: &str = r#"<!doctype html><html><head>
        <title>Deal signed | Example News</title>
        <meta property="og:title" content="EU and Canada sign steel deal">
        <style>body { color: black }</style>
        </head><body>
        <header><a href="/">Example News</a></header>
        <nav><ul><li><a href="/world">World</a></li><li><a href="/trade">Trade</a></li></ul></nav>
        <div id="cookie-consent">We use cookies. <button>Accept all cookies</button></div>
        <article>
          <h1>EU and Canada sign steel deal</h1>
          <p>The European Union and Canada signed an agreement on Monday.</p>
          <div class="social-share"><a href="/s/x">Share on X</a> <a href="/s/fb">Facebook</a></div>
          <p>Duties on steel will fall to zero over five years.</p>
        </article>
        <aside class="related"><a href="/other">Other story</a></aside>
        <footer>All rights reserved.</footer>
        <script>window.track && track("view");</script>
        </body></html>"#;

    /// Probes a test handler sets, read by the test afterwards.
    #[derive(Default)]
    struct Probe {
        hits: AtomicUsize,
        current: AtomicUsize,
        peak: AtomicUsize,
        sent: AtomicUsize,
        body_dropped: AtomicBool,
    }

    #[derive(Clone)]
    struct AppState {
        addr: SocketAddr,
        probe: Arc<Probe>,
    }

    /// Serves the test routes on 127.0.0.1 on a free port.
    async fn spawn_server() -> (SocketAddr, Arc<Probe>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let probe = Arc::new(Probe::default());
        let state = AppState {
            addr,
            probe: Arc::clone(&probe),
        };
        let app = Router::new()
            .route("/article", get(|| async { html(ARTICLE) }))
            .route("/user-agent", get(echo_user_agent))
            .route("/hop/{n}", get(hop))
            .route("/to-loopback", get(to_loopback))
            .route(
                "/to-metadata",
                get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
            )
            .route(
                "/to-file",
                get(|| async { Redirect::temporary("file:///etc/passwd") }),
            )
            .route("/secret", get(secret))
            .route("/huge", get(huge))
            .route("/huge-declared", get(huge_declared))
            .route("/gzip-bomb", get(gzip_bomb))
            .route("/gzip-page", get(gzip_page))
            .route("/slow", get(one_byte_per_second))
            .route("/busy-then-ok", get(busy_then_ok))
            .route("/unavailable", get(unavailable))
            .route("/missing", get(missing))
            .route(
                "/report.pdf",
                get(|| async { ([(header::CONTENT_TYPE, "application/pdf")], "%PDF-1.7\n...") }),
            )
            .route("/latin1", get(latin1))
            .route("/latin1-meta", get(latin1_meta))
            .route(
                "/plain",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "text/plain")],
                        "Line one.\r\n\r\nLine two.\r\n",
                    )
                }),
            )
            .route("/deep", get(|| async { html(&"<div>".repeat(100_000)) }))
            .route("/slow-ok", get(slow_ok))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (addr, probe)
    }

    fn html(body: &str) -> Response {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body.to_owned(),
        )
            .into_response()
    }

    async fn echo_user_agent(headers: RequestHeaders) -> Response {
        let ua = headers[header::USER_AGENT].to_str().unwrap().to_owned();
        ([(header::CONTENT_TYPE, "text/plain")], ua).into_response()
    }

    /// `/hop/n` redirects to `/hop/n-1`; `/hop/0` is the article.
    async fn hop(Path(n): Path<u32>) -> Response {
        match n {
            0 => html(ARTICLE),
            n => Redirect::temporary(&format!("/hop/{}", n - 1)).into_response(),
        }
    }

    async fn to_loopback(State(s): State<AppState>) -> Redirect {
        Redirect::temporary(&format!("http://127.0.0.1:{}/secret", s.addr.port()))
    }

    async fn secret(State(s): State<AppState>) -> Response {
        s.probe.hits.fetch_add(1, SeqCst);
        html("<p>internal admin page</p>")
    }

    /// Sets `body_dropped` when the server stops sending the body, whether
    /// it finished or the client went away.
    struct DropFlag(Arc<Probe>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.body_dropped.store(true, SeqCst);
        }
    }

    const TEN_MB: usize = 10 * 1024 * 1024;
    const CHUNK: usize = 64 * 1024;

    /// 10 MB of HTML, streamed without a Content-Length, counting what it
    /// hands to the connection. A short pause per chunk keeps the kernel's
    /// socket buffers from absorbing megabytes ahead of the reader.
    async fn huge(State(s): State<AppState>) -> Response {
        let flag = DropFlag(Arc::clone(&s.probe));
        let body = stream::unfold(flag, |flag| async move {
            if flag.0.sent.load(SeqCst) >= TEN_MB {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            flag.0.sent.fetch_add(CHUNK, SeqCst);
            Some((
                Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; CHUNK])),
                flag,
            ))
        });
        (
            [(header::CONTENT_TYPE, "text/html")],
            HttpBody::from_stream(body),
        )
            .into_response()
    }

    async fn huge_declared(State(s): State<AppState>) -> Response {
        s.probe.hits.fetch_add(1, SeqCst);
        ([(header::CONTENT_TYPE, "text/html")], vec![b'a'; TEN_MB]).into_response()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// 20 MB of text compressed to a few kilobytes.
    async fn gzip_bomb() -> Response {
        let body = gzip(&vec![b'a'; 20 * 1024 * 1024]);
        let headers = [
            (header::CONTENT_TYPE, "text/plain"),
            (header::CONTENT_ENCODING, "gzip"),
        ];
        (headers, body).into_response()
    }

    async fn gzip_page() -> Response {
        let headers = [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_ENCODING, "gzip"),
        ];
        (headers, gzip(ARTICLE.as_bytes())).into_response()
    }

    async fn one_byte_per_second() -> Response {
        let body = stream::unfold(0, |n| async move {
            if n > 0 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            (n < 60).then(|| (Ok::<_, std::io::Error>(Bytes::from_static(b"a")), n + 1))
        });
        (
            [(header::CONTENT_TYPE, "text/html")],
            HttpBody::from_stream(body),
        )
            .into_response()
    }

    /// 429 with `Retry-After: 1` on the first request, the article after.
    async fn busy_then_ok(State(s): State<AppState>) -> Response {
        if s.probe.hits.fetch_add(1, SeqCst) == 0 {
            let headers = [(header::RETRY_AFTER, "1")];
            (StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response()
        } else {
            html(ARTICLE)
        }
    }

    async fn unavailable(State(s): State<AppState>) -> Response {
        s.probe.hits.fetch_add(1, SeqCst);
        (StatusCode::SERVICE_UNAVAILABLE, "down").into_response()
    }

    async fn missing(State(s): State<AppState>) -> Response {
        s.probe.hits.fetch_add(1, SeqCst);
        (StatusCode::NOT_FOUND, "gone").into_response()
    }

    /// "Bruxelles – accord signé …" in ISO-8859-1 (as browsers read it, i.e.
    /// windows-1252, where 0x96 is the en dash).
    const LATIN1_TEXT: &[u8] =
        b"Bruxelles \x96 accord sign\xe9 entre l'Union europ\xe9enne et le Canada.";

    fn latin1_page(meta: &str) -> Vec<u8> {
        let mut page = format!("<html><head>{meta}<title>Accord</title></head><body><article><p>")
            .into_bytes();
        page.extend_from_slice(LATIN1_TEXT);
        page.extend_from_slice(b"</p></article></body></html>");
        page
    }

    async fn latin1() -> Response {
        let content_type = [(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")];
        (content_type, latin1_page("")).into_response()
    }

    async fn latin1_meta() -> Response {
        let content_type = [(header::CONTENT_TYPE, "text/html")];
        (content_type, latin1_page(r#"<meta charset="iso-8859-1">"#)).into_response()
    }

    /// Records how many requests run at once.
    async fn slow_ok(State(s): State<AppState>) -> Response {
        let now = s.probe.current.fetch_add(1, SeqCst) + 1;
        s.probe.peak.fetch_max(now, SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        s.probe.current.fetch_sub(1, SeqCst);
        html("<p>done</p>")
    }

    fn test_config() -> FetchConfig {
        FetchConfig {
            allow: vec![HOST.to_owned()],
            connect_timeout_ms: 2_000,
            total_timeout_ms: 5_000,
            ..FetchConfig::default()
        }
    }

    /// Names the tests resolve, instead of DNS.
    fn test_hosts() -> HashMap<String, Vec<IpAddr>> {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        HashMap::from([
            (HOST.to_owned(), vec![ip("127.0.0.1")]),
            ("a.test".to_owned(), vec![ip("127.0.0.1")]),
            ("b.test".to_owned(), vec![ip("127.0.0.1")]),
            ("c.test".to_owned(), vec![ip("127.0.0.1")]),
            ("localhost.test".to_owned(), vec![ip("127.0.0.1")]),
            ("intranet.test".to_owned(), vec![ip("10.1.2.3")]),
            (
                "mixed.test".to_owned(),
                vec![ip("93.184.216.34"), ip("192.168.0.10")],
            ),
            ("metadata.test".to_owned(), vec![ip("fd00:ec2::254")]),
        ])
    }

    fn fetcher(config: &FetchConfig) -> Fetcher {
        Fetcher::with_resolver(config, None, test_hosts()).unwrap()
    }

    fn url(addr: SocketAddr, path: &str) -> String {
        format!("http://{HOST}:{}{path}", addr.port())
    }

    /// The error that fetching `path` from the test server ends in.
    async fn fetch_err(config: &FetchConfig, addr: SocketAddr, path: &str) -> FetchError {
        fetcher(config).fetch(&url(addr, path)).await.unwrap_err()
    }

    #[tokio::test]
    async fn extracts_the_article_text_and_title() {
        let (addr, _) = spawn_server().await;
        let page = fetcher(&test_config())
            .fetch(&url(addr, "/article"))
            .await
            .unwrap();
        assert_eq!(page.final_url, url(addr, "/article"));
        assert_eq!(page.title.as_deref(), Some("EU and Canada sign steel deal"));
        assert_eq!(
            page.text,
            "EU and Canada sign steel deal\n\n\
             The European Union and Canada signed an agreement on Monday.\n\n\
             Duties on steel will fall to zero over five years."
        );
    }

    #[tokio::test]
    async fn decompresses_gzip_and_reads_plain_text() {
        let (addr, _) = spawn_server().await;
        let fetcher = fetcher(&test_config());
        let page = fetcher.fetch(&url(addr, "/gzip-page")).await.unwrap();
        assert!(page.text.ends_with("over five years."), "{}", page.text);
        let plain = fetcher.fetch(&url(addr, "/plain")).await.unwrap();
        assert_eq!(plain.title, None);
        assert_eq!(plain.text, "Line one.\n\nLine two.");
    }

    #[tokio::test]
    async fn sends_a_tradewire_user_agent() {
        let (addr, _) = spawn_server().await;
        let fetcher = fetcher(&test_config());
        // Also shows that a fetch can run on another task (the future is Send).
        let page = tokio::spawn(async move { fetcher.fetch(&url(addr, "/user-agent")).await })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.text, concat!("tradewire/", env!("CARGO_PKG_VERSION")));
    }

    #[tokio::test]
    async fn follows_up_to_max_redirects() {
        let (addr, _) = spawn_server().await;
        let fetcher = fetcher(&test_config());
        let page = fetcher.fetch(&url(addr, "/hop/5")).await.unwrap();
        assert_eq!(page.final_url, url(addr, "/hop/0"));
        assert_eq!(page.title.as_deref(), Some("EU and Canada sign steel deal"));

        let err = fetcher.fetch(&url(addr, "/hop/6")).await.unwrap_err();
        assert_eq!(err.kind(), "fetch_redirect_limit", "{err}");
    }

    #[tokio::test]
    async fn refuses_a_redirect_to_loopback() {
        let (addr, probe) = spawn_server().await;
        let err = fetch_err(&test_config(), addr, "/to-loopback").await;
        assert_eq!(err.kind(), "fetch_blocked_address", "{err}");
        assert!(err.to_string().contains("loopback"), "{err}");
        assert_eq!(
            probe.hits.load(SeqCst),
            0,
            "the redirect target was reached"
        );
    }

    #[tokio::test]
    async fn refuses_a_redirect_to_cloud_metadata_even_when_link_local_is_allowed() {
        let (addr, _) = spawn_server().await;
        let mut config = test_config();
        config.allow.push("169.254.0.0/16".to_owned());
        // A connection attempt would take the whole (long) connect timeout.
        config.connect_timeout_ms = 30_000;
        let started = Instant::now();
        let err = fetch_err(&config, addr, "/to-metadata").await;
        assert_eq!(err.kind(), "fetch_blocked_address", "{err}");
        assert!(err.to_string().contains("cloud metadata"), "{err}");
        // Refused before connecting: nothing listens there to time out on.
        assert!(started.elapsed() < Duration::from_secs(15));
    }

    #[tokio::test]
    async fn refuses_a_redirect_to_another_scheme() {
        let (addr, _) = spawn_server().await;
        let err = fetch_err(&test_config(), addr, "/to-file").await;
        assert_eq!(err.kind(), "fetch_invalid_url", "{err}");
    }

    #[tokio::test]
    async fn refuses_host_names_that_resolve_to_internal_addresses() {
        let (addr, probe) = spawn_server().await;
        let fetcher = fetcher(&test_config());
        for (host, reason) in [
            ("localhost.test", "loopback"),
            ("intranet.test", "private"),
            ("mixed.test", "private"),
            ("metadata.test", "cloud metadata"),
        ] {
            let err = fetcher
                .fetch(&format!("http://{host}:{}/secret", addr.port()))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), "fetch_blocked_address", "{host}: {err}");
            assert!(err.to_string().contains(reason), "{host}: {err}");
        }
        assert_eq!(probe.hits.load(SeqCst), 0);
    }

    #[tokio::test]
    async fn refuses_internal_address_literals_unless_allowed() {
        let (addr, probe) = spawn_server().await;
        let fetcher = fetcher(&test_config());
        let port = addr.port();
        for target in [
            format!("http://127.0.0.1:{port}/secret"),
            format!("http://[::ffff:127.0.0.1]:{port}/secret"),
            format!("http://0x7f000001:{port}/secret"),
            "http://[::1]/".to_owned(),
            "http://[fd00:ec2::254]/".to_owned(),
            "http://10.0.0.1/".to_owned(),
            "http://0.0.0.0/".to_owned(),
        ] {
            let err = fetcher.fetch(&target).await.unwrap_err();
            assert_eq!(err.kind(), "fetch_blocked_address", "{target}: {err}");
        }
        assert_eq!(probe.hits.load(SeqCst), 0);

        let mut config = test_config();
        config.allow = vec!["127.0.0.0/8".to_owned()];
        let allowed = Fetcher::with_resolver(&config, None, test_hosts()).unwrap();
        let page = allowed
            .fetch(&format!("http://127.0.0.1:{port}/secret"))
            .await
            .unwrap();
        assert_eq!(page.text, "internal admin page");
    }

    #[tokio::test]
    async fn refuses_other_schemes_and_malformed_urls() {
        let fetcher = fetcher(&test_config());
        for target in [
            "file:///etc/passwd",
            "ftp://example.com/x",
            "gopher://x",
            "not a url",
            "",
        ] {
            let err = fetcher.fetch(target).await.unwrap_err();
            assert_eq!(err.kind(), "fetch_invalid_url", "{target}: {err}");
        }
    }

    #[tokio::test]
    async fn aborts_a_10_mb_page_while_streaming() {
        let (addr, probe) = spawn_server().await;
        let registry = Registry::new();
        let metrics = FetchMetrics::register(&registry).unwrap();
        let mut config = test_config();
        config.max_body_bytes = 1024 * 1024;
        let fetcher = Fetcher::with_resolver(&config, Some(metrics.clone()), test_hosts()).unwrap();

        let err = fetcher.fetch(&url(addr, "/huge")).await.unwrap_err();
        assert_eq!(err.kind(), "fetch_too_large", "{err}");
        // The fetcher read at most one chunk past the limit...
        assert!(
            metrics.bytes.get() < 2 * 1024 * 1024,
            "read {}",
            metrics.bytes.get()
        );
        // ...and the server saw the connection go away long before the end.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !probe.body_dropped.load(SeqCst) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            probe.body_dropped.load(SeqCst),
            "the server is still sending"
        );
        let sent = probe.sent.load(SeqCst);
        assert!(sent < TEN_MB / 2, "the server sent {sent} bytes");
    }

    #[tokio::test]
    async fn refuses_a_declared_length_over_the_limit_without_reading() {
        let (addr, _) = spawn_server().await;
        let registry = Registry::new();
        let metrics = FetchMetrics::register(&registry).unwrap();
        let mut config = test_config();
        config.max_body_bytes = 1024 * 1024;
        let fetcher = Fetcher::with_resolver(&config, Some(metrics.clone()), test_hosts()).unwrap();
        let err = fetcher
            .fetch(&url(addr, "/huge-declared"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "fetch_too_large", "{err}");
        assert_eq!(metrics.bytes.get(), 0);
    }

    #[tokio::test]
    async fn limits_the_decompressed_size_of_a_gzip_bomb() {
        let (addr, _) = spawn_server().await;
        let mut config = test_config();
        config.max_body_bytes = 1024 * 1024;
        let err = fetch_err(&config, addr, "/gzip-bomb").await;
        assert_eq!(err.kind(), "fetch_too_large", "{err}");
    }

    #[tokio::test]
    async fn times_out_on_a_server_sending_one_byte_per_second() {
        let (addr, _) = spawn_server().await;
        let mut config = test_config();
        config.total_timeout_ms = 1_500;
        config.max_retries = 0;
        let started = Instant::now();
        let err = fetch_err(&config, addr, "/slow").await;
        assert_eq!(err.kind(), "fetch_timeout", "{err}");
        let elapsed = started.elapsed();
        // Cut off by the attempt timeout, not by the trickling body's end
        // (generous upper bound: CI machines are noisy).
        assert!(elapsed >= Duration::from_millis(1_500) && elapsed < Duration::from_secs(15));
    }

    #[tokio::test]
    async fn retries_of_timeouts_stay_within_the_budget() {
        let (addr, _) = spawn_server().await;
        let mut config = test_config();
        config.total_timeout_ms = 1_000;
        config.retry_budget_ms = 2_500;
        config.max_retries = 10;
        let started = Instant::now();
        let err = fetch_err(&config, addr, "/slow").await;
        assert_eq!(err.kind(), "fetch_timeout", "{err}");
        let elapsed = started.elapsed();
        // At least one retry happened, and the budget held.
        assert!(elapsed >= Duration::from_millis(2_000), "{elapsed:?}");
        // Ten retries of one second each would take over eleven seconds.
        assert!(elapsed < Duration::from_secs(9), "{elapsed:?}");
    }

    #[tokio::test]
    async fn retries_a_429_after_its_retry_after() {
        let (addr, probe) = spawn_server().await;
        let started = Instant::now();
        let page = fetcher(&test_config())
            .fetch(&url(addr, "/busy-then-ok"))
            .await
            .unwrap();
        assert_eq!(page.title.as_deref(), Some("EU and Canada sign steel deal"));
        assert_eq!(probe.hits.load(SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn retries_5xx_a_bounded_number_of_times_but_not_4xx() {
        let (addr, probe) = spawn_server().await;
        let mut config = test_config();
        config.max_retries = 2;
        let fetcher = fetcher(&config);
        let err = fetcher.fetch(&url(addr, "/unavailable")).await.unwrap_err();
        assert_eq!(err.kind(), "fetch_http_status", "{err}");
        assert!(err.to_string().contains("503"), "{err}");
        assert_eq!(probe.hits.swap(0, SeqCst), 3);

        let err = fetcher.fetch(&url(addr, "/missing")).await.unwrap_err();
        assert_eq!(err.kind(), "fetch_http_status", "{err}");
        assert_eq!(probe.hits.load(SeqCst), 1);
    }

    #[tokio::test]
    async fn refuses_a_pdf() {
        let (addr, _) = spawn_server().await;
        let err = fetch_err(&test_config(), addr, "/report.pdf").await;
        assert_eq!(err.kind(), "fetch_unsupported_content", "{err}");
        assert!(err.to_string().contains("application/pdf"), "{err}");
    }

    #[tokio::test]
    async fn refuses_html_too_deep_to_parse_quickly() {
        let (addr, _) = spawn_server().await;
        let started = Instant::now();
        let err = fetch_err(&test_config(), addr, "/deep").await;
        assert_eq!(err.kind(), "fetch_unsupported_content", "{err}");
        // Refused before parsing, which would take minutes.
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[tokio::test]
    async fn decodes_iso_8859_1_from_the_header_or_the_meta_tag() {
        let (addr, _) = spawn_server().await;
        let fetcher = fetcher(&test_config());
        for path in ["/latin1", "/latin1-meta"] {
            let page = fetcher.fetch(&url(addr, path)).await.unwrap();
            assert_eq!(
                page.text, "Bruxelles – accord signé entre l'Union européenne et le Canada.",
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn limits_concurrency_per_host_and_globally() {
        let (addr, probe) = spawn_server().await;
        let mut config = test_config();
        config.allow = vec!["a.test".into(), "b.test".into(), "c.test".into()];
        config.max_concurrent_per_host = 2;
        config.max_concurrent = 100;
        let per_host = fetcher(&config);
        let one_host =
            (0..6).map(|_| per_host.fetch_owned(format!("http://a.test:{}/slow-ok", addr.port())));
        for result in futures::future::join_all(one_host).await {
            result.unwrap();
        }
        assert_eq!(probe.peak.swap(0, SeqCst), 2);
        // Idle hosts leave the per-host map.
        assert!(per_host.inner.hosts.hosts.lock().unwrap().is_empty());

        config.max_concurrent_per_host = 100;
        config.max_concurrent = 3;
        let global = fetcher(&config);
        let three_hosts = ["a.test", "b.test", "c.test"]
            .iter()
            .cycle()
            .take(9)
            .map(|host| global.fetch_owned(format!("http://{host}:{}/slow-ok", addr.port())));
        for result in futures::future::join_all(three_hosts).await {
            result.unwrap();
        }
        assert_eq!(probe.peak.load(SeqCst), 3);
    }

    impl Fetcher {
        /// `fetch` with an owned URL, so tests can collect futures.
        async fn fetch_owned(&self, url: String) -> Result<FetchedPage, FetchError> {
            self.fetch(&url).await
        }
    }

    #[tokio::test]
    async fn counts_outcomes_durations_bytes_and_in_flight() {
        let (addr, _) = spawn_server().await;
        let registry = Registry::new();
        let metrics = FetchMetrics::register(&registry).unwrap();
        let fetcher = Fetcher::with_resolver(&test_config(), Some(metrics), test_hosts()).unwrap();
        fetcher.fetch(&url(addr, "/article")).await.unwrap();
        fetcher.fetch(&url(addr, "/article")).await.unwrap();
        fetcher.fetch(&url(addr, "/report.pdf")).await.unwrap_err();
        fetcher.fetch("http://10.0.0.1/").await.unwrap_err();

        let families = registry.gather();
        let family = |name: &str| {
            families
                .iter()
                .find(|f| f.name() == name)
                .unwrap_or_else(|| panic!("{name} is not registered"))
        };
        let requests = |outcome: &str| {
            family("tradewire_fetch_requests_total")
                .get_metric()
                .iter()
                .find(|m| m.get_label()[0].value() == outcome)
                .map(|m| m.get_counter().value())
        };
        assert_eq!(requests("ok"), Some(2.0));
        assert_eq!(requests("fetch_unsupported_content"), Some(1.0));
        assert_eq!(requests("fetch_blocked_address"), Some(1.0));
        assert_eq!(requests("fetch_timeout"), Some(0.0));
        let duration = family("tradewire_fetch_duration_seconds").get_metric()[0].get_histogram();
        assert_eq!(duration.get_sample_count(), 4);
        let bytes = family("tradewire_fetch_bytes_total").get_metric()[0]
            .get_counter()
            .value();
        assert_eq!(bytes, 2.0 * ARTICLE.len() as f64);
        let in_flight = family("tradewire_fetch_in_flight").get_metric()[0]
            .get_gauge()
            .value();
        assert_eq!(in_flight, 0.0);
    }

    #[test]
    fn address_policy_refuses_non_public_addresses() {
        let policy = AddressPolicy::new(&["192.168.7.0/24".into(), "wiki.corp".into()]).unwrap();
        let check = |s: &str| policy.check_address(s.parse().unwrap(), false);
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "192.168.7.9"] {
            assert_eq!(check(public), Ok(()), "{public}");
        }
        for (addr, reason) in [
            ("127.0.0.1", "loopback"),
            ("10.20.30.40", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("169.254.1.1", "link-local"),
            ("169.254.169.254", "cloud metadata"),
            ("0.0.0.0", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("224.0.0.1", "multicast"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fe80::1", "link-local"),
            ("fd12:3456::1", "unique-local"),
            ("fd00:ec2::254", "cloud metadata"),
            ("ff02::1", "multicast"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::7f00:1", "loopback"),
        ] {
            assert_eq!(check(addr), Err(reason), "{addr}");
        }
        // An allow-listed name may point anywhere but at cloud metadata.
        assert!(policy.is_allowed_host("WIKI.corp."));
        assert_eq!(
            policy.check_address("10.0.0.1".parse().unwrap(), true),
            Ok(())
        );
        assert_eq!(
            policy.check_address("169.254.169.254".parse().unwrap(), true),
            Err("cloud metadata")
        );
    }

    #[test]
    fn config_defaults_and_validation() {
        let config: FetchConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, FetchConfig::default());
        assert_eq!(config.max_redirects, 5);
        assert!(serde_json::from_str::<FetchConfig>(r#"{"max_redirect": 3}"#).is_err());

        let bad_allow = FetchConfig {
            allow: vec!["10.0.0.0/33".into()],
            ..FetchConfig::default()
        };
        let err = Fetcher::new(&bad_allow, None).err().unwrap();
        assert!(err.to_string().starts_with("fetch.allow:"), "{err}");
        let no_slots = FetchConfig {
            max_concurrent: 0,
            ..FetchConfig::default()
        };
        let err = Fetcher::new(&no_slots, None).err().unwrap();
        assert_eq!(
            err.to_string(),
            "fetch.max_concurrent: must be greater than 0"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_retry_after() {
        for _ in 0..100 {
            let first = backoff(0, None);
            assert!(
                first >= BACKOFF_BASE / 2 && first <= BACKOFF_BASE,
                "{first:?}"
            );
            let fourth = backoff(3, None);
            assert!(
                fourth >= BACKOFF_BASE * 4 && fourth <= BACKOFF_BASE * 8,
                "{fourth:?}"
            );
            assert!(backoff(30, None) <= BACKOFF_CAP);
            assert!(backoff(0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        }
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let in_a_minute = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&in_a_minute).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60));
    }
}
