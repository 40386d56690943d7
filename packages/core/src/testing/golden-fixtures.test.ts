import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchGoldenFixtures } from './golden-fixtures.js';
import { GOLDEN_DIR, loadGoldenCase, loadGoldenManifest, nodeGoldenFixtures } from './golden-fixtures-node.js';

// The browser path of the golden fixtures (fetch) gives exactly what the Node path reads from disk.
describe('golden fixtures over HTTP', () => {
  let base = '';
  const server = createServer((req, res) => {
    void readFile(`${GOLDEN_DIR}${decodeURIComponent(new URL(req.url!, 'http://x').pathname.replace(/^\/golden\//, ''))}`).then(
      (body) => res.end(body),
      () => res.writeHead(404).end(),
    );
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/golden`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetchGoldenFixtures reads the same manifest and case bytes as the files, and names a missing file', async () => {
    const remote = fetchGoldenFixtures(base);
    const manifest = await remote.manifest();
    expect(manifest).toEqual(loadGoldenManifest());
    expect(manifest.cases.length).toBe(16);
    const name = manifest.cases[0]!;
    expect(await remote.caseBytes(name)).toEqual(await nodeGoldenFixtures.caseBytes(name));
    expect(loadGoldenCase(name).config).toBeDefined();
    await expect(remote.caseBytes('no-such-case')).rejects.toThrow(/no-such-case\.safetensors: HTTP 404/);
  });
});
