"""rnn_core.analysis: what the views show, checked against hand-computed values and against
the RNN's own trace."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnn_core import RNN, Linear
from rnn_core.analysis import (
    OutputBreakdown,
    UnitBreakdown,
    format_breakdown,
    output_breakdown,
    parameter_table,
    parameter_total,
    pca_2d,
    saturation_fraction,
    trajectory_distance,
    unit_breakdown,
)

# ---------------------------------------------------------------------------------------------
# saturation_fraction
# ---------------------------------------------------------------------------------------------


def test_saturation_fraction_counts_strictly_above_threshold_per_step():
    h = np.array([[0.99, 0.1], [0.96, -0.97], [0.5, 0.95]])
    np.testing.assert_array_equal(saturation_fraction(h), [0.5, 1.0, 0.0])  # 0.95 is not > 0.95


def test_saturation_fraction_pools_batch_and_units():
    h = np.zeros((2, 2, 3))
    h[0, 0, :] = 0.999  # 3 of 6 values at step 0
    h[1, 1, 2] = -1.0  # 1 of 6 at step 1
    np.testing.assert_allclose(saturation_fraction(h), [0.5, 1 / 6])
    np.testing.assert_array_equal(saturation_fraction(h, threshold=0.9995), [0.0, 1 / 6])


def test_saturation_fraction_of_an_rnn_driven_hard_is_high():
    rnn = RNN(1, 8, seed=0)
    rnn.scale_recurrent(3.0)
    out, _ = rnn(np.full((30, 1, 1), 5.0))
    assert saturation_fraction(out)[-1] > 0.5
    assert saturation_fraction(out).shape == (30,)


@pytest.mark.parametrize("h,threshold,fragments", [
    (np.zeros(4), 0.95, ["h", "(T, H) or (T, B, H)", "got (4,)"]),
    (np.zeros((2, 0)), 0.95, ["h", "(2, 0)"]),
    (np.zeros((2, 2)), -0.1, ["threshold", ">= 0", "-0.1"]),
    (np.zeros((2, 2)), float("nan"), ["threshold", "finite"]),
    (np.array([[np.nan]]), 0.95, ["h", "finite"]),
])
def test_saturation_fraction_errors(h, threshold, fragments):
    with pytest.raises(ValueError) as info:
        saturation_fraction(h, threshold)
    for f in fragments:
        assert f in str(info.value)


# ---------------------------------------------------------------------------------------------
# pca_2d
# ---------------------------------------------------------------------------------------------


def test_pca_of_points_on_a_line_is_the_signed_distance_along_it():
    t = np.arange(5.0)
    h = np.outer(t, [3.0, 4.0]) + [1.0, -2.0]  # a line in the direction (0.6, 0.8)
    proj, explained = pca_2d(h)
    np.testing.assert_allclose(proj[:, 0], 5.0 * (t - 2.0), atol=1e-12)  # |(3, 4)| = 5
    np.testing.assert_array_equal(proj[:, 1], 0.0)  # no second direction: exactly 0
    np.testing.assert_allclose(explained, [1.0, 0.0], atol=1e-15)


def test_pca_of_an_ellipse_recovers_its_axes_and_variances():
    a, b = 3.0, 1.0
    ang = 2 * np.pi * np.arange(12) / 12
    h = np.stack([a * np.cos(ang), b * np.sin(ang), np.zeros(12)], axis=1) + 7.0  # (12, 3)
    proj, explained = pca_2d(h)
    np.testing.assert_allclose(proj[:, 0], a * np.cos(ang), atol=1e-12)
    np.testing.assert_allclose(proj[:, 1], b * np.sin(ang), atol=1e-12)
    np.testing.assert_allclose(explained, [a * a / (a * a + b * b), b * b / (a * a + b * b)])


def test_pca_signs_are_fixed_by_the_largest_loading():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(20, 5)) * [5, 3, 1, 0.5, 0.1]
    proj, _ = pca_2d(h)
    # the first two principal directions are close to unit axes 0 and 1 here, loading positive
    assert np.corrcoef(proj[:, 0], h[:, 0])[0, 1] > 0.9
    assert np.corrcoef(proj[:, 1], h[:, 1])[0, 1] > 0.9
    neg, _ = pca_2d(-h)  # -h has the same directions, so the signs keep the picture mirrored
    np.testing.assert_allclose(neg, -proj, atol=1e-12)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=8),
                  elements=st.floats(-10, 10, allow_subnormal=False)))
def test_pca_matches_the_covariance_eigenvalues(h):
    proj, explained = pca_2d(h)
    assert proj.shape == (h.shape[0], 2) and explained.shape == (2,)
    size = np.max(np.abs(h))
    if np.all(h == h[0]):
        assert not proj.any() and not explained.any()
        return
    hs = h / size  # explained is scale-free; unit scale keeps squares from underflowing
    c = hs - hs.mean(axis=0)
    total = float(np.sum(c * c))
    if not explained.any():  # only rows that differ by rounding noise may be called constant
        assert np.max(np.abs(c)) < 1e-12
        return
    eig = np.sort(np.linalg.eigvalsh(c.T @ c))[::-1][:2]
    expected = np.zeros(2)
    expected[:len(eig)] = eig / total
    np.testing.assert_allclose(explained, expected, atol=1e-9)
    # each column's share of the squared distance is that component's explained ratio
    np.testing.assert_allclose(((proj / size) ** 2).sum(axis=0) / total, explained, atol=1e-9)
    assert explained.sum() <= 1.0 + 1e-12


def test_pca_of_huge_values_does_not_overflow():
    proj, explained = pca_2d(np.array([[1e300, 0.0], [-1e300, 0.0]]))
    np.testing.assert_allclose(proj[:, 0], [1e300, -1e300])
    np.testing.assert_allclose(explained, [1.0, 0.0])


def test_pca_with_one_unit_fills_the_second_column_with_zeros():
    proj, explained = pca_2d(np.array([[1.0], [2.0], [4.0]]))
    np.testing.assert_allclose(proj[:, 0], [-4 / 3, -1 / 3, 5 / 3])
    np.testing.assert_array_equal(proj[:, 1], 0.0)
    np.testing.assert_allclose(explained, [1.0, 0.0])


@pytest.mark.parametrize("h", [np.array([[0.3, -0.2, 0.9]]), np.full((4, 3), 0.5)])
def test_pca_without_variance_is_all_zeros(h):
    proj, explained = pca_2d(h)
    assert proj.shape == (h.shape[0], 2)
    assert not proj.any() and not explained.any()


@pytest.mark.parametrize("h,fragments", [
    (np.zeros((2, 3, 4)), ["h", "(T, H)", "(2, 3, 4)"]),
    (np.zeros((0, 3)), ["h", "(0, 3)"]),
    (np.array([[np.inf, 1.0]]), ["h", "finite"]),
])
def test_pca_errors(h, fragments):
    with pytest.raises(ValueError) as info:
        pca_2d(h)
    for f in fragments:
        assert f in str(info.value)


# ---------------------------------------------------------------------------------------------
# trajectory_distance
# ---------------------------------------------------------------------------------------------


def test_trajectory_distance_is_euclidean_per_step():
    a = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    np.testing.assert_allclose(trajectory_distance(a, np.zeros((3, 2))), [0.0, 5.0, math.sqrt(2)])
    np.testing.assert_array_equal(trajectory_distance(a, a), 0.0)


def test_trajectory_distance_of_two_runs_from_nearby_states():
    rnn = RNN(1, 6, seed=2)
    x = np.zeros((10, 1))
    h_a, _ = rnn(x, np.zeros((1, 6)))
    h_b, _ = rnn(x, np.full((1, 6), 1e-3))
    d = trajectory_distance(h_a, h_b)
    assert d.shape == (10,) and np.all(d > 0)


@pytest.mark.parametrize("a,b,fragments", [
    (np.zeros((3, 2)), np.zeros((3, 3)), ["h_b", "(3, 2)", "(3, 3)"]),
    (np.zeros(3), np.zeros(3), ["h_a", "(T, H)", "got (3,)"]),
])
def test_trajectory_distance_errors(a, b, fragments):
    with pytest.raises(ValueError) as info:
        trajectory_distance(a, b)
    for f in fragments:
        assert f in str(info.value)


# ---------------------------------------------------------------------------------------------
# unit_breakdown / output_breakdown
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_unit_breakdown_reproduces_the_rnns_h_t(nonlinearity, bias, bidirectional):
    rnn = RNN(3, 5, nonlinearity=nonlinearity, bias=bias, bidirectional=bidirectional, seed=4)
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    rnn(x, np.random.default_rng(2).normal(size=(rnn.num_directions, 2, 5)))
    for k in range(rnn.num_directions):
        tr = rnn.trace(0, k)
        sfx = "_l0" + ("_reverse" if k else "")
        p = rnn.params
        for t in range(6):
            for b in range(2):
                for j in range(5):
                    bd = unit_breakdown(p["weight_ih" + sfx], p["weight_hh" + sfx],
                                        p.get("bias_ih" + sfx), p.get("bias_hh" + sfx),
                                        tr.x[t, b], tr.h_prev[t, b], j, nonlinearity)
                    assert abs(bd.h - tr.h[t, b, j]) <= 1e-12
                    assert abs(bd.pre - tr.pre[t, b, j]) <= 1e-12
                    assert abs(bd.input_sum - tr.ih[t, b, j]) <= 1e-12
                    assert abs(bd.recurrent_sum - tr.hh[t, b, j]) <= 1e-12
                    assert bd.b_ih == tr.b_ih[j] and bd.b_hh == tr.b_hh[j]
                    assert bd.has_bias is bias


def test_unit_breakdown_terms_and_top_lists_by_hand():
    W_ih = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])  # (H=2, D=3)
    W_hh = np.array([[0.0, 0.0], [0.3, -0.1]])
    bd = unit_breakdown(W_ih, W_hh, np.array([0.0, 0.05]), np.array([0.0, 0.02]),
                        np.array([0.2, 0.1, -0.8]), np.array([1.0, 2.0]), 1, top=2)
    assert isinstance(bd, UnitBreakdown) and bd.j == 1 and bd.nonlinearity == "tanh"
    np.testing.assert_allclose(bd.input_terms, [0.2, -0.2, -0.4])
    np.testing.assert_allclose(bd.recurrent_terms, [0.3, -0.2])
    assert bd.input_sum == pytest.approx(-0.4)
    assert bd.recurrent_sum == pytest.approx(0.1)
    assert (bd.b_ih, bd.b_hh) == (0.05, 0.02)
    assert bd.pre == pytest.approx(-0.4 + 0.05 + 0.1 + 0.02)
    assert bd.h == pytest.approx(math.tanh(-0.23))
    # |-0.4| first, then the tie |0.2| == |-0.2| keeps the lower index
    assert [i for i, _ in bd.top_input] == [2, 0]
    assert bd.top_input[0][1] == pytest.approx(-0.4)
    assert [i for i, _ in bd.top_recurrent] == [0, 1]
    assert all(isinstance(i, int) and isinstance(v, float) for i, v in bd.top_input)


def test_unit_breakdown_top_is_capped_and_may_be_zero():
    W = np.eye(2)
    assert len(unit_breakdown(W, W, None, None, np.ones(2), np.ones(2), 0, top=10)
               .top_input) == 2
    assert unit_breakdown(W, W, None, None, np.ones(2), np.ones(2), 0, top=0).top_input == []


def test_unit_breakdown_without_bias_uses_zero():
    bd = unit_breakdown(np.array([[2.0]]), np.array([[0.5]]), None, None, np.array([1.0]),
                        np.array([-1.0]), 0, nonlinearity="relu")
    assert (bd.b_ih, bd.b_hh, bd.has_bias) == (0.0, 0.0, False)
    assert (bd.pre, bd.h) == (1.5, 1.5)


def test_unit_breakdown_returns_copies():
    x = np.array([1.0])
    bd = unit_breakdown(np.array([[2.0]]), np.array([[0.5]]), None, None, x, np.ones(1), 0)
    bd.input_terms[0] = 99.0
    assert x[0] == 1.0
    with pytest.raises(AttributeError):
        bd.h = 0.0  # frozen


@pytest.mark.parametrize("kwargs,fragments", [
    ({"j": 3}, ["j", "[0, 2]", "got 3"]),
    ({"j": 1.0}, ["j", "integer"]),
    ({"x_t": np.zeros(3)}, ["x_t", "(2,) (D = input_size)", "got (3,)"]),
    ({"h_prev": np.zeros((1, 3))}, ["h_prev", "(3,) (H = hidden_size)", "got (1, 3)"]),
    ({"b_ih": np.zeros(2)}, ["b_ih", "expected shape (3,)", "got (2,)"]),
    ({"W_hh": np.zeros((3, 2))}, ["W_hh", "(H, H)", "(3, 2)"]),
    ({"W_ih": np.zeros((2, 2))}, ["W_ih", "(3, D)", "(2, 2)"]),
    ({"nonlinearity": "sigmoid"}, ["nonlinearity", "tanh", "'sigmoid'"]),
    ({"top": -1}, ["top", ">= 0", "-1"]),
])
def test_unit_breakdown_errors(kwargs, fragments):
    args = dict(W_ih=np.zeros((3, 2)), W_hh=np.zeros((3, 3)), b_ih=np.zeros(3), b_hh=np.zeros(3),
                x_t=np.zeros(2), h_prev=np.zeros(3), j=0)
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        unit_breakdown(**args)
    for f in fragments:
        assert f in str(info.value)


@pytest.mark.parametrize("bias", [True, False])
def test_output_breakdown_reproduces_the_linear_layer(bias):
    lin = Linear(4, 3, bias=bias, seed=5)
    h_t = np.array([0.5, -0.25, 0.9, -0.7])
    o = lin(h_t)
    for m in range(3):
        bd = output_breakdown(lin.params["weight"], lin.params.get("bias"), h_t, m)
        assert isinstance(bd, OutputBreakdown) and bd.m == m and bd.has_bias is bias
        assert abs(bd.value - o[m]) <= 1e-12
        np.testing.assert_allclose(bd.terms, lin.params["weight"][m] * h_t)
        assert bd.bias == (lin.params["bias"][m] if bias else 0.0)
        assert len(bd.top) == 3 and abs(bd.top[0][1]) == np.max(np.abs(bd.terms))


def test_output_breakdown_errors():
    with pytest.raises(ValueError, match=r"m: expected an index in \[0, 1\], got 2"):
        output_breakdown(np.zeros((2, 3)), None, np.zeros(3), 2)
    with pytest.raises(ValueError,
                       match=r"h_t: expected shape \(3,\) \(H = hidden_size\), got \(4,\)"):
        output_breakdown(np.zeros((2, 3)), None, np.zeros(4), 0)
    with pytest.raises(ValueError, match=r"b_ho: expected shape \(2,\), got \(3,\)"):
        output_breakdown(np.zeros((2, 3)), np.zeros(3), np.zeros(3), 0)


# ---------------------------------------------------------------------------------------------
# format_breakdown
# ---------------------------------------------------------------------------------------------


def test_format_breakdown_plugs_the_numbers_into_the_formula():
    bd = unit_breakdown(np.array([[0.31]]), np.array([[-0.12]]), np.array([0.05]),
                        np.array([0.02]), np.array([1.0]), np.array([1.0]), 0)
    s = format_breakdown(bd)
    assert s == "h_t[0] = tanh(0.310 + (-0.120) + 0.050 + 0.020) = tanh(0.260) = 0.254"
    assert s.isascii()


def test_format_breakdown_names_the_unit_the_nonlinearity_and_the_digits():
    W_ih = np.zeros((3, 1))
    W_ih[2, 0] = -1.23456
    bd = unit_breakdown(W_ih, np.zeros((3, 3)), None, None, np.array([1.0]), np.zeros(3), 2,
                        nonlinearity="relu")
    assert format_breakdown(bd, digits=2) == "h_t[2] = relu(-1.23 + 0.00) = relu(-1.23) = 0.00"


def test_format_breakdown_of_an_output():
    bd = output_breakdown(np.array([[0.5, 0.25]]), np.array([-0.1]), np.array([1.0, 1.0]), 0)
    assert format_breakdown(bd) == "o_t[0] = 0.750 + (-0.100) = 0.650"
    bd = output_breakdown(np.array([[0.5, 0.25]]), None, np.array([1.0, 1.0]), 0)
    assert format_breakdown(bd, digits=1) == "o_t[0] = 0.8 = 0.8"


def test_format_breakdown_never_prints_minus_zero():
    bd = output_breakdown(np.array([[1e-6]]), np.array([-2e-6]), np.array([-1.0]), 0)
    assert format_breakdown(bd) == "o_t[0] = 0.000 + 0.000 = 0.000"


def test_format_breakdown_errors():
    with pytest.raises(ValueError, match="bd: expected a UnitBreakdown or OutputBreakdown, "
                                         "got dict"):
        format_breakdown({})
    bd = output_breakdown(np.ones((1, 1)), None, np.ones(1), 0)
    with pytest.raises(ValueError, match=r"digits: expected an integer in \[0, 17\], got -1"):
        format_breakdown(bd, digits=-1)


# ---------------------------------------------------------------------------------------------
# parameter_table
# ---------------------------------------------------------------------------------------------


def test_parameter_table_rows_and_total_agree_with_the_rnn():
    rnn = RNN(3, 4, num_layers=2, bidirectional=True)
    rows = parameter_table(rnn.param_shapes())
    assert rows[0] == ("weight_ih_l0", (4, 3), 12)
    assert ("weight_ih_l1_reverse", (4, 8), 32) in rows
    assert [name for name, _, _ in rows] == list(rnn.param_shapes())
    assert parameter_total(rnn.param_shapes()) == rnn.num_parameters() == 2 * (12 + 16 + 8) + \
        2 * (32 + 16 + 8)


def test_parameter_table_counts_a_scalar_as_one_and_accepts_lists():
    assert parameter_table({"s": (), "v": [3]}) == [("s", (), 1), ("v", (3,), 3)]
    assert parameter_total({}) == 0


@pytest.mark.parametrize("shapes,fragments", [
    ([("w", (2, 2))], ["shapes", "dict", "list"]),
    ({"w": (2, -1)}, ["shapes['w']", ">= 0", "(2, -1)"]),
    ({"w": "2x2"}, ["shapes['w']", "tuple of integers", "'2x2'"]),
])
def test_parameter_table_errors(shapes, fragments):
    with pytest.raises(ValueError) as info:
        parameter_table(shapes)
    for f in fragments:
        assert f in str(info.value)
