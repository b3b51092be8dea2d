#!/usr/bin/env python3
# Usage (what bench/train.ts does):  /usr/bin/python3 bench/peers/meteor_torch.py < request.json > result.json
# Needs torch (Debian's python3-torch 1.13, CPU) and nothing else.
"""
The PyTorch peer of the training bench: the same Meteor architecture as the TypeScript
library, written as ordinary float32 torch.nn modules with autograd, trained with
torch.optim.AdamW on the CPU. What a PyTorch user without the CUDA kernels would run: the
Mamba's selective scan is mamba_ssm's `selective_scan_ref`, a sequential Python loop over L
("scan": "unbind" = the same loop taking its time steps with `unbind`, whose backward is linear
in L: see `selective_scan_ref`).

Architecture (matching src/lib and the float64 references in test/golden/make_*_golden.py):
  vision   CLIP ViT: (pixels − mean) / std → patch conv (no bias) → [CLS ‖ patches] + positions → pre-LayerNorm →
           pre-norm blocks (MHA, quick-GELU MLP) → last layer's patch tokens (CLS dropped)
  projectors  mlp2x_gelu: Linear → GELU (erf) → Linear   (vision→Mamba, vision→MLM, tor→MLM)
  Mamba    embedding → nLayer × (x + mixer(RMSNorm x)) → RMSNorm;
           mixer: in_proj → (x, z) → causal depthwise conv1d → SiLU → x_proj → (Δ, B, C) →
           dt_proj → selective_scan_ref(u, Δ, A = −exp(A_log), B, C, D, z, Δ bias, softplus) → out_proj
  MLM      InternLM2: embedding → nLayer × (x + attn(RMSNorm x); x + SwiGLU(RMSNorm x)) →
           RMSNorm → head (vocab − 2 rows); attention: packed wqkv grouped per kv head,
           rotary ("rotate half"), grouped-query (repeat_kv), causal softmax
  forward  feats = vision(images) (frozen, no grad) → Mamba over ids with image rows ←
           mambaVisionProj(feats) → tor = torProj(hidden at <tor>) → MLM over ids with image
           rows ← mlmVisionProj(feats) (answer stage only) and <tor> rows ← tor →
           cross-entropy on the target positions
  trained  answer: both projectors, Mamba, tor projector, MLM;  embed: Mamba's vision
           projector, Mamba, tor projector (the MLM is frozen; gradients pass through it)
  step     zero_grad → forward → backward → clip_grad_norm_(1.0) → AdamW (β 0.9/0.95,
           ε 1e-8, weight decay 0.01 on matrices only) → loss.item()

Inputs are random ids and pixels of the shapes the TypeScript bench measured (one shape per
step, replayed in order). Layout within each row, the same for every step: Mamba — image
rows at positions 1…np (rows < images), the numTor `<tor>` positions just before the last
two; MLM — `<tor>` at 1…numTor, image rows right after them (when `mlmImages`), the targets
the last ceil(targets / batch) positions. Padding is not modelled: every row runs the full
padded length (our scan skips padded positions; this loop, like selective_scan_ref, cannot).

Request (stdin JSON):
  {"mode": "train" | "loss" | "check", "config": <resolved MeteorConfig>, "stage": "answer" | "embed",
   "threads": 2, "seed": 0, "lr": 1e-3, "scan": "ref" | "unbind" | "pscan", "warmup": [Shape…], "steps": [Shape…],
   "weights": {name: {"shape", "data"}}, "batch": Batch}          (the last two for "check")
  Shape = {"batch", "mambaLength", "mlmLength", "images", "mlmImages", "targets"}
  weights: the library's flat parameter names, data = base64 of little-endian float32
  Batch = {"size", "images", "pixels" (base64 float32), "mamba": Seq, "mlm": Seq}, Seq = {"length",
          "ids", "imageIndex" (or null), "torIndex", "targets" (MLM; −1 = none)}: a MeteorBatch
Result (stdout JSON), each with "torch", "threads", "scan", "blas", "blasPath":
  train → {"stepMs": [...], "losses": [...], "peakRssMiB"};
  sgemm → {"n", "gflops"}: an [n, n] · [n, n] float32 product (request "n", default 2048), best of 3;
  loss → {"torch", "threads", "loss"} (one forward on steps[0], no update);
  check → {"torch", "threads", "loss"}: the loss of the library's weights on the library's
  batch, which must equal the library's own (the bench and the tests compare them).
Logs go to stderr; a failure exits non-zero with the reason on stderr.
"""
import base64
from collections import OrderedDict
import json
import math
import os
import re
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------
# Parts

