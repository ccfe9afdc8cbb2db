//! What the server holds. A [`Snapshot`] is everything derived from one
//! scoring run; the server swaps in a new one when the model is rescored,
//! and the tile cache, keyed by model version, never serves an old tile.
//! Every handler reads through [`AppState::current`], so checks on who may
//! see what belong in this one place.

use crate::tiles::{ColorRamp, TileCache};
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::Dataset;
use buitenzicht_products::export::rfc7946_geometry;
use buitenzicht_score::{InspectionList, RiskModel};
use geo::Geometry;
use geojson::{Feature, FeatureCollection};
use serde_json::json;
use std::sync::{Arc, RwLock};

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
    #[error("transform to WGS84 failed: {0}")]
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
                Ok(serde_json::to_string(&FeatureCollection::new(features)).unwrap_or_default())
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
    pub locatieserver_url: Option<String>,
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
            locatieserver_url: config.locatieserver_url.clone(),
        })
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
    }
}
