//! The analysed text broken into tokens and sentences, with the byte-to-char
//! map that mention offsets need (the contract counts Unicode scalars).

use super::{WordInfo, WordSet};

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// Letters and digits, with inner hyphens or apostrophes ("Okonjo-Iweala").
    Word,
    /// Digits with inner `.` or `,` ("15.6", "1,758").
    Number,
    /// Any other single character.
    Punct,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: TokKind,
    pub(crate) sentence: usize,
}

/// One article's text, ready for the detectors. All positions are byte
/// offsets until [`Doc::char_offset`] converts them for output.
pub(crate) struct Doc<'a> {
    pub(crate) text: &'a str,
    /// `text` with ASCII letters lower-cased: same byte offsets.
    pub(crate) lower: String,
    pub(crate) tokens: Vec<Token>,
    /// The text of each token (the detectors read it many times).
    tok_text: Vec<&'a str>,
    /// Byte ranges of sentences; a headline and each paragraph line end one.
    pub(crate) sentences: Vec<(usize, usize)>,
    /// Byte length of the headline (0 when there is none).
    pub(crate) title_end: usize,
    /// Per token: the `flag` bits of the word lists it is on, and its
    /// general (VADER) polarity.
    words: Vec<WordInfo>,
    /// Byte offsets where a word starts: a letter or digit that does not
    /// follow one. Gazetteer patterns are searched only there.
    pub(crate) word_starts: Vec<u32>,
    /// Char index of every byte that starts a char (others are unused);
    /// empty for ASCII text, where the two are the same.
    char_at: Vec<u32>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

impl<'a> Doc<'a> {
    pub(crate) fn new(text: &'a str, title_len: usize, abbreviations: &WordSet) -> Doc<'a> {
        let mut char_at = Vec::new();
        if !text.is_ascii() {
            char_at = vec![0u32; text.len() + 1];
            let mut n = 0u32;
            for (i, _) in text.char_indices() {
                char_at[i] = n;
                n += 1;
            }
            char_at[text.len()] = n;
        }
        let (mut tokens, word_starts) = tokenize(text);
        let sentences = split_sentences(text, &tokens, title_len, abbreviations);
        let mut s = 0;
        for t in &mut tokens {
            while s + 1 < sentences.len() && t.start >= sentences[s].1 {
                s += 1;
            }
            t.sentence = s;
        }
        let tok_text = tokens.iter().map(|t| &text[t.start..t.end]).collect();
        Doc {
            text,
            lower: text.to_ascii_lowercase(),
            tokens,
            tok_text,
            sentences,
            title_end: title_len,
            words: Vec::new(),
            word_starts,
            char_at,
        }
    }

    pub(crate) fn tok(&self, i: usize) -> &'a str {
        self.tok_text[i]
    }

    /// Looks every word token up once in the rule word lists and the
    /// general sentiment lexicon.
    pub(crate) fn set_flags<S: std::hash::BuildHasher>(
        &mut self,
        words: &std::collections::HashMap<String, WordInfo, S>,
    ) {
        self.words = (0..self.tokens.len())
            .map(|i| {
                if self.tokens[i].kind == TokKind::Word {
                    words.get(self.tok(i)).copied().unwrap_or_default()
                } else {
                    WordInfo::default()
                }
            })
            .collect();
    }

    /// True when token `i` is on one of the word lists in `bits`.
    pub(crate) fn has(&self, i: usize, bits: u32) -> bool {
        self.words.get(i).is_some_and(|w| w.flags & bits != 0)
    }

    /// The general (VADER) polarity of token `i` as written (0 if none).
    pub(crate) fn general(&self, i: usize) -> f32 {
        self.words.get(i).map_or(0.0, |w| w.general)
    }

    /// Token `i` with ASCII letters lower-cased.
    pub(crate) fn lower_tok(&self, i: usize) -> &str {
        let t = self.tokens[i];
        &self.lower[t.start..t.end]
    }

