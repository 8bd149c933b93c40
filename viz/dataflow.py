"""Figures of one step's tensors: every vector and matrix drawn as a heatmap with its shape.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),    o_t = W_ho h_t + b_ho

Axes: D input, H hidden, O output. A vector (n,) is drawn as one column of n rows, a matrix
(rows, cols) as rows x cols cells with row 0 at the top, as it is written on paper. Shapes are
written as in torch and seed article 000: W_ih [256, 100].

Every user-visible word is a keyword argument with an English default; the app passes its
translations. Nothing here knows about Streamlit or the core.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import theme
from .theme import DIVERGING, MAX_CELLS, SEQUENTIAL, VALUE_FMT

# dataflow_figure: a panel's width in "columns"; a vector gets 1, a matrix its column count
# capped at _MAX_PANEL_COLS, so a 100-column W_ih does not squeeze the vectors to a hairline.
_MAX_PANEL_COLS = 8
# ... and a short vector is drawn at least this fraction of the tallest panel's height.
_MIN_HEIGHT_FRAC = 0.25
# Width of the figure's plot area assumed for the layout (the real width scales it).
_NOMINAL_PLOT_PX = 700
_TITLE_CHAR_PX = 7.5
# Height taken by the title, panel titles and margins, and the bounds on a column's width.
_CHROME_PX = 110
_MIN_UNIT_PX = 30
_MAX_UNIT_PX = 64
# output_bars: the gap between its two rows, as a fraction of the plot height.
_SPACING = 0.14


def _as_matrix(name: str, arr) -> tuple[np.ndarray, np.ndarray, bool]:
    """(original array, 2-D view to draw, is_vector)."""
    a = theme.as_array(name, arr, (1, 2), "(n,) or (rows, cols)")
    if a.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {a.shape}")
    return a, (a[:, None] if a.ndim == 1 else a), a.ndim == 1


def _hover(is_vector: bool, row_label: str, col_label: str, value_label: str,
           extra: str = "") -> str:
    where = f"{row_label} %{{y}}" if is_vector else f"{row_label} %{{y}}, {col_label} %{{x}}"
    return f"{where}<br>{value_label} %{{z:{VALUE_FMT}}}<extra>{extra}</extra>"


def _border(n_rows: int, n_cols: int, xref: str = "x", yref: str = "y") -> dict:
    """A thin frame around a tensor, so an all-zero (all-white) h_0 still shows its shape."""
    return dict(type="rect", xref=xref, yref=yref, x0=-0.5, x1=n_cols - 0.5, y0=-0.5,
                y1=n_rows - 0.5, line=dict(color=theme.BORDER_COLOR, width=1), layer="above")


def _gaps(n_rows: int, n_cols: int) -> dict:
    # cell borders help count the cells of a small example; on big ones they would be all border
    g = 1 if max(n_rows, n_cols) <= 32 else 0
    return dict(xgap=g, ygap=g)


def _default_height(n_rows: int) -> int:
    return int(min(560, max(280, 100 + 18 * n_rows)))


def tensor_heatmap(arr, name: str, title: str | None = None, zmax: float | None = None,
                   height: int | None = None, *, reduced_note: str = "reduced for display",
                   row_label: str = "row", col_label: str = "col", value_label: str = "value",
                   max_cells: int = MAX_CELLS) -> go.Figure:
    """One tensor as a heatmap, diverging colours centred on zero.

    arr: (n,) vector, drawn as one column of n rows, or (rows, cols) matrix.
    name: the tensor's name; the default title is f"{name} {shape}", e.g. "W_ih [256, 100]".
    title: replaces that title verbatim (put the shape in it yourself, theme.shape_text(arr)).
    zmax: half-width of the colour range (default max |arr|), to share a scale between figures.
    Above max_cells the matrix is thinned (theme.reduce_for_display) and a note says so; axes
    and hover keep the original row and column indices. Cells are about square on a wide page;
    a vector's column is about 40 px wide.
    """
    a, m, is_vec = _as_matrix(name, arr)
    n_rows, n_cols = m.shape
    zm = theme.symmetric_zmax(a, zmax=zmax)
    z, rows, cols, reduced = theme.reduce_for_display(m, max_cells)
    height = _default_height(n_rows) if height is None else height
    if title is None:
        title = f"{name} {theme.shape_text(a)}"
    layout = theme.house_layout(title, height, legend=False)
    # Square cells on a plot area of the nominal width (a vector's column about 40 px wide),
    # left-aligned with the colour bar right beside it; a narrower page narrows the cells.
    plot_px = max(60, height - layout["margin"]["t"] - layout["margin"]["b"])
    width_px = 40.0 if is_vec else n_cols * plot_px / n_rows
    frac = min(1.0, max(0.04, width_px / _NOMINAL_PLOT_PX))
    heatmap = dict(
        type="heatmap", z=z, x=cols, y=rows, colorscale=DIVERGING, zmin=-zm, zmax=zm,
        colorbar=dict(title=dict(text=value_label), thickness=14, len=0.9, x=frac + 0.01,
                      xanchor="left", xpad=8),
        hovertemplate=_hover(is_vec, row_label, col_label, value_label), name=name,
        **_gaps(n_rows, n_cols))
    layout.update(
        xaxis=dict(domain=[0.0, frac], range=[-0.5, n_cols - 0.5], showgrid=False,
                   zeroline=False, showticklabels=not is_vec,
                   title=dict(text=None if is_vec else col_label)),
        yaxis=dict(range=[n_rows - 0.5, -0.5], showgrid=False, zeroline=False,
                   title=dict(text=row_label)),
        shapes=[_border(n_rows, n_cols)])
    if reduced:
        shown = (len(rows),) if is_vec else z.shape
        layout["annotations"] = [theme.note_annotation(
            f"{reduced_note}: {theme.shape_text(a)} → {theme.shape_text(shown)}",
            x=0.0, xanchor="left")]
    return theme.figure([heatmap], layout)


PROBABILITY = "probability"  # the panel kind drawn on its own 0..1 scale


def dataflow_figure(panels, operators=None, title: str | None = None,
                    height: int | None = None, *, reduced_note: str = "reduced for display",
                    row_label: str = "row", col_label: str = "col", value_label: str = "value",
                    zmax: float | None = None, max_cells: int = MAX_CELLS,
                    prob_label: str = "p") -> go.Figure:
    """Several tensors side by side, left to right, on one shared zero-centred colour scale.

    panels: list of (label, array), array (n,) or (rows, cols), or (label, array,
      "probability") for a panel of probabilities, drawn on a scale of its own from 0 to 1
      (layout.coloraxis2, sequential, its colour bar titled `prob_label`): on the shared
      scale a softmax's values would all be the same saturated red. Each panel is titled
      f"{label} {shape}", e.g. "W_ih [256, 100]" (titles that would overprint are staggered
      over two rows, and broken as "label<br>[shape]" if still too wide); its width follows
      its column count (a vector is 1 column wide, a matrix at most 8), and its cells have
      the same height as the tallest panel's (a vector of 10 is drawn shorter than one of 256,
      but at least a quarter as tall), so the shapes can be compared at a glance.
    operators: None, or len(panels) - 1 strings drawn between neighbours ("×", "=", "+",
      "tanh", "→"); "" leaves a gap empty.
    zmax: half-width of the shared colour range (default max |value| over all panels).
    Matrices above max_cells cells are thinned and a note at the bottom lists them.
    Traces: one go.Heatmap per panel, in order, on axes x{i}/y{i}, on layout.coloraxis
    (probability panels on layout.coloraxis2).
    """
    panels = list(panels)
    if not panels:
        raise ValueError("panels: expected at least one (label, array) pair, got none")
    n = len(panels)
    if operators is not None:
        operators = ["" if op is None else str(op) for op in operators]
        if len(operators) != n - 1:
            raise ValueError(f"operators: expected {n - 1} strings (one between each pair of "
                             f"panels), got {len(operators)}")
    else:
        operators = [""] * (n - 1)

    items = []  # (label, original, 2-D view, is_vector)
    probability = []  # whether each panel is drawn on the 0..1 scale
    for i, pair in enumerate(panels):
        kind = pair[2] if isinstance(pair, (tuple, list)) and len(pair) == 3 else None
        if kind not in (None, PROBABILITY):
            raise ValueError(f"panels[{i}]: expected the kind 'probability' or none, got "
                             f"{kind!r}")
        try:
            label, arr = pair[:2] if kind else pair
        except (TypeError, ValueError):
            raise ValueError(f"panels[{i}]: expected a (label, array) pair, got {pair!r}") from None
        a, m, is_vec = _as_matrix(str(label), arr)
        items.append((str(label), a, m, is_vec))
        probability.append(kind == PROBABILITY)
    zm = theme.symmetric_zmax(*(it[1] for it, p in zip(items, probability, strict=True)
                                if not p), zmax=zmax)

    max_rows = max(m.shape[0] for _, _, m, _ in items)
    if height is None:
        height = int(min(560, max(320, 140 + 16 * max_rows)))

    # Horizontal layout, worked out in pixels of a nominal plot width, then as paper fractions
    # (the real width scales it). A column is about as wide as a row is high, so small
    # examples get square cells and leave the right side empty rather than stretch.
    cell_px = (height - _CHROME_PX) / max_rows
    unit_px = min(_MAX_UNIT_PX, max(_MIN_UNIT_PX, cell_px))
    units = np.array([1.0 if v else float(min(m.shape[1], _MAX_PANEL_COLS))
                      for _, _, m, v in items])
    gaps = np.array([14.0 + (8.0 * len(op) if op else 0.0) for op in operators])
    avail = _NOMINAL_PLOT_PX - gaps.sum()
    if avail < 0.5 * _NOMINAL_PLOT_PX:  # very many operators: shrink the gaps, not the panels
        gaps *= 0.5 * _NOMINAL_PLOT_PX / gaps.sum()
        avail = 0.5 * _NOMINAL_PLOT_PX
    unit_px = min(unit_px, avail / units.sum())
    widths = units * unit_px / _NOMINAL_PLOT_PX
    gaps = gaps / _NOMINAL_PLOT_PX
    used = float(widths.sum() + gaps.sum())
    left = max(0.0, (1.0 - used) / 2)  # a small example sits in the middle, not stretched
    starts = left + np.concatenate([[0.0], np.cumsum(widths[:-1] + gaps)])
    domains = [(float(s), float(min(1.0, s + w))) for s, w in zip(starts, widths, strict=True)]
    right = domains[-1][1]
    traces, axes, shapes, titles, notes = [], {}, [], [], []
    for i, ((label, a, m, is_vec), (x0, x1)) in enumerate(zip(items, domains, strict=True)):
        k = "" if i == 0 else str(i + 1)
        n_rows, n_cols = m.shape
        z, rows, cols, reduced = theme.reduce_for_display(m, max_cells)
        if reduced:
            shown = (len(rows),) if is_vec else z.shape
            notes.append(f"{label} {theme.shape_text(a)} → {theme.shape_text(shown)}")
        traces.append(dict(
            type="heatmap", z=z, x=cols, y=rows, name=label,
            coloraxis="coloraxis2" if probability[i] else "coloraxis",
            xaxis=f"x{k}", yaxis=f"y{k}",
            hovertemplate=_hover(is_vec, row_label, col_label, value_label, label),
            **_gaps(n_rows, n_cols)))
        # every panel spans max_rows rows' worth of height (same cell height everywhere),
        # except a panel so short it would shrink below _MIN_HEIGHT_FRAC; centred vertically
        span = min(float(max_rows), n_rows / _MIN_HEIGHT_FRAC)
        mid = (n_rows - 1) / 2
        axes[f"xaxis{k}"] = dict(domain=[x0, x1], anchor=f"y{k}", range=[-0.5, n_cols - 0.5],
                                 showticklabels=False, showgrid=False, zeroline=False,
                                 fixedrange=True)
        axes[f"yaxis{k}"] = dict(domain=[0.0, 1.0], anchor=f"x{k}",
                                 range=[mid + span / 2, mid - span / 2], showticklabels=False,
                                 showgrid=False, zeroline=False, fixedrange=True)
        shapes.append(_border(n_rows, n_cols, f"x{k}", f"y{k}"))
        titles.append(f"{theme.math_text(label)} {theme.shape_text(a)}")

    # Panel titles above the panels: on one row if they fit, else staggered over two rows,
    # and a title too wide even then breaks before its shape ("label<br>[shape]").
    room = [((x1 - x0) + (gaps[i - 1] / 2 if i else 0) + (gaps[i] / 2 if i < n - 1 else 0))
            * _NOMINAL_PLOT_PX for i, (x0, x1) in enumerate(domains)]

    def px(text):  # the visible characters: tags take no room
        shown = text.replace("<sub>", "").replace("</sub>", "")
        return max(len(part) for part in shown.split("<br>")) * _TITLE_CHAR_PX

    stagger = any(px(t) > r for t, r in zip(titles, room, strict=True))
    if stagger:
        for i, (label, a, _, _) in enumerate(items):
            wide = room[i] + (room[i - 1] if i else 0) + (room[i + 1] if i < n - 1 else 0)
            if px(titles[i]) > wide:
                titles[i] = f"{theme.math_text(label)}<br>{theme.shape_text(a)}"
    two_lines = any("<br>" in t for t in titles)
    annotations = [
        dict(text=t, x=(x0 + x1) / 2, y=1.0, xref="paper", yref="paper", xanchor="center",
             yanchor="bottom", showarrow=False,
             yshift=4 + ((38 if two_lines else 22) if stagger and i % 2 else 0),
             font=dict(size=13))
        for i, (t, (x0, x1)) in enumerate(zip(titles, domains, strict=True))]
    for i, op in enumerate(operators):
        if op:
            x = domains[i][1] + gaps[i] / 2
            annotations.append(dict(text=op, x=x, y=0.5, xref="paper", yref="paper",
                                    xanchor="center", yanchor="middle", showarrow=False,
                                    font=dict(size=22 if len(op) <= 2 else 15,
                                              color="#444444")))
    if notes:
        annotations.append(theme.note_annotation(f"{reduced_note}: " + "; ".join(notes),
                                                 x=0.0, y=0.0, xanchor="left", yanchor="top"))
    layout = theme.house_layout(title, height, legend=False)
    top = layout["margin"]["t"] + 26 + ((38 if two_lines else 22) if stagger else 0) + (
        16 if two_lines else 0)
    shared = not all(probability)
    bars = {}
    if shared:
        bars["coloraxis"] = dict(colorscale=DIVERGING, cmin=-zm, cmax=zm,
                                 colorbar=dict(title=dict(text=value_label), thickness=14,
                                               len=0.9, x=right + 0.01, xanchor="left", xpad=8))
    if any(probability):
        bars["coloraxis2"] = dict(colorscale=SEQUENTIAL, cmin=0.0, cmax=1.0,
                                  colorbar=dict(title=dict(text=prob_label), thickness=14,
                                                len=0.9, x=right + (0.09 if shared else 0.01),
                                                xanchor="left", xpad=8, tickformat=".1f"))
    layout.update(axes, shapes=shapes, annotations=annotations, **bars,
                  margin=dict(t=top, r=80 + (70 if shared and any(probability) else 0), l=24,
                              b=40 if notes else 24))
    return theme.figure(traces, layout)


def output_bars(o, probs, labels=None, title: str | None = None, logit_name: str = "o_t",
                prob_name: str = "softmax(o_t)", *, x_title: str = "class",
                zmax: float | None = None, height: int | None = None) -> go.Figure:
    """The output logits o_t (O,) and their probabilities softmax(o_t) (O,), as two rows of
    bars over the same classes: logits on top, coloured by the diverging scale (same colours
    as o_t in the heatmaps), probabilities below on [0, 1] in the sequential scale.

    labels: optional O class labels (characters of a vocabulary), used as tick text and in
    the hover; whitespace is made visible. Traces: data[0] logits, data[1] probabilities, both
    with x = 0..O-1.
    """
    o = theme.as_array(logit_name, o, 1, "(O,)")
    p = theme.as_array(prob_name, probs, 1, "(O,)")
    if o.shape != p.shape:
        raise ValueError(f"{prob_name}: expected shape {o.shape} like {logit_name}, "
                         f"got {p.shape}")
    n = o.shape[0]
    x = np.arange(n)
    if labels is not None:
        labels = [theme.display_char(s) for s in labels]
        if len(labels) != n:
            raise ValueError(f"labels: expected {n} labels (one per class), got {len(labels)}")
    custom = np.array(labels if labels is not None else [str(i) for i in range(n)],
                      dtype=object)
    zm = theme.symmetric_zmax(o, zmax=zmax)
    outline = dict(color=theme.BORDER_COLOR, width=0.5)
    traces = [
        dict(type="bar", x=x, y=o, name=logit_name, customdata=custom,
             marker=dict(color=o, colorscale=DIVERGING, cmin=-zm, cmax=zm, line=outline),
             hovertemplate=f"{x_title} %{{customdata}}<br>{logit_name} = %{{y:{VALUE_FMT}}}"
                           "<extra></extra>", xaxis="x", yaxis="y"),
        dict(type="bar", x=x, y=p, name=prob_name, customdata=custom,
             marker=dict(color=p, colorscale=SEQUENTIAL, cmin=0.0, cmax=1.0, line=outline),
             hovertemplate=f"{x_title} %{{customdata}}<br>{prob_name} = %{{y:{VALUE_FMT}}}"
                           "<extra></extra>", xaxis="x2", yaxis="y2"),
    ]
    if height is None:
        height = 420
    layout = theme.house_layout(title, height, legend=False)
    if title is None:
        layout["margin"]["t"] += 16  # room for the subplot titles
    # Two rows sharing x, as make_subplots(rows=2, cols=1, shared_xaxes=True,
    # vertical_spacing=_SPACING, subplot_titles=...) lays them out; written out here so the
    # figure is built in one validated call.
    row_h = (1.0 - _SPACING) / 2
    top_row, bottom_row = [row_h + _SPACING, 1.0], [0.0, row_h]
    ticks = {}
    if labels is not None:
        vals, text = theme.time_ticks(x, labels, max_ticks=60)
        ticks = dict(tickmode="array", tickvals=vals, ticktext=text)
    layout.update(
        xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False, **ticks),
        yaxis=dict(anchor="x", domain=top_row, zeroline=True, zerolinecolor="#888888"),
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], title=dict(text=x_title), **ticks),
        yaxis2=dict(anchor="x2", domain=bottom_row, range=[0, 1.02]),
        annotations=[dict(text=t, x=0.5, y=y, xref="paper", yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=16))
                     for t, y in ((logit_name, top_row[1]), (prob_name, bottom_row[1]))],
        bargap=0.15)
    return theme.figure(traces, layout)


__all__ = ["tensor_heatmap", "dataflow_figure", "output_bars"]
