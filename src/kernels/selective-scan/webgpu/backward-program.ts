/**
 * The fused backward scan in WGSL, the reverse recurrence of `../reference.ts` chunk by
 * chunk from the last, as `fusedScanBackward` of `../fused-cpu.ts`: each chunk's states are
 * replayed from its checkpoint into a scratch area, then walked backwards carrying
 * g = ∂L/∂h [n] in registers.
 *
 * One invocation per (row i, chunk group, channel c); a workgroup holds WG consecutive
 * channels of one (row, group), because dB_t and dC_t sum over channels: at every step each
 * invocation puts its channel's share in workgroup memory and, after a barrier, 2n lanes
 * each sum one column and write a per-workgroup partial [b, l, nBlocks, 2n] (WebGPU has no
 * float atomics; the official CUDA kernel uses atomicAdd here). dA, dD and dDeltaBias are
 * summed over steps in registers and written per (row, group, channel); small reduction
 * programs (`pack-programs.ts`) finish all the sums.
 *
 *   "sequential": one group per row, starting from dLastState (or 0), all chunks;
 *   "chunked":    one group per chunk, starting from ∂L/∂h entering the chunk from its
 *                 right (`chunk-programs.ts`).
 *
 * Inputs: u, delta; z when gated; BC; params; states = checkpoints [b, nChunks, d, n] then,
 * when there is one, the entering ∂L/∂h [b, groups, d, n]; dy.
 * Output, packed: du | ddelta [b, l, d] | dz [b, l, d] (gated) | dh0 [b, d, n] (h0 given) |
 * partial dA [b·groups, d, n] | partial dD, dDeltaBias [b·groups, d] | partial dB|dC
 * [b, l, nBlocks, 2n] | scratch [b·groups, d, chunk + 1, n] (the replayed states).
 */
import { numChunks, type Schedule, type ScanShape } from "./forward-program.ts";
import { paramsLayout } from "./pack-programs.ts";
import { WGSL_MATH, type ScanProgramSpec } from "./program.ts";

export interface BackwardFlags {
  schedule: Schedule;
  hasZ: boolean;
  hasH0: boolean;
  /** An entering ∂L/∂h follows the checkpoints in `states` (dLastState, or the chunked entries). */
  hasGradEntry: boolean;
  deltaSoftplus: boolean;
}

/** Bytes of workgroup memory tfjs asks for (WebGPU's default limit). */
const WORKGROUP_BYTES = 16384;

/** The largest dState the WGSL kernels take (the backward keeps 2·n floats per channel in workgroup memory). */
export const WEBGPU_MAX_DSTATE = 256;

/** Channels per workgroup: up to 64, as many as 2n floats each fit in workgroup memory. */
export function channelsPerWorkgroup(n: number): number {
  let wg = 64;
  while (wg > 1 && 2 * n * wg * 4 > WORKGROUP_BYTES) wg /= 2;
  return wg;
}

export function backwardLayout(s: ScanShape, f: BackwardFlags) {
  const { b, l, d, n } = s;
  const groups = f.schedule === "chunked" ? numChunks(s) : 1;
  const nBlocks = Math.ceil(d / channelsPerWorkgroup(n));
  const bld = b * l * d;
  const du = 0;
  const ddelta = bld;
  const dz = 2 * bld;
  const dh0 = dz + (f.hasZ ? bld : 0);
  const partA = dh0 + (f.hasH0 ? b * d * n : 0);
  const partD = partA + b * groups * d * n;
  const partBias = partD + b * groups * d;
  const partBC = partBias + b * groups * d;
  const scratch = partBC + b * l * nBlocks * 2 * n;
  const size = scratch + b * groups * d * (s.chunk + 1) * n;
  return { groups, nBlocks, du, ddelta, dz, dh0, partA, partD, partBias, partBC, scratch, size };
}

