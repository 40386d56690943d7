import { B_DEC_INITS, DECODER_INITS, isTopKStyle, saeArchitecture } from './architecture.js';
import type { ConfigRuleIssue, SaeConfig } from './sae-config.js';

/** Which of k, beta_l1 and l0_coefficient the architecture needs, and which it must not have. */
export function sparsityIssues(c: SaeConfig): ConfigRuleIssue[] {
  const issues: ConfigRuleIssue[] = [];
  const arch = c.architecture;
  if (c.architecture === null && c.l0Coefficient !== null) issues.push({ key: 'l0_coefficient', message: `is only used by architecture 'jumprelu', not '${c.k !== null ? 'topk' : 'l1'}'`, hint: 'remove it or set architecture: jumprelu' });
  if (c.architecture === null && c.targetL0 !== null) issues.push({ key: 'target_l0', message: "is only used by architecture 'jumprelu'" });
  if (c.architecture === null && c.matryoshkaPrefixes !== null) issues.push({ key: 'matryoshka_prefixes', message: "is only used by architecture 'matryoshka'" });
  if (arch === null) {
    if (c.k !== null && c.betaL1 !== null) {
      issues.push({ key: 'beta_l1', message: 'is set together with k; TopK and L1 sparsity are alternatives', hint: 'use k for TopK with beta_l1: null, or k: null with beta_l1 for L1' });
    }
    if (c.k === null && c.betaL1 === null) {
      issues.push({ key: 'k', message: 'no sparsity is configured', hint: 'set k (TopK, e.g. 3% of n_features) or beta_l1 (L1, e.g. 0.001), or choose an architecture' });
    }
    return issues;
  }
  const needsK = arch === 'topk' || arch === 'batchtopk' || arch === 'matryoshka';
  if (needsK && c.k === null) issues.push({ key: 'k', message: `is required by architecture '${arch}' (the mean number of active latents per row)`, hint: 'e.g. k: 32' });
  if (!needsK && c.k !== null) issues.push({ key: 'k', message: `is not used by architecture '${arch}'`, hint: 'set k: null' });
  if (arch === 'l1' && c.betaL1 === null) issues.push({ key: 'beta_l1', message: "is required by architecture 'l1'", hint: 'e.g. beta_l1: 0.001' });
  if (arch !== 'l1' && c.betaL1 !== null) issues.push({ key: 'beta_l1', message: `is not used by architecture '${arch}'`, hint: 'set beta_l1: null' });
  if (arch === 'jumprelu' && c.l0Coefficient === null) issues.push({ key: 'l0_coefficient', message: "is required by architecture 'jumprelu' (the L0 penalty's coefficient)", hint: 'e.g. l0_coefficient: 0.001' });
  if (arch !== 'jumprelu') {
    if (c.l0Coefficient !== null) issues.push({ key: 'l0_coefficient', message: `is only used by architecture 'jumprelu', not '${arch}'`, hint: 'remove it or set architecture: jumprelu' });
    if (c.targetL0 !== null) issues.push({ key: 'target_l0', message: `is only used by architecture 'jumprelu', not '${arch}'` });
  }
  if (arch !== 'matryoshka' && c.matryoshkaPrefixes !== null) issues.push({ key: 'matryoshka_prefixes', message: `is only used by architecture 'matryoshka', not '${arch}'` });
  if (arch === 'matryoshka' && c.matryoshkaPrefixes === null) issues.push({ key: 'matryoshka_prefixes', message: "is required by architecture 'matryoshka'", hint: 'e.g. [128, 512, n_features]: increasing prefix sizes ending at n_features' });
  if ((arch === 'batchtopk' || arch === 'jumprelu' || arch === 'matryoshka') && c.activation !== 'relu') {
    issues.push({ key: 'activation', message: `architecture '${arch}' is defined with ReLU, got '${String(c.activation)}'`, hint: 'set activation: relu' });
  }
  return issues;
}

