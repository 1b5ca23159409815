//! The streaming importer hands over the same communes as the batch one, while reading.

use geocommun_import::{Importer, Source, StreamingImporter};
use geocommun_model::CommuneAddresses;

use crate::common::{self, BAN_HEADER, ban_row, temp_file};

fn sorted(mut communes: Vec<CommuneAddresses>) -> Vec<CommuneAddresses> {
    communes.sort_by_key(|c| c.code);
    communes
}

#[test]
fn streaming_gives_the_batch_communes_on_all_real_files() {
    let mut files = vec![
        common::ban_file("ban-2024/adresses-75.csv.gz"),
        common::ban_file("other/93010-bondy-ban-r-export.csv.gz"),
    ];
    files.extend(common::bano_files());
    let admin = common::admin();
    // The batch imports of the other tests (the files share no commune).
    let bondy = common::import(&files[1..2], Some(admin));
    let mut batch: Vec<&CommuneAddresses> = common::paris().communes.iter().collect();
    batch.extend(&bondy.communes);
    batch.extend(&common::bano().communes);
    batch.sort_by_key(|c| c.code);

    let mut importer = StreamingImporter::new(Some(admin)).with_hold_back(0);
    let mut streamed = Vec::new();
    let mut handed_over_while_reading = Vec::new();
    for f in &files {
        let mut sink = |c: CommuneAddresses| streamed.push(c);
        importer.read(&Source::from(f.as_path()), &mut |_| {}, &mut sink).unwrap();
        handed_over_while_reading.push(streamed.len());
    }
    let totals = importer.finish(&mut |c| streamed.push(c));
    // Communes are handed over as the input moves on, not at the end.
    assert_eq!(handed_over_while_reading[0], 19, "Paris: all arrondissements but the last");
    assert!(*handed_over_while_reading.last().unwrap() > 1_600);
    assert!(totals.split_communes.is_empty(), "{:?}", totals.split_communes);
    let (paris, bano) = (&common::paris().totals, &common::bano().totals);
    assert_eq!(totals.rows, paris.rows + bondy.totals.rows + bano.rows);
    assert_eq!(totals.addresses, paris.addresses + bondy.totals.addresses + bano.addresses);
    assert_eq!(totals.streets, paris.streets + bondy.totals.streets + bano.streets);
    assert_eq!(totals.duplicates, bano.duplicates);
    assert_eq!(totals.skipped, bano.skipped);
    assert_eq!(totals.communes as usize, batch.len());
    assert_eq!(streamed.len(), batch.len());
    let streamed = sorted(streamed);
    for (s, b) in streamed.iter().zip(batch) {
        assert_eq!(s, b, "{}", b.code);
    }
}

fn rows_of(communes: &[&str]) -> Vec<u8> {
    let mut text = String::from(BAN_HEADER);
    for (i, code) in communes.iter().enumerate() {
        let n = i + 1;
        text.push('\n');
        text.push_str(&ban_row(
            &format!("{code}_abcd_{n:05}"),
            &n.to_string(),
            "",
            "Rue A",
            "",
            code,
            "2.3",
            "48.8",
        ));
    }
    text.push('\n');
    text.into_bytes()
}

fn stream(
    content: &[u8],
    hold_back: usize,
) -> (Vec<CommuneAddresses>, geocommun_import::ImportStats) {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(dir.path(), "x.csv", content);
    let mut importer = StreamingImporter::new(None).with_hold_back(hold_back);
    let mut out = Vec::new();
    importer.read(&Source::from(path.as_path()), &mut |_| {}, &mut |c| out.push(c)).unwrap();
    let stats = importer.finish(&mut |c| out.push(c));
    (out, stats)
}

#[test]
fn a_commune_coming_back_within_the_hold_back_is_merged() {
    let content = rows_of(&["01001", "01002", "01001", "01003", "01001"]);
    let (out, stats) = stream(&content, 1);
    let codes: Vec<&str> = out.iter().map(|c| c.code.as_str()).collect();
    // 01002 leaves the window when 01003 opens; the rest at the end, least recently seen first.
    assert_eq!(codes, ["01002", "01003", "01001"]);
    assert!(stats.split_communes.is_empty());
    assert_eq!(out[2].address_count(), 3);
    assert_eq!(stats.communes, 3);

    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(dir.path(), "x.csv", &content);
    let mut batch = Importer::new(None);
    batch.read(&Source::from(path.as_path()), &mut |_| {}).unwrap();
    assert_eq!(sorted(out), batch.finish());
}

#[test]
fn a_commune_coming_back_after_hand_over_is_reported_as_split() {
    let content = rows_of(&["01001", "01002", "01003", "01001"]);
    let (out, stats) = stream(&content, 0);
    let codes: Vec<&str> = out.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["01001", "01002", "01003", "01001"]);
    assert_eq!(stats.split_communes, [common::code("01001")]);
    assert_eq!(stats.communes, 3);
    assert_eq!(out[0].address_count() + out[3].address_count(), 2);
}

#[test]
fn progress_reaches_the_file_size() {
    let path = common::ban_file("ban-2024/adresses-75.csv.gz");
    let size = std::fs::metadata(&path).unwrap().len();
    let mut importer = Importer::new(None);
    let mut seen = Vec::new();
    importer.read(&Source::from(path.as_path()), &mut |p| seen.push(p)).unwrap();
    assert!(seen.len() > 5, "{}", seen.len());
    assert!(seen.windows(2).all(|w| w[0].rows < w[1].rows && w[0].bytes_read <= w[1].bytes_read));
    let last = seen.last().unwrap();
    assert_eq!((last.rows, last.bytes_read, last.total_bytes), (158_048, size, Some(size)));
}
