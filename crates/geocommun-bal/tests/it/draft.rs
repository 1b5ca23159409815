//! Drafts of the editor on the real BALs: an untouched draft writes back every row with all
//! its cells; every operation keeps the file valid for the validator and changes only what it
//! says; every refusal carries the validator's codes and leaves the draft as it was; the
//! operations, applied again to the same base, give the same draft (what undo relies on).

use std::collections::BTreeMap;

use geocommun_bal::Date;
use geocommun_bal::draft::{
    Base, Context, Draft, NumeroValue, Operation, Origin, PositionInput, Refusal, VoieKind,
};
use geocommun_bal::messages::{Lang, explain};
use geocommun_bal::write::{BalRow, read_bal};
use proptest::prelude::*;

use crate::{COG, validate};

const TODAY: Date = Date { year: 2026, month: 3, day: 2 };

fn bal(commune: &str) -> Vec<u8> {
    std::fs::read(geocommun_testkit::data_file(&format!("bal/{commune}.csv"))).expect("BAL file")
}

fn name_of(commune: &str) -> &'static str {
    match commune {
        "71346" => "Perrecy-les-Forges",
        _ => "Mont-Bonvillers",
    }
}

fn draft(commune: &str) -> Draft {
    let base = Base { commune, commune_nom: name_of(commune), origin: Origin::Bal, today: TODAY };
    Draft::from_bal(&bal(commune), &base).expect("draft of a real BAL")
}

/// Applies `op`; new BAN ids are numbered UUIDs v4, never the same twice.
fn apply(d: &mut Draft, op: &mut Operation) -> Result<(), Refusal> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let mut ids = || {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("00000000-0000-4000-8000-{n:012}")
    };
    d.apply(op, &mut Context { today: TODAY, new_ban_id: &mut ids })
}

fn op(json: serde_json::Value) -> Operation {
    serde_json::from_value(json).expect("operation")
}

/// The file is valid BAL 1.4 for the validator (errors listed otherwise).
fn assert_valid_14(text: &str) {
    let report = validate(text.as_bytes());
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == geocommun_bal::Severity::Error)
        .map(|f| (f.row, f.code.to_string()))
        .collect();
    assert!(report.valid, "not valid: {errors:?}");
    assert_eq!(report.profile.map(geocommun_bal::Profile::code), Some("1.4"));
    assert!(text.starts_with(
        "cle_interop;id_ban_commune;id_ban_toponyme;id_ban_adresse;voie_nom;lieudit_complement_nom;numero;"
    ));
}

/// Rows as comparable text (floats as written).
fn row_key(r: &BalRow) -> String {
    format!("{r:?}")
}

fn rows(text: &[u8]) -> Vec<BalRow> {
    read_bal(text, &COG).expect("read back")
}

#[test]
fn an_untouched_draft_writes_every_row_back_with_all_its_cells() {
    for commune in ["71346", "54084"] {
        let d = draft(commune);
        let out = d.to_bal();
        assert_valid_14(&out);
        // Same rows, every field (uid_adresse, cad_parcelles, source, dates, certification,
        // the odd lieudit_complement_nom of 71346), only grouped voie by voie.
        let mut before: Vec<String> = rows(&bal(commune)).iter().map(row_key).collect();
        let mut after: Vec<String> = rows(out.as_bytes()).iter().map(row_key).collect();
        before.sort();
        after.sort();
        assert_eq!(before, after, "{commune}");
        assert_eq!(Draft::from_bal(out.as_bytes(), &base_of(commune)).unwrap().to_bal(), out);
    }
    let d = draft("71346");
    assert_eq!(d.voies.len(), 43);
    assert!(d.voies.iter().all(|v| v.kind == VoieKind::Voie));
    assert!(d.numeros.len() > 100);
    // The file's FANTOIR codes are the voies' codes.
    let be = d.voies.iter().find(|v| v.nom == "Rue du Bé").unwrap();
    assert_eq!(be.code.as_deref(), Some("0090"));
}

fn base_of(commune: &str) -> Base<'_> {
    Base { commune, commune_nom: name_of(commune), origin: Origin::Bal, today: TODAY }
}

