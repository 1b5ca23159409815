//! The editor in the store: sign-in by a code mailed to every official address of the mairie,
//! sessions (only the token's hash at rest, expiry, end, bound to the habilitation), drafts
//! with every version kept (undo appends, nothing is updated or deleted), and publication of
//! a draft through the same path as any client, with the session's habilitation.

use std::time::Duration;

use sha2::Digest as _;

use geocommun_bal::draft::{Operation, Refusal};
use geocommun_store::editor::{EDITOR_CLIENT_NAME, refusal};
use geocommun_store::{
    ChangeKind, DraftPublication, DraftView, Edited, EditorSession, Error, FeedFilter,
    HabilitationStatus, RevisionContext, SessionToken, Store, Token,
};

use crate::Harness;
use crate::harness::{MONT_BONVILLERS, PERRECY, bal, code_in, config_without_mail, wrong};

/// Signs in for `commune` through the mail; the session and its token.
async fn sign_in(h: &Harness, commune: &str) -> (EditorSession, SessionToken) {
    let before = h.sink.mails().len();
    let s = h.store.editor_sign_in(commune).await.unwrap();
    assert!(s.code_sent);
    let mail = h.sink.wait_for(before + 1).await.pop().unwrap();
    let new = h.store.editor_validate_code(s.habilitation, &code_in(&mail)).await.unwrap();
    (new.session, new.token)
}

/// Publishes the real BAL of `commune` with a client of its own (the base a draft starts from).
async fn publish_bal(h: &Harness, commune: &str, bytes: &[u8]) {
    let s = &h.store;
    let client = h.client("moissonneur", &[&format!("commune:{commune}")]).await;
    let r = s.create_revision(&client, commune, RevisionContext::default()).await.unwrap();
    s.upload_file(&client, r.id, bytes).await.unwrap();
    s.compute(&client, r.id).await.unwrap();
    s.publish(&client, r.id).await.unwrap();
}

fn op(json: serde_json::Value) -> Operation {
    serde_json::from_value(json).unwrap()
}

async fn applied(
    s: &Store,
    session: &EditorSession,
    d: &DraftView,
    json: serde_json::Value,
) -> DraftView {
    match s.apply_operation(session, d.id, op(json.clone()), None).await.unwrap() {
        Edited::Applied(v) => v,
        Edited::Refused(r) => panic!("{json} refused: {r}"),
    }
}

fn voie_id(d: &DraftView, nom: &str) -> String {
    d.draft
        .voies
        .iter()
        .find(|v| v.nom == nom)
        .unwrap_or_else(|| panic!("no voie {nom}"))
        .id
        .clone()
}

fn numero_id(d: &DraftView, voie: &str, numero: u32) -> String {
    d.draft.numeros.iter().find(|n| n.voie == voie && n.numero == numero).unwrap().id.clone()
}

