//! Loading and validating the data files under `data/` (format: `data/README.md`).
//!
//! Every gazetteer, lexicon and rule list is a tab-separated text file. This
//! module turns them into plain tables and rejects anything an analyst could
//! get wrong (a missing column, a bad id, the same surface form pointing at two
//! entities) with the file and line, so a bad edit stops startup instead of
//! silently changing the output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{DataError, FxHasher};
use crate::article::EntityKind;
use std::hash::BuildHasherDefault;

/// Every data file the engine reads, in load order.
pub(crate) const FILES: [&str; 14] = [
    "countries.tsv",
    "blocs.tsv",
    "locations.tsv",
    "people.tsv",
    "organizations.tsv",
    "instruments.tsv",
    "commodities.tsv",
    "topics.tsv",
    "relevance.tsv",
    "sentiment.tsv",
    "vader_lexicon.txt",
    "rules.tsv",
    "given-names.txt",
    "LICENSE-vader.txt",
];

/// The same files compiled into the binary.
const EMBEDDED: [(&str, &str); 14] = [
    ("countries.tsv", include_str!("../../data/countries.tsv")),
    ("blocs.tsv", include_str!("../../data/blocs.tsv")),
    ("locations.tsv", include_str!("../../data/locations.tsv")),
    ("people.tsv", include_str!("../../data/people.tsv")),
    (
        "organizations.tsv",
        include_str!("../../data/organizations.tsv"),
    ),
    (
        "instruments.tsv",
        include_str!("../../data/instruments.tsv"),
    ),
    (
        "commodities.tsv",
        include_str!("../../data/commodities.tsv"),
    ),
    ("topics.tsv", include_str!("../../data/topics.tsv")),
    ("relevance.tsv", include_str!("../../data/relevance.tsv")),
    ("sentiment.tsv", include_str!("../../data/sentiment.tsv")),
    (
        "vader_lexicon.txt",
        include_str!("../../data/vader_lexicon.txt"),
    ),
    ("rules.tsv", include_str!("../../data/rules.tsv")),
    (
        "given-names.txt",
        include_str!("../../data/given-names.txt"),
    ),
    (
        "LICENSE-vader.txt",
        include_str!("../../data/LICENSE-vader.txt"),
    ),
];

/// The raw text of every data file, with the path used in error messages.
pub(crate) struct Sources {
    files: HashMap<&'static str, (PathBuf, String)>,
}

impl Sources {
    pub(crate) fn embedded() -> Sources {
        let files = EMBEDDED
            .iter()
            .map(|(name, text)| {
                (
                    *name,
                    (PathBuf::from("data").join(name), (*text).to_owned()),
                )
            })
            .collect();
        Sources { files }
    }

    pub(crate) fn from_dir(dir: &Path) -> Result<Sources, DataError> {
        let mut files = HashMap::new();
        for name in FILES {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|e| DataError {
                file: path.clone(),
                line: 0,
                message: format!("cannot read: {e}"),
            })?;
            files.insert(name, (path, text));
        }
        Ok(Sources { files })
    }

    /// The raw text of one data file.
    #[cfg(test)]
    pub(crate) fn text(&self, name: &str) -> &str {
        &self.files[name].1
    }

    fn get(&self, name: &'static str) -> File<'_> {
        let (path, text) = &self.files[name];
        File { path, text }
    }
}

/// One data file being parsed.
#[derive(Clone, Copy)]
pub(crate) struct File<'a> {
    pub(crate) path: &'a Path,
    text: &'a str,
}

impl<'a> File<'a> {
    pub(crate) fn error(&self, line: usize, message: impl Into<String>) -> DataError {
        DataError {
            file: self.path.to_owned(),
            line,
            message: message.into(),
        }
    }

    /// Non-comment, non-blank lines as (line number, columns). A row must
    /// have between `min` and `max` columns.
    fn rows(&self, min: usize, max: usize) -> Result<Vec<(usize, Vec<&'a str>)>, DataError> {
        let mut out = Vec::new();
        for (i, raw) in self.text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            if cols.len() < min || cols.len() > max {
                return Err(self.error(
                    i + 1,
                    format!(
                        "expected {min}..={max} tab-separated columns, found {}",
                        cols.len()
                    ),
                ));
            }
            out.push((i + 1, cols));
        }
        Ok(out)
    }
}

