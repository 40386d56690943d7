#!/usr/bin/env bash
# Build this checkout with the Nx cache on, then build a second clone of it on the same machine,
# which restores the builds from that cache: its CLI must still find the wasm kernels.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true CI=true
unset NX_SKIP_NX_CACHE
work=$(mktemp -d "${TMPDIR:-/tmp}/second-clone-XXXXXX")
trap 'rm -rf "$work"' EXIT
pnpm exec nx run @deeplens/cli:build --output-style=static >/dev/null
git clone -q --no-local . "$work/clone"
# Uncommitted work travels too, so the check is of this tree.
git diff HEAD | (cd "$work/clone" && git apply --allow-empty)
git ls-files --others --exclude-standard -z | xargs -0 -r -I{} cp --parents {} "$work/clone/"
cd "$work/clone"
pnpm install --frozen-lockfile --prefer-offline >/dev/null
out=$(pnpm exec nx run @deeplens/cli:build --output-style=static)
# The check only means something if the builds were restored from the cache, not rebuilt.
for p in backend-wasm cli; do
  echo "$out" | grep -q "@deeplens/$p:build .*local cache" || { echo "second clone: @deeplens/$p:build was not restored from the Nx cache:"; echo "$out"; exit 1; }
done
for f in packages/backend-wasm/build/kernels.wasm packages/cli/build/kernels.wasm packages/cli/build/kernels-relaxed.wasm; do
  [ -f "$f" ] || { echo "second clone: $f is missing after a cached build"; exit 1; }
done
listing=$(node packages/cli/dist/deeplens.mjs backends)
echo "$listing" | grep -q '^wasm .*← auto$' || { echo "second clone: auto does not pick wasm:"; echo "$listing"; exit 1; }
echo "second clone (cache warm): build outputs complete, auto picks wasm"
