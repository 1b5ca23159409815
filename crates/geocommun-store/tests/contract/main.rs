//! The store's contract suite: every test runs once on SQLite (a temporary file) and once on
//! PostgreSQL (`GEOCOMMUN_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`, a
//! fresh schema per test, dropped at the end). Without PostgreSQL the PostgreSQL half is
//! skipped with a message, unless `CI=true`, where it fails.
//!
//! The test bodies are plain async functions (the macro makes the `#[tokio::test]`s), so the
//! test-only clippy allowances do not reach them: unwrapping is allowed here explicitly.
#![allow(clippy::unwrap_used, clippy::many_single_char_names)]

mod clients;
mod consolidation;
mod editor;
mod feed;
mod habilitations;
mod harness;
mod revisions;

pub use harness::Harness;

/// Instantiates each test for both backends: `sqlite::NAME` and `postgres::NAME`.
macro_rules! contract {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = crate::Harness::sqlite().await;
                    crate::$module::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(h) = crate::Harness::postgres().await else { return };
                    crate::$module::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}

contract!(
    clients::create_authenticate_revoke,
    clients::perimeter_and_names_are_checked,
    clients::mairie_directory_import,
    clients::mairie_directory_errors_name_line_and_field,
    habilitations::smtp_round_trip_accepts,
    habilitations::code_expires_after_24_hours,
    habilitations::ten_wrong_codes_reject,
    habilitations::resend_is_throttled_for_5_minutes,
    habilitations::revoke,
    habilitations::only_official_addresses_and_own_habilitations,
    revisions::publish_by_perimeter_keeps_everything,
    revisions::replacing_writes_an_event_for_the_previous_client,
    revisions::publish_refused_when_not_ready,
    revisions::rows_of_another_commune_are_an_error,
    revisions::outside_perimeter_without_habilitation,
    revisions::habilitation_allows_publication_until_revoked,
    revisions::mass_deletion_error_and_warning,
    revisions::concurrent_publications_one_wins,
    revisions::published_revisions_are_immutable,
    revisions::concurrent_writes_queue_instead_of_failing,
    consolidation::real_bals_become_addresses,
    consolidation::republishing_a_renamed_street_keeps_ids,
    feed::export_plus_feed_is_the_base,
    feed::history_of_an_address_and_the_base_at_a_date,
    editor::sign_in_mails_every_official_address_and_opens_a_session,
    editor::drafts_keep_every_version_and_undo_loses_nothing,
    editor::publishing_a_draft_is_a_publication_with_its_feed,
    editor::a_draft_of_a_commune_without_bal_starts_from_its_fallback,
);

/// One file: what was written is there when the file is opened again.
#[tokio::test]
async fn sqlite_file_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("commons.db").display());
    let store = geocommun_store::Store::open(&url, harness::config_without_mail()).await.unwrap();
    let new = store.create_client("c", vec![]).await.unwrap();
    assert!(dir.path().join("commons.db-wal").exists(), "WAL mode");
    store.close().await;
    let store = geocommun_store::Store::open(&url, harness::config_without_mail()).await.unwrap();
    assert_eq!(store.authenticate(&new.token).await.unwrap(), new.client);
    assert_eq!(store.backend_name(), "sqlite");
    store.close().await;
}

#[tokio::test]
async fn open_refuses_unknown_urls() {
    let err = geocommun_store::Store::open("mysql://x", harness::config_without_mail())
        .await
        .unwrap_err();
    assert!(matches!(err, geocommun_store::Error::Invalid { field: "database url", .. }), "{err}");
}

/// The server holds the store in an `Arc` and awaits it in axum handlers: the store must be
/// `Send + Sync` and its futures `Send`.
#[test]
fn store_and_its_futures_are_send() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<geocommun_store::Store>();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let store =
            geocommun_store::Store::open(&url, harness::config_without_mail()).await.unwrap();
        let client = store.create_client("c", vec![]).await.unwrap().client;
        let id = geocommun_store::RevisionId(uuid::Uuid::nil());
        send(&store.publish(&client, id));
        send(&store.compute(&client, id));
        send(&store.send_code(&client, geocommun_store::HabilitationId(uuid::Uuid::nil()), "a"));
        send(&store.import_mairie_directory("f", b""));
        store.close().await;
    });
}
