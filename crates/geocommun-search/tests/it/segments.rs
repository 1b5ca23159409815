//! An engine after publications: many segments rank as one, and merging keeps every answer
//! while bounding the number of segments. Real data: Paris (BAN 2024) and Aveyron (BANO 2015).

use std::sync::OnceLock;

use geocommun_import::{Importer, Source};
use geocommun_model::CommuneAddresses;
use geocommun_search::{Engine, SearchRequest};

fn read(file: &str) -> Vec<CommuneAddresses> {
    let admin =
        geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin")).unwrap();
    let mut imp = Importer::new(Some(&admin));
    imp.read(&Source::Path(geocommun_testkit::data_file(file)), &mut |_| {}).unwrap();
    imp.finish()
}

fn paris() -> &'static [CommuneAddresses] {
    static P: OnceLock<Vec<CommuneAddresses>> = OnceLock::new();
    P.get_or_init(|| read("ban/ban-2024/adresses-75.csv.gz"))
}

fn aveyron() -> &'static [CommuneAddresses] {
    static A: OnceLock<Vec<CommuneAddresses>> = OnceLock::new();
    A.get_or_init(|| read("ban/bano-2015/bano-12.csv.gz"))
}

fn top(e: &Engine, q: &str) -> Option<String> {
    let req = SearchRequest { q: q.to_owned(), limit: 1, ..SearchRequest::default() };
    e.search(&req).unwrap().into_iter().next().map(|h| h.id)
}

/// Every `step`-th address of these communes: (query, expected id).
fn queries(communes: &[CommuneAddresses], step: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 0usize;
    for c in communes {
        for s in &c.streets {
            for a in &s.addresses {
                i += 1;
                if i.is_multiple_of(step)
                    && let Some(id) = &a.cle_interop
                {
                    out.push((format!("{} {} {}", a.numero, s.name, c.name), id.clone()));
                }
            }
        }
    }
    out
}

/// Publishing each of the 20 arrondissements separately gives 21 segments; the top result of
/// real addresses is the one of the single-segment engine (token weights and the choice of
/// the tokens that retrieve documents are engine-wide, not per segment).
#[test]
fn many_segments_rank_as_one() {
    let one = Engine::build(paris());
    let mut many = one.clone();
    for c in paris() {
        many = many.replace_communes(std::slice::from_ref(c));
    }
    assert!(many.stats().segments >= 20, "{:?}", many.stats());
    let qs = queries(paris(), 397);
    assert!(qs.len() > 350, "{}", qs.len());
    let (mut same, mut right_one, mut right_many) = (0, 0, 0);
    for (q, id) in &qs {
        let (a, b) = (top(&one, q), top(&many, q));
        same += usize::from(a == b);
        right_one += usize::from(a.as_deref() == Some(id));
        right_many += usize::from(b.as_deref() == Some(id));
    }
    let n = qs.len();
    assert!(same * 100 >= n * 99, "same top result for {same} of {n}");
    assert!(right_many + n / 200 >= right_one, "{right_many} vs {right_one} of {n}");
}

/// Publications of the Aveyron communes (about a hundred) (each with one street renamed) on an index of Paris and
/// Aveyron: the merged engine has few segments and answers exactly as the unmerged one, the
/// renamed streets are found and the old names of republished communes are gone.
#[test]
fn merging_bounds_segments_and_keeps_answers() {
    let mut base: Vec<CommuneAddresses> = paris().to_vec();
    base.extend(aveyron().iter().cloned());
    let built = Engine::build(&base);
    let published: Vec<CommuneAddresses> = aveyron()
        .iter()
        .filter(|c| !c.streets.is_empty())
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            c.streets[0].name = format!("Rue du Marqueur {i}");
            c
        })
        .collect();
    let (mut merged, mut unmerged) = (built.clone(), built);
    let mut most = 0;
    for c in &published {
        unmerged = unmerged.replace_communes(std::slice::from_ref(c));
        merged = merged.replace_communes(std::slice::from_ref(c)).merged();
        most = most.max(merged.stats().segments);
    }
    // Republishing some of them again, as a storm does.
    for c in published.iter().step_by(7) {
        unmerged = unmerged.replace_communes(std::slice::from_ref(c));
        merged = merged.replace_communes(std::slice::from_ref(c)).merged();
        most = most.max(merged.stats().segments);
    }
    assert!(published.len() > 80, "{}", published.len());
    assert!(unmerged.stats().segments > published.len() / 2, "{:?}", unmerged.stats());
    // The index as loaded, and at most three segments per size tier (16k, 64k, 256k addresses).
    assert!(most <= 10, "up to {most} segments: {:?}", merged.stats());
    assert_eq!(merged.stats().communes, unmerged.stats().communes);
    for (i, c) in published.iter().enumerate() {
        let street = &c.streets[0];
        let Some(a) = street.addresses.first() else { continue };
        let q = format!("{} rue du marqueur {i} {}", a.numero, c.name);
        let hit = top(&merged, &q);
        assert_eq!(hit, top(&unmerged, &q), "{q}");
        assert!(hit.as_deref().is_some_and(|h| h.starts_with(c.code.as_str())), "{q}: {hit:?}");
    }
    let old_names = queries(aveyron(), 211);
    let mut same = 0;
    for (q, _) in &old_names {
        same += usize::from(top(&merged, q) == top(&unmerged, q));
    }
    assert!(same * 100 >= old_names.len() * 99, "{same} of {}", old_names.len());
}

/// A merge planned before a commune is republished, installed after: the commune answers from
/// its newest segment only, the others from the merged segment.
#[test]
fn a_merge_installed_after_a_republication_keeps_it() {
    let communes: Vec<CommuneAddresses> =
        aveyron().iter().filter(|c| !c.streets.is_empty()).take(4).cloned().collect();
    let mut e = Engine::default();
    for c in &communes {
        e = e.replace_communes(std::slice::from_ref(c));
    }
    let plan = e.plan_merge().expect("four one-commune segments make a tier");
    assert_eq!(plan.segments(), 4);
    let mut renamed = communes[1].clone();
    renamed.streets[0].name = "Rue de la Republication".into();
    let e = e.replace_communes(std::slice::from_ref(&renamed));
    let e = e.install_merge(plan.build());
    assert_eq!(e.stats().segments, 2, "{:?}", e.stats());
    assert_eq!(e.stats().communes, 4);
    let a = &renamed.streets[0].addresses[0];
    let new = top(&e, &format!("{} rue de la republication {}", a.numero, renamed.name));
    assert!(new.is_some_and(|h| h.starts_with(renamed.code.as_str())));
    let old = format!("{} {} {}", a.numero, communes[1].streets[0].name, renamed.name);
    let hits =
        e.search(&SearchRequest { q: old.clone(), limit: 20, ..SearchRequest::default() }).unwrap();
    // The address keeps its id; it answers once, under its new street name.
    let old_id = a.cle_interop.clone().unwrap_or_default();
    let same: Vec<_> = hits.iter().filter(|h| h.id == old_id).collect();
    assert!(same.len() <= 1, "{old}: {same:?}");
    assert!(
        same.iter().all(|h| h.street.as_deref() == Some("Rue de la Republication")),
        "{old}: the old street still answers: {same:?}"
    );
    for c in [&communes[0], &communes[2], &communes[3]] {
        let a = &c.streets[0].addresses[0];
        let q = format!("{} {} {}", a.numero, c.streets[0].name, c.name);
        assert_eq!(top(&e, &q), a.cle_interop.clone(), "{q}");
    }
}
