//! The wire shapes of the reference files, exactly as published; [`crate::registry`] turns
//! them into the registry's own types.

use std::borrow::Cow;

use serde::Deserialize;

/// One record of `communes.json` (`@etalab/decoupage-administratif`). Fields that the
/// registry does not keep as they are borrow from the input (no escapes in codes), so that
/// parsing 37,590 records leaves no trail of small freed strings behind.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommuneRecord<'a> {
    #[serde(borrow)]
    pub code: Cow<'a, str>,
    pub nom: String,
    #[serde(rename = "type")]
    pub kind: CommuneType,
    #[serde(default, borrow)]
    pub zone: Option<Cow<'a, str>>,
    #[serde(default)]
    pub departement: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Older releases put the COM (Saint-Pierre-et-Miquelon, Polynésie…) here instead of
    /// `departement` / `region`.
    #[serde(default)]
    pub collectivite_outremer: Option<CodeNom>,
    #[serde(default)]
    pub population: Option<u32>,
    #[serde(default)]
    pub codes_postaux: Vec<String>,
    /// The commune nouvelle / chef-lieu a commune déléguée or associée belongs to.
    #[serde(default, borrow)]
    pub chef_lieu: Option<Cow<'a, str>>,
    /// The PLM commune an arrondissement municipal belongs to.
    #[serde(default, borrow)]
    pub commune: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub anciens_codes: Vec<Cow<'a, str>>,
    /// SIREN of the commune as a local authority (absent on COM records and déléguées).
    #[serde(default)]
    pub siren: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommuneType {
    #[serde(rename = "commune-actuelle")]
    Actuelle,
    #[serde(rename = "commune-deleguee")]
    Deleguee,
    #[serde(rename = "commune-associee")]
    Associee,
    #[serde(rename = "arrondissement-municipal")]
    ArrondissementMunicipal,
}

#[derive(Deserialize)]
pub(crate) struct CodeNom {
    pub code: String,
    #[allow(dead_code)]
    #[serde(default)]
    pub nom: Option<String>,
}

/// One record of `departements.json` or `regions.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AreaRecord {
    pub code: String,
    pub nom: String,
    /// Only on départements.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub chef_lieu: Option<String>,
    #[serde(default)]
    pub zone: Option<String>,
}

/// One value of the BAN commune-centre file (`{"75101": {"center": [lon, lat], "bbox": [...], "nom": ...}}`).
#[derive(Deserialize)]
pub(crate) struct CentreRecord {
    #[serde(default)]
    pub center: Option<[f64; 2]>,
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
}

/// One record of `epci.json` or `ept.json` (`@etalab/decoupage-administratif`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EpciRecord {
    pub code: String,
    pub nom: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub mode_financement: Option<String>,
    #[serde(default)]
    pub population_municipale: Option<u32>,
    #[serde(default)]
    pub membres: Vec<EpciMember>,
}

#[derive(Deserialize)]
pub(crate) struct EpciMember {
    pub code: String,
}
