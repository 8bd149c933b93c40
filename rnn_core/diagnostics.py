"""Diagnostics of backpropagation through time (BPTT): the numbers the Gradients view draws.

A recurrent layer carries a state from step to step, s_t = F(s_{t-1}, x_t): s_t = h_t for the
vanilla RNN and the GRU, s_t = [h_t; c_t] for the LSTM. The chain rule through time gives

    dL/ds_k = dL/ds_T . J_T J_{T-1} ... J_{k+1},       J_t = ds_t/ds_{t-1}  (S, S)

and for the vanilla RNN J_t = diag(f'(a_t)) W_hh (seed article 003), so

    ||ds_T/ds_k||_2  <=  prod_t ||J_t||_2  <=  (max|f'| * sigma_max(W_hh))^(T-k).

With the rate max|f'| * sigma_max below 1 the gradient vanishes geometrically with the distance
T-k; the largest singular value above 1 lets it explode, and clipping caps the damage.

Axes: T time steps, B batch, H hidden units, S state size (H for the RNN and the GRU, 2H for
the LSTM's [h; c]), G rows of W_hh (H for the RNN, 3H GRU, 4H LSTM), O outputs, N any count.

Indexing (the one place off-by-one errors hide):
    states s_0 (the initial state), s_1, ..., s_T; time step t = 0..T-1 produces s_{t+1}.
    J (T, S, S)       J[t] = ds_{t+1}/ds_t, the factor of step t, in processing order.
    P (T+1, S, S)     P[k] = ds_T/ds_k for k = 0..T; P[T] = I; distance from the end T-k.
    dh (T, B, H)      dh[t] = dL/dh at time step t, i.e. at s_{t+1}: it goes with P[t+1].
For a reverse direction, `RNN.step_jacobians` and therefore P are in processing order (index 0
is the last element of the sequence) while `dh` and the traces are in sequence time order.

Overflow is a result here, not an error: products, norms and gradients that overflow come back
as inf or NaN (computed under np.errstate, so no warning is raised), and `first_nonfinite`
says where that began.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, shape_str
from .init import max_singular_value, spectral_radius
from .losses import cross_entropy, mse

__all__ = [
    "jacobian_products", "product_norms", "first_nonfinite", "gradient_norms", "norm_bound",
    "singular_values", "step_singular_values", "max_abs_derivative", "spectral_radius",
    "max_singular_value", "whh_contributions", "contribution_norms", "contribution_shares",
    "clip_grad_norm", "clip_grad_value", "regime", "REGIMES", "loss_and_grad", "LOSS_KINDS",
    "bptt", "BPTTResult",
]

_F64 = np.dtype(np.float64)
_FPRIME_MAX = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}  # sup |f'| over the real line
REGIMES = ("vanishing", "near-critical", "exploding")
LOSS_KINDS = ("ce_last", "ce_sum", "mse")
_IGNORE_FP = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# ---------------------------------------------------------------------------------------------
# Input checks (non-finite values are allowed where overflow is a result worth showing)
# ---------------------------------------------------------------------------------------------

def _float_array(name: str, value) -> np.ndarray:
    """`value` as a float array, inf and NaN allowed; float32 stays float32, the rest float64."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__} that "
                         f"NumPy cannot read as one ({err})") from err
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    if arr.dtype != np.float32:
        arr = arr.astype(_F64, copy=False)
    return arr


def _square_stack(name: str, value, legend: str, min_len: int) -> np.ndarray:
    """A stack of square matrices (N, S, S) with N >= min_len and S >= 1."""
    arr = _float_array(name, value)
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 1 \
            or arr.shape[0] < min_len:
        raise ValueError(f"{name}: expected shape {legend}, a stack of square matrices with "
                         f"S >= 1{' and at least one matrix' if min_len else ''}, "
                         f"got {shape_str(arr.shape)}")
    return arr


