//! Addresses as the commons holds them: a commune, its streets and lieux-dits (toponymes),
//! their numbers (numéro + suffix) and the typed positions of each number.

use std::fmt;

use crate::geo::LonLat;
use crate::ids::{BanId, CodeInsee};

/// The kind of a position, as the BAL standard names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PositionKind {
    Entree,
    Batiment,
    CageEscalier,
    Logement,
    ServiceTechnique,
    DelivrancePostale,
    Parcelle,
    Segment,
    Inconnue,
}

impl PositionKind {
    pub const ALL: [PositionKind; 9] = [
        Self::Entree,
        Self::Batiment,
        Self::CageEscalier,
        Self::Logement,
        Self::ServiceTechnique,
        Self::DelivrancePostale,
        Self::Parcelle,
        Self::Segment,
        Self::Inconnue,
    ];

    /// Parses the BAL / BAN spelling (`entrée`, `cage d'escalier`, `délivrance postale`…),
    /// accent- and case-insensitive. An empty value is `Inconnue`; anything else unknown is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let folded = crate::text::fold(s);
        Some(match folded.as_str() {
            "entree" => Self::Entree,
            "batiment" => Self::Batiment,
            "cage d escalier" | "cage escalier" => Self::CageEscalier,
            "logement" => Self::Logement,
            "service technique" => Self::ServiceTechnique,
            "delivrance postale" => Self::DelivrancePostale,
            "parcelle" => Self::Parcelle,
            "segment" => Self::Segment,
            "" | "inconnue" | "inconnu" => Self::Inconnue,
            _ => return None,
        })
    }

    /// The BAL spelling.
    pub fn as_bal_str(self) -> &'static str {
        match self {
            Self::Entree => "entrée",
            Self::Batiment => "bâtiment",
            Self::CageEscalier => "cage d'escalier",
            Self::Logement => "logement",
            Self::ServiceTechnique => "service technique",
            Self::DelivrancePostale => "délivrance postale",
            Self::Parcelle => "parcelle",
            Self::Segment => "segment",
            Self::Inconnue => "inconnue",
        }
    }

    /// Rank used to choose the one position of an address (lower wins): entrée > bâtiment >
    /// cage d'escalier > logement > service technique > délivrance postale > parcelle > segment.
    pub fn priority(self) -> u8 {
        self as u8
    }
}

/// A typed position of an address.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub kind: PositionKind,
    pub point: LonLat,
}

/// A house number with its optional suffix (`12`, `12bis`, `3B`, `7 ter`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Numero {
    pub number: u32,
    /// As written by the source, trimmed, lower-cased (`bis`, `b`, `a`, `bz`); `None` when absent.
    pub suffix: Option<String>,
}

impl Numero {
    /// The largest number the BAL standard accepts (99999 is the BAN's "no number" marker).
    pub const MAX: u32 = 99_999;

    pub fn new(number: u32, suffix: Option<&str>) -> Self {
        let suffix = suffix.map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        Self { number, suffix }
    }

    /// Parses a number with its suffix glued or separated: `12`, `0012`, `12bis`, `12 bis`, `12B`, `12-b`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        if digits_end == 0 || digits_end > 5 {
            return None;
        }
        let number: u32 = s[..digits_end].parse().ok()?;
        let rest = s[digits_end..].trim_start_matches([' ', '-', '_']);
        if !rest.chars().all(|c| c.is_alphanumeric() || c == ' ') {
            return None;
        }
        Some(Self::new(number, Some(rest)))
    }

    /// The suffix folded the way the search engine compares them (`bis` → `b`, `ter` → `t`).
    pub fn folded_suffix(&self) -> Option<String> {
        self.suffix.as_deref().map(crate::text::fold_suffix)
    }
}

impl fmt::Display for Numero {
    /// `12bis`: the BAN's glued spelling.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.suffix {
            Some(s) => write!(f, "{}{}", self.number, s),
            None => write!(f, "{}", self.number),
        }
    }
}

