/**
 * Mamba parameters by their Hugging Face `MambaForCausalLM` names and PyTorch layouts
 * (Linear weights are [out, in]; conv1d weight is [dInner, 1, dConv]), so a safetensors
 * checkpoint maps onto them one to one. Initialisation follows `mamba_ssm`'s
 * (`Mamba.__init__`, `_init_weights`): S4D-real A, Δ bias from the inverse softplus of a
 * log-uniform dt in [dtMin, dtMax], D = 1, out_proj rescaled by 1/sqrt(nLayer).
 */
import { countParams } from "../nn/shapes.ts";
import * as tf from "../tf.ts";
import type { MambaConfig } from "./config.ts";
import { gaussian as normal, mulberry32, uniformValues, variableFrom } from "../nn/init.ts";

/** Tensors by HF name. Variables when trainable; plain tensors when loaded for inference. */
export type MambaParams = Readonly<Record<string, tf.Tensor>>;

export const layerPrefix = (i: number): string => `backbone.layers.${i}`;

/** Every parameter's name and shape, in checkpoint order. */
export function mambaParamShapes(cfg: MambaConfig): Map<string, number[]> {
  const { dModel: D, dInner: E, dState: N, dConv: K, dtRank: R, vocabSize: V } = cfg;
  const m = new Map<string, number[]>();
  m.set("backbone.embeddings.weight", [V, D]);
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = `${layerPrefix(i)}.mixer`;
    m.set(`${layerPrefix(i)}.norm.weight`, [D]);
    m.set(`${p}.in_proj.weight`, [2 * E, D]);
    if (cfg.projBias) m.set(`${p}.in_proj.bias`, [2 * E]);
    m.set(`${p}.conv1d.weight`, [E, 1, K]);
    if (cfg.convBias) m.set(`${p}.conv1d.bias`, [E]);
    m.set(`${p}.x_proj.weight`, [R + 2 * N, E]);
    m.set(`${p}.dt_proj.weight`, [E, R]);
    m.set(`${p}.dt_proj.bias`, [E]);
    m.set(`${p}.A_log`, [E, N]);
    m.set(`${p}.D`, [E]);
    m.set(`${p}.out_proj.weight`, [D, E]);
    if (cfg.projBias) m.set(`${p}.out_proj.bias`, [D]);
  }
  m.set("backbone.norm_f.weight", [D]);
  if (!cfg.tieEmbeddings) m.set("lm_head.weight", [V, D]);
  return m;
}

/** Exact number of parameters (tied head counted once). Mamba-130M: 129,135,360. */
export const countMambaParams = (cfg: MambaConfig): number => countParams(mambaParamShapes(cfg));

/** Fresh parameters as trainable variables, deterministic from `seed`. */
export function initMambaParams(cfg: MambaConfig, seed = 0): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  const out: Record<string, tf.Variable> = {};
  const uniform = (n: number, bound: number) => uniformValues(rand, n, bound);
  for (const [name, shape] of mambaParamShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (name.endsWith("norm.weight") || name.endsWith("norm_f.weight") || name.endsWith(".D")) {
      values = new Float32Array(size).fill(1);
    } else if (name.endsWith("A_log")) {
      // S4D-real: A[c, s] = -(s + 1)  →  A_log = log(s + 1)
      values = Float32Array.from({ length: size }, (_, i) => Math.log((i % cfg.dState) + 1));
    } else if (name.endsWith("dt_proj.bias")) {
      values = Float32Array.from({ length: size }, () => {
        const dt = Math.max(
          Math.exp(rand() * (Math.log(cfg.dtMax) - Math.log(cfg.dtMin)) + Math.log(cfg.dtMin)),
          cfg.dtInitFloor,
        );
        return dt + Math.log(-Math.expm1(-dt)); // inverse softplus
      });
    } else if (name.endsWith("dt_proj.weight")) {
      values = uniform(size, cfg.dtRank ** -0.5);
    } else if (name.endsWith(".bias")) {
      values = name.includes("conv1d") ? uniform(size, 1 / Math.sqrt(cfg.dConv)) : new Float32Array(size);
    } else if (name === "backbone.embeddings.weight" || name === "lm_head.weight") {
      values = Float32Array.from({ length: size }, () => 0.02 * normal(rand));
    } else if (name.endsWith("conv1d.weight")) {
      values = uniform(size, 1 / Math.sqrt(cfg.dConv));
    } else {
      // Linear weights [out, in]: kaiming-uniform bound 1/sqrt(in); out_proj rescaled by depth.
      const fanIn = shape[shape.length - 1]!;
      const scale = name.endsWith("out_proj.weight") ? 1 / Math.sqrt(cfg.nLayer) : 1;
      values = uniform(size, scale / Math.sqrt(fanIn));
    }
    // Engine-global variable names must be unique, so names stay on the record.
    out[name] = variableFrom(values, shape);
  }
  return out;
}
