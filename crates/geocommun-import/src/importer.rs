//! [`Importer`] (everything in memory, then sorted communes) and [`StreamingImporter`] (each
//! commune handed over as soon as the input has moved past it).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufRead, Read};

use csv::ByteRecord;
use geocommun_admin::AdminRegistry;
use geocommun_model::{CodeInsee, CommuneAddresses};

use crate::accumulate::{Added, CommuneAcc};
use crate::error::{ImportError, Result};
use crate::format::{self, Detected, Layout};
use crate::report::{ImportStats, Progress, RowIssue};
use crate::source::{CountingReader, Source, decompressed};

/// Progress is reported every this many rows (and once at the end of a source).
const PROGRESS_EVERY_ROWS: u64 = 16_384;

/// Default of [`StreamingImporter::with_hold_back`]: how many communes stay open after the
/// input has moved past them. A few absorb local disorder (a commune's lieux-dits listed after
/// the next commune) at the cost of a few communes of memory.
pub const DEFAULT_HOLD_BACK: usize = 4;

/// The state shared by both importers: open communes and running totals.
struct Core<'a> {
    admin: Option<&'a AdminRegistry>,
    open: HashMap<CodeInsee, CommuneAcc>,
    totals: ImportStats,
}

/// How rows reach the communes: all kept (batch) or handed over behind a window (streaming).
trait Routing {
    /// Called when the input moves to a commune other than the previous row's.
    fn switch(&mut self, core: &mut Core<'_>, code: CodeInsee, stats: &mut ImportStats);

    /// Whether a commune opened for `code` counts as a new commune in the stats.
    fn is_new(&self, _code: CodeInsee) -> bool {
        true
    }
}

struct Batch;

impl Routing for Batch {
    fn switch(&mut self, _core: &mut Core<'_>, _code: CodeInsee, _stats: &mut ImportStats) {}
}

impl<'a> Core<'a> {
    fn new(admin: Option<&'a AdminRegistry>) -> Self {
        Self { admin, open: HashMap::new(), totals: ImportStats::default() }
    }

