import type { GpuData, GpuTexture } from './gpujs-tensor.js';

/** The part of a gpu.js `GPU` instance DeepLens uses. */
export interface GpuInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuKernel;
  destroy(): void | Promise<void>;
}

export type GpuKernel = ((...args: unknown[]) => unknown) & { destroy?(removeCanvasReferences?: boolean): void };

/**
 * How kernel sources address tensors in one mode. Every tensor is seen as [rows, cols] (a vector
 * is one row). GL modes write a [rows, cols] result as a gpu.js output of [cols, 1, rows]: the
 * texture is as square as gpu.js can make it (so a weight wider than MAX_TEXTURE_SIZE fits), and
 * the thread ids and every element address are computed in integers — gpu.js turns a variable
 * holding an integer into a float, so addresses are written as 3-D reads `a[r][0][c]`, which gpu.js
 * combines in int arithmetic, never as a flat float product. Host modes keep flat arrays.
 */
export interface Dialect {
  readonly textures: boolean;
  /** The output element's row and column, for an output with `cols` columns. */
  row(cols: number): string;
  col(cols: number): string;
  /** Element (r, c) of an input [rows, cols]. */
  at(name: string, r: string, c: string, cols: number): string;
}

export const glDialect: Dialect = {
  textures: true,
  row: () => 'this.thread.z',
  col: () => 'this.thread.x',
  at: (name, r, c) => `${name}[${r}][0][${c}]`,
};

export const hostDialect: Dialect = {
  textures: false,
  row: (cols) => (cols === 1 ? 'this.thread.x' : `Math.floor(this.thread.x / ${cols})`),
  col: (cols) => (cols === 1 ? '0' : `(this.thread.x % ${cols})`),
  at: (name, r, c, cols) => (cols === 1 ? `${name}[${r}]` : `${name}[(${r}) * ${cols} + (${c})]`),
};

/** gpu.js kernel classes by the mode they implement. */
const KERNEL_CLASS_MODES: Record<string, string> = {
  HeadlessGLKernel: 'headlessgl', WebGL2Kernel: 'webgl2', WebGLKernel: 'webgl', WebAssemblyKernel: 'webasm', CPUKernel: 'cpu',
};

export interface KernelSpec {
  /**
   * Tensor parameters, then scalar parameters, in call order. gpu.js types a number argument as a
   * float (strictIntegers is off), so one kernel serves every scalar value.
   */
  params: readonly string[];
  scalars?: readonly string[];
  /** The result's [rows, cols]. */
  rows: number;
  cols: number;
  /** The kernel body (JavaScript gpu.js understands); must `return` the element's value. */
  body: string;
  /** Upper bound of a loop whose bound is not a literal (gpu.js needs one for GLSL). */
  loopMax?: number;
}

/** An argument's size as gpu.js sees it: a number's 's', an array's length, a texture's output. */
function argumentSize(a: GpuData | number): string {
  if (typeof a === 'number') return 's';
  return a instanceof Float32Array ? String(a.length) : a.output.join('x');
}

/**
 * Compiles each kernel source once per output shape and argument sizes and caches it; runs kernels
 * in pipeline mode with immutable outputs, so results stay on the GPU (a new texture per call)
 * until read.
 */
export class KernelRunner {
  readonly #kernels = new Map<string, GpuKernel>();
  readonly dialect: Dialect;

  constructor(
    private readonly gpu: GpuInstance,
    textures: boolean,
  ) {
    this.dialect = textures ? glDialect : hostDialect;
  }

  get compiled(): number {
    return this.#kernels.size;
  }

  run(spec: KernelSpec, args: readonly (GpuData | number)[]): GpuData {
    const params = [...spec.params, ...(spec.scalars ?? [])];
    // gpu.js fixes each argument's size at a kernel's first call: a kernel is compiled per argument
    // sizes too (e.g. sparse rows whose count changes from call to call with the same output).
    const key = `${spec.rows}x${spec.cols}|${params.join(',')}|${spec.loopMax ?? 0}|${args.map(argumentSize).join(',')}|${spec.body}`;
    let kernel = this.#kernels.get(key);
    if (!kernel) {
      const source = `function (${params.join(', ')}) {\n${spec.body}\n}`;
      kernel = this.gpu.createKernel(source, {
        output: this.dialect.textures ? [spec.cols, 1, spec.rows] : [spec.rows * spec.cols],
        pipeline: true,
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        loopMaxIterations: Math.max(1000, spec.loopMax ?? 0),
      });
      this.#kernels.set(key, kernel);
    }
    const out = kernel(...args);
    return this.dialect.textures ? (out as GpuTexture) : toFloat32(out);
  }

  /**
   * The gpu.js kernel modes that actually ran (gpu.js may quietly move a kernel it cannot compile
   * for webasm to its cpu mode): tests check every kernel ran where the backend says it runs.
   */
  modesUsed(): Set<string> {
    const modes = new Set<string>();
    for (const k of this.#kernels.values()) {
      const inner = (k as unknown as { kernel?: { constructor: { name: string } } }).kernel;
      const name = inner?.constructor.name ?? 'unknown';
      modes.add(KERNEL_CLASS_MODES[name] ?? name);
    }
    return modes;
  }

  destroy(): void {
    for (const k of this.#kernels.values()) k.destroy?.(true);
    this.#kernels.clear();
  }
}

/** A kernel result as one flat Float32Array (gpu.js returns nested arrays for 2-D/3-D outputs). */
export function toFloat32(value: unknown): Float32Array {
  if (value instanceof Float32Array) return value;
  const parts: Float32Array[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Float32Array) parts.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (typeof v === 'number') parts.push(Float32Array.of(v));
    else throw new TypeError(`unexpected gpu.js result ${Object.prototype.toString.call(v)}`);
  };
  walk(value);
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
