//! Named entities: gazetteer matches, plus the people and organisations the
//! text itself marks, plus the disambiguation rules for forms that have a
//! second meaning.
//!
//! Order matters and follows how a reader resolves names:
//! 1. gazetteer matches (countries, blocs, places, people, organisations);
//! 2. people marked by a title ("Commerce Minister Wang Wentao"), an
//!    appositive ("Wendy Cutler, a former U.S. trade negotiator") or a given
//!    name before a country form ("Michael Jordan"); their spans win over
//!    any place inside them ("Ann Chad");
//! 3. organisations marked by an organisation word ("Ridgeway Partners",
//!    "Court of Arbitration for Sport"), by "&" ("Ames & Norton"), by an
//!    introducer ("the regulator Ofcom") or by an unknown acronym ("NBA");
//! 4. generic organisation names tied to a country ("China's Commerce
//!    Ministry");
//! 5. vetoes: a shouted headline's "US", a US state called Georgia, a
//!    Georgian manor house, china the porcelain and turkey the bird;
//! 6. back-references: a bare surname after the full name ("Li stated").

use std::borrow::Cow;

use super::data::{EntityDef, Form};
use super::text::{Doc, TokKind};
use super::{entity_bit, flag, surface_bit, Draft, Entities, Model, WordSet};
use crate::article::EntityKind;

/// A gazetteer match still in play.
#[derive(Debug, Clone)]
struct GazHit<'m> {
    start: usize,
    end: usize,
    /// Non-contextual surface's entity, if any.
    entity: Option<usize>,
    form: Form,
    /// One of the surfaces matched (they all have the matched text).
    surface: usize,
    /// Surface indices of a contextual form (one per country's body).
    contextual: &'m [usize],
    keep: bool,
}

/// A person or organisation found by rule.
#[derive(Debug, Clone)]
struct Marked<'a> {
    start: usize,
    end: usize,
    draft: Draft<'a>,
}

/// Entities of the text of `doc`; their strings borrow from the text and
/// the model.
pub(crate) fn detect<'a>(doc: &Doc<'a>, m: &'a Model) -> Entities<'a> {
    let mut gaz = gazetteer_hits(doc, m);
    let tok_hit = token_hits(doc, &gaz);
    let mut marked: Vec<Marked> = Vec::new();
    people_by_title(doc, m, &gaz, &tok_hit, &mut marked);
    people_by_appositive(doc, m, &gaz, &tok_hit, &mut marked);
    people_by_given_name(doc, m, &gaz, &mut marked);
    // A marked person wins over any gazetteer match inside it, unless that
    // match is already the same person.
    for p in &marked {
        for g in hits_within(doc, &tok_hit, p.start, p.end) {
            let same = gaz[g]
                .entity
                .is_some_and(|e| m.tables.entities[e].kind == EntityKind::Person);
            if !same {
                gaz[g].keep = false;
            }
        }
    }
    let mut orgs = Vec::new();
    orgs_by_head(doc, m, &gaz, &tok_hit, &marked, &mut orgs);
    orgs.retain(|o| !dateline_source(doc, o.start, o.end));
    for o in &orgs {
        for g in hits_within(doc, &tok_hit, o.start, o.end) {
            // A leading demonym ("British Medical Association") or a country
            // after "of" ("Football Association of Malaysia") still counts.
            let h = &mut gaz[g];
            let leading = h.start == o.start && h.form == Form::Demonym;
            let tail = doc.text[o.start..h.start.max(o.start)].ends_with(" of ");
            if !(leading || tail) {
                h.keep = false;
            }
        }
    }
    let foreign_acronyms = acronym_of_another(doc, m, &mut gaz, &orgs);
    let taken: Vec<(usize, usize)> = gaz
        .iter()
        .filter(|g| g.keep)
        .map(|g| (g.start, g.end))
        .chain(marked.iter().chain(&orgs).map(|x| (x.start, x.end)))
        .collect();
    orgs_by_acronym_and_introducer(doc, &taken, &mut orgs);
    vetoes(doc, m, &mut gaz);

    let mut out = Entities::with_capacity(gaz.len() + marked.len() + orgs.len());
    out.foreign_acronyms = foreign_acronyms;
    for g in gaz.iter().filter(|g| g.keep) {
        if let Some(e) = g.entity {
            let def = &m.tables.entities[e];
            let bits = m.entity_bits[e];
            if bits & (entity_bit::AGREEMENT | entity_bit::AREA) != 0 {
                out.agreements.push((g.start, g.end));
            }
            if bits & entity_bit::AGREEMENT != 0 {
                continue;
            }
            // "Treasury Secretary": the office named only as part of a title;
            // "Mexico's Congress" is not the US Congress.
            if def.kind == EntityKind::Organization {
                if is_title_modifier(doc, g) {
                    continue;
                }
                let other = other_country(doc, m, &tok_hit, &gaz, g, def)
                    .or_else(|| generic_abroad(doc, m, &gaz, g, def).map(|c| (c, None)));
                if let Some(other) = other {
                    // "Mexico's Senate": that country's body of the same name.
                    let ent = out.add(foreign_body(doc, m, g, other.0, other.1));
                    out.mention(g.start, g.end, ent);
                    continue;
                }
            }
            let ent = out.add_with(&def.id, || draft_of(def));
            out.mention(g.start, g.end, ent);
        }
    }
    for x in marked.into_iter().chain(orgs) {
        let ent = out.add(x.draft);
        out.mention(x.start, x.end, ent);
    }
    resolve_contextual(doc, m, &gaz, &mut out);
    back_references(doc, m, &mut out);
    out.mentions.sort_by_key(|f| (f.start, f.end));
    out
}

/// The wire service of a dateline, "LONDON, May 2 (Harbour & Hull) - ...":
/// the byline of the report, not a body it is about.
fn dateline_source(doc: &Doc<'_>, start: usize, end: usize) -> bool {
    doc.text[..start].ends_with('(')
        && doc.text[end..]
            .strip_prefix(')')
            .is_some_and(|rest| rest.trim_start().starts_with(['-', '–', '—']))
}

/// Indices of the gazetteer hits on the tokens of `start..end` (a hit on
/// several tokens comes once per token).
fn hits_within<'t>(
    doc: &Doc<'_>,
    tok_hit: &'t [Option<usize>],
    start: usize,
    end: usize,
) -> impl Iterator<Item = usize> + 't {
    tok_hit[doc.tokens_in(start, end)].iter().flatten().copied()
}

/// For each token: is it inside one of `spans`?
fn claimed_tokens(doc: &Doc<'_>, spans: &[Marked<'_>]) -> Vec<bool> {
    let mut out = vec![false; doc.tokens.len()];
    for s in spans {
        for flag in &mut out[doc.tokens_in(s.start, s.end)] {
            *flag = true;
        }
    }
    out
}

fn overlaps(a0: usize, a1: usize, b0: usize, b1: usize) -> bool {
    a0 < b1 && b0 < a1
}

pub(crate) fn draft_of(def: &EntityDef) -> Draft<'_> {
    Draft {
        id: Cow::Borrowed(&def.id),
        kind: def.kind,
        name: Cow::Borrowed(&def.name),
        role: def.role.as_deref().map(Cow::Borrowed),
        country: def.country.as_deref().map(Cow::Borrowed),
        capital_of: def.capital_of.as_deref(),
        private: def.private,
    }
}

fn gazetteer_hits<'m>(doc: &Doc<'_>, m: &'m Model) -> Vec<GazHit<'m>> {
    let [hits] = m.names.find(doc, &doc.name_starts);
    let mut prev_end = None;
    hits.into_iter()
        .filter(|h| {
            // "Farah Haddad": a surname alias after another person's given
            // name is not the gazetteer's person.
            let after_name = prev_end;
            prev_end = Some(h.end);
            !surname_alias_of_other(doc, m, h.start, h.end, h.payloads, |p| {
                after_name == Some(doc.tokens[p].end)
            })
        })
        .map(|h| {
            let surfaces = &m.tables.surfaces;
            let fixed = h
                .payloads
                .iter()
                .find(|&&s| surfaces[s].form != Form::Contextual)
                .copied();
            GazHit {
                start: h.start,
                end: h.end,
                entity: fixed.map(|s| surfaces[s].entity),
                form: fixed.map_or(Form::Contextual, |s| surfaces[s].form),
                surface: h.payloads[0],
                contextual: if fixed.is_none() { h.payloads } else { &[] },
                keep: fixed.is_some(),
            }
        })
        .collect()
}

/// True when `start..end` is a one-word alias of a gazetteer person (a
/// surname: "Haddad") right after a capitalised name word that is not one
/// of that person's names ("Farah Haddad"): then it names someone else.
/// `named(t)` tells whether token `t` is inside another name ("Brazilian").
fn surname_alias_of_other(
    doc: &Doc<'_>,
    m: &Model,
    start: usize,
    end: usize,
    payloads: &[usize],
    named: impl Fn(usize) -> bool,
) -> bool {
    let surface = &doc.text[start..end];
    // The surface's own entity (as `gazetteer_hits` picks it) is a person.
    let surfaces = &m.tables.surfaces;
    let Some(&s) = payloads
        .iter()
        .find(|&&s| surfaces[s].form != Form::Contextual)
    else {
        return false;
    };
    let person = &m.tables.entities[surfaces[s].entity];
    if surfaces[s].form != Form::Name || person.kind != EntityKind::Person {
        return false;
    }
    if surface.contains(' ') || person.name == surface {
        return false;
    }
    other_given_name_before(doc, start, &person.name, named)
}

/// True when the token right before byte `start` is a capitalised name word
/// of the same sentence, one space before it, that is not an initial, a
/// title, a function word, an acronym, part of another name (`named`) or
/// one of the words of `full_name` (nor follows one).
fn other_given_name_before(
    doc: &Doc<'_>,
    start: usize,
    full_name: &str,
    named: impl Fn(usize) -> bool,
) -> bool {
    let t = doc.token_at(start);
    if t == 0 || t >= doc.tokens.len() || doc.tokens[t].start != start {
        return false;
    }
    let p = t - 1;
    let (prev, w) = (doc.tokens[p], doc.tok(p));
    let own = |w: &str| full_name.split_whitespace().any(|n| n == w);
    // A middle name or initial after the person's own first name ("Donald
    // J Trump", "Luiz Inácio Lula") is still the same person.
    if p > 0 && own(doc.tok(p - 1)) {
        return false;
    }
    let not_a_name =
        flag::NAME_STOPWORD | flag::FUNCTION_WORD | flag::PERSON_TITLE | flag::PERSON_TITLE_LOWER;
    prev.kind == TokKind::Word
        && prev.sentence == doc.tokens[t].sentence
        && prev.end + 1 == start
        && doc.text.as_bytes()[prev.end] == b' '
        && doc.has(p, flag::CAP)
        && w.chars().nth(1).is_some()
        && !doc.has(p, flag::ACRONYM)
        && !doc.has(p, not_a_name)
        && !own(w)
        && !named(p)
}

