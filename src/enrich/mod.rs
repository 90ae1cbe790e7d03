//! The enrich stage: a pure, synchronous function from a parsed [`Article`]
//! to an [`EnrichedRecord`]. No I/O happens here; the gazetteers, lexicons
//! and rule lists are loaded once at start (see [`Enricher::embedded`]),
//! validated, and compiled into two Aho-Corasick automatons (names; terms
//! and domain sentiment phrases together) and word tables.
//!
//! Every path (Kafka, `tradewire enrich`, `POST /v1/enrich`) calls
//! [`Enricher::enrich`]; there is no second copy.
//!
//! # Layout
//!
//! In the order an article flows through them:
//!
//! * `data` reads and validates the files under `data/` (format:
//!   `data/README.md`).
//! * `text` splits the analysed text into tokens and sentences, looks every
//!   word up once in the rule word lists, and maps byte offsets to the char
//!   offsets the contract uses.
//! * `gazetteer` finds word-bounded, leftmost-longest surface forms by
//!   walking an anchored automaton from each word start.
//! * `names` turns name matches into entities: people and organisations
//!   the text marks, contextual ministries, traps, surname back-references.
//! * `relevance` judges trade-policy relevance and topics and reports
//!   instruments and commodities.
//! * `tariffs` reads tariff measures (imposer, target, rate, goods).
//! * `deadlines` resolves dates to ISO form with `published_at`.
//! * `sentiment` scores tone per sentence, per article and per entity.

mod data;
mod deadlines;
mod gazetteer;
mod names;
mod relevance;
mod sentiment;
mod tariffs;
mod text;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::article::{
    Article, EnrichedRecord, EnricherInfo, Entity, EntityKind, Mention, TradePolicy, SCHEMA,
};

use self::data::{Rules, SentTerm, Tables, TermInfo};
use self::gazetteer::Matcher;
use self::text::Doc;
use aho_corasick::automaton::StateID;

/// A gazetteer or lexicon file that cannot be loaded, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DataError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// The loaded engine. Cheap to share (`Arc`), immutable after load.
pub struct Enricher {
    version: String,
    model: Model,
    build_time: Duration,
}

impl std::fmt::Debug for Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enricher")
            .field("version", &self.version)
            .field("entities", &self.model.tables.entities.len())
            .field("surfaces", &self.model.tables.surfaces.len())
            .field("build_time", &self.build_time)
            .finish()
    }
}

/// The compiled data: tables, automatons and rule word sets.
pub(crate) struct Model {
    pub(crate) tables: Tables,
    /// Case-sensitive names; payload = index into `tables.surfaces`.
    pub(crate) names: Matcher,
    /// Case-insensitive phrases in two groups: [`PHRASE_TERM`] (payload =
    /// index into `tables.terms`) and [`PHRASE_SENTIMENT`] (payload = index
    /// into `tables.sentiment`).
    pub(crate) phrases: Matcher,
    pub(crate) lex: Lex,
    /// Per surface form: [`surface_bit`]s, from the rule lists that name
    /// surface texts (looked up once here, not per mention).
    pub(crate) surface_bits: Vec<u8>,
    /// Per gazetteer entity: [`entity_bit`]s.
    pub(crate) entity_bits: Vec<u8>,
}

/// Bits of [`Model::surface_bits`].
pub(crate) mod surface_bit {
    /// On the `us-state-homonym` list ("Georgia").
    pub(crate) const US_STATE_HOMONYM: u8 = 1;
    /// On the `period-adjective` list ("Georgian").
    pub(crate) const PERIOD_ADJECTIVE: u8 = 1 << 1;
}

/// Bits of [`Model::entity_bits`].
pub(crate) mod entity_bit {
    /// A bloc on the `agreement-bloc` list (USMCA): reported as the
    /// trade-agreement instrument.
    pub(crate) const AGREEMENT: u8 = 1;
    /// A bloc on the `area-bloc` list (AfCFTA): reported as the bloc and as
    /// the trade-agreement instrument.
    pub(crate) const AREA: u8 = 1 << 1;
}

/// Group of `Model::phrases` holding the terms.
pub(crate) const PHRASE_TERM: usize = 0;
/// Group of `Model::phrases` holding the sentiment lexicon.
pub(crate) const PHRASE_SENTIMENT: usize = 1;

/// A fixed word list. Lookups happen for every token, so the hash is the
/// cheap multiplicative one rustc uses (FxHash) rather than SipHash; the
/// sets are built from our data, never from article text.
pub(crate) type WordSet = HashSet<String, BuildHasherDefault<FxHasher>>;

