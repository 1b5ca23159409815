//! The editor's operations on a draft, checked with the validator's own rules before anything
//! changes.
//!
//! Every value an operation brings is read by [`crate::values::read_value`], the parser of the
//! validator itself, and refused when it raises any code the BAL 1.4 profile grades as an error
//! or a warning (a number 0 or over 99999, a suffix that does not start with a letter or a
//! digit, a name in capitals or shorter than 3 characters, an unknown position type…): what a
//! person types must be clean, not merely publishable. A few rules the validator cannot see in
//! one row are the editor's own (`editeur.*` codes): two voies of the same name, the same
//! number twice on a voie, a number on a lieu-dit. A refusal lists every problem of the
//! operation at once, each with its code, field and value; [`crate::messages::explain`] gives
//! the text (French or English).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::{
    Draft, LIEU_DIT_NUMBER, LIEU_DIT_POSITION, Numero, Position, Voie, VoieKind,
    canonical_position, numero_key, voie_key,
};
use crate::cog::MiniCog;
use crate::proj::{Legal, project};
use crate::schema::Field;
use crate::values::{Ctx, Date, Value, read_value};

/// Positions one number may have: a building has a handful of entrances; more is a mistake
/// (or an attempt to make the draft heavy).
pub const MAX_POSITIONS: usize = 20;

static NO_COG: LazyLock<MiniCog> = LazyLock::new(MiniCog::default);

/// The parser context of the fields an operation brings (none of them needs the COG).
pub(crate) fn value_context() -> Ctx<'static> {
    Ctx { cog: &NO_COG, today: Date { year: 9999, month: 12, day: 31 } }
}

/// What an operation needs besides the draft.
pub struct Context<'a> {
    /// The day of the operation: the `date_der_maj` of what it changes.
    pub today: Date,
    /// A new BAN id (UUID v4). Asked only for a new object of a draft whose base carries BAN
    /// ids, and only the first time the operation is applied: the id is then kept in the
    /// operation, so that applying it again gives the same draft.
    pub new_ban_id: &'a mut dyn FnMut() -> String,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("today", &self.today).finish_non_exhaustive()
    }
}

/// A number as given: a JSON integer or a string, read by the validator's `numero` parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumeroValue(pub String);

impl Serialize for NumeroValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NumeroValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => Ok(Self(n.to_string())),
            serde_json::Value::String(s) => Ok(Self(s)),
            other => Err(serde::de::Error::custom(format!(
                "a number is an integer such as 12 (the suffix goes in `suffixe`), not {other}"
            ))),
        }
    }
}

/// A position as given: `{"type": "entrée", "lon": 2.35, "lat": 48.85}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    #[serde(rename = "type")]
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
}

/// The changes of `update_numero`; absent fields stay as they are.
// `suffixe` is three-way, as in the JSON: absent (unchanged), `null` (removed), a value.
#[allow(clippy::option_option)]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateNumero {
    /// The number's id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numero: Option<NumeroValue>,
    /// `Some(None)`: remove the suffix.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    pub suffixe: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voie: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positions: Option<Vec<PositionInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certifie: Option<bool>,
}

/// A present field, `null` included: `Some(None)`.
#[allow(clippy::option_option)]
fn some<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// One edit of a draft. Its serde form is the one kept in the store's versions (the HTTP
/// layer has its own, `geocommun_server::routes::editor::OperationDto`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    AddVoie {
        nom: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ban_id: Option<String>,
    },
    RenameVoie {
        voie: String,
        nom: String,
    },
    /// Moves the numbers of `from` to `into`, then removes `from`.
    MergeVoies {
        from: String,
        into: String,
    },
    AddToponyme {
        nom: String,
        #[serde(default)]
        position: Option<[f64; 2]>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ban_id: Option<String>,
    },
    AddNumero {
        voie: String,
        numero: NumeroValue,
        #[serde(default)]
        suffixe: Option<String>,
        #[serde(default)]
        positions: Vec<PositionInput>,
        #[serde(default)]
        certifie: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ban_id: Option<String>,
    },
    UpdateNumero(UpdateNumero),
    /// Moves the first position of a number.
    MoveNumero {
        numero: String,
        lon: f64,
        lat: f64,
    },
    DeleteNumero {
        numero: String,
    },
    Certify {
        numeros: Vec<String>,
        certifie: bool,
    },
}