export function backwardProgram(s: ScanShape, f: BackwardFlags): ScanProgramSpec {
  const { b, l, d, n } = s;
  const nC = numChunks(s);
  const wg = channelsPerWorkgroup(n);
  if (wg < 1 || n > WEBGPU_MAX_DSTATE) throw new Error(`selective scan (webgpu): dState ${n} is above the supported ${WEBGPU_MAX_DSTATE}; use impl "composed"`);
  const at = backwardLayout(s, f);
  const p = paramsLayout(d, n, b);
  const chunked = f.schedule === "chunked";
  return {
    key: `bwd_${f.schedule}_${n}_${wg}_${f.hasZ}_${f.hasH0}_${f.hasGradEntry}_${f.deltaSoftplus}`,
    inputs: ["u", "delta", ...(f.hasZ ? ["z"] : []), "BC", "params", "states", "dy"],
    outputShape: [at.size],
    threads: b * at.groups * at.nBlocks * wg,
    workgroupSize: wg,
    uniforms: {
      l,
      d,
      nChunks: nC,
      chunk: s.chunk,
      groups: at.groups,
      nBlocks: at.nBlocks,
      gradEntryAt: b * nC * d * n,
      ddeltaAt: at.ddelta,
      dzAt: at.dz,
      dh0At: at.dh0,
      partAAt: at.partA,
      partDAt: at.partD,
      partBiasAt: at.partBias,
      partBCAt: at.partBC,
      scratchAt: at.scratch,
      dnAt: p.D,
      biasAt: p.bias,
      lenAt: p.lengths,
    },
    code: /* wgsl */ `
${WGSL_MATH}
const N = ${n};
const WG = ${wg};
var<workgroup> red : array<f32, ${2 * n * wg}>;
var<workgroup> shared_info : vec3<i32>;

fn main(index : i32) {
  let l = uniforms.l;
  let d = uniforms.d;
  let chunk = uniforms.chunk;
  let lane = index % WG;
  let w = index / WG;
  let blk = w % uniforms.nBlocks;
  let ig = w / uniforms.nBlocks;
  let g = ig % uniforms.groups;
  let i = ig / uniforms.groups;
  let c = blk * WG + lane;
  let live = c < d;
  if (lane == 0) {
    shared_info = vec3<i32>(i32(params[uniforms.lenAt + i]), ${chunked ? "g" : "0"}, ${chunked ? "g + 1" : "uniforms.nChunks"});
  }
  // Loop bounds every lane of the workgroup agrees on (barriers follow).
  let info = workgroupUniformLoad(&shared_info);
  let len = info.x;
  let k0 = info.y;
  let k1 = info.z;

  let cc = min(c, d - 1);
  let Dc = params[uniforms.dnAt + cc];
  let bias = params[uniforms.biasAt + cc];
  var gs : array<f32, N>;
  var accA : array<f32, N>;
  var accD = 0.0;
  var accBias = 0.0;
  for (var j = 0; j < N; j++) {
    accA[j] = 0.0;
    ${f.hasGradEntry ? "gs[j] = states[uniforms.gradEntryAt + ((i * uniforms.groups + g) * d + cc) * N + j];" : "gs[j] = 0.0;"}
  }
  let scr = uniforms.scratchAt + ((i * uniforms.groups + g) * d + cc) * (chunk + 1) * N;

  for (var k = k1 - 1; k >= k0; k--) {
    let t0 = k * chunk;
    let tEnd = min(t0 + chunk, l);
    let t1 = min(tEnd, len);
    // Padded steps: zero gradients.
    for (var t = max(t0, len); t < tEnd; t++) {
      let x = (i * l + t) * d + c;
      if (live) {
        result[x] = 0.0;
        result[uniforms.ddeltaAt + x] = 0.0;
        ${f.hasZ ? "result[uniforms.dzAt + x] = 0.0;" : ""}
      }
      for (var r = lane; r < 2 * N; r += WG) { result[uniforms.partBCAt + ((i * l + t) * uniforms.nBlocks + blk) * 2 * N + r] = 0.0; }
    }
    if (t1 > t0) {
      // Replay: scratch[s] = state after step t0 + s − 1 (scratch[0] = the checkpoint).
      if (live) {
        var h : array<f32, N>;
        let ck = ((i * uniforms.nChunks + k) * d + c) * N;
        for (var j = 0; j < N; j++) { h[j] = states[ck + j]; result[scr + j] = h[j]; }
        for (var t = t0; t < t1; t++) {
          let x = (i * l + t) * d + c;
          let raw = delta[x] + bias;
          let dt = ${f.deltaSoftplus ? "softplus(raw)" : "raw"};
          let dtu = dt * u[x];
          let bc = (i * l + t) * 2 * N;
          let hs = scr + (t - t0 + 1) * N;
          for (var j = 0; j < N; j++) {
            h[j] = exp(dt * params[c * N + j]) * h[j] + dtu * BC[bc + j];
            result[hs + j] = h[j];
          }
        }
      }
      for (var t = t1 - 1; t >= t0; t--) {
        let bc = (i * l + t) * 2 * N;
        if (live) {
          let x = (i * l + t) * d + c;
          let ut = u[x];
          let raw = delta[x] + bias;
          let dt = ${f.deltaSoftplus ? "softplus(raw)" : "raw"};
          let hPrev = scr + (t - t0) * N;
          let hNow = hPrev + N;
          var gy = dy[x];
          ${
            f.hasZ
              ? `var yt = Dc * ut;
          for (var j = 0; j < N; j++) { yt += result[hNow + j] * BC[bc + N + j]; }
          let zt = z[x];
          let sg = sigmoid(zt);
          result[uniforms.dzAt + x] = gy * yt * sg * (1.0 + zt * (1.0 - sg));
          gy = gy * zt * sg;`
              : ""
          }
          accD += gy * ut;
          let dtu = dt * ut;
          var ddt = 0.0;
          var sumGB = 0.0;
          for (var j = 0; j < N; j++) {
            let a = params[c * N + j];
            let bj = BC[bc + j];
            let e = exp(dt * a);
            let gj = gs[j] + gy * BC[bc + N + j];
            red[(N + j) * WG + lane] = gy * result[hNow + j];
            let geh = gj * e * result[hPrev + j];
            ddt += a * geh + gj * bj * ut;
            accA[j] += dt * geh;
            red[j * WG + lane] = gj * dtu;
            sumGB += gj * bj;
            gs[j] = gj * e;
          }
          result[x] = gy * Dc + dt * sumGB;
          var gd = ddt;
          ${f.deltaSoftplus ? "if (raw <= 20.0) { gd = ddt * sigmoid(raw); }" : ""}
          result[uniforms.ddeltaAt + x] = gd;
          accBias += gd;
        } else {
          for (var j = 0; j < N; j++) { red[j * WG + lane] = 0.0; red[(N + j) * WG + lane] = 0.0; }
        }
        workgroupBarrier();
        for (var r = lane; r < 2 * N; r += WG) {
          var sum = 0.0;
          for (var q = 0; q < WG; q++) { sum += red[r * WG + q]; }
          result[uniforms.partBCAt + ((i * l + t) * uniforms.nBlocks + blk) * 2 * N + r] = sum;
        }
        workgroupBarrier();
      }
    }
  }
  if (live) {
    let row = (i * uniforms.groups + g) * d + c;
    for (var j = 0; j < N; j++) { result[uniforms.partAAt + row * N + j] = accA[j]; }
    result[uniforms.partDAt + row] = accD;
    result[uniforms.partBiasAt + row] = accBias;
    ${f.hasH0 ? "if (k0 == 0) { for (var j = 0; j < N; j++) { result[uniforms.dh0At + (i * d + c) * N + j] = gs[j]; } }" : ""}
  }
}`,
  };
}