/// For each token, the gazetteer hit covering it (the later one when two
/// share a glued token).
fn token_hits(doc: &Doc<'_>, gaz: &[GazHit<'_>]) -> Vec<Option<usize>> {
    let n = doc.tokens.len();
    let mut out = vec![None; n];
    // Hits come in text order: the first token of each is found by walking
    // forward, not by searching.
    let mut first = 0;
    for (gi, g) in gaz.iter().enumerate() {
        while first < n && doc.tokens[first].end <= g.start {
            first += 1;
        }
        let mut t = first;
        while t < n && doc.tokens[t].start < g.end {
            out[t] = Some(gi);
            t += 1;
        }
    }
    out
}

fn is_cap(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii() => b.is_ascii_uppercase(),
        _ => s.chars().next().is_some_and(char::is_uppercase),
    }
}

fn kind_of(m: &Model, g: &GazHit<'_>) -> Option<EntityKind> {
    g.entity.map(|e| m.tables.entities[e].kind)
}

/// A run of 2–4 capitalised name words starting at token `i` (particles and
/// initials allowed inside). Returns the token index after the name.
fn name_at(doc: &Doc<'_>, m: &Model, i: usize) -> Option<usize> {
    let n = doc.tokens.len();
    let sentence = doc.tokens.get(i)?.sentence;
    let mut j = i;
    let mut words = 0;
    while j < n && doc.tokens[j].sentence == sentence && words < 4 {
        let t = doc.tok(j);
        if name_word(doc, j) || (words > 0 && glued_particle(doc, m, j)) {
            words += 1;
            j += 1;
            // An initial: "D. John Sauer".
            if t.chars().count() == 1
                && j < n
                && doc.tok(j) == "."
                && doc.tokens[j].start == doc.tokens[j - 1].end
            {
                j += 1;
            }
            continue;
        }
        let particle = words > 0
            && doc.has(j, flag::NAME_PARTICLE)
            && j + 1 < n
            && doc.has(j + 1, flag::CAP)
            && doc.tokens[j + 1].kind == TokKind::Word;
        if particle {
            j += 1;
            continue;
        }
        break;
    }
    if words < 2 {
        return None;
    }
    // The last word must not be an organisation word ("Ridgeway Partners").
    if doc.has(j - 1, flag::ORG_HEAD) {
        return None;
    }
    Some(j)
}

/// Token `j` is a particle glued to a capitalised word with a hyphen, as
/// Arabic names write the article ("al-Sharaa", "el-Sisi").
fn glued_particle(doc: &Doc<'_>, m: &Model, j: usize) -> bool {
    let t = doc.tok(j);
    // Particles are short: the hyphen is within the first four bytes.
    let Some(dash) = t.bytes().take(4).position(|b| b == b'-') else {
        return false;
    };
    doc.tokens[j].kind == TokKind::Word
        && t[dash + 1..].starts_with(|c: char| c.is_uppercase())
        && m.lex.name_particle.contains(&t[..dash])
}

/// Token `j` is a capitalised word that may be part of a name: no
/// stopword, no acronym.
fn name_word(doc: &Doc<'_>, j: usize) -> bool {
    doc.flags(j) & (flag::WORD | flag::CAP | flag::NAME_STOPWORD | flag::ACRONYM)
        == flag::WORD | flag::CAP
}

fn is_acronym(t: &str) -> bool {
    t.chars().count() >= 2 && t.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// ASCII slug of a name: diacritics folded, lower case, hyphenated.
#[cfg(test)]
pub(crate) fn slug(name: &str) -> String {
    slug_id("", name)
}

/// `prefix` followed by the [`slug`] of `name` ("person:" and a name).
pub(crate) fn slug_id(prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + name.len() + 4);
    out.push_str(prefix);
    let mut slug = Slug {
        out,
        empty_len: prefix.len(),
    };
    if name.is_ascii() {
        // Nothing to decompose: most names.
        for c in name.chars() {
            slug.push(c);
        }
    } else {
        use unicode_normalization::UnicodeNormalization;
        for c in name.chars().nfd() {
            slug.push(c);
        }
    }
    let mut out = slug.out;
    if out.ends_with('-') {
        out.pop();
    }
    out
}

/// A slug being written after a prefix of `empty_len` bytes.
struct Slug {
    out: String,
    empty_len: usize,
}

impl Slug {
    fn push(&mut self, c: char) {
        // Accents (after decomposition), apostrophes and dots vanish.
        let silent = matches!(c, '\'' | '’' | '.')
            || (!c.is_ascii() && unicode_normalization::char::is_combining_mark(c));
        let out = &mut self.out;
        if silent {
            return;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '&' {
            for c in " and ".chars() {
                self.push(c);
            }
        } else if c.is_alphanumeric() {
            // Letters outside ASCII with no decomposition (ø, ł, ß, ı).
            out.push_str(fold_letter(c));
        } else if !out.ends_with('-') && out.len() > self.empty_len {
            out.push('-');
        }
    }
}

/// The ASCII spelling of a letter that Unicode decomposition leaves alone
/// (empty for letters we have no spelling for).
fn fold_letter(c: char) -> &'static str {
    match c {
        'ı' => "i",
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        'ħ' | 'Ħ' => "h",
        _ => "",
    }
}

/// The country of the first country/bloc match inside `start..end`, or of a
/// possessive country right before it ("Mexico's Economy Secretary").
fn country_in<'m>(
    m: &'m Model,
    gaz: &[GazHit<'_>],
    start: usize,
    end: usize,
) -> Option<Cow<'m, str>> {
    gaz.iter()
        .filter(|g| g.start >= start && g.end <= end)
        .filter_map(|g| g.entity)
        .map(|e| &m.tables.entities[e])
        .find(|d| matches!(d.kind, EntityKind::Country | EntityKind::Bloc))
        .map(|d| Cow::Borrowed(d.id.as_str()))
}

fn person_draft<'a>(
    doc: &Doc<'a>,
    start: usize,
    end: usize,
    role: Option<Cow<'a, str>>,
    country: Option<Cow<'a, str>>,
) -> Draft<'a> {
    let name = &doc.text[start..end];
    Draft {
        id: Cow::Owned(slug_id("person:", name)),
        kind: EntityKind::Person,
        name: Cow::Borrowed(name),
        role,
        country,
        capital_of: None,
        private: false,
    }
}

