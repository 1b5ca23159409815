//! Revisions: upload, compute (validator + platform rules), publish atomically, keep forever.

use std::fmt::Write as _;
use std::time::Duration;

use geocommun_store::{
    Client, Error, EventKind, Revision, RevisionContext, RevisionId, RevisionStatus,
};
use sha2::Digest as _;

use crate::Harness;
use crate::harness::{MONT_BONVILLERS, PERRECY, START, bal};

/// Creates, uploads and computes a revision.
async fn computed(h: &Harness, client: &Client, commune: &str, bytes: &[u8]) -> Revision {
    let s = &h.store;
    let r = s.create_revision(client, commune, RevisionContext::default()).await.unwrap();
    s.upload_file(client, r.id, bytes).await.unwrap();
    s.compute(client, r.id).await.unwrap()
}

fn codes(r: &Revision) -> (Vec<String>, Vec<String>) {
    let report = r.report.as_ref().expect("computed");
    (report.errors.clone(), report.warnings.clone())
}

/// The header and the first `n` rows of a BAL.
fn first_rows(bytes: &[u8], n: usize) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut out: Vec<&str> = text.split_inclusive('\n').take(n + 1).collect();
    if let Some(last) = out.last_mut() {
        *last = last.trim_end_matches(['\r', '\n']);
    }
    out.concat().into_bytes()
}

pub async fn publish_by_perimeter_keeps_everything(h: &Harness) {
    let s = &h.store;
    let client = h.client("moissonneur", &["departement:71"]).await;
    let bytes = bal(PERRECY);
    let context = RevisionContext {
        author: Some("Camille Martin".into()),
        organisation: Some("Mairie de Perrecy-les-Forges".into()),
    };
    let r = s.create_revision(&client, PERRECY, context.clone()).await.unwrap();
    assert_eq!((r.status, r.current, r.file.is_none()), (RevisionStatus::Pending, false, true));
    assert_eq!(r.context, context);

    let r = s.upload_file(&client, r.id, &bytes).await.unwrap();
    let sha = sha2::Sha256::digest(&bytes).iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    });
    assert_eq!(
        r.file.as_ref().map(|f| (f.sha256.as_str(), f.size)),
        Some((sha.as_str(), bytes.len() as u64))
    );
    assert!(matches!(s.upload_file(&client, r.id, b"x").await, Err(Error::Conflict { .. })));

    h.clock.advance(Duration::from_mins(1));
    let r = s.compute(&client, r.id).await.unwrap();
    assert_eq!(r.status, RevisionStatus::Ready);
    let report = r.report.as_ref().unwrap();
    assert!(report.valid, "{report:?}");
    assert_eq!(report.profile.as_deref(), Some("1.3"));
    assert_eq!(report.rows_count, 145);
    assert!(report.address_count > 100 && report.address_count <= 145, "{}", report.address_count);
    assert!(report.errors.is_empty() && report.deletion.is_none(), "{report:?}");
    assert_eq!(report.validation["rowsCount"], 145);
    assert_eq!(r.computed_at, Some(START.plus(Duration::from_mins(1))));

    h.clock.advance(Duration::from_mins(1));
    let p = s.publish(&client, r.id).await.unwrap();
    assert_eq!(p.revision.status, RevisionStatus::Published);
    assert!(p.revision.current);
    assert_eq!(p.revision.habilitation_id, None, "the perimeter allowed it");
    assert_eq!(p.revision.published_at, Some(START.plus(Duration::from_mins(2))));
    assert_eq!(p.previous, None);
    assert_eq!(p.event.kind, EventKind::RevisionPublished);
    assert_eq!((p.event.revision_id, p.event.addressee), (r.id, None));

    assert_eq!(s.current_revision(PERRECY).await.unwrap().map(|c| c.id), Some(r.id));
    assert!(s.current_revision(MONT_BONVILLERS).await.unwrap().is_none());
    let listed = s.revisions(PERRECY).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].current && listed[0].report.is_none());
    let one = s.revision(r.id).await.unwrap();
    assert_eq!(one.report, r.report);
    let file = s.file(r.id).await.unwrap();
    assert_eq!((file.bytes, file.sha256), (bytes, sha));
    assert!(matches!(s.revision(RevisionId(uuid::Uuid::nil())).await, Err(Error::NotFound { .. })));
}

