//! Value rules: one parser per field, raising the reference's codes in the reference's order.

use std::borrow::Cow;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use crate::cog::MiniCog;
use crate::csv::js_is_space;
use crate::normalize::deburr;
use crate::schema::Field;

/// The problem part of a value code (`<column>.<problem>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    EspacesDebutFin,
    ValeurManquante,
    CasseInvalide,
    StructureInvalide,
    CommuneInvalide,
    CommuneAncienne,
    VoieInvalide,
    VoieNonRenseignee,
    NumeroInvalide,
    NumeroPrefixeManquant,
    TypeInvalide,
    TropCourt,
    TropLong,
    CaractereInvalide,
    ContientTiretBas,
    CasseIncorrecte,
    TropGrand,
    NotToBeZero,
    ContientPrefixe,
    DebutInvalide,
    EnumFuzzy,
    ValeurInvalide,
    SeparateurDecimalInvalide,
    PipeDebutFin,
    DateInvalide,
    DateAncienne,
    DateFuture,
}

impl Problem {
    pub const COUNT: usize = 27;

    pub const ALL: [Self; Self::COUNT] = [
        Self::EspacesDebutFin,
        Self::ValeurManquante,
        Self::CasseInvalide,
        Self::StructureInvalide,
        Self::CommuneInvalide,
        Self::CommuneAncienne,
        Self::VoieInvalide,
        Self::VoieNonRenseignee,
        Self::NumeroInvalide,
        Self::NumeroPrefixeManquant,
        Self::TypeInvalide,
        Self::TropCourt,
        Self::TropLong,
        Self::CaractereInvalide,
        Self::ContientTiretBas,
        Self::CasseIncorrecte,
        Self::TropGrand,
        Self::NotToBeZero,
        Self::ContientPrefixe,
        Self::DebutInvalide,
        Self::EnumFuzzy,
        Self::ValeurInvalide,
        Self::SeparateurDecimalInvalide,
        Self::PipeDebutFin,
        Self::DateInvalide,
        Self::DateAncienne,
        Self::DateFuture,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EspacesDebutFin => "espaces_debut_fin",
            Self::ValeurManquante => "valeur_manquante",
            Self::CasseInvalide => "casse_invalide",
            Self::StructureInvalide => "structure_invalide",
            Self::CommuneInvalide => "commune_invalide",
            Self::CommuneAncienne => "commune_ancienne",
            Self::VoieInvalide => "voie_invalide",
            Self::VoieNonRenseignee => "voie_non_renseignee",
            Self::NumeroInvalide => "numero_invalide",
            Self::NumeroPrefixeManquant => "numero_prefixe_manquant",
            Self::TypeInvalide => "type_invalide",
            Self::TropCourt => "trop_court",
            Self::TropLong => "trop_long",
            Self::CaractereInvalide => "caractere_invalide",
            Self::ContientTiretBas => "contient_tiret_bas",
            Self::CasseIncorrecte => "casse_incorrecte",
            Self::TropGrand => "trop_grand",
            Self::NotToBeZero => "not_to_be_zero",
            Self::ContientPrefixe => "contient_prefixe",
            Self::DebutInvalide => "debut_invalide",
            Self::EnumFuzzy => "enum_fuzzy",
            Self::ValeurInvalide => "valeur_invalide",
            Self::SeparateurDecimalInvalide => "separateur_decimal_invalide",
            Self::PipeDebutFin => "pipe_debut_fin",
            Self::DateInvalide => "date_invalide",
            Self::DateAncienne => "date_ancienne",
            Self::DateFuture => "date_future",
        }
    }
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Today in UTC (the reference compares with the local clock; servers run in UTC).
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_days((secs / 86_400) as i64)
    }

    /// From days since 1970-01-01 (Howard Hinnant's civil_from_days).
    pub fn from_days(z: i64) -> Self {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Self { year: (y + i64::from(m <= 2)) as i32, month: m, day: d }
    }

    /// A real calendar date?
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let dim = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=dim).contains(&day).then_some(Self { year, month, day })
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The parts of a parsed `cle_interop`, borrowed from the cell when no case change is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cle<'a> {
    /// Upper-cased commune part.
    pub commune: Cow<'a, str>,
    /// Upper-cased voie part, `None` when faulty.
    pub voie: Option<Cow<'a, str>>,
    /// The numero part without its leading zeros (may be empty for `00000`).
    pub numero: &'a str,
}

