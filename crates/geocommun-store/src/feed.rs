//! The change feed and the history: what each publication changed in the national base,
//! object by object (commune, toponyme, address), as the records a reuser holds.
//!
//! A publication's changes are computed when it is published, from the consolidation of the
//! revision it replaces and of the new one ([`diff`]), and written in the same transaction as
//! the new current pointer: the feed never misses a publication nor shows one that did not
//! happen. Changes are numbered `1, 2, 3…` without gaps in commit order; a change's number is
//! the cursor a reader resumes after.
//!
//! Replay rules ([`FeedState::apply`]), which make "an export at cursor C + every change after
//! C = the base now" hold:
//! - `commune.replaced`: the commune's first BAL replaces the fallback data: drop every object
//!   of the commune, then keep the commune record;
//! - `commune.republished`: a new BAL revision; the commune record is replaced;
//! - `*.created`, `*.changed`, `toponyme.renamed`: put the record (insert or replace);
//! - `*.retired`: remove the object.
//!
//! Within one publication the commune comes first, then toponymes created or changed, then
//! addresses, then toponymes retired: an address never points to a toponyme the reader has
//! not got.

use std::collections::{BTreeMap, HashMap};

use geocommun_model::text::fold;
use geocommun_model::{CommuneAddresses, StreetKind};
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::RevisionId;

/// What a change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangeKind {
    #[serde(rename = "commune.replaced")]
    CommuneReplaced,
    #[serde(rename = "commune.republished")]
    CommuneRepublished,
    #[serde(rename = "toponyme.created")]
    ToponymeCreated,
    #[serde(rename = "toponyme.renamed")]
    ToponymeRenamed,
    #[serde(rename = "toponyme.changed")]
    ToponymeChanged,
    #[serde(rename = "toponyme.retired")]
    ToponymeRetired,
    #[serde(rename = "address.created")]
    AddressCreated,
    #[serde(rename = "address.changed")]
    AddressChanged,
    #[serde(rename = "address.retired")]
    AddressRetired,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 9] = [
        Self::CommuneReplaced,
        Self::CommuneRepublished,
        Self::ToponymeCreated,
        Self::ToponymeRenamed,
        Self::ToponymeChanged,
        Self::ToponymeRetired,
        Self::AddressCreated,
        Self::AddressChanged,
        Self::AddressRetired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommuneReplaced => "commune.replaced",
            Self::CommuneRepublished => "commune.republished",
            Self::ToponymeCreated => "toponyme.created",
            Self::ToponymeRenamed => "toponyme.renamed",
            Self::ToponymeChanged => "toponyme.changed",
            Self::ToponymeRetired => "toponyme.retired",
            Self::AddressCreated => "address.created",
            Self::AddressChanged => "address.changed",
            Self::AddressRetired => "address.retired",
        }
    }

    pub(crate) fn from_stored(s: &str) -> crate::Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| crate::Error::Corrupt(format!("change kind `{s}`")))
    }

    /// Whether the object is gone after this change.
    pub fn retires(self) -> bool {
        matches!(self, Self::ToponymeRetired | Self::AddressRetired)
    }
}

/// A position of an address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionRecord {
    /// BAL spelling: `entrée`, `bâtiment`, `cage d'escalier`…
    #[serde(rename = "type")]
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
}

/// A commune as the feed and the exports carry it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommuneRecord {
    pub code: String,
    pub id: Option<String>,
    pub name: String,
    /// `bal` (its current BAL) or `fallback` (imported BAN/BANO files).
    pub source: String,
    /// The current revision (BAL only).
    pub revision: Option<String>,
    pub addresses: u64,
    pub toponymes: u64,
}

/// A toponyme: a street (voie) or a lieu-dit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToponymeRecord {
    pub id: String,
    pub commune: String,
    /// `voie` or `lieu-dit`.
    pub kind: String,
    pub name: String,
    /// The street part of `cle_interop`, or a FANTOIR code.
    pub code: Option<String>,
    pub postcode: Option<String>,
    /// The ancienne commune it lies in (code).
    pub old_commune: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// An address: a number of a toponyme, with its positions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressRecord {
    pub id: String,
    pub commune: String,
    pub toponyme: String,
    pub numero: u32,
    pub suffixe: Option<String>,
    pub cle_interop: Option<String>,
    pub postcode: Option<String>,
    pub certified: bool,
    /// Best first.
    pub positions: Vec<PositionRecord>,
}

