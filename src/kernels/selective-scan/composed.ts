/**
 * Selective scan from standard tfjs ops only, so every backend (tensorflow, webgl, webgpu,
 * wasm, cpu) runs it and autodiff gives its gradients.
 *
 * The recurrence h_t = a_t ⊙ h_{t−1} + x_t with a_t = e^{Δ_t A} and x_t = Δ_t B_t u_t is a
 * scan under the associative operator (a₁, x₁) ∘ (a₂, x₂) = (a₁a₂, a₂x₁ + x₂). It is
 * evaluated by log-step doubling (Hillis & Steele, "Data parallel algorithms", CACM 1986;
 * the WebGPU cumsum of tfjs uses the same passes): ⌈log₂ l⌉ passes, pass s combining each
 * step with the one 2ˢ before it. Only products of decays a ∈ (0, 1] are formed, never
 * e^{+cumsum(ΔA)}, so it stays finite for any l (a decay may underflow to 0, which is its
 * true value in float32). Cost O(b·l·d·n·log l) and, under autodiff, as much memory: the
 * fallback, not the fast path.
 *
 * Divergence from the official code: state-spaces/mamba's `selective_scan_ref` loops over l;
 * a loop of l tfjs ops would be l kernel launches and an l-deep tape.
 *
 * Padding (lengths): steps t ≥ len get a = 1, x = 0, so the state is carried and the last
 * step's state is h at len − 1; their outputs are zeroed.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D } from "@tensorflow/tfjs-core";
import type { SelectiveScanInputs, SelectiveScanResult } from "./declaration.ts";
import { registerComposedScanGradients } from "./composed-gradients.ts";

export interface ComposedScanArgs extends SelectiveScanInputs<Tensor> {
  /** Apply softplus to delta + deltaBias. */
  deltaSoftplus: boolean;
  /** Also return the state after each row's last valid step. */
  returnLastState: boolean;
}

/**
 * Inclusive scan of h_t = a_t ⊙ h_{t−1} + x_t along axis 1, from h_{−1} = 0.
 * Returns h and, when `wantDecay`, the running product of a (the decay applied to h_{−1}).
 */
export function linearRecurrenceScan(a: Tensor4D, x: Tensor4D, wantDecay: boolean): { h: Tensor4D; decay?: Tensor4D } {
  const [b, l, d, n] = a.shape;
  const head = (t: Tensor4D, s: number) => tf.slice(t, [0, 0, 0, 0], [b, s, d, n]); // [b, s, d, n]
  const tail = (t: Tensor4D, s: number) => tf.slice(t, [0, s, 0, 0], [b, l - s, d, n]); // [b, l − s, d, n]
  let decay = a; // [b, l, d, n]: product of a over the steps combined so far
  let h = x; // [b, l, d, n]
  for (let s = 1; s < l; s *= 2) {
    const aTail = tail(decay, s); // [b, l − s, d, n]
    const hNext = tf.concat([head(h, s), tf.add<Tensor4D>(tf.mul(aTail, head(h, l - s)), tail(h, s))], 1); // [b, l, d, n]
    if (wantDecay || 2 * s < l) decay = tf.concat([head(decay, s), tf.mul<Tensor4D>(aTail, head(decay, l - s))], 1); // [b, l, d, n]
    h = hNext;
  }
  return wantDecay ? { h, decay } : { h };
}

/** The scan with standard ops. Optional inputs are absent when undefined. */
export function selectiveScanComposed(args: ComposedScanArgs): SelectiveScanResult<Tensor> {
  registerComposedScanGradients();
  return tf.tidy(() => {
    const u = args.u as Tensor3D; // [b, l, d]
    const [b, l, d] = u.shape;
    const n = args.A.shape[1]!;
    let dt = args.delta as Tensor3D; // [b, l, d]
    if (args.deltaBias) dt = tf.add(dt, args.deltaBias as Tensor1D); // [b, l, d]
    if (args.deltaSoftplus) dt = tf.softplus(dt); // [b, l, d]
    const dt4 = tf.reshape(dt, [b, l, d, 1]); // [b, l, d, 1]
    let a = tf.exp(tf.mul(dt4, args.A as Tensor2D)) as Tensor4D; // [b, l, d, n]
    let x = tf.mul(tf.reshape(tf.mul(dt, u), [b, l, d, 1]), tf.reshape(args.B, [b, l, 1, n])) as Tensor4D; // [b, l, d, n]

    let mask: Tensor | undefined; // [b, l, 1]: 1 at valid steps
    if (args.lengths) {
      const steps = tf.range(0, l, 1, "int32"); // [l]
      mask = tf.cast(tf.less(tf.reshape(steps, [1, l]), tf.reshape(args.lengths, [b, 1])), "float32"); // [b, l]
      const m4 = tf.reshape(mask, [b, l, 1, 1]); // [b, l, 1, 1]
      a = tf.add(tf.mul(a, m4), tf.sub(1, m4)) as Tensor4D; // [b, l, d, n]
      x = tf.mul(x, m4) as Tensor4D; // [b, l, d, n]
      mask = tf.reshape(mask, [b, l, 1]);
    }

    const scanned = linearRecurrenceScan(a, x, args.h0 !== undefined);
    let h = scanned.h; // [b, l, d, n]
    if (args.h0) h = tf.add(h, tf.mul(scanned.decay!, tf.reshape(args.h0, [b, 1, d, n]))) as Tensor4D; // [b, l, d, n]

    let y = tf.sum(tf.mul(h, tf.reshape(args.C, [b, l, 1, n])), 3) as Tensor3D; // [b, l, d]
    y = tf.add(y, tf.mul(u, args.D)); // [b, l, d]
    if (args.z) y = tf.mul(y, tf.mul(args.z, tf.sigmoid(args.z))); // [b, l, d]
    if (mask) y = tf.mul(y, mask); // [b, l, d]

    if (!args.returnLastState) return { y };
    const lastState = tf.reshape(tf.slice(h, [0, l - 1, 0, 0], [b, 1, d, n]), [b, d, n]); // [b, d, n]
    return { y, lastState };
  });
}
