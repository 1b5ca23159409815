//! Consolidation of published revisions: the real BALs become the communes' addresses, and
//! their BAN identifiers survive republication.

use std::collections::BTreeMap;

use geocommun_model::{BanId, CommuneAddresses, StreetKind};
use geocommun_store::{Client, Consolidation, RevisionContext, RevisionStatus};

use crate::Harness;
use crate::harness::{MONT_BONVILLERS, PERRECY, bal};

async fn publish(h: &Harness, client: &Client, commune: &str, bytes: &[u8]) -> Consolidation {
    let s = &h.store;
    let r = s.create_revision(client, commune, RevisionContext::default()).await.unwrap();
    s.upload_file(client, r.id, bytes).await.unwrap();
    let r = s.compute(client, r.id).await.unwrap();
    assert_eq!(r.status, RevisionStatus::Ready, "{:?}", r.report.map(|r| r.errors));
    s.publish(client, r.id).await.unwrap();
    s.consolidated(commune).await.unwrap().expect("a current revision")
}

/// Street name → (street id, [(number, address id, cle_interop)]).
type Ids = BTreeMap<String, (Option<BanId>, Vec<(String, Option<BanId>, Option<String>)>)>;

fn ids(c: &CommuneAddresses) -> Ids {
    c.streets
        .iter()
        .map(|s| {
            let a = s
                .addresses
                .iter()
                .map(|a| (a.numero.to_string(), a.ban_id, a.cle_interop.clone()))
                .collect();
            (s.name.clone(), (s.ban_id, a))
        })
        .collect()
}

pub async fn real_bals_become_addresses(h: &Harness) {
    let client = h.client("moissonneur", &["departement:71", "departement:54"]).await;
    assert!(h.store.consolidated(PERRECY).await.unwrap().is_none(), "no BAL yet: fallback");

    let c = publish(h, &client, PERRECY, &bal(PERRECY)).await;
    let report = h.store.current_revision(PERRECY).await.unwrap().unwrap().report.unwrap();
    let summary = report.consolidation.expect("consolidation summary in the report");
    assert_eq!(c.commune.name, "Perrecy-les-Forges");
    assert_eq!(c.commune.code.as_str(), PERRECY);
    assert_eq!(c.commune.address_count() as u64, report.address_count);
    assert_eq!(summary.addresses, report.address_count);
    assert_eq!(summary.ids_new, summary.streets + summary.lieux_dits + summary.addresses + 1);
    let route = c.commune.streets.iter().find(|s| s.name == "Route de Sanvignes").unwrap();
    assert_eq!(route.kind, StreetKind::Voie);
    assert_eq!(route.code.as_deref(), Some("71346_0704"));
    assert!(route.addresses.iter().all(|a| a.ban_id.is_some() && a.cle_interop.is_some()));
    let be = c.commune.streets.iter().find(|s| s.name == "Rue du Bé").unwrap();
    let one = &be.addresses[0];
    assert_eq!(one.numero.to_string(), "1");
    assert_eq!(one.cle_interop.as_deref(), Some("71346_0090_00001"));
    assert!(one.certified);
    let best = one.best_position().unwrap();
    assert!(
        (best.point.lon - 4.215_528).abs() < 1e-6 && (best.point.lat - 46.613_210_7).abs() < 1e-6
    );
    assert_eq!(be.postcode.as_deref(), Some("71420"));
    // The same revision read again gives the same identifiers.
    assert_eq!(h.store.consolidated(PERRECY).await.unwrap().unwrap().commune, c.commune);

    let m = publish(h, &client, MONT_BONVILLERS, &bal(MONT_BONVILLERS)).await;
    let report = h.store.current_revision(MONT_BONVILLERS).await.unwrap().unwrap().report.unwrap();
    assert_eq!(m.commune.address_count() as u64, report.address_count);
    assert_eq!(m.commune.name, "Mont-Bonvillers");
    let joffre = m.commune.streets.iter().find(|s| s.name == "Rue Joffre").unwrap();
    assert_eq!(joffre.addresses[0].best_position().unwrap().kind.as_bal_str(), "segment");
    assert!(!joffre.addresses[0].certified);
    let mut communes: Vec<String> =
        h.store.current_revisions().await.unwrap().into_iter().map(|(c, _)| c).collect();
    communes.sort();
    assert_eq!(communes, [MONT_BONVILLERS, PERRECY]);
}

pub async fn republishing_a_renamed_street_keeps_ids(h: &Harness) {
    let client = h.client("moissonneur", &["commune:71346"]).await;
    let bytes = bal(PERRECY);
    let first = publish(h, &client, PERRECY, &bytes).await;

    let text = String::from_utf8(bytes).unwrap();
    let renamed = text.replace(";Rue du Bé;", ";Rue du Bief;");
    assert_ne!(renamed, text);
    let second = publish(h, &client, PERRECY, renamed.as_bytes()).await;
    let summary = h.store.current_revision(PERRECY).await.unwrap().unwrap().report.unwrap();
    let summary = summary.consolidation.unwrap();
    assert_eq!((summary.ids_new, summary.ids_from_file), (0, 0), "every identifier kept");

    let (mut before, mut after) = (ids(&first.commune), ids(&second.commune));
    let old = before.remove("Rue du Bé").unwrap();
    let new = after.remove("Rue du Bief").unwrap();
    assert_eq!(old, new, "the renamed street keeps its id and its addresses' ids");
    assert_eq!(before, after, "the other streets are untouched");
    assert_eq!(second.commune.ban_id, first.commune.ban_id);
    // Only that street differs in the consolidated commune.
    let changed: Vec<&str> = second
        .commune
        .streets
        .iter()
        .zip(&first.commune.streets)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert_eq!(changed, ["Rue du Bief"]);

    // A new number gets a new identifier; the others stay.
    let added = format!(
        "{}\r\n;71346_0090_00099;71346;PERRECY-LES-FORGES;;;Rue du Bief;;99;;entrée;793100.00;6613270.00;4.2160;46.6131;;\
         Commune de Perrecy-Les-Forges;2023-06-09;1;;;",
        renamed.trim_end()
    );
    let third = publish(h, &client, PERRECY, added.as_bytes()).await;
    let summary = h.store.current_revision(PERRECY).await.unwrap().unwrap().report.unwrap();
    assert_eq!(summary.consolidation.unwrap().ids_new, 1);
    let bief = third.commune.streets.iter().find(|s| s.name == "Rue du Bief").unwrap();
    assert_eq!(bief.addresses.len(), new.1.len() + 1);
    let all_before: Vec<BanId> = first.ids.iter().map(|r| r.ban_id).collect();
    assert!(!all_before.contains(&bief.addresses.last().unwrap().ban_id.unwrap()));
}
