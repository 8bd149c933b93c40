"""The LSTM: pure forward/backward function pairs, then `LSTM`, torch.nn.LSTM's face over them.

    [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh      gate pre-activations
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g                                           cell state
    h_t = o * tanh(c_t)                                                 hidden state

The rows of W_ih, W_hh, b_ih, b_hh are the four gates' blocks in torch's order i, f, g, o.

Axes: T time, B batch, D input features, H hidden units, G = 4H gate rows;
L num_layers, K num_directions.

The functions run one layer in one direction, forward in time; a caller that wants the reverse
direction passes the sequence flipped and flips the result (`LSTM` does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._recurrent import _RecurrentBase, unpack_pair
from .functional import sigmoid


def _gate_activations(pre: np.ndarray, out: np.ndarray) -> None:
    """[i, f, g, o] = [sigmoid, sigmoid, tanh, sigmoid] of the four (..., H) blocks of pre."""
    H = pre.shape[-1] // 4
    sigmoid(pre[..., :2 * H], out=out[..., :2 * H])  # i, f
    np.tanh(pre[..., 2 * H:3 * H], out=out[..., 2 * H:3 * H])  # g
    sigmoid(pre[..., 3 * H:], out=out[..., 3 * H:])  # o


def _split(a: np.ndarray) -> tuple[np.ndarray, ...]:
    """The four gate blocks (..., H) of a (..., 4H) array, as views."""
    H = a.shape[-1] // 4
    return a[..., :H], a[..., H:2 * H], a[..., 2 * H:3 * H], a[..., 3 * H:]


# ---------------------------------------------------------------------------------------------
# One time step
# ---------------------------------------------------------------------------------------------

def lstm_step_forward(x, prev_h, prev_c, W_ih, W_hh, b_ih=None, b_hh=None):
    """One step of the LSTM (module docstring).

    x (B, D), prev_h and prev_c (B, H), W_ih (4H, D), W_hh (4H, H), b_ih and b_hh (4H,) or None.
    Returns next_h (B, H), next_c (B, H) and the cache `lstm_step_backward` needs.
    """
    pre = x @ W_ih.T + prev_h @ W_hh.T  # (B, 4H)
    if b_ih is not None:
        pre = pre + b_ih + b_hh
    act = np.empty_like(pre)
    _gate_activations(pre, act)  # (B, 4H): i, f, g, o
    i, f, g, o = _split(act)
    next_c = f * prev_c + i * g  # (B, H)
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c  # (B, H)
    return next_h, next_c, (x, prev_h, prev_c, W_ih, W_hh, act, tanh_c, b_ih is not None)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward of `lstm_step_forward`.

    dnext_h (B, H): dL/dnext_h; dnext_c (B, H): dL/dnext_c from the later steps (next_h's
    share reaches next_c through tanh, added here).
    Returns dx (B, D), dprev_h (B, H), dprev_c (B, H), dW_ih (4H, D), dW_hh (4H, H),
    db_ih, db_hh (4H,) (None when the step had no bias).
    """
    x, prev_h, prev_c, W_ih, W_hh, act, tanh_c, has_bias = cache
    i, f, g, o = _split(act)
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c * tanh_c)  # backprop h = o * tanh(c) into c
    da = np.concatenate([
        dc * g * i * (1.0 - i),  # through c = ... + i * g, then sigmoid
        dc * prev_c * f * (1.0 - f),  # through f * c_{t-1}, then sigmoid
        dc * i * (1.0 - g * g),  # through i * g, then tanh
        dnext_h * tanh_c * o * (1.0 - o),  # through o * tanh(c), then sigmoid
    ], axis=1)  # (B, 4H): dL/d(gate pre-activations)
    dx = da @ W_ih  # (B, D)
    dprev_h = da @ W_hh  # (B, H)
    dprev_c = dc * f  # the cell state's additive path: only the forget gate scales it
    db = da.sum(axis=0) if has_bias else None
    return dx, dprev_h, dprev_c, da.T @ x, da.T @ prev_h, db, (db.copy() if has_bias else None)


# ---------------------------------------------------------------------------------------------
# A whole sequence
# ---------------------------------------------------------------------------------------------

