//! The export layouts and how one commune is written in each.

use std::fmt::Write as _;
use std::str::FromStr;

use geocommun_bal::proj::{Legal, project};
use geocommun_model::text::fold;
use geocommun_model::{Address, CommuneAddresses, LonLat, Street, StreetKind};
use serde_json::{Map, Value, json};

/// An export layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// The BAN CSV (`adresses-XX.csv`, 23 columns, `;`), one row per address.
    BanCsv,
    /// The same with `id_ban_adresse`, `id_ban_toponyme`, `id_ban_commune`.
    BanCsvWithIds,
    /// BAL 1.4: one row per position, lieux-dits as number 99999.
    Bal,
    /// A GeoJSON FeatureCollection of addresses.
    GeoJson,
    /// The addok NDJSON (municipality, street and locality documents).
    Addok,
}

impl Format {
    pub const ALL: [Format; 5] =
        [Self::BanCsv, Self::BanCsvWithIds, Self::Bal, Self::GeoJson, Self::Addok];

    /// The name in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BanCsv => "ban",
            Self::BanCsvWithIds => "ban-with-ids",
            Self::Bal => "bal",
            Self::GeoJson => "geojson",
            Self::Addok => "addok",
        }
    }

    /// The file name of an export of `scope` (`75`, `71346`, `france`), gzip included.
    pub fn file_name(self, scope: &str) -> String {
        match self {
            Self::BanCsv => format!("adresses-{scope}.csv.gz"),
            Self::BanCsvWithIds => format!("adresses-with-ids-{scope}.csv.gz"),
            Self::Bal => format!("adresses-bal-{scope}.csv.gz"),
            Self::GeoJson => format!("adresses-{scope}.geojson.gz"),
            Self::Addok => format!("adresses-addok-{scope}.ndjson.gz"),
        }
    }

    /// The media type of the uncompressed content.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::BanCsv | Self::BanCsvWithIds | Self::Bal => "text/csv",
            Self::GeoJson => "application/geo+json",
            Self::Addok => "application/x-ndjson",
        }
    }

    /// What comes before the first commune.
    pub fn header(self, cursor: i64) -> Vec<u8> {
        let mut s = String::new();
        match self {
            Self::BanCsv | Self::BanCsvWithIds => {
                s.push_str(BAN_COLUMNS);
                if self == Self::BanCsvWithIds {
                    s.push_str(";id_ban_adresse;id_ban_toponyme;id_ban_commune");
                }
                s.push('\n');
            }
            Self::Bal => {
                s.push_str(BAL_COLUMNS);
                s.push('\n');
            }
            Self::GeoJson => {
                let _ = write!(
                    s,
                    "{{\"type\":\"FeatureCollection\",\"feed_cursor\":{cursor},\"features\":["
                );
            }
            Self::Addok => {}
        }
        s.into_bytes()
    }

    /// What comes after the last commune.
    pub fn footer(self) -> &'static [u8] {
        match self {
            Self::GeoJson => b"]}\n",
            _ => b"",
        }
    }

    /// Appends `c` to `out`; returns the rows (CSV), features or documents written. GeoJSON
    /// features are separated by commas but the first has none (the caller adds the one
    /// between communes).
    pub fn write_commune(self, c: &CommuneAddresses, out: &mut Vec<u8>) -> u64 {
        match self {
            Self::BanCsv | Self::BanCsvWithIds => ban_csv(c, self == Self::BanCsvWithIds, out),
            Self::Bal => bal(c, out),
            Self::GeoJson => geojson(c, out),
            Self::Addok => addok(c, out),
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|f| f.as_str() == s.trim()).ok_or_else(|| {
            format!(
                "`{s}` is not an export format; give one of ban, ban-with-ids, bal, geojson, addok"
            )
        })
    }
}

const BAN_COLUMNS: &str = "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;\
    code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;\
    libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;cad_parcelles";

const BAL_COLUMNS: &str = "id_ban_commune;id_ban_toponyme;id_ban_adresse;cle_interop;commune_insee;\
    commune_nom;commune_deleguee_insee;commune_deleguee_nom;voie_nom;lieudit_complement_nom;numero;\
    suffixe;position;x;y;long;lat;cad_parcelles;source;date_der_maj;certification_commune";

/// Legal projection (Lambert-93 in metropolitan France), empty outside every territory.
fn xy(p: LonLat) -> (String, String) {
    match project(Some(p.lon), Some(p.lat)) {
        Legal::Projected(x, y) => (format!("{x:.2}"), format!("{y:.2}")),
        _ => (String::new(), String::new()),
    }
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new().delimiter(b';').has_headers(false).from_writer(out)
}

fn upper_ascii(s: &str) -> String {
    fold(s).to_uppercase()
}

/// A FANTOIR-like street code (`71346_0090`), else nothing.
fn fantoir(s: &Street) -> &str {
    match &s.code {
        Some(c) if c.split_once('_').is_some_and(|(_, k)| k.len() == 4) => c,
        _ => "",
    }
}

fn postcode<'a>(a: &'a Address, s: &'a Street) -> &'a str {
    a.postcode.as_deref().or(s.postcode.as_deref()).unwrap_or("")
}

