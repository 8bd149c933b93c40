"""Figure builders: what each figure holds (trace types, exact values, where the current step is
marked), the shared zero-centred colour scale, reduction of huge heatmaps, translated strings,
read-only float32 inputs, and that viz depends on numpy and plotly only."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

import viz
from viz import theme
from viz.theme import DIVERGING, MAX_CELLS, SEQUENTIAL, TERM_COLORS

ROOT = Path(__file__).resolve().parent.parent


def ro(a, dtype=np.float32):
    """A read-only copy: a builder that writes into its input raises."""
    a = np.array(a, dtype=dtype)
    a.setflags(write=False)
    return a


def rand(*shape, seed=0, dtype=np.float32):
    return ro(np.random.default_rng(seed).normal(size=shape), dtype)


def scale(cs):
    """A plotly colourscale as plain [[pos, colour], ...] for comparison."""
    return [[float(p), c] for p, c in cs]


def texts(fig):
    """Annotation texts, a title broken over two lines read as one."""
    return [a.text.replace("<br>", " ") for a in fig.layout.annotations]


# ---------------------------------------------------------------- theme

def test_diverging_is_blue_white_red_and_sequential_is_light_to_dark():
    def rgb(h):
        return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))

    lo, mid, hi = rgb(DIVERGING[0][1]), rgb(DIVERGING[5][1]), rgb(DIVERGING[-1][1])
    assert DIVERGING[5][0] == 0.5 and min(mid) > 240  # white at zero
    assert lo[2] > lo[0] and hi[0] > hi[2]  # blue negative, red positive
    assert sum(rgb(SEQUENTIAL[0][1])) > sum(rgb(SEQUENTIAL[-1][1]))
    assert set(TERM_COLORS) >= {"input", "recurrent", "bias", "pre", "h"}
    assert len({TERM_COLORS[k] for k in ("input", "recurrent", "bias", "pre", "h")}) == 5


def test_reduce_for_display_leaves_small_arrays_whole():
    z = rand(30, 40)
    small, rows, cols, reduced = theme.reduce_for_display(z)
    assert reduced is False
    np.testing.assert_array_equal(small, z)
    np.testing.assert_array_equal(rows, np.arange(30))
    np.testing.assert_array_equal(cols, np.arange(40))


def test_reduce_for_display_keeps_exact_values_and_original_indices():
    z = ro(np.arange(600 * 500).reshape(600, 500), np.float64)
    small, rows, cols, reduced = theme.reduce_for_display(z)
    assert reduced is True
    assert small.size <= MAX_CELLS
    assert small.shape == (len(rows), len(cols))
    np.testing.assert_array_equal(small, z[np.ix_(rows, cols)])
    for idx, n in ((rows, 600), (cols, 500)):
        assert idx[0] == 0 and idx[-1] == n - 1
        assert np.all(np.diff(idx) >= 1)  # strictly increasing, so no duplicates
        assert np.all(np.diff(idx) <= 2)  # evenly spaced: 600 -> ~447 never skips two


def test_reduce_for_display_keeps_a_short_axis_whole():
    z = np.zeros((3, 100_000), dtype=np.float32)
    small, rows, cols, reduced = theme.reduce_for_display(z, max_cells=30_000)
    assert reduced and small.shape == (3, 10_000)
    np.testing.assert_array_equal(rows, [0, 1, 2])


def test_reduce_for_display_keeps_the_columns_it_is_told_to():
    z = np.zeros((10, 1000))
    _, _, cols, _ = theme.reduce_for_display(z, max_cells=1000, keep_cols=[501])
    assert 501 in cols and len(cols) == 100 and np.all(np.diff(cols) > 0)


def test_reduce_for_display_rejects_a_vector():
    with pytest.raises(ValueError, match=r"2-D.*\(5,\)"):
        theme.reduce_for_display(np.zeros(5))


def test_base_layout_sets_title_height_and_fonts():
    fig = theme.base_layout(go.Figure(go.Scatter(y=[1, 2])), "标题", 333)
    assert fig.layout.title.text == "标题"
    assert fig.layout.height == 333
    assert fig.layout.font.size >= 12 and "Noto Sans CJK SC" in fig.layout.font.family
    assert fig.layout.margin.l <= 80 and fig.layout.margin.r <= 80


def test_house_layout_is_the_layout_base_layout_applies():
    for title, height, legend in ((None, None, False), ("标题", 333, True), ("", 280.5, False)):
        applied = theme.base_layout(go.Figure(), title, height, legend=legend).layout
        built = go.Figure(layout=theme.house_layout(title, height, legend=legend)).layout
        assert applied.to_plotly_json() == built.to_plotly_json()


def test_shape_text_and_symmetric_range():
    assert theme.shape_text((256, 100)) == "[256, 100]"
    assert theme.shape_text(np.zeros(7)) == "[7]"
    assert theme.symmetric_zmax(np.array([0.5, -2.0]), np.array([1.0])) == 2.0
    assert theme.symmetric_zmax(np.zeros(3)) == 1.0  # h_0 = 0 still gets a valid range
    assert theme.symmetric_zmax(np.zeros(3), zmax=0.25) == 0.25
    with pytest.raises(ValueError):
        theme.symmetric_zmax(np.zeros(3), zmax=0.0)


# ---------------------------------------------------------------- dataflow

def test_tensor_heatmap_shows_the_matrix_with_its_torch_shape():
    w = rand(256, 100)
    fig = viz.tensor_heatmap(w, "W_ih")
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap)
    assert fig.layout.title.text == "W<sub>ih</sub> [256, 100]"  # subscripts drawn
    np.testing.assert_array_equal(hm.z, w)
    np.testing.assert_array_equal(hm.y, np.arange(256))
    np.testing.assert_array_equal(hm.x, np.arange(100))
    assert hm.zmin == -hm.zmax == pytest.approx(-float(np.abs(w).max()))
    assert scale(hm.colorscale) == DIVERGING
    assert list(fig.layout.yaxis.range) == [255.5, -0.5]  # row 0 on top, as on paper
    assert "%{z:.4g}" in hm.hovertemplate


def test_tensor_heatmap_draws_a_vector_as_one_column():
    b = rand(6)
    fig = viz.tensor_heatmap(b, "b_ih", zmax=3.0)
    hm = fig.data[0]
    assert hm.z.shape == (6, 1)
    np.testing.assert_array_equal(hm.z[:, 0], b)
    assert fig.layout.title.text == "b<sub>ih</sub> [6]"
    assert (hm.zmin, hm.zmax) == (-3.0, 3.0)


def test_tensor_heatmap_uses_the_translated_words():
    fig = viz.tensor_heatmap(rand(3, 2), "W", title="输入权重", row_label="行", col_label="列",
                             value_label="值")
    hm = fig.data[0]
    assert fig.layout.title.text == "输入权重"
    assert "行 %{y}" in hm.hovertemplate and "列 %{x}" in hm.hovertemplate
    assert "值" in hm.hovertemplate
    assert fig.layout.yaxis.title.text == "行"


def test_tensor_heatmap_reduces_a_huge_matrix_keeping_exact_cells():
    w = rand(600, 500)
    fig = viz.tensor_heatmap(w, "W_hh", reduced_note="为显示而缩减")
    hm = fig.data[0]
    assert hm.z.size <= MAX_CELLS
    np.testing.assert_array_equal(hm.z, w[np.ix_(hm.y, hm.x)])
    assert hm.y[-1] == 599 and hm.x[-1] == 499  # axes keep the original indices
    assert any(t.startswith("为显示而缩减") and "[600, 500]" in t for t in texts(fig))
    assert fig.layout.title.text == "W<sub>hh</sub> [600, 500]"


def test_tensor_heatmap_rejects_3d():
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        viz.tensor_heatmap(np.zeros((2, 2, 2)), "x")


PANELS = [("W_ih", rand(4, 3, seed=1)), ("x_t", rand(3, seed=2)),
          ("W_ih x_t", rand(4, seed=3)), ("W_hh", rand(4, 4, seed=4))]


def test_dataflow_figure_one_heatmap_per_panel_on_one_shared_scale():
    fig = viz.dataflow_figure(PANELS, ["×", "=", "+"], title="一步")
    assert fig.layout.title.text == "一步"
    assert len(fig.data) == 4 and all(isinstance(tr, go.Heatmap) for tr in fig.data)
    for tr, (label, arr) in zip(fig.data, PANELS, strict=True):
        z = arr[:, None] if arr.ndim == 1 else arr
        np.testing.assert_array_equal(tr.z, z)
        assert tr.coloraxis == "coloraxis" and tr.name == theme.math_text(label)
    zm = max(float(np.abs(a).max()) for _, a in PANELS)
    ca = fig.layout.coloraxis
    assert ca.cmin == -ca.cmax == pytest.approx(-zm)
    assert scale(ca.colorscale) == DIVERGING
    assert {"W<sub>ih</sub> [4, 3]", "x<sub>t</sub> [3]", "W<sub>ih</sub> x<sub>t</sub> [4]",
            "W<sub>hh</sub> [4, 4]"} <= set(texts(fig))


@pytest.mark.parametrize("plain, drawn", [
    ("W_hh · h_{t-1}", "W<sub>hh</sub> · h<sub>t-1</sub>"),
    ("softmax(o_t)", "softmax(o<sub>t</sub>)"), ("σ(W_hh)", "σ(W<sub>hh</sub>)"),
    ("Loss: cross-entropy", "Loss: cross-entropy"), ("隐藏状态 h_t", "隐藏状态 h<sub>t</sub>"),
    ("s_(j-1)", "s_(j-1)"), ("‖∂s_T/∂s_t‖_F", "‖∂s<sub>T</sub>/∂s<sub>t</sub>‖<sub>F</sub>"),
    ("|h_t − h′_t|", "|h<sub>t</sub> − h′<sub>t</sub>|"),
    ("(max|f′|·σ_max)^d", "(max|f′|·σ<sub>max</sub>)<sup>d</sup>"),
    ("ρ^(T−t)", "ρ<sup>T−t</sup>"), ("10^-3 and a^", "10^-3 and a^")])
def test_titles_draw_the_articles_sub_and_superscripts(plain, drawn):
    assert theme.math_text(plain) == drawn
    assert viz.tensor_heatmap(rand(2, 2), "W").layout.title.text == "W [2, 2]"


def test_dataflow_probabilities_get_a_scale_of_their_own():
    """A softmax drawn on the shared zero-centred scale would be one saturated colour; on its
    own 0..1 scale its largest entry stands out, and the other panels keep their range."""
    o = rand(5, seed=7)
    p = np.exp(o) / np.exp(o).sum()
    fig = viz.dataflow_figure([("o_t", o), ("softmax(o_t)", p, "probability")], ["softmax →"],
                              prob_label="概率")
    assert [tr.coloraxis for tr in fig.data] == ["coloraxis", "coloraxis2"]
    np.testing.assert_array_equal(fig.data[1].z, p[:, None])
    assert fig.layout.coloraxis.cmax == pytest.approx(float(np.abs(o).max()))  # p not in it
    ca2 = fig.layout.coloraxis2
    assert (ca2.cmin, ca2.cmax) == (0.0, 1.0) and scale(ca2.colorscale) == SEQUENTIAL
    assert ca2.colorbar.title.text == "概率"
    assert ca2.colorbar.x > fig.layout.coloraxis.colorbar.x  # side by side, not on top
    only = viz.dataflow_figure([("p", p, "probability")])
    assert only.layout.coloraxis.colorbar.x is None  # no shared bar without shared panels
    with pytest.raises(ValueError, match="kind"):
        viz.dataflow_figure([("p", p, "percent")])


def test_dataflow_figure_orders_panels_left_to_right_with_operators_between():
    fig = viz.dataflow_figure(PANELS, ["×", "=", "+"])
    doms = [fig.layout[f"xaxis{'' if i == 0 else i + 1}"].domain for i in range(4)]
    for (a0, a1), (b0, _) in zip(doms, doms[1:], strict=False):
        assert a0 < a1 < b0
    ops = {a.text: a.x for a in fig.layout.annotations if a.text in ("×", "=", "+")}
    for i, op in enumerate(["×", "=", "+"]):
        assert doms[i][1] < ops[op] < doms[i + 1][0]
    width = [d[1] - d[0] for d in doms]
    assert width[1] == pytest.approx(width[2])  # vectors alike
    assert width[3] == pytest.approx(4 * width[1])  # a 4-column matrix is 4 columns wide
    assert width[0] == pytest.approx(3 * width[1])


def test_dataflow_figure_caps_the_width_of_a_wide_matrix():
    fig = viz.dataflow_figure([("W_ho", rand(3, 100)), ("h_t", rand(100))])
    doms = [fig.layout.xaxis.domain, fig.layout.xaxis2.domain]
    ratio = (doms[0][1] - doms[0][0]) / (doms[1][1] - doms[1][0])
    assert ratio == pytest.approx(8)  # 100 columns, capped at 8 vector widths


def test_dataflow_figure_needs_one_operator_per_gap():
    with pytest.raises(ValueError, match="expected 3"):
        viz.dataflow_figure(PANELS, ["×"])
    with pytest.raises(ValueError):
        viz.dataflow_figure([])


def test_dataflow_figure_reduces_a_huge_panel_with_a_note():
    big = rand(600, 500)
    fig = viz.dataflow_figure([("W_hh", big), ("h", rand(600))], ["×"], reduced_note="缩减")
    hm = fig.data[0]
    assert hm.z.size <= MAX_CELLS
    np.testing.assert_array_equal(hm.z, big[np.ix_(hm.y, hm.x)])
    assert any(t.startswith("缩减") and "W_hh [600, 500]" in t for t in texts(fig))
    assert fig.data[1].z.shape == (600, 1)  # the vector stays whole


def test_output_bars_logits_and_probabilities():
    o = ro([2.0, -1.0, 0.5])
    p = ro(np.exp(o) / np.exp(o).sum())
    fig = viz.output_bars(o, p, labels=["a", " ", "\n"], logit_name="输出", prob_name="概率")
    assert [type(tr) for tr in fig.data] == [go.Bar, go.Bar]
    np.testing.assert_array_equal(fig.data[0].y, o)
    np.testing.assert_array_equal(fig.data[1].y, p)
    assert fig.data[0].marker.cmin == -fig.data[0].marker.cmax == -2.0
    assert (fig.data[1].marker.cmin, fig.data[1].marker.cmax) == (0.0, 1.0)
    assert list(fig.layout.xaxis2.ticktext) == ["a", "␣", "↵"]
    assert {"输出", "概率"} <= set(texts(fig))
    assert "输出 = %{y:.4g}" in fig.data[0].hovertemplate
    with pytest.raises(ValueError, match="expected shape"):
        viz.output_bars(o, p[:2])


# ---------------------------------------------------------------- recurrence

def test_hidden_heatmap_is_h_transposed_with_the_step_outlined():
    h = rand(7, 5)
    fig = viz.hidden_heatmap(h, step=4)  # t = 4 is row 3 of h
    hm = fig.data[0]
    np.testing.assert_array_equal(hm.z, h.T)
    np.testing.assert_array_equal(hm.x, np.arange(1, 8))  # t = 1..T: row 0 of h is h_1
    np.testing.assert_array_equal(hm.y, np.arange(5))
    assert hm.zmin == -hm.zmax and hm.zmax == pytest.approx(float(np.abs(h).max()))
    assert scale(hm.colorscale) == DIVERGING
    (box,) = fig.layout.shapes
    assert (box.x0, box.x1) == (3.5, 4.5) and box.xref == "x"
    assert fig.layout.xaxis.title.text == "time step t"


def test_hidden_heatmap_labels_ticks_and_uses_translated_titles():
    h = rand(4, 3)
    fig = viz.hidden_heatmap(h, step=0, x_labels=list("ab c"), title="隐藏状态",
                             x_title="时间步 t", y_title="隐藏单元", zmax=1.0, t_start=0)
    assert fig.layout.title.text == "隐藏状态"
    assert fig.layout.xaxis.title.text == "时间步 t"
    assert fig.layout.yaxis.title.text == "隐藏单元"
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "␣", "c"]
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3]
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1.0, 1.0)
    assert fig.layout.shapes[0].x0 == -0.5


def test_hidden_heatmap_reduces_but_keeps_the_current_step():
    h = rand(1000, 300)
    fig = viz.hidden_heatmap(h, step=502, reduced_note="已缩减")
    hm = fig.data[0]
    assert hm.z.size <= MAX_CELLS
    assert 502 in hm.x
    np.testing.assert_array_equal(hm.z, h.T[np.ix_(hm.y, np.asarray(hm.x) - 1)])
    np.testing.assert_array_equal(hm.y, np.arange(300))
    assert any(t.startswith("已缩减") for t in texts(fig))
    box = fig.layout.shapes[0]
    assert box.x0 < 502 < box.x1


def test_hidden_heatmap_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(T, H\)"):
        viz.hidden_heatmap(np.zeros(5))
    for bad in (0, 5, 2.5):  # t runs 1..T
        with pytest.raises(ValueError, match=r"\[1, 4\]"):
            viz.hidden_heatmap(np.zeros((4, 2)), step=bad)
    last = viz.hidden_heatmap(np.zeros((4, 2)), step=4)
    assert last.layout.shapes[0].x0 == 3.5


def _trace(fig, name):
    (tr,) = [t for t in fig.data if t.name == theme.math_text(name)]
    return tr


def test_unrolled_chain_lights_the_current_step():
    fig = viz.unrolled_chain(5, 3)
    cur = _trace(fig, "current h")
    assert list(cur.text) == ["h<sub>3</sub>"] and cur.marker.color == TERM_COLORS["highlight"]
    assert cur.marker.size > _trace(fig, "h").marker.size
    assert list(_trace(fig, "current x").text) == ["x<sub>3</sub>"]
    assert list(_trace(fig, "h0").text) == ["h<sub>0</sub>"]
    assert len(_trace(fig, "h").x) == 4
    assert list(_trace(fig, "cut").x) == []
    lit = [a for a in fig.layout.annotations if a.arrowcolor == TERM_COLORS["highlight"]]
    assert len(lit) == 2 and all(a.x == cur.x[0] and a.y == 1 for a in lit)


def test_unrolled_chain_windows_a_long_sequence():
    fig = viz.unrolled_chain(60, 31, max_nodes=15, w_hh_name="循环权重")
    shown = len(_trace(fig, "h").x) + 1
    assert shown == 15
    assert len(_trace(fig, "cut").x) == 2  # "…" on both sides
    assert not [t for t in fig.data if t.name == "h0"]
    assert "循环权重" in texts(fig)
    ts = list(_trace(fig, "t").text)
    assert "t=31" in ts and len(ts) == 15
    assert list(_trace(fig, "current h").text) == ["h<sub>31</sub>"]
    start = viz.unrolled_chain(60, 1, max_nodes=15)
    assert list(_trace(start, "cut").x) == [16]  # only the right end is cut
    assert list(_trace(start, "h0").text) == ["h<sub>0</sub>"]


def test_unrolled_chain_shows_the_characters_read():
    fig = viz.unrolled_chain(3, 2, x_labels=["a", " ", "b"])
    assert list(_trace(fig, "current x").text) == ["␣"]
    assert list(_trace(fig, "x").text) == ["a", "b"]
    with pytest.raises(ValueError, match="expected 3 labels"):
        viz.unrolled_chain(3, 1, x_labels=["a"])


def test_contributions_bar_stacks_the_three_terms_with_markers():
    ih, hh, b = rand(4, seed=1), rand(4, seed=2), rand(4, seed=3)
    pre = ro(ih.astype(np.float64) + hh + b)
    h = ro(np.tanh(pre))
    fig = viz.contributions_bar(ih, hh, b, pre, h, units=[3, 7, 9, 12],
                                names={"input": "输入项", "h": "隐藏状态"})
    assert [type(t) for t in fig.data] == [go.Bar] * 3 + [go.Scatter] * 2
    assert fig.layout.barmode == "relative"
    for tr, arr in zip(fig.data, (ih, hh, b, pre, h), strict=True):
        np.testing.assert_array_equal(tr.y, arr)
        assert list(tr.x) == ["3", "7", "9", "12"]
    # names in the titles' notation: subscripts drawn in the legend
    assert [t.name for t in fig.data] == ["输入项", "W<sub>hh</sub> h<sub>t-1</sub>",
                                          "b<sub>ih</sub> + b<sub>hh</sub>", "a<sub>t</sub>",
                                          "隐藏状态"]
    assert [t.marker.color for t in fig.data[:3]] == [TERM_COLORS[k] for k in
                                                      ("input", "recurrent", "bias")]
    with pytest.raises(ValueError, match=r"expected shape \(4,\)"):
        viz.contributions_bar(ih, hh, b, pre, h[:3])


def test_activation_scatter_tanh_curve_units_and_saturation_bands():
    pre = ro([-3.0, -0.5, 0.0, 0.7, 2.5])
    h = ro(np.tanh(pre))
    fig = viz.activation_scatter(pre, h, x_title="预激活", saturated_name="饱和")
    curve, pts = fig.data
    np.testing.assert_allclose(curve.y, np.tanh(curve.x))
    assert curve.x[0] <= -3 and curve.x[-1] >= 3
    np.testing.assert_array_equal(pts.x, pre)
    np.testing.assert_array_equal(pts.y, h)
    hl = TERM_COLORS["highlight"]
    assert [c == hl for c in pts.marker.color] == [True, False, False, False, True]
    edges = sorted(abs(v) for s in fig.layout.shapes for v in (s.x0, s.x1)
                   if abs(v) < 2.5)
    assert edges == pytest.approx([math.atanh(0.95)] * 2)
    assert "饱和" in texts(fig) and fig.layout.xaxis.title.text == "预激活"


def test_activation_scatter_relu_has_no_saturation():
    pre = ro([-1.0, 2.0])
    fig = viz.activation_scatter(pre, ro([0.0, 2.0]), "relu")
    np.testing.assert_allclose(fig.data[0].y, np.maximum(fig.data[0].x, 0))
    assert len(fig.layout.shapes) == 0
    with pytest.raises(ValueError, match="'tanh' or 'relu'"):
        viz.activation_scatter(pre, pre, "sigmoid")


def test_time_lines_one_line_per_series_and_the_step_marked():
    a, b = ro([0.1, 0.2, 0.3]), ro([1.0, 0.5, 0.25, 0.125])
    fig = viz.time_lines({"饱和比例": a, "距离": b}, step=3, y_title="值")
    assert [t.name for t in fig.data] == ["饱和比例", "距离"]
    np.testing.assert_array_equal(fig.data[0].y, a)
    np.testing.assert_array_equal(fig.data[1].x, [1, 2, 3, 4])
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 3
    assert fig.layout.yaxis.title.text == "值"


def test_time_lines_log_axis_takes_its_range_in_data_units():
    fig = viz.time_lines({"norm": ro([1.0, 1e-3])}, step=0, log_y=True, y_range=(1e-6, 10),
                         x_labels=["a", "b"], t_start=0)
    assert fig.layout.shapes[0].x0 == 0  # with t_start=0 the series starts at h_0
    assert fig.layout.yaxis.type == "log"
    assert list(fig.layout.yaxis.range) == pytest.approx([-6.0, 1.0])
    assert list(fig.layout.xaxis.ticktext) == ["a", "b"]
    assert list(fig.layout.xaxis.tickvals) == [0, 1]
    with pytest.raises(ValueError):
        viz.time_lines({})


def test_probs_heatmap_sequential_zero_to_one_with_the_step_marked():
    p = ro(np.full((6, 3), 1 / 3))
    fig = viz.probs_heatmap(p, step=6, y_labels=["a", "b", " "], y_title="字符")
    hm = fig.data[0]
    np.testing.assert_array_equal(hm.z, p.T)
    assert (hm.zmin, hm.zmax) == (0.0, 1.0)
    assert scale(hm.colorscale) == SEQUENTIAL
    assert fig.layout.shapes[0].x0 == 5.5 and fig.layout.shapes[0].x1 == 6.5
    assert list(fig.layout.yaxis.ticktext) == ["a", "b", "␣"]
    assert fig.layout.yaxis.title.text == "字符"


def test_pca_trajectory_colours_by_time_and_marks_start_and_step():
    proj = rand(5, 2)
    fig = viz.pca_trajectory(proj, step=4, labels=list("hello"), current_name="当前")
    path, pts, start, cur = fig.data
    np.testing.assert_array_equal(path.x, proj[:, 0])
    np.testing.assert_array_equal(pts.y, proj[:, 1])
    np.testing.assert_array_equal(pts.marker.color, [1, 2, 3, 4, 5])
    assert (start.x[0], start.y[0]) == (proj[0, 0], proj[0, 1])
    assert (cur.x[0], cur.y[0]) == (proj[3, 0], proj[3, 1]) and cur.name == "当前"
    assert [list(c) for c in pts.customdata[:2]] == [[1, "  h"], [2, "  e"]]
    assert fig.layout.yaxis.scaleanchor == "x"
    with pytest.raises(ValueError, match=r"\(T, 2\)"):
        viz.pca_trajectory(np.zeros((4, 3)))


# ---------------------------------------------------------------- across builders

def _all_figures(h, p, x64):
    """Every builder once, on float32 (or float64 where x64) read-only arrays."""
    dt = np.float64 if x64 else np.float32
    h = ro(h, dt)
    p = ro(p, dt)
    v = h[0]
    return [
        viz.tensor_heatmap(h, "h"),
        viz.dataflow_figure([("a", h), ("b", v)], ["→"]),
        viz.output_bars(p[0], p[0]),
        viz.hidden_heatmap(h, 1),
        viz.contributions_bar(v, v, v, v, v),
        viz.activation_scatter(v, v),
        viz.time_lines({"s": v}, 1, log_y=True),
        viz.probs_heatmap(p, 1),
        viz.pca_trajectory(h[:, :2], 1),
    ]


@pytest.mark.parametrize("x64", [False, True])
def test_builders_accept_read_only_float32_and_float64_and_leave_inputs_alone(x64):
    rng = np.random.default_rng(5)
    h = rng.uniform(0.1, 1, (4, 3))
    p = rng.dirichlet(np.ones(3), size=4)
    h0, p0 = h.copy(), p.copy()
    figs = _all_figures(h, p, x64)
    assert all(isinstance(f, go.Figure) for f in figs)
    for f in figs:
        f.to_json()  # serialisable, as st.plotly_chart needs
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(p, p0)


def test_builders_build_each_figure_in_one_call(monkeypatch):
    """Speed: every fig.add_* / update_* call re-validates the figure built so far, so each
    builder collects plain dicts and validates them once, in go.Figure(data=..., layout=...)."""
    def refuse(name):
        def call(*args, **kwargs):
            raise AssertionError(f"a builder called go.Figure.{name}")
        return call

    for name in ("add_trace", "add_traces", "add_shape", "add_annotation", "update_layout",
                 "update_traces", "update_xaxes", "update_yaxes"):
        monkeypatch.setattr(go.Figure, name, refuse(name))
    rng = np.random.default_rng(6)
    _all_figures(rng.normal(size=(4, 3)), rng.dirichlet(np.ones(3), size=4), False)
    viz.unrolled_chain(60, 31, x_labels=["a"] * 60)
    viz.tensor_heatmap(rand(600, 500), "W")  # with the "reduced" note
    viz.hidden_heatmap(rand(1000, 300), step=502)
    viz.output_bars(ro([1.0, 2.0]), ro([0.3, 0.7]), labels=["a", "b"])


def test_the_same_signed_quantity_gets_the_same_colours_everywhere():
    h = rand(4, 3)
    single = viz.tensor_heatmap(h, "h").data[0]
    over_time = viz.hidden_heatmap(h).data[0]
    panel = viz.dataflow_figure([("h", h)]).layout.coloraxis
    assert scale(single.colorscale) == scale(over_time.colorscale) == scale(panel.colorscale)
    assert single.zmax == over_time.zmax == panel.cmax


def test_viz_imports_only_numpy_and_plotly():
    allowed = {"numpy", "plotly", "_plotly_utils", "json", "math", "os", "re", "__future__"}
    for path in sorted((ROOT / "viz").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{path.name} imports {roots - allowed}"
    code = ("import sys, viz; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'rnn_core'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
