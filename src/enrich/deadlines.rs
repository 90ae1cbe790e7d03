//! Deadlines: dates in a sentence that talks about a deadline, a pause or an
//! effective date, resolved to ISO form with the article's `published_at`
//! (without it, only dates that state their year).
//!
//! "August 12" takes the year that puts it nearest the publication date;
//! "a 90-day pause from May 14" is May 14 plus 90 days; "July 1, 2026"
//! keeps its year; a weekday ("on Thursday") is the next such day.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::text::{Doc, TokKind};
use super::{flag, Model};
use crate::article::Deadline;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const ABBREVIATED: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Every word [`month_of`] or the weekday test can accept, in lower case
/// (the word table marks them with [`flag::DATE_WORD`]).
pub(crate) fn date_words() -> impl Iterator<Item = &'static str> {
    MONTHS
        .into_iter()
        .chain(ABBREVIATED)
        .chain(["sept"])
        .chain(WEEKDAYS)
}

fn month_of(w: &str) -> Option<u32> {
    if !(3..=10).contains(&w.len())
        || !w.starts_with([
            'J', 'F', 'M', 'A', 'S', 'O', 'N', 'D', 'j', 'f', 'm', 'a', 's', 'o', 'n', 'd',
        ])
    {
        return None;
    }
    let w = w.trim_end_matches('.');
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(w))
        .or_else(|| ABBREVIATED.iter().position(|a| a.eq_ignore_ascii_case(w)))
        .or_else(|| w.eq_ignore_ascii_case("sept").then_some(8))
        .map(|p| p as u32 + 1)
}

fn small_number(doc: &Doc<'_>, k: usize) -> Option<u32> {
    (doc.tokens.get(k)?.kind == TokKind::Number)
        .then(|| doc.tok(k).parse::<u32>().ok())
        .flatten()
}

pub(crate) fn extract(doc: &Doc<'_>, m: &Model, published: Option<DateTime<Utc>>) -> Vec<Deadline> {
    // Without a publication date only dates that carry their year resolve.
    let today = published.map(|p| p.date_naive());
    let mut out: Vec<Deadline> = Vec::new();
    let n = doc.tokens.len();
    for i in 0..n {
        // Month and weekday names, capitalised.
        if doc.flags(i) & (flag::CAP | flag::DATE_WORD) != flag::CAP | flag::DATE_WORD {
            continue;
        }
        let w = doc.tok(i);
        let sentence = doc.tokens[i].sentence;
        let cue_near = |lo: usize, hi: usize| {
            (lo..hi.min(n))
                .filter(|&k| doc.tokens[k].sentence == sentence)
                .any(|k| m.lex.deadline_cue.contains(doc.lower_tok(k)))
        };
        let (date, first, last) = if let Some(month) = month_of(w) {
            // "August 12", "Aug. 12", "July 1, 2026".
            let mut k = i + 1;
            if k < n && doc.tok(k) == "." {
                k += 1;
            }
            let Some(day) = small_number(doc, k).filter(|d| (1..=31).contains(d)) else {
                continue;
            };
            let mut last = k;
            let year = if k + 2 < n && doc.tok(k + 1) == "," {
                small_number(doc, k + 2).filter(|y| (1900..=2100).contains(y))
            } else {
                None
            };
            if year.is_some() {
                last = k + 2;
            }
            let date = match year {
                Some(y) => NaiveDate::from_ymd_opt(y as i32, month, day),
                None => today.and_then(|t| nearest_year(t, month, day)),
            };
            let Some(date) = date else { continue };
            (date, i, last)
        } else if let Some(wd) = WEEKDAYS.iter().position(|d| w.eq_ignore_ascii_case(d)) {
            // Only a weekday tied to a deadline word counts.
            let tied = (i.saturating_sub(6)..i + 3)
                .any(|k| k < n && doc.tok(k).eq_ignore_ascii_case("deadline"));
            let Some(today) = today.filter(|_| tied) else {
                continue;
            };
            let ahead = (wd as i64 - today.weekday().num_days_from_monday() as i64).rem_euclid(7);
            (today + Duration::days(ahead), i, i)
        } else {
            continue;
        };
        if !cue_near(i.saturating_sub(8), last + 4) {
            continue;
        }
        // "a 90-day pause from May 14" ends 90 days later.
        let mut date = date;
        let mut first = first;
        if i >= 2 && doc.tok(i - 1).eq_ignore_ascii_case("from") {
            let span = (i.saturating_sub(5)..i - 1).find_map(|k| {
                let t = doc.lower_tok(k);
                t.strip_suffix("-day")
                    .and_then(|d| d.parse::<i64>().ok())
                    .map(|d| (k, d))
            });
            if let Some((k, days)) = span {
                // Any number can stand before "-day"; a span past chrono's
                // calendar is no date at all.
                let Some(end) = Duration::try_days(days).and_then(|d| date.checked_add_signed(d))
                else {
                    continue;
                };
                date = end;
                first = k;
            }
        }
        // An ISO date has a four-digit year.
        if !(0..=9999).contains(&date.year()) {
            continue;
        }
        let start = if first > 0 && matches!(doc.tok(first - 1), "the" | "a" | "an") {
            doc.tokens[first - 1].start
        } else {
            doc.tokens[first].start
        };
        let mut end = doc.tokens[last].end;
        if last + 1 < n && doc.tok(last + 1).eq_ignore_ascii_case("deadline") {
            end = doc.tokens[last + 1].end;
        }
        let iso = date.format("%Y-%m-%d").to_string();
        if !out.iter().any(|d| d.date == iso) {
            out.push(Deadline {
                date: iso,
                text: doc.text[start..end].to_owned(),
            });
        }
    }
    out
}

/// The date with this month and day nearest to `today`.
fn nearest_year(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    (today.year() - 1..=today.year() + 1)
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .min_by_key(|d| (*d - today).num_days().abs())
}
