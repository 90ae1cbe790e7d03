//! Tariff measures: who imposes which rate on whom (spec §4).
//!
//! A percentage is a tariff rate when a tariff word ("tariff", "duty",
//! "levy", "rate") governs it in the same sentence and nothing in between
//! says it is something else (growth, a market move, a share, "50% owned");
//! a tariff may be the subject of a verb of movement to a level ("India's
//! tariff on Scotch falls to 75%"). In a story already about tariff rates,
//! a verb of paying or imposing governs one too ("Pakistan got 19%", "India's
//! exporters now pay 25%"). Direction comes from the phrasing, in this order:
//!
//! * imposer: a party modifying the tariff noun ("U.S. tariffs", "Mercosur's
//!   35% tariff", "a 15% U.S. tariff"), the agent of a passive ("imposed by
//!   President Donald Trump"), or the subject of an imposing verb ("China
//!   imposes a 10 percent tariff");
//! * target: a party after "on"/"from"/"against" ("on Chinese goods", "on
//!   imports from China", the rate's own "... and 20% on Vietnam"), or the
//!   subject of a suffering verb ("India hit with 50% U.S. tariffs",
//!   "Brazilian goods still face ...", "was threatened with"), or nobody
//!   when the rate applies to everyone ("all trading partners"); a target
//!   named so wins over an imposing verb's subject that is the same party;
//! * otherwise the same sentence's earlier measure, for a headline the body's
//!   measure of the same rate, then the article's usual imposer and target
//!   (from its rates, else from its tariff phrases without a rate: "Indian
//!   duties on New Zealand wool"), and for an imposer named nowhere near the
//!   rate, the country the article names most.

use std::collections::HashMap;

use super::text::{Doc, TokKind};
use super::{flag, Entities, Model, TermHit};
use crate::article::{EntityKind, TariffMeasure};

/// Words that open a clause of their own inside a clause (`clause_start`
/// already ends one at "while" and "but"): its subject imposes nothing in
/// the words before.
const CONJUNCTIONS: [&str; 8] = [
    "after", "before", "when", "as", "because", "since", "until", "although",
];

/// A country or bloc mention usable as imposer or target.
#[derive(Debug, Clone)]
struct Party<'e> {
    tok: usize,
    tok_end: usize,
    id: &'e str,
    /// A person or organisation: can impose (as the government's voice),
    /// never be the target ("for Tesla's cars" is not a US target).
    agent_only: bool,
}

/// One tariff rate and what the phrasing says about it.
#[derive(Debug)]
struct Rate<'a> {
    value: f64,
    sentence: usize,
    /// First token of the number, last token of the "%"/"percent".
    tok: usize,
    end_tok: usize,
    imposer: Option<&'a str>,
    targets: Option<Vec<&'a str>>,
    /// The rate applies to every country.
    global: bool,
    /// "both sides" set it: it runs from each of the two parties to the
    /// other.
    mutual: bool,
    /// Parties coordinated before the subject that imposes it ("Mexico,
    /// the United States and the European Union already charge 25%"):
    /// each imposes it too.
    co_imposers: Vec<&'a str>,
    goods: Vec<&'a str>,
}

pub(crate) fn extract(
    doc: &Doc<'_>,
    m: &Model,
    ents: &Entities<'_>,
    terms: &[TermHit<'_>],
) -> Vec<TariffMeasure> {
    let parties = parties(doc, ents);
    let mut rates = Vec::new();
    // The sentence of the last rate that a verb governs, if it was the
    // last rate kept.
    let mut last_verb_rate: Option<usize> = None;
    for i in rate_candidates(doc) {
        let Some((value, end_tok)) = rate_at(doc, i) else {
            continue;
        };
        if blocked(doc, i, end_tok) {
            continue;
        }
        // "keep its 3 percent levy on revenues": the rate's own noun is a
        // tax at home, whatever verb governs it.
        let taxed = (end_tok + 1..(end_tok + 4).min(doc.tokens.len()))
            .find(|&k| is_cue(doc, m, k))
            .is_some_and(|k| domestic_tax(doc, m, k));
        if taxed {
            continue;
        }
        // A verb of imposing or paying that governs the rate stands in for
        // a tariff word ("Cambodia and Pakistan got 19%", "India's exporters
        // now pay 25%"), and wins over one before a relative ("Canada's EV
        // surtax was adopted with Washington, which charges 100% on Chinese
        // EVs": Washington charges the 100%), or one before a contrast
        // ("levies on Chinese steel range up to 38.2%, while Indian
        // producers will pay 12.4%") or a colon ("higher than those on its
        // neighbours: imports from Thailand now pay 19%").
        let (cue, verb_only) = match (cue_for(doc, m, i, end_tok), rate_verb(doc, i, end_tok)) {
            (Some(cue), Some(v))
                if cue < v
                    && (cue..v).any(|k| {
                        matches!(
                            doc.tok(k),
                            "which" | "who" | "while" | "whereas" | ";" | ":"
                        )
                    }) =>
            {
                (v, true)
            }
            (Some(cue), _) => (cue, false),
            (None, Some(v)) => (v, true),
            // "pay 25% when they come from Mexico and 35% when they come
            // from Canada": a rate joined by "and" to the verb's rate
            // shares its verb, and reads its party from after the "and".
            _ if i > 0
                && doc.tok(i - 1) == "and"
                && last_verb_rate == Some(doc.tokens[i].sentence) =>
            {
                (i - 1, true)
            }
            _ => continue,
        };
        if verb_only && market_verb_before(doc, cue, MARKET_REACH) {
            continue;
        }
        let mut r = Rate {
            value,
            sentence: doc.tokens[i].sentence,
            tok: i,
            end_tok,
            imposer: None,
            targets: None,
            global: false,
            mutual: false,
            co_imposers: Vec::new(),
            goods: Vec::new(),
        };
        read_direction(doc, m, &parties, ents, cue, verb_only, &mut r);
        // Such a rate needs a tariff word in its sentence, or else a party
        // the phrasing names and a story already about tariff rates or a
        // tariff word in the sentence before ("... a backdrop of tariffs.
        // Goods pay 25% when they come from Mexico").
        let named = r.imposer.is_some() || r.targets.is_some();
        let s = r.sentence;
        // "... face a 25% U.S. tariff. Steel and aluminum have paid 50%
        // since June": a rate right after a sentence with a tariff rate
        // goes on with that sentence's tariff.
        let goes_on = verb_only
            && matches!(
                doc.lower_tok(cue),
                "pay" | "pays" | "paid" | "paying" | "face" | "faces" | "faced" | "facing"
            )
            && rates
                .last()
                .is_some_and(|last: &Rate| last.sentence + 1 == s && !last.global)
            && cue_in_sentence(doc, m, s - 1);
        let stands = (named && (!rates.is_empty() || s > 0 && cue_in_sentence(doc, m, s - 1)))
            || goes_on
            || cue_in_sentence(doc, m, s);
        if verb_only && !stands {
            continue;
        }
        // A verb's rate takes the goods of its clause ("while soybeans and
        // pork would face an extra ten percent").
        let goods_from = if verb_only {
            clause_start(doc, cue)
        } else {
            cue.min(i)
        };
        r.goods = goods(doc, terms, goods_from, end_tok);
        r.mutual = both_sides_before(doc, &parties, i);
        last_verb_rate = verb_only.then_some(r.sentence);
        rates.push(r);
    }
    respectively(doc, &mut rates);
    earlier_levels(doc, &mut rates);
    fill_defaults(doc, m, &parties, &mut rates);
    let mut out: Vec<TariffMeasure> = Vec::new();
    // Per measure in `out`: it comes from the headline.
    let mut headline: Vec<bool> = Vec::new();
    for r in rates {
        let Some(imposer) = r.imposer else { continue };
        let targets: Vec<Option<&str>> = match r.targets {
            Some(t) if !t.is_empty() => t.into_iter().map(Some).collect(),
            _ => vec![None],
        };
        let (s0, s1) = doc.sentences[r.sentence];
        let text = doc.text[s0..s1].trim().to_owned();
        // In text order: the parties listed before the subject first.
        let mut pairs: Vec<(&str, Option<&str>)> = r
            .co_imposers
            .iter()
            .chain([&imposer])
            .flat_map(|&by| targets.iter().map(move |&t| (by, t)))
            .collect();
        if let (true, [Some(other)]) = (r.mutual, &targets[..]) {
            pairs.push((other, Some(imposer)));
        }
        for (imposer, target) in pairs {
            if target == Some(imposer) {
                continue;
            }
            let dup = out.iter().any(|t| {
                t.imposer == imposer
                    && t.target.as_deref() == target
                    && (t.rate_percent - r.value).abs() < 1e-9
            });
            if !dup {
                out.push(TariffMeasure {
                    imposer: imposer.to_owned(),
                    target: target.map(str::to_owned),
                    rate_percent: r.value,
                    goods: r.goods.iter().map(|&g| g.to_owned()).collect(),
                    text: text.clone(),
                });
                headline.push(doc.in_title(doc.tokens[r.tok].start));
            }
        }
    }
    // "U.S. puts 17% duty on Mexican tomatoes" over a body's 17.09%: the
    // headline rounded the body's rate, which stands for both.
    let rounded = |k: usize| {
        let t = &out[k];
        headline[k]
            && t.rate_percent.fract() == 0.0
            && out.iter().zip(&headline).any(|(b, &in_title)| {
                !in_title
                    && b.imposer == t.imposer
                    && b.target == t.target
                    && b.rate_percent.fract() != 0.0
                    && (b.rate_percent.trunc() == t.rate_percent
                        || b.rate_percent.round() == t.rate_percent)
            })
    };
    let drop: Vec<bool> = (0..out.len()).map(rounded).collect();
    out.into_iter()
        .zip(drop)
        .filter_map(|(t, rounded)| (!rounded).then_some(t))
        .collect()
}

fn parties<'e>(doc: &Doc<'_>, ents: &'e Entities<'_>) -> Vec<Party<'e>> {
    let mut out: Vec<Party> = ents
        .mentions
        .iter()
        .filter_map(|f| {
            let d = &ents.drafts[f.ent];
            let id = match d.kind {
                EntityKind::Country | EntityKind::Bloc => Some(&*d.id),
                EntityKind::Location => d.capital_of,
                // A company's or an association's country imposes nothing.
                EntityKind::Organization if d.private => None,
                EntityKind::Person | EntityKind::Organization => d.country.as_deref(),
                _ => None,
            }?;
            // "the non-U.S. content of imported cars" is no party's.
            if doc.text[..f.start].ends_with("non-") {
                return None;
            }
            let tok = doc.token_at(f.start);
            let tok_end = doc.token_at(f.end);
            let agent_only = matches!(d.kind, EntityKind::Person | EntityKind::Organization);
            Some(Party {
                tok,
                tok_end,
                id,
                agent_only,
            })
        })
        .collect();
    bloc_anaphora(doc, &mut out);
    out.sort_by_key(|p| p.tok);
    out
}

