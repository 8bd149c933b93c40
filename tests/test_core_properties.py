"""Properties of rnn_core.RNN that hold for every size, input and weight (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnn_core import RNN

CLOSE = dict(rtol=1e-12, atol=1e-12)  # the same sums, perhaps in another BLAS order


@st.composite
def rnn_cases(draw, max_layers=2, bidirectional=None, nonlinearity=None, bound=3.0,
              max_input=4):
    """An RNN (float64) with an input (T, B, D) and an h0 (L*K, B, H) or None."""
    nl = draw(st.sampled_from(("tanh", "relu"))) if nonlinearity is None else nonlinearity
    bi = draw(st.booleans()) if bidirectional is None else bidirectional
    T_, B_ = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    D_, H_ = draw(st.integers(1, max_input)), draw(st.integers(1, 5))
    L_ = draw(st.integers(1, max_layers))
    rnn = RNN(D_, H_, num_layers=L_, nonlinearity=nl, bias=draw(st.booleans()),
              bidirectional=bi, seed=draw(st.integers(0, 2 ** 32 - 1)))
    elements = st.floats(-bound, bound, allow_nan=False, allow_subnormal=False)
    x = draw(hnp.arrays(np.float64, (T_, B_, D_), elements=elements))
    h0 = draw(st.none() | hnp.arrays(np.float64, (L_ * rnn.num_directions, B_, H_),
                                     elements=st.floats(-1, 1, allow_subnormal=False)))
    return rnn, x, h0


def clone(rnn: RNN, **overrides) -> RNN:
    """An RNN with `rnn`'s configuration and parameters, some arguments overridden."""
    kwargs = dict(input_size=rnn.input_size, hidden_size=rnn.hidden_size,
                  num_layers=rnn.num_layers, nonlinearity=rnn.nonlinearity, bias=rnn.bias,
                  batch_first=rnn.batch_first, bidirectional=rnn.bidirectional, dtype=rnn.dtype)
    kwargs.update(overrides)
    twin = RNN(**kwargs)
    twin.load_state_dict(rnn.state_dict())
    return twin


@given(rnn_cases())
def test_batch_equals_its_samples_run_one_by_one(case):
    rnn, x, h0 = case
    out, h_n = rnn(x, h0)
    rng = np.random.default_rng(0)
    G1, G2 = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    grads = rnn.backward(G1, G2)
    summed = {name: np.zeros_like(v) for name, v in rnn.params.items()}
    for b in range(x.shape[1]):
        out_b, h_n_b = rnn(x[:, b], None if h0 is None else h0[:, b])  # unbatched (T, D)
        np.testing.assert_allclose(out_b, out[:, b], **CLOSE)
        np.testing.assert_allclose(h_n_b, h_n[:, b], **CLOSE)
        grads_b = rnn.backward(G1[:, b], G2[:, b])
        np.testing.assert_allclose(grads_b["input"], grads["input"][:, b], **CLOSE)
        np.testing.assert_allclose(grads_b["h0"], grads["h0"][:, b], **CLOSE)
        for name in summed:
            summed[name] += grads_b[name]
    for name, total in summed.items():  # a weight's gradient is the sum over the batch
        np.testing.assert_allclose(total, grads[name], rtol=1e-10, atol=1e-10, err_msg=name)


@given(rnn_cases(max_layers=1, bidirectional=True))
def test_reversing_the_input_swaps_the_directions_of_a_bidirectional_rnn(case):
    rnn, x, h0 = case
    H_ = rnn.hidden_size
    state = rnn.state_dict()
    for name in list(state):
        if name.endswith("_reverse"):
            state[name] = state[name.removesuffix("_reverse")]  # both directions: same weights
    rnn.load_state_dict(state)
    out, h_n = rnn(x, h0)
    out_r, h_n_r = rnn(x[::-1], None if h0 is None else h0[::-1])  # h0's rows swap with them
    np.testing.assert_allclose(out_r[:, :, :H_], out[::-1, :, H_:], **CLOSE)
    np.testing.assert_allclose(out_r[:, :, H_:], out[::-1, :, :H_], **CLOSE)
    np.testing.assert_allclose(h_n_r[0], h_n[1], **CLOSE)
    np.testing.assert_allclose(h_n_r[1], h_n[0], **CLOSE)


