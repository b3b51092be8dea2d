/**
 * The backward scan in GLSL. With the forward's states h_t, the gradient g_t = ∂L/∂h_t (all
 * of it, the output's share included) follows the reverse recurrence
 *
 *   g_t = e_{t+1} ⊙ g_{t+1} + gy_t·C_t,    g_{l−1} = gy_{l−1}·C_{l−1} + dLastState,
 *
 * with gy = dy·silu(z) (dy without z) and e_t = 1, gy_t = 0 at padded steps. It is scanned
 * like the forward (`forward-programs.ts`: pairs (e_{t+1}, gy_t·C_t), passes combining t
 * with t + 2^p), then every gradient is a map or a sum over one axis of g, h and the inputs
 * (see `../reference.ts` for the formulas):
 *
 *   ddelta_t = Σ_j g_t·(A·e_t·h_{t−1} + B_t·u_t) · σ(raw)        du_t = gy·D + Δ_t·Σ_j g_t·B_t
 *   dz_t = dy·y_t·silu′(z)          dA = Σ_{i,t} g_t·Δ_t·e_t·h_{t−1}     dD = Σ_{i,t} gy·u
 *   dB_t = Σ_c g_t·Δ_t·u_t          dC_t = Σ_c gy·h_t                     dh0 = e_0 ⊙ g_0
 *   dDeltaBias = Σ_{i,t} ddelta
 */
import { PAIR_COORDS, ROW_STEP_CHANNEL_COORDS, forRowsAndSteps, prelude, preludeInputs, ungatedY, type GlslScan, type GlslSpec } from "./program.ts";

/** h_{t−1} at (i, t, c, j): the previous state, or h0 (0 when absent) at t = 0. */
function prevState(hasH0: boolean): string {
  return `float prevState(int i, int t, int c, int j) {
  if (t > 0) return getStates(i, t - 1, c, j);
  return ${hasH0 ? "getH0(i, c, j)" : "0.0"};
}`;
}

/** gy [b, l, d]: dy·silu(z) (or dy), 0 at padded steps. */
export function gyProgram(s: GlslScan, f: { hasZ: boolean; hasDy: boolean }): GlslSpec {
  const reads = { delta: false, lengths: true };
  return {
    inputs: [...(f.hasDy ? ["dy"] : []), ...(f.hasZ ? ["z"] : []), ...preludeInputs(s, reads)],
    outputShape: [s.b, s.l, s.d],
    code: `${prelude(s, reads)}
void main() {
  ivec3 co = getOutputCoords();
  float gy = 0.0;
  if (co.y < rowLen(co.x)) {
    gy = ${f.hasDy ? "getDy(co.x, co.y, co.z)" : "0.0"};
    ${f.hasZ ? "float zt = getZ(co.x, co.y, co.z);\n    gy *= zt * sigmoidOf(zt);" : ""}
  }
  setOutput(gy);
}`,
  };
}

/** Pairs of the reverse recurrence [2b, l, d, n]: (e_{t+1}, gy_t·C_t), dLastState folded into step l − 1. */
export function gradPairsProgram(s: GlslScan, hasDLast: boolean): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["gy", "A", "C", ...(hasDLast ? ["dLast"] : []), ...preludeInputs(s, reads)],
    outputShape: [2 * s.b, s.l, s.d, s.n],
    code: `${prelude(s, reads)}
void main() {
  ${PAIR_COORDS}
  if (part == 0) {
    float e = 1.0;
    if (t + 1 < rowLen(i)) e = exp(deltaOf(rawDelta(i, t + 1, c)) * getA(c, j));
    setOutput(e);
  } else {
    float x = getGy(i, t, c) * getC(i, t, j);
    ${hasDLast ? "if (t == L - 1) x += getDLast(i, c, j);" : ""}
    setOutput(x);
  }
}`,
  };
}

/** ddelta [b, l, d]. Inputs: the scanned gradient pairs (g in rows [b, 2b)), states. */
export function ddeltaProgram(s: GlslScan, hasH0: boolean): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["grads", "states", "u", "A", "B", ...(hasH0 ? ["h0"] : []), ...preludeInputs(s, reads)],
    outputShape: [s.b, s.l, s.d],
    code: `${prelude(s, reads)}
${prevState(hasH0)}
void main() {
  ${ROW_STEP_CHANNEL_COORDS}
  float out_ = 0.0;
  if (t < rowLen(i)) {
    float raw = rawDelta(i, t, c);
    float dt = deltaOf(raw);
    float ut = getU(i, t, c);
    float ddt = 0.0;
    for (int j = 0; j < N; j++) {
      float a = getA(c, j);
      float g = getGrads(NB + i, t, c, j);
      ddt += g * (a * exp(dt * a) * prevState(i, t, c, j) + getB(i, t, j) * ut);
    }
    out_ = ${s.deltaSoftplus ? "raw <= 20.0 ? ddt * sigmoidOf(raw) : ddt" : "ddt"};
  }
  setOutput(out_);
}`,
  };
}