    /// The char offset of a byte offset that lies on a char boundary.
    pub(crate) fn char_offset(&self, byte: usize) -> usize {
        if self.char_at.is_empty() {
            byte
        } else {
            self.char_at[byte] as usize
        }
    }

    /// Index of the token containing `byte`, or of the first token after it
    /// (a name may start inside a glued token: "US’China").
    pub(crate) fn token_at(&self, byte: usize) -> usize {
        self.tokens.partition_point(|t| t.end <= byte)
    }

    /// Indices of the tokens that overlap `start..end`.
    pub(crate) fn tokens_in(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        self.token_at(start)..self.tokens.partition_point(|t| t.start < end)
    }

    /// Index of the sentence containing `byte`.
    pub(crate) fn sentence_of(&self, byte: usize) -> usize {
        self.sentences
            .partition_point(|s| s.1 <= byte)
            .min(self.sentences.len().saturating_sub(1))
    }

    /// True when `start..end` stands alone: no letter or digit touches it.
    pub(crate) fn word_bounded(&self, start: usize, end: usize) -> bool {
        let before = self.text[..start].chars().next_back();
        let after = self.text[end..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    }

    /// True when the token at `i` begins its sentence (ignoring quotes).
    pub(crate) fn sentence_initial(&self, i: usize) -> bool {
        let s = self.tokens[i].sentence;
        let mut j = i;
        while j > 0 {
            j -= 1;
            if self.tokens[j].sentence != s {
                return true;
            }
            let t = self.tok(j);
            // After a dateline: "MINNEAPOLIS (Wire) - Turkey is ...".
            if matches!(t, "-" | "—" | "–") && j > 0 && self.tok(j - 1) == ")" {
                return true;
            }
            if !matches!(t, "\"" | "“" | "'" | "‘" | "(" | "-" | "—" | "–") {
                return false;
            }
        }
        true
    }

    pub(crate) fn in_title(&self, byte: usize) -> bool {
        byte < self.title_end
    }
}

/// The char starting at byte `i` (which must be a char boundary).
fn char_at(text: &str, i: usize) -> Option<char> {
    match text.as_bytes().get(i) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text[i..].chars().next(),
        None => None,
    }
}

/// The tokens of `text`, and the byte offsets where words start (a letter
/// or digit that does not follow one), collected on the same pass: every
/// word start opens a word or number token, or follows a separator inside
/// one ("Okonjo-Iweala", "15.6", the "s" of "’s").
fn tokenize(text: &str) -> (Vec<Token>, Vec<u32>) {
    let mut out = Vec::with_capacity(text.len() / 5);
    let mut starts = Vec::with_capacity(text.len() / 5);
    let n = text.len();
    let mut k = 0;
    let token = |start: usize, end: usize, kind: TokKind| Token {
        start,
        end,
        kind,
        sentence: 0,
    };
    while let Some(c) = char_at(text, k) {
        let start = k;
        if c.is_whitespace() {
            k += c.len_utf8();
            continue;
        }
        if c.is_ascii_digit() {
            starts.push(k as u32);
            let mut j = k + 1;
            while let Some(d) = char_at(text, j) {
                let joins = (d == '.' || d == ',')
                    && char_at(text, j + 1).is_some_and(|x| x.is_ascii_digit());
                if d.is_ascii_digit() {
                    j += 1;
                } else if joins {
                    starts.push((j + 1) as u32);
                    j += 2;
                } else {
                    break;
                }
            }
            // "90-day", "23XI", "M5": digits glued to letters form a word.
            let next = char_at(text, j);
            let glued = next.is_some_and(is_word_char)
                || (next == Some('-') && char_at(text, j + 1).is_some_and(char::is_alphabetic));
            if glued {
                let e = scan_word(text, j, &mut starts);
                out.push(token(start, e, TokKind::Word));
                k = e;
            } else {
                out.push(token(start, j, TokKind::Number));
                k = j;
            }
        } else if is_word_char(c) {
            starts.push(k as u32);
            let e = scan_word(text, k, &mut starts);
            out.push(token(start, e, TokKind::Word));
            k = e;
        } else if is_apostrophe(c)
            && char_at(text, k + c.len_utf8()) == Some('s')
            && !char_at(text, k + c.len_utf8() + 1).is_some_and(is_word_char)
        {
            // Possessive "'s" is its own token.
            starts.push((k + c.len_utf8()) as u32);
            let e = k + c.len_utf8() + 1;
            out.push(token(start, e, TokKind::Punct));
            k = e;
        } else {
            let e = k + c.len_utf8();
            out.push(token(start, e, TokKind::Punct));
            k = e;
        }
        debug_assert!(k <= n);
    }
    (out, starts)
}

