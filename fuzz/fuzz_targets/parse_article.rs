//! Any payload a producer can put on the input topic → `Article::parse`
//! with the service's own size limit. It must never panic; a rejection must
//! carry one of the parse reasons; an accepted article must be one that the
//! rest of the service can trust (`src/article.rs`: "it has text or a URL, a
//! stable id, a parsed date").
#![no_main]

use std::sync::LazyLock;

use chrono::{DateTime, SecondsFormat};
use libfuzzer_sys::fuzz_target;
use tradewire::article::{Article, PoisonKind};
use tradewire::config::Config;

/// `pipeline.max_message_bytes` as shipped.
static MAX_BYTES: LazyLock<usize> = LazyLock::new(|| Config::defaults().pipeline.max_message_bytes);

fuzz_target!(|payload: &[u8]| {
    let article = match Article::parse(payload, *MAX_BYTES) {
        Ok(article) => article,
        Err(poison) => {
            assert!(
                matches!(
                    poison.kind,
                    PoisonKind::TooLarge
                        | PoisonKind::InvalidUtf8
                        | PoisonKind::InvalidJson
                        | PoisonKind::InvalidField
                        | PoisonKind::MissingContent
                ),
                "parsing gave a non-parse reason: {poison}"
            );
            assert!(!poison.reason.trim().is_empty(), "empty reason: {poison:?}");
            assert_eq!(
                poison.kind == PoisonKind::TooLarge,
                payload.len() > *MAX_BYTES
            );
            return;
        }
    };
    let blank = |s: &Option<String>| s.as_deref().is_some_and(|s| s.trim().is_empty());

    // The key of the output record and of its dead letter.
    assert!(!article.id.trim().is_empty(), "blank id: {article:?}");
    // Something to enrich, or something to fetch.
    let has_text = article
        .body
        .as_deref()
        .is_some_and(|b| !b.trim().is_empty());
    let has_url = article.url.as_deref().is_some_and(|u| !u.trim().is_empty());
    assert!(has_text || has_url, "neither text nor URL: {article:?}");
    // A field that is present says something.
    for (name, field) in [
        ("body", &article.body),
        ("url", &article.url),
        ("title", &article.title),
        ("language", &article.language),
    ] {
        assert!(!blank(field), "blank {name}: {article:?}");
    }
    // The record repeats the date as RFC 3339 text; it must read back.
    if let Some(t) = article.published_at {
        let written = t.to_rfc3339_opts(SecondsFormat::Secs, true);
        assert!(
            DateTime::parse_from_rfc3339(&written).is_ok(),
            "published_at {written:?} is not RFC 3339"
        );
    }
    // The text that mention offsets index (spec §2).
    let text = article.analysed_text();
    match (&article.title, &article.body) {
        (Some(t), Some(b)) => assert_eq!(text, format!("{t}\n\n{b}")),
        (Some(t), None) => assert_eq!(&text, t),
        (None, Some(b)) => assert_eq!(&text, b),
        (None, None) => assert!(text.is_empty()),
    }
    // The same payload always gives the same article (and id).
    assert_eq!(Article::parse(payload, *MAX_BYTES).as_ref(), Ok(&article));
});
