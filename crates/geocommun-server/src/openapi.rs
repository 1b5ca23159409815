//! The OpenAPI document, generated from the handlers and DTOs. A copy is committed at
//! `crates/geocommun-server/openapi.json`; a test fails when they differ (regenerate with
//! `UPDATE_OPENAPI=1 cargo test -p geocommun-server openapi`).

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "geocommun",
        description = "Open geocoder for French addresses, compatible with api-adresse.data.gouv.fr and the \
                       Géoplateforme geocoder, and administrative reference compatible with geo.api.gouv.fr. \
                       Geocoding routes are also served under `/geocodage`; every route with or without a \
                       trailing slash.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::routes::geocode::search,
        crate::routes::geocode::reverse,
        crate::routes::geocode::lookup,
        crate::csv::search_csv,
        crate::csv::reverse_csv,
        crate::routes::batch::batch,
        crate::routes::bal::validate,
        crate::routes::bal::explanations,
        crate::routes::geo::communes,
        crate::routes::geo::commune,
        crate::routes::geo::commune_history,
        crate::routes::geo::deleguees,
        crate::routes::geo::deleguee,
        crate::routes::geo::epcis,
        crate::routes::geo::epci,
        crate::routes::geo::epci_communes,
        crate::routes::geo::departements,
        crate::routes::geo::departement,
        crate::routes::geo::departement_communes,
        crate::routes::geo::regions,
        crate::routes::geo::region,
        crate::routes::geo::region_departements,
        crate::routes::misc::health,
        crate::routes::misc::metrics,
        crate::routes::misc::openapi_json,
        crate::routes::publication::create_revision,
        crate::routes::publication::upload,
        crate::routes::publication::compute,
        crate::routes::publication::publish,
        crate::routes::publication::create_habilitation,
        crate::routes::publication::habilitation,
        crate::routes::publication::send_code,
        crate::routes::publication::validate_code,
        crate::routes::publication::revisions,
        crate::routes::publication::current_revision,
        crate::routes::publication::revision,
        crate::routes::publication::download,
        crate::routes::feed::feed,
        crate::routes::feed::history,
        crate::routes::exports::france,
        crate::routes::exports::departement,
        crate::routes::exports::commune,
        crate::routes::webhooks::create,
        crate::routes::webhooks::list,
        crate::routes::webhooks::delete,
        crate::routes::webhooks::dead_letters,
        crate::routes::tiles::tile,
        crate::routes::tiles::style_json,
        crate::routes::tiles::glyph_range,
        crate::routes::base::commune,
        crate::routes::editor::sign_in,
        crate::routes::editor::code,
        crate::routes::editor::sign_out,
        crate::routes::editor::session,
        crate::routes::editor::commune_draft,
        crate::routes::editor::operation,
        crate::routes::editor::undo,
        crate::routes::editor::report,
        crate::routes::editor::diff,
        crate::routes::editor::bal,
        crate::routes::editor::publish,
        crate::routes::editor::abandon,
    ),
    components(schemas(
        crate::dto::FeatureCollection,
        crate::dto::Feature,
        crate::dto::Point,
        crate::dto::Properties,
        crate::dto::FiltersDto,
        crate::dto::ExplainDto,
        crate::dto::ExplainToken,
        crate::dto::Health,
        crate::dto::IndexStats,
        crate::dto::BatchRequestDoc,
        crate::dto::BatchOperationDoc,
        crate::dto::BatchResponse,
        crate::dto::BatchItem,
        crate::dto::BatchResult,
        crate::csv::CsvSearchForm,
        crate::csv::CsvReverseForm,
        crate::error::ErrorBody,
        crate::routes::bal::ExplanationDto,
        crate::routes::geo::doc::CommuneDoc,
        crate::routes::geo::doc::DelegueeDoc,
        crate::routes::geo::doc::EpciDoc,
        crate::routes::geo::doc::DepartementDoc,
        crate::routes::geo::doc::RegionDoc,
        crate::routes::geo::doc::GeoErrorDoc,
        crate::routes::publication::RevisionDto,
        crate::routes::publication::HabilitationDto,
        crate::routes::publication::PublicationDto,
        crate::routes::publication::CreateRevisionBody,
        crate::routes::publication::SendCodeBody,
        crate::routes::publication::ValidateCodeBody,
        crate::routes::feed::FeedDto,
        crate::routes::feed::ChangeDto,
        crate::routes::feed::HistoryDto,
        crate::routes::feed::VersionDto,
        crate::routes::webhooks::WebhookBody,
        crate::routes::webhooks::WebhookDto,
        crate::routes::webhooks::DeadLetterDto,
        crate::routes::base::CommuneSummaryDto,
        crate::routes::base::LastPublicationDto,
        crate::routes::base::DownloadsDto,
        crate::routes::editor::EditorErrorBody,
        crate::routes::editor::RuleMessageDto,
        crate::routes::editor::SignInBody,
        crate::routes::editor::SignInDto,
        crate::routes::editor::CodeBody,
        crate::routes::editor::SessionDto,
        crate::routes::editor::VersionBody,
        crate::routes::editor::DraftDto,
        crate::routes::editor::VoieDto,
        crate::routes::editor::NumeroDto,
        crate::routes::editor::PositionDto,
        crate::routes::editor::DiffDto,
        crate::routes::editor::DiffChangeDto,
        crate::routes::editor::PublishedDto,
    )),
    tags(
        (name = "geocoding", description = "api-adresse / Géoplateforme geocoding"),
        (name = "csv", description = "CSV batch geocoding (streamed)"),
        (name = "api-geo", description = "Administrative reference, compatible with geo.api.gouv.fr (API Géo)"),
        (name = "bal", description = "Base Adresse Locale files: validation like the reference validator"),
        (name = "publication", description = "BAL publication in the spirit of api-depot: revisions, habilitations \
            by e-mailed code. Writing routes need `Authorization: Bearer gc_…` (a client token)"),
        (name = "data", description = "Redistribution: the change feed (cursor, replay rules) and the history of \
            every commune, toponyme and address"),
        (name = "tiles", description = "Vector tiles of the national base (addresses, streets, lieux-dits, \
            commune and département contours), their MapLibre style and the glyphs of its labels"),
        (name = "editor", description = "The commune editor of the web UI: sign-in by a code mailed to the \
            mairie's official addresses, the commune's draft (kept server-side with every version), its \
            operations checked with the BAL validator's rules, undo, report, difference with the national \
            base, publication. The session is the `geocommun_editor` cookie or `Authorization: Bearer ges_…`"),
        (name = "operations", description = "Health, metrics, this document"),
    )
)]
struct ApiDoc;

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    let mut doc = ApiDoc::openapi();
    doc.components.get_or_insert_with(Default::default).add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A client token `gc_…`, made by the operator with `geocommun client create` \
                     and shown once",
                ))
                .build(),
        ),
    );
    doc.components.get_or_insert_with(Default::default).add_security_scheme(
        "editor_session",
        SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
            utoipa::openapi::security::ApiKeyValue::with_description(
                crate::routes::editor::COOKIE,
                "The editor session set by `POST /editor/sign-in/{habilitation}/code` \
                 (HttpOnly, SameSite=Strict); other clients send the same token as \
                 `Authorization: Bearer ges_…`",
            ),
        )),
    );
    // The version of the API contract, not of the crate: stable across releases.
    "1.0.0".clone_into(&mut doc.info.version);
    doc
}
