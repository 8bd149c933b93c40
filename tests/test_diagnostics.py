"""rnn_core.diagnostics: every diagnostic that is a derivative checked against finite
differences through the public forward, clipping against torch.nn.utils, and the theory of
vanishing and exploding gradients (seed article 003) checked on numbers.

Axes: T time, B batch, D input, H hidden, S state (H, or 2H for the LSTM's [h; c]), O outputs.
Indexing as the module's: P[k] = ds_T/ds_k (k = 0..T), dh[t] = dL/dh at time step t (= s_{t+1}).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnn_core
from rnn_core import RNN, Linear
from rnn_core import diagnostics as dg

T, B, D, H, O = 6, 2, 3, 4, 5  # small and distinct, so a swapped axis fails


def rel_err(a, b) -> float:
    """max|a - b| / max|b| (the absolute error for an all-zero b)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return diff / scale if scale > 0 else diff


def make_model(cell: str, seed: int = 0, hidden: int = H, **kw):
    """An RNN (tanh or relu), or an LSTM or GRU when rnn_core has them (else skip)."""
    if cell in ("tanh", "relu"):
        return RNN(D, hidden, nonlinearity=cell, seed=seed, **kw)
    if not hasattr(rnn_core, cell):
        pytest.skip(f"rnn_core.{cell} does not exist yet")
    return getattr(rnn_core, cell)(D, hidden, seed=seed, **kw)


CELLS = ["tanh", "relu", "LSTM", "GRU"]


def inputs(seed: int = 0, shape=(T, B, D), scale: float = 1.0) -> np.ndarray:
    return scale * np.random.default_rng(seed).standard_normal(shape)


def targets(kind: str, seed: int = 0, t: int = T, b: int = B, o: int = O):
    rng = np.random.default_rng(seed + 1000)
    if kind == "ce_last":
        return rng.integers(0, o, b)
    if kind == "ce_sum":
        return rng.integers(0, o, (t, b))
    return rng.standard_normal((t, b, o))


def with_h(state, h):
    """The model state `state` (h_n, or (h_n, c_n)) with its h replaced by h (B, H)."""
    if isinstance(state, tuple):
        return (h[None].copy(), state[1].copy())
    return h[None].copy()


def flat_state(state, b: int) -> np.ndarray:
    """Sample b's state s = h, or [h; c], as one vector (S,)."""
    if isinstance(state, tuple):
        return np.concatenate([state[0][0, b], state[1][0, b]])
    return state[0, b].copy()


def unflat_state(state, b: int, s: np.ndarray):
    """`state` with sample b's s = h or [h; c] set to the vector s (S,)."""
    if isinstance(state, tuple):
        h, c = state[0].copy(), state[1].copy()
        Hh = h.shape[2]
        h[0, b], c[0, b] = s[:Hh], s[Hh:]
        return (h, c)
    out = state.copy()
    out[0, b] = s
    return out


def zero_state(model, b: int):
    z = np.zeros((1, b, model.hidden_size))
    return (z, z.copy()) if isinstance(model, getattr(rnn_core, "LSTM", ())) else z


# ---------------------------------------------------------------------------------------------
# jacobian_products and product_norms
# ---------------------------------------------------------------------------------------------

def test_products_start_from_identity_and_follow_the_recurrence_bit_for_bit():
    J = np.random.default_rng(0).standard_normal((T, H, H))
    P = dg.jacobian_products(J)
    assert P.shape == (T + 1, H, H)
    np.testing.assert_array_equal(P[T], np.eye(H))
    for k in range(T, 0, -1):
        np.testing.assert_array_equal(P[k - 1], P[k] @ J[k - 1])  # gradient multiplies on the left


@given(hnp.arrays(np.float64, st.tuples(st.integers(0, 7), st.integers(1, 5)).map(
    lambda ts: (ts[0], ts[1], ts[1])), elements=st.floats(-2, 2)))
def test_products_equal_the_ordered_product_of_the_later_factors(J):
    P = dg.jacobian_products(J)
    T_, S, _ = J.shape
    for k in range(T_ + 1):
        expected = functools.reduce(np.matmul, [J[t] for t in range(T_ - 1, k - 1, -1)],
                                    np.eye(S))  # J[T-1] J[T-2] ... J[k]
        scale = np.prod([np.linalg.norm(J[t]) for t in range(k, T_)])  # >= every |entry|
        np.testing.assert_allclose(P[k], expected, rtol=0, atol=1e-13 * (1 + scale))


def test_products_keep_float32():
    J = np.random.default_rng(0).standard_normal((T, H, H)).astype(np.float32)
    assert dg.jacobian_products(J).dtype == np.float32


@pytest.mark.parametrize("cell", CELLS)
def test_products_match_finite_differences_of_the_final_state(cell):
    """P[k] = ds_T/ds_k: perturb sample b's state after k steps, run the rest of the sequence
    through the public forward, and watch the final state move."""
    model = make_model(cell, seed=3)
    x = inputs(3)
    b, eps = 1, 1e-6
    model.forward(x)
    J = model.step_jacobians(0, 0, b)  # (T, S, S)
    P = dg.jacobian_products(J)
    S = J.shape[1]
    assert S == getattr(model, "state_size", H)
    for k in range(T):
        s_k = zero_state(model, B) if k == 0 else model.forward(x[:k])[1]
        base = flat_state(s_k, b)
        fd = np.empty((S, S))
        for j in range(S):
            e = np.zeros(S)
            e[j] = eps
            plus = flat_state(model.forward(x[k:], unflat_state(s_k, b, base + e))[1], b)
            minus = flat_state(model.forward(x[k:], unflat_state(s_k, b, base - e))[1], b)
            fd[:, j] = (plus - minus) / (2 * eps)  # column j: ds_T/ds_k[j]
        np.testing.assert_allclose(P[k], fd, rtol=1e-6, atol=1e-9, err_msg=f"k={k}")


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)).map(
    lambda ns: (ns[0], ns[1], ns[1])), elements=st.floats(-1e3, 1e3)))
