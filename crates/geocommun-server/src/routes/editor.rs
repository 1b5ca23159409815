//! The editor's routes (issue #7, docs/editor.md): sign-in of a person of a mairie by a code
//! mailed to the commune's official addresses, then the commune's draft — read, edit one
//! operation at a time, undo, validation report, difference with the national base, the BAL
//! file — and its publication through the same path as any client of the publication API.
//!
//! Sessions travel in the `geocommun_editor` cookie (HttpOnly, SameSite=Strict, Secure when
//! the request came over HTTPS through a trusted proxy) or, for other clients, as
//! `Authorization: Bearer ges_…`. A cookie-authenticated change must come from the server's
//! own origin (`Origin`, when the browser sends it, must name this host). Rate limits are
//! those of the publication routes: codes per address, authentication failures per address,
//! and the client budget per session. Errors have the API's JSON shape; a change refused by
//! the BAL rules is a 422 whose `messages` are the validator's own, in French or English
//! (`Accept-Language`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use geocommun_bal::Lang;
use geocommun_bal::draft::{
    NumeroValue, Operation, PositionInput, Refusal, RuleMessage, UpdateNumero,
};
use geocommun_bal::messages::explain;
use geocommun_store::editor::refusal;
use geocommun_store::{
    Code, DraftId, DraftPublication, DraftView, Edited, EditorSession, HabilitationId, Record,
    SessionToken, Store,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::rate_limit::Limited;
use crate::routes::feed::rfc3339;

/// The session cookie.
pub const COOKIE: &str = "geocommun_editor";

// ------------------------------------------------------------------------------- errors

/// One finding of a refusal, explained.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RuleMessageDto {
    /// The validator's code (`numero.trop_grand`) or the editor's (`editeur.numero_existant`).
    pub code: String,
    /// The field it is about.
    pub champ: Option<String>,
    /// The value given.
    pub valeur: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub correction: String,
}

/// The error body of the editor's routes: the API's error body, with `messages` when values
/// were refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditorErrorBody {
    #[serde(flatten)]
    pub error: ErrorBody,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<RuleMessageDto>,
}

/// An error of these routes.
#[derive(Debug)]
pub struct EditorError {
    api: ApiError,
    retry_after: Option<u64>,
    messages: Vec<RuleMessageDto>,
    /// The session is dead: the cookie is dropped with the answer.
    clear_cookie: bool,
}

impl EditorError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::new(code, message).into()
    }
}

impl From<ApiError> for EditorError {
    fn from(api: ApiError) -> Self {
        Self { api, retry_after: None, messages: Vec::new(), clear_cookie: false }
    }
}

impl From<Limited> for EditorError {
    fn from(l: Limited) -> Self {
        Self { retry_after: Some(l.retry_after), ..l.error.into() }
    }
}

impl From<geocommun_store::Error> for EditorError {
    fn from(e: geocommun_store::Error) -> Self {
        use geocommun_store::Error as E;
        match &e {
            E::NotFound { .. } => Self::new(ErrorCode::NotFound, e.to_string()),
            E::Conflict { reason } => Self::new(ErrorCode::Conflict, reason.clone()),
            E::Forbidden { reason } => Self::new(ErrorCode::Forbidden, reason.clone()),
            E::Unauthenticated { reason } => {
                let message = match *reason {
                    refusal::EXPIRED => {
                        "the editor session has expired (sessions last 12 hours): \
                                         sign in again"
                    }
                    refusal::ENDED => {
                        "this editor session was closed by signing out: sign in again"
                    }
                    refusal::REVOKED => {
                        "the habilitation of this session was revoked: sign in \
                                         again (a new code goes to the mairie)"
                    }
                    _ => "not signed in, or an unknown session: sign in with POST /editor/sign-in",
                };
                Self { clear_cookie: true, ..Self::new(ErrorCode::Unauthenticated, message) }
            }
            E::InvalidCode { attempts_left: 0 } => Self::new(
                ErrorCode::Unauthenticated,
                "wrong code, and it was the last attempt: this sign-in is closed; sign in again \
                 to receive a new code",
            ),
            E::InvalidCode { attempts_left } => Self::new(
                ErrorCode::Unauthenticated,
                format!("wrong code: {attempts_left} attempt(s) left"),
            ),
            E::Expired => Self::new(
                ErrorCode::Gone,
                "the code has expired (codes last 24 hours): sign in again to receive a new one",
            ),
            E::Throttled { retry_after } => Self {
                retry_after: Some(retry_after.as_secs().max(1)),
                ..Self::new(ErrorCode::RateLimited, e.to_string())
            },
            E::Invalid { .. } | E::InvalidFile { .. } => {
                Self::new(ErrorCode::InvalidParameter, e.to_string())
            }
            E::Mail(_) => {
                tracing::error!(error = %e, "editor: mail");
                Self::new(
                    ErrorCode::Unavailable,
                    "the code could not be sent by e-mail; try again later",
                )
            }
            E::Database(_) | E::Migration(_) | E::Corrupt(_) => {
                tracing::error!(error = %e, "editor: store error");
                ApiError::internal().into()
            }
        }
    }
}

impl IntoResponse for EditorError {
    fn into_response(self) -> Response {
        let status = self.api.code.status();
        if self.api.code == ErrorCode::Internal {
            tracing::error!(message = %self.api.message, "internal error");
        }
        let body = EditorErrorBody { error: self.api.body(), messages: self.messages };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.clear_cookie {
            response.headers_mut().insert(header::SET_COOKIE, cookie("", 0, false));
        }
        no_store(response.headers_mut());
        response
    }
}

