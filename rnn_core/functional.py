"""The vanilla RNN as pure forward/backward function pairs (cs231n's `rnn_layers.py` style).

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh        pre-activation
    h_t = f(a_t)                                        f = tanh or relu

Axes: T time, B batch, D input features, H hidden units.

Every function here runs one layer in one direction, forward in time. A caller that wants the
reverse direction passes the sequence flipped and flips the result (`rnn_core.RNN` does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONLINEARITIES = ("tanh", "relu")


def activate(a: np.ndarray, nonlinearity: str, out: np.ndarray | None = None) -> np.ndarray:
    """f(a) elementwise: tanh or relu."""
    if nonlinearity == "tanh":
        return np.tanh(a, out=out)
    return np.maximum(a, 0, out=out)


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + exp(-a)) elementwise, torch's formula (the gates of `lstm` and `gru`).

    exp(-a) overflows to inf for a < -709 (float64), which gives the right limit 0: the
    overflow warning is silenced rather than the formula changed.
    """
    with np.errstate(over="ignore"):
        e = np.exp(-a)
    e += 1.0
    return np.divide(1.0, e, out=out)


def activation_grad(a: np.ndarray, h: np.ndarray, nonlinearity: str,
                    out: np.ndarray | None = None) -> np.ndarray:
    """f'(a_t), from the pre-activation `a` and the output `h = f(a)` (same shapes)."""
    if nonlinearity == "tanh":
        # tanh'(a) = 1 - tanh(a)^2, read off the output as torch does; in place, no temporary
        out = np.multiply(h, h, out=out)
        return np.subtract(1.0, out, out=out)
    if out is None:
        return (a > 0).astype(h.dtype)  # relu'(a) = 1 where a > 0 (torch takes 0 at a == 0)
    out[...] = a > 0
    return out


