"""Colours, fonts and the common layout of every figure; the one place colour scales live.

Signed quantities (weights, W_ih x_t, W_hh h_{t-1}, a_t, h_t, o_t, gradients) use DIVERGING,
centred on zero with a symmetric range, so white means zero on every page. Probabilities use
SEQUENTIAL on [0, 1]; position in time uses TIME. The terms of the recurrence keep one colour
each (TERM_COLORS) wherever they appear as bars or lines.

Also here: the reduction of very large heatmaps to what a browser can draw
(`reduce_for_display`), and small helpers the builders share (shape text, symmetric range,
visible characters, tick thinning).
"""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.basevalidators import ColorscaleValidator
from _plotly_utils.utils import convert_to_base64  # what go.Figure.to_dict applies

# Blue (negative), white (zero), red (positive): ColorBrewer RdBu reversed, 11 classes.
DIVERGING = [
    [0.0, "#053061"],
    [0.1, "#2166ac"],
    [0.2, "#4393c3"],
    [0.3, "#92c5de"],
    [0.4, "#d1e5f0"],
    [0.5, "#f7f7f7"],
    [0.6, "#fddbc7"],
    [0.7, "#f4a582"],
    [0.8, "#d6604d"],
    [0.9, "#b2182b"],
    [1.0, "#67001f"],
]

# Probabilities 0..1: white to deep purple (ColorBrewer Purples), so 0 reads as "nothing" and
# it cannot be mistaken for the blue-red of signed values.
SEQUENTIAL = [
    [0.0, "#fcfbfd"],
    [0.125, "#efedf5"],
    [0.25, "#dadaeb"],
    [0.375, "#bcbddc"],
    [0.5, "#9e9ac8"],
    [0.625, "#807dba"],
    [0.75, "#6a51a3"],
    [0.875, "#54278f"],
    [1.0, "#3f007d"],
]

# Position in time (PCA trajectory): Viridis, early steps dark purple, late steps yellow.
TIME = [[i / 9, c] for i, c in enumerate(["#440154", "#482878", "#3e4989", "#31688e", "#26828e",
                                          "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
                                          "#fde725"])]

# One colour per term of h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), o_t = W_ho h_t + b_ho.
TERM_COLORS = {
    "input": "#1f77b4",      # W_ih x_t, and x_t itself
    "recurrent": "#ff7f0e",  # W_hh h_{t-1}, and the state carried along the chain
    "bias": "#7f7f7f",       # b_ih + b_hh
    "pre": "#2b2b2b",        # a_t, the pre-activation
    "h": "#2ca02c",          # h_t
    "output": "#9467bd",     # o_t
    "highlight": "#d62728",  # the current step, saturated units
}

# Line colours for series that are not one of the terms (time_lines).
LINE_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#17becf", "#bcbd22", "#7f7f7f"]

# Chinese needs a CJK face; the list falls through to whatever the learner's system has.
FONT_FAMILY = ('"Open Sans", "Source Sans Pro", "Noto Sans CJK SC", "Microsoft YaHei", '
               '"PingFang SC", "Hiragino Sans GB", Arial, sans-serif')
FONT_SIZE = 14
TITLE_SIZE = 17
NOTE_COLOR = "#666666"
BORDER_COLOR = "#9e9e9e"
MARK_COLOR = "#111111"  # the current step on a diverging heatmap
MARK_COLOR_SEQUENTIAL = "#ff7f0e"  # ... and on a sequential one (black vanishes on deep purple)

# d3-format for hover values: 4 significant digits.
VALUE_FMT = ".4g"

# Above this many cells a heatmap is thinned before it goes to the browser: a 1000 x 1000
# matrix is 8 MB of JSON and takes seconds to draw, and a screen has fewer pixels anyway.
MAX_CELLS = 200_000


def _house_template() -> dict:
    """plotly_white, trimmed to what these figures use: its layout without the map, polar,
    ternary and 3-D defaults and without its default colour scales (every heatmap here names
    its own: tests/test_figure_checks.py), and trace defaults for heatmap, scatter and bar
    only. plotly copies the whole template into every figure's JSON on every build; the full
    plotly_white costs about 7 ms a figure, this one a fraction of that, and draws the
    same."""
    full = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in full["layout"].items()
              if k not in ("geo", "polar", "ternary", "scene", "mapbox", "map", "colorscale")}
    data = {k: v for k, v in full.get("data", {}).items() if k in ("heatmap", "scatter", "bar")}
    data["heatmap"] = [{k: v for k, v in tr.items() if k != "colorscale"}
                       for tr in data.get("heatmap", [])]
    return {"layout": layout, "data": data}


