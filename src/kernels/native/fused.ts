/**
 * The fused kernels of `../fused/declaration.ts` on the native addon (`c/norm.c`, `c/fused.c`) for `cpu`
 * and `wasm`: outputs allocated first, then views taken and written in place.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { AdamWAttrs, CausalSoftmaxAttrs, NormAttrs } from "../fused/declaration.ts";
import type { NativeKernels } from "./load.ts";
import { allocOutput, f32View, viewOf } from "./tensor-views.ts";

/** [rows, d] of x [..., d], checking float32 and a [d] parameter. */
function rowsOf(kernel: string, x: TensorInfo, ...params: TensorInfo[]): { rows: number; d: number } {
  const d = x.shape[x.shape.length - 1];
  if (d === undefined || x.dtype !== "float32") throw new Error(`${kernel}: x must be float32 [..., d], got ${x.dtype} ${JSON.stringify(x.shape)}`);
  for (const p of params) if (p.shape.length !== 1 || p.shape[0] !== d || p.dtype !== "float32") throw new Error(`${kernel}: parameters must be float32 [${d}], got ${p.dtype} ${JSON.stringify(p.shape)}`);
  return { rows: x.shape.slice(0, -1).reduce((p, n) => p * n, 1), d };
}

export function nativeRmsNormKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, weight } = inputs as { x: TensorInfo; weight: TensorInfo };
    const { rows, d } = rowsOf("MeteorRmsNorm", x, weight);
    const y = allocOutput(backend, [...x.shape]); // [..., d]
    const rstd = allocOutput(backend, [rows]); // [rows]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.rmsnormForward(v(x), v(weight), v(y), v(rstd), rows, d, (attrs as unknown as NormAttrs).eps);
    return [y, rstd];
  };
}

export function nativeRmsNormGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, weight, rstd } = inputs as Record<"dy" | "x" | "weight" | "rstd", TensorInfo>;
    const { rows, d } = rowsOf("MeteorRmsNormGrad", x, weight);
    const dx = allocOutput(backend, [...x.shape]); // [..., d]
    const dw = allocOutput(backend, [d]); // [d]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.rmsnormBackward(v(dy), v(x), v(weight), v(rstd), v(dx), v(dw), rows, d);
    return [dx, dw];
  };
}

export function nativeLayerNormKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, weight, bias } = inputs as Record<"x" | "weight" | "bias", TensorInfo>;
    const { rows, d } = rowsOf("MeteorLayerNorm", x, weight, bias);
    const y = allocOutput(backend, [...x.shape]); // [..., d]
    const mean = allocOutput(backend, [rows]); // [rows]
    const rstd = allocOutput(backend, [rows]); // [rows]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.layernormForward(v(x), v(weight), v(bias), v(y), v(mean), v(rstd), rows, d, (attrs as unknown as NormAttrs).eps);
    return [y, mean, rstd];
  };
}

export function nativeLayerNormGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, weight, mean, rstd } = inputs as Record<"dy" | "x" | "weight" | "mean" | "rstd", TensorInfo>;
    const { rows, d } = rowsOf("MeteorLayerNormGrad", x, weight);
    const dx = allocOutput(backend, [...x.shape]); // [..., d]
    const dw = allocOutput(backend, [d]); // [d]
    const db = allocOutput(backend, [d]); // [d]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.layernormBackward(v(dy), v(x), v(weight), v(mean), v(rstd), v(dx), v(dw), v(db), rows, d);
    return [dx, dw, db];
  };
}

const sizeOf = (t: TensorInfo) => t.shape.reduce((p, n) => p * n, 1);

function sameFloat32(kernel: string, ...ts: TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== "float32" || t.shape.length !== ts[0]!.shape.length || t.shape.some((d, i) => d !== ts[0]!.shape[i])) {
      throw new Error(`${kernel}: inputs must be float32 of one shape, got ${ts.map((x) => `${x.dtype} ${JSON.stringify(x.shape)}`).join(", ")}`);
    }
  }
}

export function nativeSwiGluKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { a, b } = inputs as Record<"a" | "b", TensorInfo>;
    sameFloat32("MeteorSwiGlu", a, b);
    const y = allocOutput(backend, [...a.shape]); // [...]
    native.swigluForward(f32View(backend, a), f32View(backend, b), f32View(backend, y), sizeOf(a));
    return y;
  };
}

export function nativeSwiGluGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { a, b, dy } = inputs as Record<"a" | "b" | "dy", TensorInfo>;
    sameFloat32("MeteorSwiGluGrad", a, b, dy);
    const da = allocOutput(backend, [...a.shape]); // [...]
    const db = allocOutput(backend, [...a.shape]); // [...]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.swigluBackward(v(a), v(b), v(dy), v(da), v(db), sizeOf(a));
    return [da, db];
  };
}

export function nativeCausalSoftmaxKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { scores } = inputs as { scores: TensorInfo };
    const { scale, past } = attrs as unknown as CausalSoftmaxAttrs;
    const r = scores.shape.length;
    if (r < 2 || scores.dtype !== "float32") throw new Error(`MeteorCausalSoftmax: scores must be float32 [..., l, t], got ${scores.dtype} ${JSON.stringify(scores.shape)}`);
    const [l, t] = [scores.shape[r - 2]!, scores.shape[r - 1]!];
    const probs = allocOutput(backend, [...scores.shape]); // [..., l, t]
    native.causalSoftmaxForward(f32View(backend, scores), f32View(backend, probs), sizeOf(scores) / t, l, t, past, scale);
    return probs;
  };
}

export function nativeCausalSoftmaxGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { probs, dy } = inputs as Record<"probs" | "dy", TensorInfo>;
    sameFloat32("MeteorCausalSoftmaxGrad", probs, dy);
    const r = probs.shape.length;
    const [l, t] = [probs.shape[r - 2]!, probs.shape[r - 1]!];
    const { scale, past } = attrs as unknown as CausalSoftmaxAttrs;
    const ds = allocOutput(backend, [...probs.shape]); // [..., l, t]
    native.causalSoftmaxBackward(f32View(backend, probs), f32View(backend, dy), f32View(backend, ds), sizeOf(probs) / t, l, t, past, scale);
    return ds;
  };
}

function crossEntropyShapes(kernel: string, logits: TensorInfo, targets: TensorInfo): { rows: number; v: number } {
  if (logits.shape.length !== 2 || logits.dtype !== "float32" || targets.dtype !== "int32" || targets.shape.length !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`${kernel}: logits must be float32 [rows, v] and targets int32 [rows], got ${JSON.stringify(logits.shape)} and ${targets.dtype} ${JSON.stringify(targets.shape)}`);
  }
  return { rows: logits.shape[0]!, v: logits.shape[1]! };
}

export function nativeCrossEntropyKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { logits, targets } = inputs as Record<"logits" | "targets", TensorInfo>;
    const { rows, v } = crossEntropyShapes("MeteorCrossEntropy", logits, targets);
    const loss = allocOutput(backend, []); // []
    const lse = allocOutput(backend, [rows]); // [rows]
    native.crossEntropyForward(f32View(backend, logits), viewOf(backend, targets) as Int32Array, f32View(backend, loss), f32View(backend, lse), rows, v);
    return [loss, lse];
  };
}

export function nativeCrossEntropyGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { logits, targets, lse, dloss } = inputs as Record<"logits" | "targets" | "lse" | "dloss", TensorInfo>;
    const { rows, v } = crossEntropyShapes("MeteorCrossEntropyGrad", logits, targets);
    const dlogits = allocOutput(backend, [rows, v]); // [rows, v]
    const g = f32View(backend, dloss)[0]!; // the upstream scalar, read from host memory (no device sync on cpu/wasm)
    native.crossEntropyBackward(f32View(backend, logits), viewOf(backend, targets) as Int32Array, f32View(backend, lse), g, f32View(backend, dlogits), rows, v);
    return dlogits;
  };
}

/** Inputs named `${prefix}${i}` for i = 0, 1, … as a list; throws when one is missing or not float32. */
function indexed(kernel: string, inputs: Record<string, TensorInfo>, prefixes: readonly string[]): TensorInfo[][] {
  const count = Object.keys(inputs).length / prefixes.length;
  if (!Number.isInteger(count)) throw new Error(`${kernel}: expected ${prefixes.join(", ")} inputs per tensor, got ${Object.keys(inputs).length} inputs`);
  return Array.from({ length: count }, (_, i) =>
    prefixes.map((p) => {
      const t = inputs[`${p}${i}`];
      if (!t || t.dtype !== "float32") throw new Error(`${kernel}: input ${p}${i} must be a float32 tensor`);
      return t;
    }),
  );
}

export function nativeAdamWKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as AdamWAttrs;
    const groups = indexed("MeteorAdamW", inputs as Record<string, TensorInfo>, ["p", "g", "m", "v"]);
    if (a.decay.length !== groups.length) throw new Error(`MeteorAdamW: ${groups.length} tensors but ${a.decay.length} decay factors`);
    for (const [i, grp] of groups.entries()) {
      const n = sizeOf(grp[0]!);
      if (grp.some((t) => sizeOf(t) !== n)) throw new Error(`MeteorAdamW: p${i}, g${i}, m${i}, v${i} must have one size, got ${grp.map((t) => JSON.stringify(t.shape)).join(", ")}`);
    }
    // every output first: on wasm an allocation may grow the heap and detach earlier views
    const outs = groups.map(([p]) => [allocOutput(backend, [...p!.shape]), allocOutput(backend, [...p!.shape]), allocOutput(backend, [...p!.shape])]);
    const v = (t: TensorInfo) => f32View(backend, t);
    const buffers = groups.flatMap((grp, i) => [...grp.map(v), ...outs[i]!.map(v)]);
    const sizes = Float64Array.from(groups, ([p]) => sizeOf(p!));
    const scalars = Float32Array.of(a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c2, a.eps, a.stepSize, a.gradScale);
    native.adamwUpdate(buffers, sizes, Float32Array.from(a.decay), scalars);
    return outs.flat();
  };
}

