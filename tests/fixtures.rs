//! The demo region is generated deterministically and the committed files
//! are what the generator writes.

mod common;

#[test]
fn committed_fixtures_match_the_generator() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run(&[
        "fixtures",
        "--out",
        dir.path().to_str().unwrap(),
        "--seed",
        "20261101",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    for name in [
        "gemeenten.geojson",
        "bebouwde_kom.geojson",
        "panden.geojson",
        "dumpingen.csv",
        "rwzi.geojson",
        "rioolmetingen.csv",
        "satelliet/S2_T31UFT_west.tif",
        "satelliet/S2_T31UFT_oost.tif",
    ] {
        let fresh = std::fs::read(dir.path().join(name)).unwrap();
        let committed = std::fs::read(common::fixtures().join(name)).unwrap();
        assert!(
            fresh == committed,
            "{name} differs from the generator's output: run scripts/fixtures.sh"
        );
    }
}
