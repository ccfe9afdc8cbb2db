//! XYZ map tiles of the risk surface and its indicators in Web Mercator.

pub mod colormap;
pub mod layer;
pub mod mercator;
pub mod pyramid;
pub mod render;

pub use colormap::ColorRamp;
pub use layer::TileLayer;
pub use mercator::TileId;
pub use render::{empty_tile, render_tile, RenderError};
