//! XYZ map tiles: rendered by `buitenzicht-products`, cached here.

pub mod cache;

pub use buitenzicht_products::tiles::*;
pub use cache::{CachedTile, TileCache, TileKey};
