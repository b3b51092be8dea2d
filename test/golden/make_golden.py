# Regenerate (from the repository root, no npm needed):  /usr/bin/python3 test/golden/make_golden.py
# Needs only torch (1.13 works) and numpy. Writes, next to this script:
#   mamba-tiny.safetensors       random tiny Mamba, float32, Hugging Face MambaForCausalLM names
#   mamba-tiny-bf16.safetensors  the same weights rounded to bfloat16
#   mamba-tiny.json              inputs and float64 reference outputs and gradients
#   dtypes.safetensors           one tensor per safetensors dtype, for the reader's conversions
"""
Golden files for the TypeScript Mamba and its safetensors loader, from an implementation
that shares no code with it: the textbook Mamba math of johnma2006/mamba-minimal
(model.py), evaluated in float64 by PyTorch on float32 weights, with autograd gradients.

Glossary (mamba-minimal's letters): b batch, l sequence length, d d_model, d_in d_inner =
expand * d, n d_state, k d_conv, r dt_rank, v vocab.

Per layer (Mamba.forward / ResidualBlock / MambaBlock in mamba-minimal):
    x = x + mixer(rmsnorm(x))
    mixer: (x, res) = split(in_proj(x))            [b, l, d_in] each
           x = silu(causal depthwise conv1d(x))    padding k-1, keep the first l outputs
           (delta, B, C) = split(x_proj(x))        [b, l, r], [b, l, n], [b, l, n]
           delta = softplus(dt_proj(delta))        [b, l, d_in]
           y = selective_scan(x, delta, A = -exp(A_log), B, C, D)   sequential over l
           out_proj(y * silu(res))
then norm_f and the tied head: logits = rmsnorm(x) @ embedding.T.

The safetensors files are written by the small writer below (the `safetensors` package is
not assumed), laid out exactly as the reference Rust `serialize` does: tensors sorted by
descending dtype alignment then name, compact JSON header padded with spaces to a multiple
of 8, `__metadata__` first.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

FORMAT = "meteor-golden"
FORMAT_VERSION = 1
SEED = 20240607
HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = dict(dModel=16, nLayer=2, vocabSize=37, dState=4, expand=2, dConv=4, dtRank=1,
              convBias=True, projBias=False, rmsNormEps=1e-5, tieEmbeddings=True)
B, L = 2, 7

# ----------------------------------------------------------------------------------------
# safetensors writer

# The reference Dtype enum order (huggingface/safetensors tensor.rs): increasing alignment.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
               "I32", "U32", "F32", "F64", "I64", "U64"]


def raw(dtype, array):
    """(dtype, shape, little-endian bytes) of a numpy array or a torch bfloat16 tensor."""
    if isinstance(array, torch.Tensor):
        assert dtype == "BF16" and array.dtype == torch.bfloat16
        return dtype, list(array.shape), array.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    np_type = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
               "I8": "i1", "U8": "u1", "BOOL": "?"}[dtype]
    return dtype, list(array.shape), np.ascontiguousarray(array).astype(np_type).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (dtype, shape, bytes)}."""
    order = sorted(tensors, key=lambda name: (-DTYPE_ORDER.index(tensors[name][0]), name))
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(tensors[name][2])


# ----------------------------------------------------------------------------------------
# Weights: float32, Hugging Face names and PyTorch layouts.

def make_weights(g):
    c = CONFIG
    d, n, k, r, v = c["dModel"], c["dState"], c["dConv"], c["dtRank"], c["vocabSize"]
    e = c["expand"] * d

    def unif(shape, bound):
        return (torch.rand(shape, generator=g, dtype=torch.float32) * 2 - 1) * bound

    def randn(shape):
        return torch.randn(shape, generator=g, dtype=torch.float32)

    w = {"backbone.embeddings.weight": 0.5 * randn((v, d))}
    for i in range(c["nLayer"]):
        p = f"backbone.layers.{i}"
        w[f"{p}.norm.weight"] = 1 + 0.1 * randn((d,))
        w[f"{p}.mixer.in_proj.weight"] = unif((2 * e, d), d ** -0.5)
        w[f"{p}.mixer.conv1d.weight"] = unif((e, 1, k), k ** -0.5)
        w[f"{p}.mixer.conv1d.bias"] = unif((e,), k ** -0.5)
        w[f"{p}.mixer.x_proj.weight"] = unif((r + 2 * n, e), 1.0)  # large B, C: the scan term dominates D·u
        w[f"{p}.mixer.dt_proj.weight"] = unif((e, r), r ** -0.5)
        # Δ large enough (0.05 .. 0.5) that the scan carries real signal across 7 steps.
        dt = torch.exp(torch.rand((e,), generator=g) * (math.log(0.5) - math.log(0.05)) + math.log(0.05))
        w[f"{p}.mixer.dt_proj.bias"] = (dt + torch.log(-torch.expm1(-dt))).float()  # inverse softplus
        w[f"{p}.mixer.A_log"] = torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(e, 1) + 0.1 * randn((e, n))
        w[f"{p}.mixer.D"] = 0.5 * randn((e,))
        w[f"{p}.mixer.out_proj.weight"] = unif((d, e), 2 * e ** -0.5)
    w["backbone.norm_f.weight"] = 1 + 0.1 * randn((d,))
    return w


