//! The directory of official mairie e-mail addresses, imported by the operator from a CSV
//! file (format in docs/store.md): `code_insee;email`, one address per row, several rows per
//! commune allowed, other columns ignored.

use std::collections::BTreeSet;

use crate::error::{Error, FileProblem, Result};
use crate::limits::MAX_FILE_PROBLEMS;
use crate::territory::Territory;

/// One official address of a commune.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DirectoryEntry {
    pub commune: String,
    pub email: String,
}

/// What an import changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryImport {
    /// Communes whose addresses were replaced.
    pub communes: usize,
    /// Addresses now listed for them.
    pub emails: usize,
}

/// Reads the whole file, or says every problem (up to [`MAX_FILE_PROBLEMS`]) with its line
/// and field; a file with any problem imports nothing.
pub fn parse_directory(
    file: &str,
    bytes: &[u8],
    territory: &dyn Territory,
) -> Result<Vec<DirectoryEntry>> {
    let mut problems = Vec::new();
    let refuse =
        |problems: Vec<FileProblem>| Error::InvalidFile { file: file.to_owned(), problems };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = newlines(&bytes[..e.valid_up_to()]) + 1;
            return Err(refuse(vec![FileProblem {
                line,
                field: String::new(),
                message: "not UTF-8: save the file as UTF-8".to_owned(),
            }]));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains(';') {
        b';'
    } else if first_line.contains(',') {
        b','
    } else if first_line.contains('\t') {
        b'\t'
    } else {
        b';'
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => return Err(refuse(vec![problem(1, "", format!("unreadable header: {e}"))])),
    };
    let col = |name: &str| header.iter().position(|c| c == name);
    let (Some(code_col), Some(email_col)) = (col("code_insee"), col("email")) else {
        let missing: Vec<&str> =
            ["code_insee", "email"].into_iter().filter(|n| col(n).is_none()).collect();
        return Err(refuse(vec![problem(
            1,
            "",
            format!(
                "missing column(s) {}: the header must name `code_insee` and `email` \
                 (separated by `;` or `,`)",
                missing.join(", ")
            ),
        )]));
    };
    let mut entries = BTreeSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                problems.push(problem(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let code = record.get(code_col).unwrap_or("").trim();
        let email = record.get(email_col).unwrap_or("").trim();
        let mut ok = true;
        if code.is_empty() {
            problems.push(problem(line, "code_insee", "empty: the commune's INSEE code".into()));
            ok = false;
        } else if territory.commune_name(code).is_none() {
            problems.push(problem(
                line,
                "code_insee",
                format!("`{code}` is not a current commune of the COG"),
            ));
            ok = false;
        }
        match check_email(email) {
            Ok(()) => {}
            Err(why) => {
                problems.push(problem(line, "email", why));
                ok = false;
            }
        }
        if ok {
            entries
                .insert(DirectoryEntry { commune: code.to_owned(), email: email.to_lowercase() });
        }
        if problems.len() >= MAX_FILE_PROBLEMS {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(refuse(problems));
    }
    if entries.is_empty() {
        return Err(refuse(vec![problem(1, "", "no address in the file".into())]));
    }
    Ok(entries.into_iter().collect())
}

/// The physical line (1-based) of a record at a byte offset: the csv crate's own line count
/// skips blank lines, and people look for the line in an editor.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    // A record after blank lines "starts" at the first of them.
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    newlines(&bytes[..end]) + 1
}

#[allow(clippy::naive_bytecount)] // small files, read once: not worth a dependency
fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn problem(line: u64, field: &str, message: String) -> FileProblem {
    FileProblem { line, field: field.to_owned(), message }
}

/// A plain address `local@domain.tld`, no display name, no spaces.
pub(crate) fn check_email(email: &str) -> std::result::Result<(), String> {
    if email.is_empty() {
        return Err("empty: an e-mail address".to_owned());
    }
    let bad = |why: &str| Err(format!("`{email}` is not an e-mail address ({why})"));
    if email.len() > 254 {
        return bad("longer than 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || "<>,;\"()[]\\".contains(c)) {
        return bad("spaces or punctuation; one plain address per row");
    }
    let Some((local, domain)) = email.split_once('@') else { return bad("no `@`") };
    if local.is_empty() || domain.contains('@') {
        return bad("expected one `@` between a name and a domain");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return bad("the domain needs a dot, e.g. mairie-exemple.fr");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_email;

    #[test]
    fn emails() {
        assert!(check_email("mairie@perrecy-les-forges.fr").is_ok());
        for bad in ["", "a", "a@b", "@b.fr", "a@b@c.fr", "Mairie <a@b.fr>", "a b@c.fr", "a@.fr"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