/// Start of the role words before a title head at token `head`.
fn role_start(
    doc: &Doc<'_>,
    m: &Model,
    tok_hit: &[Option<usize>],
    gaz: &[GazHit<'_>],
    people: &[Marked<'_>],
    head: usize,
) -> usize {
    let sentence = doc.tokens[head].sentence;
    let lower_head = !doc.has(head, flag::CAP);
    let mut s = head;
    let mut lower_words = 0;
    while s > 0 && doc.tokens[s - 1].sentence == sentence {
        let p = s - 1;
        let t = doc.tok(p);
        // Another person's name ends the role ("Chairman Ann Chad and
        // Commissioner Steve Phelps").
        let person = tok_hit[p].is_some_and(|g| kind_of(m, &gaz[g]) == Some(EntityKind::Person))
            || people
                .last()
                .is_some_and(|x| x.start <= doc.tokens[p].start && doc.tokens[p].end <= x.end);
        if person {
            break;
        }
        let in_place = tok_hit[p].is_some_and(|g| {
            gaz[g].keep
                && matches!(
                    kind_of(m, &gaz[g]),
                    Some(EntityKind::Country | EntityKind::Bloc | EntityKind::Organization)
                )
        });
        let adjacent = doc.tokens[p].end == doc.tokens[p + 1].start;
        // An abbreviation's period ("Lt. Gov.", "U.S.") is glued to its word.
        let abbreviation_dot = t == "." && p > 0 && doc.tokens[p - 1].end == doc.tokens[p].start;
        let ok = if in_place || abbreviation_dot {
            true
        } else if t == "'s" || t == "’s" {
            p > 0 && tok_hit[p - 1].is_some()
        } else if doc.tokens[p].kind != TokKind::Word {
            t == "-" && adjacent
        } else if doc.has(p, flag::CAP) {
            !doc.has(p, flag::FUNCTION_WORD)
        } else if matches!(t, "and" | "of" | "for") {
            p > 0 && doc.has(p - 1, flag::CAP) && s < doc.tokens.len() && doc.has(s, flag::CAP)
        } else if lower_head && lower_words < 3 && !doc.has(p, flag::FUNCTION_WORD_LOWER) {
            lower_words += 1;
            true
        } else {
            false
        };
        if !ok {
            break;
        }
        s = p;
    }
    while s < head && matches!(doc.tok(s), "and" | "of" | "for") {
        s += 1;
    }
    doc.tokens[s].start
}

fn people_by_title<'a>(
    doc: &Doc<'a>,
    m: &'a Model,
    gaz: &[GazHit<'_>],
    tok_hit: &[Option<usize>],
    out: &mut Vec<Marked<'a>>,
) {
    let n = doc.tokens.len();
    let mut i = doc.next_cap(1);
    while i < n {
        if doc.flags(i) & (flag::CAP | flag::WORD) != flag::CAP | flag::WORD {
            i = doc.next_cap(i + 1);
            continue;
        }
        // The title head right before the name, skipping an abbreviation dot.
        let mut h = i - 1;
        if doc.tok(h) == "." && h > 0 {
            h -= 1;
        }
        let is_head = doc.tokens[h].sentence == doc.tokens[i].sentence
            && doc.has(h, flag::PERSON_TITLE | flag::PERSON_TITLE_LOWER)
            && !market_leader(doc, h);
        // "Secretary of State Jane Roe"; not a complement's second word
        // before a given name ("Minister of Foreign Affairs Ann Linde").
        let of_head = !is_head
            && h >= 2
            && doc.tok(h - 1) == "of"
            && doc.has(h - 2, flag::PERSON_TITLE)
            && doc.has(h, flag::CAP)
            && !(i + 2 < n && doc.has(i + 1, flag::GIVEN_NAME) && doc.has(i + 2, flag::CAP));
        // "Lord Provost Jane Roe": a title word does not open the name.
        let title_word = doc.has(i, flag::PERSON_TITLE);
        let complement_title = if is_head || of_head || title_word {
            None
        } else {
            title_complement(doc, i)
        };
        if !(is_head || of_head || complement_title.is_some()) || title_word {
            i = doc.next_cap(i + 1);
            continue;
        }
        let royal = is_head && m.lex.royal_title.contains(doc.tok(h));
        let full_name = name_at(doc, m, i);
        // "King Charles": a royal's single name is known with the title.
        let name_start = if full_name.is_none() && royal && h + 1 == i {
            h
        } else {
            i
        };
        let Some(end) = full_name
            .or_else(|| royal.then(|| regnal_name(doc, i)).flatten())
            // "Prince Edward Island" is a place.
            .filter(|&end| !(royal && doc.has(end - 1, flag::PLACE_NOUN)))
        else {
            i = doc.next_cap(i + 1);
            continue;
        };
        // Already a known person: the gazetteer has role and country.
        if tok_hit[i].is_some_and(|g| kind_of(m, &gaz[g]) == Some(EntityKind::Person)) {
            i = end;
            continue;
        }
        // In a headline, capitals that the body never repeats are headline
        // style: the name is none when the body repeats none of its words
        // ("Federal Judge Sanctions Lawyers"), and else ends at the last
        // word the body repeats, with two words at least ("Trade Minister
        // Ana Lopes Heads to Geneva", "Minister Wang Wentao Visits").
        let mut end = end;
        if doc.in_title(doc.tokens[i].start) {
            let Some(last) = last_in_body(doc, i..end) else {
                i = doc.next_cap(i + 1);
                continue;
            };
            end = (last + 1).max(i + 2);
        }
        let head_tok = match complement_title {
            Some(title) => title,
            None if of_head => h - 2,
            None => h,
        };
        let rs = role_start(doc, m, tok_hit, gaz, out, head_tok);
        // Keep an abbreviation's period ("Gov.", "Reps.").
        let re = if h + 1 < i && doc.tok(h + 1) == "." {
            doc.tokens[h + 1].end
        } else {
            doc.tokens[h].end
        };
        let role = doc.text[rs..re].trim();
        let country = country_in(m, gaz, rs, re);
        let mut push = |a: usize, b: usize| {
            let (s, e) = (doc.tokens[a].start, doc.tokens[b - 1].end);
            out.push(Marked {
                start: s,
                end: e,
                draft: person_draft(doc, s, e, Some(Cow::Borrowed(role)), country.clone()),
            });
        };
        push(name_start, end);
        // "the stars Ann Lowe, Tim Ruiz and Jo Park": a plural title marks
        // a list of names that ends in "and" and a name.
        let mut last = end;
        if doc.tok(h).ends_with('s') {
            let mut list = Vec::new();
            while last + 1 < n && doc.tok(last) == "," {
                let Some(e) = name_at(doc, m, last + 1) else {
                    break;
                };
                if tok_hit[last + 1].is_some_and(|g| gaz[g].keep) {
                    break;
                }
                list.push((last + 1, e));
                last = e;
            }
            if last < n && doc.tok(last) == "and" {
                for (a, b) in list {
                    push(a, b);
                }
            } else {
                last = end;
            }
        }
        // "Reps. Ann Lowe and Tim Ruiz".
        let mut next = last;
        // A title after "and" starts another titled person, handled on its own.
        if last + 1 < n && doc.tok(last) == "and" && !doc.has(last + 1, flag::PERSON_TITLE) {
            let end = last;
            if let Some(e2) = name_at(doc, m, end + 1) {
                // A place name may open a second name of two words or more
                // ("co-presidents Daniel Ortega and Rosario Murillo").
                let place_opens = |g: usize| {
                    kind_of(m, &gaz[g]) == Some(EntityKind::Location) && e2 - (end + 1) >= 2
                };
                let named = tok_hit[end + 1].is_some_and(|g| gaz[g].keep && !place_opens(g));
                if !named {
                    push(end + 1, e2);
                    next = e2;
                }
            }
        }
        i = next;
    }
}

/// The end of a royal's single name at token `i`, with its regnal number
/// ("Charles III"): a capitalised word that is no place or organisation
/// word ("King Street") and that no other capitalised word follows.
fn regnal_name(doc: &Doc<'_>, i: usize) -> Option<usize> {
    let n = doc.tokens.len();
    if !name_word(doc, i) || doc.has(i, flag::PLACE_NOUN | flag::ORG_HEAD) {
        return None;
    }
    let regnal = |t: &str| !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b"IVX".contains(&b));
    let end = if i + 1 < n && regnal(doc.tok(i + 1)) {
        i + 2
    } else {
        i + 1
    };
    let capital_next = end < n
        && doc.tokens[end].sentence == doc.tokens[i].sentence
        && doc.has(end, flag::CAP)
        && doc.tokens[end].kind == TokKind::Word;
    (!capital_next).then_some(end)
}

/// True when a token after the headline reads `word`.
fn in_body(doc: &Doc<'_>, word: &str) -> bool {
    (doc.token_at(doc.title_end)..doc.tokens.len()).any(|t| doc.tok(t) == word)
}

/// The last token of `tokens` (a name in the headline) whose word the body
/// repeats, connectors aside: in a title-case headline every word is
/// capitalised, so a name reaches no further than the body confirms.
fn last_in_body(doc: &Doc<'_>, tokens: std::ops::Range<usize>) -> Option<usize> {
    tokens
        .rev()
        .find(|&t| !NAME_CONNECTORS.contains(&doc.tok(t)) && in_body(doc, doc.tok(t)))
}

/// "Ambassador to Japan George Glass", "Minister for Foreign Trade and
/// Development Ville Tavio": a capitalised title, "to", "for" or "of", a
/// capitalised complement, then the name at token `i`; the title's token.
/// The name is a given name and what follows it, or else the run's last
/// two words (not right after "and", which joins two parts of the
/// complement).
fn title_complement(doc: &Doc<'_>, i: usize) -> Option<usize> {
    // Most capitalised words follow a lower-case word or a mark: no
    // complement ends right before them.
    if i < 3 || !cap_word(doc, i - 1) {
        return None;
    }
    let sentence = doc.tokens[i].sentence;
    // Back over at most six capitalised words (and "and") to the first
    // complement word `j`; before it the preposition and the title.
    let mut j = i;
    while j > 0 && i - j < 6 && doc.tokens[j - 1].sentence == sentence {
        let k = j - 1;
        if !(cap_word(doc, k) && !doc.has(k, flag::PERSON_TITLE) || doc.tok(k) == "and") {
            break;
        }
        j = k;
    }
    if j < 2 || j == i || !matches!(doc.tok(j - 1), "to" | "for" | "of") {
        return None;
    }
    let title = j - 2;
    if doc.tokens[title].sentence != sentence || !doc.has(title, flag::PERSON_TITLE) {
        return None;
    }
    let last_two = || {
        doc.tok(i - 1) != "and"
            && i + 1 < doc.tokens.len()
            && cap_word(doc, i + 1)
            && doc.tokens[i + 1].sentence == sentence
            && doc
                .tokens
                .get(i + 2)
                .is_none_or(|t| t.sentence != sentence || !cap_word(doc, i + 2))
    };
    (doc.has(i, flag::GIVEN_NAME) || last_two()).then_some(title)
}

/// Token `k` is a capitalised word.
fn cap_word(doc: &Doc<'_>, k: usize) -> bool {
    doc.flags(k) & (flag::CAP | flag::WORD) == flag::CAP | flag::WORD
}

fn people_by_appositive<'a>(
    doc: &Doc<'a>,
    m: &'a Model,
    gaz: &[GazHit<'_>],
    tok_hit: &[Option<usize>],
    out: &mut Vec<Marked<'a>>,
) {
    let claimed = claimed_tokens(doc, out);
    let n = doc.tokens.len();
    let mut i = 0;
    while i < n {
        let cap_word = flag::CAP | flag::WORD;
        // A run starts after a word that is not capitalised, or at a new
        // sentence (the body's first name after a Title Case headline).
        let starts_run = doc.has(i, flag::CAP)
            && (i == 0
                || doc.flags(i - 1) & cap_word != cap_word
                || doc.tokens[i - 1].sentence != doc.tokens[i].sentence);
        let Some(end) = (if starts_run { name_at(doc, m, i) } else { None }) else {
            i = doc.next_cap(i + 1);
            continue;
        };
        // "Pronouncer Jane Roe, a ...": a sentence's first word before a
        // given name is a role in capitals, not part of the name.
        if end - i >= 3
            && !doc.has(i, flag::GIVEN_NAME)
            && doc.has(i + 1, flag::GIVEN_NAME)
            && doc.sentence_initial(i)
        {
            i += 1;
        }
        let taken = claimed[i..end].iter().any(|&c| c);
        // A country or place form that is also a given name may open a name
        // ("Chad Thompson, an engineer", "Sofia Reyes, a lawyer"); any
        // other known name may not.
        let given_first = doc.has(i, flag::GIVEN_NAME)
            && tok_hit[i].is_some_and(|g| {
                matches!(
                    kind_of(m, &gaz[g]),
                    Some(EntityKind::Country | EntityKind::Location)
                )
            });
        // So may a one-word alias of a known person that is also a given
        // name ("Marcos Teixeira, an economist"; see `vetoes`).
        let alias_first = end - i >= 2
            && doc.has(i, flag::GIVEN_NAME)
            && tok_hit[i].is_some_and(|g| {
                kind_of(m, &gaz[g]) == Some(EntityKind::Person) && gaz[g].end == doc.tokens[i].end
            });
        let known = (i..end).any(|t| {
            tok_hit[t].is_some_and(|g| gaz[g].keep) && !(t == i && (given_first || alias_first))
        });
        // "Paraguay's Santiago Peña": a country's possessive before a given
        // name marks it like a title.
        let owned = i >= 2
            && matches!(doc.tok(i - 1), "'s" | "’s")
            && tok_hit[i - 2].is_some_and(|g| kind_of(m, &gaz[g]) == Some(EntityKind::Country));
        if !taken && !known && given_name_marked(doc, i, end, owned) {
            mark_person(doc, out, i..end, None);
            i = end;
            continue;
        }
        if taken || known || end + 1 >= n || doc.tok(end) != "," {
            i = end;
            continue;
        }
        // ", a former U.S. trade negotiator and ..." up to the clause end.
        let sentence = doc.tokens[end].sentence;
        let mut k = end + 1;
        if matches!(doc.tok(k), "a" | "an" | "the") {
            k += 1;
        }
        let role_first = k;
        let mut has_head = false;
        while k < n && doc.tokens[k].sentence == sentence && k < role_first + 14 {
            let t = doc.tok(k);
            if matches!(
                t,
                "," | ";" | "\"" | "“" | "”" | "(" | "who" | "said" | "told" | "says" | "which"
            ) {
                break;
            }
            // A period ends the role only where it ends the sentence.
            if t == "."
                && doc.tokens.get(k + 1).is_none_or(|x| {
                    x.sentence != sentence || matches!(doc.tok(k + 1), "\"" | "“" | "'" | "‘")
                })
            {
                break;
            }
            // "a former trade negotiator", "Kenya's Cabinet Secretary for
            // Trade": a role noun, or a title in capitals.
            if doc.has(k, flag::APPOSITIVE_HEAD)
                || doc.flags(k) & (flag::PERSON_TITLE | flag::CAP) == flag::PERSON_TITLE | flag::CAP
            {
                has_head = true;
            }
            k += 1;
        }
        // "said Jane Roe, a ...": a name quoted as a speaker, with an
        // article opening the apposition, is a person whatever the role.
        let said_before = i > 0
            && matches!(
                doc.lower_tok(i - 1),
                "said" | "says" | "added" | "warned" | "wrote" | "noted" | "explained"
            );
        let speaker = said_before && matches!(doc.tok(end + 1), "a" | "an" | "the");
        // "said Jane Roe, who runs a guesthouse": a speaker described by
        // "who" is a person; so is a name set off after its role ("Its
        // chief executive, Jane Roe, said", "the Solicitor General, Jane
        // Roe, under ...").
        let role = if said_before || i < 2 {
            None
        } else {
            role_before(doc, i)
        };
        if role.is_some() || k == role_first && said_before {
            let role = role.map(|(rs, re)| (rs, re, country_in(m, gaz, rs, re)));
            mark_person(doc, out, i..end, role);
            i = end;
            continue;
        }
        // "Jane Roe, a mother of two": after a given name (not one that is
        // also a place, "Austin Energy, a utility") any apposition is a role.
        let given_apposition =
            !given_first && given_name_run(doc, i, end) && matches!(doc.tok(end + 1), "a" | "an");
        // "United Company Rusal, the biggest aluminium producer": an
        // organisation word inside a name that opens with no given name
        // makes it a body ("Margaret Court, a former champion" stays a
        // person).
        let body_name =
            !doc.has(i, flag::GIVEN_NAME) && (i..end).any(|t| doc.has(t, flag::ORG_HEAD));
        if (has_head || speaker || given_apposition) && k > role_first && !body_name {
            let (rs, re) = (doc.tokens[role_first].start, doc.tokens[k - 1].end);
            mark_person(doc, out, i..end, Some((rs, re, country_in(m, gaz, rs, re))));
        }
        i = end;
    }
}

/// Marks the tokens `name` as a person, with the role at bytes `rs..re` and
/// its country when one is given.
fn mark_person<'a>(
    doc: &Doc<'a>,
    out: &mut Vec<Marked<'a>>,
    name: std::ops::Range<usize>,
    role: Option<(usize, usize, Option<Cow<'a, str>>)>,
) {
    let (s, e) = (doc.tokens[name.start].start, doc.tokens[name.end - 1].end);
    let (role, country) = match role {
        Some((rs, re, country)) => (Some(Cow::Borrowed(&doc.text[rs..re])), country),
        None => (None, None),
    };
    out.push(Marked {
        start: s,
        end: e,
        draft: person_draft(doc, s, e, role, country),
    });
}

/// The run `i..end` opens with a given name (and ends in no organisation
/// word): a person's name.
fn given_name_run(doc: &Doc<'_>, i: usize, end: usize) -> bool {
    end - i >= 2 && doc.has(i, flag::GIVEN_NAME) && !doc.has(end - 1, flag::ORG_HEAD)
}

/// News style marks the run `i..end` as a person: an age after it (", 54,"),
/// or, when it opens with a given name, an agent noun before it ("arranger
/// Jane Roe", "tuner Tom Lee"), a country's possessive (`owned`) or
/// ", who ..." after it ("Jane Roe, who runs a shop").
fn given_name_marked(doc: &Doc<'_>, i: usize, end: usize, owned: bool) -> bool {
    let n = doc.tokens.len();
    if end - i < 2 || doc.has(end - 1, flag::ORG_HEAD) {
        return false;
    }
    let sentence = doc.tokens[i].sentence;
    let agent_before = i > 0 && doc.tokens[i - 1].sentence == sentence && {
        let w = doc.tok(i - 1);
        doc.flags(i - 1) & (flag::WORD | flag::CAP | flag::FUNCTION_WORD_LOWER) == flag::WORD
            && w.len() >= 5
            && ["er", "or", "ist", "ian"].iter().any(|x| w.ends_with(x))
    };
    let after = |k: usize| (end + k < n).then(|| doc.tok(end + k));
    let set_off = after(0) == Some(",");
    let who = set_off && after(1) == Some("who");
    let age = set_off
        && after(2) == Some(",")
        && doc.tokens[end + 1].kind == TokKind::Number
        && after(1)
            .and_then(|w| w.parse::<u32>().ok())
            .is_some_and(|a| (1..120).contains(&a));
    // An age marks any name; the other marks need a given name first.
    age || doc.has(i, flag::GIVEN_NAME) && (agent_before || who || owned)
}

/// The byte range of a role noun phrase set off before the name at token
/// `i` ("Its chief executive, Jane Roe,"): lower-case words ending in a role
/// noun, right before ", ".
fn role_before(doc: &Doc<'_>, i: usize) -> Option<(usize, usize)> {
    let head = i - 2;
    if doc.tok(i - 1) != "," {
        return None;
    }
    // "the Solicitor General, Jane Roe,": a title in capitals after "the"
    // or a possessive.
    if doc.has(head, flag::PERSON_TITLE) && doc.has(head, flag::CAP) {
        let mut s = head;
        while s > 0 && head - s < 2 && doc.has(s - 1, flag::CAP) && doc.has(s - 1, flag::WORD) {
            s -= 1;
        }
        let opener = s > 0
            && doc.tokens[s - 1].sentence == doc.tokens[head].sentence
            && matches!(
                doc.lower_tok(s - 1),
                "the" | "'s" | "’s" | "its" | "his" | "her" | "their"
            );
        return opener.then(|| (doc.tokens[s].start, doc.tokens[head].end));
    }
    let role_word = |j: usize| {
        doc.has(j, flag::WORD) && !doc.has(j, flag::CAP) && !doc.has(j, flag::FUNCTION_WORD_LOWER)
    };
    if !role_word(head) || !doc.has(head, flag::APPOSITIVE_HEAD | flag::PERSON_TITLE_LOWER) {
        return None;
    }
    let mut s = head;
    while s > 0
        && head - s < 3
        && role_word(s - 1)
        && doc.tokens[s - 1].sentence == doc.tokens[head].sentence
    {
        s -= 1;
    }
    Some((doc.tokens[s].start, doc.tokens[head].end))
}

/// "Michael Jordan", "Ann Chad": a given name right before a country form.
fn people_by_given_name<'a>(
    doc: &Doc<'a>,
    m: &Model,
    gaz: &[GazHit<'_>],
    out: &mut Vec<Marked<'a>>,
) {
    let claimed = claimed_tokens(doc, out);
    for g in gaz
        .iter()
        .filter(|g| g.keep && kind_of(m, g) == Some(EntityKind::Country))
    {
        let t = doc.token_at(g.start);
        if t == 0 || claimed[t] {
            continue;
        }
        let prev = doc.tokens[t - 1];
        if prev.kind == TokKind::Word && prev.end + 1 == g.start && doc.has(t - 1, flag::GIVEN_NAME)
        {
            out.push(Marked {
                start: prev.start,
                end: g.end,
                draft: person_draft(doc, prev.start, g.end, None, None),
            });
        }
    }
}

fn org_draft(name: &str) -> Draft<'_> {
    Draft {
        id: Cow::Owned(slug_id("org:", name)),
        kind: EntityKind::Organization,
        name: Cow::Borrowed(name),
        role: None,
        country: None,
        capital_of: None,
        private: false,
    }
}