/// Splits a `|`-separated column; empty items are dropped.
fn multi(col: Option<&&str>) -> Vec<String> {
    col.map(|c| {
        c.split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

fn col<'a>(cols: &[&'a str], i: usize) -> &'a str {
    cols.get(i).copied().unwrap_or("")
}

/// How a surface form refers to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The name or an alias.
    Name,
    /// A demonym ("Chinese"): counts for the country unless context vetoes it.
    Demonym,
    /// A generic name ("Commerce Ministry") that means this organisation
    /// only when the text ties it to the organisation's country.
    Contextual,
}

/// A named thing from a gazetteer.
#[derive(Debug, Clone)]
pub(crate) struct EntityDef {
    pub(crate) id: String,
    pub(crate) kind: EntityKind,
    pub(crate) name: String,
    pub(crate) role: Option<String>,
    /// `country:XX` or `bloc:XX` the person, organisation or place belongs to.
    pub(crate) country: Option<String>,
    /// For a capital: its country id ("Beijing said" stands for China).
    pub(crate) capital_of: Option<String>,
    /// A company or an association: its country never imposes a tariff.
    pub(crate) private: bool,
}

/// A case-sensitive surface form and what it may mean.
#[derive(Debug, Clone)]
pub(crate) struct Surface {
    pub(crate) text: String,
    pub(crate) entity: usize,
    pub(crate) form: Form,
    pub(crate) file: &'static str,
    pub(crate) line: usize,
}

/// Tags carried by a case-insensitive term (instrument/commodity/topic
/// synonym, relevance cue or trap phrase).
#[derive(Debug, Clone, Default)]
pub(crate) struct TermInfo {
    pub(crate) instrument: Option<String>,
    pub(crate) commodity: Option<String>,
    pub(crate) topics: Vec<String>,
    pub(crate) relevance: f32,
    /// A trap phrase: its words carry no trade meaning.
    pub(crate) trap: bool,
    /// A supporting phrase: its evidence counts only beside other trade
    /// evidence (retaliation is trade policy only when trade is named).
    pub(crate) support: bool,
    /// A weak synonym of `instrument` ("curbs"): it names the instrument
    /// only in an article that names it by a plain synonym too.
    pub(crate) weak: bool,
}

/// A sentiment lexicon entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SentTerm {
    /// Polarity; domain entries are on VADER's -4..4 scale. `econ` words
    /// (markets, the economy) also count in articles not about trade.
    Word {
        value: f32,
        domain: bool,
        econ: bool,
    },
    Negator,
    /// Multiplies the next sentiment word.
    Intensifier(f32),
    /// Multiplies the rest of the sentence (may, could, reportedly).
    Hedge(f32),
    /// A trade barrier word: it gives nearby ease/escalate verbs their
    /// polarity. Alone it carries its own tone, 0 for most ("tariffs"),
    /// negative for a hostile one ("counter-tariffs"); a verb acting on it
    /// replaces that tone ("remove counter-tariffs" is relief).
    Barrier(f32),
    /// Positive when its nearest object is a barrier or an allowance ("lift
    /// tariffs", "scrap quotas"), negative when it is talks or a deal
    /// ("suspend talks").
    Ease(f32),
    /// Negative when its nearest object is a barrier or an allowance
    /// ("impose tariffs", "impose quotas").
    Escalate(f32),
    /// Lowers an amount: positive on a barrier ("cut tariffs"), negative on
    /// an allowance ("halve quotas").
    Lower(f32),
    /// Raises an amount: negative on a barrier ("raise tariffs"), positive
    /// on an allowance ("expand quotas").
    Raise(f32),
    /// Puts its subject into effect: positive when the nearest object
    /// before it is talks or a deal ("the pact entered into force"),
    /// nothing otherwise ("the duties take effect" is said elsewhere).
    Start(f32),
    /// An amount that trade is allowed (a quota): neutral alone.
    Allowance,
    /// Talks or a deal: neutral alone; easing verbs on it are negative.
    Process,
    /// A price or inflation: a market word rising after it ("prices
    /// jumped") is bad news, not good.
    Price,
}