type EdResult<T> = Result<T, EditorError>;

/// Editor answers hold sessions and drafts: never cached.
fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The language of the messages: English when `Accept-Language` prefers it, else French.
fn lang(headers: &HeaderMap) -> Lang {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if first.starts_with("en") { Lang::En } else { Lang::Fr }
}

fn explained(m: &RuleMessage, lang: Lang) -> RuleMessageDto {
    let e = explain(&m.code, lang);
    RuleMessageDto {
        code: m.code.clone(),
        champ: m.field.clone(),
        valeur: m.value.clone(),
        message: e.what,
        correction: e.fix,
    }
}

/// A 422 with the findings.
fn refused(messages: Vec<RuleMessageDto>, lead: &str) -> EditorError {
    let summary: Vec<String> = messages
        .iter()
        .map(|m| match &m.champ {
            Some(c) => format!("{c}: {} {}", m.message, m.correction),
            None => format!("{} {}", m.message, m.correction),
        })
        .collect();
    let mut e = EditorError::new(ErrorCode::InvalidValue, format!("{lead}: {}", summary.join(" ")));
    e.api.detail = summary;
    e.messages = messages;
    e
}

// ------------------------------------------------------------------------------- sessions

/// `geocommun_editor=<token>; HttpOnly; SameSite=Strict; Path=/; Max-Age=…[; Secure]`.
fn cookie(token: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::try_from(format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("geocommun_editor=; Path=/; Max-Age=0"))
}

/// The session token of a request: `Authorization: Bearer ges_…`, else the cookie. The flag
/// says whether it came from the cookie.
fn presented(parts: &Parts) -> Option<(String, bool)> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some((scheme, token)) = v.trim().split_once(' ')
        && scheme.eq_ignore_ascii_case("bearer")
        && !token.trim().is_empty()
    {
        return Some((token.trim().to_owned(), false));
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == COOKIE && !v.is_empty())
        .map(|(_, v)| (v.to_owned(), true))
}

/// Whether a browser request comes from this server's own pages: its `Origin`, when sent,
/// names the host the request was sent to.
fn same_origin(parts: &Parts, trust_forwarded: bool) -> bool {
    let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some((_, origin_host)) = origin.split_once("://") else { return false };
    let hosts = [
        trust_forwarded.then(|| parts.headers.get("x-forwarded-host")).flatten(),
        parts.headers.get(header::HOST),
    ];
    hosts
        .into_iter()
        .flatten()
        .filter_map(|h| h.to_str().ok())
        .any(|h| h.split(',').next().is_some_and(|h| h.trim().eq_ignore_ascii_case(origin_host)))
}

/// The session of an editor request.
#[derive(Debug)]
pub struct Editor {
    pub store: Arc<Store>,
    pub session: EditorSession,
    pub ip: IpAddr,
}

/// The store, or 503 when the server was started without one.
fn store(state: &AppState) -> EdResult<Arc<Store>> {
    state.store().ok_or_else(|| {
        EditorError::new(
            ErrorCode::Unavailable,
            "the server was started without a store: the editor is unavailable",
        )
    })
}

impl FromRequestParts<AppState> for Editor {
    type Rejection = EditorError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> EdResult<Self> {
        let store = store(state)?;
        let limits = state.limiters();
        let ip = limits.client_ip(parts);
        limits.check_not_blocked(ip)?;
        let Some((token, from_cookie)) = presented(parts) else {
            return Err(EditorError::new(
                ErrorCode::Unauthenticated,
                "not signed in: sign in with POST /editor/sign-in, then give the session in the \
                 geocommun_editor cookie or as Authorization: Bearer ges_…",
            ));
        };
        let session = match store.editor_session(&SessionToken::from_presented(token)).await {
            Ok(s) => s,
            Err(e @ geocommun_store::Error::Unauthenticated { reason }) => {
                // A wrong secret is a guess: counted against the address.
                if reason == refusal::UNKNOWN {
                    limits.authentication_failed(ip)?;
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        if parts.method != Method::GET && parts.method != Method::HEAD {
            if from_cookie && !same_origin(parts, limits.settings().trust_forwarded_for) {
                return Err(EditorError::new(
                    ErrorCode::Forbidden,
                    "a change with the session cookie must come from this server's own pages \
                     (the Origin header names another site)",
                ));
            }
            limits.check_session(session.id)?;
        }
        Ok(Self { store, session, ip })
    }
}

// ------------------------------------------------------------------------------- bodies

fn json<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> EdResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        EditorError::new(ErrorCode::InvalidBody, format!("invalid JSON body for {what}: {e}"))
    })
}

/// Body of `POST /editor/sign-in`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    /// INSEE code of the commune (`93010`).
    pub commune: String,
}

/// A sign-in under way.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"habilitation": "0f0e…", "emails": ["m***@bondy.fr"], "expire_le": "2026-03-03T09:00:00Z", "code_envoye": true}))]
pub struct SignInDto {
    /// Give it back with the code: `POST /editor/sign-in/{habilitation}/code`.
    pub habilitation: String,
    /// The official addresses the code went to, masked.
    pub emails: Vec<String>,
    /// When the code expires (RFC 3339).
    pub expire_le: String,
    /// `false`: a code was sent less than 5 minutes ago and is still the one to give; no new
    /// mail was sent.
    pub code_envoye: bool,
}

