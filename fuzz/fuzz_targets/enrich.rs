//! Any article text → JSON → `Article::parse` → `Enricher::enrich`, the path
//! every message takes. The record must keep the contract a consumer relies
//! on (`enrichment-spec.md` §2–§3): mention offsets are character offsets
//! into `title + "\n\n" + body` that slice out exactly the mention's text,
//! scores lie in their ranges, ids have their documented shape, and the
//! record serialises to JSON that reads back as the same record.
//!
//! Input layout, so that seeds are readable text: the first byte picks
//! `published_at` from [`PUBLISHED`]; the rest (lossy UTF-8) is the title up
//! to the first newline, then the body (HTML allowed, as on the wire).
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use tradewire::article::{Article, EnrichedRecord, EntityKind, RawArticle, SentimentLabel};
use tradewire::enrich::Enricher;

static ENGINE: LazyLock<Enricher> =
    LazyLock::new(|| Enricher::embedded().expect("embedded data is valid"));

/// Publication dates that deadlines are resolved against, the ends of the
/// accepted range included.
const PUBLISHED: &[Option<&str>] = &[
    None,
    Some("2025-07-29T09:00:00Z"),
    Some("2024-02-29"),
    Some("2025-12-31T23:30:00-05:00"),
    Some("2026-01-01T00:00:00+14:00"),
    Some("1970-01-01"),
    Some("0000-01-01"),
    Some("9999-12-31"),
];

const TOPICS: &[&str] = &[
    "tariffs",
    "export-controls",
    "sanctions",
    "trade-negotiations",
    "trade-agreement",
    "retaliation",
    "trade-deficit",
    "supply-chain",
    "investment-screening",
    "dumping-subsidies",
    "wto-dispute",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (title, body) = text.split_once('\n').unwrap_or(("", &text));
    let raw = RawArticle {
        id: Some("fuzz".into()),
        title: Some(title.into()),
        body: Some(body.into()),
        published_at: PUBLISHED[pick as usize % PUBLISHED.len()].map(str::to_owned),
        ..RawArticle::default()
    };
    let json = serde_json::to_vec(&raw).expect("a RawArticle serialises");
    let Ok(article) = Article::parse(&json, usize::MAX) else {
        return; // e.g. an empty body: a dead letter, not a record
    };
    let record = ENGINE.enrich(&article);
    check(&article, &record);

    // Re-delivery (at-least-once) must give the same record.
    let mut again = ENGINE.enrich(&article);
    again.enricher.duration_us = record.enricher.duration_us;
    assert_eq!(again, record, "enriching twice gave two records");
});

fn check(article: &Article, r: &EnrichedRecord) {
    let analysed: Vec<char> = article.analysed_text().chars().collect();
    let analysed_str: String = analysed.iter().collect();

    assert_eq!(r.id, article.id);
    assert_eq!(r.title, article.title);
    if let Some(p) = &r.published_at {
        assert!(
            chrono::DateTime::parse_from_rfc3339(p).is_ok(),
            "published_at {p:?} is not RFC 3339"
        );
    }

    // Entities: unique ids of the documented shape, mentions that slice
    // out their text, in order of first mention.
    let mut ids = HashSet::new();
    let mut first_mentions = Vec::new();
    for e in &r.entities {
        assert!(ids.insert(e.id.as_str()), "entity {} listed twice", e.id);
        let prefix = match e.kind {
            EntityKind::Country => "country:",
            EntityKind::Bloc => "bloc:",
            EntityKind::Person => "person:",
            EntityKind::Organization => "org:",
            EntityKind::Location => "location:",
            EntityKind::Instrument => "instrument:",
            EntityKind::Commodity => "commodity:",
        };
        let slug = e.id.strip_prefix(prefix);
        assert!(
            slug.is_some_and(|s| !s.is_empty()),
            "{} is not a {prefix} id",
            e.id
        );
        assert!(!e.name.trim().is_empty(), "{} has a blank name", e.id);
        assert!(!e.mentions.is_empty(), "{} has no mentions", e.id);
        assert_eq!(e.count as usize, e.mentions.len(), "{} count", e.id);
        let mut previous = None;
        for m in &e.mentions {
            assert!(
                m.start < m.end && m.end <= analysed.len(),
                "{}: mention {m:?} outside the {} chars of {analysed_str:?}",
                e.id,
                analysed.len()
            );
            let slice: String = analysed[m.start..m.end].iter().collect();
            assert_eq!(slice, m.text, "{}: mention {m:?} in {analysed_str:?}", e.id);
            assert!(
                previous < Some((m.start, m.end)),
                "{}: mentions out of order or repeated",
                e.id
            );
            previous = Some((m.start, m.end));
        }
        first_mentions.push(e.mentions[0].start);
        if let Some(s) = e.sentiment {
            assert!((-1.0..=1.0).contains(&s), "{} sentiment {s}", e.id);
        }
        // A country, or the EU for an EU official (`data/people.tsv`).
        if let Some(c) = &e.country {
            assert!(
                c.starts_with("country:") || c == "bloc:EU",
                "{} country {c}",
                e.id
            );
        }
    }
    assert!(
        first_mentions.is_sorted(),
        "entities not in order of first mention"
    );

    // Scores within their ranges; the label agrees with the sign.
    let s = &r.sentiment;
    assert!(
        (-1.0..=1.0).contains(&s.score),
        "sentiment score {}",
        s.score
    );
    assert!((0.0..=1.0).contains(&s.positive), "positive {}", s.positive);
    assert!((0.0..=1.0).contains(&s.negative), "negative {}", s.negative);
    match s.label {
        SentimentLabel::Positive => assert!(s.score > 0.0, "positive label, score {}", s.score),
        SentimentLabel::Negative => assert!(s.score < 0.0, "negative label, score {}", s.score),
        SentimentLabel::Neutral => {}
    }
    let tp = &r.trade_policy;
    assert!(
        (0.0..=1.0).contains(&tp.score),
        "relevance score {}",
        tp.score
    );
    for t in &tp.topics {
        assert!(
            TOPICS.contains(&t.as_str()),
            "topic {t:?} not in the vocabulary"
        );
    }

    // Tariff measures and deadlines quote the analysed text.
    for m in &r.tariff_measures {
        assert!(tp.relevant, "tariff measure in an irrelevant article");
        assert!(
            m.rate_percent.is_finite() && m.rate_percent >= 0.0,
            "rate {}",
            m.rate_percent
        );
        assert!(
            m.imposer.starts_with("country:") || m.imposer.starts_with("bloc:"),
            "imposer {}",
            m.imposer
        );
        assert_ne!(
            Some(&m.imposer),
            m.target.as_ref(),
            "imposer is its own target"
        );
        assert!(
            analysed_str.contains(&m.text),
            "measure text {:?} not in the text",
            m.text
        );
    }
    for d in &r.deadlines {
        assert!(
            d.date.len() == 10 && NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").is_ok(),
            "deadline date {:?} is not YYYY-MM-DD",
            d.date
        );
        assert!(
            analysed_str.contains(&d.text),
            "deadline text {:?} not in the text",
            d.text
        );
    }

    // The record goes out as JSON and must read back unchanged.
    let json = serde_json::to_string(r).expect("a record serialises");
    let back: EnrichedRecord = serde_json::from_str(&json).expect("a record reads back");
    assert_eq!(&back, r, "record changed through JSON: {json}");
}
