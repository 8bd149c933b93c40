"""Figures of the Gradients view: bars of a quantity per item (singular values, each step's
share of dL/dW_hh) and curves against the distance from the loss.

Language-agnostic like every builder here: the caller passes translated titles and names.
Non-finite values (an exploding gradient overflows) are drawn as gaps, never sent as inf.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import theme
from .theme import VALUE_FMT


def _gaps(a: np.ndarray) -> np.ndarray:
    """float64 copy with inf/NaN replaced by NaN (JSON has no inf; plotly leaves a gap)."""
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, np.nan)


def bars(values, labels=None, title: str | None = None, x_title: str = "", y_title: str = "",
         *, log_y: bool = False, color: str | None = None, highlight: int | None = None,
         name: str = "", height: int | None = None) -> go.Figure:
    """One bar per entry of `values` (n,); labels (n,) for the x axis (default 1..n);
    `highlight` an index drawn in the highlight colour (the current step)."""
    v = theme.as_array("values", values, 1, "(n,)")
    n = v.shape[0]
    x = list(labels) if labels is not None else list(range(1, n + 1))
    if len(x) != n:
        raise ValueError(f"labels: expected {n} labels, got {len(x)}")
    base = color or theme.LINE_COLORS[0]
    colors = [base] * n
    if highlight is not None:
        if not 0 <= int(highlight) < n:
            raise ValueError(f"highlight: expected an index in [0, {n - 1}], got {highlight}")
        colors[int(highlight)] = theme.TERM_COLORS["highlight"]
    trace = dict(type="bar", x=x, y=_gaps(v), name=name, marker=dict(color=colors),
                 hovertemplate=f"%{{x}}<br>%{{y:{VALUE_FMT}}}<extra>{name}</extra>")
    layout = theme.house_layout(title, 320 if height is None else height)
    yaxis = dict(title=dict(text=y_title or None))
    if log_y:
        yaxis.update(type="log", exponentformat="power")
    layout.update(xaxis=dict(title=dict(text=x_title or None),
                             type="category" if labels is not None else "linear"),
                  yaxis=yaxis, bargap=0.15)
    return theme.figure([trace], layout)


def distance_lines(series: dict, title: str | None = None, x_title: str = "distance T - t",
                   y_title: str = "", *, dashed: tuple = (), log_y: bool = True,
                   colors: dict | None = None, height: int | None = None) -> go.Figure:
    """Curves against the distance d = T - k from the last step: series {name: (T+1,) array
    indexed by k = 0..T} (as diagnostics.product_norms gives them) are drawn at d = T - k, so
    d = 0 is the last step itself. Names in `dashed` are drawn dashed (a bound)."""
    if not series:
        raise ValueError("series: expected at least one named (T+1,) array, got none")
    colors = colors or {}
    traces = []
    for i, (name, arr) in enumerate(series.items()):
        a = theme.as_array(str(name), arr, 1, "(T+1,)")
        d = np.arange(a.shape[0] - 1, -1, -1)  # k = 0..T -> d = T..0
        color = colors.get(name, theme.LINE_COLORS[i % len(theme.LINE_COLORS)])
        traces.append(dict(
            type="scatter", x=d, y=_gaps(a), name=str(name),
            mode="lines" if a.shape[0] > 80 else "lines+markers",
            line=dict(color=color, width=2, dash="dash" if name in dashed else "solid"),
            marker=dict(size=4, color=color),
            hovertemplate=f"d = %{{x}}<br>%{{y:{VALUE_FMT}}}<extra>{name}</extra>"))
    many = len(traces) > 3  # a row of four names would cover the title: list them at the right
    layout = theme.house_layout(title, 340 if height is None else height,
                                legend=theme.wants_legend(traces) and not many)
    if many:
        layout.update(showlegend=True, legend=dict(orientation="v", x=1.02, xanchor="left",
                                                   y=1.0, yanchor="top"))
        layout["margin"] = {**layout["margin"], "r": 170}
    yaxis = dict(title=dict(text=y_title or None))
    if log_y:
        yaxis.update(type="log", exponentformat="power")
    layout.update(xaxis=dict(title=dict(text=x_title or None), showgrid=True), yaxis=yaxis)
    return theme.figure(traces, layout)
