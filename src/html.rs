//! HTML to plain text, shared by article parsing (a `body` in light HTML)
//! and by the page fetcher. Paragraph structure survives as blank lines so
//! that sentence splitting downstream still sees paragraph breaks.
//!
//! A whole web page needs more than that: [`main_text`] picks the article
//! out of it and drops the page around it, [`page_title`] finds its title,
//! and [`nesting_depth`] lets the fetcher refuse pages too deep to parse.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{Html, Node, Selector};

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

/// Deepest HTML accepted from outside, in a fetched page or an article
/// `body`; see [`nesting_depth`] for why. Real pages nest a few dozen
/// elements deep.
pub const MAX_NESTING: usize = 512;

/// Markup nested deeper than [`MAX_NESTING`]: refused, not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("HTML nested {depth} elements deep, over the limit of {MAX_NESTING}")]
pub struct TooDeep {
    pub depth: usize,
}

/// Returns `text` unchanged unless it contains markup, in which case the
/// markup is reduced to text. Markup too deep to parse in reasonable time
/// is refused.
pub fn reduce_if_markup(text: &str) -> Result<String, TooDeep> {
    if !TAG.is_match(text) {
        return Ok(text.to_owned());
    }
    let depth = nesting_depth(text);
    if depth > MAX_NESTING {
        return Err(TooDeep { depth });
    }
    Ok(to_text(&Html::parse_fragment(text)))
}

/// Elements that do not deepen the tree as written: void elements, and
/// those whose end tag may be omitted (the parser closes them itself).
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "colgroup", "rb", "rt", "rtc", "rp", "html", "head", "body",
];

/// Elements whose content is raw text, not markup: a `<` in a script
/// (`i<n`) is not a tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript"];

static TAG_OR_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(!--|/?)([A-Za-z][A-Za-z0-9-]*)?").expect("valid regex"));