/// BAN ids carried by `uid_adresse` (`@c:`, `@v:`, `@a:` tokens).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UidIds<'a> {
    pub commune: Option<&'a str>,
    pub toponyme: Option<&'a str>,
    pub adresse: Option<&'a str>,
}

/// The parsed value of one cell. Text borrows from the cell unless the rules change it
/// (upper-casing a commune code, `_` → space in a voie name): the validator reads every cell
/// of every row, and an owned string per cell was its largest cost.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Cle(Cle<'a>),
    Uid(&'a str, UidIds<'a>),
    Numero(u32),
    Float(f64),
    Position(&'static str),
    /// The `|`-separated list, outer pipes trimmed; [`parcelles`] gives the normalised items.
    Parcelles(&'a str),
    Date(Date),
    Bool(bool),
}

/// The items of a `cad_parcelles` value accepted by the rules (`Value::Parcelles`), each as
/// 14 characters (the 15-character form loses its third character, as in the reference).
pub fn parcelles(v: &str) -> Vec<String> {
    v.split('|')
        .map(|s| {
            if js_len(s) == 14 {
                s.to_owned()
            } else {
                let mut c: Vec<char> = s.chars().collect();
                if c.len() > 2 {
                    c.remove(2);
                }
                c.into_iter().collect()
            }
        })
        .collect()
}

/// `s.to_uppercase()`, borrowed when it changes nothing.
fn upper(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(s.to_ascii_uppercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        let u = s.to_uppercase();
        if u == s { Cow::Borrowed(s) } else { Cow::Owned(u) }
    }
}

/// `s.to_uppercase() != s` without allocating for ASCII.
fn changed_by_upper(s: &str) -> bool {
    if s.is_ascii() { s.bytes().any(|b| b.is_ascii_lowercase()) } else { s.to_uppercase() != s }
}

/// `s.to_lowercase() != s` without allocating for ASCII.
fn changed_by_lower(s: &str) -> bool {
    if s.is_ascii() { s.bytes().any(|b| b.is_ascii_uppercase()) } else { s.to_lowercase() != s }
}

/// The 8 canonical positions.
pub const POSITIONS: [&str; 8] = [
    "entrée",
    "bâtiment",
    "cage d’escalier",
    "logement",
    "service technique",
    "délivrance postale",
    "parcelle",
    "segment",
];

/// Everything the reading of one cell gives.
#[derive(Debug, Default)]
pub struct CellOutcome<'a> {
    pub problems: smallvec_like::Problems,
    pub value: Option<Value<'a>>,
}

/// A tiny inline vector of problems (a cell raises at most 4).
pub mod smallvec_like {
    use super::Problem;

    #[derive(Debug, Default, Clone)]
    pub struct Problems {
        items: [Option<Problem>; 6],
        len: usize,
    }

    impl Problems {
        pub fn push(&mut self, p: Problem) {
            if self.len < self.items.len() {
                self.items[self.len] = Some(p);
                self.len += 1;
            }
        }

        pub fn iter(&self) -> impl Iterator<Item = Problem> + '_ {
            self.items[..self.len].iter().flatten().copied()
        }

        pub fn is_empty(&self) -> bool {
            self.len == 0
        }

        pub fn contains(&self, p: Problem) -> bool {
            self.iter().any(|q| q == p)
        }
    }
}

/// Context the parsers need.
pub struct Ctx<'a> {
    pub cog: &'a MiniCog,
    pub today: Date,
}

/// JavaScript string length (UTF-16 code units).
fn js_len(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().map(char::len_utf16).sum() }
}

/// The reference's `readValue`: trim, `espaces_debut_fin`, `valeur_manquante`, then the
/// field's parser.
#[inline]
pub fn read_value<'a>(
    field: Field,
    raw: &'a str,
    regional: bool,
    ctx: &Ctx<'_>,
) -> CellOutcome<'a> {
    let mut out = CellOutcome::default();
    // No JavaScript white space is a visible ASCII character: most cells need no trimming.
    let v = match raw.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => raw,
        [only] if only.is_ascii_graphic() => raw,
        _ => raw.trim_matches(js_is_space),
    };
    if v.len() != raw.len() {
        out.problems.push(Problem::EspacesDebutFin);
    }
    if v.is_empty() {
        if field.required() && !regional {
            out.problems.push(Problem::ValeurManquante);
        }
        return out;
    }
    out.value = parse(field, v, ctx, &mut out.problems);
    out
}