def _real(name: str, value, minimum: float = 0.0, allow_inf: bool = False) -> float:
    """A real number >= minimum (NaN refused; inf only if allowed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: expected a real number >= {minimum}, got {value!r}")
    v = float(value)
    if math.isnan(v) or v < minimum or (math.isinf(v) and not allow_inf):
        kind = "a real number" if allow_inf else "a finite number"
        raise ValueError(f"{name}: expected {kind} >= {minimum}, got {v}")
    return v


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
    return int(value)


def _row_norms(a: np.ndarray) -> np.ndarray:
    """The 2-norm of each a[n] over all its other axes, (N,) float64, safe from overflow in the
    squares (each row is divided by its largest |entry| first). A row holding NaN gives NaN, a
    row holding inf (and no NaN) gives inf."""
    N = a.shape[0]
    flat = a.reshape(N, -1).astype(_F64, copy=False)  # (N, M)
    out = np.zeros(N, dtype=_F64)
    if flat.shape[1] == 0:
        return out
    with np.errstate(**_IGNORE_FP):
        finite = np.isfinite(flat).all(axis=1)  # (N,)
        scale = np.abs(flat).max(axis=1)  # (N,)
        ok = finite & (scale > 0)
        unit = flat[ok] / scale[ok, None]  # entries in [-1, 1]: their squares cannot overflow
        out[ok] = scale[ok] * np.sqrt(np.einsum("nm,nm->n", unit, unit))
        bad = ~finite
        out[bad] = np.where(np.isnan(flat[bad]).any(axis=1), np.nan, np.inf)
    return out


# ---------------------------------------------------------------------------------------------
# Products of the step Jacobians
# ---------------------------------------------------------------------------------------------

def jacobian_products(J) -> np.ndarray:
    """P[k] = ds_T/ds_k = J[T-1] J[T-2] ... J[k] for k = 0..T, accumulated from the end.

    J (T, S, S): the step factors in processing order, J[t] = ds_{t+1}/ds_t (T >= 0).
    Returns P (T+1, S, S) in J's dtype (float32 stays float32, so it overflows where the model
    would), P[T] = I and P[k-1] = P[k] @ J[k-1] exactly: this is how BPTT composes them, the
    gradient at the end multiplied on the left. Overflow gives inf/NaN, not an error.
    """
    J = _square_stack("J", J, "(T, S, S)", min_len=0)
    T, S, _ = J.shape
    P = np.empty((T + 1, S, S), dtype=J.dtype)  # (T+1, S, S)
    P[T] = np.eye(S, dtype=J.dtype)  # ds_T/ds_T
    with np.errstate(**_IGNORE_FP):
        for k in range(T, 0, -1):
            # chain rule: ds_T/ds_{k-1} = ds_T/ds_k . ds_k/ds_{k-1}
            np.matmul(P[k], J[k - 1], out=P[k - 1])  # (S, S)
    return P


def product_norms(P) -> tuple[np.ndarray, np.ndarray]:
    """Spectral and Frobenius norms of each P[k].

    P (N, S, S), N = T+1 for `jacobian_products`' result. Returns (spectral (N,), frobenius
    (N,)), float64. The spectral norms come from one batched SVD of the finite matrices (each
    divided by its largest |entry| first, so nothing overflows that the true norm does not);
    a matrix holding NaN gets NaN, one holding inf (and no NaN) gets inf.
    """
    P = _square_stack("P", P, "(T+1, S, S)", min_len=1)
    N = P.shape[0]
    spectral = np.zeros(N, dtype=_F64)
    frobenius = np.zeros(N, dtype=_F64)
    # a few matrices at a time: the temporaries below are P-sized, and P can be hundreds of MB
    for n0 in range(0, N, _chunk(P)):
        spectral[n0:n0 + _chunk(P)], frobenius[n0:n0 + _chunk(P)] = \
            _product_norms(P[n0:n0 + _chunk(P)])
    return spectral, frobenius


_CHUNK_BYTES = 8 * 2**20  # temporaries of stacked matrices are made this much at a time


def _chunk(a: np.ndarray) -> int:
    """How many a[n] make about _CHUNK_BYTES (at least one)."""
    return max(1, _CHUNK_BYTES // max(1, a[0].nbytes if a.shape[0] else 1))


def _product_norms(P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`product_norms` of a checked stack P (n, S, S)."""
    N = P.shape[0]
    spectral = np.zeros(N, dtype=_F64)
    with np.errstate(**_IGNORE_FP):
        finite = np.isfinite(P).all(axis=(1, 2))  # (N,)
        scale = np.abs(P).max(axis=(1, 2)).astype(_F64)  # (N,)
        ok = finite & (scale > 0)
        if ok.any():
            unit = P[ok] / scale[ok, None, None].astype(P.dtype)  # (n, S, S), |entries| <= 1
            top = np.linalg.svd(unit, compute_uv=False)[:, 0]  # (n,): largest singular value
            spectral[ok] = scale[ok] * top.astype(_F64)
        bad = ~finite
        spectral[bad] = np.where(np.isnan(P[bad]).any(axis=(1, 2)), np.nan, np.inf)
    return spectral, _row_norms(P)