/// "the bloc", "the 27-nation bloc": the bloc named last before it is a
/// party there ("The European Commission reminded Serbia ... and the bloc
/// starts collecting duties of up to 37.6 per cent").
fn bloc_anaphora<'e>(doc: &Doc<'_>, parties: &mut Vec<Party<'e>>) {
    let mut blocs: Vec<(usize, &'e str)> = parties
        .iter()
        .filter(|p| p.id.starts_with("bloc:"))
        .map(|p| (p.tok, p.id))
        .collect();
    if blocs.is_empty() {
        return;
    }
    blocs.sort_unstable();
    for k in 1..doc.tokens.len() {
        // The word itself, lower-case ("Bloc Québécois" is a name), after
        // "the" and at most two words ("the six-member bloc").
        let t = doc.tokens[k];
        if t.end - t.start != 4 || doc.tok(k) != "bloc" {
            continue;
        }
        let the = (k.saturating_sub(3)..k)
            .rev()
            .take_while(|&j| doc.tokens[j].kind != TokKind::Punct)
            .any(|j| doc.lower_tok(j) == "the");
        if !the {
            continue;
        }
        if let Some(&(_, id)) = blocs.iter().rev().find(|&&(t, _)| t < k) {
            parties.push(Party {
                tok: k,
                tok_end: k + 1,
                id,
                agent_only: false,
            });
        }
    }
}

const NUMBER_WORDS: [(&str, f64); 28] = [
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("hundred", 100.0),
];

/// "fifty", "twenty-five", "one hundred" as a number.
fn word_number(w: &str) -> Option<f64> {
    // Most tokens before a "%" are digits.
    if !w.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut total = 0.0f64;
    for part in w.split('-') {
        let &(_, v) = NUMBER_WORDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(part))?;
        total = if v == 100.0 {
            total.max(1.0) * 100.0
        } else {
            total + v
        };
    }
    Some(total)
}

/// Is token `j` a percent unit ("%", "percent", the "per" of "per cent",
/// the "pc" of British and Indian papers: "a 25 pc duty")?
fn is_unit(doc: &Doc<'_>, j: usize) -> bool {
    matches!(doc.lower.as_bytes()[doc.tokens[j].start], b'%' | b'p')
        && (matches!(doc.lower_tok(j), "%" | "percent" | "per") || doc.tok(j) == "pc")
}

/// The tokens a percentage may start at, in order: one or two before a
/// unit.
fn rate_candidates(doc: &Doc<'_>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for j in (1..doc.tokens.len()).filter(|&j| is_unit(doc, j)) {
        // "between 20 and 30 per cent": the 20 is a rate too.
        let range = (j >= 4 && between_and(doc, j - 3)).then(|| j - 3);
        for i in range.into_iter().chain([j.saturating_sub(2), j - 1]) {
            if out.last().is_none_or(|&last| i > last) {
                out.push(i);
            }
        }
    }
    out
}

/// The value of a number token ("1,758", "15.6"). A digit string past
/// f64's range parses as infinity, which JSON cannot carry; no such number
/// is a rate.
fn number_value(digits: &str) -> Option<f64> {
    let parsed = if digits.contains(',') {
        digits.replace(',', "").parse::<f64>()
    } else {
        digits.parse::<f64>()
    };
    parsed.ok().filter(|v| v.is_finite())
}

/// Token `i` is the number in "between 20 and 30 per cent", which takes
/// the unit of the number after "and".
fn between_and(doc: &Doc<'_>, i: usize) -> bool {
    i > 0
        && i + 2 < doc.tokens.len()
        && doc.tokens[i].kind == TokKind::Number
        && doc.lower_tok(i - 1) == "between"
        && doc.tok(i + 1) == "and"
        && doc.tokens[i + 2].kind == TokKind::Number
}

/// A percentage starting at token `i`: its value and the index of its last
/// token ("%", "percent" or "cent").
fn rate_at(doc: &Doc<'_>, i: usize) -> Option<(f64, usize)> {
    let tok = doc.tokens[i];
    if between_and(doc, i) {
        let value = number_value(doc.tok(i))?;
        return rate_at(doc, i + 2).map(|(_, end)| (value, end));
    }
    // Cheap test first: a unit follows ("%", "percent", "per cent",
    // possibly after "hundred").
    let unit_near = [i + 1, i + 2]
        .iter()
        .any(|&j| j < doc.tokens.len() && is_unit(doc, j));
    if !unit_near {
        return None;
    }
    let value = match tok.kind {
        TokKind::Number => number_value(doc.tok(i))?,
        TokKind::Word => {
            // "one hundred percent": take the compound only from its start.
            if i > 0 && word_number(doc.tok(i - 1)).is_some() {
                return None;
            }
            let mut v = word_number(doc.tok(i))?;
            let mut j = i;
            if j + 1 < doc.tokens.len() && doc.tok(j + 1).eq_ignore_ascii_case("hundred") {
                v *= 100.0;
                j += 1;
            }
            return unit_after(doc, j).map(|e| (v, e));
        }
        TokKind::Punct => return None,
    };
    unit_after(doc, i).map(|e| (value, e))
}

fn unit_after(doc: &Doc<'_>, i: usize) -> Option<usize> {
    let n = doc.tokens.len();
    if i + 1 >= n {
        return None;
    }
    match doc.lower_tok(i + 1) {
        "%" | "percent" => Some(i + 1),
        "pc" if doc.tok(i + 1) == "pc" => Some(i + 1),
        "per" if i + 2 < n && doc.lower_tok(i + 2) == "cent" => Some(i + 2),
        _ => None,
    }
}

/// Token `k` is a verb of movement ("falls", "rises") that goes to a level
/// ("... falls immediately to 75%", "will fall from 150 per cent to 30 per
/// cent"): a tariff can be its subject. "Exports fell 5%" is a change, not
/// a level.
fn level_verb(doc: &Doc<'_>, k: usize) -> bool {
    let n = doc.tokens.len();
    let to_number = |j: usize| {
        j + 1 < n && doc.lower_tok(j) == "to" && doc.tokens[j + 1].kind != TokKind::Punct
    };
    // "from 150 per cent to": the level it leaves, then the one it reaches.
    let from_rate_to = |j: usize| {
        j + 1 < n
            && doc.lower_tok(j) == "from"
            && rate_at(doc, j + 1).is_some_and(|(_, end)| to_number(end + 1))
    };
    let level_at = |j: usize| to_number(j) || from_rate_to(j);
    doc.has(k, flag::MARKET_VERB)
        && (level_at(k + 1) || (k + 2 < n && doc.has(k + 1, flag::WORD) && level_at(k + 2)))
}

/// A market move, a share or a stake rather than a tariff rate.
fn blocked(doc: &Doc<'_>, i: usize, end_tok: usize) -> bool {
    let sentence = doc.tokens[i].sentence;
    if market_verb_before(doc, i, 3) {
        return true;
    }
    let after = |k: usize| {
        doc.tokens
            .get(end_tok + k)
            .filter(|t| t.sentence == sentence)
            .map(|_| doc.lower_tok(end_tok + k))
    };
    match after(1) {
        Some("of" | "owned" | "stake" | "share" | "stakes" | "shares" | "owner" | "majority") => {
            true
        }
        Some("or") => after(2) == Some("more"),
        _ => false,
    }
}

