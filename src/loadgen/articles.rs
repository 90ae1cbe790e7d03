//! Raw articles for the load test: wire-style news built from templates and
//! a small vocabulary (varied lengths around 3 KB, a share about trade
//! policy, the rest general news with a few trade-word traps), plus poison
//! messages of every kind the service dead-letters.
//!
//! A pool of distinct articles is generated once from a seed; each message
//! then only prepends its own id, so the generator costs the load test
//! almost nothing and the same seed gives the same input.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

/// What a generated message is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An article about trade policy.
    Trade,
    /// General news (sports, weather, technology, markets, traps).
    Other,
    /// A message the service must dead-letter.
    Poison(PoisonShape),
}

/// The kinds of poison, in the order they take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoisonShape {
    /// Cut off in the middle: not JSON (`invalid_json`).
    InvalidJson,
    /// A title and no body or url (`missing_content`).
    MissingContent,
    /// A `published_at` that is not a date (`invalid_field`).
    InvalidField,
    /// Latin-1 bytes in the body (`invalid_utf8`).
    InvalidUtf8,
}

impl PoisonShape {
    const ROTATION: [PoisonShape; 4] = [
        PoisonShape::InvalidJson,
        PoisonShape::MissingContent,
        PoisonShape::InvalidField,
        PoisonShape::InvalidUtf8,
    ];

    /// The dead-letter reason the service gives this shape.
    pub fn reason(self) -> &'static str {
        match self {
            PoisonShape::InvalidJson => "invalid_json",
            PoisonShape::MissingContent => "missing_content",
            PoisonShape::InvalidField => "invalid_field",
            PoisonShape::InvalidUtf8 => "invalid_utf8",
        }
    }
}

/// Shares of the message stream. `trade + poison` must not exceed 1.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    pub trade_share: f64,
    pub poison_share: f64,
}

impl Mix {
    pub fn validate(&self) -> Result<(), String> {
        let ok = |x: f64| (0.0..=1.0).contains(&x);
        if !ok(self.trade_share) || !ok(self.poison_share) {
            return Err("--trade-share and --poison-share are fractions in [0, 1]".into());
        }
        if self.trade_share + self.poison_share > 1.0 + 1e-9 {
            return Err("--trade-share plus --poison-share is more than 1".into());
        }
        Ok(())
    }
}

/// Distinct articles generated for the pool, per kind.
const POOL: usize = 400;

/// Turns out messages in the configured mix. Shares hold exactly over any
/// stretch of messages (to within one), not just on average.
pub struct Generator {
    /// JSON object tails: everything after the `"id"` member.
    trade: Vec<Vec<u8>>,
    other: Vec<Vec<u8>>,
    mix: Mix,
    rng: fastrand::Rng,
    trade_due: f64,
    poison_due: f64,
    poisons: usize,
}

impl Generator {
    pub fn new(mix: Mix, seed: u64) -> Generator {
        let mut rng = fastrand::Rng::with_seed(seed);
        let trade = (0..POOL)
            .map(|i| tail(&write_article(&mut rng, true, i)))
            .collect();
        let other = (0..POOL)
            .map(|i| tail(&write_article(&mut rng, false, i)))
            .collect();
        Generator {
            trade,
            other,
            mix,
            rng,
            trade_due: 0.0,
            poison_due: 0.0,
            poisons: 0,
        }
    }

