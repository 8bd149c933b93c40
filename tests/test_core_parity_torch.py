"""Parity of rnn_core with PyTorch, the oracle: torch.nn.RNN, nn.RNNCell, nn.Linear and
torch.nn.functional, in float64 to 1e-10 and in float32 to float32 precision.

Every test takes the session fixture `torch` (tests/conftest.py): without torch they skip with
the reason, and fail under REQUIRE_TORCH=1. Our parameters go into torch with torch.from_numpy,
so both sides compute with the very same numbers.

The measure is max|ours - torch| / max|torch| over a whole tensor.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import rnn_core
from rnn_core import RNN, Linear

pytestmark = pytest.mark.torch

TOL64 = 1e-10
TOL32 = 1e-5

# Axes: T time, B batch, D input, H hidden (kept small and distinct so a transposed axis fails).
T, B, D, H = 5, 2, 3, 4


def rel_err(ours, ref) -> float:
    """max|a - b| / max|b|; an all-zero reference falls back to the absolute error."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != torch's {b.shape}"
    if a.size == 0:
        return 0.0
    diff = float(np.max(np.abs(a - b)))
    scale = float(np.max(np.abs(b)))
    return diff / scale if scale > 0 else diff


def to_np(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def torch_dtype(torch, dtype):
    return torch.float64 if np.dtype(dtype) == np.float64 else torch.float32


def torch_twin(torch, rnn: RNN):
    """torch.nn.RNN with `rnn`'s configuration and `rnn`'s state_dict (strict: names must match)."""
    mod = torch.nn.RNN(rnn.input_size, rnn.hidden_size, num_layers=rnn.num_layers,
                       nonlinearity=rnn.nonlinearity, bias=rnn.bias, batch_first=rnn.batch_first,
                       bidirectional=rnn.bidirectional, dtype=torch_dtype(torch, rnn.dtype))
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in rnn.state_dict().items()},
                        strict=True)
    return mod


def run_both(torch, rnn: RNN, x: np.ndarray, h0: np.ndarray | None, seed: int):
    """Forward both, and backward L = sum(output * G1) + sum(h_n * G2) with random G1, G2.

    Returns two dicts with the same keys: output, h_n, every parameter's gradient, input, and
    h0 when h0 was given (torch has no gradient for an h0 it made itself).
    """
    rng = np.random.default_rng(seed + 10_000)
    out, h_n = rnn.forward(x, h0)
    G1 = rng.standard_normal(out.shape).astype(rnn.dtype)
    G2 = rng.standard_normal(h_n.shape).astype(rnn.dtype)
    grads = rnn.backward(G1, G2)

    mod = torch_twin(torch, rnn)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    h0t = None if h0 is None else torch.from_numpy(h0.copy()).requires_grad_(True)
    out_t, hn_t = mod(xt, h0t)
    loss = (out_t * torch.from_numpy(G1)).sum() + (hn_t * torch.from_numpy(G2)).sum()
    loss.backward()

    ours = {"output": out, "h_n": h_n, **grads}
    theirs = {"output": to_np(out_t), "h_n": to_np(hn_t), "input": to_np(xt.grad)}
    theirs.update({name: to_np(p.grad) for name, p in mod.named_parameters()})
    if h0t is None:
        del ours["h0"]
    else:
        theirs["h0"] = to_np(h0t.grad)
    return ours, theirs


def assert_all_close(ours: dict, theirs: dict, tol: float) -> None:
    assert set(ours) == set(theirs)
    errors = {name: rel_err(ours[name], theirs[name]) for name in theirs}
    bad = {name: e for name, e in errors.items() if not e < tol}
    assert not bad, f"relative error above {tol}: {bad}"


LAYOUTS = ("seq_first", "batch_first", "unbatched", "unbatched_batch_first")


