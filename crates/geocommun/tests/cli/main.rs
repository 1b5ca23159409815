//! The command line, run as a user would, on the real Paris file; and `serve` killed with
//! SIGKILL during publications ([`durability`]).

mod durability;
mod replicas;
mod tiles;

use std::path::Path;
use std::process::Command;

fn geocommun() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_geocommun"));
    c.env("GEOCOMMUN_DATA_DIR", geocommun_testkit::data_dir()).env("RUST_LOG", "warn");
    c
}

fn paris() -> String {
    geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz").display().to_string()
}

#[test]
fn import_reports_what_was_read() {
    let out = geocommun().args(["import", "--quiet", &paris()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("158048 rows read, 158048 addresses"), "{err}");
}

#[test]
fn import_names_the_file_line_and_field_of_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("adresses-test.csv");
    std::fs::write(
        &f,
        "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;cad_parcelles\n\
         75101_cfq3tf_00001;;1;;Avenue du Général Lemonnier;75001;75101;Paris 1er Arrondissement;;;650852.91;6862571.27;2.330113;48.861299;parcelle;;;PARIS;;commune;commune;1;\n\
         75101_cfq3tf_00002;;2;;Avenue du Général Lemonnier;75001;75101;Paris 1er Arrondissement;;;650873.96;6862544.4;2.330403;abc;parcelle;;;PARIS;;commune;commune;1;\n",
    )
    .unwrap();
    let out =
        geocommun().args(["import", "--quiet", "--admin-dir", "none"]).arg(&f).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 rows skipped"), "{err}");
    assert!(err.contains("adresses-test.csv:3") && err.contains("lat"), "{err}");
}

#[test]
fn unreadable_input_fails_with_a_clear_message() {
    let out = geocommun()
        .args(["import", "--quiet", "/nonexistent/adresses-99.csv.gz"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("adresses-99.csv.gz"), "{err}");
}

#[test]
fn index_then_eval_and_geocode_from_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("paris.gcx");
    let out =
        geocommun().args(["index", "--quiet", "-o"]).arg(&snap).arg(paris()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // eval: two queries, one exact and one with a typo, both must be found.
    let tsv = dir.path().join("q.tsv");
    std::fs::write(
        &tsv,
        "qid\trule\tchanged\tquery\texpected_id\tlon\tlat\n\
         0\tclean\t0\t1 Avenue du Général Lemonnier 75001 Paris\t75101_cfq3tf_00001\t2.330113\t48.861299\n\
         0\ttypo\t1\t1 Avenue du Général Lemonier 75001 Paris\t75101_cfq3tf_00001\t2.330113\t48.861299\n",
    )
    .unwrap();
    let out = geocommun()
        .args(["eval", "--snapshot"])
        .arg(&snap)
        .arg("--queries")
        .arg(&tsv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("clean") && l.contains("100.00")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("typo") && l.contains("100.00")), "{stdout}");

    // geocode: a Latin-1, ';'-separated file, as spreadsheets write them.
    let input = dir.path().join("in.csv");
    let (latin1, _, _) = encoding_rs::WINDOWS_1252
        .encode("ref;adresse;ville\n1;1 av du Général Lemonnier;Paris\n2;;\n");
    std::fs::write(&input, &latin1).unwrap();
    let output = dir.path().join("out.csv");
    let out = geocommun()
        .args(["geocode", "--snapshot"])
        .arg(&snap)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["--columns", "adresse", "--columns", "ville"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&output).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ref;adresse;ville;latitude;longitude;result_label"), "{header}");
    let row1 = lines.next().unwrap();
    assert!(
        row1.contains("Général") && row1.contains("75101_cfq3tf_00001") && row1.ends_with(";ok"),
        "{row1}"
    );
    assert!(lines.next().unwrap().ends_with(";skipped"));
    assert!(Path::new(&output).exists());
}

#[test]
fn validate_reports_a_real_bal_in_french_and_json() {
    let bal = geocommun_testkit::data_file("bal/71346.csv");
    let out = geocommun().arg("validate").arg(&bal).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("VALIDE — profil 1.3 · 145 lignes"), "{text}");
    assert!(text.contains("[W] row.commune_nom_invalide — 145 fois"), "{text}");
    let out = geocommun().args(["validate", "--format", "json"]).arg(&bal).output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["profile"], "1.3");
    assert_eq!(j["findingsCount"], 411);
    assert_eq!(j["validator"]["skippedChecks"][0], "row.cog_no_match_id_ban_commune");
}

