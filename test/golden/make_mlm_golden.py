# Regenerate (from the repository root, no npm needed):  /usr/bin/python3 test/golden/make_mlm_golden.py
# Needs only torch (1.13 works) and numpy. Writes, next to this script:
#   mlm-tiny.safetensors     random tiny InternLM2 decoder, float32, InternLM2 tensor names
#   mlm-tiny.json            its inputs and float64 reference logits, hidden states, KV-cache
#                            continuation and gradients
#   vision-tiny.safetensors  random tiny CLIP vision tower (CLIPVisionModel names) and an
#                            mlp2x_gelu projector (`mlm_vision_proj.{0,2}.*`), float32
#   vision-tiny.json         images, float64 reference patch features, projector outputs, gradients
"""
Golden files for the TypeScript MLM (src/lib/mlm), vision encoder (src/lib/vision) and
projector (src/lib/meteor/projector.ts), from textbook PyTorch code that shares nothing with
them, evaluated in float64 on float32 weights, with autograd gradients.

Glossary: b batch, l sequence length, d d_model, h query heads, kv key/value heads,
g = h / kv queries per kv head, hd = d / h head size, f feed-forward width, v vocabulary
(embedding rows), vo output vocabulary (head rows), P patch side, np patches per image.

MLM, as InternLM2 (internlm/internlm2-7b `modeling_internlm2.py`):
    x = x + wo(attn(rmsnorm(x)));  x = x + w2(silu(w1 n) * w3 n), n = rmsnorm(x)
    attn: qkv = wqkv(x) viewed "b l (kv gs hd)" with gs = g + 2: (q_0 .. q_{g-1}, k, v) per kv head
          (InternLM2Attention.forward's `rearrange(qkv, "b q (h gs d) -> b q h gs d")`);
          q, k rotated as HF `apply_rotary_pos_emb` (x cos + rotate_half(x) sin, inv_freq laid out twice);
          k, v repeated per group as `repeat_kv` (query head i reads kv head i // g); causal softmax.
    logits = output(rmsnorm(x)), output has vo = v - 2 rows (Meteor's <image>, <tor> never emitted).
The KV-cache continuation is the reference's full 12-token forward at positions 9..11.

Vision, as HF `CLIPVisionModel` (modeling_clip.py), NCHW conv on the NHWC images the library takes:
    x = [class_embedding ; conv_P(image)] + position_embedding;  x = pre_layrnorm(x)
    per layer: x = x + out_proj(mha(layer_norm1(x)));  x = x + fc2(quick_gelu(fc1(layer_norm2(x))))
    features = x[:, 1:]  (last layer's hidden states, CLS dropped, no post_layernorm).
Projector, LLaVA's mlp2x_gelu: Linear -> nn.GELU() (exact erf) -> Linear.

Weights are scaled so that attention is far from uniform and rotary positions change the
logits; the script prints both facts to stderr. Reference values are rounded to 9
significant digits (far finer than float32 resolution) to keep the JSON small; inputs and loss
weights are chosen exactly representable in float32 (multiples of 1/256 and 1/64).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import FORMAT, FORMAT_VERSION, raw, write_safetensors  # noqa: E402

SEED = 20240611
GENERATOR = "test/golden/make_mlm_golden.py (textbook InternLM2 / CLIP / mlp2x_gelu math, float64)"

MLM = dict(dModel=24, nLayer=2, nHead=4, nKvHead=2, ffnDim=48, vocabSize=41, outputVocab=39,
           ropeTheta=10000, rmsNormEps=1e-5)
B, L, L_MORE = 2, 9, 3

VISION = dict(imageSize=8, patchSize=4, dModel=16, nLayer=2, nHead=2, mlpDim=32, channels=3, layerNormEps=1e-5)
PROJ_PREFIX = "mlm_vision_proj"
PROJ_OUT = MLM["dModel"]
N_IMG = 2

MLM_GRADS = [
    "model.layers.0.attention.wqkv.weight",
    "model.layers.1.feed_forward.w1.weight",
    "model.tok_embeddings.weight",
    "output.weight",
]
VISION_GRADS = [
    "vision_model.embeddings.patch_embedding.weight",
    "vision_model.encoder.layers.0.self_attn.q_proj.weight",
    "vision_model.embeddings.class_embedding",
    "vision_model.encoder.layers.1.layer_norm2.bias",
]
PROJ_GRADS = [f"{PROJ_PREFIX}.0.weight", f"{PROJ_PREFIX}.0.bias", f"{PROJ_PREFIX}.2.weight", f"{PROJ_PREFIX}.2.bias"]


# ----------------------------------------------------------------------------------------
# Small helpers

def normal(g, shape, std):
    return torch.randn(shape, generator=g, dtype=torch.float32) * std


def grid_weights(g, shape):
    """'Random' loss weights in [-2, 2] on a 1/64 grid: exact in float32 and short in JSON."""
    return torch.randint(-128, 129, shape, generator=g).double() / 64


def put(tensors, name, t, exact=False, digits=9):
    """Stores t under name; rounded to `digits` significant digits unless exact (inputs, loss weights)."""
    values = t.detach().double().flatten().tolist()
    data = [float(x) for x in values] if exact else [float(f"{x:.{digits}g}") for x in values]
    tensors[name] = {"shape": list(t.shape), "data": data}


def save(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


# ----------------------------------------------------------------------------------------
# MLM (InternLM2)

def mlm_weights(g):
    c = MLM
    d, f, v, vo = c["dModel"], c["ffnDim"], c["vocabSize"], c["outputVocab"]
    hd = d // c["nHead"]
    qkv_rows = (c["nHead"] + 2 * c["nKvHead"]) * hd
    w = {"model.tok_embeddings.weight": normal(g, (v, d), 1.0)}
    for i in range(c["nLayer"]):
        p = f"model.layers.{i}"
        w[f"{p}.attention_norm.weight"] = 1 + 0.2 * normal(g, (d,), 1.0)
        # 2/sqrt(d): q·k/sqrt(hd) has a spread of several units, so softmax is far from uniform.
        w[f"{p}.attention.wqkv.weight"] = normal(g, (qkv_rows, d), 2.0 / math.sqrt(d))
        w[f"{p}.attention.wo.weight"] = normal(g, (d, d), 1.0 / math.sqrt(d))
        w[f"{p}.ffn_norm.weight"] = 1 + 0.2 * normal(g, (d,), 1.0)
        w[f"{p}.feed_forward.w1.weight"] = normal(g, (f, d), 1.0 / math.sqrt(d))
        w[f"{p}.feed_forward.w3.weight"] = normal(g, (f, d), 1.0 / math.sqrt(d))
        w[f"{p}.feed_forward.w2.weight"] = normal(g, (d, f), 1.0 / math.sqrt(f))
    w["model.norm.weight"] = 1 + 0.2 * normal(g, (d,), 1.0)
    w["output.weight"] = normal(g, (vo, d), 1.0 / math.sqrt(d))
    return w


def rmsnorm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(l, hd, theta):
    """HF InternLM2RotaryEmbedding: inv_freq = 1 / theta^(2i/hd), emb = cat(freqs, freqs). → [l, hd] each."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = torch.outer(torch.arange(l, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def mlm_attention(w, p, x, use_rope=True, probs_out=None):
    """x: [b, l, d] (normed) → [b, l, d]; InternLM2Attention.forward without a cache."""
    c = MLM
    b, l, d = x.shape
    h, kv = c["nHead"], c["nKvHead"]
    hd, g = d // h, h // kv
    qkv = (x @ w[f"{p}.wqkv.weight"].T).view(b, l, kv, g + 2, hd)   # "b q (h gs d) -> b q h gs d"
    q = qkv[..., :g, :].reshape(b, l, h, hd).transpose(1, 2)          # [b, h, l, hd]  "(h gs)"
    k = qkv[..., -2, :].transpose(1, 2)                               # [b, kv, l, hd]
    v = qkv[..., -1, :].transpose(1, 2)                               # [b, kv, l, hd]
    if use_rope:
        cos, sin = rope_cos_sin(l, hd, c["ropeTheta"])
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
    k = k.repeat_interleave(g, dim=1)                                 # repeat_kv: [b, h, l, hd]
    v = v.repeat_interleave(g, dim=1)
    scores = q @ k.transpose(2, 3) / math.sqrt(hd)                    # [b, h, l, l]
    causal = torch.ones(l, l, dtype=torch.bool).tril()
    probs = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
    if probs_out is not None:
        probs_out.append(probs.detach())
    ctx = (probs @ v).transpose(1, 2).reshape(b, l, d)                # [b, l, d]
    return ctx @ w[f"{p}.wo.weight"].T


