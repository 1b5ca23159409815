//! Habilitations: the code goes by mail (a real SMTP dialogue with the sink), expires, has 10
//! attempts, is not re-sent within 5 minutes, and an accepted habilitation can be revoked.

use std::time::Duration;

use geocommun_store::{Error, HabilitationStatus};

use crate::Harness;
use crate::harness::{PERRECY, START, code_in, wrong};

pub async fn smtp_round_trip_accepts(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let client = h.client("guichet-adresse", &[]).await;
    let hab = s.create_habilitation(&client, PERRECY).await.unwrap();
    assert_eq!(hab.status, HabilitationStatus::Pending);
    assert_eq!(hab.attempts_left, 10);

    // The user chooses the address among the commune's.
    let emails = s.commune_emails(PERRECY).await.unwrap();
    let (code, mail) = h.send_and_read_code(&client, hab.id, &emails[1]).await;
    assert_eq!(mail.to, [emails[1].clone()]);
    assert_eq!(mail.from, "no-reply@geocommun.test");
    let subject = mail.header("Subject").unwrap();
    assert!(subject.contains(PERRECY), "{subject}");
    assert!(mail.body().contains("guichet-adresse"), "{}", mail.body());

    let sent = s.habilitation(hab.id).await.unwrap();
    assert_eq!(sent.email.as_deref(), Some(emails[1].as_str()));
    assert_eq!(sent.code_sent_at, Some(START));
    assert_eq!(sent.code_expires_at, Some(START.plus(Duration::from_hours(24))));

    let err = s.validate_code(&client, hab.id, &wrong(&code)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCode { attempts_left: 9 }), "{err}");
    let ok = s.validate_code(&client, hab.id, &code).await.unwrap();
    assert_eq!(ok.status, HabilitationStatus::Accepted);
    assert_eq!(ok.accepted_at, Some(START));
    assert_eq!(s.accepted_habilitation(client.id, PERRECY).await.unwrap(), Some(ok.clone()));

    // Accepted habilitations do not expire.
    h.clock.advance(Duration::from_hours(400 * 24));
    assert!(s.accepted_habilitation(client.id, PERRECY).await.unwrap().is_some());
    assert!(matches!(s.validate_code(&client, hab.id, &code).await, Err(Error::Conflict { .. })));
    assert!(matches!(s.create_habilitation(&client, PERRECY).await, Err(Error::Conflict { .. })));
}

pub async fn code_expires_after_24_hours(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let client = h.client("c", &[]).await;
    let hab = s.create_habilitation(&client, PERRECY).await.unwrap();
    let email = &s.commune_emails(PERRECY).await.unwrap()[0];
    let (code, _) = h.send_and_read_code(&client, hab.id, email).await;
    h.clock.advance(Duration::from_hours(24));
    assert!(matches!(s.validate_code(&client, hab.id, &code).await, Err(Error::Expired)));
    // An expired code costs no attempt; a new one works.
    assert_eq!(s.habilitation(hab.id).await.unwrap().attempts_left, 10);
    let (fresh, _) = h.send_and_read_code(&client, hab.id, email).await;
    h.clock.advance(Duration::from_secs(24 * 3600 - 1));
    let ok = s.validate_code(&client, hab.id, &fresh).await.unwrap();
    assert_eq!(ok.status, HabilitationStatus::Accepted);
}

pub async fn ten_wrong_codes_reject(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let client = h.client("c", &[]).await;
    let hab = s.create_habilitation(&client, PERRECY).await.unwrap();
    let email = &s.commune_emails(PERRECY).await.unwrap()[0];
    let (mut code, _) = h.send_and_read_code(&client, hab.id, email).await;
    for left in (0..10).rev() {
        if left == 4 {
            // Re-sending gives a new code, not new attempts.
            h.clock.advance(Duration::from_mins(5));
            code = h.send_and_read_code(&client, hab.id, email).await.0;
            assert_eq!(s.habilitation(hab.id).await.unwrap().attempts_left, 5);
        }
        let err = s.validate_code(&client, hab.id, &wrong(&code)).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidCode { attempts_left } if attempts_left == left),
            "{err}"
        );
    }
    let rejected = s.habilitation(hab.id).await.unwrap();
    assert_eq!(rejected.status, HabilitationStatus::Rejected);
    assert_eq!(rejected.attempts_left, 0);
    assert!(rejected.rejected_at.is_some());
    assert!(matches!(s.validate_code(&client, hab.id, &code).await, Err(Error::Forbidden { .. })));
    assert!(matches!(s.send_code(&client, hab.id, email).await, Err(Error::Forbidden { .. })));
    assert!(s.accepted_habilitation(client.id, PERRECY).await.unwrap().is_none());
}

