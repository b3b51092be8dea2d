/**
 * Deterministic parameter initialisers. A seeded PRNG (mulberry32) makes every run
 * repeatable from its seed on every backend: values are made in JS, then uploaded.
 */
import * as tf from "../tf.ts";
import { gaussian, mulberry32 } from "../random.ts";

export { gaussian, mulberry32 };

export const uniformValues = (rand: () => number, n: number, bound: number): Float32Array =>
  Float32Array.from({ length: n }, () => (rand() * 2 - 1) * bound);

export const normalValues = (rand: () => number, n: number, std: number): Float32Array =>
  Float32Array.from({ length: n }, () => std * gaussian(rand));

/** A trainable variable holding `values`; the temporary upload is freed. */
export function variableFrom(values: Float32Array, shape: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, "float32"), true));
}

/** Linear weight [out, in] with PyTorch's default bound 1/sqrt(in), times `scale`. */
export function linearWeight(rand: () => number, out: number, inDim: number, scale = 1): tf.Variable {
  return variableFrom(uniformValues(rand, out * inDim, scale / Math.sqrt(inDim)), [out, inDim]);
}

export const onesVariable = (n: number): tf.Variable => variableFrom(new Float32Array(n).fill(1), [n]);
export const zerosVariable = (shape: number[]): tf.Variable =>
  variableFrom(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
