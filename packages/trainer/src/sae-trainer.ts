import {
  Adam, B_DEC_INIT_SAMPLE_ROWS, bDecInitValue, PACKED_LOSS_SUMS, encodeModelFile, MODEL_CONFIG_FILE, modelConfigJson, normStatsToJson, saeConfigToSnakeCase, type Batch, type DeviceLosses, type MatmulPrecision, type Optimizer, type SparseAutoencoder, type Tensor,
} from '@deeplens/core';
import { MemoryRunStorage } from './checkpoint/memory-run-storage.js';
import { BEST_MODEL_FILE, epochModelFile, stepModelFile } from './checkpoint/run-names.js';
import type { RunStorage } from './checkpoint/run-storage.js';
import { MeanAccumulator } from './metrics/mean-accumulator.js';
import { readTrainingState, TRAINING_STATE_VERSION, writeTrainingState, type TrainingProgress } from './checkpoint/training-state.js';
import { ResumeError, TrainerOptionsError, TrainingDivergedError } from './errors.js';
import { clipByGlobalNorm } from './gradients/clip-by-global-norm.js';
import { globalNormSquared } from './gradients/global-norm.js';
import { chainTransforms, gradientContext } from './gradients/gradient-transform.js';
import { DivergenceMonitor } from './health/divergence-monitor.js';
import { HookRunner, type HookRegistration } from './hooks/hook-runner.js';
import type { CheckpointInfo, EvalMetrics, StepMetrics, TrainerControl, TrainerState, TrainResult } from './hooks/trainer-hooks.js';
import { loggerHooks, type TrainerLogger } from './hooks/trainer-logger.js';
import { evaluate } from './metrics/evaluate.js';
import { FeatureActivity } from './metrics/feature-activity.js';
import { DeadLatentMask } from './metrics/dead-latent-mask.js';
import { removeParallelGrad } from './gradients/remove-parallel-grad.js';
import { buildSchedule } from './schedules/build-schedule.js';
import { plateauInit, plateauUpdate, type PlateauState } from './schedules/plateau.js';
import { uploadBatch } from './upload-batch.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';
import type { TrainingSession } from './training-session.js';
import { describeOptions, resolveTrainerOptions, type ResolvedTrainerOptions, type SAETrainerOptions } from './trainer-options.js';

export interface TrainOptions {
  /** Continue the run in this folder from its training state. */
  resumeFrom?: string;
  /** Start from the weights of this model file (fine-tuning); the optimiser starts fresh. */
  initFrom?: string;
  /**
   * Resume although the data's fingerprint differs from the run's, or the state's checksum does not
   * match its bytes (default false: a ResumeError). Says so in a warning.
   */
  forceResume?: boolean;
}

/**
 * DeepLens's SAETrainer. See hooks/trainer-hooks.ts for the exact order of the loop. This class runs
 * anywhere; its runs go to `options.storage` (here: memory). `@deeplens/trainer`'s SAETrainer is the
 * same loop with run folders on disk as the default.
 */
export class SAETrainer {
  readonly options: ResolvedTrainerOptions;
  /** Where runs keep their model files and training state. */
  readonly storage: RunStorage;
  #model: SparseAutoencoder;
  #optimizer: Optimizer;
  #s = { globalStep: 0, epoch: 0, batchInEpoch: 0, bestEvalLoss: Infinity, lr: 0, elapsedBefore: 0 };
  #plateau: PlateauState | null = null;
  #activity: FeatureActivity;
  /** AuxK's dead-latent mask on the device (aux_k_coef > 0 only). */
  #dead: DeadLatentMask | undefined;
  #runDir: string | undefined;
  readonly #dataWait = new MeanAccumulator();
  #stop: { reason: string; interrupted: boolean } | undefined;
  #wantCheckpoint = false;
  #wantEval = false;
  #lastEval: EvalMetrics | undefined;
  #lastEvalStep = -1;
  #bestModelPath: string | undefined;
  #warned = new Set<string>();
  #health = new DivergenceMonitor();
  /** When this train() call began. */
  #started = 0;
  /** When the current step began (data loading included), for tokens/s. */
  #stepStarted = 0;
  /** When and at which step the training state was last saved (periodic saves count from there). */
  #lastStateSave = { at: 0, step: 0 };
  #dataPrints: NonNullable<TrainingProgress['data']> | undefined;
  /** Model, data, trainer and optimiser settings: fixed for a run, so built once in train(). */
  #runConfig: { extras: Record<string, unknown>; full: Record<string, unknown> } | undefined;
  /** The optimiser's configured learning rate: what schedules scale (the optimiser's own changes every step). */
  #baseLr: number;

