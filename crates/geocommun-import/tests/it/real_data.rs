//! Every real file of shared/data/ban, with values checked against the files themselves and
//! against what bench/addok/ban2addok.py and bano2ban.py produce from them.

use geocommun_import::IssueKind;
use geocommun_model::{CommuneAddresses, LonLat, Numero, PositionKind, StreetKind};

use crate::common::{self, address, ban_file, commune, import};

fn close(a: LonLat, lon: f64, lat: f64) -> bool {
    (a.lon - lon).abs() < 5e-7 && (a.lat - lat).abs() < 5e-7
}

#[test]
fn paris_imports_every_row() {
    let paris = common::paris();
    let s = &paris.totals;
    assert_eq!(s.rows, 158_048);
    assert_eq!(s.addresses, 158_048);
    assert_eq!((s.skipped_total, s.duplicates, s.lieux_dits), (0, 0, 0));
    assert!(s.skipped.is_empty());
    // Counts of ban2addok.py on the same file.
    assert_eq!(s.streets, 7_571);
    assert_eq!(s.communes, 20);
    assert_eq!(paris.communes.len(), 20);
    let codes: Vec<String> = paris.communes.iter().map(|c| c.code.to_string()).collect();
    let expected: Vec<String> = (75_101..=75_120).map(|c: u32| c.to_string()).collect();
    assert_eq!(codes, expected, "sorted by code");
    let addresses: usize = paris.communes.iter().map(CommuneAddresses::address_count).sum();
    assert_eq!(addresses, 158_048);
}

#[test]
fn paris_known_values() {
    let paris = common::paris();
    let (street, a) = address(&paris.communes, "75101_cfq3tf_00001");
    assert_eq!(street.name, "Avenue du Général Lemonnier");
    assert_eq!(street.kind, StreetKind::Voie);
    assert_eq!(street.code.as_deref(), Some("75101_cfq3tf"));
    assert_eq!(street.postcode.as_deref(), Some("75001"));
    assert_eq!(a.numero, Numero::new(1, None));
    assert_eq!(a.positions.len(), 1);
    assert_eq!(a.positions[0].kind, PositionKind::Parcelle);
    assert_eq!(a.positions[0].point, LonLat::new(2.330_113, 48.861_299));
    assert!(a.certified);
    assert_eq!(a.postcode, None, "same postcode as its street");
    // ban2addok.py: street centre lon 2.33105, lat 48.862359.
    assert!(close(street.position.unwrap(), 2.331_05, 48.862_359), "{:?}", street.position);

    let c = commune(&paris.communes, "75101");
    assert_eq!(c.name, "Paris 1er Arrondissement");
    assert_eq!(c.parent, Some((common::code("75056"), "Paris".to_owned())));
    assert_eq!(c.population, 15_114);
    assert_eq!(c.postcodes, ["75001"]);
    assert_eq!(c.context, "75, Paris, Île-de-France");
    assert_eq!(c.position, Some(LonLat::new(2.336, 48.862)), "the BAN reference centre");
    assert_eq!(c.streets[0].name, "Avenue du Général Lemonnier", "streets in order of appearance");

    // Suffixes come from `rep`.
    let with_suffix = paris
        .communes
        .iter()
        .flat_map(|c| &c.streets)
        .flat_map(|s| &s.addresses)
        .filter(|a| a.numero.suffix.is_some())
        .count();
    assert_eq!(with_suffix, 18_225, "rep is filled on 11.5 % of the rows");
}

#[test]
fn paris_without_admin_uses_the_data() {
    let imported = import(&[ban_file("ban-2024/adresses-75.csv.gz")], None);
    let c = commune(&imported.communes, "75101");
    assert_eq!(c.name, "Paris 1er Arrondissement");
    assert_eq!(c.parent, Some((common::code("75056"), "Paris".to_owned())));
    assert_eq!(c.population, 0);
    assert_eq!(c.postcodes, ["75001"]);
    assert_eq!(c.context, "75");
    // ban2addok.py's municipality centre: lon 2.339247, lat 48.863177.
    assert!(close(c.position.unwrap(), 2.339_247, 48.863_177), "{:?}", c.position);
    // Streets and addresses do not depend on the admin data.
    let with_admin = common::paris();
    for (a, b) in imported.communes.iter().zip(&with_admin.communes) {
        assert_eq!(a.streets, b.streets);
    }
}