export function nativeGlobalNormKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const ts = indexed("MeteorGlobalNorm", inputs as Record<string, TensorInfo>, ["t"]).map(([t]) => t!);
    const norm = allocOutput(backend, []); // []
    const value = native.globalNorm(ts.map((t) => f32View(backend, t)), Float64Array.from(ts, sizeOf));
    f32View(backend, norm)[0] = value;
    return norm;
  };
}

/** b, l, e, k of MeteorConvSilu's x [b, l+k−1, e] and weight [e, k], checked. */
function convShapes(kernel: string, x: TensorInfo, weight: TensorInfo): { b: number; l: number; e: number; k: number } {
  const [b, lp, e] = x.shape as [number, number, number];
  const k = weight.shape[1]!;
  if (x.shape.length !== 3 || weight.shape.length !== 2 || weight.shape[0] !== e || k < 1 || lp < k - 1 || x.dtype !== "float32" || weight.dtype !== "float32") {
    throw new Error(`${kernel}: x must be float32 [b, l+k−1, e] and weight [e, k], got ${JSON.stringify(x.shape)} and ${JSON.stringify(weight.shape)}`);
  }
  return { b, l: lp - k + 1, e, k };
}

export function nativeConvSiluKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { x, weight, bias } = inputs as Record<"x" | "weight" | "bias", TensorInfo>;
    const { b, l, e, k } = convShapes("MeteorConvSilu", x, weight);
    if (bias.shape.length !== 1 || bias.shape[0] !== e) throw new Error(`MeteorConvSilu: bias must be [${e}], got ${JSON.stringify(bias.shape)}`);
    const y = allocOutput(backend, [b, l, e]); // [b, l, e]
    const pre = allocOutput(backend, [b, l, e]); // [b, l, e]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.convSiluForward(v(x), v(weight), v(bias), v(y), v(pre), b, l, e, k);
    return [y, pre];
  };
}

export function nativeConvSiluGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, weight, pre } = inputs as Record<"dy" | "x" | "weight" | "pre", TensorInfo>;
    const { b, l, e, k } = convShapes("MeteorConvSiluGrad", x, weight);
    sameFloat32("MeteorConvSiluGrad", dy, pre);
    const dx = allocOutput(backend, [...x.shape]); // [b, l+k−1, e]
    const dw = allocOutput(backend, [e, k]); // [e, k]
    const db = allocOutput(backend, [e]); // [e]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.convSiluBackward(v(dy), v(x), v(weight), v(pre), v(dx), v(dw), v(db), b, l, e, k);
    return [dx, dw, db];
  };
}

/** rows, l, hd of a rotary call on x [..., l, hd] with tables [l, hd], checked. */
function ropeShapes(kernel: string, x: TensorInfo, cos: TensorInfo, sin: TensorInfo): { rows: number; l: number; hd: number } {
  const r = x.shape.length;
  const [l, hd] = [x.shape[r - 2]!, x.shape[r - 1]!];
  const table = (t: TensorInfo) => t.shape.length === 2 && t.shape[0] === l && t.shape[1] === hd && t.dtype === "float32";
  if (r < 2 || x.dtype !== "float32" || hd % 2 !== 0 || !table(cos) || !table(sin)) {
    throw new Error(`${kernel}: x must be float32 [..., l, hd] with hd even and cos, sin [l, hd], got ${JSON.stringify(x.shape)}, ${JSON.stringify(cos.shape)}, ${JSON.stringify(sin.shape)}`);
  }
  return { rows: sizeOf(x) / hd, l, hd };
}

export function nativeRopeKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { x, cos, sin } = inputs as Record<"x" | "cos" | "sin", TensorInfo>;
    const { rows, l, hd } = ropeShapes("MeteorRope", x, cos, sin);
    const y = allocOutput(backend, [...x.shape]); // [..., l, hd]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.ropeForward(v(x), v(cos), v(sin), v(y), rows, l, hd);
    return y;
  };
}

export function nativeRopeGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, cos, sin } = inputs as Record<"dy" | "cos" | "sin", TensorInfo>;
    const { rows, l, hd } = ropeShapes("MeteorRopeGrad", dy, cos, sin);
    const dx = allocOutput(backend, [...dy.shape]); // [..., l, hd]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.ropeBackward(v(dy), v(cos), v(sin), v(dx), rows, l, hd);
    return dx;
  };
}
