"""Softmax and the losses, each with its gradient (numerically stable).

Axes: `...` any leading axes (T, B, or both), C classes.
The seed articles' loss over a sequence is L = sum_t L_t: `reduction="sum"`.
"""

from __future__ import annotations

import numpy as np

from ._checks import shape_str

REDUCTIONS = ("mean", "sum")


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum exp(z), shifted by the max so no exp overflows."""
    z = np.asarray(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """z - logsumexp(z), stable for large |z|."""
    z = np.asarray(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_backward(dy: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """dL/dz from dL/dy for y = softmax(z): y * (dy - sum(dy * y))."""
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


def log_softmax_backward(dy: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """dL/dz from dL/dy for y = log_softmax(z): dy - softmax(z) * sum(dy)."""
    return dy - np.exp(y) * np.sum(dy, axis=axis, keepdims=True)


def _as_float(value, name: str = "input") -> np.ndarray:
    """`value` as an array of at least float32 (float64 stays float64, integers become float64);
    nested lists too, which np.result_type alone would misread as a dtype description.
    Raises ValueError for what is not an array of real numbers (None, text, objects, complex)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise ValueError(f"{name}: expected an array of real numbers, got "
                         f"{type(value).__name__} ({err})") from err
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected an array of real numbers, got dtype {arr.dtype}")
    return arr.astype(np.result_type(arr.dtype, np.float32), copy=False)


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")


def cross_entropy(logits, target, reduction: str = "mean"):
    """Cross-entropy of class indices under softmax(logits), as torch's F.cross_entropy.

    logits (..., C), target (...) integers in [0, C). Returns (loss, dlogits (..., C)).
    "mean" averages over every position, "sum" adds them (L = sum_t L_t).
    """
    _check_reduction(reduction)
    logits = _as_float(logits, "logits")
    try:
        target = np.asarray(target)
    except (TypeError, ValueError) as err:
        raise ValueError(f"target: expected integer class indices, got {err}") from err
    if logits.ndim < 1 or target.shape != logits.shape[:-1]:
        raise ValueError(f"target: expected shape {shape_str(logits.shape[:-1])} (logits' "
                         f"shape without the class axis), got {shape_str(target.shape)}")
    if not np.issubdtype(target.dtype, np.integer):
        raise ValueError(f"target: expected integer class indices, got dtype {target.dtype}")
    C = logits.shape[-1]
    if target.size and (target.min() < 0 or target.max() >= C):
        raise ValueError(f"target: expected class indices in [0, {C - 1}], got values from "
                         f"{target.min()} to {target.max()}")
    logp = log_softmax(logits)  # (..., C)
    picked = np.take_along_axis(logp, target[..., None], axis=-1)[..., 0]  # (...)
    n = max(target.size, 1)
    scale = 1.0 / n if reduction == "mean" else 1.0
    loss = -picked.sum() * scale
    dlogits = np.exp(logp)  # softmax
    np.put_along_axis(dlogits, target[..., None],
                      np.take_along_axis(dlogits, target[..., None], axis=-1) - 1.0, axis=-1)
    return float(loss), dlogits * scale  # d/dz of -log softmax(z)[y] is softmax(z) - onehot(y)


def mse(pred, target, reduction: str = "mean"):
    """Mean (or summed) squared error. pred and target of one shape. Returns (loss, dpred)."""
    _check_reduction(reduction)
    pred = _as_float(pred, "pred")
    target = _as_float(target, "target").astype(pred.dtype, copy=False)
    if pred.shape != target.shape:
        raise ValueError(f"target: expected shape {shape_str(pred.shape)} (pred's shape), got "
                         f"{shape_str(target.shape)}")
    diff = pred - target
    scale = 1.0 / max(diff.size, 1) if reduction == "mean" else 1.0
    return float(np.sum(diff * diff) * scale), 2.0 * diff * scale
