/**
 * The `mlp2x_gelu` projector (LLaVA-1.5's, used three times in Meteor: vision → MLM,
 * vision → Mamba, Mamba `<tor>` states → MLM): Linear(in → out) → GELU → Linear(out → out).
 * Parameter names follow PyTorch's `nn.Sequential` indices: `{prefix}.0.*`, `{prefix}.2.*`.
 * With `norm` (the playground's image projectors, `MeteorConfig.imageFeatureNorm`) an
 * RMSNorm with a learned gain, `{prefix}.norm.weight`, follows: it keeps projected image
 * rows from growing into a constant sink that dwarfs the text embeddings (measured without
 * it: a row norm 130× a token's, every image projected to the same vector). A divergence
 * from Meteor, whose pretrained CLIP and projectors never face that failure.
 */
import * as tf from "../tf.ts";
import { gelu } from "../nn/activations.ts";
import { linear } from "../nn/linear.ts";
import { rmsNorm } from "../nn/rmsnorm.ts";
import { linearWeight, mulberry32, onesVariable, zerosVariable } from "../nn/init.ts";

/** Whether the projector ends in an RMSNorm. */
export interface ProjectorOptions {
  norm?: boolean;
}

const NORM_EPS = 1e-6;

export function projectorShapes(prefix: string, inDim: number, outDim: number, opts: ProjectorOptions = {}): Map<string, number[]> {
  return new Map([
    [`${prefix}.0.weight`, [outDim, inDim]],
    [`${prefix}.0.bias`, [outDim]],
    [`${prefix}.2.weight`, [outDim, outDim]],
    [`${prefix}.2.bias`, [outDim]],
    ...(opts.norm ? [[`${prefix}.norm.weight`, [outDim]] as [string, number[]]] : []),
  ]);
}

export function initProjector(prefix: string, inDim: number, outDim: number, seed: number, opts: ProjectorOptions = {}): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  return {
    [`${prefix}.0.weight`]: linearWeight(rand, outDim, inDim),
    [`${prefix}.0.bias`]: zerosVariable([outDim]),
    [`${prefix}.2.weight`]: linearWeight(rand, outDim, outDim),
    [`${prefix}.2.bias`]: zerosVariable([outDim]),
    ...(opts.norm ? { [`${prefix}.norm.weight`]: onesVariable(outDim) } : {}),
  };
}

/** x: [..., in] → [..., out] */
export function project(params: Readonly<Record<string, tf.Tensor>>, prefix: string, x: tf.Tensor, opts: ProjectorOptions = {}): tf.Tensor {
  const w = (n: string) => {
    const t = params[`${prefix}.${n}`];
    if (!t) throw new Error(`projector ${prefix}: no parameter ${prefix}.${n}`);
    return t;
  };
  return tf.tidy(() => {
    const y = linear(gelu(linear(x, w("0.weight"), w("0.bias"))), w("2.weight"), w("2.bias")); // [..., out]
    return opts.norm ? rmsNorm(y, w("norm.weight"), NORM_EPS) : y;
  });
}
