import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TrainerLogger, TrainResult } from '@deeplens/trainer';
import { wandbTimestamp } from '../format.js';
import { toWandbConfig, UPSERT_BUCKET, VIEWER_QUERY, WandbClient, type RetryOptions } from './wandb-client.js';
import { resolveWandbSettings, WandbError, type WandbSettings } from './wandb-settings.js';

export interface WandbLoggerOptions extends Partial<WandbSettings> {
  /** Used for the run name `run-{modelName}-{timestamp}`. */
  modelName: string;
  /** Overrides the run name. */
  runName?: string;
  /** W&B run group: the SAEs of one sweep share one, so the UI shows them together. */
  group?: string;
  /** Where offline runs and metrics that could not be sent go when there is no run folder (default ./wandb). */
  dir?: string;
  /** Longest wait in ms between sends of queued metrics (default 2000). */
  flushIntervalMs?: number;
  /** How long flush() waits for the network before writing what is left to disk (default 60 s). */
  flushTimeoutMs?: number;
  retry?: RetryOptions;
  /** Where problems are reported (default console.error). Sends never throw into training. */
  report?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface WandbRunLogger extends TrainerLogger {
  readonly runId: string;
  readonly runName: string;
  readonly mode: WandbSettings['mode'];
  /** Folder of the local copy (offline) or of unsent metrics (online, if any). */
  readonly localDir: string | undefined;
}

/**
 * A Weights & Biases logger. Online, it checks the API key and creates the run before training
 * starts (so a bad key fails now, not after an hour); metrics are queued and sent in the
 * background with retries, and flush() waits for them. Offline, the run is written to the run
 * folder (`wandb/`) for `deeplens wandb-sync`. Disabled, it does nothing.
 */
export async function createWandbLogger(options: WandbLoggerOptions): Promise<WandbRunLogger> {
  const settings = resolveWandbSettings(options, options.env);
  const runId = randomBytes(6).toString('hex').slice(0, 8);
  const runName = options.runName ?? `run-${options.modelName}-${wandbTimestamp()}`;
  if (settings.mode === 'disabled') return new DisabledLogger(runId, runName);
  if (settings.mode === 'offline') return new OfflineWandbLogger(settings, runId, runName, options);
  if (!settings.apiKey) {
    throw new WandbError('logging to W&B needs an API key, and none was found', {
      hint: 'set WANDB_API_KEY, add the key to ~/.netrc (wandb login), set WANDB_MODE=offline to sync later, or turn log_to_wandb off',
    });
  }
  const client = new WandbClient(settings, options.retry);
  const viewer = await client.graphql<{ viewer: { entity: string } | null }>(VIEWER_QUERY);
  if (!viewer.viewer) throw new WandbError(`W&B at ${settings.baseUrl} did not recognise the API key`, { hint: 'check WANDB_API_KEY' });
  const entity = settings.entity ?? viewer.viewer.entity;
  await client.graphql(UPSERT_BUCKET, { name: runId, project: settings.project, entity, displayName: runName, jobType: 'train', ...(options.group ? { groupName: options.group } : {}) });
  return new OnlineWandbLogger(client, entity, runId, runName, options);
}

class DisabledLogger implements WandbRunLogger {
  readonly name = 'wandb';
  readonly mode = 'disabled' as const;
  readonly localDir = undefined;
  constructor(readonly runId: string, readonly runName: string) {}
  logHyperparams(): void {}
  logMetrics(): void {}
  flush(): void {}
  close(): void {}
}

class OnlineWandbLogger implements WandbRunLogger {
  readonly name = 'wandb';
  readonly mode = 'online' as const;
  #localDir: string | undefined;
  readonly #pending: string[] = [];
  #offset = 0;
  #summary: Record<string, unknown> = {};
  #sending: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  readonly #started = Date.now();
  readonly #report: (m: string) => void;

  constructor(
    readonly client: WandbClient, readonly entity: string, readonly runId: string, readonly runName: string, readonly options: WandbLoggerOptions,
  ) {
    this.#report = options.report ?? ((m) => console.error(m));
  }

  get localDir(): string | undefined {
    return this.#localDir;
  }

  get #project(): string {
    return this.client.settings.project;
  }