#[inline]
fn parse<'a>(
    field: Field,
    v: &'a str,
    ctx: &Ctx<'_>,
    p: &mut smallvec_like::Problems,
) -> Option<Value<'a>> {
    match field {
        Field::CleInterop => parse_cle(v, ctx, p).map(Value::Cle),
        Field::UidAdresse => parse_uid(v, p),
        Field::IdBanCommune | Field::IdBanToponyme | Field::IdBanAdresse => {
            if is_uuid_v4(v) {
                Some(Value::Text(Cow::Borrowed(v)))
            } else {
                p.push(Problem::TypeInvalide);
                None
            }
        }
        Field::VoieNom | Field::Toponyme => parse_nom_voie(v, p).map(Value::Text),
        Field::LieuditComplementNom | Field::CommuneDelegueeNom | Field::Source => {
            Some(Value::Text(Cow::Borrowed(v)))
        }
        Field::Numero => parse_numero(v, p).map(Value::Numero),
        Field::Suffixe => parse_suffixe(v, p).map(Value::Text),
        Field::CommuneInsee => {
            let code = upper(v);
            if !ctx.cog.is_known(&code) {
                p.push(Problem::CommuneInvalide);
                return None;
            }
            if ctx.cog.is_ancien(&code) {
                p.push(Problem::CommuneAncienne);
            }
            Some(Value::Text(code))
        }
        Field::CommuneNom => {
            if !changed_by_lower(v) {
                p.push(Problem::CasseIncorrecte);
            }
            if !changed_by_upper(v) {
                p.push(Problem::CasseIncorrecte);
            }
            Some(Value::Text(Cow::Borrowed(v)))
        }
        Field::CommuneDelegueeInsee => {
            let code = upper(v);
            if !ctx.cog.is_known(&code) {
                p.push(Problem::CommuneInvalide);
            }
            Some(Value::Text(code))
        }
        Field::Position => parse_position(v, p).map(Value::Position),
        Field::X | Field::Y | Field::Long | Field::Lat => parse_float(v, p).map(Value::Float),
        Field::CadParcelles => parse_parcelles(v, p).map(Value::Parcelles),
        Field::DateDerMaj => parse_date(v, ctx.today, p).map(Value::Date),
        Field::CertificationCommune => match v {
            "1" => Some(Value::Bool(true)),
            "0" => Some(Value::Bool(false)),
            _ => {
                p.push(Problem::ValeurInvalide);
                None
            }
        },
    }
}

fn parse_cle<'a>(v: &'a str, ctx: &Ctx<'_>, p: &mut smallvec_like::Problems) -> Option<Cle<'a>> {
    if changed_by_lower(v) {
        p.push(Problem::CasseInvalide);
    }
    let mut parts = v.split('_');
    let (Some(commune), Some(voie), Some(numero)) = (parts.next(), parts.next(), parts.next())
    else {
        p.push(Problem::StructureInvalide);
        return None;
    };
    if commune.is_empty() || voie.is_empty() || numero.is_empty() || parts.any(str::is_empty) {
        p.push(Problem::StructureInvalide);
        return None;
    }
    let commune = upper(commune);
    if !ctx.cog.is_known(&commune) {
        p.push(Problem::CommuneInvalide);
    } else if ctx.cog.is_ancien(&commune) {
        p.push(Problem::CommuneAncienne);
    }
    let mut voie_error = false;
    if js_len(voie) != 4 {
        p.push(Problem::VoieInvalide);
        voie_error = true;
    } else if voie.eq_ignore_ascii_case("XXXX") || voie == "0000" {
        // `toUpperCase() === 'XXXX'`: only `x`/`X` upper-case to `X`.
        p.push(Problem::VoieNonRenseignee);
        voie_error = true;
    }
    if !numero.bytes().all(|b| b.is_ascii_digit()) {
        p.push(Problem::NumeroInvalide);
        return None;
    }
    if numero.len() != 5 {
        p.push(Problem::NumeroPrefixeManquant);
    }
    Some(Cle {
        voie: (!voie_error).then(|| upper(voie)),
        numero: numero.trim_start_matches('0'),
        commune,
    })
}

