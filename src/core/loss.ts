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

/** log p(target) at every position: logits `[b, T, V]`, targets int32 `[b, T]` -> `[b, T]`. */
export function tokenLogProbs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, logits.shape[2])), 2) as tf.Tensor2D);
}
