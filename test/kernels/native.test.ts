/**
 * The native addon called directly: its sgemm against a float64 triple loop on shapes that
 * cross every blocking boundary (MR 6, NR 16–32, MC 96, KC 256) and the threshold above which
 * work is split over threads, thread counts, and its
 * argument checks. Through tfjs, the native kernels are covered by matmul.test.ts and the
 * scan tests (each runs against the JS and the native kernel sets).
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadNative } from "../../src/kernels/native/load.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { KERNEL_SETS } from "../helpers/kernel-sets.ts";

const native = loadNative();

function matmulRef(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, tA: boolean, tB: boolean, sA: number, sB: number): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = tA ? a[z * sA + p * m + i]! : a[z * sA + i * k + p]!;
          const bv = tB ? b[z * sB + j * k + p]! : b[z * sB + p * n + j]!;
          s += av * bv;
        }
        out[z * m * n + i * n + j] = s;
      }
  return out;
}

describe.runIf(KERNEL_SETS.includes("native"))("native addon", () => {
  const rand = mulberry32(17);
  const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const threads = native?.info().threads ?? 1;
  afterAll(() => native?.setThreads(threads));

  it("loads (CI requires the build)", () => {
    expect(native, "the native addon did not load").not.toBeNull();
    const info = native!.info();
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect([128, 256, 512]).toContain(info.simdBits);
  });

  const SHAPES: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 7, 5, 9],
    [2, 97, 257, 33],
    [3, 13, 300, 70],
    [1, 200, 64, 17],
    [1, 300, 300, 64], // above the parallel threshold: rows split over threads
    [4, 150, 100, 100], // above it with batch ≥ threads: batch entries split over threads
    [1, 40, 300, 31], // narrow (n below a panel): computed as Cᵀ = Bᵀ·Aᵀ and transposed
    [32, 128, 64, 20], // narrow and batched, as an attention head's products
  ];
  for (const [batch, m, k, n] of SHAPES)
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      it(`sgemm ${batch}×[${m}, ${k}]·[${k}, ${n}] transA=${tA} transB=${tB} matches float64 loops, 1 and 2 threads alike`, () => {
        const a = values(batch * m * k);
        const b = values(batch * k * n);
        const ref = matmulRef(a, b, batch, m, k, n, tA, tB, m * k, k * n);
        const outs = [1, 2].map((t) => {
          native!.setThreads(t);
          const out = new Float32Array(batch * m * n).fill(NaN);
          native!.matmul(a, b, out, batch, m, k, n, tA ? 1 : 0, tB ? 1 : 0, m * k, k * n);
          return out;
        });
        assertAllclose(outs[0]!, ref, { atol: 1e-5 * Math.sqrt(k), rtol: 1e-5, name: "1 thread" });
        expect(Array.from(outs[1]!)).toEqual(Array.from(outs[0]!));
      });
    }

  it("broadcasts with a zero batch stride", () => {
    const [batch, m, k, n] = [4, 9, 11, 6];
    const a = values(batch * m * k);
    const b = values(k * n);
    const out = new Float32Array(batch * m * n);
    native!.matmul(a, b, out, batch, m, k, n, 0, 0, m * k, 0);
    assertAllclose(out, matmulRef(a, b, batch, m, k, n, false, false, m * k, 0), { atol: 1e-5, rtol: 1e-5, name: "broadcast b" });
    // and a narrow product (computed transposed) broadcasting either operand
    const [m2, n2] = [40, 6];
    const a2 = values(batch * m2 * k);
    const out2 = new Float32Array(batch * m2 * n2);
    native!.matmul(a2, b, out2, batch, m2, k, n2, 0, 0, m2 * k, 0);
    assertAllclose(out2, matmulRef(a2, b, batch, m2, k, n2, false, false, m2 * k, 0), { atol: 1e-5, rtol: 1e-5, name: "narrow, broadcast b" });
    const a3 = values(m2 * k);
    const b3 = values(batch * k * n2);
    native!.matmul(a3, b3, out2, batch, m2, k, n2, 0, 0, 0, k * n2);
    assertAllclose(out2, matmulRef(a3, b3, batch, m2, k, n2, false, false, 0, k * n2), { atol: 1e-5, rtol: 1e-5, name: "narrow, broadcast a" });
  });

  it("refuses arguments that do not fit, naming them", () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const out = new Float32Array(4);
    expect(() => native!.matmul(a, b, out, 1, 2, 3, 3, 0, 0, 6, 6)).toThrow(/argument 1: typed array shorter than its shape/);
    expect(() => native!.matmul(a, new Int32Array(9) as never, out, 1, 2, 3, 3, 0, 0, 6, 6)).toThrow(/argument 1: expected a Float32Array/);
    expect(() => native!.matmul(a, b, out, 1, -2, 3, 2, 0, 0, 6, 6)).toThrow(/argument 4: expected a non-negative integer/);
    expect(() => native!.matmul(a, b, out, 1, 2.5, 3, 2, 0, 0, 6, 6)).toThrow(/argument 4/);
    expect(() => (native!.matmul as (...x: unknown[]) => void)(a, b, out)).toThrow(/11 arguments/);
    const z = new Float32Array(8);
    expect(() =>
      native!.scanForward(z, z, z, z, z, z, null, null, null, null, 1, 2, 2, 2, 0, 1, z, z, z),
    ).toThrow(/argument 14: chunk must be ≥ 1/);
    expect(() =>
      native!.scanForward(z, z, z, z, z, z, null, null, null, null, 1, 4, 4, 2, 4, 1, z, z, z),
    ).toThrow(/argument 0: typed array shorter than its shape/);
  });

  it("scan: several threads give the forward bitwise and the gradients to float32 rounding", () => {
    const [b, l, d, n, chunk] = [5, 256, 64, 16, 64]; // 1.3M state updates: above the parallel threshold
    const x = () => values(b * l * d);
    const u = x();
    const delta = x();
    const z = x();
    const A = values(d * n).map((v) => -Math.abs(v) - 0.1);
    const B = values(b * l * n);
    const C = values(b * l * n);
    const D = values(d);
    const dy = x();
    const chunks = Math.ceil(l / chunk);
    const run = (t: number) => {
      native!.setThreads(t);
      const y = new Float32Array(b * l * d);
      const last = new Float32Array(b * d * n);
      const ckpt = new Float32Array(b * chunks * d * n);
      native!.scanForward(u, delta, A, B, C, D, z, null, null, null, b, l, d, n, chunk, 1, y, last, ckpt);
      const g = [b * l * d, b * l * d, d * n, b * l * n, b * l * n, d, b * l * d].map((s) => new Float32Array(s));
      native!.scanBackward(u, delta, A, B, C, D, z, null, null, null, b, l, d, n, chunk, 1, ckpt, dy, null, g[0]!, g[1]!, g[2]!, g[3]!, g[4]!, g[5]!, g[6]!, null, null);
      return { y, g };
    };
    const one = run(1);
    const two = run(2);
    expect(Array.from(two.y)).toEqual(Array.from(one.y));
    one.g.forEach((g, k) => assertAllclose(two.g[k]!, g, { atol: 1e-5, rtol: 1e-5, name: `grad ${k}` }));
  });
});
