// Worker thread of @deeplens/backend-wasm: instantiates the kernels on the shared memory and runs
// the slices of calls the main thread hands it through a shared control block (no messages, so
// the main thread can wait synchronously with Atomics).
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, control, args, slots, index, kernels } = workerData;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const ctrl = new Int32Array(control);
const argv = new Float64Array(args);
const SEQ = index * 4;
const DONE = SEQ + 1;
const KERNEL = SEQ + 2;
const FAILED = SEQ + 3;
const ARGS = index * slots;
// The one message: the kernels are instantiated and this thread is about to wait for work.
parentPort.postMessage('ready');

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, SEQ, seen);
  seen = Atomics.load(ctrl, SEQ);
  if (seen < 0) break;
  const fn = exports[kernels[Atomics.load(ctrl, KERNEL)]];
  const n = argv[ARGS];
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = argv[ARGS + 1 + i];
  try {
    fn(...a);
  } catch {
    // A trap must not leave the main thread waiting forever: report it, the main thread redoes the slice.
    Atomics.store(ctrl, FAILED, 1);
  }
  Atomics.store(ctrl, DONE, seen);
  Atomics.notify(ctrl, DONE);
}
