"""Build time of every figure builder in viz/, printed as a table.

    python benchmarks/bench_viz.py [--reps N] [--markdown]

Each row builds one figure on the inputs a page passes (T=24 steps, H=16 hidden units, O=4
classes, D=3 inputs, a 256 x 100 W_ih), plus the largest cases the app allows (a 2000 x 1024
hidden state, a 1024 x 1024 matrix), which are thinned for display. "recurrence page (8)"
builds the eight figures the Recurrence page draws on one rerun, in order ("+ o_t tab": and the
logits heatmap of its o_t tab). Times are the
median of N builds after one warm-up, in milliseconds (medians, since the machine may be busy):
wall-clock, and the CPU time of this process (what the wall time would be on an idle machine).
Only the build is timed, not the JSON serialisation st.plotly_chart does afterwards.

--package NAME imports the builders from another package with viz's layout (to compare an
old copy on PYTHONPATH against this one).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

T, H, O, D = 24, 16, 4, 3  # noqa: E741 (the axis letters of DESIGN.md)


def _inputs():
    rng = np.random.default_rng(0)
    h = np.tanh(rng.normal(size=(T, H)))
    pre = rng.normal(scale=1.5, size=H)
    logits = rng.normal(size=(T, O))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return dict(
        h=h, pre=pre, h_t=np.tanh(pre), ih=rng.normal(size=H), hh=rng.normal(size=H),
        b=rng.normal(size=H), p=p, logits=logits, o=logits[3],
        labels=list("hello world, hello rnn!!"),
        sat=rng.uniform(size=T), dist=np.geomspace(1.0, 1e-5, T), pca=rng.normal(size=(T, 2)),
        W_ih=rng.normal(size=(256, 100)), x=rng.normal(size=100), Wx=rng.normal(size=256),
        W_small=rng.normal(size=(H, D)), x_small=rng.normal(size=D),
        h_big=np.tanh(rng.normal(size=(2000, 1024))).astype(np.float32),
        W_big=rng.normal(size=(1024, 1024)).astype(np.float32),
        v_big=rng.normal(size=1024).astype(np.float32),
    )


def cases(viz, a):
    """(name, page figure?, zero-argument builder) in table order."""
    rv = viz.recurrence
    step, labels = 4, a["labels"]
    page = [
        ("unrolled_chain(24, 4)",
         lambda: rv.unrolled_chain(T, step, x_labels=labels, title="Unrolled")),
        ("contributions_bar (H=16)",
         lambda: rv.contributions_bar(a["ih"], a["hh"], a["b"], a["pre"], a["h_t"],
                                      units=list(range(H)), title="Terms")),
        ("activation_scatter (H=16)",
         lambda: rv.activation_scatter(a["pre"], a["h_t"], "tanh", title="tanh")),
        ("hidden_heatmap (24, 16)",
         lambda: rv.hidden_heatmap(a["h"], step=step, x_labels=labels, title="h", zmax=1.0)),
        ("probs_heatmap (24, 4)",
         lambda: rv.probs_heatmap(a["p"], step=step, x_labels=labels, title="p")),
        ("time_lines (saturation)",
         lambda: rv.time_lines({"saturated": a["sat"]}, step=step, title="sat",
                               x_labels=labels, y_range=(0, 1))),
        ("pca_trajectory (24)",
         lambda: rv.pca_trajectory(a["pca"], step=step, labels=labels, title="PCA")),
        ("time_lines (log distance)",
         lambda: rv.time_lines({"distance": a["dist"]}, step=step, title="dist", log_y=True,
                               x_labels=labels)),
    ]

    logits_heatmap = ("hidden_heatmap (24, 4) as o_t",
                      lambda: rv.hidden_heatmap(a["logits"], step=step, x_labels=labels,
                                                title="o_t", value_label="o_t",
                                                unit_name="class"))

    def page_set():
        for _, build in page:
            build()

    def page_set_with_logits():  # the page's o_t tab draws a ninth figure
        page_set()
        logits_heatmap[1]()

    other = [
        ("dataflow_figure (W_ih 256x100)",
         lambda: viz.dataflow_figure([("W_ih", a["W_ih"]), ("x_t", a["x"]),
                                      ("W_ih x_t", a["Wx"])], ["·", "="], title="input")),
        ("dataflow_figure (6 vectors)",
         lambda: viz.dataflow_figure([("W_ih x_t", a["ih"]), ("W_hh h", a["hh"]),
                                      ("b_ih", a["b"]), ("b_hh", a["b"]), ("a_t", a["pre"]),
                                      ("h_t", a["h_t"])], ["+", "+", "+", "=", "tanh →"],
                                     title="sum")),
        ("dataflow_figure (16x3 · 3)",
         lambda: viz.dataflow_figure([("W_ih", a["W_small"]), ("x_t", a["x_small"]),
                                      ("W_ih x_t", a["ih"])], ["·", "="])),
        ("tensor_heatmap (256x100)", lambda: viz.tensor_heatmap(a["W_ih"], "W_ih")),
        ("output_bars (O=4)",
         lambda: viz.output_bars(a["o"], a["p"][3], labels=list("abcd"), title="out")),
    ]
    large = [
        ("hidden_heatmap (2000, 1024)",
         lambda: rv.hidden_heatmap(a["h_big"], step=1000)),
        ("dataflow_figure (1024x1024)",
         lambda: viz.dataflow_figure([("W_hh", a["W_big"]), ("h", a["v_big"]),
                                      ("W_hh h", a["v_big"])], ["·", "="])),
        ("tensor_heatmap (1024x1024)", lambda: viz.tensor_heatmap(a["W_big"], "W_hh")),
    ]
    rows = [(name, 12, f) for name, f in page]
    rows.append(("recurrence page (8)", 80, page_set))
    rows.append((logits_heatmap[0], 12, logits_heatmap[1]))
    rows.append(("recurrence page (8 + o_t tab)", 90, page_set_with_logits))  # 80 * 9 / 8
    rows += [(name, 12, f) for name, f in other]
    rows += [(name, 150, f) for name, f in large]
    return rows


def median_ms(build, reps: int) -> tuple[float, float]:
    """(median wall-clock ms, median CPU ms) of `reps` builds after one warm-up. The CPU time
    of this process leaves out the time other processes held the core, so it is what the wall
    time would be on an idle machine (the builders are single-threaded)."""
    build()  # warm-up: imports, plotly's validator caches
    wall, cpu = [], []
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        build()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--package", default="viz", help="package to import the builders from")
    args = ap.parse_args()
    viz = importlib.import_module(args.package)
    importlib.import_module(f"{args.package}.recurrence")
    a = _inputs()
    rows = [(name, target, *median_ms(build, args.reps))
            for name, target, build in cases(viz, a)]
    if args.markdown:
        print("| figure | wall ms | CPU ms | target ms |")
        print("|---|---:|---:|---:|")
        for name, target, wall, cpu in rows:
            print(f"| {name} | {wall:.1f} | {cpu:.1f} | {target} |")
    else:
        print(f"{'figure':34} {'wall ms':>8} {'CPU ms':>8} {'target':>7}")
        for name, target, wall, cpu in rows:
            flag = "" if wall <= target else ("  over (wall)" if cpu <= target else "  over")
            print(f"{name:34} {wall:8.1f} {cpu:8.1f} {target:7d}{flag}")


if __name__ == "__main__":
    main()