pub async fn resend_is_throttled_for_5_minutes(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let client = h.client("c", &[]).await;
    let hab = s.create_habilitation(&client, PERRECY).await.unwrap();
    let emails = s.commune_emails(PERRECY).await.unwrap();
    let (first, _) = h.send_and_read_code(&client, hab.id, &emails[0]).await;

    let err = s.send_code(&client, hab.id, &emails[1]).await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { retry_after } if retry_after == Duration::from_mins(5)),
        "{err}"
    );
    h.clock.advance(Duration::from_mins(4));
    let err = s.send_code(&client, hab.id, &emails[0]).await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { retry_after } if retry_after == Duration::from_mins(1)),
        "{err}"
    );
    assert_eq!(h.sink.mails().len(), 1, "a throttled request sends nothing");

    h.clock.advance(Duration::from_mins(1));
    let (second, mail) = h.send_and_read_code(&client, hab.id, &emails[1]).await;
    assert_eq!(mail.to, [emails[1].clone()]);
    if first != second {
        // Only the latest code counts.
        let err = s.validate_code(&client, hab.id, &first).await.unwrap_err();
        assert!(matches!(err, Error::InvalidCode { .. }), "{err}");
    }
    let ok = s.validate_code(&client, hab.id, &second).await.unwrap();
    assert_eq!(ok.status, HabilitationStatus::Accepted);
    assert_eq!(ok.email.as_deref(), Some(emails[1].as_str()));
}

pub async fn revoke(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let client = h.client("c", &[]).await;
    let id = h.habilitate(&client, PERRECY).await;
    let revoked = s.revoke_habilitation(id).await.unwrap();
    assert_eq!(revoked.status, HabilitationStatus::Revoked);
    assert_eq!(revoked.revoked_at, Some(START));
    assert!(s.accepted_habilitation(client.id, PERRECY).await.unwrap().is_none());
    assert!(matches!(s.revoke_habilitation(id).await, Err(Error::Conflict { .. })));
    // A new habilitation can be asked for and granted again.
    h.clock.advance(Duration::from_hours(1));
    let again = h.habilitate(&client, PERRECY).await;
    assert_ne!(again, id);
    // A pending one can be revoked too; its code then no longer works.
    let pending = s.create_habilitation(&h.client("d", &[]).await, PERRECY).await.unwrap();
    assert_eq!(
        s.revoke_habilitation(pending.id).await.unwrap().status,
        HabilitationStatus::Revoked
    );
}

pub async fn only_official_addresses_and_own_habilitations(h: &Harness) {
    let s = &h.store;
    let client = h.client("c", &[]).await;
    let hab = s.create_habilitation(&client, PERRECY).await.unwrap();
    // No directory yet.
    let err = s.send_code(&client, hab.id, "mairie@perrecy-les-forges.fr").await.unwrap_err();
    assert!(matches!(&err, Error::Forbidden { reason } if reason.contains("directory")), "{err}");
    h.directory().await;
    let err = s.send_code(&client, hab.id, "moi@example.org").await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    // Case and spaces do not matter.
    s.send_code(&client, hab.id, " MAIRIE@perrecy-les-forges.fr ").await.unwrap();
    let mail = h.sink.wait_for(1).await.pop().unwrap();
    let code = code_in(&mail);

    let other = h.client("other", &[]).await;
    let err = s.validate_code(&other, hab.id, &code).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    assert!(matches!(
        s.create_habilitation(&client, "75101").await,
        Err(Error::Invalid { field: "commune", .. })
    ));
    assert!(matches!(
        s.validate_code(&client, hab.id, &geocommun_store::Code::from_user("12a")).await,
        Err(Error::Invalid { field: "code", .. })
    ));
}
