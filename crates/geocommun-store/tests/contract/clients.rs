//! Clients, tokens, perimeters and the mairie directory.

use geocommun_store::{Error, PerimeterEntry, RevisionContext, Token};

use crate::Harness;
use crate::harness::{MONT_BONVILLERS, PERRECY};

pub async fn create_authenticate_revoke(h: &Harness) {
    let s = &h.store;
    let new =
        s.create_client("mes-adresses", vec!["departement:71".parse().unwrap()]).await.unwrap();
    let token = new.token.expose().to_owned();
    assert!(token.starts_with("gc_") && token.len() > 60, "{token}");
    assert!(!format!("{new:?}").contains(&token), "Debug must not show the token");

    let client = s.authenticate(&Token::from_presented(token.clone())).await.unwrap();
    assert_eq!(client, new.client);
    assert_eq!(client.perimeter, [PerimeterEntry::Departement("71".into())]);
    assert_eq!(s.clients().await.unwrap(), std::slice::from_ref(&client));

    // A token whose random part differs, a malformed one, another client's id.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'a' { 'b' } else { 'a' });
    for bad in [forged.as_str(), "gc_", "Bearer x", ""] {
        let err = s.authenticate(&Token::from_presented(bad)).await.unwrap_err();
        assert!(matches!(err, Error::Unauthenticated { .. }), "{bad}: {err}");
    }

    let revoked = s.revoke_client(client.id).await.unwrap();
    assert!(!revoked.is_active());
    let err = s.authenticate(&Token::from_presented(token)).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated { reason: "revoked token" }), "{err}");
    assert!(matches!(s.revoke_client(client.id).await, Err(Error::Conflict { .. })));
    // A revoked client can no longer act, even with a client value obtained before.
    let err = s.create_revision(&client, PERRECY, RevisionContext::default()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err}");
}

pub async fn perimeter_and_names_are_checked(h: &Harness) {
    let s = &h.store;
    for (entry, ok) in [
        ("commune:71346", true),
        ("departement:2A", true),
        ("epci:000000000", false),
        ("commune:99999", false),
        ("departement:00", false),
        // An arrondissement does not publish: Paris does.
        ("commune:75101", false),
    ] {
        let r = s.create_client("c", vec![entry.parse().unwrap()]).await;
        assert_eq!(r.is_ok(), ok, "{entry}: {r:?}");
    }
    let epci = crate::harness::REGISTRY
        .commune(&geocommun_model::CodeInsee::parse(PERRECY).unwrap())
        .and_then(|c| c.epci.clone())
        .expect("Perrecy's EPCI");
    assert!(s.create_client("c", vec![PerimeterEntry::Epci(epci)]).await.is_ok());
    assert!(matches!(
        s.create_client("  ", vec![]).await,
        Err(Error::Invalid { field: "name", .. })
    ));
    assert!("region:27".parse::<PerimeterEntry>().is_err());
}

pub async fn mairie_directory_import(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    assert_eq!(
        s.commune_emails(PERRECY).await.unwrap(),
        ["mairie@perrecy-les-forges.fr", "secretariat@perrecy-les-forges.fr"]
    );
    // A later file replaces the addresses of the communes it names, and only those.
    let update = format!("code_insee,email\n{PERRECY},contact@perrecy-les-forges.fr\n");
    let done = s.import_mairie_directory("maj.csv", update.as_bytes()).await.unwrap();
    assert_eq!((done.communes, done.emails), (1, 1));
    assert_eq!(s.commune_emails(PERRECY).await.unwrap(), ["contact@perrecy-les-forges.fr"]);
    assert_eq!(s.commune_emails(MONT_BONVILLERS).await.unwrap().len(), 1);
}

pub async fn mairie_directory_errors_name_line_and_field(h: &Harness) {
    let s = &h.store;
    h.directory().await;
    let bad = format!(
        "\u{feff}code_insee;email\n99999;mairie@x.fr\n\n{PERRECY};pas-une-adresse\n{PERRECY};ok@perrecy.fr\n"
    );
    let Err(Error::InvalidFile { file, problems }) =
        s.import_mairie_directory("annuaire-2026.csv", bad.as_bytes()).await
    else {
        panic!("a bad file must be refused")
    };
    assert_eq!(file, "annuaire-2026.csv");
    let located: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.field.as_str())).collect();
    assert_eq!(located, [(2, "code_insee"), (4, "email")], "{problems:?}");
    // Nothing of a refused file is imported.
    assert_eq!(s.commune_emails(PERRECY).await.unwrap().len(), 2);

    let Err(Error::InvalidFile { problems, .. }) =
        s.import_mairie_directory("a.csv", b"insee;courriel\n71346;a@b.fr\n").await
    else {
        panic!("missing columns must be refused")
    };
    assert_eq!(problems[0].line, 1);
    assert!(problems[0].message.contains("code_insee, email"), "{}", problems[0].message);
    let err = s.import_mairie_directory("l.csv", b"code_insee;email\n71346;\xe9@b.fr\n").await;
    assert!(matches!(err, Err(Error::InvalidFile { .. })), "{err:?}");
}
