//! JSON endpoints.

pub mod admin;
pub mod explain;
pub mod export;
pub mod gemeenten;
pub mod map;
pub mod session;
