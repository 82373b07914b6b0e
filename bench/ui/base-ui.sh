#!/usr/bin/env bash
# Builds the web UI of an earlier commit beside this tree's server, so bench/ui/run.ts can measure
# both UIs in one run on one database (BASE_UI=<dir printed here>). Needs `npm run build` first.
#   bash bench/ui/base-ui.sh 8ea5b13   ->  /tmp/trainyard-ui-base-8ea5b13
set -euo pipefail
commit=${1:?usage: base-ui.sh COMMIT}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=/tmp/trainyard-ui-base-$commit
rm -rf "$out" && mkdir -p "$out"
git -C "$repo" archive "$commit" web | tar -x -C "$out"
ln -s "$repo/node_modules" "$out/node_modules"
cp -r "$repo/bin" "$repo/package.json" "$out/"
mkdir -p "$out/dist" && for d in "$repo"/dist/*; do [ "$(basename "$d")" = web ] || cp -r "$d" "$out/dist/"; done
(cd "$out" && npx vite build --config web/vite.config.ts >&2)
echo "$out"