/** du [b, l, d]. */
export function duProgram(s: GlslScan): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["grads", "gy", "B", "D", ...preludeInputs(s, reads)],
    outputShape: [s.b, s.l, s.d],
    code: `${prelude(s, reads)}
void main() {
  ${ROW_STEP_CHANNEL_COORDS}
  float du = 0.0;
  if (t < rowLen(i)) {
    float sumGB = 0.0;
    for (int j = 0; j < N; j++) sumGB += getGrads(NB + i, t, c, j) * getB(i, t, j);
    du = getGy(i, t, c) * getD(c) + deltaOf(rawDelta(i, t, c)) * sumGB;
  }
  setOutput(du);
}`,
  };
}

/** dz [b, l, d]: dy·y_t·silu′(z) with y_t the ungated output. */
export function dzProgram(s: GlslScan, hasDy: boolean): GlslSpec {
  const reads = { delta: false, lengths: true };
  return {
    inputs: ["states", "u", "C", "D", "z", ...(hasDy ? ["dy"] : []), ...preludeInputs(s, reads)],
    outputShape: [s.b, s.l, s.d],
    code: `${prelude(s, reads)}
${ungatedY("getStates(i, t, c, j)")}
void main() {
  ${ROW_STEP_CHANNEL_COORDS}
  float dz = 0.0;
  if (t < rowLen(i)) {
    float y = ungatedY(i, t, c);
    float zt = getZ(i, t, c);
    float sg = sigmoidOf(zt);
    dz = ${hasDy ? "getDy(i, t, c)" : "0.0"} * y * sg * (1.0 + zt * (1.0 - sg));
  }
  setOutput(dz);
}`,
  };
}

/** dA [d, n]: a sum over rows and valid steps. */
export function dAProgram(s: GlslScan, hasH0: boolean): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["grads", "states", "A", ...(hasH0 ? ["h0"] : []), ...preludeInputs(s, reads)],
    outputShape: [s.d, s.n],
    code: `${prelude(s, reads)}
${prevState(hasH0)}
void main() {
  ivec2 co = getOutputCoords();
  int c = co.x;
  int j = co.y;
  float a = getA(c, j);
  float acc = 0.0;
  ${forRowsAndSteps("float dt = deltaOf(rawDelta(i, t, c));\n      acc += getGrads(NB + i, t, c, j) * dt * exp(dt * a) * prevState(i, t, c, j);", true)}
  setOutput(acc);
}`,
  };
}

/** dB [b, l, n]: Σ_c g·Δ·u at valid steps. */
export function dBProgram(s: GlslScan): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["grads", "u", ...preludeInputs(s, reads)],
    outputShape: [s.b, s.l, s.n],
    code: `${prelude(s, reads)}
void main() {
  ivec3 co = getOutputCoords();
  int i = co.x;
  int t = co.y;
  int j = co.z;
  float acc = 0.0;
  if (t < rowLen(i)) {
    for (int c = 0; c < ND; c++) acc += getGrads(NB + i, t, c, j) * deltaOf(rawDelta(i, t, c)) * getU(i, t, c);
  }
  setOutput(acc);
}`,
  };
}

/** dC [b, l, n]: Σ_c gy·h_t (gy is 0 at padded steps). */
export function dCProgram(s: GlslScan): GlslSpec {
  return {
    inputs: ["gy", "states"],
    outputShape: [s.b, s.l, s.n],
    code: `${prelude(s, { delta: false, lengths: false })}
void main() {
  ivec3 co = getOutputCoords();
  float acc = 0.0;
  for (int c = 0; c < ND; c++) acc += getGy(co.x, co.y, c) * getStates(co.x, co.y, c, co.z);
  setOutput(acc);
}`,
  };
}

/** Σ over rows and steps of x·y ([b, l, d] each; y absent: x alone), per channel: dD (gy·u) and dDeltaBias (ddelta). */
export function channelSumProgram(s: GlslScan, withFactor: boolean): GlslSpec {
  return {
    inputs: ["x", ...(withFactor ? ["y"] : [])],
    outputShape: [s.d],
    code: `${prelude(s, { delta: false, lengths: false })}
void main() {
  int c = getOutputCoords();
  float acc = 0.0;
  ${forRowsAndSteps(`acc += getX(i, t, c)${withFactor ? " * getY(i, t, c)" : ""};`, false)}
  setOutput(acc);
}`,
  };
}

/** dh0 [b, d, n] = e_0 ⊙ g_0 (g_0 = dLastState for an empty row). */
export function dh0Program(s: GlslScan): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["grads", "A", ...preludeInputs(s, reads)],
    outputShape: [s.b, s.d, s.n],
    code: `${prelude(s, reads)}
void main() {
  ivec3 co = getOutputCoords();
  int i = co.x;
  int c = co.y;
  int j = co.z;
  float e = 1.0;
  if (rowLen(i) > 0) e = exp(deltaOf(rawDelta(i, 0, c)) * getA(c, j));
  setOutput(e * getGrads(NB + i, 0, c, j));
}`,
  };
}
