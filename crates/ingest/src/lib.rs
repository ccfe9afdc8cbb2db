//! Ingest stage of buitenzicht: reads the seven input layers through GDAL,
//! brings every geometry to RD New (EPSG:28992), validates each record and
//! puts every feature in an R-tree.
//!
//! Bad records are never dropped silently: each one becomes a [`Rejection`]
//! naming file, row and field, and [`IngestReport`] counts them per layer.
//!
//! ```no_run
//! use buitenzicht_ingest::{ingest, IngestError, IngestOptions, LayerSources};
//!
//! fn dumpings_near_farm(sources: &LayerSources) -> Result<usize, IngestError> {
//!     let (data, report) = ingest(sources, &IngestOptions::default())?;
//!     eprint!("{report}");
//!     Ok(data.dumpingen_index.within_distance([150_000.0, 400_000.0], 1_000.0).len())
//! }
//! ```

pub mod atomic;
pub mod config;
pub mod crs;
pub mod error;
pub mod index;
pub mod layers;
mod reader;
pub mod report;
pub mod source;
pub mod validate;

pub use config::{CsvDialect, IngestOptions, Join, LayerSource, LayerSources};
pub use error::{IngestError, Rejection};
pub use index::{PointIndex, PolygonIndex};
pub use layers::{Dumping, Gemeente, Kom, Leegstand, Pand, Rioolmeting, Rwzi, SatellietTegel};
pub use reader::four_digit_year;
pub use report::{IngestReport, LayerReport};

use geo::{BoundingRect, MultiPolygon};
use source::Context;

/// Every input layer, in RD New, with its R-tree.
///
/// Indexes hold positions into the matching `Vec`, so a query result is an
/// index into e.g. [`Dataset::panden`].
#[derive(Debug)]
pub struct Dataset {
    pub gemeenten: Vec<Gemeente>,
    pub gemeenten_index: PolygonIndex,
    pub bebouwde_kom: Vec<Kom>,
    pub kom_index: PolygonIndex,
    pub panden: Vec<Pand>,
    /// Centroids of all buildings.
    pub panden_index: PointIndex,
    pub dumpingen: Vec<Dumping>,
    pub dumpingen_index: PointIndex,
    pub rwzi: Vec<Rwzi>,
    pub rwzi_index: PolygonIndex,
    pub rioolmetingen: Vec<Rioolmeting>,
    pub satelliet: Vec<SatellietTegel>,
    /// Footprints of the satellite tiles in RD New.
    pub satelliet_index: PolygonIndex,
}

impl Dataset {
    /// The index in `gemeenten` of the municipality with CBS code
    /// `statcode`.
    pub fn gemeente_index(&self, statcode: &str) -> Option<usize> {
        self.gemeenten.iter().position(|g| g.statcode == statcode)
    }

    /// The municipality whose polygon contains `p` (RD New metres).
    pub fn gemeente_at(&self, p: [f64; 2]) -> Option<&Gemeente> {
        self.gemeenten_index
            .containing(p)
            .next()
            .map(|i| &self.gemeenten[i])
    }

    /// True when `p` lies inside a built-up area (bebouwde kom).
    pub fn is_built_up(&self, p: [f64; 2]) -> bool {
        self.kom_index.containing(p).next().is_some()
    }

    /// The treatment-plant catchment that contains `p`.
    pub fn rwzi_at(&self, p: [f64; 2]) -> Option<&Rwzi> {
        self.rwzi_index.containing(p).next().map(|i| &self.rwzi[i])
    }

    /// The study area: the union of all municipality polygons, as a list.
    pub fn study_area(&self) -> impl Iterator<Item = &MultiPolygon> {
        self.gemeenten.iter().map(|g| &g.geometry)
    }
}

/// Stops GDAL printing its own messages (English, and a thousand lines
/// for a thousand failed points): every failure reaches the analyst as a
/// Dutch message naming file, row and field, GDAL's text in it where it
/// helps. With GDAL's own debug switch `CPL_DEBUG` set they are printed.
///
/// Failures are still counted ([`gdal_failures`]): GDAL before 3.7 reports
/// a write that fails while a file is closed (a full disk) only here.
pub fn quiet_gdal_messages() {
    let print = std::env::var_os("CPL_DEBUG").is_some();
    gdal::config::set_error_handler(move |class, _, message| {
        use gdal::errors::CplErrType;
        if matches!(class, CplErrType::Failure | CplErrType::Fatal) {
            GDAL_FAILURES.with(|n| n.set(n.get() + 1));
        }
        if print {
            eprintln!("GDAL: {message}");
        }
    });
}

