"""What the views show about a run, computed once and drawn elsewhere (no plotting here).

Axes: T time, B batch, D input features, H hidden units, O outputs.

    a_t[j] = sum_i W_ih[j, i] x_t[i] + b_ih[j] + sum_k W_hh[j, k] h_{t-1}[k] + b_hh[j]
    h_t[j] = f(a_t[j])                                       f = tanh or relu
    o_t[m] = sum_k W_ho[m, k] h_t[k] + b_ho[m]

`unit_breakdown` and `output_breakdown` split one of these sums into its terms, so a view can
show which inputs and which units pushed a hidden unit or an output up or down at one step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_shape, shape_str
from .functional import NONLINEARITIES, activate

_F64 = np.dtype(np.float64)


def _index(name: str, value, size: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer index in [0, {size - 1}], got {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name}: expected an index in [0, {size - 1}], got {value}")
    return int(value)


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
    return int(value)


def _top(terms: np.ndarray, top: int) -> list[tuple[int, float]]:
    """The `top` entries of terms (N,) with the largest |value|, largest first; ties keep the
    lower index first (a stable sort), so the list is the same on every run."""
    order = np.argsort(-np.abs(terms), kind="stable")[:top]
    return [(int(k), float(terms[k])) for k in order]


# ---------------------------------------------------------------------------------------------
# Hidden-state summaries
# ---------------------------------------------------------------------------------------------

def saturation_fraction(h, threshold: float = 0.95) -> np.ndarray:
    """Fraction of hidden values with |h| > threshold at each step, (T,) float64.

    h (T, H), or (T, B, H) (the fraction is then over the batch and the units together).
    With tanh, |h| near 1 means f'(a) = 1 - h^2 near 0: the unit passes almost no gradient.
    """
    h = as_float_array("h", h, _F64)
    if h.ndim not in (2, 3) or h.shape[0] < 1 or h.size == 0:
        raise ValueError(f"h: expected shape (T, H) or (T, B, H) with no empty axis, "
                         f"got {shape_str(h.shape)}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating,
                                                                 np.integer)) \
            or not math.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold: expected a finite number >= 0, got {threshold!r}")
    flat = np.abs(h).reshape(h.shape[0], -1)  # (T, B*H) or (T, H)
    return np.mean(flat > threshold, axis=1)  # (T,)


def pca_2d(h) -> tuple[np.ndarray, np.ndarray]:
    """The hidden-state trajectory in its first two principal components.

    h (T, H): one row per step. Rows are centred on their mean and decomposed by SVD.
    Returns proj (T, 2), the centred rows' coordinates along the two components, and
    explained (2,), the fraction of the total variance along each.

    Each component's sign is fixed so its largest-|loading| entry is positive (the first such
    entry on ties), so the picture does not flip between runs. When fewer than two components
    exist (H == 1, T == 1, or all rows on one point or line), the missing columns of proj and
    entries of explained are 0; with no variance at all (rows equal to within rounding), both
    are all 0.
    """
    h = as_float_array("h", h, _F64)
    if h.ndim != 2 or min(h.shape) < 1:
        raise ValueError(f"h: expected shape (T, H) with T, H >= 1, got {shape_str(h.shape)}")
    T = h.shape[0]
    centred = h - h.mean(axis=0)  # (T, H)
    proj = np.zeros((T, 2))
    explained = np.zeros(2)
    scale = float(np.max(np.abs(centred)))
    # rows equal up to the rounding of their mean: no direction to show
    if scale <= max(T, 8) * np.finfo(np.float64).eps * float(np.max(np.abs(h))):
        return proj, explained
    # on rows scaled to at most 1, so squaring the singular values cannot overflow
    _, s, Vt = np.linalg.svd(centred / scale, full_matrices=False)  # s (K,), Vt (K, H)
    total = float(np.sum(s * s))
    # a component whose singular value is rounding noise has an arbitrary direction: drop it
    keep = min(2, int(np.sum(s > s[0] * max(h.shape) * np.finfo(np.float64).eps)))
    comps = Vt[:keep].copy()  # (keep, H)
    for c in comps:
        lead = int(np.argmax(np.abs(c)))
        if c[lead] < 0:
            c *= -1.0
    proj[:, :keep] = centred @ comps.T  # (T, keep)
    explained[:keep] = s[:keep] ** 2 / total
    return proj, explained


def trajectory_distance(h_a, h_b) -> np.ndarray:
    """||h_a[t] - h_b[t]|| (Euclidean) at each step, (T,), for two trajectories h_a, h_b (T, H)
    (e.g. the same RNN from two nearby initial states, or on two inputs)."""
    a = as_float_array("h_a", h_a, _F64)
    b = as_float_array("h_b", h_b, _F64)
    if a.ndim != 2 or min(a.shape) < 1:
        raise ValueError(f"h_a: expected shape (T, H) with T, H >= 1, got {shape_str(a.shape)}")
    check_shape("h_b", b, a.shape, "(the shape of h_a)")
    return np.linalg.norm(a - b, axis=1)  # (T,)


# ---------------------------------------------------------------------------------------------
# One unit, one step
# ---------------------------------------------------------------------------------------------

# eq=False: the fields hold arrays, whose == is elementwise; compare fields explicitly.
@dataclass(frozen=True, eq=False)
class UnitBreakdown:
    """Hidden unit j at one step, term by term (arrays are copies, float64).

    input_terms (D,) = W_ih[j, :] * x_t; recurrent_terms (H,) = W_hh[j, :] * h_prev;
    input_sum, recurrent_sum their sums; b_ih, b_hh this unit's biases (0.0 without bias);
    pre = input_sum + b_ih + recurrent_sum + b_hh; h = f(pre);
    top_input, top_recurrent: [(index, term)] of the largest |terms|, largest first.
    has_bias says whether the layer has biases (for the display).
    """

    j: int
    nonlinearity: str
    input_terms: np.ndarray
    recurrent_terms: np.ndarray
    input_sum: float
    recurrent_sum: float
    b_ih: float
    b_hh: float
    pre: float
    h: float
    top_input: list
    top_recurrent: list
    has_bias: bool


@dataclass(frozen=True, eq=False)
class OutputBreakdown:
    """Output m at one step: terms (H,) = W_ho[m, :] * h_t; sum; bias (0.0 without bias);
    value = sum + bias; top: [(index, term)] of the largest |terms|, largest first."""

    m: int
    terms: np.ndarray
    sum: float
    bias: float
    value: float
    top: list
    has_bias: bool


def _bias_entry(name: str, b, H: int, j: int) -> float:
    if b is None:
        return 0.0
    b = as_float_array(name, b, _F64)
    check_shape(name, b, (H,))
    return float(b[j])


def unit_breakdown(W_ih, W_hh, b_ih, b_hh, x_t, h_prev, j: int, nonlinearity: str = "tanh",
                   top: int = 3) -> UnitBreakdown:
    """Split a_t[j] (module docstring) into its terms for one sample at one step.

    W_ih (H, D), W_hh (H, H), b_ih and b_hh (H,) or None (no bias), x_t (D,), h_prev (H,):
    the state this step reads (h_{t-1}; h_{t+1} for a reverse direction, as `LayerTrace.h_prev`).
    j in [0, H-1]; top >= 0 (at most D, resp. H, are listed). Computed in float64.
    """
    W_ih = as_float_array("W_ih", W_ih, _F64)
    W_hh = as_float_array("W_hh", W_hh, _F64)
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1] or W_hh.shape[0] < 1:
        raise ValueError(f"W_hh: expected shape (H, H) with H >= 1, got {shape_str(W_hh.shape)}")
    H = W_hh.shape[0]
    if W_ih.ndim != 2 or W_ih.shape[0] != H or W_ih.shape[1] < 1:
        raise ValueError(f"W_ih: expected shape ({H}, D) (hidden_size, input_size) with D >= 1, "
                         f"got {shape_str(W_ih.shape)}")
    D = W_ih.shape[1]
    x_t = as_float_array("x_t", x_t, _F64)
    check_shape("x_t", x_t, (D,), "(D = input_size)")
    h_prev = as_float_array("h_prev", h_prev, _F64)
    check_shape("h_prev", h_prev, (H,), "(H = hidden_size)")
    j = _index("j", j, H)
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, got {nonlinearity!r}")
    top = _count("top", top)
    bi = _bias_entry("b_ih", b_ih, H, j)
    bh = _bias_entry("b_hh", b_hh, H, j)

    input_terms = W_ih[j] * x_t  # (D,)
    recurrent_terms = W_hh[j] * h_prev  # (H,)
    input_sum = float(np.sum(input_terms))
    recurrent_sum = float(np.sum(recurrent_terms))
    pre = input_sum + bi + recurrent_sum + bh
    h = float(activate(np.float64(pre), nonlinearity))
    return UnitBreakdown(j, nonlinearity, input_terms.copy(), recurrent_terms.copy(), input_sum,
                         recurrent_sum, bi, bh, pre, h, _top(input_terms, top),
                         _top(recurrent_terms, top), b_ih is not None or b_hh is not None)


def output_breakdown(W_ho, b_ho, h_t, m: int, top: int = 3) -> OutputBreakdown:
    """Split o_t[m] = sum_k W_ho[m, k] h_t[k] + b_ho[m] into its terms.

    W_ho (O, H), b_ho (O,) or None, h_t (H,), m in [0, O-1], top >= 0. Computed in float64.
    """
    W_ho = as_float_array("W_ho", W_ho, _F64)
    if W_ho.ndim != 2 or min(W_ho.shape) < 1:
        raise ValueError(f"W_ho: expected shape (O, H) with O, H >= 1, "
                         f"got {shape_str(W_ho.shape)}")
    n_out, H = W_ho.shape  # (O, H)
    h_t = as_float_array("h_t", h_t, _F64)
    check_shape("h_t", h_t, (H,), "(H = hidden_size)")
    m = _index("m", m, n_out)
    top = _count("top", top)
    bias = _bias_entry("b_ho", b_ho, n_out, m)
    terms = W_ho[m] * h_t  # (H,)
    total = float(np.sum(terms))
    return OutputBreakdown(m, terms.copy(), total, bias, total + bias, _top(terms, top),
                           b_ho is not None)


def _num(v: float, digits: int) -> str:
    s = f"{v:.{digits}f}"
    if s.startswith("-") and float(s) == 0.0:  # "-0.000" would suggest a sign that is not there
        s = s[1:]
    return s


def _terms(values: list[float], digits: int) -> str:
    """'a + b + (-c)': negative terms after the first in parentheses."""
    parts = []
    for k, v in enumerate(values):
        s = _num(v, digits)
        parts.append(f"({s})" if k > 0 and s.startswith("-") else s)
    return " + ".join(parts)


def format_breakdown(bd, digits: int = 3) -> str:
    """The sum with the numbers plugged in, one line of ASCII:

        h_t[j] = tanh(input_sum + recurrent_sum + b_ih + b_hh) = tanh(pre) = h
        o_t[m] = sum + bias = value

    with j, m as numbers and each value to `digits` decimals (bias terms left out when the layer
    has none), e.g. "h_t[2] = tanh(0.310 + (-0.120) + 0.050 + 0.020) = tanh(0.260) = 0.254".
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) \
            or not 0 <= digits <= 17:
        raise ValueError(f"digits: expected an integer in [0, 17], got {digits!r}")
    if isinstance(bd, UnitBreakdown):
        vals = [bd.input_sum, bd.recurrent_sum] + ([bd.b_ih, bd.b_hh] if bd.has_bias else [])
        f = bd.nonlinearity
        return (f"h_t[{bd.j}] = {f}({_terms(vals, digits)}) = {f}({_num(bd.pre, digits)}) "
                f"= {_num(bd.h, digits)}")
    if isinstance(bd, OutputBreakdown):
        vals = [bd.sum] + ([bd.bias] if bd.has_bias else [])
        return f"o_t[{bd.m}] = {_terms(vals, digits)} = {_num(bd.value, digits)}"
    raise ValueError(f"bd: expected a UnitBreakdown or OutputBreakdown, got {type(bd).__name__}")


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------

def parameter_table(shapes: dict) -> list[tuple[str, tuple, int]]:
    """Rows (name, shape, count) in the dict's order, e.g. from `RNN.param_shapes()`;
    count is the product of the shape (1 for a scalar shape ())."""
    if not isinstance(shapes, dict):
        raise ValueError(f"shapes: expected a dict name -> shape, got {type(shapes).__name__}")
    rows = []
    for name, shape in shapes.items():
        if not isinstance(shape, (tuple, list)) or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
                for n in shape):
            raise ValueError(f"shapes[{name!r}]: expected a tuple of integers >= 0, "
                             f"got {shape!r}")
        shape = tuple(int(n) for n in shape)
        rows.append((str(name), shape, math.prod(shape)))
    return rows


def parameter_total(shapes: dict) -> int:
    """The number of parameters: the sum of `parameter_table(shapes)`'s counts."""
    return sum(count for _, _, count in parameter_table(shapes))