# ----------------------------------------------------------------------------------------
# The reference forward (float64), mamba-minimal's formulation.

def rmsnorm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def selective_scan(u, delta, A, Bm, Cm, D):
    """u, delta: [b, l, d_in]; A: [d_in, n]; Bm, Cm: [b, l, n]; D: [d_in] → y [b, l, d_in]."""
    b, l, d_in = u.shape
    deltaA = torch.exp(torch.einsum("bld,dn->bldn", delta, A))            # [b, l, d_in, n]
    deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, Bm, u)            # [b, l, d_in, n]
    x = torch.zeros((b, d_in, A.shape[1]), dtype=u.dtype)
    ys = []
    for i in range(l):
        x = deltaA[:, i] * x + deltaB_u[:, i]                             # [b, d_in, n]
        ys.append(torch.einsum("bdn,bn->bd", x, Cm[:, i]))                 # [b, d_in]
    return torch.stack(ys, dim=1) + u * D                                 # [b, l, d_in]


def mixer(w, p, x):
    c = CONFIG
    l = x.shape[1]
    e, n, r, k = c["expand"] * c["dModel"], c["dState"], c["dtRank"], c["dConv"]
    xz = x @ w[f"{p}.in_proj.weight"].T                                    # [b, l, 2 d_in]
    xi, res = xz.split([e, e], dim=-1)
    xi = F.conv1d(xi.transpose(1, 2), w[f"{p}.conv1d.weight"], w[f"{p}.conv1d.bias"],
                  padding=k - 1, groups=e)[:, :, :l].transpose(1, 2)         # [b, l, d_in]
    xi = F.silu(xi)
    x_dbl = xi @ w[f"{p}.x_proj.weight"].T                                 # [b, l, r + 2n]
    delta, Bm, Cm = x_dbl.split([r, n, n], dim=-1)
    delta = F.softplus(delta @ w[f"{p}.dt_proj.weight"].T + w[f"{p}.dt_proj.bias"])  # [b, l, d_in]
    A = -torch.exp(w[f"{p}.A_log"])                                         # [d_in, n]
    y = selective_scan(xi, delta, A, Bm, Cm, w[f"{p}.D"])
    return (y * F.silu(res)) @ w[f"{p}.out_proj.weight"].T                  # [b, l, d]


def forward(w, ids):
    """→ logits [b, l, v], final-normed hidden [b, l, d], residual stream after each layer."""
    c = CONFIG
    x = w["backbone.embeddings.weight"][ids]                               # [b, l, d]
    residuals = [x]
    for i in range(c["nLayer"]):
        p = f"backbone.layers.{i}"
        x = x + mixer(w, f"{p}.mixer", rmsnorm(x, w[f"{p}.norm.weight"], c["rmsNormEps"]))
        residuals.append(x)
    hidden = rmsnorm(x, w["backbone.norm_f.weight"], c["rmsNormEps"])
    return hidden @ w["backbone.embeddings.weight"].T, hidden, residuals


# ----------------------------------------------------------------------------------------

GRAD_NAMES = [
    "backbone.embeddings.weight",
    "backbone.layers.0.mixer.in_proj.weight",
    "backbone.layers.0.mixer.conv1d.weight",
    "backbone.layers.0.mixer.conv1d.bias",
    "backbone.layers.0.mixer.x_proj.weight",
    "backbone.layers.0.mixer.A_log",
    "backbone.layers.0.mixer.D",
    "backbone.layers.1.mixer.dt_proj.weight",
    "backbone.layers.1.mixer.dt_proj.bias",
    "backbone.layers.1.mixer.out_proj.weight",
    "backbone.layers.1.norm.weight",
    "backbone.norm_f.weight",
]


def entry(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(x) for x in t.double().flatten().tolist()]}


