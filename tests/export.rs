//! `buitenzicht export` on the fixtures: tile archives read back tile by
//! tile, RFC 7946 GeoJSON, the municipality GeoTIFF and its QGIS style.

mod common;

use buitenzicht_synth::HOTSPOT_GEMEENTE;
use gdal::Dataset;

fn export(args: &[&str]) {
    let config = common::weighted_fixtures().join("buitenzicht.toml");
    let mut all = vec!["export"];
    all.extend_from_slice(&args[..1]);
    all.extend(["-c", config.to_str().unwrap()]);
    all.extend_from_slice(&args[1..]);
    let out = common::run(&all);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

#[test]
fn geojson_squares_and_inspection_list() {
    let dir = tempfile::tempdir().unwrap();
    let squares = dir.path().join("vierkanten.geojson");
    export(&[
        "geojson",
        "--gemeente",
        HOTSPOT_GEMEENTE,
        "--cel",
        "1000",
        "--out",
        squares.to_str().unwrap(),
    ]);
    let features = common::assert_rfc7946(&squares);
    assert!(features.len() > 50, "{} squares", features.len());
    let hottest = features
        .iter()
        .max_by(|a, b| {
            let r = |f: &geojson::Feature| {
                f.properties.as_ref().unwrap()["risico_max"]
                    .as_f64()
                    .unwrap()
            };
            r(a).total_cmp(&r(b))
        })
        .unwrap();
    let props = hottest.properties.as_ref().unwrap();
    assert_eq!(props["klasse"], "zeer hoog");
    assert_eq!(props["grootte_m"], 1000.0);
    for f in &features {
        let p = f.properties.as_ref().unwrap();
        assert!(
            p.get("identificatie").is_none(),
            "aggregates carry no building ids"
        );
        assert!(p["risico_gem"].as_f64().unwrap() <= p["risico_max"].as_f64().unwrap());
    }

    let list = dir.path().join("inspecties.geojson");
    export(&[
        "geojson",
        "--gemeente",
        HOTSPOT_GEMEENTE,
        "--inhoud",
        "inspecties",
        "--out",
        list.to_str().unwrap(),
    ]);
    let features = common::assert_rfc7946(&list);
    assert_eq!(
        features[0].properties.as_ref().unwrap()["identificatie"],
        buitenzicht_synth::HOTSPOT_BARN
    );
}

/// A box without buitengebied gives an empty collection, still RFC 7946.
#[test]
fn an_empty_export_is_valid_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leeg.geojson");
    export(&[
        "geojson",
        "--bbox",
        "0,0,1,1",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(common::assert_rfc7946(&path).is_empty());
}

#[test]
fn municipality_geotiff_with_style() {
    let dir = tempfile::tempdir().unwrap();
    let tif = dir.path().join("gemeente.tif");
    export(&[
        "geotiff",
        "--gemeente",
        HOTSPOT_GEMEENTE,
        "--out",
        tif.to_str().unwrap(),
    ]);
    let ds = Dataset::open(&tif).unwrap();
    assert_eq!(ds.spatial_ref().unwrap().auth_code().unwrap(), 28992);
    let gt = ds.geo_transform().unwrap();
    assert_eq!(
        (gt[1], gt[5], gt[0] % 25.0, gt[3] % 25.0),
        (25.0, -25.0, 0.0, 0.0)
    );
    let (cols, rows) = ds.raster_size();
    assert!(cols < 1192 && rows < 1192, "clipped: {cols} × {rows}");
    let risk = ds
        .rasterband(1)
        .unwrap()
        .read_band_as::<f32>()
        .unwrap()
        .into_shape_and_vec()
        .1;
    let [x, y] = buitenzicht_synth::HOTSPOT;
    let (c, r) = (((x - gt[0]) / 25.0) as usize, ((gt[3] - y) / 25.0) as usize);
    assert!(risk[r * cols + c] > 80.0);
    // Outside the municipality but inside its bounding box: nodata.
    assert!(risk.iter().filter(|&&v| v == -9999.0).count() > cols * rows / 20);
    let qml = std::fs::read_to_string(tif.with_extension("qml")).unwrap();
    assert!(qml.contains("singlebandpseudocolor"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tile_archives_read_back_tile_by_tile() {
    let dir = tempfile::tempdir().unwrap();
    let pm = dir.path().join("risico.pmtiles");
    let mb = dir.path().join("risico.mbtiles");
    export(&[
        "tiles",
        "--format",
        "pmtiles",
        "--minzoom",
        "9",
        "--maxzoom",
        "13",
        "--out",
        pm.to_str().unwrap(),
    ]);
    export(&[
        "tiles",
        "--format",
        "mbtiles",
        "--minzoom",
        "9",
        "--maxzoom",
        "13",
        "--out",
        mb.to_str().unwrap(),
    ]);

    let backend = pmtiles::MmapBackend::try_from(&pm).await.unwrap();
    let reader = pmtiles::AsyncPmTilesReader::try_from_source(backend)
        .await
        .unwrap();
    let header = reader.get_header();
    assert_eq!((header.min_zoom, header.max_zoom), (9, 13));
    assert_eq!(header.tile_type, pmtiles::TileType::Png);
    let metadata: serde_json::Value =
        serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
    assert!(metadata["name"].as_str().unwrap().contains("Risico"));

    // Every MBTiles tile is in the PMTiles archive, byte for byte, and is a
    // 256×256 PNG; and the archives hold the same number of tiles.
    let db = rusqlite::Connection::open(&mb).unwrap();
    let format: String = db
        .query_row(
            "SELECT value FROM metadata WHERE name = 'format'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(format, "png");
    let mut stmt = db
        .prepare("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
        .unwrap();
    let rows: Vec<(u8, u32, u32, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() > 40, "{} tiles", rows.len());
    let mut entries = 0;
    for (z, x, tms_y, data) in &rows {
        let y = (1u32 << z) - 1 - tms_y;
        let coord = pmtiles::TileCoord::new(*z, *x, y).unwrap();
        let tile = reader
            .get_tile(coord)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{z}/{x}/{y} missing"));
        assert_eq!(tile.as_ref(), data.as_slice(), "{z}/{x}/{y}");
        let img = image::load_from_memory_with_format(&tile, image::ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), (256, 256));
        entries += 1;
    }
    assert_eq!(entries, rows.len());
    assert_eq!(
        header.n_addressed_tiles().map(|n| n.get() as usize),
        Some(rows.len())
    );
    assert!(header.clustered(), "tiles in tile-id order");

    // Each pixel of a tile above the deepest zoom is the rounded mean of the
    // 2 × 2 pixels with data below it (palette indices rise with risk).
    let [lon, lat] = common::hotspot_lonlat();
    let parent = buitenzicht_products::tiles::mercator::tile_for_lonlat(lon, lat, 12);
    let indices = |z: u8, x: u32, y: u32| {
        let png = rows
            .iter()
            .find(|r| (r.0, r.1, r.2) == (z, x, (1u32 << z) - 1 - y))
            .map(|r| r.3.clone());
        png.map(|png| {
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            reader.next_frame(&mut buf).unwrap();
            assert_eq!(reader.info().color_type, png::ColorType::Indexed);
            buf
        })
    };
    let top = indices(12, parent.x, parent.y).expect("hotspot tile");
    let mut checked = 0;
    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        let child = indices(13, 2 * parent.x + dx, 2 * parent.y + dy);
        for row in 0..128 {
            for col in 0..128 {
                let block: Vec<u32> = child.as_ref().map_or(vec![], |c| {
                    [(0, 0), (1, 0), (0, 1), (1, 1)]
                        .iter()
                        .map(|(i, j)| c[(2 * row + j) * 256 + 2 * col + i] as u32)
                        .filter(|&p| p != 255)
                        .collect()
                });
                let n = block.len() as u32;
                let expected = (block.iter().sum::<u32>() + n / 2)
                    .checked_div(n)
                    .unwrap_or(255);
                let got = top[(dy as usize * 128 + row) * 256 + dx as usize * 128 + col];
                assert_eq!(
                    got as u32, expected,
                    "pixel {col},{row} of quarter {dx},{dy}"
                );
                checked += (n > 0) as usize;
            }
        }
    }
    assert!(checked > 10_000, "{checked} pixels with data");
}

/// Arguments that the data alone can refute fail before the scoring (no
/// "gescoord" line), with a Dutch reason, and write nothing.
#[test]
fn export_arguments_are_checked_before_the_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export.geojson");
    let config = common::weighted_fixtures().join("buitenzicht.toml");
    let (config, out_path) = (config.to_str().unwrap(), out.to_str().unwrap());
    for (args, reason) in [
        (
            vec!["geojson", "--gemeente", "GM0000"],
            "geen gemeente met statcode 'GM0000'",
        ),
        (
            vec!["geojson", "--bbox", "5.1,51.4,5.2"],
            "is niet west,zuid,oost,noord",
        ),
        (
            vec!["geojson", "--inhoud", "inspecties"],
            "inhoud=inspecties vraagt gemeente=GM####",
        ),
        (
            vec![
                "geojson",
                "--gemeente",
                "GM9902",
                "--inhoud",
                "inspecties",
                "--cel",
                "1000",
            ],
            "bbox en cel gelden alleen voor inhoud=aggregaat",
        ),
        (
            vec!["geotiff", "--gemeente", "GM0000"],
            "geen gemeente met statcode 'GM0000'",
        ),
    ] {
        let mut all = vec!["export", args[0], "-c", config, "--out", out_path];
        all.extend_from_slice(&args[1..]);
        let output = common::run(&all);
        let stderr = common::stderr(&output);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("gescoord"),
            "{args:?} scored first: {stderr}"
        );
        assert!(!out.exists(), "{args:?} wrote {out_path}");
    }
}
