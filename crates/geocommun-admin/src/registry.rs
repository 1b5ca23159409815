//! [`AdminRegistry`]: communes, départements and régions of the COG, looked up by code.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use geocommun_model::{CodeInsee, LonLat};
use serde::Deserialize;

use crate::cog::{AreaRecord, CentreRecord, CommuneRecord, CommuneType};
use crate::error::{AdminError, AdminFile, Result};

/// What a COG commune record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommuneKind {
    /// A current commune (`commune-actuelle`), including Paris, Marseille and Lyon as a whole.
    Actuelle,
    /// A commune déléguée of a commune nouvelle.
    Deleguee,
    /// A commune associée (the older fusion-association regime).
    Associee,
    /// One of the 45 arrondissements municipaux of Paris, Marseille and Lyon.
    ArrondissementMunicipal,
}

impl CommuneKind {
    /// Whether this record is the one to return for its code: current communes and
    /// arrondissements win over the déléguée / associée that may share their code.
    pub fn is_primary(self) -> bool {
        matches!(self, Self::Actuelle | Self::ArrondissementMunicipal)
    }
}

/// The geographic zone of a commune or département.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Zone {
    /// Metropolitan France (with Corsica).
    Metro,
    /// Départements et régions d'outre-mer (971–974, 976).
    Drom,
    /// Collectivités d'outre-mer (975, 977, 978, 984, 986–989).
    Com,
}

impl Zone {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "metro" => Some(Self::Metro),
            "drom" => Some(Self::Drom),
            "com" => Some(Self::Com),
            _ => None,
        }
    }
}

/// A WGS-84 bounding box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    /// South-west corner.
    pub min: LonLat,
    /// North-east corner.
    pub max: LonLat,
}

impl BBox {
    pub fn contains(&self, p: LonLat) -> bool {
        (self.min.lon..=self.max.lon).contains(&p.lon)
            && (self.min.lat..=self.max.lat).contains(&p.lat)
    }
}

/// One commune record of the COG.
#[derive(Clone, Debug, PartialEq)]
pub struct Commune {
    pub code: CodeInsee,
    pub nom: String,
    pub kind: CommuneKind,
    /// Département code (`75`, `2A`, `971`); for a COM, the COM code (`975`, `987`).
    pub departement: String,
    /// Région code (`11`, `94`); for a COM, the COM code.
    pub region: String,
    pub zone: Option<Zone>,
    /// INSEE population municipale; 0 when the COG gives none (déléguées, associées, TAAF…).
    pub population: u32,
    pub codes_postaux: Vec<String>,
    /// For an arrondissement municipal, its PLM commune (`75056`); for a commune déléguée or
    /// associée, the commune it belongs to (`chefLieu`); `None` for a current commune.
    pub parent: Option<CodeInsee>,
    /// Codes of the former communes merged into this one.
    pub anciens_codes: Vec<CodeInsee>,
    /// Reference centre, when [`AdminRegistry::with_centres`] gave one.
    pub centre: Option<LonLat>,
    pub bbox: Option<BBox>,
    /// SIREN of the commune as a local authority (current communes only).
    pub siren: Option<String>,
    /// SIREN of the EPCI à fiscalité propre the commune belongs to, when
    /// [`AdminRegistry::with_epcis`] gave the EPCI file.
    pub epci: Option<String>,
    /// SIREN of the établissement public territorial (Grand Paris) it belongs to.
    pub ept: Option<String>,
}

/// A département (or a COM, coded like its région).
#[derive(Clone, Debug, PartialEq)]
pub struct Departement {
    pub code: String,
    pub nom: String,
    pub region: String,
    pub chef_lieu: Option<CodeInsee>,
    pub zone: Option<Zone>,
}

/// A région (or a COM pseudo-région).
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub code: String,
    pub nom: String,
    pub chef_lieu: Option<CodeInsee>,
    pub zone: Option<Zone>,
}

