/**
 * The forward scan in GLSL, one output element per fragment, as log-step passes (a fragment
 * cannot walk the sequence and keep a state for the next one):
 *
 *   1. pairs [2b, l, d, n]: (e_t, x_t) = (e^{Δ_t·A}, Δ_t·B_t·u_t) per step and state element,
 *      (1, 0) at padded steps, h0 folded into x_0 (x_0 += e_0·h0);
 *   2. ⌈log₂ l⌉ Hillis–Steele passes over t (tfjs's cumsum on WebGL does the same): pass p
 *      combines step t with step t − 2^p, (e₁, x₁) then (e₂, x₂) = (e₂e₁, e₂x₁ + x₂); after
 *      them the x part holds every state h_t;
 *   3. y [b, l, d] = ⟨h_t, C_t⟩ + D·u_t (gated), 0 at padded steps, and lastState = h at
 *      step l − 1 (padded steps carry the state), both read from the x part; and, only for a
 *      gradient, states [b, l, d, n] (the x part alone, which the backward reads).
 *
 * O(b·l·d·n·log l) work and b·l·d·n memory where the WebGPU kernel keeps a state per
 * channel: the price of running on fragment shaders. The pair layout puts e in rows
 * [0, b) and x in rows [b, 2b) of the first axis. Letters as in `../declaration.ts`.
 */
import { PAIR_COORDS, ROW_STEP_CHANNEL_COORDS, prelude, preludeInputs, ungatedY, type GlslScan, type GlslSpec } from "./program.ts";

export function pairsProgram(s: GlslScan, hasH0: boolean): GlslSpec {
  const reads = { delta: true, lengths: true };
  return {
    inputs: ["u", "A", "B", ...(hasH0 ? ["h0"] : []), ...preludeInputs(s, reads)],
    outputShape: [2 * s.b, s.l, s.d, s.n],
    code: `${prelude(s, reads)}
void main() {
  ${PAIR_COORDS}
  float e = 1.0;
  float x = 0.0;
  if (t < rowLen(i)) {
    float dt = deltaOf(rawDelta(i, t, c));
    e = exp(dt * getA(c, j));
    x = dt * getB(i, t, j) * getU(i, t, c);
  }
  ${hasH0 ? "if (t == 0) x += e * getH0(i, c, j);" : ""}
  setOutput(part == 0 ? e : x);
}`,
  };
}

/** One pass: step t combined with t − hop (forward) or t + hop (reverse, for the backward's ∂L/∂h). */
export function passProgram(s: GlslScan, hop: number, reverse: boolean): GlslSpec {
  return {
    inputs: ["pairs"],
    outputShape: [2 * s.b, s.l, s.d, s.n],
    uniforms: { hop },
    code: `${prelude(s, { delta: false, lengths: false })}
void main() {
  ${PAIR_COORDS}
  float e = getPairs(i, t, c, j);
  float x = getPairs(NB + i, t, c, j);
  int o = t ${reverse ? "+" : "-"} hop;
  if (${reverse ? "o < L" : "o >= 0"}) {
    // step o acts first, then this one
    x = e * getPairs(NB + i, o, c, j) + x;
    e = e * getPairs(i, o, c, j);
  }
  setOutput(part == 0 ? e : x);
}`,
  };
}

/** states [b, l, d, n]: the x part of the scanned pairs. */
export function statesProgram(s: GlslScan): GlslSpec {
  return {
    inputs: ["pairs"],
    outputShape: [s.b, s.l, s.d, s.n],
    code: `${prelude(s, { delta: false, lengths: false })}
void main() {
  ivec4 co = getOutputCoords();
  setOutput(getPairs(NB + co.x, co.y, co.z, co.w));
}`,
  };
}

/** y [b, l, d] from the scanned pairs. */
export function outputProgram(s: GlslScan, hasZ: boolean): GlslSpec {
  const reads = { delta: false, lengths: true };
  return {
    inputs: ["pairs", "u", "C", "D", ...(hasZ ? ["z"] : []), ...preludeInputs(s, reads)],
    outputShape: [s.b, s.l, s.d],
    code: `${prelude(s, reads)}
${ungatedY("getPairs(NB + i, t, c, j)")}
void main() {
  ${ROW_STEP_CHANNEL_COORDS}
  float y = 0.0;
  if (t < rowLen(i)) {
    y = ungatedY(i, t, c);
    ${hasZ ? "float zt = getZ(i, t, c);\n    y = y * zt * sigmoidOf(zt);" : ""}
  }
  setOutput(y);
}`,
  };
}

/** lastState [b, d, n]: the state at step l − 1, from the scanned pairs. */
export function lastStateProgram(s: GlslScan): GlslSpec {
  return {
    inputs: ["pairs"],
    outputShape: [s.b, s.d, s.n],
    code: `${prelude(s, { delta: false, lengths: false })}
void main() {
  ivec3 co = getOutputCoords();
  setOutput(getPairs(NB + co.x, L - 1, co.y, co.z));
}`,
  };
}
