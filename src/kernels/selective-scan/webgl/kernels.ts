/**
 * `SelectiveScan` and `SelectiveScanGrad` for `webgl` (`forward-programs.ts`,
 * `backward-programs.ts`). Outputs as the CPU kernels (`../kernel-cpu.ts`,
 * `../grad-kernel-cpu.ts`), except the forward's third output: every state, [b, l, d, n],
 * in place of the chunk checkpoints, which the registered gradient saves for the backward
 * as it saves the checkpoints elsewhere (the log-step backward needs every h_t anyway).
 * Outside a gradient tape (inference, generation) nothing will read them, so the third output
 * is then empty ([0]) and y and lastState are read straight from the scanned pairs.
 */
import { engine, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs-core";
import type { MathBackendWebGL } from "@tensorflow/tfjs-backend-webgl";
import { SelectiveScan, SelectiveScanGrad, type SelectiveScanAttrs } from "../declaration.ts";
import { SCAN_GRAD_ORDER } from "../grad-kernel-cpu.ts";
import { optionalInput } from "../kernel-io.ts";
import {
  channelSumProgram,
  dAProgram,
  dBProgram,
  dCProgram,
  ddeltaProgram,
  dh0Program,
  duProgram,
  dzProgram,
  gradPairsProgram,
  gyProgram,
} from "./backward-programs.ts";
import { lastStateProgram, outputProgram, pairsProgram, passProgram, statesProgram } from "./forward-programs.ts";
import { disposeAll, runGlsl, type GlslScan, type GlslSpec } from "./program.ts";

function scanOf(inputs: NamedTensorInfoMap, attrs: SelectiveScanAttrs, kernel: string): GlslScan {
  const u = inputs["u"];
  const A = inputs["A"];
  if (!u || !A || u.shape.length !== 3 || A.shape.length !== 2) throw new Error(`${kernel}: u must be [b, l, d] and A [d, n]`);
  const [b, l, d] = u.shape as [number, number, number];
  return {
    b,
    l,
    d,
    n: A.shape[1]!,
    deltaSoftplus: attrs.deltaSoftplus,
    hasBias: optionalInput(inputs, "deltaBias") !== undefined,
    hasLengths: optionalInput(inputs, "lengths") !== undefined,
  };
}

/** The call's tensors by the names the programs use (absent optional inputs left out). */
function named(inputs: NamedTensorInfoMap): Record<string, TensorInfo | undefined> {
  return {
    ...inputs,
    z: optionalInput(inputs, "z"),
    bias: optionalInput(inputs, "deltaBias"),
    h0: optionalInput(inputs, "h0"),
    lengths: optionalInput(inputs, "lengths"),
    dy: optionalInput(inputs, "dy"),
    dLast: optionalInput(inputs, "dLastState"),
  };
}

/** pairs, then the log-step passes; returns the scanned pairs (the caller disposes). */
function scanPairs(gl: MathBackendWebGL, s: GlslScan, first: GlslSpec, t: Record<string, TensorInfo | undefined>, reverse: boolean): TensorInfo {
  let pairs = runGlsl(gl, first, t); // [2b, l, d, n]
  for (let hop = 1; hop < s.l; hop *= 2) {
    const next = runGlsl(gl, passProgram(s, hop, reverse), { pairs });
    disposeAll(gl, [pairs]);
    pairs = next;
  }
  return pairs;
}

export const selectiveScanWebGLKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const gl = backend as MathBackendWebGL;
  const s = scanOf(inputs, attrs as unknown as SelectiveScanAttrs, SelectiveScan);
  const t = named(inputs);
  const pairs = scanPairs(gl, s, pairsProgram(s, t["h0"] !== undefined), t, false); // [2b, l, d, n]
  try {
    const y = runGlsl(gl, outputProgram(s, t["z"] !== undefined), { ...t, pairs }); // [b, l, d]
    const lastState = runGlsl(gl, lastStateProgram(s), { pairs }); // [b, d, n]
    // Whether a gradient tape records this call (tfjs's isTapeOn() reads false inside a kernel).
    const recording = engine().state.gradientDepth > 0;
    const states = recording ? runGlsl(gl, statesProgram(s), { pairs }) : gl.makeTensorInfo([0], "float32", new Float32Array(0)); // [b, l, d, n] or [0]
    return [y, lastState, states];
  } finally {
    disposeAll(gl, [pairs]);
  }
};

export const selectiveScanGradWebGLKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const gl = backend as MathBackendWebGL;
  const s = scanOf(inputs, attrs as unknown as SelectiveScanAttrs, SelectiveScanGrad);
  const states = inputs["checkpoints"];
  if (!states || states.shape.length !== 4 || states.shape[1] !== s.l) {
    throw new Error(`${SelectiveScanGrad} (webgl): checkpoints must be the forward's states [b, l, d, n] = [${s.b}, ${s.l}, ${s.d}, ${s.n}]`);
  }
  const t: Record<string, TensorInfo | undefined> = { ...named(inputs), states };
  const has = (name: string) => t[name] !== undefined;
  const temps: TensorInfo[] = [];
  const run = (spec: GlslSpec, extra: Record<string, TensorInfo> = {}) => runGlsl(gl, spec, { ...t, ...extra });
  try {
    const gy = run(gyProgram(s, { hasZ: has("z"), hasDy: has("dy") })); // [b, l, d]
    temps.push(gy);
    const grads = scanPairs(gl, s, gradPairsProgram(s, has("dLast")), { ...t, gy }, true); // [2b, l, d, n]
    temps.push(grads);
    const ddelta = run(ddeltaProgram(s, has("h0")), { grads }); // [b, l, d]
    const empty = () => gl.makeTensorInfo([0], "float32", new Float32Array(0));
    const out: Record<(typeof SCAN_GRAD_ORDER)[number], TensorInfo> = {
      u: run(duProgram(s), { grads, gy }), // [b, l, d]
      delta: ddelta,
      A: run(dAProgram(s, has("h0")), { grads }), // [d, n]
      B: run(dBProgram(s), { grads }), // [b, l, n]
      C: run(dCProgram(s), { gy }), // [b, l, n]
      D: runGlsl(gl, channelSumProgram(s, true), { x: gy, y: t["u"] }), // [d]
      z: has("z") ? run(dzProgram(s, has("dy"))) : empty(), // [b, l, d]
      deltaBias: has("bias") ? runGlsl(gl, channelSumProgram(s, false), { x: ddelta }) : empty(), // [d]
      h0: has("h0") ? run(dh0Program(s), { grads }) : empty(), // [b, d, n]
    };
    return SCAN_GRAD_ORDER.map((name) => out[name]);
  } finally {
    disposeAll(gl, temps);
  }
};
