use std::sync::OnceLock;

use geocommun_admin::{AdminRegistry, CommuneKind, Zone};
use geocommun_model::{CodeInsee, LonLat};

use crate::common;

fn admin() -> &'static AdminRegistry {
    static ADMIN: OnceLock<AdminRegistry> = OnceLock::new();
    ADMIN.get_or_init(|| common::registry(true))
}

fn code(s: &str) -> CodeInsee {
    CodeInsee::parse(s).unwrap()
}

#[test]
fn record_counts_match_the_cog_2026() {
    let admin = admin();
    let count = |k: CommuneKind| admin.communes().filter(|c| c.kind == k).count();
    assert_eq!(count(CommuneKind::Actuelle), 34_969);
    assert_eq!(count(CommuneKind::Deleguee), 2_105);
    assert_eq!(count(CommuneKind::Associee), 471);
    assert_eq!(count(CommuneKind::ArrondissementMunicipal), 45);
    assert_eq!(admin.communes().len(), 37_590);
    let com = admin
        .communes()
        .filter(|c| c.kind == CommuneKind::Actuelle && c.zone == Some(Zone::Com))
        .count();
    assert_eq!(com, 94);
    assert_eq!(admin.departements().len(), 109);
    assert_eq!(admin.regions().len(), 26);
}

#[test]
fn shared_codes_resolve_to_the_current_commune() {
    let admin = admin();
    // 584 codes appear twice: once commune-actuelle, once commune-deleguee.
    let mut shared = 0;
    for c in admin.communes().filter(|c| c.kind == CommuneKind::Deleguee) {
        let primary = admin.commune(&c.code).unwrap();
        if primary.kind == CommuneKind::Actuelle {
            shared += 1;
            assert_eq!(admin.commune_records(&c.code).count(), 2);
        }
        assert_eq!(c.parent.map(|p| admin.commune(&p).unwrap().kind), Some(CommuneKind::Actuelle));
    }
    assert_eq!(shared, 584);
    let arbignieu = admin.commune_records(&code("01015")).nth(1).unwrap();
    assert_eq!((arbignieu.nom.as_str(), arbignieu.kind), ("Arbignieu", CommuneKind::Deleguee));
    assert_eq!(arbignieu.parent, Some(code("01015")));
}

#[test]
fn paris_population_is_the_sum_of_its_arrondissements() {
    let admin = admin();
    let paris = admin.commune(&code("75056")).unwrap();
    let arrondissements: Vec<_> =
        admin.communes().filter(|c| c.parent == Some(paris.code)).collect();
    assert_eq!(arrondissements.len(), 20);
    assert!(arrondissements.iter().all(|c| c.kind == CommuneKind::ArrondissementMunicipal));
    let sum: u32 = arrondissements.iter().map(|c| c.population).sum();
    assert_eq!(paris.population, sum);
    assert_eq!(paris.codes_postaux.len(), 21);
    for (plm, n) in [("13055", 16), ("69123", 9)] {
        let parent = admin.commune(&code(plm)).unwrap();
        let kids: Vec<_> = admin.communes().filter(|c| c.parent == Some(parent.code)).collect();
        assert_eq!(kids.len(), n, "{plm}");
        assert_eq!(parent.population, kids.iter().map(|c| c.population).sum::<u32>(), "{plm}");
    }
    let first = admin.commune(&code("75101")).unwrap();
    assert_eq!(first.nom, "Paris 1er Arrondissement");
    assert_eq!(first.codes_postaux, ["75001"]);
}

#[test]
fn contexts() {
    let admin = admin();
    assert_eq!(admin.context("75"), "75, Paris, Île-de-France");
    assert_eq!(admin.context("2A"), "2A, Corse-du-Sud, Corse");
    assert_eq!(admin.context("2B"), "2B, Haute-Corse, Corse");
    assert_eq!(admin.context("971"), "971, Guadeloupe");
    assert_eq!(admin.context("974"), "974, La Réunion");
    assert_eq!(admin.context("93"), "93, Seine-Saint-Denis, Île-de-France");
    assert_eq!(admin.context("975"), "975, Saint-Pierre-et-Miquelon");
    assert_eq!(admin.context("987"), "987, Polynésie française");
    assert_eq!(admin.context("20"), "20");
    assert_eq!(admin.commune_context(&code("2A004")), "2A, Corse-du-Sud, Corse");
}

