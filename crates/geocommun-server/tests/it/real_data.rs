//! Real BAN data (Paris 2024): the projection against the file's own x/y columns.

use std::io::BufReader;

use geocommun_server::projection::legal_xy;

/// Every address of Paris: our Lambert-93 `x`, `y` equal the BAN's within 5 cm.
#[test]
fn lambert93_matches_every_paris_address_of_the_ban() {
    let path = geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz");
    let file = std::fs::File::open(path).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(BufReader::new(flate2::read::GzDecoder::new(file)));
    let h = rdr.headers().unwrap().clone();
    let idx = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (ci, xi, yi, loi, lai) = (idx("code_insee"), idx("x"), idx("y"), idx("lon"), idx("lat"));
    let (mut n, mut worst) = (0usize, 0.0f64);
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let f = |i: usize| rec[i].parse::<f64>().unwrap();
        let (x, y) = legal_xy(&rec[ci], f(loi), f(lai)).unwrap();
        // The BAN rounds lon/lat to 6 decimals (≈ 8 cm): compare with that slack.
        worst = worst.max((x - f(xi)).abs()).max((y - f(yi)).abs());
        n += 1;
    }
    assert!(n > 100_000, "{n} rows");
    assert!(worst <= 0.10, "largest difference {worst} m");
}
