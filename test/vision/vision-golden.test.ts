/**
 * The TypeScript vision encoder (CLIP `CLIPVisionModel` layout) and the mlp2x_gelu projector
 * against the float64 PyTorch reference of `test/golden/make_mlm_golden.py`: weights from the
 * golden safetensors by CLIP's and Meteor's names; patch features, projector outputs and
 * gradients compared tensor by tensor on cpu and wasm, printing the worst element. Then
 * batch independence, the image-shape check and no leaked tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { project, projectorShapes } from "../../src/lib/meteor/projector.ts";
import { resolveVisionConfig, type VisionConfig, type VisionConfigInput } from "../../src/lib/vision/config.ts";
import { ImageShapeError, visionEncode } from "../../src/lib/vision/encoder.ts";
import { visionParamShapes, type VisionParams } from "../../src/lib/vision/params.ts";
import { assertAllClose, describeClose } from "../golden/allclose.ts";
import { checkGolden, goldenTf, loadGoldenWeights, readGolden } from "../golden/golden-files.ts";

const golden = readGolden("vision-tiny.json", "make_mlm_golden.py");
const ref = golden.tensor;
const cfg: VisionConfig = resolveVisionConfig(golden.doc.config as unknown as VisionConfigInput);
const proj = (golden.doc as unknown as { projector: { prefix: string; inDim: number; outDim: number } }).projector;

const gradNames = (prefix: string) => golden.namesUnder("grad.").filter((n) => n.startsWith(prefix));

for (const backend of ["cpu", "wasm"] as const) {
  describe(`vision encoder and projector golden (${backend})`, () => {
    let params: Record<string, tf.Tensor>;
    let images: tf.Tensor4D;
    beforeAll(async () => {
      await initBackend({ backend });
      params = loadGoldenWeights("vision-tiny.safetensors");
      images = goldenTf(ref("images")) as tf.Tensor4D;
    });
    afterAll(() => tf.dispose([...Object.values(params), images]));

    it("the file holds exactly the encoder's and the projector's names and shapes", () => {
      const expected = Object.fromEntries([...visionParamShapes(cfg), ...projectorShapes(proj.prefix, proj.inDim, proj.outDim)]);
      const actual = Object.fromEntries(Object.entries(params).map(([n, t]) => [n, t.shape]));
      expect(actual).toEqual(expected);
      expect(images.shape).toEqual([2, cfg.imageSize, cfg.imageSize, cfg.channels]);
    });

    it("patch features match (CLS dropped, no post_layernorm)", () => {
      const feats = visionEncode(params, cfg, images);
      try {
        checkGolden(`${backend} features`, feats, ref("features"));
      } finally {
        feats.dispose();
      }
    });

    it("gradients of sum(features · W) match (tf.grads)", () => {
      const names = gradNames("vision_model.");
      expect(names).toContain("vision_model.embeddings.patch_embedding.weight");
      expect(names).toContain("vision_model.encoder.layers.0.self_attn.q_proj.weight");
      const w = goldenTf(ref("feature_loss_weights"));
      const lossOf = (...xs: tf.Tensor[]): tf.Scalar => {
        const p: VisionParams = { ...params, ...Object.fromEntries(names.map((n, i) => [n, xs[i]!])) };
        return tf.sum(tf.mul(visionEncode(p, cfg, images), w));
      };
      const { value, grads } = tf.valueAndGrads(lossOf)(names.map((n) => params[n]!));
      try {
        checkGolden(`${backend} feature loss`, value, ref("feature_loss"));
        names.forEach((n, i) => checkGolden(`${backend} d/d ${n}`, grads[i]!, ref(`grad.${n}`), "grad"));
      } finally {
        tf.dispose([value, ...grads, w]);
      }
    });

    it("the mlp2x_gelu projector's output and gradients match (exact erf GELU)", () => {
      const names = gradNames(`${proj.prefix}.`);
      expect(names).toHaveLength(4);
      const x = goldenTf(ref("projector_input"));
      const w = goldenTf(ref("projector_loss_weights"));
      const y = project(params, proj.prefix, x);
      const lossOf = (xIn: tf.Tensor, ...ws: tf.Tensor[]): tf.Scalar => {
        const p = { ...params, ...Object.fromEntries(names.map((n, i) => [n, ws[i]!])) };
        return tf.sum(tf.mul(project(p, proj.prefix, xIn), w));
      };
      const { value, grads } = tf.valueAndGrads(lossOf)([x, ...names.map((n) => params[n]!)]);
      try {
        checkGolden(`${backend} projector output`, y, ref("projector_output"));
        checkGolden(`${backend} projector loss`, value, ref("projector_loss"));
        checkGolden(`${backend} d/d projector input`, grads[0]!, ref("grad.projector_input"), "grad");
        names.forEach((n, i) => checkGolden(`${backend} d/d ${n}`, grads[i + 1]!, ref(`grad.${n}`), "grad"));
      } finally {
        tf.dispose([x, w, y, value, ...grads]);
      }
    });

    it("each image's features depend on that image only", () => {
      const first = images.slice([0, 0, 0, 0], [1, cfg.imageSize, cfg.imageSize, cfg.channels]);
      const both = visionEncode(params, cfg, images);
      const alone = visionEncode(params, cfg, first);
      const fromBoth = both.slice([0, 0, 0], [1, cfg.numPatches, cfg.dModel]);
      try {
        const tol = { atol: 1e-6, rtol: 1e-6 };
        const r = assertAllClose("image 0 alone vs in a batch", alone.dataSync(), fromBoth.dataSync(), alone.shape, tol);
        console.log(describeClose(`${backend} image 0 alone vs in a batch`, r, tol));
      } finally {
        tf.dispose([first, both, alone, fromBoth]);
      }
    });

    it("refuses images of the wrong size or channel count", () => {
      for (const shape of [
        [1, cfg.imageSize + cfg.patchSize, cfg.imageSize + cfg.patchSize, cfg.channels],
        [1, cfg.imageSize, cfg.imageSize, 1],
      ] as const) {
        const bad = tf.zeros([...shape]) as tf.Tensor4D;
        try {
          expect(() => visionEncode(params, cfg, bad)).toThrow(ImageShapeError);
        } finally {
          bad.dispose();
        }
      }
    });

    it("forward and a gradient call leave no tensors behind", () => {
      const before = tf.memory().numTensors;
      const feats = visionEncode(params, cfg, images);
      const y = project(params, proj.prefix, feats);
      tf.dispose([feats, y]);
      expect(tf.memory().numTensors).toBe(before);

      const patch = "vision_model.embeddings.patch_embedding.weight";
      const grads = tf.grads((pw: tf.Tensor) =>
        tf.sum(project(params, proj.prefix, visionEncode({ ...params, [patch]: pw }, cfg, images))),
      )([params[patch]!]);
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