#[test]
fn bondy_r_export() {
    let imported =
        import(&[ban_file("other/93010-bondy-ban-r-export.csv.gz")], Some(common::admin()));
    let s = &imported.totals;
    assert_eq!((s.rows, s.addresses, s.skipped_total, s.duplicates), (8_413, 8_413, 0, 0));
    assert_eq!((s.streets, s.communes), (350, 1));
    let c = &imported.communes[0];
    assert_eq!((c.code.as_str(), c.name.as_str()), ("93010", "Bondy"));
    assert_eq!(c.context, "93, Seine-Saint-Denis, Île-de-France");
    assert_eq!(c.parent, None);
    let (street, a) = address(&imported.communes, "93010_i7xf1o_00001");
    assert_eq!(street.name, "Allee Marguerite Duras");
    assert_eq!(street.postcode.as_deref(), Some("93140"));
    assert_eq!(street.old_commune, None, "NA is empty");
    assert!(close(street.position.unwrap(), 2.489_053, 48.893_978));
    assert_eq!(a.positions[0].kind, PositionKind::Inconnue, "type_position is empty");
    assert_eq!(a.positions[0].point, LonLat::new(2.488_881, 48.893_494));
    assert!(!a.certified);
    let foreign: Vec<&str> = c
        .streets
        .iter()
        .flat_map(|s| &s.addresses)
        .filter_map(|a| a.cle_interop.as_deref())
        .filter(|id| !id.starts_with("93010_"))
        .collect();
    // A quirk of the data: one Bondy row carries a Paris 10e id. It stays in Bondy (rows are
    // grouped by code_insee) and, as in ban2addok.py, makes its own street (the id differs).
    assert_eq!(foreign, ["75010_4679_00006"]);
    let (street, _) = address(&imported.communes, "75010_4679_00006");
    assert_eq!((street.name.as_str(), street.addresses.len()), ("Rue du 8 Mai 1945", 1));
}

/// Rows per BANO file (`zcat | wc -l`).
const BANO_ROWS: [(&str, u64); 23] = [
    ("bano-04.csv.gz", 23_508),
    ("bano-05.csv.gz", 12_994),
    ("bano-07.csv.gz", 53_254),
    ("bano-08.csv.gz", 53_587),
    ("bano-09.csv.gz", 20_862),
    ("bano-12.csv.gz", 53_335),
    ("bano-15.csv.gz", 28_090),
    ("bano-19.csv.gz", 44_905),
    ("bano-23.csv.gz", 27_341),
    ("bano-24.csv.gz", 53_554),
    ("bano-2A.csv.gz", 2_266),
    ("bano-2B.csv.gz", 5_979),
    ("bano-32.csv.gz", 34_072),
    ("bano-43.csv.gz", 28_117),
    ("bano-46.csv.gz", 22_132),
    ("bano-48.csv.gz", 12_250),
    ("bano-52.csv.gz", 36_370),
    ("bano-55.csv.gz", 45_631),
    ("bano-82.csv.gz", 17_684),
    ("bano-90.csv.gz", 35_847),
    ("bano-971.csv.gz", 45_841),
    ("bano-972.csv.gz", 41_208),
    ("bano-973.csv.gz", 14_593),
];

#[test]
fn bano_files_row_counts() {
    let bano = common::bano();
    let files = common::bano_files();
    assert_eq!(files.len(), BANO_ROWS.len());
    for ((path, stats), (name, rows)) in files.iter().zip(&bano.per_file).zip(BANO_ROWS) {
        assert_eq!(path.file_name().unwrap().to_str(), Some(name));
        assert_eq!(stats.rows, rows, "{name}");
    }
    let s = &bano.totals;
    assert_eq!(s.rows, 713_420);
    // bano2ban.py keeps 713,268 rows: 55 numbers it cannot read, 97 repeated ids; ban2addok.py
    // then makes 57,813 streets in 1,648 communes.
    assert_eq!(s.addresses, 713_268);
    assert_eq!(s.skipped_total, 55);
    assert!(s.skipped.iter().all(|i| i.kind == IssueKind::InvalidNumero), "{:?}", s.skipped);
    assert_eq!(s.duplicates, 97);
    assert_eq!(s.streets, 57_813);
    assert_eq!(bano.communes.len(), 1_648);
    let first = &s.skipped[0];
    assert_eq!(
        first.to_string(),
        "bano-04.csv.gz:13144: field numero: \"126.10\" is not a house number; the row was skipped — fix the value or remove the row"
    );
}

