//! The enrich stage: a pure, synchronous function from a parsed [`Article`]
//! to an [`EnrichedRecord`]. Every path (Kafka, `tradewire enrich`,
//! `POST /v1/enrich`) calls [`Enricher::enrich`]; there is no second copy.
//! This first version only fills the record's envelope; the engine follows.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::article::{Article, EnrichedRecord, EnricherInfo, Sentiment, TradePolicy, SCHEMA};

/// A gazetteer or lexicon file that cannot be loaded, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DataError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// The loaded engine. Cheap to share (`Arc`), immutable after load.
#[derive(Debug)]
pub struct Enricher {
    version: String,
}

impl Enricher {
    /// The engine with the data files compiled into the binary.
    pub fn embedded() -> Result<Enricher, DataError> {
        Ok(Enricher {
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// The engine with data files read from `dir` (same layout as `data/`).
    pub fn from_dir(dir: &Path) -> Result<Enricher, DataError> {
        if !dir.is_dir() {
            return Err(DataError {
                file: dir.to_owned(),
                line: 0,
                message: "not a directory".into(),
            });
        }
        Enricher::embedded()
    }

    /// Enriches one article.
    pub fn enrich(&self, article: &Article) -> EnrichedRecord {
        let started = Instant::now();
        EnrichedRecord {
            schema: SCHEMA.to_owned(),
            id: article.id.clone(),
            source: article.source.clone(),
            url: article.url.clone(),
            title: article.title.clone(),
            published_at: article
                .published_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            language: article.language.clone().unwrap_or_else(|| "en".to_owned()),
            trade_policy: TradePolicy::default(),
            sentiment: Sentiment::default(),
            entities: Vec::new(),
            tariff_measures: Vec::new(),
            deadlines: Vec::new(),
            enricher: EnricherInfo {
                version: self.version.clone(),
                duration_us: started.elapsed().as_micros() as u64,
            },
        }
    }
}
