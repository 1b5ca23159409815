//! Vector tiles of geocommun (Mapbox Vector Tile 2.1), made on request from an in-memory index.
//!
//! Layers (see docs/tiles.md for the properties and zooms):
//!
//! | layer | geometry | from zoom |
//! |---|---|---|
//! | `adresses` | a point per position of every address | 14 (other positions 16) |
//! | `voies` | a label point per street | 12 |
//! | `lieux_dits` | a label point per lieu-dit | 11 |
//! | `communes`, `communes_etiquettes` | contours, label points | 8 |
//! | `departements`, `departements_etiquettes` | contours, label points | 0 |
//!
//! A [`TileIndex`] is immutable and cheap to clone: the address part ([`AddressIndex`]) is
//! replaced commune by commune when a commune is published ([`TileIndex::replace_communes`]),
//! the contour part ([`Areas`]) is built once from the administrative reference. The index is
//! derived state: it is rebuilt from the model values and the contours, never stored.
//!
//! ```
//! use geocommun_tiles::{TileId, TileIndex};
//! let index = TileIndex::default();
//! assert!(index.render(TileId::new(14, 8298, 5636)?).is_none()); // nothing there: empty
//! # Ok::<(), geocommun_tiles::TileError>(())
//! ```

mod addresses;
mod areas;
pub mod limits;
mod mvt;
pub mod tile;

use std::sync::Arc;

use geocommun_model::CommuneAddresses;
use geozero::mvt::Message as _;

pub use addresses::{ADDRESS_KEYS, AddressIndex, CommuneTiles, STREET_KEYS};
pub use areas::{AREA_KEYS, AreaStats, Areas, LABEL_KEYS};
pub use tile::{TileError, TileId};

/// Layer names, as the style and the clients know them.
pub mod layer {
    pub const ADRESSES: &str = "adresses";
    pub const VOIES: &str = "voies";
    pub const LIEUX_DITS: &str = "lieux_dits";
    pub const COMMUNES: &str = "communes";
    pub const COMMUNES_ETIQUETTES: &str = "communes_etiquettes";
    pub const DEPARTEMENTS: &str = "departements";
    pub const DEPARTEMENTS_ETIQUETTES: &str = "departements_etiquettes";
    /// Every layer, in the order they are written into a tile.
    pub const ALL: [&str; 7] = [
        DEPARTEMENTS,
        COMMUNES,
        LIEUX_DITS,
        VOIES,
        ADRESSES,
        DEPARTEMENTS_ETIQUETTES,
        COMMUNES_ETIQUETTES,
    ];
}

/// The content type of the tiles.
pub const CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// What tiles are cut from: the address layers and, once loaded, the contours.
#[derive(Clone, Debug, Default)]
pub struct TileIndex {
    areas: Option<Arc<Areas>>,
    addresses: Arc<AddressIndex>,
}

impl TileIndex {
    pub fn new(areas: Option<Arc<Areas>>, addresses: Arc<AddressIndex>) -> Self {
        Self { areas, addresses }
    }

    /// The same addresses with these contours.
    #[must_use]
    pub fn with_areas(&self, areas: Arc<Areas>) -> Self {
        Self { areas: Some(areas), addresses: Arc::clone(&self.addresses) }
    }

    /// The same contours with these addresses.
    #[must_use]
    pub fn with_addresses(&self, addresses: Arc<AddressIndex>) -> Self {
        Self { areas: self.areas.clone(), addresses }
    }

    /// A new index where these communes replace those of the same code (a publication).
    #[must_use]
    pub fn replace_communes(&self, communes: &[CommuneAddresses]) -> Self {
        self.with_addresses(Arc::new(self.addresses.replace_communes(communes)))
    }

    pub fn addresses(&self) -> &Arc<AddressIndex> {
        &self.addresses
    }

    pub fn areas(&self) -> Option<&Arc<Areas>> {
        self.areas.as_ref()
    }

    /// The tile, encoded; `None` when no layer has a feature there.
    pub fn render(&self, tile: TileId) -> Option<Vec<u8>> {
        let layers = self.layers(tile);
        if layers.is_empty() {
            return None;
        }
        Some(geozero::mvt::Tile { layers }.encode_to_vec())
    }

    /// The layers of a tile, non-empty ones only, in [`layer::ALL`] order.
    pub fn layers(&self, tile: TileId) -> Vec<geozero::mvt::tile::Layer> {
        use mvt::LayerBuilder;
        let mut areas = areas::AreaLayers {
            communes: LayerBuilder::new(layer::COMMUNES, AREA_KEYS),
            departements: LayerBuilder::new(layer::DEPARTEMENTS, AREA_KEYS),
            commune_labels: LayerBuilder::new(layer::COMMUNES_ETIQUETTES, LABEL_KEYS),
            departement_labels: LayerBuilder::new(layer::DEPARTEMENTS_ETIQUETTES, LABEL_KEYS),
        };
        let mut adresses = LayerBuilder::new(layer::ADRESSES, ADDRESS_KEYS);
        let mut voies = LayerBuilder::new(layer::VOIES, STREET_KEYS);
        let mut lieux_dits = LayerBuilder::new(layer::LIEUX_DITS, STREET_KEYS);
        if let Some(a) = &self.areas {
            a.render(tile, &mut areas);
        }
        self.addresses.render(tile, &mut adresses, &mut voies, &mut lieux_dits);
        [
            areas.departements,
            areas.communes,
            lieux_dits,
            voies,
            adresses,
            areas.departement_labels,
            areas.commune_labels,
        ]
        .into_iter()
        .filter_map(LayerBuilder::finish)
        .collect()
    }
}