/// Lower-case words that join the capitalised words of an organisation's
/// name ("Court of Arbitration for Sport", "Ames & Norton").
const NAME_CONNECTORS: [&str; 6] = ["of", "for", "and", "&", "on", "the"];

/// "Ridgeway Partners", "National Weather Service", "Court of Arbitration
/// for Sport", "Ames & Norton".
fn orgs_by_head<'a>(
    doc: &Doc<'a>,
    m: &Model,
    gaz: &[GazHit<'_>],
    tok_hit: &[Option<usize>],
    people: &[Marked<'_>],
    out: &mut Vec<Marked<'a>>,
) {
    let person_tok = claimed_tokens(doc, people);
    let n = doc.tokens.len();
    let cap_word = |j: usize| {
        doc.flags(j) & (flag::WORD | flag::CAP | flag::FUNCTION_WORD) == flag::WORD | flag::CAP
    };
    let mut i = 0;
    while i < n {
        if !cap_word(i) {
            i = doc.next_cap(i + 1);
            continue;
        }
        let sentence = doc.tokens[i].sentence;
        // The capitalised run, with connectors inside it.
        let mut j = i + 1;
        while j < n && doc.tokens[j].sentence == sentence {
            if cap_word(j) {
                j += 1;
            } else if NAME_CONNECTORS.contains(&doc.tok(j)) && j + 1 < n && cap_word(j + 1) {
                j += 2;
            } else if matches!(doc.tok(j), "'s" | "’s")
                && j + 1 < n
                && cap_word(j + 1)
                && tok_hit[j - 1].is_none()
                && !doc.has(j - 1, flag::ACRONYM)
            {
                // "National Cattlemen's Beef Association", "Attorney
                // General's Office": a possessive inside the name; a
                // known name's ("China's Commerce Ministry") or an
                // acronym's ("BMW's Board") ends the run.
                j += 2;
            } else if matches!(doc.tok(j), "of" | "for")
                && j + 2 < n
                && doc.tok(j + 1) == "the"
                && cap_word(j + 2)
            {
                // "Bank of the South", "Council for the Exploration of the
                // Sea".
                j += 3;
            } else if let Some(end) = listed_portfolio(doc, i..j, j, &cap_word, tok_hit) {
                j = end;
            } else {
                break;
            }
        }
        let run = i..j;
        i = j;
        // Skip a run the gazetteer or a marked person already explains. A
        // one-word generic form after other words of the run is the head of
        // a longer name ("the Anti-Dumping Commission").
        let free = |t: usize| {
            !tok_hit[t].is_some_and(|g| {
                let head_word = t > run.start
                    && gaz[g].end == doc.tokens[t].end
                    && gaz[g].start == doc.tokens[t].start;
                let contextual = !gaz[g].contextual.is_empty() && !head_word;
                (gaz[g].keep || contextual) && gaz[g].form != Form::Demonym
            }) && !person_tok[t]
        };
        // "Ames & Norton": two names joined by a spaced ampersand; it wins
        // over a one-word person alias ("Vance").
        let spaced = run.len() == 3
            && doc.tok(run.start + 1) == "&"
            && doc.tokens[run.start + 1].start > doc.tokens[run.start].end
            && doc.tokens[run.start + 2].start > doc.tokens[run.start + 1].end;
        let single_person = |t: usize| {
            tok_hit[t].is_some_and(|g| {
                kind_of(m, &gaz[g]) == Some(EntityKind::Person)
                    && !doc.text[gaz[g].start..gaz[g].end].contains(' ')
            })
        };
        if spaced && run.clone().all(|t| free(t) || single_person(t)) {
            let (s, e) = (doc.tokens[run.start].start, doc.tokens[run.end - 1].end);
            out.push(Marked {
                start: s,
                end: e,
                draft: org_draft(&doc.text[s..e]),
            });
            continue;
        }
        // The last organisation word, then an optional "of ..." tail.
        let Some(h) = run.clone().rev().find(|&t| doc.has(t, flag::ORG_HEAD)) else {
            continue;
        };
        // The head ends the run, or an "of"/"for" tail follows it; a head
        // inside a longer run ("Subcontinent Markets Daily") is not one.
        // "Directorate General of Customs": "General" after the head is
        // part of it.
        let head_end = h + 1 + usize::from(h + 1 < run.end && doc.tok(h + 1) == "General");
        let tail = head_end < run.end && matches!(doc.tok(head_end), "of" | "for");
        if head_end != run.end && !tail {
            continue;
        }
        let tail_end = run.end;
        // Words before an "of" or "for" ahead of the first organisation
        // word name someone at the body ("Amara Okafor of Kestrel
        // Securities"), not the body ("Bank of Korea" has its word first).
        let mut s = run.start;
        let first_head = (s..h).find(|&t| doc.has(t, flag::ORG_HEAD)).unwrap_or(h);
        if let Some(c) = (s..first_head)
            .rev()
            .find(|&t| matches!(doc.tok(t), "of" | "for"))
        {
            s = c + 1 + usize::from(doc.tok(c + 1) == "the");
        }
        // A leading month or weekday ("In September the GST Council") or
        // "<place>-based" ("the Hanoi-based Institute for ...") is not part
        // of the name.
        while s < h && (doc.has(s, flag::DATE_WORD) || doc.tok(s).ends_with("-based")) {
            s += 1;
            if NAME_CONNECTORS.contains(&doc.tok(s)) {
                s += 1;
            }
        }
        // Leading places belong to the name ("London Metal Exchange"); a
        // leading person or organisation match does not.
        while s < h
            && tok_hit[s].is_some_and(|g| {
                matches!(
                    kind_of(m, &gaz[g]),
                    Some(EntityKind::Person | EntityKind::Organization)
                )
            })
        {
            s += 1;
        }
        let place = |t: usize| {
            tok_hit[t].is_some_and(|g| {
                matches!(
                    kind_of(m, &gaz[g]),
                    Some(EntityKind::Location | EntityKind::Country | EntityKind::Bloc)
                )
            })
        };
        if (h == s && !tail) || !free(h) || !(s..=h).all(|t| free(t) || place(t)) {
            continue;
        }
        // A heading "President ..." before a person's name is not part of a
        // body's name; a title word that opens a run of no given name is
        // ("Executive Management Committee").
        let titled_person = doc.has(s, flag::PERSON_TITLE)
            && (s == h || (s + 1..h).any(|t| doc.has(t, flag::GIVEN_NAME)));
        if titled_person || is_dateline_source(doc, s, tail_end) {
            continue;
        }
        // A title-case headline capitalises every word: an organisation word
        // the body never repeats is headline style ("... in Exchange for
        // Higher Drug Spending"), and a name ends at the last word the body
        // repeats ("Harbour Board of Ghana Raises Port Fees"). A body named
        // in a headline is named again below it.
        let mut tail_end = tail_end;
        if doc.in_title(doc.tokens[h].start) {
            if !in_body(doc, doc.tok(h)) {
                continue;
            }
            tail_end = last_in_body(doc, h..tail_end).map_or(h + 1, |last| last + 1);
            if tail_end == h + 1 && s == h {
                continue;
            }
        }
        let (st, en) = (doc.tokens[s].start, doc.tokens[tail_end - 1].end);
        if m.lex.not_org.contains(&doc.text[st..en]) {
            continue;
        }
        out.push(Marked {
            start: st,
            end: en,
            draft: org_draft(&doc.text[st..en]),
        });
    }
}

/// "Department of Forestry, Fisheries and the Environment", "Ministry of
/// Industry, Trade and Investment": a body's portfolio listed with commas.
/// At the comma `j` after `head of|for X`, the end of the list when it goes
/// on as ", Y" runs and closes with "and [the] Z"; each listed word is
/// capitalised and no name the gazetteer knows ("Commerce, China and the
/// US" lists parties, not a portfolio).
fn listed_portfolio(
    doc: &Doc<'_>,
    run: std::ops::Range<usize>,
    j: usize,
    cap_word: &impl Fn(usize) -> bool,
    tok_hit: &[Option<usize>],
) -> Option<usize> {
    if j >= doc.tokens.len() || doc.tok(j) != "," {
        return None;
    }
    let n = doc.tokens.len();
    let sentence = doc.tokens[run.start].sentence;
    let headed = run.clone().any(|t| {
        doc.has(t, flag::ORG_HEAD) && t + 2 < run.end && matches!(doc.tok(t + 1), "of" | "for")
    });
    if !headed {
        return None;
    }
    let item = |k: usize| {
        k < n && cap_word(k) && tok_hit[k].is_none() && doc.tokens[k].sentence == sentence
    };
    // One listed item from `k`: at least one word; where it ends.
    let words = |k: usize| item(k).then(|| (k..).find(|&e| !item(e)).unwrap_or(n));
    let mut k = j;
    // ", Y Y" items, then "and [the] Z Z".
    while k < n && doc.tok(k) == "," {
        k = words(k + 1)?;
    }
    if k >= n || doc.tok(k) != "and" {
        return None;
    }
    k += 1;
    if k < n && doc.tok(k) == "the" {
        k += 1;
    }
    words(k)
}

/// Is token `t` part of a dateline ("GENEVA, May 12", "LONDON (Wire)") or
/// of a shouted line ("LET US TALK")? Asked only for all-caps tokens, so it
/// is computed on demand.
fn is_loud(doc: &Doc<'_>, t: usize) -> bool {
    let (s0, s1) = doc.sentences[doc.tokens[t].sentence];
    let (mut upper, mut letters) = (0usize, 0usize);
    for &c in &doc.text.as_bytes()[s0..s1] {
        // ASCII letters, whatever their case, are `a..=z` with bit 5 set.
        if (c | 0x20).is_ascii_lowercase() {
            letters += 1;
            upper += usize::from(c & 0x20 == 0);
        }
    }
    if letters >= 8 && upper * 10 >= letters * 7 {
        return true;
    }
    // A dateline is the leading upper-case run of a line that ends in a
    // comma or is followed by "(", a dash or a colon ("MUMBAI: Shares").
    // "ZURICH/BERN —" names two places.
    let upper_tok = |k: usize| {
        let w = doc.tok(k);
        matches!(w, "," | "." | "/")
            || w.chars().any(char::is_alphabetic)
                && w.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
    };
    let line_start = doc.text[..doc.tokens[t].start]
        .rfind('\n')
        .map_or(0, |p| p + 1);
    let first = doc.token_at(line_start);
    if !(first..=t).all(upper_tok) {
        return false;
    }
    let line_end = doc.text[line_start..]
        .find('\n')
        .map_or(doc.text.len(), |p| line_start + p);
    let mut end = t;
    while end + 1 < doc.tokens.len() && doc.tokens[end + 1].start < line_end && upper_tok(end + 1) {
        end += 1;
    }
    doc.tok(end) == ","
        || (end + 1 < doc.tokens.len() && matches!(doc.tok(end + 1), "(" | "-" | "—" | "–" | ":"))
}

/// Tokens `s..e` are the wire's name in a dateline ("GENEVA, May 12
/// (Global Trade Desk) - ..."): the outlet that sent the story, not an
/// organisation it mentions.
fn is_dateline_source(doc: &Doc<'_>, s: usize, e: usize) -> bool {
    s > 0
        && e + 1 < doc.tokens.len()
        && doc.tok(s - 1) == "("
        && doc.tok(e) == ")"
        && matches!(doc.tok(e + 1), "-" | "—" | "–")
}

/// Token `t` is a long upper-case word next to another ("registered GOLDEN
/// CRUST as a trade mark"): words in capitals, not an acronym.
fn shouted_words(doc: &Doc<'_>, t: usize) -> bool {
    let shouted = |k: usize, len: usize| {
        k < doc.tokens.len()
            && doc.tokens[k].sentence == doc.tokens[t].sentence
            && doc.tok(k).len() >= len
            && doc.tok(k).bytes().all(|c| c.is_ascii_uppercase())
    };
    shouted(t, 5) && (t > 0 && shouted(t - 1, 4) || shouted(t + 1, 4)) || shouted_run(doc, t)
}

/// Upper-case function words: a run of capitals that holds one is words
/// typed in capitals, not a list of acronyms (those are joined by a
/// lower-case "and").
const SHOUTED_FUNCTION_WORDS: [&str; 12] = [
    "OF", "AND", "THE", "TO", "ON", "FOR", "IN", "IS", "ALL", "WITH", "FROM", "OUT",
];

/// Token `t` is in a run of at least four upper-case words, one of them a
/// function word, with only commas, "&" and periods between them: a
/// shouted phrase inside a mixed-case sentence ("a 200% Tariff on all
/// WINES, CHAMPAGNES, & ALCOHOLIC PRODUCTS COMING OUT OF FRANCE").
fn shouted_run(doc: &Doc<'_>, t: usize) -> bool {
    let sentence = doc.tokens[t].sentence;
    let in_run = |k: usize| {
        doc.tokens[k].sentence == sentence
            && match doc.tokens[k].kind {
                TokKind::Word => doc.tok(k).bytes().all(|c| c.is_ascii_uppercase()),
                TokKind::Punct => matches!(doc.tok(k), "," | "&" | "."),
                TokKind::Number => false,
            }
    };
    let mut a = t;
    while a > 0 && in_run(a - 1) {
        a -= 1;
    }
    let mut b = t + 1;
    while b < doc.tokens.len() && in_run(b) {
        b += 1;
    }
    let words = (a..b).filter(|&k| doc.tokens[k].kind == TokKind::Word && doc.tok(k).len() >= 2);
    words.clone().count() >= 4
        && words
            .into_iter()
            .any(|k| SHOUTED_FUNCTION_WORDS.contains(&doc.tok(k)))
}

/// An acronym that names no body: it carries digits ("COP30", "A380"),
/// heads a market index ("IBEX 35", "the KOSPI index") or is a unit after a
/// number ("a 2.88 ERA").
fn is_index_or_code(doc: &Doc<'_>, t: usize) -> bool {
    let next = |k: usize| {
        doc.tokens
            .get(t + k)
            .map(|x| (x.kind, doc.lower_tok(t + k)))
    };
    doc.tok(t).bytes().any(|c| c.is_ascii_digit())
        || t > 0 && doc.tokens[t - 1].kind == TokKind::Number
        || matches!(next(1), Some((TokKind::Number, _)) | Some((_, "index")))
        || matches!(next(2), Some((_, "index")))
}

fn orgs_by_acronym_and_introducer<'a>(
    doc: &Doc<'a>,
    taken: &[(usize, usize)],
    out: &mut Vec<Marked<'a>>,
) {
    let n = doc.tokens.len();
    // Tokens already inside a name.
    let mut busy = vec![false; n];
    for &(a, b) in taken {
        let mut t = doc.token_at(a);
        while t < n && doc.tokens[t].start < b {
            busy[t] = true;
            t += 1;
        }
    }
    // The initials of the organisations found so far, made at the first
    // acronym.
    let mut found_initials: Option<Vec<(String, usize)>> = None;
    let mut singles: Vec<&str> = Vec::new();
    let mut found: Vec<Marked<'a>> = Vec::new();
    // The acronyms that abbreviate lower-case words, made at the first one.
    let mut common_nouns: Option<Vec<&str>> = None;
    // Both an acronym and an introduced name are capitalised.
    for t in doc.caps() {
        if busy[t] || !doc.has(t, flag::WORD) {
            continue;
        }
        let w = doc.tok(t);
        let acronym = doc.has(t, flag::CAP)
            && (3..=6).contains(&w.len())
            && w.as_bytes()[0].is_ascii_uppercase()
            && w.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !doc.has(t, flag::ACRONYM_STOPWORD)
            && !is_index_or_code(doc, t)
            && !is_dateline_source(doc, t, t + 1)
            && !shouted_words(doc, t);
        if acronym
            && !is_loud(doc, t)
            && !common_nouns
                .get_or_insert_with(|| common_noun_acronyms(doc))
                .contains(&w)
        {
            let found_initials = found_initials.get_or_insert_with(|| {
                out.iter()
                    .enumerate()
                    .map(|(k, o)| (initials(&o.draft.name), k))
                    .collect()
            });
            let draft = match found_initials.iter().find(|(ini, _)| ini == w) {
                Some(&(_, k)) => out[k].draft.clone(),
                None => org_draft_acronym(w),
            };
            found.push(Marked {
                start: doc.tokens[t].start,
                end: doc.tokens[t].end,
                draft,
            });
            continue;
        }
        // "the regulator Ofcom", or set off by commas: "the regulator,
        // Ofwat, would".
        let set_off = t > 1
            && doc.tok(t - 1) == ","
            && doc.has(t - 2, flag::ORG_INTRODUCER)
            && t + 1 < n
            && matches!(doc.tok(t + 1), "," | "." | ";");
        let introduced = doc.has(t, flag::CAP)
            && (t > 0 && (doc.has(t - 1, flag::ORG_INTRODUCER) || set_off)
                || introducer_after(doc, t))
            && !doc.has(t, flag::NAME_STOPWORD)
            && !(t + 1 < n
                && (doc.flags(t + 1) & (flag::CAP | flag::WORD) == flag::CAP | flag::WORD
                    || doc.tok(t + 1) == "&"));
        if introduced && !singles.contains(&w) {
            singles.push(w);
        }
    }
    if !singles.is_empty() {
        for (t, (tok, &taken)) in doc.tokens.iter().zip(&busy).enumerate() {
            let w = doc.tok(t);
            if singles.contains(&w) && !taken {
                found.push(Marked {
                    start: tok.start,
                    end: tok.end,
                    draft: org_draft(w),
                });
            }
        }
    }
    out.extend(found);
}