def mamba_golden():
    g = torch.Generator().manual_seed(SEED)
    w32 = make_weights(g)
    ids = torch.randint(0, CONFIG["vocabSize"], (B, L), generator=g)
    loss_weights = torch.randn((B, L, CONFIG["vocabSize"]), generator=g, dtype=torch.float64)

    w = {name: t.double().requires_grad_(name in GRAD_NAMES) for name, t in w32.items()}
    logits, hidden, residuals = forward(w, ids)
    loss = (logits * loss_weights).sum()
    grads = torch.autograd.grad(loss, [w[name] for name in GRAD_NAMES])

    # The same model with its weights rounded to bfloat16 (what the BF16 file holds).
    w_bf16 = {name: t.to(torch.bfloat16).double() for name, t in w32.items()}
    logits_bf16, _, _ = forward(w_bf16, ids)

    c = CONFIG
    tensors = {
        "input_ids": {"shape": [B, L], "data": ids.flatten().tolist()},
        "logits": entry(logits),
        "hidden": entry(hidden),
        "loss_weights": entry(loss_weights),
        "loss": {"shape": [], "data": [float(loss)]},
        "logits_bf16": entry(logits_bf16),
    }
    for i in range(1, c["nLayer"] + 1):  # after i layers, passed through norm_f
        tensors[f"hidden_after_layer.{i}"] = entry(rmsnorm(residuals[i], w["backbone.norm_f.weight"], c["rmsNormEps"]))
    for name, gr in zip(GRAD_NAMES, grads):
        tensors[f"grad.{name}"] = entry(gr)

    doc = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generator": "test/golden/make_golden.py (mamba-minimal math, float64)",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "config": c,
        "weights": "mamba-tiny.safetensors",
        "loss": "sum(logits * loss_weights)",
        "notes": "hidden_after_layer.i = norm_f(residual stream after i layers); grad.<param> = d loss / d param",
        "tensors": tensors,
    }
    with open(os.path.join(HERE, "mamba-tiny.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")

    meta = {"format": "pt"}
    write_safetensors(os.path.join(HERE, "mamba-tiny.safetensors"),
                      {name: raw("F32", t.numpy()) for name, t in w32.items()}, meta)
    write_safetensors(os.path.join(HERE, "mamba-tiny-bf16.safetensors"),
                      {name: raw("BF16", t.to(torch.bfloat16)) for name, t in w32.items()}, meta)


def dtype_golden():
    """Every dtype we read. Float values include rounding ties, subnormals, overflow, Inf and
    NaN; F64 values are chosen representable in float32 so a read-then-write is byte-exact.
    `*_as_f64` hold the exact values of the half-precision tensors, for checking decoding."""
    g = np.random.default_rng(SEED)
    special = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, -2.5, 65504.0, 65519.0, 65520.0, 1e5, -1e5,
               6.1e-5, 6.0e-5, 3e-8, 2.9802322387695312e-08, 1e-8, 1e-40, 3.4e38, -3.4e38,
               1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049.0, 2051.0,
               float("inf"), float("-inf"), float("nan")]
    rand = g.standard_normal(200) * 10.0 ** g.uniform(-9, 6, 200)
    f32 = np.array(special + list(rand), dtype=np.float32)
    with np.errstate(over="ignore"):  # 65520, 1e5, 3.4e38 → ±inf is the point
        f16 = f32.astype(np.float16)
    bf16 = torch.from_numpy(f32.copy()).to(torch.bfloat16)
    ints = np.array([0, 1, -1, 127, -128, 2 ** 31 - 1, -2 ** 31, 123456789], dtype=np.int64)
    tensors = {
        "f32": raw("F32", f32),
        "f64": raw("F64", f32.astype(np.float64)),
        "f16": raw("F16", f16),
        "bf16": raw("BF16", bf16),
        "f16_as_f64": raw("F64", f16.astype(np.float64)),
        "bf16_as_f64": raw("F64", bf16.double().numpy()),
        "i64": raw("I64", ints.reshape(2, 4)),
        "i32": raw("I32", ints.astype(np.int32)),
        "i16": raw("I16", np.array([0, 1, -1, 32767, -32768], dtype=np.int16)),
        "i8": raw("I8", np.array([0, 1, -1, 127, -128], dtype=np.int8)),
        "u8": raw("U8", np.array([[0, 1], [128, 255]], dtype=np.uint8)),
        "bool": raw("BOOL", np.array([True, False, True], dtype=bool)),
        "empty": raw("F32", np.zeros((0, 3), dtype=np.float32)),
        "scalar": raw("F32", np.array(7.5, dtype=np.float32)),
    }
    write_safetensors(os.path.join(HERE, "dtypes.safetensors"), tensors,
                      {"format": "pt", "generator": "test/golden/make_golden.py", "format_version": str(FORMAT_VERSION)})


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    mamba_golden()
    dtype_golden()
    for name in ["mamba-tiny.safetensors", "mamba-tiny-bf16.safetensors", "mamba-tiny.json", "dtypes.safetensors"]:
        print(f"{name}: {os.path.getsize(os.path.join(HERE, name))} bytes", file=sys.stderr)