/// The rows of `text` by `cle_interop` (one position each in these files).
fn by_cle(text: &str) -> BTreeMap<String, BalRow> {
    rows(text.as_bytes()).into_iter().filter_map(|r| Some((r.cle_interop.clone()?, r))).collect()
}

#[test]
fn operations_change_only_what_they_say_and_keep_the_file_valid() {
    let mut d = draft("71346");
    let original = by_cle(&d.to_bal());
    let be = d.voies.iter().find(|v| v.nom == "Rue du Bé").unwrap().id.clone();
    let n3 = d.numeros.iter().find(|n| n.voie == be && n.numero == 3).unwrap().id.clone();
    let n1 = d.numeros.iter().find(|n| n.voie == be && n.numero == 1).unwrap().id.clone();

    // Move 3 Rue du Bé by a few metres.
    apply(
        &mut d,
        &mut op(
            serde_json::json!({"op": "move_numero", "numero": n3, "lon": 4.2161, "lat": 46.6131}),
        ),
    )
    .unwrap();
    // A new voie and a number in it, with two positions.
    let mut add = op(serde_json::json!({"op": "add_voie", "nom": "  Rue   des Tilleuls "}));
    apply(&mut d, &mut add).unwrap();
    assert_eq!(add, op(serde_json::json!({"op": "add_voie", "nom": "Rue des Tilleuls"})));
    let tilleuls = d.voies.last().unwrap().id.clone();
    apply(
        &mut d,
        &mut op(
            serde_json::json!({"op": "add_numero", "voie": tilleuls, "numero": 12, "suffixe": "bis",
            "positions": [{"type": "entrée", "lon": 4.2150, "lat": 46.6120},
                          {"type": "Batiment", "lon": 4.2151, "lat": 46.6121}], "certifie": true}),
        ),
    )
    .unwrap();
    // 1 Rue du Bé renumbered 1 ter, certified off; a rename; a deletion.
    apply(&mut d, &mut op(serde_json::json!({"op": "update_numero", "id": n1, "suffixe": "ter", "certifie": false}))).unwrap();
    let parc = d.voies.iter().find(|v| v.nom == "Rue du Parc").unwrap().id.clone();
    apply(
        &mut d,
        &mut op(serde_json::json!({"op": "rename_voie", "voie": parc, "nom": "Rue du Grand Parc"})),
    )
    .unwrap();
    let masclary = d.voies.iter().find(|v| v.nom == "Rue Masclary").unwrap().id.clone();
    let gone = d.numeros_of(&masclary).next().unwrap().clone();
    apply(&mut d, &mut op(serde_json::json!({"op": "delete_numero", "numero": gone.id}))).unwrap();

    let out = d.to_bal();
    assert_valid_14(&out);
    let now = by_cle(&out);
    // Moved: new long/lat and x/y computed again (Lambert-93), date of the edit; its parcel,
    // source and certification kept.
    let moved = &now["71346_0090_00003"];
    let before = &original["71346_0090_00003"];
    assert_eq!((moved.long, moved.lat), (Some(4.2161), Some(46.6131)));
    assert!(moved.x.unwrap() > 793_000.0 && moved.x != before.x, "{moved:?}");
    assert_eq!(moved.date_der_maj, Some(TODAY));
    assert_eq!(moved.cad_parcelles, before.cad_parcelles);
    assert_eq!(moved.source, before.source);
    assert_eq!(moved.certification_commune, before.certification_commune);
    // New: its key from the commune and `xxxx` (no FANTOIR code for a new voie), two rows.
    let all = rows(out.as_bytes());
    let new: Vec<&BalRow> = all.iter().filter(|r| r.voie_nom == "Rue des Tilleuls").collect();
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|r| r.cle_interop.as_deref() == Some("71346_xxxx_00012_bis")));
    assert!(new.iter().all(|r| r.certification_commune == Some(true)));
    assert_eq!(new[0].source, "Commune de Perrecy-Les-Forges", "the base's source");
    assert_eq!(new[0].commune_nom, "Perrecy-les-Forges", "the COG name on new rows");
    // Renumbered: the FANTOIR code is kept, the number part follows.
    let ter = &now["71346_0090_00001_ter"];
    assert_eq!((ter.numero, ter.suffixe.as_deref()), (1, Some("ter")));
    assert_eq!(ter.certification_commune, Some(false));
    assert!(!now.contains_key("71346_0090_00001"));
    // Renamed: every row of the voie, keys unchanged.
    let parc_rows: Vec<&BalRow> = all
        .iter()
        .filter(|r| r.cle_interop.as_deref().is_some_and(|c| c.starts_with("71346_x024_")))
        .collect();
    assert!(!parc_rows.is_empty());
    assert!(parc_rows.iter().all(|r| r.voie_nom == "Rue du Grand Parc"), "{parc_rows:?}");
    // Deleted.
    assert!(!now.contains_key(gone.cle_interop.as_deref().unwrap()));
    // Everything else untouched, cell for cell.
    let untouched = original.iter().filter(|(k, r)| {
        r.voie_nom != "Rue du Parc"
            && k.as_str() != "71346_0090_00003"
            && k.as_str() != "71346_0090_00001"
            && Some(k.as_str()) != gone.cle_interop.as_deref()
    });
    let mut n = 0;
    for (k, r) in untouched {
        assert_eq!(now.get(k), Some(r), "{k}");
        n += 1;
    }
    assert!(n > 100);
}