pub async fn sign_in_mails_every_official_address_and_opens_a_session(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    // No mairie address, unknown commune.
    assert!(s.editor_sign_in(MONT_BONVILLERS).await.unwrap().code_sent);
    assert!(matches!(s.editor_sign_in("99999").await, Err(Error::NotFound { .. })));
    let err = s.editor_sign_in("71001").await.unwrap_err();
    assert!(matches!(&err, Error::Conflict { reason } if reason.contains("directory")), "{err}");

    let before = h.sink.mails().len();
    let sign = s.editor_sign_in(PERRECY).await.unwrap();
    let mail = h.sink.wait_for(before + 1).await.pop().unwrap();
    // One mail to both official addresses of Perrecy.
    let mut to = mail.to.clone();
    to.sort();
    assert_eq!(to, ["mairie@perrecy-les-forges.fr", "secretariat@perrecy-les-forges.fr"]);
    assert_eq!(sign.emails.len(), 2);
    assert!(mail.header("Subject").unwrap().contains(PERRECY));
    let code = code_in(&mail);
    // Asking again within 5 minutes: the same sign-in, no new mail.
    let again = s.editor_sign_in(PERRECY).await.unwrap();
    assert_eq!((again.habilitation, again.code_sent), (sign.habilitation, false));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.sink.mails().len(), before + 1);

    // A wrong code costs an attempt; the right one opens a session.
    let e = s.editor_validate_code(sign.habilitation, &wrong(&code)).await.unwrap_err();
    assert!(matches!(e, Error::InvalidCode { attempts_left: 9 }), "{e}");
    let new = s.editor_validate_code(sign.habilitation, &code).await.unwrap();
    assert_eq!(new.session.commune, PERRECY);
    assert_eq!(new.session.habilitation, sign.habilitation);
    assert_eq!(s.editor_session(&new.token).await.unwrap(), new.session);
    let h_row = s.habilitation(sign.habilitation).await.unwrap();
    assert_eq!(h_row.status, HabilitationStatus::Accepted);
    let editor = s.editor_client().await.unwrap();
    assert_eq!((h_row.client_id, editor.name.as_str()), (editor.id, EDITOR_CLIENT_NAME));
    // The same code again: already accepted.
    assert!(matches!(
        s.editor_validate_code(sign.habilitation, &code).await,
        Err(Error::Conflict { .. })
    ));

    // Only the SHA-256 of the token's random part is stored.
    let secret = new.token.expose().rsplit('_').next().unwrap().to_owned();
    let stored = h.blobs("SELECT token_hash FROM editor_sessions").await;
    let digest: Vec<u8> = sha2::Sha256::digest(secret.as_bytes()).to_vec();
    assert_eq!(stored, [digest]);
    let everything = h.count(&format!(
        "SELECT COUNT(*) FROM editor_sessions WHERE id LIKE '%{secret}%' OR commune LIKE '%{secret}%'"
    )).await;
    assert_eq!(everything, 0);
    // Forged or altered tokens.
    for (token, reason) in [
        ("ges_nope".to_owned(), refusal::MALFORMED),
        (new.token.expose().replace(&secret, &"A".repeat(40)), refusal::UNKNOWN),
        (format!("ges_{}_{secret}", "0".repeat(32)), refusal::UNKNOWN),
    ] {
        let e = s.editor_session(&SessionToken::from_presented(token)).await.unwrap_err();
        assert!(matches!(e, Error::Unauthenticated { reason: r } if r == reason), "{e}");
    }
    // The editor client has no token: nobody authenticates as it.
    let forged = Token::from_presented(format!("gc_{}_{}", editor.id.0.simple(), "x".repeat(40)));
    assert!(matches!(s.authenticate(&forged).await, Err(Error::Unauthenticated { .. })));

    // A second person signs in later: a new habilitation, a new mail.
    h.clock.advance(Duration::from_mins(5));
    let (second, second_token) = sign_in(h, PERRECY).await;
    assert_ne!(second.habilitation, new.session.habilitation);
    // Sign-out ends that session only.
    s.editor_sign_out(&second).await.unwrap();
    let e = s.editor_session(&second_token).await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { reason } if reason == refusal::ENDED), "{e}");
    assert!(s.editor_session(&new.token).await.is_ok());
    // Expiry after 12 hours.
    h.clock.advance(Duration::from_hours(12));
    let e = s.editor_session(&new.token).await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { reason } if reason == refusal::EXPIRED), "{e}");
    // Revoking the habilitation ends its sessions at once.
    let (third, third_token) = sign_in(h, PERRECY).await;
    s.revoke_habilitation(third.habilitation).await.unwrap();
    let e = s.editor_session(&third_token).await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { reason } if reason == refusal::REVOKED), "{e}");

    // Without an SMTP relay: refused before anything is written.
    let no_mail = Store::open(&h.url, config_without_mail()).await.unwrap();
    assert!(matches!(no_mail.editor_sign_in(PERRECY).await, Err(Error::Mail(_))));
    no_mail.close().await;
}