/// First `@x:` token (case-insensitive tag), non-space run after it.
fn uid_token(v: &str, tag: char) -> Option<&str> {
    let bytes = v.as_bytes();
    let mut i = 0;
    while let Some(at) = v[i..].find('@') {
        let s = i + at;
        if bytes.len() >= s + 3
            && bytes[s + 1].eq_ignore_ascii_case(&(tag as u8))
            && bytes[s + 2] == b':'
        {
            let rest = &v[s + 3..];
            let end = rest.find(js_is_space).unwrap_or(rest.len());
            if end > 0 {
                return Some(&rest[..end]);
            }
        }
        i = s + 1;
    }
    None
}

fn parse_uid<'a>(v: &'a str, p: &mut smallvec_like::Problems) -> Option<Value<'a>> {
    let ids = UidIds {
        commune: uid_token(v, 'c'),
        toponyme: uid_token(v, 'v'),
        adresse: uid_token(v, 'a'),
    };
    let bad = |t: Option<&str>| t.is_some_and(|t| !is_uuid_v4(t));
    if bad(ids.commune) || bad(ids.toponyme) || bad(ids.adresse) {
        p.push(Problem::TypeInvalide);
        return None;
    }
    Some(Value::Uid(v, ids))
}

/// uuid 11's `validate` and `version() === 4`.
pub fn is_uuid_v4(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return false;
        }
    }
    b[14] == b'4' && matches!(b[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
}

fn parse_nom_voie<'a>(v: &'a str, p: &mut smallvec_like::Problems) -> Option<Cow<'a, str>> {
    let len = js_len(v);
    if len < 3 {
        p.push(Problem::TropCourt);
        return None;
    }
    if len > 200 {
        p.push(Problem::TropLong);
        return None;
    }
    if v.contains('\u{FFFD}') {
        p.push(Problem::CaractereInvalide);
        return None;
    }
    let v = if v.contains('_') {
        p.push(Problem::ContientTiretBas);
        Cow::Owned(v.replace('_', " "))
    } else {
        Cow::Borrowed(v)
    };
    if !changed_by_upper(&v) {
        p.push(Problem::CasseIncorrecte);
    }
    Some(v)
}

fn parse_numero(v: &str, p: &mut smallvec_like::Problems) -> Option<u32> {
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        p.push(Problem::TypeInvalide);
        return None;
    }
    let digits = v.trim_start_matches('0');
    if digits.len() > 5 {
        p.push(Problem::TropGrand);
        return None;
    }
    let n: u32 = if digits.is_empty() { 0 } else { digits.parse().unwrap_or(u32::MAX) };
    if n > 99_999 {
        p.push(Problem::TropGrand);
        return None;
    }
    if n == 0 {
        p.push(Problem::NotToBeZero);
    }
    if v.starts_with('0') && n != 0 {
        p.push(Problem::ContientPrefixe);
    }
    Some(n)
}

const ACCENTED: &str = "àáâãäåæçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ";

fn parse_suffixe<'a>(v: &'a str, p: &mut smallvec_like::Problems) -> Option<Cow<'a, str>> {
    // The first UTF-16 unit must be an ASCII letter or digit.
    if !v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
        p.push(Problem::DebutInvalide);
        return None;
    }
    if js_len(v) > 9 {
        p.push(Problem::TropLong);
        return None;
    }
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || js_is_space(c) || ACCENTED.contains(c)) {
        p.push(Problem::CaractereInvalide);
    }
    Some(Cow::Borrowed(v))
}

/// `deburr(v.normalize()).replace(/\W+/g, ' ').trim().toLowerCase().normalize()`.
fn position_key(v: &str) -> String {
    let d = deburr(&v.nfc().collect::<String>());
    let mut out = String::with_capacity(d.len());
    let mut in_gap = false;
    for c in d.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            in_gap = false;
        } else if !in_gap {
            out.push(' ');
            in_gap = true;
        }
    }
    out.trim_matches(js_is_space).to_lowercase().nfc().collect()
}

/// The matching keys of [`POSITIONS`], computed once.
static POSITION_KEYS: LazyLock<[String; 8]> = LazyLock::new(|| POSITIONS.map(position_key));

