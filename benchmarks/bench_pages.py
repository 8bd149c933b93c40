"""Rerun time of every page under Streamlit's AppTest, printed as a table.

    python benchmarks/bench_pages.py [--reps N] [--markdown]

Rows: each page with the default configuration (a plain rerun), a step change (the slider
moved: the run is cached, only the drawing reruns), and sequence length 1000 with hidden size
512 (first run, which computes, and a rerun). Times are medians of N reruns, in milliseconds,
and include AppTest's own overhead (it polls the script thread), so they are an upper bound
of what a browser session waits for the server.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit.logger  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

streamlit.logger.set_log_level("critical")

PAGES = [("home", None, None), ("data_flow", "pages/1_data_flow.py", "w_data_flow_step"),
         ("recurrence", "pages/2_recurrence.py", "w_recurrence_step"),
         ("gradients", "pages/3_gradients.py", None)]
for _file, _key in (("pages/4_architectures.py", None), ("pages/5_encoder_decoder.py", None),
                    ("pages/6_training.py", None)):
    if (ROOT / _file).exists():  # views added later are measured as they come
        PAGES.append((Path(_file).stem.split("_", 1)[1], _file, _key))
TARGETS = {"default": 150, "step": 50, "T=1000, H=512": 1000}


def _app(page: str | None, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
    return at


def _timed(at: AppTest) -> float:
    t0 = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - t0) * 1000
    if at.exception:
        raise RuntimeError(f"exception in the page: {at.exception[0].value}")
    return elapsed


def bench(reps: int) -> list[tuple]:
    rows = []
    for name, page, step_key in PAGES:
        at = _app(page)
        first = _timed(at)
        rerun = statistics.median(_timed(at) for _ in range(reps))
        rows.append((name, "default", first, rerun))
        if step_key:
            slider = at.slider(key=step_key)
            times = []
            for n in range(reps):
                slider.set_value(2 + n % 20)
                times.append(_timed(at))
            rows.append((name, "step", float("nan"), statistics.median(times)))
        at = _app(page, {"T": "1000", "hidden": "512"})
        first = _timed(at)
        rerun = statistics.median(_timed(at) for _ in range(max(3, reps // 3)))
        rows.append((name, "T=1000, H=512", first, rerun))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows = bench(args.reps)
    if args.markdown:
        print("| page | case | first run (ms) | rerun, median (ms) | target (ms) |")
        print("|---|---|---:|---:|---:|")
        for page, case, first, rerun in rows:
            f = "" if first != first else f"{first:.0f}"
            print(f"| {page} | {case} | {f} | {rerun:.0f} | {TARGETS[case]} |")
        return
    print(f"{'page':12s} {'case':16s} {'first ms':>9s} {'rerun ms':>9s} {'target':>7s}")
    for page, case, first, rerun in rows:
        f = "" if first != first else f"{first:.0f}"
        print(f"{page:12s} {case:16s} {f:>9s} {rerun:9.0f} {TARGETS[case]:7d}")


if __name__ == "__main__":
    main()