#[test]
fn merging_moves_the_numbers_and_keeps_the_fantoir_code_of_the_voie_kept() {
    let mut d = draft("71346");
    let id = |d: &Draft, nom: &str| d.voies.iter().find(|v| v.nom == nom).unwrap().id.clone();
    let (from, into) = (id(&d, "Chemin du Bois Simon"), id(&d, "Rue du Bois Simon"));
    let moving: Vec<String> = d.numeros_of(&from).map(|n| n.id.clone()).collect();
    let clash = apply(
        &mut d,
        &mut op(serde_json::json!({"op": "merge_voies", "from": from, "into": into})),
    );
    let into_code = d.voie(&into).unwrap().code.clone().unwrap();
    match clash {
        Ok(()) => {
            assert!(d.voie(&from).is_none());
            for n in &moving {
                let n = d.numero(n).unwrap();
                assert_eq!(n.voie, into);
                assert_eq!(
                    n.cle_interop.as_deref().unwrap().split('_').nth(1),
                    Some(into_code.as_str())
                );
            }
            assert_valid_14(&d.to_bal());
        }
        Err(Refusal::Invalid(m)) => assert_eq!(m[0].code, "editeur.fusion_numeros_en_double"),
        Err(e) => panic!("{e}"),
    }
    // Merging a voie into itself, or into a lieu-dit, is refused.
    let mut t = op(
        serde_json::json!({"op": "add_toponyme", "nom": "Les Grandes Terres", "position": [4.21, 46.61]}),
    );
    apply(&mut d, &mut t).unwrap();
    let lieu = d.voies.last().unwrap().id.clone();
    let before = d.clone();
    let e = apply(
        &mut d,
        &mut op(serde_json::json!({"op": "merge_voies", "from": into, "into": into})),
    )
    .unwrap_err();
    assert!(matches!(&e, Refusal::Invalid(m) if m[0].code == "editeur.fusion_meme_voie"), "{e}");
    let e = apply(
        &mut d,
        &mut op(serde_json::json!({"op": "merge_voies", "from": into, "into": lieu})),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Refusal::Invalid(m) if m[0].code == "editeur.fusion_types_differents"),
        "{e}"
    );
    assert_eq!(d, before);
    // The lieu-dit is a 99999 row with its key and position.
    let out = d.to_bal();
    assert_valid_14(&out);
    let row =
        rows(out.as_bytes()).into_iter().find(|r| r.voie_nom == "Les Grandes Terres").unwrap();
    assert_eq!(row.numero, 99_999);
    assert_eq!(row.cle_interop.as_deref(), Some("71346_xxxx_99999"));
    assert_eq!((row.long, row.lat), (Some(4.21), Some(46.61)));
}

