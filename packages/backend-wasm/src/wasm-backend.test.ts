import { describeBackendConformance } from '@deeplens/core/testing';
import { wasmBackendPlugin } from './wasm-plugin.js';

// Same suite as the reference backend: every op against float64 references and the 16 PyTorch
// golden model variants. bf16 is declared as a capability the backend lacks (it computes float32).
describeBackendConformance(wasmBackendPlugin);
describeBackendConformance({ ...wasmBackendPlugin, name: 'wasm (1 thread)', create: () => wasmBackendPlugin.create({ threads: 1 }) });
