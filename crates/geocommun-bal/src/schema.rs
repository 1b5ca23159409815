//! The BAL schema: the 23 fields, the format versions they belong to, the regional languages.

/// One of the 23 schema fields of the BAL format, in the reference validator's order (the
/// order matters: columns are matched field by field in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    CleInterop,
    UidAdresse,
    IdBanCommune,
    IdBanToponyme,
    IdBanAdresse,
    VoieNom,
    Toponyme,
    LieuditComplementNom,
    Numero,
    Suffixe,
    CommuneInsee,
    CommuneNom,
    CommuneDelegueeInsee,
    CommuneDelegueeNom,
    Position,
    X,
    Y,
    Long,
    Lat,
    CadParcelles,
    Source,
    DateDerMaj,
    CertificationCommune,
}

/// A BAL format version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    V1_1,
    V1_2,
    V1_3,
    V1_4,
    V1_5,
}

impl Format {
    /// `1.3`, `1.4`…
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_1 => "1.1",
            Self::V1_2 => "1.2",
            Self::V1_3 => "1.3",
            Self::V1_4 => "1.4",
            Self::V1_5 => "1.5",
        }
    }

    /// The fields of this format, in schema order.
    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::ALL.iter().copied().filter(move |f| f.in_format(self))
    }
}

impl Field {
    /// Every field, in schema order.
    pub const ALL: [Self; 23] = [
        Self::CleInterop,
        Self::UidAdresse,
        Self::IdBanCommune,
        Self::IdBanToponyme,
        Self::IdBanAdresse,
        Self::VoieNom,
        Self::Toponyme,
        Self::LieuditComplementNom,
        Self::Numero,
        Self::Suffixe,
        Self::CommuneInsee,
        Self::CommuneNom,
        Self::CommuneDelegueeInsee,
        Self::CommuneDelegueeNom,
        Self::Position,
        Self::X,
        Self::Y,
        Self::Long,
        Self::Lat,
        Self::CadParcelles,
        Self::Source,
        Self::DateDerMaj,
        Self::CertificationCommune,
    ];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Self::CleInterop => "cle_interop",
            Self::UidAdresse => "uid_adresse",
            Self::IdBanCommune => "id_ban_commune",
            Self::IdBanToponyme => "id_ban_toponyme",
            Self::IdBanAdresse => "id_ban_adresse",
            Self::VoieNom => "voie_nom",
            Self::Toponyme => "toponyme",
            Self::LieuditComplementNom => "lieudit_complement_nom",
            Self::Numero => "numero",
            Self::Suffixe => "suffixe",
            Self::CommuneInsee => "commune_insee",
            Self::CommuneNom => "commune_nom",
            Self::CommuneDelegueeInsee => "commune_deleguee_insee",
            Self::CommuneDelegueeNom => "commune_deleguee_nom",
            Self::Position => "position",
            Self::X => "x",
            Self::Y => "y",
            Self::Long => "long",
            Self::Lat => "lat",
            Self::CadParcelles => "cad_parcelles",
            Self::Source => "source",
            Self::DateDerMaj => "date_der_maj",
            Self::CertificationCommune => "certification_commune",
        }
    }

    /// The field named exactly `name` (case-sensitive, no aliases).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Whether the field belongs to `format`.
    pub fn in_format(self, format: Format) -> bool {
        use Format::{V1_1, V1_2, V1_3, V1_4, V1_5};
        let formats: &[Format] = match self {
            Self::CleInterop | Self::VoieNom => &[V1_1, V1_2, V1_3, V1_4],
            Self::UidAdresse => &[V1_1, V1_2, V1_3],
            Self::IdBanCommune | Self::IdBanToponyme | Self::IdBanAdresse => &[V1_4, V1_5],
            Self::Toponyme => &[V1_5],
            Self::LieuditComplementNom
            | Self::CommuneInsee
            | Self::CommuneDelegueeInsee
            | Self::CommuneDelegueeNom
            | Self::CadParcelles => &[V1_2, V1_3, V1_4, V1_5],
            Self::CertificationCommune => &[V1_3, V1_4, V1_5],
            Self::Numero
            | Self::Suffixe
            | Self::CommuneNom
            | Self::Position
            | Self::X
            | Self::Y
            | Self::Long
            | Self::Lat
            | Self::Source
            | Self::DateDerMaj => &[V1_1, V1_2, V1_3, V1_4, V1_5],
        };
        formats.contains(&format)
    }

    /// An empty value raises `valeur_manquante` (base column only).
    pub fn required(self) -> bool {
        matches!(
            self,
            Self::CleInterop
                | Self::Numero
                | Self::CommuneInsee
                | Self::CommuneNom
                | Self::Source
                | Self::DateDerMaj
        )
    }

    /// Whether `<field>_<lang>` columns are recognised.
    pub fn allows_regional(self) -> bool {
        matches!(
            self,
            Self::VoieNom
                | Self::Toponyme
                | Self::LieuditComplementNom
                | Self::CommuneNom
                | Self::CommuneDelegueeNom
        )
    }
}

/// The 25 regional-language codes of @ban-team/shared-data, in its order.
pub const REGIONAL_LANGS: [&str; 25] = [
    "fra",
    "bre",
    "eus",
    "gsw",
    "cos",
    "gcr",
    "gcf",
    "rcf",
    "swb",
    "oci",
    "cat",
    "pcd",
    "oc-provenc",
    "oc-nicard",
    "vls",
    "fr-gallo",
    "aji",
    "dhv",
    "nen",
    "pri",
    "ty",
    "mrq",
    "pmt",
    "mrv",
    "frp",
];

/// Splits a regional column name (`voie_nom_bre`) into its field and language, the way the
/// reference does it: the first language (in list order) the name ends with, then the rest
/// must be a field that allows regional variants.
pub fn parse_regional(name: &str) -> Option<(Field, &'static str)> {
    let lang = REGIONAL_LANGS.iter().find(|l| {
        name.len() > l.len() + 1
            && name.ends_with(*l)
            && name.as_bytes()[name.len() - l.len() - 1] == b'_'
    })?;
    let base = &name[..name.len() - lang.len() - 1];
    Field::from_name(base).filter(|f| f.allows_regional()).map(|f| (f, *lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_field_counts_match_the_spec() {
        let counts: Vec<usize> =
            [Format::V1_1, Format::V1_2, Format::V1_3, Format::V1_4, Format::V1_5]
                .iter()
                .map(|f| f.fields().count())
                .collect();
        assert_eq!(counts, [13, 18, 19, 21, 20]);
    }

    #[test]
    fn regional_columns() {
        assert_eq!(parse_regional("voie_nom_bre"), Some((Field::VoieNom, "bre")));
        assert_eq!(parse_regional("voie_nom_oc-provenc"), Some((Field::VoieNom, "oc-provenc")));
        assert_eq!(parse_regional("numero_bre"), None);
        assert_eq!(parse_regional("voie_nom_xx"), None);
    }
}