/// Everything the engine needs, parsed and validated.
pub(crate) struct Tables {
    pub(crate) entities: Vec<EntityDef>,
    pub(crate) surfaces: Vec<Surface>,
    pub(crate) terms: Vec<(String, TermInfo)>,
    /// The domain lexicon (`sentiment.tsv`), phrases allowed.
    pub(crate) sentiment: Vec<(String, SentTerm)>,
    /// VADER's general single words (lower case), minus domain entries.
    pub(crate) general: HashMap<String, f32, BuildHasherDefault<FxHasher>>,
    pub(crate) rules: Rules,
}

/// Word lists that drive the rule-based detectors (`rules.tsv`,
/// `given-names.txt`).
#[derive(Debug, Default)]
pub(crate) struct Rules {
    lists: HashMap<String, Vec<String>>,
}

impl Rules {
    /// The items of one rule kind (empty when the kind is absent).
    pub(crate) fn list(&self, kind: &str) -> &[String] {
        self.lists.get(kind).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Rule kinds the engine understands; any other kind in `rules.tsv` is an
/// error (a typo would otherwise silently disable a rule).
pub(crate) const RULE_KINDS: [&str; 34] = [
    "not-org",
    "not-org-before",
    "function-word",
    "surname-first",
    "person-title",
    "person-title-lower",
    "royal-title",
    "appositive-head",
    "org-head",
    "org-introducer",
    "name-particle",
    "name-stopword",
    "abbreviation",
    "acronym-stopword",
    "us-state-homonym",
    "us-context",
    "period-adjective",
    "period-noun",
    "breed-noun",
    "event-noun",
    "place-noun",
    "water-of",
    "agreement-bloc",
    "area-bloc",
    "generic-body",
    "market-verb",
    "tariff-cue",
    "rate-blocker",
    "domestic-tax",
    "tax-trade-word",
    "impose-verb",
    "target-verb",
    "all-targets",
    "deadline-cue",
];

pub(crate) fn load(src: &Sources) -> Result<Tables, DataError> {
    let mut t = Tables {
        entities: Vec::new(),
        surfaces: Vec::new(),
        terms: Vec::new(),
        sentiment: Vec::new(),
        general: HashMap::default(),
        rules: Rules::default(),
    };
    load_countries(&mut t, src.get("countries.tsv"))?;
    load_blocs(&mut t, src.get("blocs.tsv"))?;
    // Every place, person and organisation row names its country or bloc
    // by code; the code must be one the two files above define.
    let parties = Parties(t.entities.iter().map(|e| e.id.clone()).collect());
    load_locations(&mut t, src.get("locations.tsv"), &parties)?;
    load_people(&mut t, src.get("people.tsv"), &parties)?;
    load_orgs(&mut t, src.get("organizations.tsv"), &parties)?;
    check_surfaces(&t, src)?;
    t.terms = load_terms(src)?;
    (t.sentiment, t.general) = load_sentiment(src)?;
    t.rules = load_rules(src.get("rules.tsv"), src.get("given-names.txt"))?;
    if !src.get("LICENSE-vader.txt").text.contains("MIT") {
        return Err(src
            .get("LICENSE-vader.txt")
            .error(1, "the VADER lexicon must ship with its MIT licence"));
    }
    Ok(t)
}

fn add_entity(t: &mut Tables, def: EntityDef) -> usize {
    t.entities.push(def);
    t.entities.len() - 1
}

fn add_forms(
    t: &mut Tables,
    entity: usize,
    forms: impl IntoIterator<Item = String>,
    form: Form,
    file: &'static str,
    line: usize,
) {
    for text in forms {
        t.surfaces.push(Surface {
            text,
            entity,
            form,
            file,
            line,
        });
    }
}

/// Adds the entity of a gazetteer row and its surface forms: the name and
/// the `|`-separated aliases of column 2.
fn add_named(
    t: &mut Tables,
    def: EntityDef,
    cols: &[&str],
    file: &'static str,
    line: usize,
) -> usize {
    let mut names = vec![def.name.clone()];
    names.extend(multi(cols.get(2)));
    let e = add_entity(t, def);
    add_forms(t, e, names, Form::Name, file, line);
    e
}

/// The ids of the countries and blocs `countries.tsv` and `blocs.tsv`
/// define.
struct Parties(std::collections::HashSet<String>);

impl Parties {
    /// The id of the country or bloc whose code is in a column that may be
    /// empty ("US" → `country:US`, "EU" → `bloc:EU`). A code neither file
    /// defines stops the load.
    fn id(&self, f: File<'_>, line: usize, code: &str) -> Result<Option<String>, DataError> {
        if code.is_empty() {
            return Ok(None);
        }
        check_code(f, line, code, "country code")?;
        ["country", "bloc"]
            .iter()
            .map(|prefix| format!("{prefix}:{code}"))
            .find(|id| self.0.contains(id))
            .map(Some)
            .ok_or_else(|| {
                f.error(
                    line,
                    format!(
                        "{code:?} is neither a country of countries.tsv nor a bloc of blocs.tsv"
                    ),
                )
            })
    }

    /// The id of the bloc whose code is `code`, which must be one.
    fn bloc(&self, f: File<'_>, line: usize, code: &str) -> Result<String, DataError> {
        let id = format!("bloc:{code}");
        if self.0.contains(&id) {
            Ok(id)
        } else {
            Err(f.error(line, format!("{code:?} is not a bloc of blocs.tsv")))
        }
    }
}

fn check_code(f: File<'_>, line: usize, code: &str, what: &str) -> Result<(), DataError> {
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(f.error(line, format!("{what} {code:?} must be upper-case ASCII")))
    }
}

fn check_slug(f: File<'_>, line: usize, slug: &str) -> Result<(), DataError> {
    let ok = !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(f.error(
            line,
            format!("slug {slug:?} must be lower-case ASCII letters, digits and hyphens"),
        ))
    }
}

