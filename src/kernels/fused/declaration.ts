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
 */
export const RmsNorm = "MeteorRmsNorm";
export const RmsNormGrad = "MeteorRmsNormGrad";
export const LayerNorm = "MeteorLayerNorm";
export const LayerNormGrad = "MeteorLayerNormGrad";

export interface NormAttrs {
  /** Added to the mean square (variance) before the square root. */
  eps: number;
}
