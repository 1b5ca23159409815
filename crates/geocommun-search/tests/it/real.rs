//! The engine on the real Paris BAN file (158,048 addresses).

use std::sync::OnceLock;

use geocommun_import::{Importer, Source};
use geocommun_model::{CommuneAddresses, text};
use geocommun_search::{Engine, Filters, ResultType, ReverseRequest, SearchRequest, snapshot};

fn paris() -> &'static (Vec<CommuneAddresses>, Engine) {
    static P: OnceLock<(Vec<CommuneAddresses>, Engine)> = OnceLock::new();
    P.get_or_init(|| {
        let admin =
            geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin")).unwrap();
        let mut imp = Importer::new(Some(&admin));
        let src = Source::Path(geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz"));
        imp.read(&src, &mut |_| {}).unwrap();
        let communes = imp.finish();
        let engine = Engine::build(&communes);
        (communes, engine)
    })
}

/// Every 401st address of the file, with its query parts.
fn sample() -> Vec<(String, String, String, String, String, geocommun_model::LonLat)> {
    let (communes, _) = paris();
    let mut out = Vec::new();
    let mut i = 0usize;
    for c in communes {
        for s in &c.streets {
            for a in &s.addresses {
                i += 1;
                if i.is_multiple_of(401) {
                    out.push((
                        a.numero.to_string(),
                        s.name.clone(),
                        s.postcode.clone().unwrap_or_default(),
                        c.name.clone(),
                        a.cle_interop.clone().unwrap_or_default(),
                        a.best_position().unwrap().point,
                    ));
                }
            }
        }
    }
    out
}

fn top_id(e: &Engine, q: &str) -> Option<String> {
    let req = SearchRequest {
        q: q.to_owned(),
        limit: 1,
        autocomplete: false,
        ..SearchRequest::default()
    };
    e.search(&req).unwrap().into_iter().next().map(|h| h.id)
}

fn accuracy(
    make: impl Fn(&(String, String, String, String, String, geocommun_model::LonLat)) -> String,
) -> f64 {
    let (_, e) = paris();
    let s = sample();
    let ok = s
        .iter()
        .filter(|row| {
            let got = top_id(e, &make(row));
            if got.as_deref() != Some(row.4.as_str()) {
                eprintln!("miss: {} -> {got:?} (expected {})", make(row), row.4);
            }
            got.as_deref() == Some(row.4.as_str())
        })
        .count();
    ok as f64 / s.len() as f64
}

#[test]
fn imports_and_indexes_paris() {
    let (communes, e) = paris();
    assert_eq!(communes.iter().map(CommuneAddresses::address_count).sum::<usize>(), 158_048);
    let s = e.stats();
    assert_eq!(s.housenumbers, 158_048);
    // 20 arrondissements + Paris itself, synthesised from them.
    assert_eq!(s.communes, 21);
    assert_eq!(
        e.lookup("75101_cfq3tf_00001").unwrap().label,
        "1 Avenue du Général Lemonnier 75001 Paris"
    );
}

#[test]
fn full_addresses_are_found_exactly() {
    let a = accuracy(|r| format!("{} {} {} {}", r.0, r.1, r.2, r.3));
    assert!(a >= 0.995, "clean accuracy {a}");
}

#[test]
fn degraded_addresses_are_found() {
    let no_accent = accuracy(|r| text::fold(&format!("{} {} {}", r.0, r.1, r.3)));
    assert!(no_accent >= 0.99, "no accents, no postcode: {no_accent}");
    let after = accuracy(|r| format!("{} {} {}", r.1, r.0, r.2));
    assert!(after >= 0.99, "number after the street: {after}");
}

#[test]
fn paris_the_city() {
    let (_, e) = paris();
    let hits = e.search(&SearchRequest { q: "paris".into(), ..SearchRequest::default() }).unwrap();
    assert_eq!(hits[0].result_type, ResultType::Municipality);
    assert_eq!(hits[0].id, "75056");
    let hits = e.search(&SearchRequest { q: "75012".into(), ..SearchRequest::default() }).unwrap();
    assert!(hits.iter().any(|h| h.citycode == "75112"));
    // The citycode of Paris filters on its arrondissements.
    let hits = e
        .search(&SearchRequest {
            q: "rue de rivoli".into(),
            filters: Filters { citycodes: vec!["75056".into()], ..Filters::default() },
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.citycode.starts_with("751")), "{hits:?}");
}

#[test]
fn reverse_finds_every_sampled_address() {
    let (_, e) = paris();
    let s = sample();
    let ok = s
        .iter()
        .filter(|r| {
            let hits =
                e.reverse(&ReverseRequest { point: r.5, limit: 1, filters: Filters::default() });
            hits.first().is_some_and(|h| h.distance.unwrap_or(1e9) < 0.5)
        })
        .count();
    assert_eq!(ok, s.len());
}

#[test]
fn snapshot_of_paris_answers_like_the_built_index() {
    let (_, e) = paris();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paris.gcx");
    snapshot::save(e, &path).unwrap();
    let loaded = snapshot::open(&path).unwrap();
    for r in sample().iter().take(100) {
        let q = format!("{} {} {}", r.0, r.1, r.3);
        assert_eq!(top_id(e, &q), top_id(&loaded, &q), "{q}");
    }
}
