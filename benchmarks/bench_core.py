"""Forward+backward speed of `rnn_core.RNN` against `torch.nn.RNN` on the CPU, and against this
machine's matrix-multiply peak.

    python benchmarks/bench_core.py              # every size, float32 and float64
    python benchmarks/bench_core.py --quick      # three sizes, shorter timings
    python benchmarks/bench_core.py --markdown   # the table as Markdown, for the README

Axes: T time, B batch, D input, H hidden. One layer, one direction, tanh, with biases.

What is timed, per repetition:
    ours   out, h_n = rnn.forward(x); rnn.backward(G1, G2)
    products  the same matrix products as ours and nothing else (`products_step`): the floor
           that NumPy's BLAS sets for ours, whatever the code around the products does
    torch  out, h_n = rnn(x); ((out * G1).sum() + (h_n * G2).sum()).backward(), x.requires_grad
Both get the same weights, the same dtype and the same number of threads (torch is set to the
number of BLAS threads NumPy uses). Each side of a row is timed in `--rounds` rounds that
alternate with the other sides; a round is the median of N repetitions after a warm-up, N
chosen so that the rounds of a side take about `--seconds`; the best round is shown. A time
marked * was taken while other processes used more than 10% of the CPUs (after two reruns):
do not quote it.

torch runs in a child process, row by row with ours. In one process, OpenBLAS's threads and
torch's OpenMP threads wait for work by spinning and take the cores from each other: on 2 cores
that made both sides up to 3x slower, and which side lost depended on the order of the rows.

FLOP count of forward+backward: the forward's matrix products are 2*T*B*H*(D + H) (input
projection plus recurrence); the backward does twice that (dx and dW_ih, dh_prev and dW_hh),
so 6*T*B*H*(D + H) in all. Elementwise work (tanh, its derivative, the bias) is not counted:
GFLOP/s here is matrix-product throughput, compared with the peak of one large np.matmul.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.timing import CONTENDED, fmt_ms, median_time  # noqa: E402
from rnn_core import RNN  # noqa: E402

SIZES = [  # (T, B, D, H)
    (20, 1, 10, 32),  # the app's default: per-step overhead, not arithmetic
    (50, 1, 100, 256),
    (100, 32, 100, 256),
    (500, 8, 64, 256),
    (1000, 1, 64, 512),  # long and unbatched: 1000 matrix-vector products in a row
    (200, 64, 256, 512),  # large enough for the products to dominate
]
QUICK_SIZES = [(20, 1, 10, 32), (100, 32, 100, 256), (200, 64, 256, 512)]
DTYPES = ("float32", "float64")
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                 "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def flops(T: int, B: int, D: int, H: int) -> float:
    """Matrix-product FLOPs of one layer's forward+backward (see the module docstring)."""
    return 6.0 * T * B * H * (D + H)


# -- threads -----------------------------------------------------------------------------------

def numpy_blas_threads() -> tuple[int, str]:
    """How many threads NumPy's BLAS uses, and how that was found (torch is never imported in
    this process, so threadpoolctl, when installed, sees NumPy's BLAS only)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            return int(blas[0]["num_threads"]), f"threadpoolctl ({blas[0].get('internal_api')})"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value), f"assumed from {var}"
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    # OpenBLAS and MKL default to one thread per available core.
    return n, "assumed: one per available core (threadpoolctl not installed)"


def numpy_blas_name() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # the layout of show_config is not a stable API
        return "unknown"


class TorchWorker:
    """A child process (this script with --torch-worker) that times torch.nn.RNN rows.

    Protocol, one JSON line each way: the parent sends {"threads": n} and reads
    {"version": ..., "threads": ...}; then for each row it sends [T, B, D, H, dtype, seconds]
    and reads [median seconds, repetitions, share of the CPUs other processes used].
    """

    def __init__(self, threads: int):
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                      "--torch-worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.info = self._ask({"threads": threads})

    def _ask(self, message):
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"torch worker exited with code {self.proc.wait()}")
        return json.loads(line)

    def time_row(self, T, B, D, H, dtype, seconds):
        return tuple(self._ask([T, B, D, H, dtype, seconds]))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def torch_worker() -> int:
    """The child's side of `TorchWorker`: reads rows on stdin, answers on stdout."""
    import torch

    torch.set_num_threads(json.loads(sys.stdin.readline())["threads"])
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads()}),
          flush=True)
    for line in sys.stdin:
        T, B, D, H, dtype, seconds = json.loads(line)
        state = RNN(D, H, dtype=dtype, seed=0).state_dict()  # the parent's weights (same seed)
        print(json.dumps(median_time(torch_step(torch, T, B, D, H, dtype, state), seconds)),
              flush=True)
    return 0