class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def projector(in_dim, out_dim, norm=False):
    """LLaVA's mlp2x_gelu; with `norm` (the playground's image projectors, imageFeatureNorm) an
    RMSNorm with a learned gain follows, named `norm` as in src/lib/meteor/projector.ts."""
    layers = [("0", nn.Linear(in_dim, out_dim)), ("1", nn.GELU()), ("2", nn.Linear(out_dim, out_dim))]
    if norm:
        layers.append(("norm", RMSNorm(out_dim, 1e-6)))
    return nn.Sequential(OrderedDict(layers))


class ClipLayer(nn.Module):
    """CLIPEncoderLayer: x + attn(ln1 x); x + fc2(quick_gelu(fc1(ln2 x)))."""

    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.h = c["nHead"]
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))
        self.layer_norm1 = nn.LayerNorm(d, eps=c["layerNormEps"])
        self.layer_norm2 = nn.LayerNorm(d, eps=c["layerNormEps"])
        self.fc1 = nn.Linear(d, c["mlpDim"])
        self.fc2 = nn.Linear(c["mlpDim"], d)

    def forward(self, x):                                              # [b, t, d]
        b, t, d = x.shape
        hd = d // self.h
        heads = lambda y: y.view(b, t, self.h, hd).transpose(1, 2)     # [b, h, t, hd]
        n = self.layer_norm1(x)
        q, k, v = heads(self.q_proj(n)), heads(self.k_proj(n)), heads(self.v_proj(n))
        probs = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(hd), dim=-1)   # [b, h, t, t]
        x = x + self.out_proj((probs @ v).transpose(1, 2).reshape(b, t, d))
        y = self.fc1(self.layer_norm2(x))
        return x + self.fc2(y * torch.sigmoid(1.702 * y))


class Vision(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, p = c["dModel"], c["patchSize"]
        self.patch = p
        self.patch_embedding = nn.Conv2d(c["channels"], d, p, stride=p, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(d) * 0.02)
        self.position_embedding = nn.Parameter(torch.randn(c["numPatches"] + 1, d) * 0.02)
        self.pre_layrnorm = nn.LayerNorm(d, eps=c["layerNormEps"])
        self.layers = nn.ModuleList(ClipLayer(c) for _ in range(c["nLayer"]))
        # per-channel pixel normalisation, as CLIP's processor and src/lib/vision/encoder.ts do
        self.register_buffer("pixel_mean", torch.tensor(c["pixelMean"], dtype=torch.float32), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(c["pixelStd"], dtype=torch.float32), persistent=False)

    def forward(self, images):                                         # [b, H, W, c] → [b, np, d]
        images = (images - self.pixel_mean) / self.pixel_std
        x = self.patch_embedding(images.permute(0, 3, 1, 2)).flatten(2).transpose(1, 2)  # [b, np, d]
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = self.pre_layrnorm(torch.cat([cls, x], 1) + self.position_embedding)
        for layer in self.layers:
            x = layer(x)
        return x[:, 1:]


def selective_scan_ref(u, delta, A, B, C, D, z, delta_bias, delta_softplus=True, unbind=False):
    """mamba_ssm/ops/selective_scan_interface.py `selective_scan_ref` (real A, B and C
    varying over l): u, delta, z [b, e, l]; A [e, n]; B, C [b, n, l]; D, delta_bias [e] → [b, e, l].
    `unbind` (not in the original) takes the time steps with one `unbind` instead of an index
    per step: the same values, but autograd's backward no longer writes a zero-filled
    [b, e, l, n] gradient for every step (the original's backward is quadratic in l)."""
    delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    b, e, l = u.shape
    x = u.new_zeros((b, e, A.shape[1]))                                # [b, e, n]
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))          # [b, e, l, n]
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)          # [b, e, l, n]
    if unbind:
        deltaA, deltaB_u, C = deltaA.unbind(2), deltaB_u.unbind(2), C.unbind(2)
    else:
        deltaA, deltaB_u, C = [deltaA[:, :, i] for i in range(l)], [deltaB_u[:, :, i] for i in range(l)], [C[:, :, i] for i in range(l)]
    ys = []
    for i in range(l):
        x = deltaA[i] * x + deltaB_u[i]
        ys.append(torch.einsum("bdn,bn->bd", x, C[i]))                  # [b, e]
    y = torch.stack(ys, dim=2)                                         # [b, e, l]
    out = y + u * D[..., None]
    return out * F.silu(z)


