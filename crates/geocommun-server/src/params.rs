//! Parameters of `/search` and `/reverse`, read from a query string (or from the JSON params
//! of a `/batch` operation) into engine requests. Parsing never panics: every problem becomes
//! a line saying which parameter is wrong and what to give instead.

use geocommun_model::LonLat;
use geocommun_search::limits::{LIMIT_MAX, QUERY_MAX_CHARS};
use geocommun_search::{Filters, ResultType};

use crate::error::{ApiError, ErrorCode};

/// Most values one filter (`type`, `postcode`, `citycode`) may carry (addok's limit).
pub const FILTER_MAX_VALUES: usize = 10;

/// Accepted names of the latitude and longitude parameters.
pub const LAT_NAMES: [&str; 2] = ["lat", "latitude"];
pub const LON_NAMES: [&str; 4] = ["lon", "lng", "long", "longitude"];

/// The decoded `name=value` pairs of a query string, in order. Bad percent-encoding is kept
/// as text and invalid UTF-8 replaced (lossy), so reading a query string never fails.
#[derive(Clone, Debug, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The last non-empty value of any of these names (a repeated single-valued parameter
    /// keeps its last value, as addok-server does; an empty value counts as absent).
    pub fn last(&self, names: &[&str]) -> Option<(&str, &str)> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| names.contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Every value of a multi-valued parameter: repeated, or separated by `,`, `+` or spaces.
    pub fn all(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (k, v) in &self.0 {
            if k == name {
                for part in v.split(|c: char| c == ',' || c == '+' || c.is_whitespace()) {
                    if !part.is_empty() && !out.iter().any(|o| o == part) {
                        out.push(part.to_owned());
                    }
                }
            }
        }
        out
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.trim().is_empty())
    }
}

/// A value echoed in a message, cut so that a huge parameter does not make a huge error.
pub fn echo(v: &str) -> String {
    const MAX: usize = 40;
    if v.chars().count() <= MAX {
        v.to_owned()
    } else {
        let cut: String = v.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Filters as given, for the `filters` object of the response: several values joined by `+`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterEcho {
    pub types: Option<String>,
    pub postcodes: Option<String>,
    pub citycodes: Option<String>,
}

/// A validated search.
#[derive(Clone, Debug)]
pub struct SearchParams {
    pub q: String,
    pub limit: usize,
    pub autocomplete: bool,
    pub center: Option<LonLat>,
    pub filters: Filters,
    pub echo: FilterEcho,
    pub explain: bool,
}

/// A validated reverse query.
#[derive(Clone, Debug)]
pub struct ReverseParams {
    pub point: LonLat,
    pub limit: usize,
    pub filters: Filters,
    pub echo: FilterEcho,
}

/// Defaults that differ between the GET routes and `/batch`.
#[derive(Clone, Copy, Debug)]
pub struct Defaults {
    pub limit: usize,
    pub autocomplete: bool,
}

impl Defaults {
    pub const SEARCH: Self = Self { limit: 5, autocomplete: true };
    pub const REVERSE: Self = Self { limit: 1, autocomplete: false };
}

pub fn parse_search(p: &Pairs, d: Defaults) -> Result<SearchParams, ApiError> {
    let mut errors = Vec::new();
    let q = p.last(&["q"]).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let n = q.chars().count();
    if n > QUERY_MAX_CHARS {
        return Err(ApiError::new(
            ErrorCode::QueryTooLong,
            format!(
                "q is {n} characters long; the maximum is {QUERY_MAX_CHARS}: shorten the query"
            ),
        ));
    }
    if q.is_empty() {
        errors
            .push("q is required: give the text to search, e.g. q=8 bd du port amiens".to_owned());
    }
    let limit = parse_limit(p, d.limit, &mut errors);
    let autocomplete = parse_bool(p, "autocomplete", d.autocomplete, &mut errors);
    let explain = parse_bool(p, "explain", false, &mut errors);
    let center = parse_point(p, false, &mut errors);
    let (filters, echo) = parse_filters(p, &mut errors);
    parse_index(p, &mut errors);
    if errors.is_empty() {
        Ok(SearchParams { q, limit, autocomplete, center, filters, echo, explain })
    } else {
        Err(ApiError::many(ErrorCode::InvalidParameter, errors))
    }
}

pub fn parse_reverse(p: &Pairs, d: Defaults) -> Result<ReverseParams, ApiError> {
    let mut errors = Vec::new();
    let limit = parse_limit(p, d.limit, &mut errors);
    let point = parse_point(p, true, &mut errors);
    let (filters, echo) = parse_filters(p, &mut errors);
    parse_index(p, &mut errors);
    match point {
        Some(point) if errors.is_empty() => Ok(ReverseParams { point, limit, filters, echo }),
        _ => Err(ApiError::many(ErrorCode::InvalidParameter, errors)),
    }
}

fn parse_limit(p: &Pairs, default: usize, errors: &mut Vec<String>) -> usize {
    let Some((_, v)) = p.last(&["limit"]) else { return default };
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=LIMIT_MAX).contains(&n) => n,
        _ => {
            errors.push(format!(
                "limit must be an integer between 1 and {LIMIT_MAX}; got '{}'",
                echo(v)
            ));
            default
        }
    }
}