def test_product_norms_are_the_spectral_and_frobenius_norms(P):
    spectral, frob = dg.product_norms(P)
    assert spectral.shape == frob.shape == (P.shape[0],)
    for k in range(P.shape[0]):
        m = np.abs(P[k]).max()
        if m == 0:
            assert spectral[k] == frob[k] == 0.0
            continue
        # numpy's own norms, of P[k] / m so their squares cannot underflow (ours are scaled too)
        np.testing.assert_allclose(spectral[k], m * np.linalg.norm(P[k] / m, 2), rtol=1e-10)
        np.testing.assert_allclose(frob[k], m * np.linalg.norm(P[k] / m, "fro"), rtol=1e-12)
    S = P.shape[1]
    assert np.all(spectral <= frob * (1 + 1e-12))  # ||P||_2 <= ||P||_F <= sqrt(S) ||P||_2
    assert np.all(frob <= math.sqrt(S) * spectral * (1 + 1e-12) + 1e-300)


def test_product_norms_do_not_overflow_before_the_true_norm_does():
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]  # orthogonal
    P = np.stack([1e300 * Q, np.zeros((3, 3)), np.full((3, 3), 1e200)])
    spectral, frob = dg.product_norms(P)
    np.testing.assert_allclose(spectral, [1e300, 0.0, 3e200], rtol=1e-12)
    np.testing.assert_allclose(frob, [math.sqrt(3) * 1e300, 0.0, 3e200], rtol=1e-12)


