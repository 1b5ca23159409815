//! `GET /base/communes/{code}`: a commune as the national base holds it now, for the
//! explorer's commune page — how many addresses, how many certified, where they come from
//! (the commune's BAL, or the BAN fallback data), its last publication and who made it, the
//! feed cursor to follow it from, its extent and the download links.
//!
//! A commune with a current BAL revision is counted from that revision's consolidation (what
//! `/search/` serves); another from the fallback files the server was started with, read once
//! per commune and remembered (they do not change while the server runs). Paris, Lyon and
//! Marseille without a BAL add up their arrondissements.

use axum::Json;
use axum::extract::{Path, State};
use geocommun_admin::CommuneKind;
use geocommun_model::{CodeInsee, CommuneAddresses, StreetKind};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::routes::feed::rfc3339;

/// What the base holds of a commune.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub addresses: u64,
    pub certified: u64,
    pub voies: u64,
    pub lieux_dits: u64,
    /// West, south, east, north of the addresses' best positions.
    pub bbox: Option<[f64; 4]>,
}

impl Figures {
    /// Adds a commune's addresses.
    pub fn add(&mut self, commune: &CommuneAddresses) {
        for street in &commune.streets {
            match street.kind {
                StreetKind::Voie => self.voies += 1,
                StreetKind::LieuDit => self.lieux_dits += 1,
            }
            for a in &street.addresses {
                self.addresses += 1;
                self.certified += u64::from(a.certified);
                if let Some(p) = a.best_position() {
                    let (lon, lat) = (p.point.lon, p.point.lat);
                    self.bbox = Some(match self.bbox {
                        None => [lon, lat, lon, lat],
                        Some([w, s, e, n]) => [w.min(lon), s.min(lat), e.max(lon), n.max(lat)],
                    });
                }
            }
        }
    }
}

/// The last publication of a commune's BAL.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastPublicationDto {
    /// The revision id (`GET /revisions/{id}`).
    pub revision: String,
    /// When (RFC 3339, UTC).
    pub publiee_le: String,
    /// The name of the client that published it (an application, or `éditeur geocommun`).
    pub client: String,
}

/// Download links of the commune's data (`GET /exports/communes/{code}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DownloadsDto {
    pub ban: String,
    pub bal: String,
    pub geojson: String,
}

/// A commune in the national base.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "93010", "nom": "Bondy", "adresses": 8413, "certifiees": 0, "part_certifiee": 0.0,
    "voies": 350, "lieux_dits": 0, "source": "ban", "derniere_publication": null,
    "curseur_feed": 0, "bbox": [2.4543, 48.8884, 2.5082, 48.9154],
    "telechargements": {"ban": "/exports/communes/93010?format=ban",
        "bal": "/exports/communes/93010?format=bal", "geojson": "/exports/communes/93010?format=geojson"}
}))]
pub struct CommuneSummaryDto {
    pub code: String,
    pub nom: String,
    pub adresses: u64,
    pub certifiees: u64,
    /// `certifiees / adresses`, 0 without addresses.
    pub part_certifiee: f64,
    pub voies: u64,
    pub lieux_dits: u64,
    /// `bal` (its current BAL revision) or `ban` (the fallback data: BAN / BANO files).
    pub source: &'static str,
    pub derniere_publication: Option<LastPublicationDto>,
    /// The feed cursor these figures are valid at: follow the commune with
    /// `GET /feed?commune={code}&since={curseur_feed}`.
    pub curseur_feed: i64,
    /// `[west, south, east, north]` of the addresses, `null` without addresses.
    pub bbox: Option<[f64; 4]>,
    pub telechargements: DownloadsDto,
}

/// The commune's name and the codes whose fallback data make it up (itself, or the
/// arrondissements of Paris, Lyon, Marseille).
fn resolve(state: &AppState, code: &str) -> Result<(String, Vec<CodeInsee>), ApiError> {
    let unknown = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "commune {code} not found: not the INSEE code of a current commune (nor of an \
                 arrondissement of Paris, Lyon or Marseille); check the code (5 characters, \
                 e.g. 93010)"
            ),
        )
    };
    let parsed = CodeInsee::parse(code).map_err(|_| unknown())?;
    if let Some(geo) = state.geo() {
        let c = geo.registry.commune(&parsed).ok_or_else(unknown)?;
        if !c.kind.is_primary() {
            let parent = c.parent.map(|p| p.to_string()).unwrap_or_default();
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "{code} is a former commune ({}) merged into commune {parent}: see \
                     /base/communes/{parent}",
                    c.nom
                ),
            ));
        }
        let arrondissements: Vec<CodeInsee> = geo
            .registry
            .communes()
            .filter(|a| a.kind == CommuneKind::ArrondissementMunicipal && a.parent == Some(parsed))
            .map(|a| a.code)
            .collect();
        let members = if arrondissements.is_empty() { vec![parsed] } else { arrondissements };
        return Ok((c.nom.clone(), members));
    }
    if let Some(store) = state.store() {
        let name = store.commune_name(code).ok_or_else(unknown)?;
        return Ok((name, vec![parsed]));
    }
    Err(ApiError::new(
        ErrorCode::Unavailable,
        "the server was started without the administrative reference: communes cannot be \
         looked up",
    ))
}

