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

# The README's examples, exactly as written: its config.yaml, its shell commands with the packed
# CLI, and its TypeScript file with the packed libraries. The activations are 768 wide like the
# README's config (an .npy under the README's .pt name: the format is read from the content).
node "$root/tools/ci/readme-blocks.mjs" "$root/README.md" "$work/readme" >/dev/null
acts() {
  mkdir -p saved_features
  node -e '
    const rows = 640, cols = 768, head = "{\x27descr\x27: \x27<f4\x27, \x27fortran_order\x27: False, \x27shape\x27: (" + rows + ", " + cols + "), }";
    const pad = 64 - ((10 + head.length + 1) % 64);
    const header = Buffer.from("\x93NUMPY\x01\x00" + "  " + head + " ".repeat(pad) + "\n", "latin1");
    header.writeUInt16LE(head.length + pad + 1, 8);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.sin(i * 0.731) * Math.cos(i * 0.0173));
    require("fs").writeFileSync("saved_features/features_layer_3_100000.pt", Buffer.concat([header, Buffer.from(data.buffer)]));'
}
cd "$work/cli"
cp "$work/readme/config.yaml" . && acts
( deeplens() { npx --no-install deeplens "$@"; }; set -e; source "$work/readme/sh" ) > readme-sh.log 2>&1 || { echo "README shell commands failed:"; cat readme-sh.log; exit 1; }
grep -q "Exported " readme-sh.log || { echo "README shell commands did not export:"; cat readme-sh.log; exit 1; }
echo "README shell commands: train, eval, info, export, backends ran with the packed CLI"

project readme-ts "$(tgz core)" "$(tgz trainer)" "$(tgz loggers)" "$(tgz backend-wasm)" "tsx@$(sed -n 's/^  tsx: //p' "$root/pnpm-workspace.yaml")"
cp "$work/readme/config.yaml" "$work/readme/train-sae.ts" . && acts
npx --no-install tsx train-sae.ts > readme-ts.log 2>&1 || { echo "README TypeScript example failed:"; cat readme-ts.log; exit 1; }
grep -q "^Step \[" readme-ts.log && grep -q "^FVU [0-9.]*; model saved to saved_models/" readme-ts.log || { echo "README TypeScript example printed no progress:"; cat readme-ts.log; exit 1; }
echo "README TypeScript example: $(tail -1 readme-ts.log)"