/// `bal` when the commune comes from its BAL (it has a BAN id), `fallback` otherwise.
fn source(c: &CommuneAddresses) -> &'static str {
    if c.ban_id.is_some() { "commune" } else { "inconnue" }
}

#[allow(clippy::many_single_char_names)]
fn ban_csv(c: &CommuneAddresses, ids: bool, out: &mut Vec<u8>) -> u64 {
    let mut rows = 0;
    let acheminement = upper_ascii(c.parent.as_ref().map_or(&c.name, |(_, n)| n));
    let commune_id = c.ban_id.map(|i| i.to_string()).unwrap_or_default();
    let mut w = csv_writer(out);
    for s in &c.streets {
        let afnor = upper_ascii(&s.name);
        let (old_code, old_name) =
            s.old_commune.as_ref().map_or(("", ""), |(c, n)| (c.as_str(), n.as_str()));
        let street_id = s.ban_id.map(|i| i.to_string()).unwrap_or_default();
        for a in &s.addresses {
            let Some(p) = a.best_position() else { continue };
            let (x, y) = xy(p.point);
            let mut rec: Vec<String> = vec![
                a.cle_interop.clone().unwrap_or_default(),
                fantoir(s).to_owned(),
                a.numero.number.to_string(),
                a.numero.suffix.clone().unwrap_or_default(),
                s.name.clone(),
                postcode(a, s).to_owned(),
                c.code.as_str().to_owned(),
                c.name.clone(),
                old_code.to_owned(),
                old_name.to_owned(),
                x,
                y,
                format!("{:.6}", p.point.lon),
                format!("{:.6}", p.point.lat),
                p.kind.as_bal_str().to_owned(),
                String::new(),
                if s.kind == StreetKind::LieuDit { s.name.clone() } else { String::new() },
                acheminement.clone(),
                afnor.clone(),
                source(c).to_owned(),
                source(c).to_owned(),
                u8::from(a.certified).to_string(),
                String::new(),
            ];
            if ids {
                rec.push(a.ban_id.map(|i| i.to_string()).unwrap_or_default());
                rec.push(street_id.clone());
                rec.push(commune_id.clone());
            }
            if w.write_record(&rec).is_ok() {
                rows += 1;
            }
        }
    }
    let _ = w.flush();
    rows
}

fn bal(c: &CommuneAddresses, out: &mut Vec<u8>) -> u64 {
    let mut rows = 0;
    // BAL 1.4: the three ids on every row or on none.
    let with_ids = c.ban_id.is_some()
        && c.streets
            .iter()
            .all(|s| s.ban_id.is_some() && s.addresses.iter().all(|a| a.ban_id.is_some()));
    let id = |i: Option<geocommun_model::BanId>| {
        if with_ids { i.map(|i| i.to_string()).unwrap_or_default() } else { String::new() }
    };
    let src = if c.ban_id.is_some() { "commune" } else { "BAN" };
    let mut w = csv_writer(out);
    let mut row = |w: &mut csv::Writer<&mut Vec<u8>>,
                   s: &Street,
                   a: Option<&Address>,
                   kind: &str,
                   p: LonLat| {
        let (x, y) = xy(p);
        let (old_code, old_name) =
            s.old_commune.as_ref().map_or(("", ""), |(c, n)| (c.as_str(), n.as_str()));
        let rec = [
            id(c.ban_id),
            id(s.ban_id),
            a.map(|a| id(a.ban_id)).unwrap_or_default(),
            a.and_then(|a| a.cle_interop.clone()).unwrap_or_default(),
            c.code.as_str().to_owned(),
            c.name.clone(),
            old_code.to_owned(),
            old_name.to_owned(),
            s.name.clone(),
            String::new(),
            a.map_or_else(|| "99999".to_owned(), |a| a.numero.number.to_string()),
            a.and_then(|a| a.numero.suffix.clone()).unwrap_or_default(),
            kind.to_owned(),
            x,
            y,
            format!("{:.7}", p.lon),
            format!("{:.7}", p.lat),
            String::new(),
            src.to_owned(),
            String::new(),
            a.map_or("0", |a| if a.certified { "1" } else { "0" }).to_owned(),
        ];
        if w.write_record(&rec).is_ok() {
            rows += 1;
        }
    };
    for s in &c.streets {
        if s.kind == StreetKind::LieuDit
            && s.addresses.is_empty()
            && let Some(p) = s.position
        {
            row(&mut w, s, None, "segment", p);
        }
        for a in &s.addresses {
            for p in &a.positions {
                row(&mut w, s, Some(a), p.kind.as_bal_str(), p.point);
            }
        }
    }
    let _ = w.flush();
    rows
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

fn geojson(c: &CommuneAddresses, out: &mut Vec<u8>) -> u64 {
    let mut n = 0;
    for s in &c.streets {
        for a in &s.addresses {
            let Some(p) = a.best_position() else { continue };
            if n > 0 {
                out.push(b',');
            }
            let f = json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.point.lon, p.point.lat]},
                "properties": {
                    "id": a.ban_id.map(|i| i.to_string()),
                    "cle_interop": a.cle_interop,
                    "numero": a.numero.number,
                    "suffixe": a.numero.suffix,
                    "nom_voie": s.name,
                    "id_ban_toponyme": s.ban_id.map(|i| i.to_string()),
                    "code_postal": opt(Some(postcode(a, s)).filter(|p| !p.is_empty())),
                    "code_insee": c.code.as_str(),
                    "nom_commune": c.name,
                    "type_position": p.kind.as_bal_str(),
                    "certification_commune": a.certified,
                },
            });
            if serde_json::to_writer(&mut *out, &f).is_ok() {
                n += 1;
            }
        }
    }
    n
}

