"""Figures of the Training view: the live curves, predictions against targets, the confusion of
a classifier, and accuracy against the memory lag.

Pure builders: arrays and translated strings in, one go.Figure out (built in one call). Long
curves are thinned to at most MAX_POINTS points per trace before they go to the browser (the
live curves are redrawn twice a second); non-finite values become gaps.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import theme
from .theme import SEQUENTIAL, VALUE_FMT

MAX_POINTS = 1500  # per trace of a live curve
RAW_COLOR = "#9ecae1"  # every step's value, light: the smoothed line on top carries the trend
SMOOTH_COLOR = "#08519c"
CLIP_COLOR = "#d62728"
INPUT_COLOR = "#bdbdbd"  # the noisy input behind a prediction
TARGET_COLOR = "#111111"


def _gaps(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, np.nan)


def _thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Evenly spaced indices into n points, at most max_points, the last one always kept."""
    if n <= max_points:
        return np.arange(n)
    idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
    return idx


def training_curve(steps, values, smoothed=None, title: str | None = None,
                   x_title: str = "step", y_title: str = "", *, raw_name: str = "",
                   smooth_name: str = "", log_y: bool = True, hline: float | None = None,
                   hline_name: str = "", x_max: int | None = None,
                   height: int | None = None) -> go.Figure:
    """A value per training step (light) with its smoothed trend (dark).

    steps (n,), values (n,), smoothed (n,) or None. hline: a dashed horizontal line (the clip
    threshold, the target loss) named hline_name. x_max: the x axis runs to the planned number
    of steps, so the curve grows into its frame. Traces: raw, then smoothed, then the line.
    """
    s = theme.as_array("steps", steps, 1, "(n,)")
    v = theme.as_array("values", values, 1, "(n,)")
    if s.shape != v.shape:
        raise ValueError(f"values: expected shape {s.shape} (one per step), got {v.shape}")
    idx = _thin(s.shape[0])
    traces = [dict(type="scatter", x=s[idx], y=_gaps(v[idx]), name=raw_name, mode="lines",
                   line=dict(color=RAW_COLOR, width=1),
                   hovertemplate=f"%{{x}}<br>%{{y:{VALUE_FMT}}}<extra>{raw_name}</extra>")]
    if smoothed is not None:
        m = theme.as_array("smoothed", smoothed, 1, "(n,)")
        if m.shape != s.shape:
            raise ValueError(f"smoothed: expected shape {s.shape}, got {m.shape}")
        traces.append(dict(type="scatter", x=s[idx], y=_gaps(m[idx]), name=smooth_name,
                           mode="lines", line=dict(color=SMOOTH_COLOR, width=2.5),
                           hovertemplate=f"%{{x}}<br>%{{y:{VALUE_FMT}}}"
                                         f"<extra>{smooth_name}</extra>"))
    if hline is not None and s.shape[0]:
        right = max(float(s[-1]), float(x_max or 0))
        traces.append(dict(type="scatter", x=[0, right], y=[hline, hline], name=hline_name,
                           mode="lines", line=dict(color=CLIP_COLOR, width=1.5, dash="dash"),
                           hoverinfo="skip"))
    layout = theme.house_layout(title, 320 if height is None else height,
                                legend=theme.wants_legend(traces))
    yaxis = dict(title=dict(text=y_title or None))
    if log_y:
        yaxis.update(type="log", exponentformat="power")
    xaxis = dict(title=dict(text=x_title or None), showgrid=True)
    if x_max:
        xaxis["range"] = [0, int(x_max)]
    layout.update(xaxis=xaxis, yaxis=yaxis, uirevision="keep")
    return theme.figure(traces, layout)