def make_rnn_and_input(nonlinearity, bias, num_layers, bidirectional, layout, with_h0, seed,
                       dtype=np.float64, sizes=(T, B, D, H)):
    T_, B_, D_, H_ = sizes
    rnn = RNN(D_, H_, num_layers=num_layers, nonlinearity=nonlinearity, bias=bias,
              batch_first=layout.endswith("batch_first"), bidirectional=bidirectional,
              seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    LK = num_layers * (2 if bidirectional else 1)
    if layout.startswith("unbatched"):
        x = rng.standard_normal((T_, D_))  # torch ignores batch_first for (T, D) input
        h0_shape = (LK, H_)
    else:
        x = rng.standard_normal((B_, T_, D_) if layout == "batch_first" else (T_, B_, D_))
        h0_shape = (LK, B_, H_)
    h0 = rng.standard_normal(h0_shape).astype(dtype) if with_h0 else None
    return rnn, x.astype(dtype), h0


CONFIGS = list(itertools.product(("tanh", "relu"), (True, False), (1, 2, 3), (False, True),
                                 LAYOUTS, (True, False)))


def config_id(c) -> str:
    nl, bias, L, bi, layout, with_h0 = c
    return (f"{nl}-{'bias' if bias else 'nobias'}-L{L}-{'bi' if bi else 'uni'}-{layout}-"
            f"{'h0' if with_h0 else 'noh0'}")


@pytest.mark.parametrize("config", CONFIGS, ids=[config_id(c) for c in CONFIGS])
def test_rnn_forward_and_every_gradient_match_torch_float64(torch, config):
    seed = CONFIGS.index(config)
    rnn, x, h0 = make_rnn_and_input(*config, seed=seed)
    ours, theirs = run_both(torch, rnn, x, h0, seed)
    assert_all_close(ours, theirs, TOL64)


F32_CONFIGS = [
    ("tanh", True, 1, False, "seq_first", True),
    ("relu", True, 1, False, "batch_first", False),
    ("tanh", True, 2, True, "batch_first", True),
    ("relu", False, 3, True, "seq_first", True),
    ("tanh", False, 3, False, "unbatched", True),
]


@pytest.mark.parametrize("config", F32_CONFIGS, ids=[config_id(c) for c in F32_CONFIGS])
def test_rnn_float32_matches_torch_float32_to_float32_precision(torch, config):
    seed = 7 + F32_CONFIGS.index(config)
    rnn, x, h0 = make_rnn_and_input(*config, seed=seed, dtype=np.float32)
    ours, theirs = run_both(torch, rnn, x, h0, seed)
    for name, value in ours.items():
        assert value.dtype == np.float32, name
    assert_all_close(ours, theirs, TOL32)


# -- the seed articles' examples ------------------------------------------------------------

def test_seed_example_rnn_10_20_shapes_values_and_last_output_equals_h_n(torch):
    # Seed 004: nn.RNN(10, 20), input (5, 3, 10), h0 (1, 3, 20) -> output (5, 3, 20), h_n (1, 3, 20)
    rnn = RNN(10, 20, seed=4)
    rng = np.random.default_rng(4)
    x, h0 = rng.standard_normal((5, 3, 10)), rng.standard_normal((1, 3, 20))
    ours, theirs = run_both(torch, rnn, x, h0, seed=4)
    assert ours["output"].shape == theirs["output"].shape == (5, 3, 20)
    assert ours["h_n"].shape == theirs["h_n"].shape == (1, 3, 20)
    np.testing.assert_array_equal(ours["output"][-1], ours["h_n"][0])
    np.testing.assert_array_equal(theirs["output"][-1], theirs["h_n"][0])
    assert_all_close(ours, theirs, TOL64)


def test_seed_example_rnn_2_5_and_linear_5_3_weight_shapes_match_torch(torch):
    # Seed 001: nn.RNN(2, 5) gives U (5, 2) and W (5, 5); nn.Linear(5, 3) gives V (3, 5).
    rnn_shapes = RNN(2, 5).param_shapes()
    assert rnn_shapes["weight_ih_l0"] == (5, 2)
    assert rnn_shapes["weight_hh_l0"] == (5, 5)
    assert rnn_shapes == {n: tuple(p.shape) for n, p in torch.nn.RNN(2, 5).named_parameters()}
    lin_shapes = Linear(5, 3).param_shapes()
    assert lin_shapes["weight"] == (3, 5)
    assert lin_shapes == {n: tuple(p.shape) for n, p in torch.nn.Linear(5, 3).named_parameters()}


@pytest.mark.parametrize("num_layers,bidirectional,bias",
                         list(itertools.product((1, 2, 3), (False, True), (True, False))))
def test_param_names_shapes_and_order_match_torch(torch, num_layers, bidirectional, bias):
    ours = RNN(3, 4, num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    mod = torch.nn.RNN(3, 4, num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    assert list(ours.param_shapes().items()) == [(n, tuple(p.shape))
                                                 for n, p in mod.named_parameters()]
    assert list(ours.state_dict()) == list(mod.state_dict())
    assert ours.num_parameters() == sum(p.numel() for p in mod.parameters())


def test_seed_data_flow_example_100_256_then_linear_10_matches_torch(torch):
    # Seed 000: input_dim 100 -> hidden 256 -> output 10, o_t = W_ho h_t + b_ho at every step.
    T_, B_ = 6, 2
    rnn, lin = RNN(100, 256, seed=0), Linear(256, 10, seed=1)
    assert rnn.param_shapes() == {"weight_ih_l0": (256, 100), "weight_hh_l0": (256, 256),
                                  "bias_ih_l0": (256,), "bias_hh_l0": (256,)}
    assert lin.param_shapes() == {"weight": (10, 256), "bias": (10,)}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T_, B_, 100))
    target = rng.integers(0, 10, size=(T_, B_))

    out, h_n = rnn(x)  # (T, B, 256)
    logits = lin(out)  # (T, B, 10)
    assert logits.shape == (T_, B_, 10)
    loss, dlogits = rnn_core.cross_entropy(logits, target, reduction="sum")
    lin_grads = lin.backward(dlogits)
    rnn_grads = rnn.backward(lin_grads["input"])

    mod, head = torch_twin(torch, rnn), torch.nn.Linear(256, 10, dtype=torch.float64)
    head.load_state_dict({k: torch.from_numpy(v) for k, v in lin.state_dict().items()})
    xt = torch.from_numpy(x).requires_grad_(True)
    out_t, _ = mod(xt)
    logits_t = head(out_t)
    loss_t = torch.nn.functional.cross_entropy(logits_t.reshape(-1, 10),
                                               torch.from_numpy(target.reshape(-1)),
                                               reduction="sum")
    loss_t.backward()

    assert abs(loss - loss_t.item()) <= TOL64 * abs(loss_t.item())
    assert rel_err(logits, to_np(logits_t)) < TOL64
    for name, p in head.named_parameters():
        assert rel_err(lin_grads[name], to_np(p.grad)) < TOL64, name
    for name, p in mod.named_parameters():
        assert rel_err(rnn_grads[name], to_np(p.grad)) < TOL64, name
    assert rel_err(rnn_grads["input"], to_np(xt.grad)) < TOL64


# -- grad_trace and trace against a step-by-step torch loop ----------------------------------

def torch_cell_loop(torch, rnn: RNN, x3, h0_3):
    """Every layer and direction as a loop over nn.RNNCell, each h_t kept with retain_grad.

    x3 (T, B, D) and h0_3 (L*K, B, H) are torch tensors. Returns output (T, B, K*H),
    h_n (L*K, B, H) and states[(layer, direction)], the list of T tensors h_t in sequence order.
    """
    K, H_ = rnn.num_directions, rnn.hidden_size
    T_ = x3.shape[0]
    layer_in, states, finals = x3, {}, []
    for layer in range(rnn.num_layers):
        outs = []
        for k in range(K):
            sfx = f"_l{layer}{'_reverse' if k else ''}"
            cell = torch.nn.RNNCell(layer_in.shape[2], H_, bias=rnn.bias,
                                    nonlinearity=rnn.nonlinearity, dtype=torch.float64)
            names = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if rnn.bias else ())
            cell.load_state_dict({n: torch.from_numpy(rnn.params[n + sfx]) for n in names})
            h, hs = h0_3[layer * K + k], [None] * T_
            for t in (range(T_ - 1, -1, -1) if k else range(T_)):  # reverse reads from the end
                h = cell(layer_in[t], h)
                h.retain_grad()
                hs[t] = h
            states[(layer, k)] = hs
            finals.append(h)
            outs.append(torch.stack(hs))
        layer_in = torch.cat(outs, dim=2) if K == 2 else outs[0]
    return layer_in, torch.stack(finals), states


