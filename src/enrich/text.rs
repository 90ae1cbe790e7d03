//! The analysed text broken into tokens and sentences, with the byte-to-char
//! map that mention offsets need (the contract counts Unicode scalars).

use super::gazetteer::Start;
use super::{flag, WordInfo, WordSet, WordTable, NAME_AUTOMATON, NO_ENTRY, PHRASE_AUTOMATON};

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
    /// The word starts where a name or a phrase may start (see
    /// [`Tokenizer::name_starts`]).
    pub(crate) name_starts: Vec<Start>,
    pub(crate) phrase_starts: Vec<Start>,
    /// The tokens whose first char is upper-case ([`flag::CAP`]), in order:
    /// the name rules look only at these (see [`Doc::next_cap`]).
    caps: Vec<u32>,
    /// Per token index, and one past the last: the first [`flag::CAP`]
    /// token from there on, or the token count ([`Doc::next_cap`]).
    cap_from: Vec<u32>,
    /// Per byte offset, and one past the end: the token containing it or
    /// the first token after it ([`Doc::token_at`]).
    tok_at: Vec<u32>,
    /// For each char outside ASCII, in text order: the byte offset where it
    /// ends and how many bytes more than chars the text has up to there
    /// (empty for ASCII text, where bytes and chars are the same).
    wide: Vec<(u32, u32)>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// What an ASCII byte is to the tokenizer (bytes from 0x80 on are handled
/// as chars).
const SPACE: u8 = 1;
const DIGIT: u8 = 2;
const LETTER: u8 = 4;

/// [`SPACE`], [`DIGIT`] or [`LETTER`] for every byte (0 for other ASCII and
/// for bytes of multi-byte chars): `char::is_whitespace` and
/// `char::is_alphanumeric` restricted to ASCII.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_alphabetic() {
            LETTER
        } else if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            SPACE
        } else {
            0
        };
        b += 1;
    }
    t
};

fn is_ascii_alnum(b: u8) -> bool {
    CLASS[usize::from(b)] & (DIGIT | LETTER) != 0
}

