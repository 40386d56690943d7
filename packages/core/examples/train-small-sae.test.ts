import { describe, expect, it } from 'vitest';
import { trainSmallSae } from './train-small-sae.js';

describe('example: train a small SAE', () => {
  it('reduces the reconstruction loss and recovers ground-truth directions', async () => {
    const { losses, mmcs } = await trainSmallSae({ steps: 300 });
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const first = mean(losses.slice(0, 20));
    const last = mean(losses.slice(-20));
    expect(last).toBeLessThan(first * 0.5);
    // Chance level for random 32-d directions is about 0.35.
    expect(mmcs).toBeGreaterThan(0.6);
  });
});