/// One object of the base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "lowercase")]
pub enum Record {
    Commune(CommuneRecord),
    Toponyme(ToponymeRecord),
    Address(AddressRecord),
}

impl Record {
    /// The object's identifier in the feed: the commune's code, else the BAN id (or, for
    /// fallback data without one, the `cle_interop` or a key made of the commune and names).
    pub fn id(&self) -> &str {
        match self {
            Self::Commune(c) => &c.code,
            Self::Toponyme(t) => &t.id,
            Self::Address(a) => &a.id,
        }
    }

    pub fn commune(&self) -> &str {
        match self {
            Self::Commune(c) => &c.code,
            Self::Toponyme(t) => &t.commune,
            Self::Address(a) => &a.commune,
        }
    }
}

/// The records of a commune: the commune, its toponymes, then its addresses. `revision`:
/// the BAL revision it comes from (`None`: fallback data).
pub fn records(c: &CommuneAddresses, revision: Option<RevisionId>) -> Vec<Record> {
    let code = c.code.as_str();
    let mut toponymes = Vec::with_capacity(c.streets.len());
    let mut addresses = Vec::with_capacity(c.address_count());
    for s in &c.streets {
        let toponyme_id = s.ban_id.map_or_else(
            || match &s.code {
                Some(k) => k.clone(),
                None => format!("{code}_{}", fold(&s.name).replace(' ', "-")),
            },
            |id| id.to_string(),
        );
        for a in &s.addresses {
            let suffix = a.numero.suffix.clone();
            let id = a.ban_id.map_or_else(
                || {
                    a.cle_interop.clone().unwrap_or_else(|| {
                        format!(
                            "{toponyme_id}_{}{}",
                            a.numero.number,
                            suffix.as_deref().unwrap_or("")
                        )
                    })
                },
                |id| id.to_string(),
            );
            addresses.push(Record::Address(AddressRecord {
                id,
                commune: code.to_owned(),
                toponyme: toponyme_id.clone(),
                numero: a.numero.number,
                suffixe: suffix,
                cle_interop: a.cle_interop.clone(),
                postcode: a.postcode.clone().or_else(|| s.postcode.clone()),
                certified: a.certified,
                positions: a
                    .positions
                    .iter()
                    .map(|p| PositionRecord {
                        kind: p.kind.as_bal_str().to_owned(),
                        lon: p.point.lon,
                        lat: p.point.lat,
                    })
                    .collect(),
            }));
        }
        toponymes.push(Record::Toponyme(ToponymeRecord {
            id: toponyme_id,
            commune: code.to_owned(),
            kind: match s.kind {
                StreetKind::Voie => "voie",
                StreetKind::LieuDit => "lieu-dit",
            }
            .to_owned(),
            name: s.name.clone(),
            code: s.code.clone(),
            postcode: s.postcode.clone(),
            old_commune: s.old_commune.as_ref().map(|(c, _)| c.as_str().to_owned()),
            lon: s.position.map(|p| p.lon),
            lat: s.position.map(|p| p.lat),
        }));
    }
    let mut out = Vec::with_capacity(1 + toponymes.len() + addresses.len());
    out.push(Record::Commune(CommuneRecord {
        code: code.to_owned(),
        id: c.ban_id.map(|id| id.to_string()),
        name: c.name.clone(),
        source: if revision.is_some() { "bal" } else { "fallback" }.to_owned(),
        revision: revision.map(|r| r.to_string()),
        addresses: addresses.len() as u64,
        toponymes: toponymes.len() as u64,
    }));
    out.extend(toponymes);
    out.extend(addresses);
    out
}

/// A change before it is numbered.
#[derive(Clone, Debug, PartialEq)]
pub struct NewChange {
    pub kind: ChangeKind,
    pub object_id: String,
    /// The object after the change; `None` when retired.
    pub data: Option<Record>,
}