HOUSE_TEMPLATE = _house_template()

# plotly checks every property of a new figure against its schema: about two thirds of a
# page's rerun (a step change on Recurrence: ~100 ms with the checks, ~45 ms without, less
# again with PlainFigure). The builders' figures are checked where they are written, by the
# tests (tests/conftest.py sets RNNX_VALIDATE_FIGURES=1, so a misspelt property fails there);
# the app skips the checks. tests/test_figure_checks.py asserts both give the same JSON.
VALIDATE = os.environ.get("RNNX_VALIDATE_FIGURES") == "1"


# Arrays of objects (annotations, shapes, ...): plotly drops them when empty; an empty data
# array (x, text, tickvals) it keeps.
_OBJECT_ARRAYS = frozenset({"annotations", "shapes", "images", "sliders", "updatemenus",
                            "selections", "buttons", "steps", "tickformatstops", "rangebreaks",
                            "dimensions"})


_COLORSCALE = ColorscaleValidator("colorscale", "heatmap")


def _colorscale(value):
    """A named colour scale ("Viridis", "magma_r") as plotly writes it: its list of [position,
    colour]. plotly.js knows only some names, so a name must not reach the browser as is."""
    return _COLORSCALE.validate_coerce(value)


def _pruned(d: dict) -> dict:
    """d as plotly's checks would write it, at every depth and inside lists of objects: no
    None values, no empty dicts or empty arrays of objects (empty data arrays stay), `name` a
    string, a named colour scale spelt out. The tests build every figure both ways and compare
    (`figure`), so whatever this misses fails there."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            v = _pruned(v)
        elif isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
            v = [_pruned(e) for e in v]
        elif k == "name" and isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            v = str(v)
        elif k == "colorscale" and isinstance(v, str):
            v = _colorscale(v)
        if v is None or (isinstance(v, dict) and not v):
            continue
        if isinstance(v, list) and not v and k in _OBJECT_ARRAYS:
            continue
        out[k] = v
    return out


def _tree_copy(obj):
    """A copy of the dicts and lists (tuples kept as tuples) around the leaves, which are
    shared: convert_to_base64 replaces arrays in their containers, not the arrays."""
    if isinstance(obj, dict):
        return {k: _tree_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_tree_copy(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_tree_copy(v) for v in obj)
    return obj


class PlainFigure(go.Figure):
    """A figure that is its plain trace and layout dicts, for the app: Streamlit asks a plotly
    figure only for `to_dict()` (st.plotly_chart), and building plotly's objects, only for
    that dict to be deep-copied back out of them, was most of what remained of a page's rerun
    once the checks were off. It has none of go.Figure's attributes (fig.data, fig.layout):
    the tests, which read those, get real figures (`VALIDATE`); tests/test_figure_checks.py
    asserts that every page sends the same JSON both ways. The dicts are not copied, so
    nothing may change them after the figure is made (builders make fresh ones per call)."""

    def __init__(self, data: list, layout: dict):  # go.Figure.__init__ skipped on purpose
        self._plain = {"data": data, "layout": layout}

    def to_dict(self) -> dict:
        """What go.Figure.to_dict gives: the dicts with arrays as plotly's base64 specs (the
        dicts and lists are copied for that, the arrays are only read)."""
        out = _tree_copy(self._plain)
        convert_to_base64(out)
        return out

    def __repr__(self) -> str:
        return f"PlainFigure({len(self._plain['data'])} traces)"


def _first_difference(a, b, path: str = "") -> str | None:
    """Where two JSON trees first differ ("layout.xaxis.tickvals: [] != <missing>"), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return (f"{path}{k}: "
                        f"{'<missing>' if k not in a else repr(a[k])[:80]} != "
                        f"{'<missing>' if k not in b else repr(b[k])[:80]}")
            found = _first_difference(a[k], b[k], f"{path}{k}.")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}{i}.")
            if found:
                return found
        return None
    return None if a == b else f"{path.rstrip('.')}: {repr(a)[:80]} != {repr(b)[:80]}"


