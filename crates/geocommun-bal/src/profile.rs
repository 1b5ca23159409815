//! The 7 validation profiles and the grading of codes (E/W/I) per profile.

use std::fmt;
use std::str::FromStr;

use crate::profiles_data as data;
use crate::schema::{Field, Format, parse_regional};

/// A validation profile of the reference validator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    V1_1Strict,
    V1_2Strict,
    V1_3Strict,
    V1_3Relax,
    V1_3,
    V1_4,
    V1_5,
}

/// Severity of a code under a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    /// `error`, `warning`, `info` (the wrapper's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }

    /// `E`, `W`, `I`.
    pub fn letter(self) -> char {
        match self {
            Self::Error => 'E',
            Self::Warning => 'W',
            Self::Info => 'I',
        }
    }
}

impl Profile {
    /// All profiles, in the order of the spec tables.
    pub const ALL: [Self; 7] = [
        Self::V1_1Strict,
        Self::V1_2Strict,
        Self::V1_3Strict,
        Self::V1_3Relax,
        Self::V1_3,
        Self::V1_4,
        Self::V1_5,
    ];

    /// The profile code (`1.3-relax`, `1.4`…).
    pub fn code(self) -> &'static str {
        match self {
            Self::V1_1Strict => "1.1-strict",
            Self::V1_2Strict => "1.2-strict",
            Self::V1_3Strict => "1.3-strict",
            Self::V1_3Relax => "1.3-relax",
            Self::V1_3 => "1.3",
            Self::V1_4 => "1.4",
            Self::V1_5 => "1.5",
        }
    }

    /// The format version the profile checks.
    pub fn format(self) -> Format {
        match self {
            Self::V1_1Strict => Format::V1_1,
            Self::V1_2Strict => Format::V1_2,
            Self::V1_3Strict | Self::V1_3Relax | Self::V1_3 => Format::V1_3,
            Self::V1_4 => Format::V1_4,
            Self::V1_5 => Format::V1_5,
        }
    }

    fn lists(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::V1_1Strict => (data::ERRORS_1_1_STRICT, data::WARNINGS_1_1_STRICT),
            Self::V1_2Strict => (data::ERRORS_1_2_STRICT, data::WARNINGS_1_2_STRICT),
            Self::V1_3Strict => (data::ERRORS_1_3_STRICT, data::WARNINGS_1_3_STRICT),
            Self::V1_3Relax => (data::ERRORS_1_3_RELAX, data::WARNINGS_1_3_RELAX),
            Self::V1_3 => (data::ERRORS_1_3, data::WARNINGS_1_3),
            Self::V1_4 => (data::ERRORS_1_4, data::WARNINGS_1_4),
            Self::V1_5 => (data::ERRORS_1_5, data::WARNINGS_1_5),
        }
    }

    /// Auto-detection from the header (presence, not content): `1.5` with the three
    /// `id_ban_*` columns and `toponyme`, `1.4` with the three `id_ban_*`, else `1.3`.
    pub fn detect(has: impl Fn(Field) -> bool) -> Self {
        let ids = has(Field::IdBanCommune) && has(Field::IdBanToponyme) && has(Field::IdBanAdresse);
        match (ids, has(Field::Toponyme)) {
            (true, true) => Self::V1_5,
            (true, false) => Self::V1_4,
            _ => Self::V1_3,
        }
    }

    /// The severity of `code` under this profile: a code in neither the error nor the
    /// warning list is info; regional codes are looked up as `<field>_@@.<code>`.
    pub fn grade(self, code: &str) -> Severity {
        let (errors, warnings) = self.lists();
        let key = regional_key(code);
        let key = key.as_deref().unwrap_or(code);
        if errors.contains(&key) {
            Severity::Error
        } else if warnings.contains(&key) {
            Severity::Warning
        } else {
            Severity::Info
        }
    }
}

/// `voie_nom_bre.trop_court` → `voie_nom_@@.trop_court`; `None` for a non-regional code.
fn regional_key(code: &str) -> Option<String> {
    let (column, problem) = code.split_once('.')?;
    if matches!(column, "file" | "row" | "rows" | "field") {
        return None;
    }
    let (field, _) = parse_regional(column)?;
    Some(format!("{}_@@.{problem}", field.name()))
}

/// The schema field a code is "about" for the profile filter of the global code list
/// (`field.x.missing` → x, `voie_nom_bre.*` → voie_nom); `None` for row/rows/file codes.
pub fn code_schema_field(code: &str) -> Option<Field> {
    let (head, rest) = code.split_once('.')?;
    match head {
        "file" | "row" | "rows" => None,
        "field" => Field::from_name(rest.split('.').next().unwrap_or_default()),
        column => Field::from_name(column).or_else(|| parse_regional(column).map(|(f, _)| f)),
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown BAL profile `{0}`: use one of 1.1-strict, 1.2-strict, 1.3-strict, 1.3-relax, 1.3, 1.4, 1.5"
)]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|p| p.code() == s).ok_or_else(|| UnknownProfile(s.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grading_follows_the_spec_matrix() {
        assert_eq!(Profile::V1_3.grade("voie_nom.trop_court"), Severity::Error);
        assert_eq!(Profile::V1_3.grade("voie_nom_bre.trop_court"), Severity::Warning);
        assert_eq!(Profile::V1_3Relax.grade("file.encoding.non_standard"), Severity::Info);
        assert_eq!(Profile::V1_4.grade("row.lack_of_id_ban"), Severity::Error);
        assert_eq!(Profile::V1_3.grade("row.lack_of_id_ban"), Severity::Info);
        assert_eq!(Profile::V1_5.grade("field.toponyme.missing"), Severity::Error);
    }

    #[test]
    fn code_fields() {
        assert_eq!(code_schema_field("field.x.missing"), Some(Field::X));
        assert_eq!(code_schema_field("voie_nom_bre.trop_court"), Some(Field::VoieNom));
        assert_eq!(code_schema_field("row.adresse_incomplete"), None);
    }
}
