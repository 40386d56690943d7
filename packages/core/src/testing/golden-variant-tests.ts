import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { UnsupportedOpError } from '../errors.js';
import { Adam } from '../optim/adam.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import type { VariantLayout } from '../sae/compact-latents.js';
import { assertAllClose } from './all-close.js';
import { parseGoldenCase, type GoldenCase, type GoldenFixtures } from './golden-fixtures.js';
import { tolerancesFor } from './tolerances.js';

/**
 * BatchTopK, JumpReLU (its straight-through gradients included), Matryoshka and AuxK against
 * PyTorch (tools/golden/variants.py): inference outputs, training loss terms, every gradient, the
 * smallest kept activation, and parameters and threshold after 1 and 3 steps of Adam + postStep.
 */
export function describeGoldenVariants(ctx: { backend: Backend }, unsupported: Map<string, string>, fixtures?: GoldenFixtures): void {
  describe('SAE architectures beyond DeepLens against PyTorch golden fixtures', async () => {
    const source = fixtures?.variants ?? (await import('./golden-fixtures-node.js')).nodeGoldenFixtures.variants!;
    const manifest = await source.manifest();
    // Both layouts of the latents after the selection (compact-latents.ts). The sparse one reads
    // synchronously: a backend without readSync must refuse it with a typed error, not compute it.
    for (const name of manifest.cases) for (const layout of ['dense', 'sparse'] as const) {
      it(`${name} (${layout} latents)`, async () => {
        const gc = parseGoldenCase(name, await source.caseBytes(name));
        const run = () => runVariantCase(ctx.backend, gc, manifest.adam, layout);
        if (layout === 'sparse' && !(ctx.backend.capabilities.syncRead && ctx.backend.readSync)) {
          // Refused by name: readSync, or an op declared unsupported that the pass reaches first.
          const error = await run().then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(UnsupportedOpError);
          const op = (error as UnsupportedOpError).op;
          expect(op === 'readSync' || unsupported.has(op), `refused for '${op}'`).toBe(true);
          return;
        }
        if (unsupported.size === 0) return run();
        await run().catch((error: unknown) => {
          expect(error).toBeInstanceOf(UnsupportedOpError);
          expect(unsupported.has((error as UnsupportedOpError).op)).toBe(true);
        });
      });
    }
  });
}

async function runVariantCase(b: Backend, gc: GoldenCase, adam: { lr: number; betas: [number, number]; eps: number; weight_decay: number }, layout: VariantLayout): Promise<void> {
  const tol = tolerancesFor(b.capabilities).golden;
  const baseline = b.memory().tensors;
  const arrays = new Map(gc.names('param.').map((n) => [n, gc.get(`param.${n}`)]));
  for (const buffer of ['threshold', 'threshold_updates']) if (gc.tensors.has(`buffer.${buffer}`)) arrays.set(buffer, gc.get(`buffer.${buffer}`));
  const sae = SparseAutoencoder.fromArrays({ backend: b, config: gc.config, params: arrays });
  sae.variantLayout = layout;
  const x = b.fromArray(gc.get('input.x'), gc.tensors.get('input.x')!.shape);
  const deadMask = b.fromArray(gc.get('input.deadMask'), [gc.config.nFeatures]);
  const opt = new Adam(sae, { lr: adam.lr, betas: adam.betas, eps: adam.eps, weightDecay: adam.weight_decay });
  const read = async (t: { dispose(): void }, dispose = true) => {
    const data = (await b.read(t as never)) as Float32Array;
    if (dispose) t.dispose();
    return data;
  };
  try {
    // Inference: BatchTopK's threshold (or the batch ranking while it is unset), JumpReLU's θ.
    const fwd = sae.forward(x);
    assertAllClose(await read(fwd.xHat), gc.get('out.xHat'), tol, `${gc.name} inference xHat`);
    assertAllClose(await read(fwd.z), gc.get('out.z'), tol, `${gc.name} inference z`);
    fwd.zPre.dispose();
    const inference = await sae.loss(x);
    assertAllClose([inference.mse], gc.get('infer.mse'), tol, `${gc.name} inference mse`);
    assertAllClose([inference.total], gc.get('infer.total'), tol, `${gc.name} inference total`);
    for (let step = 1; step <= 3; step++) {
      const { losses, grads } = await sae.lossAndGradsOnDevice(x, { deadMask });
      try {
        if (step === 1) {
          const terms = await losses.read();
          assertAllClose([terms.total], gc.get('loss.total'), tol, `${gc.name} loss.total`);
          assertAllClose([terms.mse], gc.get('loss.mse'), tol, `${gc.name} loss.mse`);
          assertAllClose([terms.nonZeroFrac], gc.get('loss.nonZeroFrac'), tol, `${gc.name} loss.nonZeroFrac`);
          if (gc.tensors.has('loss.aux')) assertAllClose([terms.aux!], gc.get('loss.aux'), tol, `${gc.name} loss.aux`);
          else expect(terms.aux).toBeUndefined();
          if (gc.tensors.has('loss.minKept')) assertAllClose(await read(losses.sums.minKept!, false), gc.get('loss.minKept'), tol, `${gc.name} minKept`);
          expect(new Set(grads.keys())).toEqual(new Set(gc.names('grad.')));
          for (const [n, g] of grads) assertAllClose(await read(g, false), gc.get(`grad.${n}`), tol, `${gc.name} grad ${n}`);
        }
        opt.step(grads);
        sae.postStep(losses);
      } finally {
        for (const g of grads.values()) g.dispose();
        losses.dispose();
      }
      if (step === 1 || step === 3) {
        for (const [n, p] of sae.params) assertAllClose(await read(p, false), gc.get(`step${step}.${n}`), tol, `${gc.name} ${n} after step ${step}`);
        for (const buffer of ['threshold', 'threshold_updates'] as const) {
          if (!gc.tensors.has(`step${step}.buffer.${buffer}`)) continue;
          assertAllClose(await read(sae.buffers.get(buffer)!, false), gc.get(`step${step}.buffer.${buffer}`), tol, `${gc.name} ${buffer} after step ${step}`);
        }
      }
    }
  } finally {
    x.dispose();
    deadMask.dispose();
    opt.dispose();
    sae.dispose();
  }
  expect(b.memory().tensors, 'tensors leaked by forward/backward/step').toBe(baseline);
}