/// The codes of a refusal (the draft must be unchanged).
#[allow(clippy::needless_pass_by_value)]
fn refused(d: &mut Draft, json: serde_json::Value) -> Vec<String> {
    let before = d.clone();
    let e = apply(d, &mut op(json.clone())).expect_err(&json.to_string());
    assert_eq!(*d, before, "a refused operation changes nothing: {json}");
    match e {
        Refusal::Invalid(m) => m.into_iter().map(|m| m.code).collect(),
        Refusal::Unknown { what, id } => vec![format!("unknown {what} {id}")],
    }
}

#[test]
fn invalid_values_are_refused_with_the_validators_codes() {
    let mut d = draft("71346");
    let be = d.voies.iter().find(|v| v.nom == "Rue du Bé").unwrap().id.clone();
    let n3 = d.numeros.iter().find(|n| n.voie == be && n.numero == 3).unwrap().id.clone();
    let add = |numero: serde_json::Value, suffixe: serde_json::Value| {
        serde_json::json!({"op": "add_numero", "voie": be, "numero": numero, "suffixe": suffixe,
            "positions": [{"type": "entrée", "lon": 4.2150, "lat": 46.6120}]})
    };
    for (numero, code) in [
        (serde_json::json!(0), "numero.not_to_be_zero"),
        (serde_json::json!(100_000), "numero.trop_grand"),
        (serde_json::json!(-4), "numero.type_invalide"),
        (serde_json::json!("12a"), "numero.type_invalide"),
        (serde_json::json!("007"), "numero.contient_prefixe"),
        (serde_json::json!(12.5), "numero.type_invalide"),
        (serde_json::json!(99_999), "editeur.numero_lieu_dit"),
        (serde_json::json!(3), "editeur.numero_existant"),
    ] {
        assert_eq!(
            refused(&mut d, add(numero.clone(), serde_json::Value::Null)),
            [code],
            "{numero}"
        );
    }
    for (suffixe, code) in [
        ("-bis", "suffixe.debut_invalide"),
        ("quinquiesbis", "suffixe.trop_long"),
        ("b-s", "suffixe.caractere_invalide"),
    ] {
        assert_eq!(
            refused(&mut d, add(serde_json::json!(40), suffixe.into())),
            [code],
            "{suffixe}"
        );
    }
    // Every problem at once.
    assert_eq!(
        refused(&mut d, add(serde_json::json!(0), "-x".into())),
        ["numero.not_to_be_zero", "suffixe.debut_invalide"]
    );
    for (nom, codes) in [
        ("", vec!["voie_nom.valeur_manquante"]),
        ("   ", vec!["voie_nom.valeur_manquante"]),
        ("Ru", vec!["voie_nom.trop_court"]),
        ("RUE DU MOULIN", vec!["voie_nom.casse_incorrecte"]),
        ("ZZXQ KRRT BLRG", vec!["voie_nom.casse_incorrecte"]),
        ("Rue_du_Moulin", vec!["voie_nom.contient_tiret_bas"]),
        ("Rue du \u{FFFD}oulin", vec!["voie_nom.caractere_invalide"]),
        ("rue du bé", vec!["editeur.voie_existante"]),
    ] {
        assert_eq!(
            refused(&mut d, serde_json::json!({"op": "add_voie", "nom": nom})),
            codes,
            "{nom:?}"
        );
        if nom != "rue du bé" {
            let rename = serde_json::json!({"op": "rename_voie", "voie": be, "nom": nom});
            assert_eq!(refused(&mut d, rename), codes, "{nom:?}");
        }
    }
    // Renaming a voie to another spelling of its own name is allowed; to another's, not.
    let molfront = d.voies.iter().find(|v| v.nom == "Rue de Molfront").unwrap().id.clone();
    assert_eq!(
        refused(
            &mut d,
            serde_json::json!({"op": "rename_voie", "voie": molfront, "nom": "Rue du Be"})
        ),
        ["editeur.voie_existante"]
    );
    assert_eq!(
        refused(&mut d, serde_json::json!({"op": "rename_voie", "voie": be, "nom": "RUE DU BÉ"})),
        ["voie_nom.casse_incorrecte"]
    );
    apply(
        &mut d,
        &mut op(serde_json::json!({"op": "rename_voie", "voie": be, "nom": "Rue Du Bé"})),
    )
    .unwrap();
    let long = "Rue ".to_owned() + &"a".repeat(200);
    assert_eq!(
        refused(&mut d, serde_json::json!({"op": "add_voie", "nom": long})),
        ["voie_nom.trop_long"]
    );
    // Positions: an unknown type, outside France, none.
    let pos = |t: &str, lon: f64, lat: f64| serde_json::json!({"op": "update_numero", "id": n3, "positions": [{"type": t, "lon": lon, "lat": lat}]});
    assert_eq!(refused(&mut d, pos("porte", 4.2, 46.6)), ["position.valeur_invalide"]);
    assert_eq!(refused(&mut d, pos("", 4.2, 46.6)), ["row.position_manquante"]);
    assert_eq!(refused(&mut d, pos("entrée", 0.0, 0.0)), ["row.longlat_invalides"]);
    assert_eq!(refused(&mut d, pos("entrée", 46.6, 4.2)), ["row.longlat_invalides"], "swapped");
    assert_eq!(
        refused(
            &mut d,
            serde_json::json!({"op": "move_numero", "numero": n3, "lon": 200.0, "lat": 46.0})
        ),
        ["row.longlat_invalides"]
    );
    assert_eq!(
        refused(&mut d, serde_json::json!({"op": "update_numero", "id": n3, "positions": []})),
        ["row.longlat_vides"]
    );
    assert_eq!(
        refused(&mut d, serde_json::json!({"op": "update_numero", "id": n3})),
        ["editeur.modification_vide"]
    );
    assert_eq!(
        refused(&mut d, serde_json::json!({"op": "delete_numero", "numero": "n999999"})),
        ["unknown numero n999999"]
    );
    let mut t = op(serde_json::json!({"op": "add_toponyme", "nom": "Le Grand Bois"}));
    apply(&mut d, &mut t).unwrap();
    let lieu = d.voies.last().unwrap().id.clone();
    assert_eq!(
        refused(
            &mut d,
            serde_json::json!({"op": "add_numero", "voie": lieu, "numero": 5,
            "positions": [{"type": "entrée", "lon": 4.2, "lat": 46.6}]})
        ),
        ["editeur.numero_sur_lieu_dit"]
    );
    // Each code has a text of its own, in French and in English.
    for code in [
        "numero.trop_grand",
        "numero.not_to_be_zero",
        "suffixe.debut_invalide",
        "voie_nom.casse_incorrecte",
        "row.longlat_invalides",
        "editeur.voie_existante",
        "editeur.numero_existant",
        "editeur.numero_lieu_dit",
        "editeur.numero_sur_lieu_dit",
        "editeur.fusion_numeros_en_double",
    ] {
        let fr = explain(code, Lang::Fr);
        assert!(!fr.what.starts_with("Problème") && !fr.what.starts_with("Opération"), "{code}");
        assert_ne!(explain(code, Lang::En).what, fr.what, "{code}");
    }
}

