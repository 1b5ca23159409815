//! One CSV geocoding job: which columns make the query, the filters and the bias, which
//! result columns are added; and the geocoding of one row into its output fields.

use std::borrow::Cow;

use csv::ByteRecord;
use geocommun_model::LonLat;
use geocommun_search::{
    Engine, Filters, Hit, QueryError, ResultType, ReverseRequest, SearchRequest,
};

use crate::dto::round6;
use crate::error::{ApiError, ErrorCode};
use crate::params::{coordinate, normalise_citycode, valid_postcode};

use super::upload::CsvOptions;

/// Columns added by `/search/csv/` (api-adresse order).
pub const SEARCH_COLUMNS: [&str; 18] = [
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_score_next",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_name",
    "result_street",
    "result_postcode",
    "result_city",
    "result_context",
    "result_citycode",
    "result_oldcitycode",
    "result_oldcity",
    "result_district",
    "result_status",
];

/// Columns added by `/reverse/csv/` (api-adresse order).
pub const REVERSE_COLUMNS: [&str; 17] = [
    "result_latitude",
    "result_longitude",
    "result_distance",
    "result_label",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_name",
    "result_street",
    "result_postcode",
    "result_city",
    "result_context",
    "result_citycode",
    "result_oldcitycode",
    "result_oldcity",
    "result_district",
    "result_status",
];

/// Default names of the coordinate columns of `/reverse/csv/` (case-insensitive).
const REVERSE_LAT_DEFAULTS: [&str; 2] = ["latitude", "lat"];
const REVERSE_LON_DEFAULTS: [&str; 4] = ["longitude", "lon", "lng", "long"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Search,
    Reverse,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Reverse => "reverse",
        }
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Search => &SEARCH_COLUMNS,
            Self::Reverse => &REVERSE_COLUMNS,
        }
    }
}

/// `result_status` of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    NotFound,
    /// Nothing to geocode (empty query, empty coordinates).
    Skipped,
    /// The row cannot be geocoded (ragged, invalid coordinates or filter, query too long).
    Error,
}

impl Status {
    pub const ALL: [Self; 4] = [Self::Ok, Self::NotFound, Self::Skipped, Self::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotFound => "not-found",
            Self::Skipped => "skipped",
            Self::Error => "error",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Self::Ok => 0,
            Self::NotFound => 1,
            Self::Skipped => 2,
            Self::Error => 3,
        }
    }
}

/// The outcome of one row.
#[derive(Debug)]
pub struct Outcome {
    pub status: Status,
    pub hit: Option<Hit>,
    pub next_score: Option<f32>,
}

impl Outcome {
    fn status(status: Status) -> Self {
        Self { status, hit: None, next_score: None }
    }
}

/// A validated job.
#[derive(Clone, Debug)]
pub struct Job {
    pub op: Operation,
    pub header_len: usize,
    query_cols: Vec<usize>,
    postcode_col: Option<usize>,
    citycode_col: Option<usize>,
    lat_col: Option<usize>,
    lon_col: Option<usize>,
    types: Vec<ResultType>,
    /// The added columns, as indexes into [`Operation::columns`].
    pub out: Vec<usize>,
}

