"""Training speed and what it shows. Prints three tables:

1. steps per second per task and cell (the page's defaults: H 32, batch 32, Adam, clip 1);
2. the cost of drawing while training: steps per second when every time slice of the page
   (ui.compute_train.SLICE) is followed by what one tick of the page's fragment builds (the
   two live curves, serialised to JSON as Streamlit sends them), against training alone;
   the brief allows at most 20% less;
3. the time the default task takes to reach its stated loss, the memory task's accuracy
   against the lag per cell (the page's comparison settings), and the reverse task's accuracy
   per context (c = h_N against attention) as the lab trains it.

    python benchmarks/bench_train.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core import tasks, train  # noqa: E402
from ui import compute_train as ct  # noqa: E402
from viz import training as tv  # noqa: E402

threadpool_limits(limits=1, user_api="blas")  # as the app (ui/__init__.py)

QUICK = "--quick" in sys.argv
PASSAGE = (ROOT / "data" / "passage.txt").read_text(encoding="utf-8")
MAKERS = {"sine": lambda: tasks.make("sine"),
          "memory (k=10)": lambda: tasks.make("memory", lag=10, pad=ct.MEMORY_PAD),
          "chars": lambda: tasks.make("chars", text=PASSAGE),
          "reverse (N=8)": lambda: tasks.make("seq2seq", mode="reverse", length=8)}


def steps_per_second(task, cfg, seconds: float) -> float:
    trainer = train.Trainer(task, cfg)
    trainer.run(5)  # warm up
    t0 = time.perf_counter()
    n = trainer.run(10**9, time_budget=seconds)
    return n / (time.perf_counter() - t0)


def draw_tick(trainer) -> None:
    """What the page's fragment builds on a tick (figures and their JSON)."""
    h = trainer.history.arrays()
    window = max(1, min(50, h["step"].size // 10))
    for values in (h["loss"], h["grad_norm"]):
        fig = tv.training_curve(h["step"], values, ct.smooth(values, window), title="t",
                                x_title="x", y_title="y", raw_name="a", smooth_name="b",
                                hline=1.0, hline_name="c", x_max=20_000)
        fig.to_json()


def in_slices(task, cfg, steps: int, draw: bool) -> tuple[float, float]:
    """(steps per second, drawing's share of the time) for `steps` steps trained in the page's
    slices, with or without what a tick draws after each. Both runs do the same steps from the
    same seed: training slows as it goes (sine, LSTM: about 150 steps/s over the first 500
    steps, 115 after 2,500), so timing the two over equal wall time would compare different
    stretches of training."""
    trainer = train.Trainer(task, cfg)
    trainer.run(5)
    t0 = time.perf_counter()
    drawing = 0.0
    while trainer.step < steps + 5:
        trainer.run(steps + 5 - trainer.step, time_budget=ct.SLICE)
        if draw:
            d0 = time.perf_counter()
            draw_tick(trainer)
            drawing += time.perf_counter() - d0
    total = time.perf_counter() - t0
    return steps / total, drawing / total


def main() -> None:
    seconds = 1.0 if QUICK else 3.0
    print(f"1. steps per second (training only, {seconds:.0f} s each)")
    print(f"{'task':<16}" + "".join(f"{c:>10}" for c in ct.CELLS))
    for name, make in MAKERS.items():
        row = [steps_per_second(make(), train.TrainConfig(cell=c), seconds) for c in ct.CELLS]
        print(f"{name:<16}" + "".join(f"{r:>10.0f}" for r in row))

    n = 500 if QUICK else 2000
    print(f"\n2. drawing while training (sine, LSTM, the same {n} steps in {ct.SLICE} s slices)")
    task = MAKERS["sine"]()
    cfg = train.TrainConfig(cell="lstm")
    alone, _ = in_slices(task, cfg, n, draw=False)
    drawn, share = in_slices(task, cfg, n, draw=True)
    print(f"alone {alone:.0f} steps/s, drawing after every slice {drawn:.0f} steps/s: "
          f"{100 * (1 - drawn / alone):.1f}% fewer (limit 20%); drawing {100 * share:.1f}% "
          f"of the time")

    print("\n3a. default task (sine, LSTM, seed 0) to its stated loss 0.02 (mean of 20 steps)")
    trainer = train.Trainer(task, cfg)
    t0 = time.perf_counter()
    trainer.run(5000, callback=lambda r: r.step >= 20 and
                np.mean(trainer.history.loss[-20:]) < 0.02)
    print(f"reached at step {trainer.step} after {time.perf_counter() - t0:.1f} s (limit 10 s)")

    lags = (5, 10, 20) if QUICK else ct.SWEEP_LAGS
    print(f"\n3b. memory task: accuracy against the lag ({ct.SWEEP_STEPS} steps each, "
          f"keep-gate bias {ct.SWEEP_GATE_BIAS}, 5 random symbols first)")
    sweep = ct.SweepRun(train.TrainConfig(), lags)
    sweep.running = True
    t0 = time.perf_counter()
    while sweep.running:
        sweep.advance(10.0)
    print(f"{'cell':<8}" + "".join(f"{'k=' + str(k):>8}" for k in lags))
    for cell, acc in sweep.results.items():
        print(f"{cell:<8}" + "".join(f"{a:>8.0%}" for a in acc))
    print(f"({time.perf_counter() - t0:.0f} s)")

    steps = 300 if QUICK else 1000
    print(f"\n3c. reverse 12 symbols (GRU, {steps} steps): greedy accuracy on 256 held-out "
          "sequences")
    print(f"{'context':<10}{'symbols':>9}{'sequences':>11}{'seconds':>9}")
    for ctx in ("last", "mean", "dot", "additive"):
        t0 = time.perf_counter()
        tr = train.train(tasks.make("seq2seq", mode="reverse", length=12),
                         train.TrainConfig(cell="gru", context=ctx, steps=steps))
        ev = tr.evaluate(*tr.eval_batch(256))
        whole = np.mean(np.all(np.argmax(ev.logits, -1) == ev.target, axis=0))
        print(f"{ctx:<10}{ev.score:>9.0%}{whole:>11.0%}{time.perf_counter() - t0:>9.1f}")


if __name__ == "__main__":
    main()
