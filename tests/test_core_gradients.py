"""Every gradient of the core against central differences, and the vectorised sequence
functions against a plain step-by-step reference loop built on rnn_step_forward/backward."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import rnn_core
from rnn_core import RNN, Linear, functional, numerical_gradient, relative_error

# Central differences on float64 smooth functions agree to ~1e-8 per entry; entries whose
# gradient is tiny lose a few more digits to cancellation, hence 1e-5 (a wrong gradient is ~1).
FD_TOL = 1e-5
EXACT = dict(rtol=1e-12, atol=1e-12)  # same arithmetic, possibly summed in another order


# -- the reference loop ------------------------------------------------------------------------

def reference_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity):
    """One step at a time with rnn_step_forward. x (T, B, D), h0 (B, H) -> h (T, B, H)."""
    hs, caches, h = [], [], h0
    for t in range(x.shape[0]):
        h, cache = functional.rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh, nonlinearity)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def reference_backward(dout, dh_n, caches):
    """BPTT one step at a time with rnn_step_backward, summing the weights' gradients."""
    T_ = len(caches)
    carry = np.zeros_like(dout[0]) if dh_n is None else dh_n
    dx, dh = [None] * T_, [None] * T_
    sums = None
    for t in range(T_ - 1, -1, -1):
        dh[t] = dout[t] + carry
        step = functional.rnn_step_backward(dh[t], caches[t])
        dx[t], carry = step[0], step[1]
        weight_grads = step[2:]
        sums = list(weight_grads) if sums is None else [
            None if s is None else s + g for s, g in zip(sums, weight_grads, strict=True)]
    return np.stack(dx), carry, sums, np.stack(dh)


def layer_params(rng, D_, H_, bias):
    W_ih = rng.standard_normal((H_, D_)) * 0.5
    W_hh = rng.standard_normal((H_, H_)) * 0.5
    b_ih = rng.standard_normal(H_) * 0.5 if bias else None
    b_hh = rng.standard_normal(H_) * 0.5 if bias else None
    return W_ih, W_hh, b_ih, b_hh


NL_BIAS = list(itertools.product(("tanh", "relu"), (True, False)))
NL_BIAS_IDS = [f"{nl}-{'bias' if b else 'nobias'}" for nl, b in NL_BIAS]


@pytest.mark.parametrize("nonlinearity,bias", NL_BIAS, ids=NL_BIAS_IDS)
def test_rnn_forward_equals_step_by_step_reference_loop(nonlinearity, bias):
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((6, 3, 4)), rng.standard_normal((3, 5))
    W_ih, W_hh, b_ih, b_hh = layer_params(rng, 4, 5, bias)
    h, cache = functional.rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    h_ref, step_caches = reference_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    np.testing.assert_allclose(h, h_ref, **EXACT)
    # The cache's terms are the step's terms.
    np.testing.assert_allclose(cache.pre, np.stack([c[4] for c in step_caches]), **EXACT)
    np.testing.assert_allclose(cache.ih, x @ W_ih.T, **EXACT)
    h_prev = np.concatenate([h0[None], h[:-1]])
    np.testing.assert_allclose(cache.hh, h_prev @ W_hh.T, **EXACT)


@pytest.mark.parametrize("with_dh_n", [True, False], ids=["dh_n", "no_dh_n"])
@pytest.mark.parametrize("nonlinearity,bias", NL_BIAS, ids=NL_BIAS_IDS)
def test_rnn_backward_equals_step_by_step_reference_loop(nonlinearity, bias, with_dh_n):
    rng = np.random.default_rng(1)
    x, h0 = rng.standard_normal((6, 3, 4)), rng.standard_normal((3, 5))
    W_ih, W_hh, b_ih, b_hh = layer_params(rng, 4, 5, bias)
    h, cache = functional.rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    dout = rng.standard_normal(h.shape)
    dh_n = rng.standard_normal(h0.shape) if with_dh_n else None
    g = functional.rnn_backward(dout, dh_n, cache)

    _, step_caches = reference_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    dx, dh0, (dW_ih, dW_hh, db_ih, db_hh), dh = reference_backward(dout, dh_n, step_caches)
    np.testing.assert_allclose(g.dx, dx, **EXACT)
    np.testing.assert_allclose(g.dh0, dh0, **EXACT)
    np.testing.assert_allclose(g.dW_ih, dW_ih, **EXACT)
    np.testing.assert_allclose(g.dW_hh, dW_hh, **EXACT)
    np.testing.assert_allclose(g.dh, dh, **EXACT)
    np.testing.assert_allclose(g.da, dh * cache.fprime, **EXACT)
    if bias:
        np.testing.assert_allclose(g.db_ih, db_ih, **EXACT)
        np.testing.assert_allclose(g.db_hh, db_hh, **EXACT)
    else:
        assert g.db_ih is None and g.db_hh is None and db_ih is None


