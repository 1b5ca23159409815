//! `serve` draws the map: with the Paris file and the shared administrative reference (its
//! commune contours), the tiles hold Paris's numbers and France's contours, the style points at
//! the server and its glyphs are served.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use geocommun_testkit::mvt;

use crate::durability::http;

struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_draws_tiles_of_its_data() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_geocommun"))
        .args(["serve", "--listen", "127.0.0.1:0", "--quiet", "--no-store"])
        .args(["--basemap-url", "https://tiles.example.org/{z}/{x}/{y}.png"])
        .args(["--basemap-attribution", "© Example"])
        .arg("--data-dir")
        .arg(geocommun_testkit::data_dir())
        .arg(geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz"))
        .env("RUST_LOG", "info")
        .env_remove("GEOCOMMUN_LISTEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _serve = Serve(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("serving on http://127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().unwrap());
            }
        }
    });
    let port = rx.recv_timeout(Duration::from_mins(3)).expect("serve did not start");
    let get = |path: &str| http(port, "GET", path, None, b"").unwrap();

    // Paris at z14 (Île de la Cité): numbers of the BAN file, certified, in the 4th.
    let r = get("/tiles/14/8298/5636.pbf");
    assert_eq!(r.status, 200);
    let tile = mvt::decode(&r.body).unwrap();
    let numbers = &tile["adresses"].features;
    assert!(numbers.len() > 500, "{}", numbers.len());
    assert!(numbers.iter().any(
        |f| f.str("commune") == Some("75104") && f.props["certifie"] == mvt::Value::Bool(true)
    ));
    assert!(tile["communes"].features.iter().any(|f| f.str("nom") == Some("Paris")));
    // France at zoom 0: the départements; the sea: nothing.
    assert_eq!(get("/tiles/0/0/0.pbf").status, 200);
    assert_eq!(get("/tiles/5/12/11.pbf").status, 204);
    assert_eq!(get("/tiles/30/0/0.pbf").status, 400);
    // The style: our source, the operator's basemap, fonts served by this binary.
    let style = get("/tiles/style.json").json();
    assert_eq!(style["sources"]["geocommun"]["tiles"][0], "http://127.0.0.1/tiles/{z}/{x}/{y}.pbf");
    assert_eq!(style["sources"]["fond-de-carte"]["attribution"], "© Example");
    let r = get("/tiles/fonts/Noto%20Sans%20Bold/0-255.pbf");
    assert_eq!(r.status, 200);
    assert!(r.body.len() > 10_000);
}