def predictions(t, series: dict, title: str | None = None, x_title: str = "time step t",
                y_title: str = "", *, dashed: tuple = (), colors: dict | None = None,
                height: int | None = None) -> go.Figure:
    """Lines over time, one per named (T,) series (the target, the predictions before and
    after training); names in `dashed` are drawn dashed."""
    if not series:
        raise ValueError("series: expected at least one named (T,) array, got none")
    tt = theme.as_array("t", t, 1, "(T,)")
    colors = colors or {}
    traces = []
    for i, (name, y) in enumerate(series.items()):
        y = theme.as_array(str(name), y, 1, "(T,)")
        if y.shape != tt.shape:
            raise ValueError(f"{name}: expected shape {tt.shape}, got {y.shape}")
        color = colors.get(name, theme.LINE_COLORS[i % len(theme.LINE_COLORS)])
        traces.append(dict(type="scatter", x=tt, y=_gaps(y), name=str(name),
                           mode="lines+markers" if tt.shape[0] <= 80 else "lines",
                           line=dict(color=color, width=2,
                                     dash="dash" if name in dashed else "solid"),
                           marker=dict(size=4, color=color),
                           hovertemplate=f"%{{x}}<br>%{{y:{VALUE_FMT}}}<extra>{name}</extra>"))
    layout = theme.house_layout(title, 320 if height is None else height,
                                legend=theme.wants_legend(traces))
    layout.update(xaxis=dict(title=dict(text=x_title or None), showgrid=True),
                  yaxis=dict(title=dict(text=y_title or None)))
    return theme.figure(traces, layout)


def confusion(target, predicted, n_classes: int, title: str | None = None,
              x_title: str = "predicted", y_title: str = "true", *, labels=None,
              height: int | None = None) -> go.Figure:
    """How often each true class (row) was predicted as each class (column), as a share of
    the row: a perfect classifier lights the diagonal. data[0].z is (C, C)."""
    y = np.asarray(target).astype(int).ravel()
    p = np.asarray(predicted).astype(int).ravel()
    if y.shape != p.shape:
        raise ValueError(f"predicted: expected shape {y.shape} (the target's), got {p.shape}")
    C = int(n_classes)
    counts = np.zeros((C, C))
    np.add.at(counts, (y, p), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    names = [str(v) for v in (labels if labels is not None else range(C))]
    trace = dict(type="heatmap", z=share, x=names, y=names, zmin=0.0, zmax=1.0,
                 colorscale=SEQUENTIAL, xgap=1, ygap=1, customdata=counts,
                 colorbar=dict(thickness=14),
                 hovertemplate="%{y} → %{x}: %{z:.0%} (%{customdata:.0f})<extra></extra>")
    layout = theme.house_layout(title, 300 if height is None else height)
    layout.update(xaxis=dict(title=dict(text=x_title), type="category", side="bottom"),
                  yaxis=dict(title=dict(text=y_title), type="category", autorange="reversed"))
    return theme.figure([trace], layout)


def lag_accuracy(lags, series: dict, chance: float, title: str | None = None,
                 x_title: str = "lag k", y_title: str = "accuracy", *,
                 chance_name: str = "chance", height: int | None = None,
                 x_name: str = "k") -> go.Figure:
    """Accuracy against the memory lag, one line per cell ({name: (n_lags,)}, NaN where not
    trained yet), and the chance level dashed. (Also accuracy against any integer position:
    x_name is the hover's name of x.)"""
    lg = theme.as_array("lags", lags, 1, "(n,)")
    traces = []
    for i, (name, acc) in enumerate(series.items()):
        a = theme.as_array(str(name), acc, 1, "(n,)")
        if a.shape != lg.shape:
            raise ValueError(f"{name}: expected shape {lg.shape} (one per lag), got {a.shape}")
        color = theme.LINE_COLORS[i % len(theme.LINE_COLORS)]
        traces.append(dict(type="scatter", x=lg, y=_gaps(a), name=str(name),
                           mode="lines+markers", line=dict(color=color, width=2.5),
                           marker=dict(size=8, color=color),
                           hovertemplate=f"{x_name} = %{{x}}<br>%{{y:.0%}}<extra>{name}</extra>"))
    traces.append(dict(type="scatter", x=[float(lg.min()), float(lg.max())],
                       y=[chance, chance], name=chance_name, mode="lines",
                       line=dict(color=theme.NOTE_COLOR, width=1.5, dash="dash"),
                       hoverinfo="skip"))
    layout = theme.house_layout(title, 340 if height is None else height,
                                legend=theme.wants_legend(traces))
    layout.update(xaxis=dict(title=dict(text=x_title), tickmode="array", tickvals=lg.tolist()),
                  yaxis=dict(title=dict(text=y_title), range=[0, 1.05], tickformat=".0%"))
    return theme.figure(traces, layout)