def _plain(data: list, layout: dict) -> PlainFigure:
    layout = _pruned(layout)
    if "template" not in layout and pio.templates.default not in (None, "none"):
        # what go.Figure does: plotly's default template (the builders all name theirs)
        layout["template"] = pio.templates[pio.templates.default].to_plotly_json()
    return PlainFigure([_pruned(tr) for tr in data], layout)


def _math_name(trace: dict) -> dict:
    """The trace with its name (legend) and hover template in the titles' notation: "W_ih x_t"
    is drawn W<sub>ih</sub> x<sub>t</sub>, as in the chart's title above it."""
    for key in ("name", "hovertemplate"):  # the builders' own words, never the learner's
        value = trace.get(key)
        if isinstance(value, str) and ("_" in value or "^" in value):
            trace = {**trace, key: math_text(value)}
    if isinstance(trace.get("colorbar"), dict):
        trace = {**trace, "colorbar": _math_title(trace["colorbar"])}
    return trace


def _math_title(owner: dict) -> dict:
    """owner (an axis, a colour bar) with its title text in the titles' notation."""
    title = owner.get("title")
    if isinstance(title, str):
        return {**owner, "title": math_text(title)}
    if isinstance(title, dict) and isinstance(title.get("text"), str):
        return {**owner, "title": {**title, "text": math_text(title["text"])}}
    return owner


def _math_layout(layout: dict) -> dict:
    """The layout with its axis and colour-bar titles in the titles' notation (new dicts
    where something changes; the builder's are left as they are)."""
    out = dict(layout)
    for k, v in layout.items():
        if not isinstance(v, dict):
            continue
        if k.startswith(("xaxis", "yaxis")):
            out[k] = _math_title(v)
        elif k.startswith("coloraxis") and isinstance(v.get("colorbar"), dict):
            out[k] = {**v, "colorbar": _math_title(v["colorbar"])}
    return out


def figure(data: list, layout: dict) -> go.Figure:
    """The one call that builds a figure from plain trace and layout dicts: a checked
    go.Figure in the tests, a PlainFigure in the app (`VALIDATE`).

    Trace names, hover templates and axis and colour-bar titles are written in the titles'
    notation (`math_text`). In the tests every figure is built both ways, and a PlainFigure
    whose JSON differs from the checked figure's raises: every builder call of the test suite,
    whatever its inputs, checks that what the app sends is what plotly would have sent."""
    data, layout = [_math_name(tr) for tr in data], _math_layout(layout)
    if not VALIDATE:
        return _plain(data, layout)
    plain = json.loads(pio.to_json(_plain(data, layout), validate=False))
    fig = go.Figure(data=data, layout=layout)
    checked = json.loads(pio.to_json(fig, validate=False))
    difference = _first_difference(plain, checked)
    if difference:
        raise AssertionError(f"the unchecked figure (PlainFigure) differs from plotly's: "
                             f"{difference}")
    return fig


_SUB_BRACED = re.compile(r"(?<=[A-Za-zα-ωΑ-Ω′‖])_\{([^{}]*)\}")  # h_{t-1} -> h<sub>t-1</sub>
_SUB_PLAIN = re.compile(r"(?<=[A-Za-zα-ωΑ-Ω′‖])_([A-Za-z0-9]+)")  # W_ih -> W<sub>ih</sub>
# ρ^(T-t) -> ρ<sup>T-t</sup>, x^2 -> x<sup>2</sup>
_SUP = re.compile(r"(?<=[A-Za-z0-9α-ωΑ-Ω)])\^(\([^()]*\)|[A-Za-z0-9]+)")


def math_text(text: str) -> str:
    """The articles' plain notation as plotly draws sub- and superscripts: "W_hh · h_{t-1}"
    becomes "W<sub>hh</sub> · h<sub>t-1</sub>", "(...)^(T-t)" "(...)<sup>T-t</sup>" (titles,
    axes, colour bars, panel labels, trace names and hover templates)."""
    text = _SUB_PLAIN.sub(r"<sub>\1</sub>", _SUB_BRACED.sub(r"<sub>\1</sub>", text))
    return _SUP.sub(lambda m: f"<sup>{m.group(1).removeprefix('(').removesuffix(')')}</sup>",
                    text)