/// A market move ("rose", "fell", not "fell to") within `reach` tokens
/// before token `at` in its sentence.
fn market_verb_before(doc: &Doc<'_>, at: usize, reach: usize) -> bool {
    let sentence = doc.tokens[at].sentence;
    (at.saturating_sub(reach)..at).any(|k| {
        doc.tokens[k].sentence == sentence && doc.has(k, flag::MARKET_VERB) && !level_verb(doc, k)
    })
}

/// How many tokens before a verb governing a rate a market report may begin
/// ("Shares of Rémy Cointreau rose 3% and Pernod Ricard added 1.2%": the
/// verb's rate is one more price move, not a tariff).
const MARKET_REACH: usize = 8;

/// Token `k` is a tariff word; a compound counts by its last part
/// ("counter-tariffs", "anti-subsidy duties").
fn is_cue(doc: &Doc<'_>, m: &Model, k: usize) -> bool {
    if doc.has(k, flag::TARIFF_CUE) {
        return true;
    }
    // Most words have no hyphen: a byte scan says so faster than a search
    // for the last one.
    let w = doc.lower_tok(k);
    w.as_bytes().contains(&b'-')
        && w.rsplit_once('-')
            .is_some_and(|(_, last)| m.lex.tariff_cue.contains(last))
}

/// Token `k` is a tax at home, not a tariff: a tax or levy on revenue,
/// income or profits, or "tax" or "taxes" after a word that says so
/// ("digital services tax", "income taxes") or bare with nothing in its
/// sentence that points at trade, no import or goods word and no
/// "on"/"from" before a name ("The 3% tax applies to revenue ..." is a
/// domestic tax; "a 10% tax on imported steel" and "a 25% tax on Mexican
/// steel" are tariffs).
fn domestic_tax(doc: &Doc<'_>, m: &Model, k: usize) -> bool {
    // "a 3 percent levy on revenue that tech firms earn": a charge on what
    // a firm earns is a tax, whatever it is called.
    let on_earnings = k + 2 < doc.tokens.len()
        && doc.tok(k + 1) == "on"
        && matches!(
            doc.lower_tok(k + 2),
            "revenue" | "revenues" | "income" | "incomes" | "profits" | "earnings" | "turnover"
        );
    if on_earnings && matches!(doc.lower_tok(k), "tax" | "taxes" | "levy" | "levies") {
        return true;
    }
    // "an excise tax", "stamp duty": a word before it says so.
    let word = doc.lower_tok(k);
    let taxed = matches!(word, "tax" | "taxes");
    if (taxed || matches!(word, "duty" | "duties"))
        && k > 0
        && m.lex.domestic_tax.contains(doc.lower_tok(k - 1))
    {
        return true;
    }
    if !taxed {
        return false;
    }
    let (s0, s1) = doc.sentences[doc.tokens[k].sentence];
    let toks = doc.tokens_in(s0, s1);
    let trade_word = toks
        .clone()
        .any(|j| m.lex.tax_trade_word.contains(doc.lower_tok(j)));
    let named_object = (k + 1..toks.end.min(k + 8)).any(|j| {
        matches!(doc.lower_tok(j), "on" | "from" | "against")
            && (j + 1..toks.end.min(j + 4)).any(|n| doc.has(n, flag::CAP))
    });
    !trade_word && !named_object
}

/// Sentence `s` has a tariff word ("Kiwifruit growers, who now pay 30%,
/// will see that duty eliminated").
fn cue_in_sentence(doc: &Doc<'_>, m: &Model, s: usize) -> bool {
    let (s0, s1) = doc.sentences[s];
    doc.tokens_in(s0, s1).any(|k| is_cue(doc, m, k))
}

/// The verb of imposing or paying right before the rate at `i..=end_tok` ("pay
/// 25%", "got nineteen per cent", "was set at 20%", "charges 100%"), with
/// at most an adverb or "at" between; nothing comparative after the rate
/// ("paid 5% more").
fn rate_verb(doc: &Doc<'_>, i: usize, end_tok: usize) -> Option<usize> {
    let after = doc
        .tokens
        .get(end_tok + 1)
        .map(|_| doc.lower_tok(end_tok + 1));
    if matches!(
        after,
        Some("more" | "less" | "higher" | "lower" | "above" | "below")
    ) {
        return None;
    }
    let verb = |k: usize| doc.has(k, flag::IMPOSE_VERB | flag::TARGET_VERB);
    let sentence = doc.tokens[i].sentence;
    (i.saturating_sub(3)..i)
        .rev()
        .find(|&k| doc.tokens[k].sentence == sentence && verb(k))
        .filter(|&k| {
            (k + 1..i).all(|j| doc.lower_tok(j) == "at" || doc.has(j, flag::WORD) && !verb(j))
        })
}

/// Token `k` says a percentage is no tariff rate.
fn is_blocker(doc: &Doc<'_>, k: usize) -> bool {
    doc.has(k, flag::RATE_BLOCKER | flag::MARKET_VERB)
}

/// The tariff word governing the rate: right after it ("a 10 percent
/// tariff", "a 15% U.S. tariff") or earlier in the sentence ("tariffs ...
/// to 50%").
fn cue_for(doc: &Doc<'_>, m: &Model, i: usize, end_tok: usize) -> Option<usize> {
    let sentence = doc.tokens[i].sentence;
    let n = doc.tokens.len();
    let mut k = end_tok + 1;
    let mut words = 0;
    while k < n && doc.tokens[k].sentence == sentence && words < 4 {
        if is_cue(doc, m, k) {
            // "a 3% digital services tax": the rate is that tax's.
            return (!domestic_tax(doc, m, k)).then_some(k);
        }
        let w = doc.lower_tok(k);
        if is_blocker(doc, k) || matches!(w, "," | ";" | "on" | "from" | "to" | "of" | "and" | "in")
        {
            break;
        }
        if doc.tokens[k].kind == TokKind::Word {
            words += 1;
        }
        k += 1;
    }
    let mut k = i;
    // Past a verb of movement, the tariff word must be its subject, a few
    // words before it ("India's tariff on Scotch whisky ... falls to 75%").
    let mut first = 0;
    while k > first && doc.tokens[k - 1].sentence == sentence {
        k -= 1;
        if is_cue(doc, m, k) {
            // "interest rate", "growth rate": the word before decides.
            let qualified = k > 0 && is_blocker(doc, k - 1) || domestic_tax(doc, m, k);
            return (!qualified).then_some(k);
        }
        if level_verb(doc, k) {
            first = k.saturating_sub(SUBJECT_REACH);
            continue;
        }
        if is_blocker(doc, k) {
            return None;
        }
    }
    None
}

/// How many tokens before a verb of movement its tariff subject may stand.
const SUBJECT_REACH: usize = 14;

fn is_preposition(w: &str) -> bool {
    matches!(
        w,
        "on" | "from" | "against" | "for" | "to" | "of" | "with" | "in" | "at" | "into" | "by"
    )
}