fn parse_position(v: &str, p: &mut smallvec_like::Problems) -> Option<&'static str> {
    // The canonical spelling itself (NFC, its own key): the common case, no normalisation.
    if let Some(canonical) = POSITIONS.iter().find(|c| **c == v) {
        return Some(canonical);
    }
    let key = position_key(v);
    let Some(canonical) =
        POSITIONS.iter().zip(POSITION_KEYS.iter()).find(|(_, k)| **k == key).map(|(c, _)| c)
    else {
        p.push(Problem::ValeurInvalide);
        return None;
    };
    if !canonical.chars().eq(v.nfc()) {
        p.push(Problem::EnumFuzzy);
    }
    Some(canonical)
}

/// `^-?(0|[1-9]\d*)(<sep>\d+)?\d?$`.
fn float_shape(v: &str, sep: u8) -> bool {
    let b = v.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int = &b[int_start..i];
    if int.is_empty() {
        return false;
    }
    // (0|[1-9]\d*) then an optional extra digit: "05" passes (0 + extra 5), "012" does not.
    let int_ok = int[0] != b'0' || int.len() == 1 || (int.len() == 2 && i == b.len());
    if !int_ok {
        return false;
    }
    if i == b.len() {
        return true;
    }
    if b[i] != sep {
        return false;
    }
    let frac = &b[i + 1..];
    !frac.is_empty() && frac.iter().all(u8::is_ascii_digit)
}

fn parse_float(v: &str, p: &mut smallvec_like::Problems) -> Option<f64> {
    if float_shape(v, b'.') {
        return v.parse().ok();
    }
    if float_shape(v, b',') {
        p.push(Problem::SeparateurDecimalInvalide);
        return v.replacen(',', ".", 1).parse().ok();
    }
    p.push(Problem::ValeurInvalide);
    None
}

fn parse_parcelles<'a>(v: &'a str, p: &mut smallvec_like::Problems) -> Option<&'a str> {
    let t = v.trim_matches('|');
    if t.len() != v.len() {
        p.push(Problem::PipeDebutFin);
    }
    if t.is_empty() {
        p.push(Problem::ValeurInvalide);
        return None;
    }
    if t.split('|').any(|s| !matches!(js_len(s), 14 | 15)) {
        p.push(Problem::ValeurInvalide);
        return None;
    }
    Some(t)
}

/// `YYYY-MM-DD` exactly.
pub fn parse_iso_date(v: &str) -> Option<Option<Date>> {
    let b = v.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(0);
    Some(Date::new(n(0..4) as i32, n(5..7), n(8..10)))
}

fn parse_date(v: &str, today: Date, p: &mut smallvec_like::Problems) -> Option<Date> {
    let Some(Some(d)) = parse_iso_date(v) else {
        p.push(Problem::DateInvalide);
        return None;
    };
    if d < (Date { year: 2010, month: 1, day: 1 }) {
        p.push(Problem::DateAncienne);
    }
    if d > today {
        p.push(Problem::DateFuture);
        return None;
    }
    Some(d)
}