#[test]
fn renumbering_keeps_the_key_of_the_voie_and_operations_refuse_unknown_fields() {
    let mut d = draft("54084");
    let n = d.numeros[0].id.clone();
    let voie = d.numeros[0].voie.clone();
    apply(&mut d, &mut op(serde_json::json!({"op": "update_numero", "id": n, "numero": 301})))
        .unwrap();
    assert_eq!(d.numero(&n).unwrap().numero, 301);
    assert_eq!(d.numero(&n).unwrap().voie, voie);
    assert_eq!(d.numero(&n).unwrap().cle_interop.as_deref(), Some("54084_0200_00301"));
    let typo = serde_json::from_value::<Operation>(
        serde_json::json!({"op": "add_voie", "nom": "x", "sufixe": 1}),
    );
    assert!(typo.unwrap_err().to_string().contains("sufixe"));
}

// ---- property: any sequence of operations, valid or not ----

fn position() -> impl Strategy<Value = PositionInput> {
    (
        prop::sample::select(vec!["entrée", "bâtiment", "Entree", "porte", "", "parcelle"]),
        prop_oneof![4 => (4.19..4.23f64, 46.60..46.63f64), 1 => (-10.0..60.0f64, -10.0..60.0f64)],
    )
        .prop_map(|(t, (lon, lat))| PositionInput { kind: t.to_owned(), lon, lat })
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Rue des Acacias",
        "Rue du Bé",
        "RUE DES ACACIAS",
        "Al",
        "Chemin de la Croix",
        "Impasse_des_Roses",
        "",
        "Allée des Érables",
    ])
    .prop_map(str::to_owned)
}