def house_layout(title: str | None = None, height: int | None = None, *,
                 legend: bool = False) -> dict:
    """The house layout as a plain dict, to pass to go.Figure(data=..., layout=...) in the one
    call that builds a figure (see base_layout for what it holds). The builders add their axes,
    shapes and annotations to this dict rather than update a figure step by step: every
    fig.update_* / add_* call re-validates the figure, which is what made them slow."""
    top = 16 + (40 if title else 0) + (28 if legend else 0)
    layout = dict(
        template=HOUSE_TEMPLATE,
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color="#222222"),
        margin=dict(l=60, r=24, t=top, b=52),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=13)),
        showlegend=legend,
        legend=dict(orientation="h", x=0.0, xanchor="left", y=1.0, yanchor="bottom",
                    bgcolor="rgba(255,255,255,0)"),
    )
    if title:
        layout["title"] = dict(text=math_text(title), x=0.0, xref="paper", xanchor="left", y=1.0,
                               yref="container", yanchor="top", pad=dict(t=10),
                               font=dict(size=TITLE_SIZE))
    if height is not None:
        layout["height"] = int(height)
    return layout


def wants_legend(traces) -> bool:
    """base_layout's default for `legend`: more than one trace with a name that does not turn
    its legend entry off. traces: plotly trace objects or plain trace dicts."""
    def get(tr, key):
        return tr.get(key) if isinstance(tr, dict) else getattr(tr, key)

    return sum(1 for tr in traces if get(tr, "showlegend") is not False and get(tr, "name")) > 1


def base_layout(fig: go.Figure, title: str | None = None, height: int | None = None, *,
                legend: bool | None = None) -> go.Figure:
    """Apply the house layout to `fig` in place and return it: white template, readable fonts
    (with CJK fallbacks), compact margins, the title at top left, a horizontal legend above the
    plot. `legend=None` shows the legend when more than one trace asks for it.
    (The builders use house_layout, the same layout as a dict, to build a figure in one call.)"""
    if legend is None:
        legend = wants_legend(fig.data)
    layout = house_layout(title, height, legend=legend)
    fig.layout.template = layout.pop("template")  # replace the figure's template, not merge
    fig.update_layout(layout)
    return fig


def shape_text(shape) -> str:
    """A tensor's shape in torch's and the seed article's notation: (256, 100) -> '[256, 100]'."""
    if isinstance(shape, np.ndarray):
        shape = shape.shape
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def symmetric_zmax(*arrays, zmax: float | None = None) -> float:
    """The half-width of a zero-centred colour range: `zmax` if given, else max |value| over the
    finite values of all arrays; 1.0 when there is nothing but zeros (an all-zero h_0 still gets
    a valid range, and draws white)."""
    if zmax is not None:
        zmax = float(zmax)
        if not math.isfinite(zmax) or zmax <= 0:
            raise ValueError(f"zmax: expected a positive finite number, got {zmax!r}")
        return zmax
    m = 0.0
    for a in arrays:
        a = np.asarray(a)
        if a.size:
            finite = np.abs(a[np.isfinite(a)])
            if finite.size:
                m = max(m, float(finite.max()))
    return m if m > 0 else 1.0


def display_char(s) -> str:
    """A label as it should appear on an axis: whitespace made visible (a space is '␣', a
    newline '↵', a tab '⇥'), so the characters of a text stay one tick each."""
    s = str(s)
    return s.replace(" ", "␣").replace("\n", "↵").replace("\r", "⏎").replace("\t", "⇥")


def _even_index(n: int, k: int) -> np.ndarray:
    """k evenly spaced, strictly increasing indices in [0, n), first and last included."""
    if k >= n:
        return np.arange(n)
    if k == 1:
        return np.zeros(1, dtype=int)
    # spacing (n-1)/(k-1) >= 1, so rounding keeps them distinct
    return np.rint(np.linspace(0, n - 1, k)).astype(int)