def test_overflowing_products_give_inf_and_nan_with_no_warning_and_say_where_it_began():
    steps = 40
    J = np.tile(np.array([[1e10, -1e10, 0], [1e10, 1e10, 0], [0, 0, 1.0]]), (steps, 1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would fail here
        P = dg.jacobian_products(J)
        spectral, frob = dg.product_norms(P)
    k0 = dg.first_nonfinite(P)
    assert k0 is not None and 0 < k0 < steps
    assert np.all(np.isfinite(P[k0 + 1:])) and not np.all(np.isfinite(P[k0]))
    # the top block is sqrt(2) e10 times a rotation: ||P[k]|| = (sqrt(2) 1e10)^(T-k) exactly
    d = steps - np.arange(k0 + 1, steps + 1)
    np.testing.assert_allclose(spectral[k0 + 1:], (math.sqrt(2) * 1e10) ** d, rtol=1e-9)
    assert np.all(~np.isfinite(spectral[:k0 + 1])) and np.all(~np.isfinite(frob[:k0 + 1]))
    assert dg.first_nonfinite(P, from_end=False) == 0
    assert np.isnan(P[0]).any() and np.isnan(spectral[0])  # inf - inf further down: NaN
    assert dg.first_nonfinite(P[k0 + 1:]) is None


def test_product_norms_say_nan_for_nan_and_inf_for_inf():
    P = np.stack([np.eye(2), np.array([[np.inf, 0], [0, 1]]), np.array([[np.nan, np.inf],
                                                                        [0, 1]])])
    spectral, frob = dg.product_norms(P)
    assert spectral[0] == 1.0 and frob[0] == math.sqrt(2)
    assert spectral[1] == frob[1] == np.inf
    assert np.isnan(spectral[2]) and np.isnan(frob[2])


@pytest.mark.parametrize("func, bad, expected", [
    (dg.jacobian_products, np.zeros((3, 2, 3)), "expected shape (T, S, S)"),
    (dg.jacobian_products, np.zeros((3, 2)), "got (3, 2)"),
    (dg.product_norms, np.zeros((0, 2, 2)), "at least one matrix"),
    (dg.product_norms, np.zeros((2, 2, 2), dtype=complex), "real numbers"),
    (dg.step_singular_values, "abc", "numeric array"),
    (dg.gradient_norms, np.zeros(4), "expected shape (T, B, H) or (T, H)"),
    (dg.singular_values, np.zeros((2, 2, 2)), "expected a matrix (M, N)"),
    (dg.singular_values, np.array([[1.0, np.inf]]), "finite values"),
    (dg.first_nonfinite, 3.0, "at least 1 dimension"),
])
def test_bad_arrays_raise_value_errors_that_name_what_was_expected(func, bad, expected):
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        func(bad)


# ---------------------------------------------------------------------------------------------
# gradient_norms: dL/dh_t against finite differences of the loss
# ---------------------------------------------------------------------------------------------

def loss_with_offset(model, head, x, kind, target, t: int, delta: np.ndarray) -> float:
    """The loss when delta (B, H) is added to h_t: outputs before t unchanged, the output at t
    moved, the steps after t run from the moved state (the public forward, split at t)."""
    out1, state_t = model.forward(x[:t + 1])  # (t+1, B, H)
    h_t = out1[t] + delta
    parts = [out1[:t], h_t[None]]
    if t + 1 < x.shape[0]:
        parts.append(model.forward(x[t + 1:], with_h(state_t, h_t))[0])
    logits = head.forward(np.concatenate(parts, axis=0))
    return dg.loss_and_grad(logits, kind, target)[0]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", dg.LOSS_KINDS)
def test_dh_and_its_norms_match_finite_differences_of_the_loss(cell, kind):
    model, head = make_model(cell, seed=5), Linear(H, O, seed=6)
    x, y = inputs(5), targets(kind, 5)
    res = dg.bptt(model, head, x, kind=kind, target=y)
    eps = 1e-6
    fd = np.empty((T, B, H))
    for t in range(T):
        for b in range(B):
            for j in range(H):
                d = np.zeros((B, H))
                d[b, j] = eps
                fd[t, b, j] = (loss_with_offset(model, head, x, kind, y, t, d)
                               - loss_with_offset(model, head, x, kind, y, t, -d)) / (2 * eps)
    assert rel_err(res.dh, fd) < 1e-7
    np.testing.assert_allclose(res.grad_norms, np.sqrt((fd ** 2).sum(axis=(1, 2))), rtol=1e-6)
    np.testing.assert_allclose(res.grad_norms, dg.gradient_norms(res.dh), rtol=0)


def test_gradient_norms_pool_batch_and_units_and_accept_unbatched():
    dh = np.zeros((2, 2, 2))
    dh[0] = [[3.0, 0.0], [0.0, 4.0]]
    dh[1, 1, 1] = -2.0
    np.testing.assert_allclose(dg.gradient_norms(dh), [5.0, 2.0])
    np.testing.assert_allclose(dg.gradient_norms(dh[:, 0, :]), [3.0, 0.0])
    np.testing.assert_allclose(dg.gradient_norms(np.full((1, 1, 2), 1e300)),
                               [math.sqrt(2) * 1e300], rtol=1e-12)  # no overflow in the squares


# ---------------------------------------------------------------------------------------------
# W_hh contributions
# ---------------------------------------------------------------------------------------------

def _dhh(gt):
    return gt.dhh if getattr(gt, "dhh", None) is not None else gt.da


@pytest.mark.parametrize("cell", CELLS)
def test_contributions_sum_to_the_weight_hh_gradient_of_every_layer_direction(cell):
    model = make_model(cell, seed=7, num_layers=2, bidirectional=True)
    x = inputs(7)
    out, _ = model.forward(x)
    grads = model.backward(np.random.default_rng(8).standard_normal(out.shape))
    for layer in range(2):
        for k, sfx in enumerate(("", "_reverse")):
            C = dg.whh_contributions(_dhh(model.grad_trace(layer, k)),
                                     model.trace(layer, k).h_prev)
            W = grads[f"weight_hh_l{layer}{sfx}"]
            assert C.shape == (T,) + W.shape
            assert rel_err(C.sum(axis=0), W) < 1e-12


@settings(max_examples=40)
@given(st.integers(1, 6), st.integers(1, 9), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 2 ** 16))
def test_contribution_norms_equal_the_norms_of_the_formed_contributions(T_, B_, G, H_, seed):
    """Both routes (Gram matrices when B is small, C formed when it is not) agree with C."""
    rng = np.random.default_rng(seed)
    dhh = rng.standard_normal((T_, B_, G))
    h_prev = rng.standard_normal((T_, B_, H_))
    h_prev[0] = 0.0  # a zero state: the first step's share is 0
    shares, norms = dg.contribution_shares(dg.whh_contributions(dhh, h_prev))
    np.testing.assert_allclose(dg.contribution_norms(dhh, h_prev), norms, rtol=1e-10,
                               atol=1e-12)
    assert norms[0] == 0.0 and shares[0] == 0.0
    if norms.sum() > 0:
        np.testing.assert_allclose(shares.sum(), 1.0, rtol=1e-12)


def test_contribution_norms_survive_large_values_and_report_overflow():
    dhh = np.full((3, 1, 2), 1e200)
    h_prev = np.full((3, 1, 4), 1e100)
    h_prev[2, 0, 0] = np.inf
    norms = dg.contribution_norms(dhh, h_prev)
    np.testing.assert_allclose(norms[:2], 1e300 * math.sqrt(8), rtol=1e-12)
    assert norms[2] == np.inf
    shares, _ = dg.contribution_shares(np.zeros((2, 3, 3)))
    np.testing.assert_array_equal(shares, [0.0, 0.0])  # nothing to share: zeros, not NaN


def test_contribution_inputs_must_agree_on_time_and_batch():
    with pytest.raises(ValueError, match=r"h_prev: expected shape \(3, 2, H\).*got \(3, 1, 4\)"):
        dg.whh_contributions(np.zeros((3, 2, 4)), np.zeros((3, 1, 4)))
    with pytest.raises(ValueError, match=r"dhh: expected shape \(T, B, G\)"):
        dg.contribution_norms(np.zeros((3, 4)), np.zeros((3, 1, 4)))


def test_vanishing_gradients_leave_the_weight_to_the_last_steps():
    """Radius 0.5: the early steps' inputs barely reach W_hh's gradient (ce_last)."""
    rnn = RNN(D, 16, seed=1)
    rnn.scale_recurrent(0.5)
    res = dg.bptt(rnn, Linear(16, O, seed=2), inputs(1, (30, B, D)), target=targets("ce_last"))
    assert res.contribution_shares[-5:].sum() > 0.9
    assert res.contribution_shares[:10].sum() < 1e-3


# ---------------------------------------------------------------------------------------------
# Clipping, against torch.nn.utils
# ---------------------------------------------------------------------------------------------

def grad_dicts(dtype=np.float64, elements=None):
    if elements is None:
        elements = st.floats(-1e3, 1e3, width=32 if dtype == np.float32 else 64)
    arrays = hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                        elements=elements)
    return st.dictionaries(st.sampled_from(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                            "head.weight"]), arrays, min_size=1, max_size=4)


def torch_clip_norm(torch, grads: dict, max_norm, norm_type):
    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype))
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return {k: p.grad.numpy() for k, p in zip(grads, params, strict=True)}, float(total)


NORM_TYPES = [1.0, 2.0, 3.5, math.inf]


