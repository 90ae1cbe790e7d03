//! Engine-level tests: each rule and each trap in our own words, the seed
//! article's facts, data validation, and a property test over arbitrary
//! input. Module-level details (tokens, sentences, matching) are tested next
//! to their code.

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::article::{EnrichedRecord, SentimentLabel};

fn engine() -> &'static Enricher {
    static ENGINE: OnceLock<Enricher> = OnceLock::new();
    ENGINE.get_or_init(|| Enricher::embedded().expect("embedded data is valid"))
}

fn article(title: &str, body: &str) -> Article {
    Article {
        id: "t".into(),
        source: None,
        url: None,
        title: (!title.is_empty()).then(|| title.to_owned()),
        body: Some(body.to_owned()),
        published_at: Some(Utc.with_ymd_and_hms(2025, 7, 29, 9, 0, 0).unwrap()),
        language: None,
    }
}

fn run(title: &str, body: &str) -> EnrichedRecord {
    engine().enrich(&article(title, body))
}

fn ids(r: &EnrichedRecord) -> Vec<&str> {
    r.entities.iter().map(|e| e.id.as_str()).collect()
}

fn has(r: &EnrichedRecord, id: &str) -> bool {
    r.entities.iter().any(|e| e.id == id)
}

fn entity<'r>(r: &'r EnrichedRecord, id: &str) -> &'r Entity {
    r.entities
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("{id} missing from {:?}", ids(r)))
}

fn tariffs(r: &EnrichedRecord) -> Vec<(String, Option<String>, f64)> {
    r.tariff_measures
        .iter()
        .map(|t| (t.imposer.clone(), t.target.clone(), t.rate_percent))
        .collect()
}

fn measure(imposer: &str, target: Option<&str>, rate: f64) -> (String, Option<String>, f64) {
    (imposer.to_owned(), target.map(str::to_owned), rate)
}

// ------------------------------------------------------------------ loading

#[test]
fn embedded_data_loads_quickly_and_the_engine_is_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Enricher>();
    let e = Enricher::embedded().unwrap();
    assert!(
        e.build_time() < Duration::from_secs(1),
        "build took {:?}",
        e.build_time()
    );
    assert!(e.version().starts_with("tradewire-enrich/"));
}

/// A copy of the embedded data files in a fresh directory.
fn data_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tradewire-data-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = data::Sources::embedded();
    for name in data::FILES {
        std::fs::write(dir.join(name), src.text(name)).unwrap();
    }
    dir
}

