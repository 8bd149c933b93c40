"""Unit tests of rnn_core without torch: initialisation, shapes and layouts, state_dict, the
trace, grad_trace and step_jacobians the views draw, the losses' known values, and the import
boundary (numpy and the standard library only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rnn_core
from rnn_core import RNN, Linear, init

ROOT = Path(__file__).resolve().parent.parent


def rnn_and_input(num_layers=2, bidirectional=True, nonlinearity="tanh", bias=True, seed=0,
                  T=5, B=3, D=4, H=6):
    rnn = RNN(D, H, num_layers=num_layers, bidirectional=bidirectional,
              nonlinearity=nonlinearity, bias=bias, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((num_layers * rnn.num_directions, B, H))
    return rnn, x, h0


LAYER_CASES = [(1, False), (1, True), (3, True)]


# -- initialisation ---------------------------------------------------------------------------

@pytest.mark.parametrize("hidden_size", [1, 4, 64])
def test_torch_init_draws_every_parameter_within_one_over_sqrt_hidden(hidden_size):
    rnn = RNN(7, hidden_size, num_layers=2, bidirectional=True, seed=3)
    k = 1 / np.sqrt(hidden_size)
    values = np.concatenate([v.ravel() for v in rnn.params.values()])
    assert np.all(np.abs(values) <= k)
    assert values.max() > 0.9 * k and values.min() < -0.9 * k  # spread over the whole range
    for name, v in rnn.params.items():
        assert v.dtype == np.float64 and np.unique(v).size == v.size, name


def test_xavier_init_bounds_weights_by_fan_in_plus_fan_out_and_zeros_biases():
    rnn = RNN(3, 50, num_layers=2, bidirectional=True, init="xavier", seed=1)
    for name, v in rnn.params.items():
        if name.startswith("bias"):
            np.testing.assert_array_equal(v, 0, err_msg=name)
            continue
        fan_out, fan_in = v.shape
        a = np.sqrt(6 / (fan_in + fan_out))
        assert np.all(np.abs(v) <= a), name
        assert np.max(np.abs(v)) > 0.8 * a, name
    w = init.xavier_uniform(np.random.default_rng(0), (200, 300), np.float32)
    assert w.dtype == np.float32 and w.shape == (200, 300)
    assert np.max(np.abs(w)) <= np.sqrt(6 / 500) and np.max(np.abs(w)) > 0.99 * np.sqrt(6 / 500)


@pytest.mark.parametrize("input_size,hidden_size", [(3, 5), (8, 5), (5, 5)])
def test_orthogonal_init_gives_orthonormal_rows_or_columns_and_zero_biases(input_size,
                                                                          hidden_size):
    rnn = RNN(input_size, hidden_size, num_layers=2, init="orthogonal", seed=2)
    W_hh = rnn.params["weight_hh_l0"]
    np.testing.assert_allclose(W_hh.T @ W_hh, np.eye(hidden_size), atol=1e-12)
    np.testing.assert_allclose(W_hh @ W_hh.T, np.eye(hidden_size), atol=1e-12)
    W_ih = rnn.params["weight_ih_l0"]  # (H, D): orthonormal along its shorter side
    if hidden_size >= input_size:
        np.testing.assert_allclose(W_ih.T @ W_ih, np.eye(input_size), atol=1e-12)
    else:
        np.testing.assert_allclose(W_ih @ W_ih.T, np.eye(hidden_size), atol=1e-12)
    np.testing.assert_array_equal(rnn.params["bias_hh_l1"], 0)
    # Not the identity, and not the same matrix in every layer.
    assert not np.allclose(W_hh, np.eye(hidden_size))
    assert not np.allclose(W_hh, rnn.params["weight_hh_l1"])


@pytest.mark.parametrize("measure,fn", [("spectral_radius", init.spectral_radius),
                                        ("max_singular_value", init.max_singular_value)])
@pytest.mark.parametrize("target", [0.5, 1.0, 1.7])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_scale_recurrent_brings_every_W_hh_to_the_target(measure, fn, target, dtype, tol):
    rnn = RNN(3, 8, num_layers=2, bidirectional=True, seed=4, dtype=dtype)
    before = rnn.state_dict()
    rnn.scale_recurrent(target, measure)
    for name, v in rnn.params.items():
        assert v.dtype == dtype
        if name.startswith("weight_hh"):
            assert abs(fn(v) - target) <= tol * target, name
            ratio = v / before[name]  # a rescaling: one factor for the whole matrix
            np.testing.assert_allclose(ratio, ratio.flat[0], rtol=10 * tol)
        else:
            np.testing.assert_array_equal(v, before[name], err_msg=name)


def test_spectral_radius_and_max_singular_value_of_known_matrices():
    # [[0, 2], [0, 0]] is nilpotent: radius 0, but it stretches e2 by 2.
    nilpotent = np.array([[0.0, 2.0], [0.0, 0.0]])
    assert init.spectral_radius(nilpotent) == 0.0
    assert init.max_singular_value(nilpotent) == pytest.approx(2.0)
    rotation = np.array([[0.0, -1.5], [1.5, 0.0]])  # complex eigenvalues +-1.5i
    assert init.spectral_radius(rotation) == pytest.approx(1.5)


@pytest.mark.parametrize("which", ["torch", "xavier", "orthogonal"])
def test_same_seed_gives_same_weights_and_another_seed_different_ones(which):
    a = RNN(3, 4, num_layers=2, bidirectional=True, init=which, seed=11).state_dict()
    b = RNN(3, 4, num_layers=2, bidirectional=True, init=which, seed=11).state_dict()
    c = RNN(3, 4, num_layers=2, bidirectional=True, init=which, seed=12).state_dict()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    weights = [n for n in a if n.startswith("weight")]
    assert all(not np.array_equal(a[n], c[n]) for n in weights)


def test_reset_parameters_redraws_from_the_seed_and_clears_the_cache():
    rnn, x, _ = rnn_and_input()
    first = rnn.state_dict()
    rnn(x)
    rnn.reset_parameters(seed=99)
    assert not np.array_equal(rnn.params["weight_hh_l0"], first["weight_hh_l0"])
    with pytest.raises(ValueError, match="backward: expected a forward call first"):
        rnn.backward(np.zeros((5, 3, 12)))
    rnn.reset_parameters(seed=0)
    np.testing.assert_array_equal(rnn.params["weight_hh_l0"], first["weight_hh_l0"])


def test_linear_init_within_one_over_sqrt_in_features_as_torch():
    lin = Linear(16, 40, seed=0)
    k = 1 / np.sqrt(16)
    for v in lin.params.values():
        assert np.all(np.abs(v) <= k) and np.max(np.abs(v)) > 0.8 * k
    np.testing.assert_array_equal(Linear(16, 40, seed=0).params["weight"], lin.params["weight"])
    assert "bias" not in Linear(16, 40, bias=False).params


# -- shapes, layouts, parameters -----------------------------------------------------------------

def test_seed_example_rnn_10_20_gives_output_5_3_20_and_h_n_1_3_20():
    rnn = RNN(10, 20)
    rng = np.random.default_rng(0)
    out, h_n = rnn(rng.standard_normal((5, 3, 10)), rng.standard_normal((1, 3, 20)))
    assert out.shape == (5, 3, 20) and h_n.shape == (1, 3, 20)
    np.testing.assert_array_equal(out[-1], h_n[0])


def test_seed_example_rnn_2_5_has_weights_5_2_and_5_5():
    shapes = RNN(2, 5).param_shapes()
    assert shapes == {"weight_ih_l0": (5, 2), "weight_hh_l0": (5, 5), "bias_ih_l0": (5,),
                      "bias_hh_l0": (5,)}
    assert RNN(2, 5).num_parameters() == 5 * 2 + 5 * 5 + 5 + 5


def test_deeper_layers_read_both_directions_concatenated():
    shapes = RNN(3, 4, num_layers=3, bidirectional=True, bias=False).param_shapes()
    assert list(shapes) == [f"weight_{w}_l{layer}{sfx}" for layer in range(3)
                            for sfx in ("", "_reverse") for w in ("ih", "hh")]
    assert shapes["weight_ih_l0"] == (4, 3)
    assert shapes["weight_ih_l1_reverse"] == (4, 8)  # K*H = 8
    assert shapes["weight_ih_l2"] == (4, 8)


@pytest.mark.parametrize("num_layers,bidirectional", LAYER_CASES)
def test_batch_first_output_is_the_seq_first_output_transposed(num_layers, bidirectional):
    rnn, x, h0 = rnn_and_input(num_layers, bidirectional)
    bf = RNN(4, 6, num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    bf.load_state_dict(rnn.state_dict())
    out, h_n = rnn(x, h0)
    out_bf, h_n_bf = bf(x.transpose(1, 0, 2), h0)  # h0 stays (L*K, B, H), as in torch
    np.testing.assert_array_equal(out_bf, out.transpose(1, 0, 2))
    np.testing.assert_array_equal(h_n_bf, h_n)
    G = np.random.default_rng(1).standard_normal(out.shape)
    g, g_bf = rnn.backward(G), bf.backward(G.transpose(1, 0, 2))
    np.testing.assert_allclose(g_bf["input"], g["input"].transpose(1, 0, 2), rtol=1e-13)
    np.testing.assert_allclose(g_bf["weight_hh_l0"], g["weight_hh_l0"], rtol=1e-13)


@pytest.mark.parametrize("num_layers,bidirectional", LAYER_CASES)
def test_unbatched_input_equals_a_batch_of_one(num_layers, bidirectional):
    rnn, x, h0 = rnn_and_input(num_layers, bidirectional, B=1)
    out, h_n = rnn(x, h0)
    out_u, h_n_u = rnn(x[:, 0], h0[:, 0])
    assert out_u.shape == (5, 6 * rnn.num_directions) and h_n_u.shape == h0[:, 0].shape
    np.testing.assert_allclose(out_u, out[:, 0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h_n_u, h_n[:, 0], rtol=1e-14, atol=1e-15)
    g_u = rnn.backward(np.ones_like(out_u), np.ones_like(h_n_u))
    assert g_u["input"].shape == x[:, 0].shape and g_u["h0"].shape == h0[:, 0].shape


def test_h0_none_equals_h0_zeros():
    rnn, x, h0 = rnn_and_input()
    out, h_n = rnn(x)
    out_z, h_n_z = rnn(x, np.zeros_like(h0))
    np.testing.assert_array_equal(out, out_z)
    np.testing.assert_array_equal(h_n, h_n_z)
    out_h, _ = rnn(x, h0)
    assert not np.allclose(out_h, out)  # and a given h0 is read


def test_backward_returns_state_dict_names_then_input_and_h0_with_matching_shapes():
    rnn, x, h0 = rnn_and_input()
    out, h_n = rnn(x, h0)
    grads = rnn.backward(np.ones_like(out), np.ones_like(h_n))
    assert list(grads) == list(rnn.state_dict()) + ["input", "h0"]
    for name, v in rnn.params.items():
        assert grads[name].shape == v.shape and grads[name].dtype == v.dtype, name
    assert grads["input"].shape == x.shape and grads["h0"].shape == h0.shape


def test_backward_without_grad_h_n_equals_zero_grad_h_n():
    rnn, x, h0 = rnn_and_input()
    out, h_n = rnn(x, h0)
    G = np.random.default_rng(2).standard_normal(out.shape)
    a = rnn.backward(G)
    b = rnn.backward(G, np.zeros_like(h_n))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_state_dict_round_trip_reproduces_the_output_and_returns_copies():
    rnn, x, h0 = rnn_and_input()
    out, _ = rnn(x, h0)
    state = rnn.state_dict()
    state["weight_hh_l0"][...] = 0  # editing the copy must not reach the model
    np.testing.assert_array_equal(rnn(x, h0)[0], out)
    other = RNN(4, 6, num_layers=2, bidirectional=True, seed=123)
    other.load_state_dict(rnn.state_dict())
    np.testing.assert_array_equal(other(x, h0)[0], out)


def test_load_state_dict_converts_to_the_models_dtype_and_copies():
    rnn32 = RNN(2, 3, dtype=np.float32)
    state = RNN(2, 3, seed=5).state_dict()  # float64
    rnn32.load_state_dict(state)
    for name, v in rnn32.params.items():
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, state[name].astype(np.float32))
    state["weight_ih_l0"][...] = 7.0
    assert not np.any(rnn32.params["weight_ih_l0"] == 7.0)


def test_float32_rnn_keeps_float32_everywhere():
    rnn = RNN(3, 4, num_layers=2, bidirectional=True, dtype=np.float32)
    out, h_n = rnn(np.ones((2, 1, 3)))  # float64 input is converted
    assert out.dtype == h_n.dtype == np.float32
    grads = rnn.backward(np.ones_like(out), np.ones_like(h_n))
    assert all(g.dtype == np.float32 for g in grads.values())
    assert rnn.trace(1, 1).pre.dtype == np.float32


# -- trace, grad_trace, step_jacobians ------------------------------------------------------------

def f(a, nonlinearity):
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_trace_pre_is_ih_plus_hh_plus_both_biases_and_h_is_f_of_pre(nonlinearity, bias):
    rnn, x, h0 = rnn_and_input(3, True, nonlinearity, bias)
    rnn(x, h0)
    for layer in range(3):
        for k in range(2):
            tr = rnn.trace(layer, k)
            sfx = f"_l{layer}{'_reverse' if k else ''}"
            W_ih, W_hh = rnn.params["weight_ih" + sfx], rnn.params["weight_hh" + sfx]
            np.testing.assert_allclose(tr.ih, tr.x @ W_ih.T, rtol=1e-13, atol=1e-14)
            np.testing.assert_allclose(tr.hh, tr.h_prev @ W_hh.T, rtol=1e-13, atol=1e-14)
            if bias:
                np.testing.assert_array_equal(tr.b_ih, rnn.params["bias_ih" + sfx])
                np.testing.assert_array_equal(tr.b_hh, rnn.params["bias_hh" + sfx])
            else:
                np.testing.assert_array_equal(tr.b_ih, 0)
                np.testing.assert_array_equal(tr.b_hh, 0)
            np.testing.assert_allclose(tr.pre, tr.ih + tr.hh + tr.b_ih + tr.b_hh,
                                       rtol=1e-13, atol=1e-14)
            np.testing.assert_array_equal(tr.h, f(tr.pre, nonlinearity))
            assert tr.layer == layer and tr.direction == k and tr.reverse == (k == 1)


def test_trace_h_prev_is_previous_state_forward_and_next_state_in_reverse():
    rnn, x, h0 = rnn_and_input(2, True)
    rnn(x, h0)
    for layer in range(2):
        fwd, rev = rnn.trace(layer, 0), rnn.trace(layer, 1)
        np.testing.assert_array_equal(fwd.h_prev[0], h0[2 * layer])
        np.testing.assert_array_equal(fwd.h_prev[1:], fwd.h[:-1])  # reads h_{t-1}
        np.testing.assert_array_equal(rev.h_prev[-1], h0[2 * layer + 1])
        np.testing.assert_array_equal(rev.h_prev[:-1], rev.h[1:])  # reads h_{t+1}
        np.testing.assert_array_equal(fwd.h0, h0[2 * layer])
        np.testing.assert_array_equal(rev.h0, h0[2 * layer + 1])


def test_trace_h_is_in_sequence_order_and_makes_up_the_output_and_next_layers_input():
    rnn, x, h0 = rnn_and_input(2, True)
    out, h_n = rnn(x, h0)
    np.testing.assert_array_equal(rnn.trace(0, 0).x, x)
    np.testing.assert_array_equal(rnn.trace(0, 1).x, x)
    layer0 = np.concatenate([rnn.trace(0, 0).h, rnn.trace(0, 1).h], axis=2)
    np.testing.assert_array_equal(rnn.trace(1, 0).x, layer0)
    np.testing.assert_array_equal(rnn.trace(1, 1).x, layer0)
    np.testing.assert_array_equal(out[:, :, :6], rnn.trace(1, 0).h)
    np.testing.assert_array_equal(out[:, :, 6:], rnn.trace(1, 1).h)
    np.testing.assert_array_equal(h_n[3], rnn.trace(1, 1).h[0])  # reverse finishes at t = 0


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_trace_fprime_is_the_derivative_of_f_at_pre(nonlinearity):
    rnn, x, h0 = rnn_and_input(1, True, nonlinearity)
    rnn(x, h0)
    tr = rnn.trace(0, 1)
    if nonlinearity == "tanh":
        np.testing.assert_allclose(tr.fprime, 1 / np.cosh(tr.pre) ** 2, rtol=1e-12)
    else:
        np.testing.assert_array_equal(tr.fprime, (tr.pre > 0).astype(float))
        assert 0 < tr.fprime.mean() < 1  # both branches occur in this case


def test_grad_trace_da_is_dh_times_fprime_and_dh_at_the_end_includes_grad_h_n():
    rnn, x, h0 = rnn_and_input(2, True)
    out, h_n = rnn(x, h0)
    rng = np.random.default_rng(3)
    G1, G2 = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    rnn.backward(G1, G2)
    for layer in range(2):
        for k in range(2):
            gt, tr = rnn.grad_trace(layer, k), rnn.trace(layer, k)
            np.testing.assert_allclose(gt.da, gt.dh * tr.fprime, rtol=1e-14)
            assert gt.reverse == (k == 1)
    # Top layer: the last processed step gets only G1 there and G2; nothing comes from later.
    np.testing.assert_allclose(rnn.grad_trace(1, 0).dh[-1], G1[-1, :, :6] + G2[2], rtol=1e-14)
    np.testing.assert_allclose(rnn.grad_trace(1, 1).dh[0], G1[0, :, 6:] + G2[3], rtol=1e-14)


@pytest.mark.parametrize("direction", [0, 1])
def test_step_jacobians_are_diag_fprime_times_W_hh_in_processing_order(direction):
    rnn, x, h0 = rnn_and_input(1, True)
    rnn(x, h0)
    tr = rnn.trace(0, direction)
    W_hh = rnn.params["weight_hh_l0" + ("_reverse" if direction else "")]
    J = rnn.step_jacobians(0, direction, batch=2)
    assert J.shape == (5, 6, 6)
    fprime = tr.fprime[:, 2] if direction == 0 else tr.fprime[::-1, 2]  # processing order
    for p in range(5):
        np.testing.assert_allclose(J[p], np.diag(fprime[p]) @ W_hh, rtol=1e-15)


def test_trace_and_step_jacobians_describe_the_latest_forward():
    rnn, x, h0 = rnn_and_input(1, False)
    rnn(x, h0)
    first = rnn.trace().h.copy()
    rnn(x[:2] * 2)
    assert rnn.trace().h.shape == (2, 3, 6)
    assert rnn.step_jacobians().shape == (2, 6, 6)
    assert not np.allclose(rnn.trace().h, first[:2])


# -- functional and losses: known values -----------------------------------------------------------

def test_rnn_step_forward_of_zero_weights_is_f_of_the_biases():
    B_, D_, H_ = 2, 3, 4
    b_ih, b_hh = np.linspace(-1, 1, H_), np.full(H_, 0.25)
    h, _ = rnn_core.rnn_step_forward(np.ones((B_, D_)), np.ones((B_, H_)), np.zeros((H_, D_)),
                                     np.zeros((H_, H_)), b_ih, b_hh, "relu")
    np.testing.assert_array_equal(h, np.broadcast_to(np.maximum(b_ih + b_hh, 0), (B_, H_)))


def test_softmax_sums_to_one_and_survives_huge_logits():
    z = np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(3.0), -1e308]])
    p = rnn_core.softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(p[1], [0.25, 0.75, 0.0])
    np.testing.assert_allclose(rnn_core.log_softmax(z[:1, :2]), np.log([[0.5, 0.5]]))


def test_cross_entropy_of_uniform_logits_is_log_C_and_its_grad_is_softmax_minus_onehot():
    logits, target = np.zeros((4, 5)), np.array([0, 1, 2, 4])
    loss, d = rnn_core.cross_entropy(logits, target, "mean")
    assert loss == pytest.approx(np.log(5))
    onehot = np.eye(5)[target]
    np.testing.assert_allclose(d, (0.2 - onehot) / 4)
    loss_sum, d_sum = rnn_core.cross_entropy(logits, target, "sum")
    assert loss_sum == pytest.approx(4 * np.log(5))
    np.testing.assert_allclose(d_sum, 0.2 - onehot)


def test_mse_of_a_known_difference():
    loss, d = rnn_core.mse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 4.0]))
    assert loss == pytest.approx((0 + 4 + 1) / 3)
    np.testing.assert_allclose(d, 2 * np.array([0.0, 2.0, -1.0]) / 3)
    assert rnn_core.mse(np.array([1.0, 2.0]), np.array([0.0, 0.0]), "sum")[0] == 5.0


def test_losses_accept_nested_lists():
    loss, d = rnn_core.cross_entropy([[0.0, 0.0]], [1])
    assert loss == pytest.approx(np.log(2)) and d.shape == (1, 2)
    loss, d = rnn_core.mse([1.0, 2.0], [1.0, 0.0])
    assert loss == pytest.approx(2.0) and d.shape == (2,)


def test_relative_error_is_zero_for_equal_arrays_and_cs231n_measure_otherwise():
    a = np.array([1.0, -2.0, 0.0])
    assert rnn_core.relative_error(a, a.copy()) == 0.0
    assert rnn_core.relative_error([1.0], [3.0]) == pytest.approx(0.5)  # |1-3| / (1+3)
    assert rnn_core.relative_error([0.0], [1e-12]) == pytest.approx(1e-4)  # floor 1e-8
    assert rnn_core.relative_error(np.empty(0), np.empty(0)) == 0.0


# -- the import boundary -------------------------------------------------------------------------

def test_importing_rnn_core_imports_no_third_party_module_but_numpy():
    code = ("import json, sys\n"
            "before = set(sys.modules)\n"
            "import rnn_core\n"
            "new = sorted({m.split('.')[0] for m in set(sys.modules) - before})\n"
            "print(json.dumps({'new': new, 'stdlib': sorted(sys.stdlib_module_names)}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    new, stdlib = set(report["new"]), set(report["stdlib"])
    assert {"rnn_core", "numpy"} <= new  # the probe sees what the import brings in
    third_party = sorted(new - stdlib - {"rnn_core", "numpy"})
    assert third_party == [], f"importing rnn_core imported {third_party}"
