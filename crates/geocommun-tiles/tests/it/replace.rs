//! Replacing a commune (a publication): its tiles change, the others are shared, and readers of
//! the previous index keep what they had.

use geocommun_model::{LonLat, Position, PositionKind};
use geocommun_tiles::{TileId, layer};

use crate::common::{INDEX, PARIS, features, tile};

#[test]
fn a_replaced_commune_shows_its_new_numbers() {
    // Paris 4e republished with a new number 2ter on Rue de Rivoli (not certified, with an
    // entrance and a building position), and without 2 rue de Rivoli.
    let mut p4 = PARIS.iter().find(|c| c.code.as_str() == "75104").unwrap().clone();
    let rivoli = p4.streets.iter_mut().find(|s| s.name == "Rue de Rivoli").unwrap();
    let two = rivoli
        .addresses
        .iter()
        .position(|a| a.cle_interop.as_deref() == Some("75104_8249_00002"))
        .unwrap();
    let mut new = rivoli.addresses.remove(two);
    new.numero = geocommun_model::Numero::new(2, Some("ter"));
    new.cle_interop = Some("75104_8249_00002_ter".into());
    new.certified = false;
    let entrance = LonLat::new(2.361620, 48.855180);
    new.positions = vec![
        Position { kind: PositionKind::Batiment, point: LonLat::new(2.361500, 48.855250) },
        Position { kind: PositionKind::Entree, point: entrance },
    ];
    rivoli.addresses.push(new);

    let before = INDEX.clone();
    let after = INDEX.replace_communes(std::slice::from_ref(&p4));
    assert_eq!(after.addresses().len(), before.addresses().len());

    let t14 = TileId::at_lonlat(14, entrance.lon, entrance.lat);
    let numbers =
        |index: &geocommun_tiles::TileIndex, t: TileId| -> Vec<(String, bool, String, bool)> {
            let decoded = tile(index, t).unwrap();
            features(&decoded, layer::ADRESSES)
                .iter()
                .filter(|f| f.str("id").is_some_and(|id| id.starts_with("75104_8249_00002")))
                .map(|f| {
                    (
                        f.str("numero").unwrap().to_owned(),
                        f.props["certifie"].as_bool().unwrap(),
                        f.str("type_position").unwrap().to_owned(),
                        f.props["principale"].as_bool().unwrap(),
                    )
                })
                .collect()
        };
    assert_eq!(numbers(&before, t14), vec![("2".to_owned(), true, "parcelle".to_owned(), true)]);
    // z14: the main position only (the entrance wins over the building).
    assert_eq!(numbers(&after, t14), vec![("2ter".to_owned(), false, "entrée".to_owned(), true)]);
    // z16: both positions.
    let mut both = numbers(&after, TileId::at_lonlat(16, entrance.lon, entrance.lat));
    both.sort();
    assert_eq!(
        both,
        vec![
            ("2ter".to_owned(), false, "bâtiment".to_owned(), false),
            ("2ter".to_owned(), false, "entrée".to_owned(), true),
        ]
    );
    // The previous index, held by a reader, is unchanged.
    assert_eq!(numbers(&before, t14).len(), 1);

    // Fallback data read later never replaces a published commune.
    let fallback = after.addresses().extend_missing(&PARIS);
    assert_eq!(fallback.len(), after.addresses().len());
    let again = after.with_addresses(std::sync::Arc::new(fallback));
    assert_eq!(numbers(&again, t14)[0].0, "2ter");
}

#[test]
fn a_commune_republished_empty_leaves_no_number() {
    let mut p4 = PARIS.iter().find(|c| c.code.as_str() == "75104").unwrap().clone();
    p4.streets.clear();
    let after = INDEX.replace_communes(&[p4]);
    let t = TileId::at_lonlat(15, 2.361573, 48.855215);
    let decoded = tile(&after, t).unwrap();
    assert!(features(&decoded, layer::ADRESSES).iter().all(|f| f.str("commune") != Some("75104")));
    // Its neighbours are still there.
    let full = tile(&INDEX, t).unwrap();
    assert!(features(&full, layer::ADRESSES).iter().any(|f| f.str("commune") == Some("75104")));
}