#[test]
fn a_directory_with_the_same_files_loads_like_the_embedded_data() {
    let dir = data_dir("same");
    let e = Enricher::from_dir(&dir).unwrap();
    let a = article("", "China imposes a 10 percent tariff on U.S. products.");
    assert_eq!(tariffs(&e.enrich(&a)), tariffs(&engine().enrich(&a)));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_surface_form_used_by_two_entities_stops_startup_with_file_and_line() {
    // An analyst adds a person whose alias is already a country's name.
    let (err, line) = load_error_with_row(
        "dup",
        "people.tsv",
        "jane-canada\tJane Canada\tCanada\tTrade Envoy\tCA\n",
    );
    assert!(err.file.ends_with("people.tsv"), "{err}");
    assert_eq!(err.line, line);
    assert!(err.to_string().contains("\"Canada\""), "{err}");
}

#[test]
fn a_misspelt_rule_kind_or_missing_file_is_an_error_not_a_silent_no_op() {
    let dir = data_dir("rule");
    let path = dir.join("rules.tsv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("persn-title\tWarden\n");
    std::fs::write(&path, text).unwrap();
    let err = Enricher::from_dir(&dir).unwrap_err();
    assert!(err.to_string().contains("unknown rule kind"), "{err}");
    std::fs::remove_file(dir.join("topics.tsv")).unwrap();
    let err = Enricher::from_dir(&dir).unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_analyst_can_add_an_official_without_touching_rust() {
    let dir = data_dir("add");
    let path = dir.join("people.tsv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("odile-ferrand\tOdile Ferrand\tFerrand\tFrench Trade Envoy\tFR\n");
    std::fs::write(&path, text).unwrap();
    let e = Enricher::from_dir(&dir).unwrap();
    let r = e.enrich(&article(
        "",
        "Ferrand met officials in Lyon about wine tariffs.",
    ));
    let p = entity(&r, "person:odile-ferrand");
    assert_eq!(p.role.as_deref(), Some("French Trade Envoy"));
    assert_eq!(p.country.as_deref(), Some("country:FR"));
    std::fs::remove_dir_all(dir).unwrap();
}

// ------------------------------------------------------------------ countries

#[test]
fn countries_are_found_by_name_abbreviation_demonym_and_possessive() {
    let r = run(
        "",
        "Canada's lumber mills, Brazilian farmers and UK officials met in the U.S. to discuss tariffs.",
    );
    for id in ["country:CA", "country:BR", "country:GB", "country:US"] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    let ca = entity(&r, "country:CA");
    assert_eq!(
        ca.mentions[0].text, "Canada",
        "possessive 's stays outside the mention"
    );
}

#[test]
fn a_shouted_headline_us_is_the_pronoun() {
    let r = run(
        "LET US TALK ABOUT YOUR MONEY",
        "A podcast about saving for retirement.",
    );
    assert!(!has(&r, "country:US"), "{:?}", ids(&r));
    let r = run("", "Talks between the US and Mexico resumed.");
    assert!(has(&r, "country:US"));
}

#[test]
fn georgia_the_us_state_is_not_the_country() {
    let r = run(
        "Georgia voters head to the polls",
        "ATLANTA (Wire) - Gov. Pat Rowe said Georgia would extend early voting in every county.",
    );
    assert!(!has(&r, "country:GE"), "{:?}", ids(&r));
    let r = run(
        "",
        "Georgia and Armenia signed a transit pact in Tbilisi on Monday.",
    );
    assert!(has(&r, "country:GE"));
}

#[test]
fn a_georgian_manor_is_a_period_style_not_a_country() {
    let r = run(
        "",
        "The Georgian manor house went under the hammer with its silver.",
    );
    assert!(!has(&r, "country:GE"), "{:?}", ids(&r));
}

#[test]
fn porcelain_china_and_the_bird_turkey_are_not_countries() {
    let r = run(
        "Collectors chase bone china at spring sale",
        "China and crystal filled most of the lots. Dealers said fine china from the 1800s sold well.",
    );
    assert!(!has(&r, "country:CN"), "{:?}", ids(&r));
    assert!(!r.trade_policy.relevant);
    let r = run(
        "Turkey sales rise ahead of the holidays",
        "Turkey is on most menus again. Farmers said a whole turkey costs a little more this year.",
    );
    assert!(!has(&r, "country:TR"), "{:?}", ids(&r));
    // The country keeps its name where nothing suggests the bird.
    let r = run(
        "",
        "The EU and Turkey discussed customs union reform and steel quotas.",
    );
    assert!(has(&r, "country:TR"));
}

#[test]
fn a_person_called_jordan_is_not_the_country() {
    let r = run(
        "Jordan's sneaker brand expands",
        "Basketball legend Michael Jordan opened a store in Paris. Jordan said the brand would keep growing.",
    );
    assert!(!has(&r, "country:JO"), "{:?}", ids(&r));
    assert_eq!(entity(&r, "person:michael-jordan").count, 3);
}

#[test]
fn a_country_name_inside_a_place_name_is_not_the_country() {
    let r = run(
        "Reactor licence renewed",
        "The reactors at Chad Point and the pumps on the Jordan River were inspected, regulators said.",
    );
    assert!(!has(&r, "country:TD"), "{:?}", ids(&r));
    assert!(!has(&r, "country:JO"), "{:?}", ids(&r));
    let r = run(
        "Trade",
        "Chad and Jordan signed a point-by-point trade deal.",
    );
    assert!(
        has(&r, "country:TD") && has(&r, "country:JO"),
        "{:?}",
        ids(&r)
    );
}

// ------------------------------------------------------------------ people

#[test]
fn church_titles_mark_people_and_a_church_is_a_body() {
    let r = run(
        "Parish row",
        "A Church of England tribunal heard the case. Churchwarden Mary Holt and Vicar Tom Reed gave evidence, and Pastor Ade Bello spoke for the Methodist Church.",
    );
    for id in [
        "org:church-of-england",
        "org:methodist-church",
        "person:mary-holt",
        "person:tom-reed",
        "person:ade-bello",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
}

#[test]
fn a_title_before_a_capitalised_name_marks_a_person_with_role_and_country() {
    let r = run(
        "",
        "Peruvian Trade Minister Ana Quispe Torres said exports of copper would rise.",
    );
    let p = entity(&r, "person:ana-quispe-torres");
    assert_eq!(p.role.as_deref(), Some("Peruvian Trade Minister"));
    assert_eq!(p.country.as_deref(), Some("country:PE"));
    let r = run(
        "",
        "Mexico's Economy Undersecretary Luis Ortega Vidal met exporters.",
    );
    // "Undersecretary" is not a listed title, so nothing is invented.
    assert!(!has(&r, "person:luis-ortega-vidal"), "{:?}", ids(&r));
}

#[test]
fn headline_capitals_after_a_title_are_a_name_only_when_the_body_repeats_it() {
    let r = run(
        "Federal Judge Fines Lawyers Over Fake Citations",
        "A judge fined two lawyers on Monday for citing cases that do not exist.",
    );
    assert!(
        !ids(&r).iter().any(|i| i.starts_with("person:")),
        "{:?}",
        ids(&r)
    );
    let r = run(
        "Trade Minister Ana Lopes Heads to Geneva",
        "Lopes said the talks on fisheries subsidies would resume on Tuesday.",
    );
    assert!(has(&r, "person:ana-lopes"), "{:?}", ids(&r));
    let r = run(
        "Commerce Minister Ren Hongbin Visits Canberra",
        "Ren told reporters that barley trade had fully recovered.",
    );
    assert!(has(&r, "person:ren-hongbin"), "{:?}", ids(&r));
}

#[test]
fn a_title_with_a_complement_before_the_name_marks_a_person() {
    let r = run(
        "",
        "Canadian Ambassador to Mexico Laura Benoit and Minister for Trade and Industry Sipho Dlamini met the Secretary of Economy Raquel Buenrostro on tariffs.",
    );
    assert_eq!(
        entity(&r, "person:laura-benoit").role.as_deref(),
        Some("Canadian Ambassador to Mexico")
    );
    assert_eq!(
        entity(&r, "person:sipho-dlamini").role.as_deref(),
        Some("Minister for Trade and Industry")
    );
    assert!(has(&r, "person:raquel-buenrostro"), "{:?}", ids(&r));
    // The complement's second word does not open the name.
    let r = run(
        "",
        "Minister of Foreign Affairs Anna Berg said the tariffs would hurt.",
    );
    assert!(has(&r, "person:anna-berg"), "{:?}", ids(&r));
    assert!(!has(&r, "person:affairs-anna-berg"), "{:?}", ids(&r));
    // A three-part name after a one-word complement stays whole.
    let r = run(
        "",
        "Comptroller-General of Customs Emeka Chidi Obi said duties would be refunded.",
    );
    assert!(has(&r, "person:emeka-chidi-obi"), "{:?}", ids(&r));
}

#[test]
fn jan_before_a_surname_is_a_given_name_not_january() {
    let r = run(
        "",
        "Quantum firm chief executive Jan Kowalczyk said export controls would slow sales. The rules took effect on Jan. 15.",
    );
    assert!(has(&r, "person:jan-kowalczyk"), "{:?}", ids(&r));
}

#[test]
fn export_control_regimes_are_organisations_not_countries() {
    let r = run(
        "Finland adds quantum items to export controls",
        "The items were agreed by most members of the Wassenaar Arrangement. The Australia Group and the Nuclear Suppliers Group keep separate lists.",
    );
    for id in [
        "org:wassenaar-arrangement",
        "org:australia-group",
        "org:nsg",
    ] {
        assert!(has(&r, id), "{id}: {:?}", ids(&r));
    }
    assert!(!has(&r, "country:AU"), "{:?}", ids(&r));
}

#[test]
fn coordinated_names_after_a_plural_title_are_two_people() {
    let r = run(
        "",
        "Reps. Dana Holt and Carl Meyer introduced a bill on steel imports.",
    );
    assert!(
        has(&r, "person:dana-holt") && has(&r, "person:carl-meyer"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_role_keeps_its_abbreviation_and_stops_at_another_persons_name() {
    let r = run(
        "",
        "Lt. Gov. Dana Holt met League Chairman Jim Cole and Commissioner Ray Voss on Monday.",
    );
    assert_eq!(
        entity(&r, "person:dana-holt").role.as_deref(),
        Some("Lt. Gov.")
    );
    assert_eq!(
        entity(&r, "person:ray-voss").role.as_deref(),
        Some("Commissioner")
    );
}

#[test]
fn an_appositive_role_marks_a_person() {
    let r = run(
        "",
        "\"Nobody expected this,\" said Marek Nowak, a senior economist at Vistula Capital in Warsaw.",
    );
    let p = entity(&r, "person:marek-nowak");
    assert_eq!(
        p.role.as_deref(),
        Some("senior economist at Vistula Capital in Warsaw")
    );
    let r = run(
        "",
        "Ingrid Solberg, a former Norwegian trade negotiator, said the deal was fair.",
    );
    let p = entity(&r, "person:ingrid-solberg");
    assert_eq!(p.country.as_deref(), Some("country:NO"));
    // A possessive country before the role noun, and an official's "czar".
    let r = run(
        "",
        "The hearing was attended by Tomas Lind, Sweden's consul-general in Oslo, and Dana Reyes, the White House trade czar.",
    );
    assert_eq!(
        entity(&r, "person:tomas-lind").country.as_deref(),
        Some("country:SE")
    );
    assert!(has(&r, "person:dana-reyes"), "{:?}", ids(&r));
    // Scientists, founders and members are people too.
    let r = run(
        "",
        "Lena Voss, a marine biologist, and Omar Haddad, the co-founder of a fishing cooperative, met Rita Paulo, a member of the port board.",
    );
    for id in [
        "person:lena-voss",
        "person:omar-haddad",
        "person:rita-paulo",
    ] {
        assert!(has(&r, id), "{id}: {:?}", ids(&r));
    }
}

#[test]
fn police_civic_and_sports_titles_mark_people_without_joining_the_name() {
    let r = run(
        "",
        "Chief Constable Ann Vey and Lord Provost Ian Moore opened the fair, where Olympic medallist Mara Quinn signed autographs.",
    );
    assert_eq!(
        entity(&r, "person:ann-vey").role.as_deref(),
        Some("Chief Constable")
    );
    // "Provost" is a title, not the first word of the name.
    assert_eq!(
        entity(&r, "person:ian-moore").role.as_deref(),
        Some("Lord Provost")
    );
    assert!(has(&r, "person:mara-quinn"), "{:?}", ids(&r));
    assert!(!has(&r, "person:provost-ian-moore"), "{:?}", ids(&r));
    let r = run(
        "",
        "Councillor Ed Rowe, chair of the transport committee, said parking fees would rise.",
    );
    assert_eq!(
        entity(&r, "person:ed-rowe").role.as_deref(),
        Some("Councillor")
    );
}

#[test]
fn a_quoted_speaker_with_an_apposition_is_a_person_whatever_the_role() {
    // "observer" is no listed role noun; "said" and the article after the
    // comma are what mark the person. "curator" is a listed one.
    let r = run(
        "",
        "\"It will take years,\" said Tomas Varga, a longtime observer of the talks. \
         \"Demand is steady,\" said Ruth Okafor, curator of textiles at the city museum.",
    );
    assert!(has(&r, "person:tomas-varga"), "{:?}", ids(&r));
    assert_eq!(
        entity(&r, "person:ruth-okafor").role.as_deref(),
        Some("curator of textiles at the city museum")
    );
    // A company described as an operator is no person.
    let r = run(
        "",
        "Bright Idea, the struggling third operator, said it needed relief on spectrum dues.",
    );
    assert!(!has(&r, "person:bright-idea"), "{:?}", ids(&r));
}

#[test]
fn a_speaker_described_by_who_and_a_name_set_off_after_its_role_are_people() {
    let r = run(
        "",
        "\"Prices always rise in December,\" said Ravi Kamat, who runs a small guesthouse. \
         Its chief executive, Lucia Ferraro, said the company would redirect volumes, \
         and the team acquired shortstop Diego Varela on Thursday.",
    );
    assert!(has(&r, "person:ravi-kamat"), "{:?}", ids(&r));
    assert_eq!(
        entity(&r, "person:lucia-ferraro").role.as_deref(),
        Some("chief executive")
    );
    assert!(has(&r, "person:diego-varela"), "{:?}", ids(&r));
    // A club described by "who" is no person without a speech verb.
    let r = run("", "Leeds United, who won on Saturday, face Hull next.");
    assert!(!has(&r, "person:leeds-united"), "{:?}", ids(&r));
}

#[test]
fn a_place_name_that_is_also_a_given_name_can_open_a_persons_name() {
    let r = run(
        "",
        "\"The rules are clear,\" said Sofia Lind, a lawyer at a Stockholm firm.",
    );
    assert!(has(&r, "person:sofia-lind"), "{:?}", ids(&r));
    assert!(!has(&r, "location:sofia"), "{:?}", ids(&r));
}

#[test]
fn news_style_marks_ordinary_people_named_by_a_given_name() {
    let r = run(
        "Harvest festival",
        "Judges praised organiser Dolores Finch for the parade. \
         Hank Ferreira, 67, has grown pumpkins for forty years. \
         Rosalind Okafor, who bakes for the village fair, said the crowd was the biggest yet. \
         Imelda Cortez, a grandmother of five, won the jam contest.",
    );
    for id in [
        "person:dolores-finch",
        "person:hank-ferreira",
        "person:rosalind-okafor",
        "person:imelda-cortez",
    ] {
        assert!(has(&r, id), "{id} missing from {:?}", ids(&r));
    }
    // A given name that is also a place opens no name by apposition alone,
    // and a run that ends in an organisation word is no person.
    let r = run(
        "",
        "Austin Energy, a city-owned utility, raised rates. Diana Foundation, who funds schools, said so.",
    );
    assert!(
        !r.entities.iter().any(|e| e.kind == EntityKind::Person),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_capitalised_role_opening_a_sentence_is_not_part_of_the_name() {
    let r = run(
        "",
        "Auctioneer Margaret Ives, a dealer for thirty years, opened the bidding.",
    );
    assert!(has(&r, "person:margaret-ives"), "{:?}", ids(&r));
    assert!(!has(&r, "person:auctioneer-margaret-ives"), "{:?}", ids(&r));
}

#[test]
fn a_child_named_after_a_country_is_the_child_when_named_again() {
    let r = run(
        "",
        "Jordan Pike, 10, and Kenya Marsh, 11, shared the chess prize. \
         Kenya Marsh won her first game in nine moves, and Jordan said he \
         had practised every evening.",
    );
    assert!(has(&r, "person:jordan-pike"), "{:?}", ids(&r));
    assert!(has(&r, "person:kenya-marsh"), "{:?}", ids(&r));
    assert!(!has(&r, "country:JO"), "{:?}", ids(&r));
    assert!(!has(&r, "country:KE"), "{:?}", ids(&r));
    // In trade news the country stays the country.
    let r = run(
        "",
        "Jordan Pike, an analyst, said Kenya and Jordan both cut tariffs.",
    );
    assert!(has(&r, "country:KE"), "{:?}", ids(&r));
}

#[test]
fn the_wire_service_of_a_dateline_is_no_organisation() {
    let r = run(
        "",
        "OSLO, May 2 (Fjord & Field) - Norway raised its tariff on Chilean salmon to 12%, the trade ministry said.",
    );
    assert!(!has(&r, "org:fjord-and-field"), "{:?}", ids(&r));
    assert!(has(&r, "country:NO"), "{:?}", ids(&r));
}

#[test]
fn a_bare_surname_after_the_full_name_is_the_same_person() {
    let r = run(
        "",
        "Trade Minister Olu Adebayo arrived on Monday. Adebayo said tariffs on cocoa would fall. Officials agreed with Adebayo.",
    );
    assert_eq!(entity(&r, "person:olu-adebayo").count, 3);
    // Chinese names put the surname first.
    let r = run(
        "",
        "Li Chenggang led the delegation. Li said the talks were candid.",
    );
    assert_eq!(entity(&r, "person:li-chenggang").count, 2);
}

#[test]
fn diacritics_are_folded_in_ids_and_kept_in_names() {
    let r = run(
        "",
        "Deputy Minister Zoë Łukasik-Brønn signed the memorandum.",
    );
    let p = entity(&r, "person:zoe-lukasik-bronn");
    assert_eq!(p.name, "Zoë Łukasik-Brønn");
}

#[test]
fn slugs_spell_ampersands_and_drop_dots_and_apostrophes() {
    assert_eq!(names::slug("Procter & Gamble Co."), "procter-and-gamble-co");
    assert_eq!(names::slug("  O'Neill -- Smith  "), "oneill-smith");
    // The same rules hold on the decomposing path (a name beyond ASCII).
    assert_eq!(names::slug("Crédit & Dépôt S.A."), "credit-and-depot-sa");
    assert_eq!(names::slug("Bank of N’Djamena"), "bank-of-ndjamena");
    assert_eq!(names::slug_id("org:", "&"), "org:and");
    assert_eq!(names::slug_id("org:", "..."), "org:");
}

#[test]
fn letters_without_a_decomposition_fold_to_ascii_in_slugs() {
    assert_eq!(names::slug("Mehmet Fatih Kacır"), "mehmet-fatih-kacir");
    assert_eq!(names::slug("Łukasz Østergård"), "lukasz-ostergard");
    assert_eq!(names::slug("Đorđe Weiß"), "dorde-weiss");
    assert_eq!(names::slug("Æsa Cœur Þórdís"), "aesa-coeur-thordis");
    let r = run("", "Industry Minister Mehmet Fatih Kacır visited the port.");
    assert!(has(&r, "person:mehmet-fatih-kacir"), "{:?}", ids(&r));
}

#[test]
fn a_known_surname_after_another_given_name_is_someone_else() {
    // The gazetteer knows Fernando Haddad, also as plain "Haddad"; a Farah
    // Haddad quoted as an analyst is a different person.
    let r = run(
        "",
        "Finance Minister Fernando Haddad defended the budget. Farah Haddad, an analyst at Northgate Research, was sceptical. Haddad's ministry did not reply.",
    );
    let fernando = entity(&r, "person:fernando-haddad");
    let texts: Vec<&str> = fernando.mentions.iter().map(|m| m.text.as_str()).collect();
    assert!(
        !fernando.mentions.iter().any(|m| m.start == 62),
        "{texts:?}"
    );
    let farah = entity(&r, "person:farah-haddad");
    assert_eq!(farah.role.as_deref(), Some("analyst at Northgate Research"));
    // Without a rule marking her, she is simply not tagged.
    let r = run("", "Farah Haddad said the budget was too tight.");
    assert!(!has(&r, "person:fernando-haddad"), "{:?}", ids(&r));
    // A title or the person's own first name still leaves the alias intact.
    let r = run("", "Minister Haddad and Fernando Haddad are one man.");
    assert_eq!(entity(&r, "person:fernando-haddad").count, 2);
}

#[test]
fn fx_hash_of_a_str_is_the_zero_padded_word_hash() {
    // The hash is defined on little-endian 8-byte words, the last one
    // zero-padded (then the 0xff that ends a str).
    fn reference(bytes: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            h.add(u64::from_le_bytes(buf));
        }
        h.add(0xff);
        h.finish()
    }
    let long = "abcdefghijklmnopqrstuvwxyz";
    let prefixes = (0..=long.len()).map(|n| &long[..n]);
    for s in ["tariffs!", "Okonjo-Iweala", "Šefčovič said"]
        .into_iter()
        .chain(prefixes)
    {
        let mut h = FxHasher::default();
        std::hash::Hash::hash(s, &mut h);
        assert_eq!(h.finish(), reference(s.as_bytes()), "{s:?}");
    }
}

#[test]
fn the_word_table_finds_exactly_its_words() {
    let keys = [
        "a",
        "tariff",
        "tariffs",
        "abcdefgh",
        "abcdefghi",
        "abcdefghij",
        "Šefčovič",
        "counter-tariffs",
        "counter-tariffz",
        "x\0",
        "",
    ];
    let map: HashMap<String, WordInfo, BuildHasherDefault<FxHasher>> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            // Every other word also carries a caseless bit.
            let caseless = [0, flag::PHRASE_RUN, flag::DATE_WORD][i % 3];
            let info = WordInfo {
                flags: 1 << i | caseless,
                general: i as f32,
            };
            (k.to_string(), info)
        })
        .collect();
    let table = WordTable::new(&map);
    let probes = keys.iter().copied().chain([
        "x",
        "tarif",
        "tariffss",
        "abcdefg",
        "abcdefghk",
        "abcdefghijk",
        "Šefčovi",
        "A",
    ]);
    for w in probes {
        let want = map.get(w).map_or(0, |i| i.flags);
        assert_eq!(table.get(w).flags, want, "{w:?}");
        let polarity = map.get(w).map_or(0.0, |i| i.general);
        assert_eq!(table.get(w).general, polarity, "{w:?}");
        let b = w.as_bytes();
        assert_eq!(
            table.caseless(head_word(b), b),
            want & flag::CASELESS,
            "{w:?}"
        );
        // The same word at the end of a text, where no 8-byte load fits.
        let text = format!("xx {w}");
        let (s, e) = (3, text.len());
        let head = WordTable::head(text.as_bytes(), s, e);
        assert_eq!(
            table.lookup(head, &text.as_bytes()[s..e]).flags,
            want,
            "{w:?}"
        );
    }
}

// ------------------------------------------------------------------ organisations

#[test]
fn a_generic_body_name_abroad_is_that_countrys_body() {
    // No word of the United States: the Department of Agriculture and the
    // Senate are Kenya's.
    let r = run(
        "Kenya bans maize imports",
        "Kenya will ban maize imports until March, the Department of Agriculture said, and the Senate will debate the ban next week. Kenyan farmers welcomed it.",
    );
    for id in ["org:department-of-agriculture", "org:senate"] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
        assert_eq!(entity(&r, id).country.as_deref(), Some("country:KE"));
    }
    assert!(
        !has(&r, "org:usda") && !has(&r, "org:us-senate"),
        "{:?}",
        ids(&r)
    );
    // Any sign of the US (a person, a capital, a body) keeps the US body.
    let r = run(
        "Maize exports",
        "Kenya will buy more maize, Trump said, and the Department of Agriculture will track the shipments.",
    );
    assert!(has(&r, "org:usda"), "{:?}", ids(&r));
}

#[test]
fn a_leading_month_or_place_based_is_not_part_of_an_organisations_name() {
    let r = run(
        "",
        "In March the Copper Trade Council met, said Ana Ruiz of the Lima-based Institute for Andean Mining Studies.",
    );
    assert!(has(&r, "org:copper-trade-council"), "{:?}", ids(&r));
    assert!(
        has(&r, "org:institute-for-andean-mining-studies"),
        "{:?}",
        ids(&r)
    );
    // A person at the body is not part of its name.
    assert!(
        !ids(&r).iter().any(|i| i.starts_with("org:march")
            || i.starts_with("org:lima")
            || i.starts_with("org:ana-ruiz")),
        "{:?}",
        ids(&r)
    );
    let r = run(
        "",
        "\"Demand is soft,\" said Helena Marsh of Silverline Partners.",
    );
    assert!(has(&r, "org:silverline-partners"), "{:?}", ids(&r));
    assert_eq!(
        entity(&r, "org:silverline-partners").mentions[0].text,
        "Silverline Partners"
    );
}

#[test]
fn a_capitalised_name_ending_in_an_organisation_word_is_an_organisation() {
    let r = run(
        "",
        "Analysts at Riverstone Analytics and the Court of Arbitration for Sport agreed; Harbor & Finch declined to comment.",
    );
    for id in [
        "org:riverstone-analytics",
        "org:court-of-arbitration-for-sport",
        "org:harbor-and-finch",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    // A portfolio listed with commas belongs to the name; parties listed
    // after a body do not.
    let r = run(
        "",
        "Officials from the Ministry of Water, Land and Rural Development briefed the Bureau for Roads, Ports and the Coast. The Ministry of Commerce, Canada and Chile declined to comment.",
    );
    for id in [
        "org:ministry-of-water-land-and-rural-development",
        "org:bureau-for-roads-ports-and-the-coast",
        "country:CA",
        "country:CL",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    assert!(
        !ids(&r).iter().any(|i| i.contains("canada-and-chile")),
        "{:?}",
        ids(&r)
    );
    // A room is not a body.
    let r = run("", "The leaders met in the Oval Office.");
    assert!(!has(&r, "org:oval-office"), "{:?}", ids(&r));
    // A wire name in the dateline is not an organisation, even one ending
    // in an organisation word.
    for dateline in [
        "DELHI (Subcontinent Markets Daily) - Prices held.",
        "SEOUL, Feb 7 (Harbour News Network) - Prices held.",
        "OSLO (NTB) - Prices held.",
        "ZURICH/BERN — Prices held.",
    ] {
        let r = run("", dateline);
        assert!(
            !ids(&r).iter().any(|i| i.starts_with("org:")),
            "{dateline}: {:?}",
            ids(&r)
        );
    }
}

#[test]
fn legislatures_known_by_their_own_name_are_organisations_of_their_country() {
    let r = run(
        "",
        "The trade bill cleared the Bundestag, stalled in the Lok Sabha and was debated by \
         the State Duma, while the National People's Congress met in Beijing.",
    );
    for (id, country) in [
        ("org:bundestag", "country:DE"),
        ("org:lok-sabha", "country:IN"),
        ("org:state-duma", "country:RU"),
        ("org:npc", "country:CN"),
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
        assert_eq!(entity(&r, id).country.as_deref(), Some(country));
    }
    // The Chinese legislature is not the U.S. Congress.
    assert!(!has(&r, "org:congress"), "{:?}", ids(&r));
}

#[test]
fn african_trade_finance_bodies_and_more_central_banks_are_known() {
    let r = run(
        "",
        "Afreximbank and the AfCFTA Secretariat met the Central Bank of Kenya and Bank Negara Malaysia.",
    );
    for id in [
        "org:afreximbank",
        "org:afcfta-secretariat",
        "org:central-bank-of-kenya",
        "org:bank-negara-malaysia",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    assert_eq!(
        entity(&r, "org:central-bank-of-kenya").country.as_deref(),
        Some("country:KE")
    );
}

#[test]
fn another_countrys_body_named_like_a_known_one_is_its_own_organisation() {
    let r = run(
        "",
        "Mexico's Senate approved the tariff bill, and Brazil's Congress debated a similar one, while the U.S. Congress waited.",
    );
    let senate = entity(&r, "org:senate");
    assert_eq!(senate.country.as_deref(), Some("country:MX"));
    // "org:congress" is the US Congress, so Brazil's is told apart the way
    // a reader would: by the country's demonym.
    let brazil = entity(&r, "org:brazilian-congress");
    assert_eq!(brazil.country.as_deref(), Some("country:BR"));
    assert_eq!(entity(&r, "org:congress").count, 1);
    assert!(!has(&r, "org:us-senate"), "{:?}", ids(&r));
}

#[test]
fn unknown_acronyms_are_organisations_but_datelines_and_common_abbreviations_are_not() {
    let r = run(
        "",
        "PARIS (Wire) - The IFAB said the CEO of the league would meet GDP watchers.",
    );
    assert!(has(&r, "org:ifab"), "{:?}", ids(&r));
    assert!(
        !has(&r, "org:paris") && !has(&r, "org:ceo") && !has(&r, "org:gdp"),
        "{:?}",
        ids(&r)
    );
    let r = run(
        "",
        "The Pacific Fisheries Commission (PFC) met. The PFC said catches fell.",
    );
    assert_eq!(entity(&r, "org:pacific-fisheries-commission").count, 3);
    // A climate summit, a jet model and stock indexes are no bodies.
    let r = run(
        "",
        "Delegates left COP30 as the A380 landed; the IBEX 35 fell and the KOSPI index rose, the IFAB said. \
         The pitcher has a 2.88 ERA, and hotel rooms now carry 5% GST.",
    );
    assert!(has(&r, "org:ifab"), "{:?}", ids(&r));
    for id in [
        "org:cop30",
        "org:a380",
        "org:ibex",
        "org:kospi",
        "org:era",
        "org:gst",
    ] {
        assert!(!has(&r, id), "{id} in {:?}", ids(&r));
    }
}

#[test]
fn file_formats_trades_and_policy_mechanisms_in_capitals_are_no_bodies() {
    let r = run(
        "",
        "Clerks can save the register as XML or CSV, or as one ZIP archive, the IFAB said. \
         Apprentices train as HVAC fitters, CCTV installers and SQL developers, \
         and importers must buy CBAM certificates under the ETS.",
    );
    assert!(has(&r, "org:ifab"), "{:?}", ids(&r));
    for id in [
        "org:xml", "org:csv", "org:zip", "org:hvac", "org:cctv", "org:sql", "org:cbam", "org:ets",
    ] {
        assert!(!has(&r, id), "{id} in {:?}", ids(&r));
    }
}

#[test]
fn an_organisation_word_only_a_title_case_headline_capitalises_names_no_body() {
    let r = run(
        "Ghana Wins Cocoa Deal in Exchange for Lower Export Levies",
        "Ghana agreed to lower its cocoa export levies in return for a guaranteed buyer, the Cocoa Board said.",
    );
    assert!(
        !ids(&r).iter().any(|id| id.starts_with("org:exchange")),
        "{:?}",
        ids(&r)
    );
    // A body the article names again keeps its headline mention.
    let r = run(
        "Harbour Board of Ghana Raises Port Fees",
        "The Harbour Board of Ghana said fees rise in May.",
    );
    assert_eq!(entity(&r, "org:harbour-board-of-ghana").count, 2);
}

#[test]
fn an_introduced_single_word_name_is_an_organisation() {
    let r = run(
        "",
        "The regulator Ofwat said bills would rise. Ofwat added that firms must invest.",
    );
    assert_eq!(entity(&r, "org:ofwat").count, 2);
    // Set off by commas.
    let r = run(
        "",
        "Ministers said the watchdog, Ofgem, would cap bills, and that the carrier, Ryanair, had agreed.",
    );
    assert!(has(&r, "org:ofgem"), "{:?}", ids(&r));
    assert!(has(&r, "org:ryanair"), "{:?}", ids(&r));
}

#[test]
fn a_generic_ministry_name_is_resolved_to_the_nearest_country() {
    let r = run("", "South Korea's central bank held rates, while the Commerce Ministry in Beijing said China would respond.");
    assert!(has(&r, "org:bank-of-korea"), "{:?}", ids(&r));
    assert!(has(&r, "org:mofcom"), "{:?}", ids(&r));
}

#[test]
fn a_generic_name_after_the_body_was_named_refers_back_to_it() {
    let r = run(
        "",
        "The Reserve Bank of India held rates. Exports to Japan slowed. Economists said the central bank could cut in June.",
    );
    assert!(has(&r, "org:rbi"), "{:?}", ids(&r));
    assert_eq!(entity(&r, "org:rbi").count, 2);
    assert!(!has(&r, "org:bank-of-japan"), "{:?}", ids(&r));
}

#[test]
fn a_generic_body_tied_to_its_country_is_never_another_countrys() {
    // Named in full with "of": that country's, even when the gazetteer
    // does not list it.
    let r = run(
        "",
        "India cut its rates last week. The Central Bank of Paraguay held its policy rate at 6%.",
    );
    assert!(has(&r, "org:central-bank-of-paraguay"), "{:?}", ids(&r));
    assert!(!has(&r, "org:rbi"), "{:?}", ids(&r));
    let e = entity(&r, "org:central-bank-of-paraguay");
    assert_eq!(e.country.as_deref(), Some("country:PY"));
    // A known one still resolves to its gazetteer entry.
    let r = run(
        "",
        "Exporters cheered as the central bank of Japan kept rates low.",
    );
    assert!(has(&r, "org:bank-of-japan"), "{:?}", ids(&r));
    // A possessive with no known body names no one else's.
    let r = run(
        "",
        "China's exports grew. Paraguay's central bank said the guarani would stay stable.",
    );
    assert!(!has(&r, "org:pboc"), "{:?}", ids(&r));
}

#[test]
fn an_office_named_only_inside_a_title_is_not_an_organisation_mention() {
    let r = run(
        "",
        "Treasury Secretary Scott Bessent spoke about tariffs on steel imports.",
    );
    assert!(!has(&r, "org:treasury"), "{:?}", ids(&r));
    assert!(has(&r, "person:scott-bessent"));
    let r = run(
        "",
        "U.S. Treasury Secretary Scott Bessent spoke about tariffs on steel imports.",
    );
    assert!(!has(&r, "org:treasury"), "{:?}", ids(&r));
}

#[test]
fn a_name_holding_an_organisation_word_is_a_body_not_a_person() {
    let r = run(
        "Aluminium tariffs",
        "Shares in Volga Company Velgar, the largest Russian aluminium producer, fell 4% after the tariffs.",
    );
    assert!(
        !r.entities.iter().any(|e| e.kind == EntityKind::Person),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_one_word_alias_that_is_a_given_name_opens_another_persons_name() {
    // "Marcos" alone is the Philippine president; "Marcos Teixeira" is not.
    let r = run(
        "Brazil's steel quotas",
        "\"It is a half-measure,\" said Marcos Teixeira, an economist in Sao Paulo, of the steel tariffs.",
    );
    assert!(has(&r, "person:marcos-teixeira"), "{:?}", ids(&r));
    assert!(!has(&r, "person:ferdinand-marcos-jr"), "{:?}", ids(&r));
    let r = run(
        "Manila and tariffs",
        "Philippine President Ferdinand Marcos Jr. met the U.S. trade envoy. Marcos said the tariffs would hurt exporters.",
    );
    assert_eq!(entity(&r, "person:ferdinand-marcos-jr").count, 2);
}

#[test]
fn a_committee_introduces_a_body_set_off_by_commas() {
    let r = run(
        "Brazil tariffs",
        "Brazil raised tariffs on steel to 25%. The foreign trade executive committee, Gecex, approved the measures on Tuesday.",
    );
    assert!(has(&r, "org:gecex"), "{:?}", ids(&r));
}

#[test]
fn a_generic_ministry_of_a_country_without_a_gazetteer_row_is_still_its_body() {
    let r = run(
        "Indonesia eases import rules",
        "Indonesia dropped a rule on imports of electronics on Friday. Importers no longer need a recommendation from the Industry Ministry before they can get a permit, officials from the Directorate General of Customs and Excise said.",
    );
    let ministry = entity(&r, "org:industry-ministry");
    assert_eq!(ministry.country.as_deref(), Some("country:ID"));
    assert!(
        has(&r, "org:directorate-general-of-customs-and-excise"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn an_acronym_defined_by_another_bodys_name_is_that_body() {
    // The "other WTO" trap: a charity whose initials are the trade body's.
    let r = run(
        "The other WTO marks its day",
        "The World Toilet Organization, a charity known by its initials WTO, said on Tuesday that billions lack sanitation. The WTO's members held events in India and Nigeria, and the WTO asked donors for money.",
    );
    assert!(!has(&r, "org:wto"), "{:?}", ids(&r));
    assert_eq!(entity(&r, "org:world-toilet-organization").count, 5);
    assert!(!r.trade_policy.relevant, "{:?}", r.trade_policy);
    // Named in full, the trade body keeps its acronym.
    let r = run(
        "",
        "The World Trade Organization ruled against the duties. The WTO said the World Toilet Organization had no view.",
    );
    assert!(has(&r, "org:wto"), "{:?}", ids(&r));
}

#[test]
fn an_administrator_of_centers_or_services_is_a_person_at_a_body() {
    let r = run(
        "Drug prices",
        "Trump signed an order on drug tariffs. Lena Ardsley, the administrator of the Centers for Rural Health & Safety Services, said prices would fall, and the Africa Centres for Disease Control and Prevention welcomed it.",
    );
    assert_eq!(
        entity(&r, "person:lena-ardsley").role.as_deref(),
        Some("administrator of the Centers for Rural Health & Safety Services")
    );
    for id in [
        "org:centers-for-rural-health-and-safety-services",
        "org:africa-centres-for-disease-control-and-prevention",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
}

#[test]
fn a_royal_known_by_one_name_keeps_the_title_in_it() {
    let r = run(
        "Commonwealth summit",
        "King Charles, the head of the Commonwealth, opened the summit on trade. Charles said the past still resonates.",
    );
    assert_eq!(entity(&r, "person:king-charles").count, 2);
    assert!(!has(&r, "person:charles"), "{:?}", ids(&r));
}

// ------------------------------------------------------------------ traps

#[test]
fn fishing_and_admissions_quotas_postal_tariffs_and_software_exports_are_not_trade_policy() {
    assert_no_trade_policy(&[
        (
            "Oregon trims salmon quota as runs dwindle",
            "Oregon will cut the commercial salmon quota by 12% this year, the state fish agency said. Anglers face a shorter season and catch-and-release rules on the river, and watermen say the quota no longer pays. Biologists blame warm water for poor spawning.",
        ),
        (
            "Japan raises medical school admissions quota",
            "Japan will raise the admissions quota for its medical schools by 300 places, the education ministry said, as rural hospitals run short of doctors. Medical students and trainee doctors said the quota had long been too low.",
        ),
        (
            "Poste Italiane lifts postal tariffs 5%",
            "The postal operator raised postal tariffs for letters by 5%, with the registered letter up 8%, as letter volumes keep falling. The postal regulator approved the new tariffs.",
        ),
        (
            "Bookkeeping app bug blocks exports",
            "A software update left users unable to export ledgers to spreadsheets or import bank statements, and some lost backups. Imports from two banks also failed before the bug fix.",
        ),
    ]);
    // A quota between governments is still trade policy.
    let r = run(
        "EU and Norway agree salmon import quota",
        "The European Union and Norway agreed a tariff-rate quota for Norwegian salmon in trade talks, cutting the duty on imports within the quota to zero.",
    );
    assert!(r.trade_policy.relevant);
    assert!(has(&r, "instrument:quota"), "{:?}", ids(&r));
}

#[test]
fn a_prison_tariff_an_export_order_and_a_medieval_embargo_are_not_trade_policy() {
    assert_no_trade_policy(&[
        (
            "Judge sets 20-year tariff for Leeds murderer",
            "A man who stabbed a neighbour was given a life sentence with a tariff of 20 years before he can apply to the parole board. The judge said the murder was planned, and the family said the tariff was too short.",
        ),
        (
            "Trader fined over tip on shipyard export order",
            "A fund manager was fined for insider trading after buying shares in a shipyard days before it won an export order for four ferries from Chile. The market abuse case is the regulator's largest this year.",
        ),
        (
            "Lisbon museum tells story of the spice trade",
            "A new exhibition at the maritime museum shows how Portuguese merchants ran the spice trade and how a rival port once broke an embargo with armed ships. Curators spent five years on the restoration of the medieval warehouse.",
        ),
    ]);
}

#[test]
fn a_courts_sanctions_a_science_embargo_and_a_pilgrimage_quota_are_not_trade_policy() {
    assert_no_trade_policy(&[
        (
            "Judge sanctions attorneys over invented precedents",
            "A judge sanctioned three attorneys who cited rulings that a chatbot had made up, saying they broke their duty of candour. Monetary sanctions of $9,000 were imposed. The underlying whistleblower retaliation lawsuit goes on.",
        ),
        (
            "Embargo broken on climate paper",
            "A magazine published details of a peer-reviewed climate paper before the embargo, and the journal lifted the embargo at once. Embargo breaks are rising, editors said, and embargoed copies will now go to fewer outlets.",
        ),
        (
            "Egypt wins bigger pilgrim quota for hajj",
            "Saudi authorities raised Egypt's hajj quota to 78,000 pilgrims, and pilgrimage quotas for Morocco and Algeria also rose. Quotas for the umrah season were not changed.",
        ),
    ]);
    // The trade senses still count.
    let r = run(
        "EU adopts new sanctions on Russian oil",
        "The European Union adopted sanctions on Russian oil exports and an embargo on Russian coal, and cut Russia's steel quota.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy.score);
    assert!(has(&r, "instrument:sanction"), "{:?}", ids(&r));
}

#[test]
fn software_export_features_and_a_sanctioned_project_are_not_trade_policy() {
    assert_no_trade_policy(&[
        (
            "Notes app 3.2 lets teams export to Word and lock down sharing",
            "The note-taking app's new version adds bulk export of notebooks to Word or Markdown files and export controls that let workspace owners decide who may download pages. Imports from Evernote are faster, and users in Germany and France get localised menus. The export feature was the most requested in the beta, the company said.",
        ),
        (
            "State sanctions new metro lines for Pune",
            "The state cabinet sanctioned two metro rail lines for Pune worth 9,800 crore rupees, the transport minister said. The projects were sanctioned after detailed project reports were approved, and tenders will be floated this year. Once a project is sanctioned, land acquisition can begin.",
        ),
    ]);
    // The trade senses still count.
    let r = run(
        "Japan tightens export controls on chip tools",
        "Japan will require export licences for 23 types of chipmaking equipment, widening export controls aimed at China, the trade ministry said.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy.score);
    assert!(has(&r, "instrument:export-control"), "{:?}", ids(&r));
    let r = run(
        "U.S. sanctions Iranian oil network",
        "The Treasury sanctioned a network of tankers that shipped Iranian oil to China, and the State Department sanctioned two port operators.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy.score);
}

/// Each `(title, body)` is judged not about trade policy and reports no
/// trade instrument.
fn assert_no_trade_policy(cases: &[(&str, &str)]) {
    for &(title, body) in cases {
        let r = run(title, body);
        assert!(
            !r.trade_policy.relevant,
            "{title}: {:?}",
            r.trade_policy.score
        );
        assert!(
            !ids(&r).iter().any(|i| i.starts_with("instrument:")),
            "{title}: {:?}",
            ids(&r)
        );
    }
}

#[test]
fn household_energy_and_phone_tariffs_are_not_trade_policy() {
    let r = run(
        "Energy bills to rise in spring",
        "Households on a standard variable tariff will pay 3% more, and fixed tariffs are scarce, the regulator said.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "instrument:tariff"), "{:?}", ids(&r));
    let r = run(
        "Operators lift mobile tariffs",
        "Telecom operators will raise prepaid tariffs by 10% as subscribers move to 5G plans.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(r.tariff_measures.is_empty());
    // Hotel rooms, taxi fares, airport shops: prices, not trade policy.
    for (title, body) in [
        (
            "Hoteliers raise room tariffs for the holidays",
            "Room tariffs at beach resorts climbed 40% as every hotel tariff card was revised.",
        ),
        (
            "Taxi fares rise as regulator approves new tariff",
            "Under the new tariff, taxi fares rise 7%, and the premium tariff applies at night.",
        ),
        (
            "Duty-free store opens at the airport",
            "The duty-free store sells perfume and wine; flights within the bloc pay duty-paid prices.",
        ),
    ] {
        let r = run(title, body);
        assert!(!r.trade_policy.relevant, "{title}");
    }
    // Discount plans for poorer households and a bank's list of fees.
    let r = run(
        "Water tariffs: help for struggling households widens",
        "Suppliers will extend their social tariffs, cutting bills by up to 50% for low-income customers.",
    );
    assert!(!r.trade_policy.relevant);
    let r = run(
        "Lender publishes its new tariff of charges",
        "The bank's revised tariff of charges raises the fee on transfers abroad by 2%, and the excise duty on fees stays at 15%.",
    );
    assert!(!r.trade_policy.relevant);
}

#[test]
fn a_university_sanctioning_students_is_not_trade_policy() {
    let r = run(
        "University sanctions 41 students over AI-written coursework",
        "The university imposed sanctions on 41 students after coursework was found to be written by chatbots. \
         The sanctions range from a warning to expulsion for misconduct.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "instrument:sanction"), "{:?}", ids(&r));
}

#[test]
fn sports_trade_deadlines_and_sanctions_are_not_trade_policy() {
    let r = run(
        "Clubs scramble before trade deadline",
        "Front offices are weighing draft picks and salary relief before the league's trade deadline on Thursday.",
    );
    assert!(!r.trade_policy.relevant);
    let r = run(
        "Football body sanctions club",
        "The football federation's disciplinary panel sanctions the club and bans two players from the tournament.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "instrument:sanction"), "{:?}", ids(&r));
}

#[test]
fn capitalised_terms_inside_a_sentence_are_names_not_instruments() {
    let r = run(
        "Tariff talks resume",
        "Officials from Japan and Korea resumed tariff talks, said Mark Levy, a lawyer at Dunmore Partners. Shares of U.S. Steel rose.",
    );
    let tariff = entity(&r, "instrument:tariff");
    assert!(
        tariff.mentions.iter().all(|m| m.text != "Levy"),
        "{:?}",
        tariff.mentions
    );
    assert!(!has(&r, "commodity:steel"), "{:?}", ids(&r));
}

#[test]
fn blue_chips_and_heavy_duty_trucks_are_not_trade_words() {
    let r = run(
        "Stocks rally",
        "Blue-chip stocks rallied as heavy-duty truck makers reported strong orders and the blue chips led the gains.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(
        !has(&r, "commodity:semiconductors") && !has(&r, "instrument:tariff"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn mexicos_congress_is_not_the_us_congress() {
    let r = run(
        "Mexico tariff vote",
        "Mexico's Congress approved higher tariffs on Chinese cars on Tuesday.",
    );
    assert!(!has(&r, "org:congress"), "{:?}", ids(&r));
    let r = run(
        "Tariff vote",
        "The U.S. Congress approved higher tariffs on Chinese cars on Tuesday.",
    );
    assert!(has(&r, "org:congress"), "{:?}", ids(&r));
}

#[test]
fn a_country_name_can_be_a_first_name_in_an_appositive() {
    let r = run("", "Chad and Niger signed a grid accord. Chad Thompson, an engineer on the project, said work starts soon.");
    assert!(has(&r, "person:chad-thompson"), "{:?}", ids(&r));
    assert_eq!(entity(&r, "country:TD").count, 1);
}

#[test]
fn duty_rotas_and_potato_chips_are_not_trade_policy() {
    let r = run(
        "Hospital rewrites duty rotas",
        "Nurses on the night duty roster were asked to stay on duty during the strike.",
    );
    assert!(!r.trade_policy.relevant);
    let r = run(
        "Snack makers bet on new potato chips",
        "Potato chip makers launched spicier flavors as snack sales slowed.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "commodity:semiconductors"), "{:?}", ids(&r));
}

#[test]
fn retaliation_is_trade_policy_only_beside_trade_words() {
    // Armies and animals retaliate: without a trade word the story is not
    // about trade, however many countries it names.
    let r = run(
        "Rebels vow retaliation as border clashes spread",
        "Fighters in Sudan and Chad said they would retaliate after an air strike. \
         Both sides accused the other of tit-for-tat raids on villages.",
    );
    assert!(!r.trade_policy.relevant, "{:?}", r.trade_policy.score);
    let r = run(
        "Finches punish cheats, tit-for-tat study shows",
        "Birds in Kenya and Uganda that were refused seeds retaliated by refusing in turn.",
    );
    assert!(!r.trade_policy.relevant, "{:?}", r.trade_policy.score);
    // Beside a tariff, retaliation is trade policy again.
    let r = run(
        "Ottawa vows retaliation",
        "Canada said it would retaliate against the new U.S. tariffs on its lumber.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy.score);
    assert!(r.trade_policy.topics.iter().any(|t| t == "retaliation"));
}

#[test]
fn news_embargoes_fly_tipping_and_benefit_sanctions_are_not_trade_policy() {
    let r = run(
        "Reporters get jobless figures early",
        "Journalists read the payroll numbers under embargo, and the news embargo ended at 9 a.m.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "instrument:embargo"), "{:?}", ids(&r));
    let r = run(
        "Council fights fly-tipping",
        "Illegal dumping near the landfill doubled, so the council will watch dumping sites with cameras.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "instrument:anti-dumping"), "{:?}", ids(&r));
    let r = run(
        "Ministers tighten jobless rules",
        "Benefit sanctions for jobseekers who miss interviews will double, and claimants may lose 30% of their payments.",
    );
    assert!(!r.trade_policy.relevant);
    assert!(!has(&r, "instrument:sanction"), "{:?}", ids(&r));
    // The trade senses stay.
    let r = run(
        "",
        "Brussels imposed anti-dumping duties on Chinese steel and widened its embargo on Russian oil.",
    );
    assert!(r.trade_policy.relevant);
    assert!(has(&r, "instrument:anti-dumping"), "{:?}", ids(&r));
    let r = run(
        "Delhi vows to shield steelmakers",
        "India will not let its market become a dumping ground for cheap Chinese steel, the trade minister said.",
    );
    assert!(r.trade_policy.relevant);
    assert!(has(&r, "instrument:anti-dumping"), "{:?}", ids(&r));
}

#[test]
fn edible_oils_are_not_crude_oil() {
    let r = run(
        "Malaysia and EU trade deal",
        "The trade agreement cuts EU tariffs on Malaysian palm oil, cooking oil and olive oil imports.",
    );
    assert!(r.trade_policy.relevant);
    assert!(!has(&r, "commodity:crude-oil"), "{:?}", ids(&r));
    let r = run(
        "Malaysia and EU trade deal",
        "The trade agreement cuts EU tariffs on Malaysian palm oil and on crude oil imports.",
    );
    assert!(has(&r, "commodity:crude-oil"), "{:?}", ids(&r));
}

#[test]
fn real_trade_news_is_relevant_with_topics_instruments_and_commodities() {
    let r = run(
        "Beijing tightens export controls on gallium",
        "China expanded export controls on gallium and germanium, and Washington threatened new tariffs on Chinese semiconductors in retaliation.",
    );
    assert!(r.trade_policy.relevant);
    assert!(r.trade_policy.score > 0.9);
    assert!(
        r.trade_policy
            .topics
            .contains(&"export-controls".to_owned()),
        "{:?}",
        r.trade_policy.topics
    );
    for id in [
        "instrument:export-control",
        "instrument:tariff",
        "commodity:gallium",
        "commodity:semiconductors",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    // Named agreements are the instrument, not a bloc.
    let r = run(
        "",
        "Mexico and Canada want the USMCA extended, and tariffs on autos removed.",
    );
    assert!(
        has(&r, "instrument:trade-agreement") && !has(&r, "bloc:USMCA"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_news_flash_names_its_topic_once_and_an_official_stands_for_his_country() {
    // One sentence: the president is the United States' side of the
    // measure, and the one mention of each instrument is the flash's topic.
    let r = run(
        "",
        "President Donald Trump put a 35% tariff on Canadian goods on Friday.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert_eq!(r.trade_policy.topics, vec!["tariffs".to_owned()]);
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:CA"), 35.0)]
    );
    let r = run("", "China announced export controls on graphite.");
    assert_eq!(r.trade_policy.topics, vec!["export-controls".to_owned()]);
    // In a full article a topic named once in passing is not its topic.
    let filler = "Delegates met again in the afternoon and said the discussions on the customs schedules for machinery and the certification of origin had been detailed and technical. ";
    let body = format!(
        "Negotiators from Peru and Chile resumed trade talks on Monday, and their trade negotiations continued into the evening. {} Officials also mentioned export controls once.",
        filler.repeat(4)
    );
    let r = run("", &body);
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert!(
        !r.trade_policy
            .topics
            .contains(&"export-controls".to_owned()),
        "{:?}",
        r.trade_policy.topics
    );
}

// ------------------------------------------------------------------ tariffs

#[test]
fn tariff_direction_comes_from_the_phrasing() {
    let r = run("", "Currently, U.S. tariffs stand at 30 percent on Chinese goods, while China imposes a 10 percent tariff on U.S. products.");
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:CN"), 30.0),
            measure("country:CN", Some("country:US"), 10.0)
        ]
    );
    let r = run(
        "Canada strikes back in tariff dispute",
        "Ottawa said it would slap a 25% levy on American whiskey.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CA", Some("country:US"), 25.0)]
    );
    let r = run(
        "",
        "India hit with 50% U.S. tariffs as talks stall over trade.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:IN"), 50.0)]
    );
    let r = run(
        "",
        "The EU's 10% import duty on Japanese cars will fall to zero under the trade deal.",
    );
    assert_eq!(tariffs(&r)[0], measure("bloc:EU", Some("country:JP"), 10.0));
}

#[test]
fn a_capital_stands_for_its_government_and_brussels_for_the_eu() {
    let r = run(
        "Allies hit back over steel tariffs",
        "Brussels imposed a 25% tariff on bourbon from the United States on Monday, in retaliation for U.S. steel tariffs. Earlier, Ottawa had put a 10% tariff on U.S. steel.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("bloc:EU", Some("country:US"), 25.0),
            measure("country:CA", Some("country:US"), 10.0)
        ]
    );
    // The place itself is still tagged as the city.
    assert!(has(&r, "location:brussels"), "{:?}", ids(&r));
}

#[test]
fn a_location_whose_capital_column_is_neither_yes_no_nor_a_bloc_stops_startup() {
    let dir = data_dir("bad-capital");
    let path = dir.join("locations.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replace(
        "brussels\tBrussels\t\tBE\tEU",
        "brussels\tBrussels\t\tBE\tmaybe",
    );
    assert_ne!(bad, text, "the Brussels row is where this test expects it");
    std::fs::write(&path, bad).unwrap();
    let err = Enricher::from_dir(&dir).unwrap_err();
    assert!(err.file.ends_with("locations.tsv"), "{err}");
    assert!(err.to_string().contains("capital must be"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Loads a copy of the data with `row` added at the end of `file`, and
/// returns what the load gave and the row's line number.
fn load_with_row(name: &str, file: &str, row: &str) -> (Result<Enricher, DataError>, usize) {
    let dir = data_dir(name);
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(row);
    let line = text.lines().count();
    std::fs::write(&path, text).unwrap();
    let loaded = Enricher::from_dir(&dir);
    std::fs::remove_dir_all(dir).unwrap();
    (loaded, line)
}

/// The error a copy of the data with `row` added to `file` stops startup
/// with, and the row's line number.
fn load_error_with_row(name: &str, file: &str, row: &str) -> (DataError, usize) {
    let (loaded, line) = load_with_row(name, file, row);
    (loaded.expect_err("the row stops startup"), line)
}

#[test]
fn a_country_or_bloc_code_the_gazetteers_do_not_define_stops_startup() {
    // A typo for the UK, a code that is no country, and a bloc that
    // blocs.tsv lacks: each names its file and line.
    for (file, row, code) in [
        (
            "people.tsv",
            "jo-bloggs\tJo Bloggs\t\tTrade Envoy\tUKK\n",
            "UKK",
        ),
        (
            "organizations.tsv",
            "trade-board\tTrade Board\t\tXQ\t\n",
            "XQ",
        ),
        (
            "locations.tsv",
            "porto-novo-x\tPorto Novo X\t\tBJ\tECOWASX\n",
            "ECOWASX",
        ),
    ] {
        let (err, line) = load_error_with_row("bad-party", file, row);
        assert!(err.file.ends_with(file), "{err}");
        assert_eq!(err.line, line, "{err}");
        assert!(err.to_string().contains(&format!("{code:?}")), "{err}");
    }
}

#[test]
fn a_person_or_organisation_of_a_bloc_belongs_to_the_bloc() {
    let row = "trade-board\tMercosur Trade Board\t\tMERCOSUR\t\n";
    let e = load_with_row("bloc-party", "organizations.tsv", row)
        .0
        .unwrap();
    let r = e.enrich(&article(
        "",
        "The Mercosur Trade Board met in Montevideo to review the common external tariff.",
    ));
    let board = r
        .entities
        .iter()
        .find(|x| x.id == "org:trade-board")
        .expect("the board is tagged");
    assert_eq!(board.country.as_deref(), Some("bloc:MERCOSUR"));
}

#[test]
fn an_organisation_kind_other_than_company_or_association_stops_startup() {
    let (err, line) = load_error_with_row(
        "bad-kind",
        "organizations.tsv",
        "harbour-co\tHarbour Co\t\tGB\t\tfirm\n",
    );
    assert!(err.file.ends_with("organizations.tsv"), "{err}");
    assert_eq!(err.line, line, "{err}");
    assert!(err.to_string().contains("\"firm\""), "{err}");
}

#[test]
fn a_companys_home_country_imposes_no_tariff_but_a_public_bodys_does() {
    let r = run(
        "EU and China",
        "The European Commission said Chinese carmakers may replace the countervailing duties on their cars \
         with minimum prices. The duties range from 7.8% for Tesla's China-made vehicles to 35.3% for SAIC.",
    );
    let t = tariffs(&r);
    assert!(
        t.iter().all(|(imposer, _, _)| imposer != "country:US"),
        "{t:?}"
    );
    assert!(
        t.contains(&measure("bloc:EU", Some("country:CN"), 7.8)),
        "{t:?}"
    );
}

#[test]
fn a_rate_for_countries_without_a_deal_falls_on_all_and_capped_rates_on_the_named() {
    let r = run(
        "U.S. steel wire tariffs to rise in March",
        "Under the order, steel wire faces a 10% U.S. duty. On March 1 the rate is set to rise to 40% \
         for countries that have not reached agreements with Washington. Goods from Korea and \
         Switzerland are capped at 15%. Canadian wire already faces anti-dumping duties of 20%, \
         and Canada is the largest supplier.",
    );
    let t = tariffs(&r);
    for m in [
        measure("country:US", None, 40.0),
        measure("country:US", Some("country:KR"), 15.0),
        measure("country:US", Some("country:CH"), 15.0),
        measure("country:US", Some("country:CA"), 20.0),
    ] {
        assert!(t.contains(&m), "{m:?} in {t:?}");
    }
    assert!(
        !t.contains(&measure("country:US", Some("country:CA"), 40.0)),
        "{t:?}"
    );
}

#[test]
fn a_share_move_joined_to_another_is_no_tariff_rate() {
    let r = run(
        "Japan sets 18% duty on Chinese graphite",
        "Japan will impose an 18% anti-dumping duty on graphite electrodes from China, the ministry said. \
         Shares of Tokai Carbon rose 4% and Resonac added 2.5% in Tokyo.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:JP", Some("country:CN"), 18.0)]
    );
}

#[test]
fn greenland_and_the_faroes_are_countries_with_trade_regimes_of_their_own() {
    let r = run(
        "Greenland seeks its own fish deal with Britain",
        "Greenland wants tariff-free access for its shrimp, Prime Minister Jens-Frederik Nielsen said, \
         as Faroese exporters already enjoy under their own agreement with the UK.",
    );
    for id in ["country:GL", "country:FO", "country:GB"] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    assert_eq!(
        entity(&r, "person:jens-frederik-nielsen")
            .country
            .as_deref(),
        Some("country:GL")
    );
}

#[test]
fn a_rate_whose_sentence_names_no_party_belongs_to_the_country_the_story_is_about() {
    let r = run(
        "Kenya weighs higher sugar duty",
        "Kenya will keep its ban on cheap sugar imports and may raise its import duty, trade officials said. \
         The cabinet secretary said the duty on imported sugar, which was lowered to 10% from 25% last year, \
         could rise again.",
    );
    assert!(
        tariffs(&r).contains(&measure("country:KE", None, 10.0)),
        "{:?}",
        tariffs(&r)
    );
}

#[test]
fn compound_tariff_words_and_objects_after_on_are_read() {
    let r = run(
        "Canada hits back with counter-tariffs",
        "Canada will impose 25% counter-tariffs on C$30 billion of U.S. goods from Tuesday.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CA", Some("country:US"), 25.0)]
    );
    assert_eq!(
        r.sentiment.label,
        SentimentLabel::Negative,
        "{:?}",
        r.sentiment
    );
}

#[test]
fn the_usual_imposer_is_never_a_rates_own_target() {
    let r = run(
        "Trade war escalates",
        "Washington raised duties on Chinese imports to 125%. Beijing vowed to \"fight to the end\" and raised its own levies on American goods to 84%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:CN"), 125.0),
            measure("country:CN", Some("country:US"), 84.0)
        ]
    );
}

#[test]
fn a_target_that_suffers_the_rate_and_a_rate_on_everyone() {
    let r = run("", "Vietnamese exporters will face 46% duties in the United States, officials said after the trade talks.");
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:VN"), 46.0)]
    );
    let r = run(
        "",
        "Washington announced a 25% tariff on imported trucks from all trading partners.",
    );
    assert_eq!(tariffs(&r), vec![measure("country:US", None, 25.0)]);
}

#[test]
fn coordinated_targets_share_a_rate_and_other_partners_means_everyone() {
    let r = run(
        "Steel tariffs widen",
        "Washington imposed a 25 percent tariff on steel imports from Canada and Mexico, and a 10% tariff on most other partners.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:CA"), 25.0),
            measure("country:US", Some("country:MX"), 25.0),
            measure("country:US", None, 10.0),
        ]
    );
}

#[test]
fn rates_written_in_words_or_per_cent_are_read() {
    let r = run("", "Britain will charge a fifty percent tariff on Russian steel, and a 35 per cent duty on Russian aluminium.");
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:GB", Some("country:RU"), 50.0),
            measure("country:GB", Some("country:RU"), 35.0)
        ]
    );
    let r = run(
        "",
        "Japan cut its tariff on U.S. beef to twenty-two percent under the trade deal.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:JP", Some("country:US"), 22.0)]
    );
}

#[test]
fn pc_after_a_number_is_per_cent_but_a_pc_is_a_computer() {
    let r = run(
        "",
        "Australia keeps a 12 pc tariff on Thai rice imports under its trade deal, while the new PC range sold 40 PC units a day.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:AU", Some("country:TH"), 12.0)]
    );
}

#[test]
fn the_market_where_a_rate_is_paid_imposes_it() {
    // "in <country>" right after the tariff word, and goods "entering" or
    // "imported into" a country: that country imposes the rate on whoever
    // pays it.
    let r = run(
        "",
        "Vietnamese furniture makers, who already face a 20% tariff in the United States, are looking to Europe. Moroccan olives entering Canada pay a 6 per cent duty. Argentine lemons imported into Japan face a 9% tariff.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:VN"), 20.0),
            measure("country:CA", Some("country:MA"), 6.0),
            measure("country:JP", Some("country:AR"), 9.0),
        ]
    );
    // Goods made in a country come from it: no imposer there.
    let r = run("", "Mexico charges a 15% tariff on shoes made in Vietnam.");
    assert_eq!(
        tariffs(&r),
        vec![measure("country:MX", Some("country:VN"), 15.0)]
    );
}

#[test]
fn a_pronoun_stands_for_the_party_named_before_it() {
    // "he" is the last person named (for that person's country), even in
    // an article whose usual imposer is another party.
    let r = run(
        "",
        "China will charge a 15% tariff on U.S. coal and a 10% levy on U.S. crude. Beijing also raised its duty on U.S. farm machinery to 10%. President Donald Trump's extra 10% tariff on Chinese goods took effect on Tuesday. On Monday he paused separate 25% tariffs on Canada and Mexico.",
    );
    let t = tariffs(&r);
    for m in [
        measure("country:US", Some("country:CA"), 25.0),
        measure("country:US", Some("country:MX"), 25.0),
    ] {
        assert!(t.contains(&m), "{m:?} in {t:?}");
    }
    // A clause-opening "Its" is the last country that was a subject; an
    // "its" inside a clause belongs to that clause's own subject.
    let r = run(
        "",
        "Chile will scrap duties on most goods from the EU, the European Commission said. Its tariff of 6% on European wine goes in five years, while Peru will cut its duties on Chilean fruit to 2%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:CL", Some("bloc:EU"), 6.0),
            measure("country:PE", Some("country:CL"), 2.0),
        ]
    );
}

#[test]
fn goods_from_a_country_that_pay_a_rate_name_its_target_respectively_in_order() {
    let r = run(
        "",
        "Washington set anti-subsidy duties on steel wire. Imports from Egypt will face duties of 12.5%, while shipments from Oman and Qatar were hit with rates of 30.2% and 44.9%, respectively. Bahrain, a small supplier, is subject to a 9% rate.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:EG"), 12.5),
            measure("country:US", Some("country:OM"), 30.2),
            measure("country:US", Some("country:QA"), 44.9),
            measure("country:US", Some("country:BH"), 9.0),
        ]
    );
}

#[test]
fn imports_of_a_countrys_goods_that_face_a_rate_name_its_target() {
    let r = run(
        "",
        "Ottawa closed its anti-dumping probe on Friday. Imports of Turkish rebar will be subject to duties of 41.2%, Canada said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CA", Some("country:TR"), 41.2)]
    );
}

#[test]
fn a_surtax_on_imports_is_a_tariff() {
    let r = run(
        "Canada answers U.S. surtax",
        "Canada will impose a 25% surtax on U.S. steel from Thursday, the finance department said. The surtax answers Washington's own.",
    );
    assert!(r.trade_policy.relevant);
    assert!(has(&r, "instrument:tariff"), "{:?}", ids(&r));
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CA", Some("country:US"), 25.0)]
    );
}

