/**
 * Selective scan, plain reference over typed arrays: forward and backward, float64
 * throughout. Never optimised: it is the yardstick every fast version is tested against.
 *
 * Mirrors `selective_scan` of johnma2006/mamba-minimal (`model.py`, the sequential loop over
 * l) and `selective_scan_ref` of state-spaces/mamba (`mamba_ssm/ops/selective_scan_interface.py`),
 * with the optional gate z, Δ bias and softplus, initial state h0 and per-row lengths of
 * `declaration.ts`. The backward is the reverse recurrence written out by hand, with every
 * state h_t stored ([b, l, d, n]).
 *
 * Letters: b batch, l length, d channels, n state size (see `declaration.ts`).
 */
import type { SelectiveScanInputs } from "./declaration.ts";

/** Sizes of one scan problem. */
export interface ScanDims {
  /** Batch rows. Example: 2. */
  b: number;
  /** Sequence length. Example: 37. */
  l: number;
  /** Channels (dInner). Example: 1536. */
  d: number;
  /** State size per channel (dState). Example: 16. */
  n: number;
}

/** The scan's inputs as flat arrays (row-major, shapes as in `declaration.ts`). */
export type ScanArrays = SelectiveScanInputs<ArrayLike<number>>;

/** Everything the reference needs: arrays, sizes, and whether Δ goes through softplus. */
export interface ReferenceScanArgs extends ScanArrays {
  dims: ScanDims;
  deltaSoftplus: boolean;
}

/** Forward result: y [b, l, d] and the last state [b, d, n]. */
export interface ScanOutputs<T> {
  y: T;
  lastState: T;
}

/** Gradients of every float input; optional ones are present exactly when the input was. */
export interface ScanGrads<T> {
  /** [b, l, d] */ u: T;
  /** [b, l, d] */ delta: T;
  /** [d, n] */ A: T;
  /** [b, l, n] */ B: T;
  /** [b, l, n] */ C: T;
  /** [d] */ D: T;
  /** [b, l, d] */ z?: T;
  /** [d] */ deltaBias?: T;
  /** [b, d, n] */ h0?: T;
}

/** Upstream gradients: of y [b, l, d] and, optionally, of the last state [b, d, n]. */
export interface ReferenceBackwardArgs extends ReferenceScanArgs {
  dy: ArrayLike<number>;
  dLastState?: ArrayLike<number>;
}

/** softplus(x) = log(1 + eˣ), linear above 20 as torch's `F.softplus`. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Valid length of row i: lengths[i] clamped to [0, l], or l when no lengths are given. */
export function rowLength(lengths: ArrayLike<number> | undefined, i: number, l: number): number {
  if (!lengths || lengths.length === 0) return l;
  return Math.max(0, Math.min(l, Math.trunc(lengths[i]!)));
}

/** An optional input counts as given when present and non-empty. */
export function given(x: ArrayLike<number> | undefined): x is ArrayLike<number> {
  return x !== undefined && x.length > 0;
}

/** Δ for one (row, step, channel), after bias and (optionally) softplus. */
function deltaAt(args: ReferenceScanArgs, idx: number, c: number): number {
  const raw = args.delta[idx]! + (given(args.deltaBias) ? args.deltaBias[c]! : 0);
  return args.deltaSoftplus ? softplus(raw) : raw;
}

/** All states: hs[i, t+1, c, j] = h_t (hs[i, 0] = h_{−1}), shape [b, l + 1, d, n]. */
function allStates(args: ReferenceScanArgs): Float64Array {
  const { b, l, d, n } = args.dims;
  const { u, A, B } = args;
  const hs = new Float64Array(b * (l + 1) * d * n); // [b, l + 1, d, n]
  for (let i = 0; i < b; i++) {
    const len = rowLength(args.lengths, i, l);
    for (let c = 0; c < d; c++) {
      for (let j = 0; j < n; j++) {
        hs[((i * (l + 1)) * d + c) * n + j] = given(args.h0) ? args.h0[(i * d + c) * n + j]! : 0;
      }
    }
    for (let t = 0; t < l; t++) {
      for (let c = 0; c < d; c++) {
        const x = (i * l + t) * d + c;
        const dt = deltaAt(args, x, c);
        for (let j = 0; j < n; j++) {
          const prev = hs[((i * (l + 1) + t) * d + c) * n + j]!;
          const next =
            t < len ? Math.exp(dt * A[c * n + j]!) * prev + dt * B[(i * l + t) * n + j]! * u[x]! : prev;
          hs[((i * (l + 1) + t + 1) * d + c) * n + j] = next;
        }
      }
    }
  }
  return hs;
}