/// The administrative registry: every COG commune record (current communes, communes
/// déléguées and associées, arrondissements municipaux), départements and régions.
#[derive(Clone, Debug)]
pub struct AdminRegistry {
    /// In file order.
    pub(crate) communes: Vec<Commune>,
    /// Code → index of the primary record for that code.
    pub(crate) primary: HashMap<CodeInsee, u32>,
    /// Code → index of the other record (a déléguée sharing its code with its commune nouvelle).
    pub(crate) secondary: HashMap<CodeInsee, u32>,
    pub(crate) departements: BTreeMap<String, Departement>,
    pub(crate) regions: BTreeMap<String, Region>,
    pub(crate) unmatched_centres: Vec<String>,
    /// EPCI and EPT by SIREN.
    pub(crate) epcis: BTreeMap<String, crate::Epci>,
    /// La Poste postcodes, sorted by (postcode, commune code).
    pub(crate) postcodes: Vec<crate::Postcode>,
    pub(crate) postcodes_skipped: usize,
    /// COG movements, oldest first.
    pub(crate) movements: Vec<crate::Movement>,
}

/// Code changes older than the movements the operator loads, and missing from the COG's
/// `anciensCodes`: on 2007-07-15 the communes of Saint-Barthélemy (97123) and Saint-Martin
/// (97127), in Guadeloupe, became collectivités d'outre-mer with new codes (COG history,
/// event 41 "changement de code dû à un changement de département"). Addresses of older
/// sources (BANO) still carry the former codes.
const COM_CODES_2007: [(&str, &str); 2] = [("97123", "97701"), ("97127", "97801")];

impl AdminRegistry {
    /// Builds the registry from `communes.json`, `departements.json` and `regions.json` of
    /// `@etalab/decoupage-administratif` (uncompressed JSON; decompressing is the caller's job).
    pub fn from_readers(
        communes: impl Read,
        departements: impl Read,
        regions: impl Read,
    ) -> Result<Self> {
        let communes_bytes = read_bytes(communes, AdminFile::Communes)?;
        let communes_raw: Vec<CommuneRecord<'_>> =
            parse_json(&communes_bytes, AdminFile::Communes)?;
        let departements_raw: Vec<AreaRecord> = parse_json(
            &read_bytes(departements, AdminFile::Departements)?,
            AdminFile::Departements,
        )?;
        let regions_raw: Vec<AreaRecord> =
            parse_json(&read_bytes(regions, AdminFile::Regions)?, AdminFile::Regions)?;

        let mut registry = Self {
            communes: Vec::with_capacity(communes_raw.len()),
            primary: HashMap::with_capacity(communes_raw.len()),
            secondary: HashMap::new(),
            departements: BTreeMap::new(),
            regions: BTreeMap::new(),
            unmatched_centres: Vec::new(),
            epcis: BTreeMap::new(),
            postcodes: Vec::new(),
            postcodes_skipped: 0,
            movements: Vec::new(),
        };
        for (index, record) in communes_raw.into_iter().enumerate() {
            let mut commune = convert_commune(record, index)?;
            let former = COM_CODES_2007.iter().find(|(_, new)| commune.code.as_str() == *new);
            if let Some(Ok(old)) = former.map(|(old, _)| CodeInsee::parse(old))
                && commune.anciens_codes.is_empty()
            {
                commune.anciens_codes.push(old);
            }
            registry.insert(commune);
        }
        for (index, d) in departements_raw.into_iter().enumerate() {
            let chef_lieu = optional_code(d.chef_lieu.as_deref(), AdminFile::Departements, index)?;
            let region = d.region.unwrap_or_else(|| d.code.clone());
            let zone = d.zone.as_deref().and_then(Zone::parse);
            let dep = Departement { code: d.code, nom: d.nom, region, chef_lieu, zone };
            registry.departements.insert(dep.code.clone(), dep);
        }
        for (index, r) in regions_raw.into_iter().enumerate() {
            let chef_lieu = optional_code(r.chef_lieu.as_deref(), AdminFile::Regions, index)?;
            let zone = r.zone.as_deref().and_then(Zone::parse);
            let region = Region { code: r.code, nom: r.nom, chef_lieu, zone };
            registry.regions.insert(region.code.clone(), region);
        }
        Ok(registry)
    }

    /// Adds the commune centres and bounding boxes of the BAN platform
    /// (`{"75101": {"center": [lon, lat], "bbox": [w, s, e, n], "nom": …}, …}`).
    ///
    /// A centre goes to the primary record of its code, or to the déléguée / associée when
    /// the code has no current commune. Codes that match no record (communes merged since the
    /// centres were computed) are kept in [`Self::unmatched_centres`].
    pub fn with_centres(mut self, centres: impl Read) -> Result<Self> {
        let bytes = read_bytes(centres, AdminFile::Centres)?;
        let raw: BTreeMap<&str, CentreRecord> = parse_json(&bytes, AdminFile::Centres)?;
        self.unmatched_centres.clear();
        for (code_str, record) in raw {
            let idx = CodeInsee::parse(code_str)
                .ok()
                .and_then(|code| self.primary.get(&code).or_else(|| self.secondary.get(&code)))
                .copied();
            let Some(idx) = idx else {
                self.unmatched_centres.push(code_str.to_owned());
                continue;
            };
            let commune = &mut self.communes[idx as usize];
            commune.centre =
                record.center.map(|[lon, lat]| LonLat::new(lon, lat)).filter(|p| p.is_valid());
            commune.bbox = record
                .bbox
                .map(|[w, s, e, n]| BBox { min: LonLat::new(w, s), max: LonLat::new(e, n) });
        }
        Ok(self)
    }

