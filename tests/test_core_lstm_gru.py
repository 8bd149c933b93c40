"""rnn_core.LSTM and rnn_core.GRU: parity with torch.nn.LSTM / torch.nn.GRU (forward and every
gradient), central differences, the step Jacobians of the full state, the traces the views
draw, the functional pairs against a plain step loop, and every error a caller can cause.

Tests that need torch take the session fixture `torch` (tests/conftest.py). Our parameters go
into torch with torch.from_numpy, so both sides compute with the very same numbers. The parity
measure is max|ours - torch| / max|torch| over a whole tensor.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import rnn_core
from rnn_core import GRU, LSTM, RNN, gru, lstm, numerical_gradient

ROOT = Path(__file__).resolve().parent.parent
TOL64 = 1e-10
TOL32 = 1e-5
FD_TOL = 1e-7  # central differences on float64, measured as max|a - n| / max|n| per tensor
EXACT = dict(rtol=1e-12, atol=1e-13)  # same arithmetic, possibly in another order

# Axes: T time, B batch, D input, H hidden (small and distinct so a transposed axis fails).
T, B, D, H = 5, 2, 3, 4
CELLS = {"lstm": LSTM, "gru": GRU}


def rel_err(ours, ref) -> float:
    """max|a - b| / max|b|; an all-zero reference falls back to the absolute error."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != reference's {b.shape}"
    diff = float(np.max(np.abs(a - b)))
    scale = float(np.max(np.abs(b)))
    return diff / scale if scale > 0 else diff


def to_np(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def esc(text: str) -> str:
    return re.escape(text)


def sfx(layer: int, k: int) -> str:
    return f"_l{layer}{'_reverse' if k else ''}"


def is_lstm(model) -> bool:
    return isinstance(model, LSTM)


# -- running ours and torch's ------------------------------------------------------------------

def torch_twin(torch, model):
    """torch.nn.LSTM / GRU with `model`'s configuration and state_dict (strict names)."""
    cls = torch.nn.LSTM if is_lstm(model) else torch.nn.GRU
    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    mod = cls(model.input_size, model.hidden_size, num_layers=model.num_layers, bias=model.bias,
              batch_first=model.batch_first, bidirectional=model.bidirectional, dtype=dtype)
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()},
                        strict=True)
    return mod


def forward_ours(model, x, states):
    """(output, [finals]) of our model; `states` is [h0] or [h0, c0], entries may be None."""
    if is_lstm(model):
        out, (h_n, c_n) = model.forward(x, tuple(states))
        return out, [h_n, c_n]
    out, h_n = model.forward(x, states[0])
    return out, [h_n]


def backward_ours(model, Gs):
    """model.backward with Gs = [dL/doutput, dL/dh_n] (+ [dL/dc_n] for the LSTM)."""
    return model.backward(Gs[0], tuple(Gs[1:])) if is_lstm(model) else model.backward(*Gs)


def run_both(torch, model, x, states, seed):
    """Forward both, and backward L = sum(output * G1) + sum(h_n * G2) (+ sum(c_n * G3)).

    Where our initial state is None, torch gets explicit zeros that require grad, so our
    gradient for a state we made ourselves is checked too. Returns two dicts with equal keys.
    """
    rng = np.random.default_rng(seed + 10_000)
    out, finals = forward_ours(model, x, states)
    Gs = [rng.standard_normal(a.shape).astype(model.dtype) for a in [out, *finals]]
    grads = backward_ours(model, Gs)

    mod = torch_twin(torch, model)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    st = [torch.from_numpy(np.zeros_like(finals[0]) if s is None else s.copy())
          .requires_grad_(True) for s in states]
    out_t, fin_t = mod(xt, tuple(st) if is_lstm(model) else st[0])
    fin_t = list(fin_t) if is_lstm(model) else [fin_t]
    loss = sum((a * torch.from_numpy(G)).sum() for a, G in zip([out_t, *fin_t], Gs, strict=True))
    loss.backward()

    names = ["h", "c"][:len(states)]
    ours = {"output": out, **{f"{s}_n": f for s, f in zip(names, finals, strict=True)}, **grads}
    theirs = {"output": to_np(out_t), "input": to_np(xt.grad)}
    theirs.update({f"{s}_n": to_np(f) for s, f in zip(names, fin_t, strict=True)})
    theirs.update({f"{s}0": to_np(t.grad) for s, t in zip(names, st, strict=True)})
    theirs.update({name: to_np(p.grad) for name, p in mod.named_parameters()})
    return ours, theirs


def assert_all_close(ours: dict, theirs: dict, tol: float) -> None:
    assert set(ours) == set(theirs)
    errors = {name: rel_err(ours[name], theirs[name]) for name in theirs}
    bad = {name: e for name, e in errors.items() if not e < tol}
    assert not bad, f"relative error above {tol}: {bad}"


