//! Drafts: a commune's BAL as the editor edits it — voies and lieux-dits, numbers with their
//! typed positions, each with an identifier that stays the same across operations — and the
//! BAL 1.4 file it becomes.
//!
//! A draft is built from a BAL (the commune's current revision, or its fallback BAN data
//! written as a BAL): rows are grouped like the consolidation groups them (a voie is one
//! commune déléguée + folded `voie_nom`; an address one number + folded suffix of a voie; a
//! group of `numero` 99999 rows only is a lieu-dit). Every row is kept with all its cells, so
//! that what the editor does not edit — `cad_parcelles`, `source`, `date_der_maj`, regional
//! names (`voie_nom_bre`…), `uid_adresse`, BAN ids, existing `cle_interop` / FANTOIR codes,
//! other columns — is written back exactly as it was (mes-adresses issues #369 and #370).
//!
//! Operations ([`Operation`], in `ops.rs`) are checked with the validator's own rules
//! ([`crate::values`]) before anything changes: a refused operation ([`Refusal`]) leaves the
//! draft as it was. Pure and synchronous: no I/O, no clock (the date of an operation is given).

mod ops;

use std::collections::{BTreeMap, HashMap};

use geocommun_model::text::{fold, fold_suffix};
use serde::{Deserialize, Serialize};

pub use ops::{
    Context, MAX_POSITIONS, NumeroValue, Operation, PositionInput, Refusal, RuleMessage,
    UpdateNumero,
};

use crate::csv::Newline;
use crate::proj::{Legal, project};
use crate::read::{ReadError, read_table};
use crate::schema::{Field, Format};
use crate::values::{Date, POSITIONS, is_uuid_v4};
use crate::write::write_record;

/// `numero` of a lieu-dit row.
pub const LIEU_DIT_NUMBER: u32 = 99_999;

/// `source` of rows the editor creates when the base has none to copy.
pub const DEFAULT_SOURCE: &str = "commune";

/// The position type of a lieu-dit row the editor creates (the BAN's and the exports' choice).
pub const LIEU_DIT_POSITION: &str = "segment";

/// Where a draft's base came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The commune's current BAL revision.
    Bal,
    /// The fallback data (BAN / BANO files), written as a BAL.
    Ban,
}

/// A voie (street, numbered) or a lieu-dit (toponyme without numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoieKind {
    Voie,
    Toponyme,
}

impl VoieKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voie => "voie",
            Self::Toponyme => "toponyme",
        }
    }
}

/// A voie or lieu-dit of a draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Voie {
    /// The draft's identifier (`v12`): stable across operations.
    pub id: String,
    pub nom: String,
    pub kind: VoieKind,
    /// The street part of its `cle_interop` (a FANTOIR code such as `0090`, or the BAN's own
    /// code), given to the keys of new numbers; `None`: unknown (`xxxx` in new keys).
    pub code: Option<String>,
    pub ban_id: Option<String>,
    /// The commune déléguée it lies in (INSEE code, upper case).
    pub deleguee: Option<String>,
    /// Its `numero` 99999 rows (a lieu-dit's position), cells as in the base.
    rows: Vec<Vec<String>>,
    /// Cells of the voie for new rows (commune, déléguée, regional names, source).
    template: Vec<String>,
    /// Date (ISO) of its last rename, written on its rows.
    renamed: Option<String>,
}

/// One position of a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// The canonical BAL spelling (`entrée`, `cage d’escalier`…).
    pub kind: String,
    /// `[lon, lat]` (WGS 84); `None` when the base row had no usable coordinates.
    pub coords: Option<[f64; 2]>,
    /// The row of the base it comes from (`None`: made in the editor).
    row: Option<Vec<String>>,
    /// Moved (or made) in the editor: `x`/`y` are computed again.
    moved: bool,
}

/// A number (an address) of a voie.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Numero {
    /// The draft's identifier (`n345`): stable across operations.
    pub id: String,
    /// The id of its voie.
    pub voie: String,
    pub numero: u32,
    pub suffixe: Option<String>,
    pub lieudit_complement: Option<String>,
    pub certifie: bool,
    /// Best first, as the base had them or as the editor set them.
    pub positions: Vec<Position>,
    pub cle_interop: Option<String>,
    pub ban_id: Option<String>,
    /// Date (ISO) of its last edit (`None`: as in the base).
    edited: Option<String>,
    /// Its certification was set in the editor (written on every row).
    certification_set: bool,
    /// It was moved to another voie: BAN street tokens of `uid_adresse` are dropped.
    voie_changed: bool,
}

