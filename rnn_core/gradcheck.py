"""Central-difference gradient checks (float64), small enough for the app to run and show."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max over entries of |a - n| / max(|a| + |n|, 1e-8) (cs231n's measure); 0 for empty."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)))


def numerical_gradient(f: Callable[[], float], x: np.ndarray, indices, eps: float = 1e-6):
    """d f / d x at the given flat indices, by central differences. `x` is perturbed in place
    and restored; `f` must read it."""
    flat = x.reshape(-1)  # a view: x must be contiguous
    if not np.shares_memory(flat, x):
        raise ValueError("x: expected a contiguous array (perturbed in place), got a copy")
    grads = np.empty(len(indices), dtype=np.float64)
    for n, i in enumerate(indices):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        grads[n] = (f_plus - f_minus) / (2 * eps)
    return grads


def sample_indices(size: int, max_entries: int | None, rng: np.random.Generator) -> np.ndarray:
    """All flat indices, or `max_entries` of them drawn without replacement."""
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_entries, replace=False))


def _first(a, steps: int | None, batch: int | None, batch_first: bool):
    """x's first `steps` steps of its first `batch` samples: (T, B, D), (B, T, D) when
    batch_first, or (T, D) unbatched (no batch axis to cut)."""
    a = np.asarray(a)
    t_ax, b_ax = (1, 0) if batch_first else (0, 1)
    if a.ndim == 2:
        t_ax, b_ax = 0, None
    cut = [slice(None)] * a.ndim
    cut[t_ax] = slice(steps)
    if b_ax is not None:
        cut[b_ax] = slice(batch)
    return a[tuple(cut)]


def _first_samples(state, batch: int | None):
    """h0 (L*K, B, H) or (L*K, H) unbatched cut to its first `batch` samples; a pair (h0, c0)
    each; None stays None."""
    if state is None or batch is None:
        return state
    if isinstance(state, tuple):
        return tuple(_first_samples(s, batch) for s in state)
    s = np.asarray(state)
    return s[:, :batch] if s.ndim == 3 else s


def check_rnn_gradients(rnn, x, h0=None, seed: int = 0, max_entries: int | None = 20,
                        eps: float = 1e-6, steps: int | None = None, batch: int | None = None,
                        tensors=None) -> dict[str, float]:
    """Largest relative error between `rnn.backward` and central differences, per tensor.

    Works for RNN, GRU and LSTM (whose state is the pair (h, c): pass h0 as (h0, c0) or None).
    The loss is L = sum(output * G1) + sum(h_n * G2) (+ sum(c_n * G3) for the LSTM) with the
    G drawn from `seed`, so every output and final state matters. `max_entries` entries of each
    tensor are checked (all when None). The model must be float64.

    A smaller check (see `rnn_core.work.plan_gradient_check`): `steps` keeps the first steps of
    x, `batch` its first samples (and h0's); `tensors`, an iterable of names, checks only those
    (all when None). x: (T, B, D), (B, T, D) if rnn.batch_first, or (T, D); h0: (L*K, B, H) or
    (L*K, H). Returns {name: error} for every parameter, "input", "h0" (and "c0"), or for the
    `tensors` named.
    """
    for name, v in (("steps", steps), ("batch", batch)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              or v < 1):
            raise ValueError(f"{name}: expected an integer >= 1 or None, got {v!r}")
    if steps is not None or batch is not None:
        x = _first(x, steps, batch, bool(getattr(rnn, "batch_first", False)))
        h0 = _first_samples(h0, batch)
    if rnn.dtype != np.float64:
        raise ValueError(f"dtype: expected a float64 RNN for a gradient check, got {rnn.dtype}")
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)  # own copies: they are perturbed in place
    out, state_n = rnn.forward(x, h0)
    paired = isinstance(state_n, tuple)  # the LSTM's (h_n, c_n)
    finals = list(state_n) if paired else [state_n]
    given = list(h0) if paired and h0 is not None else [h0] * len(finals) if h0 is None else [h0]
    states0 = [np.zeros_like(f) if g is None else np.array(g, dtype=np.float64)
               for f, g in zip(finals, given, strict=True)]
    G = [rng.standard_normal(out.shape)] + [rng.standard_normal(f.shape) for f in finals]

    def state_arg():
        return tuple(states0) if paired else states0[0]

    grads_n = tuple(G[1:]) if paired else G[1]
    analytic = rnn.backward(G[0], grads_n)

    def loss() -> float:
        o, sn = rnn.forward(x, state_arg())
        parts = list(sn) if paired else [sn]
        return float(np.sum(o * G[0]) + sum(np.sum(p * g) for p, g in zip(parts, G[1:],
                                                                        strict=True)))

    only = None if tensors is None else tuple(tensors)
    tensors = dict(rnn.params)
    tensors["input"] = x
    for name, arr in zip(("h0", "c0"), states0, strict=False):
        tensors[name] = arr
    if only is not None:
        unknown = sorted(set(only) - set(tensors))
        if unknown:
            raise ValueError(f"tensors: expected names among {sorted(tensors)}, got {unknown}")
        tensors = {name: arr for name, arr in tensors.items() if name in set(only)}
    errors = {}
    for name, arr in tensors.items():
        idx = sample_indices(arr.size, max_entries, rng)
        numeric = numerical_gradient(loss, arr, idx, eps)
        errors[name] = relative_error(analytic[name].reshape(-1)[idx], numeric)
    rnn.forward(x, state_arg())  # leave the cache as a forward on these inputs left it
    return errors
