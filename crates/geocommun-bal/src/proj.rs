//! The territory boxes and legal projections of @etalab/project-legal, used by the
//! `row.longlat_invalides` and `row.longlat_xy_incoherents` checks.

use std::sync::LazyLock;

use proj4rs::proj::Proj;

/// (bounds [min lon, min lat, max lon, max lat], proj4 string), in the package's order: the
/// first box containing the point wins.
const TERRITORIES: [([f64; 4], &str); 12] = [
    (
        [-9.86, 41.15, 10.38, 51.56],
        "+proj=lcc +lat_1=49 +lat_2=44 +lat_0=46.5 +lon_0=3 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    (
        [-63.66, 14.08, -57.52, 18.54],
        "+proj=utm +zone=20 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    (
        [-54.6, 2.11, -49.46, 8.88],
        "+proj=utm +zone=22 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    (
        [51.83, -24.72, 58.24, -18.28],
        "+proj=utm +zone=40 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    (
        [43.68, -14.49, 46.7, -11.33],
        "+proj=utm +zone=38 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    (
        [-57.1, 43.41, -55.9, 47.37],
        "+proj=utm +zone=21 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    (
        [163.55, -22.75, 168.2, -19.54],
        "+proj=lcc +lat_1=-20.66666666666667 +lat_2=-22.33333333333333 +lat_0=-21.5 +lon_0=166 +x_0=400000 +y_0=300000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
    ),
    ([-155.0, -24.0, -150.0, -9.0], "+proj=utm +zone=5 +south +ellps=GRS80 +units=m +no_defs"),
    ([-150.0, -29.0, -144.0, -13.0], "+proj=utm +zone=6 +south +ellps=GRS80 +units=m +no_defs"),
    ([-144.0, -29.0, -138.0, -7.0], "+proj=utm +zone=7 +south +ellps=GRS80 +units=m +no_defs"),
    ([-138.0, -25.0, -132.0, -18.0], "+proj=utm +zone=8 +south +ellps=GRS80 +units=m +no_defs"),
    ([-177.0, -14.0, -176.0, -13.0], "+proj=utm +zone=1 +south +ellps=intl +units=m +no_defs"),
];

struct Projections {
    wgs84: Proj,
    targets: Vec<Option<Proj>>,
}

static PROJECTIONS: LazyLock<Option<Projections>> = LazyLock::new(|| {
    let wgs84 = Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").ok()?;
    let targets = TERRITORIES.iter().map(|(_, s)| Proj::from_proj_string(s).ok()).collect();
    Some(Projections { wgs84, targets })
});

/// What project-legal answers for a (long, lat).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Legal {
    /// Not valid WGS-84 (outside ±180/±90, or missing): the package throws.
    Invalid,
    /// Valid but in no territory box: the package returns null.
    Outside,
    /// Projected into the territory's legal system, rounded to the centimetre.
    Projected(f64, f64),
}

/// project-legal's `proj([long, lat])`.
pub fn project(long: Option<f64>, lat: Option<f64>) -> Legal {
    let (Some(lon), Some(lat)) = (long, lat) else { return Legal::Invalid };
    let inside = |[x0, y0, x1, y1]: [f64; 4]| lon <= x1 && lon >= x0 && lat <= y1 && lat >= y0;
    if !inside([-180.0, -90.0, 180.0, 90.0]) {
        return Legal::Invalid;
    }
    let Some(i) = TERRITORIES.iter().position(|(b, _)| inside(*b)) else { return Legal::Outside };
    let Some(p) = PROJECTIONS.as_ref() else { return Legal::Outside };
    let Some(target) = &p.targets[i] else { return Legal::Outside };
    let mut pt = (lon.to_radians(), lat.to_radians(), 0.0);
    if proj4rs::transform::transform(&p.wgs84, target, &mut pt).is_err() {
        return Legal::Outside;
    }
    // JavaScript's Math.round: half-way cases go towards +∞.
    let round = |v: f64| (v * 100.0 + 0.5).floor() / 100.0;
    Legal::Projected(round(pt.0), round(pt.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambert93_of_a_real_row() {
        // shared/data/bal/71346.csv, first row: x/y written by the commune next to long/lat.
        let Legal::Projected(x, y) = project(Some(4.215_528_0), Some(46.613_210_7)) else {
            panic!("not projected")
        };
        assert!((x - 793_021.33).abs() < 1.0 && (y - 6_613_288.80).abs() < 1.0, "{x} {y}");
    }

    #[test]
    fn outside_and_invalid() {
        assert_eq!(project(Some(0.0), Some(0.0)), Legal::Outside);
        assert_eq!(project(Some(200.0), Some(0.0)), Legal::Invalid);
        assert_eq!(project(None, Some(45.0)), Legal::Invalid);
    }
}
