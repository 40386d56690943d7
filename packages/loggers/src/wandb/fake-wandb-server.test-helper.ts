import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  path: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A loopback stand-in for W&B's API: answers the GraphQL Viewer query and UpsertBucket mutation
 * and accepts file_stream posts, recording every request. `fail` decides per request whether to
 * answer with an error status (or hang, for timeouts).
 */
export async function startFakeWandb(options: { apiKey?: string; fail?: (r: Recorded, n: number) => number | 'hang' | undefined } = {}) {
  const requests: Recorded[] = [];
  const key = options.apiKey ?? 'test-key';
  const server: Server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
    const rec: Recorded = { path: req.url ?? '', auth: req.headers.authorization, body };
    requests.push(rec);
    const failure = options.fail?.(rec, requests.length);
    if (failure === 'hang') return; // never answers
    if (failure) {
      res.writeHead(failure).end('{}');
      return;
    }
    if (rec.auth !== `Basic ${Buffer.from(`api:${key}`).toString('base64')}`) {
      res.writeHead(401).end('{"error":"unauthorized"}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (rec.path === '/graphql') {
      const q = String(body['query']);
      if (q.includes('Viewer')) return res.end(JSON.stringify({ data: { viewer: { id: 'u1', entity: 'alice', username: 'alice' } } }));
      if (q.includes('upsertBucket')) {
        const v = body['variables'] as Record<string, string>;
        return res.end(JSON.stringify({ data: { upsertBucket: { bucket: { id: 'b1', name: v['name'], displayName: v['displayName'] }, inserted: true } } }));
      }
    }
    if (/^\/files\/[^/]+\/[^/]+\/[^/]+\/file_stream$/.test(rec.path)) return res.end('{"exitcode":null,"limits":{}}');
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    /** History lines posted, in order, with their offsets. */
    history: () => requests.filter((r) => r.path.endsWith('file_stream') && r.body['files']).map((r) => (r.body['files'] as Record<string, { offset: number; content: string[] }>)['wandb-history.jsonl']!),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += chunk;
  return s;
}