impl Operation {
    /// The `op` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AddVoie { .. } => "add_voie",
            Self::RenameVoie { .. } => "rename_voie",
            Self::MergeVoies { .. } => "merge_voies",
            Self::AddToponyme { .. } => "add_toponyme",
            Self::AddNumero { .. } => "add_numero",
            Self::UpdateNumero(_) => "update_numero",
            Self::MoveNumero { .. } => "move_numero",
            Self::DeleteNumero { .. } => "delete_numero",
            Self::Certify { .. } => "certify",
        }
    }
}

/// One problem of an operation: a code of the validator (`numero.trop_grand`) or of the
/// editor (`editeur.numero_existant`), the field and the value it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMessage {
    pub code: String,
    pub field: Option<String>,
    pub value: Option<String>,
}

impl RuleMessage {
    fn new(code: impl Into<String>, field: &str, value: impl Into<String>) -> Self {
        Self { code: code.into(), field: Some(field.to_owned()), value: Some(value.into()) }
    }
}

/// Why an operation was refused (the draft is unchanged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Values break the rules: every problem, in the order of the fields.
    Invalid(Vec<RuleMessage>),
    /// The operation names a voie or number the draft does not have.
    Unknown { what: &'static str, id: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(m) => {
                let codes: Vec<&str> = m.iter().map(|m| m.code.as_str()).collect();
                write!(f, "refused: {}", codes.join(", "))
            }
            Self::Unknown { what, id } => write!(f, "no {what} `{id}` in this draft"),
        }
    }
}

/// Problems collected over the fields of one operation.
#[derive(Default)]
struct Problems(Vec<RuleMessage>);

impl Problems {
    fn field(&mut self, field: Field, raw: &str) {
        for p in read_value(field, raw, false, &value_context()).problems.iter() {
            self.0.push(RuleMessage::new(
                format!("{}.{}", field.name(), p.as_str()),
                field.name(),
                raw,
            ));
        }
    }

    fn push(&mut self, code: &str, field: &str, value: impl Into<String>) {
        self.0.push(RuleMessage::new(code, field, value));
    }

    fn done(self) -> Result<(), Refusal> {
        if self.0.is_empty() { Ok(()) } else { Err(Refusal::Invalid(self.0)) }
    }
}

/// Trims, collapses white space and composes accents (NFC) of a typed name.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").nfc().collect()
}

/// The validated number (problems added otherwise).
fn check_numero(p: &mut Problems, v: &NumeroValue) -> Option<u32> {
    let raw = v.0.trim();
    let before = p.0.len();
    if raw.starts_with('-') {
        p.push("numero.type_invalide", "numero", raw);
        return None;
    }
    p.field(Field::Numero, raw);
    let Some(Value::Numero(n)) = read_value(Field::Numero, raw, false, &value_context()).value
    else {
        return None;
    };
    if n == LIEU_DIT_NUMBER {
        p.push("editeur.numero_lieu_dit", "numero", raw);
    }
    (p.0.len() == before).then_some(n)
}

/// The validated suffix: trimmed, `None` when empty.
fn check_suffixe(p: &mut Problems, raw: Option<&str>) -> Option<String> {
    let s = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let s: String = s.nfc().collect();
    p.field(Field::Suffixe, &s);
    Some(s)
}

