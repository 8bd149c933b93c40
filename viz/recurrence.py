"""Figures of the recurrence over time: the hidden state, the unrolled chain, each term's share.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),    o_t = W_ho h_t + b_ho

Axes: T time, H hidden, O output. Arrays come in the core's order, time first: h (T, H),
p (T, O), proj (T, 2).

Time convention: steps are numbered as the learner sees them, t = t_start, t_start + 1, ...,
with t_start = 1 by default, so that row 0 of h is h_1, the state after reading x_1, and h_0 is
the initial state, as in the seed articles. `step` is such a t (the number on the time axis):
with the default, step = 1 .. T marks row step - 1 of the arrays. Pass t_start=0 for series
that start at h_0 (then step = 0 .. T-1).

Every user-visible word is a keyword argument with an English default; the app passes its
translations. Nothing here knows about Streamlit or the core.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from . import theme
from .theme import DIVERGING, MAX_CELLS, SEQUENTIAL, TERM_COLORS, VALUE_FMT

_SATURATION = 0.95


def _step_box(x_center: float, width: float, color: str) -> dict:
    """An outline around the current step's column of a time-on-x heatmap."""
    return dict(type="rect", xref="x", yref="y domain", x0=x_center - width / 2,
                x1=x_center + width / 2, y0=0.0, y1=1.0, line=dict(color=color, width=2.5),
                fillcolor="rgba(0,0,0,0)", layer="above")


def _time_heatmap(z_full, t_values, step, *, colorscale, zmin, zmax, hover, colorbar_title,
                  mark_color, reduced_note, max_cells):
    """Shared body of hidden_heatmap and probs_heatmap: z_full (rows, T) with time on x.
    Returns (the heatmap as a trace dict, the shapes (the current step's box), the note or
    None)."""
    n_rows, n_t = z_full.shape
    z, rows, cols, reduced = theme.reduce_for_display(
        z_full, max_cells, keep_cols=None if step is None else [step])
    heatmap = dict(
        type="heatmap", z=z, x=t_values[cols], y=rows, colorscale=colorscale, zmin=zmin,
        zmax=zmax, hovertemplate=hover,
        colorbar=dict(title=dict(text=colorbar_title), thickness=14),
        xgap=1 if n_t <= 40 and n_rows <= 40 else 0,
        ygap=1 if n_t <= 40 and n_rows <= 40 else 0)
    shapes = []
    if step is not None:
        width = max(1.0, n_t / len(cols))  # a kept column stands for about this many steps
        shapes.append(_step_box(float(t_values[step]), width, mark_color))
    note = None
    if reduced:
        note = (f"{reduced_note}: {theme.shape_text((n_rows, n_t))} → "
                f"{theme.shape_text(z.shape)}")
    return heatmap, shapes, note


def _time_axis(t_values, x_labels, x_title) -> dict:
    """The x axis (as a layout dict) of a figure with time on x: per-step tick labels."""
    axis = dict(title=dict(text=x_title), showgrid=False, zeroline=False)
    vals, text = theme.time_ticks(t_values, x_labels)
    if vals is not None:
        axis.update(tickmode="array", tickvals=vals, ticktext=text)
    return axis


