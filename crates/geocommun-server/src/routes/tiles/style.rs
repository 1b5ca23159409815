//! The MapLibre style: readable with our layers alone (land and sea, département and commune
//! contours and names, street and lieu-dit names, address points coloured by position type and
//! numbers by certification), with an operator's raster basemap underneath when configured.

use geocommun_model::PositionKind;
use geocommun_tiles::layer;
use geocommun_tiles::limits::{
    ADDRESS_MIN_ZOOM, COMMUNE_MIN_ZOOM, LIEU_DIT_MIN_ZOOM, SECONDARY_POSITION_MIN_ZOOM,
    SOURCE_MAX_ZOOM, VOIE_MIN_ZOOM,
};
use serde_json::{Value, json};

use crate::config::Basemap;

/// The source id of our tiles in the style.
pub const SOURCE: &str = "geocommun";

/// The colour of each position type: ColorBrewer's "Dark2" (8 colours told apart by most
/// colour-blind readers, all with a contrast ≥ 3:1 on the land colour) and greys for the rest.
pub const POSITION_COLOURS: [(PositionKind, &str); 9] = [
    (PositionKind::Entree, "#1b9e77"),
    (PositionKind::Batiment, "#d95f02"),
    (PositionKind::CageEscalier, "#7570b3"),
    (PositionKind::Logement, "#e7298a"),
    (PositionKind::ServiceTechnique, "#66a61e"),
    (PositionKind::DelivrancePostale, "#b8860b"),
    (PositionKind::Parcelle, "#a6761d"),
    (PositionKind::Segment, "#595959"),
    (PositionKind::Inconnue, "#8c8c8c"),
];

/// Number labels: certified by the commune, or not (contrast ≥ 7:1 on the land colour).
pub const CERTIFIED_COLOUR: &str = "#0a5c36";
pub const NOT_CERTIFIED_COLOUR: &str = "#5c3d0a";

const LAND: &str = "#f8f6f1";
const SEA: &str = "#cfe0ea";
const DEPARTEMENT_LINE: &str = "#5b4a8b";
const COMMUNE_LINE: &str = "#8a8478";
const TEXT: &str = "#2b2b2b";
const HALO: &str = "#ffffff";

fn fonts(available: &[&str], wanted: &str) -> Value {
    // The wanted font when served, else the first served one (labels show in any case).
    let name = available.iter().find(|f| **f == wanted).or(available.first()).copied();
    json!([name.unwrap_or(wanted)])
}