@pytest.mark.torch
@settings(max_examples=40)
@given(grad_dicts(), st.floats(0.0, 1e3), st.sampled_from(NORM_TYPES))
@example({"weight_hh_l0": np.array([2.04e-197])}, 1.0, 2.0)  # the square underflows
@example({"weight_hh_l0": np.array([1e200])}, 1.0, 2.0)  # the square overflows
@example({"weight_hh_l0": np.array([1e200, 1e200]), "bias_ih_l0": np.array([1e200])}, 1.0, 3.5)
def test_clip_grad_norm_matches_torch(torch, grads, max_norm, norm_type):
    ours, total = dg.clip_grad_norm(grads, max_norm, norm_type)
    theirs, t_total = torch_clip_norm(torch, grads, max_norm, norm_type)
    np.testing.assert_allclose(total, t_total, rtol=1e-12)
    assert list(ours) == list(grads)
    for name in grads:
        assert ours[name].dtype == grads[name].dtype
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-12, atol=0)


@pytest.mark.torch
@settings(max_examples=25)
@given(grad_dicts(np.float32), st.floats(0.0, 1e3), st.sampled_from(NORM_TYPES))
def test_clip_grad_norm_matches_torch_in_float32(torch, grads, max_norm, norm_type):
    ours, total = dg.clip_grad_norm(grads, max_norm, norm_type)
    theirs, t_total = torch_clip_norm(torch, grads, max_norm, norm_type)
    np.testing.assert_allclose(total, t_total, rtol=2e-6)
    for name in grads:
        assert ours[name].dtype == np.float32
        np.testing.assert_allclose(ours[name], theirs[name], rtol=5e-6, atol=1e-30)


@pytest.mark.torch
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_with_a_nonfinite_gradient_does_what_torch_does(torch, bad, norm_type):
    grads = {"a": np.array([1.0, bad, -2.0]), "b": np.array([[3.0, 0.0]])}
    ours, total = dg.clip_grad_norm(grads, 1.0, norm_type)
    theirs, t_total = torch_clip_norm(torch, grads, 1.0, norm_type)
    np.testing.assert_array_equal(total, t_total)  # inf, or NaN (assert_array_equal: NaN == NaN)
    for name in grads:
        np.testing.assert_array_equal(ours[name], theirs[name])
    if math.isnan(bad):
        assert all(np.isnan(g).all() for g in ours.values())
    else:  # coef = 0: finite entries become 0, infinite ones NaN
        np.testing.assert_array_equal(ours["b"], [[0.0, 0.0]])
        assert np.isnan(ours["a"][1])


@pytest.mark.torch
@settings(max_examples=30)
@given(grad_dicts(elements=st.floats(allow_nan=True, allow_infinity=True, width=64)),
       st.floats(0.0, 10.0))
def test_clip_grad_value_matches_torch(torch, grads, clip_value):
    ours = dg.clip_grad_value(grads, clip_value)
    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    for name, p in zip(grads, params, strict=True):
        np.testing.assert_array_equal(ours[name], p.grad.numpy())


@given(grad_dicts(), st.floats(1e-3, 1e3))
def test_clipping_caps_the_global_norm_at_the_threshold_and_spares_small_gradients(grads,
                                                                                   max_norm):
    before = {k: v.copy() for k, v in grads.items()}
    clipped, total = dg.clip_grad_norm(grads, max_norm)
    after = math.sqrt(sum(float(np.sum(g * g)) for g in clipped.values()))
    if total > max_norm:
        np.testing.assert_allclose(after, max_norm * total / (total + 1e-6), rtol=1e-12)
        # at the threshold, short of it only by torch's 1e-6 in the denominator
        assert max_norm * (1 - 1e-6 / total) * (1 - 1e-12) <= after <= max_norm * (1 + 1e-12)
    elif total + 1e-6 <= max_norm:  # coef clamped at 1: untouched
        for k in grads:
            np.testing.assert_array_equal(clipped[k], grads[k])
    for k in grads:  # inputs never mutated, outputs never aliased
        np.testing.assert_array_equal(grads[k], before[k])
        assert not np.shares_memory(clipped[k], grads[k])
    values = dg.clip_grad_value(grads, max_norm)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
        assert np.all(np.abs(values[k]) <= max_norm)
        assert not np.shares_memory(values[k], grads[k])


# Tiny and huge norms, as torch 2.13 computes them (measured, not derived): one entry's norm is
# |x| at every order; two or more entries' powers are summed unscaled, so they underflow to 0 or
# overflow to inf (then coef = 0: every finite entry clipped to 0).
EXTREME_GRADS = {
    "one tiny entry": {"weight_hh_l0": np.array([2.04e-197])},
    "one tiny entry, negative": {"weight_hh_l0": np.array([[-2.04e-197]])},
    "one huge entry": {"weight_hh_l0": np.array([1e200])},
    "tiny entries": {"weight_hh_l0": np.array([1e-200, 2e-200]), "b": np.array([3e-200])},
    "subnormal squares": {"weight_hh_l0": np.array([1e-160, 1e-160, 1e-160])},
    "huge entries": {"weight_hh_l0": np.array([1e200, 1e200]), "b": np.array([1e200])},
    "huge beside zero": {"weight_hh_l0": np.array([1e155, 0.0])},
    "one tiny entry per tensor": {"a": np.array([1e-200]), "b": np.array([2e-200])},
    "one huge entry per tensor": {"a": np.array([1e200]), "b": np.array([1e200])},
    "float32 one tiny entry": {"weight_hh_l0": np.array([1e-25], np.float32)},
    "float32 tiny entries": {"weight_hh_l0": np.array([1e-25, 2e-25], np.float32)},
    "float32 huge entries": {"weight_hh_l0": np.array([1e25, 2e25], np.float32)},
    "float32 one huge entry": {"weight_hh_l0": np.array([3e38], np.float32)},
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(EXTREME_GRADS))
@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("foreach", [False, True])
def test_clip_grad_norm_of_tiny_and_huge_gradients_matches_torch(torch, name, norm_type,
                                                                 foreach):
    grads = EXTREME_GRADS[name]
    ours, total = dg.clip_grad_norm(grads, 1.0, norm_type)
    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype))
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    t_total = float(torch.nn.utils.clip_grad_norm_(params, 1.0, norm_type=norm_type,
                                                   foreach=foreach))
    rtol = 1e-6 if grads[next(iter(grads))].dtype == np.float32 else 1e-12
    np.testing.assert_allclose(total, t_total, rtol=rtol, atol=0)  # inf == inf, 0 == 0
    for k, p in zip(grads, params, strict=True):
        assert ours[k].dtype == grads[k].dtype
        np.testing.assert_allclose(ours[k], p.grad.numpy(), rtol=rtol, atol=0)