pub async fn replacing_writes_an_event_for_the_previous_client(h: &Harness) {
    let s = &h.store;
    let first = h.client("mes-adresses", &["departement:71"]).await;
    let second = h.client("guichet", &["commune:71346"]).await;
    let a = computed(h, &first, PERRECY, &bal(PERRECY)).await;
    let pa = s.publish(&first, a.id).await.unwrap();
    h.clock.advance(Duration::from_hours(1));
    let b = computed(h, &second, PERRECY, &bal(PERRECY)).await;
    let deletion = b.report.as_ref().unwrap().deletion.clone().expect("compared with the current");
    assert_eq!(deletion.current_revision, a.id.to_string());
    assert!(deletion.ratio.abs() < f64::EPSILON);
    let pb = s.publish(&second, b.id).await.unwrap();
    assert_eq!(pb.previous, Some(a.id));
    assert_eq!(pb.event.kind, EventKind::RevisionReplaced);
    assert_eq!(pb.event.addressee, Some(first.id));
    assert_eq!(pb.event.previous_revision_id, Some(a.id));
    assert!(pb.event.id > pa.event.id);

    let events = s.events(0, 100).await.unwrap();
    assert_eq!(events, [pa.event.clone(), pb.event.clone()]);
    assert_eq!(s.events(pa.event.id, 100).await.unwrap(), [pb.event]);
    // The replaced revision is kept, published, no longer current.
    let old = s.revision(a.id).await.unwrap();
    assert_eq!((old.status, old.current), (RevisionStatus::Published, false));
    assert_eq!(
        s.revisions(PERRECY).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(),
        [b.id, a.id]
    );
    assert_eq!(s.file(a.id).await.unwrap().bytes, bal(PERRECY));
}

pub async fn publish_refused_when_not_ready(h: &Harness) {
    let s = &h.store;
    let client = h.client("c", &["departement:71"]).await;
    let r = s.create_revision(&client, PERRECY, RevisionContext::default()).await.unwrap();
    assert!(matches!(s.publish(&client, r.id).await, Err(Error::Conflict { .. })));
    assert!(matches!(s.compute(&client, r.id).await, Err(Error::Conflict { .. })));
    // A file that is not a BAL: computed invalid, not publishable.
    s.upload_file(&client, r.id, b"nom;prenom\nMartin;Camille\n").await.unwrap();
    let r = s.compute(&client, r.id).await.unwrap();
    assert_eq!(r.status, RevisionStatus::Invalid);
    assert!(!r.report.as_ref().unwrap().errors.is_empty());
    let err = s.publish(&client, r.id).await.unwrap_err();
    assert!(matches!(&err, Error::Conflict { reason } if reason.contains("invalid")), "{err}");
    // Someone else's revision.
    let other = h.client("other", &["departement:71"]).await;
    assert!(matches!(s.publish(&other, r.id).await, Err(Error::Forbidden { .. })));
    assert!(matches!(s.upload_file(&client, r.id, b"x").await, Err(Error::Conflict { .. })));
    assert!(matches!(
        s.create_revision(&client, "00000", RevisionContext::default()).await,
        Err(Error::Invalid { field: "commune", .. })
    ));
}

pub async fn rows_of_another_commune_are_an_error(h: &Harness) {
    let client = h.client("c", &["departement:54"]).await;
    let r = computed(h, &client, MONT_BONVILLERS, &bal(PERRECY)).await;
    assert_eq!(r.status, RevisionStatus::Invalid);
    let report = r.report.as_ref().unwrap();
    let f = report.platform.iter().find(|f| f.code == "commune_insee.valeur_inattendue").unwrap();
    assert_eq!(f.count, 145);
    assert_eq!(f.rows.len(), 20);
    assert_eq!(f.rows[0], 1);
    assert!(report.errors.contains(&"commune_insee.valeur_inattendue".to_owned()));
}