fn load_countries(t: &mut Tables, f: File<'_>) -> Result<(), DataError> {
    load_coded(t, f, EntityKind::Country, "country", "countries.tsv")
}

fn load_blocs(t: &mut Tables, f: File<'_>) -> Result<(), DataError> {
    load_coded(t, f, EntityKind::Bloc, "bloc", "blocs.tsv")
}

/// `countries.tsv` and `blocs.tsv` share one shape: code, name, aliases,
/// demonyms. A country code must also be ISO alpha-2.
fn load_coded(
    t: &mut Tables,
    f: File<'_>,
    kind: EntityKind,
    prefix: &str,
    file: &'static str,
) -> Result<(), DataError> {
    for (line, cols) in f.rows(2, 4)? {
        let code = col(&cols, 0);
        check_code(f, line, code, &format!("{prefix} code"))?;
        if kind == EntityKind::Country && code.len() != 2 {
            return Err(f.error(line, format!("country code {code:?} is not ISO alpha-2")));
        }
        let def = EntityDef {
            id: format!("{prefix}:{code}"),
            kind,
            name: col(&cols, 1).to_owned(),
            role: None,
            country: None,
            capital_of: None,
            private: false,
        };
        let e = add_named(t, def, &cols, file, line);
        add_forms(t, e, multi(cols.get(3)), Form::Demonym, file, line);
    }
    Ok(())
}

fn load_locations(t: &mut Tables, f: File<'_>, parties: &Parties) -> Result<(), DataError> {
    for (line, cols) in f.rows(2, 5)? {
        let slug = col(&cols, 0);
        check_slug(f, line, slug)?;
        let country = parties.id(f, line, col(&cols, 3))?;
        // "yes": the seat of its country's government; a bloc code: the
        // seat of that bloc's institutions ("Brussels" for the EU).
        let capital_of = match col(&cols, 4) {
            "yes" => country.clone(),
            "no" | "" => None,
            bloc if !bloc.is_empty() && bloc.bytes().all(|b| b.is_ascii_uppercase()) => {
                Some(parties.bloc(f, line, bloc)?)
            }
            other => {
                return Err(f.error(
                    line,
                    format!("capital must be yes, no or a bloc code, not {other:?}"),
                ))
            }
        };
        let def = EntityDef {
            id: format!("location:{slug}"),
            kind: EntityKind::Location,
            name: col(&cols, 1).to_owned(),
            role: None,
            capital_of,
            country,
            private: false,
        };
        add_named(t, def, &cols, "locations.tsv", line);
    }
    Ok(())
}