#[test]
fn a_rate_set_against_another_leaves_it_the_parties_after_it() {
    let r = run(
        "Tokyo keeps rice tariffs",
        "Japan kept its tariffs on American rice in place. U.S. rice pays a duty of 20 per cent, against 5 per cent for shipments from Thailand.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:JP", Some("country:US"), 20.0)),
        "{t:?}"
    );
    assert!(
        !t.contains(&measure("country:JP", Some("country:TH"), 20.0)),
        "{t:?}"
    );
}

#[test]
fn hitting_goods_with_duties_makes_the_subject_the_imposer() {
    let r = run(
        "Mexico duties on Korean steel",
        "Mexico moved to hit Korean steel pipes with anti-dumping duties of up to 40%, the economy ministry said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:MX", Some("country:KR"), 40.0)]
    );
}

#[test]
fn a_party_that_negotiated_a_rate_is_its_target() {
    let r = run(
        "U.S. trade deals",
        "The United States set a 20% tariff on Vietnamese goods. Malaysia, for its part, negotiated a 19 percent U.S. tariff.",
    );
    assert!(
        tariffs(&r).contains(&measure("country:US", Some("country:MY"), 19.0)),
        "{:?}",
        tariffs(&r)
    );
}

#[test]
fn a_rate_that_applies_to_a_countrys_metal_targets_that_country() {
    let r = run(
        "Metals tariffs",
        "Mexico will impose a 25% tariff on Brazilian steel. The move follows Washington's decision to double its tariffs on aluminium to 50 percent, a rate that now applies to Mexican metal.",
    );
    assert!(
        tariffs(&r).contains(&measure("country:US", Some("country:MX"), 50.0)),
        "{:?}",
        tariffs(&r)
    );
}