/// True when the party is the object of a preposition ("on Chinese goods").
fn after_preposition(doc: &Doc<'_>, p: &Party) -> Option<&'static str> {
    let mut k = p.tok;
    for _ in 0..3 {
        if k == 0 {
            return None;
        }
        k -= 1;
        let w = doc.tok(k);
        if let Some(prep) = [
            "on", "from", "against", "for", "to", "of", "with", "in", "at", "into", "by",
        ]
        .into_iter()
        .find(|&x| x == w)
        {
            return Some(prep);
        }
        if !matches!(
            w,
            "the" | "a" | "most" | "all" | "some" | "many" | "its" | "other" | "imported"
        ) {
            return None;
        }
    }
    None
}

/// Token `k` is an imposing verb in the passive with "with" or "at"
/// ("Lesotho was threatened with a 50% rate", "Sri Lanka was set at 20%"):
/// its subject suffers the rate.
fn passive_with(doc: &Doc<'_>, k: usize) -> bool {
    doc.has(k, flag::IMPOSE_VERB)
        && k + 1 < doc.tokens.len()
        && matches!(doc.lower_tok(k + 1), "with" | "at")
        && (k >= 1 && is_be(doc, k - 1)
            || k >= 2 && is_be(doc, k - 2) && doc.has(k - 1, flag::WORD))
}

/// Token `j` is a form of "be" (or "get") that makes a passive.
fn is_be(doc: &Doc<'_>, j: usize) -> bool {
    matches!(
        doc.lower_tok(j),
        "is" | "are" | "was" | "were" | "be" | "been" | "being" | "get" | "got"
    )
}

/// The subject of imposing verb `k` when the verb is a passive participle
/// ("Ugandan beans had been charged a 15% duty", "Indian goods are taxed
/// 50%"): the subject pays the rate. Not a party that owns a tariff word
/// ("China's tariffs were raised"), and not before "to", where the subject
/// is a level ("… was raised to 25%").
fn passive_subject<'p, 'a>(
    doc: &Doc<'_>,
    m: &Model,
    in_clause: &[&'p Party<'a>],
    k: usize,
) -> Option<&'p Party<'a>> {
    let participle = doc.lower_tok(k).ends_with("ed")
        && k >= 1
        && is_be(doc, k - 1)
        && k + 1 < doc.tokens.len()
        && doc.tok(k + 1) != "to";
    if !participle {
        return None;
    }
    subject_party_before(doc, in_clause, k).filter(|p| {
        !matches!(doc.tok(p.tok_end), "'s" | "’s") && !(p.tok_end..k).any(|j| is_cue(doc, m, j))
    })
}

/// "the 10 percent applied to Australia": the party a rate is applied
/// to is its target (the rate's when no other number comes between).
fn applied_to(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    let to = p.tok - usize::from(p.tok > 0 && doc.tok(p.tok - 1) == "the");
    to >= 2
        && doc.tok(to - 1) == "to"
        && matches!(
            doc.lower_tok(to - 2),
            "applied" | "applies" | "apply" | "applying"
        )
}

/// "to most Indonesian imports", "applies to Canadian metal", "to Russian
/// and Belarusian agricultural products": a party after "to" that names
/// whose goods, past the parties joined to it and two lower-case words.
fn goods_to(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    if after_preposition(doc, p) != Some("to") {
        return false;
    }
    let n = doc.tokens.len();
    let mut k = p.tok_end;
    while k + 1 < n
        && k < p.tok_end + 6
        && matches!(doc.tok(k), "and" | "," | "or")
        && doc.has(k + 1, flag::CAP)
    {
        k += 2;
    }
    (k..(k + 3).min(n))
        .find(|&j| !doc.plain_word(j) || goods_noun(doc, j))
        .is_some_and(|j| goods_noun(doc, j))
}

/// Token `k` is a noun for goods that follows the party whose goods they
/// are ("Canadian metal").
fn goods_noun(doc: &Doc<'_>, k: usize) -> bool {
    matches!(
        doc.lower_tok(k),
        "imports"
            | "goods"
            | "products"
            | "exports"
            | "shipments"
            | "metal"
            | "metals"
            | "steel"
            | "aluminum"
            | "aluminium"
            | "cars"
            | "vehicles"
            | "autos"
            | "produce"
    )
}

/// The party's first token, or the "the" before it ("the United States").
fn start_with_article(doc: &Doc<'_>, p: &Party<'_>) -> usize {
    let k = p.tok;
    if k > 0 && doc.lower_tok(k - 1) == "the" {
        k - 1
    } else {
        k
    }
}

/// "goods entering the United States": the party is the object of a
/// participle, not a subject.
fn after_participle(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    let k = start_with_article(doc, p);
    k > 0 && {
        let w = doc.tok(k - 1);
        w.len() > 4
            && w.ends_with("ing")
            && doc.has(k - 1, flag::WORD)
            && !doc.has(k - 1, flag::CAP)
    }
}

/// Verbs that show the party before them is a clause's subject ("Oman
/// will ...").
const AUXILIARIES: [&str; 11] = [
    "will", "would", "shall", "can", "could", "may", "must", "has", "had", "is", "was",
];

/// The party a pronoun before the tariff stands for: "he paused 25%
/// tariffs on Canada" is the country of the last person named before it
/// (none when that person has no country); "its tariff of up to 50%" is the
/// last country or bloc named before it as a subject, not after a
/// preposition ("Washington will cut its tariffs", "Indonesia will
/// eliminate tariffs on EU goods ... Its tariff"), and in a ", which"
/// clause the main clause's subject.
fn pronoun_imposer<'a>(
    doc: &Doc<'_>,
    parties: &[Party<'a>],
    ents: &'a Entities<'_>,
    c0: usize,
    head: usize,
) -> Option<&'a str> {
    let k = (c0..head).find(|&k| matches!(doc.lower_tok(k), "he" | "she" | "its" | "their"))?;
    if matches!(doc.lower_tok(k), "he" | "she") {
        let at = doc.tokens[k].start;
        return ents
            .mentions
            .iter()
            .filter(|f| f.start < at && ents.drafts[f.ent].kind == EntityKind::Person)
            .max_by_key(|f| f.start)
            .and_then(|f| ents.drafts[f.ent].country.as_deref());
    }
    // The possessive opens the clause (else the clause names its owner:
    // "Washington will cut its tariffs") and heads the tariff's own
    // phrase: only lower-case words (and the rate) between it and the
    // tariff word.
    let opens = (c0..k).all(|j| doc.tokens[j].kind == TokKind::Punct);
    // "Oman will scrap duties on Indian goods, which now pay its 5% tariff":
    // in a relative clause the possessive is the main clause's subject.
    let relative = (c0 + 1..k)
        .rev()
        .find(|&j| matches!(doc.lower_tok(j), "which" | "that") && doc.tok(j - 1) == ",")
        .filter(|&j| {
            (j + 1..k).all(|w| doc.tokens[w].kind == TokKind::Word && !doc.has(w, flag::CAP))
        });
    if let Some(j) = relative {
        return parties
            .iter()
            .find(|p| {
                p.tok >= c0
                    && p.tok_end < j
                    && !p.agent_only
                    && after_preposition(doc, p).is_none()
                    && (doc.has(p.tok_end, flag::IMPOSE_VERB)
                        || AUXILIARIES.contains(&doc.lower_tok(p.tok_end)))
            })
            .map(|p| p.id);
    }
    let modifies = opens
        && (k + 1..head).all(|j| {
            doc.tokens[j].kind != TokKind::Word
                || !doc.has(j, flag::CAP) && !is_preposition(doc.tok(j))
        });
    if !modifies {
        return None;
    }
    parties
        .iter()
        .rev()
        .find(|p| p.tok_end <= k && !p.agent_only && after_preposition(doc, p).is_none())
        .map(|p| p.id)
}

/// "Imports from Laos will face", "shipments from Indonesia and India were
/// hit with", "imports of Chinese electric vehicles will be subject to":
/// the party names where the subject's goods come from.
fn goods_from(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    let Some(prep @ ("from" | "of")) = after_preposition(doc, p) else {
        return false;
    };
    (p.tok.saturating_sub(3)..p.tok).any(|k| {
        doc.tok(k) == prep
            && k > 0
            && matches!(
                doc.lower_tok(k - 1),
                "imports" | "goods" | "products" | "exports" | "shipments" | "steel" | "cars"
            )
    })
}

/// Gapping: "Serbia faces 35% and Bosnia 30%", "goods from India face 25%,
/// and those from Bangladesh and Vietnam 20%", "…, and Vietnamese goods
/// 20%". The parties right before the rate at token `n`, after an "and"
/// that left the verb out, are whom that rate falls on.
fn gapped_subject<'p, 'a>(
    doc: &Doc<'_>,
    in_clause: &[&'p Party<'a>],
    n: usize,
) -> Option<Vec<&'p Party<'a>>> {
    // "and Vietnamese goods 20%": a noun for goods may stand between.
    let last = in_clause.iter().rev().find(|p| {
        !p.agent_only && (p.tok_end == n || p.tok_end + 1 == n && goods_noun(doc, p.tok_end))
    })?;
    let mut group = vec![*last];
    let mut first = last.tok;
    let before = last.tok;
    for q in in_clause.iter().rev().filter(|q| q.tok_end < before) {
        let joined = doc.coordinated(q.tok_end, first);
        if q.agent_only || !joined {
            break;
        }
        group.insert(0, *q);
        first = q.tok;
    }
    let mut k = first;
    if k >= 2
        && doc.lower_tok(k - 1) == "from"
        && matches!(
            doc.lower_tok(k - 2),
            "those" | "goods" | "imports" | "products"
        )
    {
        k -= 2;
    }
    (k >= 1 && doc.lower_tok(k - 1) == "and").then_some(group)
}

/// Party `p` is one of the gapped subjects ([`gapped_subject`]) of a rate
/// other than the one at token `i`: the parties joined to it end right
/// before that rate.
fn gapped_elsewhere(doc: &Doc<'_>, in_clause: &[&Party<'_>], p: &Party<'_>, i: usize) -> bool {
    let mut end = p.tok_end;
    let from = p.tok_end;
    for q in in_clause.iter().filter(|q| q.tok >= from) {
        let joined = doc.coordinated(end, q.tok);
        if !joined {
            break;
        }
        end = q.tok_end;
    }
    if end < doc.tokens.len() && goods_noun(doc, end) {
        end += 1;
    }
    end != i
        && end < doc.tokens.len()
        && rate_at(doc, end).is_some()
        && gapped_subject(doc, in_clause, end).is_some_and(|g| g.iter().any(|x| x.tok == p.tok))
}