def test_clip_grad_norm_of_one_tiny_entry_is_that_entry_not_zero():
    # |x|^2 = 4e-394 underflows; the norm of one entry is |x| (torch's answer)
    for p in NORM_TYPES:
        clipped, total = dg.clip_grad_norm({"w": np.array([[-2.04e-197]])}, 1.0, p)
        assert total == 2.04e-197
        np.testing.assert_array_equal(clipped["w"], [[-2.04e-197]])  # coef 1: untouched


def test_clip_grad_norm_of_one_huge_entry_is_finite_and_clips_to_the_threshold():
    clipped, total = dg.clip_grad_norm({"w": np.array([1e200])}, 1.0)
    assert total == 1e200
    np.testing.assert_allclose(clipped["w"], [1.0], rtol=1e-15)
    # two huge entries overflow, as in torch: total inf, every finite entry clipped to 0
    clipped, total = dg.clip_grad_norm({"w": np.array([1e200, -1e200])}, 1.0)
    assert total == math.inf
    np.testing.assert_array_equal(clipped["w"], [0.0, 0.0])


def test_clip_grad_norm_of_nothing_is_zero():
    assert dg.clip_grad_norm({}, 1.0) == ({}, 0.0)


@pytest.mark.parametrize("call, expected", [
    (lambda: dg.clip_grad_norm([np.ones(2)], 1.0), "grads: expected a dict"),
    (lambda: dg.clip_grad_norm({"a": np.ones(2)}, -1.0), "max_norm: expected a real number >= 0"),
    (lambda: dg.clip_grad_norm({"a": np.ones(2)}, float("nan")), "max_norm"),
    (lambda: dg.clip_grad_norm({"a": np.ones(2)}, 1.0, norm_type=0), "norm_type: expected"),
    (lambda: dg.clip_grad_norm({"a": np.ones(2)}, 1.0, norm_type="two"), "norm_type"),
    (lambda: dg.clip_grad_norm({"a": np.ones(0)}, 1.0, norm_type="inf"), "non-empty"),
    (lambda: dg.clip_grad_norm({"a": np.array(["x"])}, 1.0), r"grads\['a'\]: expected a numer"),
    (lambda: dg.clip_grad_value({"a": np.ones(2)}, -0.5), "clip_value: expected"),
])
def test_clipping_refuses_bad_arguments(call, expected):
    with pytest.raises(ValueError, match=expected):
        call()


# ---------------------------------------------------------------------------------------------
# Bounds, singular values, regimes
# ---------------------------------------------------------------------------------------------

