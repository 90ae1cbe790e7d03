//! Is this article about government trade policy, and which topics?
//!
//! Evidence comes from the weighted phrases of `relevance.tsv` (positive for
//! trade policy, negative for the other senses of trade-looking words), a
//! little from the number of countries named, and a headline bonus. Trap
//! phrases ("standard variable tariff", "trade deadline") win the
//! leftmost-longest match, so the trade word inside them never counts.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::gazetteer::Hit;
use super::text::{Doc, TokKind};
use super::{Draft, Entities, FxHasher, Model, TermHit};
use crate::article::EntityKind;

/// Evidence total at which a short item counts as relevant ...
const THRESHOLD_SHORT: f32 = 2.5;
/// ... and a full article (a passing mention of tariffs in a long story
/// about something else is not enough).
const THRESHOLD_LONG: f32 = 4.0;
/// Words at which an article counts as full length.
const FULL_LENGTH_WORDS: f32 = 300.0;
/// A phrase counts at most this many times.
const MAX_REPEATS: u32 = 3;
/// Below this many words an item is a news flash: one mention of a topic
/// makes it a topic.
const FLASH_WORDS: f32 = 80.0;

pub(crate) struct Judgement {
    pub(crate) relevant: bool,
    pub(crate) score: f32,
    pub(crate) topics: Vec<String>,
}

/// The terms among the phrase matches `hits` (group
/// [`PHRASE_TERM`](super::PHRASE_TERM)).
pub(crate) fn scan<'m>(doc: &Doc<'_>, m: &'m Model, hits: Vec<Hit<'m>>) -> Vec<TermHit<'m>> {
    hits.into_iter()
        .filter_map(|h| {
            let &i = h.payloads.first()?;
            let (key, info) = &m.tables.terms[i];
            // "the China-Australia Free Trade Agreement": a named agreement
            // is still an agreement.
            let agreement =
                info.instrument.as_deref() == Some(TRADE_AGREEMENT) && key.contains(' ');
            if !agreement && proper_noun(doc, h.start, h.end) {
                return None;
            }
            Some(TermHit {
                start: h.start,
                end: h.end,
                key,
                info,
            })
        })
        .collect()
}

const TRADE_AGREEMENT: &str = "instrument:trade-agreement";
const IMPORT_BAN: &str = "instrument:import-ban";

/// "a ban on Australian rock lobster", "lifts its ban on Brazilian beef":
/// the word "ban" before "on", a country named as an adjective and a
/// commodity within three words is an import ban on that country's goods
/// (byte spans of the "ban" words no instrument term holds already, as
/// "import ban" does).
fn bans_on_goods(doc: &Doc<'_>, terms: &[TermHit<'_>], ents: &Entities<'_>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for f in &ents.mentions {
        // Most mentions follow no "on": test the bytes before looking up
        // tokens.
        let before = doc.text[..f.start].trim_end_matches(' ');
        let on_before = ["on", "on the", "on all"]
            .iter()
            .any(|w| before.ends_with(w));
        if !on_before || ents.drafts[f.ent].kind != EntityKind::Country {
            continue;
        }
        let t = doc.token_at(f.start);
        let after = doc.token_at(f.end);
        let mut on = t;
        if on > 0 && matches!(doc.lower_tok(on - 1), "all" | "the") {
            on -= 1;
        }
        let ban = on >= 2
            && doc.lower_tok(on - 1) == "on"
            && matches!(doc.lower_tok(on - 2), "ban" | "bans");
        let adjective = doc.plain_word(after);
        if !ban || !adjective {
            continue;
        }
        let reach = doc
            .tokens
            .get(after + 3)
            .map_or(doc.text.len(), |x| x.start);
        let goods = terms
            .iter()
            .any(|c| c.info.commodity.is_some() && c.start >= f.end && c.start < reach);
        let b = doc.tokens[on - 2];
        let named = terms
            .iter()
            .any(|c| c.info.instrument.is_some() && c.start < b.end && b.start < c.end);
        if goods && !named {
            out.push((b.start, b.end));
        }
    }
    out
}

/// A capitalised term inside a sentence is part of a name ("Mark Levy",
/// "U.S. Steel", "the Tariff Act"), not the common word. Sentence starts,
/// headlines and all-caps acronyms ("EV", "LNG") keep their sense.
fn proper_noun(doc: &Doc<'_>, start: usize, end: usize) -> bool {
    let first_word = doc.text[start..end].split(' ').next().unwrap_or("");
    // Most terms are written in lower case.
    if !first_word.starts_with(|c: char| c.is_uppercase()) || doc.in_title(start) {
        return false;
    }
    let all_caps = first_word
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    if all_caps {
        return false;
    }
    let t = doc.token_at(start);
    t < doc.tokens.len() && !doc.sentence_initial(t)
}

