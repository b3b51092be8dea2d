/**
 * The selective scan, declared once (tfjs `kernel_names.ts` anatomy): its kernel name, its
 * inputs and its attributes. Every implementation (plain reference, fused CPU/wasm kernel,
 * composed tfjs ops, GPU programs) follows this contract.
 *
 * Glossary (mamba-minimal letters): b batch, l sequence length, d channels (= dInner),
 * n state size (= dState).
 *
 * Recurrence, per batch row i and channel c, for t = 0 … len_i − 1:
 *   Δ_t   = softplus(delta[i,t,c] + deltaBias[c])   (or delta + deltaBias when deltaSoftplus is false)
 *   h_t   = exp(Δ_t · A[c,:]) ⊙ h_{t−1} + Δ_t · B[i,t,:] · u[i,t,c]          h_{−1} = h0[i,c,:] or 0
 *   y_t   = ⟨h_t, C[i,t,:]⟩ + D[c] · u[i,t,c]
 *   out_t = y_t · silu(z[i,t,c])   when z is given, else y_t
 * For t ≥ len_i (right padding) out_t = 0 and the state is not updated, so the returned
 * last state is h_{len_i − 1}.
 *
 * Layout: channel-last ([b, l, d]), as mamba-minimal and as the model's dense layers produce
 * it, so no transposes surround the scan. The official CUDA kernel (`selective_scan_fn` in
 * state-spaces/mamba) takes channel-first [b, d, l] and B/C as [b, n, l]; the math is the same.
 */
import type { Tensor } from "@tensorflow/tfjs-core";

/** tfjs kernel name of the fused scan (forward); its gradient is registered under the same name. */
export const SelectiveScan = "MeteorSelectiveScan";
/** tfjs kernel name of the fused backward pass (used by the registered gradient). */
export const SelectiveScanGrad = "MeteorSelectiveScanGrad";

/**
 * Inputs, by the names the kernel receives them. An optional input may also be given as an
 * empty tensor (shape [0]), which means absent: the op passes those to the fused kernel so
 * that its registered gradient can save every input.
 */
export interface SelectiveScanInputs<T = Tensor> {
  /** [b, l, d] float32: the conv-and-SiLU'd input x. */
  u: T;
  /** [b, l, d] float32: Δ before bias and softplus (dt_proj output without its bias). */
  delta: T;
  /** [d, n] float32: A = −exp(A_log), negative real. */
  A: T;
  /** [b, l, n] float32: input matrix, selective (depends on the token). */
  B: T;
  /** [b, l, n] float32: output matrix, selective. */
  C: T;
  /** [d] float32: skip connection. */
  D: T;
  /** [b, l, d] float32, optional: gate; the output is multiplied by silu(z). */
  z?: T;
  /** [d] float32, optional: added to delta before the softplus (dt_proj.bias). */
  deltaBias?: T;
  /** [b, d, n] float32, optional: initial state h_{−1}; zeros when absent. */
  h0?: T;
  /** [b] int32, optional: valid length of each row (right padding); all l when absent. */
  lengths?: T;
}

/** Attributes. */
export interface SelectiveScanAttrs {
  /** Apply softplus to delta + deltaBias (the model always does). */
  deltaSoftplus: boolean;
  /**
   * Steps between stored state checkpoints in the fused forward; the backward recomputes
   * states inside each chunk from its checkpoint, so backward memory is
   * b·d·n·ceil(l/chunk) floats instead of b·l·d·n. Default 64.
   */
  chunkSize: number;
  /**
   * How a GPU kernel spreads the scan over invocations: "sequential" (one per row and
   * channel, walking all l steps), "chunked" (also across chunks of the sequence, joined by
   * a log-step scan; for long l with few channels), "auto" (the kernel picks from the shape;
   * the default). Kernels with one way of running (cpu, wasm, webgl) ignore it.
   */
  schedule?: ScanSchedule;
}

/** See `SelectiveScanAttrs.schedule`. */
export type ScanSchedule = "auto" | "sequential" | "chunked";

/** Outputs of a scan: `y` always; `lastState` ([b, d, n]) when asked for. */
export interface SelectiveScanResult<T = Tensor> {
  /** [b, l, d] */
  y: T;
  /** [b, d, n]: h at each row's last valid step. */
  lastState?: T;
}

/**
 * Which implementation runs; "auto" is the fused kernel where registered (schedule "auto"),
 * else composed. "fused" is the fused kernel with its sequential schedule, "chunked" the
 * fused kernel with its chunked schedule, where the backend has one (webgpu).
 */
export type ScanImpl = "auto" | "fused" | "chunked" | "composed" | "reference";