/// Body of `POST /editor/sign-in/{habilitation}/code`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The 6 digits received by e-mail.
    pub code: String,
}

/// An editor session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub commune: String,
    /// The commune's name.
    pub nom: String,
    /// When the session ends (RFC 3339).
    pub expire_le: String,
    /// The session token, for clients without cookies (`Authorization: Bearer`); only in the
    /// answer that opens the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// The version a change was made against (`expected_version`), optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The draft's `version` the change was made against: 409 if the draft moved on.
    pub expected_version: Option<i64>,
}

/// A position as the API takes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    /// One of the 8 BAL types (`entrée`, `bâtiment`…; `Entree` is read as `entrée`).
    #[serde(rename = "type")]
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
}

impl From<PositionBody> for PositionInput {
    fn from(p: PositionBody) -> Self {
        Self { kind: p.kind, lon: p.lon, lat: p.lat }
    }
}

/// One operation as the API takes it, `op` naming it (see `POST /editor/drafts/{id}/operations`).
/// It becomes the draft's own [`Operation`], whose JSON is the form the store keeps: the two
/// can evolve apart.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum OperationDto {
    AddVoie {
        nom: String,
    },
    RenameVoie {
        voie: String,
        nom: String,
    },
    MergeVoies {
        from: String,
        into: String,
    },
    AddToponyme {
        nom: String,
        #[serde(default)]
        position: Option<[f64; 2]>,
    },
    AddNumero {
        voie: String,
        numero: serde_json::Value,
        #[serde(default)]
        suffixe: Option<String>,
        #[serde(default)]
        positions: Vec<PositionBody>,
        #[serde(default)]
        certifie: bool,
    },
    UpdateNumero(UpdateNumeroDto),
    MoveNumero {
        numero: String,
        lon: f64,
        lat: f64,
    },
    DeleteNumero {
        numero: String,
    },
    Certify {
        numeros: Vec<String>,
        certifie: bool,
    },
}

/// `update_numero`: the number to change is `"numero": "<id>"` (as in the other operations on
/// numbers), its new value then `"nouveau_numero": 14`; or `"id": "<id>"` with `"numero": 14`.
// `suffixe` is three-way, as in the JSON: absent (unchanged), `null` (removed), a value.
#[allow(clippy::option_option)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateNumeroDto {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    numero: Option<serde_json::Value>,
    #[serde(default)]
    nouveau_numero: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    suffixe: Option<Option<String>>,
    #[serde(default)]
    voie: Option<String>,
    #[serde(default)]
    positions: Option<Vec<PositionBody>>,
    #[serde(default)]
    certifie: Option<bool>,
}

/// A present field, `null` included: `Some(None)`.
#[allow(clippy::option_option)]
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A number as given: an integer, or a string the validator reads (`"12"`).
fn numero_value(v: serde_json::Value) -> Result<NumeroValue, String> {
    match v {
        serde_json::Value::Number(n) => Ok(NumeroValue(n.to_string())),
        serde_json::Value::String(s) => Ok(NumeroValue(s)),
        other => Err(format!(
            "numero: {other} is not a number; give an integer such as 12 (the suffix goes in \
             `suffixe`)"
        )),
    }
}

impl OperationDto {
    /// The draft's operation.
    pub fn into_operation(self) -> Result<Operation, String> {
        let positions = |p: Vec<PositionBody>| p.into_iter().map(Into::into).collect();
        Ok(match self {
            Self::AddVoie { nom } => Operation::AddVoie { nom, ban_id: None },
            Self::RenameVoie { voie, nom } => Operation::RenameVoie { voie, nom },
            Self::MergeVoies { from, into } => Operation::MergeVoies { from, into },
            Self::AddToponyme { nom, position } => {
                Operation::AddToponyme { nom, position, ban_id: None }
            }
            Self::AddNumero { voie, numero, suffixe, positions: p, certifie } => {
                Operation::AddNumero {
                    voie,
                    numero: numero_value(numero)?,
                    suffixe,
                    positions: positions(p),
                    certifie,
                    ban_id: None,
                }
            }
            Self::UpdateNumero(u) => {
                let (id, numero) = match (u.id, u.numero) {
                    (Some(id), numero) => {
                        if numero.is_some() && u.nouveau_numero.is_some() {
                            return Err(
                                "give the new number once: `numero` or `nouveau_numero`".into()
                            );
                        }
                        (id, numero.or(u.nouveau_numero))
                    }
                    (None, Some(serde_json::Value::String(id))) => (id, u.nouveau_numero),
                    (None, _) => {
                        return Err("update_numero: name the number to change with \
                                    `\"numero\": \"<id>\"` (its new value then in \
                                    `nouveau_numero`), or with `\"id\": \"<id>\"`"
                            .into());
                    }
                };
                Operation::UpdateNumero(UpdateNumero {
                    id,
                    numero: numero.map(numero_value).transpose()?,
                    suffixe: u.suffixe,
                    voie: u.voie,
                    positions: u.positions.map(positions),
                    certifie: u.certifie,
                })
            }
            Self::MoveNumero { numero, lon, lat } => Operation::MoveNumero { numero, lon, lat },
            Self::DeleteNumero { numero } => Operation::DeleteNumero { numero },
            Self::Certify { numeros, certifie } => Operation::Certify { numeros, certifie },
        })
    }
}

/// `m***@bondy.fr`.
fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

