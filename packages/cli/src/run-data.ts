import type { DataLoader, DatasetInfo } from '@deeplens/core';
import { datasetOptionsFromRunConfig, type RunConfig } from '@deeplens/trainer';
import { AnyActivationsDatasetBuilder as ActivationsDatasetBuilder } from './remote/open-any-activations.js';

export interface RunData {
  train: DataLoader;
  eval: DataLoader | undefined;
  info: DatasetInfo;
  /** Close the activation files (always, also after a failed run). */
  close(): Promise<void>;
}

/**
 * The loaders a training run reads, from its config's data: section: the train split and the eval
 * split, or with `evalActivations` all of `activations` for training and that file for evaluation
 * (normalised with the training statistics). One place for single runs and sweeps.
 */
export async function openRunData(c: RunConfig, activations: string | string[], evalActivations?: string): Promise<RunData> {
  const { shuffle, splits, ...common } = datasetOptionsFromRunConfig(c);
  const builders = [new ActivationsDatasetBuilder({ ...common, activations, shuffle, splits: evalActivations ? [1] : splits })];
  const close = async () => void (await Promise.all(builders.map((b) => b.close())));
  try {
    const { train, eval: splitEval, info } = await builders[0]!.getDataloaders();
    let evalLoader = splitEval;
    if (evalActivations) {
      const evalBuilder = new ActivationsDatasetBuilder({ ...common, activations: evalActivations, splits: [1], shuffle: false, ...(info.normStats ? { normStats: info.normStats } : {}) });
      builders.push(evalBuilder);
      evalLoader = (await evalBuilder.getDataloaders()).train;
    }
    return { train, eval: evalLoader, info, close };
  } catch (error) {
    await close();
    throw error;
  }
}