const MOIS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The reference's date remediation: the first of its 9 French-style formats that parses to
/// a date after 2010-01-01 and before today.
pub fn date_remediation(v: &str, today: Date) -> Option<Date> {
    let v = v.trim();
    let nums = |s: &str, sep: char| -> Option<Vec<String>> {
        let parts: Vec<String> = s.split(sep).map(str::to_owned).collect();
        parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then_some(parts)
    };
    let mut candidates: Vec<Option<Date>> = Vec::new();
    let dmy = |p: &[String], short_year: bool| -> Option<Date> {
        if p.len() != 3 || p[0].len() > 2 || p[1].len() > 2 {
            return None;
        }
        let y: i32 = if short_year {
            if p[2].len() != 2 {
                return None;
            }
            2000 + p[2].parse::<i32>().ok()?
        } else {
            if p[2].len() != 4 {
                return None;
            }
            p[2].parse().ok()?
        };
        Date::new(y, p[1].parse().ok()?, p[0].parse().ok()?)
    };
    let ymd = |p: &[String]| -> Option<Date> {
        if p.len() != 3 || p[0].len() != 4 || p[1].len() > 2 || p[2].len() > 2 {
            return None;
        }
        Date::new(p[0].parse().ok()?, p[1].parse().ok()?, p[2].parse().ok()?)
    };
    if let Some(p) = nums(v, '/') {
        candidates.push(dmy(&p, true));
        candidates.push(dmy(&p, false));
        candidates.push(ymd(&p));
    }
    if let Some(p) = nums(v, '-') {
        candidates.push(dmy(&p, false));
        candidates.push(ymd(&p));
    }
    if let Some(p) = nums(v, ' ') {
        candidates.push(dmy(&p, false));
        candidates.push(ymd(&p));
    }
    let words: Vec<&str> = v.split(' ').collect();
    if words.len() == 3
        && let Some(m) = MOIS.iter().position(|m| words[1].eq_ignore_ascii_case(m))
        && let (Ok(d), Ok(y)) = (words[0].parse::<u32>(), words[2].parse::<i32>())
    {
        candidates.push(Date::new(y, m as u32 + 1, d));
    }
    if let Some((day, time)) = v.split_once(' ')
        && time.len() == 5
        && time.as_bytes()[2] == b':'
        && let Some(p) = nums(day, '-')
    {
        candidates.push(ymd(&p));
    }
    let min = Date { year: 2010, month: 1, day: 1 };
    candidates.into_iter().flatten().find(|d| *d > min && *d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(field: Field, raw: &str) -> Vec<&'static str> {
        let cog = MiniCog::from_entries([(
            "71346".to_owned(),
            "Perrecy-les-Forges".to_owned(),
            vec!["71999".to_owned()],
        )]);
        let ctx = Ctx { cog: &cog, today: Date { year: 2026, month: 11, day: 23 } };
        read_value(field, raw, false, &ctx).problems.iter().map(Problem::as_str).collect()
    }

    #[test]
    fn rules_from_the_spec() {
        assert_eq!(problems(Field::Numero, "007"), ["contient_prefixe"]);
        assert_eq!(problems(Field::Numero, "100000"), ["trop_grand"]);
        assert_eq!(problems(Field::Numero, " 0"), ["espaces_debut_fin", "not_to_be_zero"]);
        assert_eq!(problems(Field::CleInterop, "71346_A001_00001"), ["casse_invalide"]);
        assert_eq!(
            problems(Field::CleInterop, "71346_xxxx_1"),
            ["voie_non_renseignee", "numero_prefixe_manquant"]
        );
        assert_eq!(problems(Field::CleInterop, "71999_0001_00001"), ["commune_ancienne"]);
        assert_eq!(problems(Field::X, "05"), Vec::<&str>::new());
        assert_eq!(problems(Field::X, "01.5"), ["valeur_invalide"]);
        assert_eq!(problems(Field::X, "1,5"), ["separateur_decimal_invalide"]);
        assert_eq!(problems(Field::Position, "Entree"), ["enum_fuzzy"]);
        assert_eq!(problems(Field::Position, "cage d'escalier"), ["enum_fuzzy"]);
        assert_eq!(problems(Field::Position, "porte"), ["valeur_invalide"]);
        assert_eq!(problems(Field::CommuneNom, "123"), ["casse_incorrecte", "casse_incorrecte"]);
        assert_eq!(problems(Field::DateDerMaj, "2023-02-29"), ["date_invalide"]);
        assert_eq!(problems(Field::DateDerMaj, "2009-12-31"), ["date_ancienne"]);
        assert_eq!(problems(Field::DateDerMaj, "2026-11-24"), ["date_future"]);
        assert_eq!(problems(Field::CadParcelles, "|12345678901234"), ["pipe_debut_fin"]);
        assert_eq!(problems(Field::Suffixe, "-a"), ["debut_invalide"]);
        assert_eq!(problems(Field::Suffixe, "b-s"), ["caractere_invalide"]);
        assert_eq!(problems(Field::VoieNom, "RUE"), ["casse_incorrecte"]);
    }

    #[test]
    fn uuid_v4() {
        assert!(is_uuid_v4("0246e48c-f33d-433a-8984-034219be842e"));
        assert!(!is_uuid_v4("0246e48c-f33d-133a-8984-034219be842e"));
        assert!(!is_uuid_v4("0246e48c-f33d-433a-c984-034219be842e"));
    }

    #[test]
    fn remediation_dates() {
        let today = Date { year: 2026, month: 11, day: 23 };
        assert_eq!(
            date_remediation("23/06/2023", today).map(Date::iso).as_deref(),
            Some("2023-06-23")
        );
        assert_eq!(
            date_remediation("6 mai 2025", today).map(Date::iso).as_deref(),
            Some("2025-05-06")
        );
        assert_eq!(date_remediation("1999-01-01", today), None);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(Date::from_days(0).iso(), "1970-01-01");
        assert_eq!(Date::from_days(20_415).iso(), "2025-11-23");
    }
}
