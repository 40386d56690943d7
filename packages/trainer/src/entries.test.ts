import { describe, expect, it } from 'vitest';

/** index.ts lists its exports by hand (no `export *`): it must keep offering everything the browser entry does. */
describe('package entries', () => {
  it('the Node entry exports everything the browser entry exports, as the same values', async () => {
    const browser = await import('./browser.js');
    const node = (await import('./index.js')) as Record<string, unknown>;
    for (const [name, value] of Object.entries(browser)) expect(node[name], name).toBe(value);
  });
});