/** Forward: y [b, l, d] (0 at padded steps) and lastState [b, d, n] (= h at the last valid step). */
export function selectiveScanReference(args: ReferenceScanArgs): ScanOutputs<Float64Array> {
  const { b, l, d, n } = args.dims;
  const { u, C, D, z } = args;
  const hs = allStates(args); // [b, l + 1, d, n]
  const y = new Float64Array(b * l * d); // [b, l, d]
  const lastState = new Float64Array(b * d * n); // [b, d, n]
  for (let i = 0; i < b; i++) {
    const len = rowLength(args.lengths, i, l);
    for (let t = 0; t < len; t++) {
      for (let c = 0; c < d; c++) {
        const x = (i * l + t) * d + c;
        let acc = D[c]! * u[x]!;
        for (let j = 0; j < n; j++) acc += hs[((i * (l + 1) + t + 1) * d + c) * n + j]! * C[(i * l + t) * n + j]!;
        y[x] = given(z) ? acc * z[x]! * sigmoid(z[x]!) : acc;
      }
    }
    lastState.set(hs.subarray((i * (l + 1) + l) * d * n, (i * (l + 1) + l + 1) * d * n), i * d * n);
  }
  return { y, lastState };
}

/**
 * Backward by the reverse recurrence. With g = ∂L/∂h_t (carried from t + 1, plus the
 * output's share), for each valid step t going down:
 *   gy = dy · silu(z)                  dz = dy · y_t · silu′(z)
 *   g += gy · C_t                      dC_t += gy · h_t        dD += gy · u_t      du_t = gy · D
 *   ∂Δ = Σ g · (A · e^{ΔA} · h_{t−1} + B_t · u_t)              dA += g · Δ · e^{ΔA} · h_{t−1}
 *   dB_t += g · Δ · u_t                du_t += Δ · Σ g · B_t
 *   g ← g · e^{ΔA}                     (∂L/∂h_{t−1})
 *   ddelta_t = ∂Δ · σ(delta + bias) (softplus) or ∂Δ;  dDeltaBias += ddelta_t
 * and dh0 is g after step 0. Padded steps contribute nothing.
 */
export function selectiveScanReferenceBackward(args: ReferenceBackwardArgs): ScanGrads<Float64Array> {
  const { b, l, d, n } = args.dims;
  const { u, delta, A, B, C, D, z, dy, dLastState } = args;
  const hs = allStates(args); // [b, l + 1, d, n]
  const gu = new Float64Array(b * l * d); // [b, l, d]
  const gdelta = new Float64Array(b * l * d); // [b, l, d]
  const gA = new Float64Array(d * n); // [d, n]
  const gB = new Float64Array(b * l * n); // [b, l, n]
  const gC = new Float64Array(b * l * n); // [b, l, n]
  const gD = new Float64Array(d); // [d]
  const gz = new Float64Array(given(z) ? b * l * d : 0); // [b, l, d]
  const gBias = new Float64Array(given(args.deltaBias) ? d : 0); // [d]
  const gh0 = new Float64Array(given(args.h0) ? b * d * n : 0); // [b, d, n]
  const g = new Float64Array(n); // ∂L/∂h for one channel

  for (let i = 0; i < b; i++) {
    const len = rowLength(args.lengths, i, l);
    for (let c = 0; c < d; c++) {
      for (let j = 0; j < n; j++) g[j] = given(dLastState) ? dLastState[(i * d + c) * n + j]! : 0;
      for (let t = len - 1; t >= 0; t--) {
        const x = (i * l + t) * d + c;
        const hNow = ((i * (l + 1) + t + 1) * d + c) * n;
        const hPrev = ((i * (l + 1) + t) * d + c) * n;
        const bt = (i * l + t) * n;
        let gy = dy[x]!;
        if (given(z)) {
          let yt = D[c]! * u[x]!;
          for (let j = 0; j < n; j++) yt += hs[hNow + j]! * C[bt + j]!;
          const s = sigmoid(z[x]!);
          gz[x] = dy[x]! * yt * s * (1 + z[x]! * (1 - s));
          gy = dy[x]! * z[x]! * s;
        }
        const dt = deltaAt(args, x, c);
        gD[c] += gy * u[x]!;
        let du = gy * D[c]!;
        let ddt = 0;
        for (let j = 0; j < n; j++) {
          g[j] += gy * C[bt + j]!;
          gC[bt + j] += gy * hs[hNow + j]!;
          const e = Math.exp(dt * A[c * n + j]!);
          const hp = hs[hPrev + j]!;
          ddt += g[j]! * (A[c * n + j]! * e * hp + B[bt + j]! * u[x]!);
          gA[c * n + j] += g[j]! * dt * e * hp;
          gB[bt + j] += g[j]! * dt * u[x]!;
          du += g[j]! * dt * B[bt + j]!;
          g[j] = g[j]! * e;
        }
        gu[x] = du;
        if (args.deltaSoftplus) {
          const raw = delta[x]! + (given(args.deltaBias) ? args.deltaBias[c]! : 0);
          gdelta[x] = raw > 20 ? ddt : ddt * sigmoid(raw);
        } else {
          gdelta[x] = ddt;
        }
        if (given(args.deltaBias)) gBias[c] += gdelta[x]!;
      }
      if (given(args.h0)) for (let j = 0; j < n; j++) gh0[(i * d + c) * n + j] = g[j]!;
    }
  }
  const grads: ScanGrads<Float64Array> = { u: gu, delta: gdelta, A: gA, B: gB, C: gC, D: gD };
  if (given(z)) grads.z = gz;
  if (given(args.deltaBias)) grads.deltaBias = gBias;
  if (given(args.h0)) grads.h0 = gh0;
  return grads;
}
