//! Writing BAL 1.3, 1.4 and 1.5 from typed rows, byte-stable (same rows → same bytes), and
//! reading them back (read → write → read gives the same values).

use geocommun_model::PositionKind;

use crate::cog::MiniCog;
use crate::csv::Newline;
use crate::read::{ReadError, read_table};
use crate::schema::{Field, Format};
use crate::values::{Ctx, Date, POSITIONS, Value, read_value};

/// One BAL row with typed values (what a commune publishes for one position of an address).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BalRow {
    pub cle_interop: Option<String>,
    pub uid_adresse: Option<String>,
    pub id_ban_commune: Option<String>,
    pub id_ban_toponyme: Option<String>,
    pub id_ban_adresse: Option<String>,
    /// The voie (1.3/1.4 `voie_nom`, 1.5 `toponyme`).
    pub voie_nom: String,
    pub lieudit_complement_nom: Option<String>,
    pub numero: u32,
    pub suffixe: Option<String>,
    pub commune_insee: String,
    pub commune_nom: String,
    pub commune_deleguee_insee: Option<String>,
    pub commune_deleguee_nom: Option<String>,
    pub position: Option<PositionKind>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub long: Option<f64>,
    pub lat: Option<f64>,
    pub cad_parcelles: Vec<String>,
    pub source: String,
    pub date_der_maj: Option<Date>,
    pub certification_commune: Option<bool>,
}

/// The canonical BAL spelling of a position kind (`cage d’escalier` with the typographic
/// apostrophe the reference validator requires; `inconnue` has no BAL spelling: empty).
pub fn position_str(kind: PositionKind) -> &'static str {
    match kind {
        PositionKind::Entree => POSITIONS[0],
        PositionKind::Batiment => POSITIONS[1],
        PositionKind::CageEscalier => POSITIONS[2],
        PositionKind::Logement => POSITIONS[3],
        PositionKind::ServiceTechnique => POSITIONS[4],
        PositionKind::DelivrancePostale => POSITIONS[5],
        PositionKind::Parcelle => POSITIONS[6],
        PositionKind::Segment => POSITIONS[7],
        PositionKind::Inconnue => "",
    }
}

/// Appends one CSV record (`;`-separated, quoted only when needed).
pub fn write_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>, nl: Newline) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        if f.contains([';', '"', '\n', '\r']) || f.starts_with(' ') && f.trim().is_empty() {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str(nl.as_str());
}

fn float(v: Option<f64>) -> String {
    v.map(|f| format!("{f}")).unwrap_or_default()
}

fn cell(row: &BalRow, field: Field, format: Format) -> String {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    match field {
        Field::CleInterop => opt(&row.cle_interop),
        Field::UidAdresse => opt(&row.uid_adresse),
        Field::IdBanCommune => opt(&row.id_ban_commune),
        Field::IdBanToponyme => opt(&row.id_ban_toponyme),
        Field::IdBanAdresse => opt(&row.id_ban_adresse),
        Field::VoieNom => row.voie_nom.clone(),
        Field::Toponyme => {
            if format == Format::V1_5 {
                row.voie_nom.clone()
            } else {
                String::new()
            }
        }
        Field::LieuditComplementNom => opt(&row.lieudit_complement_nom),
        Field::Numero => row.numero.to_string(),
        Field::Suffixe => opt(&row.suffixe),
        Field::CommuneInsee => row.commune_insee.clone(),
        Field::CommuneNom => row.commune_nom.clone(),
        Field::CommuneDelegueeInsee => opt(&row.commune_deleguee_insee),
        Field::CommuneDelegueeNom => opt(&row.commune_deleguee_nom),
        Field::Position => row.position.map(position_str).unwrap_or_default().to_owned(),
        Field::X => float(row.x),
        Field::Y => float(row.y),
        Field::Long => float(row.long),
        Field::Lat => float(row.lat),
        Field::CadParcelles => row.cad_parcelles.join("|"),
        Field::Source => row.source.clone(),
        Field::DateDerMaj => row.date_der_maj.map(Date::iso).unwrap_or_default(),
        Field::CertificationCommune => match row.certification_commune {
            Some(true) => "1".to_owned(),
            Some(false) => "0".to_owned(),
            None => String::new(),
        },
    }
}

