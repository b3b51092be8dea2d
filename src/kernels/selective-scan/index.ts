/**
 * The selective scan as the model calls it: one op over three implementations.
 *
 *   "fused"     — the fused kernels of `kernel-table.ts` (JS for cpu and wasm, WGSL for webgpu,
 *                 GLSL for webgl), with the backward kernel registered as the gradient;
 *   "chunked"   — the same kernels with the chunked schedule (webgpu: long l, few channels);
 *   "composed"  — standard tfjs ops (`composed.ts`), any backend, autodiff gradients;
 *   "reference" — `reference.ts` on the tensors' values (float64), wrapped as tensors; no gradient.
 *   "auto"      — fused where registered for the active backend, else composed.
 *
 * Shapes and dtypes are checked up front, with the offending input and the expected shape
 * named. Letters and semantics: see `declaration.ts`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap, NamedTensorMap, Tensor } from "@tensorflow/tfjs-core";
import { selectiveScanComposed } from "./composed.ts";
import {
  SelectiveScan,
  SelectiveScanGrad,
  type ScanImpl,
  type SelectiveScanAttrs,
  type SelectiveScanInputs,
  type SelectiveScanResult,
} from "./declaration.ts";
import { scanKernelRow } from "./kernel-table.ts";
import { selectiveScanReference } from "./reference.ts";

export * from "./declaration.ts";
export {
  selectiveScanReference,
  selectiveScanReferenceBackward,
  type ReferenceBackwardArgs,
  type ReferenceScanArgs,
  type ScanArrays,
  type ScanDims,
  type ScanGrads,
  type ScanOutputs,
} from "./reference.ts";
export { selectiveScanComposed, type ComposedScanArgs } from "./composed.ts";

export interface SelectiveScanArgs extends SelectiveScanInputs<Tensor> {
  /** Apply softplus to delta + deltaBias. Default true. */
  deltaSoftplus?: boolean;
  /** Steps between state checkpoints of the fused backward. Default 64. */
  chunkSize?: number;
  /** Also return the state after each row's last valid step. Default false. */
  returnLastState?: boolean;
  /** Implementation; "auto" (default) = fused where registered for `tf.getBackend()`, else composed. */
  impl?: ScanImpl;
}

/** The defaults, in one place. */
const DEFAULTS = { deltaSoftplus: true, chunkSize: 64, returnLastState: false, impl: "auto" } as const;
const IMPLS: readonly ScanImpl[] = ["auto", "fused", "chunked", "composed", "reference"];

/**
 * Whether the fused kernels (forward and backward) are registered for `backendName` (default:
 * the active backend) and, given `dState`, take a state that size (WGSL: n ≤ 256).
 */
export function fusedScanAvailable(backendName: string = tf.getBackend(), dState?: number): boolean {
  const registered = tf.getKernel(SelectiveScan, backendName) != null && tf.getKernel(SelectiveScanGrad, backendName) != null;
  const max = scanKernelRow(backendName)?.maxDState;
  return registered && (dState === undefined || max === undefined || dState <= max);
}

/** Whether the fused kernels of `backendName` also have the chunked schedule (impl "chunked"). */
export function chunkedScanAvailable(backendName: string = tf.getBackend(), dState?: number): boolean {
  return fusedScanAvailable(backendName, dState) && scanKernelRow(backendName)?.chunked === true;
}

function fail(message: string): never {
  throw new Error(`selectiveScan: ${message}`);
}

/** Checks `t`'s shape against `dims` (named by `letters`, e.g. "[b, l, n]") and its dtype. */
function expectShape(name: string, t: Tensor, letters: string, dims: number[], dtype: "float32" | "int32" = "float32"): void {
  const ok = t.shape.length === dims.length && t.shape.every((s, i) => s === dims[i]);
  if (!ok) fail(`${name} must be ${letters} = [${dims.join(", ")}], got [${t.shape.join(", ")}]`);
  if (t.dtype !== dtype) fail(`${name} must be ${dtype}, got ${t.dtype}`);
}

/** Validates the inputs; returns the sizes. */
function validate(args: SelectiveScanArgs): { b: number; l: number; d: number; n: number } {
  const { u, A } = args;
  if (!u || !args.delta || !A || !args.B || !args.C || !args.D) {
    const missing = (["u", "delta", "A", "B", "C", "D"] as const).filter((k) => !args[k]);
    fail(`missing input(s) ${missing.join(", ")}`);
  }
  if (u.rank !== 3) fail(`u must be [b, l, d] (rank 3), got [${u.shape.join(", ")}]`);
  const [b, l, d] = u.shape as [number, number, number];
  if (b < 1 || l < 1 || d < 1) fail(`u must have b, l, d ≥ 1, got [${u.shape.join(", ")}]`);
  if (A.rank !== 2 || A.shape[0] !== d) fail(`A must be [d, n] = [${d}, n], got [${A.shape.join(", ")}]`);
  const n = A.shape[1]!;
  if (n < 1) fail(`A must have n ≥ 1, got [${A.shape.join(", ")}]`);
  expectShape("u", u, "[b, l, d]", [b, l, d]);
  expectShape("delta", args.delta, "[b, l, d]", [b, l, d]);
  expectShape("A", A, "[d, n]", [d, n]);
  expectShape("B", args.B, "[b, l, n]", [b, l, n]);
  expectShape("C", args.C, "[b, l, n]", [b, l, n]);
  expectShape("D", args.D, "[d]", [d]);
  if (args.z) expectShape("z", args.z, "[b, l, d]", [b, l, d]);
  if (args.deltaBias) expectShape("deltaBias", args.deltaBias, "[d]", [d]);
  if (args.h0) expectShape("h0", args.h0, "[b, d, n]", [b, d, n]);
  if (args.lengths) expectShape("lengths", args.lengths, "[b]", [b], "int32");
  const chunkSize = args.chunkSize ?? DEFAULTS.chunkSize;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) fail(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (args.impl !== undefined && !IMPLS.includes(args.impl)) fail(`impl must be one of ${IMPLS.join(", ")}, got "${args.impl}"`);
  return { b, l, d, n };
}