/// "32.6 percent for producers in Taiwan", "on goods made in Vietnam": the
/// party is where the goods are made.
fn makers_in(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    let k = start_with_article(doc, p);
    k > 1
        && doc.tok(k - 1) == "in"
        && matches!(
            doc.lower_tok(k - 2),
            "producers"
                | "exporters"
                | "manufacturers"
                | "makers"
                | "companies"
                | "firms"
                | "made"
                | "produced"
                | "manufactured"
                | "built"
                | "assembled"
        )
}

/// "goods entering the EU", "cars will enter the United States at a 10
/// percent tariff", "imported into Canada": the party is where the
/// goods arrive.
fn entered(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    let k = start_with_article(doc, p);
    k > 0
        && (matches!(doc.tok(k - 1), "entering" | "enter" | "enters")
            || k > 1
                && doc.tok(k - 1) == "into"
                && ["import", "ship"]
                    .iter()
                    .any(|w| doc.lower_tok(k - 2).starts_with(w)))
}

/// "on C$30 billion of U.S. goods", "on a range of Brazilian products": an
/// "of" object that belongs to an "on" a few words before.
fn of_after_on(doc: &Doc<'_>, p: &Party<'_>) -> bool {
    after_preposition(doc, p) == Some("of")
        && (p.tok.saturating_sub(7)..p.tok).any(|k| doc.tok(k) == "on")
}

/// Start of the clause containing token `i` (";", ":", "while", "but").
fn clause_start(doc: &Doc<'_>, i: usize) -> usize {
    let sentence = doc.tokens[i].sentence;
    let mut k = i;
    while k > 0 && doc.tokens[k - 1].sentence == sentence {
        if matches!(doc.tok(k - 1), ";" | ":" | "while" | "whereas" | "but") {
            break;
        }
        k -= 1;
    }
    k
}

fn clause_end(doc: &Doc<'_>, i: usize) -> usize {
    let sentence = doc.tokens[i].sentence;
    let mut k = i;
    while k < doc.tokens.len() && doc.tokens[k].sentence == sentence {
        if matches!(doc.tok(k), ";" | ":" | "while" | "whereas" | "but") {
            break;
        }
        k += 1;
    }
    k
}

fn read_direction<'a>(
    doc: &Doc<'_>,
    m: &Model,
    parties: &[Party<'a>],
    ents: &'a Entities<'_>,
    cue: usize,
    verb_only: bool,
    r: &mut Rate<'a>,
) {
    let (i, end_tok) = (r.tok, r.end_tok);
    let c0 = clause_start(doc, i.min(cue));
    let c1 = clause_end(doc, i.max(cue));
    let in_clause: Vec<&Party<'_>> = parties
        .iter()
        .filter(|p| p.tok >= c0 && p.tok_end <= c1)
        .collect();

    // Imposer 1: a party inside the tariff noun phrase (none when a verb
    // governs the rate: "Pakistan got 19%").
    let np = if cue > end_tok {
        in_clause
            .iter()
            .find(|p| p.tok > end_tok && p.tok_end <= cue)
    } else {
        None
    }
    .or_else(|| {
        // "Mercosur's 35% tariff", "the EU's standard 10% import tariff",
        // "U.S. tariffs stand at 30 percent".
        let head = if cue < i { cue } else { i };
        in_clause.iter().rev().find(|p| {
            p.tok_end <= head
                && head - p.tok_end <= 3
                && (p.tok_end..head).all(|k| {
                    let w = doc.tok(k);
                    matches!(
                        w,
                        "'s" | "’s"
                            | "the"
                            | "a"
                            | "an"
                            | "standard"
                            | "own"
                            | "new"
                            | "additional"
                            | "current"
                            | "existing"
                    ) || (doc.tokens[k].kind == TokKind::Word
                        && !is_preposition(w)
                        && !doc.has(k, flag::IMPOSE_VERB | flag::TARGET_VERB)
                        && w.chars().all(|c| c.is_lowercase() || c == '-'))
                })
                && (after_preposition(doc, p).is_none()
                    || matches!(doc.tok(p.tok_end), "'s" | "’s"))
        })
    });
    // "U.S. levies on Chinese goods falling to 30 percent and China's on
    // American goods to 10 percent": a possessive whose tariff word is left
    // out owns the rate after it.
    let elided = if cue < i {
        in_clause.iter().copied().rev().find(|p| {
            p.tok > cue
                && p.tok_end + 1 < i
                && matches!(doc.tok(p.tok_end), "'s" | "’s")
                && doc.tok(p.tok_end + 1) == "on"
        })
    } else {
        None
    };
    r.imposer = elided.or(np.copied()).filter(|_| !verb_only).map(|p| p.id);

    // "the 20% agreed by Vietnam": the party that agreed to the rate pays
    // it, and the other side of the deal imposes it.
    let base = cue.max(end_tok);
    let agreed_by = agreed_by(doc, &in_clause, base, c1).filter(|p| Some(p.id) != r.imposer);
    // "the 25% that Washington has told Japan and South Korea to expect":
    // the subject of a giving verb after the rate imposes it on the
    // verb's objects.
    let given = (r.imposer.is_none() && agreed_by.is_none())
        .then(|| given_to(doc, &in_clause, base, c1))
        .flatten();
    // Imposer 2: "imposed by X", "duties President Trump imposed" (not
    // the subject of a clause a conjunction opens: "to 125% after Beijing
    // imposed ...").
    if let Some((giver, _)) = &given {
        r.imposer = Some(giver);
    } else if r.imposer.is_none() && agreed_by.is_none() {
        r.imposer = in_clause
            .iter()
            .find(|p| {
                p.tok > base
                    && p.tok - base <= 5
                    && (p.tok > 0 && doc.tok(p.tok - 1) == "by"
                        || doc.has(p.tok_end, flag::IMPOSE_VERB)
                            && !(base + 1..p.tok).any(|k| CONJUNCTIONS.contains(&doc.lower_tok(k))))
            })
            .map(|p| p.id);
    }
    // Imposer 3: the market where the rate is paid, "face a 10% tariff in
    // the United States", "duties in Korea", "cars entering Australia pay
    // 5%".
    if r.imposer.is_none() {
        let base = cue.max(end_tok);
        r.imposer = in_clause
            .iter()
            .find(|p| {
                !p.agent_only
                    && (base + 1 < p.tok
                        && doc.tok(base + 1) == "in"
                        && (base + 2..p.tok).all(|k| doc.lower_tok(k) == "the")
                        || p.tok < i && entered(doc, p))
            })
            .map(|p| p.id);
    }
    // Imposer 4: a pronoun for a party named before.
    if r.imposer.is_none() && !verb_only {
        r.imposer = pronoun_imposer(doc, parties, ents, c0, i.min(cue));
    }

    // The nearest verb before the rate decides whose clause this is.
    let mut subject_target: Option<Vec<&str>> = None;
    let mut imposer_is_subject = false;
    let mut k = i;
    while k > c0 {
        k -= 1;
        // "India moves to hit Chinese solar cells with duties of 30%": an
        // active "hit" takes its object with "with"; its subject imposes.
        let hit_object = matches!(doc.lower_tok(k), "hit" | "hits" | "hitting")
            .then(|| {
                let with = (k + 2..i).find(|&j| doc.tok(j) == "with")?;
                in_clause
                    .iter()
                    .find(|p| p.tok > k && p.tok_end <= with && p.tok - k <= 3)
            })
            .flatten();
        if let Some(object) = hit_object {
            if r.imposer.is_none() {
                r.imposer = subject_party_before(doc, &in_clause, k)
                    .map(|p| p.id)
                    .filter(|&s| s != object.id);
                imposer_is_subject = r.imposer.is_some();
            }
            subject_target = Some(vec![object.id]);
            break;
        }
        if doc.has(k, flag::TARGET_VERB) || passive_with(doc, k) {
            // "Kenyan millers will keep paying ten per cent on imported
            // wheat": buyers of imports pay their own government's tariff.
            let buyer = in_clause.iter().rev().find(|p| {
                !p.agent_only
                    && p.tok_end < k
                    && k - p.tok_end <= 3
                    && IMPORTERS.contains(&doc.lower_tok(p.tok_end))
                    && (p.tok_end + 1..k).all(|j| doc.plain_word(j))
            });
            if let Some(p) = buyer {
                if r.imposer.is_none() {
                    r.imposer = Some(p.id);
                    imposer_is_subject = true;
                }
                break;
            }
            // The nearest party before the verb, and those coordinated with
            // it ("Cambodia, Indonesia and Pakistan got 19%").
            let mut subjects: Vec<&str> = Vec::new();
            let mut next_tok = k;
            for p in in_clause.iter().rev().filter(|p| {
                p.tok_end <= k
                    && !p.agent_only
                    && (after_preposition(doc, p).is_none() || goods_from(doc, p))
                    && !after_participle(doc, p)
            }) {
                let joined =
                    (p.tok_end..next_tok).all(|j| matches!(doc.tok(j), "," | "and" | "or" | "the"));
                if !subjects.is_empty() && !joined {
                    break;
                }
                if !subjects.contains(&p.id) {
                    subjects.insert(0, p.id);
                }
                next_tok = p.tok;
            }
            if !subjects.is_empty() {
                subject_target = Some(subjects);
                break;
            }
        } else if doc.has(k, flag::IMPOSE_VERB) {
            if let Some(p) = passive_subject(doc, m, &in_clause, k) {
                subject_target = Some(vec![p.id]);
                break;
            }
            if r.imposer.is_none() {
                let subject = subject_party_before(doc, &in_clause, k);
                r.imposer = subject.map(|p| p.id).or_else(|| {
                    the_government(doc, k)
                        .then(|| main_party_but(parties, None))
                        .flatten()
                });
                r.co_imposers =
                    subject.map_or_else(Vec::new, |p| coordinated_before(doc, &in_clause, p));
                imposer_is_subject = r.imposer.is_some();
            }
            break;
        }
    }

    // Target 1: "on Chinese goods", "on imports from China", "to most
    // Indonesian imports"; a rate with its own object after it ("... and
    // 20% on Vietnam") takes that one. The subject of an imposing verb
    // yields to an object naming the same party ("Taipei seeks to lower a
    // 20% tariff on Taiwanese goods": someone else imposes it).
    // "13 per cent, against 3 per cent for cargoes from Brazil": a rate set
    // against this one takes the parties after it.
    let contrast_at = (end_tok + 1..c1).find(|&k| {
        let contrast = match doc.lower_tok(k - 1) {
            "against" | "versus" | "vs" | "than" => true,
            "with" => k >= 2 && doc.lower_tok(k - 2) == "compared",
            _ => false,
        };
        doc.tokens[k].kind == TokKind::Number && contrast && rate_at(doc, k).is_some()
    });
    let object = |from: usize, last: usize| {
        in_clause.iter().copied().find(|p| {
            p.tok > from
                && p.tok <= last
                && contrast_at.is_none_or(|k| p.tok < k)
                // Another rate of the clause takes it by gapping ("... 25%,
                // and those from Bangladesh 20%").
                && !gapped_elsewhere(doc, &in_clause, p, i)
                && !p.agent_only
                && (matches!(
                    after_preposition(doc, p),
                    Some("on" | "from" | "against" | "for")
                ) || of_after_on(doc, p)
                    || goods_to(doc, p)
                    || applied_to(doc, p)
                        && p.tok > end_tok
                        && (end_tok + 1..p.tok).all(|k| doc.tokens[k].kind != TokKind::Number)
                    || makers_in(doc, p))
                && (imposer_is_subject || Some(p.id) != r.imposer)
        })
    };
    let own_object = cue < i
        && end_tok + 1 < c1
        && matches!(
            doc.lower_tok(end_tok + 1),
            "on" | "from" | "against" | "for"
        );
    let explicit = own_object
        .then(|| object(end_tok, end_tok + 5))
        .flatten()
        .or_else(|| {
            let from = elided.map_or(if cue < i { cue } else { end_tok }, |p| p.tok_end);
            object(from, end_tok + 12)
        });
    if explicit.is_some_and(|p| Some(p.id) == r.imposer) {
        r.imposer = None;
    }
    if let Some(group) = gapped_subject(doc, &in_clause, i) {
        let t: Vec<&str> = group
            .iter()
            .map(|p| p.id)
            .filter(|&id| Some(id) != r.imposer)
            .collect();
        r.targets = (!t.is_empty()).then_some(t);
    } else if let Some(p) = explicit {
        r.targets = Some(coordinated_with(doc, &in_clause, p, r.imposer));
    } else if all_targets_after(doc, m, cue.max(end_tok), c1) {
        // "spared the 50% rate applied to most other countries": the rate's
        // own phrase says it falls on everyone, whoever the subject is
        // (the global flag is set below).
    } else if let Some(subjects) = subject_target {
        let t: Vec<&str> = subjects
            .into_iter()
            .filter(|&s| Some(s) != r.imposer)
            .collect();
        if !t.is_empty() {
            r.targets = Some(t);
        }
    }
    if r.targets.is_none() {
        r.targets = given
            .map(|(_, objects)| objects)
            .or_else(|| agreed_by.map(|p| coordinated_with(doc, &in_clause, p, r.imposer)));
    }
    if r.targets.is_none() {
        // "For South Korea, the rate rises to 25%": a fronted "for" phrase
        // names whom the sentence's rates fall on.
        r.targets = fronted_for(doc, parties, r.sentence)
            .filter(|p| Some(p.id) != r.imposer)
            .map(|p| vec![p.id]);
    }
    if r.targets.is_none() {
        // Multi-word phrases ("all trading partners") count anywhere in the
        // clause; a single word ("imports", "baseline") only within seven
        // words after the tariff word or the rate.
        // One pass over the clause; a phrase is tried only where its first
        // word is (the tokenizer marked those).
        let anywhere = (c0..c1).any(|k| long_all_targets_at(doc, m, k, c1));
        // "The average effective U.S. tariff rate is about 18%": an average
        // over every partner ("effective" alone may be a date: "Effective
        // Aug. 1, a 25% tariff ...").
        let averaged = (cue.saturating_sub(7).max(c0)..cue).any(|k| doc.lower_tok(k) == "average");
        r.global = anywhere
            || averaged
            || m.lex
                .all_targets_words
                .iter()
                .filter(|words| words.len() == 1)
                .any(|words| {
                    [cue, end_tok].iter().any(|&from| {
                        (from..(from + 7).min(c1)).any(|k| words_at(doc, k, c1, words))
                    })
                });
    }
}

