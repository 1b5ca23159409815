//! La Poste's base officielle des codes postaux: postcode ↔ commune, with the libellé
//! d'acheminement (the line a letter carries) and the ligne 5 (lieu-dit, commune déléguée).

use std::io::Read;

use geocommun_model::CodeInsee;
use serde::Deserialize;

use crate::error::{AdminError, AdminFile, Result};
use crate::registry::{AdminRegistry, parse_json, read_bytes};

/// One row of the La Poste file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Postcode {
    pub code_postal: String,
    pub code_commune: CodeInsee,
    /// Name as La Poste writes it (upper case, no accents).
    pub nom_commune: String,
    pub libelle_acheminement: String,
    /// `ligne_5`: a lieu-dit or former commune served under this postcode; may be empty.
    pub ligne_5: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NpmRecord {
    code_postal: String,
    code_commune: String,
    nom_commune: String,
    libelle_acheminement: String,
    #[serde(default)]
    ligne5: Option<String>,
}

impl AdminRegistry {
    /// Adds La Poste's postcodes: the datanova CSV (`code_commune_insee, nom_de_la_commune,
    /// code_postal, libelle_d_acheminement, ligne_5, …`, `,` or `;` separated) or
    /// `codes-postaux.json` of the npm package `codes-postaux` (detected by a leading `[`).
    /// Rows whose commune code is malformed are skipped and counted
    /// ([`Self::postcode_rows_skipped`]).
    pub fn with_postcodes(mut self, reader: impl Read) -> Result<Self> {
        let file = AdminFile::Postcodes;
        let bytes = read_bytes(reader, file)?;
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let mut rows = Vec::new();
        let mut skipped = 0;
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            let raw: Vec<NpmRecord> = parse_json(body, file)?;
            for r in raw {
                match CodeInsee::parse(&r.code_commune) {
                    Ok(code) => rows.push(Postcode {
                        code_postal: r.code_postal,
                        code_commune: code,
                        nom_commune: r.nom_commune,
                        libelle_acheminement: r.libelle_acheminement,
                        ligne_5: r.ligne5.unwrap_or_default(),
                    }),
                    Err(_) => skipped += 1,
                }
            }
        } else {
            let first_line = body.split(|&b| b == b'\n').next().unwrap_or_default();
            let delimiter = if first_line.contains(&b';') { b';' } else { b',' };
            let mut csv = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(body);
            let header = csv.headers().map_err(|e| csv_error(&e))?.clone();
            let col = |names: &[&str]| {
                header.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
            };
            let (Some(insee), Some(nom), Some(cp), Some(lib)) = (
                col(&["code_commune_insee", "#Code_commune_INSEE"]),
                col(&["nom_de_la_commune", "Nom_commune"]),
                col(&["code_postal", "Code_postal"]),
                col(&["libelle_d_acheminement", "Libellé_d_acheminement", "Libelle_acheminement"]),
            ) else {
                return Err(AdminError::InvalidRecord {
                    file,
                    index: 0,
                    code: String::from_utf8_lossy(first_line).into_owned(),
                    reason: "the header lacks code_commune_insee, nom_de_la_commune, code_postal \
                             or libelle_d_acheminement"
                        .to_owned(),
                });
            };
            let ligne5 = col(&["ligne_5", "Ligne_5"]);
            for record in csv.records() {
                let Ok(record) = record else {
                    skipped += 1;
                    continue;
                };
                let get = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
                match CodeInsee::parse(&get(insee)) {
                    Ok(code) => rows.push(Postcode {
                        code_postal: get(cp),
                        code_commune: code,
                        nom_commune: get(nom),
                        libelle_acheminement: get(lib),
                        ligne_5: ligne5.map(get).unwrap_or_default(),
                    }),
                    Err(_) => skipped += 1,
                }
            }
        }
        rows.sort_unstable();
        rows.dedup();
        self.postcodes = rows;
        self.postcodes_skipped = skipped;
        Ok(self)
    }

    /// Rows of the postcode file skipped because their commune code is malformed.
    pub fn postcode_rows_skipped(&self) -> usize {
        self.postcodes_skipped
    }

    /// Every La Poste row, sorted by postcode then commune code.
    pub fn postcodes(&self) -> &[Postcode] {
        &self.postcodes
    }

    /// The La Poste rows of a postcode (one per commune and ligne 5).
    pub fn postcode_rows(&self, code_postal: &str) -> &[Postcode] {
        let start = self.postcodes.partition_point(|p| p.code_postal.as_str() < code_postal);
        let end = self.postcodes.partition_point(|p| p.code_postal.as_str() <= code_postal);
        &self.postcodes[start..end]
    }

    /// The communes a postcode serves, per La Poste, without repeats.
    pub fn communes_of_postcode(&self, code_postal: &str) -> Vec<CodeInsee> {
        let mut out: Vec<CodeInsee> =
            self.postcode_rows(code_postal).iter().map(|p| p.code_commune).collect();
        out.dedup();
        out
    }
}

fn csv_error(e: &csv::Error) -> AdminError {
    AdminError::InvalidRecord {
        file: AdminFile::Postcodes,
        index: 0,
        code: String::new(),
        reason: e.to_string(),
    }
}