/**
 * The selective scan (see `declaration.ts`): y [b, l, d] and, with `returnLastState`,
 * lastState [b, d, n]. Differentiable with every impl but "reference".
 */
export function selectiveScan(args: SelectiveScanArgs): SelectiveScanResult<Tensor> {
  const dims = validate(args);
  const deltaSoftplus = args.deltaSoftplus ?? DEFAULTS.deltaSoftplus;
  const chunkSize = args.chunkSize ?? DEFAULTS.chunkSize;
  const returnLastState = args.returnLastState ?? DEFAULTS.returnLastState;
  const requested = args.impl ?? DEFAULTS.impl;
  const backend = tf.getBackend();
  const impl = requested === "auto" ? (fusedScanAvailable(backend, dims.n) ? "fused" : "composed") : requested;
  const tooLarge = (what: string) =>
    fail(`impl "${what}" on backend "${backend}" takes dState ≤ ${scanKernelRow(backend)?.maxDState}, got ${dims.n}; use "auto" or "composed"`);

  if (impl === "fused") {
    if (!fusedScanAvailable(backend)) fail(`impl "fused" is not registered for backend "${backend}"; use "auto" or "composed"`);
    if (!fusedScanAvailable(backend, dims.n)) tooLarge("fused");
    return fusedScan(args, { deltaSoftplus, chunkSize, schedule: requested === "auto" ? "auto" : "sequential" }, returnLastState);
  }
  if (impl === "chunked") {
    if (!chunkedScanAvailable(backend)) fail(`impl "chunked" is not available for backend "${backend}"; use "auto" or "fused"`);
    if (!chunkedScanAvailable(backend, dims.n)) tooLarge("chunked");
    return fusedScan(args, { deltaSoftplus, chunkSize, schedule: "chunked" }, returnLastState);
  }
  if (impl === "composed") return selectiveScanComposed({ ...args, deltaSoftplus, returnLastState });
  return referenceScan(args, dims, deltaSoftplus, returnLastState);
}

/** Runs the registered kernel; absent optional inputs become empty placeholders (see `gradient.ts`). */
function fusedScan(args: SelectiveScanArgs, attrs: SelectiveScanAttrs, returnLastState: boolean): SelectiveScanResult<Tensor> {
  return tf.tidy(() => {
    const empty = (dtype: "float32" | "int32") => tf.tensor1d([], dtype); // [0]
    const inputs: NamedTensorMap = {
      u: args.u,
      delta: args.delta,
      A: args.A,
      B: args.B,
      C: args.C,
      D: args.D,
      z: args.z ?? empty("float32"),
      deltaBias: args.deltaBias ?? empty("float32"),
      h0: args.h0 ?? empty("float32"),
      lengths: args.lengths ?? empty("int32"),
    };
    const [y, lastState] = tf.engine().runKernel(SelectiveScan, inputs, attrs as unknown as NamedAttrMap) as Tensor[];
    return returnLastState ? { y: y!, lastState: lastState! } : { y: y! };
  });
}

/** The float64 reference on the tensors' values; the result is float32 tensors, outside any gradient. */
function referenceScan(
  args: SelectiveScanArgs,
  dims: { b: number; l: number; d: number; n: number },
  deltaSoftplus: boolean,
  returnLastState: boolean,
): SelectiveScanResult<Tensor> {
  const { b, l, d, n } = dims;
  const out = selectiveScanReference({
    u: args.u.dataSync(),
    delta: args.delta.dataSync(),
    A: args.A.dataSync(),
    B: args.B.dataSync(),
    C: args.C.dataSync(),
    D: args.D.dataSync(),
    z: args.z?.dataSync(),
    deltaBias: args.deltaBias?.dataSync(),
    h0: args.h0?.dataSync(),
    lengths: args.lengths?.dataSync(),
    dims,
    deltaSoftplus,
  });
  const y = tf.tensor3d(Float32Array.from(out.y), [b, l, d]); // [b, l, d]
  if (!returnLastState) return { y };
  return { y, lastState: tf.tensor3d(Float32Array.from(out.lastState), [b, d, n]) }; // [b, d, n]
}