    fn insert(&mut self, commune: Commune) {
        let idx = u32::try_from(self.communes.len()).unwrap_or(u32::MAX);
        let code = commune.code;
        match self.primary.get(&code).map(|&i| self.communes[i as usize].kind) {
            None => {
                self.primary.insert(code, idx);
            }
            Some(existing) if !existing.is_primary() && commune.kind.is_primary() => {
                let old = self.primary.insert(code, idx).unwrap_or(idx);
                self.secondary.insert(code, old);
            }
            Some(_) => {
                self.secondary.entry(code).or_insert(idx);
            }
        }
        self.communes.push(commune);
    }

    /// Index of the primary record of `code` in [`Self::communes`].
    pub fn commune_index(&self, code: &CodeInsee) -> Option<usize> {
        self.primary.get(code).map(|&i| i as usize)
    }

    /// The record at this index of [`Self::communes`].
    pub fn commune_at(&self, index: usize) -> Option<&Commune> {
        self.communes.get(index)
    }

    /// The commune with this code: the current commune or arrondissement municipal when the
    /// code has one, else the commune déléguée / associée.
    pub fn commune(&self, code: &CodeInsee) -> Option<&Commune> {
        self.primary.get(code).map(|&i| &self.communes[i as usize])
    }

    /// Every record with this code, the one [`Self::commune`] returns first (at most two in
    /// the COG: a commune nouvelle and its déléguée of the same code).
    pub fn commune_records(&self, code: &CodeInsee) -> impl Iterator<Item = &Commune> {
        self.primary
            .get(code)
            .into_iter()
            .chain(self.secondary.get(code))
            .map(|&i| &self.communes[i as usize])
    }

    /// Every commune record (all kinds), in file order.
    pub fn communes(&self) -> impl ExactSizeIterator<Item = &Commune> {
        self.communes.iter()
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departements.get(code)
    }

    /// Départements, sorted by code.
    pub fn departements(&self) -> impl ExactSizeIterator<Item = &Departement> {
        self.departements.values()
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.get(code)
    }

    /// Régions, sorted by code.
    pub fn regions(&self) -> impl ExactSizeIterator<Item = &Region> {
        self.regions.values()
    }

    /// `"75, Paris, Île-de-France"`: the département code, its name and its région's name,
    /// each part once (`"975, Saint-Pierre-et-Miquelon"` for a COM). An unknown département
    /// gives its code alone.
    pub fn context(&self, dep_code: &str) -> String {
        let Some(dep) = self.departements.get(dep_code) else {
            return dep_code.to_owned();
        };
        let region_name = self.regions.get(&dep.region).map_or(dep.nom.as_str(), |r| &r.nom);
        let mut parts: Vec<&str> = Vec::with_capacity(3);
        for part in [dep_code, dep.nom.as_str(), region_name] {
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        parts.join(", ")
    }

    /// The context of a commune: that of its département per the COG, or per its code when
    /// the registry does not know it.
    pub fn commune_context(&self, code: &CodeInsee) -> String {
        match self.commune(code) {
            Some(c) => self.context(&c.departement),
            None => self.context(code.departement()),
        }
    }

    /// Codes of the centre file that matched no commune record (see [`Self::with_centres`]).
    pub fn unmatched_centres(&self) -> &[String] {
        &self.unmatched_centres
    }
}

pub(crate) fn read_bytes(mut reader: impl Read, file: AdminFile) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|source| AdminError::Io { file, source })?;
    Ok(bytes)
}

pub(crate) fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], file: AdminFile) -> Result<T> {
    // Tolerate a UTF-8 byte-order mark.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(body).map_err(|source| AdminError::Json { file, source })
}