/// FxHash (as in rustc): fast for short keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// `tail` (1 to 7 bytes) as a zero-padded little-endian word, read with
/// two overlapping loads instead of byte by byte (the overlap ORs a byte
/// with itself).
fn padded_word(tail: &[u8]) -> u64 {
    let n = tail.len();
    let le32 = |b: &[u8]| u64::from(u32::from_le_bytes(b.try_into().expect("4 bytes")));
    if n >= 4 {
        le32(&tail[..4]) | le32(&tail[n - 4..]) << (8 * (n - 4))
    } else {
        let byte = |i: usize| u64::from(tail[i]) << (8 * i);
        byte(0) | byte(n / 2) | byte(n - 1)
    }
}

impl Hasher for FxHasher {
    /// Little-endian 8-byte words, the last one zero-padded.
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word: [u8; 8] = chunk.try_into().expect("chunks of 8");
            self.add(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            self.add(padded_word(tail));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Token text -> [`WordInfo`]: the table every token is looked up in.
///
/// Open addressing on the word's first eight bytes (zero-padded) and its
/// length, so a lookup of a short word is a multiply and one or two
/// integer compares, with no hashing loop and no string compare.
pub(crate) struct WordTable {
    /// Slot count minus one (a power of two minus one).
    mask: usize,
    slots: Vec<Slot>,
    /// Per entry: its bytes after the eighth (empty for short words).
    tails: Vec<Box<[u8]>>,
    /// Per entry: its general polarity, and a last 0 for every word
    /// without one (kept out of the slots so that four fit a cache line).
    polarity: Vec<f32>,
    /// Per entry: the states of the name and phrase automatons after its
    /// text, when it is the first run of a pattern ([`flag::NAME_RUN`],
    /// [`flag::PHRASE_RUN`]; `StateID::ZERO` otherwise): a walk from a
    /// token made of that one run resumes there.
    run_states: Vec<[StateID; 2]>,
    /// A one-hash Bloom filter of the entries with [`flag::CASELESS`] bits:
    /// most capitalised words have no lower-case form worth a second probe
    /// ([`WordTable::caseless`]).
    caseless: Vec<u64>,
}

/// Bits in [`WordTable::caseless`] (a power of two; 4 KiB).
const CASELESS_BITS: usize = 1 << 15;

/// An entry with its flags in place: a hit costs one cache line.
#[derive(Clone, Copy)]
struct Slot {
    head: u64,
    /// The entry's index above its length in the low byte (at most 255:
    /// longer words differ in their tails); [`Slot::EMPTY`] for a free
    /// slot.
    len_entry: u32,
    /// [`WordInfo::flags`], plus [`Slot::POLARITY`].
    flags: u32,
}

impl Slot {
    const EMPTY: u32 = u32::MAX;
    /// The entry has a general polarity (in [`WordTable::polarity`]).
    const POLARITY: u32 = 1 << 31;

    /// The length byte of a word of `n` bytes.
    #[inline]
    fn len_byte(n: usize) -> u32 {
        n.min(255) as u32
    }
}

/// The first eight bytes of `b` as a zero-padded little-endian word.
#[inline]
pub(crate) fn head_word(b: &[u8]) -> u64 {
    match b.len() {
        0 => 0,
        1..=7 => padded_word(b),
        _ => u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
    }
}

impl Default for WordTable {
    /// The empty table.
    fn default() -> WordTable {
        WordTable::new(&HashMap::default())
    }
}

/// Which automaton a [`WordTable::run_state`] is for.
pub(crate) const NAME_AUTOMATON: usize = 0;
pub(crate) const PHRASE_AUTOMATON: usize = 1;

/// No entry ([`WordTable::lookup_entry`]).
pub(crate) const NO_ENTRY: u32 = u32::MAX;

impl WordTable {
    fn new(words: &HashMap<String, WordInfo, BuildHasherDefault<FxHasher>>) -> WordTable {
        assert!(words.len() < 1 << 24, "the word table holds 2^24 entries");
        let size = (words.len() * 2).next_power_of_two().max(16);
        let mut table = WordTable {
            mask: size - 1,
            slots: vec![
                Slot {
                    head: 0,
                    len_entry: Slot::EMPTY,
                    flags: 0,
                };
                size
            ],
            tails: Vec::with_capacity(words.len()),
            polarity: Vec::with_capacity(words.len() + 1),
            run_states: Vec::new(),
            caseless: vec![0; CASELESS_BITS / 64],
        };
        for (word, &info) in words {
            debug_assert_eq!(info.flags & Slot::POLARITY, 0, "a flag bit is taken");
            let b = word.as_bytes();
            let head = head_word(b);
            let hash = WordTable::hash(head, b);
            if info.flags & flag::CASELESS != 0 {
                let bit = WordTable::caseless_bit(hash);
                table.caseless[bit / 64] |= 1 << (bit % 64);
            }
            let mut i = table.slot_of(hash);
            while table.slots[i].len_entry != Slot::EMPTY {
                i = (i + 1) & table.mask;
            }
            let has_polarity = info.general.to_bits() != 0;
            table.slots[i] = Slot {
                head,
                len_entry: (table.tails.len() as u32) << 8 | Slot::len_byte(b.len()),
                flags: info.flags | if has_polarity { Slot::POLARITY } else { 0 },
            };
            table.tails.push(b.get(8..).unwrap_or_default().into());
            table.polarity.push(info.general);
        }
        table.run_states = vec![[StateID::ZERO; 2]; table.tails.len()];
        table.polarity.push(0.0);
        table
    }

    /// The hash of a word whose [`WordTable::head`] is `head`.
    #[inline]
    fn hash(head: u64, b: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        h.add(head ^ ((b.len() as u64) << 59));
        if let Some(rest) = b.get(8..) {
            for chunk in rest.chunks(8) {
                h.add(head_word(chunk));
            }
        }
        h.finish()
    }

    /// First slot to probe for a word of hash `hash`.
    #[inline]
    fn slot_of(&self, hash: u64) -> usize {
        // The high bits of a multiplicative hash are the well-mixed ones.
        (hash >> 40) as usize & self.mask
    }

    /// The [`WordTable::caseless`] bit of a word of hash `hash` (other
    /// bits of the hash than the slot's).
    #[inline]
    fn caseless_bit(hash: u64) -> usize {
        (hash >> 24) as usize & (CASELESS_BITS - 1)
    }

    /// The first eight bytes of `text[start..end]`, zero-padded, read in
    /// one load where the text allows (the key [`WordTable::lookup`] takes).
    #[inline]
    pub(crate) fn head(text: &[u8], start: usize, end: usize) -> u64 {
        match text.get(start..start + 8) {
            Some(chunk) => {
                let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                match end - start {
                    n @ 0..=7 => word & ((1u64 << (8 * n)) - 1),
                    _ => word,
                }
            }
            None => head_word(&text[start..end]),
        }
    }

    /// What the lists say about `word` (nothing: the default).
    #[cfg(test)]
    pub(crate) fn get(&self, word: &str) -> WordInfo {
        let b = word.as_bytes();
        self.lookup(head_word(b), b)
    }

    /// What the lists say about the word `b` whose [`WordTable::head`] is
    /// `head`.
    #[inline]
    #[cfg(test)]
    pub(crate) fn lookup(&self, head: u64, b: &[u8]) -> WordInfo {
        self.lookup_entry(head, b).0
    }

    /// [`WordTable::lookup`], and the entry's index ([`NO_ENTRY`] when the
    /// word has none).
    #[inline]
    pub(crate) fn lookup_entry(&self, head: u64, b: &[u8]) -> (WordInfo, u32) {
        self.probe(Self::hash(head, b), head, b)
    }

    /// Notes the state of `matcher` (automaton `which`) after each of its
    /// first runs, on the runs' entries.
    fn set_run_states(&mut self, matcher: &Matcher, which: usize) {
        for run in matcher.first_runs() {
            let b = run.as_bytes();
            let (_, entry) = self.lookup_entry(head_word(b), b);
            if let Some(states) = self.run_states.get_mut(entry as usize) {
                states[which] = matcher.run_state(run);
            }
        }
    }

    /// The state of automaton `which` ([`NAME_AUTOMATON`] or
    /// [`PHRASE_AUTOMATON`]) after the text of `entry`, if that is the
    /// first run of one of its patterns.
    #[inline]
    pub(crate) fn run_state(&self, entry: u32, which: usize) -> StateID {
        self.run_states
            .get(entry as usize)
            .map_or(StateID::ZERO, |s| s[which])
    }

    /// The [`flag::CASELESS`] bits of the word `b` (a lower-cased token)
    /// whose [`WordTable::head`] is `head`: usually answered by the Bloom
    /// filter alone.
    #[inline]
    #[cfg(test)]
    pub(crate) fn caseless(&self, head: u64, b: &[u8]) -> u32 {
        self.caseless_entry(head, b).0
    }

    /// [`WordTable::caseless`], and the entry's index ([`NO_ENTRY`] when
    /// the word has none).
    #[inline]
    pub(crate) fn caseless_entry(&self, head: u64, b: &[u8]) -> (u32, u32) {
        let hash = Self::hash(head, b);
        let bit = Self::caseless_bit(hash);
        if self.caseless[bit / 64] & (1 << (bit % 64)) == 0 {
            return (0, NO_ENTRY);
        }
        let (info, entry) = self.probe(hash, head, b);
        (info.flags & flag::CASELESS, entry)
    }

    #[inline]
    fn probe(&self, hash: u64, head: u64, b: &[u8]) -> (WordInfo, u32) {
        let mut i = self.slot_of(hash);
        loop {
            let slot = self.slots[i];
            // Whether a token is on a list is as good as random, so a
            // slot's answer is taken without branching on it; only a
            // collision loops. (One compare for "this word or a free
            // slot": the compiler splits a boolean `|` back into two
            // branches.)
            let mismatch =
                (slot.head ^ head) | u64::from((slot.len_entry & 0xff) ^ Slot::len_byte(b.len()));
            let occupied = u64::from(slot.len_entry ^ Slot::EMPTY);
            if mismatch.min(occupied) == 0 {
                let same = (mismatch == 0) & (occupied != 0);
                let entry = (slot.len_entry >> 8) as usize;
                let tail_differs = b.len() > 8 && same && self.tails[entry][..] != b[8..];
                if !tail_differs {
                    let flags = slot.flags & u32::from(same).wrapping_neg();
                    let at = if flags & Slot::POLARITY != 0 {
                        entry
                    } else {
                        self.polarity.len() - 1
                    };
                    let info = WordInfo {
                        flags: flags & !Slot::POLARITY,
                        general: self.polarity[at],
                    };
                    // `NO_ENTRY` (all ones) unless this is the word's slot.
                    let entry = entry as u32 | u32::from(!same).wrapping_neg();
                    return (info, entry);
                }
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Bits of [`WordInfo::flags`]: which case-sensitive word lists a token is
/// on, looked up once per token (see [`Doc::new`]).
pub(crate) mod flag {
    pub(crate) const PERSON_TITLE: u32 = 1;
    pub(crate) const PERSON_TITLE_LOWER: u32 = 1 << 1;
    pub(crate) const APPOSITIVE_HEAD: u32 = 1 << 2;
    pub(crate) const ORG_HEAD: u32 = 1 << 3;
    pub(crate) const ORG_INTRODUCER: u32 = 1 << 4;
    pub(crate) const NAME_PARTICLE: u32 = 1 << 5;
    pub(crate) const NAME_STOPWORD: u32 = 1 << 6;
    pub(crate) const FUNCTION_WORD: u32 = 1 << 7;
    pub(crate) const FUNCTION_WORD_LOWER: u32 = 1 << 8;
    pub(crate) const ACRONYM_STOPWORD: u32 = 1 << 9;
    pub(crate) const US_CONTEXT: u32 = 1 << 10;
    pub(crate) const PERIOD_NOUN: u32 = 1 << 11;
    pub(crate) const GIVEN_NAME: u32 = 1 << 12;
    pub(crate) const NOT_ORG_BEFORE: u32 = 1 << 13;
    /// A verb whose subject imposes a tariff ("imposes", "slapped").
    pub(crate) const IMPOSE_VERB: u32 = 1 << 14;
    /// A verb whose subject suffers one ("faces", "pays").
    pub(crate) const TARGET_VERB: u32 = 1 << 15;
    // The token's shape, set for every token (not looked up).
    /// Its first char is upper-case.
    pub(crate) const CAP: u32 = 1 << 16;
    /// Two or more chars, all upper-case letters or digits ("WTO", "G7").
    pub(crate) const ACRONYM: u32 = 1 << 17;
    /// A [`TokKind::Word`](super::text::TokKind::Word).
    pub(crate) const WORD: u32 = 1 << 18;
    /// The token is the first run of letters and digits of a name
    /// ([`Model::names`](super::Model::names)) ...
    pub(crate) const NAME_RUN: u32 = 1 << 19;
    /// ... or, lower-cased, of a phrase ([`Model::phrases`](super::Model::phrases)).
    pub(crate) const PHRASE_RUN: u32 = 1 << 20;
    /// Lower-cased, a month or weekday name (`deadlines`).
    pub(crate) const DATE_WORD: u32 = 1 << 21;
    /// Lower-cased, the first word of a several-word "all-targets" phrase
    /// ("all trading partners": `tariffs`).
    pub(crate) const ALL_TARGETS_FIRST: u32 = 1 << 22;
    /// Lower-cased, a word that makes a percentage a tariff rate ("duty").
    pub(crate) const TARIFF_CUE: u32 = 1 << 23;
    /// Lower-cased, a word that makes it something else ("growth") ...
    pub(crate) const RATE_BLOCKER: u32 = 1 << 24;
    /// ... or a market move ("rose").
    pub(crate) const MARKET_VERB: u32 = 1 << 25;
    /// Written so, a word that makes a country name before it part of a
    /// place's name ("Turkey Point").
    pub(crate) const PLACE_NOUN: u32 = 1 << 26;
    /// The bits looked up on the lower-cased token.
    pub(crate) const CASELESS: u32 =
        PHRASE_RUN | DATE_WORD | ALL_TARGETS_FIRST | TARIFF_CUE | RATE_BLOCKER | MARKET_VERB;
}

/// What the per-token lookup tells about a word.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WordInfo {
    pub(crate) flags: u32,
    /// VADER polarity of the (lower-case) word; 0 when it has none.
    pub(crate) general: f32,
}

/// The rule lists of `rules.tsv` as sets.
pub(crate) struct Lex {
    /// Token text -> `flag` bits of the lists consulted per token, and the
    /// word's general (VADER) polarity: one lookup per token serves both.
    pub(crate) words: WordTable,
    pub(crate) name_stopword: WordSet,
    /// Particles inside a name, also glued to the next word ("al-Sharaa").
    pub(crate) name_particle: WordSet,
    pub(crate) function_word: WordSet,
    pub(crate) abbreviation: WordSet,
    pub(crate) us_state_homonym: WordSet,
    pub(crate) period_adjective: WordSet,
    /// An animal breed's noun after a demonym ("shepherd", "water dog").
    pub(crate) breed_noun: WordSet,
    /// A contest's noun after a party ("Championship", "Grand Prix").
    pub(crate) event_noun: WordSet,
    /// A sea's noun before "of" and a country ("Gulf", "Sea").
    pub(crate) water_of: WordSet,
    /// Blocs that are agreements only (USMCA) ...
    pub(crate) agreement_bloc: WordSet,
    /// ... and free-trade areas that are blocs too (AfCFTA).
    pub(crate) area_bloc: WordSet,
    /// Body names that many countries share ("Department of Agriculture").
    pub(crate) generic_body: WordSet,
    /// Names that look like organisations but are places or things.
    pub(crate) not_org: WordSet,
    pub(crate) surname_first: WordSet,
    /// Titles that mark a single name ("Queen Sonja").
    pub(crate) royal_title: WordSet,
    /// The tariff words, for the last part of a compound
    /// ("counter-tariffs"); whole tokens carry [`flag::TARIFF_CUE`].
    pub(crate) tariff_cue: WordSet,
    /// Words before "tax" or "duty" that make it a domestic tax, not a tariff ...
    pub(crate) domestic_tax: WordSet,
    /// ... and words that make a bare "tax" in a sentence a trade tax.
    pub(crate) tax_trade_word: WordSet,
    /// Lower-case "on everyone" phrases, split into words.
    pub(crate) all_targets_words: Vec<Vec<String>>,
    pub(crate) deadline_cue: WordSet,
}

impl Lex {
    fn new(
        rules: &Rules,
        general: &HashMap<String, f32, BuildHasherDefault<FxHasher>>,
        names: &Matcher,
        phrases: &Matcher,
    ) -> Lex {
        let set = |kind: &str| -> WordSet { rules.list(kind).iter().cloned().collect() };
        // A multi-word title counts by its last word ("Prime Minister").
        let heads = |kind: &str| -> WordSet {
            rules
                .list(kind)
                .iter()
                .filter_map(|t| t.split_whitespace().last())
                .map(|t| t.trim_end_matches('.').to_owned())
                .collect()
        };
        let function_word = set("function-word");
        let mut function_word_lower: WordSet =
            function_word.iter().map(|w| w.to_lowercase()).collect();
        // Verbs and relatives that end a lower-case role phrase.
        function_word_lower.extend(
            [
                "said", "says", "told", "is", "was", "are", "were", "has", "have", "had", "will",
                "would", "could", "that", "which", "who",
            ]
            .map(str::to_owned),
        );
        let person_title = heads("person-title");
        let mut words: HashMap<String, WordInfo, BuildHasherDefault<FxHasher>> = general
            .iter()
            .map(|(w, &v)| {
                (
                    w.clone(),
                    WordInfo {
                        flags: 0,
                        general: v,
                    },
                )
            })
            .collect();
        let mut mark = |list: &WordSet, bit: u32| {
            for w in list {
                words.entry(w.clone()).or_default().flags |= bit;
            }
        };
        mark(&person_title, flag::PERSON_TITLE);
        mark(&set("person-title-lower"), flag::PERSON_TITLE_LOWER);
        mark(&set("appositive-head"), flag::APPOSITIVE_HEAD);
        mark(&set("org-head"), flag::ORG_HEAD);
        mark(&set("org-introducer"), flag::ORG_INTRODUCER);
        mark(&set("name-particle"), flag::NAME_PARTICLE);
        mark(&set("name-stopword"), flag::NAME_STOPWORD);
        mark(&function_word, flag::FUNCTION_WORD);
        mark(&function_word_lower, flag::FUNCTION_WORD_LOWER);
        mark(&set("acronym-stopword"), flag::ACRONYM_STOPWORD);
        mark(&set("us-context"), flag::US_CONTEXT);
        mark(&set("period-noun"), flag::PERIOD_NOUN);
        mark(&set("place-noun"), flag::PLACE_NOUN);
        mark(&set("given-name"), flag::GIVEN_NAME);
        mark(&set("not-org-before"), flag::NOT_ORG_BEFORE);
        mark(&set("impose-verb"), flag::IMPOSE_VERB);
        mark(&set("target-verb"), flag::TARGET_VERB);
        mark(&set("tariff-cue"), flag::TARIFF_CUE);
        mark(&set("rate-blocker"), flag::RATE_BLOCKER);
        mark(&set("market-verb"), flag::MARKET_VERB);
        for w in deadlines::date_words() {
            words.entry(w.to_owned()).or_default().flags |= flag::DATE_WORD;
        }
        let all_targets_words: Vec<Vec<String>> = rules
            .list("all-targets")
            .iter()
            .map(|s| {
                s.to_lowercase()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        for phrase in all_targets_words.iter().filter(|p| p.len() > 1) {
            words.entry(phrase[0].clone()).or_default().flags |= flag::ALL_TARGETS_FIRST;
        }
        for (matcher, bit) in [(names, flag::NAME_RUN), (phrases, flag::PHRASE_RUN)] {
            for run in matcher.first_runs() {
                words.entry(run.clone()).or_default().flags |= bit;
            }
        }
        let mut table = WordTable::new(&words);
        table.set_run_states(names, NAME_AUTOMATON);
        table.set_run_states(phrases, PHRASE_AUTOMATON);
        Lex {
            words: table,
            name_stopword: set("name-stopword"),
            name_particle: set("name-particle"),
            function_word,
            abbreviation: set("abbreviation"),
            us_state_homonym: set("us-state-homonym"),
            period_adjective: set("period-adjective"),
            breed_noun: set("breed-noun"),
            event_noun: set("event-noun"),
            water_of: set("water-of"),
            agreement_bloc: set("agreement-bloc"),
            area_bloc: set("area-bloc"),
            generic_body: set("generic-body"),
            not_org: set("not-org"),
            surname_first: set("surname-first"),
            royal_title: set("royal-title"),
            tariff_cue: set("tariff-cue"),
            domestic_tax: set("domestic-tax"),
            tax_trade_word: set("tax-trade-word"),
            all_targets_words,
            deadline_cue: set("deadline-cue"),
        }
    }
}

/// An entity as the detectors build it, before mentions are attached.
/// Gazetteer entities borrow their strings from the model; only entities
/// found by rule own theirs.
#[derive(Debug, Clone)]
pub(crate) struct Draft<'m> {
    pub(crate) id: Cow<'m, str>,
    pub(crate) kind: EntityKind,
    pub(crate) name: Cow<'m, str>,
    pub(crate) role: Option<Cow<'m, str>>,
    pub(crate) country: Option<Cow<'m, str>>,
    /// For a capital: the country its name stands for ("Beijing said").
    pub(crate) capital_of: Option<&'m str>,
    /// A company or an association (see [`data::EntityDef::private`]).
    pub(crate) private: bool,
}

/// One mention: byte span and the entity (index into `Entities::drafts`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) ent: usize,
}

/// The entities of one article.
#[derive(Debug, Default)]
pub(crate) struct Entities<'m> {
    pub(crate) drafts: Vec<Draft<'m>>,
    index: HashMap<Cow<'m, str>, usize, BuildHasherDefault<FxHasher>>,
    pub(crate) mentions: Vec<Found>,
    /// Spans of named agreements (USMCA...), reported as trade-agreement.
    pub(crate) agreements: Vec<(usize, usize)>,
    /// Spans of a gazetteer acronym that stands for another body here
    /// ("the World Toilet Organization ... WTO"): no trade term.
    pub(crate) foreign_acronyms: Vec<(usize, usize)>,
}

impl<'m> Entities<'m> {
    /// Room for about `n` entities without rehashing the id index.
    pub(crate) fn with_capacity(n: usize) -> Entities<'m> {
        Entities {
            index: HashMap::with_capacity_and_hasher(n, Default::default()),
            ..Entities::default()
        }
    }

    /// Adds (or finds) an entity by id; a later draft fills a missing role
    /// or country.
    pub(crate) fn add(&mut self, draft: Draft<'m>) -> usize {
        if let Some(&i) = self.index.get(&*draft.id) {
            let d = &mut self.drafts[i];
            if d.role.is_none() {
                d.role = draft.role;
            }
            if d.country.is_none() {
                d.country = draft.country;
            }
            return i;
        }
        self.index.insert(draft.id.clone(), self.drafts.len());
        self.drafts.push(draft);
        self.drafts.len() - 1
    }

    /// Like [`Entities::add`], but builds the draft only for a new id.
    pub(crate) fn add_with(&mut self, id: &str, make: impl FnOnce() -> Draft<'m>) -> usize {
        match self.index.get(id) {
            Some(&i) => i,
            None => self.add(make()),
        }
    }

    pub(crate) fn mention(&mut self, start: usize, end: usize, ent: usize) {
        self.mentions.push(Found { start, end, ent });
    }
}

impl Enricher {
    /// The engine with the data files compiled into the binary.
    pub fn embedded() -> Result<Enricher, DataError> {
        Enricher::build(&data::Sources::embedded())
    }

    /// The engine with data files read from `dir` (same layout as `data/`).
    pub fn from_dir(dir: &Path) -> Result<Enricher, DataError> {
        Enricher::build(&data::Sources::from_dir(dir)?)
    }

    fn build(src: &data::Sources) -> Result<Enricher, DataError> {
        let started = Instant::now();
        let tables = data::load(src)?;
        let automaton_error = |file: &str, e: gazetteer::BuildError| DataError {
            file: PathBuf::from("data").join(file),
            line: 0,
            message: format!("cannot build automaton: {}", e.message),
        };
        let names = Matcher::build(
            tables
                .surfaces
                .iter()
                .enumerate()
                .map(|(i, s)| (s.text.as_str(), 0, i)),
            1,
            false,
        )
        .map_err(|e| automaton_error("countries.tsv", e))?;
        // Terms and the sentiment lexicon share one automaton and one walk.
        let terms = tables.terms.iter().enumerate();
        let sentiment = tables.sentiment.iter().enumerate();
        let phrases = Matcher::build(
            terms
                .map(|(i, t)| (t.0.as_str(), PHRASE_TERM, i))
                .chain(sentiment.map(|(i, t)| (t.0.as_str(), PHRASE_SENTIMENT, i))),
            2,
            true,
        )
        .map_err(|e| {
            let file = if e.group == PHRASE_SENTIMENT {
                "sentiment.tsv"
            } else {
                "instruments.tsv"
            };
            automaton_error(file, e)
        })?;
        let lex = Lex::new(&tables.rules, &tables.general, &names, &phrases);
        let surface_bits = tables
            .surfaces
            .iter()
            .map(|s| {
                let on = |list: &WordSet, bit: u8| if list.contains(&s.text) { bit } else { 0 };
                on(&lex.us_state_homonym, surface_bit::US_STATE_HOMONYM)
                    | on(&lex.period_adjective, surface_bit::PERIOD_ADJECTIVE)
            })
            .collect();
        let entity_bits = tables
            .entities
            .iter()
            .map(|d| {
                let bloc = d.id.trim_start_matches("bloc:");
                let on = |list: &WordSet, bit: u8| {
                    if d.kind == EntityKind::Bloc && list.contains(bloc) {
                        bit
                    } else {
                        0
                    }
                };
                on(&lex.agreement_bloc, entity_bit::AGREEMENT)
                    | on(&lex.area_bloc, entity_bit::AREA)
            })
            .collect();
        Ok(Enricher {
            version: format!("tradewire-enrich/{}", env!("CARGO_PKG_VERSION")),
            model: Model {
                tables,
                names,
                phrases,
                lex,
                surface_bits,
                entity_bits,
            },
            build_time: started.elapsed(),
        })
    }

    /// The engine version written into every record.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// How long loading the data and building the automatons took.
    pub fn build_time(&self) -> Duration {
        self.build_time
    }

    /// Enriches one article.
    pub fn enrich(&self, article: &Article) -> EnrichedRecord {
        let started = Instant::now();
        let text = article.analysed_text();
        let m = &self.model;
        let title_len = match (&article.title, &article.body) {
            (Some(t), Some(b)) if !t.is_empty() && !b.is_empty() => t.len(),
            (Some(t), None) if !t.is_empty() => t.len(),
            _ => 0,
        };
        let doc = Doc::new(&text, title_len, &m.lex.abbreviation, &m.lex.words);
        let mut ents = names::detect(&doc, m);
        let [term_hits, sentiment_hits] = m.phrases.find(&doc, &doc.phrase_starts);
        let terms = relevance::scan(&doc, m, term_hits);
        let judged = relevance::judge(&doc, &terms, &ents);
        if judged.relevant {
            relevance::add_trade_entities(&doc, &terms, &mut ents);
        }
        let tariff_measures = if judged.relevant {
            tariffs::extract(&doc, m, &ents, &terms)
        } else {
            Vec::new()
        };
        let deadlines = deadlines::extract(&doc, m, article.published_at);
        let tone = sentiment::score(&doc, m, sentiment_hits, judged.relevant);
        let entities = build_entities(&doc, ents, &tone.per_sentence);
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
            trade_policy: TradePolicy {
                relevant: judged.relevant,
                score: judged.score,
                topics: judged.topics,
            },
            sentiment: tone.article,
            entities,
            tariff_measures,
            deadlines,
            enricher: EnricherInfo {
                version: self.version.clone(),
                duration_us: started.elapsed().as_micros() as u64,
            },
        }
    }
}

/// Output entities in order of first mention, with char offsets and the
/// mean tone of the sentences that mention them.
fn build_entities(doc: &Doc<'_>, ents: Entities<'_>, per_sentence: &[f32]) -> Vec<Entity> {
    // Mentions grouped by entity, each group in text order, once each.
    let mut mentions = ents.mentions;
    // The key is the whole `Found`, so an unstable sort orders it the same.
    mentions.sort_unstable_by_key(|f| (f.ent, f.start, f.end));
    mentions.dedup_by_key(|f| (f.ent, f.start, f.end));
    let mut out: Vec<(usize, Entity)> = Vec::with_capacity(ents.drafts.len());
    // Buffers reused for every entity.
    let mut sentences: Vec<usize> = Vec::with_capacity(mentions.len());
    let mut tones: Vec<f32> = Vec::with_capacity(mentions.len());
    let mut rest = mentions.as_slice();
    for (k, d) in ents.drafts.into_iter().enumerate() {
        let n = rest.iter().take_while(|f| f.ent == k).count();
        let (found, later) = rest.split_at(n);
        rest = later;
        if found.is_empty() {
            continue;
        }
        sentences.clear();
        sentences.extend(found.iter().map(|f| doc.sentence_of(f.start)));
        sentences.dedup();
        tones.clear();
        tones.extend(
            sentences
                .iter()
                .filter_map(|&s| per_sentence.get(s).copied()),
        );
        let sentiment = (!tones.is_empty())
            .then(|| (tones.iter().sum::<f32>() / tones.len() as f32).clamp(-1.0, 1.0))
            .map(|x| (x * 1000.0).round() / 1000.0);
        let mentions: Vec<Mention> = found
            .iter()
            .map(|f| Mention {
                start: doc.char_offset(f.start),
                end: doc.char_offset(f.end),
                text: doc.text[f.start..f.end].to_owned(),
            })
            .collect();
        out.push((
            found[0].start,
            Entity {
                id: d.id.into_owned(),
                kind: d.kind,
                name: d.name.into_owned(),
                role: d.role.map(Cow::into_owned),
                country: d.country.map(Cow::into_owned),
                count: mentions.len() as u32,
                mentions,
                sentiment,
            },
        ));
    }
    // Ids are unique, so an unstable sort orders them the same.
    out.sort_unstable_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.id.cmp(&y.id)));
    out.into_iter().map(|(_, e)| e).collect()
}

/// The terms found in one article (instrument, commodity, topic and
/// relevance phrases), in text order.
pub(crate) struct TermHit<'m> {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) key: &'m str,
    pub(crate) info: &'m TermInfo,
}

/// A sentiment lexicon hit.
pub(crate) struct SentHit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) term: SentTerm,
}

#[cfg(test)]
mod tests;
