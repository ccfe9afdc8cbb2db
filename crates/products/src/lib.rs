//! Products of buitenzicht: what the CLI writes and the server serves from a
//! scored [`RiskModel`](buitenzicht_score::RiskModel).
//!
//! - [`tiles`]: 256×256 Web Mercator PNG tiles of the risk and each
//!   indicator, and PMTiles/MBTiles archives of them ([`tiles::pyramid`]);
//! - [`geotiff`]: the five-band risk GeoTIFF, whole or per municipality;
//! - [`aggregate`] and [`export`]: risk per RD square, inspection lists as
//!   CSV and RFC 7946 GeoJSON.

#![forbid(unsafe_code)]

pub mod aggregate;
pub mod error;
pub mod export;
pub mod geotiff;
pub mod tiles;

pub use error::ProductError;