pub(crate) fn judge(doc: &Doc<'_>, terms: &[TermHit<'_>], ents: &Entities<'_>) -> Judgement {
    let mut seen: HashMap<&str, u32, BuildHasherDefault<FxHasher>> =
        HashMap::with_capacity_and_hasher(terms.len(), Default::default());
    let mut evidence = 0.0f32;
    // Evidence of supporting phrases, which counts only beside other
    // positive evidence.
    let mut support = 0.0f32;
    let mut primary = false;
    // A few topics per article: a list beats a map.
    let mut topic_counts: Vec<(&str, f32)> = Vec::with_capacity(8);
    for t in terms {
        if ents
            .foreign_acronyms
            .iter()
            .any(|&(s, e)| s <= t.start && t.end <= e)
        {
            continue;
        }
        let n = seen.entry(t.key).or_insert(0);
        *n += 1;
        let headline = if doc.in_title(t.start) { 2.0 } else { 1.0 };
        if *n <= MAX_REPEATS {
            let weight = t.info.relevance * headline;
            if t.info.support {
                support += weight;
            } else {
                evidence += weight;
                primary |= weight > 0.0;
            }
        }
        if !t.info.trap {
            for topic in &t.info.topics {
                match topic_counts.iter_mut().find(|(name, _)| name == topic) {
                    Some((_, count)) => *count += headline,
                    None => topic_counts.push((topic, headline)),
                }
            }
        }
    }
    let parties = parties(ents);
    if primary {
        evidence += support;
    }
    // Trade policy is between governments: two or more parties help a little.
    if evidence > 0.0 {
        evidence += 0.5 * parties.min(4) as f32;
    }
    let words = doc
        .tokens
        .iter()
        .filter(|t| t.kind == TokKind::Word)
        .count() as f32;
    let threshold =
        THRESHOLD_SHORT + (THRESHOLD_LONG - THRESHOLD_SHORT) * (words / FULL_LENGTH_WORDS).min(1.0);
    let relevant = evidence >= threshold;
    let score = 1.0 / (1.0 + (-(evidence - threshold) / 2.0).exp());
    // An article must name a topic twice (a passing mention is not its
    // topic); in a news flash of a few sentences every mention is.
    let topic_min = if words < FLASH_WORDS { 1.0 } else { 2.0 };
    let mut topics: Vec<String> = if relevant {
        topic_counts
            .into_iter()
            .filter(|&(_, c)| c >= topic_min)
            .map(|(t, _)| t.to_owned())
            .collect()
    } else {
        Vec::new()
    };
    topics.sort();
    Judgement {
        relevant,
        score: (score * 1000.0).round() / 1000.0,
        topics,
    }
}

/// How many governments the article names: its distinct countries and
/// blocs, and the country of each person named with one ("President Donald
/// Trump imposed ..." names the United States as a party). Capitals do
/// not count: a city in a dateline or "near Washington" is no party.
fn parties(ents: &Entities<'_>) -> usize {
    let mut named: Vec<&str> = Vec::with_capacity(8);
    for f in &ents.mentions {
        let d = &ents.drafts[f.ent];
        let id = match d.kind {
            EntityKind::Country | EntityKind::Bloc => Some(&*d.id),
            EntityKind::Person => d.country.as_deref(),
            _ => None,
        };
        if let Some(id) = id.filter(|id| !named.contains(id)) {
            named.push(id);
        }
    }
    named.len()
}

/// Instruments and commodities named in a trade-relevant article, the
/// named agreements (USMCA...) as the trade-agreement instrument, and a ban
/// on another country's goods as an import ban.
pub(crate) fn add_trade_entities<'m>(
    doc: &Doc<'_>,
    terms: &[TermHit<'m>],
    ents: &mut Entities<'m>,
) {
    for (s, e) in bans_on_goods(doc, terms, ents) {
        let id = IMPORT_BAN;
        let k = ents.add_with(id, || vocabulary_draft(id, EntityKind::Instrument));
        ents.mention(s, e, k);
    }
    let terms = terms.iter().filter(|t| !t.info.trap);
    // A weak synonym ("curbs") counts where a plain one names the same
    // instrument.
    let named = |id: &str| {
        terms
            .clone()
            .any(|t| !t.info.weak && t.info.instrument.as_deref() == Some(id))
    };
    for t in terms.clone() {
        let instrument = t
            .info
            .instrument
            .as_ref()
            .filter(|id| !t.info.weak || named(id));
        for (id, kind) in [
            (instrument, EntityKind::Instrument),
            (t.info.commodity.as_ref(), EntityKind::Commodity),
        ] {
            if let Some(id) = id {
                let k = ents.add_with(id, || vocabulary_draft(id, kind));
                ents.mention(t.start, t.end, k);
            }
        }
    }
    for (s, e) in std::mem::take(&mut ents.agreements) {
        let id = TRADE_AGREEMENT;
        let k = ents.add_with(id, || vocabulary_draft(id, EntityKind::Instrument));
        ents.mention(s, e, k);
    }
}

fn vocabulary_draft(id: &str, kind: EntityKind) -> Draft<'_> {
    let name = id.split(':').nth(1).unwrap_or(id).replace('-', " ");
    Draft {
        id: Cow::Borrowed(id),
        kind,
        name: Cow::Owned(name),
        role: None,
        country: None,
        capital_of: None,
        private: false,
    }
}
