//! JSON endpoints.

pub mod explain;
pub mod gemeenten;
pub mod map;