#[test]
fn a_rate_applied_to_most_other_countries_falls_on_all_of_them() {
    let r = run(
        "Australian beef",
        "Australian beef still faces a 10 per cent U.S. tariff, having been spared the 30% rate applied to most other countries.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:AU"), 10.0),
            measure("country:US", None, 30.0),
        ]
    );
}

#[test]
fn percentages_that_are_not_tariffs_are_ignored() {
    let r = run(
        "Exports grow despite tariffs",
        "Exports grew 12% in May despite U.S. tariffs. The S&P 500 fell 1.5% on tariff worries. \
         Firms that are 50% owned by Chinese investors face new tariff checks. About 40% of Mexican exports enter duty-free under the trade pact.",
    );
    assert!(r.trade_policy.relevant);
    assert!(r.tariff_measures.is_empty(), "{:?}", tariffs(&r));
}

#[test]
fn a_central_banks_policy_rate_is_no_tariff_rate() {
    let r = run(
        "Manila weighs its options on U.S. tariffs",
        "Philippine exporters face a 19% tariff in the United States. \
         The central bank kept its policy rate at 5.25%, and the benchmark rate of the \
         state lender stayed at 6.1%; mortgage rates near 7% have not moved.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:PH"), 19.0)]
    );
}

#[test]
fn domestic_taxes_are_not_tariffs_but_taxes_on_imports_are() {
    // A tax named as a tax at home, or a bare "tax" with nothing about
    // imports or a trading partner in its sentence, has no tariff rate.
    let r = run(
        "Ottawa and Washington spar over trade",
        "Washington keeps a 25% tariff on Canadian aluminium. \
         Ottawa's 3% digital services tax hits American tech giants. \
         A 2% sales tax is unchanged, and the 5% tax is collected on hotel bills in Quebec. \
         Officials said the 15% income tax would not change.",
    );
    assert!(r.trade_policy.relevant);
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:CA"), 25.0)]
    );
    // Taxes on goods, on imports or on a named partner's products are tariffs.
    let r = run(
        "Beijing raises import taxes",
        "China will charge a 10% tax on American soybeans. \
         Brazil set a 20% tax on imported ethanol.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:CN", Some("country:US"), 10.0),
            measure("country:BR", None, 20.0),
        ]
    );
}

#[test]
fn a_fronted_for_phrase_names_the_target() {
    // The target stands before the rate, set off by a comma; nothing after
    // the rate names one.
    let r = run(
        "Tariff letters go out",
        "Washington sent letters to a dozen capitals on Monday. \
         For Vietnam, the new U.S. rate is 46 percent. \
         \"For the Philippines, a 17% tariff applies from August,\" the letter said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:VN"), 46.0),
            measure("country:US", Some("country:PH"), 17.0),
        ]
    );
}

#[test]
fn a_tariff_that_falls_or_rises_to_a_level_has_that_rate() {
    // The tariff is the subject of the verb of movement; a share price or
    // a change in exports is not.
    let r = run(
        "",
        "Japan's duty on Australian beef falls to 20% next year under the trade pact. \
         Exports fell 5% in May. Shares of meat packers rose to 4% above their March low.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:JP", Some("country:AU"), 20.0)]
    );
}