/// A commune's BAL being edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub commune: String,
    /// The COG name (written on new rows).
    pub commune_nom: String,
    pub origin: Origin,
    /// The columns written: the BAL 1.4 columns, then the other named columns of the base.
    columns: Vec<String>,
    /// Every row of the base carried the three BAN ids: new objects get ids too (BAL 1.4:
    /// on every row or on none).
    with_ban_ids: bool,
    id_ban_commune: Option<String>,
    pub voies: Vec<Voie>,
    pub numeros: Vec<Numero>,
    /// Rows of the base that belong to no voie or number (no name, unreadable number):
    /// written back unchanged.
    other_rows: Vec<Vec<String>>,
    /// The `source` of new rows: the base's most frequent one.
    source: String,
    next_id: u64,
}

/// What a draft is built with besides the file.
#[derive(Clone, Debug)]
pub struct Base<'a> {
    /// INSEE code of the commune.
    pub commune: &'a str,
    /// Its COG name.
    pub commune_nom: &'a str,
    pub origin: Origin,
    /// Rows without `date_der_maj` get this date when the base is BAN data (the day the
    /// commune took it into its BAL, as mes-adresses does); a BAL's own rows stay as they are.
    pub today: Date,
}

/// The 1.4 columns, in schema order.
fn bal_columns() -> Vec<String> {
    Format::V1_4.fields().map(|f| f.name().to_owned()).collect()
}

/// Splits `71346_0090_00012_bis` into its commune, voie and the rest.
fn cle_parts(cle: &str) -> Option<(&str, &str)> {
    let mut parts = cle.splitn(3, '_');
    let commune = parts.next()?;
    let voie = parts.next()?;
    parts.next()?;
    (!commune.is_empty() && !voie.is_empty()).then_some((commune, voie))
}

/// `(numero, folded suffix)`: what makes an address of a voie (the consolidation's key).
pub(crate) fn numero_key(numero: u32, suffixe: Option<&str>) -> (u32, String) {
    (numero, suffixe.map(|s| fold_suffix(&s.to_lowercase())).unwrap_or_default())
}

/// The consolidation's street key: `DELEGUEE|folded name`.
pub fn voie_key(deleguee: Option<&str>, nom: &str) -> String {
    format!("{}|{}", deleguee.unwrap_or("").to_uppercase(), fold(nom))
}

impl Voie {
    /// The consolidation's key of this voie (see [`voie_key`]).
    pub fn key(&self) -> String {
        voie_key(self.deleguee.as_deref(), &self.nom)
    }
}

