/** File names inside a run, as DeepLens names them. */
export const BEST_MODEL_FILE = 'best_model.safetensors';
export const TRAINING_STATE_FILE = 'training_state.safetensors';
export const stepModelFile = (step: number): string => `sae_step_${step}.safetensors`;
export const epochModelFile = (epoch: number): string => `sae_epoch_${epoch}.safetensors`;

/** `YYYYmmdd_HHMMSS` in local time, as DeepLens names run folders. */
export function runTimestamp(date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}
