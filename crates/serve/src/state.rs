//! What the server holds: the ingested data, the scored model and the
//! products derived from them. Every handler reads through here, so checks
//! on who may see what belong in this one place.

use crate::tiles::ColorRamp;
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::Dataset;
use buitenzicht_score::export::rfc7946_geometry;
use buitenzicht_score::{InspectionList, RiskModel};
use geo::Geometry;
use geojson::{Feature, FeatureCollection};
use serde_json::json;

/// Shared, read-only server state.
pub struct AppState {
    pub name: String,
    pub data: Dataset,
    pub model: RiskModel,
    pub inspections: Vec<InspectionList>,
    pub ramp: ColorRamp,
    /// The transparent tile, encoded once.
    pub empty_tile: Vec<u8>,
    /// Municipality and built-up outlines as RFC 7946 GeoJSON.
    pub gemeenten_geojson: String,
    pub kom_geojson: String,
    /// Study-area bounds in WGS84: `[west, south, east, north]`.
    pub bounds_wgs84: [f64; 4],
    pub basemap_url: Option<String>,
    pub basemap_attribution: Option<String>,
}

/// Errors building the state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("transform to WGS84 failed: {0}")]
    Gdal(#[from] gdal::errors::GdalError),
    #[error("{0}")]
    Score(#[from] buitenzicht_score::ScoreError),
    #[error("{0}")]
    Png(#[from] image::ImageError),
}

impl AppState {
    pub fn new(
        name: String,
        data: Dataset,
        model: RiskModel,
        inspections: Vec<InspectionList>,
        config: &crate::ServeConfig,
    ) -> Result<Self, StateError> {
        let to_wgs = Transformer::from_epsg(RD_NEW, WGS84)?;
        let outline = |features: Vec<Feature>| {
            serde_json::to_string(&FeatureCollection::new(features)).unwrap_or_default()
        };
        let mut gemeenten = Vec::new();
        for g in &data.gemeenten {
            gemeenten.push(Feature {
                geometry: Some(rfc7946_geometry(
                    &Geometry::MultiPolygon(g.geometry.clone()),
                    &to_wgs,
                )?),
                properties: json!({"statcode": g.statcode, "statnaam": g.statnaam})
                    .as_object()
                    .cloned(),
                ..Feature::default()
            });
        }
        let mut kom = Vec::new();
        for k in &data.bebouwde_kom {
            kom.push(Feature {
                geometry: Some(rfc7946_geometry(
                    &Geometry::MultiPolygon(k.geometry.clone()),
                    &to_wgs,
                )?),
                properties: json!({"naam": k.naam}).as_object().cloned(),
                ..Feature::default()
            });
        }
        let [x0, y0, x1, y1] = model.spec.bbox();
        let mut xs = [x0, x1, x1, x0];
        let mut ys = [y0, y0, y1, y1];
        to_wgs.transform(&mut xs, &mut ys)?;
        let bounds_wgs84 = [
            xs.iter().cloned().fold(f64::MAX, f64::min),
            ys.iter().cloned().fold(f64::MAX, f64::min),
            xs.iter().cloned().fold(f64::MIN, f64::max),
            ys.iter().cloned().fold(f64::MIN, f64::max),
        ];
        Ok(AppState {
            name,
            gemeenten_geojson: outline(gemeenten),
            kom_geojson: outline(kom),
            data,
            model,
            inspections,
            ramp: ColorRamp::default(),
            empty_tile: crate::tiles::empty_tile()?,
            bounds_wgs84,
            basemap_url: config.basemap_url.clone(),
            basemap_attribution: config.basemap_attribution.clone(),
        })
    }

    /// The inspection list of a municipality.
    pub fn inspection_list(&self, statcode: &str) -> Option<&InspectionList> {
        self.inspections.iter().find(|l| l.statcode == statcode)
    }
}
