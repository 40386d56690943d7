import type { HookRegistration } from '@deeplens/trainer';
import cliProgress from 'cli-progress';
import { duration } from './format.js';

/**
 * A live progress bar (epoch, step/total, tokens/s, ETA) for interactive terminals. Returns no
 * hooks when output is not a TTY or in CI, where plain lines are printed instead.
 */
export function progressBarHooks(options: { stream?: NodeJS.WriteStream; force?: boolean } = {}): HookRegistration[] {
  const stream = options.stream ?? process.stderr;
  if (!options.force && (!stream.isTTY || process.env['CI'])) return [];
  const bar = new cliProgress.SingleBar(
    { stream, format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} steps | {tps} tok/s | ETA {eta_text}', hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let tps = 0;
  return [{
    name: 'progress-bar',
    hooks: {
      onTrainStart: (s) => bar.start(s.totalSteps, s.globalStep, { epoch: s.epoch + 1, epochs: s.epochs, tps: '-', eta_text: '?' }),
      onStepEnd: (s, m) => {
        tps = tps ? 0.9 * tps + 0.1 * m.tokensPerSec : m.tokensPerSec;
        const stepsPerSec = tps / Math.max(m.rows, 1);
        bar.update(s.globalStep, { epoch: s.epoch + 1, epochs: s.epochs, tps: Math.round(tps), eta_text: duration((s.totalSteps - s.globalStep) / stepsPerSec) });
      },
      onTrainEnd: () => bar.stop(),
    },
  }];
}