/// Writes rows as a BAL of `format` (1.3, 1.4 or 1.5): UTF-8, `;`, LF, the format's columns
/// in schema order.
pub fn write_bal(rows: &[BalRow], format: Format) -> String {
    let fields: Vec<Field> = format.fields().collect();
    let mut out = String::new();
    write_record(&mut out, fields.iter().map(|f| f.name()), Newline::Lf);
    let mut cells: Vec<String> = Vec::with_capacity(fields.len());
    for r in rows {
        cells.clear();
        cells.extend(fields.iter().map(|f| cell(r, *f, format)));
        write_record(&mut out, cells.iter().map(String::as_str), Newline::Lf);
    }
    out
}

/// Reads a BAL into typed rows (values parsed with the validator's rules; a value the rules
/// reject is left empty). `toponyme` stands for `voie_nom` when `voie_nom` is absent.
pub fn read_bal(bytes: &[u8], cog: &MiniCog) -> Result<Vec<BalRow>, ReadError> {
    let table = read_table(bytes)?;
    let ctx = Ctx { cog, today: Date { year: 9999, month: 12, day: 31 } };
    let cols: Vec<Option<Field>> = table.header.iter().map(|h| Field::from_name(h)).collect();
    let mut out = Vec::with_capacity(table.rows.len());
    for r in &table.rows {
        let mut row = BalRow::default();
        for (c, raw) in r.iter().enumerate() {
            let Some(field) = cols[c] else { continue };
            let text = || raw.trim().to_owned();
            let some = || Some(raw.trim().to_owned()).filter(|s| !s.is_empty());
            let value = read_value(field, raw, false, &ctx).value;
            match field {
                Field::CleInterop => row.cle_interop = some(),
                Field::UidAdresse => row.uid_adresse = some(),
                Field::IdBanCommune => row.id_ban_commune = some(),
                Field::IdBanToponyme => row.id_ban_toponyme = some(),
                Field::IdBanAdresse => row.id_ban_adresse = some(),
                Field::VoieNom => row.voie_nom = text(),
                Field::Toponyme => {
                    if row.voie_nom.is_empty() {
                        row.voie_nom = text();
                    }
                }
                Field::LieuditComplementNom => row.lieudit_complement_nom = some(),
                Field::Numero => {
                    if let Some(Value::Numero(n)) = value {
                        row.numero = n;
                    }
                }
                Field::Suffixe => row.suffixe = some(),
                Field::CommuneInsee => row.commune_insee = text(),
                Field::CommuneNom => row.commune_nom = text(),
                Field::CommuneDelegueeInsee => row.commune_deleguee_insee = some(),
                Field::CommuneDelegueeNom => row.commune_deleguee_nom = some(),
                Field::Position => {
                    row.position = match value {
                        Some(Value::Position(p)) => {
                            PositionKind::ALL.iter().copied().find(|k| position_str(*k) == p)
                        }
                        _ => None,
                    }
                }
                Field::X | Field::Y | Field::Long | Field::Lat => {
                    let f = match value {
                        Some(Value::Float(f)) => Some(f),
                        _ => None,
                    };
                    match field {
                        Field::X => row.x = f,
                        Field::Y => row.y = f,
                        Field::Long => row.long = f,
                        _ => row.lat = f,
                    }
                }
                Field::CadParcelles => {
                    if let Some(Value::Parcelles(p)) = value {
                        row.cad_parcelles = crate::values::parcelles(p);
                    }
                }
                Field::Source => row.source = text(),
                Field::DateDerMaj => {
                    if let Some(Value::Date(d)) = value {
                        row.date_der_maj = Some(d);
                    }
                }
                Field::CertificationCommune => {
                    if let Some(Value::Bool(b)) = value {
                        row.certification_commune = Some(b);
                    }
                }
            }
        }
        out.push(row);
    }
    Ok(out)
}
