/**
 * Deterministic parameter initialisers. A seeded PRNG (mulberry32) makes every run
 * repeatable from its seed on every backend: values are made in JS, then uploaded.
 */
import * as tf from "../tf.ts";

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

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
