/**
 * The `mlp2x_gelu` projector (LLaVA-1.5's, used three times in Meteor: vision → MLM,
 * vision → Mamba, Mamba `<tor>` states → MLM): Linear(in → out) → GELU → Linear(out → out).
 * Parameter names follow PyTorch's `nn.Sequential` indices: `{prefix}.0.*`, `{prefix}.2.*`.
 */
import * as tf from "../tf.ts";
import { gelu } from "../nn/activations.ts";
import { linear } from "../nn/linear.ts";
import { linearWeight, mulberry32, zerosVariable } from "../nn/init.ts";

export function projectorShapes(prefix: string, inDim: number, outDim: number): Map<string, number[]> {
  return new Map([
    [`${prefix}.0.weight`, [outDim, inDim]],
    [`${prefix}.0.bias`, [outDim]],
    [`${prefix}.2.weight`, [outDim, outDim]],
    [`${prefix}.2.bias`, [outDim]],
  ]);
}

export function initProjector(prefix: string, inDim: number, outDim: number, seed: number): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  return {
    [`${prefix}.0.weight`]: linearWeight(rand, outDim, inDim),
    [`${prefix}.0.bias`]: zerosVariable([outDim]),
    [`${prefix}.2.weight`]: linearWeight(rand, outDim, outDim),
    [`${prefix}.2.bias`]: zerosVariable([outDim]),
  };
}

/** x: [..., in] → [..., out] */
export function project(params: Readonly<Record<string, tf.Tensor>>, prefix: string, x: tf.Tensor): tf.Tensor {
  const w = (n: string) => params[`${prefix}.${n}`]!;
  return tf.tidy(() => linear(gelu(linear(x, w("0.weight"), w("0.bias"))), w("2.weight"), w("2.bias")));
}