def first_nonfinite(a, from_end: bool = True) -> int | None:
    """The index along axis 0 of the first slice a[i] holding inf or NaN, scanning from the end
    (the order BPTT and `jacobian_products` fill arrays in) or from the start; None if every
    value is finite. a (N, ...)."""
    arr = _float_array("a", a)
    if arr.ndim < 1:
        raise ValueError(f"a: expected at least 1 dimension (N, ...), got shape "
                         f"{shape_str(arr.shape)}")
    bad = ~np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1)  # (N,)
    hits = np.flatnonzero(bad)
    if hits.size == 0:
        return None
    return int(hits[-1] if from_end else hits[0])


def gradient_norms(dh) -> np.ndarray:
    """||dL/dh_t|| at every step, over the units and the batch together, (T,) float64.

    dh (T, B, H) (or (T, H) unbatched): the whole gradient at each h_t, as
    `RNN.grad_trace(l, k).dh`. Overflowed entries give inf/NaN at their step.
    """
    dh = _float_array("dh", dh)
    if dh.ndim not in (2, 3) or dh.shape[0] < 1:
        raise ValueError(f"dh: expected shape (T, B, H) or (T, H) with T >= 1, "
                         f"got {shape_str(dh.shape)}")
    return _row_norms(dh)


def norm_bound(max_fprime, sigma_max, T) -> np.ndarray:
    """(max|f'| * sigma_max)^(T-k) for k = 0..T, (T+1,) float64: the bound on ||P[k]||_2.

    ||J_t||_2 = ||diag(f'(a_t)) W_hh||_2 <= max|f'| * sigma_max(W_hh), and the norm of a product
    is at most the product of the norms. Drawn beside `product_norms` against the distance T-k.
    Entries that overflow are inf.
    """
    fp = _real("max_fprime", max_fprime)
    sigma = _real("sigma_max", sigma_max)
    T = _count("T", T)
    distance = np.arange(T, -1, -1, dtype=_F64)  # T-k for k = 0..T
    with np.errstate(**_IGNORE_FP):
        return np.power(fp * sigma, distance)  # 0^0 = 1 at k = T


# ---------------------------------------------------------------------------------------------
# Singular values and derivative bounds
# ---------------------------------------------------------------------------------------------

def singular_values(W) -> np.ndarray:
    """Singular values of a finite matrix W (M, N), largest first, (min(M, N),) float64."""
    W = _float_array("W", W)
    if W.ndim != 2 or min(W.shape) < 1:
        raise ValueError(f"W: expected a matrix (M, N) with M, N >= 1, got {shape_str(W.shape)}")
    as_float_array("W", W, _F64)  # refuses inf/NaN, naming where
    return np.linalg.svd(W.astype(_F64), compute_uv=False)


def step_singular_values(J) -> np.ndarray:
    """Singular values of each step's Jacobian, largest first, (T, S) float64.

    J (T, S, S). One batched SVD; a step whose Jacobian is not finite gets a row of NaN.
    """
    J = _square_stack("J", J, "(T, S, S)", min_len=0)
    T, S, _ = J.shape
    out = np.full((T, S), np.nan, dtype=_F64)
    for t0 in range(0, T, _chunk(J)):  # J[ok] is a copy: a few steps at a time
        part = J[t0:t0 + _chunk(J)]
        ok = np.isfinite(part).all(axis=(1, 2))  # (n,)
        if ok.any():
            out[t0:t0 + part.shape[0]][ok] = np.linalg.svd(part[ok], compute_uv=False)
    return out


