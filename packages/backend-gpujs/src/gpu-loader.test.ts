import { describe, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { GpujsModeUnavailableError, GpujsTensorTooLargeError } from './gpujs-errors.js';
import { modeUnavailable, openGpu } from './gpu-loader.js';
import { FLOAT_EXACT_ELEMENTS } from './gpujs-mode.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

describe('gpu.js modes in Node without gl', () => {
  it('auto takes webasm and says why each GPU mode was skipped', async () => {
    const choice = openGpu('auto');
    try {
      expect(choice.traits).toMatchObject({ mode: 'webasm', textures: false, gpu: false, ieeeNonFinite: true, maxElements: FLOAT_EXACT_ELEMENTS });
      expect(choice.skipped.map((s) => s.mode)).toEqual(['headlessgl', 'webgl2', 'webgl']);
      expect(choice.skipped[0]!.reason).toMatch(/the optional 'gl' package is not installed or not built: .*npm i gl@8\.1\.6/);
      expect(choice.skipped[1]!.reason).toMatch(/WebGL2 needs a browser/);
    } finally {
      await choice.gpu.destroy();
    }
  });

  it('naming a mode that cannot run is a user error with the reason and a hint', () => {
    expect(modeUnavailable('cpu')).toBeUndefined();
    expect(() => openGpu('headlessgl')).toThrow(GpujsModeUnavailableError);
    expect(() => openGpu('webgl2')).toThrow(/gpu\.js mode 'webgl2' cannot run here: WebGL2 needs a browser[\s\S]*hint: use mode 'auto'/);
  });

  it('an unknown mode is an InvalidArgumentError listing the modes', async () => {
    await expect(gpujsBackendPlugin.create({ mode: 'cuda' as never })).rejects.toMatchObject({ code: 'DEEPLENS_INVALID_ARGUMENT', message: expect.stringMatching(/unknown gpu\.js mode 'cuda'[\s\S]*auto, headlessgl, webgl2, webgl, webasm, cpu/) });
  });

  it('webasm refuses a tensor past 2^24 elements before computing (its index arithmetic is float32); cpu mode takes it', async () => {
    const webasm = (await gpujsBackendPlugin.create({ mode: 'webasm' })) as GpujsBackend;
    const cpu = (await gpujsBackendPlugin.create({ mode: 'cpu' })) as GpujsBackend;
    try {
      const n = FLOAT_EXACT_ELEMENTS + 8;
      expect(() => webasm.fill([n], 1)).toThrow(GpujsTensorTooLargeError);
      expect(() => webasm.fill([n], 1)).toThrow(/fill: a tensor of 16777224 elements .* is more than the gpujs backend addresses exactly here \(16777216 elements: float32 index arithmetic\)[\s\S]*hint: use a smaller batch_size/);
      const small = webasm.fill([2, 4097], 1);
      expect(() => webasm.matmul(small, small, { transposeA: true })).toThrow(GpujsTensorTooLargeError);
      expect(webasm.memory().tensors).toBe(1);
      small.dispose();
      const big = cpu.fill([n], 1);
      const sum = cpu.reduce(big, 'sum');
      expect(Array.from(await cpu.read(sum))).toEqual([n]);
      big.dispose();
      sum.dispose();
    } finally {
      webasm.dispose();
      cpu.dispose();
    }
  });
});