/// The changes that take a commune from `before` (`None`: fallback data) to `after`.
pub fn diff(before: Option<&[Record]>, after: &[Record]) -> Vec<NewChange> {
    let change =
        |kind, r: &Record| NewChange { kind, object_id: r.id().to_owned(), data: Some(r.clone()) };
    let Some(before) = before else {
        return after
            .iter()
            .map(|r| {
                let kind = match r {
                    Record::Commune(_) => ChangeKind::CommuneReplaced,
                    Record::Toponyme(_) => ChangeKind::ToponymeCreated,
                    Record::Address(_) => ChangeKind::AddressCreated,
                };
                change(kind, r)
            })
            .collect();
    };
    let old: HashMap<&str, &Record> = before.iter().map(|r| (r.id(), r)).collect();
    let new: HashMap<&str, &Record> = after.iter().map(|r| (r.id(), r)).collect();
    let mut out = Vec::new();
    let mut retired_toponymes = Vec::new();
    for r in after {
        let prev = old.get(r.id()).copied();
        let kind = match (r, prev) {
            (Record::Commune(_), _) => Some(ChangeKind::CommuneRepublished),
            (Record::Toponyme(_), None) => Some(ChangeKind::ToponymeCreated),
            (Record::Toponyme(t), Some(Record::Toponyme(p))) if t.name != p.name => {
                Some(ChangeKind::ToponymeRenamed)
            }
            (Record::Address(_), None) => Some(ChangeKind::AddressCreated),
            (_, Some(p)) if p == r => None,
            (Record::Toponyme(_), Some(_)) => Some(ChangeKind::ToponymeChanged),
            (Record::Address(_), Some(_)) => Some(ChangeKind::AddressChanged),
        };
        if let Some(kind) = kind {
            out.push(change(kind, r));
        }
    }
    for r in before.iter().filter(|r| !new.contains_key(r.id())) {
        let retired = |kind| NewChange { kind, object_id: r.id().to_owned(), data: None };
        match r {
            Record::Commune(_) => {}
            Record::Toponyme(_) => retired_toponymes.push(retired(ChangeKind::ToponymeRetired)),
            Record::Address(_) => out.push(retired(ChangeKind::AddressRetired)),
        }
    }
    out.extend(retired_toponymes);
    out
}

/// One numbered change of the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The cursor: 1, 2, 3… without gaps.
    pub seq: i64,
    pub kind: ChangeKind,
    pub commune: String,
    pub departement: String,
    pub object_id: String,
    /// The revision whose publication made the change.
    pub revision: RevisionId,
    pub at: Timestamp,
    /// The object after the change (absent once retired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Record>,
}

/// Which changes a reader wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FeedFilter {
    #[default]
    All,
    Commune(String),
    Departement(String),
}

/// A page of the feed.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedPage {
    pub changes: Vec<Change>,
    /// Where to resume: the last change of the page, or the cursor asked when it is empty.
    pub next: i64,
    /// The newest change of the whole feed when the page was read.
    pub head: i64,
}

/// The base as a reader of the feed holds it: records by commune and id. Applying every change
/// after an export's cursor to that export gives the base of the newest change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedState {
    pub communes: BTreeMap<String, BTreeMap<String, Record>>,
}

impl FeedState {
    /// A state holding these records.
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> Self {
        let mut s = Self::default();
        for r in records {
            s.put(r);
        }
        s
    }

    fn put(&mut self, r: Record) {
        self.communes.entry(r.commune().to_owned()).or_default().insert(r.id().to_owned(), r);
    }

    /// Applies one change (see the module's replay rules).
    pub fn apply(&mut self, c: &Change) {
        match c.kind {
            ChangeKind::CommuneReplaced => {
                self.communes.remove(&c.commune);
            }
            k if k.retires() => {
                if let Some(objects) = self.communes.get_mut(&c.commune) {
                    objects.remove(&c.object_id);
                }
                return;
            }
            _ => {}
        }
        if let Some(r) = &c.data {
            self.put(r.clone());
        }
    }
}
