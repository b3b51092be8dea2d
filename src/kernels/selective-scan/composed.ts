/**
 * Selective scan from standard tfjs ops only, so every backend (tensorflow, webgl, webgpu,
 * wasm, cpu) runs it and autodiff gives its gradients.
 *
 * Discretise (mamba-minimal's `selective_scan`): a = e^{Δ ⊗ A}, x = (Δ·u) ⊗ B, both
 * [l, b, d, n] (time-major, see `linear-scan.ts`); scan h_t = a_t ⊙ h_{t−1} + x_t with the
 * work-efficient odd–even scan; y = ⟨h, C⟩ + D·u, gated by silu(z). Only products of decays
 * a ∈ (0, 1] are formed, never e^{+cumsum(ΔA)}, so it stays finite for any l (a decay may
 * underflow to 0, its true float32 value). Gradients by autodiff, except through the scan
 * itself, whose gradient is its adjoint (the same scan run backwards, `linearRecurrence`):
 * forward + backward then peaks near 24 float32 copies of [b, l, d, n] (~95 bytes per
 * state element), against ~90 copies with autodiff through the scan's levels. The fallback,
 * not the fast path: O(b·l·d·n) memory where the fused kernel keeps b·d·n·l/chunk.
 *
 * Divergence from the official code: state-spaces/mamba's `selective_scan_ref` loops over l;
 * a loop of l tfjs ops would be l kernel launches and an l-deep tape.
 *
 * h0 is folded into the first step (x_0 += a_0 ⊙ h0). Padding (lengths): steps t ≥ len get
 * a = 1, x = 0, so the state is carried and the last step's state is h at len − 1; their
 * outputs are zeroed.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor, Tensor2D, Tensor3D, Tensor4D } from "@tensorflow/tfjs-core";
import type { SelectiveScanInputs, SelectiveScanResult } from "./declaration.ts";
import { registerComposedScanGradients } from "./composed-gradients.ts";
import { linearRecurrence } from "./linear-scan.ts";

export interface ComposedScanArgs extends SelectiveScanInputs<Tensor> {
  /** Apply softplus to delta + deltaBias. */
  deltaSoftplus: boolean;
  /** Also return the state after each row's last valid step. */
  returnLastState: boolean;
}

/** The scan with standard ops. Optional inputs are absent when undefined. */
export function selectiveScanComposed(args: ComposedScanArgs): SelectiveScanResult<Tensor> {
  registerComposedScanGradients();
  return tf.tidy(() => {
    const [b, l, d] = args.u.shape as [number, number, number];
    const n = args.A.shape[1]!;
    const timeMajor = (t: Tensor) => tf.transpose(t, [1, 0, 2]) as Tensor3D; // [b, l, k] → [l, b, k]
    const u = timeMajor(args.u); // [l, b, d]
    let dt = timeMajor(args.delta); // [l, b, d]
    if (args.deltaBias) dt = tf.add(dt, args.deltaBias); // [l, b, d]
    if (args.deltaSoftplus) dt = tf.softplus(dt); // [l, b, d]
    // Nested tidies free each [l, b, d, n] temporary as soon as its result exists.
    let a = tf.tidy(() => tf.exp(tf.mul(tf.reshape(dt, [l, b, d, 1]), args.A))) as Tensor4D; // [l, b, d, n]
    let x = tf.tidy(() => tf.mul(tf.reshape(tf.mul(dt, u), [l, b, d, 1]), tf.reshape(timeMajor(args.B), [l, b, 1, n]))) as Tensor4D; // [l, b, d, n]

    let mask: Tensor | undefined; // [l, b, 1]: 1 at valid steps
    if (args.lengths) {
      const steps = tf.range(0, l, 1, "int32"); // [l]
      mask = tf.cast(tf.less(tf.reshape(steps, [l, 1]), tf.reshape(args.lengths, [1, b])), "float32"); // [l, b]
      const m4 = tf.reshape(mask, [l, b, 1, 1]); // [l, b, 1, 1]
      const aIn = a;
      a = tf.tidy(() => tf.add(tf.mul(aIn, m4), tf.sub(1, m4))) as Tensor4D; // [l, b, d, n]
      x = tf.mul(x, m4) as Tensor4D; // [l, b, d, n]
      mask = tf.reshape(mask, [l, b, 1]);
    }

    const R = b * d * n;
    let x2 = tf.reshape(x, [l, R]) as Tensor2D; // [l, b·d·n]
    if (args.h0) {
      const first = tf.add(tf.slice(x2, [0, 0], [1, R]), tf.mul(tf.slice(tf.reshape(a, [l, R]), [0, 0], [1, R]), tf.reshape(args.h0, [1, R]))); // [1, R]
      x2 = (l === 1 ? first : tf.concat([first, tf.slice(x2, [1, 0], [l - 1, R])], 0)) as Tensor2D; // [l, R]
    }
    const h = tf.reshape(linearRecurrence(tf.reshape(a, [l, R]), x2), [l, b, d, n]) as Tensor4D; // [l, b, d, n]

    let y = tf.tidy(() => tf.sum(tf.mul(h, tf.reshape(timeMajor(args.C), [l, b, 1, n])), 3)) as Tensor3D; // [l, b, d]
    y = tf.add(y, tf.mul(u, args.D)); // [l, b, d]
    if (args.z) {
      const z = timeMajor(args.z); // [l, b, d]
      y = tf.mul(y, tf.mul(z, tf.sigmoid(z))); // [l, b, d]
    }
    if (mask) y = tf.mul(y, mask); // [l, b, d]
    const yOut = timeMajor(y); // [b, l, d]

    if (!args.returnLastState) return { y: yOut };
    const lastState = tf.reshape(tf.slice(h, [l - 1, 0, 0, 0], [1, b, d, n]), [b, d, n]); // [b, d, n]
    return { y: yOut, lastState };
  });
}