    /// Adds real articles from a JSON-lines file (raw articles, or
    /// `{"article": …, "gold": {"relevant": …}}` lines as in the eval set)
    /// to the pools. Returns how many were added.
    pub fn add_corpus(&mut self, path: &Path) -> std::io::Result<usize> {
        let text = std::fs::read_to_string(path)?;
        let mut added = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let relevant = v["gold"]["relevant"].as_bool().unwrap_or(true);
            let mut article = if v["article"].is_object() {
                v["article"].clone()
            } else {
                v
            };
            let Some(obj) = article.as_object_mut() else {
                continue;
            };
            obj.remove("id");
            if relevant {
                self.trade.push(tail(&article));
            } else {
                self.other.push(tail(&article));
            }
            added += 1;
        }
        Ok(added)
    }

    /// The next message: its kind and its payload, with `id` as the
    /// article id (the load test also uses it as the message key).
    pub fn next(&mut self, id: &str) -> (Kind, Vec<u8>) {
        self.poison_due += self.mix.poison_share;
        self.trade_due += self.mix.trade_share;
        if self.poison_due >= 1.0 {
            self.poison_due -= 1.0;
            let shape = PoisonShape::ROTATION[self.poisons % PoisonShape::ROTATION.len()];
            self.poisons += 1;
            return (Kind::Poison(shape), self.poison(shape, id));
        }
        let (kind, pool) = if self.trade_due >= 1.0 {
            self.trade_due -= 1.0;
            (Kind::Trade, &self.trade)
        } else {
            (Kind::Other, &self.other)
        };
        let tail = &pool[self.rng.usize(..pool.len())];
        (kind, with_id(id, tail))
    }

    fn poison(&mut self, shape: PoisonShape, id: &str) -> Vec<u8> {
        let tail = &self.trade[self.rng.usize(..self.trade.len())];
        match shape {
            PoisonShape::InvalidJson => {
                let mut p = with_id(id, tail);
                let mut cut = p.len() / 2;
                // Cut between characters, so that it is bad JSON, not bad UTF-8.
                while p[cut] & 0xC0 == 0x80 {
                    cut -= 1;
                }
                p.truncate(cut);
                p
            }
            PoisonShape::MissingContent => json!({
                "id": id,
                "source": "Wire Desk",
                "title": "Headline without a story",
            })
            .to_string()
            .into_bytes(),
            PoisonShape::InvalidField => json!({
                "id": id,
                "source": "Wire Desk",
                "title": "A story with a bad date",
                "body": "Officials met on Tuesday to discuss the harbour upgrade.",
                "published_at": "last Tuesday",
            })
            .to_string()
            .into_bytes(),
            PoisonShape::InvalidUtf8 => {
                let mut p =
                    format!("{{\"id\":\"{id}\",\"title\":\"Caf\u{e9} owners\",\"body\":\"Caf")
                        .into_bytes();
                // `é` as Latin-1: one byte that is not UTF-8.
                p.push(0xE9);
                p.extend_from_slice(b" owners met the mayor.\"}");
                p
            }
        }
    }
}

/// `{"id":"ID",` + tail.
fn with_id(id: &str, tail: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(tail.len() + id.len() + 10);
    p.extend_from_slice(b"{\"id\":\"");
    p.extend_from_slice(id.as_bytes());
    p.extend_from_slice(b"\",");
    p.extend_from_slice(tail);
    p
}

/// An article object without `id`, as the bytes after `{`.
fn tail(article: &Value) -> Vec<u8> {
    let s = article.to_string();
    s.as_bytes()[1..].to_vec()
}

/// One article as a JSON object (no `id`).
pub fn write_article(rng: &mut fastrand::Rng, trade: bool, n: usize) -> Value {
    let cast = Cast::pick(rng);
    let target = target_length(rng);
    let template = pick(rng, if trade { TRADE_TITLES } else { OTHER_TITLES });
    let title = fill(rng, &cast, template);
    let mut body = String::with_capacity(target + 400);
    let dateline = CITIES[rng.usize(..CITIES.len())];
    let source = SOURCES[rng.usize(..SOURCES.len())];
    let _ = write!(body, "{} ({source}) - ", dateline.to_uppercase());
    let mut in_paragraph = 0;
    while body.len() < target {
        let bank = if trade {
            match rng.u8(..100) {
                0..=69 => TRADE_SENTENCES,
                70..=84 => QUOTES,
                _ => MARKET_SENTENCES,
            }
        } else {
            match rng.u8(..100) {
                0..=3 => TRAP_SENTENCES,
                4..=14 => MARKET_SENTENCES,
                15..=24 => QUOTES,
                _ => OTHER_SENTENCES,
            }
        };
        let template = pick(rng, bank);
        body.push_str(&fill(rng, &cast, template));
        in_paragraph += 1;
        if in_paragraph >= 2 + rng.usize(..3) {
            body.push_str("\n\n");
            in_paragraph = 0;
        } else {
            body.push(' ');
        }
    }
    let body = body.trim_end().to_owned();
    let day = 1 + rng.u8(..28);
    let month = 1 + rng.u8(..12);
    let slug: String = title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    json!({
        "source": source,
        "url": format!("https://news.example.com/2025/{month:02}/{day:02}/{n}-{}", slug.trim_matches('-')),
        "title": title,
        "published_at": format!("2025-{month:02}-{day:02}T{:02}:{:02}:00Z", rng.u8(..24), rng.u8(..60)),
        "language": "en",
        "body": body,
    })
}

