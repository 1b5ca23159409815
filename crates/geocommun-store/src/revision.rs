//! Revisions: one BAL file published (or to be published) for one commune by one client, with
//! its report. The platform rules that the BAL validator does not know live here.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{ClientId, HabilitationId, RevisionId};
use crate::limits::{DELETE_ERROR_RATIO, DELETE_WARNING_RATIO, REPORT_EXAMPLE_ROWS};

/// Where a revision stands. A published revision never changes again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevisionStatus {
    /// Created, or its file attached, or to compute again (another revision of the commune was
    /// published since it was computed).
    Pending,
    /// Computed without errors: may be published.
    Ready,
    /// Computed with errors: cannot be published.
    Invalid,
    /// Published (it may since have been replaced: see [`Revision::current`]).
    Published,
}

impl RevisionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Invalid => "invalid",
            Self::Published => "published",
        }
    }

    pub(crate) fn from_stored(s: &str) -> crate::Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "ready" => Self::Ready,
            "invalid" => Self::Invalid,
            "published" => Self::Published,
            other => return Err(crate::Error::Corrupt(format!("revision status `{other}`"))),
        })
    }
}

/// Who publishes, as the client says it (shown to reusers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevisionContext {
    /// A person's name.
    pub author: Option<String>,
    /// The organisation (the mairie, a syndicate, a company).
    pub organisation: Option<String>,
}

/// The file of a revision, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// SHA-256 of the bytes, lower-case hexadecimal.
    pub sha256: String,
    pub size: u64,
}

/// The file of a revision, with its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

impl std::fmt::Debug for StoredFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredFile")
            .field("size", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// A revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub id: RevisionId,
    /// INSEE code of the commune.
    pub commune: String,
    pub client_id: ClientId,
    pub status: RevisionStatus,
    pub context: RevisionContext,
    pub file: Option<FileInfo>,
    /// The last computation's report.
    pub report: Option<RevisionReport>,
    /// The habilitation that allowed the publication (`None`: the client's perimeter did).
    pub habilitation_id: Option<HabilitationId>,
    /// It is the commune's current revision.
    pub current: bool,
    pub created_at: Timestamp,
    pub computed_at: Option<Timestamp>,
    pub published_at: Option<Timestamp>,
}

/// Severity of a platform finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

/// A finding of the platform rules (codes of api-depot where it has one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformFinding {
    /// `commune_insee.valeur_inattendue`, `rows.delete_too_many_addresses`,
    /// `rows.delete_many_addresses`. (api-depot's `commune_insee.out_of_perimeter` has no
    /// finding here: the store refuses every write on a revision of a commune the client may
    /// not publish for, with [`crate::Error::Forbidden`], before computing anything.)
    pub code: String,
    pub level: Level,
    /// What is wrong and what to do, in French.
    pub message: String,
    /// Data rows concerned (1-based, header excluded), at most [`REPORT_EXAMPLE_ROWS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<u64>,
    /// Rows concerned in all.
    #[serde(default)]
    pub count: u64,
}

/// The comparison with the commune's current revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deletion {
    pub current_revision: String,
    pub current_addresses: u64,
    pub addresses: u64,
    /// Share of the current addresses removed (net), 0 when the count grows.
    pub ratio: f64,
}

/// What computing a revision found. Kept as JSON with the revision (this type is that
/// stored format; the HTTP layer has its own DTO).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionReport {
    /// No error, from the validator or the platform: the revision may be published.
    pub valid: bool,
    /// The BAL profile the validator chose (`1.3`, `1.4`…).
    pub profile: Option<String>,
    pub rows_count: u64,
    /// Distinct addresses (numbers, lieux-dits `99999` excluded).
    pub address_count: u64,
    /// Codes, validator's then platform's, distinct.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
    pub platform: Vec<PlatformFinding>,
    pub deletion: Option<Deletion>,
    /// The validator's whole JSON report (geocommun-bal, the reference's keys).
    pub validation: serde_json::Value,
    /// What consolidating the file gave: counts, identifiers kept or new, flags (reports
    /// computed before consolidation existed have none).
    #[serde(default)]
    pub consolidation: Option<crate::consolidate::ConsolidationSummary>,
}

/// What publishing changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Publication {
    pub revision: Revision,
    /// The revision it replaced as the commune's current one.
    pub previous: Option<RevisionId>,
    /// The event written for the change feed.
    pub event: Event,
    /// Changes of the feed the publication wrote (commune, toponymes, addresses).
    pub changes: u64,
    /// The feed cursor after them: a reader at this cursor has the publication.
    pub feed_cursor: i64,
}

/// Kinds of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A commune's first publication.
    RevisionPublished,
    /// A publication replaced the commune's current revision; the event is addressed to the
    /// client of the replaced one.
    RevisionReplaced,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RevisionPublished => "revision_published",
            Self::RevisionReplaced => "revision_replaced",
        }
    }

    pub(crate) fn from_stored(s: &str) -> crate::Result<Self> {
        match s {
            "revision_published" => Ok(Self::RevisionPublished),
            "revision_replaced" => Ok(Self::RevisionReplaced),
            other => Err(crate::Error::Corrupt(format!("event kind `{other}`"))),
        }
    }
}

/// One row of the event log (the change feed reads it by increasing `id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Increasing in commit order.
    pub id: i64,
    pub kind: EventKind,
    pub commune: String,
    pub revision_id: RevisionId,
    pub previous_revision_id: Option<RevisionId>,
    /// The client the event is for (the owner of the replaced revision).
    pub addressee: Option<ClientId>,
    pub created_at: Timestamp,
}

