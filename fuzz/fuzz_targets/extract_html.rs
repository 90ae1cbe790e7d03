//! Any page or HTML body → the two HTML reductions: `html::main_text` and
//! `html::page_title` on a fetched page (behind the fetcher's nesting guard,
//! as `fetch.rs` calls them), and `html::reduce_if_markup` on an article
//! `body`. Besides never panicking, the text must come out in the shape the
//! sentence splitter downstream expects: paragraphs separated by exactly one
//! blank line, words by single spaces, no empty paragraph, no stray
//! whitespace; a title is one trimmed line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scraper::Html;
use tradewire::html;

fuzz_target!(|data: &[u8]| {
    let page = String::from_utf8_lossy(data);
    if html::nesting_depth(&page) <= html::MAX_NESTING {
        let doc = Html::parse_document(&page);
        assert_paragraphs(&html::main_text(&doc), &page);
        if let Some(title) = html::page_title(&doc) {
            assert!(!title.is_empty(), "empty title from {page:?}");
            assert_eq!(
                title,
                title.split_whitespace().collect::<Vec<_>>().join(" "),
                "title not one clean line, from {page:?}"
            );
        }
    }
    match html::reduce_if_markup(&page) {
        Ok(body) if body != page => assert_paragraphs(&body, &page),
        Ok(_) => {}
        Err(e) => assert!(e.depth > html::MAX_NESTING, "{e} from {page:?}"),
    }
});

fn assert_paragraphs(text: &str, page: &str) {
    if text.is_empty() {
        return;
    }
    for p in text.split("\n\n") {
        let clean = p.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            !p.is_empty() && p == clean,
            "paragraph {p:?} of {text:?} is not clean text, from {page:?}"
        );
    }
}
