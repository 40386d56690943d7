import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toWandbConfig, UPSERT_BUCKET, VIEWER_QUERY, WandbClient, type RetryOptions } from './wandb-client.js';
import { OFFLINE_HISTORY_FILE, OFFLINE_RUN_FILE, type OfflineRunInfo } from './wandb-logger.js';
import { resolveWandbSettings, WandbError, type WandbSettings } from './wandb-settings.js';

/** Accepts the offline folder itself or a training run folder that holds `wandb/`. */
export function findOfflineRun(folder: string): string {
  for (const dir of [folder, join(folder, 'wandb')]) if (existsSync(join(dir, OFFLINE_RUN_FILE))) return dir;
  throw new WandbError(`${folder} holds no offline W&B run (no ${OFFLINE_RUN_FILE})`, {
    hint: 'pass the training run folder of a run trained with WANDB_MODE=offline, or its wandb/ folder',
  });
}

/** Upload an offline run: create it, stream its history in chunks, store the summary, finish it. */
export async function syncOfflineRun(
  folder: string, options: Partial<WandbSettings> & { env?: NodeJS.ProcessEnv; retry?: RetryOptions; chunkLines?: number } = {},
): Promise<{ runId: string; lines: number; entity: string; project: string }> {
  const dir = findOfflineRun(folder);
  const info = JSON.parse(readFileSync(join(dir, OFFLINE_RUN_FILE), 'utf8')) as OfflineRunInfo;
  const settings = resolveWandbSettings({ ...options, mode: 'online', project: options.project ?? info.project, entity: options.entity ?? info.entity ?? undefined }, options.env);
  if (!settings.apiKey) throw new WandbError('wandb-sync needs an API key', { hint: 'set WANDB_API_KEY or add the key to ~/.netrc' });
  const client = new WandbClient(settings, options.retry);
  const viewer = await client.graphql<{ viewer: { entity: string } | null }>(VIEWER_QUERY);
  const entity = settings.entity ?? viewer.viewer?.entity;
  if (!entity) throw new WandbError('W&B did not recognise the API key');
  await client.graphql(UPSERT_BUCKET, { name: info.runId, project: settings.project, entity, displayName: info.runName, config: toWandbConfig(info.config), jobType: 'train', ...(info.group ? { groupName: info.group } : {}) });
  const historyPath = join(dir, OFFLINE_HISTORY_FILE);
  const lines = existsSync(historyPath) ? readFileSync(historyPath, 'utf8').split('\n').filter(Boolean) : [];
  const chunk = options.chunkLines ?? 1000;
  const summary: Record<string, unknown> = {};
  for (let i = 0; i < lines.length; i += chunk) {
    const part = lines.slice(i, i + chunk);
    for (const l of part) Object.assign(summary, JSON.parse(l));
    await client.fileStream(entity, settings.project, info.runId, {
      files: {
        'wandb-history.jsonl': { offset: i, content: part },
        'wandb-summary.json': { offset: 0, content: [JSON.stringify(summary)] },
      },
    });
  }
  await client.fileStream(entity, settings.project, info.runId, { complete: true, exitcode: info.status === 'completed' ? 0 : 1 });
  return { runId: info.runId, lines: lines.length, entity, project: settings.project };
}
