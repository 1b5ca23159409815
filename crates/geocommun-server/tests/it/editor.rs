//! The editor end to end on real data, over the router, on SQLite and on PostgreSQL: a person
//! of the mairie of Bondy (93010, the BAN's own file as the server's fallback data) signs in
//! with the code mailed to the commune's official addresses, opens the draft, moves a number,
//! adds a street and a number in it, sees the difference with the national base, undoes a
//! step, publishes, and finds the new number through `/search/` and in `/feed`; the commune
//! summary counts what the file holds (counted here from the file itself). Refusals: values
//! the BAL rules reject (422, the validator's messages, the draft unchanged), another
//! commune's draft (403), no session (401), an expired or closed session (401), a stale
//! `expected_version` (409), a foreign `Origin` (403), too many code requests (429).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use geocommun_export::Fallback;
use geocommun_import::Source;
use geocommun_model::CommuneAddresses;
use geocommun_model::text::{fold, fold_suffix};
use geocommun_server::{RateLimit, RateLimits};
use geocommun_store::ManualClock;
use serde_json::{Value, json};

use crate::common::{Resp, assert_error, get, send};
use crate::publication::{REGISTRY, START, Setup, World, postgres_world_with, sqlite_world_with};

/// Instantiates each test for both backends: `sqlite::NAME` and `postgres::NAME`.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

both_backends!(
    a_mairie_edits_and_publishes_bondy,
    sessions_expire_end_and_stay_in_their_commune,
    cookies_origins_and_code_limits,
);

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

const BONDY: &str = "93010";

fn bondy_file() -> std::path::PathBuf {
    geocommun_testkit::data_file("ban/other/93010-bondy-ban-r-export.csv.gz")
}

/// Bondy as the importer reads the BAN's file (the index of the test server).
static BONDY_DATA: LazyLock<Vec<CommuneAddresses>> = LazyLock::new(|| {
    let mut importer = geocommun_import::Importer::new(Some(&REGISTRY));
    importer.read(&Source::Path(bondy_file()), &mut |_| {}).unwrap();
    importer.finish()
});

/// A server whose base is Bondy's BAN file (index and fallback), with its mairie in the
/// directory, on `backend`.
async fn world(backend: Backend, limits: RateLimits, clock: Option<ManualClock>) -> Option<World> {
    let setup = Setup {
        limits,
        clock,
        engine: Some(geocommun_search::Engine::build(&BONDY_DATA)),
        fallback: Some(Arc::new(Fallback::new(
            vec![Source::Path(bondy_file())],
            Some(Arc::clone(&REGISTRY)),
        ))),
        ..Setup::default()
    };
    let w = match backend {
        Backend::Sqlite => Some(sqlite_world_with(setup).await),
        Backend::Postgres => postgres_world_with(setup).await,
    }?;
    w.store()
        .import_mairie_directory(
            "annuaire.csv",
            b"code_insee;email\n93010;mairie@ville-bondy.fr\n93010;etat-civil@ville-bondy.fr\n",
        )
        .await
        .unwrap();
    Some(w)
}

/// A person at a browser: an address and, once signed in, the session cookie.
struct Person {
    peer: SocketAddr,
    cookie: Option<String>,
}

impl Person {
    fn at(last: u8) -> Self {
        Self { peer: SocketAddr::from(([203, 0, 113, last], 50_000)), cookie: None }
    }

    async fn call(&self, w: &World, method: &str, uri: &str, body: Option<Value>) -> Resp {
        self.call_with(w, method, uri, body, &[]).await
    }

    async fn call_with(
        &self,
        w: &World,
        method: &str,
        uri: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri).header("host", "editeur.test");
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("theme=sombre; geocommun_editor={c}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).unwrap();
        req.extensions_mut().insert(ConnectInfo(self.peer));
        send(&w.app, req).await
    }

