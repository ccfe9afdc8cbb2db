#!/usr/bin/env bash
# Side-by-side tile benchmarks on one machine, loopback only, bounded time:
#   1. `buitenzicht serve`: cached and cold tiles (oha, latency-corrected);
#   2. TiTiler serving the GeoTIFF that `buitenzicht run` wrote, same tiles;
#   3. `buitenzicht export tiles` against gdal2tiles.py, same zoom range.
# Usage: scripts/bench-tiles.sh [seconds per load run, default 15]
# Installs what it needs: oha (cargo), TiTiler in a throwaway virtualenv
# under target/, gdal2tiles (Debian python3-gdal).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

secs="${1:-15}"
work=target/bench-tiles
mkdir -p "$work"
command -v oha >/dev/null 2>&1 || cargo install oha --locked
if ! command -v gdal2tiles.py >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq python3-gdal >/dev/null
fi
if [ ! -x "$work/venv/bin/uvicorn" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q titiler.application uvicorn
fi

cargo build --release --locked
bin=target/release/buitenzicht
config=fixtures/buitenzicht.toml
$bin run -c "$config" --out "$work/out" 2>/dev/null
tif="$(realpath "$work/out/risico.tif")"

# A spread of z8–z14 tiles over the region (every tile at z8–z12, a
# deterministic sample at z13–z14), shuffled with a fixed seed.
python3 - "$work" <<'PY'
import json, math, random, subprocess, sys
work = sys.argv[1]
info = subprocess.run(["gdalinfo", "-json", f"{work}/out/risico.tif"], capture_output=True, text=True, check=True)
ring = json.loads(info.stdout)["wgs84Extent"]["coordinates"][0]
w = min(p[0] for p in ring); e = max(p[0] for p in ring)
s = min(p[1] for p in ring); n = max(p[1] for p in ring)
def tile(lon, lat, z):
    k = 2 ** z
    x = int((lon + 180) / 360 * k)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * k)
    return x, y
rng = random.Random(20261101)
tiles = []
for z in range(8, 15):
    x0, y0 = tile(w, n, z); x1, y1 = tile(e, s, z)
    zt = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    if z >= 13:
        zt = rng.sample(zt, min(len(zt), 400))
    tiles += zt
rng.shuffle(tiles)
with open(f"{work}/tiles.txt", "w") as f:
    f.writelines(f"{z}/{x}/{y}\n" for z, x, y in tiles)
print(f"{len(tiles)} tiles z8-z14 over {w:.3f},{s:.3f},{e:.3f},{n:.3f}")
PY
sed 's|^|http://127.0.0.1:8091/tiles/risk/|; s|$|.png|' "$work/tiles.txt" > "$work/urls-buitenzicht.txt"
sed "s|^\(.*\)\$|http://127.0.0.1:8092/cog/tiles/WebMercatorQuad/\1.png?url=file://$tif\&bidx=1\&rescale=0,100\&colormap_name=inferno|" \
  "$work/tiles.txt" > "$work/urls-titiler.txt"

# load NAME URLS CONNECTIONS: first the throughput with as many requests as
# the server takes (closed loop), then latency at half that rate, open loop
# with oha's latency correction (no coordinated omission).
load() {
  oha --no-tui -z "${secs}s" -c "$3" --urls-from-file "$2" --output-format json > "$work/$1-max.json" 2>/dev/null
  rate=$(python3 -c 'import json,sys; print(max(1, int(json.load(open(sys.argv[1]))["summary"]["requestsPerSec"] / 2)))' "$work/$1-max.json")
  oha --no-tui -z "${secs}s" -c "$3" -q "$rate" --latency-correction --urls-from-file "$2" --output-format json \
    > "$work/$1-lat.json" 2>/dev/null
  python3 - "$work/$1" "$1" "$rate" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "-max.json"))
l = json.load(open(sys.argv[1] + "-lat.json"))
p = l["latencyPercentiles"]
codes = {**m.get("statusCodeDistribution", {})}
print(f"{sys.argv[2]:<20} max {m['summary']['requestsPerSec']:>9.0f} req/s | at {sys.argv[3]:>6} req/s: "
      f"p50 {p['p50']*1000:7.2f} ms  p99 {p['p99']*1000:7.2f} ms | status {codes}")
PY
}
wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }

echo "== buitenzicht serve"
$bin serve -c "$config" --addr 127.0.0.1:8091 2>/dev/null & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_for http://127.0.0.1:8091/api/config
# Warm the cache with every tile once, then measure cached tiles.
oha --no-tui -n "$(wc -l < "$work/tiles.txt")" -c 4 --urls-from-file "$work/urls-buitenzicht.txt" >/dev/null 2>&1 || true
load buitenzicht-cached "$work/urls-buitenzicht.txt" 64
kill $pid; wait $pid 2>/dev/null || true
$bin serve -c "$config" --addr 127.0.0.1:8091 --cache-mb 0 2>/dev/null & pid=$!
wait_for http://127.0.0.1:8091/api/config
load buitenzicht-cold "$work/urls-buitenzicht.txt" 8
kill $pid; wait $pid 2>/dev/null || true

echo "== TiTiler (uvicorn, 2 workers), same GeoTIFF and tiles"
"$work/venv/bin/uvicorn" titiler.application.main:app --host 127.0.0.1 --port 8092 --workers 2 --log-level warning & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_for "$(head -1 "$work/urls-titiler.txt")"
load titiler "$work/urls-titiler.txt" 8
kill $pid; wait $pid 2>/dev/null || true

echo "== pyramid z8–z14: buitenzicht export tiles vs gdal2tiles.py (three runs each)"
for run in 1 2 3; do
  start=$(date +%s.%N)
  $bin export tiles -c "$config" --minzoom 8 --maxzoom 14 --format pmtiles --out "$work/risico.pmtiles" 2> "$work/export.log"
  end=$(date +%s.%N)
  grep -o "[0-9]* tegels geschreven.*" "$work/export.log" | sed "s/^/buitenzicht pyramid only: /"
  printf 'buitenzicht incl. ingest+score: %.3f s\n' "$(echo "$end - $start" | bc)"
done
# gdal2tiles wants 8-bit RGBA: colour the risk band first (also timed).
# The same colour stops as the web map, from the server's legend.
$bin serve -c "$config" --addr 127.0.0.1:8091 2>/dev/null & pid=$!
wait_for http://127.0.0.1:8091/api/legend
curl -s http://127.0.0.1:8091/api/legend | python3 -c '
import json, sys
for s in json.load(sys.stdin)["stops"]:
    c = s["kleur"].lstrip("#")
    print(s["risico"], *(int(c[i:i+2], 16) for i in (0, 2, 4, 6)))
print("nv 0 0 0 0")' > "$work/ramp.txt"
kill $pid; wait $pid 2>/dev/null || true
for run in 1 2 3; do
  rm -rf "$work/gdal2tiles" "$work/risico_rgba.tif"
  start=$(date +%s.%N)
  gdaldem color-relief -q -alpha -b 1 "$tif" "$work/ramp.txt" "$work/risico_rgba.tif"
  gdal2tiles.py -q --xyz -z 8-14 --processes=2 -r near -w none "$work/risico_rgba.tif" "$work/gdal2tiles"
  end=$(date +%s.%N)
  printf 'gdal2tiles.py (with gdaldem colouring): %.3f s, %s tiles\n' \
    "$(echo "$end - $start" | bc)" "$(find "$work/gdal2tiles" -name '*.png' | wc -l)"
done