def matmul_peak(dtype: str, n: int = 2048, reps: int = 7) -> tuple[float, float | None]:
    """GFLOP/s of the best of `reps` (n x n) @ (n x n) products in `dtype`, and the share of
    the CPUs other processes used meanwhile."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype=dtype)

    def product():
        np.matmul(a, b, out=c)

    best, _, other = median_time(product, seconds=0.0, min_reps=reps, max_reps=reps, stat=min)
    return 2.0 * n**3 / best / 1e9, other


def ours_step(T, B, D, H, dtype):
    """One forward+backward of rnn_core.RNN, as a function to time."""
    rng = np.random.default_rng(1)
    rnn = RNN(D, H, dtype=dtype, seed=0)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    g1 = rng.standard_normal((T, B, H)).astype(dtype)
    g2 = rng.standard_normal((1, B, H)).astype(dtype)

    def step():
        rnn.forward(x)
        rnn.backward(g1, g2)

    return step


def products_step(T, B, D, H, dtype):
    """The matrix products of one forward+backward of rnn_core.RNN and nothing else, on the
    same shapes, layouts and (fresh) arrays: the input projection, the T recurrent products,
    the T products that carry the gradient back, then dx, dW_ih and dW_hh. No tanh, no bias,
    no elementwise product: what OpenBLAS alone needs, the floor of `ours_step` here."""
    rng = np.random.default_rng(1)
    sd = RNN(D, H, dtype=dtype, seed=0).state_dict()
    W_ih, W_hh = sd["weight_ih_l0"], sd["weight_hh_l0"]
    x = rng.standard_normal((T, B, D)).astype(dtype)
    g = rng.standard_normal((T, B, H)).astype(dtype)
    h0 = np.zeros((B, H), dtype)

    def step():
        ih, hh = np.empty((2, T, B, H), dtype=dtype)
        np.matmul(x.reshape(T * B, D), W_ih.T, out=ih.reshape(T * B, H))
        W_hh_T = W_hh.T if B == 1 else np.ascontiguousarray(W_hh.T)
        prev = h0
        for t in range(T):
            np.matmul(prev, W_hh_T, out=hh[t])
            prev = ih[t]  # a state of the right shape and scale, written by the products
        dh = np.empty((T, B, H), dtype=dtype)
        for t in range(T - 1, -1, -1):
            np.matmul(g[t], W_hh, out=dh[t])
        g2 = g.reshape(T * B, H)
        g2 @ W_ih  # dx
        g2.T @ x.reshape(T * B, D)  # dW_ih
        dW_hh = g[0].T @ h0  # dW_hh as rnn_backward makes it: step 0 reads h0 ...
        if T > 1:  # ... and step t reads h_{t-1}
            dW_hh += g[1:].reshape((T - 1) * B, H).T @ ih[:-1].reshape((T - 1) * B, H)

    return step


def torch_step(torch, T, B, D, H, dtype, state):
    """One forward+backward of torch.nn.RNN with `state` (ours) as its weights and the data of
    `ours_step` (same seed, same order of draws), as a function to time."""
    rng = np.random.default_rng(1)
    tdtype = getattr(torch, dtype)
    rnn = torch.nn.RNN(D, H, dtype=tdtype)
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(torch.from_numpy(state[name]))  # the same weights as ours
    x = torch.from_numpy(rng.standard_normal((T, B, D)).astype(dtype)).requires_grad_(True)
    g1 = torch.from_numpy(rng.standard_normal((T, B, H)).astype(dtype))
    g2 = torch.from_numpy(rng.standard_normal((1, B, H)).astype(dtype))

    def step():
        # Fresh gradients each time, as ours returns fresh arrays: no accumulation into .grad.
        rnn.zero_grad(set_to_none=True)
        x.grad = None
        out, h_n = rnn(x)
        loss = (out * g1).sum() + (h_n * g2).sum()
        loss.backward()

    return step


# -- the table ---------------------------------------------------------------------------------

COLUMNS = ["T", "B", "D", "H", "dtype", "ours ms", "torch ms", "ours/torch", "products ms",
           "products/torch", "ours GFLOP/s", "% of peak"]


def render(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |",
                 "|" + "|".join("---" if i == 4 else "---:" for i in range(len(COLUMNS))) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    line = "  ".join(c.rjust(w) for c, w in zip(COLUMNS, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"only {QUICK_SIZES} and about 0.25 s per row and side")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating rounds per row; each side's best round is shown")
    ap.add_argument("--seconds", type=float, default=None,
                    help="time per row and side (default 1.0, 0.25 with --quick)")
    ap.add_argument("--dtype", choices=DTYPES, action="append",
                    help="only this dtype (repeatable; default both)")
    args = ap.parse_args(argv)
    if args.seconds is not None and args.seconds <= 0:
        ap.error("--seconds: expected a positive number")
    if args.rounds < 1:
        ap.error(f"--rounds: expected 1 or more, got {args.rounds}")
    seconds = args.seconds if args.seconds is not None else (0.25 if args.quick else 1.0)
    sizes = QUICK_SIZES if args.quick else SIZES
    dtypes = args.dtype or list(DTYPES)

    threads, how = numpy_blas_threads()
    worker, torch_note = None, "torch: not installed (torch columns are n/a)"
    if importlib.util.find_spec("torch") is not None:
        try:
            worker = TorchWorker(threads)
        except (OSError, RuntimeError, ValueError) as err:  # ValueError: a reply not JSON
            torch_note = f"torch: the worker process failed ({err}); torch columns are n/a"
    env = {v: os.environ[v] for v in OPENBLAS_VARS if v in os.environ}
    load = os.getloadavg() if hasattr(os, "getloadavg") else None

    def star(other):  # escaped in Markdown, where a bare * can open emphasis
        if other is None or other <= CONTENDED:
            return ""
        return "\\*" if args.markdown else "*"

    peaks, peak_other = {}, {}
    for dt in dtypes:
        peaks[dt], peak_other[dt] = matmul_peak(dt)

    bullet = "- " if args.markdown else ""
    info = [
        f"numpy {np.__version__} with {numpy_blas_name()}; BLAS threads: {threads} ({how}); "
        f"os.cpu_count() = {os.cpu_count()}",
        f"torch {worker.info['version']} (in a child process), torch.get_num_threads() = "
        f"{worker.info['threads']}" if worker is not None
        else torch_note,
        "environment: " + (", ".join(f"{k}={v}" for k, v in env.items()) or
                           "no OPENBLAS_*/OMP_NUM_THREADS/MKL_NUM_THREADS set"),
        "matmul peak (2048x2048 np.matmul, best of 7): "
        + ", ".join(f"{dt} {peaks[dt]:.1f} GFLOP/s{star(peak_other[dt])}" for dt in dtypes),
        f"median of N repetitions after a warm-up, in {args.rounds} alternating rounds per row "
        f"(best round shown), about {seconds:g} s per row and side; "
        "FLOPs = 6*T*B*H*(D+H)",
    ]
    if load is not None:
        info.append(f"load average before the run: {load[0]:.2f} (1 min) on {os.cpu_count()} "
                    "CPUs; a time marked * was taken while other processes used more than "
                    f"{CONTENDED:.0%} of the CPUs")
    print("\n".join(bullet + line for line in info))
    print()

    rows = []
    for dtype in dtypes:
        for T, B, D, H in sizes:
            # Rounds that alternate the three sides: a slow stretch of this shared machine
            # (invisible in /proc/stat: other virtual machines) then hits one round of each,
            # and the best round of each side is kept.
            ours, theirs, mm = [], [], []
            share = seconds / args.rounds
            for _ in range(args.rounds):
                ours.append(median_time(ours_step(T, B, D, H, dtype), share))
                if worker is not None:
                    theirs.append(worker.time_row(T, B, D, H, dtype, share))
                mm.append(median_time(products_step(T, B, D, H, dtype), share))
            t_ours, _, other_ours = min(ours)
            t_torch, _, other_torch = min(theirs) if theirs else (None, 0, None)
            t_mm, _, other_mm = min(mm)
            gflops = flops(T, B, D, H) / t_ours / 1e9
            rows.append([str(T), str(B), str(D), str(H), dtype,
                         fmt_ms(t_ours) + star(other_ours), fmt_ms(t_torch) + star(other_torch),
                         "n/a" if t_torch is None else f"{t_ours / t_torch:.2f}",
                         fmt_ms(t_mm) + star(other_mm),
                         "n/a" if t_torch is None else f"{t_mm / t_torch:.2f}",
                         f"{gflops:.1f}", f"{100 * gflops / peaks[dtype]:.0f}%"])
            if not args.markdown:  # progress as it goes; Markdown is printed in one piece
                print(f"  done {T},{B},{D},{H} {dtype}", file=sys.stderr, flush=True)
    if worker is not None:
        worker.close()
    print(render(rows, args.markdown))
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--torch-worker"]:
        raise SystemExit(torch_worker())
    raise SystemExit(main())