/// Verbs before "by" whose agent accepted a rate rather than set it ("the
/// 20% agreed by Vietnam").
const AGREED: [&str; 7] = [
    "agreed",
    "accepted",
    "secured",
    "negotiated",
    "won",
    "obtained",
    "struck",
];

/// Those who buy imports: the tariff they pay is their own government's.
const IMPORTERS: [&str; 8] = [
    "importers",
    "buyers",
    "consumers",
    "shoppers",
    "millers",
    "retailers",
    "households",
    "customers",
];

/// Verbs that give a rate to their objects ("told Japan to expect",
/// "offered India").
const GIVING: [&str; 12] = [
    "told", "tells", "offered", "offers", "promised", "promises", "gave", "gives", "granted",
    "grants", "charged", "charges",
];

/// "the 20% agreed by (the) Vietnam": the party after an [`AGREED`] verb
/// and "by" within three words of the rate ending at `base`, inside the
/// clause ending at `c1`.
fn agreed_by<'p, 'a>(
    doc: &Doc<'_>,
    in_clause: &[&'p Party<'a>],
    base: usize,
    c1: usize,
) -> Option<&'p Party<'a>> {
    let by = (base + 2..(base + 4).min(c1)).find(|&k| doc.tok(k) == "by")?;
    if by + 1 >= c1 || !AGREED.contains(&doc.lower_tok(by - 1)) {
        return None;
    }
    let at = by + 1 + usize::from(doc.lower_tok(by + 1) == "the");
    in_clause
        .iter()
        .copied()
        .find(|p| p.tok == at && !p.agent_only)
}

/// Party `first` and the parties coordinated after it ("from Canada and
/// Mexico"), in order, without `but`'s id or repeats: they share a rate.
fn coordinated_with<'a>(
    doc: &Doc<'_>,
    in_clause: &[&Party<'a>],
    first: &Party<'a>,
    but: Option<&str>,
) -> Vec<&'a str> {
    let mut out = vec![first.id];
    let mut last = first.tok_end;
    for q in in_clause
        .iter()
        .filter(|q| q.tok >= first.tok_end && !q.agent_only)
    {
        let joined = (last..q.tok).all(|k| matches!(doc.tok(k), "and" | "," | "or" | "the"));
        if !joined || q.tok == last {
            break;
        }
        if !out.contains(&q.id) && Some(q.id) != but {
            out.push(q.id);
        }
        last = q.tok_end;
    }
    out
}

/// After the rate ending at `base`: "(that|which) X (has|have|had) told Y
/// (and Z)", within the clause ending at `c1`. X, a party, imposes; Y and
/// the parties coordinated with it are the targets.
fn given_to<'a>(
    doc: &Doc<'_>,
    in_clause: &[&Party<'a>],
    base: usize,
    c1: usize,
) -> Option<(&'a str, Vec<&'a str>)> {
    let mut k = base + 1;
    if k < c1 && matches!(doc.lower_tok(k), "that" | "which") {
        k += 1;
    }
    let giver = in_clause.iter().find(|p| p.tok == k)?;
    k = giver.tok_end;
    while k < c1 && matches!(doc.lower_tok(k), "has" | "have" | "had" | "will" | "would") {
        k += 1;
    }
    if k >= c1 || !GIVING.contains(&doc.lower_tok(k)) {
        return None;
    }
    // The object right after the verb, or after its article.
    let object = in_clause.iter().find(|p| {
        (p.tok == k + 1 || p.tok == k + 2 && doc.tok(k + 1) == "the")
            && !p.agent_only
            && p.id != giver.id
    })?;
    Some((
        giver.id,
        coordinated_with(doc, in_clause, object, Some(giver.id)),
    ))
}

