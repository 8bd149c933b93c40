"""rnn_core.work's estimates beside measured CPU time (one BLAS thread, as the app runs): a
forward and backward, the Gradients view's Jacobian diagnostics, training steps, and the
gradient check at the issue's size (hidden 1000, T 20, 4 layers, bidirectional, batch 12) as the
page runs it, reduced to its budget, with what the full check would have cost.

    python benchmarks/bench_work.py [--quick]

CPU time is process time, so other work on the machine slows it less than wall time (the
table shows both). A ratio near 1 means the estimate holds; the budgets need it within a factor
of about 2 to 3. About a minute (--quick: a few seconds, no issue-size check).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import rnn_core  # noqa: E402
from rnn_core import diagnostics as dg  # noqa: E402
from rnn_core import tasks as T  # noqa: E402
from rnn_core import train as tr  # noqa: E402
from rnn_core import work  # noqa: E402

MODELS = {"rnn": rnn_core.RNN, "lstm": rnn_core.LSTM, "gru": rnn_core.GRU}


def timed(f) -> tuple[float, float]:
    """(wall, cpu) seconds of f(), the best of 3 by CPU time."""
    best = (np.inf, np.inf)
    for _ in range(3):
        w, c = time.perf_counter(), time.process_time()
        f()
        best = min(best, (time.perf_counter() - w, time.process_time() - c), key=lambda p: p[1])
    return best


def row(name: str, est: float, wall: float, cpu: float) -> None:
    print(f"| {name:<44} | {est:9.3f} | {cpu:9.3f} | {wall:9.3f} | {cpu / est:5.2f} |")


def forward_backward(quick: bool) -> None:
    sizes = [(50, 1, 3, 4, 2, True), (20, 12, 3, 100, 2, True)]
    if not quick:
        sizes += [(20, 12, 50, 500, 1, False), (100, 32, 8, 64, 1, False)]
    for cell, cls in MODELS.items():
        for Tn, B, D, H, L, bi in sizes:
            m = cls(D, H, num_layers=L, bidirectional=bi)
            x = np.random.default_rng(0).standard_normal((Tn, B, D))
            out, _ = m.forward(x)
            wall, cpu = timed(lambda m=m, x=x, out=out: (m.forward(x),
                                                         m.backward(np.ones_like(out))))
            est = work.seconds(work.forward_backward_flops(cell, Tn, B, D, H, L, bi))
            row(f"fwd+bwd {cell} T{Tn} B{B} D{D} H{H} L{L}{' bi' if bi else ''}", est, wall, cpu)


def jacobians(quick: bool) -> None:
    cases = [("rnn", 100, 20), ("lstm", 60, 20)]
    if not quick:
        cases += [("rnn", 300, 20), ("gru", 400, 10), ("lstm", 150, 20)]
    for cell, H, Tn in cases:
        m = MODELS[cell](3, H)
        x = np.random.default_rng(0).standard_normal((Tn, 1, 3))
        wall, cpu = timed(lambda m=m, x=x, H=H: dg.bptt(m, rnn_core.Linear(H, 4), x))
        est = work.seconds(work.jacobian_flops(cell, Tn, H)
                           + work.forward_backward_flops(cell, Tn, 1, 3, H))
        row(f"Gradients view {cell} H{H} T{Tn}", est, wall, cpu)


def training(quick: bool) -> None:
    tasks = [T.make("sine"), T.make("seq2seq", mode="reverse", length=30, n_symbols=8)]
    if not quick:
        tasks += [T.make("memory", lag=20, pad=5)]
    for task in tasks:
        for cell in MODELS:
            for H, B in ((8, 1), (32, 32)) if quick else ((8, 1), (32, 32), (128, 64)):
                t = tr.Trainer(task, tr.TrainConfig(cell=cell, hidden_size=H, batch_size=B))
                t.run(1)
                wall, cpu = timed(lambda t=t: t.run(5))
                est = 5 * work.seconds(work.training_step_flops(
                    cell, task.seq_len, B, task.input_size, H, task.output_size,
                    seq2seq=task.name == "seq2seq"))
                row(f"5 training steps {task.name} {cell} H{H} B{B}", est, wall, cpu)


def issue_check() -> None:
    """The page's gradient check at the issue's size (ui.compute_grad, uncached call)."""
    import streamlit.logger

    streamlit.logger.set_log_level("critical")
    from ui.compute_grad import GradSettings, gradient_check, make_cell
    from ui.config import Config

    cfg = Config(hidden_size=1000, seq_len=20, num_layers=4, bidirectional=True, batch_size=12)
    for cell in MODELS:
        c = time.process_time()
        make_cell(cell, cfg, cfg.input_size, GradSettings())
        build = time.process_time() - c
        w, c = time.perf_counter(), time.process_time()
        res = gradient_check(cfg, GradSettings(), cell, "")  # one call per cell: no cache hit
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        p = res.plan
        row(f"check {cell}, issue size, less the build", p.seconds, wall - build, cpu - build)
        print(f"|   {len(p.tensors)} of {p.n_tensors} tensors, {p.entries} entry, {p.steps} "
              f"steps, batch {p.batch}; click to result {wall:.1f} s wall, {cpu:.1f} s cpu "
              f"(building the model {build:.1f} s); full check estimated "
              f"{p.full_seconds / 60:.1f} min; worst error {max(res.errors.values()):.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print(f"FLOP_RATE {work.FLOP_RATE:.2g} flop/s, MIN_ROWS {work.MIN_ROWS}")
    print(f"| {'case':<44} | {'est s':>9} | {'cpu s':>9} | {'wall s':>9} | {'cpu/est':>5} |")
    print(f"|{'-' * 46}|{'-' * 11}|{'-' * 11}|{'-' * 11}|{'-' * 7}|")
    with threadpool_limits(limits=1, user_api="blas"):
        forward_backward(args.quick)
        jacobians(args.quick)
        training(args.quick)
        if not args.quick:
            issue_check()


if __name__ == "__main__":
    main()
