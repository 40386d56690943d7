import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** s3rver's built-in account. */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  client: S3Client;
  close(): Promise<void>;
}

/**
 * An S3-compatible server on the loopback address with one bucket, storing under a temporary
 * folder: s3rver from npm (install it beside this package; it is loaded only here).
 */
export async function startTestS3(bucket = 'test-bucket'): Promise<TestS3> {
  const { default: S3rver } = await import('s3rver');
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    client: testClient(endpoint),
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export function testClient(endpoint: string, maxAttempts = 3): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_CREDENTIALS, maxAttempts });
}

/** A fault to inject into the next matching request(s). */
export type Fault =
  /** Answer with this error; `on` picks the requests (default: ranged GETs). */
  | { kind: 'status'; status: number; code: string; times: number; on?: 'range-get' | 'upload-part' }
  /** Send the response headers and this many body bytes, then cut the connection. */
  | { kind: 'drop'; afterBytes: number; times: number };

/** An HTTP proxy in front of the test server that injects faults into GET requests with a Range header. */
export class FaultProxy {
  readonly faults: Fault[] = [];
  /** Ranges asked for through the proxy, in order. */
  readonly ranges: string[] = [];
  #server: Server | undefined;
  endpoint = '';

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.#server = createServer((req, res) => {
      const range = req.headers.range;
      if (req.method === 'GET' && range) this.ranges.push(range);
      const kind = req.method === 'GET' && range ? 'range-get' : req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '') ? 'upload-part' : undefined;
      const first = this.faults[0];
      const fault = kind && first && ((first.kind === 'status' && first.on) || 'range-get') === kind ? first : undefined;
      if (fault && --fault.times <= 0) this.faults.shift();
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`);
        req.resume();
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (fault?.kind !== 'drop') {
          up.pipe(res);
          return;
        }
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (sent >= fault.afterBytes) return;
          const part = chunk.subarray(0, fault.afterBytes - sent);
          sent += part.length;
          res.write(part, () => {
            if (sent >= fault.afterBytes) {
              up.destroy();
              res.socket?.destroy();
            }
          });
        });
      });
      upstream.on('error', () => res.socket?.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => resolve());
    });
  }
}
