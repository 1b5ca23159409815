//! The COG movements (INSEE `v_mvt_commune_YYYY.csv`, or the BAN platform's JSON copy of one
//! year of them): what happened to a code, and which communes existed at a date.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use geocommun_model::CodeInsee;
use serde::Deserialize;

use crate::error::{AdminError, AdminFile, Result};
use crate::registry::{AdminRegistry, CommuneKind, read_bytes};

/// The type of a commune record in the movements (`TYPECOM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CogType {
    /// `COM`: a commune.
    Com,
    /// `COMD`: a commune déléguée.
    Comd,
    /// `COMA`: a commune associée.
    Coma,
    /// `ARM`: an arrondissement municipal.
    Arm,
}

impl CogType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "COM" => Self::Com,
            "COMD" => Self::Comd,
            "COMA" => Self::Coma,
            "ARM" => Self::Arm,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Com => "COM",
            Self::Comd => "COMD",
            Self::Coma => "COMA",
            Self::Arm => "ARM",
        }
    }

    fn of(kind: CommuneKind) -> Self {
        match kind {
            CommuneKind::Actuelle => Self::Com,
            CommuneKind::Deleguee => Self::Comd,
            CommuneKind::Associee => Self::Coma,
            CommuneKind::ArrondissementMunicipal => Self::Arm,
        }
    }
}

/// One side of a movement: a commune record before or after it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CogRecord {
    pub kind: CogType,
    pub code: CodeInsee,
    pub nom: String,
}

/// One line of the COG movements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Movement {
    /// INSEE's `MOD` (10 name change, 21 rétablissement, 32 commune nouvelle…).
    pub mod_code: u16,
    /// `DATE_EFF`, `YYYY-MM-DD`.
    pub date: String,
    pub avant: CogRecord,
    pub apres: CogRecord,
}

impl Movement {
    /// INSEE's wording of [`Self::mod_code`].
    pub fn label(&self) -> &'static str {
        mod_label(self.mod_code)
    }
}

/// INSEE's wording of a movement code.
pub fn mod_label(code: u16) -> &'static str {
    match code {
        10 => "Changement de nom",
        20 => "Création",
        21 => "Rétablissement",
        30 => "Suppression",
        31 => "Fusion simple",
        32 => "Création de commune nouvelle",
        33 => "Fusion association",
        34 => "Transformation de fusion association en fusion simple",
        35 => "Suppression de commune déléguée",
        41 => "Changement de code dû à un changement de département",
        50 => "Changement de code dû à un transfert de chef-lieu",
        70 => "Transformation de commune associée en commune déléguée",
        71 => "Rétablissement de commune déléguée",
        _ => "Autre mouvement",
    }
}

/// A commune record as it was at a date (see [`AdminRegistry::communes_at`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HistoricCommune {
    pub code: CodeInsee,
    pub kind: CogType,
    pub nom: String,
    /// Whether the record is the same as today's (same code, type and name): the current
    /// record's other fields then apply.
    pub current: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct MovementRecord {
    #[serde(rename = "MOD")]
    mod_code: String,
    date_eff: String,
    typecom_av: String,
    com_av: String,
    libelle_av: String,
    typecom_ap: String,
    com_ap: String,
    libelle_ap: String,
}