/// The validated position (its canonical type).
fn check_position(p: &mut Problems, input: &PositionInput) -> Option<Position> {
    let before = p.0.len();
    let kind = input.kind.trim();
    if kind.is_empty() {
        p.push("row.position_manquante", "position", kind);
    }
    let canonical = canonical_position(kind);
    if canonical.is_none() && !kind.is_empty() {
        p.push("position.valeur_invalide", "position", kind);
    }
    check_coords(p, input.lon, input.lat);
    (p.0.len() == before).then(|| Position {
        kind: canonical.unwrap_or_default().to_owned(),
        coords: Some([input.lon, input.lat]),
        row: None,
        moved: true,
    })
}

/// Coordinates must be WGS 84 degrees inside a French territory (`row.longlat_invalides`).
fn check_coords(p: &mut Problems, lon: f64, lat: f64) {
    if !matches!(project(Some(lon), Some(lat)), Legal::Projected(..)) {
        p.push("row.longlat_invalides", "long/lat", format!("{lon}, {lat}"));
    }
}

fn check_positions(p: &mut Problems, inputs: &[PositionInput]) -> Vec<Position> {
    if inputs.is_empty() {
        p.push("row.longlat_vides", "positions", "[]");
        return Vec::new();
    }
    if inputs.len() > MAX_POSITIONS {
        p.push("editeur.positions_trop_nombreuses", "positions", inputs.len().to_string());
        return Vec::new();
    }
    let mut out: Vec<Position> = inputs.iter().filter_map(|i| check_position(p, i)).collect();
    out.sort_by_key(|pos| super::position_priority(&pos.kind));
    out
}

/// `71346_0090_00012_bis`: the commune and voie parts of `previous` when it has them (an
/// existing FANTOIR code is never replaced by `xxxx`), `new_code` when the number changes
/// voie, else `voie_code` (the voie's) or `xxxx`; the number on 5 digits and the suffix.
fn make_cle(
    commune: &str,
    previous: Option<&str>,
    new_code: Option<&str>,
    voie_code: Option<&str>,
    numero: u32,
    suffixe: Option<&str>,
) -> String {
    let parts = previous.and_then(super::cle_parts);
    let commune_part = parts.map_or(commune, |(c, _)| c);
    let voie_part = new_code.or(parts.map(|(_, v)| v)).or(voie_code).unwrap_or("xxxx");
    let mut cle = format!("{commune_part}_{voie_part}_{numero:05}");
    if let Some(s) = suffixe {
        cle.push('_');
        cle.extend(s.chars().filter(|c| !c.is_whitespace()));
    }
    cle.to_lowercase()
}

/// The `cle_interop` of a new number (or lieu-dit row, `numero` 99999) of a voie.
pub(super) fn new_cle(
    commune: &str,
    voie_code: Option<&str>,
    numero: u32,
    suffixe: Option<&str>,
) -> String {
    make_cle(commune, None, None, voie_code, numero, suffixe)
}

