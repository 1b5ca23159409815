//! The commune lookups the validator needs, and the one network-backed lookup.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use geocommun_admin::{AdminRegistry, CommuneKind};
use serde::Deserialize;

/// The reference validator's "mini-COG": current communes and arrondissements municipaux
/// (without Paris, Marseille and Lyon as a whole), each with its name and the codes of the
/// former communes merged into it.
#[derive(Clone, Debug, Default)]
pub struct MiniCog {
    // foldhash: the validator looks codes up several times per row.
    communes: HashMap<Box<str>, CogCommune, foldhash::fast::RandomState>,
    anciens: HashSet<Box<str>, foldhash::fast::RandomState>,
}

/// One current commune of the [`MiniCog`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CogCommune {
    pub nom: String,
    pub anciens_codes: Vec<String>,
}

/// The three PLM communes whose arrondissements stand in for them.
const PLM: [&str; 3] = ["75056", "13055", "69123"];

#[derive(Deserialize)]
struct MiniCogRecord {
    code: String,
    nom: String,
    #[serde(default, rename = "anciensCodes")]
    anciens_codes: Vec<String>,
}

impl MiniCog {
    /// Builds it the way the reference builds its `minicog.json` from
    /// @etalab/decoupage-administratif: current communes + arrondissements municipaux,
    /// minus 75056, 13055 and 69123.
    pub fn from_registry(registry: &AdminRegistry) -> Self {
        let entries = registry
            .communes()
            .filter(|c| {
                matches!(c.kind, CommuneKind::Actuelle | CommuneKind::ArrondissementMunicipal)
            })
            .filter(|c| !PLM.contains(&c.code.as_str()))
            .map(|c| {
                (
                    c.code.as_str().to_owned(),
                    c.nom.clone(),
                    c.anciens_codes.iter().map(|a| a.as_str().to_owned()).collect(),
                )
            });
        Self::from_entries(entries)
    }

    /// Reads the reference's own `minicog.json` (`[{code, nom, anciensCodes?}]`).
    pub fn from_json(reader: impl Read) -> serde_json::Result<Self> {
        let records: Vec<MiniCogRecord> = serde_json::from_reader(reader)?;
        Ok(Self::from_entries(records.into_iter().map(|r| (r.code, r.nom, r.anciens_codes))))
    }

    /// From `(code, nom, anciens codes)` triples.
    pub fn from_entries(entries: impl IntoIterator<Item = (String, String, Vec<String>)>) -> Self {
        let mut cog = Self::default();
        for (code, nom, anciens_codes) in entries {
            cog.anciens.extend(anciens_codes.iter().map(|a| a.as_str().into()));
            cog.communes.insert(code.into(), CogCommune { nom, anciens_codes });
        }
        cog
    }

    /// A current commune (or arrondissement municipal).
    pub fn current(&self, code: &str) -> Option<&CogCommune> {
        self.communes.get(code)
    }

    /// A code listed as an ancien code of some current commune.
    pub fn is_ancien(&self, code: &str) -> bool {
        self.anciens.contains(code)
    }

    /// Known at all (current or ancien).
    pub fn is_known(&self, code: &str) -> bool {
        self.communes.contains_key(code) || self.anciens.contains(code)
    }

    pub fn len(&self) -> usize {
        self.communes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.communes.is_empty()
    }

    /// Every `(code, commune)`, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &CogCommune)> {
        self.communes.iter().map(|(k, v)| (&**k, v))
    }
}

/// Where the BAN id of a commune comes from (the reference asks the BAN API once per commune
/// code). Used only by `row.cog_no_match_id_ban_commune`; without one the check is skipped
/// and the report says so.
pub trait BanIdStore: Send + Sync {
    /// The BAN id (`id_ban_commune`) of the commune with INSEE code `code`, if known.
    fn commune_ban_id(&self, code: &str) -> Option<String>;
}

impl<S: BanIdStore + ?Sized> BanIdStore for &S {
    fn commune_ban_id(&self, code: &str) -> Option<String> {
        (**self).commune_ban_id(code)
    }
}

/// A [`BanIdStore`] over a fixed map, for tests and offline snapshots.
#[derive(Clone, Debug, Default)]
pub struct StaticBanIds(pub HashMap<String, String>);

impl BanIdStore for StaticBanIds {
    fn commune_ban_id(&self, code: &str) -> Option<String> {
        self.0.get(code).cloned()
    }
}
