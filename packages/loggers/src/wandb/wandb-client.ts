import { setTimeout as sleep } from 'node:timers/promises';
import { WandbError, type WandbSettings } from './wandb-settings.js';

export interface RetryOptions {
  /** Attempts per request (default 5). */
  attempts?: number;
  /** First backoff in ms, doubled each retry (default 500). */
  backoffMs?: number;
  /** Per-attempt timeout in ms (default 20 s). */
  timeoutMs?: number;
}

export class WandbAuthError extends WandbError {}

/** Minimal client for W&B's public HTTP API: GraphQL and the run file stream. */
export class WandbClient {
  constructor(readonly settings: WandbSettings, readonly retry: RetryOptions = {}) {}

  get #auth(): string {
    return `Basic ${Buffer.from(`api:${this.settings.apiKey ?? ''}`).toString('base64')}`;
  }

  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const body = await this.#post('/graphql', { query, variables });
    const parsed = body as { data?: T; errors?: Array<{ message: string }> };
    if (parsed.errors?.length) throw new WandbError(`W&B GraphQL error: ${parsed.errors.map((e) => e.message).join('; ')}`);
    return parsed.data as T;
  }

  fileStream(entity: string, project: string, run: string, payload: Record<string, unknown>): Promise<unknown> {
    const p = (s: string) => encodeURIComponent(s);
    return this.#post(`/files/${p(entity)}/${p(project)}/${p(run)}/file_stream`, payload);
  }

  async #post(path: string, payload: unknown): Promise<unknown> {
    const attempts = this.retry.attempts ?? 5;
    let backoff = this.retry.backoffMs ?? 500;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(`${this.settings.baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization: this.#auth, 'content-type': 'application/json', 'user-agent': 'deeplens-ts' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(this.retry.timeoutMs ?? 20_000),
        });
        if (res.status === 401 || res.status === 403) {
          throw new WandbAuthError(`W&B rejected the API key (HTTP ${res.status} from ${this.settings.baseUrl})`, {
            hint: 'check WANDB_API_KEY (or the password in ~/.netrc), or set WANDB_MODE=offline and sync later',
          });
        }
        if (res.status >= 500 || res.status === 429) throw new WandbError(`HTTP ${res.status} from ${path}`);
        if (!res.ok) throw new WandbAuthError(`W&B answered HTTP ${res.status} to ${path}: ${await res.text()}`);
        const text = await res.text();
        return text ? JSON.parse(text) : {};
      } catch (error) {
        if (error instanceof WandbAuthError) throw error;
        last = error;
        if (attempt < attempts) {
          await sleep(backoff);
          backoff *= 2;
        }
      }
    }
    throw new WandbError(`W&B request to ${path} failed after ${attempts} attempts: ${(last as Error)?.message}`, { cause: last });
  }
}

export const VIEWER_QUERY = 'query Viewer { viewer { id entity username } }';

export const UPSERT_BUCKET = `mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String, $groupName: String, $displayName: String, $config: JSONString, $summaryMetrics: JSONString, $state: String, $jobType: String, $tags: [String!]) {
  upsertBucket(input: {id: $id, name: $name, modelName: $project, entityName: $entity, groupName: $groupName, displayName: $displayName, config: $config, summaryMetrics: $summaryMetrics, state: $state, jobType: $jobType, tags: $tags}) {
    bucket { id name displayName project { id name entity { id name } } }
    inserted
  }
}`;

/** W&B stores run config as {key: {value, desc}}. */
export function toWandbConfig(config: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v, desc: null }])));
}