// ------------------------------------------------------------------------------- drafts

/// A voie or lieu-dit of a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoieDto {
    /// Stable across the draft's operations.
    pub id: String,
    pub nom: String,
    /// `voie` (numbered) or `toponyme` (a lieu-dit).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `[lon, lat]`: a lieu-dit's position, else the centre of its numbers; `null` when none.
    pub position: Option<[f64; 2]>,
    /// How many numbers it has.
    pub numeros: usize,
}

/// A position of a number.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionDto {
    /// `entrée`, `bâtiment`, `cage d’escalier`, `logement`, `service technique`,
    /// `délivrance postale`, `parcelle`, `segment` (empty when the base had none).
    #[serde(rename = "type")]
    pub kind: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// A number of a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct NumeroDto {
    pub id: String,
    /// Its voie's id.
    pub voie: String,
    pub numero: u32,
    pub suffixe: Option<String>,
    pub lieudit_complement: Option<String>,
    pub certifie: bool,
    /// Best first.
    pub positions: Vec<PositionDto>,
    pub cle_interop: Option<String>,
    /// Its BAN id in the national base (`null` for a number made in the draft).
    pub ban_id: Option<String>,
}

/// A commune's draft at its latest version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftDto {
    pub id: String,
    pub commune: String,
    /// Give it as `expected_version` to refuse a change made meanwhile.
    pub version: i64,
    pub peut_annuler: bool,
    /// The revision it was opened from; `null`: the fallback (BAN) data.
    pub revision_de_base: Option<String>,
    pub voies: Vec<VoieDto>,
    pub numeros: Vec<NumeroDto>,
}

impl From<&DraftView> for DraftDto {
    fn from(v: &DraftView) -> Self {
        let d = &v.draft;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &d.numeros {
            *counts.entry(n.voie.as_str()).or_default() += 1;
        }
        Self {
            id: v.id.to_string(),
            commune: v.commune.clone(),
            version: v.version,
            peut_annuler: v.can_undo,
            revision_de_base: v.base_revision.map(|r| r.to_string()),
            voies: d
                .voies
                .iter()
                .map(|voie| VoieDto {
                    id: voie.id.clone(),
                    nom: voie.nom.clone(),
                    kind: voie.kind.as_str(),
                    position: d.voie_position(voie).map(|(lon, lat)| [lon, lat]),
                    numeros: counts.get(voie.id.as_str()).copied().unwrap_or(0),
                })
                .collect(),
            numeros: d
                .numeros
                .iter()
                .map(|n| NumeroDto {
                    id: n.id.clone(),
                    voie: n.voie.clone(),
                    numero: n.numero,
                    suffixe: n.suffixe.clone(),
                    lieudit_complement: n.lieudit_complement.clone(),
                    certifie: n.certifie,
                    positions: n
                        .positions
                        .iter()
                        .map(|p| PositionDto {
                            kind: p.kind.clone(),
                            lon: p.coords.map(|c| c[0]),
                            lat: p.coords.map(|c| c[1]),
                        })
                        .collect(),
                    cle_interop: n.cle_interop.clone(),
                    ban_id: n.ban_id.clone(),
                })
                .collect(),
        }
    }
}

fn draft_json(v: &DraftView) -> Response {
    let mut r = Json(DraftDto::from(v)).into_response();
    no_store(r.headers_mut());
    r
}

fn draft_id(s: &str) -> EdResult<DraftId> {
    s.parse().map_err(|_| {
        EditorError::new(ErrorCode::NotFound, format!("draft {s} not found: not a draft id"))
    })
}

/// A change of the difference: the feed's change, not numbered yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffChangeDto {
    /// The feed's kinds: `commune.replaced`, `commune.republished`, `toponyme.created`,
    /// `toponyme.renamed`, `toponyme.changed`, `toponyme.retired`, `address.created`,
    /// `address.changed`, `address.retired`.
    pub kind: String,
    pub commune: String,
    pub departement: String,
    /// The object: the commune's code, or a toponyme's or address's id (a BAN id; new
    /// objects get theirs when published).
    pub id: String,
    /// The object after the change (the feed's records); absent when retired.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Record>,
}

/// What publishing the draft would change in the national base.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffDto {
    /// How many changes of each kind.
    pub resume: BTreeMap<String, u64>,
    pub changes: Vec<DiffChangeDto>,
}

/// A published draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedDto {
    /// The revision made from the draft (`GET /revisions/{id}`).
    pub revision: String,
    /// The feed cursor after the publication's changes.
    pub curseur_feed: i64,
}

// ------------------------------------------------------------------------------- handlers

