/**
 * The Mamba mixer (Gu & Dao 2023, Algorithm 2; `Mamba.forward` in state-spaces/mamba
 * `mamba_ssm/modules/mamba_simple.py`, HF `MambaMixer.slow_forward`):
 *
 *   in_proj → (x, z) → causal depthwise conv1d → SiLU → x_proj → (Δ, B, C)
 *   → dt_proj (+ bias, softplus inside the scan) → selective scan with D skip, gated by SiLU(z)
 *   → out_proj
 *
 * One function serves the whole-sequence forward and the recurrent step: given a cache
 * (conv state = the last dConv−1 conv inputs, ssm state h), the conv is run over
 * [state ‖ x] and the scan starts from h, so a step is just a forward with l = 1 and the
 * outputs equal full recomputation. Divergence from the official code: no separate
 * `step()` path with its own arithmetic (the official one fuses it with einsums); ours
 * reuses the same kernels, which is what makes "step = forward" testable bit for bit.
 */
import * as tf from "../tf.ts";
import { selectiveScan } from "../../kernels/selective-scan/index.ts";
import type { ScanImpl } from "../../kernels/selective-scan/declaration.ts";
import { linear } from "../nn/linear.ts";
import { causalConvSilu } from "./conv.ts";
import type { MambaConfig } from "./config.ts";
import type { MambaParams } from "./params.ts";

/** Recurrent state of one mixer. */
export interface MixerState {
  /** [b, dConv − 1, dInner]: the last dConv − 1 inputs of the conv (pre-activation). */
  conv: tf.Tensor3D;
  /** [b, dInner, dState]: the SSM state h. */
  ssm: tf.Tensor3D;
}

export interface MixerOptions {
  /** State to continue from; zeros when absent. */
  state?: MixerState;
  /** Return the state after the last valid token of each row. */
  returnState?: boolean;
  /** [b] int32: valid length of each right-padded row. */
  lengths?: tf.Tensor1D;
  /** Scan implementation (default "auto"). */
  scanImpl?: ScanImpl;
}

/** Zero state for a batch of `b` rows. */
export function zeroMixerState(cfg: MambaConfig, b: number): MixerState {
  return {
    conv: tf.zeros([b, cfg.dConv - 1, cfg.dInner]), // [b, k-1, e]
    ssm: tf.zeros([b, cfg.dInner, cfg.dState]), // [b, e, n]
  };
}

/**
 * x: [b, l, dModel] (already normed) → { out: [b, l, dModel], state? }.
 * `prefix` is the mixer's parameter prefix, e.g. "backbone.layers.3.mixer".
 */
export function mixerForward(
  params: MambaParams,
  prefix: string,
  cfg: MambaConfig,
  x: tf.Tensor3D,
  opts: MixerOptions = {},
): { out: tf.Tensor3D; state?: MixerState } {
  const p = (name: string) => params[`${prefix}.${name}`];
  const w = (name: string) => {
    const t = p(name);
    if (!t) throw new Error(`missing parameter ${prefix}.${name}`);
    return t;
  };
  const [b, l] = x.shape;
  const { dInner: E, dState: N, dConv: K, dtRank: R } = cfg;
  let newState: MixerState | undefined;
  const out = tf.tidy(() => {
    const xz = linear(x, w("in_proj.weight"), p("in_proj.bias")); // [b, l, 2e]
    const [xin, z] = tf.split(xz, 2, -1) as [tf.Tensor3D, tf.Tensor3D]; // [b, l, e] each

    // causal depthwise conv1d over [state ‖ x]
    const convState = opts.state?.conv ?? tf.zeros([b, K - 1, E]); // [b, k-1, e]
    const xpad = tf.concat([convState, xin], 1); // [b, l+k-1, e]
    const u = causalConvSilu(xpad, w("conv1d.weight"), p("conv1d.bias")); // [b, l, e]

    const xdbl = linear(u, w("x_proj.weight")); // [b, l, r+2n]
    const [dtIn, B, C] = tf.split(xdbl, [R, N, N], -1) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D]; // [b,l,r] [b,l,n] [b,l,n]
    const delta = linear(dtIn, w("dt_proj.weight")) as tf.Tensor3D; // [b, l, e] (bias applied in the scan)
    const A = tf.neg(tf.exp(w("A_log"))); // [e, n]

    const scan = selectiveScan({
      u,
      delta,
      A,
      B,
      C,
      D: w("D"),
      z,
      deltaBias: w("dt_proj.bias"),
      deltaSoftplus: true,
      ...(opts.state ? { h0: opts.state.ssm } : {}),
      ...(opts.lengths ? { lengths: opts.lengths } : {}),
      returnLastState: opts.returnState ?? false,
      impl: opts.scanImpl ?? "auto",
    });
    if (opts.returnState) {
      newState = {
        conv: tf.keep(lastConvInputs(xpad, K, l, opts.lengths)),
        ssm: tf.keep(scan.lastState as tf.Tensor3D),
      };
    }
    return linear(scan.y, w("out_proj.weight"), p("out_proj.bias")) as tf.Tensor3D; // [b, l, d]
  });
  return newState ? { out, state: newState } : { out };
}

/**
 * The conv state after each row's last valid token: rows [len, len + k − 1) of the padded
 * input (where [state ‖ x] is indexed so that x_t sits at t + k − 1).
 * xpad: [b, l+k-1, e] → [b, k-1, e]
 */
function lastConvInputs(xpad: tf.Tensor3D, K: number, l: number, lengths?: tf.Tensor1D): tf.Tensor3D {
  const [b, , E] = xpad.shape;
  if (K === 1) return tf.zeros([b, 0, E]);
  if (!lengths) return xpad.slice([0, l, 0], [b, K - 1, E]); // [b, k-1, e]
  // Flat row indices i·(l+k−1) + len_i + j (a plain gather: wasm's batched gather misbehaves).
  const rowsPerBatch = l + K - 1;
  const starts = lengths.add(tf.range(0, b, 1, "int32").mul(rowsPerBatch)).reshape([b, 1]); // [b, 1]
  const idx = starts.add(tf.range(0, K - 1, 1, "int32").reshape([1, K - 1])).reshape([b * (K - 1)]); // [b·(k-1)]
  return tf.gather(xpad.reshape([b * rowsPerBatch, E]), idx.cast("int32")).reshape([b, K - 1, E]) as tf.Tensor3D; // [b, k-1, e]
}