def mlm_forward(w, ids, use_rope=True, probs_out=None):
    """ids [b, l] → logits [b, l, vo], final-normed hidden [b, l, d]."""
    c = MLM
    x = w["model.tok_embeddings.weight"][ids]
    for i in range(c["nLayer"]):
        p = f"model.layers.{i}"
        x = x + mlm_attention(w, f"{p}.attention", rmsnorm(x, w[f"{p}.attention_norm.weight"], c["rmsNormEps"]),
                              use_rope, probs_out)
        n = rmsnorm(x, w[f"{p}.ffn_norm.weight"], c["rmsNormEps"])
        ff = f"{p}.feed_forward"
        x = x + (F.silu(n @ w[f"{ff}.w1.weight"].T) * (n @ w[f"{ff}.w3.weight"].T)) @ w[f"{ff}.w2.weight"].T
    hidden = rmsnorm(x, w["model.norm.weight"], c["rmsNormEps"])
    return hidden @ w["output.weight"].T, hidden


def attention_stats(probs):
    """Mean over rows with ≥ 4 keys of (max prob, entropy / entropy of uniform)."""
    maxes, ratios = [], []
    for p in probs:
        l = p.shape[-1]
        for i in range(3, l):
            row = p[..., i, : i + 1]
            ent = -(row * row.clamp_min(1e-300).log()).sum(-1)
            maxes.append(row.max(-1).values.mean().item())
            ratios.append((ent / math.log(i + 1)).mean().item())
    return sum(maxes) / len(maxes), sum(ratios) / len(ratios)


