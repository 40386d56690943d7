import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Backend } from '../backend/backend.js';
import type { BackendPlugin } from '../backend/backend-plugin.js';
import { Rng } from '../random/rng.js';
import { describeComposableOps } from './composable-op-tests.js';
import { declaredUnsupported, type ConformanceOptions } from './conformance-options.js';
import { coreFallbackView } from './core-fallback-view.js';
import { describeElementwiseOps } from './elementwise-tests.js';
import { describeErrorTaxonomy } from './error-taxonomy-tests.js';
import { describeGoldenSae } from './golden-sae-tests.js';
import { describeGoldenVariants } from './golden-variant-tests.js';
import { OP_INVOKERS } from './op-invokers.js';
import { describeRequiredOps } from './required-op-tests.js';
import { describeSparseOps } from './sparse-op-tests.js';

/**
 * The one conformance suite every backend runs, ours and users' alike:
 *
 *   describeBackendConformance(myBackendPlugin, { unsupported: [{ op: 'layerNorm', reason: '…' }] });
 *
 * Same inputs for everybody; tolerances follow the backend's declared `capabilities.floatBits`,
 * and NaN cases are skipped (saying so) only where it declares `ieeeNonFinite: false`. A
 * declared-unsupported op is not skipped silently: the suite checks that it throws
 * UnsupportedOpError naming the op. The composable ops, the sparse products and the 16 PyTorch
 * golden models run twice: on the backend as it is, and on its core-fallback view (no optional
 * op, no readSync, no native activation), so core's compositions are checked on it too.
 */
export function describeBackendConformance<O>(plugin: BackendPlugin<O>, options: ConformanceOptions<O> = {}): void {
  const ctx: { backend: Backend } = { backend: undefined as unknown as Backend };
  const fallback: { backend: Backend } = { backend: undefined as unknown as Backend };
  const unsupported = declaredUnsupported(options);
  const supportedIt = (op: string, name: string, fn: (context: TestContext) => Promise<void> | void) =>
    unsupported.has(op)
      ? it(`${name}: declared unsupported (${unsupported.get(op)}), throws UnsupportedOpError`, () => {
          expect(() => OP_INVOKERS[op as keyof typeof OP_INVOKERS](ctx.backend)).toThrow(expect.objectContaining({ code: 'DEEPLENS_UNSUPPORTED_OP', op }));
        })
      : it(name, fn);

  describe(`backend conformance: ${plugin.name}`, () => {
    beforeAll(async () => {
      ctx.backend = await plugin.create(options.createOptions);
      fallback.backend = coreFallbackView(ctx.backend);
    });
    afterAll(async () => {
      await ctx.backend?.dispose();
    });

    const rng = new Rng(options.seed ?? 1234);
    const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);

    it('declares its capabilities, and every op it declares unsupported is an op of the contract', () => {
      const c = ctx.backend.capabilities;
      expect(typeof c.bf16).toBe('boolean');
      expect(c.syncRead).toBe(typeof ctx.backend.readSync === 'function');
      expect([undefined, 16, 32]).toContain(c.floatBits);
      expect([undefined, 'native', 'rebind']).toContain(c.inPlace);
      for (const op of unsupported.keys()) expect(Object.keys(OP_INVOKERS), `declared op '${op}'`).toContain(op);
    });

    describeRequiredOps(ctx, rand, supportedIt);
    describeElementwiseOps(ctx, rand, supportedIt);
    describeComposableOps(ctx, rand, supportedIt);
    describeSparseOps(ctx, rand);
    describeErrorTaxonomy(ctx);
    describeGoldenSae(ctx, unsupported, options.goldenFixtures);
    describeGoldenVariants(ctx, unsupported, options.goldenFixtures);

    describe('through core\'s fallbacks (no optional op, no readSync, no native activation)', () => {
      describeComposableOps(fallback, rand, supportedIt);
      describeSparseOps(fallback, rand);
      describeErrorTaxonomy(fallback);
      describeGoldenSae(fallback, unsupported, options.goldenFixtures);
      describeGoldenVariants(fallback, unsupported, options.goldenFixtures);
    });
  });
}