/// One address: a number in a street or lieu-dit, with its positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Address {
    pub numero: Numero,
    /// Positions, best first (see [`PositionKind::priority`]).
    pub positions: Vec<Position>,
    /// The legacy interoperability key (`75101_cfq3tf_00001`), lower-case.
    pub cle_interop: Option<String>,
    pub ban_id: Option<BanId>,
    /// The postcode of this address when it differs from its street's.
    pub postcode: Option<String>,
    pub certified: bool,
}

impl Address {
    /// The position to show: the first of the best kind.
    pub fn best_position(&self) -> Option<Position> {
        self.positions.iter().min_by_key(|p| p.kind.priority()).copied()
    }
}

/// Whether a toponyme is a street (voie) or a lieu-dit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreetKind {
    Voie,
    LieuDit,
}

/// A street (voie) or lieu-dit (toponyme) with its numbered addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct Street {
    pub kind: StreetKind,
    pub name: String,
    /// The street part of `cle_interop` (`75101_cfq3tf`), or a FANTOIR code, lower-case.
    pub code: Option<String>,
    pub ban_id: Option<BanId>,
    /// The most frequent postcode of its addresses.
    pub postcode: Option<String>,
    /// The ancienne commune (commune déléguée / associée) it lies in, if any.
    pub old_commune: Option<(CodeInsee, String)>,
    /// Its own position (lieux-dits without numbers, or a computed centre).
    pub position: Option<LonLat>,
    pub addresses: Vec<Address>,
}

/// Everything one commune holds: the unit that is imported, published and indexed.
#[derive(Clone, Debug, PartialEq)]
pub struct CommuneAddresses {
    pub code: CodeInsee,
    pub name: String,
    pub ban_id: Option<BanId>,
    /// For an arrondissement of Paris, Lyon or Marseille: the parent commune and its name.
    pub parent: Option<(CodeInsee, String)>,
    pub postcodes: Vec<String>,
    pub population: u32,
    /// `"75, Paris, Île-de-France"`: département code, département name, région name.
    pub context: String,
    /// Reference centre of the commune (from the COG data) when known.
    pub position: Option<LonLat>,
    pub streets: Vec<Street>,
}

impl CommuneAddresses {
    pub fn address_count(&self) -> usize {
        self.streets.iter().map(|s| s.addresses.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numero_parsing() {
        assert_eq!(Numero::parse("12"), Some(Numero::new(12, None)));
        assert_eq!(Numero::parse("0012"), Some(Numero::new(12, None)));
        assert_eq!(Numero::parse("12bis"), Some(Numero::new(12, Some("bis"))));
        assert_eq!(Numero::parse("12 BIS"), Some(Numero::new(12, Some("bis"))));
        assert_eq!(Numero::parse("12B").unwrap().to_string(), "12b");
        assert_eq!(Numero::parse("3-ter").unwrap().folded_suffix().as_deref(), Some("t"));
        assert_eq!(Numero::parse("bis"), None);
        assert_eq!(Numero::parse("123456"), None);
        assert_eq!(Numero::parse("12/14"), None);
    }

    #[test]
    fn position_kinds() {
        assert_eq!(PositionKind::parse("Entrée"), Some(PositionKind::Entree));
        assert_eq!(PositionKind::parse("cage d'escalier"), Some(PositionKind::CageEscalier));
        assert_eq!(
            PositionKind::parse("délivrance postale"),
            Some(PositionKind::DelivrancePostale)
        );
        assert_eq!(PositionKind::parse(""), Some(PositionKind::Inconnue));
        assert_eq!(PositionKind::parse("garage"), None);
        for k in PositionKind::ALL {
            assert_eq!(PositionKind::parse(k.as_bal_str()), Some(k));
        }
        assert!(PositionKind::Entree.priority() < PositionKind::Segment.priority());
    }
}