/// The lower-case `words` start at token `k` and end before `c1`.
fn words_at(doc: &Doc<'_>, k: usize, c1: usize, words: &[String]) -> bool {
    k + words.len() <= c1
        && words
            .iter()
            .enumerate()
            .all(|(j, w)| doc.lower_tok(k + j) == w)
}

/// A phrase of several words meaning "on every country" ("all trading
/// partners") starts at token `k` and ends before `c1`.
fn long_all_targets_at(doc: &Doc<'_>, m: &Model, k: usize, c1: usize) -> bool {
    doc.has(k, flag::ALL_TARGETS_FIRST)
        && m.lex
            .all_targets_words
            .iter()
            .any(|words| words.len() > 1 && words_at(doc, k, c1, words))
}

/// Such a phrase within five words after token `base` (the rate or its
/// tariff word), before `c1`.
fn all_targets_after(doc: &Doc<'_>, m: &Model, base: usize, c1: usize) -> bool {
    (base + 1..(base + 6).min(c1)).any(|k| long_all_targets_at(doc, m, k, c1))
}

/// The party of a sentence that opens with "For <party>," or "For <party>
/// <a word or two>," (quotes and "the" aside).
fn fronted_for<'p, 'a>(
    doc: &Doc<'_>,
    parties: &'p [Party<'a>],
    sentence: usize,
) -> Option<&'p Party<'a>> {
    let mut k = doc.token_at(doc.sentences[sentence].0);
    while k < doc.tokens.len() && matches!(doc.tok(k), "\"" | "“" | "‘" | "'" | "(") {
        k += 1;
    }
    if k >= doc.tokens.len() || !doc.tok(k).eq_ignore_ascii_case("for") {
        return None;
    }
    k += 1;
    if k < doc.tokens.len() && doc.lower_tok(k) == "the" {
        k += 1;
    }
    let p = parties.iter().find(|p| p.tok == k && !p.agent_only)?;
    // "For Vietnam,", "For Canadian sawmills,".
    let comma = (p.tok_end..doc.tokens.len().min(p.tok_end + 3))
        .find(|&j| !doc.has(j, flag::WORD) || doc.has(j, flag::CAP))?;
    (doc.tok(comma) == ",").then_some(p)
}

/// "The government cut the tariff", "the committee imposed duties": the
/// subject of verb token `v` is an unnamed government body, the article's
/// own.
fn the_government(doc: &Doc<'_>, v: usize) -> bool {
    (v.saturating_sub(3)..v).any(|k| {
        GOVERNMENT_BODIES.contains(&doc.lower_tok(k)) && k > 0 && doc.lower_tok(k - 1) == "the"
    })
}

/// Words for a government or one of its bodies, after "the".
const GOVERNMENT_BODIES: [&str; 7] = [
    "government",
    "committee",
    "commission",
    "ministry",
    "cabinet",
    "authorities",
    "administration",
];

/// "both sides suspended an additional 24 per cent duty": the rate at `i`
/// follows words that name two parties at once ("both sides", "the two
/// countries") in its sentence as a subject (not "the agreement
/// between the two countries"), with no party named between.
fn both_sides_before(doc: &Doc<'_>, parties: &[Party<'_>], i: usize) -> bool {
    let sentence = doc.tokens[i].sentence;
    let Some(k) = (1..i)
        .rev()
        .take_while(|&k| doc.tokens[k].sentence == sentence)
        .find(|&k| {
            matches!(doc.lower_tok(k), "sides" | "countries")
                && matches!(doc.lower_tok(k - 1), "both" | "two")
        })
    else {
        return false;
    };
    // The word before the phrase ("the two sides"), before its article.
    let mut before = k - 1;
    if before > 0 && doc.lower_tok(before - 1) == "the" {
        before -= 1;
    }
    let governed = before > 0 && {
        let w = doc.lower_tok(before - 1);
        is_preposition(w) || matches!(w, "between" | "among")
    };
    !governed && !parties.iter().any(|p| p.tok > k && p.tok < i)
}

/// The country or bloc the article names most often (first on a tie),
/// other than `but`.
fn main_party_but<'a>(parties: &[Party<'a>], but: Option<&str>) -> Option<&'a str> {
    mode(
        parties
            .iter()
            .filter(|p| !p.agent_only && Some(p.id) != but)
            .map(|p| p.id)
            .collect(),
    )
}

/// The most frequent of `values`; ties go to the value seen first.
fn mode(values: Vec<&str>) -> Option<&str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in &values {
        *counts.entry(v).or_insert(0) += 1;
    }
    let best = counts.values().copied().max()?;
    values.into_iter().find(|v| counts[v] == best)
}

/// The party right before verb token `v`: at most six tokens back, no comma
/// in between, not the object of a preposition; or the antecedent of a
/// relative ("in step with Washington, which charges").
fn subject_party_before<'p, 'a>(
    doc: &Doc<'_>,
    in_clause: &[&'p Party<'a>],
    v: usize,
) -> Option<&'p Party<'a>> {
    in_clause.iter().copied().rev().find(|p| {
        let relative = p.tok_end + 2 <= v
            && doc.tok(p.tok_end) == ","
            && matches!(doc.tok(p.tok_end + 1), "which" | "who");
        let from = if relative { p.tok_end + 2 } else { p.tok_end };
        p.tok_end <= v
            && v - p.tok_end <= 6
            && !(from..v).any(|k| matches!(doc.tok(k), "," | ";" | ":" | "\"" | "“" | "”"))
            && (relative || after_preposition(doc, list_head(doc, in_clause, p)).is_none())
    })
}

/// The parties listed before subject `last` ("Mexico, the United States
/// and the European Union"), in order, without `last` or repeats. The
/// last join holds "and" or "or" ("the United States, Washington" is no
/// list).
fn coordinated_before<'a>(
    doc: &Doc<'_>,
    in_clause: &[&Party<'a>],
    last: &Party<'a>,
) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::new();
    let mut next = last.tok;
    for q in in_clause
        .iter()
        .rev()
        .filter(|q| q.tok_end <= last.tok && !q.agent_only)
    {
        let join = q.tok_end..next;
        let joined = !join.is_empty()
            && join
                .clone()
                .all(|k| matches!(doc.tok(k), "and" | "," | "or" | "the"));
        let conjunction = join.clone().any(|k| matches!(doc.tok(k), "and" | "or"));
        if !joined || (next == last.tok && !conjunction) {
            break;
        }
        if q.id != last.id && !out.contains(&q.id) {
            out.insert(0, q.id);
        }
        next = q.tok;
    }
    out
}

/// The first party of the list that `p` ends ("Canada" for the "Mexico" of
/// "on goods from Canada and Mexico and doubled ..."), or `p` itself: a
/// list after a preposition is all its object.
fn list_head<'p, 'a>(
    doc: &Doc<'_>,
    in_clause: &[&'p Party<'a>],
    p: &'p Party<'a>,
) -> &'p Party<'a> {
    let mut head = p;
    while let Some(q) = in_clause
        .iter()
        .rev()
        .find(|q| q.tok_end <= head.tok && doc.coordinated(q.tok_end, head.tok))
    {
        head = q;
    }
    head
}

/// "Indonesia and India were hit with rates of 104.6% and 125.9%,
/// respectively": rates that share one list of as many targets, followed by
/// "respectively" in their sentence, take one target each, in order. Rates
/// of that list after "respectively" are not among them ("the 48% and 44%
/// announced for Laos and Myanmar, respectively, ... now pay 19%").
fn respectively(doc: &Doc<'_>, rates: &mut [Rate<'_>]) {
    let mut a = 0;
    while a < rates.len() {
        let same = |r: &Rate<'_>| r.sentence == rates[a].sentence && r.targets == rates[a].targets;
        let run = a + rates[a..].iter().take_while(|r| same(r)).count();
        let (_, s1) = doc.sentences[rates[a].sentence];
        let word = (rates[a].end_tok + 1..doc.tokens.len())
            .take_while(|&k| doc.tokens[k].start < s1)
            .find(|&k| doc.lower_tok(k) == "respectively");
        let b = word.map_or(run, |w| {
            a + rates[a..run].iter().take_while(|r| r.end_tok < w).count()
        });
        let n = b - a;
        let listed =
            n > 1 && word.is_some() && rates[a].targets.as_ref().is_some_and(|t| t.len() == n);
        if listed {
            let targets = rates[a].targets.clone().unwrap_or_default();
            for (r, t) in rates[a..b].iter_mut().zip(targets) {
                r.targets = Some(vec![t]);
            }
        }
        a = b;
    }
}