pub async fn outside_perimeter_without_habilitation(h: &Harness) {
    let s = &h.store;
    let client = h.client("c", &["departement:54"]).await;
    // Nothing is written for a commune the client may not publish for: not even a revision.
    let err = s.create_revision(&client, PERRECY, RevisionContext::default()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Forbidden { reason } if reason.contains("outside the perimeter")),
        "{err}"
    );
    assert!(s.revisions(PERRECY).await.unwrap().is_empty());
    // An EPCI perimeter that covers Perrecy does.
    let epci = crate::harness::REGISTRY
        .commune(&geocommun_model::CodeInsee::parse(PERRECY).unwrap())
        .and_then(|c| c.epci.clone())
        .unwrap();
    let by_epci = h.client("epci", &[&format!("epci:{epci}")]).await;
    let r = computed(h, &by_epci, PERRECY, &bal(PERRECY)).await;
    assert_eq!(r.status, RevisionStatus::Ready);
    s.publish(&by_epci, r.id).await.unwrap();
}

pub async fn habilitation_allows_publication_until_revoked(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let client = h.client("formulaire", &[]).await;
    // A pending habilitation (code sent, not validated) is not enough.
    let pending = s.create_habilitation(&client, PERRECY).await.unwrap();
    let email = s.commune_emails(PERRECY).await.unwrap()[0].clone();
    h.send_and_read_code(&client, pending.id, &email).await;
    let err = s.create_revision(&client, PERRECY, RevisionContext::default()).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    s.revoke_habilitation(pending.id).await.unwrap();

    let hab = h.habilitate(&client, PERRECY).await;
    let r = computed(h, &client, PERRECY, &bal(PERRECY)).await;
    assert_eq!(r.status, RevisionStatus::Ready, "{:?}", codes(&r));
    let p = s.publish(&client, r.id).await.unwrap();
    assert_eq!(p.revision.habilitation_id, Some(hab));

    // Revoked after computing: the publication is refused.
    let r2 = computed(h, &client, PERRECY, &bal(PERRECY)).await;
    assert_eq!(r2.status, RevisionStatus::Ready);
    let r3 = s.create_revision(&client, PERRECY, RevisionContext::default()).await.unwrap();
    s.revoke_habilitation(hab).await.unwrap();
    let err = s.publish(&client, r2.id).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    assert_eq!(s.current_revision(PERRECY).await.unwrap().unwrap().id, r.id);
    // Who may act is decided before what state the revision is in: a published revision, a
    // ready one and a pending one all answer Forbidden now, never Conflict.
    for (id, what) in [(r.id, "published"), (r2.id, "ready"), (r3.id, "pending")] {
        for (action, err) in [
            ("publish", s.publish(&client, id).await.map(|_| ()).unwrap_err()),
            ("compute", s.compute(&client, id).await.map(|_| ()).unwrap_err()),
            ("upload", s.upload_file(&client, id, &bal(PERRECY)).await.map(|_| ()).unwrap_err()),
        ] {
            assert!(matches!(err, Error::Forbidden { .. }), "{action} on {what}: {err}");
        }
    }
    assert_eq!(s.revision(r3.id).await.unwrap().file, None);
    // The habilitation was for Perrecy only.
    let err =
        s.create_revision(&client, MONT_BONVILLERS, RevisionContext::default()).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
}

pub async fn mass_deletion_error_and_warning(h: &Harness) {
    let s = &h.store;
    let client = h.client("c", &["commune:54084"]).await;
    let full = bal(MONT_BONVILLERS);
    let base = computed(h, &client, MONT_BONVILLERS, &full).await;
    assert_eq!(base.status, RevisionStatus::Ready, "{:?}", codes(&base));
    let count = base.report.as_ref().unwrap().address_count;
    s.publish(&client, base.id).await.unwrap();

    // About 10 % of the rows left: more than 80 % of the addresses deleted.
    let few = computed(h, &client, MONT_BONVILLERS, &first_rows(&full, 50)).await;
    assert_eq!(few.status, RevisionStatus::Invalid);
    assert_eq!(codes(&few).0, ["rows.delete_too_many_addresses"]);
    let d = few.report.as_ref().unwrap().deletion.clone().unwrap();
    assert_eq!(d.current_addresses, count);
    assert!(d.ratio > 0.8, "{d:?}");
    assert!(matches!(s.publish(&client, few.id).await, Err(Error::Conflict { .. })));

    // About 65 % left: a warning, still publishable.
    let most = computed(h, &client, MONT_BONVILLERS, &first_rows(&full, 320)).await;
    let (errors, warnings) = codes(&most);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(warnings.contains(&"rows.delete_many_addresses".to_owned()), "{warnings:?}");
    let d = most.report.as_ref().unwrap().deletion.clone().unwrap();
    assert!(d.ratio > 0.2 && d.ratio <= 0.8, "{d:?}");
    assert_eq!(most.status, RevisionStatus::Ready);
    s.publish(&client, most.id).await.unwrap();
}