def mlm_golden():
    g = torch.Generator().manual_seed(SEED)
    w32 = mlm_weights(g)
    c = MLM
    ids_all = torch.randint(0, c["vocabSize"], (B, L + L_MORE), generator=g)
    ids_all[0, 2] = c["vocabSize"] - 1   # the input may hold the ids the head cannot emit
    ids_all[1, 5] = c["vocabSize"] - 2
    loss_weights = grid_weights(g, (B, L, c["outputVocab"]))

    w = {n: t.double().requires_grad_(n in MLM_GRADS) for n, t in w32.items()}
    probs = []
    logits, hidden = mlm_forward(w, ids_all[:, :L], probs_out=probs)
    loss = (logits * loss_weights).sum()
    grads = torch.autograd.grad(loss, [w[n] for n in MLM_GRADS])

    with torch.no_grad():
        logits_all, _ = mlm_forward(w, ids_all)                         # one pass over all 12 tokens
        assert torch.allclose(logits_all[:, :L], logits, rtol=1e-12, atol=1e-12), "reference is not causal"
        logits_no_rope, _ = mlm_forward(w, ids_all[:, :L], use_rope=False)
    pmax, ent = attention_stats(probs)
    rope_effect = ((logits_no_rope - logits).abs().max() / logits.abs().max()).item()
    print(f"mlm: attention mean max prob {pmax:.3f}, entropy/uniform {ent:.3f}; "
          f"|logits(no rope) - logits| / max|logits| = {rope_effect:.3f}; max|logits| {logits.abs().max():.3f}",
          file=sys.stderr)
    assert pmax > 0.5 and rope_effect > 0.1

    tensors = {}
    tensors["input_ids"] = {"shape": [B, L], "data": ids_all[:, :L].flatten().tolist()}
    tensors["continuation_ids"] = {"shape": [B, L_MORE], "data": ids_all[:, L:].flatten().tolist()}
    put(tensors, "logits", logits)
    put(tensors, "hidden", hidden)
    put(tensors, "logits_continued", logits_all[:, L:])
    put(tensors, "loss_weights", loss_weights, exact=True)
    put(tensors, "loss", loss)
    for n, gr in zip(MLM_GRADS, grads):
        put(tensors, f"grad.{n}", gr)
    save("mlm-tiny.json", {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generator": GENERATOR,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "config": c,
        "weights": "mlm-tiny.safetensors",
        "loss": "sum(logits * loss_weights) over the first call (input_ids)",
        "notes": "logits_continued = logits at positions 9..11 of input_ids ‖ continuation_ids (the KV-cache "
                 "continuation); grad.<param> = d loss / d param; floats rounded to 9 significant digits",
        "tensors": tensors,
    })
    write_safetensors(os.path.join(HERE, "mlm-tiny.safetensors"),
                      {n: raw("F32", t.numpy()) for n, t in w32.items()},
                      {"format": "pt", "generator": "test/golden/make_mlm_golden.py"})


# ----------------------------------------------------------------------------------------
# Vision tower (CLIP) and projector (mlp2x_gelu)