#[test]
fn a_rate_with_its_own_object_takes_that_target() {
    let r = run(
        "",
        "Washington set tariffs of 15% on goods from Thailand and Cambodia, and 25% on Laos, under the trade framework.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:TH"), 15.0),
            measure("country:US", Some("country:KH"), 15.0),
            measure("country:US", Some("country:LA"), 25.0),
        ]
    );
    // "to most Chinese imports": whose goods, after "applies ... to".
    let r = run(
        "Bicycle tariffs stay",
        "Under the trade deal, the EU applies a tariff of 12% to most Chinese imports of bicycles, trade officials said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("bloc:EU", Some("country:CN"), 12.0)]
    );
}

#[test]
fn a_rate_whose_target_the_text_never_names_falls_on_everyone() {
    // A country's own import regime: no party is named as the target, so
    // none is guessed from the countries the article mentions.
    let r = run(
        "Ghana restores 20% tariff on rice",
        "Ghana restored its import tariff on rice to 20% on Monday. Vietnam and Thailand supply most of the rice Ghana buys, and Vietnamese exporters were studying the change. The government cut the duty on imported cooking oil to 5% last year.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:GH", None, 20.0),
            measure("country:GH", None, 5.0)
        ]
    );
}

#[test]
fn an_unnamed_committee_or_ministry_imposes_for_the_articles_own_country() {
    // Only the last sentence names another imposer; the committee is
    // Peru's, the country the story is about.
    let r = run(
        "Peru sets anti-dumping duties on Chinese steel bars",
        "Peru's trade defence committee ruled on steel bars from China on Friday. The committee imposed anti-dumping duties of 18% on the bars, and Peruvian mills welcomed the ruling. Peru buys most of its steel from China. The United States charges a 50% tariff on steel from all countries.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:PE", Some("country:CN"), 18.0)),
        "{t:?}"
    );
    assert!(t.contains(&measure("country:US", None, 50.0)), "{t:?}");
}

#[test]
fn in_a_two_sided_dispute_goods_that_face_a_duty_face_the_other_side() {
    let r = run(
        "Canada and India extend tariff truce",
        "Ottawa cut its surtax on Indian steel to 10% and its levy on Indian aluminium to 15%. New Delhi kept its 20% tariff on Canadian goods. Canadian lentils still face a 30% duty, however, traders said.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:IN", Some("country:CA"), 30.0)),
        "{t:?}"
    );
}

#[test]
fn a_rate_after_a_sentence_about_tariffs_is_a_tariff_rate() {
    let r = run(
        "Andean trade rules",
        "Colombian exporters worry about the American tariffs that sit outside the trade pact. Flowers pay 12% when they come from Colombia, brokers in Miami said.",
    );
    let t = tariffs(&r);
    assert!(
        t.iter()
            .any(|(_, target, rate)| target.as_deref() == Some("country:CO") && *rate == 12.0),
        "{t:?}"
    );
}

#[test]
fn a_second_rate_joined_by_and_shares_the_paying_verb() {
    let r = run(
        "Andean tariffs",
        "Washington keeps its tariffs on Andean goods. Flowers pay 12% when they come from Colombia and 18% when they come from Ecuador, brokers said.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:US", Some("country:CO"), 12.0)),
        "{t:?}"
    );
    assert!(
        t.contains(&measure("country:US", Some("country:EC"), 18.0)),
        "{t:?}"
    );
}

#[test]
fn a_party_that_seeks_relief_from_a_tariff_on_its_goods_is_its_target() {
    // Seoul is the subject of "cut", but the tariff falls on Korean cars:
    // the other government imposes it.
    let r = run(
        "",
        "Seoul is negotiating with Washington to cut a 25% tariff on South Korean cars, the trade ministry said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:KR"), 25.0)]
    );
    // "slapped with": the passive's subject suffers the rate.
    let r = run(
        "",
        "Fiji was slapped with a 30% tariff after its trade talks with Washington failed.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:FJ"), 30.0)]
    );
}

#[test]
fn the_body_that_recommends_a_duty_speaks_for_the_imposer() {
    let r = run(
        "Tile duty recommended",
        "Indonesia's trade remedies committee has recommended a 15% safeguard duty on ceramic tiles from all countries. Exporters of tiles have also been hurt by U.S. tariffs this year.",
    );
    assert_eq!(tariffs(&r), vec![measure("country:ID", None, 15.0)]);
}

#[test]
fn a_rate_that_a_verb_of_paying_or_imposing_governs_is_a_tariff_rate() {
    // No tariff word governs "19%", "20%" or "25%": the verbs do, in a story
    // already about tariff rates. A comparative after the rate is no rate.
    let r = run(
        "Tariff letters",
        "Washington set a 20% tariff on Bangladeshi goods. \
         Cambodia, Indonesia and Pakistan got 19%, while Sri Lanka was set at 20%. \
         India's exporters now pay 25%. Exporters paid 5% more for freight.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:BD"), 20.0),
            measure("country:US", Some("country:KH"), 19.0),
            measure("country:US", Some("country:ID"), 19.0),
            measure("country:US", Some("country:PK"), 19.0),
            measure("country:US", Some("country:LK"), 20.0),
            measure("country:US", Some("country:IN"), 25.0),
        ]
    );
    // The antecedent of "which" charges the rate, not the tariff word's owner.
    let r = run(
        "Canada and the U.S. align tariffs on Chinese EVs",
        "Ottawa imposed a 100% surtax on Chinese electric vehicles under its trade law, in step with Washington, which charges 100% on Chinese EVs.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:CA", Some("country:CN"), 100.0),
            measure("country:US", Some("country:CN"), 100.0),
        ]
    );
    // The subject of "pay" is the goods' country, not the country the goods
    // enter.
    let r = run(
        "Thai trade deal",
        "Under the trade deal, most Thai goods entering the United States pay a tariff of 19%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:TH"), 19.0)]
    );
}

#[test]
fn rates_without_a_party_take_the_direction_of_the_articles_tariff_phrases() {
    // "Indian duties on New Zealand wool" has no rate, but says who imposes
    // duties on whom; the rate in the next sentence names nobody.
    let r = run(
        "India and New Zealand seal trade deal",
        "Indian duties on New Zealand wool will be scrapped under the trade agreement. \
         Apples will get a quota at a reduced rate of 25%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:IN", Some("country:NZ"), 25.0)]
    );
    // "For Canadian sawmills," fronts the target with a word after the party.
    let r = run(
        "Lumber duties rise",
        "Washington raised duties on softwood lumber, and Britain secured a 10% rate on its wood. \
         For Canadian sawmills, the combined duty is now 45%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:GB"), 10.0),
            measure("country:US", Some("country:CA"), 45.0),
        ]
    );
    // A levy on a country's own exports falls on every destination.
    let r = run(
        "Nigeria to tax cocoa exports",
        "Nigeria will impose a 10% levy on exports of raw cocoa beans, the trade ministry said. \
         Most beans are shipped to the Netherlands.",
    );
    assert_eq!(tariffs(&r), vec![measure("country:NG", None, 10.0)]);
}

#[test]
fn a_headline_rate_is_the_measure_the_body_states() {
    // Nothing in the headline says whom the levy hits; the body says it is
    // on all imports, so the headline's rate is not pinned on a supplier.
    let r = run(
        "EU raises steel levy to 40%",
        "The European Union will raise its levy on all steel imports to 40%, a trade official said. \
         China and India are the largest suppliers.",
    );
    assert_eq!(tariffs(&r), vec![measure("bloc:EU", None, 40.0)]);
}

#[test]
fn surtaxes_and_common_external_tariffs_are_tariffs() {
    let r = run(
        "",
        "Ottawa will charge a 25% surtax on Chinese steel. \
         Brazil applies Mercosur's common external tariff of 35% on cars in the trade bloc.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:CA", Some("country:CN"), 25.0),
            measure("bloc:MERCOSUR", None, 35.0),
        ]
    );
}

#[test]
fn a_rate_too_long_for_a_number_is_no_rate() {
    // Found by the enrich fuzz target: 400 nines before "%" became an
    // infinite rate, which the record wrote as `"rate_percent": null`.
    let nines = "9".repeat(400);
    let r = run(
        "U.S. tariffs on China",
        &format!("The United States imposes a {nines}% tariff on Chinese goods."),
    );
    assert!(r.trade_policy.relevant);
    assert!(r.tariff_measures.is_empty(), "{:?}", tariffs(&r));
    let r = run(
        "U.S. tariffs on China",
        "The United States imposes a 145% tariff on Chinese goods.",
    );
    assert_eq!(
        tariffs(&r),
        [measure("country:US", Some("country:CN"), 145.0)]
    );
}

#[test]
fn the_bloc_stands_for_the_bloc_named_before_it() {
    let r = run(
        "",
        "Ministers of the East African Community met in Arusha. Kenya asked for more time, and the bloc raised its common external tariff on finished textiles to 35 per cent.",
    );
    assert_eq!(tariffs(&r), vec![measure("bloc:EAC", None, 35.0)]);
    // "Collecting" duties imposes them: the bloc, not Serbia before it.
    let r = run(
        "Serbia's trade pact with China takes effect",
        "The European Union reminded Serbia that it would have to leave the pact on accession, and on Friday the bloc starts collecting provisional duties of up to 37.6 per cent on Chinese electric vehicles.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("bloc:EU", Some("country:CN"), 37.6)]
    );
}

#[test]
fn rates_applied_to_or_agreed_by_a_list_fall_on_each_party_of_it() {
    let r = run(
        "",
        "Peru's exporters will face a 15 percent U.S. tariff, above the 10 percent applied to Chile and Colombia and level with the 15 percent agreed by South Korea and Japan.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:PE"), 15.0),
            measure("country:US", Some("country:CL"), 10.0),
            measure("country:US", Some("country:CO"), 10.0),
            measure("country:US", Some("country:KR"), 15.0),
            measure("country:US", Some("country:JP"), 15.0),
        ]
    );
}

#[test]
fn parties_listed_as_the_subject_each_impose_the_rate() {
    let r = run(
        "Steel tariffs",
        "India, Turkey and the European Union already charge 25% on some steel imports, officials said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:IN", None, 25.0),
            measure("country:TR", None, 25.0),
            measure("bloc:EU", None, 25.0),
        ]
    );
    // An apposition is no list: "the United States, Washington".
    let r = run(
        "Tariffs on Peru",
        "Talks between Peru and the United States ended, and Washington set a 15% tariff on Peruvian goods.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:PE"), 15.0)]
    );
}

#[test]
fn a_rate_after_while_has_its_own_payer() {
    let r = run(
        "Gulf duties on steel",
        "The GCC's duties on Chinese steel range from 17.6% to 38.2%, while Indian producers will pay 12.4% on the same goods.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("bloc:GCC", Some("country:CN"), 17.6),
            measure("bloc:GCC", Some("country:CN"), 38.2),
            measure("bloc:GCC", Some("country:IN"), 12.4),
        ]
    );
}

#[test]
fn buyers_of_imports_pay_their_own_governments_tariff() {
    let r = run(
        "Kenya's wheat tariff",
        "Under the waiver Kenyan millers will keep paying ten per cent on imported wheat, the treasury said.",
    );
    assert_eq!(tariffs(&r), vec![measure("country:KE", None, 10.0)]);
    let r = run(
        "Canada's tariffs on bourbon",
        "Canadian buyers now pay a 25% duty on imported American bourbon, distillers said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CA", Some("country:US"), 25.0)]
    );
}

#[test]
fn the_us_is_the_default_imposer_only_when_named_among_the_most() {
    // Australia's own tariffs; the United States is one name in a list.
    let r = run(
        "Australia to scrap hundreds of small tariffs",
        "Australia will scrap 450 tariffs from July, the Australian treasurer said. Most of the tariffs are set at five per cent and raise little money, because trade with Japan, the United States and others is already duty-free under Australia's agreements.",
    );
    let imposers: Vec<String> = tariffs(&r).into_iter().map(|t| t.0).collect();
    assert!(
        !imposers.is_empty() && imposers.iter().all(|i| i == "country:AU"),
        "{:?}",
        tariffs(&r)
    );
}

// ------------------------------------------------------------------ deadlines

#[test]
fn deadlines_resolve_to_iso_dates_with_the_publication_date() {
    let r = run(
        "",
        "Both sides want a deal before the August 12 deadline on tariffs.",
    );
    assert_eq!(r.deadlines.len(), 1);
    assert_eq!(r.deadlines[0].date, "2025-08-12");
    assert_eq!(r.deadlines[0].text, "the August 12 deadline");
    let r = run(
        "",
        "They agreed to a 90-day pause from May 14 on the higher tariffs.",
    );
    assert_eq!(r.deadlines[0].date, "2025-08-12");
    let r = run(
        "",
        "Governments must decide by July 1, 2026, whether to extend the pact.",
    );
    assert_eq!(r.deadlines[0].date, "2026-07-01");
    // Without a publication date only a date with its year resolves.
    let mut a = article(
        "",
        "Both sides want a deal before the August 12 deadline, and must decide by July 1, 2026.",
    );
    a.published_at = None;
    let r = engine().enrich(&a);
    assert_eq!(
        r.deadlines
            .iter()
            .map(|d| d.date.as_str())
            .collect::<Vec<_>>(),
        ["2026-07-01"]
    );
    // A date with no deadline wording is not a deadline.
    let r = run("", "The factory opened on March 3 with a ribbon cutting.");
    assert!(r.deadlines.is_empty());
}

#[test]
fn deadlines_stay_within_four_digit_years() {
    // Found by the enrich fuzz target: published on 0000-01-01, "November
    // 10" resolved to "-0001-11-10", which is no ISO date.
    let mut a = article("", "The truce ends at the November 10 deadline.");
    a.published_at = Some(Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap());
    assert!(engine().enrich(&a).deadlines.is_empty());
    a.published_at = Some(Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap());
    let dates: Vec<String> = engine()
        .enrich(&a)
        .deadlines
        .into_iter()
        .map(|d| d.date)
        .collect();
    assert_eq!(dates, ["9999-11-10"]);
    // Caught by the same target's checks: a pause of any length is text,
    // and one longer than chrono's calendar used to panic.
    for days in ["999999999999", "100000000"] {
        let r = run(
            "",
            &format!("They agreed a {days}-day pause from May 14 on tariffs before a deadline."),
        );
        assert!(r.deadlines.is_empty(), "{days}: {:?}", r.deadlines);
    }
}

// ------------------------------------------------------------------ sentiment

#[test]
fn de_escalation_is_positive_and_escalation_negative() {
    let pos = run(
        "Washington and Beijing agree to cut tariffs",
        "The two sides reached a truce and agreed to lower tariffs. Markets rallied and exporters welcomed the relief.",
    );
    assert_eq!(
        pos.sentiment.label,
        SentimentLabel::Positive,
        "{:?}",
        pos.sentiment
    );
    let neg = run(
        "Beijing retaliates as tariff war escalates",
        "China imposed retaliatory duties after Washington raised tariffs again. Talks collapsed and markets were rattled by fears of shortages.",
    );
    assert_eq!(
        neg.sentiment.label,
        SentimentLabel::Negative,
        "{:?}",
        neg.sentiment
    );
}

#[test]
fn tariff_sanction_and_deficit_are_not_negative_by_themselves() {
    let r = run(
        "Commerce report lists tariff schedule",
        "The report lists the tariff schedule, the sanctions list and the trade deficit for each quarter.",
    );
    assert_eq!(
        r.sentiment.label,
        SentimentLabel::Neutral,
        "{:?}",
        r.sentiment
    );
}

#[test]
fn negation_flips_and_hedges_damp() {
    let collapsed = run(
        "EU-China trade talks",
        "Trade talks between the EU and China collapsed.",
    );
    let not_collapsed = run(
        "EU-China trade talks",
        "Trade talks between the EU and China did not collapse.",
    );
    assert!(collapsed.sentiment.score < 0.0);
    assert!(not_collapsed.sentiment.score > collapsed.sentiment.score);
    let firm = run(
        "Tariff row",
        "The tariff dispute between Canada and Japan will escalate, officials said.",
    );
    let hedged = run(
        "Tariff row",
        "The tariff dispute between Canada and Japan could escalate, officials said.",
    );
    assert!(
        hedged.sentiment.score > firm.sentiment.score,
        "{} vs {}",
        hedged.sentiment.score,
        firm.sentiment.score
    );
}

#[test]
fn cutting_a_quota_squeezes_trade_while_cutting_a_tariff_eases_it() {
    let squeeze = run(
        "Brussels to cut steel import quotas",
        "The European Commission will halve import quotas for steel and cut the tariff-free quotas of every partner.",
    );
    let relief = run(
        "Tokyo to expand beef quotas",
        "Japan will expand tariff-rate quotas for Australian beef and raise import quotas for wheat.",
    );
    assert!(squeeze.sentiment.score < 0.0, "{:?}", squeeze.sentiment);
    assert!(relief.sentiment.score > 0.0, "{:?}", relief.sentiment);
    // Lifting a quota removes a restriction, like lifting a tariff.
    let lifted = run(
        "Quotas scrapped",
        "Canada will scrap import quotas on Mexican tomatoes.",
    );
    assert!(lifted.sentiment.score > 0.0, "{:?}", lifted.sentiment);
}

#[test]
fn suspending_talks_is_bad_news_but_suspending_tariffs_is_relief() {
    let talks = run(
        "Ottawa and Washington trade talks",
        "The United States will suspend talks with Canada and end the trade negotiations.",
    );
    let tariffs = run(
        "Ottawa and Washington tariffs",
        "The United States will suspend tariffs on Canada and end the duties on lumber.",
    );
    assert!(talks.sentiment.score < 0.0, "{:?}", talks.sentiment);
    assert!(tariffs.sentiment.score > 0.0, "{:?}", tariffs.sentiment);
    // A deal named before the verb is what acts, not what is acted on.
    let deal = run(
        "Pact signed",
        "The agreement between Chile and Korea will remove tariffs on wine.",
    );
    assert!(deal.sentiment.score > 0.0, "{:?}", deal.sentiment);
}

#[test]
fn lifting_retaliatory_tariffs_is_relief_and_imposing_them_is_not() {
    let lifted = run(
        "Mexico and Brazil",
        "Mexico will scrap its retaliatory tariffs on Brazilian beef next month.",
    );
    let imposed = run(
        "Mexico and Brazil",
        "Mexico will impose retaliatory tariffs on Brazilian beef next month.",
    );
    assert!(lifted.sentiment.score > 0.0, "{:?}", lifted.sentiment);
    assert!(imposed.sentiment.score < 0.0, "{:?}", imposed.sentiment);
}