fn load_people(t: &mut Tables, f: File<'_>, parties: &Parties) -> Result<(), DataError> {
    for (line, cols) in f.rows(2, 5)? {
        let slug = col(&cols, 0);
        check_slug(f, line, slug)?;
        let country = parties.id(f, line, col(&cols, 4))?;
        let role = col(&cols, 3);
        let def = EntityDef {
            id: format!("person:{slug}"),
            kind: EntityKind::Person,
            name: col(&cols, 1).to_owned(),
            role: (!role.is_empty()).then(|| role.to_owned()),
            country,
            capital_of: None,
            private: false,
        };
        add_named(t, def, &cols, "people.tsv", line);
    }
    Ok(())
}

fn load_orgs(t: &mut Tables, f: File<'_>, parties: &Parties) -> Result<(), DataError> {
    for (line, cols) in f.rows(2, 6)? {
        let slug = col(&cols, 0);
        check_slug(f, line, slug)?;
        let country = parties.id(f, line, col(&cols, 3))?;
        let private = match col(&cols, 5) {
            "" => false,
            "company" | "association" => true,
            other => {
                return Err(f.error(
                    line,
                    format!("kind {other:?} is not empty, \"company\" or \"association\""),
                ))
            }
        };
        let contextual = multi(cols.get(4));
        if !contextual.is_empty() && country.is_none() {
            return Err(f.error(line, "a contextual form needs a country to tie it to"));
        }
        let def = EntityDef {
            id: format!("org:{slug}"),
            kind: EntityKind::Organization,
            name: col(&cols, 1).to_owned(),
            role: None,
            country,
            capital_of: None,
            private,
        };
        let e = add_named(t, def, &cols, "organizations.tsv", line);
        let file = "organizations.tsv";
        add_forms(t, e, contextual, Form::Contextual, file, line);
    }
    Ok(())
}

/// A surface form must mean one thing. The only exception is a contextual
/// organisation form shared by several countries' bodies.
fn check_surfaces(t: &Tables, src: &Sources) -> Result<(), DataError> {
    let mut seen: HashMap<&str, &Surface> = HashMap::new();
    for s in &t.surfaces {
        if s.text.chars().count() < 2 || !s.text.chars().any(char::is_alphanumeric) {
            return Err(src
                .get(s.file)
                .error(s.line, format!("surface form {:?} is too short", s.text)));
        }
        let Some(prev) = seen.get(s.text.as_str()) else {
            seen.insert(&s.text, s);
            continue;
        };
        let both_contextual = prev.form == Form::Contextual && s.form == Form::Contextual;
        let same_entity = prev.entity == s.entity && prev.form == s.form;
        if both_contextual || same_entity {
            continue;
        }
        return Err(src.get(s.file).error(
            s.line,
            format!(
                "surface form {:?} ({}) is already used by {} at {}:{}",
                s.text, t.entities[s.entity].id, t.entities[prev.entity].id, prev.file, prev.line
            ),
        ));
    }
    Ok(())
}

/// Relevance evidence of an instrument synonym not listed in relevance.tsv.
const DEFAULT_INSTRUMENT_EVIDENCE: f32 = 1.5;
/// Relevance evidence of a topic cue not listed in relevance.tsv.
const DEFAULT_TOPIC_EVIDENCE: f32 = 0.3;

