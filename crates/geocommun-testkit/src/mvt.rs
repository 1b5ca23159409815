//! A small Mapbox Vector Tile reader for tests: protobuf and geometry commands decoded by
//! geozero (independent of the writer in `geocommun-tiles`), properties read from the key and
//! value tables, every index checked.

use std::collections::BTreeMap;

use geozero::GeomProcessor;
use geozero::mvt::Message as _;
use geozero::mvt::tile::GeomType;

/// A property value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    UInt(u64),
    Int(i64),
    Float(f64),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// One feature: its geometry in tile units and its properties.
#[derive(Clone, Debug, Default)]
pub struct Feature {
    pub kind: Option<GeomType>,
    pub props: BTreeMap<String, Value>,
    /// The points of a point feature.
    pub points: Vec<(f64, f64)>,
    /// The polygons of a polygon feature: rings of points, the closing point repeated.
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

impl Feature {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }

    /// Every coordinate of the feature.
    pub fn coords(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.points.iter().copied().chain(self.polygons.iter().flatten().flatten().copied())
    }
}

/// One layer.
#[derive(Clone, Debug, Default)]
pub struct Layer {
    pub extent: u32,
    pub features: Vec<Feature>,
}

/// A decoded tile: layers by name.
pub type Tile = BTreeMap<String, Layer>;

#[derive(Default)]
struct Collect {
    points: Vec<(f64, f64)>,
    polygons: Vec<Vec<Vec<(f64, f64)>>>,
    in_ring: bool,
}

impl GeomProcessor for Collect {
    fn xy(&mut self, x: f64, y: f64, _idx: usize) -> geozero::error::Result<()> {
        if self.in_ring {
            if let Some(ring) = self.polygons.last_mut().and_then(|p| p.last_mut()) {
                ring.push((x, y));
            }
        } else {
            self.points.push((x, y));
        }
        Ok(())
    }

    fn polygon_begin(
        &mut self,
        _tagged: bool,
        _size: usize,
        _idx: usize,
    ) -> geozero::error::Result<()> {
        self.polygons.push(Vec::new());
        Ok(())
    }

    fn linestring_begin(
        &mut self,
        _tagged: bool,
        _size: usize,
        _idx: usize,
    ) -> geozero::error::Result<()> {
        self.in_ring = true;
        if let Some(p) = self.polygons.last_mut() {
            p.push(Vec::new());
        }
        Ok(())
    }

    fn linestring_end(&mut self, _tagged: bool, _idx: usize) -> geozero::error::Result<()> {
        self.in_ring = false;
        Ok(())
    }
}

/// Decodes a tile; `Err` says what is malformed.
pub fn decode(bytes: &[u8]) -> Result<Tile, String> {
    let tile = geozero::mvt::Tile::decode(bytes).map_err(|e| format!("protobuf: {e}"))?;
    let mut out = Tile::new();
    for layer in &tile.layers {
        if layer.version != 2 {
            return Err(format!("layer {}: version {}", layer.name, layer.version));
        }
        let mut features = Vec::with_capacity(layer.features.len());
        for (i, f) in layer.features.iter().enumerate() {
            if f.tags.len() % 2 != 0 {
                return Err(format!("layer {} feature {i}: odd tags", layer.name));
            }
            let mut props = BTreeMap::new();
            for pair in f.tags.chunks(2) {
                let key = layer.keys.get(pair[0] as usize).ok_or("key index out of range")?;
                let v = layer.values.get(pair[1] as usize).ok_or("value index out of range")?;
                let value = if let Some(s) = &v.string_value {
                    Value::Str(s.clone())
                } else if let Some(b) = v.bool_value {
                    Value::Bool(b)
                } else if let Some(n) = v.uint_value {
                    Value::UInt(n)
                } else if let Some(n) = v.int_value.or(v.sint_value) {
                    Value::Int(n)
                } else if let Some(x) = v.double_value.or(v.float_value.map(f64::from)) {
                    Value::Float(x)
                } else {
                    return Err(format!("layer {}: empty value", layer.name));
                };
                if props.insert(key.clone(), value).is_some() {
                    return Err(format!("layer {} feature {i}: key {key} twice", layer.name));
                }
            }
            let mut c = Collect::default();
            geozero::mvt::process_geom(f, &mut c)
                .map_err(|e| format!("layer {} feature {i}: geometry: {e}", layer.name))?;
            features.push(Feature {
                kind: f.r#type.and_then(|t| GeomType::try_from(t).ok()),
                props,
                points: c.points,
                polygons: c.polygons,
            });
        }
        let name = layer.name.clone();
        let layer = Layer { extent: layer.extent.unwrap_or(4096), features };
        if out.insert(name.clone(), layer).is_some() {
            return Err(format!("layer {name} twice"));
        }
    }
    Ok(out)
}

/// Tile units of tile `z/x/y` → (longitude, latitude).
pub fn to_lonlat(z: u8, x: u32, y: u32, extent: u32, tx: f64, ty: f64) -> (f64, f64) {
    let n = f64::from(extent) * 2f64.powi(i32::from(z));
    let wx = (f64::from(x) * f64::from(extent) + tx) / n;
    let wy = (f64::from(y) * f64::from(extent) + ty) / n;
    let lon = wx * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * wy)).sinh().atan().to_degrees();
    (lon, lat)
}
