/**
 * The fused kernels of the model's small ops, declared once (tfjs `kernel_names.ts`
 * anatomy): names, inputs, attributes and outputs. Implementations: the native addon
 * (`../native/fused.ts`, cpu and wasm); everywhere else the model runs the composed tfjs ops
 * (`../../lib/nn/*.ts`, the slow references).
 *
 * Shapes: x [..., d] is taken as [rows, d] (rows = the product of the leading axes).
 *   MeteorRmsNorm      (x, weight [d]; eps)              → y [..., d], rstd [rows]
 *   MeteorRmsNormGrad  (dy, x, weight, rstd)             → dx [..., d], dweight [d]
 *   MeteorLayerNorm    (x, weight [d], bias [d]; eps)    → y [..., d], mean [rows], rstd [rows]
 *   MeteorLayerNormGrad(dy, x, weight, mean, rstd)       → dx [..., d], dweight [d], dbias [d]
 *   MeteorSwiGlu       (a, b)                            → y = silu(a)·b          (same shapes)
 *   MeteorSwiGluGrad   (a, b, dy)                        → da, db
 *   MeteorCausalSoftmax(scores [..., l, t]; scale, past) → probs [..., l, t]: softmax over t of
 *                      scores·scale, query i (axis −2) seeing keys j ≤ past + i (others 0)
 *   MeteorCausalSoftmaxGrad(probs, dy; scale)            → dscores
 *   MeteorCrossEntropy (logits [rows, v], targets int32 [rows], −1 = ignored)
 *                                                        → loss [] (mean over kept rows), lse [rows]
 *   MeteorCrossEntropyGrad(logits, targets, lse, dloss []) → dlogits [rows, v]
 *   MeteorRope         (x [..., l, hd], cos [l, hd], sin [l, hd]) → x·cos + rotate_half(x)·sin
 *   MeteorRopeGrad     (dy, cos, sin)                    → dx [..., l, hd]
 *   MeteorConvSilu     (x [b, l+k−1, e], weight [e, k], bias [e]) → y [b, l, e] = silu(pre),
 *                      pre [b, l, e] = causal depthwise conv1d of x (k taps) + bias
 *   MeteorConvSiluGrad (dy, x, weight, pre)              → dx [b, l+k−1, e], dweight [e, k], dbias [e]
 *
 * The optimizer's kernels take any number of tensors, named by index (no gradients):
 *   MeteorAdamW        (p0, g0, m0, v0, p1, g1, …; AdamWAttrs) → [p0′, m0′, v0′, p1′, …], each the
 *                      shape of its p: one step of `src/lib/train/adamw.ts`, bit-for-bit
 *   MeteorGlobalNorm   (t0, t1, …)                        → norm [] = √(Σ over all elements of x²)
 */
export const RmsNorm = "MeteorRmsNorm";
export const RmsNormGrad = "MeteorRmsNormGrad";
export const LayerNorm = "MeteorLayerNorm";
export const LayerNormGrad = "MeteorLayerNormGrad";

export interface NormAttrs {
  /** Added to the mean square (variance) before the square root. */
  eps: number;
}

export const SwiGlu = "MeteorSwiGlu";
export const SwiGluGrad = "MeteorSwiGluGrad";
export const CausalSoftmax = "MeteorCausalSoftmax";
export const CausalSoftmaxGrad = "MeteorCausalSoftmaxGrad";
export const CrossEntropy = "MeteorCrossEntropy";
export const CrossEntropyGrad = "MeteorCrossEntropyGrad";

export interface CausalSoftmaxAttrs {
  /** Multiplies the scores before the softmax (1/√hd). */
  scale: number;
  /** Cached keys before the l new queries (t = past + l when the cache is full). */
  past: number;
}

export const Rope = "MeteorRope";
export const RopeGrad = "MeteorRopeGrad";

export const ConvSilu = "MeteorConvSilu";
export const ConvSiluGrad = "MeteorConvSiluGrad";

export const AdamW = "MeteorAdamW";
export const GlobalNorm = "MeteorGlobalNorm";

/** One AdamW step's constants, each rounded to float32 by the kernel as the composed ops round their scalars. */
export interface AdamWAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − β₂ᵗ */
  c2: number;
  /** lr / (1 − β₁ᵗ) */
  stepSize: number;
  /** Multiplies every gradient first (the global-norm clip; 1 when not clipping). */
  gradScale: number;
  /** Per tensor, the decoupled decay factor 1 − lr·wd (1 for an undecayed tensor). */
  decay: number[];
}
