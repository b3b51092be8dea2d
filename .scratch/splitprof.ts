import * as tf from "../src/lib/tf.ts";
import { initBackend } from "../src/lib/backend.ts";
import { initMeteorVariables } from "../src/lib/meteor/params.ts";
import { resolveRunConfig } from "../src/lib/train/run-config.ts";
import { Trainer } from "../src/lib/train/trainer.ts";
import { presetData } from "../bench/train.ts";
await initBackend({ backend: "wasm", native: true });
const preset = "small";
const data = await presetData(preset, 64, () => {});
const { run, cfg, tokenizer, train } = data;
const vars = initMeteorVariables(cfg, run.seed);
const trainer = new Trainer(cfg, vars, tokenizer, { train, validation: [] }, { ...run.train, steps: { pretrain: 0, embed: 0, answer: 4 } });
await trainer.step(); await trainer.step();
const info = await tf.profile(async () => { await trainer.step(); return []; });
const agg = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels as any[]) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += k.kernelTimeMs; a.n++; agg.set(key, a);
}
[...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40).forEach(([k, v]) => console.log(v.ms.toFixed(2).padStart(8), String(v.n).padStart(4), k));