@dataclass
class LSTMCache:
    """What one layer-direction's forward keeps, in processing order.

    x (T, B, D); h0, c0 (B, H); ih (T, B, 4H) = W_ih x_t; hh (T, B, 4H) = W_hh h_{t-1};
    pre (T, B, 4H): the gate pre-activations; act (T, B, 4H): [i, f, g, o];
    c, tanh_c, h (T, B, H); W_ih (4H, D), W_hh (4H, H), b_ih and b_hh (4H,) or None.
    """

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    ih: np.ndarray
    hh: np.ndarray
    pre: np.ndarray
    act: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray | None
    b_hh: np.ndarray | None


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih=None, b_hh=None):
    """Run a sequence through one LSTM layer.

    x (T, B, D), h0 and c0 (B, H), W_ih (4H, D), W_hh (4H, H), b_ih and b_hh (4H,) or None.
    Returns h (T, B, H), c (T, B, H) and an `LSTMCache`. Only `h_{t-1} @ W_hh.T` and the
    elementwise gate arithmetic sit in the time loop.
    """
    T, B, D = x.shape
    H = W_hh.shape[1]
    ih = (x.reshape(T * B, D) @ W_ih.T).reshape(T, B, 4 * H)  # W_ih x_t for every t
    base = ih + (b_ih + b_hh) if b_ih is not None else ih  # (T, B, 4H), the part not in the loop
    hh = np.empty((T, B, 4 * H), dtype=x.dtype)
    pre = np.empty((T, B, 4 * H), dtype=x.dtype)
    act = np.empty((T, B, 4 * H), dtype=x.dtype)
    c = np.empty((T, B, H), dtype=x.dtype)
    tanh_c = np.empty((T, B, H), dtype=x.dtype)
    h = np.empty((T, B, H), dtype=x.dtype)
    W_hh_T = W_hh.T
    prev_h, prev_c = h0, c0
    for t in range(T):
        np.matmul(prev_h, W_hh_T, out=hh[t])  # W_hh h_{t-1}: (B, 4H)
        np.add(base[t], hh[t], out=pre[t])
        _gate_activations(pre[t], act[t])
        i, f, g, o = _split(act[t])  # each (B, H)
        np.add(f * prev_c, i * g, out=c[t])  # c_t = f * c_{t-1} + i * g
        np.tanh(c[t], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=h[t])  # h_t = o * tanh(c_t)
        prev_h, prev_c = h[t], c[t]
    cache = LSTMCache(x, h0, c0, ih, hh, pre, act, c, tanh_c, h, W_ih, W_hh, b_ih, b_hh)
    return h, c, cache


@dataclass
class LSTMLayerGrads:
    """What one layer-direction's backward produces, in processing order.

    dx (T, B, D), dh0 and dc0 (B, H), dW_ih (4H, D), dW_hh (4H, H), db_ih and db_hh (4H,) or
    None; dh (T, B, H) and dc (T, B, H): the whole gradients arriving at h_t and at c_t (c_t's
    includes h_t's share through tanh); da (T, B, 4H): dL/d(gate pre-activations), which is
    also the gradient at W_ih x_t + b_ih and at W_hh h_{t-1} + b_hh.
    """

    dx: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray
    dW_ih: np.ndarray
    dW_hh: np.ndarray
    db_ih: np.ndarray | None
    db_hh: np.ndarray | None
    dh: np.ndarray
    dc: np.ndarray
    da: np.ndarray


def lstm_backward(dout, dh_n, dc_n, cache: LSTMCache) -> LSTMLayerGrads:
    """Backpropagation through time for `lstm_forward`.

    dout (T, B, H): dL/dh_t from above; dh_n, dc_n (B, H) or None: dL/dh_T, dL/dc_T from the
    final states. The weight gradients are one matrix product each, after the loop.
    """
    x, h, c, W_hh = cache.x, cache.h, cache.c, cache.W_hh
    T, B, D = x.shape
    H = h.shape[2]
    i, f, g, o = _split(cache.act)  # each (T, B, H)
    tanh_c = cache.tanh_c
    c_prev = _RecurrentBase._prev_states(cache.c0, c)  # (T, B, H): what each step read
    dh = np.empty((T, B, H), dtype=x.dtype)
    dc = np.empty((T, B, H), dtype=x.dtype)
    da = np.empty((T, B, 4 * H), dtype=x.dtype)
    da_i, da_f, da_g, da_o = _split(da)
    carry_h = np.zeros((B, H), dtype=x.dtype) if dh_n is None else dh_n  # from step t+1
    carry_c = np.zeros((B, H), dtype=x.dtype) if dc_n is None else dc_n
    for t in range(T - 1, -1, -1):
        np.add(dout[t], carry_h, out=dh[t])  # total gradient at h_t: from above and from t+1
        dc[t] = carry_c + dh[t] * o[t] * (1.0 - tanh_c[t] * tanh_c[t])  # through tanh(c_t)
        np.multiply(dc[t] * g[t], i[t] * (1.0 - i[t]), out=da_i[t])  # input gate, sigmoid
        np.multiply(dc[t] * c_prev[t], f[t] * (1.0 - f[t]), out=da_f[t])  # forget gate
        np.multiply(dc[t] * i[t], 1.0 - g[t] * g[t], out=da_g[t])  # candidate, tanh
        np.multiply(dh[t] * tanh_c[t], o[t] * (1.0 - o[t]), out=da_o[t])  # output gate
        carry_h = da[t] @ W_hh  # backprop through W_hh h_{t-1}: (B, H)
        carry_c = dc[t] * f[t]  # backprop through f * c_{t-1}
    da2 = da.reshape(T * B, 4 * H)
    dx = (da2 @ cache.W_ih).reshape(T, B, D)  # all steps at once
    dW_ih = da2.T @ x.reshape(T * B, D)  # (4H, D)
    dW_hh = da[0].T @ cache.h0  # (4H, H): step 0 reads h0 ...
    if T > 1:
        # ... then h_{t-1}
        dW_hh += da[1:].reshape((T - 1) * B, 4 * H).T @ h[:-1].reshape((T - 1) * B, H)
    if cache.b_ih is not None:
        db_ih = da2.sum(axis=0)  # (4H,): both biases enter the pre-activations unscaled
        db_hh = db_ih.copy()
    else:
        db_ih = db_hh = None
    return LSTMLayerGrads(dx, carry_h, carry_c, dW_ih, dW_hh, db_ih, db_hh, dh, dc, da)


