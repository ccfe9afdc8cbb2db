#!/usr/bin/env bash
# Regenerates the demo region in fixtures/ (deterministic: same seed, same files).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked -- fixtures --out fixtures --seed "${1:-20261101}"