/// An operation in the abstract: objects are picked by index in the draft of the moment (the
/// last pick of each list is an id the draft does not have).
#[derive(Clone, Debug)]
enum Gen {
    AddVoie(String),
    Rename(prop::sample::Index, String),
    Merge(prop::sample::Index, prop::sample::Index),
    AddToponyme(String, (f64, f64)),
    AddNumero(prop::sample::Index, i64, Option<&'static str>, Vec<PositionInput>, bool),
    Update(prop::sample::Index, i64, Option<&'static str>),
    Move(prop::sample::Index, PositionInput),
    Delete(prop::sample::Index),
    Certify(Vec<prop::sample::Index>, bool),
}

fn gen_op() -> impl Strategy<Value = Gen> {
    let index = any::<prop::sample::Index>;
    let number = || prop_oneof![1 => Just(0i64), 8 => 1..80i64, 1 => Just(100_000i64)];
    let suffixe = || prop::option::of(prop::sample::select(vec!["bis", "ter", "a", "-x"]));
    prop_oneof![
        name().prop_map(Gen::AddVoie),
        (index(), name()).prop_map(|(i, n)| Gen::Rename(i, n)),
        (index(), index()).prop_map(|(a, b)| Gen::Merge(a, b)),
        (name(), (4.19..4.23f64, 46.60..46.63f64)).prop_map(|(n, p)| Gen::AddToponyme(n, p)),
        (index(), number(), suffixe(), prop::collection::vec(position(), 0..3), any::<bool>())
            .prop_map(|(i, n, s, p, c)| Gen::AddNumero(i, n, s, p, c)),
        (index(), number(), suffixe()).prop_map(|(i, n, s)| Gen::Update(i, n, s)),
        (index(), position()).prop_map(|(i, p)| Gen::Move(i, p)),
        index().prop_map(Gen::Delete),
        (prop::collection::vec(index(), 1..4), any::<bool>()).prop_map(|(i, c)| Gen::Certify(i, c)),
    ]
}

impl Gen {
    fn on(&self, d: &Draft) -> Operation {
        let voies: Vec<String> =
            d.voies.iter().map(|v| v.id.clone()).chain(["v0".to_owned()]).collect();
        let numeros: Vec<String> =
            d.numeros.iter().map(|n| n.id.clone()).chain(["n0".to_owned()]).collect();
        let voie = |i: &prop::sample::Index| i.get(&voies).clone();
        let numero = |i: &prop::sample::Index| i.get(&numeros).clone();
        match self {
            Self::AddVoie(nom) => Operation::AddVoie { nom: nom.clone(), ban_id: None },
            Self::Rename(i, nom) => Operation::RenameVoie { voie: voie(i), nom: nom.clone() },
            Self::Merge(a, b) => Operation::MergeVoies { from: voie(a), into: voie(b) },
            Self::AddToponyme(nom, (lon, lat)) => Operation::AddToponyme {
                nom: nom.clone(),
                position: Some([*lon, *lat]),
                ban_id: None,
            },
            Self::AddNumero(i, n, s, positions, certifie) => Operation::AddNumero {
                voie: voie(i),
                numero: NumeroValue(n.to_string()),
                suffixe: s.map(str::to_owned),
                positions: positions.clone(),
                certifie: *certifie,
                ban_id: None,
            },
            Self::Update(i, n, s) => serde_json::from_value(serde_json::json!({
                "op": "update_numero", "id": numero(i), "numero": n, "suffixe": s}))
            .expect("update"),
            Self::Move(i, p) => Operation::MoveNumero { numero: numero(i), lon: p.lon, lat: p.lat },
            Self::Delete(i) => Operation::DeleteNumero { numero: numero(i) },
            Self::Certify(is, certifie) => {
                Operation::Certify { numeros: is.iter().map(numero).collect(), certifie: *certifie }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_draft_valid_and_replays_the_same(
        gens in prop::collection::vec(gen_op(), 1..12),
        with_ids in any::<bool>(),
    ) {
        // The real BAL of Perrecy, or a small one with BAN ids on every row.
        let base = if with_ids {
            Draft::from_bal(WITH_IDS.as_bytes(), &base_of("71346")).expect("draft")
        } else {
            draft("71346")
        };
        let mut d = base.clone();
        let mut applied: Vec<Operation> = Vec::new();
        for g in &gens {
            let mut o = g.on(&d);
            let before = d.clone();
            if apply(&mut d, &mut o).is_ok() {
                applied.push(o);
            } else {
                prop_assert_eq!(&d, &before, "a refusal changes nothing");
            }
            // Ids never change meaning: a number still there is on a voie that exists.
            for n in &d.numeros {
                prop_assert!(d.voie(&n.voie).is_some(), "{} on a missing voie", n.id);
            }
        }
        let out = d.to_bal();
        let report = validate(out.as_bytes());
        let errors: Vec<String> = report.findings.iter()
            .filter(|f| f.severity == geocommun_bal::Severity::Error)
            .map(|f| f.code.to_string()).collect();
        prop_assert!(report.valid, "{:?} after {:?}", errors, applied);
        // The completed operations, applied again to the base, give the same draft.
        let mut again = base;
        for o in &mut applied.clone() {
            prop_assert!(apply(&mut again, o).is_ok());
        }
        prop_assert_eq!(&again, &d);
        // And the file reads back as a draft that writes the same file.
        let reread = Draft::from_bal(out.as_bytes(), &base_of("71346")).expect("re-read");
        prop_assert_eq!(reread.to_bal(), out);
    }
}

/// A BAL 1.4 with BAN ids on every row, a regional name, a lieu-dit and a column of its own.
const WITH_IDS: &str = "cle_interop;id_ban_commune;id_ban_toponyme;id_ban_adresse;voie_nom;voie_nom_bre;lieudit_complement_nom;numero;suffixe;commune_insee;commune_nom;commune_deleguee_insee;commune_deleguee_nom;position;x;y;long;lat;cad_parcelles;source;date_der_maj;certification_commune;commentaire\n\
71346_0090_00001;0246e48c-f33d-433a-8984-034219be842e;1b0c8c3e-3a26-4c0e-9d1c-6a2a8e2d5f01;5c7e4b1a-0d9e-4f3a-b2c1-7e6f5d4c3b2a;Rue du Bé;Straed ar Be;;1;;71346;Perrecy-les-Forges;;;entrée;793021.33;6613288.80;4.2155280;46.6132107;710346000AI0188;Commune;2023-06-23;1;portail vert\n\
71346_0090_00003;0246e48c-f33d-433a-8984-034219be842e;1b0c8c3e-3a26-4c0e-9d1c-6a2a8e2d5f01;6d8f5c2b-1e0f-4a4b-83d2-8f7a6e5d4c3b;Rue du Bé;Straed ar Be;;3;;71346;Perrecy-les-Forges;;;entrée;793057.20;6613268.81;4.2159927;46.6130258;710346000AI0500;Commune;2023-06-09;1;\n\
71346_x001_99999;0246e48c-f33d-433a-8984-034219be842e;2c1d9d4f-4b37-4d1f-8e2d-7b3b9f3e6a12;;Les Grands Champs;;;99999;;71346;Perrecy-les-Forges;;;segment;;;4.2200000;46.6200000;;Commune;2023-06-09;;\n";

#[test]
fn ban_ids_regional_names_and_other_columns_are_kept_and_new_objects_get_ids() {
    let base = base_of("71346");
    let mut d = Draft::from_bal(WITH_IDS.as_bytes(), &base).unwrap();
    assert!(d.with_ban_ids());
    assert_valid_14(&d.to_bal());
    let be = d.voies.iter().find(|v| v.nom == "Rue du Bé").unwrap().clone();
    assert_eq!(be.ban_id.as_deref(), Some("1b0c8c3e-3a26-4c0e-9d1c-6a2a8e2d5f01"));
    assert_eq!(
        d.voies.iter().find(|v| v.nom == "Les Grands Champs").unwrap().kind,
        VoieKind::Toponyme
    );
    // A number on the voie, a new voie with a number, a new lieu-dit.
    apply(
        &mut d,
        &mut op(serde_json::json!({"op": "add_numero", "voie": be.id, "numero": 5,
        "positions": [{"type": "entrée", "lon": 4.2162, "lat": 46.6129}]})),
    )
    .unwrap();
    let mut add = op(serde_json::json!({"op": "add_voie", "nom": "Rue des Tilleuls"}));
    apply(&mut d, &mut add).unwrap();
    let Operation::AddVoie { ban_id: Some(voie_ban), .. } = &add else {
        panic!("the operation keeps the id it was given: {add:?}")
    };
    let tilleuls = d.voies.last().unwrap().id.clone();
    apply(
        &mut d,
        &mut op(serde_json::json!({"op": "add_numero", "voie": tilleuls, "numero": 2,
        "positions": [{"type": "entrée", "lon": 4.2150, "lat": 46.6120}]})),
    )
    .unwrap();
    apply(&mut d, &mut op(serde_json::json!({"op": "add_toponyme", "nom": "Le Moulin", "position": [4.21, 46.61]}))).unwrap();
    // Renaming keeps the voie's id and its regional name.
    apply(
        &mut d,
        &mut op(serde_json::json!({"op": "rename_voie", "voie": be.id, "nom": "Rue du Bief"})),
    )
    .unwrap();
    let out = d.to_bal();
    assert_valid_14(&out);
    assert!(
        out.lines().next().unwrap().ends_with(";certification_commune;voie_nom_bre;commentaire")
    );
    let table = geocommun_bal::read::read_table(out.as_bytes()).unwrap();
    let col = |n: &str| table.header.iter().position(|h| h == n).unwrap();
    let row = |cle: &str| table.rows.iter().find(|r| r[col("cle_interop")] == cle).unwrap().clone();
    let one = row("71346_0090_00001");
    assert_eq!(one[col("commentaire")], "portail vert");
    assert_eq!(one[col("voie_nom_bre")], "Straed ar Be");
    assert_eq!(one[col("voie_nom")], "Rue du Bief");
    assert_eq!(one[col("id_ban_toponyme")], "1b0c8c3e-3a26-4c0e-9d1c-6a2a8e2d5f01");
    assert_eq!(one[col("date_der_maj")], TODAY.iso(), "renamed today");
    let five = row("71346_0090_00005");
    assert_eq!(five[col("voie_nom_bre")], "Straed ar Be", "a new number of the voie has its names");
    assert_eq!(five[col("commentaire")], "", "not a column of the voie");
    assert_eq!(five[col("id_ban_toponyme")], "1b0c8c3e-3a26-4c0e-9d1c-6a2a8e2d5f01");
    assert_eq!(five[col("id_ban_commune")], "0246e48c-f33d-433a-8984-034219be842e");
    assert!(geocommun_bal::values::is_uuid_v4(&five[col("id_ban_adresse")]));
    let two = row("71346_xxxx_00002");
    assert_eq!(two[col("id_ban_toponyme")], voie_ban.as_str());
    assert!(geocommun_bal::values::is_uuid_v4(&two[col("id_ban_adresse")]));
    let moulin = table.rows.iter().find(|r| r[col("voie_nom")] == "Le Moulin").unwrap();
    assert_eq!(moulin[col("numero")], "99999");
    assert!(geocommun_bal::values::is_uuid_v4(&moulin[col("id_ban_toponyme")]));
    // Every id once per object.
    let ids: std::collections::HashSet<&str> = table
        .rows
        .iter()
        .map(|r| r[col("id_ban_adresse")].as_str())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(ids.len(), 4);
}
