#!/usr/bin/env bash
# Installs what is missing, builds, scores the demo region in fixtures/ and
# serves the map on http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

cargo build --release --locked
target/release/buitenzicht run --config fixtures/buitenzicht.toml --out out
exec target/release/buitenzicht serve --config fixtures/buitenzicht.toml
