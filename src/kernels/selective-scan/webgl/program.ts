/**
 * A GLSL program in the shape `@tensorflow/tfjs-backend-webgl` runs through
 * `backend.compileAndRun(program, inputs, dtype, customUniformValues)`: a fragment shader
 * computing one output element, with `getOutputCoords()`, a getter per input named after it
 * (`getDelta(i, t, c)` for the input "delta") and `setOutput(value)` (see its
 * `shader_compiler.js`). Unpacked float textures in and out (float32 where the browser
 * renders to float32, which tfjs checks). Sizes are written into the code as constants;
 * tfjs caches the compiled program per code and input shapes.
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";
import type { GPGPUProgram, MathBackendWebGL } from "@tensorflow/tfjs-backend-webgl";

export interface GlslSpec {
  inputs: string[];
  outputShape: number[];
  /** GLSL defining `void main()`. */
  code: string;
  /** int uniforms, declared by tfjs as `uniform int name;`, values in this order. */
  uniforms?: Record<string, number>;
}

/** Runs `spec` with its inputs looked up by name in `tensors`; returns the new output (the caller owns it). */
export function runGlsl(backend: MathBackendWebGL, spec: GlslSpec, tensors: Record<string, TensorInfo | undefined>, dtype: DataType = "float32"): TensorInfo {
  const inputs = spec.inputs.map((name) => {
    const t = tensors[name];
    if (!t) throw new Error(`selective scan (webgl): input ${name} missing`);
    return t;
  });
  const uniforms = spec.uniforms ?? {};
  const program: GPGPUProgram = {
    variableNames: spec.inputs,
    outputShape: spec.outputShape,
    userCode: spec.code,
    customUniforms: Object.keys(uniforms).map((name) => ({ name, type: "int" as const })),
  };
  return backend.compileAndRun(program, inputs, dtype, Object.values(uniforms).map((v) => [v]));
}

export function disposeAll(backend: MathBackendWebGL, infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeIntermediateTensorInfo(t);
}

/** Sizes and which optional inputs a program reads. */
export interface GlslScan {
  b: number;
  l: number;
  d: number;
  n: number;
  deltaSoftplus: boolean;
  hasBias: boolean;
  hasLengths: boolean;
}

/**
 * Constants and helpers every scan program starts with: sizes, softplus/sigmoid, each row's
 * length, and Δ at (i, t, c) when the program reads `delta` (and `bias`, `lengths` when given).
 */
export function prelude(s: GlslScan, reads: { delta: boolean; lengths: boolean }): string {
  return `
const int NB = ${s.b};
const int L = ${s.l};
const int ND = ${s.d};
const int N = ${s.n};
float softplusOf(float x) {
  if (x > 20.0) return x;
  float e = exp(x);
  float e1 = 1.0 + e;
  if (e1 == 1.0) return e;
  return log(e1) * (e / (e1 - 1.0));
}
float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
${reads.lengths ? `int rowLen(int i) { return ${s.hasLengths ? "clamp(int(getLengths(i)), 0, L)" : "L"}; }` : ""}
${reads.delta ? `float rawDelta(int i, int t, int c) { return getDelta(i, t, c)${s.hasBias ? " + getBias(c)" : ""}; }
float deltaOf(float raw) { return ${s.deltaSoftplus ? "softplusOf(raw)" : "raw"}; }` : ""}
`;
}

/** The input names a program needs for `prelude` (delta, bias, lengths as present). */
export function preludeInputs(s: GlslScan, reads: { delta: boolean; lengths: boolean }): string[] {
  return [...(reads.delta ? ["delta", ...(s.hasBias ? ["bias"] : [])] : []), ...(reads.lengths && s.hasLengths ? ["lengths"] : [])];
}

/** GLSL opening of the programs over [b, l, d]: row i, step t, channel c. */
export const ROW_STEP_CHANNEL_COORDS = `ivec3 co = getOutputCoords();
  int i = co.x;
  int t = co.y;
  int c = co.z;`;

/**
 * GLSL adding `body` (statements reading row i and step t, adding to `acc`) over every row
 * and step; `validOnly` stops each row at its length (the program's prelude reads lengths).
 * The gradient sums over rows and steps (dA, dD, dDeltaBias) share it.
 */
export function forRowsAndSteps(body: string, validOnly: boolean): string {
  return `for (int i = 0; i < NB; i++) {
    ${validOnly ? "int len = rowLen(i);" : ""}
    for (int t = 0; t < L; t++) {
      ${validOnly ? "if (t >= len) break;" : ""}
      ${body}
    }
  }`;
}

/**
 * GLSL of `float ungatedY(int i, int t, int c)`: D·u_t + Σ_j h_t·C_t, with the state h_t at
 * (i, t, c, j) read by `state` (GLSL text using those names). The forward's output and the
 * gradient of z both need y before its gate.
 */
export function ungatedY(state: string): string {
  return `float ungatedY(int i, int t, int c) {
  float y = getD(c) * getU(i, t, c);
  for (int j = 0; j < N; j++) y += ${state} * getC(i, t, j);
  return y;
}`;
}

/**
 * GLSL opening of the programs over pairs [2b, l, d, n] (e in rows [0, b), x in [b, 2b)):
 * the element's part (0: e, 1: x), row i, step t, channel c and state j.
 */
export const PAIR_COORDS = `ivec4 co = getOutputCoords();
  int part = co.x / NB;
  int i = co.x - part * NB;
  int t = co.y;
  int c = co.z;
  int j = co.w;`;
