//! Clients: applications acting for communes, each with a token and an optional perimeter.

use crate::clock::Timestamp;
use crate::ids::ClientId;
use crate::secret::Token;

/// One entry of a client's perimeter: the communes it may publish for without a
/// habilitation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PerimeterEntry {
    /// A current commune, by INSEE code.
    Commune(String),
    /// Every member of an EPCI (or Grand Paris EPT), by SIREN.
    Epci(String),
    /// Every commune of a département, by code (`71`, `2A`, `974`).
    Departement(String),
}

impl PerimeterEntry {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Commune(_) => "commune",
            Self::Epci(_) => "epci",
            Self::Departement(_) => "departement",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Self::Commune(c) | Self::Epci(c) | Self::Departement(c) => c,
        }
    }

    pub(crate) fn from_stored(kind: &str, code: String) -> crate::Result<Self> {
        match kind {
            "commune" => Ok(Self::Commune(code)),
            "epci" => Ok(Self::Epci(code)),
            "departement" => Ok(Self::Departement(code)),
            other => Err(crate::Error::Corrupt(format!("perimeter kind `{other}`"))),
        }
    }
}

impl std::fmt::Display for PerimeterEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind(), self.code())
    }
}

/// `commune:71346`, `epci:200070555`, `departement:71`.
impl std::str::FromStr for PerimeterEntry {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        let (kind, code) = s.trim().split_once(':').ok_or_else(|| {
            crate::Error::invalid(
                "perimeter",
                format!("`{s}`: expected `commune:CODE`, `epci:SIREN` or `departement:CODE`"),
            )
        })?;
        let code = code.trim().to_owned();
        match kind.trim() {
            "commune" => Ok(Self::Commune(code)),
            "epci" => Ok(Self::Epci(code)),
            "departement" => Ok(Self::Departement(code)),
            other => Err(crate::Error::invalid(
                "perimeter",
                format!("`{other}` is not a perimeter kind (commune, epci, departement)"),
            )),
        }
    }
}

/// A client as the operator sees it (never with its token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub perimeter: Vec<PerimeterEntry>,
    pub created_at: Timestamp,
    /// Set when the operator revoked it: its token no longer works.
    pub revoked_at: Option<Timestamp>,
}

impl Client {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A client just created, with its token: the only time the token is available.
#[derive(Debug)]
pub struct NewClient {
    pub client: Client,
    pub token: Token,
}
