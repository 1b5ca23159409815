//! Streams communes into a gzip file on every core: communes are taken in batches, each
//! commune is rendered and compressed into its own gzip member in parallel, and the members
//! are written in order (a gzip file may hold several members: `gunzip`, `zcat`, browsers and
//! every gzip library read them as one stream).

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use geocommun_model::CommuneAddresses;
use rayon::prelude::*;

use crate::format::Format;

/// Addresses gathered before a batch is rendered and compressed.
const BATCH_ADDRESSES: usize = 50_000;

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    pub communes: u64,
    /// CSV rows, GeoJSON features or NDJSON documents.
    pub rows: u64,
    /// Compressed bytes.
    pub bytes: u64,
}

/// A gzip export being written.
pub struct ExportWriter<W: Write> {
    format: Format,
    out: W,
    level: Compression,
    batch: Vec<CommuneAddresses>,
    batch_addresses: usize,
    /// A GeoJSON feature was written: the next commune's features start with a comma.
    any_feature: bool,
    stats: ExportStats,
}

impl<W: Write> ExportWriter<W> {
    /// Starts an export (writes its header). `cursor`: the feed cursor it matches.
    pub fn new(format: Format, cursor: i64, out: W) -> std::io::Result<Self> {
        let mut w = Self {
            format,
            out,
            level: Compression::new(6),
            batch: Vec::new(),
            batch_addresses: 0,
            any_feature: false,
            stats: ExportStats::default(),
        };
        let header = gzip(&format.header(cursor), w.level)?;
        w.write(&header)?;
        Ok(w)
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stats.bytes += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Adds a commune (written when its batch is full).
    pub fn push(&mut self, c: CommuneAddresses) -> std::io::Result<()> {
        self.batch_addresses += c.address_count() + 1;
        self.batch.push(c);
        if self.batch_addresses >= BATCH_ADDRESSES { self.flush_batch() } else { Ok(()) }
    }

    fn flush_batch(&mut self) -> std::io::Result<()> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_addresses = 0;
        let format = self.format;
        let mut rendered: Vec<(Vec<u8>, u64)> = batch
            .par_iter()
            .map(|c| {
                let mut buf = Vec::with_capacity(c.address_count() * 160 + 64);
                let rows = format.write_commune(c, &mut buf);
                (buf, rows)
            })
            .collect();
        if format == Format::GeoJson {
            for (buf, rows) in &mut rendered {
                if *rows > 0 {
                    if self.any_feature {
                        buf.insert(0, b',');
                    }
                    self.any_feature = true;
                }
            }
        }
        let level = self.level;
        let members: Vec<std::io::Result<Vec<u8>>> = rendered
            .par_iter()
            .filter(|(b, _)| !b.is_empty())
            .map(|(b, _)| gzip(b, level))
            .collect();
        for m in members {
            self.write(&m?)?;
        }
        self.stats.communes += batch.len() as u64;
        self.stats.rows += rendered.iter().map(|r| r.1).sum::<u64>();
        Ok(())
    }

    /// Writes what is left and the footer; returns the output and what was written.
    pub fn finish(mut self) -> std::io::Result<(W, ExportStats)> {
        self.flush_batch()?;
        let footer = self.format.footer();
        if !footer.is_empty() {
            let f = gzip(footer, self.level)?;
            self.write(&f)?;
        }
        self.out.flush()?;
        Ok((self.out, self.stats))
    }
}

/// One gzip member.
fn gzip(bytes: &[u8], level: Compression) -> std::io::Result<Vec<u8>> {
    let mut e = GzEncoder::new(Vec::with_capacity(bytes.len() / 4 + 64), level);
    e.write_all(bytes)?;
    e.finish()
}
