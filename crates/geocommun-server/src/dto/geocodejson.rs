//! The GeoCodeJSON body of `/search/` and `/reverse/`, written field by field on the hot path.
//!
//! The derived [`serde::Serialize`] of [`FeatureCollection`] is the reference: this writer gives
//! the same bytes (tested on real answers, and on strings that need escaping), only faster.
//! serde_json escapes every key and string it writes, about a hundred per page of five
//! results; here the keys are constant bytes and a string that needs no escaping (almost all:
//! names, ids, postcodes) is copied as it is. Numbers and the strings that do need escaping go
//! through serde_json, so their formatting is serde_json's own. An answer with `_explain`
//! (debugging) is left to the derived implementation.

use serde::Serialize;

use super::{Feature, FeatureCollection, FiltersDto, Properties};

/// The body of `fc`, byte for byte what `serde_json::to_writer(out, fc)` writes.
pub(super) fn write(fc: &FeatureCollection, out: &mut Vec<u8>) -> serde_json::Result<()> {
    if fc.features.iter().any(|f| f.properties.explain.is_some()) {
        return serde_json::to_writer(out, fc);
    }
    let mut w = Writer { out };
    w.raw(b"{\"type\":");
    w.str(fc.kind)?;
    w.raw(b",\"version\":");
    w.str(fc.version)?;
    w.raw(b",\"features\":[");
    for (i, f) in fc.features.iter().enumerate() {
        if i > 0 {
            w.raw(b",");
        }
        w.feature(f)?;
    }
    w.raw(b"],\"attribution\":");
    w.str(fc.attribution)?;
    w.raw(b",\"licence\":");
    w.str(fc.licence)?;
    if let Some(q) = &fc.query {
        w.raw(b",\"query\":");
        w.str(q)?;
    }
    w.raw(b",\"filters\":");
    w.filters(&fc.filters)?;
    w.raw(b",\"center\":");
    w.num(&fc.center)?;
    w.raw(b",\"limit\":");
    w.num(&fc.limit)?;
    w.raw(b"}");
    Ok(())
}

