#!/usr/bin/env bash
# The tfjs backend on a real GPU, prepared here and run on a machine with an NVIDIA GPU and no
# network (the device tool): the conformance suite and benchmark config (a) on tfjs's WebGPU
# engine through Dawn (NVIDIA's Vulkan driver), tfjs-node-gpu where it is installed beside it, and
# PyTorch's DeepLens step on the same GPU (CUDA) and CPU as the reference. Results go to $OUT
# (default bench/gpu-check/out/); bench/gpu-check/render.mjs turns them into bench/results-gpu.md.
#
#   node bench/gpu-check/prepare.mjs            # here: bundles + Dawn + Node → bench/gpu-check/dist (≈ 52 MiB)
#   bash bench/gpu-check.sh                     # there, with bench/gpu-check/dist carried along
#
# Nothing is fetched at run time. Vulkan: NVIDIA's ICD from the driver (VK_DRIVER_FILES is pointed at
# it when the loader finds none), the loader libvulkan1 from the system or from .gl/ (the device
# tool's README says how to bring it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dist="$here/gpu-check/dist"
out=${OUT:-$here/gpu-check/out}
mkdir -p "$out"
log() { echo "$@" | tee -a "$out/gpu-check.log"; }
[ -f "$dist/conformance.mjs" ] || { echo "run node bench/gpu-check/prepare.mjs first (no $dist)"; exit 1; }

# Node: the machine's own if it has one, else the carried binary.
node_bin=$(command -v node || true)
if [ -z "$node_bin" ]; then xz -dc "$dist/node.xz" > /tmp/deeplens-node && chmod +x /tmp/deeplens-node && node_bin=/tmp/deeplens-node; fi
# Vulkan loader from .gl/ (the device README's recipe) when the system has none.
if ! ldconfig -p | grep -q libvulkan.so.1 && ls "$here"/../.gl/*.deb >/dev/null 2>&1; then for f in "$here"/../.gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; fi

log "# GPU check $(date -u +%FT%TZ)"
log "node $("$node_bin" --version); $(grep webgpu "$dist/VERSIONS")"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "none (nvidia-smi not found)"; } | sed 's/^/gpu: /' | tee -a "$out/gpu-check.log"
lscpu | grep -m1 'Model name' | sed 's/^/cpu: /' | tee -a "$out/gpu-check.log"

cd "$dist"
# 1. The conformance suite on the WebGPU engine (Dawn on the GPU's Vulkan driver).
timeout 240 "$node_bin" conformance.mjs --engine webgpu --golden golden --out "$out/conformance-webgpu.json" > "$out/conformance-webgpu.log" 2>&1
log "conformance webgpu: exit $? — $(tail -1 "$out/conformance-webgpu.log")"
grep -m1 '^engine: ' "$out/conformance-webgpu.log" | tee -a "$out/gpu-check.log"
# tfjs-node-gpu only where it was installed beside the bundle (node_modules/@tensorflow/tfjs-node-gpu).
if [ -d node_modules/@tensorflow/tfjs-node-gpu ]; then
  timeout 240 "$node_bin" conformance.mjs --engine tensorflow --golden golden --out "$out/conformance-tensorflow.json" > "$out/conformance-tensorflow.log" 2>&1
  log "conformance tensorflow: exit $? — $(tail -1 "$out/conformance-tensorflow.log")"
else
  log "conformance tensorflow: skipped — @tensorflow/tfjs-node-gpu is not installed beside the bundle (it needs libtensorflow 2.9.1 with CUDA 11.2/cuDNN 8.1, downloaded at install time)"
fi

# 2. Benchmark config (a): TopK d=768 F=6144 k=32 B=4096, full training steps, two rounds
#    (STEPS/WARMUP/ROUNDS override, e.g. for a dry run on a software Vulkan driver).
: > "$out/bench.jsonl"
steps=${STEPS:-5} warmup=${WARMUP:-2}
for round in $(seq 1 "${ROUNDS:-2}"); do
  for engine in webgpu wasm $([ -d node_modules/@tensorflow/tfjs-node-gpu ] && echo tensorflow); do
    timeout 150 "$node_bin" step.mjs --engine "$engine" --config a --steps "$steps" --warmup "$warmup" 2>>"$out/bench.err" | grep '^{' | sed "s/}\$/, \"round\": $round}/" >> "$out/bench.jsonl" || log "step $engine round $round failed (see bench.err)"
  done
  for device in cuda cpu; do
    timeout 150 python3 "$here/pytorch_step.py" --config a --mode dense --steps "$steps" --warmup "$warmup" --device "$device" 2>>"$out/bench.err" | grep '^{' | sed "s/}\$/, \"round\": $round}/" >> "$out/bench.jsonl" || log "pytorch $device round $round failed (see bench.err)"
  done
done
log "bench rows: $(wc -l < "$out/bench.jsonl")"
cat "$out/bench.jsonl" | tee -a "$out/gpu-check.log"
