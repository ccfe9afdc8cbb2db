#!/usr/bin/env bash
# Installs what is missing, builds, scores the demo region in fixtures/ and
# serves the map on http://127.0.0.1:8080 (Ctrl-C stops it), with access
# control on and a demo analyst: open the printed address to be signed in.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

cargo build --release --locked
bin=target/release/buitenzicht
$bin run --config fixtures/buitenzicht.toml --out out

# The demo project: the fixtures' project file with absolute paths, plus
# [access] with its own users file and audit log (kept out of the repo).
demo=target/demo
mkdir -p "$demo"
root=$(pwd)
sed -e "s#^path = \"#path = \"$root/fixtures/#" \
    -e "s#^web_dir = \"../web\"#web_dir = \"$root/web\"#" \
    fixtures/buitenzicht.toml > "$demo/buitenzicht.toml"
cat >> "$demo/buitenzicht.toml" <<'TOML'

[access]
users = "users.toml"
audit_log = "audit.jsonl"
TOML
$bin users revoke demo -c "$demo/buitenzicht.toml" >/dev/null 2>&1 || true
token=$($bin users add demo --role analist -c "$demo/buitenzicht.toml" | tail -n 1)

echo
echo "Open de kaart, aangemeld als demo-analist:"
echo "  http://127.0.0.1:8080/#token=$token"
echo
exec $bin serve --config "$demo/buitenzicht.toml"