def hidden_heatmap(h, step=None, x_labels=None, title: str | None = None,
                   x_title: str = "time step t", y_title: str = "hidden unit",
                   zmax: float | None = None, reduced_note: str = "reduced for display", *,
                   value_label: str = "h_t", t_name: str = "t", unit_name: str = "unit",
                   t_start: int = 1, height: int | None = None,
                   max_cells: int = MAX_CELLS) -> go.Figure:
    """The hidden state over time: units on y (unit 0 at the top), time on x, z = h.T.

    h: (T, H). step: the current t (outlined; row step - t_start of h), or None.
    x_labels: optional T labels (the characters read), used as tick text.
    zmax: half-width of the zero-centred colour range; default max |h| (pass 1.0 to show tanh's
      full range, or a shared value so several figures use the same colours).
    Above max_cells cells, evenly spaced units and steps are kept (always the current step),
    with a note; axes keep the original unit indices and t values.
    data[0] is the go.Heatmap: z == h.T and x == t_start + arange(T) when not reduced.
    """
    h = theme.as_array("h", h, 2, "(T, H)")
    n_t, n_h = h.shape
    if n_t == 0 or n_h == 0:
        raise ValueError(f"h: expected at least one step and one unit, got shape {h.shape}")
    step = theme.check_step(step, n_t, int(t_start))  # from here on: the row index
    zm = theme.symmetric_zmax(h, zmax=zmax)
    t_values = np.arange(n_t) + int(t_start)
    hover = (f"{t_name} = %{{x}}<br>{unit_name} %{{y}}<br>"
             f"{value_label} = %{{z:{VALUE_FMT}}}<extra></extra>")
    heatmap, shapes, note = _time_heatmap(
        h.T, t_values, step, colorscale=DIVERGING, zmin=-zm, zmax=zm, hover=hover,
        colorbar_title=value_label, mark_color=theme.MARK_COLOR, reduced_note=reduced_note,
        max_cells=max_cells)
    if height is None:
        height = int(min(560, max(300, 120 + 8 * n_h)))
    layout = theme.house_layout(title, height, legend=False)
    layout.update(xaxis=_time_axis(t_values, x_labels, x_title),
                  yaxis=dict(title=dict(text=y_title), autorange="reversed", showgrid=False,
                             zeroline=False),
                  shapes=shapes)
    if note:
        layout["annotations"] = [theme.note_annotation(note)]
    return theme.figure([heatmap], layout)


