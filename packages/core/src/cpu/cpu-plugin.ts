import type { BackendPlugin } from '../backend/backend-plugin.js';
import { CpuBackend } from './cpu-backend.js';

/** The reference backend as a plugin: always available, lowest priority. */
export const cpuBackendPlugin: BackendPlugin = {
  name: 'cpu',
  priority: 0,
  description: 'reference backend: pure TypeScript on typed arrays (slow, always available)',
  isAvailable: () => ({ available: true }),
  create: () => new CpuBackend(),
};
