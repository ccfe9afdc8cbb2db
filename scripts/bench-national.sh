#!/usr/bin/env bash
# National-scale benchmark: generates (once) a synthetic dataset the size of
# the Dutch buitengebied (RD 0–300 km × 300–625 km at 25 m: 156 million
# cells; 500,000 buildings, 5,000 dumpings, 350 catchments with a year of
# daily loads, a 20 m satellite raster) and times ingest, scoring and
# ranking, with peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked
data=target/bench-national
if [ ! -f "$data/buitenzicht.toml" ]; then
  target/release/buitenzicht fixtures --national --out "$data"
fi
for run in 1 2 3; do
  target/release/buitenzicht bench -c "$data/buitenzicht.toml"
done