def make_model_and_input(cell, bias, num_layers, bidirectional, layout, with_state, seed,
                         dtype=np.float64, sizes=(T, B, D, H)):
    T_, B_, D_, H_ = sizes
    model = CELLS[cell](D_, H_, num_layers=num_layers, bias=bias,
                        batch_first=layout.endswith("batch_first"), bidirectional=bidirectional,
                        seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    LK = num_layers * model.num_directions
    if layout.startswith("unbatched"):
        x = rng.standard_normal((T_, D_))  # torch ignores batch_first for (T, D) input
        state_shape = (LK, H_)
    else:
        x = rng.standard_normal((B_, T_, D_) if layout == "batch_first" else (T_, B_, D_))
        state_shape = (LK, B_, H_)
    n_states = 2 if cell == "lstm" else 1
    states = [rng.standard_normal(state_shape).astype(dtype) if with_state else None
              for _ in range(n_states)]
    return model, x.astype(dtype), states


# -- parity with torch, float64 and float32 ----------------------------------------------------

LAYOUTS = ("seq_first", "batch_first", "unbatched")
CONFIGS = list(itertools.product(("lstm", "gru"), (True, False), (1, 2, 3), (False, True),
                                 LAYOUTS, (True, False)))


def config_id(c) -> str:
    cell, bias, L, bi, layout, with_state = c
    return (f"{cell}-{'bias' if bias else 'nobias'}-L{L}-{'bi' if bi else 'uni'}-{layout}-"
            f"{'s0' if with_state else 'nos0'}")


@pytest.mark.torch
@pytest.mark.parametrize("config", CONFIGS, ids=[config_id(c) for c in CONFIGS])
def test_forward_and_every_gradient_match_torch_float64(torch, config):
    seed = CONFIGS.index(config)
    model, x, states = make_model_and_input(*config, seed=seed)
    ours, theirs = run_both(torch, model, x, states, seed)
    assert_all_close(ours, theirs, TOL64)


F32_CONFIGS = [
    ("lstm", True, 1, False, "seq_first", True),
    ("lstm", True, 2, True, "batch_first", False),
    ("lstm", False, 3, False, "unbatched", True),
    ("gru", True, 1, False, "seq_first", True),
    ("gru", True, 2, True, "batch_first", False),
    ("gru", False, 3, True, "unbatched", True),
]


@pytest.mark.torch
@pytest.mark.parametrize("config", F32_CONFIGS, ids=[config_id(c) for c in F32_CONFIGS])
def test_forward_and_every_gradient_match_torch_float32(torch, config):
    model, x, states = make_model_and_input(*config, seed=7, dtype=np.float32)
    ours, theirs = run_both(torch, model, x, states, seed=7)
    assert all(v.dtype == np.float32 for v in ours.values())
    assert_all_close(ours, theirs, TOL32)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_xavier_and_orthogonal_parameters_give_the_same_parity(torch, cell):
    for init in ("xavier", "orthogonal"):
        model, x, states = make_model_and_input(cell, True, 2, True, "seq_first", True, seed=4)
        model.reset_parameters(init=init, seed=4)
        ours, theirs = run_both(torch, model, x, states, seed=4)
        assert_all_close(ours, theirs, TOL64)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_param_shapes_and_count_are_torchs_in_torchs_order(torch, cell):
    model = CELLS[cell](3, 5, num_layers=2, bidirectional=True)
    mod = torch_twin(torch, model)
    assert list(model.param_shapes().items()) == [
        (name, tuple(p.shape)) for name, p in mod.named_parameters()]
    assert model.num_parameters() == sum(p.numel() for p in mod.parameters())
    assert model.mode == mod.mode


# -- partial LSTM states, and what forward keeps ---------------------------------------------------

def test_lstm_state_given_as_none_entry_is_zeros_and_so_is_its_final_gradient():
    model = LSTM(D, H, num_layers=2, bidirectional=True, seed=1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((2, 4, B, H))
    zeros = np.zeros((4, B, H))
    for given, full in [((h0, None), (h0, zeros)), ((None, c0), (zeros, c0)), ([h0, c0], (h0, c0))]:
        out_a, (hn_a, cn_a) = model(x, given)
        G1, G3 = rng.standard_normal(out_a.shape), rng.standard_normal(cn_a.shape)
        grads_a = model.backward(G1, (None, G3))
        out_b, (hn_b, cn_b) = model(x, full)
        grads_b = model.backward(G1, (zeros, G3))
        np.testing.assert_array_equal(out_a, out_b)
        np.testing.assert_array_equal(cn_a, cn_b)
        for name in grads_b:
            np.testing.assert_array_equal(grads_a[name], grads_b[name], err_msg=name)
    assert set(grads_a) == set(model.param_shapes()) | {"input", "h0", "c0"}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_output_last_step_is_h_n_of_the_last_layer_forward_and_first_step_reverse(cell):
    model, x, states = make_model_and_input(cell, True, 2, True, "seq_first", True, seed=2)
    out, finals = forward_ours(model, x, states)
    np.testing.assert_array_equal(out[-1, :, :H], finals[0][2])
    np.testing.assert_array_equal(out[0, :, H:], finals[0][3])
    if cell == "lstm":
        np.testing.assert_array_equal(model.trace(1, 1).c[0], finals[1][3])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_writing_into_the_input_after_forward_does_not_change_backward(cell):
    model, x, states = make_model_and_input(cell, True, 1, False, "batch_first", True, seed=3)
    out, finals = forward_ours(model, x, states)
    G = np.ones_like(out)
    before = model.backward(G)
    x[...] = 0.0
    for s in states:
        s[...] = 0.0
    after = model.backward(G)
    for name in before:
        np.testing.assert_array_equal(before[name], after[name], err_msg=name)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_saturated_gates_stay_finite_without_overflow_warnings(cell):
    model = CELLS[cell](D, H, seed=0)
    x = np.full((T, B, D), 1e4)
    x[:, 1] *= -1  # drives some gates to sigmoid(-big), where exp(-a) overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, finals = forward_ours(model, x, [None] * (2 if cell == "lstm" else 1))
        grads = model.backward(np.ones_like(out))
    assert np.all(np.isfinite(out)) and all(np.all(np.isfinite(g)) for g in grads.values())


# -- central differences ---------------------------------------------------------------------------

def fd_errors(model, x, states, seed=0):
    """Per tensor max|analytic - numeric| / max|numeric|, every entry of every parameter, the
    input and every initial state (given as zeros when None, so its gradient is checked)."""
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    out, finals = forward_ours(model, x, states)
    states = [np.zeros_like(finals[0]) if s is None else np.array(s) for s in states]
    Gs = [rng.standard_normal(a.shape) for a in [out, *finals]]
    analytic = backward_ours(model, Gs)

    def loss() -> float:
        o, fs = forward_ours(model, x, states)
        return float(sum(np.sum(a * G) for a, G in zip([o, *fs], Gs, strict=True)))

    names = ["h0", "c0"][:len(states)]
    tensors = {**model.params, "input": x, **dict(zip(names, states, strict=True))}
    errors = {}
    for name, arr in tensors.items():
        numeric = numerical_gradient(loss, arr, np.arange(arr.size)).reshape(arr.shape)
        errors[name] = rel_err(analytic[name], numeric)
    return errors


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bias,num_layers,bidirectional,layout,with_state", [
    (True, 2, True, "seq_first", True),
    (False, 1, False, "batch_first", False),
    (True, 1, True, "unbatched", True),
], ids=["bias-L2-bi", "nobias-L1-batch_first-nos0", "unbatched-bi"])
def test_every_gradient_matches_central_differences(cell, bias, num_layers, bidirectional,
                                                     layout, with_state):
    model, x, states = make_model_and_input(cell, bias, num_layers, bidirectional, layout,
                                            with_state, seed=5, sizes=(4, 2, 3, 3))
    errors = fd_errors(model, x, states)
    assert {"input", "h0"} <= set(errors) and ("c0" in errors) == (cell == "lstm")
    bad = {name: e for name, e in errors.items() if not e < FD_TOL}
    assert not bad, f"relative error above {FD_TOL}: {bad}"


