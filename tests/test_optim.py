"""rnn_core.optim: SGD with momentum, Adagrad and Adam follow torch.optim step for step, on a
small LSTM problem and on hand-checkable numbers; bad arguments raise ValueError naming them."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core import optim, tasks
from rnn_core.diagnostics import clip_grad_norm
from rnn_core.train import Network

# (our optimiser, a factory for torch's with the same settings)
CASES = {
    "sgd": (lambda: optim.SGD(lr=0.05, momentum=0.9),
            lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.9)),
    "sgd_plain": (lambda: optim.SGD(lr=0.05, momentum=0.0),
                  lambda t, ps: t.optim.SGD(ps, lr=0.05)),
    "adagrad": (lambda: optim.Adagrad(lr=0.1),
                lambda t, ps: t.optim.Adagrad(ps, lr=0.1)),
    "adam": (lambda: optim.Adam(lr=0.01),
             lambda t, ps: t.optim.Adam(ps, lr=0.01)),
    "adam_betas": (lambda: optim.Adam(lr=0.02, betas=(0.8, 0.99), eps=1e-6),
                   lambda t, ps: t.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
}


def _torch_net(torch, net: Network):
    """The same network in torch (an LSTM and a Linear), loaded from our state dict."""

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.LSTM(net.rnn.input_size, net.hidden_size).double()
            self.head = torch.nn.Linear(net.hidden_size, net.head.out_features).double()

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out)

    tnet = Net()
    tnet.load_state_dict({k: torch.from_numpy(v) for k, v in net.state_dict().items()})
    return tnet


@pytest.mark.torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_optimiser_matches_torch_step_for_step(torch, case):
    """Eight steps on the sine task (fresh batch each step, gradients clipped to norm 1 as the
    trainer does): every parameter equals torch's after every step."""
    ours, theirs = CASES[case]
    task = tasks.make("sine", seq_len=12)
    net = Network("lstm", 1, 6, 1, seed=3)
    tnet = _torch_net(torch, net)
    opt, topt = ours(), theirs(torch, list(tnet.parameters()))
    rng = np.random.default_rng(0)
    names = list(net.parameters())
    for _ in range(8):
        x, y = task.batch(rng, 5)
        logits, _ = net.forward(x)
        _, dlogits = task.loss(logits, y)
        grads, _ = clip_grad_norm(net.backward(dlogits), 1.0)
        opt.step(net.parameters(), grads)

        topt.zero_grad()
        loss = torch.nn.functional.mse_loss(tnet(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tnet.parameters(), 1.0)
        topt.step()
        theirs_now = {k: v.detach().numpy() for k, v in tnet.state_dict().items()}
        for name in names:
            np.testing.assert_allclose(net.parameters()[name], theirs_now[name], rtol=1e-9,
                                       atol=1e-12, err_msg=f"{case}: {name}")


def test_sgd_momentum_by_hand():
    """torch's buffer starts at the first gradient: b1 = g1, b2 = mu b1 + g2."""
    p = {"w": np.array([1.0, -2.0])}
    opt = optim.SGD(lr=0.5, momentum=0.9)
    opt.step(p, {"w": np.array([1.0, 1.0])})
    np.testing.assert_allclose(p["w"], [0.5, -2.5])
    opt.step(p, {"w": np.array([2.0, 0.0])})
    # b = 0.9 * 1 + 2 = 2.9 and 0.9 * 1 + 0 = 0.9
    np.testing.assert_allclose(p["w"], [0.5 - 0.5 * 2.9, -2.5 - 0.5 * 0.9])


def test_adagrad_by_hand():
    p = {"w": np.array([0.0])}
    opt = optim.Adagrad(lr=1.0, eps=0.0 + 1e-10)
    opt.step(p, {"w": np.array([3.0])})  # s = 9: step 3/3 = 1
    np.testing.assert_allclose(p["w"], [-1.0], rtol=1e-9)
    opt.step(p, {"w": np.array([4.0])})  # s = 25: step 4/5
    np.testing.assert_allclose(p["w"], [-1.8], rtol=1e-9)


def test_adam_first_step_is_lr_times_sign():
    """After bias correction the first step is lr * g / (|g| + eps): lr in every coordinate."""
    p = {"w": np.array([1.0, 1.0, 1.0])}
    optim.Adam(lr=0.1).step(p, {"w": np.array([5.0, -0.01, 1e3])})
    np.testing.assert_allclose(p["w"], [0.9, 1.1, 0.9], rtol=1e-6)


def test_step_updates_in_place_and_leaves_gradients_alone():
    w = np.array([1.0, 2.0])
    g = np.array([0.5, 0.5])
    params = {"w": w}
    optim.Adam(lr=0.1).step(params, {"w": g})
    assert params["w"] is w and not np.allclose(w, [1.0, 2.0])
    np.testing.assert_array_equal(g, [0.5, 0.5])


@pytest.mark.parametrize("make", [lambda: optim.SGD(lr=0), lambda: optim.SGD(lr=-1),
                                  lambda: optim.SGD(lr=float("nan")),
                                  lambda: optim.SGD(lr=0.1, momentum=1.0),
                                  lambda: optim.Adam(lr=0.1, betas=(0.9,)),
                                  lambda: optim.Adam(lr=0.1, betas=(1.0, 0.9)),
                                  lambda: optim.Adagrad(lr="0.1"),
                                  lambda: optim.make("rmsprop", 0.1)])
def test_bad_settings_raise(make):
    with pytest.raises(ValueError):
        make()


def test_mismatched_gradients_raise_naming_the_parameter():
    opt = optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match="missing"):
        opt.step({"w": np.zeros(2)}, {})
    with pytest.raises(ValueError, match=r"grads\['w'\].*\(2,\).*\(3,\)"):
        opt.step({"w": np.zeros(2)}, {"w": np.zeros(3)})
