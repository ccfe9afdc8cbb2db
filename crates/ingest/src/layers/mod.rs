//! The seven input layers: one file per layer, each with its record type
//! and a `read` function.

pub mod bebouwde_kom;
pub mod dumpingen;
pub mod gemeenten;
pub mod panden;
pub mod rioolmetingen;
pub mod rwzi;
pub mod satelliet;

pub use bebouwde_kom::Kom;
pub use dumpingen::Dumping;
pub use gemeenten::Gemeente;
pub use panden::{Leegstand, Pand};
pub use rioolmetingen::Rioolmeting;
pub use rwzi::Rwzi;
pub use satelliet::SatellietTegel;
