//! One ~3 KB trade article through `Enricher::enrich` (target: median
//! ≤ 50 µs on one core), plus the one-off cost of loading the data and
//! building the automatons (target: < 1 s).
//!
//! The article is 2,890 characters of headline and body (3,028 bytes as
//! JSON); it is parsed once, outside the measured loop.
//!
//! `cargo bench --bench enrich`

use criterion::{criterion_group, criterion_main, Criterion};
use tradewire::article::Article;
use tradewire::enrich::Enricher;

/// The allocator the `tradewire` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A made-up wire story of about 3 KB (2,890 characters of text) that
/// exercises every detector:
/// gazetteer names, titled and appositive people, organisations, tariff
/// rates with direction, a deadline and plenty of tone words.
const ARTICLE: &str = r#"{
  "id": "bench-1",
  "source": "Bench Wire",
  "title": "EU and Japan agree to cut tariffs on cars as talks with China stall",
  "published_at": "2025-06-02T08:00:00Z",
  "body": "BRUSSELS (Bench Wire) - The European Union and Japan agreed on Monday to cut tariffs on each other's cars and car parts, a rare bright spot for global trade as talks between Brussels and Beijing over electric vehicles stalled again.\n\nUnder the framework, the EU will lower its 10% import tariff on Japanese cars to 5% from January, while Japan will remove its remaining duties on European wine, cheese and pork. Officials said the two sides would finalise the legal text by July 15 and aim to sign the deal at a summit in Tokyo.\n\nEU trade commissioner Maros Sefcovic said the agreement showed that open markets still delivered for workers and farmers. Japanese Trade Minister Ryosei Akazawa called the talks constructive and said both governments wanted a stable, rules-based relationship.\n\nThe progress contrasted with a standoff over Chinese electric vehicles. The European Commission has imposed countervailing duties of up to 35.3% on cars made in China, and China's Commerce Ministry has threatened retaliation against European brandy, dairy and pork. Commerce Minister Wang Wentao said Beijing would defend the rights of its companies and warned that new curbs would hurt both sides.\n\nMeanwhile, U.S. tariffs stand at 25% on most Japanese steel, and Washington has threatened a 30% levy on European pharmaceuticals if talks on a wider arrangement fail. Treasury Secretary Scott Bessent said on Friday that he expected progress before the August 1 deadline.\n\n\"The EU-Japan deal is a useful signal, but it does not remove the uncertainty hanging over carmakers,\" said Helena Marsh, chief economist at Northgate Research in London. \"Exporters are still exposed to the risk of a wider trade war, and investors remain nervous.\"\n\nShares of European carmakers rose about 2% in early trading, while the yen strengthened against the dollar. Analysts at Kestrel Securities said the deal could lift Japanese exports to the bloc by about a fifth over five years, although rules of origin and quotas for sensitive farm goods remain to be settled.\n\nSouth Korea, which already has a free trade agreement with the EU, said it would seek similar terms for its automakers. The World Trade Organization welcomed the agreement and urged members to avoid tit-for-tat measures that could disrupt supply chains for semiconductors, batteries and rare earths.\n\nIn Washington, lawmakers asked the administration to publish the legal basis for the threatened levy, and industry groups warned that a 30% duty on medicines would raise prices for patients. Officials in Tokyo said they hoped to finish the remaining steps before the end of the year.\n\nExporters in both economies said the details would matter more than the headline numbers, and several business groups asked for clear rules on how the lower rates would be applied at the border."
}"#;

fn bench(c: &mut Criterion) {
    let enricher = Enricher::embedded().expect("embedded data loads");
    let article = Article::parse_str(ARTICLE).expect("bench article parses");
    c.bench_function("enrich ~3 KB article", |b| {
        b.iter(|| enricher.enrich(std::hint::black_box(&article)))
    });
    let mut slow = c.benchmark_group("startup");
    slow.sample_size(10);
    slow.bench_function("load data and build automatons", |b| {
        b.iter(|| Enricher::embedded().expect("embedded data loads"))
    });
    slow.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