/// Ask for a sign-in code: it goes to every official address of the commune's mairie.
#[utoipa::path(post, path = "/editor/sign-in", tag = "editor",
    request_body = SignInBody,
    responses(
        (status = 200, body = SignInDto),
        (status = 404, description = "Not a current commune", body = EditorErrorBody),
        (status = 409, description = "The mairie directory has no address for the commune: ask the operator", body = EditorErrorBody),
        (status = 429, description = "Too many code requests from this address (Retry-After)", body = EditorErrorBody),
        (status = 503, description = "No SMTP relay is configured, or the mail could not be sent", body = EditorErrorBody),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> EdResult<Response> {
    let store = store(&state)?;
    let limits = state.limiters();
    limits.check_code(limits.client_ip(&parts))?;
    let b: SignInBody = json(&body, "sign-in (expected {\"commune\": \"93010\"})")?;
    let commune = b.commune.trim().to_uppercase();
    if !store.has_mailer() {
        return Err(EditorError::new(
            ErrorCode::Unavailable,
            "this server has no SMTP relay configured: sign-in codes cannot be sent (the \
             operator sets --smtp-host)",
        ));
    }
    let s = store.editor_sign_in(&commune).await.map_err(|e| match e {
        geocommun_store::Error::NotFound { .. } => EditorError::new(
            ErrorCode::NotFound,
            format!("commune {commune} not found: give the INSEE code of a current commune"),
        ),
        e => e.into(),
    })?;
    let mut r = Json(SignInDto {
        habilitation: s.habilitation.to_string(),
        emails: s.emails.iter().map(|e| mask(e)).collect(),
        expire_le: rfc3339(s.expires_at.as_millis()),
        code_envoye: s.code_sent,
    })
    .into_response();
    no_store(r.headers_mut());
    Ok(r)
}

/// Give the code: a session opens (cookie `geocommun_editor`, and `session` in the body).
#[utoipa::path(post, path = "/editor/sign-in/{habilitation}/code", tag = "editor",
    params(("habilitation" = String, Path, description = "The `habilitation` of the sign-in")),
    request_body = CodeBody,
    responses(
        (status = 200, body = SessionDto, description = "Signed in; `Set-Cookie: geocommun_editor=…; HttpOnly; SameSite=Strict; Path=/`"),
        (status = 401, description = "Wrong code (attempts left in the message)", body = EditorErrorBody),
        (status = 404, description = "No such sign-in", body = EditorErrorBody),
        (status = 410, description = "The code expired, or the sign-in was closed after 10 wrong codes: sign in again", body = EditorErrorBody),
        (status = 429, description = "Too many code requests from this address (Retry-After)", body = EditorErrorBody),
    ))]
pub async fn code(
    State(state): State<AppState>,
    Path(habilitation): Path<String>,
    parts: Parts,
    body: Bytes,
) -> EdResult<Response> {
    let store = store(&state)?;
    let limits = state.limiters();
    limits.check_code(limits.client_ip(&parts))?;
    let b: CodeBody = json(&body, "the code (expected {\"code\": \"123456\"})")?;
    let id: HabilitationId = habilitation.parse().map_err(|_| {
        EditorError::new(ErrorCode::NotFound, format!("sign-in {habilitation} not found"))
    })?;
    let new = store.editor_validate_code(id, &Code::from_user(&b.code)).await.map_err(|e| {
        match e {
            // Rejected after 10 wrong codes (or revoked): this sign-in is over.
            geocommun_store::Error::Forbidden { reason } => EditorError::new(
                ErrorCode::Gone,
                format!("{reason}; sign in again to receive a new code"),
            ),
            geocommun_store::Error::Conflict { .. } => EditorError::new(
                ErrorCode::Gone,
                "this code was already used: sign in again to open another session",
            ),
            e => e.into(),
        }
    })?;
    let nom = store.commune_name(&new.session.commune).unwrap_or_default();
    let max_age = new.session.expires_at.0.saturating_sub(new.session.created_at.0) / 1000;
    let secure = limits.is_https(&parts);
    let mut r = Json(SessionDto {
        commune: new.session.commune.clone(),
        nom,
        expire_le: rfc3339(new.session.expires_at.as_millis()),
        session: Some(new.token.expose().to_owned()),
    })
    .into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        cookie(new.token.expose(), u64::try_from(max_age).unwrap_or(0), secure),
    );
    no_store(r.headers_mut());
    Ok(r)
}

/// Sign out: the session ends at once and the cookie is dropped (204, signed in or not).
#[utoipa::path(post, path = "/editor/sign-out", tag = "editor",
    responses((status = 204, description = "Signed out")))]
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> EdResult<Response> {
    let store = store(&state)?;
    if let Some((token, _)) = presented(&parts)
        && let Ok(session) = store.editor_session(&SessionToken::from_presented(token)).await
    {
        store.editor_sign_out(&session).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(header::SET_COOKIE, cookie("", 0, state.limiters().is_https(&parts)));
    no_store(r.headers_mut());
    Ok(r)
}

/// The current session.
#[utoipa::path(get, path = "/editor/session", tag = "editor",
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = SessionDto),
        (status = 401, description = "Not signed in, or the session expired or ended", body = EditorErrorBody),
    ))]
pub async fn session(Editor { store, session, .. }: Editor) -> EdResult<Response> {
    let mut r = Json(SessionDto {
        nom: store.commune_name(&session.commune).unwrap_or_default(),
        commune: session.commune,
        expire_le: rfc3339(session.expires_at.as_millis()),
        session: None,
    })
    .into_response();
    no_store(r.headers_mut());
    Ok(r)
}

/// The commune's fallback data as a BAL 1.4 file (`None`: the server has none for it).
async fn fallback_bal(state: &AppState, commune: &str) -> EdResult<Option<Vec<u8>>> {
    let Some(fallback) = state.fallback() else { return Ok(None) };
    let Ok(code) = geocommun_model::CodeInsee::parse(commune) else { return Ok(None) };
    let read = tokio::task::spawn_blocking(move || {
        let format = geocommun_export::Format::Bal;
        let mut out = format.header(0);
        let mut found = false;
        fallback
            .read(&geocommun_export::Scope::Commune(code), &|_| false, &mut |c| {
                found = true;
                format.write_commune(&c, &mut out);
                Ok(())
            })
            .map(|()| found.then_some(out))
    })
    .await
    .map_err(|e| {
        tracing::error!("reading the fallback data failed: {e}");
        EditorError::from(ApiError::internal())
    })?;
    read.map_err(|e| {
        tracing::error!(commune, "reading the fallback data: {e}");
        EditorError::new(
            ErrorCode::Unavailable,
            "the fallback data files cannot be read now; try again later",
        )
    })
}

