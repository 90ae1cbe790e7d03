//! The two shapes a message takes: the [`RawArticle`] that scrapers publish
//! and the [`EnrichedRecord`] that tradewire emits (contract:
//! `enrichment-spec.md` §1 and §2).
//!
//! Parsing happens once, here. [`Article::parse`] either returns an article
//! that later stages can trust (it has text or a URL, a stable id, a parsed
//! date) or a [`Poison`] that says exactly why the payload was rejected; the
//! caller dead-letters the latter. Later stages never re-check.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::html;

/// Output schema tag (`enrichment-spec.md` §2).
pub const SCHEMA: &str = "tradewire.enriched.v1";

/// Why a payload cannot be enriched. Each kind is a dead-letter reason and a
/// metric label, so the set is small and fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PoisonKind {
    /// The payload is larger than `max_message_bytes`.
    TooLarge,
    /// The payload is not UTF-8.
    InvalidUtf8,
    /// The payload is not a JSON object.
    InvalidJson,
    /// A known field has the wrong type or format.
    InvalidField,
    /// Neither a `body` with text nor a `url` is present.
    MissingContent,
    /// The article parsed but enrichment failed.
    EnrichFailed,
    // A link-only article whose page could not be fetched (`fetch.rs`).
    FetchInvalidUrl,
    FetchBlockedAddress,
    FetchTimeout,
    FetchHttpStatus,
    FetchTooLarge,
    FetchUnsupportedContent,
    FetchRedirectLimit,
    FetchConnect,
    FetchDecode,
}

impl PoisonKind {
    pub const ALL: [PoisonKind; 15] = [
        PoisonKind::TooLarge,
        PoisonKind::InvalidUtf8,
        PoisonKind::InvalidJson,
        PoisonKind::InvalidField,
        PoisonKind::MissingContent,
        PoisonKind::EnrichFailed,
        PoisonKind::FetchInvalidUrl,
        PoisonKind::FetchBlockedAddress,
        PoisonKind::FetchTimeout,
        PoisonKind::FetchHttpStatus,
        PoisonKind::FetchTooLarge,
        PoisonKind::FetchUnsupportedContent,
        PoisonKind::FetchRedirectLimit,
        PoisonKind::FetchConnect,
        PoisonKind::FetchDecode,
    ];

    /// Stable machine-readable name (dead-letter header, metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            PoisonKind::TooLarge => "too_large",
            PoisonKind::InvalidUtf8 => "invalid_utf8",
            PoisonKind::InvalidJson => "invalid_json",
            PoisonKind::InvalidField => "invalid_field",
            PoisonKind::MissingContent => "missing_content",
            PoisonKind::EnrichFailed => "enrich_failed",
            PoisonKind::FetchInvalidUrl => "fetch_invalid_url",
            PoisonKind::FetchBlockedAddress => "fetch_blocked_address",
            PoisonKind::FetchTimeout => "fetch_timeout",
            PoisonKind::FetchHttpStatus => "fetch_http_status",
            PoisonKind::FetchTooLarge => "fetch_too_large",
            PoisonKind::FetchUnsupportedContent => "fetch_unsupported_content",
            PoisonKind::FetchRedirectLimit => "fetch_redirect_limit",
            PoisonKind::FetchConnect => "fetch_connect",
            PoisonKind::FetchDecode => "fetch_decode",
        }
    }
}

impl fmt::Display for PoisonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payload that cannot become an article, with a reason a person can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {reason}")]
pub struct Poison {
    pub kind: PoisonKind,
    pub reason: String,
}

impl Poison {
    pub fn new(kind: PoisonKind, reason: impl Into<String>) -> Self {
        Poison {
            kind,
            reason: reason.into(),
        }
    }
}

/// The raw article exactly as the wire carries it (spec §1). Unknown fields
/// are ignored; `null` is the same as absent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawArticle {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub published_at: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
}

/// A well-formed article: the only input the enrich stage accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// The scraper's id, or a stable hash of `url` (else `title` + `body`).
    pub id: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
    /// Plain text (HTML already reduced); `None` for a URL-only article.
    pub body: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The caller's BCP 47 hint, if any.
    pub language: Option<String>,
}