def _pscan(A, X):
    """H_t = A_t ⊙ H_{t−1} + X_t over dim 2 (H_{−1} = 0) for A, X [b, e, l, n], without autograd:
    Blelloch's work-efficient scan (O(l) work, O(log l) depth) in its recursive form. Pairs
    (2k, 2k+1) combine into one element (A₂ = A_{2k+1}·A_{2k}, X₂ = A_{2k+1}·X_{2k} + X_{2k+1});
    the half-length scan of the pairs gives H at odd t, and the even t follow in one step. Any
    l: an odd last element is left out of the pairing and finished by the even step."""
    l = X.shape[2]
    if l == 1:
        return X.clone()
    lp = l - l % 2
    a_even, a_odd = A[:, :, 0:lp:2], A[:, :, 1:lp:2]
    h_odd = _pscan(a_odd * a_even, torch.addcmul(X[:, :, 1:lp:2], a_odd, X[:, :, 0:lp:2]))   # H at t = 1, 3, …
    H = torch.empty_like(X)
    H[:, :, 1:lp:2] = h_odd
    H[:, :, 0] = X[:, :, 0]
    H[:, :, 2::2] = torch.addcmul(X[:, :, 2::2], A[:, :, 2::2], h_odd[:, :, : (l - 1) // 2])   # H at t = 2, 4, …
    return H


class PScan(torch.autograd.Function):
    """The parallel scan as mamba.py's `PScan` (alxndrTL/mamba.py `pscan.py`): forward and
    backward are each one scan; the backward runs it over reversed time with the coefficients
    shifted by one (G_t = dH_t + A_{t+1}·G_{t+1}; dX = G; dA_t = G_t·H_{t−1}). Divergence:
    mamba.py pads l to a power of two and sweeps in place; this recursion takes any l as it is."""

    @staticmethod
    def forward(ctx, A, X):
        H = _pscan(A, X)
        ctx.save_for_backward(A, H)
        return H

    @staticmethod
    def backward(ctx, dH):
        A, H = ctx.saved_tensors
        a_next = torch.zeros_like(A)
        a_next[:, :, :-1] = A[:, :, 1:]
        G = _pscan(a_next.flip(2), dH.flip(2)).flip(2)
        h_prev = torch.zeros_like(H)
        h_prev[:, :, 1:] = H[:, :, :-1]
        return G * h_prev, G


def pscan(A, X):
    """H_t = A_t ⊙ H_{t−1} + X_t over dim 2 for A, X [b, e, l, n] (differentiable): `PScan`."""
    return PScan.apply(A, X)


def selective_scan_pscan(u, delta, A, B, C, D, z, delta_bias, delta_softplus=True):
    """`selective_scan_ref`'s arithmetic with the recurrence over L taken by `pscan`. Shapes as there."""
    delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))          # [b, e, l, n]
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)          # [b, e, l, n]
    h = pscan(deltaA, deltaB_u)                                        # [b, e, l, n]
    y = torch.einsum("bdln,bnl->bdl", h, C)                            # [b, e, l]
    out = y + u * D[..., None]
    return out * F.silu(z)


