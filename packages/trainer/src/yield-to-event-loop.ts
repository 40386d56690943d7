/**
 * Let timers, I/O and signal handlers run. A CPU backend's training step (and a data loader that
 * yields from memory) is one long synchronous stretch of microtasks; without this a SIGINT would
 * wait for the next file read.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