/// "cardiovascular disease (CVD)", "least developed countries (LDCs)": the
/// acronyms defined in brackets after the lower-case words they abbreviate
/// (the last word starts with the acronym's last letter, one of the words
/// before with its first). Such an acronym names a thing, not a body,
/// wherever it stands.
fn common_noun_acronyms<'a>(doc: &Doc<'a>) -> Vec<&'a str> {
    let starts = |j: usize, c: u8| doc.tok(j).as_bytes()[0] == c.to_ascii_lowercase();
    doc.caps()
        .filter(|&t| {
            let letters = doc.tok(t).trim_end_matches('s').as_bytes();
            let (Some(&first), Some(&last)) = (letters.first(), letters.last()) else {
                return false;
            };
            t >= 2
                && doc.tok(t - 1) == "("
                && doc.tokens.get(t + 1).is_some_and(|_| doc.tok(t + 1) == ")")
                && doc.plain_word(t - 2)
                && starts(t - 2, last)
                && (t.saturating_sub(2 + letters.len())..t - 1)
                    .rev()
                    .take_while(|&j| doc.plain_word(j))
                    .any(|j| starts(j, first))
        })
        .map(|t| doc.tok(t))
        .collect()
}

/// "market leader Toyota Motor", "industry leader ...": a leader of a
/// market is a company, not a person's title ("opposition leader Jane Roe").
fn market_leader(doc: &Doc<'_>, h: usize) -> bool {
    doc.tok(h) == "leader"
        && h > 0
        && matches!(
            doc.lower_tok(h - 1),
            "market"
                | "industry"
                | "sector"
                | "world"
                | "global"
                | "category"
                | "segment"
                | "price"
        )
}