impl<'a> Doc<'a> {
    /// Tokenises `text` (whose first `title_len` bytes are the headline),
    /// looks every token up in `words` and splits the sentences.
    pub(crate) fn new(
        text: &'a str,
        title_len: usize,
        abbreviations: &WordSet,
        words: &WordTable,
    ) -> Doc<'a> {
        let lower = text.to_ascii_lowercase();
        let mut t = Tokenizer::new(text, lower.as_bytes(), words, title_len);
        t.run();
        let Tokenizer {
            tokens: mut toks,
            tok_text,
            infos,
            starts,
            name_starts,
            phrase_starts,
            marks,
            caps,
            ..
        } = t;
        let sentences = split_sentences(text, &toks, &marks, title_len, abbreviations);
        // Each token belongs to the first sentence that ends after its start.
        let mut ends = sentences[..sentences.len() - 1].iter().map(|s| s.1);
        let mut end = ends.next().unwrap_or(usize::MAX);
        let mut s = 0;
        for t in &mut toks {
            while t.start >= end {
                s += 1;
                end = ends.next().unwrap_or(usize::MAX);
            }
            t.sentence = s;
        }
        Doc {
            text,
            lower,
            tok_text,
            sentences,
            title_end: title_len,
            name_starts,
            phrase_starts,
            cap_from: cap_from(&infos),
            tok_at: tok_at(&toks, text.len()),
            tokens: toks,
            words: infos,
            caps,
            word_starts: starts,
            wide: wide_chars(text),
        }
    }

    pub(crate) fn tok(&self, i: usize) -> &'a str {
        self.tok_text[i]
    }

    /// True when token `i` has one of the `flag` bits in `bits`.
    pub(crate) fn has(&self, i: usize, bits: u32) -> bool {
        self.words.get(i).is_some_and(|w| w.flags & bits != 0)
    }

    /// True when token `i` is a word that is not capitalised ("exams",
    /// "90-day"); false out of range.
    pub(crate) fn plain_word(&self, i: usize) -> bool {
        self.flags(i) & (flag::CAP | flag::WORD) == flag::WORD
    }

    /// All `flag` bits of token `i` (0 out of range).
    pub(crate) fn flags(&self, i: usize) -> u32 {
        self.words.get(i).map_or(0, |w| w.flags)
    }

    /// The general (VADER) polarity of token `i` as written (0 if none).
    pub(crate) fn general(&self, i: usize) -> f32 {
        self.words.get(i).map_or(0.0, |w| w.general)
    }

    /// The first token from `i` on whose first char is upper-case (a
    /// [`flag::CAP`] word), or the token count when there is none.
    pub(crate) fn next_cap(&self, i: usize) -> usize {
        self.cap_from
            .get(i)
            .map_or(self.tokens.len(), |&t| t as usize)
    }

    /// The [`flag::CAP`] tokens, in order.
    pub(crate) fn caps(&self) -> impl Iterator<Item = usize> + '_ {
        self.caps.iter().map(|&t| t as usize)
    }

    /// Token `i` with ASCII letters lower-cased.
    pub(crate) fn lower_tok(&self, i: usize) -> &str {
        let t = self.tokens[i];
        &self.lower[t.start..t.end]
    }

    /// The char offset of a byte offset that lies on a char boundary.
    pub(crate) fn char_offset(&self, byte: usize) -> usize {
        let before = self.wide.partition_point(|&(end, _)| end as usize <= byte);
        match before {
            0 => byte,
            k => byte - self.wide[k - 1].1 as usize,
        }
    }

    /// Index of the token containing `byte`, or of the first token after it
    /// (a name may start inside a glued token: "US’China").
    pub(crate) fn token_at(&self, byte: usize) -> usize {
        self.tok_at
            .get(byte)
            .map_or(self.tokens.len(), |&t| t as usize)
    }

    /// Indices of the tokens that overlap `start..end`.
    pub(crate) fn tokens_in(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        // The tokens that start before `end`: up to and with the one that
        // holds its last byte, if any does.
        let past = match end.checked_sub(1) {
            None => 0,
            Some(last) => {
                let k = self.token_at(last);
                k + usize::from(self.tokens.get(k).is_some_and(|t| t.start < end))
            }
        };
        self.token_at(start)..past
    }

    /// Index of the sentence containing `byte`.
    pub(crate) fn sentence_of(&self, byte: usize) -> usize {
        self.sentences
            .partition_point(|s| s.1 <= byte)
            .min(self.sentences.len().saturating_sub(1))
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

    /// Tokens `a..b` are only "and", "," or "or", and there is at least one:
    /// the names on either side are coordinated ("Bangladesh and Vietnam").
    pub(crate) fn coordinated(&self, a: usize, b: usize) -> bool {
        a < b && (a..b).all(|k| matches!(self.tok(k), "and" | "," | "or"))
    }

    pub(crate) fn in_title(&self, byte: usize) -> bool {
        byte < self.title_end
    }
}

/// The [`flag::CAP`], [`flag::ACRONYM`] and [`flag::WORD`] bits of a token.
#[inline]
fn shape(w: &str, kind: TokKind) -> u32 {
    let mut bits = if kind == TokKind::Word { flag::WORD } else { 0 };
    let Some(&first) = w.as_bytes().first() else {
        return bits;
    };
    // Most words start with a lower-case letter: not capitalised, and not
    // an acronym.
    if first.is_ascii_lowercase() {
        return bits;
    }
    let cap = if first.is_ascii() {
        first.is_ascii_uppercase()
    } else {
        w.chars().next().is_some_and(char::is_uppercase)
    };
    if cap {
        bits |= flag::CAP;
    }
    let acronym = if w.is_ascii() {
        w.len() >= 2
            && w.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    } else {
        w.chars().count() >= 2 && w.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
    };
    if acronym {
        bits |= flag::ACRONYM;
    }
    bits
}

/// The `cap_from` table of [`Doc::next_cap`], built backwards without a
/// branch per token (a search per call cost more than this pass).
fn cap_from(infos: &[WordInfo]) -> Vec<u32> {
    let n = infos.len();
    let mut out = vec![n as u32; n + 1];
    let mut next = n as u32;
    for (i, info) in infos.iter().enumerate().rev() {
        let cap = u32::from(info.flags & flag::CAP != 0).wrapping_neg();
        next = (i as u32 & cap) | (next & !cap);
        out[i] = next;
    }
    out
}

