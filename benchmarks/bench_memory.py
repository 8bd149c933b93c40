"""Memory of the cached runs: `rnn_core.memory`'s estimates beside what is measured.

    python benchmarks/bench_memory.py            # every configuration
    python benchmarks/bench_memory.py --quick    # the small ones only

For each configuration: the bytes the cached object keeps, estimated from the sizes and
measured (`rnn_core.memory.held_bytes`: the nbytes of every array in it), and the peak while it
is computed, estimated and measured (tracemalloc's peak: NumPy reports its buffers to it).
The per-run budget (`ui.config.run_budget`) is printed above the table; a run whose estimated
peak is over it is refused by the app (such rows are computed here all the same).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threadpoolctl import threadpool_limits  # noqa: E402

from rnn_core import memory  # noqa: E402
from ui.compute import compute_run  # noqa: E402
from ui.compute_grad import GradSettings, compute_gradients  # noqa: E402
from ui.config import DATA_SOURCES, Config, data_steps, data_width, run_budget  # noqa: E402

CHINESE = "".join(chr(0x4E00 + i) for i in range(300))
RUNS = {  # name -> (configuration, small)
    "default": (Config(), True),
    "H 64, T 500, B 16, L 2, bidir": (Config(hidden_size=64, seq_len=500, batch_size=16,
                                             num_layers=2, bidirectional=True), True),
    "text 600 chars (300 distinct), B 16, bidir": (Config(source="text", text=CHINESE * 2,
                                                          batch_size=16, hidden_size=32,
                                                          bidirectional=True), True),
    "H 1024, T 2000": (Config(hidden_size=1024, seq_len=2000), False),
    "H 1, T 2000, D 512, B 64, bidir (issue link)": (Config(hidden_size=1, seq_len=2000,
                                                            input_size=512, batch_size=64,
                                                            bidirectional=True), False),
}
GRADIENTS = {
    "H 48, T 60": (Config(hidden_size=48, seq_len=60), True),
    "H 256, T 200": (Config(hidden_size=256, seq_len=200), False),
    "H 100, T 500, B 16": (Config(hidden_size=100, seq_len=500, batch_size=16), False),
}


def traced(compute):
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        value = compute()
        return value, tracemalloc.get_traced_memory()[1], time.perf_counter() - t0
    finally:
        tracemalloc.stop()


def mb(n: float) -> str:
    return f"{n / 2**20:9.1f}"


def row(name, est, kept, peak, seconds):
    print(f"{name:46s} {mb(est.kept)} {mb(kept)} {mb(est.peak)} {mb(peak)} "
          f"{est.peak / peak:6.3f} {seconds:6.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the small configurations only")
    args = ap.parse_args()
    threadpool_limits(limits=1, user_api="blas")
    print(f"per-run budget {memory.format_bytes(run_budget())}; sizes in MiB\n")
    head = (f"{'configuration':46s} {'kept est':>9s} {'kept':>9s} {'peak est':>9s} "
            f"{'peak':>9s} {'ratio':>6s} {'s':>6s}")
    print("Recurrence / Data-flow run (sample 0 kept)\n" + head)
    for name, (cfg, small) in RUNS.items():
        if args.quick and not small:
            continue
        run, peak, seconds = traced(lambda cfg=cfg: compute_run(cfg, samples=1))
        est = memory.run_bytes(data_steps(cfg), cfg.batch_size, data_width(cfg),
                               cfg.hidden_size, cfg.num_layers, 2 if cfg.bidirectional else 1,
                               cfg.output_size, shared_input=cfg.source in DATA_SOURCES)
        row(name, est, memory.held_bytes(run), peak, seconds)
        del run
    print("\nGradients entry (cached: slim; uncached: with Jacobians and gradients)\n" + head)
    for name, (cfg, small) in GRADIENTS.items():
        if args.quick and not small:
            continue
        for slim in (True, False):
            runs, peak, seconds = traced(lambda cfg=cfg, slim=slim: compute_gradients(
                cfg, GradSettings(), slim=slim))
            est = memory.gradient_bytes(cfg.seq_len, cfg.batch_size, cfg.input_size,
                                        cfg.hidden_size, cells=tuple(runs),
                                        keep_jacobians=not slim, keep_grads=not slim,
                                        samples=1 if slim else None)
            row(f"{name} ({'cached' if slim else 'uncached'})", est, memory.held_bytes(runs),
                peak, seconds)
            del runs


if __name__ == "__main__":
    main()
