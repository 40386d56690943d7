#!/usr/bin/env bash
# Pack every publishable package (pnpm pack: workspace: and catalog: versions become real ones) and
# install the tarballs into fresh npm projects outside the workspace, as users would: core alone,
# core + trainer + loggers, and the CLI alone (`npx deeplens demo`). Dependencies come from the registry.
# The build, pack and CLI install are the README's own commands, run as written with HOME in a
# scratch folder (npm's cache and pnpm's store stay the machine's).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true CI=true
work=$(mktemp -d "${TMPDIR:-/tmp}/packed-XXXXXX")
trap 'rm -rf "$work"' EXIT
node "$root/tools/ci/readme-blocks.mjs" "$root/README.md" "$work/blocks-README" >/dev/null
export npm_config_cache=${npm_config_cache:-$(npm config get cache)}
mkdir -p "$work/.config/pnpm" && echo "store-dir=$(pnpm store path)" > "$work/.config/pnpm/rc"
(export HOME="$work"; set -e; source "$work/blocks-README/install.sh") > "$work/install.log" 2>&1 || { echo "README install commands failed:"; cat "$work/install.log"; exit 1; }
echo "README install commands: built, packed $(ls "$work/deeplens-tarballs" | wc -l) tarballs, installed the CLI"
tgz() { ls "$work"/deeplens-tarballs/deeplens-"$1"-*.tgz; }
project() {
  mkdir -p "$work/$1" && cd "$work/$1"
  echo '{ "name": "user-project", "private": true, "type": "module" }' > package.json
  npm install --no-audit --no-fund --loglevel=error "${@:2}" >/dev/null
}

project core-alone "$(tgz core)"
cp "$root/tools/ci/packed/core-alone.mjs" . && node core-alone.mjs

project trainer-loggers "$(tgz core)" "$(tgz trainer)" "$(tgz loggers)"
cp "$root/tools/ci/packed/trainer-loggers.mjs" . && node trainer-loggers.mjs

# The CLI is one bundle with the wasm kernels beside it: its tarball installed alone (the README's last line).
cd "$work/my-sae-project"
out=$(npx --no-install deeplens demo --epochs 1 2>&1)
echo "$out" | grep -q "on backend 'wasm'" || { echo "packed CLI demo did not train on wasm:"; echo "$out"; exit 1; }
echo "$out" | grep -q "Best model: " || { echo "packed CLI demo failed:"; echo "$out"; exit 1; }
npx --no-install deeplens backends | grep -q '^wasm .*← auto$'
echo "packed CLI: deeplens demo trained on wasm; $(echo "$out" | grep -o 'fvu: [0-9.]*' | tail -1)"
# The whole loop from the tarball: the bundled stories260K model, the extraction, the in-model
# evaluation and the report's page assets (Vega, Vega-Lite) all ship inside it.
out=$(npx --no-install deeplens demo --full --tokens 2000 --epochs 1 --out full-demo 2>&1)
report=$(echo "$out" | grep -o 'report: [^ ]*index.html' | sed 's/^report: //')
echo "$out" | grep -q "CE loss recovered" && [ -f "$report" ] && [ -f "$(dirname "$report")/assets/vega.min.js" ] || { echo "packed CLI demo --full failed:"; echo "$out"; exit 1; }
echo "packed CLI: deeplens demo --full extracted, trained, evaluated inside the model and wrote $report"

# The tfjs backend installed beside the bundled CLI as the README says (with the core it plugs into):
# the CLI finds it by name; without a GPU engine auto still takes wasm; --backend tfjs trains on it;
# asking for CUDA without tfjs-node-gpu is a user error (exit 1) that says what to install.
npm install --no-audit --no-fund --loglevel=error "$(tgz core)" "$(tgz backend-tfjs)" >/dev/null
listing=$(npx --no-install deeplens backends 2>/dev/null)
echo "$listing" | grep -q '^tfjs .*available .*wasm engine' && echo "$listing" | grep -q '^wasm .*← auto$' || { echo "packed tfjs: deeplens backends:"; echo "$listing"; exit 1; }
out=$(npx --no-install deeplens demo --backend tfjs --epochs 1 2>&1)
echo "$out" | grep -q "on backend 'tfjs'" && echo "$out" | grep -q "^note: backend 'tfjs': wasm engine" || { echo "packed tfjs: demo did not train on tfjs:"; echo "$out"; exit 1; }
set +e; err=$(npx --no-install deeplens demo --tfjs-engine tensorflow --epochs 1 2>&1); code=$?; set -e
[ "$code" = 1 ] && echo "$err" | grep -q "npm i @tensorflow/tfjs-node-gpu@4.22.0" && ! echo "$err" | grep -q '^    at ' || { echo "packed tfjs: the missing CUDA engine was not a clean user error (exit $code):"; echo "$err"; exit 1; }
echo "packed CLI + backend-tfjs: demo trained on tfjs's wasm engine; $(echo "$out" | grep -o 'fvu: [0-9.]*' | tail -1)"