@given(rnn_cases())
def test_float32_agrees_with_float64_to_float32_precision(case):
    rnn64, x, h0 = case
    rnn32 = clone(rnn64, dtype=np.float32)
    params64 = {k: v.astype(np.float32).astype(np.float64) for k, v in rnn64.params.items()}
    rnn64.load_state_dict(params64)  # both start from the same (float32-representable) numbers
    x32 = x.astype(np.float32)
    h0_32 = None if h0 is None else h0.astype(np.float32)
    out64, h_n64 = rnn64(x32.astype(np.float64), None if h0 is None else h0_32.astype(np.float64))
    out32, h_n32 = rnn32(x32, h0_32)
    assert out32.dtype == h_n32.dtype == np.float32
    scale = max(1.0, float(np.max(np.abs(out64))))
    np.testing.assert_allclose(out32, out64, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(h_n32, h_n64, rtol=0, atol=1e-5 * scale)
    if rnn64.nonlinearity == "tanh":  # relu's derivative jumps where float32 and float64 differ
        G1 = np.random.default_rng(1).standard_normal(out64.shape).astype(np.float32)
        g64 = rnn64.backward(G1.astype(np.float64))
        g32 = rnn32.backward(G1)
        for name, v in g64.items():
            assert g32[name].dtype == np.float32
            gscale = max(1.0, float(np.max(np.abs(v))))
            np.testing.assert_allclose(g32[name], v, rtol=0, atol=1e-4 * gscale, err_msg=name)


@given(rnn_cases(bidirectional=False), st.booleans())
def test_output_last_step_equals_h_n_for_a_unidirectional_rnn(case, batch_first):
    rnn, x, h0 = case
    if batch_first:
        rnn = clone(rnn, batch_first=True)
    out, h_n = rnn(x.transpose(1, 0, 2) if batch_first else x, h0)
    last = out[:, -1] if batch_first else out[-1]
    np.testing.assert_array_equal(last, h_n[-1])  # the top layer's final state, bit for bit
    if rnn.num_layers == 1:
        np.testing.assert_array_equal(last, h_n[0])


@given(rnn_cases(bidirectional=True))
def test_bidirectional_h_n_is_forward_last_step_and_reverse_first_step(case):
    rnn, x, h0 = case
    H_ = rnn.hidden_size
    out, h_n = rnn(x, h0)
    np.testing.assert_array_equal(out[-1, :, :H_], h_n[-2])  # forward ends at t = T-1
    np.testing.assert_array_equal(out[0, :, H_:], h_n[-1])  # reverse ends at t = 0


@given(rnn_cases(nonlinearity="relu", bound=100.0))
def test_relu_outputs_and_h_n_are_nonnegative(case):
    rnn, x, h0 = case
    out, h_n = rnn(x, h0)  # a negative h0 too: every state is f's output
    assert np.all(out >= 0)
    assert np.all(h_n >= 0)


# |a_t| <= D*2*k + H*k + 2k with k = 1/sqrt(H) <= 1 and D <= 3 stays below 10, far from 19
# where float64's tanh rounds to exactly +-1: the open interval is the right claim here.
@given(rnn_cases(nonlinearity="tanh", bound=2.0, max_input=3))
def test_tanh_outputs_and_h_n_lie_in_the_open_interval_minus_one_one(case):
    rnn, x, h0 = case
    out, h_n = rnn(x, h0)
    assert np.all(np.abs(out) < 1)
    assert np.all(np.abs(h_n) < 1)