    fn read(
        &mut self,
        routing: &mut dyn Routing,
        file: &str,
        raw: Box<dyn Read>,
        total_bytes: Option<u64>,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportStats> {
        let io_error = |source: io::Error| ImportError::Io { file: file.to_owned(), source };
        let (counting, bytes_read) = CountingReader::new(raw);
        let mut text = decompressed(counting).map_err(io_error)?;

        let mut first_line = Vec::new();
        text.read_until(b'\n', &mut first_line).map_err(io_error)?;
        if first_line.starts_with(b"\xEF\xBB\xBF") {
            first_line.drain(..3);
        }
        let line_end =
            first_line.iter().rposition(|&b| b != b'\n' && b != b'\r').map_or(0, |i| i + 1);
        let Detected { delimiter, has_header, layout } =
            format::detect(file, &first_line[..line_end])?;

        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(io::Cursor::new(first_line).chain(text));
        let mut record = ByteRecord::new();
        let mut stats = ImportStats::default();
        let csv_error = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(source) => io_error(source),
            other => io_error(io::Error::other(format!("{other:?}"))),
        };
        if has_header {
            reader.read_byte_record(&mut record).map_err(csv_error)?;
        }
        let is_bano = matches!(layout, Layout::Bano);
        let mut current: Option<CodeInsee> = None;
        let progress = |rows| Progress { bytes_read: bytes_read.get(), total_bytes, rows };

        while reader.read_byte_record(&mut record).map_err(csv_error)? {
            stats.rows += 1;
            if stats.rows % PROGRESS_EVERY_ROWS == 0 {
                on_progress(progress(stats.rows));
            }
            let parsed = match &layout {
                Layout::Ban { columns, na_is_empty } => {
                    format::ban_row(&record, columns, *na_is_empty)
                }
                Layout::Bano => format::bano_row(&record),
            };
            let row = match parsed {
                Ok(row) => row,
                Err(problem) => {
                    stats.push_issue(RowIssue {
                        file: file.to_owned(),
                        line: record.position().map_or(0, csv::Position::line),
                        field: problem.field.map(str::to_owned),
                        kind: problem.kind,
                        reason: problem.reason,
                    });
                    continue;
                }
            };
            let code = row.insee;
            if current != Some(code) {
                routing.switch(self, code, &mut stats);
                current = Some(code);
            }
            let commune = self.open.entry(code).or_insert_with(|| {
                stats.communes += u64::from(routing.is_new(code));
                CommuneAcc::new(code, is_bano)
            });
            if is_bano {
                commune.set_dedupe_ids();
            }
            match commune.add(row) {
                Added::Address { new_street } => {
                    stats.addresses += 1;
                    stats.streets += u64::from(new_street);
                }
                Added::LieuDit => stats.lieux_dits += 1,
                Added::Duplicate => stats.duplicates += 1,
            }
        }
        on_progress(progress(stats.rows));
        self.totals.absorb(&stats);
        Ok(stats)
    }
}

/// Reads BAN, BANO and R-exported BAN files into communes, all kept in memory until
/// [`Importer::finish`].
///
/// ```no_run
/// use geocommun_import::{Importer, Source};
/// let mut importer = Importer::new(None);
/// let stats = importer.read(&Source::parse("adresses-75.csv.gz"), &mut |_progress| {})?;
/// for issue in &stats.skipped {
///     eprintln!("{issue}");
/// }
/// let communes = importer.finish();
/// # Ok::<(), geocommun_import::ImportError>(())
/// ```
pub struct Importer<'a> {
    core: Core<'a>,
}

impl<'a> Importer<'a> {
    /// Names, population, postcodes, context and centres come from `admin` when given (else
    /// from the data: commune name from `nom_commune`, postcodes seen, population 0, context =
    /// département code).
    pub fn new(admin: Option<&'a AdminRegistry>) -> Self {
        Self { core: Core::new(admin) }
    }

    /// Reads one source (call it for each file); returns the counts of that source. Bad rows are
    /// reported in the stats and skipped. On `Err`, the rows read before the error stay in.
    pub fn read(
        &mut self,
        source: &Source,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportStats> {
        let (raw, total) = source.open()?;
        self.core.read(&mut Batch, &source.file_name(), raw, total, on_progress)
    }

    /// Like [`Self::read`], from any reader (`name` is used in messages).
    pub fn read_from(
        &mut self,
        name: &str,
        reader: impl Read + 'static,
        total_bytes: Option<u64>,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportStats> {
        self.core.read(&mut Batch, name, Box::new(reader), total_bytes, on_progress)
    }

    /// Counts of everything read so far.
    pub fn stats(&self) -> &ImportStats {
        &self.core.totals
    }

    /// The communes, sorted by code; streets in order of first appearance.
    pub fn finish(self) -> Vec<CommuneAddresses> {
        let admin = self.core.admin;
        let mut accs: Vec<CommuneAcc> = self.core.open.into_values().collect();
        accs.sort_unstable_by_key(|c| c.code);
        accs.into_iter().map(|c| c.finish(admin)).collect()
    }
}

/// Reads sources like [`Importer`] but hands each commune to a callback as soon as the input
/// has moved past it, so that memory holds a few communes, not a country.
///
/// Inputs are grouped by commune in practice (BAN and BANO files are sorted by id). The last
/// [`DEFAULT_HOLD_BACK`] communes left behind stay open, so a commune that comes back soon is
/// still merged. A commune that comes back after it was handed over (an input not grouped by
/// commune) is handed over again with its later rows only, and listed in
/// [`ImportStats::split_communes`]: sort such an input by `code_insee`, raise the hold-back, or
/// use [`Importer`].
pub struct StreamingImporter<'a> {
    core: Core<'a>,
    hold_back: usize,
    /// Open communes, least recently seen first.
    recent: VecDeque<CodeInsee>,
    handed_over: HashSet<CodeInsee>,
}

impl<'a> StreamingImporter<'a> {
    /// See [`Importer::new`].
    pub fn new(admin: Option<&'a AdminRegistry>) -> Self {
        Self {
            core: Core::new(admin),
            hold_back: DEFAULT_HOLD_BACK,
            recent: VecDeque::new(),
            handed_over: HashSet::new(),
        }
    }

