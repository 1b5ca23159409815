//! The national base as exports read it: for each commune its current BAL (from the store,
//! consolidated), else its fallback data, read again from the BAN / BANO files the server was
//! started with (they are the source of the fallback: nothing of it is kept in memory).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use geocommun_admin::AdminRegistry;
use geocommun_import::{Source, StreamingImporter};
use geocommun_model::{CodeInsee, CommuneAddresses};
use geocommun_store::{Store, Timestamp};

use crate::Error;

/// What an export covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    France,
    Departement(String),
    Commune(CodeInsee),
}

impl Scope {
    /// `france`, the département code or the commune code (file names).
    pub fn name(&self) -> &str {
        match self {
            Self::France => "france",
            Self::Departement(d) => d,
            Self::Commune(c) => c.as_str(),
        }
    }

    pub fn contains(&self, code: &CodeInsee) -> bool {
        match self {
            Self::France => true,
            Self::Departement(d) => code.departement() == d,
            Self::Commune(c) => c == code,
        }
    }

    fn contains_departement(&self, d: &str) -> bool {
        match self {
            Self::France => true,
            Self::Departement(x) => x == d,
            Self::Commune(c) => c.departement() == d,
        }
    }
}

/// The fallback files, with the départements each holds (found by reading them once, the
/// first time an export needs it).
pub struct Fallback {
    sources: Vec<Source>,
    admin: Option<Arc<AdminRegistry>>,
    departements: OnceLock<Vec<BTreeSet<String>>>,
}

impl Fallback {
    pub fn new(sources: Vec<Source>, admin: Option<Arc<AdminRegistry>>) -> Self {
        Self { sources, admin, departements: OnceLock::new() }
    }

    /// Every département of the fallback files (read once to know).
    pub fn departements(&self) -> BTreeSet<String> {
        self.departements.get_or_init(|| self.index()).iter().flatten().cloned().collect()
    }

    /// Reads the sources that may hold communes of `scope`, handing over each commune of the
    /// scope that `skip` does not exclude. Blocking (file reading and parsing).
    pub fn read(
        &self,
        scope: &Scope,
        skip: &dyn Fn(&CodeInsee) -> bool,
        on_commune: &mut dyn FnMut(CommuneAddresses) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let mut importer = StreamingImporter::new(self.admin.as_deref());
        let mut failed = None;
        let mut hand = |c: CommuneAddresses| {
            if failed.is_none() && scope.contains(&c.code) && !skip(&c.code) {
                failed = on_commune(c).err();
            }
        };
        for (i, source) in self.sources.iter().enumerate() {
            if *scope != Scope::France {
                let index = self.departements.get_or_init(|| self.index());
                if !index[i].iter().any(|d| scope.contains_departement(d)) {
                    continue;
                }
            }
            importer.read(source, &mut |_| {}, &mut hand).map_err(Error::Import)?;
        }
        importer.finish(&mut hand);
        failed.map_or(Ok(()), |e| Err(Error::Io(e)))
    }

    /// The départements of each source.
    fn index(&self) -> Vec<BTreeSet<String>> {
        self.sources
            .iter()
            .map(|s| {
                let mut deps = BTreeSet::new();
                let mut importer = StreamingImporter::new(self.admin.as_deref()).with_hold_back(0);
                let mut note = |c: CommuneAddresses| {
                    deps.insert(c.code.departement().to_owned());
                };
                if let Err(e) = importer.read(s, &mut |_| {}, &mut note) {
                    tracing::warn!(source = %s.file_name(), "cannot index the fallback file: {e}");
                }
                importer.finish(&mut note);
                deps
            })
            .collect()
    }
}

/// The BAL side of an export: the consolidated communes of `scope` with a BAL (now, or on
/// `date`), and the feed cursor they match.
pub async fn bal_communes(
    store: &Store,
    scope: &Scope,
    date: Option<Timestamp>,
) -> Result<(i64, BTreeMap<CodeInsee, CommuneAddresses>), Error> {
    let (cursor, pointers) = match date {
        None => store.current_at_head().await?,
        Some(at) => (store.cursor_at(at).await?, store.revisions_at(at).await?),
    };
    let mut out = BTreeMap::new();
    for (commune, revision) in pointers {
        let Ok(code) = CodeInsee::parse(&commune) else { continue };
        if scope.contains(&code) {
            out.insert(code, store.consolidated_revision(revision).await?.commune);
        }
    }
    Ok((cursor, out))
}

/// Hands over the whole base of `scope`: the fallback communes without a BAL, then the BAL
/// communes by code. Blocking.
pub fn stream(
    fallback: Option<&Fallback>,
    scope: &Scope,
    bal: BTreeMap<CodeInsee, CommuneAddresses>,
    on_commune: &mut dyn FnMut(CommuneAddresses) -> std::io::Result<()>,
) -> Result<(), Error> {
    if let Some(f) = fallback {
        f.read(scope, &|c| bal.contains_key(c), on_commune)?;
    }
    for c in bal.into_values() {
        on_commune(c)?;
    }
    Ok(())
}
