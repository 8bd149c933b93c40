"""Weight initialisation and the recurrent matrix's scale.

All functions take a `np.random.Generator`, so a seed fixes every number.
"""

from __future__ import annotations

import numpy as np

INITS = ("torch", "xavier", "orthogonal")


def uniform_torch(rng: np.random.Generator, shape: tuple, hidden_size: int, dtype) -> np.ndarray:
    """torch's default for RNN weights and biases: U(-1/sqrt(H), 1/sqrt(H))."""
    k = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-k, k, size=shape).astype(dtype)


def xavier_uniform(rng: np.random.Generator, shape: tuple, dtype) -> np.ndarray:
    """Glorot/Xavier uniform, as `torch.nn.init.xavier_uniform_`: U(-a, a) with
    a = sqrt(6 / (fan_in + fan_out)) for a (fan_out, fan_in) matrix."""
    fan_out, fan_in = shape
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape).astype(dtype)


def orthogonal(rng: np.random.Generator, shape: tuple, dtype) -> np.ndarray:
    """A (semi-)orthogonal matrix, as `torch.nn.init.orthogonal_`: QR of a Gaussian matrix with
    the signs of R's diagonal folded into Q, so the result is uniform over orthogonal matrices."""
    rows, cols = shape
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # make the decomposition unique (Haar-distributed q)
    if rows < cols:
        q = q.T
    return q[:rows, :cols].astype(dtype)


def spectral_radius(W: np.ndarray) -> float:
    """max |eigenvalue| of a square matrix."""
    return float(np.max(np.abs(np.linalg.eigvals(W.astype(np.float64))))) if W.size else 0.0


def max_singular_value(W: np.ndarray) -> float:
    """The largest singular value (the spectral norm) of W."""
    return float(np.linalg.norm(W.astype(np.float64), 2)) if W.size else 0.0


def scale_to(W: np.ndarray, target: float, measure: str = "spectral_radius") -> np.ndarray:
    """W rescaled so that its spectral radius (or largest singular value) equals `target`.

    measure: "spectral_radius" or "max_singular_value". Raises ValueError for a negative target
    or a matrix whose measure is 0 (nothing to rescale).
    """
    if not np.isfinite(target) or target < 0:
        raise ValueError(f"{measure}: expected a finite number >= 0, got {target}")
    if measure == "spectral_radius":
        current = spectral_radius(W)
    elif measure == "max_singular_value":
        current = max_singular_value(W)
    else:
        raise ValueError(f"measure: expected 'spectral_radius' or 'max_singular_value', "
                         f"got {measure!r}")
    if current == 0.0:
        raise ValueError(f"{measure}: W_hh has {measure.replace('_', ' ')} 0, so it cannot be "
                         f"rescaled to {target}")
    return (W * (target / current)).astype(W.dtype)