/// `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`.
pub fn bool_value(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn parse_bool(p: &Pairs, name: &str, default: bool, errors: &mut Vec<String>) -> bool {
    let Some((_, v)) = p.last(&[name]) else { return default };
    bool_value(v).unwrap_or_else(|| {
        errors.push(format!("{name} must be 1 or 0 (or true/false); got '{}'", echo(v)));
        default
    })
}

/// A coordinate: a finite decimal number in range.
pub fn coordinate(v: &str, lat: bool) -> Option<f64> {
    let x: f64 = v.trim().parse().ok()?;
    let max = if lat { 90.0 } else { 180.0 };
    (x.is_finite() && (-max..=max).contains(&x)).then_some(x)
}

fn parse_point(p: &Pairs, required: bool, errors: &mut Vec<String>) -> Option<LonLat> {
    let lat = p.last(&LAT_NAMES);
    let lon = p.last(&LON_NAMES);
    let mut one = |found: Option<(&str, &str)>, is_lat: bool| -> Option<f64> {
        let (name, v) = found?;
        let c = coordinate(v, is_lat);
        if c.is_none() {
            let range = if is_lat { "-90 and 90" } else { "-180 and 180" };
            errors.push(format!(
                "{name} must be a decimal number of degrees between {range} (WGS-84, dot as decimal separator); got '{}'",
                echo(v)
            ));
        }
        c
    };
    let (la, lo) = (one(lat, true), one(lon, false));
    match (lat, lon) {
        (None, None) if required => {
            errors.push(
                "lat and lon are required: give the point, e.g. lat=48.8566&lon=2.3522".to_owned(),
            );
            None
        }
        (None, None) => None,
        (Some(_), None) => {
            errors.push("lon is missing: give lat and lon together (or neither)".to_owned());
            None
        }
        (None, Some(_)) => {
            errors.push("lat is missing: give lat and lon together (or neither)".to_owned());
            None
        }
        (Some(_), Some(_)) => Some(LonLat::new(lo?, la?)),
    }
}

/// A 5-digit postcode.
pub fn valid_postcode(v: &str) -> bool {
    v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit())
}

/// An INSEE code (5 digits, or `2A`/`2B` and 3 digits for Corsica), upper-cased.
pub fn normalise_citycode(v: &str) -> Option<String> {
    let up = v.to_ascii_uppercase();
    let b = up.as_bytes();
    let ok = b.len() == 5
        && (b.iter().all(u8::is_ascii_digit)
            || (b[0] == b'2'
                && matches!(b[1], b'A' | b'B')
                && b[2..].iter().all(u8::is_ascii_digit)));
    ok.then_some(up)
}

const TYPE_NAMES: &str = "housenumber, street, locality, municipality";

fn parse_filters(p: &Pairs, errors: &mut Vec<String>) -> (Filters, FilterEcho) {
    let mut filters = Filters::default();
    let mut echo_out = FilterEcho::default();
    let too_many = |name: &str, n: usize, errors: &mut Vec<String>| {
        if n > FILTER_MAX_VALUES {
            errors.push(format!("{name} accepts at most {FILTER_MAX_VALUES} values; got {n}"));
            true
        } else {
            false
        }
    };

    let types = p.all("type");
    if !types.is_empty() && !too_many("type", types.len(), errors) {
        for t in &types {
            match ResultType::parse(&t.to_ascii_lowercase()) {
                Some(rt) if !filters.types.contains(&rt) => filters.types.push(rt),
                Some(_) => {}
                None => errors.push(format!(
                    "type must be one of {TYPE_NAMES} (several separated by ','); got '{}'",
                    echo(t)
                )),
            }
        }
        echo_out.types =
            Some(filters.types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("+"));
    }

    let postcodes = p.all("postcode");
    if !postcodes.is_empty() && !too_many("postcode", postcodes.len(), errors) {
        for v in &postcodes {
            if valid_postcode(v) {
                filters.postcodes.push(v.clone());
            } else {
                errors.push(format!(
                    "postcode must be a 5-digit code postal, e.g. 75001; got '{}'",
                    echo(v)
                ));
            }
        }
        echo_out.postcodes = Some(filters.postcodes.join("+"));
    }

    let citycodes = p.all("citycode");
    if !citycodes.is_empty() && !too_many("citycode", citycodes.len(), errors) {
        for v in &citycodes {
            match normalise_citycode(v) {
                Some(c) if !filters.citycodes.contains(&c) => filters.citycodes.push(c),
                Some(_) => {}
                None => errors.push(format!(
                    "citycode must be a 5-character INSEE code, e.g. 75056 or 2A004; got '{}'",
                    echo(v)
                )),
            }
        }
        echo_out.citycodes = Some(filters.citycodes.join("+"));
    }
    (filters, echo_out)
}