def unrolled_chain(T: int, step, x_labels=None, title: str | None = None,
                   max_nodes: int = 15, *, h_name: str = "h", x_name: str = "x",
                   t_name: str = "t", w_ih_name: str = "W_ih", w_hh_name: str = "W_hh",
                   t_start: int = 1, height: int | None = None) -> go.Figure:
    """The network unrolled in time: x_t below feeding h_t, and h_0 → h_1 → ... → h_T.

    T: number of steps; step: the current t in [t_start, t_start + T - 1] (None: none lit).
    Its h node and x node are lit (highlight colour, bigger) with the two arrows into it,
    labelled with the shared weights W_hh and W_ih. At most max_nodes steps are drawn, a window
    around the current one, with "…" where the chain is cut. Node text is h<sub>t</sub> and
    x<sub>t</sub> (or the character read, when x_labels gives T labels); t is shown under each
    column.
    Traces are named "h", "h0", "x", "current h", "current x", "cut", "t"; data coordinates:
    column c at x = c, h nodes at y = 1, x nodes at y = 0.
    """
    T = int(T)
    if T < 1:
        raise ValueError(f"T: expected at least 1 step, got {T}")
    t_start = int(t_start)
    step = theme.check_step(step, T, t_start)  # from here on: the 0-based index
    max_nodes = int(max_nodes)
    if max_nodes < 1:
        raise ValueError(f"max_nodes: expected at least 1, got {max_nodes}")
    if x_labels is not None:
        x_labels = [theme.display_char(s) for s in x_labels]
        if len(x_labels) != T:
            raise ValueError(f"x_labels: expected {T} labels (one per step), got {len(x_labels)}")

    if T <= max_nodes:
        first, last = 0, T
    elif step is None:
        first, last = 0, max_nodes
    else:
        first = min(max(step - max_nodes // 2, 0), T - max_nodes)
        last = first + max_nodes
    steps = list(range(first, last))
    cols = {i: c + 1 for c, i in enumerate(steps)}  # column 0: h_0 or the left cut
    n_cols = len(steps) + 1 + (1 if last < T else 0)

    def sub(name, t):
        return f"{name}<sub>{t}</sub>"

    h_steps = [i for i in steps if i != step]
    traces = []
    node = dict(type="scatter", mode="markers+text", hoverinfo="text",
                textposition="middle center")
    if first == 0:
        traces.append(dict(
            x=[0], y=[1], name="h0", text=[sub(h_name, t_start - 1)],
            hovertext=[f"{h_name}_{t_start - 1}"], **node,
            marker=dict(symbol="circle", size=36, color="#eeeeee",
                        line=dict(color=theme.BORDER_COLOR, width=2))))
    traces.append(dict(
        x=[cols[i] for i in h_steps], y=[1] * len(h_steps), name="h",
        text=[sub(h_name, t_start + i) for i in h_steps],
        hovertext=[f"{h_name}_{t_start + i}" for i in h_steps], **node,
        marker=dict(symbol="circle", size=36, color="#e5f5e0",
                    line=dict(color=TERM_COLORS["h"], width=2))))

    def x_text(i):
        return x_labels[i] if x_labels is not None else sub(x_name, t_start + i)

    def x_hover(i):
        base = f"{x_name}_{t_start + i}"
        return f"{base} = {x_labels[i]}" if x_labels is not None else base

    traces.append(dict(
        x=[cols[i] for i in h_steps], y=[0] * len(h_steps), name="x",
        text=[x_text(i) for i in h_steps], hovertext=[x_hover(i) for i in h_steps], **node,
        marker=dict(symbol="square", size=30, color="#deebf7",
                    line=dict(color=TERM_COLORS["input"], width=2))))
    lit = theme.TERM_COLORS["highlight"]
    if step is not None:
        traces.append(dict(
            x=[cols[step]], y=[1], name="current h", text=[sub(h_name, t_start + step)],
            hovertext=[f"{h_name}_{t_start + step}"], **node, textfont=dict(color="white"),
            marker=dict(symbol="circle", size=46, color=lit,
                        line=dict(color="#7f0000", width=2))))
        traces.append(dict(
            x=[cols[step]], y=[0], name="current x", text=[x_text(step)],
            hovertext=[x_hover(step)], **node, textfont=dict(color="white"),
            marker=dict(symbol="square", size=38, color=lit,
                        line=dict(color="#7f0000", width=2))))
    cut_x = ([0] if first > 0 else []) + ([n_cols - 1] if last < T else [])
    traces.append(dict(type="scatter", x=cut_x, y=[1] * len(cut_x), name="cut",
                       text=["…"] * len(cut_x), mode="text", hoverinfo="skip",
                       textfont=dict(size=24)))
    traces.append(dict(
        type="scatter", x=[cols[i] for i in steps], y=[-0.62] * len(steps), name="t",
        mode="text", text=[f"{t_name}={t_start + i}" for i in steps], hoverinfo="skip",
        textfont=dict(size=11, color=theme.NOTE_COLOR)))

    annotations = []

    def arrow(x0, y0, x1, y1, on):
        annotations.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x",
                                ayref="y", text="", showarrow=True, arrowhead=2,
                                arrowsize=1.1, arrowwidth=3 if on else 1.5,
                                arrowcolor=lit if on else "#9e9e9e",
                                standoff=24 if on else 19, startstandoff=19))

    for i in steps:
        c = cols[i]
        arrow(c - 1, 1, c, 1, i == step)  # h_{t-1} -> h_t (from h_0 or the cut at column 0)
        arrow(c, 0, c, 1, i == step)      # x_t -> h_t
    if last < T:
        arrow(n_cols - 2, 1, n_cols - 1, 1, False)
    if step is not None:
        c = cols[step]
        label = dict(xref="x", yref="y", showarrow=False, font=dict(size=12, color=lit))
        annotations.append(dict(text=w_hh_name, x=c - 0.5, y=1.2, yanchor="bottom", **label))
        annotations.append(dict(text=w_ih_name, x=c + 0.1, y=0.5, xanchor="left", **label))

    layout = theme.house_layout(title, 250 if height is None else height, legend=False)
    layout["margin"].update(l=10, r=10, b=10)
    layout.update(xaxis=dict(visible=False, range=[-0.6, n_cols - 0.4], fixedrange=True),
                  yaxis=dict(visible=False, range=[-0.85, 1.5], fixedrange=True),
                  hovermode="closest", annotations=annotations)
    return theme.figure(traces, layout)


_DEFAULT_NAMES = dict(input="W_ih x_t", recurrent="W_hh h_{t-1}", bias="b_ih + b_hh",
                      pre="a_t", h="h_t")