/// "Ofqual, the exams regulator in England, said": a one-word name (no
/// capitalised word before it: "Vodafone Idea, the third operator") followed
/// by an appositive that an organisation noun heads (the noun after "the"
/// and at most three lower-case words, then a comma or a preposition). Not
/// an adverb ("Separately, the regulator, ...").
fn introducer_after(doc: &Doc<'_>, t: usize) -> bool {
    let n = doc.tokens.len();
    let alone = t == 0 || !doc.has(t - 1, flag::CAP);
    if !alone || t + 3 >= n || doc.tok(t + 1) != "," || doc.lower_tok(t + 2) != "the" {
        return false;
    }
    let Some(head) =
        (t + 3..(t + 7).min(n)).find(|&j| !doc.plain_word(j) || doc.has(j, flag::ORG_INTRODUCER))
    else {
        return false;
    };
    doc.has(head, flag::ORG_INTRODUCER)
        && doc
            .tokens
            .get(head + 1)
            .is_some_and(|_| matches!(doc.tok(head + 1), "," | "in" | "of" | "for"))
        && !doc.tok(t).ends_with("ly")
}

/// The capitals that open the capitalised words of `name` ("World Toilet
/// Organization": "WTO").
fn initials(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| is_cap(w))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// "The World Toilet Organization, ... known by its initials WTO": an
/// organisation named in the text whose initials are a gazetteer acronym
/// takes that acronym, unless the gazetteer body is named in full too. The
/// acronym's matches are dropped here (their spans are returned); the
/// acronym rule links them to the named body.
fn acronym_of_another(
    doc: &Doc<'_>,
    m: &Model,
    gaz: &mut [GazHit<'_>],
    orgs: &[Marked<'_>],
) -> Vec<(usize, usize)> {
    let ents = &m.tables.entities;
    let mut spans = Vec::new();
    if orgs.is_empty() {
        return spans;
    }
    // The gazetteer's organisation acronyms in the text (few or none).
    let acronyms: Vec<(&str, usize)> = gaz
        .iter()
        .filter(|g| g.keep && g.end - g.start >= 3)
        .filter_map(|g| Some((&doc.text[g.start..g.end], g.entity?)))
        .filter(|&(w, e)| ents[e].kind == EntityKind::Organization && is_acronym(w))
        .collect();
    if acronyms.is_empty() {
        return spans;
    }
    for o in orgs {
        let ini = initials(&o.draft.name);
        let Some(&(_, e)) = acronyms.iter().find(|a| a.0 == ini) else {
            continue;
        };
        let named_in_full = gaz
            .iter()
            .any(|g| g.keep && g.entity == Some(e) && doc.text[g.start..g.end] != ini);
        if named_in_full || ents[e].name == o.draft.name {
            continue;
        }
        for g in gaz.iter_mut().filter(|g| g.entity == Some(e)) {
            g.keep = false;
            spans.push((g.start, g.end));
        }
    }
    spans
}

fn org_draft_acronym(w: &str) -> Draft<'_> {
    Draft {
        id: Cow::Owned(format!("org:{}", w.to_ascii_lowercase())),
        kind: EntityKind::Organization,
        name: Cow::Borrowed(w),
        role: None,
        country: None,
        capital_of: None,
        private: false,
    }
}

/// "Treasury Secretary": a one-word office alias followed by a title head.
/// "Treasury Secretary", "U.S. Treasury Secretary", "Treasury yields": a
/// one-word office alias used as a modifier of a title or of a market noun,
/// not naming the office.
fn is_title_modifier(doc: &Doc<'_>, g: &GazHit<'_>) -> bool {
    // One word, possibly after a country abbreviation ("U.S. Treasury").
    let text = &doc.text[g.start..g.end];
    let mut words = text.split(' ').rev();
    words.next();
    let abbreviated = |w: &str| w.chars().all(|c| c.is_uppercase() || c == '.');
    if !words.all(abbreviated) {
        return false;
    }
    let t = doc.token_at(g.end);
    t < doc.tokens.len()
        && doc.tokens[t].start == g.end + 1
        && doc.has(t, flag::PERSON_TITLE | flag::NOT_ORG_BEFORE)
}

/// "Mexico's Congress", "Canadian Senate": an organisation alias tied by a
/// possessive or an adjective to another country than the gazetteer's.
/// The country right before organisation match `g` ("Mexico's Senate",
/// "Mexican Congress") when it is not the organisation's own country.
fn other_country<'m>(
    doc: &Doc<'_>,
    m: &'m Model,
    tok_hit: &[Option<usize>],
    gaz: &[GazHit<'_>],
    g: &GazHit<'_>,
    org: &EntityDef,
) -> Option<(&'m EntityDef, Option<usize>)> {
    let org_country = org.country.as_deref()?;
    let mut k = doc.token_at(g.start);
    let possessive = k > 0 && matches!(doc.tok(k - 1), "'s" | "’s");
    if possessive {
        k -= 1;
    }
    let p = &gaz[tok_hit[k.checked_sub(1)?]?];
    let adjacent = p.end == doc.tokens[k].start || p.end + 1 == doc.tokens[k].start;
    let country = p
        .entity
        .map(|e| &m.tables.entities[e])
        .filter(|d| d.kind == EntityKind::Country && d.id != org_country)?;
    // "the Danish Environmental Protection Agency": the demonym is part of
    // the body's name.
    let named_with = (!possessive && p.form == Form::Demonym).then_some(p.start);
    (adjacent && p.keep).then_some((country, named_with))
}

/// "the Department of Agriculture" in an article that never names the
/// United States: a generic body name (`generic-body` in rules.tsv) is the
/// article's main country's body (the country named most often, first on a
/// tie) when the gazetteer body's own country is named nowhere, not even
/// through a capital, a person or another of its bodies.
fn generic_abroad<'m>(
    doc: &Doc<'_>,
    m: &'m Model,
    gaz: &[GazHit<'_>],
    g: &GazHit<'_>,
    org: &EntityDef,
) -> Option<&'m EntityDef> {
    let home = org.country.as_deref()?;
    if !m.lex.generic_body.contains(&doc.text[g.start..g.end]) {
        return None;
    }
    let ents = &m.tables.entities;
    let kept = || {
        gaz.iter()
            .filter(|h| h.keep)
            .filter_map(|h| h.entity.map(|e| (h, &ents[e])))
    };
    let named_home = kept().any(|(h, d)| {
        let generic = m.lex.generic_body.contains(&doc.text[h.start..h.end]);
        d.id == home
            || d.capital_of.as_deref() == Some(home)
            || d.country.as_deref() == Some(home) && !generic
    });
    if named_home {
        return None;
    }
    let mut counts: Vec<(&EntityDef, usize)> = Vec::new();
    for (_, d) in kept().filter(|(_, d)| d.kind == EntityKind::Country) {
        match counts.iter_mut().find(|(c, _)| c.id == d.id) {
            Some((_, n)) => *n += 1,
            None => counts.push((d, 1)),
        }
    }
    let best = counts.iter().map(|c| c.1).max()?;
    counts.into_iter().find(|c| c.1 == best).map(|c| c.0)
}