def test_norm_bound_is_the_rate_to_the_distance():
    np.testing.assert_allclose(dg.norm_bound(1.0, 0.5, 3), [0.125, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(dg.norm_bound(0.25, 8.0, 2), [4.0, 2.0, 1.0])
    np.testing.assert_array_equal(dg.norm_bound(0.0, 3.0, 2), [0.0, 0.0, 1.0])
    assert dg.norm_bound(1.0, 1e10, 40)[0] == np.inf  # overflow is a value, not an error
    with pytest.raises(ValueError, match="T: expected an integer >= 0, got -1"):
        dg.norm_bound(1.0, 1.0, -1)
    with pytest.raises(ValueError, match="sigma_max: expected a finite number >= 0"):
        dg.norm_bound(1.0, -2.0, 3)


@settings(max_examples=30)
@given(st.sampled_from(CELLS), st.floats(0.2, 2.5), st.integers(1, 25), st.integers(0, 1000),
       st.floats(0.01, 3.0))
def test_norm_bound_is_above_the_product_norm_at_every_distance(cell, radius, steps, seed,
                                                                 x_scale):
    """||J_T ... J_{k+1}||_2 <= prod ||J_t||_2 <= (max|f'| sigma_max)^(T-k)."""
    if cell in ("LSTM", "GRU") and not hasattr(rnn_core, cell):
        return  # nothing to check until the cell exists
    model = make_model(cell, seed=seed)
    model.scale_recurrent(radius)
    res = dg.bptt(model, Linear(H, O, seed=seed), inputs(seed, (steps, B, D), x_scale))
    assert np.all(res.product_spectral <= res.bound * (1 + 1e-9) + 1e-300)
    expected_source = "weight_hh" if cell in ("tanh", "relu") else "step_jacobians"
    assert res.bound_source == expected_source
    if cell in ("tanh", "relu"):
        np.testing.assert_allclose(res.bound_rate, res.whh_singular_values[0], rtol=1e-12)


def test_singular_values_are_those_of_numpy_largest_first():
    W = np.random.default_rng(0).standard_normal((12, 3))  # an LSTM-like (4H, H)
    sv = dg.singular_values(W)
    assert sv.shape == (3,)
    np.testing.assert_allclose(sv, np.linalg.svd(W, compute_uv=False), rtol=1e-14)
    assert np.all(np.diff(sv) <= 0)
    np.testing.assert_allclose(sv[0], dg.max_singular_value(W), rtol=1e-14)


def test_step_singular_values_are_each_steps_and_nan_for_a_nonfinite_step():
    J = np.random.default_rng(1).standard_normal((4, 3, 3))
    J[2, 0, 0] = np.nan
    sv = dg.step_singular_values(J)
    assert sv.shape == (4, 3)
    for t in (0, 1, 3):
        np.testing.assert_allclose(sv[t], np.linalg.svd(J[t], compute_uv=False), rtol=1e-13)
    assert np.isnan(sv[2]).all()


def test_a_near_linear_tanh_step_has_the_singular_values_of_w_hh():
    rnn = RNN(D, H, init="xavier", seed=2)  # zero biases
    res = dg.bptt(rnn, Linear(H, O), inputs(2, scale=1e-4))
    np.testing.assert_allclose(res.step_singular_values,
                               np.tile(res.whh_singular_values, (T, 1)), rtol=1e-6)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid"])
def test_max_abs_derivative_is_the_supremum_of_the_derivative(nonlinearity):
    a = np.linspace(-6, 6, 120001)
    s = 1 / (1 + np.exp(-a))
    fprime = {"tanh": 1 - np.tanh(a) ** 2, "relu": (a > 0).astype(float),
              "sigmoid": s * (1 - s)}[nonlinearity]
    bound = dg.max_abs_derivative(nonlinearity)
    assert np.all(fprime <= bound + 1e-15)
    np.testing.assert_allclose(fprime.max(), bound, rtol=1e-9)  # attained: the bound is tight


def test_max_abs_derivative_refuses_unknown_functions():
    with pytest.raises(ValueError, match=r"nonlinearity: expected one of .*got 'gelu'"):
        dg.max_abs_derivative("gelu")


@pytest.mark.parametrize("value, expected", [
    (0.0, "vanishing"), (0.94, "vanishing"), (0.95, "near-critical"), (1.0, "near-critical"),
    (1.05, "near-critical"), (1.06, "exploding"), (math.inf, "exploding"),
])
def test_regime_splits_at_one_plus_minus_tol(value, expected):
    assert dg.regime(value) == expected


@given(st.floats(0, 10), st.floats(0, 10), st.floats(0, 0.9))
def test_regime_is_monotone_in_the_value(a, b, tol):
    lo, hi = sorted((a, b))
    assert dg.REGIMES.index(dg.regime(lo, tol)) <= dg.REGIMES.index(dg.regime(hi, tol))


@pytest.mark.parametrize("value, tol, expected", [
    (-0.1, 0.05, "value: expected a real number >= 0"), (math.nan, 0.05, "value"),
    ("1", 0.05, "value"), (1.0, 1.0, r"tol: expected a number in \[0, 1\)"),
])
def test_regime_refuses_bad_values(value, tol, expected):
    with pytest.raises(ValueError, match=expected):
        dg.regime(value, tol)


def test_spectral_radius_is_reexported():
    W = np.array([[0.0, 2.0], [0.5, 0.0]])  # eigenvalues +-1, largest singular value 2
    assert dg.spectral_radius(W) == pytest.approx(1.0)
    assert dg.max_singular_value(W) == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# The theory, on numbers (seed article 003)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("radius, x_scale", [
    (0.7, 1e-3), (1.0, 1e-3),
    (1.3, 1e-6),  # 1.3^25 ~ 700: the state grows, so the inputs start smaller to stay linear
])
def test_near_linear_tanh_products_track_powers_of_w_hh(radius, x_scale):
    """Small inputs, zero biases: f'(a) ~ 1, so ds_T/ds_k ~ W_hh^(T-k)."""
    steps = 25
    rnn = RNN(D, 8, init="xavier", seed=4)  # zero biases
    rnn.scale_recurrent(radius)
    res = dg.bptt(rnn, Linear(8, O, seed=5), inputs(4, (steps, B, D), scale=x_scale))
    W = rnn.params["weight_hh_l0"]
    for k in range(steps + 1):
        power = np.linalg.norm(np.linalg.matrix_power(W, steps - k), 2)
        assert abs(res.product_spectral[k] / power - 1) < 1e-2, f"k={k}"


@pytest.mark.parametrize("seed", range(4))
def test_contractive_tanh_gradients_fall_geometrically_with_distance_from_the_loss(seed):
    steps = 40
    rnn = RNN(D, 16, seed=seed)
    rnn.scale_recurrent(0.8)
    res = dg.bptt(rnn, Linear(16, O, seed=seed + 100), inputs(seed, (steps, B, D)),
                  kind="ce_last", target=targets("ce_last", seed))
    norms = res.grad_norms[::-1]  # by distance from the last step, where the loss is
    slope = np.polyfit(np.arange(steps), np.log(norms), 1)[0]
    assert slope < 0
    ratios = norms[1:] / norms[:-1]
    assert np.all(ratios[3:] < 1)
    assert norms[-1] < 1e-3 * norms[0]
    assert dg.regime(dg.spectral_radius(rnn.params["weight_hh_l0"])) == "vanishing"


def positive_relu_rnn(seed: int, radius: float, hidden: int = 16) -> RNN:
    """Nonnegative weights and positive biases: with positive inputs every unit is active, so
    J_t = W_hh exactly, and by Perron-Frobenius W_hh's radius is a positive eigenvalue."""
    rnn = RNN(D, hidden, nonlinearity="relu", seed=seed)
    rnn.load_state_dict({k: np.abs(v) + (0.01 if k.startswith("bias") else 0.0)
                         for k, v in rnn.state_dict().items()})
    rnn.scale_recurrent(radius)
    return rnn


