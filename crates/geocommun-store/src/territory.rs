//! What the store needs to know of the administrative map: which communes may publish, and
//! whether a perimeter entry (a commune, an EPCI, a département) covers a commune.
//! [`AdminRegistry`] answers it from the COG; tests may give a smaller map.

use geocommun_admin::{AdminRegistry, CommuneKind};
use geocommun_model::CodeInsee;

use crate::client::PerimeterEntry;
use crate::consolidate::CommuneFacts;

/// The administrative map, as the store sees it.
pub trait Territory: Send + Sync {
    /// The name of a current commune (the level that publishes a BAL: Paris, Marseille and
    /// Lyon as a whole, not their arrondissements), `None` for any other code.
    fn commune_name(&self, code: &str) -> Option<String>;

    /// Whether the entry names something that exists.
    fn knows(&self, entry: &PerimeterEntry) -> bool;

    /// Whether the entry covers the commune.
    fn covers(&self, entry: &PerimeterEntry, commune: &str) -> bool;

    /// What consolidation needs of a current commune (name, postcodes, context, centre,
    /// bounding box); by default, its name alone.
    fn commune_facts(&self, code: &str) -> Option<CommuneFacts> {
        self.commune_name(code).map(|name| CommuneFacts { name, ..CommuneFacts::default() })
    }
}

fn current<'a>(registry: &'a AdminRegistry, code: &str) -> Option<&'a geocommun_admin::Commune> {
    let code = CodeInsee::parse(code).ok()?;
    registry.commune(&code).filter(|c| c.kind == CommuneKind::Actuelle)
}

impl Territory for AdminRegistry {
    fn commune_name(&self, code: &str) -> Option<String> {
        current(self, code).map(|c| c.nom.clone())
    }

    fn knows(&self, entry: &PerimeterEntry) -> bool {
        match entry {
            PerimeterEntry::Commune(c) => current(self, c).is_some(),
            PerimeterEntry::Epci(siren) => self.epci(siren).is_some(),
            PerimeterEntry::Departement(d) => self.departement(d).is_some(),
        }
    }

    fn covers(&self, entry: &PerimeterEntry, commune: &str) -> bool {
        let Some(c) = current(self, commune) else { return false };
        match entry {
            PerimeterEntry::Commune(code) => code == commune,
            PerimeterEntry::Epci(siren) => {
                c.epci.as_deref() == Some(siren) || c.ept.as_deref() == Some(siren)
            }
            PerimeterEntry::Departement(d) => &c.departement == d,
        }
    }

    fn commune_facts(&self, code: &str) -> Option<CommuneFacts> {
        let c = current(self, code)?;
        Some(CommuneFacts {
            name: c.nom.clone(),
            postcodes: c.codes_postaux.clone(),
            population: c.population,
            context: self.context(&c.departement),
            centre: c.centre,
            bbox: c.bbox.map(|b| (b.min, b.max)),
        })
    }
}
