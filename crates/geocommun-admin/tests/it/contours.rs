//! Contours: every 2018 feature is matched to a 2026 commune or reported, derived contours
//! are whole, simplification levels shrink them.

use std::sync::OnceLock;
use std::time::Instant;

use geo::{Area, InteriorPoint};
use geocommun_admin::{AdminRegistry, AreaKind, CommuneKind, Contours, SIMPLIFY_LEVELS, Zone};
use geocommun_model::CodeInsee;

use crate::common;

pub fn admin() -> &'static (AdminRegistry, Contours) {
    static ADMIN: OnceLock<(AdminRegistry, Contours)> = OnceLock::new();
    ADMIN.get_or_init(|| {
        let registry = common::full_registry();
        let files = common::contour_files();
        let t = Instant::now();
        let contours = Contours::build(&registry, files).unwrap();
        eprintln!("contours built in {:?}", t.elapsed());
        (registry, contours)
    })
}

#[test]
fn every_2018_feature_is_matched_or_reported() {
    let (_, contours) = admin();
    let r = contours.report();
    assert_eq!(r.features, 35_357);
    assert_eq!(r.empty, 0);
    assert!(r.unmatched.is_empty(), "{:?}", r.unmatched);
    // Neussargues en Pinatelle (2017) was split back into five communes on 2025-01-01.
    assert_eq!(r.split, [("15141".to_owned(), "Neussargues en Pinatelle".to_owned())]);
    assert_eq!(
        r.direct + r.via_deleguee + r.via_movements + r.via_anciens_codes + r.split.len(),
        r.features
    );
    assert!(r.via_deleguee > 300 && r.via_anciens_codes > 50, "{r:?}");
    // Communes without contour: the five of the split, and communes re-created by scissions
    // between 2018 and 2024 (movements not in the shared data), whose centre lies in the
    // contour of the commune they left.
    let without: Vec<(&str, Option<&str>)> =
        r.communes_without_contour.iter().map(|(c, h)| (c.as_str(), h.as_deref())).collect();
    assert_eq!(
        without,
        [
            ("14666", Some("14712")),
            ("15031", None),
            ("15035", None),
            ("15047", None),
            ("15141", None),
            ("15171", None),
            ("85165", Some("85084")),
            ("85212", Some("85084")),
        ]
    );
}

#[test]
fn every_current_commune_outside_com_has_a_contour_but_a_few() {
    let (registry, contours) = admin();
    let current: Vec<usize> = registry
        .communes()
        .enumerate()
        .filter(|(_, c)| c.kind == CommuneKind::Actuelle && c.zone != Some(Zone::Com))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(current.len(), 34_875);
    let with = current.iter().filter(|&&i| contours.commune(i).is_some()).count();
    assert_eq!(with, 34_875 - 8);
}

#[test]
fn derived_departements_and_regions_are_whole() {
    let (registry, contours) = admin();
    for dep in registry.departements().filter(|d| d.zone != Some(Zone::Com)) {
        let mp = contours.area(AreaKind::Departement, &dep.code, 0).unwrap();
        let biggest = mp.0.iter().map(Area::unsigned_area).fold(0.0, f64::max);
        // One main polygon (islands aside), no hole but real enclaves.
        assert!(biggest > 0.5 * mp.unsigned_area(), "{} {}", dep.code, mp.0.len());
    }
    assert_eq!(contours.area(AreaKind::Departement, "01", 0).unwrap().0.len(), 1);
    assert!(contours.area(AreaKind::Departement, "01", 0).unwrap().0[0].interiors().is_empty());
    assert_eq!(contours.area(AreaKind::Departement, "75", 0).unwrap().0.len(), 1);
    let idf = contours.area(AreaKind::Region, "11", 0).unwrap();
    assert_eq!(idf.0.len(), 1);
    // Every metropolitan and DROM région has a contour; COM have none.
    for r in registry.regions() {
        assert_eq!(
            contours.area(AreaKind::Region, &r.code, 0).is_some(),
            r.zone != Some(Zone::Com),
            "{}",
            r.code
        );
    }
    // An EPCI's contour holds its members' interior points.
    let metro = registry.epci("200054781").unwrap(); // Métropole du Grand Paris
    let mp = contours.area(AreaKind::Epci, &metro.code, 0).unwrap();
    let bondy = registry.commune_index(&CodeInsee::parse("93010").unwrap()).unwrap();
    let p = contours.commune(bondy).unwrap().interior_point().unwrap();
    assert!(geo::Contains::contains(mp, &p));
}

#[test]
fn simplification_levels_shrink_contours() {
    let (_, contours) = admin();
    let points = |level| {
        let mp = contours.area(AreaKind::Region, "84", level).unwrap();
        mp.0.iter().map(|p| p.exterior().0.len()).sum::<usize>()
    };
    let counts: Vec<usize> = SIMPLIFY_LEVELS.iter().map(|&l| points(l)).collect();
    assert!(counts.windows(2).all(|w| w[0] > w[1]), "{counts:?}");
    assert!(contours.area(AreaKind::Region, "84", 7).is_none());
}

#[test]
fn points_in_no_contour_fall_back_to_the_box_of_a_commune_without_contour() {
    let (registry, contours) = admin();
    let pip = contours.pip();
    let found = |lon, lat| {
        pip.locate_detailed(lon, lat)
            .map(|l| (registry.commune_at(l.commune).unwrap().code.to_string(), l.approximate))
    };
    // Saint-Martin (COM) has no contour in the files: its reference box answers.
    assert_eq!(found(-63.06, 18.07), Some(("97801".to_owned(), true)));
    assert_eq!(found(-62.85, 17.92), Some(("97701".to_owned(), true)));
    assert_eq!(pip.locate_in_contours(-63.06, 18.07), None);
    // Neussargues en Pinatelle, split in 2025: its contour went to none of the five
    // communes, and only it has a reference box (of the former territory, the reference file
    // predating the split); the other four have neither.
    assert_eq!(found(2.934, 45.14), Some(("15141".to_owned(), true)));
    for code in ["15031", "15035", "15047", "15171"] {
        let c = registry.commune(&CodeInsee::parse(code).unwrap()).unwrap();
        assert!(
            c.bbox.is_none()
                && contours.commune(registry.commune_index(&c.code).unwrap()).is_none()
        );
    }
    // A contour always wins over a box; the open sea is nowhere.
    assert_eq!(found(2.3522, 48.8566), Some(("75056".to_owned(), false)));
    assert_eq!(found(-30.0, 45.0), None);
}
