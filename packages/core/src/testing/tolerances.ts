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
