/**
 * Token-level training loss and scoring.
 *
 * Label smoothing follows Szegedy et al.: the target distribution puts `1 - eps` on the
 * reference token and spreads `eps` uniformly over the vocabulary, so the loss is
 * `(1 - eps) * nll + eps * mean_v(-log p_v)`. Padding positions (mask 0) do not count.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean cross-entropy over unmasked tokens.
 * @param logits `[b, T, V]` @param targets int32 `[b, T]` @param mask float32 `[b, T]`
 */
export function maskedCrossEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  mask: tf.Tensor2D,
  labelSmoothing = 0,
): tf.Scalar {
  if (labelSmoothing < 0 || labelSmoothing >= 1)
    throw new Error(`labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  return tf.tidy(() => {
    const V = logits.shape[2];
    const logp = tf.logSoftmax(logits); // [b, T, V]
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets, V)), 2)); // [b, T]
    const perToken =
      labelSmoothing > 0
        ? tf.add(tf.mul(nll, 1 - labelSmoothing), tf.mul(tf.neg(tf.mean(logp, 2)), labelSmoothing))
        : nll;
    return tf.div(tf.sum(tf.mul(perToken, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

/**
 * log p(target) at every position: logits `[b, T, V]`, targets int32 `[b, T]` -> `[b, T]`, as the
 * target's logit minus the log-sum-exp over the vocabulary (no `[b, T, V]` log-softmax or one-hot).
 */
export function tokenLogProbs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sub(targetValues(logits, targets), tf.logSumExp(logits, 2)) as tf.Tensor2D);
}

/** `values` `[b, T, V]`, `targets` int32 `[b, T]` -> `values[i, t, targets[i, t]]` `[b, T]`. */
export function targetValues(values: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, T, V] = values.shape;
    const offsets = tf.reshape(tf.mul(tf.range(0, b * T, 1, 'int32'), tf.scalar(V, 'int32')), [b, T]);
    const flat = tf.reshape(tf.add(offsets, targets), [-1]) as tf.Tensor1D;
    return tf.reshape(tf.gather(tf.reshape(values, [-1]), flat), [b, T]) as tf.Tensor2D;
  });
}