  constructor(options: SAETrainerOptions) {
    this.options = resolveTrainerOptions(options);
    this.storage = options.storage ?? new MemoryRunStorage();
    this.#model = options.model;
    this.#optimizer = options.optim ?? new Adam(options.model);
    this.#activity = new FeatureActivity(options.model.config.nFeatures, this.options.deadWindowTokens);
    if (options.model.config.auxKCoef > 0) this.#dead = new DeadLatentMask(options.model.config.nFeatures, this.options.deadWindowTokens);
    this.#baseLr = this.#optimizer.learningRate;
  }

  get model(): SparseAutoencoder {
    return this.#model;
  }

  get optimizer(): Optimizer {
    return this.#optimizer;
  }

  get stepsPerEpoch(): number {
    return this.options.trainDataloader.length;
  }

  get totalSteps(): number {
    return this.stepsPerEpoch * this.options.epochs;
  }

  async train(trainOptions: TrainOptions = {}): Promise<TrainResult> {
    const session = await this.open(trainOptions);
    try {
      for (; !session.finished; session.nextEpoch()) {
        for await (const batch of this.options.trainDataloader.epoch(session.epoch, { startBatch: session.batchInEpoch })) {
          await session.step(batch);
          if (session.stopping) break;
          await yieldToEventLoop();
        }
        if (session.stopping) break;
        await session.endEpoch();
      }
      return await session.finish();
    } catch (error) {
      await session.fail(error);
      throw error;
    }
  }