@pytest.mark.parametrize("nonlinearity,num_layers,bidirectional",
                         [("tanh", 1, False), ("tanh", 1, True), ("relu", 2, True),
                          ("tanh", 3, False)])
def test_grad_trace_dh_matches_torch_gradient_wrt_each_h_t(torch, nonlinearity, num_layers,
                                                            bidirectional):
    rnn = RNN(D, H, num_layers=num_layers, nonlinearity=nonlinearity,
              bidirectional=bidirectional, seed=3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((num_layers * rnn.num_directions, B, H))
    out, h_n = rnn(x, h0)
    G1, G2 = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    rnn.backward(G1, G2)

    out_t, hn_t, states = torch_cell_loop(torch, rnn, torch.from_numpy(x), torch.from_numpy(h0))
    ((out_t * torch.from_numpy(G1)).sum() + (hn_t * torch.from_numpy(G2)).sum()).backward()
    assert rel_err(out, to_np(out_t)) < TOL64  # the reference loop is the same network

    for (layer, k), hs in states.items():
        tr, gt = rnn.trace(layer, k), rnn.grad_trace(layer, k)
        assert rel_err(tr.h, np.stack([to_np(h) for h in hs])) < TOL64, (layer, k)
        torch_dh = np.stack([to_np(h.grad) for h in hs])  # (T, B, H), sequence order
        assert rel_err(gt.dh, torch_dh) < TOL64, (layer, k)


# -- Linear, the losses, softmax ----------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(), (4,), (3, 4)], ids=["vector", "batch", "time_batch"])
@pytest.mark.parametrize("dtype,tol", [(np.float64, TOL64), (np.float32, TOL32)],
                         ids=["float64", "float32"])
def test_linear_forward_and_grads_match_torch(torch, bias, lead, dtype, tol):
    lin = Linear(5, 3, bias=bias, seed=2, dtype=dtype)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(lead + (5,)).astype(dtype)
    G = rng.standard_normal(lead + (3,)).astype(dtype)
    y = lin(x)
    grads = lin.backward(G)

    mod = torch.nn.Linear(5, 3, bias=bias, dtype=torch_dtype(torch, dtype))
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in lin.state_dict().items()})
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = mod(xt)
    (yt * torch.from_numpy(G)).sum().backward()

    assert y.dtype == dtype
    assert rel_err(y, to_np(yt)) < tol
    assert rel_err(grads["input"], to_np(xt.grad)) < tol
    assert set(grads) == {n for n, _ in mod.named_parameters()} | {"input"}
    for name, p in mod.named_parameters():
        assert rel_err(grads[name], to_np(p.grad)) < tol, name


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 5)], ids=["single", "batch", "seq"])
@pytest.mark.parametrize("scale", [1.0, 100.0], ids=["unit", "large_logits"])
def test_cross_entropy_loss_and_grad_match_torch(torch, reduction, shape, scale):
    rng = np.random.default_rng(5)
    logits = rng.standard_normal(shape) * scale
    target = rng.integers(0, shape[-1], size=shape[:-1])
    loss, dlogits = rnn_core.cross_entropy(logits, target, reduction=reduction)

    C = shape[-1]
    zt = torch.from_numpy(logits.copy()).requires_grad_(True)
    # torch wants the class axis second; (..., C) flattened to (N, C) is the same loss.
    lt = torch.nn.functional.cross_entropy(zt.reshape(-1, C),
                                           torch.from_numpy(target.reshape(-1)),
                                           reduction=reduction)
    lt.backward()
    assert np.isfinite(loss)
    assert abs(loss - lt.item()) <= TOL64 * abs(lt.item())
    assert rel_err(dlogits, to_np(zt.grad)) < TOL64


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_loss_and_grad_match_torch(torch, reduction):
    rng = np.random.default_rng(6)
    pred, target = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    loss, dpred = rnn_core.mse(pred, target, reduction=reduction)
    pt = torch.from_numpy(pred.copy()).requires_grad_(True)
    lt = torch.nn.functional.mse_loss(pt, torch.from_numpy(target), reduction=reduction)
    lt.backward()
    assert abs(loss - lt.item()) <= TOL64 * abs(lt.item())
    assert rel_err(dpred, to_np(pt.grad)) < TOL64


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
@pytest.mark.parametrize("scale", [1.0, 300.0], ids=["unit", "large_logits"])
def test_softmax_and_log_softmax_values_and_backward_match_torch(torch, which, scale):
    rng = np.random.default_rng(8)
    z = rng.standard_normal((3, 4, 6)) * scale
    dy = rng.standard_normal(z.shape)
    fwd = getattr(rnn_core, which)
    bwd = getattr(rnn_core, which + "_backward")
    y = fwd(z)
    dz = bwd(dy, y)

    zt = torch.from_numpy(z.copy()).requires_grad_(True)
    yt = getattr(torch.nn.functional, which)(zt, dim=-1)
    (yt * torch.from_numpy(dy)).sum().backward()
    assert np.all(np.isfinite(y))
    assert rel_err(y, to_np(yt)) < TOL64
    assert rel_err(dz, to_np(zt.grad)) < TOL64
