import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DeepLensError } from '@deeplens/core';

export type WandbMode = 'online' | 'offline' | 'disabled';

export interface WandbSettings {
  mode: WandbMode;
  baseUrl: string;
  apiKey: string | undefined;
  project: string;
  entity: string | undefined;
}

export class WandbError extends DeepLensError {
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super('DEEPLENS_WANDB', message, options);
  }
}

export const DEFAULT_WANDB_PROJECT = 'sparse-autoencoder';
export const DEFAULT_WANDB_BASE_URL = 'https://api.wandb.ai';

/**
 * Settings the way the official clients read them: WANDB_API_KEY or the `password` of the
 * ~/.netrc entry for the API host, WANDB_BASE_URL, WANDB_PROJECT, WANDB_ENTITY, WANDB_MODE.
 */
export function resolveWandbSettings(
  overrides: Partial<WandbSettings> = {}, env: NodeJS.ProcessEnv = process.env, netrcPath = join(homedir(), '.netrc'),
): WandbSettings {
  const baseUrl = (overrides.baseUrl ?? env['WANDB_BASE_URL'] ?? DEFAULT_WANDB_BASE_URL).replace(/\/+$/, '');
  const modeRaw = overrides.mode ?? env['WANDB_MODE'] ?? 'online';
  const mode: WandbMode = modeRaw === 'dryrun' ? 'offline' : (modeRaw as WandbMode);
  if (!['online', 'offline', 'disabled'].includes(mode)) {
    throw new WandbError(`WANDB_MODE must be online, offline or disabled, got '${modeRaw}'`);
  }
  return {
    mode,
    baseUrl,
    apiKey: overrides.apiKey ?? env['WANDB_API_KEY'] ?? netrcPassword(netrcPath, new URL(baseUrl).hostname),
    project: overrides.project ?? env['WANDB_PROJECT'] ?? DEFAULT_WANDB_PROJECT,
    entity: overrides.entity ?? env['WANDB_ENTITY'],
  };
}

/** The password of `machine <host>` in a netrc file, if any. */
export function netrcPassword(path: string, host: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const tokens = text.split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== 'machine' || tokens[i + 1] !== host) continue;
    for (let j = i + 2; j < tokens.length && tokens[j] !== 'machine'; j += 2) {
      if (tokens[j] === 'password') return tokens[j + 1];
    }
  }
  return undefined;
}