/// Article length in bytes: log-normal around 3 KB, between 0.9 and 9 KB.
fn target_length(rng: &mut fastrand::Rng) -> usize {
    // Box–Muller: a standard normal from two uniforms.
    let (u1, u2) = (rng.f64().max(1e-12), rng.f64());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (2900.0 * (0.35 * z).exp()).clamp(900.0, 9000.0) as usize
}

fn pick<'a>(rng: &mut fastrand::Rng, bank: &[&'a str]) -> &'a str {
    bank[rng.usize(..bank.len())]
}

/// Who and what one article is about, so its sentences agree.
struct Cast {
    country: (&'static str, &'static str),
    partner: (&'static str, &'static str),
    official: (&'static str, &'static str),
    org: &'static str,
    goods: &'static str,
    city: &'static str,
    company: &'static str,
    team: &'static str,
    rival: &'static str,
    analyst: &'static str,
    firm: &'static str,
}

impl Cast {
    fn pick(rng: &mut fastrand::Rng) -> Cast {
        let country = COUNTRIES[rng.usize(..COUNTRIES.len())];
        let mut partner = COUNTRIES[rng.usize(..COUNTRIES.len())];
        while partner == country {
            partner = COUNTRIES[rng.usize(..COUNTRIES.len())];
        }
        let team = TEAMS[rng.usize(..TEAMS.len())];
        let mut rival = TEAMS[rng.usize(..TEAMS.len())];
        while rival == team {
            rival = TEAMS[rng.usize(..TEAMS.len())];
        }
        Cast {
            country,
            partner,
            official: OFFICIALS[rng.usize(..OFFICIALS.len())],
            org: ORGS[rng.usize(..ORGS.len())],
            goods: GOODS[rng.usize(..GOODS.len())],
            city: CITIES[rng.usize(..CITIES.len())],
            company: COMPANIES[rng.usize(..COMPANIES.len())],
            team,
            rival,
            analyst: ANALYSTS[rng.usize(..ANALYSTS.len())],
            firm: FIRMS[rng.usize(..FIRMS.len())],
        }
    }
}

