//! Criterion benchmarks of the engine on the real Paris BAN file: one query of each kind,
//! reverse, lookup, and the index build. Run with `cargo bench -p geocommun-search`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geocommun_import::{Importer, Source};
use geocommun_model::LonLat;
use geocommun_search::{Engine, Filters, ReverseRequest, SearchRequest, build_segment};

fn paris() -> Vec<geocommun_model::CommuneAddresses> {
    let admin =
        geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin")).unwrap();
    let mut imp = Importer::new(Some(&admin));
    let src = Source::Path(geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz"));
    imp.read(&src, &mut |_| {}).unwrap();
    imp.finish()
}

fn bench(c: &mut Criterion) {
    let communes = paris();
    let engine = Engine::build(&communes);
    let queries = [
        ("clean", "87 Quai de la Gare 75013 Paris", false),
        ("typo", "87 quai de la gqre 75013 paris", false),
        ("abbrev_no_postcode", "12 bd st germain paris", false),
        ("number_after", "rue de rivoli 12 paris", false),
        ("prefix", "12 rue de riv", true),
        ("city", "paris", true),
    ];
    let mut g = c.benchmark_group("search");
    for (name, q, autocomplete) in queries {
        let req = SearchRequest { q: q.into(), autocomplete, ..SearchRequest::default() };
        assert!(!engine.search(&req).unwrap().is_empty(), "{q} finds nothing");
        g.bench_function(name, |b| b.iter(|| engine.search(black_box(&req)).unwrap()));
    }
    g.finish();
    let rev = ReverseRequest {
        point: LonLat::new(2.3301, 48.8613),
        limit: 1,
        filters: Filters::default(),
    };
    c.bench_function("reverse", |b| b.iter(|| engine.reverse(black_box(&rev))));
    c.bench_function("lookup", |b| b.iter(|| engine.lookup(black_box("75101_cfq3tf_00001"))));
    let mut g = c.benchmark_group("build");
    g.sample_size(10);
    g.bench_function("paris", |b| b.iter(|| build_segment(black_box(&communes))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
