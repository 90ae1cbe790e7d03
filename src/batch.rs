//! `tradewire enrich`: raw articles as JSON lines in, one enriched record
//! per line out, in input order, through the same enrich code path as the
//! Kafka pipeline. A bad line is reported on the error stream with its line
//! number and reason, and the run goes on.

use std::io::{self, BufRead, Write};

use crate::article::{Article, Poison};
use crate::enrich::Enricher;
use crate::pipeline::{prepare, Prepared};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub enriched: u64,
    pub failed: u64,
}

/// Enriches every non-blank line of `input`. A link-only article is
/// completed by `fetch` (which blocks on the page fetch). I/O errors end the
/// run; bad lines do not.
pub fn run(
    enricher: &Enricher,
    mut fetch: impl FnMut(Article) -> Result<Article, Poison>,
    mut input: impl BufRead,
    output: impl Write,
    mut errors: impl Write,
    max_bytes: usize,
) -> io::Result<Summary> {
    let mut out = io::BufWriter::new(output);
    let mut summary = Summary::default();
    let mut line = Vec::with_capacity(8 * 1024);
    // One record's JSON, written into a buffer reused for every line.
    let mut json = Vec::with_capacity(16 * 1024);
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        let text = trim_ascii(&line);
        if text.is_empty() {
            continue;
        }
        let result = prepare(enricher, text, max_bytes).and_then(|p| match p {
            Prepared::Enriched(record) => Ok(record),
            Prepared::NeedsFetch(article) => fetch(article).map(|a| enricher.enrich(&a)),
        });
        match result {
            Ok(record) => {
                json.clear();
                record.write_json(&mut json);
                json.push(b'\n');
                out.write_all(&json)?;
                summary.enriched += 1;
            }
            Err(poison) => {
                writeln!(errors, "line {number}: {}: {}", poison.kind, poison.reason)?;
                summary.failed += 1;
            }
        }
    }
    out.flush()?;
    Ok(summary)
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_reported_and_the_rest_still_enriched_in_order() {
        let enricher = Enricher::embedded().unwrap();
        let input = b"{\"id\":\"a\",\"body\":\"China raised tariffs.\"}\n\
                      not json\n\
                      \n\
                      {\"id\":\"b\",\"title\":\"no body\"}\n\
                      {\"id\":\"c\",\"body\":\"Talks resumed.\"}\n";
        let mut out = Vec::new();
        let mut err = Vec::new();
        let s = run(&enricher, Ok, &input[..], &mut out, &mut err, 1 << 20).unwrap();
        assert_eq!(
            s,
            Summary {
                enriched: 2,
                failed: 2
            }
        );
        let ids: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(ids, ["a", "c"]);
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("line 2: invalid_json"), "{err}");
        assert!(err.contains("line 4: missing_content"), "{err}");
    }
}