/// The figures of the fallback data of `members` (read once, then remembered).
async fn fallback_figures(
    state: &AppState,
    code: &str,
    members: Vec<CodeInsee>,
) -> Result<Figures, ApiError> {
    if let Some(f) = state.fallback_figures().lock().ok().and_then(|m| m.get(code).cloned()) {
        return Ok(f);
    }
    let Some(fallback) = state.fallback() else { return Ok(Figures::default()) };
    let scope = match members.as_slice() {
        [one] => geocommun_export::Scope::Commune(*one),
        _ => geocommun_export::Scope::Departement(
            members.first().map(|c| c.departement().to_owned()).unwrap_or_default(),
        ),
    };
    let figures = tokio::task::spawn_blocking(move || {
        let mut f = Figures::default();
        fallback
            .read(&scope, &|c| !members.contains(c), &mut |c| {
                f.add(&c);
                Ok(())
            })
            .map(|()| f)
    })
    .await
    .map_err(|e| {
        tracing::error!("reading the fallback data failed: {e}");
        ApiError::internal()
    })?
    .map_err(|e| {
        tracing::error!(commune = code, "reading the fallback data: {e}");
        ApiError::new(
            ErrorCode::Unavailable,
            "the fallback data files cannot be read now; try again later",
        )
    })?;
    if let Ok(mut m) = state.fallback_figures().lock() {
        m.insert(code.to_owned(), figures.clone());
    }
    Ok(figures)
}

/// A commune in the national base: its figures, source, last publication, feed cursor, extent.
#[utoipa::path(get, path = "/base/communes/{code}", tag = "data",
    params(("code" = String, Path, description = "INSEE code of a current commune (or of an arrondissement of Paris, Lyon, Marseille)")),
    responses(
        (status = 200, body = CommuneSummaryDto),
        (status = 404, description = "Not a commune of the COG", body = crate::error::ErrorBody),
        (status = 503, description = "The administrative reference or the store cannot be read", body = crate::error::ErrorBody),
    ))]
pub async fn commune(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<CommuneSummaryDto>, ApiError> {
    let code = code.trim().to_uppercase();
    let (nom, members) = resolve(&state, &code)?;
    let store_error = |e: geocommun_store::Error| {
        tracing::error!(commune = %code, error = %e, "store error");
        ApiError::internal()
    };
    let mut cursor = 0;
    let mut last = None;
    let mut figures = None;
    if let Some(store) = state.store() {
        // The cursor first: a publication made meanwhile is then replayed again by a reader,
        // never missed.
        cursor = store.feed_head().await.map_err(store_error)?;
        if let Some(r) = store.current_revision(&code).await.map_err(store_error)? {
            let consolidated = store.consolidated_revision(r.id).await.map_err(store_error)?;
            let mut f = Figures::default();
            f.add(&consolidated.commune);
            figures = Some(f);
            let client = store.client(r.client_id).await.map_err(store_error)?;
            last = Some(LastPublicationDto {
                revision: r.id.to_string(),
                publiee_le: rfc3339(r.published_at.unwrap_or(r.created_at).as_millis()),
                client: client.name,
            });
        }
    }
    let source = if figures.is_some() { "bal" } else { "ban" };
    let figures = match figures {
        Some(f) => f,
        None => fallback_figures(&state, &code, members).await?,
    };
    let link = |format: &str| format!("/exports/communes/{code}?format={format}");
    Ok(Json(CommuneSummaryDto {
        part_certifiee: if figures.addresses == 0 {
            0.0
        } else {
            figures.certified as f64 / figures.addresses as f64
        },
        adresses: figures.addresses,
        certifiees: figures.certified,
        voies: figures.voies,
        lieux_dits: figures.lieux_dits,
        source,
        derniere_publication: last,
        curseur_feed: cursor,
        bbox: figures.bbox,
        telechargements: DownloadsDto {
            ban: link("ban"),
            bal: link("bal"),
            geojson: link("geojson"),
        },
        code,
        nom,
    }))
}