  /**
   * The training loop in pieces, for a caller that owns the loop over the data (a sweep steps many
   * models on each batch it reads once): set up (device, init or resume, run folder, hooks), then
   * `step` each batch of `trainDataloader.epoch(epoch)` from `batchInEpoch` on, `endEpoch` and
   * `nextEpoch` after each epoch, and `finish` — or `fail` with the error that stopped it. `train()`
   * is exactly this loop.
   */
  async open(trainOptions: TrainOptions = {}): Promise<TrainingSession> {
    const o = this.options;
    const started = performance.now();
    this.#started = started;
    await this.#resolveDevice();
    if (trainOptions.initFrom) await this.#initFrom(trainOptions.initFrom);
    // Recorded with the training state, and compared on resume; a run that saves nothing needs none.
    if (o.saveCheckpoints || trainOptions.resumeFrom) this.#dataPrints = await this.#fingerprintData();
    if (trainOptions.resumeFrom) {
      await this.#resume(trainOptions.resumeFrom, trainOptions.forceResume ?? false);
      // AuxK's mask from the restored activity record.
      this.#dead?.restore(this.#model.backend, this.#activity.lastFired, this.#activity.tokensSeen);
    } else {
      if (!trainOptions.initFrom) await this.#initBDec();
      if (o.saveCheckpoints) this.#runDir = await this.storage.createRun(o.outputDir, o.modelName);
    }
    this.#lastStateSave = { at: performance.now(), step: this.#s.globalStep };
    this.#runConfig = this.#buildRunConfig();
    const precision = this.#precision();
    const schedule = buildSchedule({ lrsType: o.lrsType, lr: this.#baseLr, totalSteps: this.totalSteps, warmupFraction: o.warmupFraction });
    this.#plateau ??= o.lrsType === 'plateau' ? plateauInit(this.#baseLr) : null;
    const transform = chainTransforms(
      ...(o.removeParallelGrad ? [removeParallelGrad(() => this.#model.param('W_dec'))] : []),
      ...(o.gradClipNorm !== null ? [clipByGlobalNorm(o.gradClipNorm)] : []),
      ...(o.gradientTransforms ?? []),
    );
    const hooks = this.#hookRunner();
    const control = this.#control();
    // Signals exist only where there is a process (Node); a web page stops a run with requestStop.
    const removeSignals = o.handleSignals && typeof process !== 'undefined' && typeof process.on === 'function' ? this.#installSignals(control) : () => {};
    // A fan-out logger lists the loggers it feeds: look inside it too.
    const names = (l: TrainerLogger): string[] => [l.name, ...((l as { loggers?: readonly TrainerLogger[] }).loggers ?? []).flatMap(names)];
    if (o.logToWandb && !(o.loggers ?? []).flatMap(names).includes('wandb')) {
      this.#warn('logToWandb is set but no W&B logger is attached; use createWandbLogger from @deeplens/loggers/wandb (the deeplens CLI attaches it)');
    }
    let closed = false;
    const close = async (result: TrainResult) => {
      if (closed) return;
      closed = true;
      removeSignals();
      this.#health.dispose();
      this.#activity.dispose();
      this.#dead?.dispose();
      await hooks.call('onTrainEnd', this.#state(), result);
    };
    try {
      await hooks.call('onTrainStart', this.#state(), control);
    } catch (error) {
      await close(this.#result('failed', started, (error as Error).message));
      throw error;
    }
    // tokens/s counts data loading and the step, not evaluations or hooks.
    this.#stepStarted = performance.now();
    const s = this.#s;
    const stop = () => this.#stop;
    return {
      get epoch() { return s.epoch; },
      get batchInEpoch() { return s.batchInEpoch; },
      get globalStep() { return s.globalStep; },
      get finished() { return s.epoch >= o.epochs; },
      get stopping() { return stop() !== undefined; },
      get stopReason() { return stop()?.reason; },
      step: async (batch: Batch, x?: readonly Tensor[]) => {
        // With a shared batch (a sweep), other models step between this one's: time this step alone.
        if (x) this.#stepStarted = performance.now();
        else this.#dataWait.add(performance.now() - this.#stepStarted);
        const lr = this.#plateau ? this.#plateau.lr : schedule(s.globalStep);
        await this.#step(batch, lr, precision, transform, hooks, control, x);
        if (s.globalStep % o.evalSteps === 0 || this.#wantEval) await this.#evaluate(this.#wantEval ? 'request' : 'steps', hooks, control, precision);
        if (this.#stop || this.#wantCheckpoint || this.#periodicSaveDue()) await this.#saveState(hooks, control);
        this.#stepStarted = performance.now();
      },
      endEpoch: () => this.#endEpoch(hooks, control, precision),
      nextEpoch: () => {
        s.epoch++;
        s.batchInEpoch = 0;
      },
      requestStop: (reason?: string, interrupted = false) => {
        this.#stop ??= { reason: reason ?? 'requested', interrupted };
        control.requestCheckpoint();
      },
      finish: async () => {
        await this.#checkHealth();
        if (!this.#stop && !o.evalDataloader && this.#runDir) await this.#saveModel('best', this.storage.path(this.#runDir, BEST_MODEL_FILE), hooks, control);
        const result = this.#result(this.#stop ? (this.#stop.interrupted ? 'interrupted' : 'stopped') : 'completed', started);
        await close(result);
        return result;
      },
      fail: async (error: unknown) => {
        await hooks.call('onError', this.#state(), error);
        const result = this.#result('failed', started, (error as Error)?.message ?? String(error));
        await close(result);
        return result;
      },
    };
  }

  /**
   * One optimiser step, queued on the backend without reading anything back: the loss terms, the
   * firing record and the divergence check stay on the device. Only when a hook wants this step's
   * metrics (its cadence) are they read — in one read, with the divergence record.
   */
  async #step(
    batch: Batch, lr: number, precision: MatmulPrecision, transform: ReturnType<typeof chainTransforms>, hooks: HookRunner, control: TrainerControl,
    uploaded?: readonly Tensor[],
  ): Promise<void> {
    const { backend } = this.#model;
    const x = uploaded ?? uploadBatch(backend, batch, this.options.microBatchSize);
    const step = this.#s.globalStep + 1;
    this.#optimizer.learningRate = lr;
    this.#s.lr = lr;
    let grads: Map<string, Tensor> | undefined;
    let losses: DeviceLosses | undefined;
    let normSq: Tensor | undefined;
    const deadMask = this.#dead?.mask(backend);
    const extra = { ...(deadMask ? { deadMask } : {}), penaltyScale: this.#penaltyScale(step) };
    try {
      if (this.options.optimizerInBackward) {
        ({ losses, normSq } = await this.#stepInBackward(x, precision, extra));
      } else {
        const out = await this.#model.lossAndGradsOnDevice(x, { precision, firing: true, ...extra });
        ({ grads, losses } = out);
        normSq = globalNormSquared(grads, backend);
        await transform.apply(grads, backend, gradientContext(grads, backend));
        await hooks.call('onBeforeOptimizerStep', this.#state(), grads, control);
        this.#optimizer.step(grads);
      }
      this.#health.record(backend, step, [losses.sums.sumSquaredError, losses.sums.sumAbsZ], normSq);
      this.#model.postStep(losses);
      this.#activity.record(backend, losses.sums.firing!, batch.rows);
      this.#dead?.record(backend, losses.sums.firing!, batch.rows);
      this.#s.globalStep++;
      this.#s.batchInEpoch++;
      if (hooks.wantsStepEnd(this.#state())) {
        const metrics = await this.#readStepMetrics(losses, normSq, lr, batch.rows);
        metrics.tokensPerSec = batch.rows / ((performance.now() - this.#stepStarted) / 1000);
        if (!uploaded) metrics.dataWaitMs = this.#dataWait.takeMean();
        await hooks.call('onStepEnd', this.#state(), metrics, control);
      }
    } finally {
      deadMask?.dispose();
      if (!uploaded) for (const t of x) t.dispose();
      for (const g of grads?.values() ?? []) g.dispose();
      losses?.dispose();
      normSq?.dispose();
    }
  }

  /**
   * optimizerInBackward: each gradient is applied as the backward pass finishes it, then freed; its
   * squared norm is summed on the backend for the divergence check and the reported norm.
   */
  async #stepInBackward(
    x: readonly Tensor[], precision: MatmulPrecision, extra: { deadMask?: Tensor; penaltyScale: number },
  ): Promise<{ losses: DeviceLosses; normSq: Tensor }> {
    const { backend } = this.#model;
    let normSq: Tensor | undefined;
    const update = this.#optimizer.beginStep!();
    try {
      const out = await this.#model.lossAndGradsOnDevice(x, {
        precision, firing: true, ...extra,
        onGradient: (name, g) => {
          try {
            const s = backend.reduce(g, 'sumSquares');
            if (normSq) {
              const sum = backend.add(normSq, s);
              normSq.dispose();
              s.dispose();
              normSq = sum;
            } else {
              normSq = s;
            }
            update.update(name, g);
          } finally {
            g.dispose();
          }
        },
      });
      update.finish();
      const result = { losses: out.losses, normSq: normSq! };
      normSq = undefined;
      return result;
    } finally {
      normSq?.dispose();
    }
  }

  /** l1_warmup_steps: the sparsity penalty's share at this 1-based step (1 without warm-up). */
  #penaltyScale(step: number): number {
    const w = this.options.l1WarmupSteps;
    return w > 0 ? Math.min(1, step / w) : 1;
  }

  /**
   * b_dec_init mean / geometric_median: from the first rows of the first epoch's batches (at most
   * B_DEC_INIT_SAMPLE_ROWS), before the first step of a fresh run.
   */
  async #initBDec(): Promise<void> {
    const kind = this.#model.config.bDecInit;
    if (kind === 'zeros') return;
    const d = this.#model.config.inputDims;
    const sample = new Float32Array(B_DEC_INIT_SAMPLE_ROWS * d);
    let rows = 0;
    for await (const batch of this.options.trainDataloader.epoch(0)) {
      const take = Math.min(batch.rows, B_DEC_INIT_SAMPLE_ROWS - rows);
      sample.set(batch.data.subarray(0, take * d), rows * d);
      rows += take;
      if (rows >= B_DEC_INIT_SAMPLE_ROWS) break;
    }
    this.#model.setArrays(new Map([['b_dec', bDecInitValue(kind, sample, rows, d)]]));
  }

  /** Reads this step's loss terms, gradient norm and the divergence record in one read. */
  async #readStepMetrics(losses: DeviceLosses, normSq: Tensor, lr: number, rows: number): Promise<StepMetrics> {
    const { backend } = this.#model;
    const packed = losses.pack();
    const parts = [packed, normSq, ...(this.#health.pending ? [this.#health.pending] : [])];
    const all = backend.concat(parts);
    let values: Float32Array | Int32Array;
    try {
      values = await backend.read(all);
    } finally {
      all.dispose();
      packed.dispose();
    }
    const n = PACKED_LOSS_SUMS.length;
    if (this.#health.pending) this.#throwIfDiverged(values.subarray(n + 1, n + 3));
    const terms = losses.termsFrom(values);
    const m: StepMetrics = { loss: terms.total, mse: terms.mse, nonZeroFrac: terms.nonZeroFrac, lr, gradNorm: Math.sqrt(values[n]!), tokensPerSec: 0, rows };
    if (this.#model.config.k === null && this.#model.config.betaL1 !== null) m.l1 = terms.l1;
    if (terms.aux !== undefined) m.auxLoss = terms.aux;
    return m;
  }

  /**
   * Reads the divergence record (one read) before anything is evaluated or saved, so no NaN model is
   * ever written and the step that diverged is named exactly.
   */
  async #checkHealth(): Promise<void> {
    const pending = this.#health.pending;
    if (!pending) return;
    this.#throwIfDiverged(await this.#model.backend.read(pending));
  }

  #throwIfDiverged(record: ArrayLike<number>): void {
    const d = this.#health.resolve(record, this.#s.globalStep);
    if (!d) return;
    throw new TrainingDivergedError(d.step, d.what, {
      hint: `the parameters in memory were updated with it${d.step < this.#s.globalStep ? ` (checked at step ${this.#s.globalStep}, the logging cadence)` : ''}; the last saved training state is intact (nothing is saved without this check). Lower the learning rate, set grad_clip_norm, or check the data for NaN/Inf (data.skip_non_finite)`,
    });
  }

  async #endEpoch(hooks: HookRunner, control: TrainerControl, precision: MatmulPrecision): Promise<void> {
    const m = this.#lastEvalStep === this.#s.globalStep ? this.#lastEval : await this.#evaluate('epoch', hooks, control, precision);
    if (this.#plateau && m) this.#plateau = plateauUpdate(this.#plateau, m.loss);
    if (this.#runDir && !this.options.saveBestOnly) {
      await this.#saveModel('epoch', this.storage.path(this.#runDir, epochModelFile(this.#s.epoch + 1)), hooks, control);
    }
    // The state records the position after this epoch, so a resume starts the next one.
    this.#s.epoch++;
    this.#s.batchInEpoch = 0;
    try {
      await this.#saveState(hooks, control);
    } finally {
      this.#s.epoch--;
    }
  }

  async #evaluate(trigger: EvalMetrics['trigger'], hooks: HookRunner, control: TrainerControl, precision: MatmulPrecision): Promise<EvalMetrics | undefined> {
    this.#wantEval = false;
    const loader = this.options.evalDataloader;
    if (!loader) return undefined;
    await this.#checkHealth();
    await this.#activity.sync();
    const m = await evaluate(this.#model, loader, { precision, activity: this.#activity, trigger, microBatchSize: this.options.microBatchSize });
    this.#lastEval = m;
    this.#lastEvalStep = this.#s.globalStep;
    await hooks.call('onEvalEnd', this.#state(), m, control);
    if (m.loss < this.#s.bestEvalLoss) {
      this.#s.bestEvalLoss = m.loss;
      if (this.#runDir) await this.#saveModel('best', this.storage.path(this.#runDir, BEST_MODEL_FILE), hooks, control);
    }
    if (this.#runDir && !this.options.saveBestOnly && trigger === 'steps') {
      await this.#saveModel('step', this.storage.path(this.#runDir, stepModelFile(this.#s.globalStep)), hooks, control);
    }
    return m;
  }

  async #saveModel(kind: CheckpointInfo['kind'], path: string, hooks: HookRunner, control: TrainerControl): Promise<void> {
    await this.#checkHealth();
    const norm = this.options.trainDataloader.normStats;
    const { extras } = this.#runConfig!;
    await this.storage.write(path, await encodeModelFile(this.#model, { configExtras: extras, ...(norm ? { normStats: norm } : {}) }));
    await this.storage.write(this.storage.path(this.#runDir!, MODEL_CONFIG_FILE), modelConfigJson(this.#model, extras));
    if (kind === 'best') this.#bestModelPath = path;
    await hooks.call('onCheckpointSaved', this.#state(), { kind, path }, control);
  }

  #periodicSaveDue(): boolean {
    const { checkpointEverySteps: steps, checkpointEveryMinutes: minutes } = this.options;
    if (steps !== null && this.#s.globalStep - this.#lastStateSave.step >= steps) return true;
    return minutes !== null && performance.now() - this.#lastStateSave.at >= minutes * 60_000;
  }

  async #saveState(hooks: HookRunner, control: TrainerControl): Promise<void> {
    this.#wantCheckpoint = false;
    this.#lastStateSave = { at: performance.now(), step: this.#s.globalStep };
    if (!this.#runDir) return;
    await this.#checkHealth();
    await this.#activity.sync();
    const path = await writeTrainingState(this.storage, this.#runDir, this.#model, this.#optimizer, this.#activity.lastFired, {
      version: TRAINING_STATE_VERSION,
      modelName: this.options.modelName,
      globalStep: this.#s.globalStep,
      epoch: this.#s.epoch,
      batchInEpoch: this.#s.batchInEpoch,
      tokensSeen: this.#activity.tokensSeen,
      bestEvalLoss: this.#s.bestEvalLoss,
      plateau: this.#plateau,
      optimizer: { type: this.#optimizer.type, step: this.#optimizer.stepCount, learningRate: this.#optimizer.learningRate },
      baseLr: this.#baseLr,
      // Earlier sessions' time plus this one's, so a resumed run's elapsed time keeps counting.
      elapsedSeconds: this.#s.elapsedBefore + (performance.now() - this.#started) / 1000,
      ...(this.#dataPrints ? { data: this.#dataPrints } : {}),
    });
    await hooks.call('onCheckpointSaved', this.#state(), { kind: 'state', path }, control);
  }

  async #resume(runDir: string, force: boolean): Promise<void> {
    await this.storage.prepareResume(runDir);
    const snap = await readTrainingState(this.storage, runDir, { force, warn: (m) => this.#warn(m) });
    const own = new Map([...this.#model.params, ...this.#model.buffers]);
    const config = 'resume with the run\'s own model config (its config.json lists it)';
    for (const [n, shape] of snap.paramShapes) {
      if (!own.has(n as never)) throw new ResumeError(`${runDir}: the saved state has parameter '${n}' that this model lacks; ${config}`);
      const mine = own.get(n as never)!.shape;
      if (mine.length !== shape.length || mine.some((d, i) => d !== shape[i])) {
        throw new ResumeError(
          `${runDir}: the run's ${n} is [${shape.join(', ')}], this model's is [${mine.join(', ')}] (input_dims ${this.#model.config.inputDims}, n_features ${this.#model.config.nFeatures})`,
          { hint: config },
        );
      }
    }
    this.#checkData(runDir, snap.progress.data, force);
    this.#model.setArrays(snap.params);
    this.#optimizer.loadState(snap.optimizer);
    const p = snap.progress;
    Object.assign(this.#s, { globalStep: p.globalStep, epoch: p.epoch, batchInEpoch: p.batchInEpoch, bestEvalLoss: p.bestEvalLoss ?? Infinity, elapsedBefore: p.elapsedSeconds });
    this.#plateau = p.plateau;
    this.#baseLr = p.baseLr;
    this.#activity.lastFired.set(snap.lastFired);
    this.#activity.tokensSeen = p.tokensSeen;
    this.#runDir = runDir;
  }

  async #fingerprintData(): Promise<NonNullable<TrainingProgress['data']> | undefined> {
    const { trainDataloader: train, evalDataloader: ev } = this.options;
    if (!train.fingerprint) return undefined;
    return { train: await train.fingerprint(), eval: ev?.fingerprint ? await ev.fingerprint() : null };
  }

  /** Refuse to continue a run on other data than it was trained on (unless forced). */
  #checkData(runDir: string, saved: TrainingProgress['data'], force: boolean): void {
    const now = this.#dataPrints;
    if (!saved || !now) return;
    const diffs = (['train', 'eval'] as const)
      .filter((split) => saved[split] !== null && now[split] !== null && saved[split] !== now[split])
      .map((split) => `${split} data ${now[split]} (the run had ${saved[split]})`);
    if (!diffs.length) return;
    const message = `${runDir} was trained on other data: ${diffs.join('; ')} [rows x width:hash of sampled rows]`;
    if (!force) {
      throw new ResumeError(message, { hint: 'resume with the same activation files, splits and seed as the run, or pass --force-resume (forceResume: true) to continue on these data anyway' });
    }
    this.#warn(`${message}; continuing because of --force-resume`);
  }

  async #initFrom(path: string): Promise<void> {
    const file = await this.storage.readModelFile(path);
    const mine = saeConfigToSnakeCase(this.#model.config);
    const theirs = saeConfigToSnakeCase(file.config);
    for (const key of ['input_dims', 'n_features', 'tie_weights', 'input_norm']) {
      if (mine[key] !== theirs[key]) throw new ResumeError(`init_from ${path}: ${key} is ${String(theirs[key])} there, ${String(mine[key])} here`);
    }
    this.#model.setArrays(file.params);
  }

  async #resolveDevice(): Promise<void> {
    const { device, registry } = this.options;
    if (!registry || device === this.#model.backend.name) return;
    const backend = await registry.create(device);
    if (backend.name === this.#model.backend.name) return backend.dispose();
    if (!this.#optimizer.forModel) {
      backend.dispose();
      throw new TrainerOptionsError(
        `device: the model lives on '${this.#model.backend.name}', and optimiser '${this.#optimizer.type}' cannot follow it to '${device}' (it has no forModel)`,
        { hint: `create the model on the '${device}' backend, or give the optimiser a forModel(model) method` },
      );
    }
    const moved = await this.#model.toBackend(backend);
    const state = this.#optimizer.stepCount > 0 ? await this.#optimizer.saveState() : undefined;
    const optimizer = this.#optimizer.forModel(moved);
    if (state) optimizer.loadState(state);
    this.#optimizer.dispose();
    this.#model.dispose();
    this.#model = moved;
    this.#optimizer = optimizer;
  }

  #precision(): MatmulPrecision {
    if (!this.options.bf16) return 'float32';
    if (this.#model.backend.capabilities.bf16) return 'bf16';
    this.#warn(`bf16 requested but backend '${this.#model.backend.name}' has no bfloat16 matmul; training in float32`);
    return 'float32';
  }

  #hookRunner(): HookRunner {
    const o = this.options;
    const regs: HookRegistration[] = (o.hooks ?? []).map((h) => ('hooks' in h ? (h as HookRegistration) : { hooks: h }));
    for (const logger of o.loggers ?? []) regs.push(loggerHooks(logger, { everySteps: o.logEverySteps }));
    return new HookRunner(regs, (message, error) => this.#warn(`${message}: ${(error as Error)?.stack ?? String(error)}`));
  }

  #control(): TrainerControl {
    return {
      requestStop: (reason = 'requested by a hook') => {
        this.#stop ??= { reason, interrupted: false };
      },
      requestCheckpoint: () => {
        this.#wantCheckpoint = true;
      },
      requestEval: () => {
        this.#wantEval = true;
      },
    };
  }

  /**
   * The first SIGINT/SIGTERM finishes the current step, saves the state and returns; a second one
   * exits at once with code 130, keeping the state of the last save (every write is atomic).
   */
  #installSignals(control: TrainerControl): () => void {
    const handler = (signal: NodeJS.Signals) => {
      if (this.#stop?.interrupted) {
        (this.options.warn ?? console.warn)(`${signal} received again: aborting now; the training state saved at step ${this.#lastStateSave.step} is kept`);
        process.exit(130);
      }
      this.#warn(`${signal} received: finishing the current step and saving the training state (press again to abort at once)`);
      this.#stop = { reason: signal, interrupted: true };
      control.requestCheckpoint();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
    };
  }

  #buildRunConfig(): { extras: Record<string, unknown>; full: Record<string, unknown> } {
    const norm = this.options.trainDataloader.normStats;
    const extras = {
      dataset: { norm: norm ? normStatsToJson(norm) : null, train_rows: this.options.trainDataloader.rows, eval_rows: this.options.evalDataloader?.rows ?? 0, batch_size: this.options.trainDataloader.batchSize },
      trainer: describeOptions(this.options),
      // The configured rate, not the scheduled one the optimiser holds at this moment.
      optim: { ...this.#optimizer.describe(), lr: this.#baseLr },
      backend: this.#model.backend.name,
    };
    return { extras, full: { model: saeConfigToSnakeCase(this.#model.config), ...extras } };
  }

  #state(): TrainerState {
    return {
      modelName: this.options.modelName,
      globalStep: this.#s.globalStep,
      totalSteps: this.totalSteps,
      epoch: this.#s.epoch,
      epochs: this.options.epochs,
      batchInEpoch: this.#s.batchInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      tokensSeen: this.#activity.tokensSeen,
      lr: this.#s.lr,
      bestEvalLoss: this.#s.bestEvalLoss,
      runDir: this.#runDir,
      config: this.#runConfig?.full ?? {},
    };
  }

  #result(status: TrainResult['status'], started: number, reason?: string): TrainResult {
    return {
      status,
      reason: reason ?? this.#stop?.reason,
      globalStep: this.#s.globalStep,
      epochsCompleted: this.#s.epoch,
      bestEvalLoss: this.#s.bestEvalLoss,
      lastEval: this.#lastEval,
      runDir: this.#runDir,
      bestModelPath: this.#bestModelPath,
      elapsedSeconds: this.#s.elapsedBefore + (performance.now() - started) / 1000,
    };
  }

  #warn(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    (this.options.warn ?? console.warn)(message);
  }
}