def lstm_step_jacobians(cache: LSTMCache, batch: int = 0) -> np.ndarray:
    """d s_t / d s_{t-1} for the state s_t = [h_t; c_t] of one sample, (T, 2H, 2H) in
    processing order; the blocks are [[dh_t/dh_{t-1}, dh_t/dc_{t-1}],
    [dc_t/dh_{t-1}, dc_t/dc_{t-1}]], each (H, H), row = output unit, column = input unit.
    """
    H = cache.h.shape[2]
    i, f, g, o = (a[:, batch] for a in _split(cache.act))  # each (T, H)
    tc = cache.tanh_c[:, batch]  # (T, H)
    c_prev = _RecurrentBase._prev_states(cache.c0, cache.c)[:, batch]  # (T, H)
    W_hi, W_hf, W_hg, W_ho = (cache.W_hh[j * H:(j + 1) * H] for j in range(4))  # each (H, H)
    dc_dh = ((g * i * (1 - i))[:, :, None] * W_hi  # through i
             + (c_prev * f * (1 - f))[:, :, None] * W_hf  # through f
             + (i * (1 - g * g))[:, :, None] * W_hg)  # through g: (T, H, H)
    dtanh = o * (1 - tc * tc)  # (T, H): dh_t/dc_t, diagonal
    dh_dh = (tc * o * (1 - o))[:, :, None] * W_ho + dtanh[:, :, None] * dc_dh  # (T, H, H)
    T = i.shape[0]
    J = np.zeros((T, 2 * H, 2 * H), dtype=cache.h.dtype)
    diag = np.arange(H)
    J[:, :H, :H] = dh_dh
    J[:, diag, H + diag] = dtanh * f  # dh_t/dc_{t-1} = diag(o (1 - tanh^2 c_t) f)
    J[:, H:, :H] = dc_dh
    J[:, H + diag, H + diag] = f  # dc_t/dc_{t-1} = diag(f)
    return J