def vision_weights(g):
    c = VISION
    d, f, P, ch = c["dModel"], c["mlpDim"], c["patchSize"], c["channels"]
    n_pos = (c["imageSize"] // P) ** 2 + 1
    w = {
        "vision_model.embeddings.class_embedding": normal(g, (d,), 1.0),
        "vision_model.embeddings.patch_embedding.weight": normal(g, (d, ch, P, P), 2.0 / math.sqrt(ch * P * P)),
        "vision_model.embeddings.position_embedding.weight": normal(g, (n_pos, d), 0.5),
        "vision_model.pre_layrnorm.weight": 1 + 0.2 * normal(g, (d,), 1.0),
        "vision_model.pre_layrnorm.bias": normal(g, (d,), 0.1),
    }
    for i in range(c["nLayer"]):
        p = f"vision_model.encoder.layers.{i}"
        for proj in ["q_proj", "k_proj", "v_proj", "out_proj"]:
            scale = 2.0 if proj in ("q_proj", "k_proj") else 1.0
            w[f"{p}.self_attn.{proj}.weight"] = normal(g, (d, d), scale / math.sqrt(d))
            w[f"{p}.self_attn.{proj}.bias"] = normal(g, (d,), 0.1)
        w[f"{p}.layer_norm1.weight"] = 1 + 0.2 * normal(g, (d,), 1.0)
        w[f"{p}.layer_norm1.bias"] = normal(g, (d,), 0.1)
        w[f"{p}.mlp.fc1.weight"] = normal(g, (f, d), 1.0 / math.sqrt(d))
        w[f"{p}.mlp.fc1.bias"] = normal(g, (f,), 0.1)
        w[f"{p}.mlp.fc2.weight"] = normal(g, (d, f), 1.0 / math.sqrt(f))
        w[f"{p}.mlp.fc2.bias"] = normal(g, (d,), 0.1)
        w[f"{p}.layer_norm2.weight"] = 1 + 0.2 * normal(g, (d,), 1.0)
        w[f"{p}.layer_norm2.bias"] = normal(g, (d,), 0.1)
    # Present in a CLIP checkpoint, unused by the features (LLaVA and Meteor take hidden states).
    w["vision_model.post_layernorm.weight"] = 1 + 0.2 * normal(g, (d,), 1.0)
    w["vision_model.post_layernorm.bias"] = normal(g, (d,), 0.1)
    return w


def projector_weights(g, in_dim, out_dim):
    return {
        f"{PROJ_PREFIX}.0.weight": normal(g, (out_dim, in_dim), 1.0 / math.sqrt(in_dim)),
        f"{PROJ_PREFIX}.0.bias": normal(g, (out_dim,), 0.5),
        f"{PROJ_PREFIX}.2.weight": normal(g, (out_dim, out_dim), 1.0 / math.sqrt(out_dim)),
        f"{PROJ_PREFIX}.2.bias": normal(g, (out_dim,), 0.1),
    }


def clip_encoder_layer(w, p, x, probs_out=None):
    """CLIPEncoderLayer.forward. x: [b, t, d] → [b, t, d]."""
    c = VISION
    b, t, d = x.shape
    h = c["nHead"]
    hd = d // h
    eps = c["layerNormEps"]

    def lin(y, name):
        return y @ w[f"{p}.{name}.weight"].T + w[f"{p}.{name}.bias"]

    def heads(y):
        return y.view(b, t, h, hd).transpose(1, 2)                     # [b, h, t, hd]

    r = x
    x = F.layer_norm(x, (d,), w[f"{p}.layer_norm1.weight"], w[f"{p}.layer_norm1.bias"], eps)
    q = heads(lin(x, "self_attn.q_proj") * hd ** -0.5)                   # CLIPAttention scales q
    k = heads(lin(x, "self_attn.k_proj"))
    v = heads(lin(x, "self_attn.v_proj"))
    probs = torch.softmax(q @ k.transpose(2, 3), dim=-1)                # [b, h, t, t]
    if probs_out is not None:
        probs_out.append(probs.detach())
    x = r + lin((probs @ v).transpose(1, 2).reshape(b, t, d), "self_attn.out_proj")
    r = x
    y = F.layer_norm(x, (d,), w[f"{p}.layer_norm2.weight"], w[f"{p}.layer_norm2.bias"], eps)
    y = lin(y, "mlp.fc1")
    y = y * torch.sigmoid(1.702 * y)                                   # quick_gelu
    return r + lin(y, "mlp.fc2")


def vision_forward(w, images_nhwc, probs_out=None):
    """images [b, H, W, c] → patch features [b, np, d]."""
    c = VISION
    d = c["dModel"]
    b = images_nhwc.shape[0]
    x = F.conv2d(images_nhwc.permute(0, 3, 1, 2), w["vision_model.embeddings.patch_embedding.weight"],
                 stride=c["patchSize"])                                 # [b, d, g, g]
    x = x.flatten(2).transpose(1, 2)                                    # [b, np, d], row-major patches
    cls = w["vision_model.embeddings.class_embedding"].expand(b, 1, d)
    x = torch.cat([cls, x], dim=1) + w["vision_model.embeddings.position_embedding.weight"]
    x = F.layer_norm(x, (d,), w["vision_model.pre_layrnorm.weight"], w["vision_model.pre_layrnorm.bias"],
                     c["layerNormEps"])
    for i in range(c["nLayer"]):
        x = clip_encoder_layer(w, f"vision_model.encoder.layers.{i}", x, probs_out)
    return x[:, 1:]


def projector_forward(w, x):
    y = F.gelu(x @ w[f"{PROJ_PREFIX}.0.weight"].T + w[f"{PROJ_PREFIX}.0.bias"])  # exact erf GELU
    return y @ w[f"{PROJ_PREFIX}.2.weight"].T + w[f"{PROJ_PREFIX}.2.bias"]


def vision_golden():
    g = torch.Generator().manual_seed(SEED + 1)
    c = VISION
    np_ = (c["imageSize"] // c["patchSize"]) ** 2
    w32 = {**vision_weights(g), **projector_weights(g, c["dModel"], PROJ_OUT)}
    images = torch.randint(0, 256, (N_IMG, c["imageSize"], c["imageSize"], c["channels"]), generator=g).double() / 256
    feat_weights = grid_weights(g, (N_IMG, np_, c["dModel"]))
    proj_in = torch.randint(-256, 257, (N_IMG, np_, c["dModel"]), generator=g).double() / 128
    proj_weights = grid_weights(g, (N_IMG, np_, PROJ_OUT))

    w = {n: t.double().requires_grad_(n in VISION_GRADS + PROJ_GRADS) for n, t in w32.items()}
    probs = []
    feats = vision_forward(w, images, probs)
    feat_loss = (feats * feat_weights).sum()
    feat_grads = torch.autograd.grad(feat_loss, [w[n] for n in VISION_GRADS])
    proj_in.requires_grad_(True)
    proj_out = projector_forward(w, proj_in)
    proj_loss = (proj_out * proj_weights).sum()
    proj_grads = torch.autograd.grad(proj_loss, [w[n] for n in PROJ_GRADS] + [proj_in])
    pmax = sum(p.max(-1).values.mean().item() for p in probs) / len(probs)
    print(f"vision: attention mean max prob {pmax:.3f} over {np_ + 1} tokens; max|features| {feats.abs().max():.3f}",
          file=sys.stderr)
    assert pmax > 0.4

    tensors = {}
    put(tensors, "images", images, exact=True)
    put(tensors, "features", feats)
    put(tensors, "feature_loss_weights", feat_weights, exact=True)
    put(tensors, "feature_loss", feat_loss)
    for n, gr in zip(VISION_GRADS, feat_grads):
        put(tensors, f"grad.{n}", gr)
    put(tensors, "projector_input", proj_in, exact=True)
    put(tensors, "projector_output", proj_out)
    put(tensors, "projector_loss_weights", proj_weights, exact=True)
    put(tensors, "projector_loss", proj_loss)
    for n, gr in zip(PROJ_GRADS + ["projector_input"], proj_grads):
        put(tensors, f"grad.{n}", gr)
    save("vision-tiny.json", {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generator": GENERATOR,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "seed": SEED + 1,
        "config": c,
        "projector": {"prefix": PROJ_PREFIX, "inDim": c["dModel"], "outDim": PROJ_OUT},
        "weights": "vision-tiny.safetensors",
        "loss": "feature_loss = sum(features * feature_loss_weights); "
                "projector_loss = sum(projector_output * projector_loss_weights)",
        "notes": "images are NHWC in [0, 1); grad.vision_model.* = d feature_loss / d param; "
                 f"grad.{PROJ_PREFIX}.* and grad.projector_input = d projector_loss / d x; "
                 "floats rounded to 9 significant digits",
        "tensors": tensors,
    })
    write_safetensors(os.path.join(HERE, "vision-tiny.safetensors"),
                      {n: raw("F32", t.numpy()) for n, t in w32.items()},
                      {"format": "pt", "generator": "test/golden/make_mlm_golden.py"})


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    mlm_golden()
    vision_golden()
    for name in ["mlm-tiny.safetensors", "mlm-tiny.json", "vision-tiny.safetensors", "vision-tiny.json"]:
        print(f"{name}: {os.path.getsize(os.path.join(HERE, name))} bytes", file=sys.stderr)