pub async fn concurrent_publications_one_wins(h: &Harness) {
    let s = &h.store;
    let a_client = h.client("a", &["departement:71"]).await;
    let b_client = h.client("b", &["commune:71346"]).await;
    for round in 0..3 {
        let a = computed(h, &a_client, PERRECY, &bal(PERRECY)).await;
        let b = computed(h, &b_client, PERRECY, &bal(PERRECY)).await;
        assert_eq!((a.status, b.status), (RevisionStatus::Ready, RevisionStatus::Ready));
        let (ra, rb) = tokio::join!(s.publish(&a_client, a.id), s.publish(&b_client, b.id));
        let (winner, loser) = match (ra, rb) {
            (Ok(p), Err(e)) | (Err(e), Ok(p)) => (p, e),
            (ra, rb) => panic!("round {round}: exactly one must win: {ra:?} / {rb:?}"),
        };
        assert!(matches!(loser, Error::Conflict { .. }), "round {round}: {loser}");
        let current = s.current_revision(PERRECY).await.unwrap().unwrap();
        assert_eq!(current.id, winner.revision.id);
        // The loser is back to pending: it must be computed again against the new current.
        let lost = if winner.revision.id == a.id { b.id } else { a.id };
        let lost = s.revision(lost).await.unwrap();
        assert_eq!(lost.status, RevisionStatus::Pending);
        assert!(!lost.current);
    }
    let events = s.events(0, 100).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(events[0].kind, EventKind::RevisionPublished);
    assert_eq!(events[1].kind, EventKind::RevisionReplaced);
}

pub async fn published_revisions_are_immutable(h: &Harness) {
    let s = &h.store;
    let client = h.client("c", &["departement:71"]).await;
    let r = computed(h, &client, PERRECY, &bal(PERRECY)).await;
    s.publish(&client, r.id).await.unwrap();
    assert!(matches!(s.upload_file(&client, r.id, b"x").await, Err(Error::Conflict { .. })));
    assert!(matches!(s.compute(&client, r.id).await, Err(Error::Conflict { .. })));
    assert!(matches!(s.publish(&client, r.id).await, Err(Error::Conflict { .. })));
    assert_eq!(s.revision(r.id).await.unwrap().status, RevisionStatus::Published);
    // The database itself refuses, whoever asks.
    let id = r.id;
    for sql in [
        format!("UPDATE revisions SET commune = '54084' WHERE id = '{id}'"),
        format!("DELETE FROM revisions WHERE id = '{id}'"),
        format!("UPDATE revision_files SET bytes = sha256 WHERE revision_id = '{id}'"),
        format!("DELETE FROM revision_files WHERE revision_id = '{id}'"),
    ] {
        let err = h.raw(&sql).await.expect_err(&sql);
        assert!(err.to_string().contains("immutable") || err.to_string().contains("kept"), "{err}");
    }
    assert_eq!(s.file(r.id).await.unwrap().bytes, bal(PERRECY));
}

pub async fn concurrent_writes_queue_instead_of_failing(h: &Harness) {
    let s = &h.store;
    let client = &h.client("c", &["departement:71"]).await;
    let creations = (0..16).map(|i| async move {
        let c = s.create_client(&format!("client {i}"), vec![]).await?;
        s.authenticate(&c.token).await?;
        s.create_revision(client, PERRECY, RevisionContext::default()).await
    });
    let results = futures::future::join_all(creations).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(s.revisions(PERRECY).await.unwrap().len(), 16);
    assert_eq!(s.clients().await.unwrap().len(), 17);
}
