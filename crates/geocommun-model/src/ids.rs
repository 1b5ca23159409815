//! Identifiers: INSEE commune codes, BAN UUIDs, `cle_interop`.

use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error(
        "`{0}` is not an INSEE commune code: expected 5 characters, digits or 2A/2B (e.g. 75101, 2A004)"
    )]
    CodeInsee(String),
    #[error(
        "`{0}` is not a BAN identifier: expected a UUID such as 0b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60"
    )]
    BanId(String),
}

/// An INSEE commune code (`75101`, `2A004`, `97411`), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeInsee([u8; 5]);

impl CodeInsee {
    /// Parses a code; accepts 4-digit codes whose leading zero was lost by a spreadsheet (`1004` → `01004`).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let bytes = s.as_bytes();
        let mut out = [b'0'; 5];
        match bytes.len() {
            5 => out.copy_from_slice(bytes),
            4 if bytes.iter().all(u8::is_ascii_digit) => out[1..].copy_from_slice(bytes),
            _ => return Err(IdError::CodeInsee(s.to_owned())),
        }
        out[1] = out[1].to_ascii_uppercase();
        let corsica = out[0] == b'2' && (out[1] == b'A' || out[1] == b'B');
        let ok = (out[1].is_ascii_digit() || corsica)
            && out[0].is_ascii_digit()
            && out[2..].iter().all(u8::is_ascii_digit);
        if ok { Ok(Self(out)) } else { Err(IdError::CodeInsee(s.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("00000")
    }

    /// The département code: 3 characters overseas (`971`), else 2 (`75`, `2A`).
    pub fn departement(&self) -> &str {
        let s = self.as_str();
        if s.starts_with("97") || s.starts_with("98") { &s[..3] } else { &s[..2] }
    }

    /// The parent commune of a Paris, Lyon or Marseille arrondissement (`75101` → `75056`).
    pub fn plm_parent(&self) -> Option<CodeInsee> {
        let n: u32 = self.as_str().parse().ok()?;
        let parent = match n {
            75101..=75120 => "75056",
            13201..=13216 => "13055",
            69381..=69389 => "69123",
            _ => return None,
        };
        CodeInsee::parse(parent).ok()
    }
}

impl fmt::Display for CodeInsee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CodeInsee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodeInsee({})", self.as_str())
    }
}

/// A BAN identifier (UUID) of a commune, toponyme or address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct BanId(pub uuid::Uuid);

impl BanId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        uuid::Uuid::parse_str(s.trim()).map(Self).map_err(|_| IdError::BanId(s.trim().to_owned()))
    }
}

impl fmt::Display for BanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_codes() {
        assert_eq!(CodeInsee::parse("75101").unwrap().as_str(), "75101");
        assert_eq!(CodeInsee::parse("2a004").unwrap().as_str(), "2A004");
        assert_eq!(CodeInsee::parse("1004").unwrap().as_str(), "01004");
        assert_eq!(CodeInsee::parse("97411").unwrap().departement(), "974");
        assert_eq!(CodeInsee::parse("2B033").unwrap().departement(), "2B");
        assert!(CodeInsee::parse("7510").is_ok());
        assert!(CodeInsee::parse("751011").is_err());
        assert!(CodeInsee::parse("2C004").is_err());
        assert!(CodeInsee::parse("ab123").is_err());
        assert_eq!(CodeInsee::parse("75112").unwrap().plm_parent().unwrap().as_str(), "75056");
        assert_eq!(CodeInsee::parse("13055").unwrap().plm_parent(), None);
    }

    #[test]
    fn ban_ids() {
        let id = BanId::parse("0b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60").unwrap();
        assert_eq!(id.to_string(), "0b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60");
        assert!(BanId::parse("nope").is_err());
    }
}