/// Finds a column: exact name first, then a unique case-insensitive match of trimmed names.
fn find_column(header: &[String], wanted: &str) -> Option<usize> {
    if let Some(i) = header.iter().position(|h| h == wanted) {
        return Some(i);
    }
    let w = wanted.trim().to_lowercase();
    let mut found =
        header.iter().enumerate().filter(|(_, h)| h.trim().to_lowercase() == w).map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

impl Job {
    /// Validates the options against the header. Every unknown column or invalid value is
    /// reported, with the available columns.
    pub fn new(op: Operation, header: &[String], o: &CsvOptions) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let available = list(header);
        let column = |opt: &str, name: &str, errors: &mut Vec<String>| -> Option<usize> {
            let c = find_column(header, name);
            if c.is_none() {
                errors.push(format!(
                    "{opt}: column '{}' is not in the file; available columns: {available}",
                    crate::params::echo(name)
                ));
            }
            c
        };
        let query_cols: Vec<usize> = if op == Operation::Search && !o.columns.is_empty() {
            o.columns.iter().filter_map(|c| column("columns", c, &mut errors)).collect()
        } else {
            (0..header.len()).collect()
        };
        let postcode_col = o.postcode.as_deref().and_then(|c| column("postcode", c, &mut errors));
        let citycode_col = o.citycode.as_deref().and_then(|c| column("citycode", c, &mut errors));
        let (lat_col, lon_col) = match op {
            Operation::Search => {
                let lat = o.lat.as_deref().and_then(|c| column("lat", c, &mut errors));
                let lon = o.lon.as_deref().and_then(|c| column("lon", c, &mut errors));
                if o.lat.is_some() != o.lon.is_some() {
                    errors.push(
                        "lat and lon name the bias columns together: give both or neither"
                            .to_owned(),
                    );
                }
                (lat, lon)
            }
            Operation::Reverse => {
                let by_default = |names: &[&str]| names.iter().find_map(|n| find_column(header, n));
                let lat = match o.lat.as_deref() {
                    Some(c) => column("lat", c, &mut errors),
                    None => by_default(&REVERSE_LAT_DEFAULTS).or_else(|| {
                        errors.push(format!(
                            "no latitude column: name one 'latitude' or 'lat', or give lat=<column>; available columns: {available}"
                        ));
                        None
                    }),
                };
                let lon = match o.lon.as_deref() {
                    Some(c) => column("lon", c, &mut errors),
                    None => by_default(&REVERSE_LON_DEFAULTS).or_else(|| {
                        errors.push(format!(
                            "no longitude column: name one 'longitude', 'lon' or 'lng', or give lon=<column>; available columns: {available}"
                        ));
                        None
                    }),
                };
                (lat, lon)
            }
        };
        let mut types = Vec::new();
        for v in &o.types {
            for t in v
                .split(|c: char| c == ',' || c == '+' || c.is_whitespace())
                .filter(|t| !t.is_empty())
            {
                match ResultType::parse(&t.to_ascii_lowercase()) {
                    Some(rt) if !types.contains(&rt) => types.push(rt),
                    Some(_) => {}
                    None => errors.push(format!(
                        "type must be one of housenumber, street, locality, municipality; got '{}'",
                        crate::params::echo(t)
                    )),
                }
            }
        }
        let all = op.columns();
        let out = if o.result_columns.is_empty() {
            (0..all.len()).collect()
        } else {
            let mut out = Vec::new();
            for c in &o.result_columns {
                match all.iter().position(|a| a == c) {
                    Some(i) if !out.contains(&i) => out.push(i),
                    Some(_) => {}
                    None => errors.push(format!(
                        "result_columns: '{}' is not a result column; available: {}",
                        crate::params::echo(c),
                        all.join(", ")
                    )),
                }
            }
            out
        };
        if !errors.is_empty() {
            return Err(ApiError::many(ErrorCode::InvalidParameter, errors));
        }
        Ok(Self {
            op,
            header_len: header.len(),
            query_cols,
            postcode_col,
            citycode_col,
            lat_col,
            lon_col,
            types,
            out,
        })
    }

    /// The names of the added columns, in order.
    pub fn out_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let all = self.op.columns();
        self.out.iter().map(move |&i| all[i])
    }

    /// Geocodes one row; a panic of the engine on this row (a bug) makes it an `error` row
    /// instead of cutting the output short.
    pub fn process_guarded(&self, engine: &Engine, rec: &ByteRecord) -> Outcome {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.process(engine, rec)))
            .unwrap_or_else(|_| {
                tracing::error!("the engine panicked on a CSV row");
                Outcome::status(Status::Error)
            })
    }

    /// Geocodes one row.
    pub fn process(&self, engine: &Engine, rec: &ByteRecord) -> Outcome {
        if rec.len() != self.header_len {
            return Outcome::status(Status::Error);
        }
        let Ok(filters) = self.filters(rec) else { return Outcome::status(Status::Error) };
        match self.op {
            Operation::Search => self.search(engine, rec, filters),
            Operation::Reverse => self.reverse(engine, rec, filters),
        }
    }

    fn search(&self, engine: &Engine, rec: &ByteRecord, filters: Filters) -> Outcome {
        let mut q = String::new();
        for &c in &self.query_cols {
            // Line breaks and tabs inside a quoted field are spaces in the query.
            for word in field(rec, c).split(|ch: char| ch.is_whitespace() || ch.is_control()) {
                if !word.is_empty() {
                    if !q.is_empty() {
                        q.push(' ');
                    }
                    q.push_str(word);
                }
            }
        }
        if q.is_empty() {
            return Outcome::status(Status::Skipped);
        }
        let center = match (self.lat_col, self.lon_col) {
            (Some(la), Some(lo)) => match point(rec, la, lo) {
                Ok(p) => p,
                Err(()) => return Outcome::status(Status::Error),
            },
            _ => None,
        };
        let req =
            SearchRequest { q, limit: 2, autocomplete: false, center, filters, explain: false };
        match engine.search_first(&req) {
            Ok((Some(hit), next_score)) => {
                Outcome { status: Status::Ok, hit: Some(hit), next_score }
            }
            Ok((None, _)) | Err(QueryError::Empty) => Outcome::status(Status::NotFound),
            Err(QueryError::TooLong(_)) => Outcome::status(Status::Error),
        }
    }

    fn reverse(&self, engine: &Engine, rec: &ByteRecord, filters: Filters) -> Outcome {
        let (Some(la), Some(lo)) = (self.lat_col, self.lon_col) else {
            return Outcome::status(Status::Error);
        };
        let p = match point(rec, la, lo) {
            Ok(Some(p)) => p,
            Ok(None) => return Outcome::status(Status::Skipped),
            Err(()) => return Outcome::status(Status::Error),
        };
        let mut hits = engine.reverse(&ReverseRequest { point: p, limit: 1, filters });
        match hits.pop() {
            Some(hit) => Outcome { status: Status::Ok, hit: Some(hit), next_score: None },
            None => Outcome::status(Status::NotFound),
        }
    }

    fn filters(&self, rec: &ByteRecord) -> Result<Filters, ()> {
        let mut f = Filters { types: self.types.clone(), ..Filters::default() };
        if let Some(c) = self.postcode_col {
            let v = field(rec, c);
            let v = v.trim();
            if !v.is_empty() {
                // A postcode that lost its leading zero in a spreadsheet (1000 for 01000).
                let v = if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
                    format!("0{v}")
                } else {
                    v.to_owned()
                };
                if !valid_postcode(&v) {
                    return Err(());
                }
                f.postcodes.push(v);
            }
        }
        if let Some(c) = self.citycode_col {
            let v = field(rec, c);
            let v = v.trim();
            if !v.is_empty() {
                let v = if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
                    format!("0{v}")
                } else {
                    v.to_owned()
                };
                f.citycodes.push(normalise_citycode(&v).ok_or(())?);
            }
        }
        Ok(f)
    }
}

