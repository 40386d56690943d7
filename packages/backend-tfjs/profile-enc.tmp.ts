import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend(process.argv[2] ?? 'wasm');
tf.env().set('PROD', true);
const [B, d, F, k] = [4096, 768, 6144, 32];
const x = tf.randomNormal([B, d]); const W = tf.randomNormal([d, F]); const b = tf.randomNormal([F]);
const T = (name: string, f: () => tf.Tensor | tf.Tensor[] | { values: tf.Tensor; indices: tf.Tensor }) => {
  f(); // warm
  const t0 = performance.now(); const r = f(); const ms = performance.now() - t0;
  console.log(name.padEnd(28), ms.toFixed(0), 'ms');
  return r;
};
const pre = T('fused matMul+bias', () => tf.fused.matMul({ a: x as tf.Tensor2D, b: W as tf.Tensor2D, bias: b })) as tf.Tensor;
T('fused matMul+bias+relu', () => tf.fused.matMul({ a: x as tf.Tensor2D, b: W as tf.Tensor2D, bias: b, activation: 'relu' }));
T('matMul', () => tf.matMul(x, W));
const act = T('relu', () => tf.relu(pre)) as tf.Tensor;
T('isNaN', () => tf.isNaN(act));
T('isNaN|isInf + where', () => tf.where(tf.logicalOr(tf.isNaN(act), tf.isInf(act)), tf.scalar(3.4e38), act));
T('minimum(FLT_MAX, act)', () => tf.minimum(tf.scalar(3.4028234663852886e38), act));
T('topk', () => { const r = tf.topk(act, k); return [r.values, r.indices]; });
const idx = tf.topk(act, k).indices;
T('gatherND cols', () => tf.gatherND(act, tf.stack([tf.broadcastTo(tf.reshape(tf.range(0, B, 1, 'int32'), [B, 1]), [B, k]), idx], 2)));
T('transpose W', () => tf.transpose(W));
T('abs', () => tf.abs(act));