impl Draft {
    /// Applies `op`, or refuses it and leaves the draft unchanged. The operation is completed
    /// with what its first application decided (new BAN ids, cleaned names), so that applying
    /// the completed operation again to the same draft gives the same result.
    pub fn apply(&mut self, op: &mut Operation, cx: &mut Context<'_>) -> Result<(), Refusal> {
        let today = cx.today.iso();
        match op {
            Operation::AddVoie { nom, ban_id } => {
                let name = self.check_name(nom, None, None)?;
                nom.clone_from(&name);
                let ban_id = self.ban_id_for(ban_id, cx);
                let id = self.new_id('v');
                let template = self.commune_template(&name);
                self.voies.push(Voie {
                    id,
                    nom: name,
                    kind: VoieKind::Voie,
                    code: None,
                    ban_id,
                    deleguee: None,
                    rows: Vec::new(),
                    template,
                    renamed: None,
                });
            }
            Operation::RenameVoie { voie, nom } => {
                let v = self.voie_index(voie)?;
                let deleguee = self.voies[v].deleguee.clone();
                let name = self.check_name(nom, Some(voie), deleguee.as_deref())?;
                nom.clone_from(&name);
                let v = &mut self.voies[v];
                v.nom = name;
                v.renamed = Some(today);
            }
            Operation::MergeVoies { from, into } => self.merge(from, into, &today)?,
            Operation::AddToponyme { nom, position, ban_id } => {
                let mut p = Problems::default();
                if let Some([lon, lat]) = position {
                    check_coords(&mut p, *lon, *lat);
                }
                let name = match self.check_name(nom, None, None) {
                    Ok(n) => Some(n),
                    Err(Refusal::Invalid(m)) => {
                        p.0.extend(m);
                        None
                    }
                    Err(e) => return Err(e),
                };
                p.done()?;
                let name = name.unwrap_or_default();
                nom.clone_from(&name);
                let ban_id = self.ban_id_for(ban_id, cx);
                let id = self.new_id('v');
                let template = self.commune_template(&name);
                let mut row = template.clone();
                self.set(&mut row, Field::Numero, LIEU_DIT_NUMBER.to_string());
                let cle = new_cle(&self.commune, None, LIEU_DIT_NUMBER, None);
                self.set(&mut row, Field::CleInterop, cle);
                self.set(&mut row, Field::DateDerMaj, today.clone());
                if let Some([lon, lat]) = *position {
                    self.set(&mut row, Field::Position, LIEU_DIT_POSITION.to_owned());
                    self.set(&mut row, Field::Long, format!("{lon:.7}"));
                    self.set(&mut row, Field::Lat, format!("{lat:.7}"));
                    if let Legal::Projected(x, y) = project(Some(lon), Some(lat)) {
                        self.set(&mut row, Field::X, format!("{x:.2}"));
                        self.set(&mut row, Field::Y, format!("{y:.2}"));
                    }
                }
                if self.with_ban_ids
                    && let Some(b) = &ban_id
                {
                    self.set(&mut row, Field::IdBanToponyme, b.clone());
                }
                self.voies.push(Voie {
                    id,
                    nom: name,
                    kind: VoieKind::Toponyme,
                    code: None,
                    ban_id,
                    deleguee: None,
                    rows: vec![row],
                    template,
                    renamed: None,
                });
            }
            Operation::AddNumero { voie, numero, suffixe, positions, certifie, ban_id } => {
                let v = self.voie_index(voie)?;
                let mut p = Problems::default();
                if self.voies[v].kind == VoieKind::Toponyme {
                    p.push("editeur.numero_sur_lieu_dit", "voie", self.voies[v].nom.clone());
                }
                let n = check_numero(&mut p, numero);
                let s = check_suffixe(&mut p, suffixe.as_deref());
                let positions = check_positions(&mut p, positions);
                if let Some(n) = n
                    && let Some(other) = self.same_number(voie, n, s.as_deref(), None)
                {
                    p.push("editeur.numero_existant", "numero", label(other));
                }
                p.done()?;
                let n = n.unwrap_or_default();
                *numero = NumeroValue(n.to_string());
                suffixe.clone_from(&s);
                let ban_id = self.ban_id_for(ban_id, cx);
                let cle = new_cle(&self.commune, self.voies[v].code.as_deref(), n, s.as_deref());
                let id = self.new_id('n');
                self.numeros.push(Numero {
                    id,
                    voie: voie.clone(),
                    numero: n,
                    suffixe: s,
                    lieudit_complement: None,
                    certifie: *certifie,
                    positions,
                    cle_interop: Some(cle),
                    ban_id,
                    edited: Some(today),
                    certification_set: true,
                    voie_changed: false,
                });
            }
            Operation::UpdateNumero(u) => self.update(u, &today)?,
            Operation::MoveNumero { numero, lon, lat } => {
                let i = self.numero_index(numero)?;
                let mut p = Problems::default();
                check_coords(&mut p, *lon, *lat);
                p.done()?;
                let n = &mut self.numeros[i];
                match n.positions.first_mut() {
                    Some(first) => {
                        first.coords = Some([*lon, *lat]);
                        first.moved = true;
                    }
                    None => n.positions.push(Position {
                        kind: crate::values::POSITIONS[0].to_owned(),
                        coords: Some([*lon, *lat]),
                        row: None,
                        moved: true,
                    }),
                }
                n.edited = Some(today);
            }
            Operation::DeleteNumero { numero } => {
                let i = self.numero_index(numero)?;
                self.numeros.remove(i);
            }
            Operation::Certify { numeros, certifie } => {
                let mut indexes = Vec::with_capacity(numeros.len());
                for id in numeros.iter() {
                    indexes.push(self.numero_index(id)?);
                }
                for i in indexes {
                    let n = &mut self.numeros[i];
                    if n.certifie != *certifie || !n.certification_set {
                        n.certifie = *certifie;
                        n.certification_set = true;
                        n.edited = Some(today.clone());
                    }
                }
            }
        }
        Ok(())
    }