# -- the functional pairs against a plain step-by-step loop ----------------------------------------

def cell_params(rng, gates, D_, H_, bias):
    W_ih = rng.standard_normal((gates * H_, D_)) * 0.5
    W_hh = rng.standard_normal((gates * H_, H_)) * 0.5
    b_ih = rng.standard_normal(gates * H_) * 0.5 if bias else None
    b_hh = rng.standard_normal(gates * H_) * 0.5 if bias else None
    return W_ih, W_hh, b_ih, b_hh


def sum_grads(sums, grads):
    return list(grads) if sums is None else [
        None if s is None else s + g for s, g in zip(sums, grads, strict=True)]


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_forward_and_backward_equal_a_loop_of_step_functions(bias):
    rng = np.random.default_rng(11)
    W = cell_params(rng, 4, D, H, bias)
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((2, B, H))
    dout, dh_n, dc_n = (rng.standard_normal(s) for s in ((T, B, H), (B, H), (B, H)))
    h, c, cache = lstm.lstm_forward(x, h0, c0, *W)
    g = lstm.lstm_backward(dout, dh_n, dc_n, cache)

    hs, cs, caches, h_t, c_t = [], [], [], h0, c0
    for t in range(T):
        h_t, c_t, step = lstm.lstm_step_forward(x[t], h_t, c_t, *W)
        hs.append(h_t), cs.append(c_t), caches.append(step)
    np.testing.assert_allclose(h, np.stack(hs), **EXACT)
    np.testing.assert_allclose(c, np.stack(cs), **EXACT)

    carry_h, carry_c, sums, dxs, dhs = dh_n, dc_n, None, [None] * T, [None] * T
    for t in range(T - 1, -1, -1):
        dhs[t] = dout[t] + carry_h
        dxs[t], carry_h, carry_c, *weights = lstm.lstm_step_backward(dhs[t], carry_c, caches[t])
        sums = sum_grads(sums, weights)
    np.testing.assert_allclose(g.dx, np.stack(dxs), **EXACT)
    np.testing.assert_allclose(g.dh, np.stack(dhs), **EXACT)
    np.testing.assert_allclose(g.dh0, carry_h, **EXACT)
    np.testing.assert_allclose(g.dc0, carry_c, **EXACT)
    assert (g.db_ih is None) == (g.db_hh is None) == (not bias)
    for ours, ref in zip((g.dW_ih, g.dW_hh, g.db_ih, g.db_hh), sums, strict=True):
        assert (ours is None) == (ref is None)
        if ours is not None:
            np.testing.assert_allclose(ours, ref, **EXACT)


@pytest.mark.parametrize("bias", [True, False])
def test_gru_forward_and_backward_equal_a_loop_of_step_functions(bias):
    rng = np.random.default_rng(12)
    W = cell_params(rng, 3, D, H, bias)
    x, h0 = rng.standard_normal((T, B, D)), rng.standard_normal((B, H))
    dout, dh_n = rng.standard_normal((T, B, H)), rng.standard_normal((B, H))
    h, cache = gru.gru_forward(x, h0, *W)
    g = gru.gru_backward(dout, dh_n, cache)

    hs, caches, h_t = [], [], h0
    for t in range(T):
        h_t, step = gru.gru_step_forward(x[t], h_t, *W)
        hs.append(h_t), caches.append(step)
    np.testing.assert_allclose(h, np.stack(hs), **EXACT)

    carry, sums, dxs, dhs = dh_n, None, [None] * T, [None] * T
    for t in range(T - 1, -1, -1):
        dhs[t] = dout[t] + carry
        dxs[t], carry, *weights = gru.gru_step_backward(dhs[t], caches[t])
        sums = sum_grads(sums, weights)
    np.testing.assert_allclose(g.dx, np.stack(dxs), **EXACT)
    np.testing.assert_allclose(g.dh, np.stack(dhs), **EXACT)
    np.testing.assert_allclose(g.dh0, carry, **EXACT)
    assert (g.db_ih is None) == (g.db_hh is None) == (not bias)
    for ours, ref in zip((g.dW_ih, g.dW_hh, g.db_ih, g.db_hh), sums, strict=True):
        assert (ours is None) == (ref is None)
        if ours is not None:
            np.testing.assert_allclose(ours, ref, **EXACT)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_pairs_match_torch_cells(torch, cell):
    rng = np.random.default_rng(13)
    gates = 4 if cell == "lstm" else 3
    W = cell_params(rng, gates, D, H, True)
    x, h, c = rng.standard_normal((B, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    G_h, G_c = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    mod = (torch.nn.LSTMCell if cell == "lstm" else torch.nn.GRUCell)(D, H, dtype=torch.float64)
    mod.load_state_dict({n: torch.from_numpy(w) for n, w in
                         zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), W, strict=True)})
    xt, ht, ct = (torch.from_numpy(a.copy()).requires_grad_(True) for a in (x, h, c))
    if cell == "lstm":
        next_h, next_c, cache = lstm.lstm_step_forward(x, h, c, *W)
        dx, dh, dc, *dW = lstm.lstm_step_backward(G_h, G_c, cache)
        h_t, c_t = mod(xt, (ht, ct))
        ((h_t * torch.from_numpy(G_h)).sum() + (c_t * torch.from_numpy(G_c)).sum()).backward()
        assert rel_err(next_c, to_np(c_t)) < TOL64 and rel_err(dc, to_np(ct.grad)) < TOL64
    else:
        next_h, cache = gru.gru_step_forward(x, h, *W)
        dx, dh, *dW = gru.gru_step_backward(G_h, cache)
        h_t = mod(xt, ht)
        (h_t * torch.from_numpy(G_h)).sum().backward()
    assert rel_err(next_h, to_np(h_t)) < TOL64
    assert rel_err(dx, to_np(xt.grad)) < TOL64 and rel_err(dh, to_np(ht.grad)) < TOL64
    for ours, p in zip(dW, (mod.weight_ih, mod.weight_hh, mod.bias_ih, mod.bias_hh), strict=True):
        assert rel_err(ours, to_np(p.grad)) < TOL64