/// Replaces each `{SLOT}` in `template`.
fn fill(rng: &mut fastrand::Rng, cast: &Cast, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("slots are closed");
        let slot = &rest[open + 1..close];
        match slot {
            "C1" => out.push_str(cast.country.0),
            "C1ADJ" => out.push_str(cast.country.1),
            "C2" => out.push_str(cast.partner.0),
            "C2ADJ" => out.push_str(cast.partner.1),
            "TITLE" => out.push_str(cast.official.0),
            "OFFICIAL" => out.push_str(cast.official.1),
            "SURNAME" => out.push_str(cast.official.1.rsplit(' ').next().unwrap_or_default()),
            "ORG" => out.push_str(cast.org),
            "GOODS" => out.push_str(cast.goods),
            "CITY" => out.push_str(cast.city),
            "COMPANY" => out.push_str(cast.company),
            "TEAM" => out.push_str(cast.team),
            "RIVAL" => out.push_str(cast.rival),
            "ANALYST" => out.push_str(cast.analyst),
            "FIRM" => out.push_str(cast.firm),
            "RATE" => {
                let _ = write!(out, "{}", [10, 15, 20, 25, 30, 35, 50, 100][rng.usize(..8)]);
            }
            "PCT" => {
                let _ = write!(out, "{}.{}", rng.u8(..4), rng.u8(..10));
            }
            "NUM" => {
                let _ = write!(out, "{}", 2 + rng.u16(..400));
            }
            "DATE" => {
                let _ = write!(
                    out,
                    "{} {}",
                    MONTHS[rng.usize(..MONTHS.len())],
                    1 + rng.u8(..28)
                );
            }
            "DAY" => out.push_str(DAYS[rng.usize(..DAYS.len())]),
            other => unreachable!("unknown slot {other}"),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

const SOURCES: &[&str] = &[
    "Global Trade Desk",
    "Harbour Wire",
    "Meridian News",
    "Northern Ledger",
    "Capital Dispatch",
    "Pacific Business Daily",
];

const COUNTRIES: &[(&str, &str)] = &[
    ("the United States", "U.S."),
    ("China", "Chinese"),
    ("Japan", "Japanese"),
    ("Germany", "German"),
    ("Canada", "Canadian"),
    ("Mexico", "Mexican"),
    ("India", "Indian"),
    ("Brazil", "Brazilian"),
    ("South Korea", "South Korean"),
    ("Vietnam", "Vietnamese"),
    ("Australia", "Australian"),
    ("Britain", "British"),
    ("France", "French"),
    ("Indonesia", "Indonesian"),
    ("the European Union", "European"),
];

const OFFICIALS: &[(&str, &str)] = &[
    ("Treasury Secretary", "Scott Bessent"),
    ("Trade Representative", "Jamieson Greer"),
    ("Commerce Secretary", "Howard Lutnick"),
    ("EU trade commissioner", "Maros Sefcovic"),
    ("Commerce Minister", "Wang Wentao"),
    ("Vice Premier", "He Lifeng"),
    ("Trade Minister", "Ryosei Akazawa"),
    ("Commerce Minister", "Piyush Goyal"),
    ("WTO Director-General", "Ngozi Okonjo-Iweala"),
    ("Prime Minister", "Mark Carney"),
    ("Economy Minister", "Marcelo Ebrard"),
    ("Chancellor", "Friedrich Merz"),
    ("Business Secretary", "Peter Kyle"),
    ("Trade Minister", "Don Farrell"),
    ("trade negotiator", "Li Chenggang"),
];

const ORGS: &[&str] = &[
    "World Trade Organization",
    "European Commission",
    "International Monetary Fund",
    "OECD",
    "World Bank",
    "Commerce Ministry",
    "U.S. Chamber of Commerce",
];

const GOODS: &[&str] = &[
    "steel",
    "aluminum",
    "cars",
    "semiconductors",
    "solar panels",
    "soybeans",
    "rare earths",
    "pharmaceuticals",
    "electric vehicles",
    "wine",
    "lumber",
    "copper",
    "auto parts",
    "batteries",
];

const CITIES: &[&str] = &[
    "Geneva",
    "Brussels",
    "Washington",
    "Beijing",
    "Tokyo",
    "Ottawa",
    "Mexico City",
    "New Delhi",
    "London",
    "Singapore",
    "Seoul",
    "Jakarta",
    "Canberra",
    "Berlin",
];

const COMPANIES: &[&str] = &[
    "Northwind Motors",
    "Helix Semiconductor",
    "Bluepeak Foods",
    "Corvid Pharma",
    "Tessaly Steel",
    "Arbor Logistics",
    "Quillon Devices",
];

const TEAMS: &[&str] = &[
    "Riverside Rovers",
    "Harbour City FC",
    "the Northfield Hawks",
    "Eastgate United",
    "the Lakeside Comets",
    "Westbrook Athletic",
];

const ANALYSTS: &[&str] = &[
    "Helena Marsh",
    "Tomas Rieger",
    "Amara Okafor",
    "Priya Raman",
    "Daniel Westwood",
    "Lucia Ferraro",
];

const FIRMS: &[&str] = &[
    "Northgate Research",
    "Kestrel Securities",
    "Baymont Capital",
    "Ardent Economics",
    "Silverline Partners",
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

const TRADE_TITLES: &[&str] = &[
    "{C1} and {C2} agree to cut tariffs on {GOODS} after talks in {CITY}",
    "{C1} threatens {RATE}% tariffs on {C2ADJ} {GOODS}",
    "{C1} tightens export controls on {GOODS} bound for {C2}",
    "{ORG} weighs in as {C1} and {C2} trade dispute over {GOODS} deepens",
    "{OFFICIAL} says trade talks with {C2} are making progress",
    "{C1} launches anti-dumping probe into {C2ADJ} {GOODS}",
    "{C1} extends tariff truce with {C2} for 90 days",
    "{C2} retaliates with duties on {C1ADJ} {GOODS}",
    "Exporters brace for {C1ADJ} levies on {GOODS} as deadline nears",
    "{C1} and {C2} sign trade agreement covering {GOODS}",
];

const OTHER_TITLES: &[&str] = &[
    "{TEAM} beat {RIVAL} to reach the cup final",
    "Heatwave grips {CITY} as temperatures climb",
    "{COMPANY} unveils new device with longer battery life",
    "City council in {CITY} approves new cycle lanes",
    "Storm disrupts flights across {CITY}",
    "{TEAM} sign striker before the transfer deadline",
    "Museum in {CITY} reopens after two-year renovation",
    "{COMPANY} shares rise after strong quarterly results",
    "Scientists map coral reefs with underwater drones",
    "Regulator approves higher household energy tariffs",
];

const TRADE_SENTENCES: &[&str] = &[
    "{C1} will raise its tariffs on {C2ADJ} {GOODS} to {RATE}% from {DATE}, officials said on {DAY}.",
    "{TITLE} {OFFICIAL} told reporters in {CITY} that the talks had been constructive and that both sides wanted a stable relationship.",
    "{SURNAME} said negotiators would meet again before the {DATE} deadline to settle the remaining issues.",
    "{C2} warned it would retaliate against {C1ADJ} {GOODS} if the new duties took effect.",
    "The {ORG} urged both governments to avoid tit-for-tat measures that could disrupt supply chains.",
    "Under the framework, {C1} would lower its {RATE}% import duty on {C2ADJ} {GOODS} over three years.",
    "{C1ADJ} tariffs stand at {RATE}% on most {C2ADJ} {GOODS}, and exporters have asked for exemptions.",
    "{C1} has imposed anti-dumping duties of up to {RATE}% on {GOODS} made in {C2}.",
    "The export controls cover advanced {GOODS} and the equipment used to make them.",
    "{C2ADJ} officials described the restrictions as protectionist and said they broke trade rules.",
    "Trade between {C1} and {C2} fell by about a fifth last year as duties piled up.",
    "{COMPANY} said the levies would raise its costs and that it might move some production to {C2}.",
    "The two sides agreed to a 90-day pause from {DATE} while they negotiate a wider deal.",
    "{C1} filed a complaint at the World Trade Organization, saying the subsidies distorted the market for {GOODS}.",
    "Lawmakers in {CITY} asked the government to publish the legal basis for the sanctions.",
    "{C1} and {C2} have held five rounds of talks on a free trade agreement since the spring.",
    "A quota on {C2ADJ} {GOODS} would be lifted once the agreement enters into force.",
    "The trade deficit with {C2} widened to a record, adding pressure for tougher measures.",
    "Business groups warned that a trade war would hurt workers and consumers on both sides.",
    "{TITLE} {OFFICIAL} said the government would defend the rights of its companies.",
    "Investment screening rules would be tightened for buyers from {C2}, the ministry said.",
    "The sanctions target firms accused of shipping {GOODS} to the military.",
    "Customs data showed imports of {C2ADJ} {GOODS} jumped ahead of the tariff increase.",
    "Officials in {CITY} said they hoped to finish the remaining steps before the end of the year.",
];

const QUOTES: &[&str] = &[
    "\"The deal is a useful signal, but it does not remove the uncertainty hanging over exporters,\" said {ANALYST}, chief economist at {FIRM} in {CITY}.",
    "\"We expect more volatility until the rules are clear,\" said {ANALYST} of {FIRM}.",
    "\"Nobody wins from higher prices at the border,\" {ANALYST}, an analyst at {FIRM}, wrote in a note to clients.",
    "\"It is a step in the right direction,\" said {ANALYST}, a partner at {FIRM}.",
];

const MARKET_SENTENCES: &[&str] = &[
    "Shares of {COMPANY} rose {PCT}% in early trading, while the broader index slipped.",
    "The currency weakened {PCT}% against the dollar after the announcement.",
    "Bond yields edged higher as investors weighed the outlook for growth.",
    "Analysts at {FIRM} cut their forecast for economic growth this year to {PCT}%.",
    "Oil prices were little changed, and gold held near its recent high.",
];

const OTHER_SENTENCES: &[&str] = &[
    "{TEAM} scored twice in the second half to beat {RIVAL} in front of a sold-out crowd.",
    "The coach said the squad had worked hard all season and deserved the win.",
    "Forecasters said temperatures in {CITY} would stay above 35 degrees until {DAY}.",
    "The city opened cooling centres and asked residents to check on elderly neighbours.",
    "{COMPANY} said the new model would go on sale in {DATE} at a lower price than its predecessor.",
    "Reviewers praised the brighter screen but said the camera lagged behind rivals.",
    "The council voted {NUM} to 9 in favour of the plan after a four-hour debate.",
    "Residents said the new lanes would make the school run safer for children.",
    "Flights were cancelled at the main airport and trains ran with long delays.",
    "Emergency crews cleared fallen trees from several roads overnight.",
    "The museum's new wing will display {NUM} works that have never been shown in public.",
    "Volunteers planted more than {NUM} trees along the river on {DAY}.",
    "The researchers said the drones could survey a reef in a fraction of the time divers need.",
    "The festival drew record crowds, and organisers plan to add a third stage next year.",
    "Police said the road would stay closed until {DAY} while repairs continue.",
    "The hospital said it would hire {NUM} more nurses to cut waiting times.",
    "Tickets for the concert sold out within minutes, and fans complained about resale prices.",
    "The school will offer free breakfast to all pupils from {DATE}.",
];

/// General news with trade words that are not trade policy.
const TRAP_SENTENCES: &[&str] = &[
    "Household energy tariffs will rise by {PCT}% from {DATE}, the regulator said.",
    "The club made two signings before the trade deadline on {DATE}.",
    "The new phone tariffs include unlimited data for a fixed monthly fee.",
    "The bakery sells fine china and chips alongside its famous turkey sandwiches.",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{Article, PoisonKind};

    fn generate(mix: Mix, n: usize) -> Vec<(Kind, Vec<u8>)> {
        let mut g = Generator::new(mix, 7);
        (0..n).map(|i| g.next(&format!("lg-{i}"))).collect()
    }

    #[test]
    fn shares_hold_and_every_message_parses_as_its_kind() {
        let mix = Mix {
            trade_share: 0.35,
            poison_share: 0.02,
        };
        let messages = generate(mix, 2000);
        let count = |f: &dyn Fn(&Kind) -> bool| messages.iter().filter(|(k, _)| f(k)).count();
        assert!((39..=41).contains(&count(&|k| matches!(k, Kind::Poison(_)))));
        assert!((699..=701).contains(&count(&|k| *k == Kind::Trade)));
        for (i, (kind, payload)) in messages.iter().enumerate() {
            let parsed = Article::parse(payload, 1 << 20);
            match kind {
                Kind::Poison(shape) => {
                    let poison = parsed.expect_err("poison is rejected");
                    assert_eq!(poison.kind.as_str(), shape.reason());
                    assert_ne!(poison.kind, PoisonKind::TooLarge);
                }
                _ => {
                    let article = parsed.unwrap_or_else(|p| panic!("message {i}: {p}"));
                    assert_eq!(article.id, format!("lg-{i}"));
                    assert!(article.body.is_some(), "no fetch in the load test");
                }
            }
        }
    }

    #[test]
    fn lengths_vary_around_three_kilobytes() {
        let mix = Mix {
            trade_share: 0.5,
            poison_share: 0.0,
        };
        let lengths: Vec<usize> = generate(mix, 1000).iter().map(|(_, p)| p.len()).collect();
        let mean = lengths.iter().sum::<usize>() / lengths.len();
        assert!((2600..=3800).contains(&mean), "mean {mean}");
        assert!(lengths.iter().any(|&l| l < 2000) && lengths.iter().any(|&l| l > 4500));
    }

    #[test]
    fn trade_articles_read_as_trade_news_and_the_rest_mostly_not() {
        let enricher = crate::enrich::Enricher::embedded().unwrap();
        let mut rng = fastrand::Rng::with_seed(3);
        let relevant = |rng: &mut fastrand::Rng, trade| {
            (0..40)
                .filter(|&i| {
                    let raw = write_article(rng, trade, i).to_string();
                    let a = Article::parse_str(&raw).unwrap();
                    enricher.enrich(&a).trade_policy.relevant
                })
                .count()
        };
        assert!(relevant(&mut rng, true) >= 38);
        assert!(relevant(&mut rng, false) <= 8);
    }

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let mix = Mix {
            trade_share: 0.3,
            poison_share: 0.01,
        };
        assert_eq!(
            generate(mix, 300)
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>(),
            generate(mix, 300)
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>()
        );
    }
}
