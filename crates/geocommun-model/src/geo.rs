//! Coordinates.

/// A WGS-84 point, longitude then latitude, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// `true` when both values are finite and inside the WGS-84 range.
    pub fn is_valid(self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    pub fn distance_m(self, other: LonLat) -> f64 {
        const R: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * R * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_paris_lyon() {
        let paris = LonLat::new(2.3522, 48.8566);
        let lyon = LonLat::new(4.8357, 45.7640);
        let d = paris.distance_m(lyon);
        assert!((391_000.0..393_000.0).contains(&d), "{d}");
        assert!(paris.distance_m(paris).abs() < 1e-6);
    }

    #[test]
    fn validity() {
        assert!(LonLat::new(2.0, 48.0).is_valid());
        assert!(!LonLat::new(f64::NAN, 48.0).is_valid());
        assert!(!LonLat::new(2.0, 91.0).is_valid());
    }
}