class MambaMixer(nn.Module):
    """mamba_ssm `Mamba.forward` on its reference path (no fused kernels)."""

    def __init__(self, c, scan):
        super().__init__()
        d, e, n, k, r = c["dModel"], c["dInner"], c["dState"], c["dConv"], c["dtRank"]
        self.scan = scan
        self.e, self.n, self.r = e, n, r
        self.in_proj = nn.Linear(d, 2 * e, bias=c["projBias"])
        self.conv1d = nn.Conv1d(e, e, k, groups=e, padding=k - 1, bias=c["convBias"])
        self.x_proj = nn.Linear(e, r + 2 * n, bias=False)
        self.dt_proj = nn.Linear(r, e, bias=True)
        dt = torch.exp(torch.rand(e) * (math.log(c["dtMax"]) - math.log(c["dtMin"])) + math.log(c["dtMin"]))
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(e, 1))
        self.D = nn.Parameter(torch.ones(e))
        self.out_proj = nn.Linear(e, d, bias=c["projBias"])

    def forward(self, x):                                              # [b, l, d]
        l = x.shape[1]
        xz = self.in_proj(x).transpose(1, 2)                           # [b, 2e, l]
        xi, z = xz.chunk(2, dim=1)                                     # [b, e, l] each
        xi = F.silu(self.conv1d(xi)[..., :l])                          # causal: keep the first l
        x_dbl = self.x_proj(xi.transpose(1, 2))                        # [b, l, r + 2n]
        dt, B, C = x_dbl.split([self.r, self.n, self.n], dim=-1)
        delta = (dt @ self.dt_proj.weight.T).transpose(1, 2)           # [b, e, l] (bias in the scan)
        A = -torch.exp(self.A_log)
        args = (xi, delta, A, B.transpose(1, 2), C.transpose(1, 2), self.D, z, self.dt_proj.bias)
        y = selective_scan_pscan(*args) if self.scan == "pscan" else selective_scan_ref(*args, unbind=self.scan == "unbind")
        return self.out_proj(y.transpose(1, 2))                        # [b, l, d]


class MambaBackbone(nn.Module):
    def __init__(self, c, scan):
        super().__init__()
        self.embeddings = nn.Embedding(c["vocabSize"], c["dModel"])
        self.norms = nn.ModuleList(RMSNorm(c["dModel"], c["rmsNormEps"]) for _ in range(c["nLayer"]))
        self.mixers = nn.ModuleList(MambaMixer(c, scan) for _ in range(c["nLayer"]))
        self.norm_f = RMSNorm(c["dModel"], c["rmsNormEps"])

    def forward(self, x):                                              # embeddings [b, l, d] → [b, l, d]
        for norm, mixer in zip(self.norms, self.mixers):
            x = x + mixer(norm(x))
        return self.norm_f(x)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class InternLM2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.kv, self.hd = c["nHead"], c["nKvHead"], c["headDim"]
        self.theta = c["ropeTheta"]
        self.wqkv = nn.Linear(c["dModel"], (self.h + 2 * self.kv) * self.hd, bias=False)
        self.wo = nn.Linear(self.h * self.hd, c["dModel"], bias=False)

    def forward(self, x, cos, sin, causal):                            # [b, l, d]
        b, l, d = x.shape
        g = self.h // self.kv
        qkv = self.wqkv(x).view(b, l, self.kv, g + 2, self.hd)          # "b q (h gs d) -> b q h gs d"
        q = qkv[..., :g, :].reshape(b, l, self.h, self.hd).transpose(1, 2)   # [b, h, l, hd]
        k = qkv[..., -2, :].transpose(1, 2)                            # [b, kv, l, hd]
        v = qkv[..., -1, :].transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(g, dim=1)                              # repeat_kv: [b, h, l, hd]
        v = v.repeat_interleave(g, dim=1)
        scores = (q @ k.transpose(2, 3)) / math.sqrt(self.hd)          # [b, h, l, l]
        probs = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
        return self.wo((probs @ v).transpose(1, 2).reshape(b, l, d))


class InternLM2Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention_norm = RMSNorm(c["dModel"], c["rmsNormEps"])
        self.attention = InternLM2Attention(c)
        self.ffn_norm = RMSNorm(c["dModel"], c["rmsNormEps"])
        self.w1 = nn.Linear(c["dModel"], c["ffnDim"], bias=False)
        self.w3 = nn.Linear(c["dModel"], c["ffnDim"], bias=False)
        self.w2 = nn.Linear(c["ffnDim"], c["dModel"], bias=False)

    def forward(self, x, cos, sin, causal):
        x = x + self.attention(self.attention_norm(x), cos, sin, causal)
        n = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(n)) * self.w3(n))


