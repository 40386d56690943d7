/**
 * Every tolerance the conformance suite uses, in one place. An element passes when
 * |actual − expected| ≤ rtol · (|expected| + rms(expected)): relative to the element, with a floor
 * relative to the tensor's scale so that values near zero produced by cancellation do not demand
 * impossible precision.
 */
export interface Tolerance {
  rtol: number;
}

export const TOLERANCES = {
  /** float32 kernels against a float64 reference. */
  float32: { rtol: 1e-5 },
  /** The PyTorch golden fixtures (float64 reference) against a float32 backend. */
  golden: { rtol: 1e-5 },
  /** Accumulated reductions over many elements (sums in float32). */
  reduction: { rtol: 1e-5 },
} as const satisfies Record<string, Tolerance>;

/**
 * The tolerances for a backend's declared float precision: float32 as above; float16 (WebGL on
 * some GPUs) about 2⁻¹¹ per rounding, with room for accumulated sums.
 */
export function tolerancesFor(capabilities: { floatBits?: 16 | 32 }): Record<keyof typeof TOLERANCES, Tolerance> {
  if ((capabilities.floatBits ?? 32) === 32) return TOLERANCES;
  return { float32: { rtol: 2e-3 }, golden: { rtol: 1e-2 }, reduction: { rtol: 1e-2 } };
}
