/**
 * @deeplens/core/node: the file-system half of core — activation files, model files, atomic writes,
 * output folders. Everything else is in `@deeplens/core`, which runs in browsers as well.
 *
 * @module @deeplens/core/node
 */
export { removeStaleTempFiles, writeFileAtomic } from './io/atomic-write.js';
export { ensureDir, toOutputPathError } from './io/output-path.js';
export { loadSae, readModelFile, saveSae } from './io/model-file.js';
export { ACTIVATION_EXTENSIONS, openActivationFile, openActivations } from './data/open-activations.js';
export { openActivationReader } from './data/open-activation-reader.js';
export { openFileReader } from './data/file-byte-reader.js';
export { openNpy } from './data/npy-reader.js';
export { openPt } from './data/pt-reader.js';
export { openSafetensorsActivations } from './data/safetensors-source.js';
export { ActivationsDatasetBuilder } from './data/node-dataset-builder.js';
export { writeNpy } from './io/write-npy.js';
