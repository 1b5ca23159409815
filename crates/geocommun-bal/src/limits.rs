//! Named limits of the BAL reader, each with its reason.

/// Bytes read from the input at a time. Large enough to amortise system calls, small enough
/// to keep the reader's footprint flat.
pub const READ_CHUNK: usize = 256 * 1024;

/// How much decoded text the line-break and delimiter guesses look at: papaparse looks at
/// the first MiB (in UTF-16 units) for line breaks and at the first 10 rows for the
/// delimiter, which a MiB holds for any sane BAL.
pub const GUESS_WINDOW_CHARS: usize = 1024 * 1024;

/// Longest record (one CSV row, quotes included) the reader accepts: 256 MiB. The reference
/// holds the whole file in memory and has no such limit; a record this long is not a BAL
/// row but a file without line breaks or with an unclosed quote, and reading it in full
/// would make memory grow with the input.
pub const MAX_RECORD_BYTES: usize = 256 * 1024 * 1024;

/// Distinct voie names whose normalised form the validator caches. A BAL repeats a handful
/// of names on every row; past this many (a hostile or generated file) names are normalised
/// again each time instead of making the cache grow with the input.
pub const NORM_CACHE_ENTRIES: usize = 100_000;

/// Maximum body size accepted by `POST /bal/validate` is decided by the server; the library
/// itself streams and needs no such bound.
pub const TEXT_REPORT_EXAMPLES: usize = 5;
