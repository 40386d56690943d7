import type { TrainerLogger } from '@deeplens/trainer';
import { describe, expect, it } from 'vitest';
import { FanOutLogger } from './fan-out-logger.js';

describe('FanOutLogger', () => {
  it('isolates a broken sink: reported once, the others keep receiving', async () => {
    const got: number[] = [];
    const good: TrainerLogger = { name: 'good', logHyperparams() {}, logMetrics: (_m, s) => void got.push(s), flush() {}, close() {} };
    const bad: TrainerLogger = { name: 'bad', logHyperparams() {}, logMetrics: () => { throw new Error('disk full'); }, flush() {}, close() {} };
    const reports: string[] = [];
    const fan = new FanOutLogger([bad, good], (m) => void reports.push(m));
    for (let s = 1; s <= 3; s++) await fan.logMetrics({ x: s }, s);
    await fan.close('completed');
    expect(got).toEqual([1, 2, 3]);
    expect(reports).toEqual(["logger 'bad' failed in logMetrics: disk full; training goes on (its later failures are not shown)"]);
  });
});