pub async fn drafts_keep_every_version_and_undo_loses_nothing(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    publish_bal(h, PERRECY, &bal(PERRECY)).await;
    let (session, _) = sign_in(h, PERRECY).await;
    assert!(s.open_draft(&session).await.unwrap().is_none());
    let d = s.create_draft(&session, None).await.unwrap();
    assert_eq!((d.version, d.can_undo), (0, false));
    let current = s.current_revision(PERRECY).await.unwrap().unwrap();
    assert_eq!(d.base_revision, Some(current.id));
    // Opened from the current revision, with the BAN ids the national base gives.
    let consolidated = s.consolidated(PERRECY).await.unwrap().unwrap();
    assert_eq!(d.draft.numeros.len(), consolidated.commune.address_count());
    assert!(d.draft.numeros.iter().all(|n| n.ban_id.is_some()));
    let be_ban =
        consolidated.commune.streets.iter().find(|s| s.name == "Rue du Bé").unwrap().ban_id;
    let be = voie_id(&d, "Rue du Bé");
    assert_eq!(d.draft.voie(&be).unwrap().ban_id, be_ban.map(|b| b.to_string()));
    // One open draft per commune.
    assert_eq!(s.create_draft(&session, None).await.unwrap().id, d.id);

    let n3 = numero_id(&d, &be, 3);
    let d1 = applied(
        s,
        &session,
        &d,
        serde_json::json!({"op": "move_numero", "numero": n3, "lon": 4.2161, "lat": 46.6131}),
    )
    .await;
    let d2 =
        applied(s, &session, &d1, serde_json::json!({"op": "add_voie", "nom": "Rue des Tilleuls"}))
            .await;
    let tilleuls = voie_id(&d2, "Rue des Tilleuls");
    let d3 = applied(
        s,
        &session,
        &d2,
        serde_json::json!({"op": "add_numero", "voie": tilleuls, "numero": 4,
        "positions": [{"type": "entrée", "lon": 4.2150, "lat": 46.6120}]}),
    )
    .await;
    assert_eq!((d3.version, d3.can_undo), (3, true));
    // A refusal writes nothing.
    let refused = s
        .apply_operation(
            &session,
            d.id,
            op(serde_json::json!({"op": "add_voie", "nom": "RUE DU MOULIN"})),
            None,
        )
        .await
        .unwrap();
    assert!(
        matches!(&refused, Edited::Refused(Refusal::Invalid(m)) if m[0].code == "voie_nom.casse_incorrecte")
    );
    assert_eq!(s.editor_draft(&session, d.id).await.unwrap().version, 3);
    // A stale version: conflict, nothing written.
    let stale = s
        .apply_operation(
            &session,
            d.id,
            op(serde_json::json!({"op": "delete_numero", "numero": n3})),
            Some(2),
        )
        .await;
    assert!(matches!(stale, Err(Error::Conflict { .. })), "{stale:?}");
    assert!(s.editor_draft(&session, d.id).await.unwrap().draft.numero(&n3).is_some());

    // Undo twice: the number, then the voie; both operations stay in the history.
    let u1 = s.undo(&session, d.id, Some(3)).await.unwrap();
    assert_eq!(u1.version, 4);
    assert_eq!(*u1.draft, *d2.draft);
    let u2 = s.undo(&session, d.id, None).await.unwrap();
    assert_eq!(*u2.draft, *d1.draft);
    let u3 = s.undo(&session, d.id, None).await.unwrap();
    assert_eq!((*u3.draft == *d.draft, u3.can_undo), (true, false));
    assert!(matches!(s.undo(&session, d.id, None).await, Err(Error::Conflict { .. })));
    // Redo by operation, then read everything back from the database alone (a new store,
    // nothing in memory): the same draft.
    let d7 = applied(
        s,
        &session,
        &u3,
        serde_json::json!({"op": "move_numero", "numero": n3, "lon": 4.2162, "lat": 46.6132}),
    )
    .await;
    assert_eq!(d7.version, 7);
    let other = Store::open(&h.url, config_without_mail()).await.unwrap();
    let reread = other.editor_draft(&session, d.id).await.unwrap();
    assert_eq!((reread.version, reread.can_undo), (7, true));
    assert_eq!(*reread.draft, *d7.draft);
    other.close().await;
    // Every version is there, and none can be changed or deleted.
    assert_eq!(h.count("SELECT COUNT(*) FROM draft_versions").await, 8);
    assert_eq!(h.count("SELECT COUNT(*) FROM draft_versions WHERE operation IS NULL").await, 4);
    for sql in [
        "UPDATE draft_versions SET operation = NULL WHERE version = 1",
        "DELETE FROM draft_versions WHERE version = 3",
        "DELETE FROM drafts",
    ] {
        assert!(h.raw(sql).await.is_err(), "{sql} must be refused");
    }
    // Another commune's session may not touch it.
    h.clock.advance(Duration::from_mins(5));
    let (mont, _) = sign_in(h, MONT_BONVILLERS).await;
    for e in [
        s.editor_draft(&mont, d.id).await.map(|_| ()),
        s.undo(&mont, d.id, None).await.map(|_| ()),
        s.abandon_draft(&mont, d.id).await,
    ] {
        assert!(matches!(e, Err(Error::Forbidden { .. })), "{e:?}");
    }
    // Abandoned: closed for good, and the next opening starts from the base again.
    s.abandon_draft(&session, d.id).await.unwrap();
    let closed = s
        .apply_operation(
            &session,
            d.id,
            op(serde_json::json!({"op": "delete_numero", "numero": n3})),
            None,
        )
        .await;
    assert!(
        matches!(&closed, Err(Error::Conflict { reason }) if reason.contains("abandoned")),
        "{closed:?}"
    );
    assert!(
        h.raw(&format!("UPDATE drafts SET head_version = 0 WHERE id = '{}'", d.id)).await.is_err()
    );
    let fresh = s.create_draft(&session, None).await.unwrap();
    assert_ne!(fresh.id, d.id);
    assert_eq!(*fresh.draft, *d.draft);
}