# ---------------------------------------------------------------------------------------------
# One time step
# ---------------------------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, W_ih, W_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One step: next_h = f(W_ih x + b_ih + W_hh prev_h + b_hh).

    x (B, D), prev_h (B, H), W_ih (H, D), W_hh (H, H), b_ih and b_hh (H,) or None.
    Returns next_h (B, H) and the cache `rnn_step_backward` needs.
    """
    a = x @ W_ih.T + prev_h @ W_hh.T  # (B, H)
    if b_ih is not None:
        a = a + b_ih + b_hh
    next_h = activate(a, nonlinearity)  # (B, H)
    return next_h, (x, prev_h, W_ih, W_hh, a, next_h, nonlinearity, b_ih is not None)


def rnn_step_backward(dnext_h, cache):
    """Backward of `rnn_step_forward`.

    dnext_h (B, H): dL/dnext_h. Returns dx (B, D), dprev_h (B, H), dW_ih (H, D), dW_hh (H, H),
    db_ih (H,), db_hh (H,) (the biases' gradients are None when the step had no bias).
    """
    x, prev_h, W_ih, W_hh, a, next_h, nonlinearity, has_bias = cache
    da = dnext_h * activation_grad(a, next_h, nonlinearity)  # backprop through f
    dx = da @ W_ih  # (B, D): backprop through W_ih x
    dprev_h = da @ W_hh  # (B, H): backprop through W_hh h_{t-1}
    dW_ih = da.T @ x  # (H, D): summed over the batch
    dW_hh = da.T @ prev_h  # (H, H)
    db = da.sum(axis=0) if has_bias else None  # both biases enter a_t the same way
    return dx, dprev_h, dW_ih, dW_hh, db, (db.copy() if has_bias else None)


# ---------------------------------------------------------------------------------------------
# A whole sequence
# ---------------------------------------------------------------------------------------------

@dataclass
class LayerCache:
    """What one layer-direction's forward keeps, in processing order (for the reverse direction
    that is the flipped sequence). Every (T, B, H) array is indexed by processing step.

    x (T, B, D) input; h0 (B, H); ih (T, B, H) = W_ih x_t; hh (T, B, H) = W_hh h_{t-1};
    pre (T, B, H) = a_t; h (T, B, H) = h_t; fprime (T, B, H) = f'(a_t);
    W_ih (H, D), W_hh (H, H), b_ih and b_hh (H,) or None.
    """

    x: np.ndarray
    h0: np.ndarray
    ih: np.ndarray
    hh: np.ndarray
    pre: np.ndarray
    h: np.ndarray
    fprime: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray | None
    b_hh: np.ndarray | None
    nonlinearity: str


def rnn_forward(x, h0, W_ih, W_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """Run a sequence through one RNN layer.

    x (T, B, D), h0 (B, H), W_ih (H, D), W_hh (H, H), b_ih and b_hh (H,) or None.
    Returns h (T, B, H), every hidden state, and a `LayerCache`.

    Only `h_{t-1} @ W_hh.T` sits in the time loop: the input projection of every step is one
    matrix product before it.
    """
    T, B, D = x.shape
    H = W_hh.shape[0]
    # One allocation for the five (T, B, H) arrays the cache keeps: from 4 MiB up NumPy asks
    # for huge pages, so a call touches a few 2 MiB pages instead of thousands of 4 KiB ones
    ih, pre, hh, h, fprime = np.empty((5, T, B, H), dtype=x.dtype)
    np.matmul(x.reshape(T * B, D), W_ih.T, out=ih.reshape(T * B, H))  # W_ih x_t for every t
    # pre starts as the part of a_t outside the loop; each step adds W_hh h_{t-1} in place
    if b_ih is not None:
        np.add(ih, b_ih + b_hh, out=pre)
    else:
        pre[...] = ih
    # A C-contiguous W_hh.T for B > 1: OpenBLAS's gemm runs the loop's small (B, H) @ (H, H)
    # products up to 2.6x slower on the transposed view (B = 8, H = 256). At B = 1 the product
    # is a gemv, which is as fast or faster on the view.
    W_hh_T = W_hh.T if B == 1 else np.ascontiguousarray(W_hh.T)  # (H, H)
    prev = h0
    for t in range(T):
        # each view is made once: at small sizes, indexing costs as much as the arithmetic
        a_t = pre[t]
        hh_t = np.matmul(prev, W_hh_T, out=hh[t])  # W_hh h_{t-1}: (B, H)
        np.add(a_t, hh_t, out=a_t)  # a_t
        prev = activate(a_t, nonlinearity, out=h[t])  # h_t = f(a_t)
    activation_grad(pre, h, nonlinearity, out=fprime)  # kept for backward and Jacobians
    cache = LayerCache(x, h0, ih, hh, pre, h, fprime, W_ih, W_hh, b_ih, b_hh, nonlinearity)
    return h, cache


@dataclass
class LayerGrads:
    """What one layer-direction's backward produces, in processing order.

    dx (T, B, D), dh0 (B, H), dW_ih (H, D), dW_hh (H, H), db_ih and db_hh (H,) or None,
    dh (T, B, H): the whole gradient arriving at h_t (from the output at t and from step t+1),
    da (T, B, H): dL/da_t, the gradient at the pre-activation.
    """

    dx: np.ndarray
    dh0: np.ndarray
    dW_ih: np.ndarray
    dW_hh: np.ndarray
    db_ih: np.ndarray | None
    db_hh: np.ndarray | None
    dh: np.ndarray
    da: np.ndarray


def rnn_backward(dout, dh_n, cache: LayerCache) -> LayerGrads:
    """Backpropagation through time for `rnn_forward`.

    dout (T, B, H): dL/dh_t from above (the output at each step); dh_n (B, H) or None: dL/dh_T
    from the final state. A weight's gradient is the sum over steps of its gradient at each
    step (seed article 002), taken here in one matrix product after the loop.
    """
    x, h, W_hh = cache.x, cache.h, cache.W_hh
    T, B, D = x.shape
    H = W_hh.shape[0]
    dh, da = np.empty((2, T, B, H), dtype=x.dtype)  # one allocation (see rnn_forward)
    dh0 = np.empty((B, H), dtype=x.dtype)
    fprime = cache.fprime
    # dh[t] is the whole gradient at h_t: from above (dout[t]) and from step t+1
    if dh_n is None:
        dh[T - 1] = dout[T - 1]
    else:
        np.add(dout[T - 1], dh_n, out=dh[T - 1])
    for t in range(T - 1, -1, -1):
        da_t = np.multiply(dh[t], fprime[t], out=da[t])  # backprop through the nonlinearity
        into = dh[t - 1] if t > 0 else dh0  # written in place: no (B, H) array per step
        np.matmul(da_t, W_hh, out=into)  # backprop through W_hh h_{t-1} into h_{t-1} ...
        if t > 0:
            np.add(into, dout[t - 1], out=into)  # ... plus what h_{t-1} gets from above
    da2 = da.reshape(T * B, H)
    dx = (da2 @ cache.W_ih).reshape(T, B, D)  # backprop through W_ih x_t, all steps at once
    dW_ih = da2.T @ x.reshape(T * B, D)  # (H, D): sum over steps and batch
    dW_hh = da[0].T @ cache.h0  # (H, H): step 0 reads h0 ...
    if T > 1:  # ... and step t reads h_{t-1}
        dW_hh += da[1:].reshape((T - 1) * B, H).T @ h[:-1].reshape((T - 1) * B, H)
    if cache.b_ih is not None:
        db_ih = da2.sum(axis=0)  # (H,): both biases enter a_t unscaled
        db_hh = db_ih.copy()
    else:
        db_ih = db_hh = None
    return LayerGrads(dx, dh0, dW_ih, dW_hh, db_ih, db_hh, dh, da)