def contributions_bar(ih, hh, bias, pre, h, units=None, title: str | None = None,
                      names: dict | None = None, *, x_title: str = "hidden unit",
                      y_title: str = "", height: int | None = None) -> go.Figure:
    """What each term adds to each hidden unit at one step: a_t = W_ih x_t + W_hh h_{t-1} + b.

    ih, hh, bias, pre, h: (H,) each (bias = b_ih + b_hh). The three terms are stacked bars
    (barmode="relative": positive parts up, negative parts down), a_t a dark diamond and h_t a
    green dot on top. units: optional labels of the H units for the x axis (the
    caller may pass a subset of the units and their indices). names: the legend names, keys
    input, recurrent, bias, pre, h (missing keys keep the English defaults
    W_ih x_t, W_hh h_{t-1}, b_ih + b_hh, a_t, h_t). Hovering a unit shows all five values.
    Traces: three go.Bar (input, recurrent, bias) then two go.Scatter (pre, h).
    """
    arrays = {}
    for key, arr in (("input", ih), ("recurrent", hh), ("bias", bias), ("pre", pre), ("h", h)):
        arrays[key] = theme.as_array(key, arr, 1, "(H,)")
    n = arrays["input"].shape[0]
    for key, a in arrays.items():
        if a.shape != (n,):
            raise ValueError(f"{key}: expected shape ({n},) like the input term, got {a.shape}")
    names = {**_DEFAULT_NAMES, **(names or {})}
    if units is None:
        units = list(range(n))
    units = [str(u) for u in units]
    if len(units) != n:
        raise ValueError(f"units: expected {n} labels (one per unit), got {len(units)}")

    traces = [dict(type="bar", x=units, y=arrays[key], name=names[key],
                   marker=dict(color=TERM_COLORS[key]),
                   hovertemplate=f"{names[key]}: %{{y:{VALUE_FMT}}}<extra></extra>")
              for key in ("input", "recurrent", "bias")]
    traces.append(dict(type="scatter", x=units, y=arrays["pre"], name=names["pre"],
                       mode="markers",
                       marker=dict(symbol="diamond", size=10, color=TERM_COLORS["pre"],
                                   line=dict(width=1, color="white")),
                       hovertemplate=f"{names['pre']}: %{{y:{VALUE_FMT}}}<extra></extra>"))
    traces.append(dict(type="scatter", x=units, y=arrays["h"], name=names["h"],
                       mode="markers",
                       marker=dict(symbol="circle", size=9, color=TERM_COLORS["h"],
                                   line=dict(width=1, color="white")),
                       hovertemplate=f"{names['h']}: %{{y:{VALUE_FMT}}}<extra></extra>"))
    layout = theme.house_layout(title, 380 if height is None else height, legend=True)
    layout.update(barmode="relative", bargap=0.25, hovermode="x unified",
                  xaxis=dict(type="category", title=dict(text=x_title)),
                  yaxis=dict(title=dict(text=y_title or None), zeroline=True,
                             zerolinecolor="#888888", zerolinewidth=1.5))
    return theme.figure(traces, layout)


def _activate(a: np.ndarray, nonlinearity: str) -> np.ndarray:
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)