/// The `tok_at` table of [`Doc::token_at`] for a text of `len` bytes: the
/// number of tokens that end at or before each byte, as a running sum.
fn tok_at(tokens: &[Token], len: usize) -> Vec<u32> {
    let mut out = vec![0u32; len + 1];
    for t in tokens {
        out[t.end] += 1;
    }
    let mut ended = 0;
    for at in &mut out {
        ended += *at;
        *at = ended;
    }
    out
}

/// The `(end, extra bytes so far)` table of [`Doc::char_offset`].
fn wide_chars(text: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    if text.is_ascii() {
        return out;
    }
    let bytes = text.as_bytes();
    let mut extra = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        // Skip ASCII a word at a time.
        if let Some(chunk) = bytes.get(i..i + 8) {
            if chunk.is_ascii() {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        i += len;
        extra += len as u32 - 1;
        out.push((i as u32, extra));
    }
    out
}

/// The char starting at byte `i` (which must be a char boundary).
fn char_at(text: &str, i: usize) -> Option<char> {
    match text.as_bytes().get(i) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text[i..].chars().next(),
        None => None,
    }
}

/// No line break before a token.
const NO_BREAK: u32 = u32::MAX;

/// One pass over the text that makes the tokens and everything noted per
/// token: its text, its word-table entry and shape, the word starts (a
/// letter or digit that does not follow one: every one opens a word or
/// number token, or follows a separator inside one, "Okonjo-Iweala",
/// "15.6", the "s" of "’s"), the word starts worth a name or phrase walk,
/// and the tokens where a sentence may end.
struct Tokenizer<'a, 'x> {
    text: &'a str,
    lower: &'x [u8],
    words: &'x WordTable,
    title_len: usize,
    tokens: Vec<Token>,
    tok_text: Vec<&'a str>,
    infos: Vec<WordInfo>,
    starts: Vec<u32>,
    /// The word starts where a name or a phrase may start: all the word
    /// starts of a token made of several runs of letters and digits, and a
    /// token of one run only when it is the first run of a name (or,
    /// lower-cased, of a phrase), see [`Matcher::find`](super::gazetteer::Matcher::find).
    name_starts: Vec<Start>,
    phrase_starts: Vec<Start>,
    /// `(token, offset of the last line break before it or NO_BREAK)` for
    /// the tokens `split_sentences` looks at: after a line break, a `.`,
    /// `!` or `?`, and the first token of the body.
    marks: Vec<(u32, u32)>,
    /// See [`Doc::caps`].
    caps: Vec<u32>,
    /// The last line break since the previous token.
    newline: u32,
    body_seen: bool,
}

impl<'a, 'x> Tokenizer<'a, 'x> {
    fn new(text: &'a str, lower: &'x [u8], words: &'x WordTable, title_len: usize) -> Self {
        let n = text.len() / 5;
        Tokenizer {
            text,
            lower,
            words,
            title_len,
            tokens: Vec::with_capacity(n),
            tok_text: Vec::with_capacity(n),
            infos: Vec::with_capacity(n),
            starts: Vec::with_capacity(n),
            name_starts: Vec::with_capacity(n),
            phrase_starts: Vec::with_capacity(n),
            marks: Vec::with_capacity(n / 8),
            caps: Vec::with_capacity(n / 4),
            newline: NO_BREAK,
            body_seen: title_len == 0,
        }
    }