#[test]
fn bano_ids_are_those_of_bano2ban() {
    let bano = common::bano();
    // `040010017B-9B,9BIS,Voie du Château,04510,Aiglun,C+O,44.060308,6.147693` (bano-04 line 32):
    // bano2ban.py writes `04001_0017_00009_bis` (number and suffix from `numero`, fantoir[:4]).
    let (street, a) = address(&bano.communes, "04001_0017_00009_bis");
    assert_eq!(street.name, "Voie du Château");
    assert_eq!(street.code.as_deref(), Some("04001_0017"));
    assert_eq!(street.postcode.as_deref(), Some("04510"));
    assert_eq!(a.numero, Numero::new(9, Some("bis")));
    assert_eq!(a.positions[0].point, LonLat::new(6.147_693, 44.060_308), "lat/lon swapped back");
    assert_eq!(a.positions[0].kind, PositionKind::Inconnue);
    let (_, plain) = address(&bano.communes, "04001_0017_00009");
    assert_eq!(plain.positions[0].point, LonLat::new(6.147_676, 44.060_308));
    // `070090058B-3B,3BIS,Chemin de Talencieux,07340,...`
    let (street, _) = address(&bano.communes, "07009_0058_00003_bis");
    assert_eq!(street.name, "Chemin de Talencieux");
    // Corsica: bano2ban.py keeps the INSEE part as written (`2A`), lower-cases the FANTOIR part.
    let (street, _) = address(&bano.communes, "2A001_a003_00001");
    assert_eq!(street.name, "Lotissement U Furellu");
    // bano-82 has 15 decimals; bano2ban.py rounds to 6.
    let (_, a) = address(&bano.communes, "82001_0020_01060");
    assert_eq!(a.positions[0].point, LonLat::new(1.258_881, 44.043_127));
}

#[test]
fn bano_communes_with_admin() {
    let bano = common::bano();
    let afa = commune(&bano.communes, "2A001");
    assert_eq!(afa.name, "Afa");
    assert_eq!(afa.context, "2A, Corse-du-Sud, Corse");
    assert!(afa.population > 0);
    let overseas = commune(&bano.communes, "97101");
    assert_eq!(overseas.context, "971, Guadeloupe");
    assert!(bano.communes.iter().all(|c| c.streets.iter().all(|s| !s.addresses.is_empty())));
}

#[test]
fn renamed_communes_keep_the_name_of_the_file() {
    let bano = common::bano();
    // BANO 2015 calls 48146 "Sainte-Enimie"; the COG 2026 calls it "Gorges du Tarn Causses".
    let c = commune(&bano.communes, "48146");
    assert_ne!(c.name, "Sainte-Enimie");
    assert!(
        c.streets.iter().all(|s| s.old_commune.as_ref().is_some_and(|(_, n)| n == "Sainte-Enimie"))
    );
    // An unchanged commune gets no ancienne commune.
    assert!(commune(&bano.communes, "2A001").streets.iter().all(|s| s.old_commune.is_none()));
}

#[test]
fn all_shared_ban_files_import() {
    // 25 files: Paris, Bondy and the 23 BANO départements.
    let paris = &common::paris().totals;
    let bano = &common::bano().totals;
    let bondy = import(&[ban_file("other/93010-bondy-ban-r-export.csv.gz")], None).totals;
    assert_eq!(paris.rows + bano.rows + bondy.rows, 879_881);
    assert_eq!(paris.skipped_total + bondy.skipped_total, 0);
}