class InternLM2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.tok_embeddings = nn.Embedding(c["vocabSize"], c["dModel"])
        self.layers = nn.ModuleList(InternLM2Layer(c) for _ in range(c["nLayer"]))
        self.norm = RMSNorm(c["dModel"], c["rmsNormEps"])
        self.output = nn.Linear(c["dModel"], c["outputVocab"], bias=False)

    def forward(self, x):                                              # embeddings [b, l, d] → logits [b, l, vo]
        l, hd = x.shape[1], self.c["headDim"]
        inv_freq = 1.0 / (self.c["ropeTheta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        emb = torch.outer(torch.arange(l, dtype=torch.float32), inv_freq)
        emb = torch.cat((emb, emb), dim=-1)                            # [l, hd]
        cos, sin = emb.cos(), emb.sin()
        causal = torch.ones(l, l, dtype=torch.bool).tril()
        for layer in self.layers:
            x = layer(x, cos, sin, causal)
        return self.output(self.norm(x))


class Meteor(nn.Module):
    def __init__(self, c, scan="ref"):
        super().__init__()
        self.c = c
        dv, dm, dq = c["vision"]["dModel"], c["mamba"]["dModel"], c["mlm"]["dModel"]
        self.vision = Vision(c["vision"])
        norm = c.get("imageFeatureNorm", False)
        self.mamba_vision_proj = projector(dv, dm, norm)
        self.mlm_vision_proj = projector(dv, dq, norm)
        self.mamba = MambaBackbone(c["mamba"], scan)
        self.tor_proj = projector(dm, dq)
        self.mlm = InternLM2(c["mlm"])

    def trained(self, stage):
        parts = [self.mamba_vision_proj, self.mamba, self.tor_proj]
        if stage == "answer":
            parts += [self.mlm_vision_proj, self.mlm]
        return parts

    def forward(self, inp):
        c = self.c
        with torch.no_grad():                                          # the vision encoder is frozen
            feats = self.vision(inp["images"]) if inp["images"] is not None else None   # [nImg, np, dv]
        x = self.mamba.embeddings(inp["mamba_ids"])                    # [b, lm, dm]
        if feats is not None:
            x = x.clone()
            x[inp["mamba_image_mask"]] = self.mamba_vision_proj(feats).reshape(-1, x.shape[-1])
        hidden = self.mamba(x)                                         # [b, lm, dm]
        tor = self.tor_proj(hidden[inp["mamba_tor_mask"]])            # [b·numTor, dq]
        q = self.mlm.tok_embeddings(inp["mlm_ids"]).clone()            # [b, lq, dq]
        if feats is not None and inp["mlm_image_mask"] is not None:
            q[inp["mlm_image_mask"]] = self.mlm_vision_proj(feats).reshape(-1, q.shape[-1])
        q[inp["mlm_tor_mask"]] = tor
        logits = self.mlm(q)                                           # [b, lq, vo]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), inp["targets"].reshape(-1), ignore_index=-100)


# ----------------------------------------------------------------------------------------
# Inputs of one step, from its shape

def make_inputs(cfg, shape, gen):
    b, lm, lq = shape["batch"], shape["mambaLength"], shape["mlmLength"]
    n_img, t = shape["images"], cfg["numTor"]
    v = cfg["vision"]
    np_ = v["numPatches"]
    vocab, vo = cfg["vocabSize"], cfg["mlm"]["outputVocab"]
    per_row = -(-shape["targets"] // b)
    if lm < 1 + np_ + t + 2 or lq < 1 + t + (np_ if shape["mlmImages"] else 0) + per_row:
        raise ValueError(f"shape {shape} is too short for {np_} image rows and {t} <tor> tokens")
    mamba_ids = torch.randint(0, vo, (b, lm), generator=gen)
    mlm_ids = torch.randint(0, vo, (b, lq), generator=gen)
    mamba_image = torch.zeros(b, lm, dtype=torch.bool)
    mamba_image[:n_img, 1:1 + np_] = True
    mamba_tor = torch.zeros(b, lm, dtype=torch.bool)
    mamba_tor[:, lm - 2 - t:lm - 2] = True
    mlm_tor = torch.zeros(b, lq, dtype=torch.bool)
    mlm_tor[:, 1:1 + t] = True
    mlm_image = None
    if shape["mlmImages"] and n_img > 0:
        mlm_image = torch.zeros(b, lq, dtype=torch.bool)
        mlm_image[:n_img, 1 + t:1 + t + np_] = True
    mamba_ids[mamba_image] = vocab - 2                                 # <image>, overwritten by features
    mamba_ids[mamba_tor] = vocab - 1
    mlm_ids[mlm_tor] = vocab - 1
    targets = torch.full((b, lq), -100, dtype=torch.long)
    targets[:, lq - per_row:] = torch.randint(0, vo, (b, per_row), generator=gen)
    images = torch.rand((n_img, v["imageSize"], v["imageSize"], v["channels"]), generator=gen) if n_img > 0 else None
    return {"images": images, "mamba_ids": mamba_ids, "mamba_image_mask": mamba_image, "mamba_tor_mask": mamba_tor,
            "mlm_ids": mlm_ids, "mlm_image_mask": mlm_image, "mlm_tor_mask": mlm_tor, "targets": targets}


def floats(b64, shape):
    return torch.frombuffer(bytearray(base64.b64decode(b64)), dtype=torch.float32).reshape(shape)


def inputs_from_batch(cfg, batch):
    """A MeteorBatch (src/lib/meteor/batch.ts) as this module's inputs: splice masks from the
    index arrays, whose rows must be numbered in position order (they are)."""
    b = batch["size"]

    def seq(s):
        l = s["length"]
        ids = torch.tensor(s["ids"], dtype=torch.long).view(b, l)
        masks = {}
        for key in ("imageIndex", "torIndex"):
            if s.get(key) is None:
                masks[key] = None
                continue
            index = torch.tensor(s[key], dtype=torch.long).view(b, l)
            mask = index >= 0
            if not torch.equal(index[mask], torch.arange(int(mask.sum()))):
                raise ValueError(f"{key} does not number its rows in position order")
            masks[key] = mask
        return ids, masks, l

    mamba_ids, mamba_masks, _ = seq(batch["mamba"])
    mlm_ids, mlm_masks, lq = seq(batch["mlm"])
    v = cfg["vision"]
    n_img = batch["images"]
    images = floats(batch["pixels"], (n_img, v["imageSize"], v["imageSize"], v["channels"])) if n_img > 0 else None
    targets = torch.tensor(batch["mlm"]["targets"], dtype=torch.long).view(b, lq)
    targets[targets < 0] = -100
    return {"images": images, "mamba_ids": mamba_ids, "mamba_image_mask": mamba_masks["imageIndex"],
            "mamba_tor_mask": mamba_masks["torIndex"], "mlm_ids": mlm_ids, "mlm_image_mask": mlm_masks["imageIndex"],
            "mlm_tor_mask": mlm_masks["torIndex"], "targets": targets}


# The library's flat names (HF CLIP / Mamba / InternLM2 names under a part prefix) → this
# module's; the first matching rule applies; None = not used by the forward.
RENAMES = [
    (r"^facts\.", None),  # the vision fact head trains only in the perceive stage, never timed here
    (r"^vision\.vision_model\.embeddings\.patch_embedding\.", "vision.patch_embedding."),
    (r"^vision\.vision_model\.embeddings\.class_embedding$", "vision.class_embedding"),
    (r"^vision\.vision_model\.embeddings\.position_embedding\.weight$", "vision.position_embedding"),
    (r"^vision\.vision_model\.post_layernorm\.", None),
    (r"^vision\.vision_model\.encoder\.layers\.(\d+)\.(self_attn|mlp)\.", r"vision.layers.\1."),
    (r"^vision\.vision_model\.encoder\.layers\.", "vision.layers."),
    (r"^vision\.vision_model\.", "vision."),
    (r"^mamba\.backbone\.layers\.(\d+)\.norm\.", r"mamba.norms.\1."),
    (r"^mamba\.backbone\.layers\.(\d+)\.mixer\.", r"mamba.mixers.\1."),
    (r"^mamba\.backbone\.", "mamba."),
    (r"^mlm\.model\.layers\.(\d+)\.feed_forward\.", r"mlm.layers.\1."),
    (r"^mlm\.model\.", "mlm."),
]


def load_weights(model, weights):
    state = model.state_dict()
    loaded = set()
    for name, w in weights.items():
        target = name
        for pattern, repl in RENAMES:
            if re.search(pattern, name):
                target = None if repl is None else re.sub(pattern, repl, name)
                break
        if target is None:
            continue
        if target not in state:
            raise KeyError(f"{name} → {target}: no such parameter in the torch model")
        t = floats(w["data"], w["shape"])
        if t.numel() != state[target].numel():
            raise ValueError(f"{name}: shape {w['shape']} for {list(state[target].shape)}")
        with torch.no_grad():
            state[target].copy_(t.reshape(state[target].shape))
        loaded.add(target)
    missing = sorted(set(state) - loaded)
    if missing:
        raise KeyError(f"weights missing for {', '.join(missing)}")


def optimizer(params, lr):
    """AdamW as src/lib/train/adamw.ts: decay on matrices (rank ≥ 2) only."""
    decay = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95), eps=1e-8)


def blas_in_use():
    """The BLAS library mapped into this process after a matmul: (kind, path), kind one of
    "openblas", "reference" (netlib libblas3), "mkl", "blis", "unknown"."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if re.match(r"lib(open)?blas|libmkl|libblis|libcblas", name):
                paths.add(os.path.realpath(path))
    for kind, pattern in (("openblas", "openblas"), ("mkl", "mkl"), ("blis", "blis"), ("reference", "/blas/")):
        hit = sorted(p for p in paths if pattern in p)
        if hit:
            return kind, hit[0]
    return "unknown", ", ".join(sorted(paths)) or "none mapped (torch's own kernels)"


def sgemm_gflops(n):
    """Best of 3 [n, n] · [n, n] float32 products after one warm-up, in GFLOP/s (2n³ each)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(int(req["threads"]))
    blas, blas_path = blas_in_use()
    if req["mode"] == "sgemm":
        n = int(req.get("n", 2048))
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "blasPath": blas_path, "n": n, "gflops": sgemm_gflops(n)}, sys.stdout)
        return
    torch.manual_seed(int(req.get("seed", 0)))
    gen = torch.Generator().manual_seed(int(req.get("seed", 0)))
    cfg, stage = req["config"], req["stage"]
    if stage not in ("answer", "embed"):
        raise ValueError(f"stage must be answer or embed, got {stage!r}")
    scan = req.get("scan", "ref")
    if scan not in ("ref", "unbind", "pscan"):
        raise ValueError(f"scan must be ref, unbind or pscan, got {scan!r}")
    model = Meteor(cfg, scan=scan)
    model.requires_grad_(False)
    params = []
    for part in model.trained(stage):
        part.requires_grad_(True)
        params += list(part.parameters())
    head = {"torch": torch.__version__, "threads": torch.get_num_threads(), "scan": scan, "blas": blas, "blasPath": blas_path}
    if req["mode"] == "loss":
        loss = model(make_inputs(cfg, req["steps"][0], gen))
        json.dump({**head, "loss": loss.item()}, sys.stdout)
        return
    if req["mode"] == "check":
        load_weights(model, req["weights"])
        loss = model(inputs_from_batch(cfg, req["batch"]))
        json.dump({**head, "loss": loss.item()}, sys.stdout)
        return
    opt = optimizer(params, float(req.get("lr", 1e-3)))
    step_ms, losses = [], []
    shapes = [("warm-up", s) for s in req["warmup"]] + [("step", s) for s in req["steps"]]
    for i, (kind, shape) in enumerate(shapes):
        inp = make_inputs(cfg, shape, gen)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(inp)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        value = loss.item()
        ms = (time.perf_counter() - t0) * 1000
        print(f"torch {stage}: {kind} {i + 1}/{len(shapes)} loss {value:.3f} {ms:.0f} ms", file=sys.stderr)
        if not math.isfinite(value):
            raise FloatingPointError(f"loss is {value} at step {i + 1}")
        if kind == "step":
            step_ms.append(ms)
            losses.append(value)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024        # KiB on Linux
    json.dump({**head, "stepMs": step_ms, "losses": losses, "peakRssMiB": peak}, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # a loader's contract: the reason on stderr, a non-zero exit
        print(f"meteor_torch.py: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