/// Instruments, commodities, topics and relevance cues share one
/// case-insensitive automaton; each phrase collects the tags of every file
/// that lists it. Within one file a phrase may appear once.
fn load_terms(src: &Sources) -> Result<Vec<(String, TermInfo)>, DataError> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut terms: Vec<(String, TermInfo)> = Vec::new();
    fn slot(
        index: &mut HashMap<String, usize>,
        terms: &mut Vec<(String, TermInfo)>,
        phrase: &str,
    ) -> usize {
        let key = phrase.to_ascii_lowercase();
        *index.entry(key.clone()).or_insert_with(|| {
            terms.push((key, TermInfo::default()));
            terms.len() - 1
        })
    }
    // (term, file prefix, id, weak synonym)
    let mut tagged: Vec<(usize, &'static str, String, bool)> = Vec::new();
    for (file, prefix, max_cols) in [
        ("instruments.tsv", "instrument", 3),
        ("commodities.tsv", "commodity", 2),
        ("topics.tsv", "topic", 2),
    ] {
        let f = src.get(file);
        let mut in_file: HashMap<String, usize> = HashMap::new();
        for (line, cols) in f.rows(2, max_cols)? {
            let id = col(&cols, 0);
            check_slug(f, line, id)?;
            let plain = multi(cols.get(1)).into_iter().map(|p| (p, false));
            let weak = multi(cols.get(2)).into_iter().map(|p| (p, true));
            for (phrase, weak) in plain.chain(weak) {
                if let Some(prev) = in_file.insert(phrase.to_ascii_lowercase(), line) {
                    return Err(f.error(
                        line,
                        format!("phrase {phrase:?} is already listed at line {prev}"),
                    ));
                }
                let i = slot(&mut index, &mut terms, &phrase);
                tagged.push((i, prefix, id.to_owned(), weak));
            }
        }
    }
    for (i, prefix, id, weak) in tagged {
        let info = &mut terms[i].1;
        // Evidence for relevance unless relevance.tsv says otherwise.
        match prefix {
            "instrument" => {
                info.instrument = Some(format!("instrument:{id}"));
                info.weak = weak;
                info.relevance = info.relevance.max(DEFAULT_INSTRUMENT_EVIDENCE);
            }
            "commodity" => info.commodity = Some(format!("commodity:{id}")),
            _ => {
                info.topics.push(id);
                info.relevance = info.relevance.max(DEFAULT_TOPIC_EVIDENCE);
            }
        }
    }
    let f = src.get("relevance.tsv");
    let mut in_file: HashMap<String, usize> = HashMap::new();
    for (line, cols) in f.rows(2, 3)? {
        let weight: f32 = col(&cols, 1)
            .parse()
            .map_err(|_| f.error(line, format!("weight {:?} is not a number", col(&cols, 1))))?;
        let (trap, support) = match col(&cols, 2) {
            "trap" => (true, false),
            "support" => (false, true),
            "" => (false, false),
            other => {
                return Err(f.error(
                    line,
                    format!("third column must be empty, trap or support, not {other:?}"),
                ))
            }
        };
        for phrase in multi(cols.first()) {
            if let Some(prev) = in_file.insert(phrase.to_ascii_lowercase(), line) {
                return Err(f.error(
                    line,
                    format!("phrase {phrase:?} is already listed at line {prev}"),
                ));
            }
            let i = slot(&mut index, &mut terms, &phrase);
            terms[i].1.relevance = weight;
            terms[i].1.trap = trap;
            terms[i].1.support = support;
        }
    }
    Ok(terms)
}

type Lexicons = (
    Vec<(String, SentTerm)>,
    HashMap<String, f32, BuildHasherDefault<FxHasher>>,
);

