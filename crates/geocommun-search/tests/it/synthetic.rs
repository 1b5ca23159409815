use geocommun_model::LonLat;
use geocommun_search::{Engine, Filters, ResultType, ReverseRequest, SearchRequest, snapshot};
use geocommun_testkit::{commune, street};

fn engine() -> Engine {
    let mut rivoli = street("Rue de Rivoli", "75101_rivo01", "75001", 2.3400, 48.8600, 30);
    rivoli.addresses.push(geocommun_testkit::address(
        12,
        Some("bis"),
        2.3418,
        48.8601,
        "75101_rivo01_00012_bis",
    ));
    let paris1 = commune(
        "75101",
        "Paris 1er Arrondissement",
        16_000,
        vec![
            rivoli,
            street("Avenue du Général Lemonnier", "75101_lemo01", "75001", 2.3300, 48.8613, 12),
            street("Rue Saint-Honoré", "75101_hono01", "75001", 2.3380, 48.8630, 40),
        ],
    );
    let lyon = commune(
        "69381",
        "Lyon 1er Arrondissement",
        30_000,
        vec![street("Rue de la République", "69381_repu01", "69001", 4.8357, 45.7640, 50)],
    );
    let bourg = commune(
        "01053",
        "Bourg-en-Bresse",
        41_000,
        vec![
            street("Boulevard de Brou", "01053_brou01", "01000", 5.2280, 46.2000, 20),
            street("Rue de la République", "01053_repu01", "01000", 5.2250, 46.2050, 10),
            street("Avenue du 15 Septembre 1945", "01053_sept01", "01000", 5.2210, 46.2070, 20),
        ],
    );
    Engine::build(&[paris1, lyon, bourg])
}

fn search(e: &Engine, q: &str) -> Vec<geocommun_search::Hit> {
    e.search(&SearchRequest { q: q.into(), autocomplete: false, ..SearchRequest::default() })
        .unwrap()
}

#[test]
fn full_address_finds_the_number() {
    let e = engine();
    let hits = search(&e, "12 rue de Rivoli 75001 Paris");
    let top = &hits[0];
    assert_eq!(top.result_type, ResultType::Housenumber);
    assert_eq!(top.id, "75101_rivo01_00012");
    assert_eq!(top.label, "12 Rue de Rivoli 75001 Paris 1er Arrondissement");
    assert!(top.score > 0.8, "{}", top.score);
}

#[test]
fn number_anywhere_and_suffixes() {
    let e = engine();
    assert_eq!(search(&e, "rue de rivoli 12")[0].id, "75101_rivo01_00012");
    assert_eq!(search(&e, "12bis rue de rivoli")[0].id, "75101_rivo01_00012_bis");
    assert_eq!(search(&e, "12 bis rue de rivoli")[0].id, "75101_rivo01_00012_bis");
    assert_eq!(search(&e, "12B rue de rivoli")[0].id, "75101_rivo01_00012_bis");
    // A suffix the street does not have falls back to the plain number.
    assert_eq!(search(&e, "7 ter rue de rivoli")[0].id, "75101_rivo01_00007");
}

#[test]
fn numbers_in_street_names() {
    let e = engine();
    // The house number is the number that is not part of the name…
    assert_eq!(search(&e, "7 avenue du 15 septembre 1945 bourg")[0].id, "01053_sept01_00007");
    assert_eq!(search(&e, "avenue du 15 septembre 1945 7 bourg")[0].id, "01053_sept01_00007");
    // …or the same number written twice.
    assert_eq!(search(&e, "15 avenue du 15 septembre 1945 bourg")[0].id, "01053_sept01_00015");
    // Without a house number, the street.
    let street = &search(&e, "avenue du 15 septembre 1945")[0];
    assert_eq!((street.result_type, street.id.as_str()), (ResultType::Street, "01053_sept01"));
}

#[test]
fn typos_accents_abbreviations() {
    let e = engine();
    assert_eq!(search(&e, "3 rue de rivolli")[0].id, "75101_rivo01_00003");
    assert_eq!(search(&e, "3 av du gal lemonnier")[0].id, "75101_lemo01_00003");
    assert_eq!(search(&e, "3 avenue du general lemonier")[0].id, "75101_lemo01_00003");
    assert_eq!(search(&e, "3 bd de brou bourg en bresse")[0].id, "01053_brou01_00003");
}

#[test]
fn city_disambiguates_same_street_names() {
    let e = engine();
    assert_eq!(search(&e, "5 rue de la republique lyon")[0].citycode, "69381");
    assert_eq!(search(&e, "5 rue de la republique bourg en bresse")[0].citycode, "01053");
    assert_eq!(search(&e, "5 rue de la republique 01000")[0].citycode, "01053");
}