#[test]
fn counter_tariffs_are_bad_news_alone_and_relief_when_removed() {
    let removed = run(
        "Norway and Chile",
        "Norway said it will remove most of its counter-tariffs on Chilean salmon from March.",
    );
    let in_force = run(
        "Norway and Chile",
        "Norway's counter-tariffs on Chilean salmon came into force on Monday.",
    );
    assert!(removed.sentiment.score > 0.0, "{:?}", removed.sentiment);
    assert!(in_force.sentiment.score < 0.0, "{:?}", in_force.sentiment);
}

#[test]
fn a_rate_spelt_per_cent_does_not_keep_a_verb_from_its_tariff() {
    let imposed = run(
        "Peru tariffs on Chilean wine",
        "Peru will impose a 35 per cent duty on Chilean wine from Monday, the trade ministry said.",
    );
    let cut = run(
        "Peru tariffs on Chilean wine",
        "Peru will lower its 35 per cent duty on Chilean wine from Monday, the trade ministry said.",
    );
    assert!(imposed.sentiment.score < 0.0, "{:?}", imposed.sentiment);
    assert!(cut.sentiment.score > 0.0, "{:?}", cut.sentiment);
}

#[test]
fn extending_a_pause_on_tariffs_is_relief_and_extending_tariffs_is_not() {
    let pause = run(
        "Seoul and Tokyo",
        "Korea and Japan agreed to extend the pause on tariffs for another year.",
    );
    let duties = run(
        "Seoul and Tokyo",
        "Korea extended the anti-dumping duties on Japanese steel imports for another five years.",
    );
    assert!(pause.sentiment.score > 0.0, "{:?}", pause.sentiment);
    assert!(duties.sentiment.score < 0.0, "{:?}", duties.sentiment);
}

#[test]
fn prices_jumping_is_bad_news_in_trade_stories() {
    let prices = run(
        "Tariff on onion imports",
        "After the new tariff on onion imports from India, onion prices jumped in Dhaka.",
    );
    let shares = run(
        "Tariff on onion imports",
        "After the new tariff on onion imports from India, shares of local growers jumped in Dhaka.",
    );
    assert!(prices.sentiment.score < 0.0, "{:?}", prices.sentiment);
    assert!(shares.sentiment.score > 0.0, "{:?}", shares.sentiment);
}

#[test]
fn exemptions_concluded_talks_and_abolished_duties_read_as_relief_and_setbacks_as_strain() {
    let label = |title: &str, body: &str| run(title, body).sentiment.label;
    // An exemption reaches the barrier after "from", however long the list
    // of goods before it.
    assert_eq!(
        label(
            "",
            "The government exempted coffee, cocoa, tea, bananas and spices from the tariffs on Friday. \
             Importers had paid the tariffs since April."
        ),
        SentimentLabel::Positive
    );
    // Ending years of talks concludes them; ending talks is still bad news.
    assert_eq!(
        label(
            "Chile and India end six years of talks with a trade deal",
            "Chile and India ended six years of negotiations with a deal on Monday."
        ),
        SentimentLabel::Positive
    );
    assert_eq!(
        label(
            "Chile ends trade talks with India",
            "Chile ended trade negotiations with India on Monday."
        ),
        SentimentLabel::Negative
    );
    assert_eq!(
        label(
            "Kenya to eliminate duties on EU machinery",
            "Kenya will eliminate duties on European machinery and abolish its levy on spare parts under the accord."
        ),
        SentimentLabel::Positive
    );
    assert_eq!(
        label(
            "Peru and Korea conclude negotiations on upgraded pact",
            "Peru and South Korea concluded negotiations on an upgraded free trade agreement, the trade ministry said."
        ),
        SentimentLabel::Positive
    );
    // A finding that "concluded that" is no deal.
    assert_eq!(
        label(
            "",
            "The commission concluded that dumping had caused injury and proposed duties of 20 percent on Chinese steel."
        ),
        SentimentLabel::Neutral
    );
    assert_eq!(
        label(
            "Brazil angered by U.S. steel quota",
            "Brasilia said the new U.S. steel quota was a setback for relations, and officials were angered by the decision."
        ),
        SentimentLabel::Negative
    );
}

#[test]
fn crude_oil_and_critical_minerals_carry_no_tone() {
    let r = run(
        "India's crude imports",
        "India imported more crude oil from Russia and more critical minerals from Australia under its trade rules.",
    );
    assert_eq!(r.sentiment.score, 0.0, "{:?}", r.sentiment);
}

#[test]
fn long_articles_do_not_saturate_the_score() {
    let one = "The two governments agreed to cut tariffs, a welcome relief for exporters. ";
    let short = run("Deal reached", one);
    let long = run("Deal reached", &one.repeat(40));
    assert!(long.sentiment.score < 1.0);
    assert!((long.sentiment.score - short.sentiment.score).abs() < 0.35);
}

#[test]
fn entity_sentiment_comes_from_the_sentences_that_mention_it() {
    let r = run(
        "",
        "Canada welcomed the deal and hailed the relief for its farmers. Separately, Mexico condemned new tariffs and warned of retaliation.",
    );
    assert!(entity(&r, "country:CA").sentiment.unwrap() > 0.0);
    assert!(entity(&r, "country:MX").sentiment.unwrap() < 0.0);
}

// ------------------------------------------------------------------ the seed article

#[test]
fn the_seed_article_comes_out_with_its_facts() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seed-article.txt");
    let Ok(body) = std::fs::read_to_string(path) else {
        eprintln!("seed article not found at {path}; skipping");
        return;
    };
    let r = engine().enrich(&article("", &body));
    // The parties: the two negotiating powers, the Swedish hosts, the
    // countries named in the concerns and earlier deals, and the EU.
    for id in [
        "country:CN",
        "country:US",
        "country:SE",
        "country:IR",
        "country:RU",
        "country:GB",
        "country:JP",
        "bloc:EU",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    // The people, with the roles the text or the gazetteer gives them.
    let role = |id: &str| entity(&r, id).role.clone().unwrap_or_default();
    assert!(role("person:li-chenggang").contains("Trade Representative"));
    assert!(role("person:scott-bessent").contains("Treasury"));
    assert!(role("person:ulf-kristersson").contains("Prime Minister"));
    assert!(role("person:jamieson-greer").contains("Trade Representative"));
    assert!(role("person:donald-trump").contains("President"));
    assert!(role("person:xi-jinping").contains("President"));
    assert!(role("person:wendy-cutler").contains("trade negotiator"));
    assert_eq!(
        entity(&r, "person:wendy-cutler").country.as_deref(),
        Some("country:US")
    );
    // What was discussed.
    for id in [
        "instrument:tariff",
        "instrument:export-control",
        "instrument:trade-agreement",
        "commodity:rare-earths",
        "commodity:semiconductors",
        "commodity:pharmaceuticals",
        "commodity:crude-oil",
        "commodity:dual-use-goods",
        "commodity:agricultural-products",
        "commodity:energy-products",
    ] {
        assert!(has(&r, id), "{id} in {:?}", ids(&r));
    }
    // The two rates in force, each in its direction.
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:US", Some("country:CN"), 30.0)),
        "{t:?}"
    );
    assert!(
        t.contains(&measure("country:CN", Some("country:US"), 10.0)),
        "{t:?}"
    );
    // The truce ends on 12 August of the publication year.
    assert!(
        r.deadlines.iter().any(|d| d.date == "2025-08-12"),
        "{:?}",
        r.deadlines
    );
    // Constructive talks, an extension in view: the tone leans positive.
    assert!(r.trade_policy.relevant);
    assert_eq!(
        r.sentiment.label,
        SentimentLabel::Positive,
        "{:?}",
        r.sentiment
    );
}

// ------------------------------------------------------------------ totality

fn check_offsets(a: &Article) -> Result<(), TestCaseError> {
    let r = engine().enrich(a);
    let text = a.analysed_text();
    let chars: Vec<char> = text.chars().collect();
    for e in &r.entities {
        prop_assert_eq!(e.count as usize, e.mentions.len());
        for m in &e.mentions {
            prop_assert!(
                m.start < m.end && m.end <= chars.len(),
                "{:?} outside {} chars",
                m,
                chars.len()
            );
            let slice: String = chars[m.start..m.end].iter().collect();
            prop_assert_eq!(&slice, &m.text);
        }
    }
    prop_assert!((-1.0..=1.0).contains(&r.sentiment.score));
    prop_assert!((0.0..=1.0).contains(&r.trade_policy.score));
    Ok(())
}

#[test]
fn a_name_glued_inside_a_longer_token_keeps_exact_offsets() {
    // Found by the property test below: "US’China" is one token.
    check_offsets(&article("China", "US’China")).unwrap();
    check_offsets(&article("", "Canada-U.S. talks on U.S.-China tariffs")).unwrap();
}

/// Words that make the detectors fire, to mix into random text.
const VOCAB: &[&str] = &[
    "China",
    "U.S.",
    "US",
    "Georgia",
    "Jordan",
    "Turkey",
    "china",
    "tariff",
    "tariffs",
    "50%",
    "fifty",
    "percent",
    "per",
    "cent",
    "imposes",
    "on",
    "goods",
    "said",
    "Minister",
    "Wang",
    "Wentao",
    ",",
    "a",
    "former",
    "analyst",
    "at",
    "Partners",
    "Research",
    "NBA",
    "Commerce",
    "Ministry",
    "'s",
    "’s",
    "August",
    "12",
    "deadline",
    "90-day",
    "pause",
    "from",
    "May",
    "14",
    "Šefčovič",
    "Zoë",
    "not",
    "very",
    "could",
    "\n",
    ".",
    "\"",
    "(",
    ")",
    "-",
    "—",
    "Li",
    "Chenggang",
    "Michael",
    "&",
    "Ofgem",
    "regulator",
    "the",
    "LET",
    "TALK",
    "🙂",
    "é",
    "ß",
    "Reps.",
    "and",
];

fn vocab_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 0..80).prop_map(|w| w.join(" "))
}

/// The name and phrase matches with walks that resume after a word's run
/// (as the tokenizer sets them up) equal those of walks from the start.
fn resumed_walks_match_fresh_walks(title: &str, body: &str) -> Result<(), TestCaseError> {
    let m = &engine().model;
    let a = article(title, body);
    let text = a.analysed_text();
    let doc = Doc::new(&text, title.len(), &m.lex.abbreviation, &m.lex.words);
    let fresh = |starts: &[gazetteer::Start]| -> Vec<gazetteer::Start> {
        starts.iter().map(|s| gazetteer::Start::at(s.at)).collect()
    };
    let spans = |hits: &[gazetteer::Hit<'_>]| -> Vec<(usize, usize, Vec<usize>)> {
        hits.iter()
            .map(|h| (h.start, h.end, h.payloads.to_vec()))
            .collect()
    };
    let [resumed] = m.names.find(&doc, &doc.name_starts);
    let [walked] = m.names.find(&doc, &fresh(&doc.name_starts));
    prop_assert_eq!(spans(&resumed), spans(&walked));
    let [r1, r2] = m.phrases.find(&doc, &doc.phrase_starts);
    let [w1, w2] = m.phrases.find(&doc, &fresh(&doc.phrase_starts));
    prop_assert_eq!(spans(&r1), spans(&w1));
    prop_assert_eq!(spans(&r2), spans(&w2));
    Ok(())
}

#[test]
fn resumed_walks_find_what_fresh_walks_find_in_a_trade_story() {
    let text = "U.S. Treasury Secretary Scott Bessent met Chinese Vice Premier He Lifeng \
        in Stockholm; the European Union, Japan and the United Kingdom watched. \
        Tariffs of 30% on Chinese goods, export controls on rare earths and a \
        trade war truce until August 12 were on the table, said the WTO.";
    for t in [text.to_owned(), text.to_uppercase(), text.to_lowercase()] {
        resumed_walks_match_fresh_walks("Trade talks in Stockholm", &t).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resumed_walks_find_what_fresh_walks_find(title in vocab_text(), body in vocab_text(), noise in ".{0,60}") {
        resumed_walks_match_fresh_walks(&title, &format!("{body} {noise} {title}"))?;
    }

    #[test]
    fn arbitrary_strings_never_panic_and_mentions_slice_exactly(title in ".{0,40}", body in ".{0,400}") {
        check_offsets(&article(&title, &body))?;
    }

    #[test]
    fn random_trade_like_articles_have_exact_mentions(title in vocab_text(), body in vocab_text(), glue in "[ \n.,'’-]{0,3}") {
        let body = format!("{body}{glue}{title}");
        check_offsets(&article(&title, &body))?;
    }
}

#[test]
fn a_tariff_falling_from_one_level_to_another_has_both_rates() {
    let r = run(
        "Seoul beef duty",
        "Seoul's duty on Australian beef will drop from 40 per cent to 16 per cent by 2028.",
    );
    let t = tariffs(&r);
    for rate in [40.0, 16.0] {
        assert!(
            t.contains(&measure("country:KR", Some("country:AU"), rate)),
            "{t:?}"
        );
    }
}

#[test]
fn a_range_between_two_numbers_shares_the_unit_of_the_second() {
    let r = run(
        "Brazil tyre duty",
        "Brazil will set its tariff on Chinese tyres at between 25 and 35 percent.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:BR", Some("country:CN"), 25.0)),
        "{t:?}"
    );
    // A range in a sentence without a tariff word is still no rate.
    let r = run(
        "Brazil tyre duty",
        "Brazil will set its tariff on Chinese tyres at 35 percent. Growth will be between 2 and 3 percent.",
    );
    assert!(!tariffs(&r).iter().any(|t| t.2 == 2.0), "{:?}", tariffs(&r));
}

#[test]
fn coordinated_demonyms_before_goods_are_all_targets() {
    let r = run(
        "Ankara levy",
        "Turkey's new 20% levy will apply to Iranian and Syrian petrochemical products.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:TR", Some("country:IR"), 20.0),
            measure("country:TR", Some("country:SY"), 20.0),
        ]
    );
}

#[test]
fn the_non_national_content_of_goods_names_no_party() {
    let r = run(
        "Car tariff",
        "The U.S. charges a 25 percent tariff on the non-Japanese content of vehicles built in Canada.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:CA"), 25.0)]
    );
}

#[test]
fn producers_in_a_country_make_it_the_target() {
    let r = run(
        "Mexico duties",
        "Mexico set duties on Chinese steel at 30%, and at 15% for producers in Vietnam.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:MX", Some("country:VN"), 15.0)),
        "{t:?}"
    );
}

#[test]
fn a_possessive_without_its_tariff_word_imposes_the_rate_after_it() {
    let r = run(
        "Truce",
        "Under the truce, U.S. tariffs on Chinese steel fell to 20 per cent and China's on American pork to 5 per cent.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:CN"), 20.0),
            measure("country:CN", Some("country:US"), 5.0),
        ]
    );
}

#[test]
fn an_average_tariff_rate_falls_on_no_one_country() {
    let r = run(
        "Japan tariffs",
        "Japan's tariffs on U.S. beef are 22%. The average Japanese tariff rate is about 4%.",
    );
    let t = tariffs(&r);
    assert!(t.contains(&measure("country:JP", None, 4.0)), "{t:?}");
}

#[test]
fn goods_that_enter_a_country_pay_its_tariff() {
    let r = run(
        "Rice deal",
        "Thai rice will enter the Philippines at a 15 percent tariff under the deal.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:PH", Some("country:TH"), 15.0)]
    );
}

#[test]
fn a_cells_nuclear_export_is_not_trade_policy() {
    let r = run(
        "Export inhibitor slows leukaemia in early study",
        "Researchers in Germany and the United States said a compound that blocks nuclear export, the route by which proteins leave the nucleus, shrank tumours in mice. The cell's export controls are a target for cancer drugs, and patients in a clinical trial in Japan will get it next year.",
    );
    assert!(!r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert!(!has(&r, "instrument:export-control"), "{:?}", ids(&r));
    // The trade sense stays, patients or not.
    let r = run(
        "Tokyo tightens chip export controls",
        "Japan widened export controls on chipmaking tools to China, a move hospitals fear could slow scanners for cancer patients.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert!(has(&r, "instrument:export-control"), "{:?}", ids(&r));
}

#[test]
fn a_royal_title_marks_a_single_name() {
    let r = run(
        "Norway fair",
        "Queen Sonja toured the harbour in Oslo. King Harald V met exporters at the fair. Farmers from Prince Edward Island and shops on King Street took part.",
    );
    // A single name keeps its title ("Queen Sonja"); a regnal number
    // names the monarch without it ("Harald V").
    assert!(has(&r, "person:queen-sonja"), "{:?}", ids(&r));
    assert_eq!(
        entity(&r, "person:queen-sonja").role.as_deref(),
        Some("Queen")
    );
    assert!(has(&r, "person:harald-v"), "{:?}", ids(&r));
    let persons: Vec<&str> = ids(&r)
        .into_iter()
        .filter(|id| id.starts_with("person:"))
        .collect();
    assert_eq!(persons, ["person:queen-sonja", "person:harald-v"]);
}

#[test]
fn a_demonym_before_a_foreign_body_is_part_of_its_name() {
    let r = run(
        "Lake study",
        "Maja Berg, a chemist at the Swedish Environmental Protection Agency, said the levels vary.",
    );
    assert!(
        has(&r, "org:swedish-environmental-protection-agency"),
        "{:?}",
        ids(&r)
    );
    let org = entity(&r, "org:swedish-environmental-protection-agency");
    assert_eq!(org.country.as_deref(), Some("country:SE"));
}

#[test]
fn a_possessive_inside_an_organisation_name_stays_in_it() {
    let r = run(
        "Fund backs deal",
        "The Children's Investment Fund backed the trade deal. China's Commerce Ministry welcomed it.",
    );
    assert!(has(&r, "org:childrens-investment-fund"), "{:?}", ids(&r));
    assert!(has(&r, "org:mofcom"), "{:?}", ids(&r));
    assert!(!has(&r, "org:investment-fund"), "{:?}", ids(&r));
}

#[test]
fn datelines_with_a_colon_titles_in_capitals_and_shouted_brands_are_no_organisations() {
    let r = run(
        "Brussels votes",
        "VIENNA: Ministers met on Monday. Anna Cavazzini, the German MEP, said the deal was fair. Acme registered SILVER SPOON as a trade mark. Industry body Grain & Feed Trade Council said the duty would go.",
    );
    let orgs: Vec<&str> = ids(&r)
        .into_iter()
        .filter(|id| id.starts_with("org:"))
        .collect();
    assert_eq!(orgs, ["org:grain-and-feed-trade-council"]);
}

#[test]
fn an_age_a_title_set_off_before_and_a_relative_mark_persons() {
    let r = run(
        "Ferry owner",
        "Oskar Lindqvist, 41, runs a ferry across the strait. The bill was tabled by the Chief Secretary, Moira Blackwood, during the debate. His widow, Ines Carvalho, said the family was relieved.",
    );
    for id in [
        "person:oskar-lindqvist",
        "person:moira-blackwood",
        "person:ines-carvalho",
    ] {
        assert!(has(&r, id), "{id}: {:?}", ids(&r));
    }
    assert_eq!(
        entity(&r, "person:moira-blackwood").role.as_deref(),
        Some("Chief Secretary")
    );
}

#[test]
fn the_end_of_a_pause_on_tariffs_is_no_relief() {
    let r = run(
        "U.S. tariffs on Mexican steel",
        "Mexican steelmakers braced for Friday, when the pause on the tariffs ends, trade officials said. Washington set the duty at 25%.",
    );
    assert!(r.trade_policy.relevant);
    assert_ne!(
        r.sentiment.label,
        SentimentLabel::Positive,
        "{:?}",
        r.sentiment
    );
    // Extending the pause still is.
    let r = run(
        "U.S. tariffs on Mexican steel",
        "Washington extended the pause on the tariffs on Mexican steel for 90 days, trade officials said.",
    );
    assert_eq!(
        r.sentiment.label,
        SentimentLabel::Positive,
        "{:?}",
        r.sentiment
    );
}

#[test]
fn a_rate_after_and_with_its_verb_left_out_falls_on_the_party_before_it() {
    let r = run(
        "Chile faces 15% U.S. duty and Peru 10%",
        "Under the new schedule, products from Colombia will pay a 12 percent U.S. tariff, and those from Ecuador and Bolivia 18 percent.",
    );
    let t = tariffs(&r);
    for want in [
        measure("country:US", Some("country:CL"), 15.0),
        measure("country:US", Some("country:PE"), 10.0),
        measure("country:US", Some("country:CO"), 12.0),
        measure("country:US", Some("country:EC"), 18.0),
        measure("country:US", Some("country:BO"), 18.0),
    ] {
        assert!(t.contains(&want), "{want:?} not in {t:?}");
    }
    assert_eq!(t.len(), 5, "{t:?}");
}

#[test]
fn a_headline_rate_that_rounds_the_bodys_gives_no_second_measure() {
    let r = run(
        "Canada sets 12% duty on Chinese steel wire",
        "Canada will charge a provisional duty of 12.4% on steel wire from China, the border agency said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CA", Some("country:CN"), 12.4)]
    );
    // A headline rate the body does not round stays.
    let r = run(
        "Canada sets 15% duty on Chinese steel wire",
        "Canada will charge a provisional duty of 12.4% on steel wire from China, the border agency said.",
    );
    assert_eq!(tariffs(&r).len(), 2, "{:?}", tariffs(&r));
}