def max_abs_derivative(nonlinearity: str) -> float:
    """sup |f'(a)| over all a: 1 for tanh (at 0), 1 for relu (a > 0), 1/4 for sigmoid (at 0)."""
    if nonlinearity not in _FPRIME_MAX:
        raise ValueError(f"nonlinearity: expected one of {tuple(_FPRIME_MAX)}, "
                         f"got {nonlinearity!r}")
    return _FPRIME_MAX[nonlinearity]


def regime(value, tol: float = 0.05) -> str:
    """Where a spectral radius (or largest singular value) puts the recurrence.

    "vanishing" if value < 1 - tol, "exploding" if value > 1 + tol, "near-critical" otherwise
    (the bounds included). value >= 0, inf allowed; tol in [0, 1).
    """
    v = _real("value", value, allow_inf=True)
    t = _real("tol", tol)
    if t >= 1:
        raise ValueError(f"tol: expected a number in [0, 1), got {t}")
    if v < 1 - t:
        return "vanishing"
    if v > 1 + t:
        return "exploding"
    return "near-critical"


# ---------------------------------------------------------------------------------------------
# Where the W_hh gradient comes from
# ---------------------------------------------------------------------------------------------

def _check_pair(dhh, h_prev) -> tuple[np.ndarray, np.ndarray]:
    dhh = _float_array("dhh", dhh)
    h_prev = _float_array("h_prev", h_prev)
    if dhh.ndim != 3 or min(dhh.shape) < 1:
        raise ValueError(f"dhh: expected shape (T, B, G) with no empty axis, "
                         f"got {shape_str(dhh.shape)}")
    if h_prev.ndim != 3 or h_prev.shape[:2] != dhh.shape[:2] or h_prev.shape[2] < 1:
        T, B, _ = dhh.shape
        raise ValueError(f"h_prev: expected shape ({T}, {B}, H) (T, B as dhh's), "
                         f"got {shape_str(h_prev.shape)}")
    return dhh, h_prev


def whh_contributions(dhh, h_prev) -> np.ndarray:
    """Each step's term of the W_hh gradient: C[t] = dhh_t^T h_prev_t, summed over the batch.

    dhh (T, B, G): dL/d(W_hh h_prev + b_hh) per step (`grad_trace(l, k).dhh`; `.da` for the
    RNN); h_prev (T, B, H): the state each step read (`trace(l, k).h_prev`). Returns C (T, G, H)
    with sum_t C[t] = dL/dW_hh: a weight's gradient is the sum of its gradients at every step
    (seed article 002). T*G*H numbers: for long sequences and wide layers prefer
    `contribution_norms`, which never forms C.
    """
    dhh, h_prev = _check_pair(dhh, h_prev)
    with np.errstate(**_IGNORE_FP):
        return np.matmul(dhh.transpose(0, 2, 1), h_prev)  # (T, G, B) @ (T, B, H) -> (T, G, H)