thread_local! {
    // Per thread: GDAL reports an error on the thread that met it, so
    // another thread's failure (a list written beside the GeoTIFF, a
    // download beside a reload) is not taken for this one's.
    static GDAL_FAILURES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many failures GDAL has reported on this thread since
/// [`quiet_gdal_messages`]: a writer compares the count before and after.
pub fn gdal_failures() -> u64 {
    GDAL_FAILURES.with(|n| n.get())
}

/// The CBS codes of the municipalities in the gemeenten layer of
/// `sources`, that layer read on its own: for a command that names a
/// municipality and needs nothing else of the data.
pub fn gemeente_codes(sources: &LayerSources) -> Result<Vec<String>, IngestError> {
    let mut report = IngestReport::default();
    let gemeenten = layers::gemeenten::read(&sources.gemeenten, &Context::default(), &mut report)?;
    Ok(gemeenten.into_iter().map(|g| g.statcode).collect())
}

/// The settings of every layer that can be checked before any is read:
/// files (and the buildings' join table) that exist, `columns` keys the
/// layer reads, `csv` and `layer` only where they apply. Reading checks them again, layer by layer.
fn check_settings(sources: &LayerSources) -> Result<(), IngestError> {
    use reader::check_columns;
    check_columns(&layers::gemeenten::SCHEMA, &sources.gemeenten)?;
    check_columns(&layers::bebouwde_kom::SCHEMA, &sources.bebouwde_kom)?;
    check_columns(layers::panden::schema(&sources.panden), &sources.panden)?;
    check_columns(&layers::dumpingen::SCHEMA, &sources.dumpingen)?;
    check_columns(&layers::rwzi::SCHEMA, &sources.rwzi)?;
    check_columns(&layers::rioolmetingen::SCHEMA, &sources.rioolmetingen)?;
    if let Some(join) = &sources.panden.join {
        source::check_settings("panden", &layers::panden::join_source(join)?)?;
    }
    sources
        .each()
        .into_iter()
        .try_for_each(|(layer, source)| source::check_settings(layer, source))
}

/// Reads, validates and indexes every layer named in `sources`.
///
/// A file that cannot be opened or lacks a required column is an error; a
/// bad record is a [`Rejection`] in the report and the record is left out.
/// A layer that loses more than its allowed share of records
/// ([`IngestOptions::max_reject_share`], or the layer's own) is an error
/// too, unless [`IngestOptions::allow_rejects`] is set, and so is a study
/// area without a single municipality.
pub fn ingest(
    sources: &LayerSources,
    options: &IngestOptions,
) -> Result<(Dataset, IngestReport), IngestError> {
    check_settings(sources)?;
    let mut report = IngestReport::default();
    let mut context = Context::default();
    // Every layer read since the last check: a join table is read before
    // its layer and held to the layer's share.
    let mut checked = 0;
    let mut check = |report: &IngestReport, source: &LayerSource| {
        let share = source.max_reject_share.unwrap_or(options.max_reject_share);
        let since = report.layers.get(checked..).unwrap_or_default();
        checked = report.layers.len();
        since
            .iter()
            .try_for_each(|layer| check_rejections(report, layer, share, options))
    };

    let mut gemeenten = layers::gemeenten::read(&sources.gemeenten, &context, &mut report)?;
    check(&report, &sources.gemeenten)?;
    // In code order whatever the source's, as the buildings below: the
    // lists and exports come out the same from every format.
    gemeenten.sort_by(|a, b| a.statcode.cmp(&b.statcode));
    if gemeenten.is_empty() {
        return Err(IngestError::NoStudyArea);
    }
    context.study_area_rd = MultiPolygon::new(
        gemeenten
            .iter()
            .flat_map(|g| g.geometry.0.iter().cloned())
            .collect(),
    )
    .bounding_rect()
    .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);

    let bebouwde_kom = layers::bebouwde_kom::read(&sources.bebouwde_kom, &context, &mut report)?;
    check(&report, &sources.bebouwde_kom)?;
    // Buildings and dumpings in one order whatever the source's (a
    // FlatGeobuf with a spatial index returns them along a Hilbert curve),
    // so the same records give the same sums, the same fit, the same map.
    let mut panden = layers::panden::read(&sources.panden, &context, &mut report)?;
    check(&report, &sources.panden)?;
    panden.sort_by(|a, b| a.identificatie.cmp(&b.identificatie));
    let mut dumpingen = layers::dumpingen::read(&sources.dumpingen, &context, &mut report)?;
    check(&report, &sources.dumpingen)?;
    dumpingen.sort_by(|a, b| (a.datum, &a.incident_id).cmp(&(b.datum, &b.incident_id)));
    let rwzi = layers::rwzi::read(&sources.rwzi, &context, &mut report)?;
    check(&report, &sources.rwzi)?;
    let rioolmetingen =
        layers::rioolmetingen::read(&sources.rioolmetingen, &rwzi, &context, &mut report)?;
    check(&report, &sources.rioolmetingen)?;
    let satelliet = layers::satelliet::read(&sources.satelliet, &context, &mut report)?;
    check(&report, &sources.satelliet)?;

    let data = Dataset {
        gemeenten_index: PolygonIndex::new(gemeenten.iter().map(|g| g.geometry.clone())),
        kom_index: PolygonIndex::new(bebouwde_kom.iter().map(|k| k.geometry.clone())),
        panden_index: PointIndex::new(panden.iter().map(|p| p.centroid)),
        dumpingen_index: PointIndex::new(dumpingen.iter().map(|d| d.location)),
        rwzi_index: PolygonIndex::new(rwzi.iter().map(|r| r.geometry.clone())),
        satelliet_index: PolygonIndex::new(
            satelliet
                .iter()
                .map(|t| MultiPolygon::new(vec![t.footprint.clone()])),
        ),
        gemeenten,
        bebouwde_kom,
        panden,
        dumpingen,
        rwzi,
        rioolmetingen,
        satelliet,
    };
    Ok((data, report))
}

/// Fails when `layer` lost more than `max_share` of its records.
fn check_rejections(
    report: &IngestReport,
    layer: &LayerReport,
    max_share: f64,
    options: &IngestOptions,
) -> Result<(), IngestError> {
    if options.allow_rejects || layer.read == 0 {
        return Ok(());
    }
    if layer.rejected as f64 > max_share * layer.read as f64 {
        return Err(IngestError::TooManyRejected {
            layer: layer.layer,
            rejected: layer.rejected,
            read: layer.read,
            max_share,
            examples: report
                .rejections
                .iter()
                .filter(|r| r.layer == layer.layer)
                .take(5)
                .cloned()
                .collect(),
        });
    }
    Ok(())
}