/// The commune's open draft, opened on first call from its current BAL revision, else from
/// its fallback (BAN) data.
#[utoipa::path(get, path = "/editor/communes/{code}/draft", tag = "editor",
    params(("code" = String, Path, description = "The session's commune")),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = DraftDto),
        (status = 401, description = "Not signed in", body = EditorErrorBody),
        (status = 403, description = "Another commune than the session's", body = EditorErrorBody),
    ))]
pub async fn commune_draft(
    State(state): State<AppState>,
    Editor { store, session, .. }: Editor,
    Path(code): Path<String>,
) -> EdResult<Response> {
    let code = code.trim().to_uppercase();
    if code != session.commune {
        return Err(EditorError::new(
            ErrorCode::Forbidden,
            format!("this session may edit commune {} only, not {code}", session.commune),
        ));
    }
    if let Some(view) = store.open_draft(&session).await? {
        return Ok(draft_json(&view));
    }
    let fallback = match store.current_revision(&code).await? {
        Some(_) => None,
        None => fallback_bal(&state, &code).await?,
    };
    let view = store.create_draft(&session, fallback).await?;
    Ok(draft_json(&view))
}

/// Apply one operation to the draft; refused (422, draft unchanged) when a value breaks the
/// BAL rules.
#[utoipa::path(post, path = "/editor/drafts/{id}/operations", tag = "editor",
    params(("id" = String, Path, description = "The draft's id")),
    request_body(content = Object, description = "One operation, with an optional `expected_version`: \
        `{\"op\":\"add_voie\",\"nom\":\"Rue Neuve\"}` · `{\"op\":\"rename_voie\",\"voie\":\"<id>\",\"nom\":\"…\"}` · \
        `{\"op\":\"merge_voies\",\"from\":\"<id>\",\"into\":\"<id>\"}` · `{\"op\":\"add_toponyme\",\"nom\":\"…\",\"position\":[lon,lat]}` · \
        `{\"op\":\"add_numero\",\"voie\":\"<id>\",\"numero\":12,\"suffixe\":\"bis\",\"positions\":[{\"type\":\"entrée\",\"lon\":…,\"lat\":…}],\"certifie\":false}` · \
        `{\"op\":\"update_numero\",\"numero\":\"<id>\"` with any of `nouveau_numero`, `suffixe` (null removes it), `voie`, `positions`, `certifie` \
        (or `\"id\":\"<id>\"` with `\"numero\":14`)`}` · `{\"op\":\"move_numero\",\"numero\":\"<id>\",\"lon\":…,\"lat\":…}` (its first position) · \
        `{\"op\":\"delete_numero\",\"numero\":\"<id>\"}` · `{\"op\":\"certify\",\"numeros\":[\"<id>\"],\"certifie\":true}`",
        example = json!({"op": "add_numero", "voie": "v12", "numero": 12, "suffixe": "bis",
            "positions": [{"type": "entrée", "lon": 2.4891, "lat": 48.8935}], "expected_version": 3})),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = DraftDto, description = "The draft after the operation"),
        (status = 400, description = "Not an operation (unknown `op`, a field missing or unknown)", body = EditorErrorBody),
        (status = 401, description = "Not signed in", body = EditorErrorBody),
        (status = 403, description = "Another commune's draft", body = EditorErrorBody),
        (status = 404, description = "No such draft, voie or number", body = EditorErrorBody),
        (status = 409, description = "`expected_version` is not the draft's version, or the draft is closed", body = EditorErrorBody),
        (status = 422, description = "Refused by the BAL rules: `messages` has the validator's codes and texts", body = EditorErrorBody),
    ))]
pub async fn operation(
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> EdResult<Response> {
    let id = draft_id(&id)?;
    let mut value: serde_json::Value = json(&body, "an operation")?;
    let Some(object) = value.as_object_mut() else {
        return Err(EditorError::new(
            ErrorCode::InvalidBody,
            "an operation is a JSON object such as {\"op\": \"add_voie\", \"nom\": \"Rue Neuve\"}",
        ));
    };
    let expected = match object.remove("expected_version") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            EditorError::new(
                ErrorCode::InvalidBody,
                format!("expected_version: `{v}` is not a version (an integer)"),
            )
        })?),
    };
    let op = serde_json::from_value::<OperationDto>(value)
        .map_err(|e| e.to_string())
        .and_then(OperationDto::into_operation)
        .map_err(|e| {
            EditorError::new(
                ErrorCode::InvalidBody,
                format!(
                    "not an operation: {e}; the operations are add_voie, rename_voie, \
                     merge_voies, add_toponyme, add_numero, update_numero, move_numero, \
                     delete_numero, certify (see /openapi.json)"
                ),
            )
        })?;
    let name = op.name();
    match store.apply_operation(&session, id, op, expected).await? {
        Edited::Applied(view) => Ok(draft_json(&view)),
        Edited::Refused(Refusal::Invalid(messages)) => {
            let lang = lang(&headers);
            let messages = messages.iter().map(|m| explained(m, lang)).collect();
            Err(refused(messages, &format!("{name} refused")))
        }
        Edited::Refused(Refusal::Unknown { what, id: object }) => Err(EditorError::new(
            ErrorCode::NotFound,
            format!("{name}: draft {id} has no {what} `{object}` (reload the draft)"),
        )),
    }
}

