"""The bottleneck, measured: a GRU encoder-decoder trained on copy and reverse for several input
lengths N, once with the fixed-length context c = h_N ("last") and once with attention, each
from a seed; the greedy accuracy on fresh sequences goes to data/bottleneck.json, which the
Encoder-decoder view draws.

    python benchmarks/bench_bottleneck.py [--workers 2] [--steps 3000] [--out data/bottleneck.json]

Every run is rnn_core.train_small.train(TrainSettings(...)) with the settings written into the
JSON, so any point can be reproduced alone. About 2 to 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from rnn_core.train_small import TrainSettings, train  # noqa: E402

LENGTHS = (2, 4, 8, 12, 16, 20)
TASKS = ("reverse", "copy")
CONTEXTS = ("last", "attention")
EXAMPLE = dict(task="reverse", N=8)  # a trained attention model's weights, for the view


def _one(settings: TrainSettings) -> dict:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one BLAS thread per worker process
        t0 = time.perf_counter()
        res = train(settings)
        row = dict(task=settings.task, context=settings.context, N=settings.N,
                   token_accuracy=round(res.token_accuracy, 4),
                   sequence_accuracy=round(res.sequence_accuracy, 4),
                   final_loss=round(res.losses[-1], 4),
                   seconds=round(time.perf_counter() - t0, 1))
        if settings.context == "attention" and settings.task == EXAMPLE["task"] \
                and settings.N == EXAMPLE["N"]:
            row["example"] = _example(res.model, settings)
    return row


def _example(model, s: TrainSettings) -> dict:
    """One fresh reverse sequence through the trained model: its tokens and attention."""
    from rnn_core.train_small import make_batch

    x, _, target = make_batch(s.task, s.N, 1, s.vocab, np.random.default_rng(s.seed + 11))
    logits = model.generate(x, s.N)
    return dict(input=x[:, 0].argmax(-1).tolist(), target=target[:, 0].tolist(),
                output=logits[:, 0].argmax(-1).tolist(),
                alpha=np.round(model.alpha[:, 0], 4).tolist())  # (M, N)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "data" / "bottleneck.json"))
    args = ap.parse_args()
    base = TrainSettings(steps=args.steps, seed=args.seed, score="additive")
    runs = [replace(base, task=task, N=N, context=ctx)
            for task in TASKS for N in LENGTHS for ctx in CONTEXTS]
    runs.sort(key=lambda s: -s.N)  # longest first: the pool ends evenly
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        rows = list(pool.map(_one, runs))
    elapsed = time.perf_counter() - t0
    example = next(r.pop("example") for r in rows if "example" in r)
    rows.sort(key=lambda r: (r["task"], r["context"], r["N"]))
    common = {k: v for k, v in asdict(base).items() if k not in ("task", "N", "context")}
    result = dict(
        description="Greedy token accuracy of a trained encoder-decoder against the input "
                    "length N, with c = h_N and with attention (benchmarks/bench_bottleneck.py)",
        command=f"python benchmarks/bench_bottleneck.py --steps {args.steps} --seed {args.seed}",
        settings=common, lengths=list(LENGTHS), tasks=list(TASKS), contexts=list(CONTEXTS),
        results=rows, example=dict(EXAMPLE, **example),
        elapsed_seconds=round(elapsed, 1), workers=args.workers,
        numpy=np.__version__, python=platform.python_version())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{'task':8} {'context':10} " + " ".join(f"N={n:<5}" for n in LENGTHS))
    for task in TASKS:
        for ctx in CONTEXTS:
            accs = [next(r["token_accuracy"] for r in rows if r["task"] == task
                         and r["context"] == ctx and r["N"] == n) for n in LENGTHS]
            print(f"{task:8} {ctx:10} " + " ".join(f"{a:<7.3f}" for a in accs))
    print(f"{elapsed:.0f} s with {args.workers} workers -> {out}")


if __name__ == "__main__":
    main()