# -- finite differences: the functional layer ----------------------------------------------------

def fd_check(loss, arrays: dict, analytic: dict, tol=FD_TOL) -> None:
    """Every entry of every array in `arrays` against `analytic`, by central differences."""
    errors = {}
    for name, arr in arrays.items():
        numeric = numerical_gradient(loss, arr, np.arange(arr.size))
        errors[name] = relative_error(np.asarray(analytic[name]).reshape(-1), numeric)
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"finite-difference error above {tol}: {bad}"


@pytest.mark.parametrize("nonlinearity,bias", NL_BIAS, ids=NL_BIAS_IDS)
def test_rnn_step_backward_matches_finite_differences(nonlinearity, bias):
    rng = np.random.default_rng(2)
    x, prev_h = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    W_ih, W_hh, b_ih, b_hh = layer_params(rng, 4, 5, True)
    if not bias:
        b_ih = b_hh = None
    G = rng.standard_normal((3, 5))

    def loss():
        next_h, _ = functional.rnn_step_forward(x, prev_h, W_ih, W_hh, b_ih, b_hh, nonlinearity)
        return float(np.sum(next_h * G))

    _, cache = functional.rnn_step_forward(x, prev_h, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    dx, dprev_h, dW_ih, dW_hh, db_ih, db_hh = functional.rnn_step_backward(G, cache)
    arrays = {"x": x, "prev_h": prev_h, "W_ih": W_ih, "W_hh": W_hh}
    analytic = {"x": dx, "prev_h": dprev_h, "W_ih": dW_ih, "W_hh": dW_hh}
    if bias:
        arrays.update(b_ih=b_ih, b_hh=b_hh)
        analytic.update(b_ih=db_ih, b_hh=db_hh)
    else:
        assert db_ih is None and db_hh is None
    fd_check(loss, arrays, analytic)


@pytest.mark.parametrize("nonlinearity,bias", NL_BIAS, ids=NL_BIAS_IDS)
def test_rnn_backward_matches_finite_differences(nonlinearity, bias):
    rng = np.random.default_rng(3)
    x, h0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((2, 4))
    W_ih, W_hh, b_ih, b_hh = layer_params(rng, 3, 4, bias)
    G1, G2 = rng.standard_normal((5, 2, 4)), rng.standard_normal((2, 4))

    def loss():
        h, _ = functional.rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
        return float(np.sum(h * G1) + np.sum(h[-1] * G2))

    _, cache = functional.rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    g = functional.rnn_backward(G1, G2, cache)
    arrays = {"x": x, "h0": h0, "W_ih": W_ih, "W_hh": W_hh}
    analytic = {"x": g.dx, "h0": g.dh0, "W_ih": g.dW_ih, "W_hh": g.dW_hh}
    if bias:
        arrays.update(b_ih=b_ih, b_hh=b_hh)
        analytic.update(b_ih=g.db_ih, b_hh=g.db_hh)
    fd_check(loss, arrays, analytic)


# -- finite differences: rnn_core.RNN through check_rnn_gradients --------------------------------

LAYOUTS = ("seq_first", "batch_first", "unbatched")
RNN_CONFIGS = list(itertools.product(("tanh", "relu"), (True, False), (1, 2, 3), (False, True),
                                     LAYOUTS))


def rnn_case(nonlinearity, bias, num_layers, bidirectional, layout, seed, with_h0):
    rnn = RNN(3, 4, num_layers=num_layers, nonlinearity=nonlinearity, bias=bias,
              bidirectional=bidirectional, batch_first=layout == "batch_first", seed=seed)
    rng = np.random.default_rng(seed)
    LK = num_layers * rnn.num_directions
    if layout == "unbatched":
        x, h0_shape = rng.standard_normal((4, 3)), (LK, 4)
    else:
        x = rng.standard_normal((2, 4, 3) if layout == "batch_first" else (4, 2, 3))
        h0_shape = (LK, 2, 4)
    return rnn, x, (rng.standard_normal(h0_shape) if with_h0 else None)


@pytest.mark.parametrize("config", RNN_CONFIGS,
                         ids=["-".join(str(v) for v in c) for c in RNN_CONFIGS])
def test_check_rnn_gradients_every_tensor_matches_finite_differences(config):
    seed = RNN_CONFIGS.index(config)
    rnn, x, h0 = rnn_case(*config, seed=seed, with_h0=seed % 2 == 0)
    errors = rnn_core.check_rnn_gradients(rnn, x, h0, seed=seed, max_entries=8)
    assert set(errors) == set(rnn.param_shapes()) | {"input", "h0"}
    bad = {k: v for k, v in errors.items() if not v < FD_TOL}
    assert not bad, bad


def test_check_rnn_gradients_reports_a_wrong_backward():
    """The checker itself must be able to fail: a backward that is off by 1% in one tensor."""
    rnn, x, h0 = rnn_case("tanh", True, 2, True, "seq_first", seed=0, with_h0=True)
    true_backward = rnn.backward

    def wrong_backward(grad_output, grad_h_n=None):
        grads = true_backward(grad_output, grad_h_n)
        grads["weight_hh_l1_reverse"] = grads["weight_hh_l1_reverse"] * 1.01
        return grads

    rnn.backward = wrong_backward
    errors = rnn_core.check_rnn_gradients(rnn, x, h0, max_entries=None)
    assert errors["weight_hh_l1_reverse"] > 1e-3
    assert max(v for k, v in errors.items() if k != "weight_hh_l1_reverse") < FD_TOL


def test_check_rnn_gradients_leaves_parameters_and_cache_as_they_were():
    rnn, x, h0 = rnn_case("tanh", True, 1, False, "seq_first", seed=1, with_h0=True)
    before = rnn.state_dict()
    out, _ = rnn.forward(x, h0)
    rnn_core.check_rnn_gradients(rnn, x, h0, max_entries=None)
    for name, value in rnn.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    np.testing.assert_array_equal(rnn.trace().h, out)
    np.testing.assert_array_equal(rnn.trace().x, x)


def test_numerical_gradient_of_a_cubic_equals_its_derivative_and_restores_x():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4))
    original = x.copy()
    numeric = numerical_gradient(lambda: float(np.sum(x ** 3)), x, [0, 5, 11])
    np.testing.assert_allclose(numeric, 3 * original.reshape(-1)[[0, 5, 11]] ** 2,
                               rtol=1e-7, atol=1e-8)  # sum(x**3) cancels ~1e-10
    np.testing.assert_array_equal(x, original)