impl Article {
    /// Parses one payload, enforcing the size limit first so an oversized
    /// message is never decoded.
    pub fn parse(payload: &[u8], max_bytes: usize) -> Result<Article, Poison> {
        if payload.len() > max_bytes {
            return Err(Poison::new(
                PoisonKind::TooLarge,
                format!(
                    "payload is {} bytes, over the {max_bytes}-byte limit",
                    payload.len()
                ),
            ));
        }
        let text = std::str::from_utf8(payload).map_err(|e| {
            Poison::new(
                PoisonKind::InvalidUtf8,
                format!("payload is not UTF-8: {e}"),
            )
        })?;
        Article::parse_str(text)
    }

    /// Parses one JSON document that is already known to be text.
    pub fn parse_str(text: &str) -> Result<Article, Poison> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Poison::new(PoisonKind::InvalidJson, format!("not JSON: {e}")))?;
        if !value.is_object() {
            return Err(Poison::new(
                PoisonKind::InvalidJson,
                format!("expected a JSON object, got {}", json_type(&value)),
            ));
        }
        let raw: RawArticle = serde_json::from_value(value)
            .map_err(|e| Poison::new(PoisonKind::InvalidField, e.to_string()))?;
        Article::try_from(raw)
    }

    /// The text that enrichment analyses and that mention offsets index:
    /// `title + "\n\n" + body`, or whichever of the two exists.
    pub fn analysed_text(&self) -> String {
        match (non_empty(&self.title), non_empty(&self.body)) {
            (Some(t), Some(b)) => format!("{t}\n\n{b}"),
            (Some(t), None) => t.to_owned(),
            (None, Some(b)) => b.to_owned(),
            (None, None) => String::new(),
        }
    }
}

impl TryFrom<RawArticle> for Article {
    type Error = Poison;

    fn try_from(raw: RawArticle) -> Result<Article, Poison> {
        // Emptiness is judged on the text, not the markup: `<p></p>` is no body.
        let body = match raw.body {
            Some(b) => Some(
                html::reduce_if_markup(&b)
                    .map_err(|e| Poison::new(PoisonKind::InvalidField, format!("body: {e}")))?,
            ),
            None => None,
        }
        .filter(|b| !b.trim().is_empty());
        let url = raw.url.filter(|u| !u.trim().is_empty());
        if body.is_none() && url.is_none() {
            return Err(Poison::new(
                PoisonKind::MissingContent,
                "article has neither a non-empty `body` nor a `url`",
            ));
        }
        let published_at = match raw.published_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(parse_timestamp(s).ok_or_else(|| {
                Poison::new(
                    PoisonKind::InvalidField,
                    format!("published_at {s:?} is not an RFC 3339 timestamp or a date"),
                )
            })?),
        };
        let title = raw.title.filter(|t| !t.trim().is_empty());
        let id = match raw.id.filter(|i| !i.trim().is_empty()) {
            Some(id) => id,
            None => derive_id(url.as_deref(), title.as_deref(), body.as_deref()),
        };
        Ok(Article {
            id,
            source: raw.source,
            url,
            title,
            body,
            published_at,
            language: raw.language.filter(|l| !l.trim().is_empty()),
        })
    }
}

