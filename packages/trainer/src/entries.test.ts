import { describe, expect, it } from 'vitest';

/** index.ts lists its exports by hand (no `export *`): it must keep offering everything the browser entry does. */
describe('package entries', () => {
  it('the Node entry exports everything the browser entry exports, as the same values', async () => {
    const browser = await import('./browser.js');
    const node = (await import('./index.js')) as Record<string, unknown>;
    for (const [name, value] of Object.entries(browser)) {
      if (name === 'SAETrainer') continue;
      expect(node[name], name).toBe(value);
    }
  });

  it('the Node SAETrainer is the browser one with run folders on disk as its default storage', async () => {
    const browser = await import('./browser.js');
    const node = await import('./index.js');
    expect(node.SAETrainer.prototype).toBeInstanceOf(browser.SAETrainer);
    expect(typeof node.SAETrainer.configFromYaml).toBe('function');
  });
});
