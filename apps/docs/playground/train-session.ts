import { ActivationsDatasetBuilder, SparseAutoencoder, type ActivationSource, type Backend } from '@deeplens/core';
import { ConsoleLogger } from '@deeplens/loggers/browser';
import {
  datasetOptionsFromRunConfig, MemoryRunStorage, optimizerFromRunConfig, parseYaml, resolveRunConfig, SAETrainer, trainerOptionsFromRunConfig,
  type EvalMetrics, type RunConfig, type StepMetrics, type TrainerControl, type TrainResult,
} from '@deeplens/trainer/browser';

const SOURCE = 'playground config';

export interface SessionOptions {
  backend: Backend;
  /** The activations (the demo file, or one the user dropped). The session closes it. */
  source: ActivationSource;
  /** config.yaml text, with the CLI's keys. */
  configText: string;
  /** Stop after this many steps (evaluating there) instead of training every epoch. */
  steps?: number;
  onLine?(line: string): void;
  onStep?(step: number, totalSteps: number, metrics: StepMetrics): void;
  onEval?(step: number, metrics: EvalMetrics): void;
}

export interface SessionResult {
  result: TrainResult;
  /** Step losses, first to last. */
  losses: number[];
  /** The run's best model and its config.json, as `deeplens eval --checkpoint` reads them. */
  download: { model: Uint8Array; configJson: string } | undefined;
}

/** Parse and check config.yaml text exactly as the CLI does (unknown keys, ranges, rules). */
export function parsePlaygroundConfig(text: string): RunConfig {
  const raw = parseYaml(text, SOURCE) ?? {};
  return resolveRunConfig(raw as Record<string, unknown>, SOURCE);
}

/**
 * One training run in a page: the CLI's SAETrainer loop with its console lines, the run kept in
 * memory (MemoryRunStorage), and a stop that evaluates first so there is always a best model to
 * download. Long work yields to the page between steps (the trainer does), so it stays responsive.
 */
export class TrainSession {
  readonly done: Promise<SessionResult>;
  #control: TrainerControl | undefined;
  #stopRequested = false;

  constructor(readonly options: SessionOptions) {
    this.done = this.#run();
  }

  /** Finish the current step, evaluate, keep the best model, and end the run. */
  stop(): void {
    this.#stopRequested = true;
    this.#control?.requestEval();
    this.#control?.requestStop('stopped from the page');
  }

  async #run(): Promise<SessionResult> {
    const o = this.options;
    const storage = new MemoryRunStorage();
    const losses: number[] = [];
    let model: SparseAutoencoder | undefined;
    try {
      const config = parsePlaygroundConfig(o.configText);
      const { train, eval: ev } = await new ActivationsDatasetBuilder({ ...datasetOptionsFromRunConfig(config), activations: o.source }).getDataloaders();
      model = SparseAutoencoder.create({ backend: o.backend, config: config.model, seed: config.trainer.random_seed });
      const base = trainerOptionsFromRunConfig(config);
      const steps = o.steps;
      const trainer = new SAETrainer({
        ...base,
        ...(steps !== undefined ? { epochs: Math.max(1, Math.ceil(steps / train.length)), evalSteps: steps } : {}),
        model, trainDataloader: train, ...(ev ? { evalDataloader: ev } : {}), optim: optimizerFromRunConfig(model, config),
        saveCheckpoints: true, logToWandb: false, handleSignals: false, storage,
        loggers: [new ConsoleLogger({ write: (line) => o.onLine?.(line) })],
        warn: (m) => o.onLine?.(`warning: ${m}`),
        hooks: [{
          onTrainStart: (_s, control) => {
            this.#control = control;
            if (this.#stopRequested) this.stop();
          },
          onStepEnd: (s, m, control) => {
            losses.push(m.loss);
            o.onStep?.(s.globalStep, steps ?? s.totalSteps, m);
            if (steps !== undefined && s.globalStep >= steps) control.requestStop(`reached ${steps} steps`);
          },
          onEvalEnd: (s, m) => o.onEval?.(s.globalStep, m),
        }],
      });
      const result = await trainer.train();
      const best = result.bestModelPath ? storage.file(result.bestModelPath) : undefined;
      const configBytes = result.runDir ? storage.file(`${result.runDir}/config.json`) : undefined;
      const download = best && configBytes ? { model: best, configJson: new TextDecoder().decode(configBytes) } : undefined;
      return { result, losses, download };
    } finally {
      // The download holds bytes, not tensors: the weights on the backend can go.
      model?.dispose();
      await o.source.close();
    }
  }
}