pub async fn publishing_a_draft_is_a_publication_with_its_feed(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    publish_bal(h, PERRECY, &bal(PERRECY)).await;
    let head_before = s.feed_head().await.unwrap();
    let (session, _) = sign_in(h, PERRECY).await;
    let d = s.create_draft(&session, None).await.unwrap();
    let be = voie_id(&d, "Rue du Bé");
    let n3 = numero_id(&d, &be, 3);
    let moved_ban = d.draft.numero(&n3).unwrap().ban_id.clone().unwrap();
    let d = applied(
        s,
        &session,
        &d,
        serde_json::json!({"op": "move_numero", "numero": n3, "lon": 4.2161, "lat": 46.6131}),
    )
    .await;
    let d =
        applied(s, &session, &d, serde_json::json!({"op": "add_voie", "nom": "Rue des Tilleuls"}))
            .await;
    let tilleuls = voie_id(&d, "Rue des Tilleuls");
    let d = applied(
        s,
        &session,
        &d,
        serde_json::json!({"op": "add_numero", "voie": tilleuls, "numero": 4,
        "positions": [{"type": "entrée", "lon": 4.2150, "lat": 46.6120}]}),
    )
    .await;

    // The diff: what the feed will say.
    let diff = s.draft_diff(&session, d.id).await.unwrap();
    let kinds = |changes: &[(ChangeKind, String)]| {
        let mut k: Vec<&str> = changes.iter().map(|c| c.0.as_str()).collect();
        k.sort_unstable();
        k
    };
    let diff: Vec<(ChangeKind, String)> = diff.into_iter().map(|c| (c.kind, c.object_id)).collect();
    assert_eq!(
        kinds(&diff),
        ["address.changed", "address.created", "commune.republished", "toponyme.created"]
    );
    assert!(diff.contains(&(ChangeKind::AddressChanged, moved_ban.clone())));
    // The report: valid BAL 1.4.
    let report = s.draft_report(&session, d.id).await.unwrap();
    assert_eq!((report["valid"].as_bool(), report["profile"].as_str()), (Some(true), Some("1.4")));

    let DraftPublication::Published(p) =
        s.publish_draft(&session, d.id, Some(d.version)).await.unwrap()
    else {
        panic!("not published")
    };
    // A revision of the editor client, with the session's habilitation, current now.
    let editor = s.editor_client().await.unwrap();
    assert_eq!(p.revision.client_id, editor.id);
    assert_eq!(p.revision.habilitation_id, Some(session.habilitation));
    assert!(p.revision.current);
    assert_eq!(
        s.file(p.revision.id).await.unwrap().bytes,
        s.draft_bal(&session, d.id).await.unwrap()
    );
    // The feed holds exactly the diff's changes, ids of existing objects included.
    let page = s.feed(&FeedFilter::Commune(PERRECY.into()), head_before, 1000).await.unwrap();
    assert_eq!(p.feed_cursor, page.head);
    let fed: Vec<(ChangeKind, String)> =
        page.changes.iter().map(|c| (c.kind, c.object_id.clone())).collect();
    assert_eq!(kinds(&fed), kinds(&diff));
    assert!(fed.contains(&(ChangeKind::AddressChanged, moved_ban)));
    // The draft is closed; the next one starts from the new revision.
    let closed = s
        .apply_operation(
            &session,
            d.id,
            op(serde_json::json!({"op": "delete_numero", "numero": n3})),
            None,
        )
        .await;
    assert!(
        matches!(&closed, Err(Error::Conflict { reason }) if reason.contains("published")),
        "{closed:?}"
    );
    assert!(s.open_draft(&session).await.unwrap().is_none());
    let next = s.create_draft(&session, None).await.unwrap();
    assert_eq!(next.base_revision, Some(p.revision.id));
    assert!(next.draft.voies.iter().any(|v| v.nom == "Rue des Tilleuls"));

    // Someone else publishes meanwhile: publishing the draft would overwrite it, refused.
    publish_bal(h, PERRECY, &bal(PERRECY)).await;
    let e = s.publish_draft(&session, next.id, None).await.unwrap_err();
    assert!(
        matches!(&e, Error::Conflict { reason } if reason.contains("changed since this draft")),
        "{e}"
    );
    s.abandon_draft(&session, next.id).await.unwrap();

    // A draft that deletes most addresses computes invalid (the platform's mass-deletion
    // rule): nothing published, the draft stays open.
    let d = s.create_draft(&session, None).await.unwrap();
    let ids: Vec<String> = d.draft.numeros.iter().skip(10).map(|n| n.id.clone()).collect();
    let mut v = d.clone();
    for id in ids {
        v = applied(s, &session, &v, serde_json::json!({"op": "delete_numero", "numero": id}))
            .await;
    }
    let current = s.current_revision(PERRECY).await.unwrap().unwrap().id;
    let DraftPublication::Invalid(r) = s.publish_draft(&session, d.id, None).await.unwrap() else {
        panic!("published a mass deletion")
    };
    let report = r.report.unwrap();
    assert!(
        report.errors.contains(&"rows.delete_too_many_addresses".to_owned()),
        "{:?}",
        report.errors
    );
    assert_eq!(s.current_revision(PERRECY).await.unwrap().unwrap().id, current);
    assert!(s.open_draft(&session).await.unwrap().is_some());

    // The habilitation is revoked: the session is gone (and with it the right to publish).
    s.revoke_habilitation(session.habilitation).await.unwrap();
    let e = s.publish_draft(&session, d.id, None).await.unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "{e}");
}

pub async fn a_draft_of_a_commune_without_bal_starts_from_its_fallback(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let (session, _) = sign_in(h, MONT_BONVILLERS).await;
    // The caller gives the fallback data as a BAL (here the real BAL stands for it).
    let d = s.create_draft(&session, Some(bal(MONT_BONVILLERS))).await.unwrap();
    assert_eq!(d.base_revision, None);
    assert!(d.draft.numeros.len() > 300);
    let first = d.draft.numeros[0].id.clone();
    let d =
        applied(s, &session, &d, serde_json::json!({"op": "delete_numero", "numero": first})).await;
    // Against the fallback: the commune is replaced, one address is gone, nothing else.
    let diff = s.draft_diff(&session, d.id).await.unwrap();
    let kinds: Vec<&str> = diff.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["commune.replaced", "address.retired"]);
    let DraftPublication::Published(p) = s.publish_draft(&session, d.id, None).await.unwrap()
    else {
        panic!("not published")
    };
    assert_eq!(p.previous, None);
    assert_eq!(
        s.consolidated(MONT_BONVILLERS).await.unwrap().unwrap().commune.address_count(),
        d.draft.numeros.len()
    );
}
