import { fileRunStorage } from './checkpoint/file-run-storage.js';
import { configFromYaml } from './config/config-from-yaml.js';
import { SAETrainer as PortableSAETrainer } from './sae-trainer.js';
import type { SAETrainerOptions } from './trainer-options.js';

/** DeepLens's SAETrainer, writing run folders on disk unless `options.storage` says otherwise. */
export class SAETrainer extends PortableSAETrainer {
  /** DeepLens's SAETrainer.config_from_yaml. */
  static readonly configFromYaml = configFromYaml;

  constructor(options: SAETrainerOptions) {
    super({ ...options, storage: options.storage ?? fileRunStorage });
  }
}
