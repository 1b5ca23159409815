//! Every number that shapes the tiles, with its reason.

/// Highest zoom served. At z22 a tile is ≈ 10 m wide and one tile unit ≈ 2 mm: past it nothing
/// more can be seen, and MapLibre over-zooms the tiles of [`SOURCE_MAX_ZOOM`] anyway.
pub const MAX_ZOOM: u8 = 22;

/// Tile units across a tile (the MVT default; 8 units per pixel of a 512-pixel tile).
pub const EXTENT: u32 = 4096;

/// Tile units kept around the tile, so that a circle or a contour line drawn across the edge
/// of a tile is not cut: 8 pixels of a 512-pixel tile. Features are clipped to this buffer.
pub const BUFFER: i64 = 64;

/// Addresses appear from zoom 14 (a tile ≈ 1.6 km wide in Paris, ≤ a few thousand numbers):
/// below it numbers would only be a cloud of dots, and tiles would grow past what a browser
/// draws smoothly. Only each address's main position (the one of the best kind) is there at 14
/// and 15.
pub const ADDRESS_MIN_ZOOM: u8 = 14;

/// The other positions of an address (bâtiment, parcelle…) appear from zoom 16, where a tile is
/// ≈ 400 m wide and positions a few metres apart can be told apart.
pub const SECONDARY_POSITION_MIN_ZOOM: u8 = 16;

/// Street label points appear from zoom 12 (a Paris tile then holds ≈ 500 streets, of which
/// the map shows those that do not collide): a city is not blank between its commune name and
/// its addresses.
pub const VOIE_MIN_ZOOM: u8 = 12;

/// Lieux-dits, sparser and named places of the countryside, from zoom 11.
pub const LIEU_DIT_MIN_ZOOM: u8 = 11;

/// Commune contours and names from zoom 8 (a tile ≈ 150 km wide, a few hundred communes): below
/// it the 35,000 communes of France would be a grey blur, and the map shows départements.
pub const COMMUNE_MIN_ZOOM: u8 = 8;

/// Département contours and names at every zoom: the map of France is readable from zoom 0
/// with them alone.
pub const DEPARTEMENT_MIN_ZOOM: u8 = 0;

/// Contours are simplified (Douglas–Peucker) for every zoom up to this one; above it they are
/// served as read (france-geojson's own precision, ≈ 1 m).
pub const SIMPLIFY_MAX_ZOOM: u8 = 14;

/// Simplification tolerance, in tile units at the zoom being simplified for: half a pixel of a
/// 512-pixel tile, so that simplification cannot be seen.
pub const SIMPLIFY_TOLERANCE: f64 = 4.0;

/// The `maxzoom` of the source in the style: every feature is in the tiles of this zoom, and
/// MapLibre over-zooms them above it (fewer, reusable requests at street level).
pub const SOURCE_MAX_ZOOM: u8 = 16;
