/**
 * AdamW (Loshchilov & Hutter 2019) exactly as PyTorch's `torch.optim.AdamW`: decoupled
 * weight decay p ← p·(1 − lr·wd), then the bias-corrected Adam step. Decay applies to
 * matrices (rank ≥ 2) only, as nanoGPT does; norms, biases and vectors are not decayed.
 * Its state (step, m, v) is plain tensors by parameter name, so it can be checkpointed and
 * a resumed run continues exactly.
 *
 * Where the backend has the fused kernel (`MeteorAdamW`, native on cpu and wasm) one call
 * updates every parameter; it rounds as the composed ops below do, which remain its slow
 * reference and run everywhere else (webgl, webgpu, METEOR_NATIVE=0).
 */
import * as tf from "../tf.ts";
import { AdamW as AdamWKernel } from "../../kernels/fused/declaration.ts";
import { fusedAdamW, fusedAvailable } from "../../kernels/fused/ops.ts";

export interface AdamWConfig {
  /** β₁. Default 0.9. */
  beta1: number;
  /** β₂. Default 0.95 (nanoGPT; PyTorch's default is 0.999). */
  beta2: number;
  /** ε. Default 1e-8. */
  eps: number;
  /** Decoupled weight decay. Default 0.01. */
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = Object.freeze({ beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01 });

export interface AdamWState {
  step: number;
  m: Record<string, tf.Tensor>;
  v: Record<string, tf.Tensor>;
}

export class AdamW {
  readonly config: AdamWConfig;
  state: AdamWState = { step: 0, m: {}, v: {} };

  constructor(config: Partial<AdamWConfig> = {}) {
    this.config = Object.freeze({ ...ADAMW_DEFAULTS, ...config });
  }

  /**
   * Applies one update with learning rate `lr` to `vars` given `grads` (same names), each
   * gradient first multiplied by `gradScale` (the global-norm clip, `clipScale`).
   */
  apply(vars: Readonly<Record<string, tf.Variable>>, grads: Readonly<Record<string, tf.Tensor>>, lr: number, gradScale = 1): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    const t = ++this.state.step;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const stepSize = lr / c1;
    const decay = 1 - lr * weightDecay;
    const entries = Object.entries(grads).map(([name, g]) => {
      const p = vars[name];
      if (!p) throw new Error(`AdamW: gradient for unknown parameter ${name}`);
      return { name, p, g };
    });
    const decays = (p: tf.Variable) => p.rank >= 2 && weightDecay > 0;
    if (entries.every(({ p, g }) => p.dtype === "float32" && g.dtype === "float32") && fusedAvailable(AdamWKernel)) {
      const zeros: tf.Tensor[] = [];
      const zero = (g: tf.Tensor) => {
        const z = tf.zerosLike(g);
        zeros.push(z);
        return z;
      };
      const inputs = entries.map(({ name, p, g }) => ({ p, g, m: this.state.m[name] ?? zero(g), v: this.state.v[name] ?? zero(g) }));
      const out = fusedAdamW(inputs, { beta1, beta2, eps, c2, stepSize, gradScale, decay: entries.map(({ p }) => (decays(p) ? decay : 1)) });
      tf.dispose(zeros);
      entries.forEach(({ name, p }, i) => {
        tf.dispose([this.state.m[name], this.state.v[name]].filter((x): x is tf.Tensor => x !== undefined));
        this.state.m[name] = out[i]!.m;
        this.state.v[name] = out[i]!.v;
        p.assign(out[i]!.p);
        out[i]!.p.dispose();
      });
      return;
    }
    for (const { name, p, g: raw } of entries) {
      const mOld = this.state.m[name];
      const vOld = this.state.v[name];
      const g = gradScale === 1 ? raw : tf.tidy(() => raw.mul(gradScale));
      const [m, v] = tf.tidy(() => [
        mOld ? mOld.mul(beta1).add(g.mul(1 - beta1)) : g.mul(1 - beta1),
        vOld ? vOld.mul(beta2).add(g.square().mul(1 - beta2)) : g.square().mul(1 - beta2),
      ]);
      if (g !== raw) g.dispose();
      tf.dispose([mOld, vOld].filter((x): x is tf.Tensor => x !== undefined));
      this.state.m[name] = m!;
      this.state.v[name] = v!;
      tf.tidy(() => {
        const decayed = decays(p) ? p.mul(decay) : p;
        const denom = v!.div(c2).sqrt().add(eps);
        p.assign(decayed.sub(m!.div(denom).mul(stepSize)));
      });
    }
  }

  dispose(): void {
    tf.dispose([...Object.values(this.state.m), ...Object.values(this.state.v)]);
    this.state = { step: 0, m: {}, v: {} };
  }
}