/** The options beyond DeepLens's: AuxK, initialisation and the JumpReLU / Matryoshka settings. */
export function extendedIssues(c: SaeConfig, fUnknown: boolean): ConfigRuleIssue[] {
  const issues: ConfigRuleIssue[] = [];
  const arch = saeArchitecture(c);
  const deepLens = c.architecture === null || c.architecture === 'topk' || c.architecture === 'l1';
  const nonNegative = (key: string, v: unknown, allowNull: boolean) => {
    if (allowNull && v === null) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) issues.push({ key, message: `must be a non-negative number${allowNull ? ' or null' : ''}, got ${String(v)}` });
  };
  nonNegative('aux_k_coef', c.auxKCoef, false);
  if (typeof c.auxKCoef === 'number' && c.auxKCoef > 0 && !isTopKStyle(arch)) {
    issues.push({ key: 'aux_k_coef', message: `AuxK revives dead latents of TopK-style SAEs (topk, batchtopk, matryoshka), not '${arch}'`, hint: 'set aux_k_coef: 0' });
  }
  if (c.auxK !== null && (!Number.isInteger(c.auxK) || c.auxK < 1 || (!fUnknown && c.auxK > c.nFeatures))) {
    issues.push({ key: 'aux_k', message: `must be null or an integer between 1 and n_features, got ${String(c.auxK)}` });
  }
  if (!(B_DEC_INITS as readonly unknown[]).includes(c.bDecInit)) issues.push({ key: 'b_dec_init', message: `must be one of ${B_DEC_INITS.join(', ')}, got ${JSON.stringify(c.bDecInit)}` });
  if (!(DECODER_INITS as readonly unknown[]).includes(c.decoderInit)) issues.push({ key: 'decoder_init', message: `must be one of ${DECODER_INITS.join(', ')}, got ${JSON.stringify(c.decoderInit)}` });
  if (c.decoderInit === 'encoder_transpose' && c.tieWeights) issues.push({ key: 'decoder_init', message: 'encoder_transpose has no meaning with tie_weights: true (the decoder is the encoder)' });
  if (c.tieWeights && (!deepLens || c.auxKCoef > 0)) {
    issues.push({ key: 'tie_weights', message: `tied weights are supported by DeepLens's TopK and L1 without AuxK only (architecture '${arch}'${c.auxKCoef > 0 ? ', aux_k_coef > 0' : ''})`, hint: 'set tie_weights: false' });
  }
  nonNegative('l0_coefficient', c.l0Coefficient, true);
  if (typeof c.jumpreluBandwidth !== 'number' || !(c.jumpreluBandwidth > 0) || !Number.isFinite(c.jumpreluBandwidth)) {
    issues.push({ key: 'jumprelu_bandwidth', message: `must be a positive number, got ${String(c.jumpreluBandwidth)}` });
  }
  nonNegative('jumprelu_init_threshold', c.jumpreluInitThreshold, false);
  if (c.targetL0 !== null && (typeof c.targetL0 !== 'number' || !(c.targetL0 > 0) || !Number.isFinite(c.targetL0))) {
    issues.push({ key: 'target_l0', message: `must be a positive number or null, got ${String(c.targetL0)}` });
  }
  const p = c.matryoshkaPrefixes;
  if (p !== null) {
    const ok = Array.isArray(p) && p.length > 0 && p.every((v, i) => Number.isInteger(v) && v >= 1 && (i === 0 || v > p[i - 1]!));
    if (!ok) issues.push({ key: 'matryoshka_prefixes', message: `must be a list of increasing positive integers, got ${JSON.stringify(p)}` });
    else if (!fUnknown && p[p.length - 1] !== c.nFeatures) {
      issues.push({ key: 'matryoshka_prefixes', message: `must end at n_features (${c.nFeatures}), got ${JSON.stringify(p)}`, hint: `append ${c.nFeatures}` });
    }
  }
  return issues;
}