    fn voie_index(&self, id: &str) -> Result<usize, Refusal> {
        self.voies
            .iter()
            .position(|v| v.id == id)
            .ok_or_else(|| Refusal::Unknown { what: "voie", id: id.to_owned() })
    }

    fn numero_index(&self, id: &str) -> Result<usize, Refusal> {
        self.numeros
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(|| Refusal::Unknown { what: "numero", id: id.to_owned() })
    }

    /// A new BAN id when the draft's rows carry them (kept in the operation).
    fn ban_id_for(&self, slot: &mut Option<String>, cx: &mut Context<'_>) -> Option<String> {
        if !self.with_ban_ids {
            return None;
        }
        if slot.is_none() {
            *slot = Some((cx.new_ban_id)());
        }
        slot.clone()
    }

    /// A cleaned name that the validator accepts as `voie_nom` and that no other voie or
    /// lieu-dit of the same commune déléguée has (the consolidation would merge them).
    fn check_name(
        &self,
        raw: &str,
        except: Option<&str>,
        deleguee: Option<&str>,
    ) -> Result<String, Refusal> {
        let name = clean(raw);
        let mut p = Problems::default();
        if name.is_empty() {
            p.push("voie_nom.valeur_manquante", "voie_nom", raw);
            return p.done().map(|()| name);
        }
        p.field(Field::VoieNom, &name);
        let key = voie_key(deleguee, &name);
        if let Some(other) =
            self.voies.iter().find(|v| Some(v.id.as_str()) != except && v.key() == key)
        {
            p.push("editeur.voie_existante", "voie_nom", other.nom.clone());
        }
        p.done().map(|()| name)
    }

    /// Another number of `voie` with the same number and folded suffix.
    fn same_number(
        &self,
        voie: &str,
        numero: u32,
        suffixe: Option<&str>,
        except: Option<&str>,
    ) -> Option<&Numero> {
        let key = numero_key(numero, suffixe);
        self.numeros.iter().find(|n| {
            n.voie == voie
                && Some(n.id.as_str()) != except
                && numero_key(n.numero, n.suffixe.as_deref()) == key
        })
    }