# The gpu.js backend installed beside the bundled CLI the way its docs say for npm: --omit=optional
# keeps gpu.js's headless-gl (a native build) out. The CLI finds it by name, auto keeps wasm (gpu.js
# runs on the CPU here), and --backend gpujs trains on its WebAssembly kernels.
project cli-gpujs "$(tgz cli)" "$(tgz core)" "$(tgz backend-gpujs)" --omit=optional
[ ! -e node_modules/gl ] || { echo "packed gpujs: gl was installed despite --omit=optional"; exit 1; }
listing=$(npx --no-install deeplens backends 2>/dev/null)
echo "$listing" | grep -q '^gpujs .*available .*webasm mode' && echo "$listing" | grep -q '^wasm .*← auto$' || { echo "packed gpujs: deeplens backends:"; echo "$listing"; exit 1; }
out=$(npx --no-install deeplens demo --backend gpujs --epochs 1 2>&1)
echo "$out" | grep -q "on backend 'gpujs'" && echo "$out" | grep -q "^note: backend 'gpujs': webasm mode" || { echo "packed gpujs: demo did not train on gpujs:"; echo "$out"; exit 1; }
echo "packed CLI + backend-gpujs: demo trained on gpu.js's webasm kernels; $(echo "$out" | grep -o 'fvu: [0-9.]*' | tail -1)"

# The README's and the getting-started page's examples, exactly as written: the config.yaml, the
# shell commands with the packed CLI, and the TypeScript file with the packed libraries. The
# activations are as wide as the config's input_dims (an .npy under the docs' .pt names: the
# format is read from the content).
acts() {
  mkdir -p saved_features
  node -e '
    const cols = Number(/^input_dims: *(\d+)/m.exec(require("fs").readFileSync("config.yaml", "utf8"))[1]);
    const write = (path, rows, phase) => {
      const head = "{\x27descr\x27: \x27<f4\x27, \x27fortran_order\x27: False, \x27shape\x27: (" + rows + ", " + cols + "), }";
      const pad = 64 - ((10 + head.length + 1) % 64);
      const header = Buffer.from("\x93NUMPY\x01\x00" + "  " + head + " ".repeat(pad) + "\n", "latin1");
      header.writeUInt16LE(head.length + pad + 1, 8);
      const data = new Float32Array(rows * cols);
      for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.sin(i * 0.731 + phase) * Math.cos(i * 0.0173));
      require("fs").writeFileSync(path, Buffer.concat([header, Buffer.from(data.buffer)]));
    };
    write("saved_features/features_layer_3_100000.pt", 640, 0);
    write("held_out.pt", 160, 1);'
}
project examples-ts "$(tgz core)" "$(tgz trainer)" "$(tgz loggers)" "$(tgz backend-wasm)" "tsx@$(sed -n 's/^  tsx: //p' "$root/pnpm-workspace.yaml")"
for doc in README.md apps/docs/pages/getting-started.md; do
  name=$(basename "$doc" .md)
  [ -d "$work/blocks-$name" ] || node "$root/tools/ci/readme-blocks.mjs" "$root/$doc" "$work/blocks-$name" >/dev/null
  mkdir -p "$work/my-sae-project/$name" && cd "$work/my-sae-project/$name"
  cp "$work/blocks-$name/config.yaml" . && acts
  ( deeplens() { npx --no-install deeplens "$@"; }; set -e; source "$work/blocks-$name/sh" ) > sh.log 2>&1 || { echo "$doc: shell commands failed:"; cat sh.log; exit 1; }
  grep -q "^FVU: " sh.log || { echo "$doc: shell commands evaluated nothing:"; cat sh.log; exit 1; }
  echo "$doc: shell commands ran with the packed CLI"
  mkdir -p "$work/examples-ts/$name" && cd "$work/examples-ts/$name"
  cp "$work/blocks-$name/config.yaml" "$work/blocks-$name/train-sae.ts" . && acts
  npx --no-install tsx train-sae.ts > ts.log 2>&1 || { echo "$doc: TypeScript example failed:"; cat ts.log; exit 1; }
  grep -q "^Step \[" ts.log && grep -q "^FVU [0-9.]*; model saved to saved_models/" ts.log || { echo "$doc: TypeScript example printed no progress:"; cat ts.log; exit 1; }
  echo "$doc: TypeScript example: $(tail -1 ts.log)"
