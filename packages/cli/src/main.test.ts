import { describe, expect, it } from 'vitest';
import type { CommandModule } from './command.js';
import { main } from './main.js';

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

  it('prints --help of a command without running it', async () => {
    const c = capture();
    expect(await main(['train', '--help'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^deeplens train --config config.yaml/);
  });
});