/// End (byte offset) of the word starting at byte `k`; the word starts
/// after its inner hyphens and apostrophes go to `starts`.
fn scan_word(text: &str, k: usize, starts: &mut Vec<u32>) -> usize {
    let bytes = text.as_bytes();
    let mut j = k;
    // ASCII letters and digits first: the common case, one byte at a time.
    while j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
        j += 1;
    }
    while let Some(c) = char_at(text, j) {
        // Most words end at a space or a punctuation mark that cannot join.
        if c.is_ascii() && !matches!(c, '-' | '\'') && !c.is_ascii_alphanumeric() {
            break;
        }
        if is_word_char(c) {
            j += c.len_utf8();
            continue;
        }
        let after = j + c.len_utf8();
        let next_word = char_at(text, after).is_some_and(is_word_char);
        if c == '-' && next_word {
            starts.push(after as u32);
            j = after;
            continue;
        }
        // Inner apostrophe ("O'Brien", "haven't") but not a possessive 's.
        if is_apostrophe(c) && next_word {
            let possessive = char_at(text, after) == Some('s')
                && !char_at(text, after + 1).is_some_and(is_word_char);
            if !possessive {
                starts.push(after as u32);
                j = after;
                continue;
            }
        }
        break;
    }
    j
}

fn split_sentences(
    text: &str,
    tokens: &[Token],
    title_len: usize,
    abbreviations: &WordSet,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let push = |out: &mut Vec<(usize, usize)>, start: &mut usize, end: usize| {
        if end > *start {
            out.push((*start, end));
        }
        *start = end;
    };
    let mut prev_end = 0;
    for (i, t) in tokens.iter().enumerate() {
        if title_len > 0 && start < title_len && t.start >= title_len {
            push(&mut out, &mut start, title_len);
        }
        // A line break ends a sentence.
        let gap = &text.as_bytes()[prev_end.max(start).min(t.start)..t.start];
        prev_end = t.end;
        if let Some(p) = gap.iter().rposition(|&b| b == b'\n') {
            let nl = t.start - gap.len() + p;
            if text[start..nl].trim().is_empty() {
                start = nl;
            } else {
                push(&mut out, &mut start, nl);
            }
        }
        // Sentence-ending marks are one byte long: test that first.
        if t.end != t.start + 1 || !matches!(text.as_bytes()[t.start], b'.' | b'!' | b'?') {
            continue;
        }
        let tok = &text[t.start..t.end];
        // Closing quotes and brackets stay with the sentence.
        let mut end = t.end;
        let mut j = i + 1;
        while j < tokens.len()
            && matches!(
                &text[tokens[j].start..tokens[j].end],
                "\"" | "”" | "’" | "'" | ")"
            )
        {
            end = tokens[j].end;
            j += 1;
        }
        let Some(next) = tokens.get(j) else { continue };
        let next_text = &text[next.start..next.end];
        let next_starts = next_text.chars().next().is_some_and(|c| {
            c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '“' | '‘' | '\'')
        });
        if !next_starts || next.start == end {
            continue;
        }
        if tok == "." && i > 0 && is_abbreviation(text, tokens, i, abbreviations) {
            continue;
        }
        push(&mut out, &mut start, end);
    }
    push(&mut out, &mut start, text.len());
    if out.is_empty() {
        out.push((0, text.len()));
    }
    out
}