  async logHyperparams(config: Readonly<Record<string, unknown>>): Promise<void> {
    if (typeof config['run_dir'] === 'string') this.#localDir = join(config['run_dir'], 'wandb');
    try {
      await this.client.graphql(UPSERT_BUCKET, { name: this.runId, project: this.#project, entity: this.entity, config: toWandbConfig(config) });
    } catch (error) {
      this.#report(`W&B: could not store the run config (${(error as Error).message}); training goes on`);
    }
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    const now = Date.now();
    const row = { ...metrics, _step: step, _runtime: (now - this.#started) / 1000, _timestamp: now / 1000 };
    this.#pending.push(JSON.stringify(row));
    Object.assign(this.#summary, row);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#send();
    }, this.options.flushIntervalMs ?? 2000);
  }

  /** One send at a time; lines go back to the queue if the server cannot be reached. */
  #send(): Promise<void> {
    if (this.#sending) return this.#sending;
    if (this.#pending.length === 0) return Promise.resolve();
    const lines = this.#pending.splice(0, this.#pending.length);
    this.#sending = this.client
      .fileStream(this.entity, this.#project, this.runId, {
        files: {
          'wandb-history.jsonl': { offset: this.#offset, content: lines },
          'wandb-summary.json': { offset: 0, content: [JSON.stringify(this.#summary)] },
        },
      })
      .then(() => {
        this.#offset += lines.length;
        if (this.#failing) this.#report('W&B: sending works again');
        this.#failing = false;
      })
      .catch((error: unknown) => {
        this.#pending.unshift(...lines);
        if (!this.#failing) this.#report(`W&B: sending metrics failed (${(error as Error).message}); they stay queued and will be retried`);
        this.#failing = true;
      })
      .finally(() => {
        this.#sending = undefined;
      });
    return this.#sending;
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const deadline = Date.now() + (this.options.flushTimeoutMs ?? 60_000);
    while ((this.#pending.length > 0 || this.#sending) && Date.now() < deadline) {
      await this.#send();
      if (this.#failing) break; // the client already retried with backoff
    }
    if (this.#pending.length > 0) {
      const dir = this.#localDir ?? this.options.dir ?? 'wandb';
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `unsent-${this.runId}.jsonl`);
      appendFileSync(file, `${this.#pending.splice(0).join('\n')}\n`);
      this.#report(`W&B: metrics that could not be sent were saved to ${file}`);
    }
  }

  async close(status: TrainResult['status']): Promise<void> {
    await this.flush();
    try {
      await this.client.fileStream(this.entity, this.#project, this.runId, { complete: true, exitcode: status === 'completed' ? 0 : 1 });
    } catch (error) {
      this.#report(`W&B: could not mark the run finished (${(error as Error).message})`);
    }
  }
}

/** Run metadata written next to an offline run's history. */
export interface OfflineRunInfo {
  runId: string;
  runName: string;
  project: string;
  /** The run's W&B group, if any. */
  group?: string;
  entity: string | null;
  config: Record<string, unknown>;
  status: TrainResult['status'] | 'running';
}

export const OFFLINE_RUN_FILE = 'wandb-run.json';
export const OFFLINE_HISTORY_FILE = 'wandb-history.jsonl';

class OfflineWandbLogger implements WandbRunLogger {
  readonly name = 'wandb';
  readonly mode = 'offline' as const;
  #dir: string;
  #info: OfflineRunInfo;
  readonly #buffered: string[] = [];
  #ready = false;
  readonly #started = Date.now();

  constructor(settings: WandbSettings, readonly runId: string, readonly runName: string, readonly options: WandbLoggerOptions) {
    this.#dir = join(options.dir ?? 'wandb', `offline-run-${wandbTimestamp()}-${runId}`);
    this.#info = { runId, runName, project: settings.project, entity: settings.entity ?? null, config: {}, status: 'running', ...(options.group ? { group: options.group } : {}) };
  }

  get localDir(): string {
    return this.#dir;
  }

  logHyperparams(config: Readonly<Record<string, unknown>>): void {
    if (typeof config['run_dir'] === 'string') this.#dir = join(config['run_dir'], 'wandb');
    this.#info.config = { ...config };
    this.#open();
  }

  #open(): void {
    mkdirSync(this.#dir, { recursive: true });
    this.#ready = true;
    this.#writeInfo();
    if (this.#buffered.length) appendFileSync(join(this.#dir, OFFLINE_HISTORY_FILE), `${this.#buffered.splice(0).join('\n')}\n`);
  }

  #writeInfo(): void {
    writeFileSync(join(this.#dir, OFFLINE_RUN_FILE), `${JSON.stringify(this.#info, null, 2)}\n`);
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    const now = Date.now();
    const line = JSON.stringify({ ...metrics, _step: step, _runtime: (now - this.#started) / 1000, _timestamp: now / 1000 });
    if (!this.#ready) this.#buffered.push(line);
    else appendFileSync(join(this.#dir, OFFLINE_HISTORY_FILE), `${line}\n`);
  }

  flush(): void {
    if (!this.#ready) this.#open();
  }

  close(status: TrainResult['status']): void {
    this.flush();
    this.#info.status = status;
    this.#writeInfo();
    (this.options.report ?? console.error)(`W&B offline run written to ${this.#dir}; upload it with: deeplens wandb-sync ${this.#dir}`);
  }
}