fn field(rec: &ByteRecord, i: usize) -> Cow<'_, str> {
    String::from_utf8_lossy(rec.get(i).unwrap_or_default())
}

/// A point from two columns: `None` when both are empty; an error when one is missing or
/// invalid. A decimal comma is accepted (French spreadsheets).
fn point(rec: &ByteRecord, la: usize, lo: usize) -> Result<Option<LonLat>, ()> {
    let (lat, lon) = (field(rec, la), field(rec, lo));
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let lat = coordinate(&lat.replace(',', "."), true).ok_or(())?;
    let lon = coordinate(&lon.replace(',', "."), false).ok_or(())?;
    Ok(Some(LonLat::new(lon, lat)))
}

fn num(v: f64) -> String {
    round6(v).to_string()
}

/// The value of an added column for an outcome (borrowed from it where it holds the text).
pub fn value<'a>(col: &str, o: &'a Outcome) -> Cow<'a, str> {
    if col == "result_status" {
        return Cow::Borrowed(o.status.as_str());
    }
    let Some(h) = &o.hit else { return Cow::Borrowed("") };
    let opt = |v: &'a Option<String>| Cow::Borrowed(v.as_deref().unwrap_or_default());
    match col {
        "latitude" | "result_latitude" => Cow::Owned(num(h.position.lat)),
        "longitude" | "result_longitude" => Cow::Owned(num(h.position.lon)),
        "result_distance" => Cow::Owned(
            h.distance.map(|d| (d.max(0.0).round() as u64).to_string()).unwrap_or_default(),
        ),
        "result_label" => Cow::Borrowed(&h.label),
        "result_score" => Cow::Owned(num(f64::from(h.score))),
        "result_score_next" => {
            Cow::Owned(o.next_score.map(|s| num(f64::from(s))).unwrap_or_default())
        }
        "result_type" => Cow::Borrowed(h.result_type.as_str()),
        "result_id" => Cow::Borrowed(&h.id),
        "result_housenumber" => opt(&h.housenumber),
        "result_name" => Cow::Borrowed(&h.name),
        "result_street" => opt(&h.street),
        "result_postcode" => Cow::Borrowed(&h.postcode),
        "result_city" => Cow::Borrowed(&h.city),
        "result_context" => Cow::Borrowed(&h.context),
        "result_citycode" => Cow::Borrowed(&h.citycode),
        "result_oldcitycode" => opt(&h.oldcitycode),
        "result_oldcity" => opt(&h.oldcity),
        "result_district" => opt(&h.district),
        _ => Cow::Borrowed(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn unknown_columns_are_all_named_with_the_available_ones() {
        let o = CsvOptions {
            columns: vec!["adresse".into(), "nope".into()],
            postcode: Some("cp".into()),
            ..CsvOptions::default()
        };
        let e = Job::new(Operation::Search, &header(&["adresse", "ville"]), &o).unwrap_err();
        assert_eq!(e.detail.len(), 2);
        assert!(
            e.detail[0].contains("'nope'") && e.detail[0].contains("'adresse', 'ville'"),
            "{e:?}"
        );
    }

    #[test]
    fn case_insensitive_fallback() {
        assert_eq!(find_column(&header(&["Adresse", "Ville"]), "ville"), Some(1));
        assert_eq!(find_column(&header(&["a", "A"]), "a"), Some(0));
        assert_eq!(find_column(&header(&["x", "X"]), " X "), None);
    }

    #[test]
    fn reverse_needs_coordinate_columns() {
        let e = Job::new(Operation::Reverse, &header(&["id"]), &CsvOptions::default()).unwrap_err();
        assert_eq!(e.detail.len(), 2);
        let j =
            Job::new(Operation::Reverse, &header(&["id", "LAT", "lng"]), &CsvOptions::default())
                .unwrap();
        assert_eq!((j.lat_col, j.lon_col), (Some(1), Some(2)));
    }

    #[test]
    fn result_columns_restrict_and_are_validated() {
        let o = CsvOptions {
            result_columns: vec!["result_id".into(), "latitude".into()],
            ..CsvOptions::default()
        };
        let j = Job::new(Operation::Search, &header(&["a"]), &o).unwrap();
        assert_eq!(j.out_names().collect::<Vec<_>>(), ["result_id", "latitude"]);
        let o =
            CsvOptions { result_columns: vec!["result_distance".into()], ..CsvOptions::default() };
        assert!(Job::new(Operation::Search, &header(&["a"]), &o).is_err());
    }
}
