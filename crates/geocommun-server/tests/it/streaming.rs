//! A 1,000,000-row CSV posted as a stream and answered as a stream, with flat memory.

use axum::body::Body;
use axum::http::Request;
use bytes::Bytes;
use futures::StreamExt as _;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::*;

/// Rows of the generated file. A million in release builds; in debug builds (the engine is
/// not optimised there) 200,000, which still spills the upload to disk and streams 100 chunks.
const ROWS: usize = if cfg!(debug_assertions) { 200_000 } else { 1_000_000 };
const ROWS_PER_PIECE: usize = 5_000;

fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn row(i: usize) -> String {
    match i % 4 {
        0 => format!("{i},{} rue de rivoli,75001\n", i % 30 + 1),
        1 => format!("{i},{} boulevard du port amiens,\n", i % 12 + 1),
        2 => format!("{i},rue de la paix lille,59000\n"),
        _ => format!("{i},,\n"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_csv_streams_in_and_out_with_flat_memory() {
    let before = vm_hwm_kb();
    let app = app();
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\nid,adresse,cp\n"
    );
    let tail = format!(
        "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"columns\"\r\n\r\nadresse\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"postcode\"\r\n\r\ncp\r\n--{BOUNDARY}--\r\n"
    );
    // The body is generated piece by piece while it is sent: never held whole in memory.
    let pieces = ROWS.div_ceil(ROWS_PER_PIECE);
    let stream = futures::stream::iter(0..pieces + 2).map(move |k| {
        let bytes = if k == 0 {
            head.clone().into_bytes()
        } else if k == pieces + 1 {
            tail.clone().into_bytes()
        } else {
            let start = (k - 1) * ROWS_PER_PIECE;
            let mut s = String::with_capacity(ROWS_PER_PIECE * 32);
            for i in start..(start + ROWS_PER_PIECE).min(ROWS) {
                s.push_str(&row(i));
            }
            s.into_bytes()
        };
        Ok::<_, std::io::Error>(Bytes::from(bytes))
    });
    let req = Request::post("/search/csv/")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from_stream(stream))
        .unwrap();
    let started = std::time::Instant::now();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"big.geocoded.csv\"");

    // Read the answer frame by frame, keeping only counters and the current line.
    let mut body = res.into_body();
    let (mut lines, mut ok, mut skipped, mut frames) = (0usize, 0usize, 0usize, 0usize);
    let mut line: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.unwrap();
        let Some(data) = frame.data_ref() else { continue };
        frames += 1;
        for &b in data {
            if b == b'\n' {
                if line.ends_with(b",ok") {
                    ok += 1;
                } else if line.ends_with(b",skipped") {
                    skipped += 1;
                }
                lines += 1;
                line.clear();
            } else {
                line.push(b);
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(line.is_empty(), "the output ends with a newline");
    assert_eq!(lines, ROWS + 1, "header + one line per row");
    assert_eq!(skipped, ROWS / 4, "every fourth row has an empty address");
    assert!(ok >= ROWS / 2, "most addresses are found: {ok}");
    assert!(frames > ROWS / 5_000, "the output came in many chunks: {frames}");
    if let (Some(b), Some(a)) = (before, vm_hwm_kb()) {
        let growth_mb = (a.saturating_sub(b)) / 1024;
        eprintln!("{ROWS} rows in {elapsed:?}; peak RSS growth {growth_mb} MB");
        assert!(growth_mb < 200, "peak RSS grew by {growth_mb} MB");
    }
}