@pytest.mark.parametrize("seed", range(4))
def test_expansive_relu_gradients_grow_with_distance_at_the_spectral_radius(seed):
    steps = 40
    rnn = positive_relu_rnn(seed, 1.2)
    x = np.random.default_rng(seed).uniform(0.1, 1.0, (steps, B, D))
    res = dg.bptt(rnn, Linear(16, O, seed=seed + 100), x, target=targets("ce_last", seed))
    assert np.all(rnn.trace().fprime == 1.0)  # the positive regime held
    norms = res.grad_norms[::-1]
    slope = np.polyfit(np.arange(steps), np.log(norms), 1)[0]
    assert slope > 0
    ratios = norms[1:] / norms[:-1]
    assert np.all(ratios[5:] > 1)
    np.testing.assert_allclose(ratios[15:], 1.2, rtol=1e-3)  # the Perron eigenvalue takes over
    assert dg.regime(1.2) == "exploding"


def test_exploding_products_overflow_to_inf_without_crashing_or_warning():
    """Zero inputs keep a tanh RNN at h = 0 (f' = 1), so P[k] = W_hh^(T-k) with a radius of 50
    overflows float64 after about 180 steps; the backward's dL/dh_t does too."""
    steps = 260
    rnn = RNN(D, H, init="orthogonal", seed=0)  # zero biases; orthogonal: ||W^n|| = 50^n
    rnn.scale_recurrent(50.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = dg.bptt(rnn, Linear(H, O, seed=1), np.zeros((steps, B, D)))
    k0 = res.first_nonfinite
    assert k0 is not None and steps - 200 < k0 < steps - 170
    d = steps - np.arange(k0 + 1, steps + 1)
    np.testing.assert_allclose(res.product_spectral[k0 + 1:], 50.0 ** d, rtol=1e-9)
    assert not np.isfinite(res.product_spectral[k0])
    assert res.first_nonfinite_dh is not None
    assert np.all(np.isfinite(res.grad_norms[res.first_nonfinite_dh + 1:]))
    assert not np.isfinite(res.grad_norms[res.first_nonfinite_dh])
    assert res.bound[0] == np.inf
    assert np.all(res.bound[k0 + 1:] * (1 + 1e-9) >= res.product_spectral[k0 + 1:])


def test_a_forward_that_overflows_is_refused_with_the_step():
    rnn = positive_relu_rnn(0, 1e3)
    with pytest.raises(ValueError, match=r"forward: expected finite outputs, got inf/NaN from "
                                         r"time step \d+"):
        dg.bptt(rnn, Linear(16, O), np.ones((200, 1, D)))


# ---------------------------------------------------------------------------------------------
# loss_and_grad
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", dg.LOSS_KINDS)
def test_loss_gradient_matches_finite_differences(kind):
    z = inputs(9, (T, B, O))
    y = targets(kind, 9)
    loss, dz = dg.loss_and_grad(z, kind, y)
    assert dz.shape == z.shape
    eps = 1e-6
    fd = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        fd[idx] = (dg.loss_and_grad(zp, kind, y)[0] - dg.loss_and_grad(zm, kind, y)[0]) / (2 * eps)
    assert rel_err(dz, fd) < 1e-7
    if kind == "ce_last":
        assert np.all(dz[:-1] == 0)


@pytest.mark.torch
@pytest.mark.parametrize("kind", dg.LOSS_KINDS)
def test_losses_are_the_torch_expressions_in_the_docstring(torch, kind):
    F = torch.nn.functional
    z = inputs(10, (T, B, O))
    y = targets(kind, 10)
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.from_numpy(y)
    if kind == "ce_last":
        ref = F.cross_entropy(zt[-1], yt)
    elif kind == "ce_sum":
        ref = F.cross_entropy(zt.flatten(0, 1), yt.flatten(), reduction="sum") / B
    else:
        ref = F.mse_loss(zt, yt)
    ref.backward()
    loss, dz = dg.loss_and_grad(z, kind, y)
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    assert rel_err(dz, zt.grad.numpy()) < 1e-12


@pytest.mark.parametrize("logits, kind, target, expected", [
    (np.zeros((T, B, O)), "ce_first", np.zeros(B, int), "kind: expected one of"),
    (np.zeros((B, O)), "ce_last", np.zeros(B, int), r"logits: expected shape \(T, B, O\)"),
    (np.zeros((T, B, O)), "ce_last", np.zeros((T, B), int), r"target: expected shape \(2,\)"),
    (np.zeros((T, B, O)), "ce_sum", np.zeros(B, int), r"target: expected shape \(6, 2\)"),
    (np.zeros((T, B, O)), "mse", np.zeros((T, B)), r"target: expected shape \(6, 2, 5\)"),
    (np.full((T, B, O), np.nan), "mse", np.zeros((T, B, O)), "logits: expected finite"),
])
def test_loss_and_grad_refuses_bad_input(logits, kind, target, expected):
    with pytest.raises(ValueError, match=expected):
        dg.loss_and_grad(logits, kind, target)


# ---------------------------------------------------------------------------------------------
# bptt: the whole run
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
def test_bptt_grads_are_the_model_and_head_gradients(cell):
    model, head = make_model(cell, seed=11), Linear(H, O, seed=12)
    x, y = inputs(11), targets("ce_sum", 11)
    res = dg.bptt(model, head, x, kind="ce_sum", target=y)
    loss, dz = dg.loss_and_grad(head.forward(model.forward(x)[0]), "ce_sum", y)
    hg = head.backward(dz)
    mg = model.backward(hg["input"])
    assert res.loss == loss
    assert set(res.grads) == set(model.param_shapes()) | {"head.weight", "head.bias"}
    for name in model.param_shapes():
        np.testing.assert_array_equal(res.grads[name], mg[name])
    np.testing.assert_array_equal(res.grads["head.weight"], hg["weight"])
    gt, tr = model.grad_trace(), model.trace()
    np.testing.assert_array_equal(res.dh, gt.dh)
    np.testing.assert_array_equal(res.step_jacobians, model.step_jacobians(0, 0, 0))
    np.testing.assert_allclose(res.contribution_shares,
                               dg.contribution_shares(dg.whh_contributions(_dhh(gt),
                                                                           tr.h_prev))[0],
                               rtol=1e-10, atol=1e-15)
    S = res.step_jacobians.shape[1]
    assert res.product_spectral.shape == res.bound.shape == (T + 1,)
    assert res.step_singular_values.shape == (T, S)
    assert res.first_nonfinite is None and res.first_nonfinite_dh is None


@pytest.mark.torch
@pytest.mark.parametrize("kind", dg.LOSS_KINDS)
def test_bptt_grads_match_torch_end_to_end(torch, kind):
    rnn, head = RNN(D, H, seed=13), Linear(H, O, seed=14)
    x, y = inputs(13), targets(kind, 13)
    res = dg.bptt(rnn, head, x, kind=kind, target=y)
    mod = torch.nn.RNN(D, H, dtype=torch.float64)
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in rnn.state_dict().items()})
    lin = torch.nn.Linear(H, O, dtype=torch.float64)
    lin.load_state_dict({k: torch.from_numpy(v) for k, v in head.state_dict().items()})
    z = lin(mod(torch.from_numpy(x))[0])
    F, yt = torch.nn.functional, torch.from_numpy(y)
    if kind == "ce_last":
        loss = F.cross_entropy(z[-1], yt)
    elif kind == "ce_sum":
        loss = F.cross_entropy(z.flatten(0, 1), yt.flatten(), reduction="sum") / B
    else:
        loss = F.mse_loss(z, yt)
    loss.backward()
    assert res.loss == pytest.approx(loss.item(), rel=1e-12)
    for name, p in mod.named_parameters():
        assert rel_err(res.grads[name], p.grad.numpy()) < 1e-10, name
    for name, p in lin.named_parameters():
        assert rel_err(res.grads["head." + name], p.grad.numpy()) < 1e-10, name


