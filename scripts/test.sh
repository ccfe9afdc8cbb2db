#!/usr/bin/env bash
# Installs what is missing, then runs every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --doc --locked
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

# The web map in headless Chromium against a server the tests start.
cargo build --locked --bin buitenzicht
node --test --test-concurrency=1 tests/browser/
