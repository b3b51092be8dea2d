#!/usr/bin/env python3
"""Golden values for the selective scan, from an independent implementation.

The scan is written the textbook way in PyTorch: johnma2006/mamba-minimal's
`selective_scan` (model.py), a sequential loop over l in float64, extended with the
optional inputs of `src/kernels/selective-scan/declaration.ts` (Δ bias and softplus, SiLU
gate z, initial state h0, per-row lengths with right padding). Gradients come from
autograd of  L = Σ y·dy + Σ lastState·dLastState.

Inputs are drawn in float32 and widened, so float32 implementations see the same values.

Usage:  /usr/bin/python3 test/kernels/golden/make_scan_golden.py > test/kernels/golden/scan_golden.json
Writes only the JSON to stdout; progress to stderr. Needs torch (1.13 tested) and numpy.
"""
import json
import sys

import torch
import torch.nn.functional as F

FORMAT = "meteor-selective-scan-golden"
VERSION = 1
FLOAT_INPUTS = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias", "h0"]


def selective_scan(u, delta, A, B, C, D, z=None, delta_bias=None, delta_softplus=True, h0=None, lengths=None):
    """u, delta, z: (b, l, d); A: (d, n); B, C: (b, l, n); D, delta_bias: (d,); h0: (b, d, n);
    lengths: (b,) int. Returns y (b, l, d) and the state after each row's last valid step."""
    b, l, d = u.shape
    n = A.shape[1]
    if delta_bias is not None:
        delta = delta + delta_bias
    if delta_softplus:
        delta = F.softplus(delta)
    # Discretize (mamba-minimal): ΔA = exp(Δ ⊗ A), ΔB·u = Δ ⊗ B ⊗ u.
    deltaA = torch.exp(torch.einsum("bld,dn->bldn", delta, A))
    deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
    x = h0.clone() if h0 is not None else torch.zeros(b, d, n, dtype=u.dtype)
    ys = []
    for i in range(l):
        x_next = deltaA[:, i] * x + deltaB_u[:, i]
        if lengths is not None:
            valid = (i < lengths).view(b, 1, 1)
            x = torch.where(valid, x_next, x)  # padding: state not updated
        else:
            x = x_next
        ys.append(torch.einsum("bdn,bn->bd", x, C[:, i, :]))
    y = torch.stack(ys, dim=1) + u * D
    if z is not None:
        y = y * F.silu(z)
    if lengths is not None:
        mask = (torch.arange(l).view(1, l) < lengths.view(b, 1)).to(y.dtype).unsqueeze(-1)
        y = y * mask  # padding: output 0
    return y, x


def draw(gen, shape, lo, hi):
    return (torch.rand(shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo).to(torch.float64)


def make_case(name, seed, b, l, d, n, *, z, delta_bias, h0, lengths, delta_softplus):
    gen = torch.Generator().manual_seed(seed)
    x = {
        "u": draw(gen, (b, l, d), -1, 1),
        "delta": draw(gen, (b, l, d), -2, 1) if delta_softplus else draw(gen, (b, l, d), 0.05, 1),
        "A": -torch.exp(draw(gen, (d, n), -1, 1.5)).to(torch.float32).to(torch.float64),
        "B": draw(gen, (b, l, n), -1, 1),
        "C": draw(gen, (b, l, n), -1, 1),
        "D": draw(gen, (d,), -1, 1),
    }
    if z:
        x["z"] = draw(gen, (b, l, d), -2, 2)
    if delta_bias:
        x["deltaBias"] = draw(gen, (d,), -1, 0.5)
    if h0:
        x["h0"] = draw(gen, (b, d, n), -1, 1)
    lens = torch.tensor(lengths, dtype=torch.int64) if lengths is not None else None
    dy = draw(gen, (b, l, d), -1, 1)
    d_last = draw(gen, (b, d, n), -1, 1)

    leaves = {k: v.clone().requires_grad_(True) for k, v in x.items()}
    y, last = selective_scan(
        leaves["u"], leaves["delta"], leaves["A"], leaves["B"], leaves["C"], leaves["D"],
        z=leaves.get("z"), delta_bias=leaves.get("deltaBias"), delta_softplus=delta_softplus,
        h0=leaves.get("h0"), lengths=lens,
    )
    loss = (y * dy).sum() + (last * d_last).sum()
    loss.backward()

    def enc(t):
        return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}

    inputs = {k: enc(v) for k, v in x.items()}
    if lens is not None:
        inputs["lengths"] = {"shape": [b], "data": [int(v) for v in lengths]}
    print(f"{name}: b={b} l={l} d={d} n={n} loss={loss.item():.6g}", file=sys.stderr)
    return {
        "name": name,
        "dims": {"b": b, "l": l, "d": d, "n": n},
        "deltaSoftplus": delta_softplus,
        "inputs": inputs,
        "dy": enc(dy),
        "dLastState": enc(d_last),
        "outputs": {"y": enc(y), "lastState": enc(last)},
        "grads": {k: enc(leaves[k].grad) for k in FLOAT_INPUTS if k in leaves},
    }


def main():
    cases = [
        make_case("plain", 1, 2, 6, 3, 4, z=False, delta_bias=False, h0=False, lengths=None, delta_softplus=True),
        make_case("gated-bias-h0-lengths", 2, 2, 7, 3, 4, z=True, delta_bias=True, h0=True, lengths=[7, 4],
                  delta_softplus=True),
        make_case("no-softplus-gated", 3, 1, 5, 2, 3, z=True, delta_bias=False, h0=True, lengths=None,
                  delta_softplus=False),
    ]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "generator": "test/kernels/golden/make_scan_golden.py",
        "torch": torch.__version__,
        "loss": "sum(y * dy) + sum(lastState * dLastState)",
    }
    json.dump({**header, "cases": cases}, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
