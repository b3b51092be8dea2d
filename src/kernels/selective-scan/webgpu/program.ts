/**
 * A WGSL compute program in the shape `@tensorflow/tfjs-backend-webgpu` runs through
 * `backend.runWebGPUProgram(program, inputs, dtype, uniforms)` (see its `webgpu_program.js`
 * and `cum_webgpu.js`): tfjs declares one storage binding per input (`variableNames`, read
 * only), the output `result`, and a `uniforms` struct that holds each input's shape plus
 * the fields named in `uniforms`; the user code defines `fn main(index : i32)`, called once
 * per invocation with the flat invocation index (what tfjs's `main('index')` helper writes).
 *
 * Every scan program here is dispatched over a flat thread count of its own (not the output
 * size), with the count passed as the uniform `threads`. WebGPU guarantees 8 storage buffers
 * per shader stage and tfjs asks for no more, so a program takes at most 7 inputs.
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

/** At most this many inputs: 8 storage bindings per stage, one of them the output. */
export const MAX_INPUTS = 7;

/** An int32 uniform field of a program: its WGSL name and value. */
export type Uniforms = Record<string, number>;

export interface ScanProgramSpec {
  /** Cache key: everything the WGSL text depends on (compile-time sizes and flags). */
  key: string;
  /** Names of the input bindings, in the order the inputs are given. */
  inputs: string[];
  /** Shape of the output tensor. */
  outputShape: number[];
  /** Invocations to launch; the shader sees `uniforms.threads` and returns above it. */
  threads: number;
  /** Invocations per workgroup. Default 64. */
  workgroupSize?: number;
  /** int32 uniforms, in declaration order (`threads` is added first). */
  uniforms: Uniforms;
  /** WGSL defining `fn main(index : i32)` and its helpers. */
  code: string;
}

/** The program object tfjs runs. */
export function makeProgram(spec: ScanProgramSpec): WebGPUProgram {
  if (spec.inputs.length > MAX_INPUTS) throw new Error(`${spec.key}: ${spec.inputs.length} inputs, WebGPU allows ${MAX_INPUTS}`);
  const wg = spec.workgroupSize ?? 64;
  const names = ["threads", ...Object.keys(spec.uniforms)];
  return {
    shaderKey: `meteor_scan_${spec.key}`,
    variableNames: spec.inputs,
    outputShape: spec.outputShape,
    dispatchLayout: { x: [0] },
    dispatch: [Math.max(1, Math.ceil(spec.threads / wg)), 1, 1],
    workgroupSize: [wg, 1, 1],
    uniforms: names.map((n) => `${n} : i32,`).join(" "),
    getUserCode: () => spec.code,
  };
}

/** Runs `spec` on `backend` over `inputs`; returns the new output (the caller owns it). */
export function runProgram(backend: WebGPUBackend, spec: ScanProgramSpec, inputs: TensorInfo[], dtype: DataType = "float32"): TensorInfo {
  const program = makeProgram(spec);
  const values = [spec.threads, ...Object.values(spec.uniforms)];
  return backend.runWebGPUProgram(program, inputs, dtype, values.map((v) => ({ type: "int32", data: [v] })));
}

/** Releases intermediate outputs. */
export function disposeAll(backend: WebGPUBackend, infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/** WGSL helpers shared by the scan programs: softplus (torch's threshold 20, log1p-accurate) and sigmoid. */
export const WGSL_MATH = /* wgsl */ `
fn softplus(x : f32) -> f32 {
  if (x > 20.0) { return x; }
  let e = exp(x);
  let e1 = 1.0 + e;
  if (e1 == 1.0) { return e; }
  return log(e1) * (e / (e1 - 1.0));
}
fn sigmoid(x : f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
`;
