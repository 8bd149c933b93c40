"""Validation shared by the core: every error a caller can cause is a ValueError that names
what was expected and what was given."""

from __future__ import annotations

import numpy as np

DTYPES = (np.float32, np.float64)


def check_dtype(dtype) -> np.dtype:
    """Return `dtype` as a NumPy dtype if it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype: expected float32 or float64, got {dt}")
    return dt


def check_size(name: str, value, minimum: int = 1) -> int:
    """A positive integer size (input_size, hidden_size, num_layers, ...)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def as_float_array(name: str, value, dtype: np.dtype) -> np.ndarray:
    """`value` as a finite array of `dtype`; refuses text, objects, NaN and inf."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__} "
                         f"that NumPy cannot read as one ({err})") from err
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    arr = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name}: expected finite values, got {arr[tuple(bad)]} at index "
                         f"{tuple(int(i) for i in bad)}")
    return arr


def shape_str(shape) -> str:
    return str(tuple(int(s) for s in shape))  # (3,) for a vector, as Python writes it


def check_shape(name: str, arr: np.ndarray, expected: tuple, legend: str = "") -> None:
    """Raise unless `arr.shape == expected`; `legend` names the axes, e.g. '(T, B, D)'."""
    if tuple(arr.shape) != tuple(expected):
        extra = f" {legend}" if legend else ""
        raise ValueError(f"{name}: expected shape {shape_str(expected)}{extra}, "
                         f"got {shape_str(arr.shape)}")