/// Another country's body named like a gazetteer one: "Senate" of Mexico is
/// `org:senate`, or `org:mexican-congress` where `org:congress` is taken; a
/// demonym before the name, at `named_with`, is part of it ("Danish
/// Environmental Protection Agency" is
/// `org:danish-environmental-protection-agency`).
fn foreign_body<'a>(
    doc: &Doc<'a>,
    m: &Model,
    g: &GazHit<'_>,
    country: &EntityDef,
    named_with: Option<usize>,
) -> Draft<'a> {
    let name = &doc.text[g.start..g.end];
    if let Some(s) = named_with {
        return Draft {
            country: Some(Cow::Owned(country.id.clone())),
            id: Cow::Owned(slug_id("org:", &doc.text[s..g.end])),
            ..org_draft(name)
        };
    }
    let plain = slug_id("org:", name);
    let id = if m.tables.entities.iter().any(|d| d.id == plain) {
        // Named the way a reader would tell it apart: by the country's
        // first demonym ("Mexican Congress"), else by its name.
        let demonym = m
            .tables
            .surfaces
            .iter()
            .find(|s| s.form == Form::Demonym && m.tables.entities[s.entity].id == country.id)
            .map_or(country.name.as_str(), |s| s.text.as_str());
        slug_id(&format!("org:{}-", slug_id("", demonym)), name)
    } else {
        plain
    };
    Draft {
        country: Some(Cow::Owned(country.id.clone())),
        id: Cow::Owned(id),
        ..org_draft(name)
    }
}

fn vetoes(doc: &Doc<'_>, m: &Model, gaz: &mut [GazHit<'_>]) {
    let ents = &m.tables.entities;
    // US-state context: us-context words and places in the US (only
    // counted when a US-state homonym occurs at all).
    let bits = |g: &GazHit<'_>| m.surface_bits[g.surface];
    let homonym = gaz
        .iter()
        .any(|g| g.keep && bits(g) & surface_bit::US_STATE_HOMONYM != 0);
    let us_state_context = homonym && {
        let us_words = (0..doc.tokens.len())
            .filter(|&i| doc.has(i, flag::US_CONTEXT))
            .count();
        let us_places = gaz
            .iter()
            .filter_map(|g| g.entity)
            .filter(|&e| {
                ents[e].kind == EntityKind::Location
                    && ents[e].country.as_deref() == Some("country:US")
            })
            .count();
        us_words + us_places >= 2
    };
    // Per surface: does its lower-case form occur? Per country: are all its
    // mentions at a sentence start or in the headline? (Each computed once;
    // an article names few countries.)
    let mut homograph_cache: Vec<(&str, bool)> = Vec::new();
    let mut initial_only: Vec<(usize, bool)> = Vec::new();
    for gi in 0..gaz.len() {
        let g = &gaz[gi];
        let Some(e) = g.entity else { continue };
        if !g.keep {
            continue;
        }
        let def = &ents[e];
        let surface = &doc.text[g.start..g.end];
        let t = doc.token_at(g.start);
        let mut drop = false;
        // "LET US TALK": a short all-caps form in a shouted line.
        if surface.len() <= 3 && is_acronym(surface) && !doc.sentence_initial(t) && is_loud(doc, t)
        {
            drop = true;
        }
        // "the ASEAN Championship", "the European Cup": a sports event.
        let after = doc.token_at(g.end);
        if matches!(def.kind, EntityKind::Country | EntityKind::Bloc)
            && doc.has(after, flag::CAP)
            && noun_after(doc, &m.lex.event_noun, after)
        {
            drop = true;
        }
        // "Marcos Teixeira, an economist": a one-word alias that is also a
        // given name, before another capitalised name word, opens someone
        // else's name.
        if def.kind == EntityKind::Person
            && !surface.contains(' ')
            && doc.has(t, flag::GIVEN_NAME)
            && after < doc.tokens.len()
            && doc.tokens[after].start == g.end + 1
            && doc.flags(after) & (flag::CAP | flag::WORD) == flag::CAP | flag::WORD
            && !doc.has(after, flag::ORG_HEAD)
            && !m.lex.name_stopword.contains(doc.tok(after))
        {
            drop = true;
        }
        if def.kind == EntityKind::Country {
            // Georgia the US state: in a US-state context, or coordinated
            // with a place in the US ("plants in Georgia and Tennessee").
            if bits(g) & surface_bit::US_STATE_HOMONYM != 0
                && (us_state_context || beside_us_place(doc, m, gaz, g))
            {
                drop = true;
            }
            // "a Georgian manor house".
            if bits(g) & surface_bit::PERIOD_ADJECTIVE != 0
                && after < doc.tokens.len()
                && doc.has(after, flag::PERIOD_NOUN)
            {
                drop = true;
            }
            // "a German shepherd", "a Portuguese water dog": a breed.
            if g.form == Form::Demonym && noun_after(doc, &m.lex.breed_noun, after) {
                drop = true;
            }
            // "Turkey Point", "Jordan River": part of a place's name.
            if g.form == Form::Name && after < doc.tokens.len() && doc.has(after, flag::PLACE_NOUN)
            {
                drop = true;
            }
            // "the Gulf of Guinea", "the Sea of Japan": part of a sea's name.
            if g.form == Form::Name && t >= 2 && doc.tok(t - 1) == "of" {
                drop |= m.lex.water_of.contains(doc.tok(t - 2));
            }
            // china the porcelain, turkey the bird: the lower-case word occurs
            // and every capitalised use opens a sentence or the headline.
            if g.form == Form::Name && !surface.contains(' ') {
                let all_initial = match initial_only.iter().find(|x| x.0 == e) {
                    Some(&(_, v)) => v,
                    None => {
                        let v = gaz
                            .iter()
                            .filter(|h| h.entity == Some(e) && h.keep)
                            .all(|h| {
                                let k = doc.token_at(h.start);
                                doc.sentence_initial(k) || doc.in_title(h.start)
                            });
                        initial_only.push((e, v));
                        v
                    }
                };
                let common = all_initial
                    && match homograph_cache.iter().find(|x| x.0 == surface) {
                        Some(&(_, v)) => v,
                        None => {
                            let v = has_word(doc, &surface.to_lowercase());
                            homograph_cache.push((surface, v));
                            v
                        }
                    };
                if common {
                    for h in gaz
                        .iter_mut()
                        .filter(|h| h.entity == Some(e) && &doc.text[h.start..h.end] == surface)
                    {
                        h.keep = false;
                    }
                    continue;
                }
            }
        }
        if drop {
            gaz[gi].keep = false;
        }
    }
}

/// A place in the US is coordinated with `g` ("Georgia and Tennessee",
/// "Alabama, Georgia").
fn beside_us_place(doc: &Doc<'_>, m: &Model, gaz: &[GazHit<'_>], g: &GazHit<'_>) -> bool {
    let ents = &m.tables.entities;
    let joined = |a: &GazHit<'_>, b: &GazHit<'_>| {
        a.end <= b.start && doc.coordinated(doc.token_at(a.end), doc.token_at(b.start))
    };
    gaz.iter().any(|h| {
        h.keep
            && h.entity.is_some_and(|e| {
                ents[e].kind == EntityKind::Location
                    && ents[e].country.as_deref() == Some("country:US")
            })
            && (joined(g, h) || joined(h, g))
    })
}

/// A noun of `nouns` of one or two words (a breed's, an event's) starts
/// at token `t`.
fn noun_after(doc: &Doc<'_>, nouns: &WordSet, t: usize) -> bool {
    let Some(word) = doc.tokens.get(t) else {
        return false;
    };
    if nouns.contains(doc.tok(t)) {
        return true;
    }
    doc.tokens.get(t + 1).is_some_and(|next| {
        next.kind == TokKind::Word
            && next.start == word.end + 1
            && nouns.contains(&doc.text[word.start..next.end])
    })
}