    /// How many communes the input has moved past stay open (0: hand a commune over as soon
    /// as the next row belongs to another commune).
    #[must_use]
    pub fn with_hold_back(mut self, communes: usize) -> Self {
        self.hold_back = communes;
        self
    }

    /// Reads one source, handing over the communes it has moved past.
    pub fn read(
        &mut self,
        source: &Source,
        on_progress: &mut dyn FnMut(Progress),
        on_commune: &mut dyn FnMut(CommuneAddresses),
    ) -> Result<ImportStats> {
        let (raw, total) = source.open()?;
        self.read_boxed(&source.file_name(), raw, total, on_progress, on_commune)
    }

    /// Like [`Self::read`], from any reader (`name` is used in messages).
    pub fn read_from(
        &mut self,
        name: &str,
        reader: impl Read + 'static,
        total_bytes: Option<u64>,
        on_progress: &mut dyn FnMut(Progress),
        on_commune: &mut dyn FnMut(CommuneAddresses),
    ) -> Result<ImportStats> {
        self.read_boxed(name, Box::new(reader), total_bytes, on_progress, on_commune)
    }

    fn read_boxed(
        &mut self,
        name: &str,
        raw: Box<dyn Read>,
        total_bytes: Option<u64>,
        on_progress: &mut dyn FnMut(Progress),
        on_commune: &mut dyn FnMut(CommuneAddresses),
    ) -> Result<ImportStats> {
        let mut routing = Streaming {
            hold_back: self.hold_back,
            recent: &mut self.recent,
            handed_over: &mut self.handed_over,
            on_commune,
        };
        self.core.read(&mut routing, name, raw, total_bytes, on_progress)
    }

    /// Counts of everything read so far.
    pub fn stats(&self) -> &ImportStats {
        &self.core.totals
    }

    /// Hands over the communes still open (least recently seen first) and returns the counts of
    /// everything read.
    pub fn finish(mut self, on_commune: &mut dyn FnMut(CommuneAddresses)) -> ImportStats {
        let admin = self.core.admin;
        for code in self.recent.drain(..) {
            if let Some(acc) = self.core.open.remove(&code) {
                on_commune(acc.finish(admin));
            }
        }
        let mut rest: Vec<CommuneAcc> = self.core.open.into_values().collect();
        rest.sort_unstable_by_key(|c| c.code);
        for acc in rest {
            on_commune(acc.finish(admin));
        }
        self.core.totals
    }
}

struct Streaming<'s> {
    hold_back: usize,
    recent: &'s mut VecDeque<CodeInsee>,
    handed_over: &'s mut HashSet<CodeInsee>,
    on_commune: &'s mut dyn FnMut(CommuneAddresses),
}

impl Routing for Streaming<'_> {
    fn switch(&mut self, core: &mut Core<'_>, code: CodeInsee, stats: &mut ImportStats) {
        if let Some(at) = self.recent.iter().position(|c| *c == code) {
            self.recent.remove(at);
        } else if self.handed_over.contains(&code) && !stats.split_communes.contains(&code) {
            stats.split_communes.push(code);
        }
        self.recent.push_back(code);
        while self.recent.len() > self.hold_back + 1 {
            let Some(old) = self.recent.pop_front() else { break };
            if let Some(acc) = core.open.remove(&old) {
                self.handed_over.insert(old);
                (self.on_commune)(acc.finish(core.admin));
            }
        }
    }

    fn is_new(&self, code: CodeInsee) -> bool {
        !self.handed_over.contains(&code)
    }
}
