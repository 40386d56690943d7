import type { ActivationSource, OpenActivationsOptions } from './activation-source.js';
import { ActivationsDatasetBuilder as BaseBuilder } from './activations-dataset-builder.js';
import { openActivations } from './open-activations.js';

/** The dataset builder with Node's file system: `activations` may be files, folders, globs or a list of them. */
export class ActivationsDatasetBuilder extends BaseBuilder {
  protected override openFiles(paths: string | readonly string[], options: OpenActivationsOptions): Promise<ActivationSource> {
    return openActivations(paths, options);
  }
}