# -- finite differences: Linear and the losses --------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(), (4,), (3, 4)], ids=["vector", "batch", "time_batch"])
def test_linear_backward_matches_finite_differences(bias, lead):
    lin = Linear(5, 3, bias=bias, seed=1)
    rng = np.random.default_rng(5)
    x = rng.standard_normal(lead + (5,))
    G = rng.standard_normal(lead + (3,))

    def loss():
        return float(np.sum(lin(x) * G))

    lin(x)
    grads = lin.backward(G)
    arrays = {"input": x, **lin.params}  # the live parameter arrays, perturbed in place
    fd_check(loss, arrays, grads)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_gradient_matches_finite_differences(reduction):
    rng = np.random.default_rng(6)
    logits = rng.standard_normal((3, 2, 5)) * 2
    target = rng.integers(0, 5, size=(3, 2))
    _, dlogits = rnn_core.cross_entropy(logits, target, reduction)
    fd_check(lambda: rnn_core.cross_entropy(logits, target, reduction)[0],
             {"logits": logits}, {"logits": dlogits})


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_gradient_matches_finite_differences(reduction):
    rng = np.random.default_rng(7)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    _, dpred = rnn_core.mse(pred, target, reduction)
    fd_check(lambda: rnn_core.mse(pred, target, reduction)[0], {"pred": pred}, {"pred": dpred})


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_backward_match_finite_differences(which):
    rng = np.random.default_rng(8)
    z = rng.standard_normal((2, 3, 4)) * 2
    G = rng.standard_normal(z.shape)
    fwd = getattr(rnn_core, which)
    dz = getattr(rnn_core, which + "_backward")(G, fwd(z))
    fd_check(lambda: float(np.sum(fwd(z) * G)), {"z": z}, {"z": dz})