impl Draft {
    /// Builds a draft from a BAL. Fails only when the bytes cannot be read as a table.
    pub fn from_bal(bytes: &[u8], base: &Base<'_>) -> Result<Self, ReadError> {
        let table = read_table(bytes)?;
        // Columns: the first column of each exact name, as the validator reads them.
        let header: Vec<String> =
            table.header.iter().map(|h| h.trim_start_matches('\u{FEFF}').to_owned()).collect();
        let mut columns = bal_columns();
        let mut source_of: Vec<Option<usize>> = Vec::new(); // output column -> input column
        for name in &columns {
            source_of.push(header.iter().position(|h| h == name));
        }
        for (i, name) in header.iter().enumerate() {
            // Named columns beyond 1.4, once; `toponyme` (1.5) becomes `voie_nom`.
            let known_14 = Field::from_name(name).is_some_and(|f| f.in_format(Format::V1_4));
            if name.trim().is_empty() || known_14 || name == "toponyme" || columns.contains(name) {
                continue;
            }
            columns.push(name.clone());
            source_of.push(Some(i));
        }
        let toponyme_col = header.iter().position(|h| h == "toponyme");
        let col = |f: Field| columns.iter().position(|c| c == f.name()).unwrap_or(usize::MAX);
        let (c_voie, c_numero, c_suffixe, c_deleguee, c_cle) = (
            col(Field::VoieNom),
            col(Field::Numero),
            col(Field::Suffixe),
            col(Field::CommuneDelegueeInsee),
            col(Field::CleInterop),
        );
        let mut draft = Self {
            commune: base.commune.to_owned(),
            commune_nom: base.commune_nom.to_owned(),
            origin: base.origin,
            with_ban_ids: false,
            id_ban_commune: None,
            voies: Vec::new(),
            numeros: Vec::new(),
            other_rows: Vec::new(),
            source: DEFAULT_SOURCE.to_owned(),
            next_id: 1,
            columns,
        };
        let today = base.today.iso();
        let mut sources: BTreeMap<String, usize> = BTreeMap::new();
        let mut all_ids = !table.rows.is_empty();
        let mut voie_index: HashMap<String, usize> = HashMap::new();
        let mut numero_index: HashMap<(usize, (u32, String)), usize> = HashMap::new();
        for raw in &table.rows {
            let mut cells: Vec<String> = source_of
                .iter()
                .map(|s| s.and_then(|i| raw.get(i)).cloned().unwrap_or_default())
                .collect();
            if cells[c_voie].trim().is_empty()
                && let Some(t) = toponyme_col.and_then(|i| raw.get(i))
            {
                cells[c_voie].clone_from(t);
            }
            if base.origin == Origin::Ban && draft.cell(&cells, Field::DateDerMaj).is_empty() {
                draft.set(&mut cells, Field::DateDerMaj, today.clone());
            }
            let source = draft.cell(&cells, Field::Source);
            if !source.is_empty() {
                *sources.entry(source.to_owned()).or_default() += 1;
            }
            let ids = [Field::IdBanCommune, Field::IdBanToponyme, Field::IdBanAdresse]
                .map(|f| draft.cell(&cells, f).to_owned());
            // As the validator counts a row "with BAN ids": a lieu-dit row needs no address id.
            let lieu_dit = draft.cell(&cells, Field::Numero) == "99999";
            all_ids &= ids.iter().take(if lieu_dit { 2 } else { 3 }).all(|i| is_uuid_v4(i));
            if draft.id_ban_commune.is_none() && is_uuid_v4(&ids[0]) {
                draft.id_ban_commune = Some(ids[0].clone());
            }
            let nom = cells[c_voie].trim().to_owned();
            let numero = geocommun_model::Numero::parse(&format!(
                "{} {}",
                cells[c_numero].trim(),
                cells[c_suffixe].trim()
            ));
            let (Some(numero), false) = (numero, nom.is_empty()) else {
                draft.other_rows.push(cells);
                continue;
            };
            let deleguee = Some(cells[c_deleguee].trim().to_uppercase()).filter(|d| !d.is_empty());
            let key = voie_key(deleguee.as_deref(), &nom);
            let v = if let Some(&v) = voie_index.get(&key) {
                v
            } else {
                let id = draft.new_id('v');
                let template = draft.voie_template(&cells);
                draft.voies.push(Voie {
                    id,
                    nom: nom.clone(),
                    kind: VoieKind::Toponyme,
                    code: None,
                    ban_id: None,
                    deleguee,
                    rows: Vec::new(),
                    template,
                    renamed: None,
                });
                voie_index.insert(key, draft.voies.len() - 1);
                draft.voies.len() - 1
            };
            let mut cle = Some(cells[c_cle].trim().to_owned()).filter(|c| !c.is_empty());
            if draft.voies[v].code.is_none() {
                draft.voies[v].code =
                    cle.as_deref().and_then(cle_parts).map(|(_, code)| code.to_owned());
            }
            if cle.is_none() && base.origin == Origin::Ban {
                // BAN data without a key (BANO, lieux-dits): the BAL needs one on every row.
                let suffixe = Some(cells[c_suffixe].trim()).filter(|s| !s.is_empty());
                let k = ops::new_cle(
                    &draft.commune,
                    draft.voies[v].code.as_deref(),
                    numero.number,
                    suffixe,
                );
                cells[c_cle].clone_from(&k);
                cle = Some(k);
            }
            let voie = &mut draft.voies[v];
            if voie.ban_id.is_none() && is_uuid_v4(&ids[1]) {
                voie.ban_id = Some(ids[1].clone());
            }
            if numero.number == LIEU_DIT_NUMBER {
                voie.rows.push(cells);
                continue;
            }
            voie.kind = VoieKind::Voie;
            let voie_id = voie.id.clone();
            let suffixe = Some(cells[c_suffixe].trim().to_owned()).filter(|s| !s.is_empty());
            let nk = numero_key(numero.number, suffixe.as_deref());
            let certified = draft.cell(&cells, Field::CertificationCommune) == "1";
            let position = draft.position_of(cells);
            let n = if let Some(&n) = numero_index.get(&(v, nk.clone())) {
                n
            } else {
                let id = draft.new_id('n');
                let complement = Some(
                    draft
                        .cell(position.row.as_deref().unwrap_or(&[]), Field::LieuditComplementNom)
                        .to_owned(),
                )
                .filter(|c| !c.is_empty());
                draft.numeros.push(Numero {
                    id,
                    voie: voie_id,
                    numero: numero.number,
                    suffixe,
                    lieudit_complement: complement,
                    certifie: false,
                    positions: Vec::new(),
                    cle_interop: cle.clone(),
                    ban_id: None,
                    edited: None,
                    certification_set: false,
                    voie_changed: false,
                });
                numero_index.insert((v, nk), draft.numeros.len() - 1);
                draft.numeros.len() - 1
            };
            let num = &mut draft.numeros[n];
            num.certifie |= certified;
            if num.cle_interop.is_none() {
                num.cle_interop = cle;
            }
            if num.ban_id.is_none() && is_uuid_v4(&ids[2]) {
                num.ban_id = Some(ids[2].clone());
            }
            num.positions.push(position);
        }
        draft.with_ban_ids = all_ids;
        if let Some((s, _)) = sources.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) {
            draft.source = s;
        }
        for n in &mut draft.numeros {
            // Best first, like the consolidation (stable: the base's order among equals).
            n.positions.sort_by_key(|p| position_priority(&p.kind));
        }
        Ok(draft)
    }

    /// Gives BAN ids to the voies and numbers that carry none, from a lookup by the
    /// consolidation's keys (the ids the national base gives them now).
    pub fn attach_ban_ids(
        &mut self,
        voie: impl Fn(&str) -> Option<String>,
        numero: impl Fn(&str) -> Option<String>,
    ) {
        let mut keys: HashMap<String, String> = HashMap::new();
        for v in &mut self.voies {
            let key = v.key();
            if v.ban_id.is_none() {
                v.ban_id = voie(&key);
            }
            keys.insert(v.id.clone(), key);
        }
        for n in &mut self.numeros {
            if n.ban_id.is_none()
                && let Some(vk) = keys.get(&n.voie)
            {
                let (number, suffix) = numero_key(n.numero, n.suffixe.as_deref());
                n.ban_id = numero(&format!("{vk}|{number}|{suffix}"));
            }
        }
    }

    fn new_id(&mut self, prefix: char) -> String {
        let id = format!("{prefix}{}", self.next_id);
        self.next_id += 1;
        id
    }

    fn column(&self, f: Field) -> Option<usize> {
        self.columns.iter().position(|c| c == f.name())
    }

    fn cell<'c>(&self, cells: &'c [String], f: Field) -> &'c str {
        self.column(f).and_then(|i| cells.get(i)).map_or("", |s| s.trim())
    }

    fn set(&self, cells: &mut [String], f: Field, value: String) {
        if let Some(c) = self.column(f).and_then(|i| cells.get_mut(i)) {
            *c = value;
        }
    }

    /// Whether column `i` describes the voie (kept for new rows of it).
    fn voie_level(&self, i: usize) -> bool {
        let name = self.columns[i].as_str();
        match Field::from_name(name) {
            Some(f) => matches!(
                f,
                Field::VoieNom
                    | Field::CommuneInsee
                    | Field::CommuneNom
                    | Field::CommuneDelegueeInsee
                    | Field::CommuneDelegueeNom
                    | Field::Source
                    | Field::IdBanCommune
                    | Field::IdBanToponyme
            ),
            None => crate::schema::parse_regional(name).is_some_and(|(f, _)| {
                matches!(f, Field::VoieNom | Field::CommuneNom | Field::CommuneDelegueeNom)
            }),
        }
    }

    fn voie_template(&self, cells: &[String]) -> Vec<String> {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| if self.voie_level(i) { c.clone() } else { String::new() })
            .collect()
    }

    /// The cells of a new voie of the commune (no déléguée).
    fn commune_template(&self, nom: &str) -> Vec<String> {
        let mut cells = vec![String::new(); self.columns.len()];
        self.set(&mut cells, Field::CommuneInsee, self.commune.clone());
        self.set(&mut cells, Field::CommuneNom, self.commune_nom.clone());
        self.set(&mut cells, Field::Source, self.source.clone());
        self.set(&mut cells, Field::VoieNom, nom.to_owned());
        if self.with_ban_ids
            && let Some(id) = &self.id_ban_commune
        {
            self.set(&mut cells, Field::IdBanCommune, id.clone());
        }
        cells
    }

    fn position_of(&self, cells: Vec<String>) -> Position {
        let kind = canonical_position(self.cell(&cells, Field::Position)).unwrap_or_default();
        let num = |f| self.cell(&cells, f).replace(',', ".").parse::<f64>().ok();
        let coords = match (num(Field::Long), num(Field::Lat)) {
            (Some(lon), Some(lat)) if lon.is_finite() && lat.is_finite() => Some([lon, lat]),
            _ => None,
        };
        Position { kind: kind.to_owned(), coords, row: Some(cells), moved: false }
    }

    pub fn voie(&self, id: &str) -> Option<&Voie> {
        self.voies.iter().find(|v| v.id == id)
    }

    pub fn numero(&self, id: &str) -> Option<&Numero> {
        self.numeros.iter().find(|n| n.id == id)
    }

    /// The numbers of a voie.
    pub fn numeros_of<'a>(&'a self, voie: &'a str) -> impl Iterator<Item = &'a Numero> + 'a {
        self.numeros.iter().filter(move |n| n.voie == voie)
    }

    /// Where to show a voie: a lieu-dit's (or a voie's) 99999 row, else the mean of its
    /// numbers' first positions.
    pub fn voie_position(&self, v: &Voie) -> Option<(f64, f64)> {
        for r in &v.rows {
            if let Some([lon, lat]) = self.position_of(r.clone()).coords {
                return Some((lon, lat));
            }
        }
        let pts: Vec<(f64, f64)> = self
            .numeros_of(&v.id)
            .filter_map(|n| n.positions.first()?.coords)
            .map(|[lon, lat]| (lon, lat))
            .collect();
        (!pts.is_empty()).then(|| {
            let k = pts.len() as f64;
            (pts.iter().map(|p| p.0).sum::<f64>() / k, pts.iter().map(|p| p.1).sum::<f64>() / k)
        })
    }

    /// Whether new objects get BAN ids (the base carried them on every row).
    pub fn with_ban_ids(&self) -> bool {
        self.with_ban_ids
    }

    /// The draft as a BAL 1.4 file: UTF-8, `;`, LF; voie by voie (lieu-dit rows first, then
    /// the numbers in order), then the rows that belong to no voie. Cells the editor did not
    /// change are written as the base had them.
    pub fn to_bal(&self) -> String {
        let mut out = String::new();
        write_record(&mut out, self.columns.iter().map(String::as_str), Newline::Lf);
        let mut by_voie: HashMap<&str, Vec<&Numero>> = HashMap::new();
        for n in &self.numeros {
            by_voie.entry(n.voie.as_str()).or_default().push(n);
        }
        for v in &self.voies {
            for r in &v.rows {
                let mut cells = r.clone();
                self.voie_cells(v, &mut cells);
                if let Some(date) = &v.renamed {
                    self.set(&mut cells, Field::DateDerMaj, date.clone());
                }
                write_record(&mut out, cells.iter().map(String::as_str), Newline::Lf);
            }
            let mut numeros = by_voie.remove(v.id.as_str()).unwrap_or_default();
            numeros.sort_by(|a, b| {
                numero_key(a.numero, a.suffixe.as_deref())
                    .cmp(&numero_key(b.numero, b.suffixe.as_deref()))
                    .then_with(|| a.id.cmp(&b.id))
            });
            for n in numeros {
                for p in &n.positions {
                    let cells = self.numero_cells(v, n, p);
                    write_record(&mut out, cells.iter().map(String::as_str), Newline::Lf);
                }
            }
        }
        for r in &self.other_rows {
            write_record(&mut out, r.iter().map(String::as_str), Newline::Lf);
        }
        out
    }

    /// Writes the voie's name, déléguée and BAN id into `cells` where they differ.
    fn voie_cells(&self, v: &Voie, cells: &mut [String]) {
        let raw = self.cell(cells, Field::VoieNom);
        if v.renamed.is_some() || fold(raw) != fold(&v.nom) {
            self.set(cells, Field::VoieNom, v.nom.clone());
        }
        let deleguee = self.cell(cells, Field::CommuneDelegueeInsee).to_uppercase();
        if deleguee != v.deleguee.clone().unwrap_or_default() {
            for f in [Field::CommuneDelegueeInsee, Field::CommuneDelegueeNom] {
                let value = self.cell(&v.template, f).to_owned();
                self.set(cells, f, value);
            }
        }
        if self.with_ban_ids
            && let Some(id) = &v.ban_id
        {
            self.set(cells, Field::IdBanToponyme, id.clone());
        }
    }

    fn numero_cells(&self, v: &Voie, n: &Numero, p: &Position) -> Vec<String> {
        let mut cells = p.row.clone().unwrap_or_else(|| {
            let mut c = v.template.clone();
            self.set(&mut c, Field::VoieNom, v.nom.clone());
            c
        });
        let new = p.row.is_none();
        self.voie_cells(v, &mut cells);
        let raw_numero = self.cell(&cells, Field::Numero);
        if raw_numero.parse::<u32>().ok() != Some(n.numero) || raw_numero.starts_with('0') {
            self.set(&mut cells, Field::Numero, n.numero.to_string());
        }
        if self.cell(&cells, Field::Suffixe) != n.suffixe.as_deref().unwrap_or("") {
            self.set(&mut cells, Field::Suffixe, n.suffixe.clone().unwrap_or_default());
        }
        if self.cell(&cells, Field::CleInterop) != n.cle_interop.as_deref().unwrap_or("") {
            self.set(&mut cells, Field::CleInterop, n.cle_interop.clone().unwrap_or_default());
        }
        if canonical_position(self.cell(&cells, Field::Position)) != Some(p.kind.as_str()) {
            self.set(&mut cells, Field::Position, p.kind.clone());
        }
        if (p.moved || new)
            && let Some([lon, lat]) = p.coords
        {
            self.set(&mut cells, Field::Long, format!("{lon:.7}"));
            self.set(&mut cells, Field::Lat, format!("{lat:.7}"));
            let (east, north) = match project(Some(lon), Some(lat)) {
                Legal::Projected(e, n) => (format!("{e:.2}"), format!("{n:.2}")),
                Legal::Invalid | Legal::Outside => (String::new(), String::new()),
            };
            self.set(&mut cells, Field::X, east);
            self.set(&mut cells, Field::Y, north);
        }
        if n.certification_set || new {
            self.set(&mut cells, Field::CertificationCommune, u8::from(n.certifie).to_string());
        }
        let dates = [n.edited.as_deref(), v.renamed.as_deref()];
        if let Some(date) = dates.into_iter().flatten().max() {
            self.set(&mut cells, Field::DateDerMaj, date.to_owned());
        }
        if self.with_ban_ids {
            if let Some(id) = &self.id_ban_commune {
                self.set(&mut cells, Field::IdBanCommune, id.clone());
            }
            if let Some(id) = &n.ban_id {
                self.set(&mut cells, Field::IdBanAdresse, id.clone());
            }
        }
        if n.voie_changed
            && let Some(i) = self.columns.iter().position(|c| c == Field::UidAdresse.name())
        {
            // The street token names the voie it came from: the consolidation takes the
            // voie's id from its other rows.
            let kept: Vec<&str> = cells[i]
                .split_whitespace()
                .filter(|t| !t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("@v:")))
                .collect();
            cells[i] = kept.join(" ");
        }
        cells
    }
}

/// The canonical spelling of a position type (`Entree` → `entrée`), `None` if unknown or empty.
pub(crate) fn canonical_position(raw: &str) -> Option<&'static str> {
    match crate::values::read_value(Field::Position, raw, false, &ops::value_context()).value {
        Some(crate::values::Value::Position(c)) => Some(c),
        _ => None,
    }
}

/// The consolidation's order of position types (entrée first … segment last, unknown after).
fn position_priority(kind: &str) -> usize {
    POSITIONS.iter().position(|p| *p == kind).unwrap_or(POSITIONS.len())
}
