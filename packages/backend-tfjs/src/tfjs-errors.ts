import { DeepLensError, type DeepLensErrorOptions } from '@deeplens/core';
import type { TfjsEngine } from './tfjs-engine.js';

/**
 * tfjs keeps one engine per process (its registry and active backend are globals), so two
 * DeepLens tfjs backends on different engines cannot live side by side: the second is refused
 * instead of silently moving the first one's tensors.
 */
export class TfjsEngineConflictError extends DeepLensError {
  readonly active: TfjsEngine;
  readonly requested: TfjsEngine;

  constructor(active: TfjsEngine, requested: TfjsEngine, options: DeepLensErrorOptions = {}) {
    super('DEEPLENS_TFJS_ENGINE_CONFLICT', `a tfjs backend on the '${active}' engine is already in use in this process, so one on '${requested}' cannot be created (tfjs has one engine per process)`, {
      hint: `dispose the '${active}' backend first, or use engine '${active}' for both`,
      ...options,
    });
    this.active = active;
    this.requested = requested;
  }
}

/** The engine that was asked for cannot run here; the message says what is missing and how to get it. */
export class TfjsEngineUnavailableError extends DeepLensError {
  readonly engine: TfjsEngine | 'auto';

  constructor(engine: TfjsEngine | 'auto', message: string, options: DeepLensErrorOptions = {}) {
    super('DEEPLENS_BACKEND_UNAVAILABLE', message, options);
    this.engine = engine;
  }
}
