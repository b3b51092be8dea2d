"""Peer for bench/scan.ts: the selective scan's forward + backward in PyTorch (CPU), two ways.

  loop — the textbook sequential recurrence, one step per Python iteration
         (mamba-minimal's `selective_scan`), state [b, d, n];
  ref  — state-spaces/mamba's `selective_scan_ref` formulation: e^{ΔA} and ΔBu for all steps
         at once as [b, d, l, n] tensors, then the loop over l.
Backward is autograd of sum(y · dy). Inputs are drawn in the ranges bench/scan.ts uses.

  python3 bench/peers/scan_torch.py B L D N REPS THREADS [loop,ref]
  → {"loop": median ms, "ref": median ms, "torch": version, "threads": n}
  python3 bench/peers/scan_torch.py --grid < {"shapes": [[B, L, D, N], …], "reps", "threads",
      "which": "loop" | "ref", "budgetSeconds", "secondsPerUnit"}
  → {"torch", "threads", "ms": [median ms, or null when skipped, …], "estSeconds": […]}
    every shape in one process (importing torch takes seconds on a loaded machine); a shape
    whose estimated time (the last measured seconds per work unit × its units, as
    bench/scan.ts's `workUnits`) exceeds the budget is skipped.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def inputs(b, l, d, n, g):
    def uni(shape, lo, hi):
        return (lo + (hi - lo) * torch.rand(shape, generator=g)).requires_grad_()

    A = (-(torch.arange(d * n) % n + 1).float()).reshape(d, n).requires_grad_()
    return dict(
        u=uni((b, l, d), -1, 1), delta=uni((b, l, d), -3, 0), A=A, B=uni((b, l, n), -1, 1), C=uni((b, l, n), -1, 1),
        D=uni((d,), -1, 1), z=uni((b, l, d), -2, 2), bias=uni((d,), -4, -2),
    )


def scan_loop(x):
    u, delta, A, B, C, D, z = x["u"], x["delta"], x["A"], x["B"], x["C"], x["D"], x["z"]
    b, l, d = u.shape
    dt = F.softplus(delta + x["bias"])  # [b, l, d]
    h = torch.zeros(b, d, A.shape[1])
    ys = []
    for t in range(l):
        h = torch.exp(dt[:, t, :, None] * A) * h + (dt[:, t] * u[:, t])[:, :, None] * B[:, t, None, :]  # [b, d, n]
        ys.append((h * C[:, t, None, :]).sum(-1))  # [b, d]
    y = torch.stack(ys, 1) + D * u  # [b, l, d]
    return y * F.silu(z)


def scan_ref(x):
    u, delta, A, B, C, D, z = x["u"], x["delta"], x["A"], x["B"], x["C"], x["D"], x["z"]
    u_, dt = u.transpose(1, 2), F.softplus(delta + x["bias"]).transpose(1, 2)  # [b, d, l]
    B_, C_ = B.transpose(1, 2), C.transpose(1, 2)  # [b, n, l]
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", dt, A))
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", dt, B_, u_)
    h = u.new_zeros(u.shape[0], u.shape[2], A.shape[1])
    ys = []
    for i in range(u.shape[1]):
        h = deltaA[:, :, i] * h + deltaB_u[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", h, C_[:, :, i]))
    y = torch.stack(ys, dim=2) + u_ * D[None, :, None]  # [b, d, l]
    return (y * F.silu(z.transpose(1, 2))).transpose(1, 2)


def time_it(f, x, dy, reps):
    times = []
    for _ in range(reps):
        for v in x.values():
            v.grad = None
        t0 = time.perf_counter()
        (f(x) * dy).sum().backward()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[(len(times) - 1) // 2]


def units(which, b, l, d, n):
    """bench/scan.ts `workUnits`: state elements, plus the loop's per-step Python overhead."""
    return b * l * d * n + (2000 * l if which == "loop" else 0)


def grid():
    req = json.load(sys.stdin)
    which, reps, budget = req["which"], int(req["reps"]), float(req["budgetSeconds"])
    torch.set_num_threads(int(req["threads"]))
    f = scan_loop if which == "loop" else scan_ref
    rate = float(req["secondsPerUnit"])
    ms, est = [], []
    for b, l, d, n in req["shapes"]:
        e = rate * units(which, b, l, d, n)
        est.append(e)
        if e > budget:
            ms.append(None)
            continue
        g = torch.Generator().manual_seed(1)
        x = inputs(b, l, d, n, g)
        dy = torch.rand(b, l, d, generator=g) * 2 - 1
        t = time_it(f, x, dy, reps)
        ms.append(t)
        rate = t / 1000 / units(which, b, l, d, n)
        print(f"torch-{which} {b}×{d}×{l}: {t:.1f} ms", file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": ms, "estSeconds": est}))


def main():
    if sys.argv[1:2] == ["--grid"]:
        return grid()
    b, l, d, n, reps, threads = (int(v) for v in sys.argv[1:7])
    which = sys.argv[7].split(",") if len(sys.argv) > 7 else ["loop", "ref"]
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(1)
    x = inputs(b, l, d, n, g)
    dy = torch.rand(b, l, d, generator=g) * 2 - 1
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for name in which:
        f = scan_loop if name == "loop" else scan_ref
        out[name] = time_it(f, x, dy, reps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
