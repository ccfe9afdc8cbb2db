//! An in-memory tile cache bounded in bytes. Concurrent requests for the
//! same missing tile wait for one render instead of each rendering it.

use super::{TileId, TileLayer};
use moka::future::Cache;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A rendered tile and its strong ETag.
#[derive(Debug, Clone)]
pub struct CachedTile {
    pub png: axum::body::Bytes,
    /// Quoted strong ETag, derived from the bytes.
    pub etag: Arc<str>,
}

impl CachedTile {
    pub fn new(png: impl Into<axum::body::Bytes>) -> Self {
        let png = png.into();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        png.hash(&mut h);
        CachedTile {
            etag: format!("\"{:016x}-{}\"", h.finish(), png.len()).into(),
            png,
        }
    }
}

/// Cache key: the model version is part of it, so a new model never hits
/// an old tile, and so is the user's scope, so nobody gets a tile drawn
/// for a wider one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    pub version: Arc<str>,
    pub scope: Arc<str>,
    pub layer: TileLayer,
    pub tile: TileId,
}

/// The tile cache.
#[derive(Clone)]
pub struct TileCache {
    inner: Cache<TileKey, CachedTile>,
}

impl TileCache {
    /// A cache holding at most `max_bytes` of PNG data.
    pub fn new(max_bytes: u64) -> Self {
        TileCache {
            inner: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, v: &CachedTile| u32::try_from(v.png.len() + 64).unwrap_or(u32::MAX))
                .build(),
        }
    }

    /// The cached tile, or the one `render` makes; concurrent callers for
    /// the same key share a single render.
    pub async fn get_or_render<F, E>(&self, key: TileKey, render: F) -> Result<CachedTile, Arc<E>>
    where
        F: Future<Output = Result<CachedTile, E>>,
        E: Send + Sync + 'static,
    {
        self.inner.try_get_with(key, render).await
    }

    /// Drops every tile (after a new model is loaded).
    pub fn clear(&self) {
        self.inner.invalidate_all();
    }

    pub fn entry_count(&self) -> u64 {
        self.inner.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread")]
    async fn concurrent_misses_render_once() {
        let cache = TileCache::new(1 << 20);
        let renders = Arc::new(AtomicUsize::new(0));
        let key = TileKey {
            version: "v1".into(),
            scope: "alles".into(),
            layer: TileLayer::Risk,
            tile: TileId { z: 1, x: 0, y: 0 },
        };
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (cache, renders, key) = (cache.clone(), renders.clone(), key.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_render::<_, ()>(key, async {
                            renders.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(CachedTile::new(vec![1u8, 2, 3]))
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().png.as_ref(), &[1, 2, 3]);
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn etag_follows_the_bytes() {
        assert_eq!(
            CachedTile::new(vec![1u8, 2]).etag,
            CachedTile::new(vec![1u8, 2]).etag
        );
        assert_ne!(
            CachedTile::new(vec![1u8, 2]).etag,
            CachedTile::new(vec![2u8, 1]).etag
        );
    }
}