# -- trace and grad_trace against a step-by-step torch loop ----------------------------------------

def torch_cell_loop(torch, model, x3, init3):
    """Every layer and direction as a loop over nn.LSTMCell / nn.GRUCell, keeping each h_t
    (and c_t) with retain_grad. x3 (T, B, D); init3 a list of (L*K, B, H) tensors. Returns
    output (T, B, K*H), the list of final-state tensors, and states[(layer, k)] = a list per
    state name of T tensors in sequence order."""
    K, H_, T_ = model.num_directions, model.hidden_size, x3.shape[0]
    lstm_cell = is_lstm(model)
    layer_in, states = x3, {}
    finals = [[] for _ in init3]
    for layer in range(model.num_layers):
        outs = []
        for k in range(K):
            cls = torch.nn.LSTMCell if lstm_cell else torch.nn.GRUCell
            cell = cls(layer_in.shape[2], H_, bias=model.bias, dtype=torch.float64)
            names = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if model.bias else ())
            cell.load_state_dict({n: torch.from_numpy(model.params[n + sfx(layer, k)])
                                  for n in names})
            s = [s0[layer * K + k] for s0 in init3]
            seqs = [[None] * T_ for _ in init3]
            for t in (range(T_ - 1, -1, -1) if k else range(T_)):  # reverse reads from the end
                s = list(cell(layer_in[t], tuple(s))) if lstm_cell else [cell(layer_in[t], s[0])]
                for j, v in enumerate(s):
                    v.retain_grad()
                    seqs[j][t] = v
            states[(layer, k)] = seqs
            for j, v in enumerate(s):
                finals[j].append(v)
            outs.append(torch.stack(seqs[0]))
        layer_in = torch.cat(outs, dim=2) if K == 2 else outs[0]
    return layer_in, [torch.stack(f) for f in finals], states


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("num_layers,bidirectional,bias", [(1, False, True), (1, True, False),
                                                           (2, True, True), (3, False, True)])
def test_grad_trace_dh_and_dc_match_torch_gradient_wrt_each_state(torch, cell, num_layers,
                                                                  bidirectional, bias):
    model, x, states = make_model_and_input(cell, bias, num_layers, bidirectional, "seq_first",
                                            True, seed=6)
    rng = np.random.default_rng(6)
    out, finals = forward_ours(model, x, states)
    Gs = [rng.standard_normal(a.shape) for a in [out, *finals]]
    backward_ours(model, Gs)

    out_t, fin_t, seqs = torch_cell_loop(torch, model, torch.from_numpy(x),
                                         [torch.from_numpy(s) for s in states])
    loss = sum((a * torch.from_numpy(G)).sum() for a, G in zip([out_t, *fin_t], Gs, strict=True))
    loss.backward()
    assert rel_err(out, to_np(out_t)) < TOL64  # the reference loop is the same network

    for (layer, k), per_state in seqs.items():
        tr, gt = model.trace(layer, k), model.grad_trace(layer, k)
        for name, seq in zip(("h", "c")[:len(per_state)], per_state, strict=True):
            value = np.stack([to_np(v) for v in seq])  # (T, B, H), sequence order
            grad = np.stack([to_np(v.grad) for v in seq])
            assert rel_err(getattr(tr, name), value) < TOL64, (layer, k, name)
            assert rel_err(getattr(gt, "d" + name), grad) < TOL64, (layer, k, name)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_grad_trace_dhh_and_dih_summed_over_steps_are_the_weight_and_bias_gradients(cell):
    K_ = 2
    if cell == "rnn":
        model = RNN(D, H, num_layers=2, bidirectional=True, seed=8)
        states = [np.random.default_rng(8).standard_normal((4, B, H))]
    else:
        model, _, states = make_model_and_input(cell, True, 2, True, "seq_first", True, seed=8)
    x = np.random.default_rng(9).standard_normal((T, B, D))
    out, finals = forward_ours(model, x, states)
    rng = np.random.default_rng(10)
    Gs = [rng.standard_normal(a.shape) for a in [out, *finals]]
    grads = backward_ours(model, Gs)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell] * H
    for layer in range(2):
        for k in range(K_):
            tr, gt = model.trace(layer, k), model.grad_trace(layer, k)
            assert gt.dhh.shape == gt.dih.shape == (T, B, G)
            per_step = np.einsum("tbg,tbh->tgh", gt.dhh, tr.h_prev)  # each step's share
            np.testing.assert_allclose(per_step.sum(axis=0), grads["weight_hh" + sfx(layer, k)],
                                       **EXACT)
            np.testing.assert_allclose(np.einsum("tbg,tbd->gd", gt.dih, tr.x),
                                       grads["weight_ih" + sfx(layer, k)], **EXACT)
            np.testing.assert_allclose(gt.dhh.sum(axis=(0, 1)), grads["bias_hh" + sfx(layer, k)],
                                       **EXACT)
            np.testing.assert_allclose(gt.dih.sum(axis=(0, 1)), grads["bias_ih" + sfx(layer, k)],
                                       **EXACT)
            if cell == "rnn":
                np.testing.assert_array_equal(gt.dhh, gt.da)
            if cell == "gru":  # r scales the recurrent part of n only
                np.testing.assert_array_equal(gt.dhh[..., :2 * H], gt.dih[..., :2 * H])
                np.testing.assert_allclose(gt.dhh[..., 2 * H:], gt.dih[..., 2 * H:] * tr.r,
                                           **EXACT)