/// True when the period at token `i` closes an abbreviation or an initial
/// ("Sen.", "U.S.", "D. John Sauer").
fn is_abbreviation(text: &str, tokens: &[Token], i: usize, abbreviations: &WordSet) -> bool {
    let prev = tokens[i - 1];
    if prev.end != tokens[i].start {
        return false;
    }
    let word = &text[prev.start..prev.end];
    if word.chars().count() == 1 && word.chars().all(char::is_uppercase) {
        return true;
    }
    // Dotted forms: "U.S", "a.m", "D.C" built from single letters and periods;
    // their tokens touch, so the form is one slice of the text.
    let mut k = i - 1;
    while k >= 2
        && &text[tokens[k - 1].start..tokens[k - 1].end] == "."
        && tokens[k - 1].end == tokens[k].start
        && tokens[k - 2].end == tokens[k - 1].start
    {
        k -= 2;
    }
    let dotted = &text[tokens[k].start..prev.end];
    abbreviations.contains(word) || abbreviations.contains(dotted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Word starts the slow, obvious way.
    fn word_starts_by_scan(text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 5);
        let mut prev_word = false;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let (word, len) = if b.is_ascii() {
                (b.is_ascii_alphanumeric(), 1)
            } else {
                let c = text[i..].chars().next().unwrap_or_default();
                (is_word_char(c), c.len_utf8())
            };
            if word && !prev_word {
                out.push(i as u32);
            }
            prev_word = word;
            i += len;
        }
        out
    }

    #[test]
    fn tokenizer_collects_every_word_start() {
        for t in [
            "China’s 15.6% duty on 90-day Okonjo-Iweala O'Brien's 1,758 x",
            "US’China 23XI M5 5-fold 3.5-7 a--b 'tis é-ü Šefčovič ٣٤ ok'",
            "1.5.6 99,x 7- -8 ’s's 's'' l'é ﬁn",
            "",
        ] {
            assert_eq!(tokenize(t).1, word_starts_by_scan(t), "{t:?}");
        }
    }

    fn abbr() -> WordSet {
        ["Sen", "U.S", "Gov"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        let t = "Sen. Tim Ruiz met U.S. officials. D. John Sauer argued. Then it ended.";
        let d = Doc::new(t, 0, &abbr());
        let s: Vec<&str> = d.sentences.iter().map(|&(a, b)| t[a..b].trim()).collect();
        assert_eq!(
            s,
            vec![
                "Sen. Tim Ruiz met U.S. officials.",
                "D. John Sauer argued.",
                "Then it ended."
            ]
        );
    }

    #[test]
    fn headline_and_paragraphs_are_their_own_sentences() {
        let t = "Tariffs rise\n\nFirst line\nSecond line.";
        let d = Doc::new(t, 12, &abbr());
        assert_eq!(d.sentences.len(), 3);
        assert!(d.in_title(3) && !d.in_title(15));
    }

    #[test]
    fn possessives_numbers_and_hyphenated_words_tokenize_sensibly() {
        let t = "China’s 15.6% duty on 90-day Okonjo-Iweala O'Brien's";
        let d = Doc::new(t, 0, &abbr());
        let toks: Vec<&str> = (0..d.tokens.len()).map(|i| d.tok(i)).collect();
        assert_eq!(
            toks,
            vec![
                "China",
                "’s",
                "15.6",
                "%",
                "duty",
                "on",
                "90-day",
                "Okonjo-Iweala",
                "O'Brien",
                "'s"
            ]
        );
    }

    #[test]
    fn char_offsets_count_scalars_not_bytes() {
        let t = "Šefčovič met Li";
        let d = Doc::new(t, 0, &abbr());
        let li = t.find("Li").unwrap();
        assert_eq!(d.char_offset(li), 13);
        assert!(d.word_bounded(li, li + 2));
    }
}
