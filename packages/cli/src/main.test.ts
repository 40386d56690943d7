import { describe, expect, it } from 'vitest';
import type { CommandModule } from './command.js';
import { joinNegativeValues, main } from './main.js';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }, out, err };
};

describe('main', () => {
  it('prints a stack and asks for a report on internal errors (exit 2)', async () => {
    const broken: CommandModule = { description: 'x', usage: 'x', options: {}, run: async () => { throw new TypeError('cannot read x of undefined'); } };
    const c = capture();
    expect(await main(['boom'], c.io, { boom: { description: 'x', load: async () => ({ default: broken }) } })).toBe(2);
    expect(c.err[0]).toMatch(/^internal error: TypeError: cannot read x of undefined\n\s+at /);
    expect(c.err[1]).toMatch(/bug in DeepLens TS\. Please report/);
  });

  it('treats a typed internal error (a broken invariant, e.g. a shape mismatch between ops) as a bug: stack, report, exit 2', async () => {
    const { ShapeMismatchError, IndexOutOfRangeError, OutOfMemoryError } = await import('@deeplens/core');
    for (const error of [new ShapeMismatchError('matmul: shapes [2, 3] and [4, 5] differ'), new IndexOutOfRangeError('gatherCols', 9, 4)]) {
      const cmd: CommandModule = { description: 'x', usage: 'x', options: { json: { type: 'boolean' } }, run: async () => { throw error; } };
      const c = capture();
      expect(await main(['boom', '--json'], c.io, { boom: { description: 'x', load: async () => ({ default: cmd }) } })).toBe(2);
      expect(c.err[0]).toMatch(new RegExp(`^internal error: ${error.name}: [\\s\\S]*\\n\\s+at `));
      expect(c.err[1]).toMatch(/Please report/);
      expect(JSON.parse(c.out[0]!).error).toMatchObject({ code: error.code, exit_code: 2 });
    }
    // Running out of memory is the user's to fix (smaller model or batch): exit 1, no stack.
    const oom: CommandModule = { description: 'x', usage: 'x', options: {}, run: async () => { throw new OutOfMemoryError('the wasm backend cannot grow its memory'); } };
    const c = capture();
    expect(await main(['oom'], c.io, { oom: { description: 'x', load: async () => ({ default: oom }) } })).toBe(1);
    expect(c.err[0]).toMatch(/^error: the wasm backend cannot grow/);
  });

  it('answers in JSON on stdout when a --json command fails, with the code and hint', async () => {
    const c = capture();
    expect(await main(['eval', '--json', '--checkpoint', '/nonexistent/run', '--activations', 'x.npy'], c.io)).toBe(1);
    expect(JSON.parse(c.out[0]!)).toEqual({
      error: { code: 'DEEPLENS_DATA_NOT_FOUND', message: 'checkpoint /nonexistent/run does not exist', hint: expect.stringMatching(/run folder/), exit_code: 1 },
    });
    expect(c.err[0]).toMatch(/^error: checkpoint \/nonexistent\/run does not exist/);
  });

  it('takes a negative number as the value of the flag before it', async () => {
    const options = { lr: { type: 'string' as const }, quiet: { type: 'boolean' as const } };
    expect(joinNegativeValues(['--lr', '-1e-3', '--quiet'], options)).toEqual(['--lr=-1e-3', '--quiet']);
    expect(joinNegativeValues(['--lr', '-.5'], options)).toEqual(['--lr=-.5']);
    expect(joinNegativeValues(['--quiet', '-1'], options)).toEqual(['--quiet', '-1']); // a boolean takes no value
    expect(joinNegativeValues(['--lr', '--quiet'], options)).toEqual(['--lr', '--quiet']);
  });

  it('prints --help of a command without running it', async () => {
    const c = capture();
    expect(await main(['train', '--help'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^deeplens train --config config.yaml/);
  });
});