    fn update(&mut self, u: &mut UpdateNumero, today: &str) -> Result<(), Refusal> {
        let i = self.numero_index(&u.id)?;
        let mut p = Problems::default();
        if u.numero.is_none()
            && u.suffixe.is_none()
            && u.voie.is_none()
            && u.positions.is_none()
            && u.certifie.is_none()
        {
            p.push("editeur.modification_vide", "numero", u.id.clone());
            return p.done();
        }
        let current = self.numeros[i].clone();
        let voie = match &u.voie {
            Some(v) => {
                let vi = self.voie_index(v)?;
                if self.voies[vi].kind == VoieKind::Toponyme {
                    p.push("editeur.numero_sur_lieu_dit", "voie", self.voies[vi].nom.clone());
                }
                v.clone()
            }
            None => current.voie.clone(),
        };
        let numero = match &u.numero {
            Some(v) => check_numero(&mut p, v),
            None => Some(current.numero),
        };
        let suffixe = match &u.suffixe {
            Some(s) => check_suffixe(&mut p, s.as_deref()),
            None => current.suffixe.clone(),
        };
        let positions = u.positions.as_ref().map(|ps| check_positions(&mut p, ps));
        if let Some(n) = numero
            && let Some(other) = self.same_number(&voie, n, suffixe.as_deref(), Some(&u.id))
        {
            p.push("editeur.numero_existant", "numero", label(other));
        }
        p.done()?;
        let numero = numero.unwrap_or(current.numero);
        if let Some(v) = &mut u.numero {
            *v = NumeroValue(numero.to_string());
        }
        if let Some(s) = &mut u.suffixe {
            s.clone_from(&suffixe);
        }
        let voie_code = self.voie(&voie).and_then(|v| v.code.clone());
        let new_voie_code =
            (voie != current.voie).then(|| voie_code.clone().unwrap_or_else(|| "xxxx".into()));
        let n = &mut self.numeros[i];
        let rekey = numero != n.numero || suffixe != n.suffixe || new_voie_code.is_some();
        if rekey {
            n.cle_interop = Some(make_cle(
                &self.commune,
                n.cle_interop.as_deref(),
                new_voie_code.as_deref(),
                voie_code.as_deref(),
                numero,
                suffixe.as_deref(),
            ));
        }
        n.voie_changed |= new_voie_code.is_some();
        n.voie = voie;
        n.numero = numero;
        n.suffixe = suffixe;
        if let Some(mut new) = positions {
            // Position i keeps the cells of the base's row i (parcels, source…).
            for (k, pos) in new.iter_mut().enumerate() {
                if let Some(old) = n.positions.get(k) {
                    pos.row.clone_from(&old.row);
                    pos.moved = old.coords != pos.coords;
                }
            }
            n.positions = new;
        }
        if let Some(c) = u.certifie {
            n.certifie = c;
            n.certification_set = true;
        }
        n.edited = Some(today.to_owned());
        Ok(())
    }

    fn merge(&mut self, from: &str, into: &str, today: &str) -> Result<(), Refusal> {
        let f = self.voie_index(from)?;
        let t = self.voie_index(into)?;
        let mut p = Problems::default();
        if f == t {
            p.push("editeur.fusion_meme_voie", "voie", self.voies[f].nom.clone());
            return p.done();
        }
        if self.voies[f].kind != self.voies[t].kind {
            p.push("editeur.fusion_types_differents", "voie", self.voies[f].nom.clone());
            return p.done();
        }
        let doubles: Vec<String> = self
            .numeros_of(from)
            .filter(|n| self.same_number(into, n.numero, n.suffixe.as_deref(), None).is_some())
            .map(label)
            .collect();
        if !doubles.is_empty() {
            p.push("editeur.fusion_numeros_en_double", "numero", doubles.join(", "));
        }
        p.done()?;
        if self.voies[t].code.is_none() {
            let code = self.voies[f].code.clone();
            self.voies[t].code = code;
        }
        let code = self.voies[t].code.clone();
        let commune = self.commune.clone();
        for n in self.numeros.iter_mut().filter(|n| n.voie == from) {
            into.clone_into(&mut n.voie);
            n.voie_changed = true;
            n.edited = Some(today.to_owned());
            if let Some(code) = &code {
                n.cle_interop = Some(make_cle(
                    &commune,
                    n.cle_interop.as_deref(),
                    Some(code),
                    None,
                    n.numero,
                    n.suffixe.as_deref(),
                ));
            }
        }
        self.voies.remove(f);
        Ok(())
    }
}

/// `12 bis`: a number as people read it.
fn label(n: &Numero) -> String {
    match &n.suffixe {
        Some(s) => format!("{} {s}", n.numero),
        None => n.numero.to_string(),
    }
}