done
grep -q "Exported " "$work/my-sae-project/README/sh.log" || { echo "README: export did not run"; exit 1; }

# The README's sweep config, as written, with the packed CLI: every SAE of the grid trains in one
# pass and the sweep folder gets its summary and Pareto plot.
cd "$work/my-sae-project/README" && cp "$work/blocks-README/sweep.yaml" .
npx --no-install deeplens train --config sweep.yaml --activations saved_features/features_layer_3_100000.pt --epochs 1 --eval-steps 1000 > sweep.log 2>&1 || { echo "README: sweep failed:"; cat sweep.log; exit 1; }
sweep_dir=$(sed -n 's/^Sweep folder: //p' sweep.log)
[ -f "$sweep_dir/pareto.svg" ] && [ "$(grep -c '| completed |' "$sweep_dir/summary.md")" = 6 ] || { echo "README: the sweep left no summary of 6 SAEs:"; cat sweep.log; exit 1; }
echo "README.md: sweep.yaml trained 6 SAEs in one pass with the packed CLI ($sweep_dir)"

# The core package's example, copied into a user's project as its header says.
mkdir -p "$work/examples-ts/core-example" && cd "$work/examples-ts/core-example"
cp "$root/packages/core/examples/train-small-sae.ts" . && npx --no-install tsx train-small-sae.ts > ts.log 2>&1 || { echo "core example failed:"; cat ts.log; exit 1; }
grep -q "recovered features: MMCS" ts.log || { echo "core example printed no result:"; cat ts.log; exit 1; }
echo "packages/core/examples/train-small-sae.ts: $(tail -1 ts.log)"

# The loggers page's custom logger and the backends page's conformance file, as written.
node "$root/tools/ci/readme-blocks.mjs" "$root/apps/docs/pages/loggers.md" "$work/blocks-loggers" >/dev/null
mkdir -p "$work/examples-ts/loggers" && cd "$work/examples-ts/loggers"
cp "$work/blocks-loggers/print-loss.ts" . && npx --no-install tsx print-loss.ts > ts.log 2>&1 || { echo "loggers.md: example failed:"; cat ts.log; exit 1; }
[ "$(grep -c '^step [0-9]*: loss [0-9.]*$' ts.log)" -ge 4 ] || { echo "loggers.md: the logger printed no losses:"; cat ts.log; exit 1; }
echo "apps/docs/pages/loggers.md: custom logger printed $(grep -c '^step' ts.log) losses"
node "$root/tools/ci/readme-blocks.mjs" "$root/apps/docs/pages/backends.md" "$work/blocks-backends" >/dev/null
project my-backend "$(tgz core)" "vitest@$(sed -n 's/^  vitest: //p' "$root/pnpm-workspace.yaml")"
cp "$work/blocks-backends/my-backend.test.ts" . && npx --no-install vitest run --reporter=verbose > vitest.log 2>&1 || { echo "backends.md: conformance file failed:"; cat vitest.log; exit 1; }
grep -q "layerNorm.*declared unsupported (no kernel yet), throws UnsupportedOpError" vitest.log || { echo "backends.md: the declared op was not checked:"; cat vitest.log; exit 1; }
echo "apps/docs/pages/backends.md: conformance suite on the packed core: $(sed 's/\x1b\[[0-9;]*m//g' vitest.log | grep -E '^ +Tests ' | xargs)"
# The "Write a backend" page's complete example backend, in the same project (core + vitest installed).
node "$root/tools/ci/readme-blocks.mjs" "$root/apps/docs/pages/write-a-backend.md" "$work/blocks-write-a-backend" >/dev/null
rm -f my-backend.test.ts && cp "$work/blocks-write-a-backend/counting-backend.test.ts" . && npx --no-install vitest run --reporter=verbose > vitest.log 2>&1 || { echo "write-a-backend.md: example backend failed:"; cat vitest.log; exit 1; }
grep -q "through core's fallbacks" vitest.log && grep -q "counts what the suite" vitest.log || { echo "write-a-backend.md: the suite did not run in full:"; cat vitest.log; exit 1; }
echo "apps/docs/pages/write-a-backend.md: example backend on the packed core: $(sed 's/\x1b\[[0-9;]*m//g' vitest.log | grep -E '^ +Tests ' | xargs)"