/// The style for clients that reach us at `base` (`https://adresse.example.org`).
pub fn style(base: &str, basemap: Option<&Basemap>, available_fonts: &[&str]) -> Value {
    let regular = fonts(available_fonts, "Noto Sans Regular");
    let bold = fonts(available_fonts, "Noto Sans Bold");
    let italic = fonts(available_fonts, "Noto Sans Italic");
    let certified = json!(["==", ["get", "certifie"], true]);
    let type_colour = {
        let mut m = vec![json!("match"), json!(["get", "type_position"])];
        for (kind, colour) in POSITION_COLOURS {
            m.push(json!(kind.as_bal_str()));
            m.push(json!(colour));
        }
        m.push(json!("#8c8c8c"));
        Value::Array(m)
    };
    let mut sources = serde_json::Map::new();
    sources.insert(
        SOURCE.to_owned(),
        json!({
            "type": "vector",
            "tiles": [format!("{base}/tiles/{{z}}/{{x}}/{{y}}.pbf")],
            "minzoom": 0,
            "maxzoom": SOURCE_MAX_ZOOM,
            "attribution": "Adresses : Base Adresse Nationale et Bases Adresses Locales (Licence Ouverte 2.0), \
                            BANO (ODbL) · Contours : IGN Admin Express, INSEE COG (Licence Ouverte)"
        }),
    );
    let mut layers = vec![json!({
        "id": "fond", "type": "background",
        "paint": {"background-color": if basemap.is_some() { LAND } else { SEA }}
    })];
    if let Some(b) = basemap {
        sources.insert(
            "fond-de-carte".to_owned(),
            json!({
                "type": "raster",
                "tiles": [b.url],
                "tileSize": b.tile_size,
                "attribution": b.attribution,
            }),
        );
        layers.push(json!({"id": "fond-de-carte", "type": "raster", "source": "fond-de-carte"}));
    }
    let land_opacity = if basemap.is_some() { 0.0 } else { 1.0 };
    layers.extend([
        // Land: the départements filled (the sea is the background).
        json!({
            "id": "departements-terre", "type": "fill", "source": SOURCE, "source-layer": layer::DEPARTEMENTS,
            "paint": {"fill-color": LAND, "fill-opacity": land_opacity, "fill-antialias": false}
        }),
        json!({
            "id": "communes-contour", "type": "line", "source": SOURCE, "source-layer": layer::COMMUNES,
            "minzoom": COMMUNE_MIN_ZOOM,
            "paint": {
                "line-color": COMMUNE_LINE,
                "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.4, 12, 1.0, 16, 1.6],
                "line-dasharray": [3, 2]
            }
        }),
        json!({
            "id": "departements-contour", "type": "line", "source": SOURCE, "source-layer": layer::DEPARTEMENTS,
            "paint": {
                "line-color": DEPARTEMENT_LINE,
                "line-width": ["interpolate", ["linear"], ["zoom"], 0, 0.5, 6, 1.2, 12, 2.5]
            }
        }),
        // Secondary positions (bâtiment, parcelle… when the address has a better one).
        json!({
            "id": "adresses-positions-secondaires", "type": "circle", "source": SOURCE,
            "source-layer": layer::ADRESSES, "minzoom": SECONDARY_POSITION_MIN_ZOOM,
            "filter": ["==", ["get", "principale"], false],
            "paint": {
                "circle-radius": 3, "circle-color": type_colour,
                "circle-stroke-color": HALO, "circle-stroke-width": 1
            }
        }),
        json!({
            "id": "adresses", "type": "circle", "source": SOURCE, "source-layer": layer::ADRESSES,
            "minzoom": ADDRESS_MIN_ZOOM,
            "filter": ["==", ["get", "principale"], true],
            "paint": {
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 2, 17, 4.5, 20, 7],
                "circle-color": type_colour,
                "circle-stroke-color": ["case", certified, CERTIFIED_COLOUR, HALO],
                "circle-stroke-width": ["interpolate", ["linear"], ["zoom"], 14, 0.5, 17, 1.5]
            }
        }),
        // Symbols are placed top layer first: names of places win over numbers.
        json!({
            "id": "adresses-numeros", "type": "symbol", "source": SOURCE, "source-layer": layer::ADRESSES,
            "minzoom": SECONDARY_POSITION_MIN_ZOOM,
            "filter": ["==", ["get", "principale"], true],
            "layout": {
                "text-field": ["get", "numero"],
                "text-font": ["case", certified, ["literal", bold], ["literal", regular]],
                "text-size": ["interpolate", ["linear"], ["zoom"], 16, 10, 20, 14],
                "text-anchor": "left", "text-offset": [0.6, 0]
            },
            "paint": {
                "text-color": ["case", certified, CERTIFIED_COLOUR, NOT_CERTIFIED_COLOUR],
                "text-halo-color": HALO, "text-halo-width": 1.5
            }
        }),
        json!({
            "id": "lieux-dits", "type": "symbol", "source": SOURCE, "source-layer": layer::LIEUX_DITS,
            "minzoom": LIEU_DIT_MIN_ZOOM,
            "layout": {
                "text-field": ["get", "nom"], "text-font": italic,
                "text-size": ["interpolate", ["linear"], ["zoom"], 11, 11, 17, 14],
                "text-max-width": 8
            },
            "paint": {"text-color": "#5a4632", "text-halo-color": HALO, "text-halo-width": 1.5}
        }),
        json!({
            "id": "voies", "type": "symbol", "source": SOURCE, "source-layer": layer::VOIES,
            "minzoom": VOIE_MIN_ZOOM,
            "layout": {
                "text-field": ["get", "nom"], "text-font": regular,
                "text-size": ["interpolate", ["linear"], ["zoom"], 12, 10, 18, 14],
                "text-max-width": 8, "text-anchor": "top", "text-offset": [0, 0.6]
            },
            "paint": {"text-color": TEXT, "text-halo-color": HALO, "text-halo-width": 1.5}
        }),
        json!({
            "id": "communes-noms", "type": "symbol", "source": SOURCE,
            "source-layer": layer::COMMUNES_ETIQUETTES, "minzoom": COMMUNE_MIN_ZOOM, "maxzoom": 15,
            "layout": {
                "text-field": ["get", "nom"], "text-font": regular,
                "symbol-sort-key": ["-", 0, ["coalesce", ["get", "population"], 0]],
                "text-size": ["interpolate", ["linear"], ["zoom"],
                    8, ["step", ["coalesce", ["get", "population"], 0], 10, 20_000, 12, 100_000, 14],
                    13, ["step", ["coalesce", ["get", "population"], 0], 13, 20_000, 15, 100_000, 17]],
                "text-max-width": 8
            },
            "paint": {"text-color": TEXT, "text-halo-color": HALO, "text-halo-width": 1.8}
        }),
        json!({
            "id": "departements-noms", "type": "symbol", "source": SOURCE,
            "source-layer": layer::DEPARTEMENTS_ETIQUETTES, "minzoom": 4, "maxzoom": 9,
            "layout": {
                "text-field": ["get", "nom"], "text-font": bold,
                "text-size": ["interpolate", ["linear"], ["zoom"], 4, 10, 8, 15],
                "text-transform": "uppercase", "text-letter-spacing": 0.05, "text-max-width": 7
            },
            "paint": {"text-color": DEPARTEMENT_LINE, "text-halo-color": HALO, "text-halo-width": 1.5}
        }),
    ]);
    let legend: Vec<Value> = POSITION_COLOURS
        .iter()
        .map(|(kind, colour)| json!({"type_position": kind.as_bal_str(), "couleur": colour}))
        .collect();
    json!({
        "version": 8,
        "name": "geocommun",
        "metadata": {
            "geocommun:legend": {
                "positions": legend,
                "certifie": CERTIFIED_COLOUR,
                "non_certifie": NOT_CERTIFIED_COLOUR,
                "departement": DEPARTEMENT_LINE,
                "commune": COMMUNE_LINE
            }
        },
        "center": [2.35, 46.6],
        "zoom": 5,
        "glyphs": format!("{base}/tiles/fonts/{{fontstack}}/{{range}}.pbf"),
        "sources": sources,
        "layers": layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_uses_our_source_and_known_fonts() {
        let fonts = ["Noto Sans Regular", "Noto Sans Bold", "Noto Sans Italic"];
        let s = style("http://127.0.0.1:7878", None, &fonts);
        assert_eq!(s["sources"].as_object().unwrap().len(), 1);
        assert_eq!(
            s["sources"]["geocommun"]["tiles"][0],
            "http://127.0.0.1:7878/tiles/{z}/{x}/{y}.pbf"
        );
        for l in s["layers"].as_array().unwrap() {
            if l["type"] != "background" {
                assert_eq!(l["source"], SOURCE, "{l}");
                assert!(layer::ALL.contains(&l["source-layer"].as_str().unwrap()), "{l}");
            }
            let text = l["layout"]["text-font"].to_string();
            assert!(text == "null" || fonts.iter().any(|f| text.contains(f)), "{l}");
        }
        let b =
            Basemap::new("https://tiles.example.org/{z}/{x}/{y}.png", "© Example", 256).unwrap();
        let s = style("https://a.example", Some(&b), &fonts);
        assert_eq!(s["sources"]["fond-de-carte"]["attribution"], "© Example");
        assert_eq!(s["layers"][1]["id"], "fond-de-carte");
    }
}