def test_bptt_reads_batch_first_and_unbatched_input_like_time_major():
    x, y = inputs(15), targets("ce_sum", 15)
    ref = dg.bptt(RNN(D, H, seed=15), Linear(H, O, seed=16), x, kind="ce_sum", target=y)
    bf = dg.bptt(RNN(D, H, seed=15, batch_first=True), Linear(H, O, seed=16),
                 x.transpose(1, 0, 2), kind="ce_sum", target=y)
    for field in ("dh", "grad_norms", "product_spectral", "contribution_shares"):
        np.testing.assert_allclose(getattr(bf, field), getattr(ref, field), rtol=1e-13)
    one = dg.bptt(RNN(D, H, seed=15), Linear(H, O, seed=16), x[:, 0], kind="ce_sum",
                  target=y[:, :1])
    ref1 = dg.bptt(RNN(D, H, seed=15), Linear(H, O, seed=16), x[:, :1], kind="ce_sum",
                   target=y[:, :1])
    np.testing.assert_allclose(one.dh, ref1.dh, rtol=1e-13)
    assert one.loss == pytest.approx(ref1.loss, rel=1e-13)


def test_bptt_uses_the_initial_state_and_the_chosen_layer_direction_and_sample():
    model = RNN(D, H, num_layers=2, bidirectional=True, seed=17)
    head = Linear(2 * H, O, seed=18)
    h0 = inputs(17, (4, B, H), 0.5)
    res = dg.bptt(model, head, inputs(17), state0=h0, layer=1, direction=1, batch=1)
    np.testing.assert_array_equal(model.trace(1, 1).h0, h0[3])  # row l*K + k = 3
    np.testing.assert_array_equal(res.dh, model.grad_trace(1, 1).dh)
    np.testing.assert_array_equal(res.step_jacobians, model.step_jacobians(1, 1, 1))
    np.testing.assert_allclose(res.whh_singular_values,
                               dg.singular_values(model.params["weight_hh_l1_reverse"]))
    with pytest.raises(ValueError, match="layer: expected 0..1, got 2"):
        dg.bptt(model, head, inputs(17), layer=2)


def test_bptt_result_is_frozen_and_its_arrays_read_only():
    rnn = RNN(D, H, seed=19)
    res = dg.bptt(rnn, Linear(H, O), inputs(19))
    with pytest.raises(AttributeError):
        res.loss = 0.0
    for arr in (res.dh, res.grad_norms, res.product_spectral, res.bound, res.step_jacobians,
                res.grads["weight_hh_l0"]):
        with pytest.raises(ValueError):
            arr[...] = 0.0
    rnn.grad_trace().dh[...] = 0.0  # the model's own arrays stay the model's
    assert np.any(res.dh != 0)


def test_bptt_default_targets_are_class_zero_and_zeros():
    rnn, head = RNN(D, H, seed=20), Linear(H, O, seed=21)
    x = inputs(20)
    for kind, y in (("ce_last", np.zeros(B, int)), ("ce_sum", np.zeros((T, B), int)),
                    ("mse", np.zeros((T, B, O)))):
        assert dg.bptt(rnn, head, x, kind=kind).loss == dg.bptt(rnn, head, x, kind=kind,
                                                                target=y).loss