#[test]
fn its_in_a_relative_clause_is_the_main_clauses_subject() {
    let r = run(
        "Gulf trade",
        "Washington lifted its levies on Kenyan coffee to 20 percent last year. Now Qatar will remove duties on most Kenyan products, which currently pay its usual tariff of 4 percent.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:QA", Some("country:KE"), 4.0)),
        "{t:?}"
    );
    assert!(
        !t.contains(&measure("country:US", Some("country:KE"), 4.0)),
        "{t:?}"
    );
}

#[test]
fn a_levy_on_revenue_is_a_tax_not_a_tariff() {
    let r = run(
        "Paris keeps tech levy",
        "France will keep its 3 percent levy on revenues that large platforms earn from French users, despite Washington's 10 percent tariff on French wine.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:FR"), 10.0)]
    );
}

#[test]
fn a_paid_rate_right_after_a_tariff_sentence_goes_on_with_its_tariff() {
    let title = "Brazil and the U.S.";
    let body = "Brazilian goods face a 10% U.S. tariff on most exports. Coffee and beef have paid 40% since August.";
    let r = run(title, body);
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:US", Some("country:BR"), 40.0)),
        "{t:?}"
    );
    // Without a tariff rate just before, a paid share is none.
    let r = run(
        title,
        "Brazilian goods face a 10% U.S. tariff on most exports. Analysts were upbeat. Coffee and beef have paid 40% since August.",
    );
    let t = tariffs(&r);
    assert!(t.iter().all(|m| m.2 != 40.0), "{t:?}");
}

#[test]
fn a_welfare_subsidy_is_not_trade_policy() {
    let r = run(
        "Subsidised childcare widens for New Zealand families",
        "Families in New Zealand can claim subsidised childcare for 30 hours a week from July, the government said. The childcare subsidy covers 80 per cent of fees for low-income households, and the rate falls as income rises. Providers said demand for daycare places would grow.",
    );
    assert!(!r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert!(!has(&r, "instrument:subsidy"), "{:?}", ids(&r));
    // Subsidies to an industry that a trading partner contests still are.
    let r = run(
        "Washington challenges Chinese steel subsidies",
        "The United States asked the WTO to rule on Chinese subsidies to steelmakers, saying they distort trade, and threatened countervailing duties.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
}

#[test]
fn racehorses_named_for_trade_words_are_no_trade_policy() {
    let r = run(
        "Quota Buster wins at Ascot as Free Trade fades",
        "ASCOT, England (Wire Sport) - Quota Buster, a five-year-old gelding, won the handicap over seven furlongs, with the filly Free Trade fading to fourth. The jockey said the colt had travelled well. Bookmakers cut Quota Buster for the next big race, and the trainer said the tariff of weights had suited him.",
    );
    assert!(!r.trade_policy.relevant, "{:?}", r.trade_policy);
}

#[test]
fn shutting_a_partner_out_of_public_tenders_is_trade_policy() {
    let r = run(
        "Japan shuts Korean firms out of rail tenders in tit-for-tat step",
        "Japan will bar South Korean companies from public tenders for railway signalling, retaliating against a Korean rule that excluded Japanese bidders. Officials in Seoul called it protectionism. Hospitals and schools are not covered by the restriction.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
}

#[test]
fn calling_a_measure_discriminatory_is_hostile_but_non_discriminatory_is_not() {
    let r = run(
        "China faults U.S. chip rules",
        "China's commerce ministry said the new U.S. export controls on chips were discriminatory. Beijing will study the rules, it said.",
    );
    assert_eq!(
        r.sentiment.label,
        SentimentLabel::Negative,
        "{:?}",
        r.sentiment
    );
    let r = run(
        "EU sets EV price deal terms",
        "China urged Brussels to handle the price undertakings on its electric cars in a fair and non-discriminatory way. Talks on the tariffs will continue.",
    );
    assert_ne!(
        r.sentiment.label,
        SentimentLabel::Negative,
        "{:?}",
        r.sentiment
    );
}

#[test]
fn british_irish_and_accented_given_names_mark_a_person() {
    let r = run(
        "Port strike",
        "Niamh Brennan, who runs a haulage firm in Dover, said queues grew. Ramón Ibáñez, who exports olive oil, agreed.",
    );
    assert!(has(&r, "person:niamh-brennan"), "{:?}", ids(&r));
    assert!(has(&r, "person:ramon-ibanez"), "{:?}", ids(&r));
}

#[test]
fn registries_congresses_and_devolved_governments_are_bodies() {
    let r = run(
        "UK property",
        "Figures from HM Land Registry showed prices rose. The Welsh Government and the Trades Union Congress urged talks, and the Scottish Government said it was not a party.",
    );
    for id in [
        "org:hm-land-registry",
        "org:welsh-government",
        "org:tuc",
        "org:scottish-government",
    ] {
        assert!(has(&r, id), "{id} not in {:?}", ids(&r));
    }
    assert!(!has(&r, "org:congress"), "{:?}", ids(&r));
}

#[test]
fn a_plural_title_marks_both_coordinated_names_even_one_opening_with_a_place() {
    let r = run(
        "Sanctions",
        "Washington sanctioned the government of co-presidents Carlos Ruiz and Florence Mbeki. Senators Jane Doe and Victoria Achebe welcomed it.",
    );
    for id in [
        "person:carlos-ruiz",
        "person:florence-mbeki",
        "person:jane-doe",
        "person:victoria-achebe",
    ] {
        assert!(has(&r, id), "{id} not in {:?}", ids(&r));
    }
    assert!(!has(&r, "location:florence"), "{:?}", ids(&r));
}

#[test]
fn crude_edible_oils_and_military_planes_are_no_traded_commodities() {
    let r = run(
        "India trims duty on edible oils",
        "India cut the import duty on crude palm oil and crude sunflower oil to 10 per cent. The U.S. sent military planes to carry the delegation to New Delhi for tariff talks.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert!(!has(&r, "commodity:crude-oil"), "{:?}", ids(&r));
    assert!(!has(&r, "commodity:aircraft"), "{:?}", ids(&r));
    // Crude oil and aircraft as goods still count.
    let r = run(
        "India trims duty on crude",
        "India cut the import duty on crude oil to 1 per cent and on aircraft parts to zero.",
    );
    assert!(has(&r, "commodity:crude-oil"), "{:?}", ids(&r));
}

#[test]
fn a_countrys_possessive_marks_the_given_name_after_it_as_a_person() {
    let r = run(
        "Summit",
        "Chile's Camila Ortúzar and Peru's Santiago Quispe signed the customs accord in Lima.",
    );
    assert!(has(&r, "person:camila-ortuzar"), "{:?}", ids(&r));
    assert!(has(&r, "person:santiago-quispe"), "{:?}", ids(&r));
    assert!(!has(&r, "location:santiago"), "{:?}", ids(&r));
    // A firm owned by a country is no person, and a bare place stays one.
    let r = run(
        "",
        "Germany's Deutsche Bahn ordered trains. Talks moved to Santiago on Friday.",
    );
    assert!(
        !r.entities.iter().any(|e| e.kind == EntityKind::Person),
        "{:?}",
        ids(&r)
    );
    assert!(has(&r, "location:santiago"), "{:?}", ids(&r));
}

/// Asserts the label of each headline over one neutral body line.
fn assert_headline_tones(negative: &[&str], positive: &[&str]) {
    let body = "The measure on imports takes effect next month, the trade ministry said.";
    for (titles, want) in [
        (negative, SentimentLabel::Negative),
        (positive, SentimentLabel::Positive),
    ] {
        for &title in titles {
            let s = run(title, body).sentiment;
            assert_eq!(s.label, want, "{title}: {s:?}");
        }
    }
}

#[test]
fn ordering_setting_or_adopting_a_tariff_imposes_it_unless_it_is_a_cut() {
    assert_headline_tones(
        &[
            "Brazil orders 40% tariff on imported steel coils",
            "Canada adopts new duties on Chinese steel wire",
            "Mexico sets 30 percent levy on imported footwear",
        ],
        // The same verbs announcing relief are relief.
        &[
            "Chile announces tariff cuts on farm goods",
            "EU extends tariff suspension on Ukrainian grain",
        ],
    );
}

#[test]
fn a_demonym_before_a_breed_names_the_breed_not_the_country() {
    let r = run(
        "Dog show",
        "A German shepherd beat an Irish setter, a Portuguese water dog and a Chinese crested in the final.",
    );
    for id in ["country:DE", "country:IE", "country:PT", "country:CN"] {
        assert!(!has(&r, id), "{id} in {:?}", ids(&r));
    }
    // German water companies and Irish exporters are still the countries.
    let r = run(
        "",
        "German water companies and Irish exporters protested the new levy.",
    );
    assert!(has(&r, "country:DE"), "{:?}", ids(&r));
    assert!(has(&r, "country:IE"), "{:?}", ids(&r));
}

#[test]
fn england_is_the_united_kingdom_and_new_england_a_us_region() {
    let r = run(
        "",
        "LEEDS, England, May 2 (Wire) - Exporters in England fear the levy.",
    );
    assert!(has(&r, "country:GB"), "{:?}", ids(&r));
    let r = run("", "Snow is forecast for New England on Monday.");
    assert!(!has(&r, "country:GB"), "{:?}", ids(&r));
    assert!(has(&r, "location:new-england"), "{:?}", ids(&r));
}

#[test]
fn a_party_that_agreed_to_a_rate_is_its_target() {
    let r = run(
        "Washington trade deals",
        "Malaysia, which agreed in July to a 19% rate, said its chip exports to the United States were exempt.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:MY"), 19.0)]
    );
}

#[test]
fn georgia_beside_a_us_state_is_the_state() {
    let r = run(
        "Graphite duty",
        "Battery plants in Georgia and Tennessee will pay more after the anti-dumping duty on graphite.",
    );
    assert!(!has(&r, "country:GE"), "{:?}", ids(&r));
    let r = run(
        "Wine tariff",
        "Georgia and Armenia asked the EU to cut the tariff on their wine.",
    );
    assert!(has(&r, "country:GE"), "{:?}", ids(&r));
}

#[test]
fn narcotics_and_cooking_gas_are_no_traded_medicines_or_natural_gas() {
    let r = run(
        "Tariffs over fentanyl",
        "Washington kept its 20% tariff on Chinese goods over drug trafficking, and India exempted cooking gas from its import duty.",
    );
    assert!(r.trade_policy.relevant, "{:?}", r.trade_policy);
    assert!(!has(&r, "commodity:pharmaceuticals"), "{:?}", ids(&r));
    assert!(!has(&r, "commodity:natural-gas"), "{:?}", ids(&r));
    let r = run(
        "Tariffs on medicines",
        "Washington put a 100% tariff on branded drugs and a 10% duty on natural gas imports.",
    );
    assert!(has(&r, "commodity:pharmaceuticals"), "{:?}", ids(&r));
    assert!(has(&r, "commodity:natural-gas"), "{:?}", ids(&r));
}

#[test]
fn a_plural_role_marks_every_name_of_the_list_after_it() {
    let r = run(
        "",
        "The club is built around the Korean stars Min-jun Baek, Seo-yeon Hwang and Ji-ho Ryu.",
    );
    for id in [
        "person:min-jun-baek",
        "person:seo-yeon-hwang",
        "person:ji-ho-ryu",
    ] {
        assert!(has(&r, id), "{id} not in {:?}", ids(&r));
    }
    // A singular title before a comma opens no list.
    let r = run(
        "",
        "Trade Minister Jane Roe, Harbour Wire reported, met exporters.",
    );
    assert!(!has(&r, "person:harbour-wire"), "{:?}", ids(&r));
}

#[test]
fn a_handler_set_off_before_a_name_marks_a_person() {
    let r = run("", "Her handler, Oona Feld, said the dog would retire.");
    assert!(has(&r, "person:oona-feld"), "{:?}", ids(&r));
}

#[test]
fn a_title_word_can_open_a_bodys_name_but_a_titled_person_cannot() {
    let r = run(
        "",
        "Carmakers asked the Executive Management Committee of the Chamber of Foreign Trade to lower duties.",
    );
    assert!(
        has(
            &r,
            "org:executive-management-committee-of-the-chamber-of-foreign-trade"
        ),
        "{:?}",
        ids(&r)
    );
    let r = run("", "Prime Minister Ana Lopes Council members met.");
    assert!(
        !r.entities
            .iter()
            .any(|e| e.kind == EntityKind::Organization && e.name.starts_with("Prime")),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn the_subject_of_a_clause_opened_by_a_conjunction_does_not_impose_the_rate_before_it() {
    let r = run(
        "",
        "Washington raised the tariff on Chinese imports to 125% after Beijing imposed an 84% levy on American goods.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:CN"), 125.0),
            measure("country:CN", Some("country:US"), 84.0),
        ]
    );
}

#[test]
fn a_rate_that_repeats_an_earlier_stated_rate_is_that_measure() {
    let r = run(
        "Chip tariff threat",
        "Washington would impose a tariff of about 100% on imported semiconductors. Rates of 20% on goods from Malaysia take effect on Thursday. \"A 100% tariff with no details is a recipe for paralysis,\" an economist said.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", None, 100.0),
            measure("country:US", Some("country:MY"), 20.0),
        ]
    );
}

#[test]
fn two_earlier_levels_after_from_pair_in_order_with_the_two_measures_before() {
    let r = run(
        "",
        "Canadian duties on Indian lentils now stand at 20 percent and India's tariffs on Canadian steel at 15 percent, down from 50 percent and 40 percent.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:CA", Some("country:IN"), 20.0),
            measure("country:IN", Some("country:CA"), 15.0),
            measure("country:CA", Some("country:IN"), 50.0),
            measure("country:IN", Some("country:CA"), 40.0),
        ]
    );
}

#[test]
fn a_central_bank_resolves_to_its_own_countrys_bank() {
    let r = run(
        "Lithium exports",
        "Chinese miners bought the Arcadia project. Zimbabwe earned $530 million from lithium exports, according to central bank figures, and Ghana's central bank said gold exports rose.",
    );
    assert!(has(&r, "org:reserve-bank-of-zimbabwe"), "{:?}", ids(&r));
    assert!(has(&r, "org:bank-of-ghana"), "{:?}", ids(&r));
    assert!(!has(&r, "org:pboc"), "{:?}", ids(&r));
}

#[test]
fn suspending_or_scrapping_a_tariff_cut_raises_the_barrier_again() {
    assert_headline_tones(
        &[
            "Beijing suspends tariff cuts on Taiwanese chemicals",
            "Ankara will withdraw duty concessions for Iraqi dates",
        ],
        // Granting the same relief, or suspending the barrier itself, is
        // relief.
        &[
            "Vietnam grants tariff concessions on Indian rice",
            "Canada suspends tariffs on U.S. orange juice",
        ],
    );
}

#[test]
fn tripling_or_quadrupling_a_tariff_imposes_it() {
    let r = run(
        "",
        "Analysts cited Canada, which in March tripled its surtax on Chinese steel to 75%, and Turkey, which last year raised duties on Chinese cars by 40%.",
    );
    assert!(
        tariffs(&r).contains(&measure("country:CA", Some("country:CN"), 75.0)),
        "{:?}",
        tariffs(&r)
    );
}

#[test]
fn a_list_after_from_is_no_subject_of_the_next_verb() {
    // The second verb shares the first one's subject, not the last country
    // of the list the first verb's preposition governs.
    let r = run(
        "",
        "Ottawa said Washington placed 35% tariffs on imports from Brazil and India and raised its levy on Chinese goods to 50%.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("country:US", Some("country:CN"), 50.0)),
        "{t:?}"
    );
    assert!(
        !t.iter().any(|m| m.0 == "country:IN" && m.2 == 50.0),
        "{t:?}"
    );
}