#[test]
fn validate_exits_1_on_an_invalid_file_and_names_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.csv");
    std::fs::write(
        &f,
        "cle_interop;commune_insee;commune_nom;voie_nom;numero;position;long;lat;source;date_der_maj\n\
         71346_0090_00001;71346;Perrecy-les-Forges;Rue du Bé;01;entrée;4.2155280;46.6132107;Commune;2023-06-23\n",
    )
    .unwrap();
    let out = geocommun().args(["validate", "--lang", "en"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("INVALID"), "{text}");
    assert!(text.contains("numero.contient_prefixe"), "{text}");
    assert!(text.contains("line 2, column numero : \"01\""), "{text}");
    let out = geocommun().args(["validate", "--profile", "2.0"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown BAL profile `2.0`"));
}

#[test]
fn fix_writes_a_utf8_semicolon_file_and_lists_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    let text = "cle_interop,commune_nom,voie_nom,numero,position,long,lat,source,date_der_maj\n\
                71346_0090_00001,PERRECY-LES-FORGES,Rue du Bé,1,Entree,\"4,2155280\",46.6132107,Commune,23/06/2023\n";
    std::fs::write(&input, encoding_rs::WINDOWS_1252.encode(text).0).unwrap();
    let out = geocommun().arg("fix").arg(&input).arg("-o").arg(&output).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 1, position: \"Entree\" → \"entrée\" (position spelling)"), "{err}");
    let fixed = std::fs::read_to_string(&output).unwrap();
    assert!(
        fixed.contains("71346_0090_00001;Perrecy-les-Forges;Rue du Bé;1;entrée;4.2155280;"),
        "{fixed}"
    );
}

#[test]
fn admin_where_names_commune_epci_departement_region() {
    let out =
        geocommun().args(["admin", "where", "--quiet", "4.8357", "45.7640"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        "commune\t69123\tLyon\nepci\t200046977\tMétropole de Lyon\ndepartement\t69\tRhône\nregion\t84\tAuvergne-Rhône-Alpes\n"
    );
    let sea = geocommun().args(["admin", "where", "--quiet", "-5", "46"]).output().unwrap();
    assert!(!sea.status.success());
    assert!(String::from_utf8_lossy(&sea.stderr).contains("in no commune"));
    let bad = geocommun().args(["admin", "where", "--quiet", "200", "46"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("WGS-84"));
}

#[test]
fn admin_import_reports_the_matching() {
    let out = geocommun().args(["admin", "import", "--quiet"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("34969 communes actuelles"), "{err}");
    assert!(err.contains("1266 EPCI/EPT"), "{err}");
    assert!(err.contains("35357 features"), "{err}");
    assert!(err.contains("unmatched features: []"), "{err}");
}

/// `client create` prints the token once on stdout; `publish` as that client and as the
/// operator; a republication with a renamed street keeps every BAN id.
#[test]
fn client_create_and_publish() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("commons.db").display());
    let bal = geocommun_testkit::data_file("bal/71346.csv");
    let out = geocommun()
        .args(["client", "create", "mes-adresses", "--perimeter", "commune:71346", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("gc_"), "{token}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&token), "the token is shown once");

    let out = geocommun()
        .args(["publish", "71346"])
        .arg(&bal)
        .args(["--store", &store, "--client-token", &token])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("145 addresses") && err.contains("published"), "{err}");

    let renamed = dir.path().join("71346.csv");
    let text = std::fs::read_to_string(&bal).unwrap().replace(";Rue du Bé;", ";Rue du Bief;");
    std::fs::write(&renamed, text).unwrap();
    let out = geocommun()
        .args(["publish", "71346"])
        .arg(&renamed)
        .args(["--store", &store])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("ids: 0 from the file, 189 kept, 0 new"), "{err}");

    let out = geocommun()
        .args(["publish", "71346"])
        .arg(&bal)
        .args(["--store", &store, "--client-token", "gc_nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unauthenticated"));
}