# -- finite differences: what the gradient view draws ------------------------------------------

def forward_with_offsets(x, h0, params, nonlinearity, offsets):
    """The forward recurrence with `offsets[t]` added to h_t right after it is computed, so
    dL/d offsets[t] at 0 is the whole gradient reaching h_t (from the output and from t+1)."""
    W_ih, W_hh, b_ih, b_hh = params
    h, hs = h0, []
    for t in range(x.shape[0]):
        h, _ = functional.rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh, nonlinearity)
        h = h + offsets[t]
        hs.append(h)
    return np.stack(hs)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_grad_trace_dh_matches_finite_differences_of_an_offset_on_h_t(nonlinearity):
    rnn = RNN(3, 4, nonlinearity=nonlinearity, seed=2)
    rng = np.random.default_rng(9)
    x, h0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((1, 2, 4))
    out, h_n = rnn(x, h0)
    G1, G2 = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    rnn.backward(G1, G2)
    p = rnn.params
    params = (p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    offsets = np.zeros((5, 2, 4))

    def loss():
        h = forward_with_offsets(x, h0[0], params, nonlinearity, offsets)
        return float(np.sum(h * G1) + np.sum(h[-1] * G2[0]))

    fd_check(loss, {"dh": offsets}, {"dh": rnn.grad_trace().dh})


@pytest.mark.parametrize("direction", [0, 1], ids=["forward", "reverse"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_product_of_step_jacobians_equals_finite_difference_jacobian_dh_T_dh_t(nonlinearity,
                                                                            direction):
    H_, T_ = 3, 6
    rnn = RNN(2, H_, nonlinearity=nonlinearity, bidirectional=True, seed=5)
    rng = np.random.default_rng(10)
    x = rng.standard_normal((T_, 1, 2))
    rnn(x)
    J = rnn.step_jacobians(0, direction)  # (T, H, H), processing order
    assert J.shape == (T_, H_, H_)
    tr = rnn.trace(0, direction)  # sequence order; the reverse direction processes it flipped
    xs, hs = (tr.x[::-1], tr.h[::-1]) if direction else (tr.x, tr.h)  # processing order
    sfx = "_l0_reverse" if direction else "_l0"
    W = [rnn.params[n + sfx] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    for t in (0, 2, T_ - 2):  # dh_{T-1}/dh_t, processing steps
        product = np.eye(H_)
        for s in range(t + 1, T_):
            product = J[s] @ product  # J_{T-1} ... J_{t+1}
        assert np.max(np.abs(product)) > 1e-3  # a case where the gradient still flows
        h_t = hs[t, 0].copy()

        def h_last(h_t=h_t, t=t):
            h, _ = functional.rnn_forward(xs[t + 1:], h_t[None], *W, nonlinearity)
            return h[-1, 0]

        numeric = np.empty((H_, H_))
        for j in range(H_):
            numeric[:, j] = numerical_gradient_vector(h_last, h_t, j)
        np.testing.assert_allclose(product, numeric, rtol=1e-6, atol=1e-9)


def numerical_gradient_vector(f, x, j, eps=1e-6):
    """Central difference of the vector function f() in x[j] (x perturbed in place)."""
    old = x[j]
    x[j] = old + eps
    plus = f()
    x[j] = old - eps
    minus = f()
    x[j] = old
    return (plus - minus) / (2 * eps)