def activation_scatter(pre, h, nonlinearity: str = "tanh", title: str | None = None,
                       x_title: str = "pre-activation a_t", y_title: str = "h_t", *,
                       curve_name: str | None = None, units_name: str = "hidden units",
                       saturated_name: str = "saturated: |h_t| > 0.95",
                       unit_name: str = "unit", height: int | None = None) -> go.Figure:
    """The nonlinearity h = f(a) as a curve, and each unit j at one step as a point (a_j, h_j).

    pre, h: (H,). nonlinearity: "tanh" or "relu". The curve spans the units' a values, and at
    least [-3, 3] so tanh's bend and flat ends show. For tanh the regions where |f(a)| > 0.95
    (|a| > atanh(0.95) ≈ 1.83), where the gradient f'(a) < 0.1 fades, are shaded as two
    layout shapes, and units that lie there are drawn in the highlight colour.
    Traces: data[0] the curve (go.Scatter lines), data[1] the units (markers).
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
    a = theme.as_array("pre", pre, 1, "(H,)")
    hv = theme.as_array("h", h, 1, "(H,)")
    if a.shape != hv.shape:
        raise ValueError(f"h: expected shape {a.shape} like pre, got {hv.shape}")
    finite = a[np.isfinite(a)]
    lo = min(-3.0, float(finite.min()) if finite.size else 0.0)
    hi = max(3.0, float(finite.max()) if finite.size else 0.0)
    pad = 0.04 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    grid = np.linspace(lo, hi, 401)
    curve_name = f"{nonlinearity}(a)" if curve_name is None else curve_name

    traces = [dict(type="scatter", x=grid, y=_activate(grid, nonlinearity), mode="lines",
                   name=curve_name, line=dict(color="#555555", width=2), hoverinfo="skip")]
    if nonlinearity == "tanh":
        saturated = np.abs(hv) > _SATURATION
    else:
        saturated = np.zeros(hv.shape, dtype=bool)
    colors = np.where(saturated, TERM_COLORS["highlight"], TERM_COLORS["h"])
    traces.append(dict(
        type="scatter", x=a, y=hv, mode="markers", name=units_name,
        customdata=np.arange(a.shape[0]),
        marker=dict(size=9, color=colors, line=dict(width=1, color="white"), opacity=0.9),
        hovertemplate=(f"{unit_name} %{{customdata}}<br>{x_title} = %{{x:{VALUE_FMT}}}<br>"
                       f"{y_title} = %{{y:{VALUE_FMT}}}<extra></extra>")))
    layout = theme.house_layout(title, 380 if height is None else height, legend=True)
    layout.update(xaxis=dict(title=dict(text=x_title), range=[lo, hi], zeroline=True),
                  yaxis=dict(title=dict(text=y_title), zeroline=True))
    if nonlinearity == "tanh":
        edge = math.atanh(_SATURATION)
        band = dict(type="rect", xref="x", yref="paper", y0=0, y1=1, layer="below",
                    line=dict(width=0), fillcolor=TERM_COLORS["highlight"], opacity=0.08)
        layout["shapes"] = [dict(band, x0=lo, x1=-edge), dict(band, x0=edge, x1=hi)]
        # inside the right band, right-aligned so a long translation grows into the plot
        layout["annotations"] = [dict(
            text=theme.math_text(saturated_name), x=hi, y=0.03, xref="x", yref="paper",
            xanchor="right", yanchor="bottom", showarrow=False, bgcolor="rgba(255,255,255,0.7)",
            font=dict(size=12, color=TERM_COLORS["highlight"]))]
        layout["yaxis"]["range"] = [-1.1, 1.1]
    return theme.figure(traces, layout)


def time_lines(series: dict, step=None, title: str | None = None,
               x_title: str = "time step t", y_title: str = "", log_y: bool = False,
               x_labels=None, y_range=None, *, t_name: str = "t", colors: dict | None = None,
               t_start: int = 1, height: int | None = None) -> go.Figure:
    """One line per named series over time, the current step marked by a vertical line.

    series: {name: (T,) array}; names are the legend (translated by the caller); series may
    differ in length, each starts at t = t_start. step: the current t, a dashed vertical line.
    log_y: a log-scale y axis (gradient norms; values <= 0 cannot be drawn there and are left
    out by plotly). y_range: (low, high) in data units, also for log axes. x_labels: labels
    for the steps of the longest series. colors: optional {name: colour}; otherwise
    theme.LINE_COLORS in order. Traces: one go.Scatter per series, in the dict's order.
    """
    if not series:
        raise ValueError("series: expected at least one named (T,) array, got none")
    arrays = {str(k): theme.as_array(str(k), v, 1, "(T,)") for k, v in series.items()}
    longest = max(a.shape[0] for a in arrays.values())
    if longest == 0:
        raise ValueError("series: expected at least one step, got empty arrays")
    t_start = int(t_start)
    step = theme.check_step(step, longest, t_start)  # from here on: the index
    colors = colors or {}
    traces = []
    for i, (name, y) in enumerate(arrays.items()):
        t = np.arange(y.shape[0]) + t_start
        color = colors.get(name, theme.LINE_COLORS[i % len(theme.LINE_COLORS)])
        y = np.asarray(y, dtype=np.float64)
        y = np.where(np.isfinite(y), y, np.nan)  # an overflow is a gap (JSON has no inf)
        traces.append(dict(
            type="scatter", x=t, y=y, name=name,
            mode="lines+markers" if y.shape[0] <= 80 else "lines",
            line=dict(color=color, width=2), marker=dict(size=5, color=color),
            hovertemplate=f"{t_name} = %{{x}}<br>%{{y:{VALUE_FMT}}}<extra>{name}</extra>"))
    t_all = np.arange(longest) + t_start
    layout = theme.house_layout(title, 340 if height is None else height,
                                legend=theme.wants_legend(traces))
    if step is not None:
        layout["shapes"] = [dict(type="line", xref="x", yref="y domain", x0=t_all[step],
                                 x1=t_all[step], y0=0, y1=1,
                                 line=dict(color=theme.MARK_COLOR, width=2, dash="dash"))]
    xaxis = _time_axis(t_all, x_labels, x_title)
    xaxis["showgrid"] = True
    yaxis = dict(title=dict(text=y_title or None))
    if log_y:
        yaxis.update(type="log", exponentformat="power")
    if y_range is not None:
        lo, hi = (float(v) for v in y_range)
        if log_y:
            if lo <= 0 or hi <= 0:
                raise ValueError(f"y_range: a log axis needs positive limits, got {y_range!r}")
            lo, hi = math.log10(lo), math.log10(hi)
        yaxis["range"] = [lo, hi]
    layout.update(xaxis=xaxis, yaxis=yaxis)
    return theme.figure(traces, layout)


def probs_heatmap(p, step=None, title: str | None = None, x_title: str = "time step t",
                  y_title: str = "class", x_labels=None, *, y_labels=None,
                  value_label: str = "p", t_name: str = "t", class_name: str = "class",
                  t_start: int = 1, height: int | None = None,
                  reduced_note: str = "reduced for display",
                  max_cells: int = MAX_CELLS) -> go.Figure:
    """The output probabilities over time: classes on y (class 0 at the top), time on x,
    z = p.T on the sequential scale fixed to [0, 1]; the current step outlined.

    p: (T, O). step: the current t (row step - t_start of p). x_labels: T step labels;
    y_labels: O class labels (a vocabulary), both as tick text with whitespace made visible.
    Reduced above max_cells as hidden_heatmap is. data[0] is the go.Heatmap, z == p.T when not
    reduced.
    """
    p = theme.as_array("p", p, 2, "(T, O)")
    n_t, n_o = p.shape
    if n_t == 0 or n_o == 0:
        raise ValueError(f"p: expected at least one step and one class, got shape {p.shape}")
    step = theme.check_step(step, n_t, int(t_start))  # from here on: the row index
    t_values = np.arange(n_t) + int(t_start)
    hover = (f"{t_name} = %{{x}}<br>{class_name} %{{y}}<br>"
             f"{value_label} = %{{z:{VALUE_FMT}}}<extra></extra>")
    heatmap, shapes, note = _time_heatmap(
        p.T, t_values, step, colorscale=SEQUENTIAL, zmin=0.0, zmax=1.0, hover=hover,
        colorbar_title=value_label, mark_color=theme.MARK_COLOR_SEQUENTIAL,
        reduced_note=reduced_note, max_cells=max_cells)
    yaxis = dict(title=dict(text=y_title), autorange="reversed", showgrid=False,
                 zeroline=False)
    if y_labels is not None:
        if len(y_labels) != n_o:
            raise ValueError(f"y_labels: expected {n_o} labels (one per class), "
                             f"got {len(y_labels)}")
        vals, text = theme.time_ticks(np.arange(n_o), y_labels, max_ticks=40)
        yaxis.update(tickmode="array", tickvals=vals, ticktext=text)
    if height is None:
        height = int(min(520, max(280, 120 + 14 * n_o)))
    layout = theme.house_layout(title, height, legend=False)
    layout.update(xaxis=_time_axis(t_values, x_labels, x_title), yaxis=yaxis, shapes=shapes)
    if note:
        layout["annotations"] = [theme.note_annotation(note)]
    return theme.figure([heatmap], layout)


def pca_trajectory(proj, step=None, labels=None, title: str | None = None,
                   x_title: str = "PC 1", y_title: str = "PC 2", *, t_name: str = "t",
                   path_name: str = "trajectory", start_name: str = "start",
                   current_name: str = "current step", t_start: int = 1,
                   equal_axes: bool = True, height: int | None = None) -> go.Figure:
    """The hidden state's path through time, projected on two principal components.

    proj: (T, 2). A thin grey line joins the steps in order; the steps are markers coloured by
    time (theme.TIME: dark early, yellow late); the first step is a black square, the current
    one (t = step, row step - t_start) a red ring. labels: optional T labels (characters read)
    shown in the hover with t. equal_axes: one unit is as long on both axes, so distances are
    honest.
    Traces: data[0] path, data[1] steps, data[2] start, data[3] current (when step is given).
    """
    proj = theme.as_array("proj", proj, 2, "(T, 2)")
    if proj.shape[1] != 2 or proj.shape[0] == 0:
        raise ValueError(f"proj: expected shape (T, 2) with T >= 1, got {proj.shape}")
    n_t = proj.shape[0]
    step = theme.check_step(step, n_t, int(t_start))  # from here on: the row index
    t = np.arange(n_t) + int(t_start)
    if labels is not None:
        labels = [theme.display_char(s) for s in labels]
        if len(labels) != n_t:
            raise ValueError(f"labels: expected {n_t} labels (one per step), got {len(labels)}")
    tail = [f"  {s}" for s in labels] if labels is not None else [""] * n_t
    custom = np.array(list(zip(t.tolist(), tail, strict=True)), dtype=object)
    hover = (f"{t_name} = %{{customdata[0]}}%{{customdata[1]}}<br>{x_title} = "
             f"%{{x:{VALUE_FMT}}}<br>{y_title} = %{{y:{VALUE_FMT}}}")
    x, y = proj[:, 0], proj[:, 1]
    traces = [
        dict(type="scatter", x=x, y=y, mode="lines", name=path_name, hoverinfo="skip",
             line=dict(color="#bdbdbd", width=1.5), showlegend=False),
        dict(type="scatter", x=x, y=y, mode="markers", name=t_name, customdata=custom,
             showlegend=False,
             marker=dict(size=9, color=t, colorscale=theme.TIME, showscale=True,
                         colorbar=dict(title=dict(text=t_name), thickness=14),
                         line=dict(width=0.5, color="white")),
             hovertemplate=hover + "<extra></extra>"),
        dict(type="scatter", x=x[:1], y=y[:1], mode="markers", name=start_name,
             customdata=custom[:1], marker=dict(symbol="square", size=13, color="#111111"),
             hovertemplate=hover + f"<extra>{start_name}</extra>"),
    ]
    if step is not None:
        traces.append(dict(
            type="scatter", x=x[step:step + 1], y=y[step:step + 1], mode="markers",
            name=current_name, customdata=custom[step:step + 1],
            marker=dict(symbol="circle-open", size=20, color=TERM_COLORS["highlight"],
                        line=dict(width=3)),
            hovertemplate=hover + f"<extra>{current_name}</extra>"))
    layout = theme.house_layout(title, 420 if height is None else height, legend=True)
    yaxis = dict(title=dict(text=y_title), zeroline=False)
    if equal_axes:
        yaxis.update(scaleanchor="x", scaleratio=1)
    layout.update(xaxis=dict(title=dict(text=x_title), zeroline=False), yaxis=yaxis)
    return theme.figure(traces, layout)


__all__ = ["hidden_heatmap", "unrolled_chain", "contributions_bar", "activation_scatter",
           "time_lines", "probs_heatmap", "pca_trajectory"]
