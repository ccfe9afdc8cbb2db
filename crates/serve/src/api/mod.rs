//! JSON endpoints.

pub mod admin;
pub mod downloads;
pub mod evidence;
pub mod explain;
pub mod export;
pub mod gemeenten;
pub mod map;
pub mod session;