/// A stable id for an article that came without one: the hash of its URL,
/// else of its title and body, so a re-scraped article keeps its key.
fn derive_id(url: Option<&str>, title: Option<&str>, body: Option<&str>) -> String {
    let mut h = Sha256::new();
    match url {
        Some(u) => {
            h.update(b"url\0");
            h.update(u.trim().as_bytes());
        }
        None => {
            h.update(b"text\0");
            h.update(title.unwrap_or("").as_bytes());
            h.update(b"\0");
            h.update(body.unwrap_or("").as_bytes());
        }
    }
    let digest = h.finalize();
    let mut id = String::with_capacity(35);
    id.push_str("tw-");
    for b in &digest[..16] {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// The instant in UTC, as long as its year still has four digits there: the
/// record writes it back as RFC 3339, which has no other years
/// (`9999-12-31T23:00:00-05:00` is in the year 10000 in UTC).
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let t = match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc(),
    };
    (0..=9999).contains(&t.year()).then_some(t)
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The enriched record (spec §2), published with key = `id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnrichedRecord {
    pub schema: String,
    pub id: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub language: String,
    pub trade_policy: TradePolicy,
    pub sentiment: Sentiment,
    pub entities: Vec<Entity>,
    pub tariff_measures: Vec<TariffMeasure>,
    pub deadlines: Vec<Deadline>,
    pub enricher: EnricherInfo,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TradePolicy {
    pub relevant: bool,
    /// Confidence in [0, 1].
    pub score: f32,
    /// From the spec's topic vocabulary.
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Positive,
    #[default]
    Neutral,
    Negative,
}

impl SentimentLabel {
    pub const ALL: [SentimentLabel; 3] = [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Positive => "positive",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Negative => "negative",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sentiment {
    pub label: SentimentLabel,
    /// Tone toward trade relations, in [-1, 1].
    pub score: f32,
    /// Share of positive evidence, in [0, 1].
    pub positive: f32,
    /// Share of negative evidence, in [0, 1].
    pub negative: f32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Country,
    Bloc,
    Person,
    Organization,
    Location,
    Instrument,
    Commodity,
}

impl EntityKind {
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Country,
        EntityKind::Bloc,
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Location,
        EntityKind::Instrument,
        EntityKind::Commodity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Country => "country",
            EntityKind::Bloc => "bloc",
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Location => "location",
            EntityKind::Instrument => "instrument",
            EntityKind::Commodity => "commodity",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entity {
    pub id: String,
    pub kind: EntityKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Country id (`country:XX`) a person or organisation belongs to;
    /// `bloc:EU` for an EU official or body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub count: u32,
    pub mentions: Vec<Mention>,
    /// Tone of the sentences that mention the entity, in [-1, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<f32>,
}

/// A span of the analysed text, in Unicode scalar (char) offsets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TariffMeasure {
    /// Country or bloc id.
    pub imposer: String,
    /// Country or bloc id; `None` for a tariff on all countries.
    pub target: Option<String>,
    pub rate_percent: f64,
    /// Commodity ids the rate applies to, when stated.
    pub goods: Vec<String>,
    /// The sentence or clause the measure was read from.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Deadline {
    /// ISO date, `YYYY-MM-DD`.
    pub date: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnricherInfo {
    pub version: String,
    pub duration_us: u64,
}

impl EnrichedRecord {
    /// Appends the record as one line of compact JSON: byte for byte what
    /// `serde_json::to_writer` writes (fields in declaration order, the
    /// same escapes and number formats), without serde's per-field calls.
    /// `tradewire enrich` writes records this way.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = JsonObject::new(out);
        o.str("schema", &self.schema);
        o.str("id", &self.id);
        o.opt_str("source", self.source.as_deref());
        o.opt_str("url", self.url.as_deref());
        o.opt_str("title", self.title.as_deref());
        o.opt_str("published_at", self.published_at.as_deref());
        o.str("language", &self.language);
        o.key("trade_policy");
        let mut p = JsonObject::new(o.out);
        p.raw(
            "relevant",
            if self.trade_policy.relevant {
                "true"
            } else {
                "false"
            },
        );
        p.float("score", self.trade_policy.score);
        p.key("topics");
        json_array(p.out, &self.trade_policy.topics, |out, t| json_str(out, t));
        p.end();
        o.key("sentiment");
        let mut s = JsonObject::new(o.out);
        s.str("label", self.sentiment.label.as_str());
        s.float("score", self.sentiment.score);
        s.float("positive", self.sentiment.positive);
        s.float("negative", self.sentiment.negative);
        s.end();
        o.key("entities");
        json_array(o.out, &self.entities, |out, e| {
            let mut o = JsonObject::new(out);
            o.str("id", &e.id);
            o.str("kind", e.kind.as_str());
            o.str("name", &e.name);
            if let Some(role) = &e.role {
                o.str("role", role);
            }
            if let Some(country) = &e.country {
                o.str("country", country);
            }
            o.int("count", u64::from(e.count));
            o.key("mentions");
            json_array(o.out, &e.mentions, |out, m| {
                let mut o = JsonObject::new(out);
                o.int("start", m.start as u64);
                o.int("end", m.end as u64);
                o.str("text", &m.text);
                o.end();
            });
            if let Some(x) = e.sentiment {
                o.float("sentiment", x);
            }
            o.end();
        });
        o.key("tariff_measures");
        json_array(o.out, &self.tariff_measures, |out, t| {
            let mut o = JsonObject::new(out);
            o.str("imposer", &t.imposer);
            o.opt_str("target", t.target.as_deref());
            o.float("rate_percent", t.rate_percent);
            o.key("goods");
            json_array(o.out, &t.goods, |out, g| json_str(out, g));
            o.str("text", &t.text);
            o.end();
        });
        o.key("deadlines");
        json_array(o.out, &self.deadlines, |out, d| {
            let mut o = JsonObject::new(out);
            o.str("date", &d.date);
            o.str("text", &d.text);
            o.end();
        });
        o.key("enricher");
        let mut e = JsonObject::new(o.out);
        e.str("version", &self.enricher.version);
        e.int("duration_us", self.enricher.duration_us);
        e.end();
        o.end();
    }
}

/// A JSON object being written: `{`, then `"key":value` pairs with commas.
struct JsonObject<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> JsonObject<'o> {
    #[inline]
    fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        JsonObject { out, first: true }
    }

    /// Writes `"key":`; the caller writes the value. Keys are field names,
    /// which need no escapes.
    #[inline]
    fn key(&mut self, key: &str) {
        debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    #[inline]
    fn raw(&mut self, key: &str, value: &str) {
        self.key(key);
        self.out.extend_from_slice(value.as_bytes());
    }

    #[inline]
    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        json_str(self.out, value);
    }

    #[inline]
    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.raw(key, "null"),
        }
    }

    #[inline]
    fn int(&mut self, key: &str, value: u64) {
        self.key(key);
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = value;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&digits[i..]);
    }

    /// A float as serde_json writes it: the shortest form that reads back
    /// the same (zmij, serde_json's own formatter), `null` when not finite.
    fn float<F: zmij::Float + Into<f64>>(&mut self, key: &str, value: F) {
        self.key(key);
        if value.into().is_finite() {
            let mut buffer = zmij::Buffer::new();
            self.out
                .extend_from_slice(buffer.format_finite(value).as_bytes());
        } else {
            self.out.extend_from_slice(b"null");
        }
    }

    #[inline]
    fn end(self) {
        self.out.push(b'}');
    }
}

fn json_array<T>(out: &mut Vec<u8>, items: &[T], mut write: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// Bytes that JSON strings escape, as serde_json writes them: `"`, `\`
/// and control characters (0 for the rest).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// True when one of the eight bytes of `x` is a control character, `"`
/// or `\\` (exact: the zero-byte test has no false negatives, and a byte
/// from 0x80 up is never below 0x20).
fn any_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |y: u64| y.wrapping_sub(ONES) & !y & HIGH;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    control | zero_in(x ^ (ONES * u64::from(b'"'))) | zero_in(x ^ (ONES * u64::from(b'\\'))) != 0
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push(b'"');
    // Most strings need no escape: skip them eight bytes at a time, the
    // last few bytes padded with spaces, so a clean string costs no loop
    // over its bytes.
    let mut clean = 0;
    while let Some(chunk) = bytes.get(clean..clean + 8) {
        if any_escape(u64::from_le_bytes(chunk.try_into().expect("8 bytes"))) {
            break;
        }
        clean += 8;
    }
    let tail = &bytes[clean..];
    if tail.len() < 8 {
        const SPACES: u64 = 0x2020_2020_2020_2020;
        let word = crate::enrich::head_word(tail) | SPACES << (8 * tail.len());
        if !any_escape(word) {
            out.extend_from_slice(bytes);
            out.push(b'"');
            return;
        }
    }
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        match escape {
            b'u' => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
            e => out.extend_from_slice(&[b'\\', e]),
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(payload: &[u8]) -> PoisonKind {
        Article::parse(payload, 1024).unwrap_err().kind
    }

    #[test]
    fn each_kind_of_bad_payload_gets_its_own_reason() {
        assert_eq!(kind_of(&[b'{', 0xff, b'}']), PoisonKind::InvalidUtf8);
        assert_eq!(kind_of(b"{\"title\": "), PoisonKind::InvalidJson);
        assert_eq!(kind_of(b"[1, 2]"), PoisonKind::InvalidJson);
        assert_eq!(kind_of(b"{\"body\": 42}"), PoisonKind::InvalidField);
        assert_eq!(
            kind_of(b"{\"title\": \"only a title\"}"),
            PoisonKind::MissingContent
        );
        assert_eq!(
            kind_of(b"{\"body\": \"x\", \"published_at\": \"last Tuesday\"}"),
            PoisonKind::InvalidField
        );
        assert_eq!(kind_of(&[b' '; 2000]), PoisonKind::TooLarge);
    }

    #[test]
    fn unknown_fields_and_nulls_are_ignored() {
        let a = Article::parse(
            br#"{"id":"a1","body":"Tariffs rose.","shares":17,"title":null,"extra":{"x":1}}"#,
            1024,
        )
        .unwrap();
        assert_eq!(a.id, "a1");
        assert_eq!(a.title, None);
        assert_eq!(a.analysed_text(), "Tariffs rose.");
    }

    #[test]
    fn missing_id_is_derived_from_url_and_stable() {
        let one = Article::parse(br#"{"url":"https://example.com/a","title":"A"}"#, 1024).unwrap();
        let two = Article::parse(br#"{"url":"https://example.com/a","body":"B"}"#, 1024).unwrap();
        let other = Article::parse(br#"{"url":"https://example.com/b"}"#, 1024).unwrap();
        assert_eq!(one.id, two.id);
        assert_ne!(one.id, other.id);
        assert!(one.id.starts_with("tw-") && one.id.len() == 35);
    }

    #[test]
    fn analysed_text_joins_title_and_body() {
        let a = Article::parse(
            br#"{"title":"T","body":"B","published_at":"2025-07-29T09:00:00+02:00"}"#,
            1024,
        )
        .unwrap();
        assert_eq!(a.analysed_text(), "T\n\nB");
        assert_eq!(
            a.published_at.unwrap().to_rfc3339(),
            "2025-07-29T07:00:00+00:00"
        );
    }

    mod json {
        use super::super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            // Quotes, backslashes, every control character, and beyond ASCII.
            "[a-z \"\\\\\u{0}-\u{1f}\u{7f}é’😀]{0,12}"
        }

        fn float() -> impl Strategy<Value = f32> {
            prop_oneof![
                any::<f32>(),
                Just(f32::NAN),
                Just(f32::INFINITY),
                Just(-0.0),
                Just(1.0),
                (-1000i32..1000).prop_map(|x| x as f32 / 1000.0),
            ]
        }

        fn entity() -> impl Strategy<Value = Entity> {
            (
                text(),
                prop::sample::select(EntityKind::ALL.to_vec()),
                text(),
                prop::option::of(text()),
                prop::option::of(text()),
                prop::collection::vec((any::<usize>(), any::<usize>(), text()), 0..3),
                prop::option::of(float()),
            )
                .prop_map(|(id, kind, name, role, country, mentions, sentiment)| {
                    Entity {
                        id,
                        kind,
                        name,
                        role,
                        country,
                        count: mentions.len() as u32,
                        mentions: mentions
                            .into_iter()
                            .map(|(start, end, text)| Mention { start, end, text })
                            .collect(),
                        sentiment,
                    }
                })
        }

        fn record() -> impl Strategy<Value = EnrichedRecord> {
            let head = (
                text(),
                prop::option::of(text()),
                prop::option::of(text()),
                prop::option::of(text()),
                prop::option::of(text()),
                text(),
            );
            let policy = (any::<bool>(), float(), prop::collection::vec(text(), 0..3));
            let tone = (
                prop::sample::select(SentimentLabel::ALL.to_vec()),
                float(),
                float(),
                float(),
            );
            let measures = prop::collection::vec(
                (
                    text(),
                    prop::option::of(text()),
                    prop_oneof![any::<f64>(), Just(f64::NAN), Just(30.0), Just(35.3)],
                    prop::collection::vec(text(), 0..2),
                    text(),
                ),
                0..3,
            );
            let rest = (
                prop::collection::vec(entity(), 0..3),
                measures,
                prop::collection::vec((text(), text()), 0..2),
                any::<u64>(),
            );
            (head, policy, tone, rest).prop_map(
                |(
                    (id, source, url, title, published_at, language),
                    (relevant, score, topics),
                    (label, tone, positive, negative),
                    (entities, measures, deadlines, duration_us),
                )| EnrichedRecord {
                    schema: SCHEMA.to_owned(),
                    id,
                    source,
                    url,
                    title,
                    published_at,
                    language,
                    trade_policy: TradePolicy {
                        relevant,
                        score,
                        topics,
                    },
                    sentiment: Sentiment {
                        label,
                        score: tone,
                        positive,
                        negative,
                    },
                    entities,
                    tariff_measures: measures
                        .into_iter()
                        .map(
                            |(imposer, target, rate_percent, goods, text)| TariffMeasure {
                                imposer,
                                target,
                                rate_percent,
                                goods,
                                text,
                            },
                        )
                        .collect(),
                    deadlines: deadlines
                        .into_iter()
                        .map(|(date, text)| Deadline { date, text })
                        .collect(),
                    enricher: EnricherInfo {
                        version: "tradewire-enrich/0".to_owned(),
                        duration_us,
                    },
                },
            )
        }

        proptest! {
            #[test]
            fn write_json_writes_what_serde_json_writes(r in record()) {
                let mut fast = Vec::new();
                r.write_json(&mut fast);
                prop_assert_eq!(
                    String::from_utf8(fast).unwrap(),
                    serde_json::to_string(&r).unwrap()
                );
            }
        }
    }

    #[test]
    fn a_body_of_markup_without_text_is_no_body() {
        // Caught by the parse_article fuzz target: `<p></p>` used to pass as
        // an article with an empty text, and a link with such a body was
        // never fetched.
        assert_eq!(
            kind_of(br#"{"body":"<p> </p><br>"}"#),
            PoisonKind::MissingContent
        );
        let link = Article::parse(
            br#"{"url":"https://example.com/a","body":"<div></div>"}"#,
            1024,
        )
        .unwrap();
        assert_eq!(link.body, None);
    }

    #[test]
    fn a_date_whose_utc_year_has_no_four_digits_is_invalid() {
        // Caught by the parse_article fuzz target: the record would carry
        // "+10000-01-01T04:00:00Z", which no RFC 3339 reader accepts.
        assert_eq!(
            kind_of(br#"{"body":"x","published_at":"9999-12-31T23:00:00-05:00"}"#),
            PoisonKind::InvalidField
        );
        assert_eq!(
            kind_of(br#"{"body":"x","published_at":"0000-01-01T00:30:00+01:00"}"#),
            PoisonKind::InvalidField
        );
        let last = Article::parse(
            br#"{"body":"x","published_at":"9999-12-31T23:00:00Z"}"#,
            1024,
        )
        .unwrap();
        assert_eq!(
            last.published_at.unwrap().to_rfc3339(),
            "9999-12-31T23:00:00+00:00"
        );
    }

    #[test]
    fn a_body_nested_too_deep_is_refused_not_parsed() {
        // Timed with the parse_article fuzz target: 64 KiB of nested `<div>`s
        // took seconds to parse, and the time grows with the square of the
        // depth, so one 1 MiB message would hold a worker for many minutes.
        let body = |depth: usize| format!(r#"{{"body":"{}x"}}"#, "<div>".repeat(depth));
        let deep = Article::parse(body(html::MAX_NESTING + 1).as_bytes(), 1 << 20).unwrap_err();
        assert_eq!(deep.kind, PoisonKind::InvalidField);
        assert!(deep.reason.contains("nested"), "{}", deep.reason);
        let ok = Article::parse(body(html::MAX_NESTING).as_bytes(), 1 << 20).unwrap();
        assert_eq!(ok.body.as_deref(), Some("x"));
        let flood = Article::parse(body(200_000).as_bytes(), 1 << 20).unwrap_err();
        assert_eq!(flood.kind, PoisonKind::InvalidField);
    }

    #[test]
    fn html_body_is_reduced_to_text() {
        let a = Article::parse(
            br#"{"body":"<p>Tariffs <b>rose</b>.</p><p>Again.</p>"}"#,
            1024,
        )
        .unwrap();
        assert_eq!(a.body.as_deref(), Some("Tariffs rose.\n\nAgain."));
    }
}