impl AdminRegistry {
    /// Adds COG movements: INSEE's `v_mvt_commune_YYYY.csv` (`,` or `;` separated, columns
    /// `MOD, DATE_EFF, TYPECOM_AV, COM_AV, …, LIBELLE_AP`) or its JSON copy (a list of such
    /// records, or an object holding one such list, like the BAN platform's
    /// `cog-insee-2025-mouvements.json`). May be called once per file; lines already known
    /// are not repeated.
    pub fn with_movements(mut self, reader: impl Read) -> Result<Self> {
        let file = AdminFile::Movements;
        let bytes = read_bytes(reader, file)?;
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let records: Vec<MovementRecord> = match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => crate::registry::parse_json(body, file)?,
            Some(b'{') => {
                let map: BTreeMap<String, Vec<MovementRecord>> =
                    crate::registry::parse_json(body, file)?;
                map.into_values().flatten().collect()
            }
            _ => {
                let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
                let delimiter = if first.contains(&b';') { b';' } else { b',' };
                let mut csv = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(body);
                csv.deserialize().collect::<std::result::Result<_, _>>().map_err(|e| {
                    AdminError::InvalidRecord {
                        file,
                        index: 0,
                        code: String::new(),
                        reason: e.to_string(),
                    }
                })?
            }
        };
        for (index, r) in records.into_iter().enumerate() {
            let side = |kind: &str, code: &str, nom: String| -> Result<CogRecord> {
                let kind = CogType::parse(kind).ok_or_else(|| AdminError::InvalidRecord {
                    file,
                    index,
                    code: code.to_owned(),
                    reason: format!("unknown TYPECOM `{kind}`"),
                })?;
                let code = crate::registry::parse_code(code, file, index, "COM_AV/COM_AP")?;
                Ok(CogRecord { kind, code, nom })
            };
            let date = r.date_eff.trim().to_owned();
            if !is_date(&date) {
                return Err(AdminError::InvalidRecord {
                    file,
                    index,
                    code: r.com_av,
                    reason: format!("DATE_EFF `{date}` is not YYYY-MM-DD"),
                });
            }
            let movement = Movement {
                mod_code: r.mod_code.trim().parse().unwrap_or(0),
                date,
                avant: side(&r.typecom_av, &r.com_av, r.libelle_av)?,
                apres: side(&r.typecom_ap, &r.com_ap, r.libelle_ap)?,
            };
            if !self.movements.contains(&movement) {
                self.movements.push(movement);
            }
        }
        self.movements.sort_by(|a, b| a.date.cmp(&b.date));
        Ok(self)
    }

    /// Every movement loaded, oldest first.
    pub fn movements(&self) -> &[Movement] {
        &self.movements
    }

    /// The movements in which `code` appears, before or after, oldest first.
    pub fn history(&self, code: &CodeInsee) -> Vec<&Movement> {
        self.movements.iter().filter(|m| m.avant.code == *code || m.apres.code == *code).collect()
    }

    /// The first day the loaded movements describe completely: January 1st of the year before
    /// the oldest movement (a COG year's file holds the movements since the previous COG).
    /// `None` without movements: only today's state is known.
    pub fn history_since(&self) -> Option<String> {
        let first = self.movements.first()?;
        let year: i32 = first.date.get(..4)?.parse().ok()?;
        Some(format!("{:04}-01-01", year - 1))
    }

    /// The communes (and déléguées, associées, arrondissements) as they were on `date`
    /// (`YYYY-MM-DD`): today's records with the movements effective after `date` undone.
    /// Dates before [`Self::history_since`] are the caller's to refuse.
    pub fn communes_at(&self, date: &str) -> Vec<HistoricCommune> {
        let mut state: BTreeSet<(CodeInsee, CogType, String)> =
            self.communes.iter().map(|c| (c.code, CogType::of(c.kind), c.nom.clone())).collect();
        let today = state.clone();
        let mut later: Vec<&Movement> =
            self.movements.iter().filter(|m| m.date.as_str() > date).collect();
        later.sort_by(|a, b| b.date.cmp(&a.date));
        for group in later.chunk_by(|a, b| a.date == b.date) {
            for m in group {
                state.retain(|(code, kind, _)| !(*code == m.apres.code && *kind == m.apres.kind));
            }
            for m in group {
                state.insert((m.avant.code, m.avant.kind, m.avant.nom.clone()));
            }
        }
        state
            .into_iter()
            .map(|(code, kind, nom)| {
                let current = today.contains(&(code, kind, nom.clone()));
                HistoricCommune { code, kind, nom, current }
            })
            .collect()
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r.clone()].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}
