//! Nothing malformed gives a 500 or a panic: bad percent-encoding, invalid UTF-8, repeated
//! parameters, huge values, odd numbers, random query strings.

use axum::body::Body;
use axum::http::Request;

use crate::common::*;

async fn check_no_500(app: &axum::Router, uri: &str) {
    let Ok(req) = Request::get(uri).body(Body::empty()) else { return };
    let r = send(app, req).await;
    assert!(r.status.as_u16() < 500, "{uri} -> {}: {}", r.status, String::from_utf8_lossy(&r.body));
    if !r.status.is_success() {
        let v = r.json();
        assert_eq!(v["code"], r.status.as_u16(), "{uri}");
        assert!(v["message"].is_string() && v["error"].is_string(), "{uri}");
    }
}

#[tokio::test]
async fn malformed_query_strings() {
    let app = app();
    let long = "x".repeat(50_000);
    let huge_num = "9".repeat(400);
    let cases = [
        "/search/?q=%zz".to_owned(),
        "/search/?q=%".to_owned(),
        "/search/?q=%FF%FE%00".to_owned(),
        "/search/?q=rivoli&q=amiens&q=".to_owned(),
        "/search/?q=rivoli&limit=1&limit=999".to_owned(),
        format!("/search/?q=rivoli&limit={huge_num}"),
        "/search/?q=rivoli&limit=-1".to_owned(),
        "/search/?q=rivoli&limit=1.5".to_owned(),
        "/search/?q=rivoli&limit=%20".to_owned(),
        "/search/?q=rivoli&lat=NaN&lon=inf".to_owned(),
        "/search/?q=rivoli&lat=1e999&lon=-1e999".to_owned(),
        format!("/search/?q=rivoli&lat=0.{huge_num}&lon=2"),
        "/search/?q=rivoli&lat=48&lon=2&lat=&lon=".to_owned(),
        "/search/?q=rivoli&type=&type=,,,+++".to_owned(),
        "/search/?q=rivoli&type=%00".to_owned(),
        format!("/search/?q=rivoli&citycode={long}"),
        format!("/search/?q={long}"),
        format!("/search/?{long}=1&q=rivoli"),
        "/search/?&&&===&q=rivoli".to_owned(),
        "/search/?q=%C3%28".to_owned(),
        "/search/?q=%E2%82".to_owned(),
        "/search/?q=1234567890123456789012345".to_owned(),
        "/search/?q=0000000000+00000+bis+ter+quater".to_owned(),
        "/search/?q=%F0%9F%98%80%F0%9F%98%80".to_owned(),
        "/search/?q=rivoli&explain=1&autocomplete=0&index=address&index=address".to_owned(),
        "/reverse/?lat=90&lon=180&limit=100".to_owned(),
        "/reverse/?lat=-90&lon=-180".to_owned(),
        "/reverse/?lat=0&lon=0&type=municipality&postcode=00000".to_owned(),
        "/reverse/?lat=%zz&lon=%%".to_owned(),
        "/lookup/%FF%FE".to_owned(),
        "/lookup/%zz".to_owned(),
        format!("/lookup/{long}"),
        "/lookup/_".to_owned(),
        "/lookup/1_2_3_4_5_6".to_owned(),
        "/lookup/75101_8244_99999999999999".to_owned(),
        "/health?x=%zz".to_owned(),
    ];
    for uri in &cases {
        check_no_500(&app, uri).await;
    }
}

/// Random query strings from a small alphabet of troublesome characters.
#[tokio::test]
async fn random_query_strings() {
    let app = app();
    let alphabet: Vec<&str> = vec![
        "q",
        "=",
        "&",
        "%",
        "%2",
        "%FF",
        "%00",
        "+",
        " ",
        "limit",
        "lat",
        "lon",
        "type",
        "postcode",
        "citycode",
        "1",
        "-",
        ".",
        "e9",
        "street",
        "rivoli",
        "é",
        ",",
        "autocomplete",
        "explain",
        "index",
        "poi",
        "0",
        "9999999999",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..400 {
        let n = (next() % 24) as usize;
        let mut qs = String::new();
        for _ in 0..n {
            qs.push_str(alphabet[(next() % alphabet.len() as u64) as usize]);
        }
        let qs = qs.replace(' ', "%20").replace('é', "%C3%A9");
        for route in ["/search/", "/reverse/"] {
            check_no_500(&app, &format!("{route}?{qs}")).await;
        }
    }
}

#[tokio::test]
async fn malformed_bodies() {
    let app = app();
    for (uri, ct, body) in [
        ("/batch", "application/json", &b"\xff\xfe"[..]),
        ("/batch", "application/json", b""),
        ("/batch", "text/plain", b"null"),
        (
            "/batch",
            "application/json",
            b"{\"requests\": [{\"operation\": \"geocode\", \"params\": {\"q\": 1e999}}]}",
        ),
        ("/search/csv/", "multipart/form-data", b"x"),
        ("/search/csv/", "multipart/form-data; boundary=", b"x"),
        ("/search/csv/", "multipart/form-data; boundary=abc", b"garbage"),
        ("/search/csv/", "multipart/form-data; boundary=abc", b"--abc\r\n\r\n\r\n--abc--\r\n"),
        ("/reverse/csv/", "multipart/form-data; boundary=abc", b"--abc--\r\n"),
        ("/reverse/csv/", "application/x-www-form-urlencoded", b"data=1"),
    ] {
        let req =
            Request::post(uri).header("content-type", ct).body(Body::from(body.to_vec())).unwrap();
        let r = send(&app, req).await;
        assert!(
            r.status.is_client_error(),
            "{uri} {ct}: {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        assert!(r.json()["message"].is_string());
    }
}

#[tokio::test]
async fn odd_csv_contents_never_fail_the_request() {
    let app = app();
    let cases: Vec<Vec<u8>> = vec![
        b"a\n\"unterminated\n".to_vec(),
        b"a,b\n\"x\"\"y\",\"z\n".to_vec(),
        b"\"\"\n\"\"\n".to_vec(),
        b"a\r\r\r\nb\r".to_vec(),
        b"a;b,c|d\te\n1;2,3|4\t5\n".to_vec(),
        "a\n".repeat(3).into_bytes(),
        b"a\n\x1a".to_vec(),
        format!("a\n{}\n", "x".repeat(100_000)).into_bytes(),
        b"a,a,a\nrivoli,amiens,lille\n".to_vec(),
    ];
    for c in cases {
        let r = post_form(&app, "/search/csv/", &[file("f.csv", &c)]).await;
        assert!(
            r.status == 200 || r.status == 400,
            "{:?}: {}",
            String::from_utf8_lossy(&c),
            r.status
        );
        let r = post_form(
            &app,
            "/reverse/csv/",
            &[file("f.csv", &c), field("lat", "a"), field("lon", "a")],
        )
        .await;
        assert!(
            r.status == 200 || r.status == 400,
            "{:?}: {}",
            String::from_utf8_lossy(&c),
            r.status
        );
    }
}