/// Whether a string has a byte JSON escapes (a control character, `"` or `\\`), tested eight
/// bytes at a time (the classic "has a zero byte" / "has a byte less than n" word tricks).
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS != 0;
    let (chunks, rest) = s.as_chunks::<8>();
    chunks.iter().any(|c| {
        let v = u64::from_ne_bytes(*c);
        // Bytes < 0x20 (no false positive: a byte ≥ 0x80 has its high bit set in `v`).
        v.wrapping_sub(0x20 * ONES) & !v & HIGHS != 0
            || has_zero(v ^ (u64::from(b'"') * ONES))
            || has_zero(v ^ (u64::from(b'\\') * ONES))
    }) || rest.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// A JSON string: copied between quotes when nothing in it needs escaping.
    fn str(&mut self, s: &str) -> serde_json::Result<()> {
        if needs_escape(s.as_bytes()) {
            return serde_json::to_writer(&mut *self.out, s);
        }
        self.out.reserve(s.len() + 2);
        self.out.push(b'"');
        self.out.extend_from_slice(s.as_bytes());
        self.out.push(b'"');
        Ok(())
    }

    fn num<T: Serialize>(&mut self, v: &T) -> serde_json::Result<()> {
        serde_json::to_writer(&mut *self.out, v)
    }

    /// `,"key":"value"` when there is a value.
    fn opt_str(&mut self, key: &[u8], v: Option<&str>) -> serde_json::Result<()> {
        if let Some(v) = v {
            self.raw(key);
            self.str(v)?;
        }
        Ok(())
    }

    fn opt_num<T: Serialize>(&mut self, key: &[u8], v: Option<T>) -> serde_json::Result<()> {
        if let Some(v) = v {
            self.raw(key);
            self.num(&v)?;
        }
        Ok(())
    }

    fn filters(&mut self, f: &FiltersDto) -> serde_json::Result<()> {
        self.raw(b"{");
        let mut first = true;
        for (key, v) in [
            (&b"\"type\":"[..], &f.kind),
            (b"\"postcode\":", &f.postcode),
            (b"\"citycode\":", &f.citycode),
        ] {
            if let Some(v) = v {
                if !first {
                    self.raw(b",");
                }
                first = false;
                self.raw(key);
                self.str(v)?;
            }
        }
        self.raw(b"}");
        Ok(())
    }

    fn feature(&mut self, f: &Feature) -> serde_json::Result<()> {
        self.raw(b"{\"type\":");
        self.str(f.kind)?;
        self.raw(b",\"geometry\":{\"type\":");
        self.str(f.geometry.kind)?;
        self.raw(b",\"coordinates\":");
        self.num(&f.geometry.coordinates)?;
        self.raw(b"},\"properties\":");
        self.properties(&f.properties)?;
        self.raw(b"}");
        Ok(())
    }

    fn properties(&mut self, p: &Properties) -> serde_json::Result<()> {
        self.raw(b"{\"label\":");
        self.str(&p.label)?;
        self.opt_num(b",\"score\":", p.score)?;
        self.opt_str(b",\"housenumber\":", p.housenumber.as_deref())?;
        self.raw(b",\"id\":");
        self.str(&p.id)?;
        self.opt_str(b",\"banId\":", p.ban_id.as_deref())?;
        self.raw(b",\"name\":");
        self.str(&p.name)?;
        self.raw(b",\"postcode\":");
        self.str(&p.postcode)?;
        self.raw(b",\"citycode\":");
        self.str(&p.citycode)?;
        self.opt_num(b",\"x\":", p.x)?;
        self.opt_num(b",\"y\":", p.y)?;
        self.raw(b",\"city\":");
        self.str(&p.city)?;
        self.opt_str(b",\"district\":", p.district.as_deref())?;
        self.opt_str(b",\"oldcitycode\":", p.oldcitycode.as_deref())?;
        self.opt_str(b",\"oldcity\":", p.oldcity.as_deref())?;
        self.raw(b",\"context\":");
        self.str(&p.context)?;
        self.raw(b",\"type\":");
        self.str(p.kind)?;
        self.raw(b",\"importance\":");
        self.num(&p.importance)?;
        self.opt_str(b",\"street\":", p.street.as_deref())?;
        self.opt_num(b",\"population\":", p.population)?;
        self.opt_num(b",\"distance\":", p.distance)?;
        self.raw(b",\"_type\":");
        self.str(p.index)?;
        self.raw(b"}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{Point, Properties};

    fn properties(label: &str) -> Properties {
        Properties {
            label: label.to_owned(),
            score: Some(0.973_412),
            housenumber: Some("8bis".into()),
            id: "75104_8490_00008_bis".into(),
            ban_id: Some("b0b6a0e5-2c8e-4c5a-9f52-7c2b1d9f1f10".into()),
            name: "8bis Rue Saint-Antoine".into(),
            postcode: "75004".into(),
            citycode: "75104".into(),
            x: Some(653_412.37),
            y: Some(6_861_870.1),
            city: "Paris".into(),
            district: Some("Paris 4e Arrondissement".into()),
            oldcitycode: None,
            oldcity: Some("Ancienne \"commune\"".into()),
            context: "75, Paris, Île-de-France".into(),
            kind: "housenumber",
            importance: 0.675_4,
            street: Some("Rue Saint-Antoine".into()),
            population: None,
            distance: Some(12),
            index: "address",
            explain: None,
        }
    }

    fn collection(labels: &[&str], filters: FiltersDto) -> FeatureCollection {
        let features = labels
            .iter()
            .map(|l| Feature {
                kind: "Feature",
                geometry: Point { kind: "Point", coordinates: [2.361_944, 48.853_01] },
                properties: properties(l),
            })
            .collect();
        FeatureCollection::new(
            features,
            Some("8 bis rue \\ \"st\" antoine\u{1}".into()),
            filters,
            None,
            5,
        )
    }

    fn both(fc: &FeatureCollection) -> (String, String) {
        let mut fast = Vec::new();
        write(fc, &mut fast).unwrap();
        (String::from_utf8(fast).unwrap(), serde_json::to_string(fc).unwrap())
    }

    /// Every byte that needs escaping is found at every position of a chunk and of the rest,
    /// and no other byte (ASCII, UTF-8) is taken for one.
    #[test]
    fn finds_every_byte_to_escape_and_no_other() {
        let base = "Rue de l'Église Saint-Éloi 75012 Paris, 12e";
        for len in 0..base.len() {
            let Some(plain) = base.get(..len) else { continue };
            assert!(!needs_escape(plain.as_bytes()), "{plain:?}");
            for at in 0..=len {
                if !plain.is_char_boundary(at) {
                    continue;
                }
                for c in ['"', '\\', '\n', '\t', '\u{0}', '\u{1f}'] {
                    let s = format!("{}{c}{}", &plain[..at], &plain[at..]);
                    assert!(needs_escape(s.as_bytes()), "{s:?}");
                }
            }
        }
        for b in 0u8..=0x7f {
            let s = [b'a', b'b', b'c', b, b'e', b'f', b'g', b'h', b'i'];
            assert_eq!(needs_escape(&s), b < 0x20 || b == b'"' || b == b'\\', "{b}");
        }
    }

    #[test]
    fn writes_what_serde_json_writes_with_escapes_and_every_optional_field() {
        let all = FiltersDto {
            kind: Some("housenumber".into()),
            postcode: Some("75004".into()),
            citycode: Some("75104\t".into()),
        };
        for fc in [
            collection(
                &["8bis Rue Saint-Antoine 75004 Paris", "tab\there", "quote \" and \\"],
                all,
            ),
            collection(&[], FiltersDto::default()),
            collection(
                &["x"],
                FiltersDto { postcode: Some("75004".into()), ..FiltersDto::default() },
            ),
        ] {
            let (fast, reference) = both(&fc);
            assert_eq!(fast, reference);
        }
        let mut fc = collection(&["a"], FiltersDto::default());
        fc.center = Some([f64::NAN, 48.5]);
        fc.query = None;
        let p = &mut fc.features[0].properties;
        (p.score, p.housenumber, p.ban_id, p.x, p.y, p.district, p.oldcity, p.street, p.distance) =
            (None, None, None, None, None, None, None, None, None);
        p.population = Some(2_133_111);
        let (fast, reference) = both(&fc);
        assert_eq!(fast, reference);
    }
}
