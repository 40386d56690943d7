import { isBiasOrNorm } from '../sae/sae-params.js';

/** Parameters matched by `params` use this group's weight decay instead of the optimiser's. */
export interface ParamGroup {
  params: readonly string[] | ((name: string) => boolean);
  weightDecay: number;
}

export function groupFor(groups: readonly ParamGroup[], name: string): ParamGroup | undefined {
  return groups.find((g) => (typeof g.params === 'function' ? g.params(name) : g.params.includes(name)));
}

/** The usual grouping: weight decay on weight matrices only, none on biases and LayerNorm. */
export function noDecayOnBiasesAndNorms(): ParamGroup[] {
  return [{ params: isBiasOrNorm, weightDecay: 0 }];
}
