/**
 * The playground's default config: `deeplens demo`'s (a 4× TopK SAE, 172 → 688 latents, k = 16, on
 * stories260K layer-3 MLP activations), written with the same config.yaml keys the CLI reads.
 */
export const DEMO_CONFIG_YAML = `input_dims: 172
n_features: 688
activation: relu
input_norm: False
k: 16
beta_l1: None
tie_weights: False
unit_norm_decoder: True

data:
  batch_size: 32
  splits: [0.8, 0.2]
  norm: true

optim:
  type: adam
  lr: 1e-2
  betas: [0.9, 0.99]

trainer:
  model_name: demo
  epochs: 4
  lrs_type: cosine
  eval_steps: 100000
  log_every_steps: 25
`;

export const DEMO_DATA_NAME = 'stories260K-layer3-mlp-hidden-2048.npy';
