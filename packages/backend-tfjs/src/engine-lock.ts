import { TfjsEngineConflictError } from './tfjs-errors.js';
import type { TfjsEngine } from './tfjs-engine.js';

interface LockState {
  engine: TfjsEngine | null;
  holders: number;
}

// On globalThis, like tfjs's own engine: two copies of this package in one process share it.
const KEY = Symbol.for('@deeplens/backend-tfjs/engine-lock');

function state(): LockState {
  const g = globalThis as unknown as Record<symbol, LockState | undefined>;
  return (g[KEY] ??= { engine: null, holders: 0 });
}

/** The engine live DeepLens tfjs backends use, or null when none is alive. */
export function lockedEngine(): TfjsEngine | null {
  return state().holders > 0 ? state().engine : null;
}

/** Refuses (TfjsEngineConflictError) while backends on another engine are alive. */
export function checkEngineFree(engine: TfjsEngine): void {
  const s = state();
  if (s.holders > 0 && s.engine !== engine) throw new TfjsEngineConflictError(s.engine!, engine);
}

/** Take the engine for one backend; the returned function gives it back (once). */
export function acquireEngine(engine: TfjsEngine): () => void {
  checkEngineFree(engine);
  const s = state();
  s.engine = engine;
  s.holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    s.holders--;
  };
}
