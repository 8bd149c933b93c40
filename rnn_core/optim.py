"""Optimisers with torch.optim's update rules: SGD with momentum, Adagrad and Adam.

A parameter set is a dict name -> array (torch's names, e.g. "rnn.weight_hh_l0", "head.bias");
the gradients are a dict with the same names and shapes. `step(params, grads)` updates the
arrays of `params` in place, as torch's `optimizer.step()` updates `p.data`, and keeps its own
state (momentum buffer, squared-gradient sums, moments) per name. Each rule is a pure function
of (param, grad, state) beside the class that applies it; the formulas are torch's:

    SGD      b <- mu b + g  (b = g at the first step; no dampening, no Nesterov)
             p <- p - lr b                               (mu = 0: plain p <- p - lr g)
    Adagrad  s <- s + g^2
             p <- p - lr g / (sqrt(s) + eps)             (min-char-rnn's rule: Karpathy adds
                                                          eps inside the sqrt, torch outside)
    Adam     m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,   t <- t + 1
             p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)

weight_decay, lr_decay, dampening, nesterov and amsgrad are torch's defaults (off) and not
offered. Gradients are not modified. Clipping lives in `rnn_core.diagnostics`
(`clip_grad_norm`, `clip_grad_value`) and runs before `step`, as with torch.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import shape_str

OPTIMIZERS = ("sgd", "adagrad", "adam")


def _positive(name: str, value, *, allow_zero: bool = False, below_one: bool = False) -> float:
    """A finite real number > 0 (>= 0 with allow_zero; < 1 with below_one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    v = float(value)
    low_ok = v >= 0 if allow_zero else v > 0
    if not (math.isfinite(v) and low_ok and (not below_one or v < 1)):
        bound = ">= 0" if allow_zero else "> 0"
        if below_one:
            bound = "in [0, 1)" if allow_zero else "in (0, 1)"
        raise ValueError(f"{name}: expected a finite number {bound}, got {value!r}")
    return v


# ---------------------------------------------------------------------------------------------
# the update rules, one tensor at a time
# ---------------------------------------------------------------------------------------------

def sgd_update(p, g, buf, lr: float, momentum: float):
    """One SGD step of one tensor, in place. buf: the momentum buffer or None (first step).
    Returns the new buffer (None without momentum)."""
    if momentum == 0.0:
        p -= lr * g  # plain gradient descent
        return None
    if buf is None:
        buf = g.copy()  # torch starts the buffer at the first gradient, not at zero
    else:
        buf *= momentum  # velocity decays ...
        buf += g  # ... and gathers the new gradient
    p -= lr * buf
    return buf


def adagrad_update(p, g, sum_sq, lr: float, eps: float) -> None:
    """One Adagrad step of one tensor, in place: sum_sq (p's shape) accumulates g^2."""
    sum_sq += g * g  # every coordinate remembers how large its gradients have been
    p -= lr * g / (np.sqrt(sum_sq) + eps)  # ... and takes steps that shrink accordingly


def adam_update(p, g, m, v, t: int, lr: float, beta1: float, beta2: float, eps: float) -> None:
    """One Adam step of one tensor, in place: m, v the first and second moments, t the step
    number after this update (1 at the first)."""
    m *= beta1
    m += (1.0 - beta1) * g  # running mean of the gradient
    v *= beta2
    v += (1.0 - beta2) * g * g  # running mean of its square
    bias1 = 1.0 - beta1 ** t  # both start at zero: undo the pull towards it
    bias2 = 1.0 - beta2 ** t
    denom = np.sqrt(v) / math.sqrt(bias2) + eps  # torch's order of operations
    p -= (lr / bias1) * m / denom


# ---------------------------------------------------------------------------------------------
# the optimisers
# ---------------------------------------------------------------------------------------------

class Optimizer:
    """What the three share: the learning rate, the step count, and the checks of `step`."""

    name = ""

    def __init__(self, lr: float):
        self.lr = _positive("lr", lr)
        self.steps = 0  # updates done so far
        self.state: dict[str, dict] = {}

    def _check(self, params: dict, grads: dict) -> None:
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise ValueError(f"params, grads: expected dicts of name -> array, got "
                             f"{type(params).__name__} and {type(grads).__name__}")
        missing = sorted(set(params) - set(grads))
        if missing:
            raise ValueError(f"grads: expected a gradient for every parameter, missing {missing}")
        for name, p in params.items():
            g = grads[name]
            if np.shape(g) != p.shape:
                raise ValueError(f"grads[{name!r}]: expected shape {shape_str(p.shape)} (the "
                                 f"parameter's), got {shape_str(np.shape(g))}")

    def step(self, params: dict, grads: dict) -> None:
        """Update every array of `params` in place with its gradient in `grads`."""
        self._check(params, grads)
        self.steps += 1
        for name, p in params.items():
            g = np.asarray(grads[name], dtype=p.dtype)
            self._update(name, p, g)

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The optimiser's state as flat arrays ("<param>.<slot>"), e.g. to save it."""
        return {f"{name}.{slot}": value for name, st in self.state.items()
                for slot, value in st.items() if isinstance(value, np.ndarray)}


class SGD(Optimizer):
    """torch.optim.SGD(params, lr, momentum) with dampening 0, nesterov False, weight_decay 0."""

    name = "sgd"

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        super().__init__(lr)
        self.momentum = _positive("momentum", momentum, allow_zero=True, below_one=True)

    def _update(self, name, p, g):
        st = self.state.setdefault(name, {})
        st["momentum_buffer"] = sgd_update(p, g, st.get("momentum_buffer"), self.lr,
                                           self.momentum)


class Adagrad(Optimizer):
    """torch.optim.Adagrad(params, lr, eps=1e-10) with lr_decay 0, weight_decay 0 and an
    initial accumulator of 0; min-char-rnn's optimiser (which writes sqrt(s + 1e-8))."""

    name = "adagrad"

    def __init__(self, lr: float = 0.1, eps: float = 1e-10):
        super().__init__(lr)
        self.eps = _positive("eps", eps)

    def _update(self, name, p, g):
        st = self.state.setdefault(name, {})
        if "sum" not in st:
            st["sum"] = np.zeros_like(p)
        adagrad_update(p, g, st["sum"], self.lr, self.eps)


class Adam(Optimizer):
    """torch.optim.Adam(params, lr, betas=(0.9, 0.999), eps=1e-8) with weight_decay 0 and
    amsgrad False."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas: expected a pair (beta1, beta2), got {betas!r}")
        self.beta1 = _positive("betas[0]", betas[0], allow_zero=True, below_one=True)
        self.beta2 = _positive("betas[1]", betas[1], allow_zero=True, below_one=True)
        self.eps = _positive("eps", eps)

    def _update(self, name, p, g):
        st = self.state.setdefault(name, {})
        if "exp_avg" not in st:
            st["exp_avg"] = np.zeros_like(p)
            st["exp_avg_sq"] = np.zeros_like(p)
        adam_update(p, g, st["exp_avg"], st["exp_avg_sq"], self.steps, self.lr, self.beta1,
                    self.beta2, self.eps)


def make(name: str, lr: float, momentum: float = 0.9) -> Optimizer:
    """An optimiser by name: "sgd" (with `momentum`), "adagrad" or "adam"."""
    if name == "sgd":
        return SGD(lr, momentum)
    if name == "adagrad":
        return Adagrad(lr)
    if name == "adam":
        return Adam(lr)
    raise ValueError(f"optimizer: expected one of {OPTIMIZERS}, got {name!r}")
