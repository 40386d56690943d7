import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { UnsupportedOpError } from '../errors.js';
import { Adam } from '../optim/adam.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { assertAllClose } from './all-close.js';
import { parseGoldenCase, type GoldenCase, type GoldenFixtures } from './golden-fixtures.js';
import { TOLERANCES } from './tolerances.js';

/**
 * The 16 model variants against PyTorch: forward outputs, loss terms, every gradient, and the
 * parameters after 1 and 3 steps of Adam + postStep. Also checks that a step leaks no tensor.
 */
export function describeGoldenSae(ctx: { backend: Backend }, unsupported: Map<string, string>, fixtures?: GoldenFixtures): void {
  describe('SparseAutoencoder against PyTorch golden fixtures', async () => {
    // Node reads them from core's folder; a browser run passes fetchGoldenFixtures(url).
    const source = fixtures ?? (await import('./golden-fixtures-node.js')).nodeGoldenFixtures;
    const manifest = await source.manifest();
    for (const name of manifest.cases) {
      it(name, async () => {
        const gc = parseGoldenCase(name, await source.caseBytes(name));
        const run = () => runCase(ctx.backend, gc, manifest.adam);
        if (unsupported.size === 0) return run();
        // A backend lacking an op the model needs must fail loudly with the typed error.
        await run().catch((error: unknown) => {
          expect(error).toBeInstanceOf(UnsupportedOpError);
          expect(unsupported.has((error as UnsupportedOpError).op)).toBe(true);
        });
      });
    }
  });
}

async function runCase(b: Backend, gc: GoldenCase, adam: { lr: number; betas: [number, number]; eps: number; weight_decay: number }): Promise<void> {
  const tol = TOLERANCES.golden;
  const baseline = b.memory().tensors;
  const params = new Map(gc.names('param.').map((n) => [n, gc.get(`param.${n}`)]));
  const sae = SparseAutoencoder.fromArrays({ backend: b, config: gc.config, params });
  const xShape = gc.tensors.get('input.x')!.shape;
  const x = b.fromArray(gc.get('input.x'), xShape);
  const opt = new Adam(sae, { lr: adam.lr, betas: adam.betas, eps: adam.eps, weightDecay: adam.weight_decay });
  try {
    const fwd = sae.forward(x);
    for (const key of ['xHat', 'z', 'zPre'] as const) {
      assertAllClose((await b.read(fwd[key])) as Float32Array, gc.get(`out.${key}`), tol, `${gc.name} ${key}`);
      fwd[key].dispose();
    }
    for (let step = 1; step <= 3; step++) {
      const { losses, grads } = await sae.lossAndGrads(x);
      if (step === 1) {
        for (const key of ['total', 'mse', 'l1', 'nonZeroFrac'] as const) {
          assertAllClose([losses[key]], gc.get(`loss.${key}`), tol, `${gc.name} loss.${key}`);
        }
        expect(new Set(grads.keys())).toEqual(new Set(gc.names('grad.')));
        for (const [n, g] of grads) assertAllClose((await b.read(g)) as Float32Array, gc.get(`grad.${n}`), tol, `${gc.name} grad ${n}`);
      }
      opt.step(grads);
      sae.postStep();
      for (const g of grads.values()) g.dispose();
      if (step === 1 || step === 3) {
        for (const [n, p] of sae.params) {
          assertAllClose((await b.read(p)) as Float32Array, gc.get(`step${step}.${n}`), tol, `${gc.name} ${n} after step ${step}`);
        }
      }
    }
  } finally {
    x.dispose();
    opt.dispose();
    sae.dispose();
  }
  expect(b.memory().tensors, 'tensors leaked by forward/backward/step').toBe(baseline);
}