def test_lstm_grad_trace_dc_at_the_end_is_grad_c_n_plus_h_ns_share_through_tanh():
    model = LSTM(D, H, bidirectional=True, seed=3)
    rng = np.random.default_rng(3)
    out, (h_n, c_n) = model(rng.standard_normal((T, B, D)))
    G1, G2, G3 = (rng.standard_normal(a.shape) for a in (out, h_n, c_n))
    model.backward(G1, (G2, G3))
    for k, last in ((0, -1), (1, 0)):  # the last processed step of each direction
        tr, gt = model.trace(0, k), model.grad_trace(0, k)
        dh = G1[last, :, k * H:(k + 1) * H] + G2[k]
        np.testing.assert_allclose(gt.dh[last], dh, **EXACT)
        through_tanh = dh * tr.o[last] * (1 - tr.tanh_c[last] ** 2)
        np.testing.assert_allclose(gt.dc[last], G3[k] + through_tanh,
                                   **EXACT)


# -- trace: every term in sequence order -----------------------------------------------------------

def sig(a):
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_trace_terms_recompute_the_step_in_sequence_order(bias):
    model, x, (h0, c0) = make_model_and_input("lstm", bias, 2, True, "seq_first", True, seed=9)
    model(x, (h0, c0))
    for layer in range(2):
        for k in range(2):
            tr = model.trace(layer, k)
            W_ih = model.params["weight_ih" + sfx(layer, k)]
            W_hh = model.params["weight_hh" + sfx(layer, k)]
            np.testing.assert_allclose(tr.ih, tr.x @ W_ih.T, **EXACT)
            np.testing.assert_allclose(tr.hh, tr.h_prev @ W_hh.T, **EXACT)
            if not bias:
                np.testing.assert_array_equal(tr.b_ih, 0)
                assert tr.b_ih.shape == tr.b_hh.shape == (4 * H,)
            pre = tr.ih + tr.hh + tr.b_ih + tr.b_hh
            np.testing.assert_allclose(tr.pre, pre, **EXACT)
            a_i, a_f, a_g, a_o = np.split(pre, 4, axis=-1)  # torch's gate order i, f, g, o
            np.testing.assert_allclose(tr.i, sig(a_i), **EXACT)
            np.testing.assert_allclose(tr.f, sig(a_f), **EXACT)
            np.testing.assert_allclose(tr.g, np.tanh(a_g), **EXACT)
            np.testing.assert_allclose(tr.o, sig(a_o), **EXACT)
            np.testing.assert_allclose(tr.c, tr.f * tr.c_prev + tr.i * tr.g, **EXACT)
            np.testing.assert_allclose(tr.h, tr.o * np.tanh(tr.c), **EXACT)
            first, rest, prev = (0, slice(1, None), slice(None, -1)) if k == 0 else \
                (-1, slice(None, -1), slice(1, None))  # reverse reads step t+1
            np.testing.assert_array_equal(tr.h_prev[first], h0[2 * layer + k])
            np.testing.assert_array_equal(tr.c_prev[first], c0[2 * layer + k])
            np.testing.assert_array_equal(tr.h_prev[rest], tr.h[prev])
            np.testing.assert_array_equal(tr.c_prev[rest], tr.c[prev])
            np.testing.assert_array_equal(tr.h0, h0[2 * layer + k])
            np.testing.assert_array_equal(tr.c0, c0[2 * layer + k])
            assert tr.reverse == (k == 1) and tr.layer == layer and tr.direction == k


@pytest.mark.parametrize("bias", [True, False])
def test_gru_trace_terms_recompute_the_step_in_sequence_order(bias):
    model, x, (h0,) = make_model_and_input("gru", bias, 2, True, "seq_first", True, seed=10)
    out, _ = model(x, h0)
    for layer in range(2):
        for k in range(2):
            tr = model.trace(layer, k)
            W_ih = model.params["weight_ih" + sfx(layer, k)]
            W_hh = model.params["weight_hh" + sfx(layer, k)]
            np.testing.assert_allclose(tr.ih, tr.x @ W_ih.T, **EXACT)
            np.testing.assert_allclose(tr.hh, tr.h_prev @ W_hh.T, **EXACT)
            gi, gh = tr.ih + tr.b_ih, tr.hh + tr.b_hh
            np.testing.assert_allclose(tr.r, sig(gi[..., :H] + gh[..., :H]), **EXACT)
            np.testing.assert_allclose(tr.z, sig(gi[..., H:2 * H] + gh[..., H:2 * H]), **EXACT)
            np.testing.assert_allclose(tr.hn, gh[..., 2 * H:], **EXACT)
            np.testing.assert_allclose(tr.n, np.tanh(gi[..., 2 * H:] + tr.r * tr.hn), **EXACT)
            np.testing.assert_allclose(tr.h, (1 - tr.z) * tr.n + tr.z * tr.h_prev, **EXACT)
            first = 0 if k == 0 else -1
            np.testing.assert_array_equal(tr.h_prev[first], h0[2 * layer + k])
            np.testing.assert_array_equal(tr.h0, h0[2 * layer + k])
    np.testing.assert_array_equal(model.trace(1, 0).h, out[:, :, :H])
    np.testing.assert_array_equal(model.trace(1, 1).h, out[:, :, H:])
    layer0 = np.concatenate([model.trace(0, 0).h, model.trace(0, 1).h], axis=2)
    np.testing.assert_array_equal(model.trace(1, 1).x, layer0)  # layer 1 reads both directions