#[test]
fn filters() {
    let e = engine();
    let req = |f: Filters| SearchRequest {
        q: "rue de la republique".into(),
        filters: f,
        limit: 10,
        ..SearchRequest::default()
    };
    let hits =
        e.search(&req(Filters { citycodes: vec!["01053".into()], ..Filters::default() })).unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.citycode == "01053"));
    let hits =
        e.search(&req(Filters { postcodes: vec!["69001".into()], ..Filters::default() })).unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.postcode == "69001"));
    let hits = e
        .search(&SearchRequest {
            q: "bourg en bresse".into(),
            filters: Filters { types: vec![ResultType::Municipality], ..Filters::default() },
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(hits[0].result_type, ResultType::Municipality);
    assert_eq!(hits[0].id, "01053");
    assert!(hits.iter().all(|h| h.result_type == ResultType::Municipality));
}

#[test]
fn autocomplete_prefix() {
    let e = engine();
    let hits =
        e.search(&SearchRequest { q: "rue de riv".into(), ..SearchRequest::default() }).unwrap();
    assert_eq!(hits[0].name, "Rue de Rivoli");
    let hits =
        e.search(&SearchRequest { q: "bourg en br".into(), ..SearchRequest::default() }).unwrap();
    assert!(hits.iter().any(|h| h.city == "Bourg-en-Bresse"));
}

#[test]
fn explain_gives_score_parts() {
    let e = engine();
    let hits = e
        .search(&SearchRequest {
            q: "12 rue de rivolli".into(),
            explain: true,
            autocomplete: false,
            ..SearchRequest::default()
        })
        .unwrap();
    let x = hits[0].explain.as_ref().unwrap();
    assert!(x.text > 0.5 && (x.housenumber - 1.0).abs() < f32::EPSILON);
    assert!(x.tokens.iter().any(|(t, how)| t == "12" && *how == Some("housenumber")));
}

#[test]
fn reverse_nearest() {
    let e = engine();
    let hits = e.reverse(&ReverseRequest {
        point: LonLat::new(2.34137, 48.86001),
        limit: 1,
        filters: Filters::default(),
    });
    assert_eq!(hits[0].id, "75101_rivo01_00010");
    assert!(hits[0].distance.unwrap() < 5.0);
    let far = e.reverse(&ReverseRequest {
        point: LonLat::new(-1.0, 43.0),
        limit: 1,
        filters: Filters::default(),
    });
    assert!(far.is_empty());
    let street = e.reverse(&ReverseRequest {
        point: LonLat::new(2.34137, 48.86001),
        limit: 1,
        filters: Filters { types: vec![ResultType::Street], ..Filters::default() },
    });
    assert_eq!(street[0].result_type, ResultType::Street);
    assert_eq!(street[0].id, "75101_rivo01");
}

#[test]
fn lookup_by_ids() {
    let e = engine();
    assert_eq!(e.lookup("75101_rivo01_00003").unwrap().housenumber.as_deref(), Some("3"));
    assert_eq!(e.lookup("75101_rivo01_00012_bis").unwrap().housenumber.as_deref(), Some("12bis"));
    assert_eq!(e.lookup("75101_rivo01").unwrap().result_type, ResultType::Street);
    assert_eq!(e.lookup("01053").unwrap().result_type, ResultType::Municipality);
    assert!(e.lookup("75101_rivo01_00099").is_none());
    assert!(e.lookup("nope").is_none());
}

#[test]
fn replacing_a_commune() {
    let e = engine();
    let renamed = commune(
        "01053",
        "Bourg-en-Bresse",
        41_000,
        vec![street("Boulevard Édouard Herriot", "01053_herr01", "01000", 5.2280, 46.2000, 20)],
    );
    let e2 = e.replace_communes(&[renamed]);
    assert_eq!(search(&e2, "3 boulevard edouard herriot bourg")[0].id, "01053_herr01_00003");
    assert!(
        search(&e2, "3 bd de brou bourg en bresse").iter().all(|h| h.id != "01053_brou01_00003")
    );
    assert!(e2.lookup("01053_brou01_00003").is_none());
    // The old engine is untouched: readers holding it keep answering.
    assert_eq!(search(&e, "3 bd de brou bourg en bresse")[0].id, "01053_brou01_00003");
    assert_eq!(e2.stats().segments, 2);
}

#[test]
fn snapshot_round_trip_and_corruption() {
    let e = engine().replace_communes(&[commune(
        "01053",
        "Bourg-en-Bresse",
        41_000,
        vec![street("Boulevard Édouard Herriot", "01053_herr01", "01000", 5.2280, 46.2000, 20)],
    )]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.gcx");
    snapshot::save(&e, &path).unwrap();
    let loaded = snapshot::open(&path).unwrap();
    for q in ["12 rue de rivoli", "3 boulevard edouard herriot bourg", "3 bd de brou bourg", "lyon"]
    {
        assert_eq!(search(&e, q), search(&loaded, q), "{q}");
    }
    assert_eq!(e.stats(), loaded.stats());

    let bytes = std::fs::read(&path).unwrap();
    // A snapshot of other normalisation rules is refused, with what to do.
    let mut other = bytes.clone();
    other[20] ^= 0xff;
    let err = snapshot::open_bytes(&other).err().unwrap().to_string();
    assert!(err.contains("text normalisation version") && err.contains("geocommun index"), "{err}");
    // Every truncation and a flipped byte anywhere are refused, never a panic.
    for cut in [0, 10, 30, bytes.len() / 2, bytes.len() - 1] {
        assert!(snapshot::open_bytes(&bytes[..cut]).is_err(), "cut {cut}");
    }
    for pos in (0..bytes.len()).step_by(97) {
        let mut b = bytes.clone();
        b[pos] ^= 0x5a;
        if let Ok(e) = snapshot::open_bytes(&b) {
            // Only padding bytes may change without being noticed.
            let _ = e.search(&SearchRequest { q: "rivoli".into(), ..SearchRequest::default() });
        }
    }
}

/// Found by the `query` fuzz target: a NaN bias point made the spatial index's
/// nearest-neighbour ordering panic (`partial_cmp().unwrap()` in geo-index). An invalid bias
/// point is now ignored.
#[test]
fn nan_bias_point_does_not_panic() {
    let e = engine();
    for center in [
        LonLat::new(f64::NAN, 48.86),
        LonLat::new(2.34, f64::NAN),
        LonLat::new(f64::INFINITY, f64::NEG_INFINITY),
        LonLat::new(500.0, 48.86),
    ] {
        let hits = e
            .search(&SearchRequest {
                q: "rue de rivoli".into(),
                center: Some(center),
                ..SearchRequest::default()
            })
            .unwrap();
        assert_eq!(hits[0].name, "Rue de Rivoli");
        assert!(hits[0].distance.is_none(), "an ignored bias point gives no distance");
    }
}

/// Found by the `query` fuzz target: reverse geocoding a NaN point panicked in geo-index.
/// A point that is not a WGS-84 point has no neighbours.
#[test]
fn nan_reverse_point_does_not_panic() {
    let e = engine();
    for point in [
        LonLat::new(f64::NAN, f64::NAN),
        LonLat::new(2.34137, f64::NAN),
        LonLat::new(f64::INFINITY, 48.86),
    ] {
        for types in [vec![], vec![ResultType::Street], vec![ResultType::Municipality]] {
            let hits = e.reverse(&ReverseRequest {
                point,
                limit: 5,
                filters: Filters { types, ..Filters::default() },
            });
            assert!(hits.is_empty());
        }
    }
}

/// Recomputes the section and header checksums of a snapshot (so that a corruption reaches the
/// structural checks, as the `snapshot_open` fuzz target does).
/// The sections of a snapshot file: (id, offset, length), from its table of contents.
fn snapshot_sections(b: &[u8]) -> Vec<(u32, usize, usize)> {
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap()) as usize;
    (0..u32_at(16) as usize)
        .map(|i| 24 + i * 32)
        .map(|e| (u32_at(e + 4), u64_at(e + 8), u64_at(e + 16)))
        .collect()
}

/// Offset and length of the spatial index section (id 34).
fn spatial_section(b: &[u8]) -> (usize, usize) {
    snapshot_sections(b).into_iter().find(|s| s.0 == 34).map(|s| (s.1, s.2)).unwrap()
}

fn fix_snapshot_crcs(b: &mut [u8]) {
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let count = u32_at(b, 16) as usize;
    for i in 0..count {
        let e = 24 + i * 32;
        let (off, len) = (u64_at(b, e + 8) as usize, u64_at(b, e + 16) as usize);
        let crc = crc32fast::hash(&b[off..off + len]);
        b[e + 24..e + 28].copy_from_slice(&crc.to_le_bytes());
    }
    let end = b.len();
    let crc = crc32fast::hash(&b[..24 + count * 32]);
    b[end - 8..end - 4].copy_from_slice(&crc.to_le_bytes());
}

/// Same bug through a snapshot: a NaN coordinate in the spatial index (checksums right) was
/// accepted, and the first reverse query panicked. `open` now refuses it.
#[test]
fn snapshot_with_nan_spatial_coordinate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.gcx");
    snapshot::save(&engine(), &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    // Section 34 is the spatial index: an 8-byte header, then the boxes (f32).
    let (spatial, _) = spatial_section(&bytes);
    bytes[spatial + 8..spatial + 12].copy_from_slice(&f32::NAN.to_le_bytes());
    fix_snapshot_crcs(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let err = snapshot::open(&path).err().expect("a NaN coordinate is refused");
    assert!(err.to_string().contains("spatial index coordinates"), "{err}");
}

/// Found by the `snapshot_open` fuzz target: a dictionary (FST) section with a corrupted node
/// but a matching section CRC passed `Map::new`, and streaming it during validation indexed out
/// of bounds inside `fst`. `open` now verifies the FST's own checksum: every corrupted byte of
/// the three dictionaries (terms, phonetic keys, identifiers) is refused, never a panic.
#[test]
fn snapshot_with_corrupted_dictionary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.gcx");
    snapshot::save(&engine(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for (id, off, len) in snapshot_sections(&bytes) {
        if ![27, 30, 33].contains(&id) {
            continue; // terms, phonetic, ids
        }
        for pos in off..off + len {
            let mut b = bytes.clone();
            b[pos] ^= 0x5a;
            fix_snapshot_crcs(&mut b);
            std::fs::write(&path, &b).unwrap();
            assert!(snapshot::open(&path).is_err(), "section {id}, byte {}", pos - off);
        }
    }
}

/// Found by the `snapshot_open` fuzz target: a leaf entry of the spatial index holding a
/// number between the item count and the length of the boxes passed validation, and reverse
/// geocoding near it indexed the documents out of bounds. `open` now refuses it.
#[test]
fn snapshot_with_spatial_leaf_out_of_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.gcx");
    let e = engine();
    snapshot::save(&e, &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let (off, len) = spatial_section(&bytes);
    // The packed tree: an 8-byte header, 4 f32 per node, then one u16 index per node (small
    // trees), the leaves first.
    assert_eq!((len - 8) % 18, 0, "layout of a small geo-index tree");
    let n_nodes = (len - 8) / 18;
    let first_index = off + 8 + n_nodes * 16;
    let bad = u16::try_from(n_nodes * 4 - 4).unwrap(); // a valid box position, not an item
    bytes[first_index..first_index + 2].copy_from_slice(&bad.to_le_bytes());
    fix_snapshot_crcs(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let err = snapshot::open(&path).err().expect("an item number out of range is refused");
    assert!(err.to_string().contains("spatial index items"), "{err}");
}

/// Found by the `snapshot_open` fuzz target (out of memory): an inner entry of the spatial
/// index pointing back to its own level made a cycle, and the nearest-neighbour traversal of
/// reverse geocoding grew its queue without bound. `open` now checks that every inner entry
/// points into the level just below.
#[test]
fn snapshot_with_spatial_cycle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.gcx");
    snapshot::save(&engine(), &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let (off, len) = spatial_section(&bytes);
    assert_eq!((len - 8) % 18, 0, "layout of a small geo-index tree");
    let n_nodes = (len - 8) / 18;
    // The root is the last node: make it point to itself.
    let root_index = off + 8 + n_nodes * 16 + (n_nodes - 1) * 2;
    let root = u16::try_from(n_nodes * 4 - 4).unwrap();
    bytes[root_index..root_index + 2].copy_from_slice(&root.to_le_bytes());
    fix_snapshot_crcs(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let err = snapshot::open(&path).err().expect("a cycle in the spatial index is refused");
    assert!(err.to_string().contains("spatial index levels"), "{err}");
}

/// Short prefixes are expanded once and remembered: the second search answers the same.
#[test]
fn short_prefix_expansions_are_remembered_without_changing_results() {
    let e = engine();
    for q in ["rue de la re", "rue de", "av", "bou"] {
        let req =
            SearchRequest { q: q.into(), limit: 10, autocomplete: true, ..Default::default() };
        let ids = |hits: Vec<geocommun_search::Hit>| -> Vec<String> {
            hits.into_iter().map(|h| h.id).collect()
        };
        let first = ids(e.search(&req).unwrap());
        assert!(!first.is_empty(), "{q}");
        assert_eq!(first, ids(e.search(&req).unwrap()), "{q}");
    }
}
