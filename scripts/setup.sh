#!/usr/bin/env bash
# Installs what buitenzicht needs on Debian/Ubuntu when it is missing:
# GDAL (library, headers and command-line tools), SQLite, pkg-config, Node's npm,
# Chromium for the browser tests, the web map's npm packages and the browser
# tests' puppeteer-core (which drives the system Chromium and never downloads
# a browser). Rust itself comes from rustup.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists gdal 2>/dev/null || need+=(libgdal-dev)
# The system SQLite, shared with GDAL (one copy per process).
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
# OpenSSL for HTTPS feature services (PDOK).
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev)
command -v gdalinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust (stable) with rustup first" >&2
  exit 1
fi

# Leaflet and PMTiles for the web map, installed locally so the map works offline.
if [ ! -f web/node_modules/leaflet/dist/leaflet.js ] || [ ! -f web/node_modules/pmtiles/dist/pmtiles.js ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

# puppeteer-core for the browser tests (tests/browser), which use the system
# Chromium above.
if [ ! -f tests/browser/node_modules/puppeteer-core/package.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