# -- step Jacobians of the full state --------------------------------------------------------------

def numeric_jacobian(f, s, eps=1e-6):
    """d f(s) / d s by central differences; s (S,) is perturbed in place and restored."""
    cols = []
    for j in range(s.size):
        old = s[j]
        s[j] = old + eps
        plus = f()
        s[j] = old - eps
        minus = f()
        s[j] = old
        cols.append((plus - minus) / (2 * eps))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("direction", [0, 1], ids=["forward", "reverse"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_product_of_step_jacobians_equals_finite_difference_ds_T_ds_t(cell, direction):
    H_, T_, b = 3, 6, 1
    model = CELLS[cell](2, H_, bidirectional=True, seed=5)
    model.scale_recurrent(1.5)  # enough recurrence that the product stays well above noise
    rng = np.random.default_rng(10)
    x = rng.standard_normal((T_, 2, 2))
    forward_ours(model, x, [None] * (2 if cell == "lstm" else 1))
    J = model.step_jacobians(0, direction, batch=b)  # processing order
    S = model.state_size
    assert S == (2 * H_ if cell == "lstm" else H_) and J.shape == (T_, S, S)
    tr = model.trace(0, direction)

    def proc(a):  # sequence order -> processing order
        return a[::-1] if direction else a

    xs, hs = proc(tr.x)[:, b:b + 1], proc(tr.h)[:, b]
    W = [model.params[n + sfx(0, direction)] for n in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh")]
    if cell == "lstm":
        cs = proc(tr.c)[:, b]

    for t in (0, 2, T_ - 2):  # d s_{T-1} / d s_t, processing steps
        product = np.eye(S)
        for s in range(t + 1, T_):
            product = J[s] @ product  # J_{T-1} ... J_{t+1}
        assert np.max(np.abs(product)) > 1e-3  # a case where the gradient still flows
        if cell == "lstm":
            s_t = np.concatenate([hs[t], cs[t]])

            def s_last(s_t=s_t, t=t):
                h, c, _ = lstm.lstm_forward(xs[t + 1:], s_t[None, :H_], s_t[None, H_:], *W)
                return np.concatenate([h[-1, 0], c[-1, 0]])
        else:
            s_t = hs[t].copy()

            def s_last(s_t=s_t, t=t):
                h, _ = gru.gru_forward(xs[t + 1:], s_t[None], *W)
                return h[-1, 0]

        np.testing.assert_allclose(product, numeric_jacobian(s_last, s_t), rtol=1e-6, atol=1e-9)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_step_jacobian_matches_torch_autograd_of_the_cell(torch, cell):
    model = CELLS[cell](D, H, seed=12)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((T, B, D))
    states = [rng.standard_normal((1, B, H)) for _ in range(2 if cell == "lstm" else 1)]
    forward_ours(model, x, states)
    J = model.step_jacobians(0, 0, batch=1)
    tr = model.trace(0, 0)
    mod = (torch.nn.LSTMCell if cell == "lstm" else torch.nn.GRUCell)(D, H, dtype=torch.float64)
    mod.load_state_dict({n: torch.from_numpy(model.params[n + "_l0"])
                         for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    for t in range(T):
        xt = torch.from_numpy(tr.x[t, 1])
        if cell == "lstm":
            s = torch.from_numpy(np.concatenate([tr.h_prev[t, 1], tr.c_prev[t, 1]]))
            ref = torch.autograd.functional.jacobian(
                lambda s, xt=xt: torch.cat(mod(xt, (s[:H], s[H:]))), s)
        else:
            ref = torch.autograd.functional.jacobian(lambda h, xt=xt: mod(xt, h),
                                                     torch.from_numpy(tr.h_prev[t, 1]))
        assert rel_err(J[t], to_np(ref)) < TOL64, t


def test_lstm_jacobian_blocks_dc_dc_is_diag_f_and_dh_dc_is_diag_o_tanh_prime_f():
    model = LSTM(D, H, bidirectional=True, seed=4)
    model(np.random.default_rng(4).standard_normal((T, B, D)))
    J = model.step_jacobians(0, 1, batch=0)  # reverse: processing order is sequence flipped
    tr = model.trace(0, 1)
    f, o, tc = tr.f[::-1, 0], tr.o[::-1, 0], tr.tanh_c[::-1, 0]
    for t in range(T):
        np.testing.assert_array_equal(J[t, H:, H:], np.diag(f[t]))
        np.testing.assert_allclose(J[t, :H, H:], np.diag(o[t] * (1 - tc[t] ** 2) * f[t]), **EXACT)


# -- parameters ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell,gates", [("lstm", 4), ("gru", 3)])
def test_param_shapes_stack_the_gates_and_state_size_counts_the_carried_state(cell, gates):
    model = CELLS[cell](3, 5, num_layers=2, bidirectional=True, bias=False)
    assert model.param_shapes() == {
        "weight_ih_l0": (gates * 5, 3), "weight_hh_l0": (gates * 5, 5),
        "weight_ih_l0_reverse": (gates * 5, 3), "weight_hh_l0_reverse": (gates * 5, 5),
        "weight_ih_l1": (gates * 5, 10), "weight_hh_l1": (gates * 5, 5),
        "weight_ih_l1_reverse": (gates * 5, 10), "weight_hh_l1_reverse": (gates * 5, 5)}
    assert model.state_size == (10 if cell == "lstm" else 5)
    assert RNN(3, 5).state_size == 5
    assert model.num_parameters() == 2 * gates * 5 * (3 + 5) + 2 * gates * 5 * (10 + 5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_initialisations_follow_the_seed_and_torchs_bound(cell):
    model = CELLS[cell](3, 16, num_layers=2, seed=3)
    again = CELLS[cell](3, 16, num_layers=2, seed=3)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, again.params[name])
        assert np.max(np.abs(value)) <= 1 / 4  # U(-1/sqrt(H), 1/sqrt(H)), H = 16
    other = CELLS[cell](3, 16, num_layers=2, seed=4)
    assert not np.array_equal(other.params["weight_hh_l1"], model.params["weight_hh_l1"])
    model.reset_parameters(init="orthogonal", seed=1)
    W = model.params["weight_hh_l0"]  # (G, H): orthonormal columns
    np.testing.assert_allclose(W.T @ W, np.eye(16), atol=1e-12)
    assert not np.any(model.params["bias_ih_l1"])


@pytest.mark.parametrize("cell,gates", [("lstm", 4), ("gru", 3)])
@pytest.mark.parametrize("measure", ["spectral_radius", "max_singular_value"])
def test_scale_recurrent_rescales_every_gates_block_of_W_hh(cell, gates, measure):
    model = CELLS[cell](3, 4, num_layers=2, bidirectional=True, seed=2)
    W_ih_before = model.params["weight_ih_l1"].copy()
    model.scale_recurrent(0.7, measure)
    measure_fn = getattr(rnn_core.init, measure)
    for name, W in model.params.items():
        if name.startswith("weight_hh"):
            assert W.shape == (gates * 4, 4)
            for j in range(gates):
                assert measure_fn(W[j * 4:(j + 1) * 4]) == pytest.approx(0.7, rel=1e-12)
    np.testing.assert_array_equal(model.params["weight_ih_l1"], W_ih_before)


def test_scale_recurrent_that_fails_changes_nothing_and_one_that_succeeds_needs_a_new_forward():
    model = GRU(3, 4, num_layers=2, seed=2)
    state = model.state_dict()
    state["weight_hh_l1"][4:8] = 0.0  # the z block: nothing to rescale
    model.load_state_dict(state)
    with pytest.raises(ValueError, match=esc("W_hh has spectral radius 0, so it cannot be "
                                             "rescaled to 0.5")):
        model.scale_recurrent(0.5)
    for name, value in model.params.items():
        np.testing.assert_array_equal(value, state[name], err_msg=name)
    model.reset_parameters(seed=1)
    model(np.ones((T, B, 3)))
    model.scale_recurrent(0.5)  # a successful rescale invalidates the last forward
    with pytest.raises(ValueError, match="backward: expected a forward call first, got none"):
        model.backward(np.zeros((T, B, 4)))


# -- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("batch_first,shape,expected", [
    (False, (5, 2, 4), "expected shape (T, B, 3) (seq_len, batch, input_size) with T, B >= 1, "
                       "got (5, 2, 4)"),
    (True, (2, 5, 4), "expected shape (B, T, 3) (batch, seq_len, input_size) with B, T >= 1, "
                      "got (2, 5, 4)"),
    (False, (5, 4), "expected shape (T, 3) (T, D) = (seq_len, input_size) with T >= 1, got (5, 4)"),
    (False, (0, 2, 3), "expected shape (T, B, 3)"),
    (False, (3,), "expected 3 dimensions (T, B, D) or 2 dimensions (T, D) for an unbatched "
                  "sequence, got 1 with shape (3,)"),
], ids=["seq_first", "batch_first", "unbatched", "empty", "rank1"])
def test_input_of_the_wrong_shape_is_refused_as_for_the_rnn(cell, batch_first, shape, expected):
    with pytest.raises(ValueError, match=esc(f"input: {expected}")):
        CELLS[cell](3, 4, batch_first=batch_first)(np.zeros(shape))


@pytest.mark.parametrize("cell,name", [("lstm", "h0"), ("lstm", "c0"), ("gru", "h0")])
@pytest.mark.parametrize("kwargs,x_shape,s_shape,expected", [
    ({}, (5, 2, 3), (1, 3, 4), "(1, 2, 4) (L*K, B, H) = (num_layers * num_directions, batch, "
                               "hidden_size)"),
    ({"num_layers": 2, "bidirectional": True}, (5, 2, 3), (2, 2, 4), "(4, 2, 4) (L*K, B, H)"),
    ({}, (5, 3), (1, 1, 4), "(1, 4) (L*K, H) = (num_layers * num_directions, hidden_size)"),
], ids=["batch", "layers_directions", "unbatched"])
def test_initial_state_of_the_wrong_shape_is_refused_with_its_name(cell, name, kwargs, x_shape,
                                                                   s_shape, expected):
    model = CELLS[cell](3, 4, **kwargs)
    LK = model.num_layers * model.num_directions
    good = np.zeros((LK, H) if len(x_shape) == 2 else (LK, x_shape[1], H))
    bad = np.zeros(s_shape)
    with pytest.raises(ValueError, match=esc(f"{name}: expected shape {expected}") + ".*"
                       + esc(f"got {s_shape}")):
        if cell == "gru":
            model(np.zeros(x_shape), bad)
        else:
            model(np.zeros(x_shape), (bad, good) if name == "h0" else (good, bad))


def test_non_finite_c0_is_refused_with_its_value_and_index():
    c0 = np.zeros((1, 2, 4))
    c0[0, 1, 3] = np.inf
    with pytest.raises(ValueError, match=esc("c0: expected finite values, got inf at index "
                                             "(0, 1, 3)")):
        LSTM(3, 4)(np.zeros((5, 2, 3)), (None, c0))


@pytest.mark.parametrize("value,given", [
    (np.zeros((1, 2, 4)), "ndarray"), ((np.zeros((1, 2, 4)),), "tuple of length 1"),
    ([None, None, None], "list of length 3"),
], ids=["array", "one", "three"])
def test_lstm_states_that_are_not_a_pair_are_refused(value, given):
    lstm_model = LSTM(3, 4)
    with pytest.raises(ValueError, match=esc(f"hc0: expected a tuple (h0, c0) or None, "
                                             f"got {given}")):
        lstm_model(np.zeros((5, 2, 3)), value)
    out, _ = lstm_model(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=esc(f"grad_hc_n: expected a tuple (grad_h_n, grad_c_n) "
                                             f"or None, got {given}")):
        lstm_model.backward(np.zeros_like(out), value)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_backward_gradients_of_the_wrong_shape_name_the_result_they_belong_to(cell):
    model = CELLS[cell](3, 4, bidirectional=True)
    out, finals = forward_ours(model, np.zeros((5, 2, 3)), [None] * (2 if cell == "lstm" else 1))
    with pytest.raises(ValueError, match=esc("grad_output: expected shape (5, 2, 8) (the shape "
                                             "of forward's output), got (5, 2, 4)")):
        model.backward(np.zeros((5, 2, 4)))
    bad = np.zeros((2, 4))
    if cell == "lstm":
        with pytest.raises(ValueError, match=esc("grad_h_n: expected shape (2, 2, 4) (the shape "
                                                 "of forward's h_n), got (2, 4)")):
            model.backward(out, (bad, None))
        with pytest.raises(ValueError, match=esc("grad_c_n: expected shape (2, 2, 4) (the shape "
                                                 "of forward's c_n), got (2, 4)")):
            model.backward(out, (finals[0], bad))
        nan = np.zeros_like(finals[1])
        nan[1, 0, 2] = np.nan
        with pytest.raises(ValueError, match=esc("grad_c_n: expected finite values, got nan at "
                                                 "index (1, 0, 2)")):
            model.backward(out, (None, nan))
    else:
        with pytest.raises(ValueError, match=esc("grad_h_n: expected shape (2, 2, 4) (the shape "
                                                 "of forward's h_n), got (2, 4)")):
            model.backward(out, bad)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_passes_and_views_out_of_order_or_range_are_refused(cell):
    model = CELLS[cell](3, 4, num_layers=2)
    with pytest.raises(ValueError, match="backward: expected a forward call first, got none"):
        model.backward(np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="trace: expected a forward call first, got none"):
        model.trace()
    with pytest.raises(ValueError, match="step_jacobians: expected a forward call first, got none"):
        model.step_jacobians()
    out, _ = model(np.ones((5, 2, 3)))
    with pytest.raises(ValueError, match="grad_trace: expected a backward call first, got none"):
        model.grad_trace()
    model.backward(np.ones_like(out))
    for view in (model.trace, model.grad_trace, model.step_jacobians):
        with pytest.raises(ValueError, match=esc("layer: expected 0..1, got 2")):
            view(2, 0)
        with pytest.raises(ValueError, match=esc("direction: expected 0..0, got 1")):
            view(0, 1)
    with pytest.raises(ValueError, match=esc("batch: expected 0..1, got 2")):
        model.step_jacobians(0, 0, batch=2)


@pytest.mark.parametrize("cell,gates", [("lstm", 4), ("gru", 3)])
def test_load_state_dict_of_another_cell_names_the_parameter_and_both_shapes(cell, gates):
    model = CELLS[cell](3, 4)
    with pytest.raises(ValueError, match=esc(f"weight_ih_l0: expected shape ({gates * 4}, 3), "
                                             f"got (4, 3)")):
        model.load_state_dict(RNN(3, 4).state_dict())
    with pytest.raises(ValueError, match=esc("missing ['weight_hh_l0'], unexpected []")):
        model.load_state_dict({k: v for k, v in model.state_dict().items()
                               if k != "weight_hh_l0"})


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("kwargs,message", [
    ({"hidden_size": 0}, "hidden_size: expected an integer >= 1, got 0"),
    ({"num_layers": 1.5}, "num_layers: expected an integer >= 1, got 1.5"),
    ({"dtype": np.float16}, "dtype: expected float32 or float64, got float16"),
    ({"init": "kaiming"}, "init: expected one of ('torch', 'xavier', 'orthogonal'), got 'kaiming'"),
], ids=["hidden_size", "num_layers", "dtype", "init"])
def test_bad_construction_arguments_are_refused(cell, kwargs, message):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=esc(message)):
        CELLS[cell](**args)


# -- the import boundary ---------------------------------------------------------------------------

def test_running_an_lstm_and_a_gru_imports_nothing_but_numpy():
    code = ("import json, sys\n"
            "before = set(sys.modules)\n"
            "import numpy as np\n"
            "from rnn_core import GRU, LSTM\n"
            "for cls in (LSTM, GRU):\n"
            "    m = cls(2, 3)\n"
            "    out, _ = m(np.ones((4, 2)))\n"
            "    m.backward(out); m.grad_trace(); m.step_jacobians(); m.trace()\n"
            "new = sorted({m.split('.')[0] for m in set(sys.modules) - before})\n"
            "print(json.dumps({'new': new, 'stdlib': sorted(sys.stdlib_module_names)}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    new = set(report["new"])
    assert {"rnn_core", "numpy"} <= new
    # numpy.random is compiled with Cython, which registers its runtime as modules: not packages.
    cython = {m for m in new if m == "cython_runtime" or m.startswith("_cython_")}
    assert sorted(new - set(report["stdlib"]) - {"rnn_core", "numpy"} - cython) == []