    /// Signs in for `commune` through the mail; returns the session answer.
    async fn sign_in(&mut self, w: &World, commune: &str) -> Value {
        let before = w.sink.mails().len();
        let r = self.call(w, "POST", "/editor/sign-in", Some(json!({ "commune": commune }))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let habilitation = r.json()["habilitation"].as_str().unwrap().to_owned();
        let mail = w.sink.wait_for(before + 1).await.pop().unwrap();
        let code = code_of(&mail.body());
        let uri = format!("/editor/sign-in/{habilitation}/code");
        let r = self.call(w, "POST", &uri, Some(json!({ "code": code }))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        self.cookie = Some(cookie_value(&r));
        r.json()
    }

    async fn draft(&self, w: &World, commune: &str) -> Value {
        let r = self.call(w, "GET", &format!("/editor/communes/{commune}/draft"), None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Applies an operation; the new draft.
    async fn op(&self, w: &World, draft: &Value, op: Value) -> Value {
        let uri = format!("/editor/drafts/{}/operations", draft["id"].as_str().unwrap());
        let r = self.call(w, "POST", &uri, Some(op.clone())).await;
        assert_eq!(r.status, 200, "{op}: {}", r.text());
        r.json()
    }
}

/// The 6 digits after `code: `.
fn code_of(body: &str) -> String {
    let at = body.find("code: ").unwrap() + 6;
    body[at..at + 6].to_owned()
}

/// The value of the `geocommun_editor` cookie set by an answer.
fn cookie_value(r: &Resp) -> String {
    let set = r.header("set-cookie");
    let (pair, _) = set.split_once(';').unwrap();
    pair.strip_prefix("geocommun_editor=").unwrap().to_owned()
}

/// What Bondy's BAN file holds, counted from the file itself.
struct FileFigures {
    rows: u64,
    /// Distinct ids: the BAN's addresses.
    addresses: u64,
    /// Distinct name + street part of the id: the BAN's voies.
    voies: u64,
    /// As a BAL groups them: distinct folded names, and numbers (with folded suffix) in them.
    bal_voies: u64,
    bal_addresses: u64,
    certified: u64,
    /// West, south, east, north.
    bbox: [f64; 4],
}

fn bondy_file_figures() -> FileFigures {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(bondy_file()).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (id, voie, numero, rep, cert, lon, lat) = (
        col("id"),
        col("nom_voie"),
        col("numero"),
        col("rep"),
        col("certification_commune"),
        col("lon"),
        col("lat"),
    );
    let (mut ids, mut voies, mut certified, mut rows) = (HashSet::new(), HashSet::new(), 0, 0);
    let (mut bal_voies, mut bal_addresses) = (HashSet::new(), HashSet::new());
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for rec in rdr.records() {
        let rec = rec.unwrap();
        rows += 1;
        ids.insert(rec[id].to_owned());
        let street: Vec<&str> = rec[id].splitn(3, '_').take(2).collect();
        let street = street.join("_");
        voies.insert((rec[voie].to_owned(), street));
        let name = fold(&rec[voie]);
        bal_voies.insert(name.clone());
        bal_addresses.insert((name, rec[numero].to_owned(), fold_suffix(&rec[rep])));
        certified += u64::from(&rec[cert] == "1");
        let (x, y): (f64, f64) = (rec[lon].parse().unwrap(), rec[lat].parse().unwrap());
        bbox = [bbox[0].min(x), bbox[1].min(y), bbox[2].max(x), bbox[3].max(y)];
    }
    FileFigures {
        rows,
        addresses: ids.len() as u64,
        voies: voies.len() as u64,
        bal_voies: bal_voies.len() as u64,
        bal_addresses: bal_addresses.len() as u64,
        certified,
        bbox,
    }
}

fn first_feature(r: &Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["features"][0].clone()
}

/// The codes of a 422.
fn refusal_codes(r: &Resp) -> Vec<String> {
    assert_error(r, 422, "invalid_value");
    let v = r.json();
    let messages = v["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    for m in messages {
        // The validator's own explanation, never a generic text.
        let text = m["message"].as_str().unwrap();
        assert!(!text.is_empty() && !text.starts_with("Problème"), "{m}");
        assert!(!m["correction"].as_str().unwrap().is_empty(), "{m}");
    }
    messages.iter().map(|m| m["code"].as_str().unwrap().to_owned()).collect()
}

async fn a_mairie_edits_and_publishes_bondy(backend: Backend) {
    let clock = ManualClock::new(START);
    let Some(w) = world(backend, RateLimits::default(), Some(clock.clone())).await else {
        return;
    };
    let mut mairie = Person::at(10);

    // The commune page before: the BAN data, counted as the file holds it.
    let file = bondy_file_figures();
    let (addresses, voies, certified, bbox) =
        (file.addresses, file.voies, file.certified, file.bbox);
    let r = get(&w.app, "/base/communes/93010").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let summary = r.json();
    assert_eq!(summary["nom"], "Bondy");
    assert_eq!(summary["source"], "ban");
    assert_eq!(summary["adresses"], addresses);
    assert_eq!(summary["voies"], voies);
    assert_eq!(summary["certifiees"], certified);
    assert_eq!(summary["part_certifiee"], 0.0);
    assert_eq!(summary["lieux_dits"], 0);
    assert_eq!(summary["derniere_publication"], Value::Null);
    assert_eq!(summary["curseur_feed"], 0);
    let got: Vec<f64> =
        summary["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (g, e) in got.iter().zip(bbox) {
        assert!((g - e).abs() < 1e-6, "bbox {got:?} vs {bbox:?}");
    }
    assert_eq!(summary["telechargements"]["bal"], "/exports/communes/93010?format=bal");
    assert_error(&get(&w.app, "/base/communes/99999").await, 404, "not_found");

    // Nothing without a session.
    for (method, uri) in [
        ("GET", "/editor/session"),
        ("GET", "/editor/communes/93010/draft"),
        ("POST", "/editor/drafts/00000000-0000-4000-8000-000000000000/operations"),
    ] {
        let r = mairie.call(&w, method, uri, Some(json!({}))).await;
        let message = assert_error(&r, 401, "unauthenticated");
        assert!(message.contains("sign in"), "{message}");
    }

    // Sign-in: the code goes to both official addresses, masked in the answer.
    let before = w.sink.mails().len();
    let r = mairie.call(&w, "POST", "/editor/sign-in", Some(json!({"commune": "93010"}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let sign = r.json();
    let emails: BTreeSet<&str> =
        sign["emails"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert_eq!(emails, BTreeSet::from(["e***@ville-bondy.fr", "m***@ville-bondy.fr"]));
    assert!(sign["expire_le"].as_str().unwrap().starts_with("2026-03-03T09:00:00"));
    let mail = w.sink.wait_for(before + 1).await.pop().unwrap();
    assert_eq!(mail.to.len(), 2);
    let code = code_of(&mail.body());
    assert!(!r.text().contains(&code), "the code only travels by mail");
    let uri = format!("/editor/sign-in/{}/code", sign["habilitation"].as_str().unwrap());
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = mairie.call(&w, "POST", &uri, Some(json!({"code": wrong}))).await;
    let message = assert_error(&r, 401, "unauthenticated");
    assert!(message.contains("9 attempt(s) left"), "{message}");
    let r = mairie.call(&w, "POST", &uri, Some(json!({"code": code}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let set_cookie = r.header("set-cookie").to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    assert_eq!(r.json()["session"].as_str(), Some(cookie_value(&r).as_str()));
    assert_eq!(r.header("cache-control"), "no-store");
    mairie.cookie = Some(cookie_value(&r));
    let s = mairie.call(&w, "GET", "/editor/session", None).await.json();
    assert_eq!((s["commune"].as_str(), s["nom"].as_str()), (Some(BONDY), Some("Bondy")));
    assert!(s.get("session").is_none());

    // The draft: opened from the fallback data, every address of the file.
    let d0 = mairie.draft(&w, BONDY).await;
    assert_eq!((d0["version"].as_i64(), d0["peut_annuler"].as_bool()), (Some(0), Some(false)));
    assert_eq!(d0["revision_de_base"], Value::Null);
    let numeros = d0["numeros"].as_array().unwrap();
    assert_eq!(numeros.len() as u64, file.bal_addresses);
    assert_eq!(d0["voies"].as_array().unwrap().len() as u64, file.bal_voies);
    let duras = d0["voies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["nom"] == "Allee Marguerite Duras")
        .unwrap();
    let duras_id = duras["id"].as_str().unwrap().to_owned();
    let one = numeros
        .iter()
        .find(|n| n["voie"] == duras_id.as_str() && n["numero"] == 1)
        .unwrap()
        .clone();
    assert_eq!(one["cle_interop"], "93010_i7xf1o_00001");
    assert_eq!(
        (one["positions"][0]["lon"].as_f64(), one["positions"][0]["lat"].as_f64()),
        (Some(2.488881), Some(48.893494))
    );
    let n1 = one["id"].as_str().unwrap().to_owned();
    let draft_id = d0["id"].as_str().unwrap().to_owned();
    // The same draft on the next call.
    assert_eq!(mairie.draft(&w, BONDY).await["id"], draft_id.as_str());

    // Move 1 Allée Marguerite Duras, add a street and a number in it.
    let d1 = mairie
        .op(&w, &d0, json!({"op": "move_numero", "numero": n1, "lon": 2.48901, "lat": 48.89352}))
        .await;
    assert_eq!(d1["version"], 1);
    let d2 = mairie.op(&w, &d1, json!({"op": "add_voie", "nom": "Allée des Cerisiers"})).await;
    let cerisiers =
        d2["voies"].as_array().unwrap().iter().find(|v| v["nom"] == "Allée des Cerisiers").unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let d3 = mairie
        .op(
            &w,
            &d2,
            json!({"op": "add_numero", "voie": cerisiers, "numero": 12,
        "positions": [{"type": "entrée", "lon": 2.4874, "lat": 48.8921}], "certifie": true}),
        )
        .await;
    let added = d3["numeros"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["voie"] == cerisiers.as_str())
        .unwrap()
        .clone();
    assert_eq!(added["cle_interop"], "93010_xxxx_00012");
    assert_eq!(added["ban_id"], Value::Null);
    assert_eq!(
        d3["voies"].as_array().unwrap().iter().find(|v| v["id"] == cerisiers.as_str()).unwrap()["numeros"],
        1
    );

    // Refused by the rules, with the validator's messages; the draft does not move.
    let add = |numero: Value, suffixe: Value| {
        json!({"op": "add_numero", "voie": cerisiers, "numero": numero,
        "suffixe": suffixe, "positions": [{"type": "entrée", "lon": 2.4874, "lat": 48.8921}]})
    };
    let ops_uri = format!("/editor/drafts/{draft_id}/operations");
    for (op, code) in [
        (add(json!(0), Value::Null), "numero.not_to_be_zero"),
        (add(json!(100_000), Value::Null), "numero.trop_grand"),
        (add(json!(14), json!("-bis")), "suffixe.debut_invalide"),
        (add(json!(12), Value::Null), "editeur.numero_existant"),
        (json!({"op": "add_voie", "nom": ""}), "voie_nom.valeur_manquante"),
        (json!({"op": "add_voie", "nom": "RUE XQZW KRRT"}), "voie_nom.casse_incorrecte"),
        (
            json!({"op": "rename_voie", "voie": cerisiers, "nom": "Rue_du_Port"}),
            "voie_nom.contient_tiret_bas",
        ),
        (
            json!({"op": "move_numero", "numero": n1, "lon": 48.89, "lat": 2.48}),
            "row.longlat_invalides",
        ),
    ] {
        let r = mairie.call(&w, "POST", &ops_uri, Some(op.clone())).await;
        assert_eq!(refusal_codes(&r), [code], "{op}");
    }
    let r = mairie
        .call_with(
            &w,
            "POST",
            &ops_uri,
            Some(add(json!(0), Value::Null)),
            &[("accept-language", "fr-FR,fr;q=0.9")],
        )
        .await;
    assert_eq!(r.json()["messages"][0]["message"], "Le numéro vaut 0.");
    let r = mairie
        .call_with(
            &w,
            "POST",
            &ops_uri,
            Some(add(json!(0), Value::Null)),
            &[("accept-language", "en-GB,en")],
        )
        .await;
    assert_eq!(r.json()["messages"][0]["message"], "The number is 0.");
    assert_eq!(mairie.draft(&w, BONDY).await["version"], 3, "refusals wrote nothing");
    // Not an operation: 400; an unknown number: 404; a stale version: 409.
    let r = mairie.call(&w, "POST", &ops_uri, Some(json!({"op": "paint_it_black"}))).await;
    assert_error(&r, 400, "invalid_body");
    let r = mairie
        .call(&w, "POST", &ops_uri, Some(json!({"op": "delete_numero", "numero": "n0"})))
        .await;
    assert_error(&r, 404, "not_found");
    let r = mairie
        .call(
            &w,
            "POST",
            &ops_uri,
            Some(json!({"op": "delete_numero", "numero": n1, "expected_version": 2})),
        )
        .await;
    let message = assert_error(&r, 409, "conflict");
    assert!(message.contains("version 3"), "{message}");

    // A second number by mistake, renumbered (the contract's form of update_numero), then
    // both undone: two steps back, the first number kept.
    let d4 = mairie
        .op(
            &w,
            &d3,
            json!({"op": "add_numero", "voie": cerisiers, "numero": 14,
        "positions": [{"type": "entrée", "lon": 2.4875, "lat": 48.8922}], "expected_version": 3}),
        )
        .await;
    assert_eq!(d4["numeros"].as_array().unwrap().len() as u64, file.bal_addresses + 2);
    let n14 = d4["numeros"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["numero"] == 14 && n["voie"] == cerisiers.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d5 = mairie
        .op(&w, &d4, json!({"op": "update_numero", "numero": n14, "nouveau_numero": 16}))
        .await;
    let sixteen =
        d5["numeros"].as_array().unwrap().iter().find(|n| n["id"] == n14.as_str()).unwrap().clone();
    assert_eq!(
        (sixteen["numero"].as_u64(), sixteen["cle_interop"].as_str()),
        (Some(16), Some("93010_xxxx_00016"))
    );
    let undo = format!("/editor/drafts/{draft_id}/undo");
    let r = mairie.call(&w, "POST", &undo, Some(json!({"expected_version": 5}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["numeros"], d4["numeros"]);
    let r = mairie.call(&w, "POST", &undo, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d7 = r.json();
    assert_eq!((d7["version"].as_i64(), d7["peut_annuler"].as_bool()), (Some(7), Some(true)));
    assert_eq!(d7["numeros"], d3["numeros"]);
    assert_eq!(d7["voies"], d3["voies"]);

    // What will change in the national base: the feed's kinds.
    let r = mairie.call(&w, "GET", &format!("/editor/drafts/{draft_id}/diff"), None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let diff = r.json();
    let resume: BTreeMap<String, u64> = serde_json::from_value(diff["resume"].clone()).unwrap();
    assert_eq!(
        resume,
        BTreeMap::from([
            ("address.changed".to_owned(), 1),
            ("address.created".to_owned(), 1),
            ("commune.replaced".to_owned(), 1),
            ("toponyme.created".to_owned(), 1),
        ])
    );
    let changed = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "address.changed")
        .unwrap();
    assert_eq!(changed["data"]["positions"][0]["lon"], 2.48901);
    assert_eq!(changed["data"]["cle_interop"], "93010_i7xf1o_00001");
    let created = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "address.created")
        .unwrap();
    assert_eq!(
        (created["data"]["numero"].as_u64(), created["departement"].as_str()),
        (Some(12), Some("93"))
    );
    // The report: the validator's JSON, valid; the file as BAL 1.4.
    let r = mairie.call(&w, "GET", &format!("/editor/drafts/{draft_id}/report"), None).await;
    let report = r.json();
    assert_eq!(
        (report["valid"].as_bool(), report["profile"].as_str()),
        (Some(true), Some("1.4")),
        "{}",
        r.text()
    );
    assert_eq!(report["rowsCount"].as_u64(), Some(file.rows + 1));
    let r = mairie.call(&w, "GET", &format!("/editor/drafts/{draft_id}/bal.csv"), None).await;
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    let csv = r.text();
    assert!(csv.starts_with("cle_interop;id_ban_commune;id_ban_toponyme;id_ban_adresse;voie_nom;"));
    assert!(
        csv.contains("93010_xxxx_00012;;;;Allée des Cerisiers;;12;;93010;Bondy;;;entrée;"),
        "{}",
        &csv[..300]
    );

    // Publish: the same path as the publication API; searchable and in the feed at once.
    let r = mairie
        .call(
            &w,
            "POST",
            &format!("/editor/drafts/{draft_id}/publish"),
            Some(json!({"expected_version": 7})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let published = r.json();
    let revision = published["revision"].as_str().unwrap().to_owned();
    let cursor = published["curseur_feed"].as_i64().unwrap();
    let f = first_feature(&get(&w.app, "/search/?q=12+allee+des+cerisiers+bondy&limit=1").await);
    assert_eq!(f["properties"]["label"], "12 Allée des Cerisiers 93140 Bondy");
    assert_eq!(f["properties"]["citycode"], BONDY);
    assert_eq!(f["geometry"]["coordinates"], json!([2.4874, 48.8921]));
    let ban_id = f["properties"]["banId"].as_str().unwrap().to_owned();
    let f = first_feature(&get(&w.app, "/search/?q=1+allee+marguerite+duras+bondy&limit=1").await);
    assert_eq!(f["properties"]["housenumber"], "1");
    assert_eq!(f["geometry"]["coordinates"], json!([2.48901, 48.89352]), "moved");
    let r = get(&w.app, "/feed?commune=93010&since=0&limit=10000").await;
    let feed = r.json();
    assert_eq!(feed["head"], cursor);
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes[0]["kind"], "commune.replaced");
    assert!(changes.iter().all(|c| c["revision"] == revision.as_str()));
    let new = changes.iter().find(|c| c["id"] == ban_id.as_str()).unwrap();
    assert_eq!(
        (new["kind"].as_str(), new["data"]["numero"].as_u64()),
        (Some("address.created"), Some(12))
    );
    assert_eq!(new["data"]["certified"], true);
    // The revision is the editor's, with the session's habilitation.
    let rev = get(&w.app, &format!("/revisions/{revision}")).await.json();
    assert_eq!(rev["status"], "published");
    assert!(rev["habilitation_id"].is_string());
    let downloaded = get(&w.app, &format!("/revisions/{revision}/files/bal/download")).await;
    assert_eq!(downloaded.text(), csv, "the draft's file is what was published");
    // The commune page after.
    let summary = get(&w.app, "/base/communes/93010").await.json();
    let after = (summary["source"].as_str(), summary["adresses"].as_u64());
    assert_eq!(after, (Some("bal"), Some(file.bal_addresses + 1)));
    assert_eq!(summary["certifiees"], 1);
    assert_eq!(summary["voies"], file.bal_voies + 1);
    assert_eq!(summary["derniere_publication"]["revision"], revision.as_str());
    assert_eq!(summary["derniere_publication"]["client"], "éditeur geocommun");
    assert_eq!(summary["curseur_feed"], cursor);

    // The draft is closed; the next opening starts from the published revision.
    let r =
        mairie.call(&w, "POST", &ops_uri, Some(json!({"op": "delete_numero", "numero": n1}))).await;
    let message = assert_error(&r, 409, "conflict");
    assert!(message.contains("published"), "{message}");
    let next = mairie.draft(&w, BONDY).await;
    assert_ne!(next["id"], draft_id.as_str());
    assert_eq!(next["revision_de_base"], revision.as_str());
    let kept = next["numeros"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["cle_interop"] == "93010_xxxx_00012")
        .unwrap();
    assert_eq!(kept["ban_id"], ban_id.as_str(), "the BAN id given at publication");
    w.finish().await;
}

async fn sessions_expire_end_and_stay_in_their_commune(backend: Backend) {
    let clock = ManualClock::new(START);
    let Some(w) = world(backend, RateLimits::default(), Some(clock.clone())).await else {
        return;
    };
    let mut bondy = Person::at(20);
    bondy.sign_in(&w, BONDY).await;
    let draft = bondy.draft(&w, BONDY).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    // A person of Perrecy-les-Forges: Bondy's draft is not theirs.
    let mut perrecy = Person::at(21);
    perrecy.sign_in(&w, "71346").await;
    let r = perrecy.call(&w, "GET", "/editor/communes/93010/draft", None).await;
    assert_error(&r, 403, "forbidden");
    for (method, uri, body) in [
        (
            "POST",
            format!("/editor/drafts/{draft_id}/operations"),
            Some(json!({"op": "add_voie", "nom": "Rue Neuve"})),
        ),
        ("POST", format!("/editor/drafts/{draft_id}/undo"), None),
        ("GET", format!("/editor/drafts/{draft_id}/report"), None),
        ("GET", format!("/editor/drafts/{draft_id}/diff"), None),
        ("GET", format!("/editor/drafts/{draft_id}/bal.csv"), None),
        ("POST", format!("/editor/drafts/{draft_id}/publish"), None),
        ("DELETE", format!("/editor/drafts/{draft_id}"), None),
    ] {
        let r = perrecy.call(&w, method, &uri, body).await;
        assert_error(&r, 403, "forbidden");
    }
    // Perrecy's own draft starts from its fallback data: none on this server, an empty draft.
    let own = perrecy.draft(&w, "71346").await;
    assert_eq!(own["numeros"].as_array().unwrap().len(), 0);

    // Bearer tokens work as the cookie does.
    let mut bearer = Person::at(22);
    let opened = bearer.sign_in(&w, BONDY).await;
    let token = opened["session"].as_str().unwrap().to_owned();
    bearer.cookie = None;
    let auth = format!("Bearer {token}");
    let r = bearer.call_with(&w, "GET", "/editor/session", None, &[("authorization", &auth)]).await;
    assert_eq!(r.json()["commune"], BONDY);
    // Signing out ends that session only, and drops the cookie.
    let r =
        bearer.call_with(&w, "POST", "/editor/sign-out", None, &[("authorization", &auth)]).await;
    assert_eq!(r.status, 204);
    assert!(r.header("set-cookie").contains("Max-Age=0"));
    let r = bearer.call_with(&w, "GET", "/editor/session", None, &[("authorization", &auth)]).await;
    let message = assert_error(&r, 401, "unauthenticated");
    assert!(message.contains("signing out"), "{message}");
    assert_eq!(bondy.call(&w, "GET", "/editor/session", None).await.status, 200);

    // 12 hours later: expired, the cookie dropped, nothing written.
    clock.advance(Duration::from_hours(12));
    let r = bondy
        .call(
            &w,
            "POST",
            &format!("/editor/drafts/{draft_id}/operations"),
            Some(json!({"op": "add_voie", "nom": "Rue Neuve"})),
        )
        .await;
    let message = assert_error(&r, 401, "unauthenticated");
    assert!(message.contains("expired"), "{message}");
    assert!(r.header("set-cookie").contains("geocommun_editor=;"));
    bondy.sign_in(&w, BONDY).await;
    let again = bondy.draft(&w, BONDY).await;
    assert_eq!(
        (again["id"].as_str(), again["version"].as_i64()),
        (Some(draft_id.as_str()), Some(0))
    );
    // A forged session: 401, counted as an authentication failure.
    let forged = format!("Bearer ges_{}_{}", "0".repeat(32), "A".repeat(40));
    let r =
        bondy.call_with(&w, "GET", "/editor/session", None, &[("authorization", &forged)]).await;
    assert_error(&r, 401, "unauthenticated");
    w.finish().await;
}

async fn cookies_origins_and_code_limits(backend: Backend) {
    let limits = RateLimits {
        codes: Some(RateLimit::new(4, 60)),
        trust_forwarded_for: true,
        ..RateLimits::default()
    };
    let Some(w) = world(backend, limits, None).await else { return };
    // Behind a trusted proxy that says HTTPS: the cookie is Secure.
    let mut p = Person::at(30);
    let proxy = [("x-forwarded-for", "198.51.100.30"), ("x-forwarded-proto", "https")];
    let before = w.sink.mails().len();
    let r =
        p.call_with(&w, "POST", "/editor/sign-in", Some(json!({"commune": "93010"})), &proxy).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let habilitation = r.json()["habilitation"].as_str().unwrap().to_owned();
    let code = code_of(&w.sink.wait_for(before + 1).await.pop().unwrap().body());
    // Within 5 minutes, signing in again gives the same sign-in and sends nothing.
    let r =
        p.call_with(&w, "POST", "/editor/sign-in", Some(json!({"commune": "93010"})), &proxy).await;
    assert_eq!(
        (r.json()["habilitation"].as_str(), r.json()["code_envoye"].as_bool()),
        (Some(habilitation.as_str()), Some(false))
    );
    let uri = format!("/editor/sign-in/{habilitation}/code");
    let r = p.call_with(&w, "POST", &uri, Some(json!({"code": code})), &proxy).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("set-cookie").ends_with("; Secure"), "{}", r.header("set-cookie"));
    p.cookie = Some(cookie_value(&r));
    // A change with the cookie from another site: refused; from this one: accepted.
    let d = p.call_with(&w, "GET", "/editor/communes/93010/draft", None, &proxy).await.json();
    let ops = format!("/editor/drafts/{}/operations", d["id"].as_str().unwrap());
    let op = json!({"op": "add_voie", "nom": "Rue des Lilas Blancs"});
    let evil = [proxy[0], proxy[1], ("origin", "https://evil.example")];
    let r = p.call_with(&w, "POST", &ops, Some(op.clone()), &evil).await;
    assert_error(&r, 403, "forbidden");
    let ours = [proxy[0], proxy[1], ("origin", "https://editeur.test")];
    let r = p.call_with(&w, "POST", &ops, Some(op), &ours).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Code requests: at most 4 a minute from one address (3 made above), then 429.
    let r = p.call_with(&w, "POST", &uri, Some(json!({"code": "123456"})), &proxy).await;
    assert!(r.status == 410 || r.status == 401, "{}", r.text());
    let r =
        p.call_with(&w, "POST", "/editor/sign-in", Some(json!({"commune": "93010"})), &proxy).await;
    assert_error(&r, 429, "rate_limited");
    assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
    // Another address is not limited by this one; an unknown commune is a 404.
    let other = [("x-forwarded-for", "198.51.100.31")];
    let r =
        p.call_with(&w, "POST", "/editor/sign-in", Some(json!({"commune": "99999"})), &other).await;
    assert_error(&r, 404, "not_found");
    // A commune whose mairie has no address in the directory: 409, ask the operator.
    let r =
        p.call_with(&w, "POST", "/editor/sign-in", Some(json!({"commune": "93008"})), &other).await;
    let message = assert_error(&r, 409, "conflict");
    assert!(message.contains("operator"), "{message}");
    w.finish().await;
}
