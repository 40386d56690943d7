import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { resolveSaeConfig, saeConfigFromSnakeCase, saeConfigToSnakeCase } from './sae-config.js';

describe('resolveSaeConfig', () => {
  it('fills DeepLens defaults', () => {
    expect(resolveSaeConfig({ inputDims: 8, nFeatures: 32, k: 2 })).toEqual({
      inputDims: 8, nFeatures: 32, activation: 'relu', inputNorm: false, k: 2, betaL1: null, tieWeights: false, unitNormDecoder: true,
      // Beyond DeepLens, all off: the model is DeepLens's TopK.
      architecture: null, auxKCoef: 0, auxK: null, bDecInit: 'zeros', decoderInit: 'xavier', l0Coefficient: null,
      jumpreluBandwidth: 0.001, jumpreluInitThreshold: 0.001, targetL0: null, matryoshkaPrefixes: null,
    });
  });

  it('round-trips the tutorial config through snake_case', () => {
    const snake = {
      input_dims: 3072, n_features: 24576, activation: 'relu', input_norm: true, k: 768, beta_l1: null, tie_weights: false, unit_norm_decoder: true,
    };
    expect(saeConfigToSnakeCase(saeConfigFromSnakeCase(snake))).toEqual(snake);
  });

  it.each([
    [{ inputDims: 0, nFeatures: 4, k: 1 }, 'input_dims'],
    [{ inputDims: 4, nFeatures: 2.5, k: 1 }, 'n_features'],
    [{ inputDims: 4, nFeatures: 8, k: 9 }, 'k'],
    [{ inputDims: 4, nFeatures: 8, betaL1: -1 }, 'beta_l1'],
    [{ inputDims: 4, nFeatures: 8, k: 2, betaL1: 0.1 }, 'beta_l1'],
    [{ inputDims: 4, nFeatures: 8 }, 'k'],
    [{ inputDims: 4, nFeatures: 8, k: 2, activation: 'gelu' as 'relu' }, 'activation'],
    [{ inputDims: 4, nFeatures: 8, k: 2, tieWeights: 'no' as unknown as boolean }, 'tie_weights'],
  ])('rejects %o naming %s', (input, key) => {
    let error: unknown;
    try {
      resolveSaeConfig(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).key).toBe(key);
    expect((error as InvalidConfigError).code).toBe('DEEPLENS_INVALID_CONFIG');
  });
});
