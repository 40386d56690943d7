#!/usr/bin/env bash
# Pack every publishable package (pnpm pack: workspace: and catalog: versions become real ones) and
# install the tarballs into fresh npm projects outside the workspace, as users would: core alone,
# core + trainer + loggers, and the CLI alone (`npx deeplens demo`). Dependencies come from the registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true CI=true
pnpm exec nx run-many -t build --output-style=static >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/packed-XXXXXX")
trap 'rm -rf "$work"' EXIT
for p in core trainer loggers backend-wasm cli; do
  (cd "packages/$p" && pnpm pack --pack-destination "$work" >/dev/null)
done
tgz() { ls "$work"/deeplens-"$1"-*.tgz; }
project() {
  mkdir -p "$work/$1" && cd "$work/$1"
  echo '{ "name": "user-project", "private": true, "type": "module" }' > package.json
  npm install --no-audit --no-fund --loglevel=error "${@:2}" >/dev/null
}

project core-alone "$(tgz core)"
cp "$root/tools/ci/packed/core-alone.mjs" . && node core-alone.mjs

project trainer-loggers "$(tgz core)" "$(tgz trainer)" "$(tgz loggers)"
cp "$root/tools/ci/packed/trainer-loggers.mjs" . && node trainer-loggers.mjs

# The CLI is one bundle with the wasm kernels beside it: its tarball installs alone.
project cli "$(tgz cli)"
out=$(npx --no-install deeplens demo --epochs 1 2>&1)
echo "$out" | grep -q "on backend 'wasm'" || { echo "packed CLI demo did not train on wasm:"; echo "$out"; exit 1; }
echo "$out" | grep -q "Best model: " || { echo "packed CLI demo failed:"; echo "$out"; exit 1; }
npx --no-install deeplens backends | grep -q '^wasm .*← auto$'
echo "packed CLI: deeplens demo trained on wasm; $(echo "$out" | grep -o 'fvu: [0-9.]*' | tail -1)"
