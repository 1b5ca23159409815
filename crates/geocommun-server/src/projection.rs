//! `x`, `y`: a position in the legal projection of its territory (décret 2000-1276 as amended):
//! RGF93 / Lambert-93 in metropolitan France and Corsica, a UTM zone of the local frame overseas,
//! chosen by the département of the INSEE code.
//!
//! The overseas frames (RGAF09, RGFG95, RGR92, RGM04, RGSPM06) are ITRF realisations on the
//! GRS80 ellipsoid that agree with WGS-84 at the metre level, so no datum shift is applied
//! (`towgs84=0`), as the BAN's own exports do.

use std::sync::LazyLock;

use proj4rs::proj::Proj;

/// The legal projections, by EPSG code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegalCrs {
    /// RGF93 v1 / Lambert-93: metropolitan France and Corsica.
    Epsg2154,
    /// RGAF09 / UTM zone 20N: Guadeloupe (971), Martinique (972), Saint-Barthélemy (977),
    /// Saint-Martin (978).
    Epsg5490,
    /// RGFG95 / UTM zone 22N: Guyane (973).
    Epsg2972,
    /// RGR92 / UTM zone 40S: La Réunion (974).
    Epsg2975,
    /// RGM04 / UTM zone 38S: Mayotte (976).
    Epsg4471,
    /// RGSPM06 / UTM zone 21N: Saint-Pierre-et-Miquelon (975).
    Epsg4467,
}

impl LegalCrs {
    /// The projection of a commune from its INSEE code; `None` where no legal projection is
    /// defined here (e.g. 98x collectivities).
    pub fn of_citycode(citycode: &str) -> Option<Self> {
        if citycode.len() < 2 {
            return None;
        }
        if !citycode.starts_with("97") && !citycode.starts_with("98") {
            return Some(Self::Epsg2154);
        }
        Some(match citycode.get(..3)? {
            "971" | "972" | "977" | "978" => Self::Epsg5490,
            "973" => Self::Epsg2972,
            "974" => Self::Epsg2975,
            "975" => Self::Epsg4467,
            "976" => Self::Epsg4471,
            _ => return None,
        })
    }

    pub const fn epsg(self) -> u32 {
        match self {
            Self::Epsg2154 => 2154,
            Self::Epsg5490 => 5490,
            Self::Epsg2972 => 2972,
            Self::Epsg2975 => 2975,
            Self::Epsg4471 => 4471,
            Self::Epsg4467 => 4467,
        }
    }

    const fn proj_string(self) -> &'static str {
        match self {
            Self::Epsg2154 => {
                "+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 \
                 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
            Self::Epsg5490 => {
                "+proj=utm +zone=20 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
            Self::Epsg2972 => {
                "+proj=utm +zone=22 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
            Self::Epsg2975 => {
                "+proj=utm +zone=40 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
            Self::Epsg4471 => {
                "+proj=utm +zone=38 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
            Self::Epsg4467 => {
                "+proj=utm +zone=21 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Epsg2154 => 0,
            Self::Epsg5490 => 1,
            Self::Epsg2972 => 2,
            Self::Epsg2975 => 3,
            Self::Epsg4471 => 4,
            Self::Epsg4467 => 5,
        }
    }
}

const ALL: [LegalCrs; 6] = [
    LegalCrs::Epsg2154,
    LegalCrs::Epsg5490,
    LegalCrs::Epsg2972,
    LegalCrs::Epsg2975,
    LegalCrs::Epsg4471,
    LegalCrs::Epsg4467,
];

struct Projections {
    wgs84: Proj,
    targets: Vec<Proj>,
}

static PROJECTIONS: LazyLock<Option<Projections>> = LazyLock::new(|| {
    let wgs84 =
        Proj::from_proj_string("+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs")
            .ok()?;
    let targets = ALL
        .iter()
        .map(|c| Proj::from_proj_string(c.proj_string()).ok())
        .collect::<Option<Vec<_>>>()?;
    Some(Projections { wgs84, targets })
});

/// Projects a WGS-84 position into the legal projection of `citycode`, rounded to the
/// centimetre. `None` when the territory has no legal projection here or the point is invalid.
pub fn legal_xy(citycode: &str, lon: f64, lat: f64) -> Option<(f64, f64)> {
    let crs = LegalCrs::of_citycode(citycode)?;
    project(crs, lon, lat)
}

pub fn project(crs: LegalCrs, lon: f64, lat: f64) -> Option<(f64, f64)> {
    if !(lon.is_finite() && lat.is_finite()) {
        return None;
    }
    let p = PROJECTIONS.as_ref()?;
    let mut pt = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&p.wgs84, &p.targets[crs.index()], &mut pt).ok()?;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    (pt.0.is_finite() && pt.1.is_finite()).then(|| (round(pt.0), round(pt.1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: (f64, f64), want: (f64, f64), tol: f64) {
        assert!(
            (got.0 - want.0).abs() <= tol && (got.1 - want.1).abs() <= tol,
            "got {got:?}, want {want:?}"
        );
    }

    #[test]
    fn paris_matches_the_ban_lambert93_values() {
        // BAN 2024, row 75101_cfq3tf_00001.
        close(legal_xy("75101", 2.330_113, 48.861_299).unwrap(), (650_852.91, 6_862_571.27), 0.05);
    }

    #[test]
    fn corsica_is_lambert93() {
        assert_eq!(LegalCrs::of_citycode("2A004"), Some(LegalCrs::Epsg2154));
    }

    #[test]
    fn overseas_use_their_utm_zone() {
        assert_eq!(LegalCrs::of_citycode("97411").map(LegalCrs::epsg), Some(2975));
        assert_eq!(LegalCrs::of_citycode("97302").map(LegalCrs::epsg), Some(2972));
        assert_eq!(LegalCrs::of_citycode("97611").map(LegalCrs::epsg), Some(4471));
        assert_eq!(LegalCrs::of_citycode("97502").map(LegalCrs::epsg), Some(4467));
        assert_eq!(LegalCrs::of_citycode("97701").map(LegalCrs::epsg), Some(5490));
        assert_eq!(LegalCrs::of_citycode("98735"), None);
        // Saint-Denis (La Réunion), 55.4481 E 20.8789 S: UTM 40S.
        let (x, y) = legal_xy("97411", 55.4481, -20.8789).unwrap();
        assert!(
            (330_000.0..360_000.0).contains(&x) && (7_680_000.0..7_700_000.0).contains(&y),
            "{x} {y}"
        );
        // Cayenne, 52.33 W 4.94 N: UTM 22N.
        let (x, y) = legal_xy("97302", -52.33, 4.94).unwrap();
        assert!(
            (350_000.0..360_000.0).contains(&x) && (540_000.0..550_000.0).contains(&y),
            "{x} {y}"
        );
    }
}