/// The domain lexicon, and VADER's words that the domain lexicon leaves alone.
fn load_sentiment(src: &Sources) -> Result<Lexicons, DataError> {
    let mut general: HashMap<String, f32, BuildHasherDefault<FxHasher>> = HashMap::default();
    let mut map: HashMap<String, SentTerm> = HashMap::new();
    let vader = src.get("vader_lexicon.txt");
    for (line, cols) in vader.rows(2, 4)? {
        let word = col(&cols, 0);
        // Emoticons and punctuation entries never match word-bounded text.
        if !word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '\'' || c == '-')
            || !word.chars().next().is_some_and(char::is_alphabetic)
        {
            continue;
        }
        let value: f32 = col(&cols, 1)
            .parse()
            .map_err(|_| vader.error(line, "second column must be a number"))?;
        general.insert(word.to_ascii_lowercase(), value);
    }
    let f = src.get("sentiment.tsv");
    let mut in_file: HashMap<String, usize> = HashMap::new();
    for (line, cols) in f.rows(2, 2)? {
        let spec = col(&cols, 1);
        let term = if let Ok(value) = spec.parse::<f32>() {
            if !(-4.0..=4.0).contains(&value) {
                return Err(f.error(line, "polarity must be within -4..4"));
            }
            SentTerm::Word {
                value,
                domain: true,
                econ: false,
            }
        } else if let Some(x) = spec.strip_prefix("econ:") {
            let value: f32 = x.parse().map_err(|_| f.error(line, "bad econ polarity"))?;
            SentTerm::Word {
                value,
                domain: true,
                econ: true,
            }
        } else if spec == "negator" {
            SentTerm::Negator
        } else if spec == "neutral" {
            SentTerm::Word {
                value: 0.0,
                domain: true,
                econ: false,
            }
        } else if spec == "barrier" {
            SentTerm::Barrier(0.0)
        } else if let Some(x) = spec.strip_prefix("barrier:") {
            let value: f32 = x
                .parse()
                .map_err(|_| f.error(line, "bad barrier polarity"))?;
            if !(-4.0..=4.0).contains(&value) {
                return Err(f.error(line, "polarity must be within -4..4"));
            }
            SentTerm::Barrier(value)
        } else if spec == "allowance" {
            SentTerm::Allowance
        } else if spec == "process" {
            SentTerm::Process
        } else if spec == "price" {
            SentTerm::Price
        } else if let Some(x) = spec.strip_prefix("lower:") {
            SentTerm::Lower(x.parse().map_err(|_| f.error(line, "bad lower weight"))?)
        } else if let Some(x) = spec.strip_prefix("raise:") {
            SentTerm::Raise(x.parse().map_err(|_| f.error(line, "bad raise weight"))?)
        } else if let Some(x) = spec.strip_prefix("start:") {
            SentTerm::Start(x.parse().map_err(|_| f.error(line, "bad start weight"))?)
        } else if let Some(x) = spec.strip_prefix("ease:") {
            SentTerm::Ease(x.parse().map_err(|_| f.error(line, "bad ease weight"))?)
        } else if let Some(x) = spec.strip_prefix("escalate:") {
            SentTerm::Escalate(
                x.parse()
                    .map_err(|_| f.error(line, "bad escalate weight"))?,
            )
        } else if let Some(x) = spec.strip_prefix("intensifier:") {
            SentTerm::Intensifier(
                x.parse()
                    .map_err(|_| f.error(line, "bad intensifier factor"))?,
            )
        } else if let Some(x) = spec.strip_prefix("hedge:") {
            SentTerm::Hedge(x.parse().map_err(|_| f.error(line, "bad hedge factor"))?)
        } else {
            return Err(f.error(
                line,
                format!("{spec:?} is not a number, econ:X, neutral, barrier, barrier:X, allowance, process, price, ease:X, escalate:X, lower:X, raise:X, start:X, negator, intensifier:X or hedge:X"),
            ));
        };
        for phrase in multi(cols.first()) {
            let key = phrase.to_ascii_lowercase();
            if let Some(prev) = in_file.insert(key.clone(), line) {
                return Err(f.error(
                    line,
                    format!("phrase {phrase:?} is already listed at line {prev}"),
                ));
            }
            general.remove(&key);
            map.insert(key, term);
        }
    }
    let mut out: Vec<(String, SentTerm)> = map.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((out, general))
}

fn load_rules(f: File<'_>, names: File<'_>) -> Result<Rules, DataError> {
    let mut lists: HashMap<String, Vec<String>> = HashMap::new();
    for (line, cols) in f.rows(2, 2)? {
        let kind = col(&cols, 0);
        if !RULE_KINDS.contains(&kind) {
            return Err(f.error(line, format!("unknown rule kind {kind:?}")));
        }
        lists
            .entry(kind.to_owned())
            .or_default()
            .extend(multi(cols.get(1)));
    }
    let given = lists.entry("given-name".to_owned()).or_default();
    for (_, cols) in names.rows(1, 1)? {
        given.push(col(&cols, 0).to_owned());
    }
    Ok(Rules { lists })
}