/// What the platform rules read from the file.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    pub rows: u64,
    pub addresses: u64,
    /// Rows whose commune is another one.
    pub foreign_rows: Vec<u64>,
    pub foreign_count: u64,
}

/// A trimmed cell, empty when the column is absent.
fn get(row: &[String], c: Option<usize>) -> &str {
    c.and_then(|c| row.get(c)).map_or("", |v| v.trim())
}

/// Reads the rows of a BAL for the platform rules. A file the reader refuses gives no facts:
/// the validator's report already says why.
pub(crate) fn file_facts(bytes: &[u8], commune: &str) -> FileFacts {
    let Ok(table) = geocommun_bal::read::read_table(bytes) else { return FileFacts::default() };
    let header: Vec<String> = table.header.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (insee, cle, numero, suffixe, voie, deleguee) = (
        col("commune_insee"),
        col("cle_interop"),
        col("numero"),
        col("suffixe"),
        col("voie_nom"),
        col("commune_deleguee_insee"),
    );
    let mut facts = FileFacts { rows: table.rows.len() as u64, ..FileFacts::default() };
    let mut addresses = HashSet::new();
    for (i, row) in table.rows.iter().enumerate() {
        let mut code = get(row, insee).to_owned();
        if code.is_empty() {
            code = get(row, cle).split('_').next().unwrap_or("").to_uppercase();
        }
        if !code.is_empty() && code != commune {
            facts.foreign_count += 1;
            if facts.foreign_rows.len() < REPORT_EXAMPLE_ROWS {
                facts.foreign_rows.push(i as u64 + 1);
            }
        }
        let n = get(row, numero).trim_start_matches('0');
        if n.is_empty() || n == "99999" {
            continue;
        }
        addresses.insert((
            get(row, deleguee).to_owned(),
            get(row, voie).to_lowercase(),
            n.to_owned(),
            get(row, suffixe).to_lowercase(),
        ));
    }
    facts.addresses = addresses.len() as u64;
    facts
}

/// The platform findings of a revision.
pub(crate) fn platform_findings(
    commune: &str,
    facts: &FileFacts,
    current: Option<(RevisionId, u64)>,
) -> (Vec<PlatformFinding>, Option<Deletion>) {
    let mut out = Vec::new();
    if facts.foreign_count > 0 {
        out.push(PlatformFinding {
            code: "commune_insee.valeur_inattendue".to_owned(),
            level: Level::Error,
            message: format!(
                "{} ligne(s) appartiennent à une autre commune que {commune} : une révision ne \
                 porte que sur une commune ; retirez ces lignes ou publiez-les pour leur commune",
                facts.foreign_count
            ),
            rows: facts.foreign_rows.clone(),
            count: facts.foreign_count,
        });
    }
    let deletion = current.map(|(id, current_addresses)| {
        let removed = current_addresses.saturating_sub(facts.addresses);
        let ratio =
            if current_addresses == 0 { 0.0 } else { removed as f64 / current_addresses as f64 };
        Deletion {
            current_revision: id.to_string(),
            current_addresses,
            addresses: facts.addresses,
            ratio,
        }
    });
    if let Some(d) = &deletion {
        let pct = (d.ratio * 100.0).round();
        let (code, level) = if d.ratio > DELETE_ERROR_RATIO {
            ("rows.delete_too_many_addresses", Some(Level::Error))
        } else if d.ratio > DELETE_WARNING_RATIO {
            ("rows.delete_many_addresses", Some(Level::Warning))
        } else {
            ("", None)
        };
        if let Some(level) = level {
            out.push(PlatformFinding {
                code: code.to_owned(),
                level,
                message: format!(
                    "{} adresse(s) contre {} dans la révision courante : {pct} % supprimées{}",
                    d.addresses,
                    d.current_addresses,
                    if level == Level::Error {
                        " (plus de 80 %) : vérifiez que le fichier est complet"
                    } else {
                        " (plus de 20 %) : vérifiez que c'est voulu"
                    }
                ),
                rows: Vec::new(),
                count: 0,
            });
        }
    }
    (out, deletion)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(addresses: u64) -> FileFacts {
        FileFacts { rows: addresses, addresses, ..FileFacts::default() }
    }

    fn codes(f: &[PlatformFinding]) -> Vec<&str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn deletion_thresholds_are_strict() {
        let cur = Some((RevisionId::new(), 100));
        assert!(platform_findings("71346", &facts(80), cur).0.is_empty());
        assert_eq!(
            codes(&platform_findings("71346", &facts(79), cur).0),
            ["rows.delete_many_addresses"]
        );
        assert_eq!(
            codes(&platform_findings("71346", &facts(20), cur).0),
            ["rows.delete_many_addresses"]
        );
        assert_eq!(
            codes(&platform_findings("71346", &facts(19), cur).0),
            ["rows.delete_too_many_addresses"]
        );
        assert!(platform_findings("71346", &facts(0), None).0.is_empty());
    }

    #[test]
    fn rows_of_other_communes_and_addresses() {
        let bal = "cle_interop;commune_insee;numero;suffixe;voie_nom\n\
                   71346_a_00001;71346;1;;Rue A\n\
                   71346_a_00001;71346;1;;Rue A\n\
                   71346_a_00001_bis;71346;1;bis;Rue A\n\
                   71346_a_99999;71346;99999;;Lieu-dit\n\
                   54084_a_00002;;2;;Rue B\n";
        let f = file_facts(bal.as_bytes(), "71346");
        assert_eq!((f.rows, f.addresses, f.foreign_count), (5, 3, 1));
        assert_eq!(f.foreign_rows, [5]);
    }
}
