import { InvalidArgumentError } from '../errors.js';

/** Serializable generator state: four uint32 words. */
export type RngState = readonly [number, number, number, number];

/**
 * Seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). One seed makes
 * initialisation, data splits and shuffles reproducible; `state()` / `Rng.fromState()` let a resumed
 * run continue the exact same stream.
 */
export class Rng {
  #s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new InvalidArgumentError(`random seed must be a finite number, got ${seed}`);
    this.#s = new Uint32Array(4);
    let x = Math.trunc(seed) >>> 0;
    const hi = Math.floor(Math.abs(seed) / 2 ** 32) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9 + (i === 1 ? hi : 0)) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((w) => w === 0)) this.#s[0] = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.#s.set(state);
    return r;
  }

  state(): RngState {
    return [this.#s[0]!, this.#s[1]!, this.#s[2]!, this.#s[3]!];
  }

  /** A new generator whose stream is independent of this one's continuation. */
  fork(): Rng {
    return new Rng(this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11));
  }

  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal (Box–Muller; no cached spare, so the state alone describes the stream). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
