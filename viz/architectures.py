"""Figures of the Architectures and Encoder-decoder views: the unrolled structure as boxes and
arrows, the encoder and decoder states with the context c between them, attention weights,
and the measured bottleneck.

Axes: N input steps, M output steps, C size of a state read from the top layer (K*H).
Every user-visible word is a keyword argument with an English default; the app passes its
translations. Every figure is built in one go.Figure(data=..., layout=...) call.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import theme
from .theme import DIVERGING, SEQUENTIAL, TERM_COLORS, VALUE_FMT

ARCHS = ("n_to_n", "n_to_1", "one_to_n", "n_to_m")

# node kinds: marker style and trace name
_STYLE = {
    "input": dict(symbol="square", size=34, color="#deebf7", line=TERM_COLORS["input"]),
    "zero": dict(symbol="square", size=24, color="#f5f5f5", line="#bdbdbd"),
    "hidden": dict(symbol="circle", size=38, color="#e5f5e0", line=TERM_COLORS["h"]),
    "backward": dict(symbol="circle", size=38, color="#fff2e0", line=TERM_COLORS["recurrent"]),
    "decoder": dict(symbol="circle", size=38, color="#efe8f7", line=TERM_COLORS["output"]),
    "output": dict(symbol="diamond", size=38, color="#f2f0f7", line=TERM_COLORS["output"]),
    "context": dict(symbol="square", size=46, color="#fde0dd", line=TERM_COLORS["highlight"]),
    "pool": dict(symbol="hexagon", size=40, color="#eeeeee", line="#555555"),
    "start": dict(symbol="circle", size=28, color="#eeeeee", line=theme.BORDER_COLOR),
}


def _sub(name: str, t) -> str:
    return f"{name}<sub>{t}</sub>"


def _sup_sub(name: str, layer: int | None, t) -> str:
    """h_t, or h^(l)_t on a stacked network (layers counted from 1 as in the articles)."""
    sup = f"<sup>({layer})</sup>" if layer is not None else ""
    return f"{name}{sup}<sub>{t}</sub>"


def shown_steps(n: int, max_steps: int = 7) -> list:
    """The steps drawn (1-based), with None where the chain is cut: all of them up to
    max_steps, else the first three, a cut, and the last three."""
    n = int(n)
    if n < 1:
        raise ValueError(f"n: expected at least 1 step, got {n}")
    if n <= max_steps:
        return list(range(1, n + 1))
    return [1, 2, 3, None, n - 2, n - 1, n]


class _Graph:
    """Nodes and arrows in data coordinates, turned into traces and annotations at the end."""

    def __init__(self):
        self.nodes: dict[str, tuple] = {}  # id -> (x, y, text, kind, hover)
        self.edges: list[tuple] = []  # (from id, to id, style)
        self.notes: list[dict] = []
        self.scale = 1.0  # marker sizes: larger for the longer labels of stacked layers

    def node(self, nid, x, y, text, kind, hover=None):
        self.nodes[nid] = (x, y, text, kind, hover if hover is not None else text)

    def edge(self, a, b, style="solid"):
        if a in self.nodes and b in self.nodes:
            self.edges.append((a, b, style))

    def figure(self, title, height, x_range, y_range) -> go.Figure:
        traces = []
        for kind in ("zero", "start", "input", "hidden", "backward", "decoder", "pool", "context",
                     "output", "cut"):
            ids = [i for i, n in self.nodes.items() if n[3] == kind]
            if not ids:
                continue
            xs = [self.nodes[i][0] for i in ids]
            ys = [self.nodes[i][1] for i in ids]
            texts = [self.nodes[i][2] for i in ids]
            hovers = [self.nodes[i][4] for i in ids]
            if kind == "cut":
                traces.append(dict(type="scatter", x=xs, y=ys, text=texts, mode="text",
                                   name="cut", hoverinfo="skip", textfont=dict(size=22)))
                continue
            st = _STYLE[kind]
            traces.append(dict(
                type="scatter", x=xs, y=ys, text=texts, hovertext=hovers, name=kind,
                mode="markers+text", hoverinfo="text", textposition="middle center",
                textfont=dict(size=13 if kind != "zero" else 11,
                              color="#222222" if kind != "zero" else "#9e9e9e"),
                marker=dict(symbol=st["symbol"], size=round(st["size"] * self.scale),
                            color=st["color"],
                            line=dict(color=st["line"], width=2))))
        annotations = []
        for a, b, style in self.edges:
            (x0, y0, *_), (x1, y1, *_) = self.nodes[a], self.nodes[b]
            faint = style in ("faint", "dashed")
            color = {"context": TERM_COLORS["highlight"], "faint": "#c7c7c7"}.get(style, "#8c8c8c")
            annotations.append(dict(
                x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                showarrow=True, arrowhead=2, arrowsize=1.0,
                arrowwidth=1.2 if faint else 1.6, arrowcolor=color, standoff=20,
                startstandoff=20))
        annotations += self.notes
        layout = theme.house_layout(title, height, legend=False)
        layout["margin"].update(l=10, r=10, b=10)
        layout.update(xaxis=dict(visible=False, range=list(x_range), fixedrange=True),
                      yaxis=dict(visible=False, range=list(y_range), fixedrange=True),
                      hovermode="closest", annotations=annotations)
        return theme.figure(traces, layout)


def _label_at(labels, t):
    return theme.display_char(labels[t - 1]) if labels is not None else None


def _encoder(g: _Graph, steps: list, L: int, K: int, in_labels, *, x0: float = 0.0,
             inputs: str = "x", one_feed: str = "first") -> tuple[list, float]:
    """Input row and the hidden rows of L layers (K directions each), columns from x0.
    inputs: "x" (a sequence), "one" (1-to-N). Returns (the top layer's node ids per column,
    as (forward id, backward id or None), and the y of the top hidden row)."""
    rows = L * K
    top_ids = []
    for c, t in enumerate(steps):
        x = x0 + c
        if t is None:
            for r in range(rows):
                g.node(f"cut{r}_{c}@{x0}", x, 1 + r, "…", "cut")
            top_ids.append((None, None))
            continue
        in_id = f"x{t}@{x0}"
        if inputs == "one":
            if t == 1 or one_feed == "every":
                g.node(in_id, x, 0, "x", "input")
            else:
                g.node(in_id, x, 0, "0", "zero")
        else:
            lab = _label_at(in_labels, t)
            g.node(in_id, x, 0, lab if lab is not None else _sub("x", t), "input",
                   f"x_{t}" + (f" = {lab}" if lab is not None else ""))
        for layer in range(L):
            for k in range(K):
                r = layer * K + k
                name = "g" if k == 1 else "h"
                kind = "backward" if k == 1 else "hidden"
                g.node(f"h{layer}{k}_{t}@{x0}", x, 1 + r,
                       _sup_sub(name, layer + 1 if L > 1 else None, t), kind)
        below = [in_id]
        for layer in range(L):
            here = [f"h{layer}{k}_{t}@{x0}" for k in range(K)]
            for a in below:
                for b in here:
                    g.edge(a, b, "faint" if a.startswith("x") and g.nodes.get(a, (0,) * 4)[3]
                           == "zero" else "solid")
            below = here
        top_ids.append((f"h{L - 1}0_{steps[c]}@{x0}",
                        f"h{L - 1}1_{steps[c]}@{x0}" if K == 2 else None))
    # recurrent arrows: forward left to right, backward right to left
    for c in range(1, len(steps)):
        for layer in range(L):
            for k in range(K):
                r = layer * K + k
                a = (f"h{layer}{k}_{steps[c - 1]}@{x0}" if steps[c - 1] is not None
                     else f"cut{r}_{c - 1}@{x0}")
                b = (f"h{layer}{k}_{steps[c]}@{x0}" if steps[c] is not None
                     else f"cut{r}_{c}@{x0}")
                if k == 0:
                    g.edge(a, b)
                else:
                    g.edge(b, a)  # g_t reads g_{t+1}
    return top_ids, float(rows)


def architecture_diagram(arch: str, n_in: int, n_out: int | None = None, *,
                         one_feed: str = "first", readout: str = "last", context: str = "last",
                         feed: str = "init", num_layers: int = 1, bidirectional: bool = False,
                         in_labels=None, title: str | None = None, context_note: str = "",
                         max_steps: int = 7, height: int | None = None) -> go.Figure:
    """The architecture unrolled in time, drawn from its configuration.

    arch: "n_to_n", "n_to_1", "one_to_n" or "n_to_m". n_in: input steps N (1-to-N: output steps);
    n_out: decoder steps M (N-to-M). one_feed: 1-to-N's "first" (x, then zero inputs drawn grey)
    or "every"; readout: N-to-1's "last" (the head reads h_N, and g_1 when bidirectional),
    "mean" or "max" (a pool node reads every state); context: N-to-M's "last", "transform",
    "mean", "max", "dot" or "additive" (the last four read every encoder state); feed: "init"
    (c -> s_1 as the initial state), "input" (c into every decoder step, drawn red), "both".
    num_layers and bidirectional draw a row per layer and direction: h (forward, green) and
    g (backward, orange); each layer reads both directions of the layer below.
    in_labels: N labels for the input steps (characters). Long chains are cut (`shown_steps`).
    Node traces are named by kind: "input", "zero", "hidden", "backward", "decoder", "output",
    "context", "pool", "start", "cut"; arrows are layout annotations.
    """
    if arch not in ARCHS:
        raise ValueError(f"arch: expected one of {ARCHS}, got {arch!r}")
    L, K = int(num_layers), 2 if bidirectional else 1
    if L < 1:
        raise ValueError(f"num_layers: expected at least 1, got {num_layers}")
    if in_labels is not None and len(in_labels) != n_in:
        raise ValueError(f"in_labels: expected {n_in} labels, got {len(in_labels)}")
    g = _Graph()
    g.scale = 1.2 if L > 1 else 1.0
    steps = shown_steps(n_in, max_steps)
    inputs = "one" if arch == "one_to_n" else "x"
    top_ids, top = _encoder(g, steps, L, K, in_labels if inputs == "x" else None,
                            inputs=inputs, one_feed=one_feed)
    y_out = top + 1
    x_max = len(steps) - 1
    if arch in ("n_to_n", "one_to_n"):
        for c, t in enumerate(steps):
            if t is None:
                g.node(f"ycut{c}", c, y_out, "…", "cut")
                continue
            g.node(f"y{t}", c, y_out, _sub("y", t), "output")
            for nid in top_ids[c]:
                if nid:
                    g.edge(nid, f"y{t}")
    elif arch == "n_to_1":
        if readout == "last":
            g.node("y", x_max, y_out, "y", "output")
            g.edge(top_ids[-1][0], "y")
            if K == 2:
                g.edge(top_ids[0][1], "y")  # the backward direction ends at step 1: g_1
        else:
            x_max += 1
            g.node("pool", x_max, top, readout, "pool")
            g.node("y", x_max, y_out, "y", "output")
            for ids in top_ids:
                for nid in ids:
                    if nid:
                        g.edge(nid, "pool", "faint")
            g.edge("pool", "y")
    else:  # n_to_m
        cx = len(steps) + 0.2
        cy = top + 0.85  # above the chains: the arrows into c fan in, the ones out fan out
        attend = context in ("dot", "additive")
        g.node("c", cx, cy, "c<sub>j</sub>" if attend else "c", "context")
        if context_note:
            g.notes.append(dict(text=theme.math_text(context_note), x=cx, y=cy + 0.42, xref="x",
                                yref="y", showarrow=False,
                                font=dict(size=12, color=TERM_COLORS["highlight"])))
        if context in ("last", "transform"):
            g.edge(top_ids[-1][0], "c")
            if K == 2:
                g.edge(top_ids[0][1], "c")
        else:
            for ids in top_ids:
                for nid in ids:
                    if nid:
                        g.edge(nid, "c", "faint")
        dsteps = shown_steps(int(n_out or 1), max_steps)
        dx0 = cx + 1.4
        prev = "c" if feed in ("init", "both") and not attend else None
        if attend and feed == "both":
            prev = top_ids[-1][0]  # s_0 = h_N
        if prev is None:
            g.node("s0", dx0 - 0.8, top, _sub("s", 0), "start", "s_0 = 0")
            prev = "s0"
        for c, t in enumerate(dsteps):
            x = dx0 + c
            if t is None:
                g.node(f"dcut{c}", x, top, "…", "cut")
                g.edge(prev, f"dcut{c}")
                prev = f"dcut{c}"
                continue
            sid = f"s{t}"
            g.node(f"yin{t}", x, 0, _sub("y", t - 1), "input", f"y_{t - 1}")
            g.node(sid, x, top, _sub("s", t), "decoder")
            g.node(f"y{t}", x, y_out, _sub("y", t), "output")
            g.edge(f"yin{t}", sid)
            g.edge(prev, sid, "context" if prev == "c" else "solid")
            g.edge(sid, f"y{t}")
            if feed in ("input", "both"):
                g.edge("c", sid, "context")
            prev = sid
        x_max = dx0 + len(dsteps) - 1
        y_out = max(y_out, cy + 0.5)
    rows = y_out + 1
    if height is None:
        height = int(70 + 64 * rows)
    return g.figure(title, height, (-0.6, x_max + 0.6), (-0.6, y_out + 0.5))


# ---------------------------------------------------------------------------------------------
# encoder | c | decoder
# ---------------------------------------------------------------------------------------------

def encoder_decoder_figure(enc, c, dec, *, enc_labels=None, dec_labels=None,
                           title: str | None = None, enc_title: str = "encoder h_i",
                           c_title: str = "c", dec_title: str = "decoder s_j",
                           unit_title: str = "unit", zmax: float | None = None,
                           height: int | None = None, reduced_note: str = "reduced for display",
                           max_cells: int = theme.MAX_CELLS) -> go.Figure:
    """The encoder's states (C, N), the context c (C,) as horizontal bars, and the decoder's
    states (C, M), side by side on one unit axis (unit 0 at the top), so c sits between the
    states it was read from and the states it starts.

    enc (N, C), c (C,), dec (M, C). enc_labels / dec_labels: N and M tick labels (the tokens);
    default 1..N and 1..M. Traces: heatmap "encoder" (z = enc.T), bar "c" (x = c), heatmap
    "decoder" (z = dec.T), in that order; one colour scale, zero-centred, for all three.
    Above max_cells encoder cells, evenly spaced units and steps are kept (the same units in
    every panel), with a note; the axes keep the original indices.
    """
    enc = theme.as_array("enc", enc, 2, "(N, C)")
    dec = theme.as_array("dec", dec, 2, "(M, C)")
    c = theme.as_array("c", c, 1, "(C,)")
    N, C = enc.shape
    M = dec.shape[0]
    if dec.shape[1] != C or c.shape[0] != C:
        raise ValueError(f"c, dec: expected {C} units like enc, got c {c.shape}, dec {dec.shape}")
    zm = theme.symmetric_zmax(enc, dec, c, zmax=zmax)
    # thinned like every large heatmap (theme.MAX_CELLS): the same units in all three panels
    z_enc, units, cols, reduced = theme.reduce_for_display(enc.T, max_cells)
    if reduced:
        dec, c = dec[:, units], c[units]
    ex = [theme.display_char(v) for v in enc_labels] if enc_labels is not None \
        else [str(i) for i in range(1, N + 1)]
    dx = [str(v) for v in dec_labels] if dec_labels is not None \
        else [str(j) for j in range(1, M + 1)]
    if len(ex) != N or len(dx) != M:
        raise ValueError(f"labels: expected {N} encoder and {M} decoder labels, got {len(ex)} "
                         f"and {len(dx)}")
    hover = "%{customdata}<br>" + unit_title + " %{y}<br>%{z:" + VALUE_FMT + "}<extra></extra>"
    gap = 1 if C <= 40 and N <= 60 else 0
    wide = N + M
    w_enc = 0.78 * N / wide
    traces = [
        # positions on x, tokens as tick text: a category axis would merge repeated tokens
        dict(type="heatmap", name="encoder", z=z_enc, x=cols, y=units,
             colorscale=DIVERGING, zmin=-zm, zmax=zm, xaxis="x", yaxis="y",
             customdata=[[f"i = {i + 1}: {ex[i]}" for i in cols]] * len(units),
             hovertemplate=hover, xgap=gap, ygap=gap, colorbar=dict(thickness=12, x=1.0)),
        dict(type="bar", name="c", x=np.where(np.isfinite(c), c, np.nan), y=units,
             orientation="h", xaxis="x2", yaxis="y",
             marker=dict(color=np.where(np.isfinite(c), c, 0.0), colorscale=DIVERGING,
                         cmin=-zm, cmax=zm, line=dict(color=TERM_COLORS["highlight"], width=1)),
             hovertemplate=f"{c_title}[%{{y}}] = %{{x:{VALUE_FMT}}}<extra></extra>"),
        dict(type="heatmap", name="decoder", z=dec.T, x=np.arange(M), y=units,
             colorscale=DIVERGING, zmin=-zm, zmax=zm, xaxis="x3", yaxis="y",
             customdata=[[f"j = {j + 1}: {dx[j]}" for j in range(M)]] * len(units),
             hovertemplate=hover, xgap=gap, ygap=gap, showscale=False),
    ]
    layout = theme.house_layout(title, height or int(min(620, max(300, 150 + 10 * C))))
    def ticks(labels):
        every = max(1, int(np.ceil(len(labels) / 30)))
        return dict(tickmode="array", tickvals=list(range(0, len(labels), every)),
                    ticktext=labels[::every], showgrid=False, zeroline=False)

    layout.update(
        xaxis=dict(domain=[0.0, w_enc], title=dict(text=enc_title), **ticks(ex)),
        xaxis2=dict(domain=[w_enc + 0.03, w_enc + 0.17], title=dict(text=c_title),
                    range=[-zm * 1.05, zm * 1.05], zeroline=True, showgrid=False),
        xaxis3=dict(domain=[w_enc + 0.2, 0.96], title=dict(text=dec_title), **ticks(dx)),
        yaxis=dict(autorange="reversed", title=dict(text=unit_title), showgrid=False,
                   zeroline=False),
        bargap=0.1)
    if reduced:
        layout["annotations"] = [theme.note_annotation(
            f"{reduced_note}: {theme.shape_text((C, N))} → {theme.shape_text(z_enc.shape)}")]
    return theme.figure(traces, layout)


def attention_heatmap(alpha, enc_labels=None, dec_labels=None, step=None, *,
                      title: str | None = None, x_title: str = "encoder step i",
                      y_title: str = "decoder step j", value_label: str = "α",
                      height: int | None = None) -> go.Figure:
    """Attention weights alpha (M, N): decoder steps on y (first at the top), encoder steps on
    x, each row a distribution over the encoder steps (0 white to 1 dark). Labels: the tokens
    (default 1..N, 1..M). step: a decoder step (1-based) outlined. data[0].z == alpha."""
    a = theme.as_array("alpha", alpha, 2, "(M, N)")
    M, N = a.shape
    xs = [theme.display_char(s) for s in enc_labels] if enc_labels is not None \
        else list(range(1, N + 1))
    ys = [theme.display_char(s) for s in dec_labels] if dec_labels is not None \
        else list(range(1, M + 1))
    if len(xs) != N or len(ys) != M:
        raise ValueError(f"labels: expected {N} encoder and {M} decoder labels, got {len(xs)} "
                         f"and {len(ys)}")
    # category axes merge equal labels: index them by position, show the token as tick text
    if M * N <= 5000:  # hover names both tokens; beyond that the strings cost more than they say
        extra = dict(customdata=[[f"{ys[j]} ← {xs[i]}" for i in range(N)] for j in range(M)],
                     hovertemplate=f"%{{customdata}}<br>{value_label} = %{{z:.3f}}<extra></extra>")
    else:
        extra = dict(hovertemplate=f"j = %{{y}}, i = %{{x}}<br>{value_label} = %{{z:.3f}}"
                                   "<extra></extra>")
    trace = dict(type="heatmap", z=a, x=list(range(N)), y=list(range(M)), colorscale=SEQUENTIAL,
                 zmin=0.0, zmax=1.0, **extra,
                 colorbar=dict(title=dict(text=value_label), thickness=14),
                 xgap=1 if N <= 40 else 0, ygap=1 if M <= 40 else 0)
    if M * N <= 200:  # few enough cells to print each weight: a row visibly sums to 1
        trace.update(texttemplate="%{z:.2f}", textfont=dict(size=11))
    layout = theme.house_layout(title, height or int(min(560, max(260, 130 + 22 * M))))
    shapes = []
    if step is not None:
        j = theme.check_step(step, M)
        shapes.append(dict(type="rect", xref="x domain", yref="y", x0=0, x1=1, y0=j - 0.5,
                           y1=j + 0.5, line=dict(color=theme.MARK_COLOR_SEQUENTIAL, width=2.5)))
    every = max(1, int(np.ceil(N / 40)))
    layout.update(
        xaxis=dict(title=dict(text=x_title), tickmode="array", tickvals=list(range(0, N, every)),
                   ticktext=[str(xs[i]) for i in range(0, N, every)], showgrid=False),
        yaxis=dict(title=dict(text=y_title), tickmode="array", tickvals=list(range(M)),
                   ticktext=[str(s) for s in ys], autorange="reversed", showgrid=False),
        shapes=shapes)
    return theme.figure([trace], layout)


def accuracy_lines(lengths, series: dict, *, title: str | None = None,
                   x_title: str = "input length N", y_title: str = "accuracy",
                   chance: float | None = None, chance_name: str = "chance",
                   height: int | None = None) -> go.Figure:
    """Accuracy against the input length: lengths (n,), series {name: (n,) values in [0, 1]};
    `chance` a dashed horizontal line (1 / vocabulary). One go.Scatter per series, in order."""
    x = theme.as_array("lengths", lengths, 1, "(n,)")
    if not series:
        raise ValueError("series: expected at least one named (n,) array, got none")
    colors = [TERM_COLORS["highlight"], TERM_COLORS["input"], "#ff9896", "#9ecae1"]
    traces = []
    for i, (name, y) in enumerate(series.items()):
        y = theme.as_array(str(name), y, 1, "(n,)")
        if y.shape != x.shape:
            raise ValueError(f"{name}: expected {x.shape[0]} values, got {y.shape[0]}")
        dash = "dot" if i >= 2 else "solid"
        traces.append(dict(type="scatter", x=x, y=y, name=str(name), mode="lines+markers",
                           line=dict(color=colors[i % len(colors)], width=2.5, dash=dash),
                           marker=dict(size=8),
                           hovertemplate=f"N = %{{x}}<br>%{{y:.3f}}<extra>{name}</extra>"))
    layout = theme.house_layout(title, height or 360, legend=True)
    if chance is not None:
        traces.append(dict(type="scatter", x=[x.min(), x.max()], y=[chance, chance],
                           name=chance_name, mode="lines", hoverinfo="skip",
                           line=dict(color="#9e9e9e", width=1.5, dash="dash")))
    layout.update(xaxis=dict(title=dict(text=x_title), tickmode="array", tickvals=x.tolist()),
                  yaxis=dict(title=dict(text=y_title), range=[0, 1.05]))
    return theme.figure(traces, layout)
