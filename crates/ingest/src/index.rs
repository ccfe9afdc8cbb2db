//! R-tree indexes over the ingested features.
//!
//! Both indexes store positions into the layer's `Vec`, so callers keep the
//! features themselves in one place and the index stays small.

use geo::{BoundingRect, Contains, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

type IndexedPoint = GeomWithData<[f64; 2], usize>;
type IndexedBox = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Points (e.g. dumpings, building centroids) in an R-tree.
#[derive(Debug, Default)]
pub struct PointIndex {
    tree: RTree<IndexedPoint>,
}

impl PointIndex {
    /// Bulk-loads the points; item `i` of the iterator gets id `i`.
    pub fn new(points: impl IntoIterator<Item = Point>) -> Self {
        let items = points
            .into_iter()
            .enumerate()
            .map(|(i, p)| IndexedPoint::new([p.x(), p.y()], i))
            .collect();
        PointIndex {
            tree: RTree::bulk_load(items),
        }
    }

    /// Ids of the points within `radius` of `p`, with their distance,
    /// nearest first.
    ///
    /// ```
    /// use buitenzicht_ingest::PointIndex;
    /// use geo::Point;
    /// let index = PointIndex::new([Point::new(0.0, 0.0), Point::new(300.0, 400.0)]);
    /// assert_eq!(index.within_distance([0.0, 0.0], 500.0), vec![(0, 0.0), (1, 500.0)]);
    /// assert_eq!(index.within_distance([0.0, 0.0], 499.0), vec![(0, 0.0)]);
    /// ```
    pub fn within_distance(&self, p: [f64; 2], radius: f64) -> Vec<(usize, f64)> {
        let mut hits: Vec<(usize, f64)> = self
            .tree
            .locate_within_distance(p, radius * radius)
            .map(|item| {
                let [x, y] = *item.geom();
                (item.data, (x - p[0]).hypot(y - p[1]))
            })
            .collect();
        hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// Ids and positions of the points inside the box `[xmin, ymin, xmax, ymax]`.
    pub fn in_box(&self, bbox: [f64; 4]) -> impl Iterator<Item = (usize, [f64; 2])> + '_ {
        let envelope = AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]);
        self.tree
            .locate_in_envelope(&envelope)
            .map(|item| (item.data, *item.geom()))
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

/// Polygons (municipalities, built-up areas, catchments, tile footprints):
/// bounding boxes in an R-tree, refined by an exact point-in-polygon test.
#[derive(Debug, Default)]
pub struct PolygonIndex {
    tree: RTree<IndexedBox>,
    polygons: Vec<MultiPolygon>,
}

impl PolygonIndex {
    /// Indexes the polygons; item `i` of the iterator gets id `i`.
    pub fn new(polygons: impl IntoIterator<Item = MultiPolygon>) -> Self {
        let polygons: Vec<MultiPolygon> = polygons.into_iter().collect();
        let items = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, mp)| {
                let r = mp.bounding_rect()?;
                Some(IndexedBox::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        PolygonIndex {
            tree: RTree::bulk_load(items),
            polygons,
        }
    }

    /// Ids of the polygons that contain `p` (boundary excluded).
    ///
    /// ```
    /// use buitenzicht_ingest::PolygonIndex;
    /// use geo::{polygon, MultiPolygon};
    /// let square = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
    /// let index = PolygonIndex::new([MultiPolygon::new(vec![square])]);
    /// assert_eq!(index.containing([5.0, 5.0]).collect::<Vec<_>>(), vec![0]);
    /// assert_eq!(index.containing([15.0, 5.0]).count(), 0);
    /// ```
    pub fn containing(&self, p: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        let point = Point::new(p[0], p[1]);
        self.tree
            .locate_all_at_point(&p)
            .map(|item| item.data)
            .filter(move |&i| self.polygons[i].contains(&point))
    }

    /// Ids of the polygons whose bounding box meets the box
    /// `[xmin, ymin, xmax, ymax]`.
    pub fn bbox_intersecting(&self, bbox: [f64; 4]) -> impl Iterator<Item = usize> + '_ {
        let envelope = AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|item| item.data)
    }

    pub fn len(&self) -> usize {
        self.polygons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn point_queries_match_brute_force() {
        // A deterministic scatter; the R-tree must agree with a full scan.
        let points: Vec<Point> = (0..2_000u64)
            .map(|i| {
                let a = (i * 7919 % 10_007) as f64;
                let b = (i * 104_729 % 10_009) as f64;
                Point::new(a, b)
            })
            .collect();
        let index = PointIndex::new(points.clone());
        for (q, r) in [
            ([5_000.0, 5_000.0], 400.0),
            ([0.0, 0.0], 1_000.0),
            ([9_000.0, 100.0], 50.0),
        ] {
            let got: Vec<usize> = index
                .within_distance(q, r)
                .into_iter()
                .map(|h| h.0)
                .collect();
            let mut want: Vec<(usize, f64)> = points
                .iter()
                .enumerate()
                .map(|(i, p)| (i, (p.x() - q[0]).hypot(p.y() - q[1])))
                .filter(|(_, d)| *d <= r)
                .collect();
            want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            assert_eq!(got, want.into_iter().map(|h| h.0).collect::<Vec<_>>());
        }
        let in_box: Vec<usize> = index
            .in_box([0.0, 0.0, 1_000.0, 1_000.0])
            .map(|h| h.0)
            .collect();
        let want = points
            .iter()
            .filter(|p| p.x() <= 1_000.0 && p.y() <= 1_000.0)
            .count();
        assert_eq!(in_box.len(), want);
    }

    #[test]
    fn polygon_with_hole_and_overlapping_boxes() {
        let ring = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)],
            interiors: [[(x: 40.0, y: 40.0), (x: 60.0, y: 40.0), (x: 60.0, y: 60.0), (x: 40.0, y: 60.0)]],
        );
        let inner = polygon![(x: 45.0, y: 45.0), (x: 55.0, y: 45.0), (x: 55.0, y: 55.0), (x: 45.0, y: 55.0)];
        let index = PolygonIndex::new([
            MultiPolygon::new(vec![ring]),
            MultiPolygon::new(vec![inner]),
        ]);
        assert_eq!(index.containing([10.0, 10.0]).collect::<Vec<_>>(), vec![0]);
        assert_eq!(index.containing([50.0, 50.0]).collect::<Vec<_>>(), vec![1]);
        assert_eq!(index.containing([42.0, 42.0]).count(), 0, "inside the hole");
        let mut near: Vec<usize> = index.bbox_intersecting([50.0, 50.0, 51.0, 51.0]).collect();
        near.sort();
        assert_eq!(near, vec![0, 1]);
    }
}