/// Deepest element nesting in `html`, estimated from its tags without
/// parsing it. html5ever's tree builder takes time quadratic in the depth
/// (100 000 nested `<div>`s take minutes), so untrusted pages deeper than a
/// browser would build (Chromium stops at 512) are refused before parsing.
pub fn nesting_depth(html: &str) -> usize {
    let lower = html.to_ascii_lowercase();
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    while let Some(tag) = TAG_OR_COMMENT.captures_at(&lower, at) {
        let whole = tag.get(0).expect("group 0 always matches");
        at = whole.end();
        let name = tag.get(2).map_or("", |m| m.as_str());
        if &tag[1] == "!--" {
            at = lower[at..].find("-->").map_or(lower.len(), |i| at + i + 3);
        } else if name.is_empty() || NOT_NESTING.contains(&name) {
            continue;
        } else if &tag[1] == "/" {
            depth = depth.saturating_sub(1);
        } else if RAW_TEXT.contains(&name) {
            let end = format!("</{name}");
            at = lower[at..]
                .find(&end)
                .map_or(lower.len(), |i| at + i + end.len());
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Text of a parsed document: inline runs joined with single spaces, block
/// elements separated by blank lines, scripts and styles dropped.
pub fn to_text(doc: &Html) -> String {
    let mut out = TextBuilder::default();
    walk(doc.tree.root(), &mut out, is_never_text);
    out.finish()
}

/// True for elements such as `<script>` whose content is never prose.
fn is_never_text(node: NodeRef<'_, Node>) -> bool {
    node.value()
        .as_element()
        .is_some_and(|e| SKIPPED.contains(&e.name()))
}

/// Appends the text under `root` to `out`, leaving out every element for
/// which `skip` is true (with everything inside it). `root` itself is never
/// skipped. Iterative rather than recursive: a fetched page is untrusted,
/// and a deeply nested one must not overflow the stack.
fn walk(root: NodeRef<'_, Node>, out: &mut TextBuilder, skip: impl Fn(NodeRef<'_, Node>) -> bool) {
    let mut skipping: Option<NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => out.push_inline(t),
                    Node::Element(e) => {
                        if node.id() != root.id() && skip(node) {
                            skipping = Some(node.id());
                        } else if BLOCKS.contains(&e.name()) {
                            out.paragraph_break();
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none()
                    && node
                        .value()
                        .as_element()
                        .is_some_and(|e| BLOCKS.contains(&e.name()))
                {
                    out.paragraph_break();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Main text of a fetched page.
//
// A web page is mostly not the article: menus, cookie banners, share
// buttons, teasers for other stories. The rules below are deliberately
// simple and each one is tested: pick the element that holds the article
// (`<article>`, else `<main>`, else the element with the most paragraph
// text), then drop page chrome and boilerplate inside it.

/// Page chrome: never part of the article body.
const CHROME: &[&str] = &[
    "nav", "header", "footer", "aside", "form", "button", "select", "input", "textarea", "label",
    "dialog", "menu",
];

/// ARIA roles of page chrome, for sites that mark it up with `<div role=…>`.
const CHROME_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
];

/// `class`/`id` words (split on whitespace, `-` and `_`) that mark
/// boilerplate blocks. Whole words only: `ad` matches `ad-slot` but not
/// `head` or `read`.
const BOILERPLATE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "advertisement",
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "gdpr",
    "masthead",
    "menu",
    "modal",
    "nav",
    "navbar",
    "newsletter",
    "outbrain",
    "popup",
    "promo",
    "related",
    "share",
    "sharing",
    "sidebar",
    "signup",
    "social",
    "sponsored",
    "subscribe",
    "subscription",
    "taboola",
];

/// Containers dropped when most of their text is link text: link lists,
/// "more stories" blocks, tag clouds.
const LINK_LIST_CANDIDATES: &[&str] = &["div", "section", "ul", "ol", "p", "table", "li", "td"];

/// Paragraphs shorter than this are checked against [`BOILERPLATE_TEXT`].
const SHORT_PARAGRAPH: usize = 300;

/// Paragraphs shorter than this do not count when looking for the densest
/// block: captions and bylines say little about where the article is.
const MIN_SCORED_PARAGRAPH: usize = 25;

/// Short paragraphs that are page furniture, whatever element holds them.
static BOILERPLATE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        ^(advertisement|share|share\ (this|on\ \w+).*|tweet|email|print|subscribe(\ now)?
          |sign\ up|follow\ us.*|read\ more|related(\ articles|\ stories)?|comments?)$
        | \b(we\ use\ cookies|this\ (site|website)\ uses\ cookies|accept\ (all\ )?cookies
          |cookie\ (policy|settings|preferences)|subscribe\ to\ our\ newsletter
          |sign\ up\ for\ our\ newsletter|all\ rights\ reserved)\b",
    )
    .expect("valid regex")
});

static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector(r#"main, [role="main"]"#));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static SCORED: LazyLock<Selector> = LazyLock::new(|| selector("p, pre, blockquote"));
static OG_TITLE: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[property="og:title"], meta[name="og:title"]"#));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("valid selector")
}

/// The article text of a web page: the main block without page chrome and
/// boilerplate, paragraphs separated by blank lines.
pub fn main_text(doc: &Html) -> String {
    let sizes = TextSizes::measure(doc);
    let root = main_block(doc, &sizes);
    let mut out = TextBuilder::default();
    walk(root, &mut out, |node| {
        is_never_text(node) || is_chrome(node) || sizes.is_link_list(node)
    });
    out.finish()
        .split("\n\n")
        .filter(|p| !(p.len() < SHORT_PARAGRAPH && BOILERPLATE_TEXT.is_match(p)))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The page's own title: `og:title` (usually the bare headline), else
/// `<title>` (often with the site name appended), else the first `<h1>`.
pub fn page_title(doc: &Html) -> Option<String> {
    let og = doc
        .select(&OG_TITLE)
        .filter_map(|m| m.value().attr("content"))
        .map(collapse_whitespace);
    let title = doc
        .select(&TITLE)
        .map(|t| collapse_whitespace(&t.text().collect::<String>()));
    let h1 = doc
        .select(&H1)
        .map(|h| collapse_whitespace(&h.text().collect::<String>()));
    og.chain(title).chain(h1).find(|t| !t.is_empty())
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The element holding the article: the `<article>` with the most text that
/// is not link text (pages list teasers as articles too), else `<main>`,
/// else the densest block, else `<body>`.
fn main_block<'a>(doc: &'a Html, sizes: &TextSizes) -> NodeRef<'a, Node> {
    let article = doc
        .select(&ARTICLE)
        .map(|e| *e)
        .filter(|n| !has_chrome_ancestor(*n))
        .max_by_key(|n| sizes.prose(n.id()))
        .filter(|n| sizes.prose(n.id()) > 0);
    article
        .or_else(|| doc.select(&MAIN).next().map(|e| *e))
        .or_else(|| densest_block(doc, sizes))
        .or_else(|| doc.select(&BODY).next().map(|e| *e))
        .unwrap_or_else(|| doc.tree.root())
}

/// The element whose paragraphs hold the most text: each paragraph scores
/// its length for its parent and half of it for its grandparent, so that an
/// article split across a few wrappers still wins over a sidebar.
fn densest_block<'a>(doc: &'a Html, sizes: &TextSizes) -> Option<NodeRef<'a, Node>> {
    let mut scores: HashMap<NodeId, usize> = HashMap::new();
    for paragraph in doc.select(&SCORED) {
        let node = *paragraph;
        let len = sizes.text(node.id());
        if len < MIN_SCORED_PARAGRAPH || is_chrome(node) || has_chrome_ancestor(node) {
            continue;
        }
        if let Some(parent) = node.parent() {
            *scores.entry(parent.id()).or_default() += len;
            if let Some(grandparent) = parent.parent() {
                *scores.entry(grandparent.id()).or_default() += len / 2;
            }
        }
    }
    // Ties go to the earlier node (ids follow parse order), so the choice
    // does not depend on the map's random iteration order.
    scores
        .into_iter()
        .max_by_key(|&(id, score)| (score, std::cmp::Reverse(id)))
        .and_then(|(id, _)| doc.tree.get(id))
}

