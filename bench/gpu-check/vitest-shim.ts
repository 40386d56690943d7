/**
 * Just enough of vitest's API (describe/it/beforeAll/afterAll/expect, async suite collection,
 * test.skip from the context) for the conformance suite to run in a plain Node bundle on a machine
 * with no node_modules — the GPU check. `expect` is vitest's own (@vitest/expect on chai); the
 * runner is `runSuites()` below.
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT, chai, GLOBAL_EXPECT, getState, JestAsymmetricMatchers, JestChaiExpect, JestExtend, setState,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Fn = (context: TestContext) => unknown;
interface TestContext {
  skip(reason?: string): never;
}
interface Suite {
  name: string;
  factory?: () => unknown;
  children: Array<Suite | Test>;
  beforeAll: Array<() => unknown>;
  afterAll: Array<() => unknown>;
}
interface Test {
  name: string;
  fn: Fn;
}

export const expect = ((value: unknown, message?: string) => {
  const { assertionCalls } = getState(expect);
  setState({ assertionCalls: assertionCalls + 1 }, expect);
  return chai.expect(value, message);
}) as unknown as typeof import('vitest').expect;
Object.assign(expect, chai.expect);
Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
(globalThis as Record<symbol, unknown>)[GLOBAL_EXPECT] = expect;
setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null, currentTestName: '' }, expect);

const root: Suite = { name: '', children: [], beforeAll: [], afterAll: [] };
let current = root;

export function describe(name: string, factory: () => unknown): void {
  current.children.push({ name, factory, children: [], beforeAll: [], afterAll: [] });
}
export function it(name: string, fn: Fn): void {
  current.children.push({ name, fn });
}
export const test = it;
export function beforeAll(fn: () => unknown): void {
  current.beforeAll.push(fn);
}
export function afterAll(fn: () => unknown): void {
  current.afterAll.push(fn);
}
export type { TestContext };

class Skip extends Error {}

export interface RunSummary {
  passed: number;
  failed: Array<{ name: string; error: string }>;
  skipped: Array<{ name: string; reason: string }>;
}

/** Collect (awaiting async describe factories) and run everything registered, in order. */
export async function runSuites(log: (line: string) => void = console.log): Promise<RunSummary> {
  const summary: RunSummary = { passed: 0, failed: [], skipped: [] };
  async function collect(suite: Suite): Promise<void> {
    if (suite.factory) {
      const parent = current;
      current = suite;
      await suite.factory();
      current = parent;
    }
    for (const child of suite.children) if ('children' in child) await collect(child);
  }
  async function run(suite: Suite, path: string): Promise<void> {
    for (const f of suite.beforeAll) await f();
    for (const child of suite.children) {
      const name = path ? `${path} > ${child.name}` : child.name;
      if ('children' in child) {
        await run(child, name);
        continue;
      }
      const context: TestContext = {
        skip: (reason?: string) => {
          throw new Skip(reason ?? 'skipped');
        },
      };
      const t0 = performance.now();
      try {
        await child.fn(context);
        summary.passed++;
        log(`  ✓ ${name} (${Math.round(performance.now() - t0)} ms)`);
      } catch (error) {
        if (error instanceof Skip) {
          summary.skipped.push({ name, reason: error.message });
          log(`  ↓ ${name}: ${error.message}`);
        } else {
          const message = error instanceof Error ? error.message : String(error);
          summary.failed.push({ name, error: message });
          log(`  × ${name}\n      ${message.split('\n').slice(0, 6).join('\n      ')}`);
        }
      }
    }
    for (const f of suite.afterAll) await f();
  }
  await collect(root);
  await run(root, '');
  return summary;
}
