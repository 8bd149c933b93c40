"""The GRU: pure forward/backward function pairs, then `GRU`, torch.nn.GRU's face over them.

    r = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)             reset gate
    z = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)             update gate
    n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))          candidate
    h_t = (1 - z) * n + z * h_{t-1}

The rows of W_ih, W_hh, b_ih, b_hh are the three gates' blocks in torch's order r, z, n. The
reset gate multiplies W_hn h_{t-1} + b_hn (torch's form, not h_{t-1} before the product).

Axes: T time, B batch, D input features, H hidden units, G = 3H gate rows;
L num_layers, K num_directions.

The functions run one layer in one direction, forward in time; a caller that wants the reverse
direction passes the sequence flipped and flips the result (`GRU` does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._recurrent import _SingleStateBase
from .functional import sigmoid


def _split(a: np.ndarray) -> tuple[np.ndarray, ...]:
    """The three gate blocks (..., H) of a (..., 3H) array, as views: r, z, n."""
    H = a.shape[-1] // 3
    return a[..., :H], a[..., H:2 * H], a[..., 2 * H:]


# ---------------------------------------------------------------------------------------------
# One time step
# ---------------------------------------------------------------------------------------------

def gru_step_forward(x, prev_h, W_ih, W_hh, b_ih=None, b_hh=None):
    """One step of the GRU (module docstring).

    x (B, D), prev_h (B, H), W_ih (3H, D), W_hh (3H, H), b_ih and b_hh (3H,) or None.
    Returns next_h (B, H) and the cache `gru_step_backward` needs.
    """
    gi = x @ W_ih.T  # (B, 3H)
    gh = prev_h @ W_hh.T  # (B, 3H)
    if b_ih is not None:
        gi, gh = gi + b_ih, gh + b_hh
    gi_r, gi_z, gi_n = _split(gi)
    gh_r, gh_z, gh_n = _split(gh)
    r = sigmoid(gi_r + gh_r)  # (B, H)
    z = sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)
    next_h = n + z * (prev_h - n)  # = (1 - z) * n + z * h_{t-1}, in torch's order of operations
    return next_h, (x, prev_h, W_ih, W_hh, r, z, n, gh_n, b_ih is not None)


def gru_step_backward(dnext_h, cache):
    """Backward of `gru_step_forward`.

    dnext_h (B, H): dL/dnext_h. Returns dx (B, D), dprev_h (B, H), dW_ih (3H, D),
    dW_hh (3H, H), db_ih, db_hh (3H,) (None when the step had no bias).
    """
    x, prev_h, W_ih, W_hh, r, z, n, gh_n, has_bias = cache
    da_n = dnext_h * (1.0 - z) * (1.0 - n * n)  # through (1 - z) * n, then tanh
    da_r = da_n * gh_n * r * (1.0 - r)  # through r * (W_hn h + b_hn), then sigmoid
    da_z = dnext_h * (prev_h - n) * z * (1.0 - z)  # through z * (h - n), then sigmoid
    dgi = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H): at W_ih x + b_ih
    dgh = np.concatenate([da_r, da_z, da_n * r], axis=1)  # (B, 3H): at W_hh h + b_hh
    dx = dgi @ W_ih  # (B, D)
    dprev_h = dnext_h * z + dgh @ W_hh  # the direct path z * h_{t-1}, and through the gates
    db_ih = dgi.sum(axis=0) if has_bias else None
    db_hh = dgh.sum(axis=0) if has_bias else None
    return dx, dprev_h, dgi.T @ x, dgh.T @ prev_h, db_ih, db_hh


# ---------------------------------------------------------------------------------------------
# A whole sequence
# ---------------------------------------------------------------------------------------------

@dataclass
class GRUCache:
    """What one layer-direction's forward keeps, in processing order.

    x (T, B, D); h0 (B, H); ih (T, B, 3H) = W_ih x_t; hh (T, B, 3H) = W_hh h_{t-1};
    r, z, n (T, B, H); hn (T, B, H) = W_hn h_{t-1} + b_hn (what r scales); h (T, B, H);
    W_ih (3H, D), W_hh (3H, H), b_ih and b_hh (3H,) or None.
    """

    x: np.ndarray
    h0: np.ndarray
    ih: np.ndarray
    hh: np.ndarray
    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    hn: np.ndarray
    h: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray | None
    b_hh: np.ndarray | None


def gru_forward(x, h0, W_ih, W_hh, b_ih=None, b_hh=None):
    """Run a sequence through one GRU layer.

    x (T, B, D), h0 (B, H), W_ih (3H, D), W_hh (3H, H), b_ih and b_hh (3H,) or None.
    Returns h (T, B, H) and a `GRUCache`. Only `h_{t-1} @ W_hh.T` and the elementwise gate
    arithmetic sit in the time loop.
    """
    T, B, D = x.shape
    H = W_hh.shape[1]
    ih = (x.reshape(T * B, D) @ W_ih.T).reshape(T, B, 3 * H)  # W_ih x_t for every t
    gi = ih + b_ih if b_ih is not None else ih  # (T, B, 3H), the part not in the loop
    gi_r, gi_z, gi_n = _split(gi)
    hh = np.empty((T, B, 3 * H), dtype=x.dtype)
    r = np.empty((T, B, H), dtype=x.dtype)
    z = np.empty((T, B, H), dtype=x.dtype)
    n = np.empty((T, B, H), dtype=x.dtype)
    hn = np.empty((T, B, H), dtype=x.dtype)
    h = np.empty((T, B, H), dtype=x.dtype)
    W_hh_T = W_hh.T
    prev = h0
    for t in range(T):
        np.matmul(prev, W_hh_T, out=hh[t])  # W_hh h_{t-1}: (B, 3H)
        gh = hh[t] + b_hh if b_hh is not None else hh[t]
        gh_r, gh_z, gh_n = _split(gh)
        sigmoid(gi_r[t] + gh_r, out=r[t])
        sigmoid(gi_z[t] + gh_z, out=z[t])
        hn[t] = gh_n
        np.tanh(gi_n[t] + r[t] * gh_n, out=n[t])
        np.add(n[t], z[t] * (prev - n[t]), out=h[t])  # (1 - z) * n + z * h_{t-1}, torch's order
        prev = h[t]
    cache = GRUCache(x, h0, ih, hh, r, z, n, hn, h, W_ih, W_hh, b_ih, b_hh)
    return h, cache


@dataclass
class GRULayerGrads:
    """What one layer-direction's backward produces, in processing order.

    dx (T, B, D), dh0 (B, H), dW_ih (3H, D), dW_hh (3H, H), db_ih and db_hh (3H,) or None;
    dh (T, B, H): the whole gradient arriving at h_t; dih (T, B, 3H): the gradient at
    W_ih x_t + b_ih; dhh (T, B, 3H): the gradient at W_hh h_{t-1} + b_hh (they differ in the
    n block, where r scales the recurrent part).
    """

    dx: np.ndarray
    dh0: np.ndarray
    dW_ih: np.ndarray
    dW_hh: np.ndarray
    db_ih: np.ndarray | None
    db_hh: np.ndarray | None
    dh: np.ndarray
    dih: np.ndarray
    dhh: np.ndarray


def gru_backward(dout, dh_n, cache: GRUCache) -> GRULayerGrads:
    """Backpropagation through time for `gru_forward`.

    dout (T, B, H): dL/dh_t from above; dh_n (B, H) or None: dL/dh_T from the final state.
    The weight gradients are one matrix product each, after the loop.
    """
    x, h, W_hh = cache.x, cache.h, cache.W_hh
    r, z, n, hn = cache.r, cache.z, cache.n, cache.hn
    T, B, D = x.shape
    H = h.shape[2]
    h_prev = _SingleStateBase._prev_states(cache.h0, h)  # (T, B, H): what each step read
    dh = np.empty((T, B, H), dtype=x.dtype)
    dih = np.empty((T, B, 3 * H), dtype=x.dtype)
    dhh = np.empty((T, B, 3 * H), dtype=x.dtype)
    dih_r, dih_z, dih_n = _split(dih)
    dhh_r, dhh_z, dhh_n = _split(dhh)
    carry = np.zeros((B, H), dtype=x.dtype) if dh_n is None else dh_n  # dL/dh_t from step t+1
    for t in range(T - 1, -1, -1):
        np.add(dout[t], carry, out=dh[t])  # total gradient at h_t: from above and from t+1
        np.multiply(dh[t] * (1.0 - z[t]), 1.0 - n[t] * n[t], out=dih_n[t])  # (1 - z) n, tanh
        np.multiply(dih_n[t] * hn[t], r[t] * (1.0 - r[t]), out=dih_r[t])  # r * hn, sigmoid
        np.multiply(dh[t] * (h_prev[t] - n[t]), z[t] * (1.0 - z[t]), out=dih_z[t])  # z, sigmoid
        dhh_r[t], dhh_z[t] = dih_r[t], dih_z[t]  # r and z read both projections alike
        np.multiply(dih_n[t], r[t], out=dhh_n[t])  # the recurrent part of n is scaled by r
        carry = dh[t] * z[t] + dhh[t] @ W_hh  # direct path z * h_{t-1}, and through W_hh
    dih2 = dih.reshape(T * B, 3 * H)
    dhh2 = dhh.reshape(T * B, 3 * H)
    dx = (dih2 @ cache.W_ih).reshape(T, B, D)  # all steps at once
    dW_ih = dih2.T @ x.reshape(T * B, D)  # (3H, D)
    dW_hh = dhh2.T @ h_prev.reshape(T * B, H)  # (3H, H)
    if cache.b_ih is not None:
        db_ih, db_hh = dih2.sum(axis=0), dhh2.sum(axis=0)  # (3H,) each
    else:
        db_ih = db_hh = None
    return GRULayerGrads(dx, carry, dW_ih, dW_hh, db_ih, db_hh, dh, dih, dhh)


def gru_step_jacobians(cache: GRUCache, batch: int = 0) -> np.ndarray:
    """d h_t / d h_{t-1} for one sample, (T, H, H) in processing order, row = output unit:

        diag(z) + diag(1 - z) dn/dh + diag(h_{t-1} - n) dz/dh,
        dz/dh = diag(z (1 - z)) W_hz,   dr/dh = diag(r (1 - r)) W_hr,
        dn/dh = diag(1 - n^2) (diag(r) W_hn + diag(W_hn h_{t-1} + b_hn) dr/dh).
    """
    H = cache.h.shape[2]
    r, z, n, hn = (a[:, batch] for a in (cache.r, cache.z, cache.n, cache.hn))  # each (T, H)
    h_prev = _SingleStateBase._prev_states(cache.h0, cache.h)[:, batch]  # (T, H)
    W_hr, W_hz, W_hn = (cache.W_hh[j * H:(j + 1) * H] for j in range(3))  # each (H, H)
    # In place, two (T, H, H) arrays at a time (T * H^2 can be hundreds of MB); each product
    # is the formula's, in its order, so the values are the same as written out
    J = r[:, :, None] * W_hn  # (T, H, H): diag(r) W_hn
    dr = (r * (1 - r))[:, :, None] * W_hr  # (T, H, H): dr/dh
    dr *= hn[:, :, None]  # diag(W_hn h_{t-1} + b_hn) dr/dh
    J += dr
    J *= (1 - n * n)[:, :, None]  # dn/dh
    J *= (1 - z)[:, :, None]  # diag(1 - z) dn/dh
    dz = np.multiply((z * (1 - z))[:, :, None], W_hz, out=dr)  # dz/dh, in dr's memory
    dz *= (h_prev - n)[:, :, None]
    J += dz  # (T, H, H)
    diag = np.arange(H)
    J[:, diag, diag] += z  # the direct path z * h_{t-1}
    return J


# ---------------------------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GRUTrace:
    """One layer-direction's forward, in sequence time order (index t is the t-th element of
    the sequence, for both directions). Arrays are (T, B, H) unless said otherwise.

    x (T, B, D_l): this layer's input; ih (T, B, 3H): W_ih x_t; hh (T, B, 3H): W_hh h_prev;
    b_ih, b_hh (3H,) (zeros without bias); r, z, n: the gates; hn: W_hn h_prev + b_hn, the
    term r scales; h: h_t; h0 (B, H): the initial state; h_prev: the state each step reads
    (h_{t-1} forward, h_{t+1} reverse); reverse: True for the backward direction.
    """

    layer: int
    direction: int
    reverse: bool
    x: np.ndarray
    ih: np.ndarray
    hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    hn: np.ndarray
    h: np.ndarray
    h0: np.ndarray
    h_prev: np.ndarray


@dataclass(frozen=True)
class GRUGradTrace:
    """One layer-direction's backward, in sequence time order.

    dh (T, B, H): the whole gradient dL/dh_t arriving at h_t (from the output at t and from
    the next step in the direction of processing); dih (T, B, 3H): the gradient at
    W_ih x_t + b_ih; dhh (T, B, 3H): the gradient at W_hh h_prev + b_hh, so
    dL/dW_hh = sum_t dhh_t^T h_prev_t.
    """

    layer: int
    direction: int
    reverse: bool
    dh: np.ndarray
    dih: np.ndarray
    dhh: np.ndarray


class GRU(_SingleStateBase):
    """A multi-layer GRU with torch.nn.GRU's arguments, names and results.

    Shapes (axes in the module docstring):
        input       (T, B, D), or (B, T, D) if batch_first, or unbatched (T, D)
        h0          (L*K, B, H), or (L*K, H) unbatched; zeros if not given
        output      (T, B, K*H), or (B, T, K*H) if batch_first, or (T, K*H) unbatched
        h_n         like h0; row l*K + k is layer l, direction k
        weight_ih_l{l}{sfx} (3H, D if l == 0 else K*H), weight_hh_l{l}{sfx} (3H, H),
        bias_ih_l{l}{sfx}, bias_hh_l{l}{sfx} (3H,): the gates r, z, n in that order.

    `init` and `seed` as for `RNN` ("torch" draws U(-1/sqrt(H), 1/sqrt(H)) for everything).
    After `forward`, `trace(l, k)` and `step_jacobians(l, k)`; after `backward`,
    `grad_trace(l, k)`.
    """

    _gates = 3
    mode = "GRU"

    def _scan(self, seq, h0, W_ih, W_hh, b_ih, b_hh):
        return gru_forward(seq, h0, W_ih, W_hh, b_ih, b_hh)

    def _scan_backward(self, dout, dh_n, cache):
        return gru_backward(dout, dh_n, cache)

    def trace(self, layer: int = 0, direction: int = 0) -> GRUTrace:
        """Every term of every step of the last forward, in sequence time order (views)."""
        c = self._cache_for("trace", layer, direction)
        rev = direction == 1

        def order(a):
            return a[::-1] if rev else a

        zeros = np.zeros(3 * self.hidden_size, dtype=self.dtype)
        return GRUTrace(
            layer, direction, rev, order(c.x), order(c.ih), order(c.hh),
            zeros if c.b_ih is None else c.b_ih, zeros if c.b_hh is None else c.b_hh,
            order(c.r), order(c.z), order(c.n), order(c.hn), order(c.h), c.h0,
            order(self._prev_states(c.h0, c.h)))

    def grad_trace(self, layer: int = 0, direction: int = 0) -> GRUGradTrace:
        """dL/dh_t and the gates' gradients of the last backward, in sequence time order."""
        g = self._grads_for(layer, direction)
        rev = direction == 1

        def order(a):
            return a[::-1] if rev else a

        return GRUGradTrace(layer, direction, rev, order(g.dh), order(g.dih), order(g.dhh))

    def step_jacobians(self, layer: int = 0, direction: int = 0, batch: int = 0) -> np.ndarray:
        """The per-step factors J_t = dh_t/dh_prev for one sample, (T, H, H) in processing
        order (for the reverse direction, index 0 is the last element); the formula is
        `gru_step_jacobians`'. The direct path z * h_prev puts diag(z) into every J_t."""
        return gru_step_jacobians(self._cache_for("step_jacobians", layer, direction, batch),
                                  batch)