fn version_body(body: &[u8]) -> EdResult<VersionBody> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(VersionBody::default());
    }
    json(body, "this route (expected {} or {\"expected_version\": N})")
}

/// Undo the last operation still in effect (a new version; nothing is lost).
#[utoipa::path(post, path = "/editor/drafts/{id}/undo", tag = "editor",
    params(("id" = String, Path)),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = DraftDto, description = "The draft at the previous state"),
        (status = 403, description = "Another commune's draft", body = EditorErrorBody),
        (status = 409, description = "Nothing to undo, or the draft moved on", body = EditorErrorBody),
    ))]
pub async fn undo(
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
    body: Bytes,
) -> EdResult<Response> {
    let id = draft_id(&id)?;
    let b = version_body(&body)?;
    let view = store.undo(&session, id, b.expected_version).await?;
    Ok(draft_json(&view))
}

/// The validation report of the draft (the JSON report of `POST /bal/validate`).
#[utoipa::path(get, path = "/editor/drafts/{id}/report", tag = "editor",
    params(("id" = String, Path)),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, content_type = "application/json", body = Object, description = "The validator's report of the draft's BAL"),
        (status = 403, description = "Another commune's draft", body = EditorErrorBody),
    ))]
pub async fn report(
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
) -> EdResult<Response> {
    let report = store.draft_report(&session, draft_id(&id)?).await?;
    let mut r = Json(report).into_response();
    no_store(r.headers_mut());
    Ok(r)
}

/// What publishing the draft would change in the national base: the feed's changes.
#[utoipa::path(get, path = "/editor/drafts/{id}/diff", tag = "editor",
    params(("id" = String, Path)),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = DiffDto),
        (status = 403, description = "Another commune's draft", body = EditorErrorBody),
    ))]
pub async fn diff(
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
) -> EdResult<Response> {
    let changes = store.draft_diff(&session, draft_id(&id)?).await?;
    let departement = geocommun_model::CodeInsee::parse(&session.commune)
        .map(|c| c.departement().to_owned())
        .unwrap_or_default();
    let mut resume: BTreeMap<String, u64> = BTreeMap::new();
    for c in &changes {
        *resume.entry(c.kind.as_str().to_owned()).or_default() += 1;
    }
    let changes = changes
        .into_iter()
        .map(|c| DiffChangeDto {
            kind: c.kind.as_str().to_owned(),
            commune: session.commune.clone(),
            departement: departement.clone(),
            id: c.object_id,
            data: c.data,
        })
        .collect();
    let mut r = Json(DiffDto { resume, changes }).into_response();
    no_store(r.headers_mut());
    Ok(r)
}

/// The draft as a BAL 1.4 file.
#[utoipa::path(get, path = "/editor/drafts/{id}/bal.csv", tag = "editor",
    params(("id" = String, Path)),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 403, description = "Another commune's draft", body = EditorErrorBody),
    ))]
pub async fn bal(
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
) -> EdResult<Response> {
    let bytes = store.draft_bal(&session, draft_id(&id)?).await?;
    let mut r = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bal-{}-brouillon.csv\"", session.commune),
            ),
        ],
        bytes,
    )
        .into_response();
    no_store(r.headers_mut());
    Ok(r)
}

/// Publish the draft: a revision of the editor's client, with the session's habilitation,
/// computed and published like any other; the index and the feed follow; the draft closes.
#[utoipa::path(post, path = "/editor/drafts/{id}/publish", tag = "editor",
    params(("id" = String, Path)),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = PublishedDto),
        (status = 403, description = "Another commune's draft, or the habilitation was revoked", body = EditorErrorBody),
        (status = 409, description = "The draft moved on, is closed, or the commune was published by someone else since it was opened (abandon it and open a new one)", body = EditorErrorBody),
        (status = 422, description = "The draft's BAL has errors (e.g. too many addresses removed): nothing published, the draft stays open", body = EditorErrorBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> EdResult<Response> {
    let id = draft_id(&id)?;
    let b = version_body(&body)?;
    match store.publish_draft(&session, id, b.expected_version).await? {
        DraftPublication::Published(p) => {
            if let Err(e) = state.reindex_communes(std::slice::from_ref(&p.revision.commune)).await
            {
                tracing::error!(commune = %p.revision.commune, error = %e, "published, not indexed");
            }
            let mut r = Json(PublishedDto {
                revision: p.revision.id.to_string(),
                curseur_feed: p.feed_cursor,
            })
            .into_response();
            no_store(r.headers_mut());
            Ok(r)
        }
        DraftPublication::Invalid(revision) => {
            let lang = lang(&headers);
            let Some(report) = revision.report else {
                return Err(ApiError::internal().into());
            };
            let messages = report
                .errors
                .iter()
                .map(|code| match report.platform.iter().find(|f| &f.code == code) {
                    Some(f) => RuleMessageDto {
                        code: code.clone(),
                        champ: None,
                        valeur: Some(f.count.to_string()),
                        message: f.message.clone(),
                        correction: String::new(),
                    },
                    None => explained(
                        &RuleMessage { code: code.clone(), field: None, value: None },
                        lang,
                    ),
                })
                .collect();
            Err(refused(
                messages,
                &format!(
                    "the draft's BAL has errors, nothing was published (revision {} is kept \
                     as invalid)",
                    revision.id
                ),
            ))
        }
    }
}

/// Abandon the draft: closed without publishing; the next opening starts from the base.
#[utoipa::path(delete, path = "/editor/drafts/{id}", tag = "editor",
    params(("id" = String, Path)),
    security(("editor_session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Abandoned"),
        (status = 403, description = "Another commune's draft", body = EditorErrorBody),
        (status = 409, description = "Already closed, or changed meanwhile", body = EditorErrorBody),
    ))]
