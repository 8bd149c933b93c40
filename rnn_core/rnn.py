"""`RNN`: torch.nn.RNN's interface and math, in NumPy, with a backward pass and a trace.

For every layer l and direction:

    h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),     f = tanh or relu

Layer 0 reads the input; layer l > 0 reads layer l-1's output (both directions concatenated).
The reverse direction reads the sequence from its end:
    g_t = f(W_ih x_t + b_ih + W_hh g_{t+1} + b_hh).

Axes: T time (seq_len), B batch, D input_size, H hidden_size, L num_layers,
K num_directions (2 if bidirectional else 1).

Shapes, as torch's:
    input   (T, B, D), or (B, T, D) if batch_first, or unbatched (T, D)
    h0      (L*K, B, H), or (L*K, H) for unbatched input; zeros if not given
    output  (T, B, K*H), or (B, T, K*H) if batch_first, or (T, K*H) unbatched
    h_n     (L*K, B, H), or (L*K, H) unbatched; row l*K + k is layer l, direction k
    weight_ih_l{l}{sfx} (H, D if l == 0 else K*H), weight_hh_l{l}{sfx} (H, H),
    bias_ih_l{l}{sfx}, bias_hh_l{l}{sfx} (H,); sfx is "" forward, "_reverse" backward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._recurrent import _SingleStateBase
from .functional import NONLINEARITIES, rnn_backward, rnn_forward


@dataclass(frozen=True)
class LayerTrace:
    """One layer-direction's forward, in sequence time order (index t is the t-th element of
    the sequence, for both directions). Arrays are (T, B, H) unless said otherwise.

    x (T, B, D_l): this layer's input; ih: W_ih x_t; hh: W_hh h_prev; b_ih, b_hh (H,) (zeros
    without bias); pre: the pre-activation a_t; h: h_t; fprime: f'(a_t); h0 (B, H): the initial
    state; h_prev: the state each step reads (h_{t-1} forward, h_{t+1} reverse);
    reverse: True for the backward direction.
    """

    layer: int
    direction: int
    reverse: bool
    x: np.ndarray
    ih: np.ndarray
    hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    pre: np.ndarray
    h: np.ndarray
    fprime: np.ndarray
    h0: np.ndarray
    h_prev: np.ndarray


@dataclass(frozen=True)
class GradTrace:
    """One layer-direction's backward, in sequence time order, arrays (T, B, H).

    dh: the whole gradient dL/dh_t arriving at h_t (from the output at t and from the next step
    in the direction of processing); da: dL/da_t at the pre-activation. dih and dhh: the
    gradients at W_ih x_t + b_ih and at W_hh h_prev + b_hh, the names `LSTM` and `GRU` use too
    (both equal da here), so dL/dW_hh = sum_t dhh_t^T h_prev_t.
    """

    layer: int
    direction: int
    reverse: bool
    dh: np.ndarray
    da: np.ndarray
    dih: np.ndarray
    dhh: np.ndarray


class RNN(_SingleStateBase):
    """A multi-layer Elman RNN with torch.nn.RNN's arguments, names and results.

    Parameters are created by `init` ("torch": U(-1/sqrt(H), 1/sqrt(H)) for every weight and
    bias, as torch; "xavier": Xavier-uniform weights, zero biases; "orthogonal": orthogonal
    weights, zero biases), drawn from `np.random.default_rng(seed)`.

    After `forward`, `trace(l, k)` gives every term of every step, `step_jacobians(l, k)` the
    per-step factors diag(f'(a_t)) W_hh; after `backward`, `grad_trace(l, k)` gives dL/dh_t.
    """

    _gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, bidirectional=False, seed=0, dtype=np.float64,
                 init="torch"):
        self.nonlinearity = nonlinearity  # checked after the sizes, by _check_options
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         seed, dtype, init)

    def _check_options(self) -> None:
        if self.nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, "
                             f"got {self.nonlinearity!r}")

    @property
    def mode(self) -> str:
        """torch's name for this cell: "RNN_TANH" or "RNN_RELU"."""
        return "RNN_" + self.nonlinearity.upper()

    # -- forward and backward --------------------------------------------------------------

    def _scan(self, seq, h0, W_ih, W_hh, b_ih, b_hh):
        return rnn_forward(seq, h0, W_ih, W_hh, b_ih, b_hh, self.nonlinearity)

    def _scan_backward(self, dout, dh_n, cache):
        return rnn_backward(dout, dh_n, cache)

    # -- what the views draw ----------------------------------------------------------------

    def trace(self, layer: int = 0, direction: int = 0) -> LayerTrace:
        """Every term of every step of the last forward, in sequence time order (views)."""
        c = self._cache_for("trace", layer, direction)
        rev = direction == 1

        def order(a):
            return a[::-1] if rev else a

        zeros = np.zeros(self.hidden_size, dtype=self.dtype)
        h_prev_proc = self._prev_states(c.h0, c.h)  # what step t read
        return LayerTrace(layer, direction, rev, order(c.x), order(c.ih), order(c.hh),
                          zeros if c.b_ih is None else c.b_ih,
                          zeros if c.b_hh is None else c.b_hh,
                          order(c.pre), order(c.h), order(c.fprime), c.h0, order(h_prev_proc))

    def grad_trace(self, layer: int = 0, direction: int = 0) -> GradTrace:
        """dL/dh_t and dL/da_t of the last backward, in sequence time order."""
        g = self._grads_for(layer, direction)
        rev = direction == 1
        da = g.da[::-1] if rev else g.da
        return GradTrace(layer, direction, rev, g.dh[::-1] if rev else g.dh, da, da, da)

    def step_jacobians(self, layer: int = 0, direction: int = 0, batch: int = 0) -> np.ndarray:
        """The per-step factors J_t = dh_t/dh_prev = diag(f'(a_t)) W_hh for one sample,
        (T, H, H) in processing order (for the reverse direction, index 0 is the last element).
        The gradient reaching a state is a product of these (seed article 003)."""
        c = self._cache_for("step_jacobians", layer, direction, batch)
        return c.fprime[:, batch, :, None] * c.W_hh[None]  # (T, H, H): row j scaled by f'(a_j)
