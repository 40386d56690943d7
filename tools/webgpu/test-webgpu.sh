#!/usr/bin/env bash
# pnpm test:webgpu — the conformance suite on tfjs's WebGPU engine in Node: Dawn (the `webgpu`
# package, fetched once into a cache: it is an optional peer the workspace does not install) on
# Mesa's lavapipe Vulkan driver (Debian backports packages unpacked into a cache; no root change).
# The same bundle as the GPU check (bench/gpu-check.sh), so this also checks that script's code.
# Not part of .ci/run. VULKAN=swiftshader uses Chromium's bundled SwiftShader instead of lavapipe.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
node "$root/bench/gpu-check/prepare.mjs" --no-node
if [ "${VULKAN:-lavapipe}" = swiftshader ]; then
  export LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
else
  lvp=$(bash "$root/tools/webgpu/lavapipe.sh")
  export LD_LIBRARY_PATH="$lvp/usr/lib/x86_64-linux-gnu" VK_ICD_FILENAMES="$lvp/lvp_icd.json"
fi
cd "$root/bench/gpu-check/dist"
node conformance.mjs --engine webgpu --golden golden 2>&1 | grep -v '^Warning: max.*artificially reduced'