pub async fn abandon(
    Editor { store, session, .. }: Editor,
    Path(id): Path<String>,
) -> EdResult<Response> {
    store.abandon_draft(&session, draft_id(&id)?).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    no_store(r.headers_mut());
    Ok(r)
}

/// Mounts the editor's routes (with and without the trailing slash).
pub fn mount(router: axum::Router<AppState>) -> axum::Router<AppState> {
    use axum::routing::{delete, get, post};
    let mut r = router;
    for (path, route) in [
        ("/editor/sign-in", post(sign_in)),
        ("/editor/sign-in/{habilitation}/code", post(code)),
        ("/editor/sign-out", post(sign_out)),
        ("/editor/session", get(session)),
        ("/editor/communes/{code}/draft", get(commune_draft)),
        ("/editor/drafts/{id}", delete(abandon)),
        ("/editor/drafts/{id}/operations", post(operation)),
        ("/editor/drafts/{id}/undo", post(undo)),
        ("/editor/drafts/{id}/report", get(report)),
        ("/editor/drafts/{id}/diff", get(diff)),
        ("/editor/drafts/{id}/bal.csv", get(bal)),
        ("/editor/drafts/{id}/publish", post(publish)),
    ] {
        r = r.route(path, route.clone()).route(&format!("{path}/"), route);
    }
    r
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<Operation, String> {
        serde_json::from_value::<OperationDto>(v)
            .map_err(|e| e.to_string())
            .and_then(OperationDto::into_operation)
    }

    #[test]
    fn update_numero_takes_both_spellings_of_the_new_number() {
        let a = parse(json!({"op": "update_numero", "numero": "n4", "nouveau_numero": 301}));
        let b = parse(json!({"op": "update_numero", "id": "n4", "numero": 301}));
        assert_eq!(a, b);
        let Ok(Operation::UpdateNumero(u)) = a else { panic!("{a:?}") };
        assert_eq!((u.id.as_str(), u.numero), ("n4", Some(NumeroValue("301".into()))));
        assert_eq!(u.suffixe, None, "absent: unchanged");
        let Ok(Operation::UpdateNumero(u)) =
            parse(json!({"op": "update_numero", "numero": "n4", "suffixe": null}))
        else {
            panic!()
        };
        assert_eq!(u.suffixe, Some(None), "null: removed");
        let e = parse(json!({"op": "update_numero", "numero": 3})).unwrap_err();
        assert!(e.contains("name the number to change"), "{e}");
        let e = parse(json!({"op": "update_numero", "id": "n4", "numero": 3, "nouveau_numero": 4}))
            .unwrap_err();
        assert!(e.contains("once"), "{e}");
    }

    #[test]
    fn clients_cannot_choose_ids_nor_misspell_fields() {
        for v in [
            json!({"op": "add_voie", "nom": "Rue Neuve", "ban_id": "0246e48c-f33d-433a-8984-034219be842e"}),
            json!({"op": "add_numero", "voie": "v1", "numero": 1, "sufixe": "bis"}),
            json!({"op": "paint", "nom": "x"}),
            json!({"op": "add_numero", "voie": "v1", "numero": [1]}),
        ] {
            assert!(parse(v.clone()).is_err(), "{v}");
        }
        let Ok(Operation::AddNumero { numero, positions, .. }) = parse(json!({"op": "add_numero",
            "voie": "v1", "numero": "12", "positions": [{"type": "Entree", "lon": 2.0, "lat": 48.0}]}))
        else {
            panic!()
        };
        assert_eq!((numero.0.as_str(), positions[0].kind.as_str()), ("12", "Entree"));
    }

    #[test]
    fn masks_and_origins() {
        assert_eq!(mask("mairie@ville-bondy.fr"), "m***@ville-bondy.fr");
        assert_eq!(mask("nope"), "***");
        let parts = |headers: &[(&str, &str)]| {
            let mut b = axum::http::Request::builder();
            for (k, v) in headers {
                b = b.header(*k, *v);
            }
            b.body(()).unwrap().into_parts().0
        };
        assert!(same_origin(&parts(&[("host", "a.example:8080")]), false));
        assert!(same_origin(
            &parts(&[("host", "a.example:8080"), ("origin", "http://a.example:8080")]),
            false
        ));
        assert!(!same_origin(
            &parts(&[("host", "a.example"), ("origin", "https://b.example")]),
            false
        ));
        assert!(!same_origin(&parts(&[("host", "a.example"), ("origin", "null")]), false));
        let proxied = [
            ("host", "backend:7878"),
            ("x-forwarded-host", "adresses.example"),
            ("origin", "https://adresses.example"),
        ];
        assert!(same_origin(&parts(&proxied), true));
        assert!(!same_origin(&parts(&proxied), false));
    }
}