/// `index` (Géoplateforme): only `address` is served here.
fn parse_index(p: &Pairs, errors: &mut Vec<String>) {
    for v in p.all("index") {
        match v.to_ascii_lowercase().as_str() {
            "address" => {}
            "poi" | "parcel" => errors.push(format!(
                "index={v} is not supported by this server: it only serves index=address (BAN addresses); \
                 remove the index parameter or set index=address"
            )),
            _ => errors.push(format!("index must be address; got '{}'", echo(&v))),
        }
    }
}

/// The parameters of a `/batch` operation (a JSON object) as query-string pairs, so that they
/// go through the very same validation as the GET routes. Strings, numbers and booleans are
/// values; arrays are repeated values; `filters` is an object of filters (addok-server).
pub fn pairs_from_json(
    params: &serde_json::Map<String, serde_json::Value>,
) -> Result<Pairs, String> {
    use serde_json::Value;
    fn scalar(name: &str, v: &Value) -> Result<Option<String>, String> {
        Ok(match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
            Value::Array(_) | Value::Object(_) => {
                return Err(format!("{name} must be a string, a number or a boolean"));
            }
        })
    }
    fn push(out: &mut Vec<(String, String)>, name: &str, v: &Value) -> Result<(), String> {
        if let Value::Array(items) = v {
            for item in items {
                if let Some(s) = scalar(name, item)? {
                    out.push((name.to_owned(), s));
                }
            }
        } else if let Some(s) = scalar(name, v)? {
            out.push((name.to_owned(), s));
        }
        Ok(())
    }
    let mut out = Vec::new();
    for (k, v) in params {
        if k == "filters" {
            match v {
                Value::Object(f) => {
                    for (fk, fv) in f {
                        push(&mut out, fk, fv)?;
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(
                        "filters must be an object, e.g. {\"citycode\": \"59350\"}".to_owned()
                    );
                }
            }
        } else {
            push(&mut out, k, v)?;
        }
    }
    Ok(Pairs(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Pairs {
        Pairs::parse(Some(q))
    }

    #[test]
    fn multi_values_split_on_comma_plus_and_repetition() {
        let p = pairs(
            "type=street,housenumber&type=locality&postcode=75001+75002&citycode=75101%2075102",
        );
        assert_eq!(p.all("type"), ["street", "housenumber", "locality"]);
        assert_eq!(p.all("postcode"), ["75001", "75002"]);
        assert_eq!(p.all("citycode"), ["75101", "75102"]);
    }

    #[test]
    fn search_defaults_and_aliases() {
        let s = parse_search(&pairs("q=rue&lng=2.3&latitude=48.8"), Defaults::SEARCH).unwrap();
        assert_eq!(s.limit, 5);
        assert!(s.autocomplete);
        assert_eq!(s.center, Some(LonLat::new(2.3, 48.8)));
    }

    #[test]
    fn every_problem_is_reported() {
        let e = parse_search(
            &pairs("q=&limit=0&lat=abc&type=foo&autocomplete=maybe"),
            Defaults::SEARCH,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert!(e.detail.len() >= 5, "{:?}", e.detail);
    }

    #[test]
    fn citycodes_accept_corsica() {
        assert_eq!(normalise_citycode("2a004").as_deref(), Some("2A004"));
        assert_eq!(normalise_citycode("2C004"), None);
        assert_eq!(normalise_citycode("7510"), None);
    }

    #[test]
    fn json_params_become_pairs() {
        let v = serde_json::json!({"q": "lille", "lat": 50.6, "lon": "3.06", "filters": {"citycode": ["59350", "59000"]}, "type": "street+municipality"});
        let p = pairs_from_json(v.as_object().unwrap()).unwrap();
        assert_eq!(p.all("citycode"), ["59350", "59000"]);
        assert_eq!(p.last(&LAT_NAMES), Some(("lat", "50.6")));
        assert_eq!(p.all("type"), ["street", "municipality"]);
    }
}