pub(crate) fn parse_code(s: &str, file: AdminFile, index: usize, what: &str) -> Result<CodeInsee> {
    CodeInsee::parse(s).map_err(|e| AdminError::InvalidRecord {
        file,
        index,
        code: s.to_owned(),
        reason: format!("{what}: {e}"),
    })
}

fn optional_code(s: Option<&str>, file: AdminFile, index: usize) -> Result<Option<CodeInsee>> {
    s.filter(|s| !s.is_empty()).map(|s| parse_code(s, file, index, "chefLieu")).transpose()
}

fn convert_commune(r: CommuneRecord<'_>, index: usize) -> Result<Commune> {
    let file = AdminFile::Communes;
    let code = parse_code(&r.code, file, index, "code")?;
    let kind = match r.kind {
        CommuneType::Actuelle => CommuneKind::Actuelle,
        CommuneType::Deleguee => CommuneKind::Deleguee,
        CommuneType::Associee => CommuneKind::Associee,
        CommuneType::ArrondissementMunicipal => CommuneKind::ArrondissementMunicipal,
    };
    // Like ban2addok: a COM record is its own département and région.
    let (departement, region) = if let Some(com) = r.collectivite_outremer {
        (com.code.clone(), com.code)
    } else {
        let dep = r.departement.unwrap_or_else(|| code.departement().to_owned());
        let region = r.region.unwrap_or_else(|| dep.clone());
        (dep, region)
    };
    let parent_raw = match kind {
        CommuneKind::ArrondissementMunicipal => r.commune.as_deref(),
        CommuneKind::Deleguee | CommuneKind::Associee => r.chef_lieu.as_deref(),
        CommuneKind::Actuelle => None,
    };
    let parent = match parent_raw.filter(|s| !s.is_empty()) {
        Some(p) => Some(parse_code(p, file, index, "parent commune")?),
        None if kind == CommuneKind::ArrondissementMunicipal => code.plm_parent(),
        None => None,
    };
    let anciens_codes = r
        .anciens_codes
        .iter()
        .map(|c| parse_code(c, file, index, "anciensCodes"))
        .collect::<Result<Vec<_>>>()?;
    Ok(Commune {
        code,
        nom: r.nom,
        kind,
        departement,
        region,
        zone: r.zone.as_deref().and_then(Zone::parse),
        population: r.population.unwrap_or(0),
        codes_postaux: r.codes_postaux,
        parent,
        anciens_codes,
        centre: None,
        bbox: None,
        siren: r.siren.filter(|s| !s.is_empty()),
        epci: None,
        ept: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMUNES: &str = r#"[
        {"code":"01015","nom":"Arboys en Bugey","type":"commune-actuelle","departement":"01","region":"84","population":700,"codesPostaux":["01300"],"anciensCodes":["01340"]},
        {"code":"01015","nom":"Arbignieu","type":"commune-deleguee","chefLieu":"01015","departement":"01","region":"84"},
        {"code":"01340","nom":"Saint-Bois","type":"commune-deleguee","chefLieu":"01015","departement":"01","region":"84"},
        {"code":"75056","nom":"Paris","type":"commune-actuelle","departement":"75","region":"11","population":3},
        {"code":"75101","nom":"Paris 1er Arrondissement","type":"arrondissement-municipal","commune":"75056","departement":"75","region":"11","population":1},
        {"code":"97501","nom":"Miquelon-Langlade","type":"commune-actuelle","collectiviteOutremer":{"code":"975","nom":"Saint-Pierre-et-Miquelon"}}
    ]"#;
    const DEPS: &str = r#"[{"code":"01","region":"84","chefLieu":"01053","nom":"Ain"},
        {"code":"75","region":"11","chefLieu":"75056","nom":"Paris"},
        {"code":"975","region":"975","nom":"Saint-Pierre-et-Miquelon"}]"#;
    const REGIONS: &str = r#"[{"code":"84","nom":"Auvergne-Rhône-Alpes"},{"code":"11","nom":"Île-de-France"},
        {"code":"975","nom":"Saint-Pierre-et-Miquelon"}]"#;

    fn registry() -> AdminRegistry {
        AdminRegistry::from_readers(COMMUNES.as_bytes(), DEPS.as_bytes(), REGIONS.as_bytes())
            .unwrap()
    }

    fn code(s: &str) -> CodeInsee {
        CodeInsee::parse(s).unwrap()
    }

    #[test]
    fn primary_record_wins_over_deleguee_of_same_code() {
        let r = registry();
        let c = r.commune(&code("01015")).unwrap();
        assert_eq!(c.nom, "Arboys en Bugey");
        assert_eq!(c.kind, CommuneKind::Actuelle);
        let all: Vec<_> = r.commune_records(&code("01015")).map(|c| c.nom.as_str()).collect();
        assert_eq!(all, ["Arboys en Bugey", "Arbignieu"]);
        let d = r.commune(&code("01340")).unwrap();
        assert_eq!((d.kind, d.parent), (CommuneKind::Deleguee, Some(code("01015"))));
        assert_eq!(d.population, 0);
    }

    #[test]
    fn primary_wins_whatever_the_file_order() {
        let reversed = r#"[
            {"code":"01015","nom":"Arbignieu","type":"commune-deleguee","chefLieu":"01015","departement":"01","region":"84"},
            {"code":"01015","nom":"Arboys en Bugey","type":"commune-actuelle","departement":"01","region":"84"}]"#;
        let r = AdminRegistry::from_readers(reversed.as_bytes(), &b"[]"[..], &b"[]"[..]).unwrap();
        assert_eq!(r.commune(&code("01015")).unwrap().nom, "Arboys en Bugey");
        assert_eq!(r.commune_records(&code("01015")).count(), 2);
    }

    #[test]
    fn arrondissement_parent_and_com() {
        let r = registry();
        assert_eq!(r.commune(&code("75101")).unwrap().parent, Some(code("75056")));
        let com = r.commune(&code("97501")).unwrap();
        assert_eq!((com.departement.as_str(), com.region.as_str()), ("975", "975"));
        assert_eq!(r.context("975"), "975, Saint-Pierre-et-Miquelon");
        assert_eq!(r.context("75"), "75, Paris, Île-de-France");
        assert_eq!(r.context("01"), "01, Ain, Auvergne-Rhône-Alpes");
        assert_eq!(r.context("99"), "99");
        assert_eq!(r.commune_context(&code("01340")), "01, Ain, Auvergne-Rhône-Alpes");
    }

    #[test]
    fn centres_go_to_the_primary_record() {
        let centres = r#"{"01015":{"center":[5.6,45.7],"bbox":[5.5,45.6,5.7,45.8],"nom":"x"},
                          "01340":{"center":[5.61,45.71],"bbox":[5.5,45.6,5.7,45.8]},
                          "99999":{"center":[0,0],"bbox":[0,0,0,0]}}"#;
        let r = registry().with_centres(centres.as_bytes()).unwrap();
        let c = r.commune(&code("01015")).unwrap();
        assert_eq!(c.centre, Some(LonLat::new(5.6, 45.7)));
        assert!(c.bbox.unwrap().contains(LonLat::new(5.6, 45.7)));
        let deleguee = r.commune_records(&code("01015")).nth(1).unwrap();
        assert_eq!(deleguee.centre, None);
        assert_eq!(r.commune(&code("01340")).unwrap().centre, Some(LonLat::new(5.61, 45.71)));
        assert_eq!(r.unmatched_centres(), ["99999"]);
    }

    #[test]
    fn errors_name_the_file_and_what_to_do() {
        let err = AdminRegistry::from_readers(&b"{"[..], DEPS.as_bytes(), REGIONS.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("communes.json is not the expected JSON"), "{err}");
        assert!(err.contains("@etalab/decoupage-administratif"), "{err}");

        let bad = r#"[{"code":"7510X","nom":"x","type":"commune-actuelle"}]"#;
        let err = AdminRegistry::from_readers(bad.as_bytes(), DEPS.as_bytes(), REGIONS.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("record #0 (`7510X`)"), "{err}");

        let bad_type = r#"[{"code":"75101","nom":"x","type":"commune-inventee"}]"#;
        let err =
            AdminRegistry::from_readers(bad_type.as_bytes(), DEPS.as_bytes(), REGIONS.as_bytes())
                .unwrap_err()
                .to_string();
        assert!(err.contains("commune-inventee"), "{err}");

        let err = registry().with_centres(&b"[]"[..]).unwrap_err().to_string();
        assert!(err.starts_with("ban-plateforme-communes-center-bbox.json"), "{err}");
    }

    #[test]
    fn bom_is_tolerated() {
        let with_bom = format!("\u{feff}{REGIONS}");
        let r =
            AdminRegistry::from_readers(COMMUNES.as_bytes(), DEPS.as_bytes(), with_bom.as_bytes())
                .unwrap();
        assert_eq!(r.regions().count(), 3);
    }
}
