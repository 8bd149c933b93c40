"""Speed of the BPTT diagnostics (`rnn_core.diagnostics`): the Jacobian products, their norms
(one batched SVD), the per-step singular values, and a whole `bptt` run per cell.

    python benchmarks/bench_diagnostics.py               # every size
    python benchmarks/bench_diagnostics.py --quick       # fewer sizes, shorter timings
    python benchmarks/bench_diagnostics.py --threads 1   # BLAS/LAPACK on one thread
    python benchmarks/bench_diagnostics.py --markdown    # the tables as Markdown

Axes: T time steps, S state size (the Jacobians are S x S), B batch, D input, H hidden.

Budget: for T = 200, S = 128, `jacobian_products` plus `product_norms` must take < 0.5 s (the
Gradients view recomputes them on every change of the spectral-radius slider).

What is timed, per repetition (median of N after a warm-up, N filling about `--seconds`):
    products   P = jacobian_products(J)              T matrix products S x S, from the end
    norms      product_norms(P)                      one batched SVD of T+1 matrices S x S
    step sv    step_singular_values(J)               one batched SVD of T matrices S x S
    bptt       bptt(model, head, x) for RNN (tanh), LSTM and GRU (when rnn_core has them):
               forward, loss, backward and every diagnostic of layer 0

Thread count: `--threads N` sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS
before NumPy is imported. LAPACK's SVD on 128 x 128 matrices gains little from threads, and
on a busy machine (see the load average printed above the table) extra threads can make it
several times slower: compare with `--threads 1` before reading a slow row as the code's cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer sizes, shorter timings")
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS/LAPACK threads (set before NumPy is imported)")
    ap.add_argument("--seconds", type=float, default=None,
                    help="time to spend on each cell of the table (default 1.0, quick 0.3)")
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    return ap.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None and ARGS.threads is not None:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(ARGS.threads)  # must precede the first import of NumPy

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import rnn_core  # noqa: E402
from benchmarks.timing import fmt_ms, median_time  # noqa: E402
from rnn_core import Linear  # noqa: E402
from rnn_core import diagnostics as dg  # noqa: E402

BUDGET_S = 0.5
BUDGET_SIZE = (200, 128)  # (T, S)
SIZES = [(20, 32), (100, 64), (200, 128), (200, 256), (500, 128), (1000, 64)]
QUICK_SIZES = [(20, 32), (200, 128)]
BPTT_SIZES = [(20, 1, 10, 32), (200, 1, 10, 128), (200, 8, 10, 64)]  # (T, B, D, H)
QUICK_BPTT_SIZES = [(20, 1, 10, 32), (200, 1, 10, 128)]


def render(columns: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" for _ in columns) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    line = "  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))
    body = ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join([line, "-" * len(line), *body])


def step_factors(T: int, S: int) -> np.ndarray:
    """T random Jacobian-like factors diag(f') W with W of spectral norm about 1, so the
    products neither overflow nor vanish over the sizes timed here."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((S, S)) / (2.0 * np.sqrt(S))  # sigma_max ~ 1
    fprime = rng.uniform(0.5, 1.0, (T, S))
    return fprime[:, :, None] * W[None]  # (T, S, S)


def bench_products(sizes, seconds) -> tuple[list[list[str]], float | None]:
    rows, budget_time = [], None
    for T, S in sizes:
        J = step_factors(T, S)
        P = dg.jacobian_products(J)
        t_prod = median_time(lambda J=J: dg.jacobian_products(J), seconds, max_reps=200)[0]
        t_norm = median_time(lambda P=P: dg.product_norms(P), seconds, max_reps=200)[0]
        t_sv = median_time(lambda J=J: dg.step_singular_values(J), seconds, max_reps=200)[0]
        total = t_prod + t_norm
        within = ""
        if (T, S) == BUDGET_SIZE:
            budget_time = total
            within = "yes" if total < BUDGET_S else "NO"
        rows.append([str(T), str(S), fmt_ms(t_prod), fmt_ms(t_norm), fmt_ms(total),
                     fmt_ms(t_sv), within])
    return rows, budget_time


def bench_bptt(sizes, seconds) -> list[list[str]]:
    cells = [("RNN", rnn_core.RNN)] + [(name, getattr(rnn_core, name)) for name in
                                        ("LSTM", "GRU") if hasattr(rnn_core, name)]
    rows = []
    for T, B, D, H in sizes:
        rng = np.random.default_rng(1)
        x = rng.standard_normal((T, B, D))
        y = rng.integers(0, 10, B)
        head = Linear(H, 10, seed=1)
        for name, cls in cells:
            model = cls(D, H, seed=0)
            res = dg.bptt(model, head, x, target=y)
            S = res.step_jacobians.shape[1]
            t = median_time(lambda m=model, h=head, x=x, y=y: dg.bptt(m, h, x, target=y), seconds,
                            max_reps=200)[0]
            rows.append([name, str(T), str(B), str(D), str(H), str(S), fmt_ms(t)])
    return rows


def main() -> None:
    args = ARGS or _parse()
    seconds = args.seconds if args.seconds is not None else (0.3 if args.quick else 1.0)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default (one per core)")
    try:
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "n/a"
    print(f"NumPy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, BLAS threads: {threads}, load average: {load}")
    print(f"float64; each row is a median over about {seconds:g} s of repetitions\n")

    rows, budget_time = bench_products(QUICK_SIZES if args.quick else SIZES, seconds)
    print(render(["T", "S", "products ms", "norms ms", "products+norms ms", "step sv ms",
                  f"< {BUDGET_S:g} s"], rows, args.markdown))
    if budget_time is not None:
        verdict = "within" if budget_time < BUDGET_S else "OVER"
        print(f"\nbudget: T={BUDGET_SIZE[0]}, S={BUDGET_SIZE[1]} took "
              f"{budget_time * 1e3:.1f} ms, {verdict} the {BUDGET_S * 1e3:.0f} ms budget")

    print()
    print(render(["cell", "T", "B", "D", "H", "S", "bptt ms"],
                 bench_bptt(QUICK_BPTT_SIZES if args.quick else BPTT_SIZES, seconds),
                 args.markdown))


if __name__ == "__main__":
    main()
