/**
 * y = x · Wᵀ + b with W in PyTorch's [out, in] layout, over any leading dims.
 */
import * as tf from "../tf.ts";

/** x: [..., in], w: [out, in], bias: [out] → [..., out] */
export function linear(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.shape.length - 1]!;
    const outDim = w.shape[0]!;
    const lead = x.shape.slice(0, -1);
    const y2 = tf.matMul(x.reshape([-1, inDim]), w, false, true); // [prod(lead), out]
    const y = bias ? y2.add(bias) : y2;
    return y.reshape([...lead, outDim]); // [..., out]
  });
}