# ---------------------------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LSTMTrace:
    """One layer-direction's forward, in sequence time order (index t is the t-th element of
    the sequence, for both directions). Arrays are (T, B, H) unless said otherwise.

    x (T, B, D_l): this layer's input; ih (T, B, 4H): W_ih x_t; hh (T, B, 4H): W_hh h_prev;
    b_ih, b_hh (4H,) (zeros without bias); pre (T, B, 4H): the gate pre-activations
    ih + b_ih + hh + b_hh; i, f, g, o: the gates; c: c_t; tanh_c: tanh(c_t); h: h_t;
    h0, c0 (B, H): the initial states; h_prev, c_prev: the states each step reads
    (step t-1 forward, t+1 reverse); reverse: True for the backward direction.
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
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray


@dataclass(frozen=True)
class LSTMGradTrace:
    """One layer-direction's backward, in sequence time order.

    dh (T, B, H): the whole gradient dL/dh_t arriving at h_t (from the output at t and from
    the next step in the direction of processing); dc (T, B, H): the whole gradient at c_t
    (from h_t through tanh and from the next step through f); dih, dhh (T, B, 4H): the
    gradients at W_ih x_t + b_ih and at W_hh h_prev + b_hh (equal for the LSTM: both are the
    gate pre-activations' gradient), so dL/dW_hh = sum_t dhh_t^T h_prev_t.
    """

    layer: int
    direction: int
    reverse: bool
    dh: np.ndarray
    dc: np.ndarray
    dih: np.ndarray
    dhh: np.ndarray


class LSTM(_RecurrentBase):
    """A multi-layer LSTM with torch.nn.LSTM's arguments, names and results (no proj_size).

    Shapes (axes in the module docstring; the state is the pair h, c):
        input       (T, B, D), or (B, T, D) if batch_first, or unbatched (T, D)
        hc0         (h0, c0), each (L*K, B, H), or (L*K, H) unbatched; None or a None entry
                    means zeros
        output      (T, B, K*H), or (B, T, K*H) if batch_first, or (T, K*H) unbatched: h_t of
                    the last layer, both directions concatenated
        h_n, c_n    like h0; row l*K + k is layer l, direction k
        weight_ih_l{l}{sfx} (4H, D if l == 0 else K*H), weight_hh_l{l}{sfx} (4H, H),
        bias_ih_l{l}{sfx}, bias_hh_l{l}{sfx} (4H,): the gates i, f, g, o in that order.

    `init` and `seed` as for `RNN` ("torch" draws U(-1/sqrt(H), 1/sqrt(H)) for everything).
    After `forward`, `trace(l, k)` and `step_jacobians(l, k)`; after `backward`,
    `grad_trace(l, k)`.
    """

    _gates = 4
    _state_names = ("h", "c")
    mode = "LSTM"

    def _layer_forward(self, seq, inits, W_ih, W_hh, b_ih, b_hh):
        h, c, cache = lstm_forward(seq, inits[0], inits[1], W_ih, W_hh, b_ih, b_hh)
        return h, (h[-1], c[-1]), cache

    def _layer_backward(self, dout, d_finals, cache):
        g = lstm_backward(dout, d_finals[0], d_finals[1], cache)
        return g, (g.dh0, g.dc0)

    def forward(self, x, hc0=None):
        """Run the LSTM. Returns (output, (h_n, c_n)) with the shapes in the class docstring."""
        h0, c0 = unpack_pair("hc0", hc0, "(h0, c0)")
        return self._run_forward(x, (h0, c0))

    __call__ = forward

    def backward(self, grad_output, grad_hc_n=None) -> dict[str, np.ndarray]:
        """Gradients of a loss L given dL/doutput and (dL/dh_n, dL/dc_n) (shapes of `forward`'s
        results; None, or a None entry, means zero).

        Returns a dict keyed like `state_dict()`, plus "input", "h0" and "c0" (also when the
        initial states were not given).
        """
        g_h, g_c = unpack_pair("grad_hc_n", grad_hc_n, "(grad_h_n, grad_c_n)")
        return self._run_backward(grad_output, (g_h, g_c))

    def trace(self, layer: int = 0, direction: int = 0) -> LSTMTrace:
        """Every term of every step of the last forward, in sequence time order (views)."""
        c = self._cache_for("trace", layer, direction)
        rev = direction == 1

        def order(a):
            return a[::-1] if rev else a

        zeros = np.zeros(4 * self.hidden_size, dtype=self.dtype)
        i, f, g, o = _split(c.act)
        return LSTMTrace(
            layer, direction, rev, order(c.x), order(c.ih), order(c.hh),
            zeros if c.b_ih is None else c.b_ih, zeros if c.b_hh is None else c.b_hh,
            order(c.pre), order(i), order(f), order(g), order(o), order(c.c), order(c.tanh_c),
            order(c.h), c.h0, c.c0, order(self._prev_states(c.h0, c.h)),
            order(self._prev_states(c.c0, c.c)))

    def grad_trace(self, layer: int = 0, direction: int = 0) -> LSTMGradTrace:
        """dL/dh_t, dL/dc_t and the gates' gradients of the last backward, sequence order."""
        g = self._grads_for(layer, direction)
        rev = direction == 1

        def order(a):
            return a[::-1] if rev else a

        da = order(g.da)
        return LSTMGradTrace(layer, direction, rev, order(g.dh), order(g.dc), da, da)

    def step_jacobians(self, layer: int = 0, direction: int = 0, batch: int = 0) -> np.ndarray:
        """The per-step factors J_t = d s_t / d s_prev of the full state s = [h; c] for one
        sample, (T, 2H, 2H) in processing order (for the reverse direction, index 0 is the last
        element): blocks [[dh/dh, dh/dc], [dc/dh, dc/dc]]. The product of these carries a
        gradient back through time; dc/dc = diag(f) is the LSTM's additive path."""
        return lstm_step_jacobians(self._cache_for("step_jacobians", layer, direction, batch),
                                   batch)
