import { BackendUnavailableError } from '@deeplens/core';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

/** The exported AssemblyScript kernels (assembly/kernels.ts); pointers are byte offsets. */
export interface Kernels {
  gemm_scratch_floats(): number;
  gemm_depth_block(): number;
  gemm_depth_group(): number;
  gemm_row_block(): number;
  gemm_strip_rows(): number;
  gemm_panel_cols(): number;
  encode_scratch_floats(cols: number, k: number): number;
  pack_b(b: number, transB: number, k: number, n: number, ld: number, packed: number, q0: number, q1: number): void;
  gemm(a: number, transA: number, m: number, k: number, n: number, b: number, bPacked: number, bias: number, c: number, scratch: number, r0: number, r1: number, q0: number, q1: number, aoff: number, pBegin: number, pEnd: number, acc: number): void;
  encode_top_k(x: number, m: number, d: number, cols: number, w: number, wPacked: number, bias: number, k: number, act: number, values: number, indices: number, preAtK: number, scratch: number, r0: number, r1: number, xoff: number): void;
  quant_w_bytes(d: number, cols: number): number;
  screen_scratch_bytes(d: number, cols: number, k: number): number;
  screen_stats_offset(d: number, cols: number, k: number): number;
  quantize_scratch_floats(): number;
  quantize_w(w: number, d: number, cols: number, out: number, scale: number, err: number, flag: number, q0: number, q1: number, tmp: number): void;
  encode_top_k_screened(x: number, m: number, d: number, cols: number, w: number, wq: number, wscale: number, werr: number, bias: number, k: number, act: number, values: number, indices: number, preAtK: number, scratch: number, r0: number, r1: number, xoff: number): void;
  top_k_abs(x: number, cols: number, k: number, act: number, values: number, indices: number, preOut: number, scratch: number, r0: number, r1: number): void;
  matvec(a: number, x: number, n: number, out: number, r0: number, r1: number): void;
  sparse_matmul(values: number, indices: number, k: number, w: number, n: number, out: number, r0: number, r1: number): void;
  sampled_matmul(a: number, indices: number, k: number, w: number, n: number, out: number, r0: number, r1: number): void;
  sparse_by_column(indices: number, entries: number, cols: number, offsets: number, order: number): void;
  sparse_transpose_matmul(values: number, order: number, offsets: number, k: number, y: number, yOffset: number, n: number, out: number, cols: number, transposeOut: number, scratch: number, f0: number, f1: number): void;
  add_row_vector(x: number, v: number, alpha: number, n: number, out: number, r0: number, r1: number): void;
  binary(op: number, a: number, b: number, out: number, i0: number, i1: number): void;
  scale(a: number, s: number, out: number, i0: number, i1: number): void;
  sign(a: number, out: number, i0: number, i1: number): void;
  activation(x: number, act: number, out: number, i0: number, i1: number): void;
  activation_grad(dy: number, pre: number, act: number, l1: number, out: number, i0: number, i1: number): void;
  reduce_all(x: number, kind: number, partials: number, slot: number, i0: number, i1: number): void;
  reduce_rows(x: number, cols: number, kind: number, out: number, r0: number, r1: number): void;
  reduce_cols(x: number, rows: number, cols: number, kind: number, out: number, acc: number, c0: number, c1: number): void;
  adam(p: number, g: number, m: number, v: number, stepSize: number, bc2Sqrt: number, beta1: number, beta2: number, eps: number, decay: number, l2: number, i0: number, i1: number): void;
  normalize_rows(x: number, n: number, r0: number, r1: number): void;
  transpose(src: number, rows: number, cols: number, dst: number, r0: number, r1: number): void;
}

/** Kernels the worker threads can run (by index in this list). */
export const KERNEL_NAMES = [
  'gemm', 'pack_b', 'encode_top_k', 'quantize_w', 'encode_top_k_screened', 'top_k_abs', 'sparse_matmul', 'sampled_matmul', 'sparse_transpose_matmul',
  'matvec', 'add_row_vector', 'binary', 'scale', 'sign', 'activation', 'activation_grad', 'reduce_all', 'reduce_rows',
  'reduce_cols', 'adam', 'normalize_rows', 'transpose',
] as const satisfies ReadonlyArray<keyof Kernels>;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** Which build of the kernels runs: fused multiply-add (relaxed SIMD) or plain 128-bit SIMD. */
export type KernelFlavor = 'relaxed-simd' | 'simd';

const compiled = new Map<KernelFlavor, WebAssembly.Module>();
let relaxedSupport: boolean | undefined;

function kernelBytes(flavor: KernelFlavor): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(flavor === 'relaxed-simd' ? '../build/kernels-relaxed.wasm' : '../build/kernels.wasm', import.meta.url)));
}

/**
 * Whether this runtime runs relaxed SIMD (f32x4.relaxed_madd → an FMA instruction on x86 with
 * FMA3). Node 22+ has it on by default; Node 20's V8 has it behind `--experimental-wasm-relaxed-simd`,
 * which is turned on here (it only changes which wasm modules validate). Checked once per process.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupport === undefined) {
    const bytes = kernelBytes('relaxed-simd');
    relaxedSupport = WebAssembly.validate(bytes);
    if (!relaxedSupport) {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
        relaxedSupport = WebAssembly.validate(bytes);
      } catch {
        relaxedSupport = false;
      }
    }
  }
  return relaxedSupport;
}

/**
 * The compiled kernels (AssemblyScript output in build/), once per process and flavour. Without an
 * explicit flavour: relaxed SIMD where the runtime supports it, plain SIMD otherwise.
 */
export function kernelModule(flavor: KernelFlavor = relaxedSimdSupported() ? 'relaxed-simd' : 'simd'): WebAssembly.Module {
  let module = compiled.get(flavor);
  if (!module) {
    // V8 would first run the kernels on its baseline compiler (Liftoff) and optimise them later;
    // a single first matmul then takes seconds. Compile them optimised from the start.
    setFlagsFromString('--no-liftoff');
    if (flavor === 'relaxed-simd' && !relaxedSimdSupported()) {
      throw new BackendUnavailableError('this runtime does not support WebAssembly relaxed SIMD (use the plain SIMD kernels)');
    }
    module = new WebAssembly.Module(kernelBytes(flavor));
    compiled.set(flavor, module);
  }
  return module;
}