/// True when `word` (lower case) occurs word-bounded in the text.
fn has_word(doc: &Doc<'_>, word: &str) -> bool {
    let text = doc.text;
    // A word of letters and digits can only occur where a word starts.
    if word.chars().all(char::is_alphanumeric) {
        let bytes = text.as_bytes();
        return doc.word_starts.iter().any(|&i| {
            let i = i as usize;
            bytes[i..].starts_with(word.as_bytes())
                && !text[i + word.len()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
        });
    }
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// "China's Commerce Ministry", "the central bank" in a Brazil story: the
/// country tied to a generic organisation name.
fn resolve_contextual<'a>(doc: &Doc<'a>, m: &'a Model, gaz: &[GazHit<'_>], out: &mut Entities<'a>) {
    let ents = &m.tables.entities;
    // Country mentions (names and demonyms) in text order.
    let parties: Vec<(usize, usize, &str)> = gaz
        .iter()
        .filter(|g| g.keep)
        .filter_map(|g| g.entity.map(|e| (g.start, g.end, &ents[e])))
        .filter(|(_, _, d)| matches!(d.kind, EntityKind::Country | EntityKind::Bloc))
        .map(|(s, e, d)| (s, e, d.id.as_str()))
        .collect();
    for g in gaz.iter().filter(|g| !g.contextual.is_empty()) {
        if out
            .mentions
            .iter()
            .any(|f| overlaps(f.start, f.end, g.start, g.end))
        {
            continue;
        }
        // The bodies this name can stand for, one per country.
        let family = || g.contextual.iter().map(|&s| m.tables.surfaces[s].entity);
        let body_of =
            |country: &str| family().find(|&e| ents[e].country.as_deref() == Some(country));
        // "the Central Bank of Sri Lanka", "Jordan's central bank": a
        // country attached to the name is the only candidate. Named in full
        // with "of", a body the gazetteer lacks is still an organisation,
        // under that name.
        let text = doc.text;
        let of_country = parties
            .iter()
            .find(|p| p.0 >= g.end && matches!(&text[g.end..p.0], " of " | " of the "));
        let owner = of_country.or_else(|| {
            parties.iter().rev().find(|p| {
                p.1 <= g.start && matches!(&text[p.1..g.start], "'s " | "\u{2019}s " | " ")
            })
        });
        if let Some(&(_, end, country)) = owner {
            if let Some(e) = body_of(country) {
                let ent = out.add_with(&ents[e].id, || draft_of(&ents[e]));
                out.mention(g.start, g.end, ent);
            } else {
                // Named in full with "of", under that name; "Morocco's
                // Foreign Ministry", a ministry the gazetteer lacks, under
                // its generic name: still that country's body.
                let name_end = if of_country.is_some() {
                    Some(end)
                } else {
                    text[g.start..g.end].ends_with(" Ministry").then_some(g.end)
                };
                if let Some(name_end) = name_end {
                    add_unlisted_body(out, text, g.start, name_end, country);
                }
            }
            continue;
        }
        let sentence = doc.sentence_of(g.start);
        let (s0, s1) = doc.sentences[sentence];
        // Nearest country before in the sentence, then after it: the first
        // one that has such a body wins.
        let in_sentence_ids = || {
            parties
                .iter()
                .rev()
                .filter(|p| p.1 <= g.start && p.0 >= s0)
                .chain(parties.iter().filter(|p| p.0 >= g.end && p.1 <= s1))
                .map(|p| p.2)
        };
        let earlier_ids = || parties.iter().rev().filter(|p| p.1 <= s0).map(|p| p.2);
        let in_sentence = in_sentence_ids().find_map(body_of);
        // Then the body itself named earlier ("The Bank of Korea warned
        // ... the central bank may revise"), then the nearest country
        // earlier in the text that has such a body.
        let named_before = || {
            out.mentions
                .iter()
                .filter(|f| f.end <= g.start)
                .filter_map(|f| {
                    let id = &out.drafts[f.ent].id;
                    family().find(|&e| ents[e].id == *id).map(|e| (f.end, e))
                })
                .max_by_key(|&(end, _)| end)
                .map(|(_, e)| e)
        };
        let earlier = || earlier_ids().find_map(body_of);
        let pick = in_sentence.or_else(named_before).or_else(earlier);
        if let Some(e) = pick {
            let ent = out.add_with(&ents[e].id, || draft_of(&ents[e]));
            out.mention(g.start, g.end, ent);
            continue;
        }
        // "the Industry Ministry" in a story of Indonesia, whose ministry
        // the gazetteer lacks: that country's body, under its generic
        // name, as with a possessive owner above.
        let name = &text[g.start..g.end];
        if !name.ends_with(" Ministry") {
            continue;
        }
        let country = in_sentence_ids()
            .chain(earlier_ids())
            .find(|c| c.starts_with("country:"));
        if let Some(country) = country {
            add_unlisted_body(out, text, g.start, g.end, country);
        }
    }
}

/// A country's body the gazetteer lacks, named `text[start..end]`: an
/// organisation under that name, tied to `country`.
fn add_unlisted_body<'a>(
    out: &mut Entities<'a>,
    text: &'a str,
    start: usize,
    end: usize,
    country: &'a str,
) {
    let name = &text[start..end];
    let ent = out.add_with(&slug_id("org:", name), || Draft {
        country: Some(Cow::Borrowed(country)),
        ..org_draft(name)
    });
    out.mention(start, end, ent);
}

/// A bare surname after the person was named in full: "Li stated",
/// "Jordan, who co-owns ...". Wins over a country of the same spelling. So
/// does a bare given name that is also a country or place ("Chad Roe ...
/// Chad said"), the way news refers back to children and first-named
/// people; other bare given names stay untagged.
fn back_references(doc: &Doc<'_>, m: &Model, out: &mut Entities<'_>) {
    // Surname (or given name, `true`) -> the one person it stands for
    // (None: more than one). An article names few people, so a list is the
    // cheapest map.
    let mut by_surname: Vec<(&str, Option<usize>, bool)> = Vec::new();
    for (k, d) in out.drafts.iter().enumerate() {
        if d.kind != EntityKind::Person {
            continue;
        }
        let mut words = d.name.split_whitespace().filter(|w| is_cap(w));
        let Some(first) = words.next() else { continue };
        let (last, count) = words.fold((first, 1), |(_, n), w| (w, n + 1));
        let surname_first = d
            .country
            .as_deref()
            .and_then(|c| c.strip_prefix("country:"))
            .is_some_and(|c| m.lex.surname_first.contains(c));
        let surname = if surname_first { first } else { last };
        if count < 2
            || m.lex.name_stopword.contains(surname)
            || m.lex.function_word.contains(surname)
        {
            continue;
        }
        let given = (!surname_first).then_some(first);
        for (word, is_given) in [(surname, false)]
            .into_iter()
            .chain(given.map(|g| (g, true)))
        {
            match by_surname.iter_mut().find(|(s, _, _)| *s == word) {
                Some((_, v, _)) => {
                    if *v != Some(k) {
                        *v = None
                    }
                }
                None => by_surname.push((word, Some(k), is_given)),
            }
        }
    }
    if by_surname.is_empty() {
        return;
    }
    // Sorted mentions and each entity's first mention, so every lookup
    // below is logarithmic (an article may repeat a surname many times).
    out.mentions.sort_by_key(|f| (f.start, f.end));
    let mut first_at: Vec<Option<usize>> = vec![None; out.drafts.len()];
    for f in &out.mentions {
        let slot = &mut first_at[f.ent];
        *slot = Some(slot.map_or(f.start, |s| s.min(f.start)));
    }
    let mut added = Vec::new();
    let mut replaced = Vec::new();
    for t in doc.caps() {
        let tok = &doc.tokens[t];
        if doc.flags(t) & (flag::CAP | flag::WORD) != flag::CAP | flag::WORD {
            continue;
        }
        let w = doc.tok(t);
        let Some(&(_, Some(k), given)) = by_surname.iter().find(|(s, _, _)| *s == w) else {
            continue;
        };
        if given && !doc.has(t, flag::GIVEN_NAME) {
            continue;
        }
        // Only after the first full mention (a headline may use the surname
        // first), and not glued to another name.
        let first = first_at[k];
        if first.is_none_or(|s| s > tok.start) && !doc.in_title(tok.start) {
            continue;
        }
        let next_cap = t + 1 < doc.tokens.len()
            && doc.flags(t + 1) & (flag::CAP | flag::WORD) == flag::CAP | flag::WORD
            && doc.tokens[t + 1].start == tok.end + 1;
        // The full name again ("Chad Roe") is the person as well.
        let full_name = given && doc.text[tok.start..].starts_with(&*out.drafts[k].name);
        if next_cap && !full_name {
            continue;
        }
        // "Farah Haddad": the same surname after another given name.
        let other = other_given_name_before(doc, tok.start, &out.drafts[k].name, |p| {
            let (s, e) = (doc.tokens[p].start, doc.tokens[p].end);
            let upto = out.mentions.partition_point(|f| f.start < e);
            (upto.saturating_sub(8)..upto)
                .any(|i| overlaps(out.mentions[i].start, out.mentions[i].end, s, e))
        });
        if other {
            continue;
        }
        // Mentions overlapping the token start before its end; names are
        // short, so a few steps back cover every overlap.
        let upto = out.mentions.partition_point(|f| f.start < tok.end);
        let covering: Vec<usize> = (upto.saturating_sub(8)..upto)
            .filter(|&i| {
                overlaps(
                    out.mentions[i].start,
                    out.mentions[i].end,
                    tok.start,
                    tok.end,
                )
            })
            .collect();
        // A bare given name only takes a country's or a place's place.
        let replaceable = !(given && covering.is_empty())
            && covering.iter().all(|&i| {
                let f = &out.mentions[i];
                f.start == tok.start
                    && f.end == tok.end
                    && matches!(
                        out.drafts[f.ent].kind,
                        EntityKind::Country | EntityKind::Location
                    )
            });
        if replaceable {
            replaced.extend(covering);
            added.push((tok.start, tok.end, k));
        }
    }
    replaced.sort_unstable();
    replaced.dedup();
    let mut drop = vec![false; out.mentions.len()];
    for i in replaced {
        drop[i] = true;
    }
    let mut i = 0;
    out.mentions.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
    for (s, e, k) in added {
        out.mention(s, e, k);
    }
}
