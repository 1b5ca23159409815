//! http(s) sources, served by a tiny server on 127.0.0.1 (no external network).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

use geocommun_import::{ImportError, Importer, Source};

use crate::common;

/// Serves `body` with `status` to at most `connections` clients, then stops.
fn serve(
    status: &'static str,
    body: Vec<u8>,
    connections: usize,
) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    (base, handle)
}

#[test]
fn imports_from_a_url_with_progress() {
    let body = std::fs::read(common::ban_file("other/93010-bondy-ban-r-export.csv.gz")).unwrap();
    let size = body.len() as u64;
    let (base, server) = serve("200 OK", body, 1);
    let source = Source::parse(&format!("{base}/data/adresses-93.csv.gz?v=1"));
    assert!(matches!(source, Source::Url(_)));
    assert_eq!(source.file_name(), "adresses-93.csv.gz");
    let mut importer = Importer::new(None);
    let mut last = None;
    let stats = importer.read(&source, &mut |p| last = Some(p)).unwrap();
    server.join().unwrap();
    assert_eq!((stats.rows, stats.addresses, stats.streets), (8_413, 8_413, 350));
    let last = last.unwrap();
    assert_eq!((last.bytes_read, last.total_bytes), (size, Some(size)));
    assert_eq!(importer.finish()[0].name, "Bondy");
}

#[test]
fn http_errors_name_the_url() {
    let (base, server) = serve("404 Not Found", b"no such file".to_vec(), 1);
    let url = format!("{base}/adresses-00.csv.gz");
    let err = Importer::new(None).read(&Source::parse(&url), &mut |_| {}).unwrap_err();
    server.join().unwrap();
    assert!(matches!(err, ImportError::Http { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{url}: download failed: the server answered HTTP 404 — check the address and the network, or download the file and give its path"
        )
    );

    // Nobody listens on this port any more.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let err = Importer::new(None)
        .read(&Source::parse(&format!("http://{closed}/x.csv")), &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("download failed"), "{err}");
}

#[test]
fn sources_parse() {
    assert!(matches!(Source::parse("HTTPS://adresse.data.gouv.fr/x.csv.gz"), Source::Url(_)));
    assert!(matches!(Source::parse("./http.csv"), Source::Path(_)));
    assert_eq!(Source::parse("/data/adresses-75.csv.gz").file_name(), "adresses-75.csv.gz");
    assert_eq!(
        Source::parse(
            "https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/adresses-75.csv.gz"
        )
        .file_name(),
        "adresses-75.csv.gz"
    );
}