#[test]
fn an_arabic_article_glued_to_a_surname_stays_inside_the_name() {
    let r = run(
        "",
        "Iraqi Prime Minister Mohammed Shia al-Sudani met the envoy, and sanctions on former President Saddam al-Tikriti's relatives stay.",
    );
    assert!(has(&r, "person:mohammed-shia-al-sudani"), "{:?}", ids(&r));
    let r = run(
        "",
        "Yemeni Foreign Minister Khalid al-Yamani spoke on Monday.",
    );
    let e = entity(&r, "person:khalid-al-yamani");
    assert_eq!(e.country.as_deref(), Some("country:YE"), "{e:?}");
}

#[test]
fn the_commission_in_an_eu_story_is_the_european_commission() {
    let r = run(
        "EU ministers back a ban on Russian fertiliser",
        "Ministers of the 27 EU states approved the ban on Tuesday. The Commission will propose the tariff schedule next month.",
    );
    assert!(has(&r, "org:european-commission"), "{:?}", ids(&r));
    // Without the EU, a commission is someone else's.
    let r = run(
        "",
        "Canada's lumber mills lost the case. The Commission will publish its reasons next month.",
    );
    assert!(!has(&r, "org:european-commission"), "{:?}", ids(&r));
    // A longer name ending in the word is its own body.
    let r = run(
        "",
        "The EU welcomed the ruling, and Australia's Anti-Dumping Commission kept its duties on Chinese steel.",
    );
    assert!(!has(&r, "org:european-commission"), "{:?}", ids(&r));
    assert!(has(&r, "org:anti-dumping-commission"), "{:?}", ids(&r));
}

#[test]
fn a_party_before_a_contest_noun_names_the_contest() {
    let r = run(
        "Thailand beat Vietnam in the ASEAN Championship final",
        "The ASEAN Championship drew record crowds, and a Chilean runner won the Mexico City Marathon.",
    );
    assert!(!has(&r, "bloc:ASEAN"), "{:?}", ids(&r));
    // The countries that play are still named; the bloc in its own right too.
    assert!(
        has(&r, "country:TH") && has(&r, "country:VN"),
        "{:?}",
        ids(&r)
    );
    let r = run(
        "",
        "ASEAN ministers met before the European Cup final, and the EU offered a tariff cut.",
    );
    assert!(has(&r, "bloc:ASEAN") && has(&r, "bloc:EU"), "{:?}", ids(&r));
}

#[test]
fn sealing_signing_or_upgrading_a_pact_in_the_present_is_good_news() {
    for title in [
        "Canada and Ecuador seal trade pact after two years of talks",
        "India and Oman clinch trade accord",
        "Chile and South Korea upgrade their free trade agreement",
    ] {
        let s = run(title, "Officials said the agreement covers farm goods.").sentiment;
        assert_eq!(s.label, SentimentLabel::Positive, "{title}: {s:?}");
    }
    // "Signs of" a slowdown is no signing.
    let s = run(
        "Exports show signs of slowing",
        "Trade data for May showed signs of a slowdown in shipments to Japan.",
    )
    .sentiment;
    assert_ne!(s.label, SentimentLabel::Positive, "{s:?}");
}

#[test]
fn a_free_trade_area_with_members_is_a_bloc_and_an_agreement() {
    let r = run(
        "",
        "Kenya and Ghana urged members of the AfCFTA to cut tariffs on each other's tea and cocoa.",
    );
    assert!(has(&r, "bloc:AFCFTA"), "{:?}", ids(&r));
    assert!(has(&r, "instrument:trade-agreement"), "{:?}", ids(&r));
    // A bare agreement stays an agreement only.
    let r = run(
        "",
        "Canada asked for the USMCA trade pact review to cover U.S. tariffs on its lumber.",
    );
    assert!(!has(&r, "bloc:USMCA"), "{:?}", ids(&r));
    assert!(has(&r, "instrument:trade-agreement"), "{:?}", ids(&r));
}

#[test]
fn a_countrys_ministry_missing_from_the_gazetteer_is_still_its_ministry() {
    let r = run(
        "",
        "Senegal's Trade Ministry said the new duties on Gambian onions would stay.",
    );
    let e = entity(&r, "org:trade-ministry");
    assert_eq!(e.country.as_deref(), Some("country:SN"), "{e:?}");
    // A country whose ministry the gazetteer has keeps that one.
    let r = run(
        "",
        "China's Commerce Ministry said the new duties on Australian wine would stay.",
    );
    assert!(has(&r, "org:mofcom"), "{:?}", ids(&r));
    assert!(!has(&r, "org:commerce-ministry"), "{:?}", ids(&r));
}

#[test]
fn a_shouted_phrase_inside_a_sentence_holds_words_not_acronyms() {
    let r = run(
        "",
        "The minister posted that Japan would put a 90% Tariff on all CHEESES, WINES, & DAIRY GOODS COMING OUT OF CANADA AND OTHER G7 COUNTRIES, then deleted it.",
    );
    let orgs: Vec<&str> = ids(&r)
        .into_iter()
        .filter(|id| id.starts_with("org:"))
        .collect();
    assert!(orgs.is_empty(), "{orgs:?}");
    // A list of acronyms joined by a lower-case "and" is still bodies.
    let r = run(
        "",
        "Officials of the OECD, the IEA, the FAO and the ICC met in Rome.",
    );
    for id in ["org:oecd", "org:iea", "org:fao", "org:icc"] {
        assert!(has(&r, id), "{id}: {:?}", ids(&r));
    }
}

#[test]
fn the_party_that_agreed_a_rate_pays_it_and_a_rate_told_to_a_party_falls_on_it() {
    let r = run(
        "Thailand seals tariff deal with U.S.",
        "Thailand will pay 19% on its exports to the United States under the trade deal. The rate compares with the 20% agreed by the Philippines in June and the 30% that Washington has told Brazil and Chile to expect.",
    );
    let t = tariffs(&r);
    for m in [
        measure("country:US", Some("country:TH"), 19.0),
        measure("country:US", Some("country:PH"), 20.0),
        measure("country:US", Some("country:BR"), 30.0),
        measure("country:US", Some("country:CL"), 30.0),
    ] {
        assert!(t.contains(&m), "{m:?} not in {t:?}");
    }
    assert!(!t.iter().any(|m| m.0 == "country:PH"), "{t:?}");
}

#[test]
fn an_excise_tax_or_stamp_duty_is_no_tariff() {
    let r = run(
        "Peru cuts import tariffs on laptops",
        "Peru will cut its import tariff on laptops to 4% from 11%. It will also lower the excise tax on imported laptops to 6% from 12%, and a stamp duty of 2% on the sale stays.",
    );
    let rates: Vec<f64> = tariffs(&r).iter().map(|m| m.2).collect();
    assert!(rates.contains(&4.0), "{rates:?}");
    for not_tariff in [6.0, 12.0, 2.0] {
        assert!(!rates.contains(&not_tariff), "{not_tariff} in {rates:?}");
    }
}

#[test]
fn a_rate_whose_usual_imposer_is_its_own_target_falls_to_the_other_party() {
    // "the India tariffs" names India as an imposer; the rate it pays is
    // someone else's.
    let r = run(
        "EU weighs safeguard review",
        "Indian steel pays a 12 percent duty under a review of the India tariffs due in March.",
    );
    let t = tariffs(&r);
    assert!(
        t.contains(&measure("bloc:EU", Some("country:IN"), 12.0)),
        "{t:?}"
    );
}

#[test]
fn both_sides_setting_a_rate_set_it_on_each_other() {
    let r = run(
        "Canada and Mexico trim tariffs",
        "Canada halved its duty on Mexican cement to 8 per cent, and both sides kept a 5 per cent levy on each other's glass.",
    );
    let t = tariffs(&r);
    for m in [
        measure("country:CA", Some("country:MX"), 5.0),
        measure("country:MX", Some("country:CA"), 5.0),
    ] {
        assert!(t.contains(&m), "{m:?} not in {t:?}");
    }
    // A pact "between the two countries" is no subject.
    let r = run(
        "Turkey threatens tariffs",
        "Ankara said it would end the pact between the two countries and impose a 60% tariff on goods from Greece.",
    );
    let t = tariffs(&r);
    assert!(!t.iter().any(|m| m.0 == "country:GR"), "{t:?}");
}

#[test]
fn curbs_and_licences_are_export_controls_only_beside_export_controls() {
    let r = run(
        "Japan lifts curbs on U.S. beef",
        "Japan lifted its last curbs on U.S. beef imports on Monday, and importers no longer need special licences, the farm ministry said, as tariffs on beef fall under the trade deal.",
    );
    assert!(r.trade_policy.relevant);
    assert!(!has(&r, "instrument:export-control"), "{:?}", ids(&r));
    let r = run(
        "U.S. tightens chip export controls",
        "Washington widened its export controls on chips to China, and the new curbs require licences for shipments of older tools.",
    );
    // Twice by name, then the curbs and the licences.
    assert_eq!(entity(&r, "instrument:export-control").count, 4);
}

#[test]
fn a_country_named_in_a_seas_name_is_not_the_country() {
    let r = run(
        "Ghana cuts port tariffs",
        "Tankers in the Gulf of Guinea and the Sea of Japan pay lower duties at Tema, Ghana said.",
    );
    assert!(has(&r, "country:GH"), "{:?}", ids(&r));
    for id in ["country:GN", "country:JP"] {
        assert!(!has(&r, id), "{id}: {:?}", ids(&r));
    }
}

#[test]
fn farm_machinery_is_no_farm_product() {
    let r = run(
        "India raises tariffs on U.S. goods",
        "India will impose a 20% tariff on U.S. agricultural machinery and tractors from June 1.",
    );
    assert!(r.trade_policy.relevant);
    assert!(!has(&r, "commodity:agricultural-products"), "{:?}", ids(&r));
    let r = run(
        "India raises tariffs on U.S. goods",
        "India will impose a 20% tariff on U.S. agricultural products from June 1.",
    );
    assert!(has(&r, "commodity:agricultural-products"), "{:?}", ids(&r));
}

#[test]
fn a_speakers_apposition_may_be_a_title_in_capitals() {
    let r = run(
        "Ghana trade pact",
        "\"This deal gives our growers certainty,\" said Abena Owusu-Ansah, Ghana's Cabinet Secretary for Trade, Industry and Tourism.",
    );
    let p = entity(&r, "person:abena-owusu-ansah");
    assert_eq!(
        p.role.as_deref(),
        Some("Ghana's Cabinet Secretary for Trade")
    );
    assert_eq!(p.country.as_deref(), Some("country:GH"));
}

#[test]
fn a_party_label_before_a_name_is_a_title() {
    let r = run(
        "Senate vote",
        "The amendment, backed by Democrat Dana Whitcombe and Republican Senator Carl Brandt, passed. The Democrat Party and the Republican National Committee objected.",
    );
    assert_eq!(
        entity(&r, "person:dana-whitcombe").role.as_deref(),
        Some("Democrat")
    );
    assert!(has(&r, "person:carl-brandt"), "{:?}", ids(&r));
    assert!(
        !ids(&r)
            .iter()
            .any(|id| id.starts_with("person:")
                && (id.contains("party") || id.contains("committee"))),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_named_free_trade_agreement_is_the_agreement_instrument() {
    let r = run(
        "Peru and Korea review tariffs",
        "Officials said the Korea-Peru Free Trade Agreement has cut tariffs on copper and coffee since 2011.",
    );
    assert!(has(&r, "instrument:trade-agreement"), "{:?}", ids(&r));
    // A capitalised law's name is still no tariff mention.
    let r = run(
        "Tariff review",
        "Lawyers cited the Tariff Act of 1930 as tariffs on steel rose.",
    );
    assert_eq!(entity(&r, "instrument:tariff").count, 2);
}

#[test]
fn a_ban_on_another_countrys_goods_is_an_import_ban() {
    let r = run(
        "Japan lifts ban on Brazilian beef",
        "Japan will resume imports of Brazilian beef next month, ending a ban on Brazilian beef and pork imposed in 2021, the farm ministry said, as tariffs on meat fall under trade deals.",
    );
    assert!(has(&r, "instrument:import-ban"), "{:?}", ids(&r));
    // Named "import ban", the ban is one mention, not two.
    let r = run(
        "China lifts import ban on Australian beef",
        "China lifted its import ban on Australian beef on Friday, trade officials said, as tariffs on wine fell.",
    );
    assert_eq!(entity(&r, "instrument:import-ban").count, 2);
    // A ban on a country's athletes is no ban on goods.
    let r = run(
        "Japan cuts tariffs on Brazilian beef",
        "Japan cut tariffs on Brazilian beef under trade deals, while the federation kept its ban on Russian athletes.",
    );
    assert!(!has(&r, "instrument:import-ban"), "{:?}", ids(&r));
}

#[test]
fn this_sessions_tariff_patterns_cut_off_at_the_texts_end_do_not_panic() {
    for body in [
        "Thailand will pay 19% on exports to the United States under the trade deal, above the 20% agreed by",
        "Thailand will pay 19% on exports to the United States under the trade deal, above the 20% agreed by the",
        "U.S. tariffs rose to 25% that Washington has told",
        "Canada cut its tariff on Mexican steel to 8% as both sides",
        "China lifted a ban on Australian",
        "China lifted a ban on",
    ] {
        let r = run("Tariff deal", body);
        for t in &r.tariff_measures {
            assert!(t.rate_percent > 0.0, "{body}: {t:?}");
        }
    }
}

#[test]
fn a_pact_taking_effect_is_good_news_and_duties_taking_effect_are_not() {
    let pact = run(
        "Peru and Vietnam trade pact takes effect",
        "The agreement entered into force on Monday, the trade ministries said.",
    )
    .sentiment;
    assert_eq!(pact.label, SentimentLabel::Positive, "{pact:?}");
    let duties = run(
        "Peru's duties on Vietnamese rice take effect",
        "The duties entered into force on Monday, the trade ministries said.",
    )
    .sentiment;
    assert_ne!(duties.label, SentimentLabel::Positive, "{duties:?}");
}

#[test]
fn the_subject_of_a_passive_imposing_verb_pays_the_rate() {
    // "have been charged": the roses pay, Kenya imposes nothing.
    let r = run(
        "Kenyan rose growers count the cost of U.S. duties",
        "Washington raised its tariffs on African goods in April. Since May, Kenyan roses have been charged a 12 percent duty on arrival.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:KE"), 12.0)]
    );
    // "Taxed at" is a verb of imposing too.
    let r = run(
        "Nepal faces new U.S. tariffs",
        "Under the new U.S. order, goods from Nepal are taxed at 18 percent.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:US", Some("country:NP"), 18.0)]
    );
    // A party that owns the tariff word imposes it, passive or not.
    let r = run(
        "Beijing raises soybean duties",
        "Beijing's tariffs were raised to 34% on American soybeans.",
    );
    assert_eq!(
        tariffs(&r),
        vec![measure("country:CN", Some("country:US"), 34.0)]
    );
}

#[test]
fn respectively_pairs_only_the_rates_before_it_and_a_colon_opens_a_new_clause() {
    let r = run(
        "Andean exporters weigh new U.S. rates",
        "The new U.S. rates are lower than the 36% and 32% announced in spring for Peru and Bolivia, respectively, but higher than those of bigger economies: imports from Chile and Colombia now pay 10%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:PE"), 36.0),
            measure("country:US", Some("country:BO"), 32.0),
            measure("country:US", Some("country:CL"), 10.0),
            measure("country:US", Some("country:CO"), 10.0),
        ]
    );
}

#[test]
fn a_one_word_name_before_an_appositive_headed_by_a_body_noun_is_an_organisation() {
    let r = run(
        "Norway tightens rules on bank fees",
        "Finvera, the banking watchdog in Norway, said lenders must publish their fees. Finvera will check them twice a year.",
    );
    assert_eq!(entity(&r, "org:finvera").count, 2);
    // An adverb before the same appositive is no name, and a name of two
    // capitalised words is not cut to its last one.
    let r = run(
        "Regulators act",
        "Separately, the competition regulator, which oversees mergers, opened a case. Telekom Nova, the struggling second operator, asked for relief.",
    );
    assert!(!has(&r, "org:separately"), "{:?}", ids(&r));
    assert!(!has(&r, "org:nova"), "{:?}", ids(&r));
}

#[test]
fn an_acronym_defined_by_lower_case_words_names_a_thing_not_a_body() {
    let r = run(
        "Kidney study",
        "People with chronic kidney disease (CKD) were followed for ten years. CKD was more common among smokers.",
    );
    assert!(!has(&r, "org:ckd"), "{:?}", ids(&r));
    // A capitalised name's acronym is still its body.
    let r = run(
        "Farm lobby",
        "The National Grain Board (NGB) said prices fell. The NGB met on Monday.",
    );
    assert_eq!(entity(&r, "org:national-grain-board").count, 3);
}

#[test]
fn hyphenated_vice_titles_and_political_leaders_mark_people() {
    let r = run(
        "Commission warns on steel",
        "Executive Vice-President Tomasz Brzeski told reporters the plan was ready. In Naypyidaw, junta leader Soe Kyaw Lwin did not comment.",
    );
    assert!(has(&r, "person:tomasz-brzeski"), "{:?}", ids(&r));
    assert!(
        entity(&r, "person:tomasz-brzeski")
            .role
            .as_deref()
            .is_some_and(|role| role.contains("Vice-President")),
        "{:?}",
        entity(&r, "person:tomasz-brzeski")
    );
    assert!(has(&r, "person:soe-kyaw-lwin"), "{:?}", ids(&r));
    // A market's leader is a company.
    let r = run(
        "Phone makers",
        "Market leader Orbis Telecom raised its prices, and industry leader Kestrel Devices followed.",
    );
    assert!(
        !r.entities.iter().any(|e| e.kind == EntityKind::Person),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_nuclear_or_peace_deal_is_no_trade_agreement() {
    let r = run(
        "Tariff talks resume in Geneva",
        "Negotiators met to discuss tariffs on steel. Iran's economy has struggled since the nuclear deal collapsed, and a peace deal in the region looks distant.",
    );
    assert!(!has(&r, "instrument:trade-agreement"), "{:?}", ids(&r));
}

#[test]
fn a_body_named_with_for_the_keeps_its_whole_name() {
    let r = run(
        "Grid fees",
        "The Agency for the Cooperation of Energy Regulators said grid charges should fall.",
    );
    assert!(
        has(&r, "org:agency-for-the-cooperation-of-energy-regulators"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn a_gapped_rate_after_a_party_and_its_goods_falls_on_that_party() {
    let r = run(
        "Nepal and Bhutan face new U.S. tariffs",
        "Under the new U.S. tariff order, shipments from Nepal now pay 18%, and Bhutanese goods 12%.",
    );
    assert_eq!(
        tariffs(&r),
        vec![
            measure("country:US", Some("country:NP"), 18.0),
            measure("country:US", Some("country:BT"), 12.0),
        ]
    );
}
