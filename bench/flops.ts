/**
 * Model FLOPs of one training step, counted analytically (the bench's `gflops` =
 * stepFlops ÷ the step's seconds). Counted: every matrix product, as 2·m·k·n multiply-adds.
 * Not counted: the selective scan, norms, activations, softmax, the optimizer (all
 * O(positions · width), small beside the products at these widths).
 *
 * Forward, per part (P = positions the part sees, in → out a weight's shape):
 *   linear        2·P·in·out                     attention      2 · 2·b·h·l²·hd (QKᵀ and P·V)
 *   conv1d taps   2·P·dInner·dConv               patch conv     2·images·patches·(c·p²)·dv
 * Backward: a trainable part 2× its forward (input and weight gradients); a frozen part
 * that gradients pass through (the MLM in Meteor's step 1) 1× for its linears (input
 * gradients only) and 2× for attention (both operands depend on the input); a frozen part
 * off the gradient path (the vision encoder) 0×. So a trainable dense model costs the
 * familiar 6 · params · positions, refined for attention and the frozen parts.
 *
 * Positions are padded lengths: both sides of the bench compute over padding.
 */
import type { MeteorConfig } from "../src/lib/meteor/config.ts";
import type { StepShape } from "./step-shape.ts";

/** Forward and backward FLOPs of the parts of one step. */
export function stepFlops(cfg: MeteorConfig, shape: StepShape, stage: "answer" | "embed"): number {
  const { vision: v, mamba: m, mlm: q } = cfg;
  let flops = 0;
  /** Adds a part's forward `f`, with its backward by role. */
  const part = (f: number, role: "trainable" | "frozen-on-path" | "off-path", attention = 0) => {
    flops += f + attention;
    if (role === "trainable") flops += 2 * f + 2 * attention;
    if (role === "frozen-on-path") flops += f + 2 * attention;
  };
  const lin = (p: number, i: number, o: number) => 2 * p * i * o;

  // vision encoder (frozen, no gradient): patch conv, then nLayer pre-norm blocks
  const imgs = shape.images;
  if (imgs > 0) {
    const t = v.numPatches + 1;
    const P = imgs * t;
    let f = lin(imgs * v.numPatches, v.channels * v.patchSize * v.patchSize, v.dModel);
    f += v.nLayer * (lin(P, v.dModel, 4 * v.dModel) + lin(P, v.dModel, v.mlpDim) + lin(P, v.mlpDim, v.dModel));
    part(f, "off-path", v.nLayer * 2 * 2 * imgs * t * t * v.dModel);
    // projectors (mlp2x_gelu): vision → Mamba always, vision → MLM in the answer stage
    part(lin(imgs * v.numPatches, v.dModel, m.dModel) + lin(imgs * v.numPatches, m.dModel, m.dModel), "trainable");
    if (shape.mlmImages) part(lin(imgs * v.numPatches, v.dModel, q.dModel) + lin(imgs * v.numPatches, q.dModel, q.dModel), "trainable");
  }

  // Mamba (trainable in both stages)
  const Pm = shape.batch * shape.mambaLength;
  const e = m.dInner;
  const mixer = lin(Pm, m.dModel, 2 * e) + 2 * Pm * e * m.dConv + lin(Pm, e, m.dtRank + 2 * m.dState) + lin(Pm, m.dtRank, e) + lin(Pm, e, m.dModel);
  part(m.nLayer * mixer, "trainable");

  // <tor> projector (trainable): numTor rows per batch row
  const Pt = shape.batch * cfg.numTor;
  part(lin(Pt, m.dModel, q.dModel) + lin(Pt, q.dModel, q.dModel), "trainable");

  // MLM: trainable in the answer stage, frozen with gradients through it in step 1
  const Pq = shape.batch * shape.mlmLength;
  const kv = q.nKvHead * q.headDim;
  const layer = lin(Pq, q.dModel, q.nHead * q.headDim + 2 * kv) + lin(Pq, q.nHead * q.headDim, q.dModel) + 3 * lin(Pq, q.dModel, q.ffnDim);
  const attention = q.nLayer * 2 * 2 * shape.batch * q.nHead * shape.mlmLength * shape.mlmLength * q.headDim;
  part(q.nLayer * layer + lin(Pq, q.dModel, q.outputVocab), stage === "answer" ? "trainable" : "frozen-on-path", attention);
  return flops;
}
