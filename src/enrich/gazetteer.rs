//! Aho-Corasick matching of every surface form in one pass per automaton.
//!
//! Names (countries, blocs, places, people, organisations) are matched
//! case-sensitively; term phrases and the sentiment lexicon ignore ASCII case.
//! Both report word-bounded, leftmost-longest, non-overlapping matches. When
//! the leftmost-longest pattern is not word-bounded ("trade war" in "trade
//! warning") the search is repeated, anchored, on a shorter span, so it never
//! hides a shorter pattern that is.

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind,
};

use super::text::Doc;

/// A set of patterns and, for each, the payload indices it stands for.
pub(crate) struct Matcher {
    ac: AhoCorasick,
    /// Pattern id -> payload ids.
    payloads: Vec<Vec<usize>>,
}

/// A chosen match: byte span and the payload ids of its pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<'m> {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) payloads: &'m [usize],
}

impl Matcher {
    /// `patterns` pairs a surface text with one payload id; equal texts share
    /// one pattern.
    pub(crate) fn build<'p>(
        patterns: impl IntoIterator<Item = (&'p str, usize)>,
        case_insensitive: bool,
    ) -> Result<Matcher, String> {
        let mut texts: Vec<String> = Vec::new();
        let mut payloads: Vec<Vec<usize>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (text, payload) in patterns {
            let key = if case_insensitive {
                text.to_ascii_lowercase()
            } else {
                text.to_owned()
            };
            let id = *index.entry(key.clone()).or_insert_with(|| {
                texts.push(key);
                payloads.push(Vec::new());
                texts.len() - 1
            });
            if !payloads[id].contains(&payload) {
                payloads[id].push(payload);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            // A DFA costs memory and build time once, and makes the per-word
            // anchored searches a table walk.
            .kind(Some(AhoCorasickKind::DFA))
            .ascii_case_insensitive(case_insensitive)
            .build(&texts)
            .map_err(|e| e.to_string())?;
        Ok(Matcher { ac, payloads })
    }

    /// Word-bounded, leftmost-longest, non-overlapping matches in `doc`.
    pub(crate) fn find<'m>(&'m self, doc: &Doc<'_>) -> Vec<Hit<'m>> {
        let text = doc.text;
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let Some(m) = self.ac.find(Input::new(text).span(pos..text.len())) else {
                break;
            };
            // The leftmost match: take it, or the longest shorter pattern at
            // the same start that stands alone, or move to the next word.
            if text[..m.start()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
            {
                pos = next_word_start(text, m.start());
                continue;
            }
            let mut limit = m.end();
            let mut chosen = None;
            loop {
                let input = Input::new(text)
                    .span(m.start()..limit)
                    .anchored(Anchored::Yes);
                let Some(c) = (if limit == m.end() {
                    Some(m)
                } else {
                    self.ac.find(input)
                }) else {
                    break;
                };
                if doc.word_bounded(c.start(), c.end()) {
                    chosen = Some(c);
                    break;
                }
                limit = c.end() - 1;
                if limit <= m.start() {
                    break;
                }
            }
            match chosen {
                Some(c) => {
                    out.push(Hit {
                        start: c.start(),
                        end: c.end(),
                        payloads: &self.payloads[c.pattern().as_usize()],
                    });
                    pos = c.end();
                }
                None => {
                    // Patterns start words: skip to the next word start.
                    pos = next_word_start(text, m.start());
                }
            }
        }
        out
    }
}

/// The first position after `from` where a word starts (a letter or digit
/// after a non-word char), or the end of the text.
fn next_word_start(text: &str, from: usize) -> usize {
    let mut prev_word = true;
    for (i, c) in text[from..].char_indices() {
        let word = c.is_alphanumeric();
        if i > 0 && word && !prev_word {
            return from + i;
        }
        prev_word = word;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(t: &str) -> Doc<'_> {
        Doc::new(t, 0, &crate::enrich::WordSet::default())
    }

    #[test]
    fn longest_word_bounded_match_wins() {
        let m = Matcher::build(
            [
                ("US", 0),
                ("USMCA", 1),
                ("South China Sea", 2),
                ("China", 3),
            ],
            false,
        )
        .unwrap();
        let d = doc("USMCA talks in the South China Sea, not USB or US.");
        let hits: Vec<(&str, usize)> = m
            .find(&d)
            .iter()
            .map(|h| (&d.text[h.start..h.end], h.payloads[0]))
            .collect();
        assert_eq!(hits, vec![("USMCA", 1), ("South China Sea", 2), ("US", 0)]);
    }

    #[test]
    fn a_failed_long_match_does_not_hide_a_short_one() {
        let m = Matcher::build([("trade war", 0), ("warning", 1), ("trade", 2)], true).unwrap();
        let d = doc("Trade warnings and a trade warning");
        let hits: Vec<usize> = m.find(&d).iter().map(|h| h.payloads[0]).collect();
        assert_eq!(hits, vec![2, 2, 1]);
    }
}
