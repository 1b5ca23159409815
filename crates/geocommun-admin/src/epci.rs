//! EPCI à fiscalité propre (DGCL list) and établissements publics territoriaux (Grand Paris),
//! with their member communes.

use std::io::Read;

use geocommun_model::CodeInsee;

use crate::cog::EpciRecord;
use crate::error::{AdminError, AdminFile, Result};
use crate::registry::{AdminRegistry, parse_code, parse_json, read_bytes};

/// What kind of intercommunality an [`Epci`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EpciKind {
    /// Communauté de communes.
    Cc,
    /// Communauté d'agglomération.
    Ca,
    /// Communauté urbaine.
    Cu,
    /// Métropole.
    Metro,
    /// Métropole de Lyon (a collectivité with the status of an EPCI in the DGCL list).
    Met69,
    /// Établissement public territorial of the Métropole du Grand Paris.
    Ept,
}

impl EpciKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "CC" => Self::Cc,
            "CA" => Self::Ca,
            "CU" => Self::Cu,
            "METRO" => Self::Metro,
            "MET69" => Self::Met69,
            "EPT" => Self::Ept,
            _ => return None,
        })
    }

    /// The code of the file (`CC`, `METRO`, `EPT`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cc => "CC",
            Self::Ca => "CA",
            Self::Cu => "CU",
            Self::Metro => "METRO",
            Self::Met69 => "MET69",
            Self::Ept => "EPT",
        }
    }
}

/// An EPCI (or EPT), identified by its SIREN.
#[derive(Clone, Debug, PartialEq)]
pub struct Epci {
    /// SIREN (9 digits).
    pub code: String,
    pub nom: String,
    pub kind: EpciKind,
    /// `FPU` (fiscalité professionnelle unique) or `FA` (fiscalité additionnelle); `None` for EPT.
    pub mode_financement: Option<String>,
    /// Population municipale of the members (sum of the COG populations when the file gives none).
    pub population: u32,
    /// Member communes, in file order.
    pub membres: Vec<CodeInsee>,
    /// Départements and régions of the members, sorted, without repeats.
    pub departements: Vec<String>,
    pub regions: Vec<String>,
}

impl AdminRegistry {
    /// Adds the EPCI à fiscalité propre (`epci.json`) and, optionally, the Grand Paris EPT
    /// (`ept.json`) of `@etalab/decoupage-administratif`, and sets [`crate::Commune::epci`] /
    /// [`crate::Commune::ept`] on their members.
    pub fn with_epcis(mut self, epci: impl Read, ept: Option<impl Read>) -> Result<Self> {
        self.add_epci_file(epci, AdminFile::Epci)?;
        if let Some(ept) = ept {
            self.add_epci_file(ept, AdminFile::Ept)?;
        }
        Ok(self)
    }

    fn add_epci_file(&mut self, reader: impl Read, file: AdminFile) -> Result<()> {
        let raw: Vec<EpciRecord> = parse_json(&read_bytes(reader, file)?, file)?;
        for (index, r) in raw.into_iter().enumerate() {
            let kind = EpciKind::parse(&r.kind).ok_or_else(|| AdminError::InvalidRecord {
                file,
                index,
                code: r.code.clone(),
                reason: format!("unknown type `{}` (CC, CA, CU, METRO, MET69, EPT)", r.kind),
            })?;
            let membres = r
                .membres
                .iter()
                .map(|m| parse_code(&m.code, file, index, "membres[].code"))
                .collect::<Result<Vec<_>>>()?;
            let mut departements = Vec::new();
            let mut regions = Vec::new();
            let mut population_sum = 0u32;
            for code in &membres {
                if let Some(i) = self.commune_index(code) {
                    let c = &mut self.communes[i];
                    if kind == EpciKind::Ept {
                        c.ept = Some(r.code.clone());
                    } else {
                        c.epci = Some(r.code.clone());
                    }
                    departements.push(c.departement.clone());
                    regions.push(c.region.clone());
                    population_sum = population_sum.saturating_add(c.population);
                }
            }
            departements.sort_unstable();
            departements.dedup();
            regions.sort_unstable();
            regions.dedup();
            let epci = Epci {
                code: r.code,
                nom: r.nom,
                kind,
                mode_financement: r.mode_financement.filter(|m| !m.is_empty()),
                population: r.population_municipale.unwrap_or(population_sum),
                membres,
                departements,
                regions,
            };
            self.epcis.insert(epci.code.clone(), epci);
        }
        Ok(())
    }

    /// The EPCI or EPT with this SIREN.
    pub fn epci(&self, siren: &str) -> Option<&Epci> {
        self.epcis.get(siren)
    }

    /// Every EPCI and EPT, sorted by SIREN.
    pub fn epcis(&self) -> impl ExactSizeIterator<Item = &Epci> {
        self.epcis.values()
    }
}