/// Page chrome or boilerplate by element name, role, visibility or
/// `class`/`id` words.
fn is_chrome(node: NodeRef<'_, Node>) -> bool {
    let Some(e) = node.value().as_element() else {
        return false;
    };
    if CHROME.contains(&e.name()) {
        return true;
    }
    if e.attr("role")
        .is_some_and(|r| CHROME_ROLES.contains(&r.trim()))
    {
        return true;
    }
    if e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
        || e.attr("style")
            .is_some_and(|s| s.replace(' ', "").contains("display:none"))
    {
        return true;
    }
    e.attr("class")
        .into_iter()
        .chain(e.attr("id"))
        .flat_map(|v| v.split(|c: char| c.is_whitespace() || c == '-' || c == '_'))
        .any(|word| BOILERPLATE_WORDS.contains(&word.to_ascii_lowercase().as_str()))
}

fn has_chrome_ancestor(node: NodeRef<'_, Node>) -> bool {
    node.ancestors().any(is_chrome)
}

/// Visible text length (non-whitespace characters) under every element, and
/// how much of it is link text, measured in one pass over the tree.
struct TextSizes {
    by_node: HashMap<NodeId, (usize, usize)>,
}

impl TextSizes {
    fn measure(doc: &Html) -> TextSizes {
        let mut by_node = HashMap::new();
        // One (text, link text) accumulator per open element.
        let mut open: Vec<(usize, usize)> = vec![(0, 0)];
        for edge in doc.tree.root().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(_) => open.push((0, 0)),
                    Node::Text(t) => {
                        if let Some(top) = open.last_mut() {
                            top.0 += t.chars().filter(|c| !c.is_whitespace()).count();
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    let Some(e) = node.value().as_element() else {
                        continue;
                    };
                    let (mut text, mut links) = open.pop().unwrap_or_default();
                    if SKIPPED.contains(&e.name()) {
                        (text, links) = (0, 0);
                    } else if e.name() == "a" {
                        links = text;
                    }
                    by_node.insert(node.id(), (text, links));
                    if let Some(parent) = open.last_mut() {
                        parent.0 += text;
                        parent.1 += links;
                    }
                }
            }
        }
        TextSizes { by_node }
    }

    fn text(&self, id: NodeId) -> usize {
        self.by_node.get(&id).map_or(0, |&(text, _)| text)
    }

    /// Text that is not link text.
    fn prose(&self, id: NodeId) -> usize {
        self.by_node
            .get(&id)
            .map_or(0, |&(text, links)| text - links)
    }

    /// A container most of whose text is link text.
    fn is_link_list(&self, node: NodeRef<'_, Node>) -> bool {
        let is_candidate = node
            .value()
            .as_element()
            .is_some_and(|e| LINK_LIST_CANDIDATES.contains(&e.name()));
        let (text, links) = self.by_node.get(&node.id()).copied().unwrap_or_default();
        is_candidate && text > 0 && links * 2 > text
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
        assert_eq!(reduce_if_markup(t).unwrap(), t);
    }

    #[test]
    fn paragraphs_stay_paragraphs_and_scripts_go() {
        let html = "<div><h1>Deal</h1><p>U.S. and <em>China</em> agree.</p>\
                    <script>var x = 1;</script><p>Markets&nbsp;rose &amp; held.</p></div>";
        assert_eq!(
            reduce_if_markup(html).unwrap(),
            "Deal\n\nU.S. and China agree.\n\nMarkets rose & held."
        );
    }

    #[test]
    fn inline_markup_keeps_word_spacing() {
        assert_eq!(
            reduce_if_markup("<p>a <b>bold</b>, move</p>").unwrap(),
            "a bold, move"
        );
    }

    fn page(html: &str) -> (Option<String>, String) {
        let doc = Html::parse_document(html);
        (page_title(&doc), main_text(&doc))
    }

    #[test]
    fn article_is_preferred_and_chrome_dropped() {
        let (_, text) = page(
            r#"<html><body>
            <header><a href="/">Home</a> <a href="/world">World</a></header>
            <nav><ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul></nav>
            <div class="cookie-banner">We use cookies to improve your experience.</div>
            <article>
              <h1>EU and Canada sign deal</h1>
              <p>The European Union and Canada signed a tariff agreement on Monday.</p>
              <div class="share-buttons"><a href="/share">Share on X</a></div>
              <p>Duties on steel fall to zero over five years.</p>
              <form><label>Email</label><input name="e"><button>Subscribe</button></form>
            </article>
            <aside><h2>Most read</h2><p>Another story that is long enough to score.</p></aside>
            <footer><p>All rights reserved. Copyright 2026 News Corp.</p></footer>
            <script>track();</script>
            </body></html>"#,
        );
        assert_eq!(
            text,
            "EU and Canada sign deal\n\n\
             The European Union and Canada signed a tariff agreement on Monday.\n\n\
             Duties on steel fall to zero over five years."
        );
    }

    #[test]
    fn the_article_with_most_prose_wins_over_teasers() {
        let (_, text) = page(
            r#"<body>
            <article><h2><a href="/x">A teaser headline that is only a link</a></h2></article>
            <article><p>The real story has sentences that are not links at all.</p></article>
            </body>"#,
        );
        assert_eq!(
            text,
            "The real story has sentences that are not links at all."
        );
    }

    #[test]
    fn main_element_is_used_without_article() {
        let (_, text) = page(
            r#"<body><div><p>Site-wide paragraph outside of the main element here.</p></div>
            <main><p>Main paragraph.</p></main></body>"#,
        );
        assert_eq!(text, "Main paragraph.");
    }

    #[test]
    fn densest_block_is_found_without_article_or_main() {
        let (_, text) = page(
            r#"<body>
            <div id="top"><p>Short intro line that is long enough to be scored.</p></div>
            <div id="content">
              <p>First paragraph of the story, with a good amount of text in it.</p>
              <p>Second paragraph of the story, again with plenty of text in it.</p>
              <p>Third paragraph: officials said tariffs would rise on 1 March.</p>
            </div>
            </body>"#,
        );
        assert_eq!(
            text,
            "First paragraph of the story, with a good amount of text in it.\n\n\
             Second paragraph of the story, again with plenty of text in it.\n\n\
             Third paragraph: officials said tariffs would rise on 1 March."
        );
    }

    #[test]
    fn link_heavy_blocks_and_boilerplate_lines_are_dropped() {
        let (_, text) = page(
            r#"<article>
            <p>Ministers met in <a href="/geneva">Geneva</a> to discuss quotas.</p>
            <ul><li><a href="/1">Related story one</a></li><li><a href="/2">Related two</a></li></ul>
            <div><a href="/more">More from World</a> | <a href="/us">US</a></div>
            <p>Advertisement</p>
            <p>Read more</p>
            <p>Talks resume next week.</p>
            <div hidden>Hidden text</div>
            <div style="display: none">Invisible text</div>
            <div role="complementary">Complementary text</div>
            </article>"#,
        );
        assert_eq!(
            text,
            "Ministers met in Geneva to discuss quotas.\n\nTalks resume next week."
        );
    }

    #[test]
    fn boilerplate_words_match_whole_words_only() {
        let (_, text) = page(
            r#"<article><div class="article-head"><p>Kept: head is not ad.</p></div>
            <div class="thread"><p>Kept: thread is not read.</p></div>
            <div class="ad-slot"><p>Dropped advert.</p></div></article>"#,
        );
        assert_eq!(text, "Kept: head is not ad.\n\nKept: thread is not read.");
    }

    #[test]
    fn title_prefers_og_title_then_title_then_h1() {
        let og = page(
            r#"<head><meta property="og:title" content=" Deal  signed "><title>Deal signed | News</title></head>
            <body><h1>Heading</h1></body>"#,
        );
        assert_eq!(og.0.as_deref(), Some("Deal signed"));
        let title = page("<head><title>Deal signed | News</title></head><body><h1>H</h1></body>");
        assert_eq!(title.0.as_deref(), Some("Deal signed | News"));
        let h1 = page("<body><h1>Only <em>a</em> heading</h1><p>x</p></body>");
        assert_eq!(h1.0.as_deref(), Some("Only a heading"));
        assert_eq!(page("<body><p>No title</p></body>").0, None);
    }

    #[test]
    fn deeply_nested_pages_do_not_overflow_the_stack() {
        // <span>s parse in linear time, so the tree really gets this deep.
        let depth = 200_000;
        let html = format!(
            "{}<p>deep</p>{}",
            "<span>".repeat(depth),
            "</span>".repeat(depth)
        );
        let doc = Html::parse_document(&html);
        assert!(main_text(&doc).contains("deep"));
        assert!(to_text(&doc).contains("deep"));
    }

    #[test]
    fn nesting_depth_counts_elements_that_stay_open() {
        assert_eq!(
            nesting_depth("<div><div><span>x</span></div><div></div></div>"),
            3
        );
        // Void elements and unclosed <p>/<li> do not nest.
        assert_eq!(
            nesting_depth("<div><p>a<p>b<br><img src=x><ul><li>1<li>2</ul></div>"),
            2
        );
        assert_eq!(nesting_depth(&"<DIV>".repeat(1000)), 1000);
        // Neither script code nor comments are markup.
        let script = format!("<script>{}</script>", "if (i<n && j<m) {}".repeat(1000));
        assert_eq!(
            nesting_depth(&format!("<div>{script}<!-- <div><div> --></div>")),
            1
        );
    }
}
