//! XYZ map tiles of the risk surface in Web Mercator.

pub mod colormap;
pub mod mercator;
pub mod render;

pub use colormap::ColorRamp;
pub use mercator::TileId;
pub use render::{empty_tile, render_tile, RenderError};