def _force_keep(idx: np.ndarray, must) -> np.ndarray:
    """Replace, for each index in `must`, the nearest kept index by it (order and uniqueness
    hold, since the must-keep index lies between the neighbours of the one it replaces)."""
    idx = idx.copy()
    n_max = idx[-1]  # _even_index always keeps the last index
    for m in must or ():
        m = int(m)
        if m < 0 or m > n_max or m in idx:
            continue
        j = int(np.argmin(np.abs(idx - m)))
        lo = idx[j - 1] if j > 0 else -1
        hi = idx[j + 1] if j + 1 < len(idx) else np.iinfo(np.int64).max
        if lo < m < hi:
            idx[j] = m
    return idx


def reduce_for_display(z, max_cells: int = MAX_CELLS, *, keep_rows=None, keep_cols=None):
    """Thin a 2-D array to at most `max_cells` cells by keeping evenly spaced rows and columns.

    Returns (z_small, row_index, col_index, reduced): z_small = z[np.ix_(row_index, col_index)]
    holds the exact values of the kept cells; row_index and col_index are the original indices
    of the kept rows and columns (label the axes with them); reduced is False when z already
    fits (then z_small is z itself and the indices are aranges). The shorter axis is kept whole
    when it has at most sqrt(max_cells) entries, otherwise both are cut to about sqrt(max_cells),
    so a long thin array stays readable. keep_rows / keep_cols: indices that must survive
    (the current time step), each replacing its nearest kept neighbour.
    """
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"reduce_for_display: expected a 2-D array, got shape {z.shape}")
    max_cells = int(max_cells)
    if max_cells < 1:
        raise ValueError(f"max_cells: expected a positive integer, got {max_cells}")
    n_r, n_c = z.shape
    if n_r * n_c <= max_cells:
        return z, np.arange(n_r), np.arange(n_c), False
    side = max(1, math.isqrt(max_cells))
    if n_r <= n_c:
        k_r = min(n_r, side)
        k_c = min(n_c, max_cells // k_r)
    else:
        k_c = min(n_c, side)
        k_r = min(n_r, max_cells // k_c)
    rows = _force_keep(_even_index(n_r, k_r), keep_rows if k_r < n_r else None)
    cols = _force_keep(_even_index(n_c, k_c), keep_cols if k_c < n_c else None)
    return z[np.ix_(rows, cols)], rows, cols, True


def time_ticks(t_values: np.ndarray, labels=None, max_ticks: int = 60):
    """tickvals / ticktext for a time axis with per-step labels (characters of a text), thinned
    to at most `max_ticks` so they do not overprint; (None, None) without labels."""
    if labels is None:
        return None, None
    labels = [display_char(s) for s in labels]
    n = len(t_values)
    if len(labels) != n:
        raise ValueError(f"x_labels: expected {n} labels (one per step), got {len(labels)}")
    every = max(1, math.ceil(n / max_ticks))
    keep = np.arange(0, n, every)
    return [t_values[i].item() for i in keep], [labels[i] for i in keep]


def note_annotation(text: str, *, x: float = 1.0, y: float = 1.0, xanchor: str = "right",
                    yanchor: str = "bottom") -> dict:
    """A small grey note in paper coordinates (e.g. 'reduced for display: ...')."""
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor=xanchor,
                yanchor=yanchor, showarrow=False, font=dict(size=12, color=NOTE_COLOR))


def as_array(name: str, arr, ndim: int | tuple, legend: str = "") -> np.ndarray:
    """`arr` as an ndarray (no copy, never written to), or ValueError naming the expected and
    the given shape. ndim: an int or a tuple of allowed ranks; legend names the axes."""
    a = np.asarray(arr)
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if a.ndim not in allowed:
        ranks = " or ".join(f"{d}-D" for d in allowed)
        extra = f" {legend}" if legend else ""
        raise ValueError(f"{name}: expected a {ranks} array{extra}, got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected real numbers, got dtype {a.dtype}")
    return a


def check_step(step, n: int, t_start: int = 1, name: str = "step") -> int | None:
    """The 0-based array index of time step `step`, where the n steps are numbered
    t_start .. t_start + n - 1 (the numbers on the time axis); None passes through.
    ValueError names the allowed range otherwise."""
    if step is None:
        return None
    hi = t_start + n - 1
    try:
        t = int(step)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected an integer t in [{t_start}, {hi}], "
                         f"got {step!r}") from None
    if t != step or not t_start <= t <= hi:
        raise ValueError(f"{name}: expected an integer t in [{t_start}, {hi}], got {step!r}")
    return t - t_start