    fn run(&mut self) {
        let text = self.text;
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut k = 0;
        while k < n {
            let start = k;
            let first = self.starts.len();
            let b = bytes[k];
            let class = CLASS[usize::from(b)];
            if class == SPACE {
                if b == b'\n' {
                    self.newline = k as u32;
                }
                k += 1;
            } else if class == DIGIT {
                self.starts.push(k as u32);
                let mut j = k + 1;
                while j < n {
                    let d = bytes[j];
                    if d.is_ascii_digit() {
                        j += 1;
                    } else if matches!(d, b'.' | b',')
                        && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
                    {
                        self.starts.push((j + 1) as u32);
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
                    k = scan_word(text, j, &mut self.starts);
                    self.emit(start, k, TokKind::Word, first);
                } else {
                    k = j;
                    self.emit(start, k, TokKind::Number, first);
                }
            } else if class == LETTER {
                self.starts.push(k as u32);
                k = scan_word(text, k, &mut self.starts);
                self.emit(start, k, TokKind::Word, first);
            } else if b < 0x80 {
                if b == b'\''
                    && bytes.get(k + 1) == Some(&b's')
                    && !char_at(text, k + 2).is_some_and(is_word_char)
                {
                    // Possessive "'s" is its own token.
                    self.starts.push((k + 1) as u32);
                    k += 2;
                } else {
                    k += 1;
                }
                self.emit(start, k, TokKind::Punct, first);
            } else {
                let c = char_at(text, k).expect("a char starts here");
                let len = c.len_utf8();
                if c.is_whitespace() {
                    k += len;
                } else if is_word_char(c) {
                    self.starts.push(k as u32);
                    k = scan_word(text, k, &mut self.starts);
                    self.emit(start, k, TokKind::Word, first);
                } else if is_apostrophe(c)
                    && bytes.get(k + len) == Some(&b's')
                    && !char_at(text, k + len + 1).is_some_and(is_word_char)
                {
                    self.starts.push((k + len) as u32);
                    k += len + 1;
                    self.emit(start, k, TokKind::Punct, first);
                } else {
                    k += len;
                    self.emit(start, k, TokKind::Punct, first);
                }
            }
        }
    }

    /// Records the token `start..end`, whose word starts are
    /// `self.starts[first..]`.
    #[inline]
    fn emit(&mut self, start: usize, end: usize, kind: TokKind, first: usize) {
        let bytes = self.text.as_bytes();
        let w = &self.text[start..end];
        let mut info = WordInfo::default();
        // The word-table entries of the token as written and lower-cased.
        let (mut entry, mut lower_entry) = (NO_ENTRY, NO_ENTRY);
        if kind != TokKind::Punct {
            let head = WordTable::head(bytes, start, end);
            (info, entry) = self.words.lookup_entry(head, &bytes[start..end]);
            lower_entry = entry;
            if kind == TokKind::Number {
                info.flags &= flag::NAME_RUN | flag::PHRASE_RUN;
                info.general = 0.0;
            }
            // Phrases and dates ignore case: a word with upper-case letters
            // asks again in lower case.
            let lower = self.lower;
            let lower_head = WordTable::head(lower, start, end);
            if lower_head != head
                || (end - start > 8 && bytes[start + 8..end] != lower[start + 8..end])
            {
                let again;
                (again, lower_entry) = self.words.caseless_entry(lower_head, &lower[start..end]);
                info.flags = (info.flags & !flag::CASELESS) | again;
            }
        }
        info.flags |= shape(w, kind);
        let i = self.tokens.len() as u32;
        if info.flags & flag::CAP != 0 {
            self.caps.push(i);
        }
        let inside = &self.starts[first..];
        if inside.len() == 1 && kind != TokKind::Punct {
            // One run, the first run of a pattern: the walk resumes after it.
            let resume = |entry: u32, which: usize| Start {
                at: inside[0],
                run_end: end as u32,
                state: self.words.run_state(entry, which),
            };
            if info.flags & flag::NAME_RUN != 0 {
                self.name_starts.push(resume(entry, NAME_AUTOMATON));
            }
            if info.flags & flag::PHRASE_RUN != 0 {
                self.phrase_starts
                    .push(resume(lower_entry, PHRASE_AUTOMATON));
            }
        } else {
            let walks = inside.iter().map(|&at| Start::at(at));
            self.name_starts.extend(walks.clone());
            self.phrase_starts.extend(walks);
        }
        let body_start = !self.body_seen && start >= self.title_len;
        let stop = end == start + 1 && matches!(bytes[start], b'.' | b'!' | b'?');
        if self.newline != NO_BREAK || stop || body_start {
            self.body_seen |= body_start;
            self.marks.push((i, self.newline));
            self.newline = NO_BREAK;
        }
        self.tokens.push(Token {
            start,
            end,
            kind,
            sentence: 0,
        });
        self.tok_text.push(w);
        self.infos.push(info);
    }
}

/// End of the run of ASCII letters and digits from byte `j`. Eight bytes
/// are classified at a time with word arithmetic, so a word shorter than
/// eight bytes (most words) costs no loop and no mispredicted loop exit.
#[inline]
fn ascii_alnum_end(bytes: &[u8], mut j: usize) -> usize {
    while let Some(chunk) = bytes.get(j..j + 8) {
        let stop =
            !ascii_alnum_bytes(u64::from_le_bytes(chunk.try_into().expect("8 bytes"))) & HIGH;
        if stop != 0 {
            return j + (stop.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < bytes.len() && is_ascii_alnum(bytes[j]) {
        j += 1;
    }
    j
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// The top bit of each byte of `x` that is an ASCII letter or digit.
#[inline]
fn ascii_alnum_bytes(x: u64) -> u64 {
    // Per byte `v` below 0x80: `v + (0x80 - lo)` has its top bit set when
    // `v >= lo`, and `v + (0x7f - hi)` when `v > hi`; no sum carries into
    // the next byte.
    let in_range = |v: u64, lo: u8, hi: u8| {
        (v + ONES * u64::from(0x80 - lo)) & !(v + ONES * u64::from(0x7f - hi)) & HIGH
    };
    let low = x & !HIGH;
    let digit = in_range(low, b'0', b'9');
    // Setting bit 5 folds 'A'..='Z' onto 'a'..='z' and nothing else onto them.
    let letter = in_range(low | (ONES * 0x20), b'a', b'z');
    // Bytes from 0x80 up belong to wider chars.
    (digit | letter) & !x
}

/// End (byte offset) of the word starting at byte `k`; the word starts
/// after its inner hyphens and apostrophes go to `starts`.
#[inline]
fn scan_word(text: &str, k: usize, starts: &mut Vec<u32>) -> usize {
    let bytes = text.as_bytes();
    let mut j = k;
    loop {
        // ASCII letters and digits: the common case.
        j = ascii_alnum_end(bytes, j);
        let Some(&b) = bytes.get(j) else { break };
        // Most words end at a space or a punctuation mark that cannot join.
        let (c, len) = if b < 0x80 {
            if b != b'-' && b != b'\'' {
                break;
            }
            (char::from(b), 1)
        } else {
            let c = char_at(text, j).expect("a char starts here");
            if is_word_char(c) {
                j += c.len_utf8();
                continue;
            }
            if c != '’' {
                break;
            }
            (c, c.len_utf8())
        };
        // A hyphen or an apostrophe joins when a letter or digit follows.
        let after = j + len;
        if !char_at(text, after).is_some_and(is_word_char) {
            break;
        }
        // Inner apostrophe ("O'Brien", "haven't") but not a possessive 's.
        let possessive =
            c != '-' && bytes[after] == b's' && !char_at(text, after + 1).is_some_and(is_word_char);
        if possessive {
            break;
        }
        starts.push(after as u32);
        j = after;
    }
    j
}

/// The sentences of `text`: a headline, each line, and each run ended by
/// `.`, `!` or `?` before a capitalised word (not after an abbreviation).
/// Only the `marks` tokens can end one (see [`Tokenizer::marks`]).
fn split_sentences(
    text: &str,
    tokens: &[Token],
    marks: &[(u32, u32)],
    title_len: usize,
    abbreviations: &WordSet,
) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(marks.len() + 2);
    let mut start = 0;
    let push = |out: &mut Vec<(usize, usize)>, start: &mut usize, end: usize| {
        if end > *start {
            out.push((*start, end));
        }
        *start = end;
    };
    for &(i, newline) in marks {
        let i = i as usize;
        let t = tokens[i];
        if title_len > 0 && start < title_len && t.start >= title_len {
            push(&mut out, &mut start, title_len);
        }
        // A line break ends a sentence (one after the sentence's start, in
        // the space before this token).
        let nl = newline as usize;
        if newline != NO_BREAK && nl >= start {
            if text[start..nl].trim().is_empty() {
                start = nl;
            } else {
                push(&mut out, &mut start, nl);
            }
        }
        // Sentence-ending marks are one byte long: test that first.
        if t.end != t.start + 1 || !matches!(bytes[t.start], b'.' | b'!' | b'?') {
            continue;
        }
        // Closing quotes and brackets stay with the sentence; a straight
        // quote after a space opens the next one ('said. "We').
        let mut end = t.end;
        let mut j = i + 1;
        while j < tokens.len()
            && match &text[tokens[j].start..tokens[j].end] {
                "”" | "’" | ")" => true,
                "\"" | "'" => tokens[j].start == end,
                _ => false,
            }
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
        if bytes[t.start] == b'.' && i > 0 && is_abbreviation(text, tokens, i, abbreviations) {
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

    #[test]
    fn token_and_capital_look_ups_agree_with_a_search() {
        let texts = [
            "",
            "  ",
            "U.S. and China agree, says Bessent's team; “Zürich” 50% tariff.",
            "EU–Japan deal\n\nTokyo said: the 10-year plan ends Aug. 12 ",
        ];
        for t in texts {
            let d = Doc::new(t, 0, &abbr(), &WordTable::default());
            let n = d.tokens.len();
            for byte in 0..t.len() + 3 {
                let searched = d.tokens.partition_point(|k| k.end <= byte);
                assert_eq!(d.token_at(byte), searched, "{t:?} byte {byte}");
                for end in byte..t.len() + 3 {
                    let past = d.tokens.partition_point(|k| k.start < end);
                    assert_eq!(
                        d.tokens_in(byte, end),
                        searched..past,
                        "{t:?} {byte}..{end}"
                    );
                }
            }
            for i in 0..n + 2 {
                let k = d.caps.partition_point(|&c| (c as usize) < i);
                let searched = d.caps.get(k).map_or(n, |&c| c as usize);
                assert_eq!(d.next_cap(i), searched, "{t:?} token {i}");
            }
        }
    }

    #[test]
    fn an_ascii_run_ends_at_the_first_byte_that_is_no_letter_or_digit() {
        let text = "a ab abcdefg abcdefgh abcdefghi x1y2z3w4v5-u6 tariffs, Zürich 2025";
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            let mut by_byte = start;
            while by_byte < bytes.len() && bytes[by_byte].is_ascii_alphanumeric() {
                by_byte += 1;
            }
            assert_eq!(ascii_alnum_end(bytes, start), by_byte, "from byte {start}");
        }
        // Every byte value, in every position, next to every kind of byte.
        for b in 0..=255u8 {
            for k in 0..8 {
                for fill in [b'a', b' ', 0xc3] {
                    let mut word = [fill; 8];
                    word[k] = b;
                    let mask = ascii_alnum_bytes(u64::from_le_bytes(word));
                    assert_eq!(
                        mask >> (8 * k + 7) & 1 == 1,
                        b.is_ascii_alphanumeric(),
                        "byte {b:#x} at {k} among {fill:#x}"
                    );
                }
            }
        }
    }

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
            let d = Doc::new(t, 0, &abbr(), &WordTable::default());
            assert_eq!(d.word_starts, word_starts_by_scan(t), "{t:?}");
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
        let d = Doc::new(t, 0, &abbr(), &WordTable::default());
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
    fn closing_quotes_stay_and_opening_quotes_start_the_next_sentence() {
        let t = "He said \"no.\" Talks went on. \"We wait,\" she said. 'Fine.' Done.";
        let d = Doc::new(t, 0, &abbr(), &WordTable::default());
        let s: Vec<&str> = d.sentences.iter().map(|&(a, b)| t[a..b].trim()).collect();
        assert_eq!(
            s,
            vec![
                "He said \"no.\"",
                "Talks went on.",
                "\"We wait,\" she said.",
                "'Fine.'",
                "Done."
            ]
        );
    }

    #[test]
    fn headline_and_paragraphs_are_their_own_sentences() {
        let t = "Tariffs rise\n\nFirst line\nSecond line.";
        let d = Doc::new(t, 12, &abbr(), &WordTable::default());
        assert_eq!(d.sentences.len(), 3);
        assert!(d.in_title(3) && !d.in_title(15));
    }

    #[test]
    fn possessives_numbers_and_hyphenated_words_tokenize_sensibly() {
        let t = "China’s 15.6% duty on 90-day Okonjo-Iweala O'Brien's";
        let d = Doc::new(t, 0, &abbr(), &WordTable::default());
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
        let d = Doc::new(t, 0, &abbr(), &WordTable::default());
        let li = t.find("Li").unwrap();
        assert_eq!(d.char_offset(li), 13);
        assert!(d.word_starts.contains(&(li as u32)));
    }
}
