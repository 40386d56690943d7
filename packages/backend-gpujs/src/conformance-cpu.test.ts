import { describeBackendConformance } from '@deeplens/core/testing';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

// The shared suite on gpu.js's JavaScript kernels (its `cpu` mode).
describeBackendConformance(gpujsBackendPlugin, { createOptions: { mode: 'cpu' } });