#[test]
fn com_communes_are_their_own_departement_and_region() {
    let admin = admin();
    let c = admin.commune(&code("98735")).unwrap();
    assert_eq!((c.departement.as_str(), c.region.as_str()), ("987", "987"));
    assert_eq!(c.zone, Some(Zone::Com));
    let clipperton = admin.commune(&code("98901")).unwrap();
    assert_eq!(clipperton.population, 0);
    // Saint-Barthélemy and Saint-Martin left Guadeloupe in 2007: their former codes (still
    // in older address files) are known.
    assert_eq!(admin.commune(&code("97801")).unwrap().anciens_codes, [code("97127")]);
    assert_eq!(admin.commune(&code("97701")).unwrap().anciens_codes, [code("97123")]);
    assert!(admin.commune(&code("97127")).is_none());
}

#[test]
fn fields_of_known_communes() {
    let admin = admin();
    let c = admin.commune(&code("01001")).unwrap();
    assert_eq!(c.nom, "L'Abergement-Clémenciat");
    assert_eq!((c.departement.as_str(), c.region.as_str()), ("01", "84"));
    assert_eq!(c.population, 860);
    assert_eq!(c.codes_postaux, ["01400"]);
    assert_eq!(c.parent, None);
    let with_old = admin.communes().filter(|c| !c.anciens_codes.is_empty()).count();
    assert_eq!(with_old, 2_667 + 2, "the COG's, and the two COM of 2007");
    let associee = admin.commune(&code("01120")).unwrap();
    assert_eq!((associee.kind, associee.parent), (CommuneKind::Associee, Some(code("01262"))));
}

#[test]
fn centres_and_bboxes() {
    let admin = admin();
    let c = admin.commune(&code("75101")).unwrap();
    assert_eq!(c.centre, Some(LonLat::new(2.336, 48.862)));
    assert!(c.bbox.unwrap().contains(c.centre.unwrap()));
    assert_eq!(admin.commune(&code("75056")).unwrap().centre, Some(LonLat::new(2.347, 48.859)));
    let with_centre =
        admin.communes().filter(|c| c.kind == CommuneKind::Actuelle && c.centre.is_some()).count();
    assert!(with_centre > 34_000, "{with_centre}");
    // Eight codes of the centre file are communes merged since 2024.
    assert_eq!(admin.unmatched_centres().len(), 8, "{:?}", admin.unmatched_centres());
    let without = common::registry(false);
    assert!(without.communes().all(|c| c.centre.is_none()));
}

#[test]
fn epci_ept_postcodes_and_movements() {
    let r = common::full_registry();
    // 34,871 current communes belong to one EPCI; 98 to none (4 islands and the 94 COM).
    let current: Vec<_> = r.communes().filter(|c| c.kind == CommuneKind::Actuelle).collect();
    assert_eq!(current.iter().filter(|c| c.epci.is_some()).count(), 34_871);
    let no_epci: Vec<_> = current
        .iter()
        .filter(|c| c.epci.is_none() && c.zone != Some(Zone::Com))
        .map(|c| c.code.to_string())
        .collect();
    assert_eq!(no_epci, ["22016", "29083", "29155", "85113"]);
    assert_eq!(current.iter().filter(|c| c.ept.is_some()).count(), 129);
    let mgp = r.epci("200054781").unwrap();
    // Paris, the petite couronne, Argenteuil (95) and Paray-Vieille-Poste (91).
    assert_eq!(mgp.departements, ["75", "91", "92", "93", "94", "95"]);
    assert_eq!(mgp.kind.as_str(), "METRO");
    assert_eq!(r.commune(&code("93010")).unwrap().ept.as_deref(), Some("200057875"));
    // La Poste: libellé d'acheminement and ligne 5.
    let rows = r.postcode_rows("01300");
    assert!(rows.iter().any(|p| p.code_commune == code("01015")), "{rows:?}");
    assert!(r.postcodes().iter().any(|p| !p.ligne_5.is_empty()));
    assert_eq!(r.communes_of_postcode("75001"), [code("75101")]);
    assert_eq!(r.postcode_rows_skipped(), 0);
    // Movements: 237 lines of 2025-01-01.
    assert_eq!(r.movements().len(), 237);
    assert_eq!(r.history_since().as_deref(), Some("2024-01-01"));
    let h = r.history(&code("05127"));
    assert_eq!((h[0].mod_code, h[0].label()), (10, "Changement de nom"));
    let before = r.communes_at("2024-12-31");
    let rousset = before.iter().find(|c| c.code == code("05127") && c.nom == "Rousset").unwrap();
    assert!(!rousset.current);
    let after = r.communes_at("2025-01-01");
    assert!(after.iter().all(|c| c.current));
    assert_eq!(after.len(), r.communes().len());
}
