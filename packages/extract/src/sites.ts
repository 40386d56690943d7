import { InvalidArgumentError } from '@deeplens/core';

/**
 * Where in a transformer an activation is read or replaced. Layer-indexed sites of a decoder
 * block: the residual stream before and after the block, the attention output (before it is
 * added to the residual), the MLP's hidden activation (the input of its down projection) and the
 * MLP output. Adapters for other models may name their own sites.
 */
export const TRANSFORMER_SITES = ['resid_pre', 'attn_out', 'mlp_hidden', 'mlp_out', 'resid_post'] as const;
export type TransformerSite = (typeof TRANSFORMER_SITES)[number];
export type SiteName = TransformerSite | (string & {});

export interface SiteRef {
  site: SiteName;
  layer: number;
}

export const siteKey = (s: SiteRef): string => `${s.site}@${s.layer}`;

/** Check a site against what an adapter offers; the error lists what it has. */
export function checkSite(s: SiteRef, sites: readonly string[], layers: number, model: string): void {
  if (!sites.includes(s.site)) {
    throw new InvalidArgumentError(`${model} has no site '${s.site}'`, { hint: `sites: ${sites.join(', ')}` });
  }
  if (!Number.isInteger(s.layer) || s.layer < 0 || s.layer >= layers) {
    throw new InvalidArgumentError(`${model} has layers 0..${layers - 1}; --layer ${s.layer} is not one of them`);
  }
}
