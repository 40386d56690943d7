import type { Tensor } from '../backend/tensor.js';
import { adamUpdate } from './adam-update.js';
import { InvalidArgumentError, InvalidConfigError } from '../errors.js';
import type { Optimizer, OptimizerState, ParamwiseStep, Parameterized } from './optimizer.js';
import { groupFor, type ParamGroup } from './param-groups.js';
import type { ConfigRuleIssue } from '../sae/sae-config.js';

export interface AdamOptions {
  /** Default 1e-3 (torch.optim.Adam). */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Adam: L2 added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
  /** Per-parameter weight decay overrides; see noDecayOnBiasesAndNorms(). */
  paramGroups?: readonly ParamGroup[];
}

/**
 * torch.optim.Adam semantics: m and v moments with bias correction, eps added after the square
 * root, weight decay added to the gradient. `AdamW` subclasses it with decoupled decay.
 */
export class Adam implements Optimizer {
  readonly type: string = 'adam';
  learningRate: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly #model: Parameterized;
  readonly #groups: readonly ParamGroup[];
  readonly #moments = new Map<string, { m: Tensor; v: Tensor }>();
  #step = 0;

  constructor(model: Parameterized, options: AdamOptions = {}) {
    this.#model = model;
    this.learningRate = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? this.defaultWeightDecay();
    this.#groups = options.paramGroups ?? [];
    const [first] = adamOptionIssues({ lr: this.learningRate, betas: this.betas, eps: this.eps, weightDecay: this.weightDecay });
    if (first) throw new InvalidConfigError(`optim.${first.key}`, first.message);
    // The moments are allocated now, next to the parameters, rather than at the first step: made in
    // the middle of a training step they land between the step's temporaries, and the backend's
    // memory (for the wasm backend, its resident size) keeps the resulting gaps.
    for (const [name, param] of model.params) {
      this.#moments.set(name, { m: model.backend.zeros(param.shape), v: model.backend.zeros(param.shape) });
    }
  }

  forModel(model: Parameterized): Adam {
    const Kind = this.constructor as new (model: Parameterized, options: AdamOptions) => Adam;
    return new Kind(model, { lr: this.learningRate, betas: this.betas, eps: this.eps, weightDecay: this.weightDecay, paramGroups: this.#groups });
  }

  protected defaultWeightDecay(): number {
    return 0;
  }

  protected get decoupled(): boolean {
    return false;
  }

  get stepCount(): number {
    return this.#step;
  }

  step(grads: ReadonlyMap<string, Tensor>): void {
    // Every gradient is checked before any parameter changes.
    for (const name of this.#model.params.keys()) {
      if (!grads.get(name)) throw new InvalidArgumentError(`optimizer step: no gradient for parameter '${name}'`);
    }
    const step = this.beginStep();
    for (const name of this.#model.params.keys()) step.update(name, grads.get(name)!);
    step.finish();
  }

  beginStep(): ParamwiseStep {
    this.#step++;
    const hp = { lr: this.learningRate, beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, decoupled: this.decoupled, step: this.#step };
    const done = new Set<string>();
    return {
      update: (name, grad) => {
        const param = this.#model.params.get(name);
        if (!param) throw new InvalidArgumentError(`optimizer step: '${name}' is not a parameter of the model`);
        if (done.has(name)) throw new InvalidArgumentError(`optimizer step: '${name}' was already updated in this step`);
        done.add(name);
        let mom = this.#moments.get(name);
        if (!mom) {
          mom = { m: this.#model.backend.zeros(param.shape), v: this.#model.backend.zeros(param.shape) };
          this.#moments.set(name, mom);
        }
        adamUpdate(this.#model.backend, param, grad, mom.m, mom.v, { ...hp, weightDecay: groupFor(this.#groups, name)?.weightDecay ?? this.weightDecay });
      },
      finish: () => {
        const missing = [...this.#model.params.keys()].filter((n) => !done.has(n));
        if (missing.length > 0) throw new InvalidArgumentError(`optimizer step: no gradient for parameter${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`);
      },
    };
  }

  describe(): Record<string, unknown> {
    return { type: this.type, lr: this.learningRate, betas: [...this.betas], eps: this.eps, weight_decay: this.weightDecay };
  }

  async saveState(): Promise<OptimizerState> {
    const backend = this.#model.backend;
    const buffers: OptimizerState['buffers'] = {};
    for (const [name, { m, v }] of this.#moments) {
      buffers[name] = { m: (await backend.read(m)) as Float32Array, v: (await backend.read(v)) as Float32Array };
    }
    return { type: this.type, step: this.#step, learningRate: this.learningRate, buffers };
  }

  loadState(state: OptimizerState): void {
    if (state.type !== this.type) {
      throw new InvalidArgumentError(`optimizer state is for '${state.type}', this optimizer is '${this.type}'`);
    }
    const backend = this.#model.backend;
    this.dispose();
    for (const [name, bufs] of Object.entries(state.buffers)) {
      const param = this.#model.params.get(name);
      if (!param) throw new InvalidArgumentError(`optimizer state has moments for unknown parameter '${name}'`);
      const { m, v } = bufs;
      if (!m || !v) throw new InvalidArgumentError(`optimizer state for '${name}' lacks m or v`);
      this.#moments.set(name, { m: backend.fromArray(m, param.shape), v: backend.fromArray(v, param.shape) });
    }
    this.#step = state.step;
    this.learningRate = state.learningRate;
  }

  dispose(): void {
    for (const { m, v } of this.#moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.#moments.clear();
  }
}

/** torch.optim.AdamW: weight decay applied to the parameter, not added to the gradient. */
export class AdamW extends Adam {
  override readonly type: string = 'adamw';

  protected override defaultWeightDecay(): number {
    return 0.01;
  }

  protected override get decoupled(): boolean {
    return true;
  }
}

/**
 * Adam's and AdamW's hyperparameter rules, in one place: the optimisers' constructors and the
 * `optim:` section of a config (the trainer's schema, the CLI) report these, worded the same. Keys
 * are relative to `optim.`.
 */
export function adamOptionIssues(o: { lr: number; betas: readonly number[]; eps: number; weightDecay: number }): ConfigRuleIssue[] {
  const issues: ConfigRuleIssue[] = [];
  if (!(o.lr >= 0 && Number.isFinite(o.lr))) issues.push({ key: 'lr', message: `must be a non-negative number, got ${o.lr}` });
  for (const [i, b] of o.betas.entries()) if (!(b >= 0 && b < 1)) issues.push({ key: `betas[${i}]`, message: `must be in [0, 1), got ${b}` });
  if (!(o.eps >= 0)) issues.push({ key: 'eps', message: `must be non-negative, got ${o.eps}` });
  if (!(o.weightDecay >= 0)) issues.push({ key: 'weight_decay', message: `must be non-negative, got ${o.weightDecay}` });
  return issues;
}
