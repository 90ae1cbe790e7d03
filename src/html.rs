//! HTML to plain text, shared by article parsing (a `body` in light HTML)
//! and by the page fetcher. Paragraph structure survives as blank lines so
//! that sentence splitting downstream still sees paragraph breaks.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Node};

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>").expect("valid regex"));

/// Elements whose text is never article text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "iframe", "object",
];

/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "pre",
    "hr",
    "figure",
    "figcaption",
    "dd",
    "dt",
    "main",
    "aside",
    "nav",
    "form",
];

/// Returns `text` unchanged unless it contains markup, in which case the
/// markup is reduced to text.
pub fn reduce_if_markup(text: &str) -> String {
    if TAG.is_match(text) {
        to_text(&Html::parse_fragment(text))
    } else {
        text.to_owned()
    }
}

/// Text of a parsed document: inline runs joined with single spaces, block
/// elements separated by blank lines, scripts and styles dropped.
pub fn to_text(doc: &Html) -> String {
    let mut out = TextBuilder::default();
    walk(doc.tree.root(), &mut out);
    out.finish()
}

fn walk(node: ego_tree::NodeRef<'_, Node>, out: &mut TextBuilder) {
    match node.value() {
        Node::Text(t) => out.push_inline(t),
        Node::Element(e) => {
            let name = e.name();
            if SKIPPED.contains(&name) {
                return;
            }
            let block = BLOCKS.contains(&name);
            if block {
                out.paragraph_break();
            }
            for child in node.children() {
                walk(child, out);
            }
            if block {
                out.paragraph_break();
            }
        }
        _ => {
            for child in node.children() {
                walk(child, out);
            }
        }
    }
}

#[derive(Default)]
struct TextBuilder {
    out: String,
    pending_space: bool,
    pending_break: bool,
}

impl TextBuilder {
    fn push_inline(&mut self, text: &str) {
        let mut words = text.split_whitespace().peekable();
        if text.starts_with(char::is_whitespace) {
            self.pending_space = true;
        }
        while let Some(word) = words.next() {
            if !self.out.is_empty() {
                if self.pending_break {
                    self.out.push_str("\n\n");
                } else if self.pending_space && !starts_with_closing_punct(word) {
                    self.out.push(' ');
                }
            }
            self.pending_break = false;
            self.pending_space = false;
            self.out.push_str(word);
            if words.peek().is_some() {
                self.pending_space = true;
            }
        }
        if text.ends_with(char::is_whitespace) {
            self.pending_space = true;
        }
    }

    fn paragraph_break(&mut self) {
        self.pending_break = true;
        self.pending_space = false;
    }

    fn finish(self) -> String {
        self.out
    }
}

fn starts_with_closing_punct(word: &str) -> bool {
    word.starts_with(['.', ',', ';', ':', '!', '?', ')'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_left_alone() {
        let t = "Tariffs < 10% and > 5%.\n\nSecond paragraph.";
        assert_eq!(reduce_if_markup(t), t);
    }

    #[test]
    fn paragraphs_stay_paragraphs_and_scripts_go() {
        let html = "<div><h1>Deal</h1><p>U.S. and <em>China</em> agree.</p>\
                    <script>var x = 1;</script><p>Markets&nbsp;rose &amp; held.</p></div>";
        assert_eq!(
            reduce_if_markup(html),
            "Deal\n\nU.S. and China agree.\n\nMarkets rose & held."
        );
    }

    #[test]
    fn inline_markup_keeps_word_spacing() {
        assert_eq!(
            reduce_if_markup("<p>a <b>bold</b>, move</p>"),
            "a bold, move"
        );
    }
}
