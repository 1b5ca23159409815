//! `POST /search/csv/` and `POST /reverse/csv/`.

use crate::common::*;

const SEARCH_ADDED: [&str; 18] = [
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
const REVERSE_ADDED: [&str; 17] = [
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

fn col(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

#[tokio::test]
async fn search_adds_every_column_and_a_status_per_row() {
    // Every column makes the query by default: a row with nothing in any column is skipped.
    let csv = "id,adresse,cp\nA,8 boulevard du port amiens,80000\nB,zzzz qqqq,\n,,\nD,1 rue de rivoli,75001\n";
    let r = post_form(&app(), "/search/csv/", &[file("adresses.csv", csv.as_bytes())]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(r.header("content-disposition"), "attachment; filename=\"adresses.geocoded.csv\"");
    let rows = csv_rows(&r.text(), b',');
    let mut header = vec!["id", "adresse", "cp"];
    header.extend(SEARCH_ADDED);
    assert_eq!(rows[0], header);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let status = col(&rows, "result_status");
    let statuses: Vec<&str> = rows[1..].iter().map(|r| r[status].as_str()).collect();
    assert_eq!(statuses, ["ok", "not-found", "skipped", "ok"]);
    let r1 = &rows[1];
    assert_eq!(&r1[..3], ["A", "8 boulevard du port amiens", "80000"]);
    assert_eq!(r1[col(&rows, "result_label")], "8 Boulevard du Port 80000 Amiens");
    assert_eq!(r1[col(&rows, "result_id")], "80021_6590_00008");
    assert_eq!(r1[col(&rows, "result_type")], "housenumber");
    assert_eq!(r1[col(&rows, "result_housenumber")], "8");
    assert_eq!(r1[col(&rows, "result_street")], "Boulevard du Port");
    assert_eq!(r1[col(&rows, "result_citycode")], "80021");
    assert_eq!(r1[col(&rows, "result_context")], "80, Somme, Hauts-de-France");
    let lat: f64 = r1[col(&rows, "latitude")].parse().unwrap();
    let lon: f64 = r1[col(&rows, "longitude")].parse().unwrap();
    assert!((lat - 49.897).abs() < 0.01 && (lon - 2.29).abs() < 0.01);
    let score: f64 = r1[col(&rows, "result_score")].parse().unwrap();
    assert!((0.0..=1.0).contains(&score));
    // Not-found and skipped rows have empty results.
    assert_eq!(rows[2][col(&rows, "result_label")], "");
    assert_eq!(rows[4][col(&rows, "result_district")], "Paris 1er Arrondissement");
}

#[tokio::test]
async fn columns_filters_types_and_result_columns() {
    let csv = "nom,voie,ville,cp,insee\nA,rue de la paix,lille,59000,59350\nB,rue,,80000,\nC,cours,,,2a004\n";
    let r = post_form(
        &app(),
        "/search/csv",
        &[
            file("in.csv", csv.as_bytes()),
            field("columns", "voie"),
            field("columns", "ville"),
            field("postcode", "cp"),
            field("citycode", "insee"),
            field("type", "street"),
            field("result_columns", "result_id"),
            field("result_columns", "result_citycode"),
            field("result_columns", "result_status"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let rows = csv_rows(&r.text(), b',');
    assert_eq!(
        rows[0],
        ["nom", "voie", "ville", "cp", "insee", "result_id", "result_citycode", "result_status"]
    );
    assert_eq!(rows[1][5..], ["59350_1234", "59350", "ok"]);
    assert_eq!(rows[2][6], "80021", "postcode column filters row 2: {:?}", rows[2]);
    assert_eq!(rows[3][6], "2A004", "citycode column filters row 3: {:?}", rows[3]);
}

#[tokio::test]
async fn options_may_come_before_the_file() {
    let csv = "a;b\nrivoli;x\n";
    let r = post_form(
        &app(),
        "/search/csv/",
        &[
            field("columns", "a"),
            field("result_columns", "result_name"),
            file("f.csv", csv.as_bytes()),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), "a;b;result_name\nrivoli;x;Rue de Rivoli\n");
}

#[tokio::test]
async fn delimiters_are_detected_and_kept() {
    let app = app();
    for d in [b',', b';', b'\t', b'|'] {
        let ds = d as char;
        let csv = format!("adresse{ds}ville\n8 boulevard du port{ds}amiens\n");
        let r = post_form(
            &app,
            "/search/csv/",
            &[file("f.csv", csv.as_bytes()), field("result_columns", "result_id")],
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.text(),
            format!(
                "adresse{ds}ville{ds}result_id\n8 boulevard du port{ds}amiens{ds}80021_6590_00008\n"
            )
        );
    }
    // A forced delimiter.
    let r = post_form(
        &app,
        "/search/csv/",
        &[
            file("f.csv", b"a,b;c\nx,y;z\n"),
            field("delimiter", ";"),
            field("result_columns", "result_status"),
        ],
    )
    .await;
    assert_eq!(r.text(), "a,b;c;result_status\nx,y;z;not-found\n");
    let r =
        post_form(&app, "/search/csv/", &[file("f.csv", b"a\n"), field("delimiter", "x")]).await;
    assert_error(&r, 400, "invalid_parameter");
}

#[tokio::test]
async fn crlf_and_quoting_are_preserved() {
    let csv = "id,\"adresse, complète\"\r\n1,\"8 boulevard du port\r\namiens\"\r\n";
    let r = post_form(
        &app(),
        "/search/csv/",
        &[
            file("f.csv", csv.as_bytes()),
            field("columns", "adresse, complète"),
            field("result_columns", "result_id"),
        ],
    )
    .await;
    assert_eq!(
        r.text(),
        "id,\"adresse, complète\",result_id\r\n1,\"8 boulevard du port\r\namiens\",80021_6590_00008\r\n"
    );
}

#[tokio::test]
async fn latin1_is_read_and_answered_in_utf8() {
    // "Général", "Amiens", "Côte" in Windows-1252.
    let csv = b"adresse;commentaire\n1 avenue du g\xe9n\xe9ral lemonnier;c\xf4t\xe9 cour\n";
    let r = post_form(
        &app(),
        "/search/csv/",
        &[file("f.csv", csv), field("result_columns", "result_label")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.text(),
        "adresse;commentaire;result_label\n1 avenue du général lemonnier;côté cour;1 Avenue du Général Lemonnier 75001 Paris\n"
    );
    // The encoding can also be forced.
    let r = post_form(
        &app(),
        "/search/csv/",
        &[
            file("f.csv", csv),
            field("encoding", "iso-8859-1"),
            field("result_columns", "result_status"),
        ],
    )
    .await;
    assert!(r.text().contains("côté cour;ok"), "{}", r.text());
}

#[tokio::test]
async fn utf8_bom_is_stripped_from_the_header_and_kept_in_the_output() {
    let csv = "\u{feff}adresse,ville\n8 boulevard du port,amiens\n";
    let r = post_form(
        &app(),
        "/search/csv/",
        &[
            file("f.csv", csv.as_bytes()),
            field("columns", "adresse"),
            field("columns", "ville"),
            field("result_columns", "result_id"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.text(),
        "\u{feff}adresse,ville,result_id\n8 boulevard du port,amiens,80021_6590_00008\n"
    );
    let r = post_form(
        &app(),
        "/search/csv/",
        &[
            file("f.csv", csv.as_bytes()),
            field("with_bom", "0"),
            field("result_columns", "result_id"),
        ],
    )
    .await;
    assert!(r.text().starts_with("adresse,"));
}

#[tokio::test]
async fn utf16_with_bom_is_read() {
    let text = "adresse\tville\n8 boulevard du port\tamiens\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let r = post_form(
        &app(),
        "/search/csv/",
        &[file("f.txt", &bytes), field("result_columns", "result_id")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.text(),
        "\u{feff}adresse\tville\tresult_id\n8 boulevard du port\tamiens\t80021_6590_00008\n"
    );
}

#[tokio::test]
async fn ragged_rows_are_errors_and_kept() {
    let csv = "a,b,c\nrivoli,x,y\nrivoli\nrivoli,x,y,z,w\n";
    let r = post_form(
        &app(),
        "/search/csv/",
        &[file("f.csv", csv.as_bytes()), field("result_columns", "result_status")],
    )
    .await;
    assert_eq!(r.status, 200);
    let rows = csv_rows(&r.text(), b',');
    assert_eq!(rows[1], ["rivoli", "x", "y", "ok"]);
    assert_eq!(rows[2], ["rivoli", "", "", "error"], "a short row is padded");
    assert_eq!(
        rows[3],
        ["rivoli", "x", "y,z,w", "error"],
        "a long row keeps its extra fields in its last column"
    );
}

#[tokio::test]
async fn bad_rows_never_abort_the_file() {
    let q = "a".repeat(300);
    let csv = format!(
        "adresse,lat,lon\n{q},,\nrivoli,abc,2\nrivoli,48.86,2.33\nrivoli,\"48,86\",\"2,33\"\n"
    );
    let r = post_form(
        &app(),
        "/search/csv/",
        &[
            file("f.csv", csv.as_bytes()),
            field("columns", "adresse"),
            field("lat", "lat"),
            field("lon", "lon"),
            field("result_columns", "result_status"),
        ],
    )
    .await;
    let rows = csv_rows(&r.text(), b',');
    let statuses: Vec<&str> = rows[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(statuses, ["error", "error", "ok", "ok"]);
}

#[tokio::test]
async fn file_level_problems_are_clear_400s() {
    let app = app();
    // Binary junk.
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let m = assert_error(
        &post_form(&app, "/search/csv/", &[file("x.csv", &junk)]).await,
        400,
        "invalid_csv",
    );
    assert!(m.contains("binary"), "{m}");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_error(&post_form(&app, "/search/csv/", &[file("x.png", png)]).await, 400, "invalid_csv");
    // Empty file, BOM only, blank header.
    for empty in [&b""[..], b"\xEF\xBB\xBF", b"\n\n"] {
        assert_error(
            &post_form(&app, "/search/csv/", &[file("x.csv", empty)]).await,
            400,
            "invalid_csv",
        );
    }
    // Missing `data`.
    let m = assert_error(
        &post_form(&app, "/search/csv/", &[field("columns", "a")]).await,
        400,
        "invalid_parameter",
    );
    assert!(m.contains("`data`"), "{m}");
    // Two files.
    let r = post_form(&app, "/search/csv/", &[file("a.csv", b"a\n"), file("b.csv", b"a\n")]).await;
    assert_error(&r, 400, "invalid_parameter");
    // Not multipart.
    let r = post_json(&app, "/search/csv/", &serde_json::json!({})).await;
    assert_error(&r, 415, "unsupported_media_type");
    // Unknown columns are named, with the available ones.
    let r = post_form(
        &app,
        "/search/csv/",
        &[
            file("f.csv", b"adresse,ville\nx,y\n"),
            field("columns", "rue"),
            field("postcode", "cp"),
            field("citycode", "insee"),
        ],
    )
    .await;
    let m = assert_error(&r, 400, "invalid_parameter");
    assert!(
        m.contains("'rue'")
            && m.contains("'cp'")
            && m.contains("'insee'")
            && m.contains("'adresse', 'ville'"),
        "{m}"
    );
    assert_eq!(r.json()["detail"].as_array().unwrap().len(), 3);
    // Unknown result column, unknown type, unknown encoding.
    for f in
        [field("result_columns", "result_foo"), field("type", "city"), field("encoding", "klingon")]
    {
        let r = post_form(&app, "/search/csv/", &[file("f.csv", b"a\nx\n"), f]).await;
        assert_error(&r, 400, "invalid_parameter");
    }
    // Malformed multipart body.
    let req = axum::http::Request::post("/search/csv/")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(axum::body::Body::from(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\nabc"
        )))
        .unwrap();
    let r = send(&app, req).await;
    assert_error(&r, 400, "invalid_body");
}

#[tokio::test]
async fn an_upload_over_the_maximum_is_413() {
    let app =
        app_with(geocommun_server::ServerConfig { csv_max_bytes: 1_000, ..Default::default() });
    let big = format!("adresse\n{}", "1 rue de rivoli\n".repeat(100));
    let r = post_form(&app, "/search/csv/", &[file("f.csv", big.as_bytes())]).await;
    let m = assert_error(&r, 413, "payload_too_large");
    assert!(m.contains("1000 bytes"), "{m}");
    let r = post_form(&app, "/reverse/csv/", &[file("f.csv", big.as_bytes())]).await;
    assert_error(&r, 413, "payload_too_large");
    // Under the maximum: fine.
    let r = post_form(&app, "/search/csv/", &[file("f.csv", b"adresse\nrivoli\n")]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn small_spool_and_chunks_give_the_same_answer() {
    let csv: String = std::iter::once("adresse\n".to_owned())
        .chain((1..=30).map(|i| format!("{i} rue de rivoli\n")))
        .collect();
    let reference =
        post_form(&app(), "/search/csv/", &[file("f.csv", csv.as_bytes())]).await.text();
    let tiny = app_with(geocommun_server::ServerConfig {
        csv_spool_memory_bytes: 16,
        csv_chunk_rows: 7,
        ..Default::default()
    });
    let r = post_form(&tiny, "/search/csv/", &[file("f.csv", csv.as_bytes())]).await;
    assert_eq!(r.text(), reference);
    assert_eq!(csv_rows(&reference, b',').len(), 31);
}

#[tokio::test]
async fn reverse_adds_its_columns() {
    let csv = "id,latitude,longitude\n1,48.86,2.3365\n2,,\n3,abc,2\n4,45.0,-30.0\n";
    let r = post_form(&app(), "/reverse/csv/", &[file("points.csv", csv.as_bytes())]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-disposition"), "attachment; filename=\"points.geocoded.csv\"");
    let rows = csv_rows(&r.text(), b',');
    let mut header = vec!["id", "latitude", "longitude"];
    header.extend(REVERSE_ADDED);
    assert_eq!(rows[0], header);
    let status = col(&rows, "result_status");
    let statuses: Vec<&str> = rows[1..].iter().map(|r| r[status].as_str()).collect();
    assert_eq!(statuses, ["ok", "skipped", "error", "not-found"]);
    let r1 = &rows[1];
    assert_eq!(r1[col(&rows, "result_id")], "75101_8244_00001");
    let d: u64 = r1[col(&rows, "result_distance")].parse().expect("integer metres");
    assert!(d < 20);
    assert!(r1[col(&rows, "result_latitude")].starts_with("48.86"));
}

#[tokio::test]
async fn reverse_coordinate_columns_by_default_or_named() {
    let app = app();
    let r = post_form(
        &app,
        "/reverse/csv/",
        &[file("p.csv", b"LAT;Lng\n48.86;2.3365\n"), field("result_columns", "result_type")],
    )
    .await;
    assert_eq!(r.text(), "LAT;Lng;result_type\n48.86;2.3365;housenumber\n");
    let r = post_form(
        &app,
        "/geocodage/reverse/csv",
        &[
            file("p.csv", b"y,x\n48.86,2.3365\n"),
            field("lat", "y"),
            field("lon", "x"),
            field("type", "street"),
            field("result_columns", "result_type"),
        ],
    )
    .await;
    assert_eq!(r.text(), "y,x,result_type\n48.86,2.3365,street\n");
    let m = assert_error(
        &post_form(&app, "/reverse/csv/", &[file("p.csv", b"a,b\n1,2\n")]).await,
        400,
        "invalid_parameter",
    );
    assert!(m.contains("no latitude column") && m.contains("'a', 'b'"), "{m}");
}

#[tokio::test]
async fn geocodage_prefix_and_header_only_files() {
    let r = post_form(
        &app(),
        "/geocodage/search/csv/",
        &[file("f.csv", b"adresse\n"), field("result_columns", "result_status")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "adresse,result_status\n");
}

#[tokio::test]
async fn geocode_file_answers_like_the_route() {
    let csv = "adresse;ville\n8 boulevard du port;amiens\n;\nrivoli;paris\n";
    let http = post_form(&app(), "/search/csv/", &[file("f.csv", csv.as_bytes())]).await.text();
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(&input, csv).unwrap();
    let opts = geocommun_server::csv::CsvOptions { chunk_rows: Some(1), ..Default::default() };
    let rows = geocommun_server::csv::geocode_file(&engine(), &input, &output, &opts).unwrap();
    assert_eq!(rows, 3);
    assert_eq!(std::fs::read_to_string(&output).unwrap(), http);

    std::fs::write(&input, "lat,lon\n48.86,2.3365\n").unwrap();
    let opts = geocommun_server::csv::CsvOptions { reverse: true, ..Default::default() };
    geocommun_server::csv::geocode_file(&engine(), &input, &output, &opts).unwrap();
    assert!(std::fs::read_to_string(&output).unwrap().contains("75101_8244_00001"));

    std::fs::write(&input, "a\nx\n").unwrap();
    let opts =
        geocommun_server::csv::CsvOptions { columns: vec!["nope".into()], ..Default::default() };
    let e = geocommun_server::csv::geocode_file(&engine(), &input, &output, &opts).unwrap_err();
    assert!(e.to_string().contains("'nope'"), "{e}");
}