def contribution_norms(dhh, h_prev) -> np.ndarray:
    """||C[t]||_F for C = whh_contributions(dhh, h_prev), (T,) float64, without forming C.

    ||D^T X||_F^2 = sum_{b,c} (D D^T)_{bc} (X X^T)_{bc} for D = dhh_t (B, G), X = h_prev_t (B, H):
    two (B, B) Gram matrices per step instead of a (G, H) matrix, used when that is cheaper;
    otherwise C is formed a few steps at a time. Each step's D and X are divided by their
    largest |entry| first, so the squares do not overflow.
    """
    dhh, h_prev = _check_pair(dhh, h_prev)
    T, B, G = dhh.shape
    H = h_prev.shape[2]
    D = dhh.astype(_F64, copy=False)
    X = h_prev.astype(_F64, copy=False)
    if B * (G + H) >= G * H:  # the Gram route would cost more than forming C
        out = np.empty(T, dtype=_F64)
        chunk = max(1, (1 << 22) // (G * H))  # about 32 MB of C at a time
        with np.errstate(**_IGNORE_FP):
            for t0 in range(0, T, chunk):
                C = np.matmul(D[t0:t0 + chunk].transpose(0, 2, 1), X[t0:t0 + chunk])
                out[t0:t0 + chunk] = _row_norms(C)
        return out
    out = np.zeros(T, dtype=_F64)
    with np.errstate(**_IGNORE_FP):
        finite = np.isfinite(D).all(axis=(1, 2)) & np.isfinite(X).all(axis=(1, 2))  # (T,)
        sd = np.abs(D).max(axis=(1, 2))  # (T,)
        sx = np.abs(X).max(axis=(1, 2))
        ok = finite & (sd > 0) & (sx > 0)
        Du = D[ok] / sd[ok, None, None]  # (n, B, G), |entries| <= 1
        Xu = X[ok] / sx[ok, None, None]  # (n, B, H)
        gram_d = np.matmul(Du, Du.transpose(0, 2, 1))  # (n, B, B)
        gram_x = np.matmul(Xu, Xu.transpose(0, 2, 1))  # (n, B, B)
        sq = np.einsum("nbc,nbc->n", gram_d, gram_x)  # (n,) = ||C_t||_F^2 / (sd sx)^2
        out[ok] = sd[ok] * sx[ok] * np.sqrt(np.maximum(sq, 0.0))  # rounding can dip below 0
        # non-finite steps: form C there, so inf and NaN come out as the product gives them
        bad = np.flatnonzero(~finite)
        if bad.size:
            out[bad] = _row_norms(np.matmul(D[bad].transpose(0, 2, 1), X[bad]))
    return out


def contribution_shares(C) -> tuple[np.ndarray, np.ndarray]:
    """Each step's share of the W_hh gradient's size: ||C[t]||_F / sum_s ||C[s]||_F.

    C (T, G, H) from `whh_contributions`. Returns (shares (T,), norms (T,)), float64. The shares
    sum to 1 (all zeros if every C[t] is 0; NaN if a norm is not finite). With vanishing
    gradients the shares pile up on the last steps: the weight learns from recent inputs only.
    """
    C = _float_array("C", C)
    if C.ndim != 3 or C.shape[0] < 1:
        raise ValueError(f"C: expected shape (T, G, H) with T >= 1, got {shape_str(C.shape)}")
    norms = _row_norms(C)
    return _shares(norms), norms


def _shares(norms: np.ndarray) -> np.ndarray:
    with np.errstate(**_IGNORE_FP):
        total = norms.sum()
        if total == 0:
            return np.zeros_like(norms)
        if not np.isfinite(total):
            return np.full_like(norms, np.nan)
        return norms / total


# ---------------------------------------------------------------------------------------------
# Gradient clipping (torch.nn.utils semantics, without mutating the input)
# ---------------------------------------------------------------------------------------------

def _grad_arrays(grads) -> dict[str, np.ndarray]:
    if not isinstance(grads, dict):
        raise ValueError(f"grads: expected a dict of name -> array, got {type(grads).__name__}")
    return {str(name): _float_array(f"grads[{name!r}]", g) for name, g in grads.items()}


def _vector_norm(g: np.ndarray, p: float) -> np.ndarray:
    """torch.linalg.vector_norm(g, p) for p > 0 or inf, in g's dtype, without rescaling (so it
    overflows and underflows where torch's does: measured with torch 2.13, |x|^p of two or more
    entries is summed as it is, [1e200, 0] has norm inf and [1e-200, 0] norm 0).

    One entry is the exception torch makes: its norm is |x| for every p, never (|x|^p)^(1/p),
    so [2.04e-197] has norm 2.04e-197 and [1e200] norm 1e200 (the loop and foreach paths agree).
    g: any shape; returns a 0-d value of g's dtype.
    """
    a = np.abs(g.ravel())
    if a.size == 1:
        return a[0]
    if p == math.inf:
        return a.max()
    if p == 2.0:
        return np.sqrt(np.dot(a, a))
    if p == 1.0:
        return a.sum()
    return np.power(np.sum(np.power(a, g.dtype.type(p))), g.dtype.type(1.0 / p))


def clip_grad_norm(grads, max_norm, norm_type=2.0) -> tuple[dict[str, np.ndarray], float]:
    """Scale every gradient by one factor so their total norm is at most max_norm.

    As torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite=False):
        total = || (||g_1||_p, ..., ||g_n||_p) ||_p      (the norm of all of them as one vector)
        coef  = min(max_norm / (total + 1e-6), 1)        g <- g * coef
    in the gradients' dtype. A non-finite total is returned and used, as torch does: NaN makes
    every gradient NaN; inf makes the finite entries 0 and the infinite ones NaN.

    grads: dict name -> array (any shapes; not modified). max_norm >= 0 (inf allowed);
    norm_type: p > 0 or inf (torch's other orders are not accepted). Returns (the clipped
    gradients as new arrays, total norm before clipping as a float). An empty dict gives ({}, 0.0).
    """
    g = _grad_arrays(grads)
    max_norm = _real("max_norm", max_norm, allow_inf=True)
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        p = math.nan
    if not (p > 0):  # also NaN
        raise ValueError(f"norm_type: expected a number p > 0 or inf, got {norm_type!r}")
    if not g:
        return {}, 0.0
    dtype = np.result_type(*g.values())
    with np.errstate(**_IGNORE_FP):
        norms = []
        for name, arr in g.items():
            if arr.size == 0 and p == math.inf:
                raise ValueError(f"grads[{name!r}]: expected a non-empty array for the inf "
                                 f"norm (torch refuses it too), got shape {shape_str(arr.shape)}")
            norms.append(_vector_norm(arr.astype(dtype, copy=False), p) if arr.size
                         else dtype.type(0))
        total = _vector_norm(np.array(norms, dtype=dtype), p)  # norm of the norms
        coef = dtype.type(1) / (total + dtype.type(1e-6)) * dtype.type(max_norm)  # torch's r/div
        coef = np.minimum(coef, dtype.type(1.0))  # clamp at 1 (NaN stays NaN, as in torch)
        clipped = {name: (arr * coef).astype(arr.dtype, copy=False) for name, arr in g.items()}
    return clipped, float(total)


def clip_grad_value(grads, clip_value) -> dict[str, np.ndarray]:
    """Clamp every entry of every gradient into [-clip_value, clip_value], as
    torch.nn.utils.clip_grad_value_ (NaN stays NaN). grads: dict name -> array (not modified);
    clip_value >= 0 (inf allowed). Returns new arrays."""
    g = _grad_arrays(grads)
    c = _real("clip_value", clip_value, allow_inf=True)
    return {name: np.clip(arr, -c, c).astype(arr.dtype, copy=False) for name, arr in g.items()}


# ---------------------------------------------------------------------------------------------
# Losses the view offers
# ---------------------------------------------------------------------------------------------

def loss_and_grad(logits, kind: str, target) -> tuple[float, np.ndarray]:
    """A loss over the outputs of every step, and its gradient.

    logits (T, B, O). kind:
      "ce_last"  cross-entropy of the last step only, averaged over the batch; target (B,)
                 class indices. torch: F.cross_entropy(logits[-1], target).
      "ce_sum"   cross-entropy summed over the steps (the seed articles' L = sum_t L_t),
                 averaged over the batch; target (T, B). torch:
                 F.cross_entropy(logits.flatten(0, 1), target.flatten(), reduction="sum") / B.
      "mse"      mean squared error against a target sequence (T, B, O), averaged over every
                 element. torch: F.mse_loss(logits, target).
    Returns (loss, dlogits (T, B, O)); for "ce_last" dlogits is zero before the last step.
    """
    if kind not in LOSS_KINDS:
        raise ValueError(f"kind: expected one of {LOSS_KINDS}, got {kind!r}")
    z = _float_array("logits", logits)
    if z.ndim != 3 or min(z.shape) < 1:
        raise ValueError(f"logits: expected shape (T, B, O) with no empty axis, "
                         f"got {shape_str(z.shape)}")
    as_float_array("logits", z, z.dtype)  # a loss of inf/NaN outputs means nothing: refuse
    T, B, O = z.shape
    if kind == "ce_last":
        loss, d_last = cross_entropy(z[-1], target, reduction="mean")  # (B, O)
        dz = np.zeros_like(z)  # no loss before the last step
        dz[-1] = d_last
        return loss, dz
    if kind == "ce_sum":
        loss, dz = cross_entropy(z, target, reduction="sum")  # (T, B, O), summed over T and B
        return loss / B, dz / z.dtype.type(B)  # ... then the batch mean
    return mse(z, target, reduction="mean")


def _default_target(kind: str, T: int, B: int, O: int, dtype) -> np.ndarray:
    if kind == "ce_last":
        return np.zeros(B, dtype=np.int64)
    if kind == "ce_sum":
        return np.zeros((T, B), dtype=np.int64)
    return np.zeros((T, B, O), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# One BPTT run with everything the view draws
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BPTTResult:
    """One forward and backward, and the diagnostics of one layer-direction. Arrays are
    read-only copies; float64 unless they are the model's own numbers (dh, step_jacobians and
    grads keep the model's dtype).

    loss: the loss value; kind: the loss kind; layer, direction, batch: what was diagnosed
    (batch: the sample whose Jacobians were taken).
    grads: every parameter's gradient under torch's names, plus "head.weight" and "head.bias".
    dh (T, B, H): dL/dh_t, time order (for the LSTM the gradient at h_t only; the cell state's
    share of the full state s_t = [h_t; c_t] is in the Jacobians and products).
    grad_norms (T,): ||dh[t]|| over batch and units.
    step_jacobians (T, S, S): J[t] for sample `batch`, processing order (None when `bptt` was
    asked not to keep them).
    product_spectral, product_frobenius (T+1,): norms of P[k] = ds_T/ds_k (processing order).
    bound (T+1,): bound_rate^(T-k), >= product_spectral[k]. bound_rate: max|f'| *
    sigma_max(W_hh) for the vanilla RNN (bound_source "weight_hh"); for the gated cells (LSTM,
    GRU), whose J_t is not diag(f') W_hh, the largest singular value of any step Jacobian
    (bound_source "step_jacobians"), a bound by submultiplicativity all the same.
    whh_singular_values (min(G, H),): singular values of W_hh, largest first.
    step_singular_values (T, S): each J[t]'s singular values.
    contribution_norms, contribution_shares (T,): ||C_t||_F of each step's term of dL/dW_hh
    (time order) and its share of their sum.
    first_nonfinite: the largest k with a non-finite P[k] (the first reached from the end), or
    None. first_nonfinite_dh: the time step at which the backward first produced a non-finite
    dL/dh_t (the largest such t for a forward direction, the smallest for a reverse one), or None.
    """

    loss: float
    kind: str
    layer: int
    direction: int
    batch: int
    grads: dict
    dh: np.ndarray
    grad_norms: np.ndarray
    step_jacobians: np.ndarray
    product_spectral: np.ndarray
    product_frobenius: np.ndarray
    bound: np.ndarray
    bound_rate: float
    bound_source: str
    whh_singular_values: np.ndarray
    step_singular_values: np.ndarray
    contribution_norms: np.ndarray
    contribution_shares: np.ndarray
    first_nonfinite: int | None
    first_nonfinite_dh: int | None


def _frozen(a) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


def _is_vanilla(model, W_hh: np.ndarray, S: int) -> bool:
    """J_t = diag(f'(a_t)) W_hh holds: a square W_hh as wide as the state, and a known f."""
    return (W_hh.shape == (S, S)
            and getattr(model, "nonlinearity", None) in ("tanh", "relu"))


def bptt(model, head, x, state0=None, kind: str = "ce_last", target=None, layer: int = 0,
         direction: int = 0, batch: int = 0, keep_jacobians: bool = True) -> BPTTResult:
    """Forward, loss, backward, and the diagnostics of BPTT for one layer-direction.

    model: an `rnn_core.RNN` (or a model with its methods: forward -> (output, h_n) or
    (output, (h_n, c_n)), backward, trace, grad_trace, step_jacobians, params);
    head: an `rnn_core.Linear` from the model's output width K*H to O.
    x: the input in the model's layout ((T, B, D), (B, T, D) if batch_first, or (T, D));
    state0: the model's initial state (h0, or (h0, c0) for an LSTM) or None for zeros.
    kind, target: see `loss_and_grad`; the target is always time-major with a batch axis
    ((B,), (T, B) or (T, B, O); B = 1 for unbatched input). target None: class 0 everywhere for
    the cross-entropies, zeros for "mse".
    layer, direction: which layer-direction to diagnose; batch: the sample whose Jacobians are
    taken; keep_jacobians False: the result's step_jacobians is None (T*S^2 numbers that no
    chart draws; their norms and singular values are kept). Raises ValueError if the forward
    overflows (relu with a large W_hh over a long sequence): there is no finite loss to
    differentiate then.
    """
    with np.errstate(**_IGNORE_FP):
        out, _ = model.forward(x) if state0 is None else model.forward(x, state0)
        unbatched = out.ndim == 2
        batch_first = bool(getattr(model, "batch_first", False)) and not unbatched
        if unbatched:
            out3 = out[:, None, :]  # (T, 1, K*H)
        elif batch_first:
            out3 = out.transpose(1, 0, 2)  # (T, B, K*H)
        else:
            out3 = out
        if not np.all(np.isfinite(out3)):
            t_bad = first_nonfinite(out3, from_end=False)
            raise ValueError(f"forward: expected finite outputs, got inf/NaN from time step "
                             f"{t_bad} on (the hidden state overflowed; lower the spectral "
                             f"radius of W_hh, the inputs or the sequence length)")
        logits = head.forward(out3)  # (T, B, O)
        T, B, O = logits.shape
        if target is None:
            target = _default_target(kind, T, B, O, logits.dtype)
        loss, dlogits = loss_and_grad(logits, kind, target)  # (T, B, O)
        head_grads = head.backward(dlogits)  # weight (O, K*H), bias (O,), input (T, B, K*H)
        dout3 = head_grads["input"]
        if unbatched:
            dout = dout3[:, 0, :]
        elif batch_first:
            dout = dout3.transpose(1, 0, 2)  # back to (B, T, K*H)
        else:
            dout = dout3
        model_grads = model.backward(dout)  # dL/dh_n = 0: the loss reads the outputs only

        names = (list(model.param_shapes()) if hasattr(model, "param_shapes")
                 else [n for n in model_grads if n not in ("input", "h0", "c0")])
        grads = {name: _frozen(model_grads[name]) for name in names}
        for name, g in head_grads.items():
            if name != "input":
                grads["head." + name] = _frozen(g)

        gt = model.grad_trace(layer, direction)
        tr = model.trace(layer, direction)
        dh = gt.dh  # (T, B, H), time order
        dhh = getattr(gt, "dhh", None)
        if dhh is None:
            dhh = gt.da  # the vanilla RNN: the gradient at W_hh h_prev + b_hh is dL/da_t
        J = model.step_jacobians(layer, direction, batch)  # (T, S, S), processing order
        S = J.shape[1]
        P = jacobian_products(J)  # (T+1, S, S)
        spectral, frobenius = product_norms(P)
        reverse = bool(getattr(gt, "reverse", direction == 1))

        sfx = "_reverse" if direction == 1 else ""
        params = model.params if hasattr(model, "params") else model.state_dict()
        W_hh = np.asarray(params[f"weight_hh_l{layer}{sfx}"])  # (G, H)
        whh_sv = singular_values(W_hh)
        step_sv = step_singular_values(J)  # (T, S)
        if _is_vanilla(model, W_hh, S):
            rate = max_abs_derivative(model.nonlinearity) * float(whh_sv[0])
            source = "weight_hh"
        else:
            rate = float(np.max(step_sv[:, 0])) if step_sv.shape[0] else 0.0
            source = "step_jacobians"
        bound = norm_bound(1.0, rate, J.shape[0]) if np.isfinite(rate) else \
            np.full(J.shape[0] + 1, np.nan)

        c_norms = contribution_norms(dhh, tr.h_prev)  # (T,), time order
        return BPTTResult(
            loss=float(loss), kind=kind, layer=int(layer), direction=int(direction),
            batch=int(batch), grads=grads, dh=_frozen(dh), grad_norms=_frozen(gradient_norms(dh)),
            step_jacobians=_frozen(J) if keep_jacobians else None,
            product_spectral=_frozen(spectral),
            product_frobenius=_frozen(frobenius), bound=_frozen(bound), bound_rate=float(rate),
            bound_source=source, whh_singular_values=_frozen(whh_sv),
            step_singular_values=_frozen(step_sv), contribution_norms=_frozen(c_norms),
            contribution_shares=_frozen(_shares(c_norms)),
            first_nonfinite=first_nonfinite(P),
            first_nonfinite_dh=first_nonfinite(dh, from_end=not reverse))
