//! A BAL larger than memory streams through the validator: the rows are generated on the fly
//! by a `Read` (the real rows of `shared/data/bal/71346.csv`, renumbered, with the COG's
//! commune name), so no large file is written. The heap is measured by a counting allocator,
//! which is why this is a test binary of its own (one test at a time, nothing else
//! allocating).
//!
//!     cargo test -p geocommun-bal --test streaming                      # 4 + 16 MiB, in CI
//!     cargo test --release -p geocommun-bal --test streaming -- --ignored --nocapture   # 2 GiB
#![allow(unsafe_code, reason = "a global allocator that counts, delegating to System")]
#![allow(clippy::print_stdout, reason = "the ignored 2 GiB run prints its figures")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use geocommun_bal::{MiniCog, Options, Source, Validator};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the same arguments; only counters change.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Tests of this binary run one at a time (the counters are process-wide).
static SERIAL: Mutex<()> = Mutex::new(());

static COG: LazyLock<MiniCog> = LazyLock::new(|| {
    let registry = geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin"))
        .expect("COG of the shared data");
    MiniCog::from_registry(&registry)
});

/// A valid BAL of about `bytes` bytes (rows without findings), generated on each `open`.
struct Generated {
    header: String,
    rows: Vec<Vec<String>>,
    numero: usize,
    cle: usize,
    bytes: u64,
}

impl Generated {
    fn new(bytes: u64) -> Self {
        let real = std::fs::read_to_string(geocommun_testkit::data_dir().join("bal/71346.csv"))
            .expect("71346.csv");
        let mut lines = real.trim_start_matches('\u{feff}').lines();
        let header = lines.next().expect("header").to_owned();
        let cols: Vec<&str> = header.split(';').collect();
        let at = |name: &str| cols.iter().position(|c| *c == name).expect(name);
        let (numero, cle, nom) = (at("numero"), at("cle_interop"), at("commune_nom"));
        let complement = at("lieudit_complement_nom");
        let name = COG.current("71346").expect("71346 in the COG").nom.clone();
        let rows = lines
            .filter(|l| !l.is_empty() && !l.contains('"'))
            .map(|l| {
                let mut r: Vec<String> = l.split(';').map(str::to_owned).collect();
                r[nom].clone_from(&name);
                // The lieux-dits naming these complements are left out (numero 99999).
                r[complement].clear();
                r
            })
            .filter(|r| r[numero] != "99999")
            .collect();
        Self { header, rows, numero, cle, bytes }
    }
}

impl Source for Generated {
    fn open(&self) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(Rows { g: self, next: 0, buf: format!("{}\n", self.header), pos: 0, out: 0 }))
    }
}

struct Rows<'a> {
    g: &'a Generated,
    next: usize,
    buf: String,
    pos: usize,
    out: u64,
}

impl Read for Rows<'_> {
    fn read(&mut self, dst: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            if self.out >= self.g.bytes {
                return Ok(0);
            }
            // Row i: a real row, renumbered so that (voie, numero) pairs stay distinct.
            let i = self.next;
            self.next += 1;
            let mut r = self.g.rows[i % self.g.rows.len()].clone();
            let n = (i / self.g.rows.len()) % 99_998 + 1;
            r[self.g.numero] = n.to_string();
            let parts: Vec<String> = r[self.g.cle].split('_').map(str::to_owned).collect();
            r[self.g.cle] = format!("{}_{}_{n:05}", parts[0], parts[1]);
            self.buf = r.join(";");
            self.buf.push('\n');
            self.pos = 0;
        }
        let n = dst.len().min(self.buf.len() - self.pos);
        dst[..n].copy_from_slice(&self.buf.as_bytes()[self.pos..self.pos + n]);
        self.pos += n;
        self.out += n as u64;
        Ok(n)
    }
}

/// Validates a generated file of `bytes` bytes: (rows, findings, peak heap during it).
fn run(bytes: u64) -> (u64, usize, usize) {
    let g = Generated::new(bytes);
    let validator = Validator::new(&COG, Options::default());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let report = validator.validate(&g).expect("generated input");
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(report.parse_ok && report.refusal.is_none());
    assert!(report.valid, "{:?}", report.global);

    assert!(report.bytes >= bytes);
    (report.rows_count.unwrap_or(0), report.findings.len(), peak)
}

/// The heap grows by at most 16 bytes a row (8 for the cross-row key, doubled while its
/// vector grows), whatever the file size: the reader's buffers do not grow.
#[test]
fn memory_stays_flat_while_streaming() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _ = &*COG;
    let (small_rows, small_findings, small_peak) = run(4 << 20);
    let (big_rows, big_findings, big_peak) = run(16 << 20);
    assert!(big_rows > 3 * small_rows, "{small_rows} {big_rows}");
    assert_eq!(small_findings, 0);
    assert_eq!(big_findings, 0);
    let per_row = (big_peak - small_peak.min(big_peak)) as f64 / (big_rows - small_rows) as f64;
    assert!(per_row <= 16.0, "{per_row:.1} bytes a row (peaks {small_peak} → {big_peak})");
    // The reader's window (the 2 MiB of the delimiter guess, 256 KiB chunks) and 8 bytes a row.
    eprintln!("peak heap {small_peak} B for 4 MiB, {big_peak} B for 16 MiB, {per_row:.1} B a row");
    assert!(big_peak < 8 << 20, "peak heap {big_peak} for 16 MiB");
}

/// The 2 GiB run (release build advised): peak heap and throughput.
#[test]
#[ignore = "2 GiB of generated rows: minutes in a debug build"]
fn two_gib_streams_in_bounded_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _ = &*COG;
    let start = std::time::Instant::now();
    let (rows, findings, peak) = run(2 << 30);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "2 GiB: {rows} rows, {findings} findings, {secs:.1} s, {:.0} rows/s (two passes), peak heap {:.1} MiB ({:.1} bytes a row)",
        rows as f64 / secs,
        peak as f64 / f64::from(1 << 20),
        peak as f64 / rows as f64
    );
    assert!(rows > 10_000_000);
    assert!(peak < 256 << 20, "peak heap {peak}");
}