/// "U.S. tariffs ... stand at 30 percent and Beijing's duties ... at 10
/// percent, down from 145 percent and 125 percent": two earlier levels
/// after "from", joined by "and", pair in order with the sentence's two
/// measures before them.
fn earlier_levels<'a>(doc: &Doc<'_>, rates: &mut [Rate<'a>]) {
    let direction = |r: &Rate<'a>| (r.imposer, r.targets.clone());
    for k in 2..rates.len().saturating_sub(1) {
        let (a, b) = (&rates[k], &rates[k + 1]);
        let pair = a.sentence == b.sentence
            && a.tok > 0
            && doc.lower_tok(a.tok - 1) == "from"
            && b.tok == a.end_tok + 2
            && doc.tok(a.end_tok + 1) == "and"
            && direction(a) == direction(b);
        if !pair {
            continue;
        }
        let before: Vec<usize> = (0..k)
            .filter(|&j| rates[j].sentence == a.sentence)
            .collect();
        if let [x, y] = before[..] {
            let stated = |j: usize| rates[j].imposer.is_some() && rates[j].targets.is_some();
            if stated(x) && stated(y) && direction(&rates[x]) != direction(&rates[y]) {
                for (from, to) in [(x, k), (y, k + 1)] {
                    rates[to].imposer = rates[from].imposer;
                    rates[to].targets = rates[from].targets.clone();
                }
            }
        }
    }
}

/// Fills what the phrasing left open: the same sentence's earlier measure,
/// then the article's usual imposer and target.
fn fill_defaults<'a>(doc: &Doc<'_>, m: &Model, parties: &[Party<'a>], rates: &mut [Rate<'a>]) {
    // Without a rate that says, tariff phrases without rates do ("Indian
    // duties on New Zealand wool").
    let found = std::cell::OnceCell::new();
    let phrases = || {
        found
            .get_or_init(|| phrase_directions(doc, m, parties))
            .clone()
    };
    let usual_imposer = mode(rates.iter().filter_map(|r| r.imposer).collect())
        .or_else(|| mode(phrases().0))
        // The United States, the usual imposer in the news, when it is
        // among the parties named most, its officials and bodies included
        // ("Australia's free trade agreements with China, Japan, the
        // United States and others" in a story of Australia's own tariffs
        // does not make it the imposer).
        .or_else(|| {
            let us = "country:US";
            let mut counts: Vec<(&str, usize)> = Vec::with_capacity(8);
            for p in parties {
                match counts.iter_mut().find(|c| c.0 == p.id) {
                    Some(c) => c.1 += 1,
                    None => counts.push((p.id, 1)),
                }
            }
            let most = counts.iter().map(|c| c.1).max()?;
            counts.iter().find(|c| c.0 == us && c.1 == most).map(|_| us)
        })
        // "The European Commission confirmed its duties": the country or
        // bloc of the public bodies and officials the article names.
        .or_else(|| {
            mode(
                parties
                    .iter()
                    .filter(|p| p.agent_only)
                    .map(|p| p.id)
                    .collect(),
            )
        });
    let usual_target = mode(
        rates
            .iter()
            .filter_map(|r| r.targets.as_ref())
            .filter(|t| t.len() == 1)
            .map(|t| t[0])
            .collect(),
    )
    .or_else(|| mode(phrases().1));
    // The rates whose target the phrasing gave (or said is everyone): a
    // headline rate with the value of one of them means the same measure.
    let stated: Vec<bool> = rates
        .iter()
        .map(|r| r.targets.is_some() || r.global)
        .collect();
    for k in 0..rates.len() {
        let prev = (0..k)
            .rev()
            .find(|&j| rates[j].sentence == rates[k].sentence);
        // A body rate that repeats an earlier stated rate's value ("a
        // tariff of about 100% on imported semiconductors ... 'A 100%
        // tariff with exemptions'") is that measure too.
        let in_title = doc.in_title(doc.tokens[rates[k].tok].start);
        if !stated[k] && prev.is_none() {
            let mut twins = if in_title { 0..rates.len() } else { 0..k };
            let twin = twins.find(|&j| {
                stated[j]
                    && rates[j].value == rates[k].value
                    && rates[j].imposer.is_some()
                    && rates[k].imposer.is_none_or(|i| Some(i) == rates[j].imposer)
            });
            if let Some(j) = twin {
                rates[k].imposer = rates[j].imposer;
                rates[k].targets = rates[j].targets.clone();
                rates[k].global = rates[j].global;
            }
        }
        if rates[k].imposer.is_none() {
            let target = rates[k].targets.as_ref().and_then(|t| t.first()).copied();
            let not_target = |id: &str| Some(id) != target;
            // The usual imposer cannot be this rate's own target ("Beijing
            // ... raised its levies on American goods"): then the nearest
            // party before the rate in its sentence imposes it.
            let s = rates[k].sentence;
            let nearest_before = || {
                parties
                    .iter()
                    .rev()
                    .find(|p| {
                        doc.tokens[p.tok].sentence == s && p.tok < rates[k].tok && not_target(p.id)
                    })
                    .map(|p| p.id)
            };
            // Failing that, in a two-sided dispute, the other side: the
            // party that imposes rates on this target and is a target of its
            // rates ("U.S. soybeans still face a 13% duty" in a story of
            // Washington's and Beijing's tariffs on each other).
            let counterpart = || {
                let target = target?;
                let on = |imposer: &str, party: &str| {
                    rates.iter().any(|r| {
                        r.imposer == Some(imposer)
                            && r.targets.as_ref().is_some_and(|t| t.contains(&party))
                    })
                };
                mode(
                    rates
                        .iter()
                        .filter_map(|r| r.imposer)
                        .filter(|&i| i != target && on(i, target) && on(target, i))
                        .collect(),
                )
            };
            rates[k].imposer = prev
                .and_then(|j| rates[j].imposer)
                .filter(|i| not_target(i))
                .or_else(|| usual_imposer.filter(|i| not_target(i)))
                .or_else(counterpart)
                .or_else(nearest_before)
                // "Chinese chips pay a 25 percent tariff under a review of
                // the China tariffs": the party named most after the target.
                .or_else(|| main_party_but(parties, target));
        }
        if rates[k].targets.is_none() && !rates[k].global {
            let fallback = prev
                .and_then(|j| rates[j].targets.clone())
                .or_else(|| usual_target.map(|t| vec![t]))
                .or_else(|| {
                    let imposer = rates[k].imposer;
                    let s = rates[k].sentence;
                    parties
                        .iter()
                        .filter(|p| {
                            !p.agent_only
                                && doc.tokens[p.tok].sentence == s
                                && Some(p.id) != imposer
                        })
                        .min_by_key(|p| p.tok.abs_diff(rates[k].tok))
                        .map(|p| vec![p.id])
                });
            rates[k].targets = fallback;
        }
    }
}

/// Imposers and targets of the article's tariff words, with or without a
/// rate: a party right before the word ("Indian duties", "China's tariffs")
/// and one after "on"/"from"/"against" a few words after it ("duties on New
/// Zealand wool").
fn phrase_directions<'a>(
    doc: &Doc<'_>,
    m: &Model,
    parties: &[Party<'a>],
) -> (Vec<&'a str>, Vec<&'a str>) {
    let (mut imposers, mut targets) = (Vec::new(), Vec::new());
    // Plain tariff words only (a compound such as "counter-tariffs" adds
    // nothing here, and testing every word for one costs more).
    let cues = (0..doc.tokens.len()).filter(|&k| doc.has(k, flag::TARIFF_CUE));
    for k in cues.filter(|&k| !domestic_tax(doc, m, k)) {
        let sentence = doc.tokens[k].sentence;
        // Parties are in text order: look only at those next to the word.
        let at = parties.partition_point(|p| p.tok <= k);
        let before = parties[at.saturating_sub(3)..at].iter().rev().find(|p| {
            p.tok_end <= k
                && k - p.tok_end <= 2
                && doc.tokens[p.tok].sentence == sentence
                && (p.tok_end..k).all(|j| matches!(doc.tok(j), "'s" | "’s") || doc.plain_word(j))
        });
        if let Some(p) = before {
            imposers.push(p.id);
        }
        let after = parties[at..].iter().take(3).find(|p| {
            p.tok > k
                && p.tok <= k + 5
                && !p.agent_only
                && doc.tokens[p.tok].sentence == sentence
                && matches!(after_preposition(doc, p), Some("on" | "from" | "against"))
        });
        if let Some(p) = after.filter(|p| before.is_none_or(|b| b.id != p.id)) {
            targets.push(p.id);
        }
    }
    (imposers, targets)
}

/// Commodities named between the tariff word and the end of its phrase.
fn goods<'m>(
    doc: &Doc<'_>,
    terms: &[TermHit<'m>],
    from_tok: usize,
    end_tok: usize,
) -> Vec<&'m str> {
    let start = doc.tokens[from_tok].start;
    let sentence = doc.tokens[end_tok].sentence;
    let last = (end_tok..doc.tokens.len().min(end_tok + 12))
        .take_while(|&k| doc.tokens[k].sentence == sentence && !matches!(doc.tok(k), ";" | "while"))
        .last()
        .unwrap_or(end_tok);
    let end = doc.tokens[last].end;
    let mut out: Vec<&str> = terms
        .iter()
        .filter(|t| t.start >= start && t.end <= end && !t.info.trap)
        .filter_map(|t| t.info.commodity.as_deref())
        .collect();
    out.dedup();
    out
}