/// addok's importance: `(ln(1 + population / 3) + ln(1 + numbers)) / 20`.
fn importance(population: u32, numbers: usize) -> f64 {
    ((1.0 + f64::from(population) / 3.0).ln() + (1.0 + numbers as f64).ln()) / 20.0
}

fn centre(s: &Street) -> Option<LonLat> {
    s.position.or_else(|| {
        let pts: Vec<LonLat> =
            s.addresses.iter().filter_map(Address::best_position).map(|p| p.point).collect();
        (!pts.is_empty()).then(|| LonLat {
            lon: pts.iter().map(|p| p.lon).sum::<f64>() / pts.len() as f64,
            lat: pts.iter().map(|p| p.lat).sum::<f64>() / pts.len() as f64,
        })
    })
}

fn addok(c: &CommuneAddresses, out: &mut Vec<u8>) -> u64 {
    let mut docs = 0;
    let code = c.code.as_str();
    let plm = c.parent.as_ref();
    let mut push = |v: &Value, out: &mut Vec<u8>| {
        if serde_json::to_writer(&mut *out, v).is_ok() {
            out.push(b'\n');
            docs += 1;
        }
    };
    let pos = c.position.or_else(|| c.streets.iter().find_map(centre));
    let mut m = Map::new();
    m.insert("type".into(), "municipality".into());
    m.insert("id".into(), code.into());
    m.insert("banId".into(), c.ban_id.map(|i| i.to_string()).into());
    m.insert("name".into(), c.name.clone().into());
    m.insert("postcode".into(), c.postcodes.clone().into());
    m.insert("citycode".into(), code.into());
    if let Some(p) = pos {
        m.insert("lon".into(), p.lon.into());
        m.insert("lat".into(), p.lat.into());
    }
    m.insert("population".into(), c.population.into());
    m.insert("city".into(), c.name.clone().into());
    m.insert("context".into(), c.context.clone().into());
    m.insert("importance".into(), importance(c.population, 0).into());
    push(&Value::Object(m), out);
    for s in &c.streets {
        let (old_code, old_name) =
            s.old_commune.as_ref().map(|(c, n)| (c.as_str(), n.as_str())).unzip();
        let citycode: Vec<&str> = match plm {
            Some((p, _)) => vec![code, p.as_str()],
            None => std::iter::once(code).chain(old_code).collect(),
        };
        let city: Vec<&str> = plm
            .map(|(_, n)| n.as_str())
            .into_iter()
            .chain([c.name.as_str()])
            .chain(old_name)
            .collect();
        let mut d = Map::new();
        let locality = s.kind == StreetKind::LieuDit && s.addresses.is_empty();
        d.insert("type".into(), if locality { "locality" } else { "street" }.into());
        d.insert(
            "id".into(),
            s.code
                .clone()
                .unwrap_or_else(|| format!("{code}_{}", fold(&s.name).replace(' ', "_")))
                .into(),
        );
        d.insert("banId".into(), s.ban_id.map(|i| i.to_string()).into());
        let name = match (locality, old_name) {
            (true, Some(o)) => format!("{} ({o})", s.name),
            _ => s.name.clone(),
        };
        d.insert("name".into(), name.into());
        if let Some(p) = &s.postcode {
            d.insert("postcode".into(), p.clone().into());
        }
        d.insert("citycode".into(), citycode.into());
        if let Some(o) = old_code {
            d.insert("oldcitycode".into(), o.into());
            d.insert("oldcity".into(), old_name.into());
        }
        if let Some(p) = centre(s) {
            d.insert("lon".into(), p.lon.into());
            d.insert("lat".into(), p.lat.into());
        }
        d.insert("city".into(), city.into());
        if plm.is_some() {
            d.insert("district".into(), c.name.clone().into());
        }
        d.insert("context".into(), c.context.clone().into());
        d.insert("importance".into(), importance(c.population, s.addresses.len().max(1)).into());
        let mut hns = Map::new();
        for a in &s.addresses {
            let Some(p) = a.best_position() else { continue };
            hns.insert(
                a.numero.to_string(),
                json!({
                    "id": a.cle_interop,
                    "banId": a.ban_id.map(|i| i.to_string()),
                    "lon": p.point.lon,
                    "lat": p.point.lat,
                }),
            );
        }
        if !hns.is_empty() {
            d.insert("housenumbers".into(), hns.into());
        }
        push(&Value::Object(d), out);
    }
    docs
}
