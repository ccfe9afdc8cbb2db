//! JSON endpoints.

pub mod explain;
pub mod export;
pub mod gemeenten;
pub mod map;
