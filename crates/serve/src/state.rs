//! What the server holds. A [`Snapshot`] is everything derived from one
//! scoring run; the server swaps in a new one when the model is rescored,
//! and the tile cache, keyed by model version, never serves an old tile.
//! Every handler reads through [`AppState::current`], so checks on who may
//! see what belong in this one place.

use crate::access::Access;
use crate::tiles::{ColorRamp, TileCache, TileLayer};
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::Dataset;
use buitenzicht_products::export::rfc7946_geometry;
use buitenzicht_score::{InspectionList, RiskModel};
use geo::Geometry;
use geojson::Feature;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// Tile cache size when the project file does not set one.
pub const DEFAULT_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// One scoring run and the products derived from it.
pub struct Snapshot {
    pub data: Dataset,
    pub model: RiskModel,
    pub inspections: Vec<InspectionList>,
    /// Model version as shared text (tile cache keys, URLs).
    pub version: Arc<str>,
    /// Municipality and built-up outlines as RFC 7946 GeoJSON.
    pub gemeenten_geojson: String,
    pub kom_geojson: String,
    /// Study-area bounds in WGS84: `[west, south, east, north]`.
    pub bounds_wgs84: [f64; 4],
}

/// Errors building the state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("omzetten naar WGS84 mislukt: {0}")]
    Gdal(#[from] gdal::errors::GdalError),
    #[error("{0}")]
    Score(#[from] buitenzicht_score::ScoreError),
    #[error("{0}")]
    Product(#[from] buitenzicht_products::ProductError),
    #[error("{0}")]
    Png(#[from] png::EncodingError),
}

impl Snapshot {
    pub fn new(
        data: Dataset,
        model: RiskModel,
        inspections: Vec<InspectionList>,
    ) -> Result<Self, StateError> {
        let to_wgs = Transformer::from_epsg(RD_NEW, WGS84)?;
        let outlines =
            |items: Vec<(&geo::MultiPolygon, serde_json::Value)>| -> Result<String, StateError> {
                let mut features = Vec::with_capacity(items.len());
                for (geometry, properties) in items {
                    features.push(Feature {
                        geometry: Some(rfc7946_geometry(
                            &Geometry::MultiPolygon(geometry.clone()),
                            &to_wgs,
                        )?),
                        properties: properties.as_object().cloned(),
                        ..Feature::default()
                    });
                }
                Ok(
                    serde_json::to_string(&buitenzicht_products::export::collection(features))
                        .unwrap_or_default(),
                )
            };
        let gemeenten_geojson = outlines(
            data.gemeenten
                .iter()
                .map(|g| {
                    (
                        &g.geometry,
                        json!({"statcode": g.statcode, "statnaam": g.statnaam}),
                    )
                })
                .collect(),
        )?;
        let kom_geojson = outlines(
            data.bebouwde_kom
                .iter()
                .map(|k| (&k.geometry, json!({"naam": k.naam})))
                .collect(),
        )?;
        let bounds_wgs84 = to_wgs.bounds(model.spec.bbox())?;
        Ok(Snapshot {
            version: model.version.as_str().into(),
            gemeenten_geojson,
            kom_geojson,
            bounds_wgs84,
            data,
            model,
            inspections,
        })
    }

    /// The inspection list of a municipality.
    pub fn inspection_list(&self, statcode: &str) -> Option<&InspectionList> {
        self.inspections.iter().find(|l| l.statcode == statcode)
    }
}

/// Shared server state.
pub struct AppState {
    pub name: String,
    snapshot: RwLock<Arc<Snapshot>>,
    pub cache: TileCache,
    pub ramp: ColorRamp,
    /// The transparent tile, encoded once.
    pub empty_tile: axum::body::Bytes,
    pub basemap_url: Option<String>,
    pub basemap_attribution: Option<String>,
    /// Origins whose pages may read the API (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// Access control; `None` without `[access]` (loopback only).
    pub access: Option<Arc<Access>>,
    /// Base of the URLs in TileJSON: `[serve] public_url`, else the address
    /// the server listens on. Never the request's `Host` header.
    pub base_url: OnceLock<String>,
    /// Layer values restricted to a scope (a municipality's area, or
    /// risk classes per square), per model version.
    scoped: Mutex<HashMap<ScopedKey, Arc<Vec<f32>>>>,
    /// PDOK Locatieserver for the map's address search, when configured.
    pub locatieserver_url: Option<String>,
}

/// Model version, scope key and layer of restricted values.
type ScopedKey = (Arc<str>, String, TileLayer);

/// What part of a layer a user's tiles show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileScope {
    /// Everything.
    All,
    /// Only the cells of these municipalities (CBS codes, sorted).
    Gemeenten(Vec<String>),
    /// The risk as classes per RD square of this many metres.
    Squares(u32),
}

impl TileScope {
    /// The scope's part of tile cache keys.
    pub fn key(&self) -> String {
        match self {
            TileScope::All => "alles".into(),
            TileScope::Gemeenten(codes) => format!("gm:{}", codes.join(",")),
            TileScope::Squares(size) => format!("vierkant:{size}"),
        }
    }
}

/// The risks drawn for the classes laag, verhoogd, hoog and zeer hoog.
pub const CLASS_VALUES: [f32; 4] = [10.0, 30.0, 50.0, 80.0];

/// The risk drawn for a class: within its band on the 0–100 ramp.
fn class_value(max_risk: f32) -> f32 {
    match buitenzicht_products::aggregate::risk_class(max_risk) {
        "zeer hoog" => 80.0,
        "hoog" => 50.0,
        "verhoogd" => 30.0,
        _ => 10.0,
    }
}

/// `values` with every cell outside `scope` set to no data (and, for
/// squares, each square's cells set to its class).
fn restrict(snapshot: &Snapshot, values: &[f32], scope: &TileScope) -> Vec<f32> {
    let model = &snapshot.model;
    match scope {
        TileScope::All => values.to_vec(),
        TileScope::Gemeenten(codes) => {
            let wanted: Vec<u32> = snapshot
                .data
                .gemeenten
                .iter()
                .enumerate()
                .filter(|(_, g)| codes.contains(&g.statcode))
                .map(|(i, _)| i as u32 + 1)
                .collect();
            values
                .iter()
                .zip(&model.gemeente)
                .map(|(&v, g)| if wanted.contains(g) { v } else { f32::NAN })
                .collect()
        }
        TileScope::Squares(size) => {
            let spec = &model.spec;
            let size = *size as f64;
            let square = |col: usize, row: usize| {
                let [x, y] = spec.centre(col, row);
                ((x / size).floor() as i64, (y / size).floor() as i64)
            };
            let mut max: HashMap<(i64, i64), f32> = HashMap::new();
            for row in 0..spec.rows {
                for col in 0..spec.cols {
                    let v = model.risk[spec.index(col, row)];
                    if v.is_finite() {
                        let m = max.entry(square(col, row)).or_insert(v);
                        *m = m.max(v);
                    }
                }
            }
            let mut out = vec![f32::NAN; model.risk.len()];
            for row in 0..spec.rows {
                for col in 0..spec.cols {
                    let i = spec.index(col, row);
                    if model.risk[i].is_finite() {
                        if let Some(&m) = max.get(&square(col, row)) {
                            out[i] = class_value(m);
                        }
                    }
                }
            }
            out
        }
    }
}

impl AppState {
    pub fn new(
        name: String,
        snapshot: Snapshot,
        config: &crate::ServeConfig,
    ) -> Result<Self, StateError> {
        Ok(AppState {
            name,
            snapshot: RwLock::new(Arc::new(snapshot)),
            cache: TileCache::new(
                config
                    .tile_cache_mb
                    .map_or(DEFAULT_CACHE_BYTES, |mb| mb * 1024 * 1024),
            ),
            ramp: ColorRamp::default(),
            empty_tile: crate::tiles::empty_tile()?.into(),
            basemap_url: config.basemap_url.clone(),
            basemap_attribution: config.basemap_attribution.clone(),
            cors_origins: config.cors_origins.clone(),
            access: None,
            base_url: config
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_string())
                .map(OnceLock::from)
                .unwrap_or_default(),
            scoped: Mutex::new(HashMap::new()),
            locatieserver_url: config.locatieserver_url.clone(),
        })
    }

    /// The state with access control switched on.
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = Some(Arc::new(access));
        self
    }

    /// `layer`'s values (and factor to the ramp) within `scope`.
    pub fn scoped_values(
        &self,
        snapshot: &Snapshot,
        layer: TileLayer,
        scope: &TileScope,
    ) -> (Arc<Vec<f32>>, f32) {
        let (values, factor) = layer.values(&snapshot.model);
        let factor = if matches!(scope, TileScope::Squares(_)) {
            1.0
        } else {
            factor
        };
        let key = (Arc::clone(&snapshot.version), scope.key(), layer);
        let mut scoped = self.scoped.lock().unwrap_or_else(|p| p.into_inner());
        // Entries of an older model are of no more use.
        scoped.retain(|(version, _, _), _| *version == snapshot.version);
        let values = scoped
            .entry(key)
            .or_insert_with(|| Arc::new(restrict(snapshot, values, scope)));
        (Arc::clone(values), factor)
    }

    /// The snapshot requests are answered from.
    pub fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Swaps in a newly scored snapshot and drops the cached tiles.
    pub fn replace(&self, snapshot: Snapshot) {
        let fresh = Arc::new(snapshot);
        match self.snapshot.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        self.cache.clear();
        self.scoped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
