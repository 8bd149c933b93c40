"""Input sequences for the views: waves, noise, a random walk, an impulse, and text as one-hot rows.

Axes: T time (seq_len), B batch, D input features, V vocabulary size.

Every wave is a function of one phase per step, feature and sample:

    theta[t, b, i] = 2 pi freq t + phase + 2 pi i / D + 0.5 b

so the D features of a sample are the same wave shifted by equal fractions of a cycle, and the
samples of a batch are shifted by half a radian each. `freq` is in cycles per time step; the
Nyquist limit 0.5 (two steps per cycle) is the fastest wave a sequence sampled once per step can
show. Randomness comes from `np.random.default_rng(seed)` only: the same arguments give the same
array, bit for bit.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import check_dtype, check_size

SOURCES = ("sine", "square", "sawtooth", "noise", "random_walk", "impulse")


def _check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    """An integer in [lo, hi] (hi None: no upper bound); bools are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        bound = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name}: expected an integer {bound}, got {value}")
    return int(value)


def _check_real(name: str, value, *, lo: float | None = None, lo_open: bool = False,
                hi: float | None = None) -> float:
    """A finite real number, optionally bounded below (open or closed) and above (closed)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {v}")
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise ValueError(f"{name}: expected a number {'>' if lo_open else '>='} {lo}, got {v}")
    if hi is not None and v > hi:
        raise ValueError(f"{name}: expected a number <= {hi}, got {v}")
    return v


def phases(T: int, D: int = 1, B: int = 1, *, freq: float = 0.1,
           phase: float = 0.0) -> np.ndarray:
    """theta (T, B, D) in radians, as in the module docstring (float64, not wrapped)."""
    t = np.arange(T, dtype=np.float64)[:, None, None]  # (T, 1, 1)
    b = np.arange(B, dtype=np.float64)[None, :, None]  # (1, B, 1)
    i = np.arange(D, dtype=np.float64)[None, None, :]  # (1, 1, D)
    return 2.0 * np.pi * freq * t + phase + 2.0 * np.pi * i / D + 0.5 * b  # (T, B, D)


def generate(source: str, T: int, D: int = 1, B: int = 1, *, freq: float = 0.1,
             amplitude: float = 1.0, phase: float = 0.0, noise: float = 0.0,
             impulse_step: int = 0, seed: int = 0, dtype=np.float64) -> np.ndarray:
    """A batch of input sequences x (T, B, D), ready for `RNN.forward`.

    source, with A = amplitude and theta the phase of the module docstring:
        "sine"         A sin(theta)
        "square"       A sign(sin(theta)), +A where sin(theta) == 0
        "sawtooth"     rises linearly from -A at theta = 0 (mod 2 pi) towards A; in [-A, A)
        "noise"        N(0, A^2) independently at every step, sample and feature
        "random_walk"  cumulative sum over time of N(0, A^2) steps (its own walk per sample
                       and feature)
        "impulse"      A at step `impulse_step` (every sample and feature), 0 elsewhere
    The waves use freq (cycles per step, 0 < freq <= 0.5) and phase (radians); the random
    sources and the impulse ignore both. `noise` >= 0 is the standard deviation of Gaussian
    noise added to every element (each sample its own draw). amplitude >= 0.

    Returns x (T, B, D) of `dtype` (float32 or float64; computed in float64, then cast).
    """
    if source not in SOURCES:
        raise ValueError(f"source: expected one of {SOURCES}, got {source!r}")
    T = check_size("T", T)
    D = check_size("D", D)
    B = check_size("B", B)
    freq = _check_real("freq", freq, lo=0.0, lo_open=True, hi=0.5)
    amplitude = _check_real("amplitude", amplitude, lo=0.0)
    phase = _check_real("phase", phase)
    noise = _check_real("noise", noise, lo=0.0)
    impulse_step = _check_int("impulse_step", impulse_step, 0, T - 1)
    seed = _check_int("seed", seed, 0)
    dt = check_dtype(dtype)
    rng = np.random.default_rng(seed)

    if source in ("sine", "square", "sawtooth"):
        theta = phases(T, D, B, freq=freq, phase=phase)  # (T, B, D)
        if source == "sine":
            x = amplitude * np.sin(theta)
        elif source == "square":
            x = amplitude * np.where(np.sin(theta) >= 0.0, 1.0, -1.0)
        else:
            u = np.mod(theta / (2.0 * np.pi), 1.0)  # fraction of the cycle, in [0, 1]
            u = np.where(u >= 1.0, 0.0, u)  # mod rounds a tiny negative up to 1.0
            x = amplitude * (2.0 * u - 1.0)
    elif source == "noise":
        x = rng.normal(0.0, amplitude, size=(T, B, D))
    elif source == "random_walk":
        x = np.cumsum(rng.normal(0.0, amplitude, size=(T, B, D)), axis=0)  # (T, B, D)
    else:
        x = np.zeros((T, B, D))
        x[impulse_step] = amplitude
    if noise > 0.0:  # drawn after the source's own draws, so noise=0 leaves those unchanged
        x = x + rng.normal(0.0, noise, size=(T, B, D))
    out = x.astype(dt)
    if source == "sawtooth" and noise == 0.0 and amplitude > 0.0:
        # a float64 value just below A can round up to A in float32; keep the interval open
        out = np.minimum(out, np.nextafter(dt.type(amplitude), dt.type(-np.inf)))
    return out


def one_hot_text(text: str) -> tuple[np.ndarray, list[str]]:
    """Text as one-hot rows: x (T, V) float64 with x[t, vocab.index(text[t])] = 1, and vocab,
    the sorted distinct characters (V = len(vocab)). T = len(text) >= 1."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    if len(text) < 1:
        raise ValueError("text: expected at least 1 character, got an empty string")
    vocab = sorted(set(text))
    index = {c: k for k, c in enumerate(vocab)}
    ids = np.fromiter((index[c] for c in text), dtype=np.intp, count=len(text))  # (T,)
    x = np.zeros((len(text), len(vocab)))  # (T, V)
    x[np.arange(len(text)), ids] = 1.0
    return x, vocab


def text_targets(text: str, vocab: list[str]) -> np.ndarray:
    """Next-character targets y (T,) int64 for a character model reading `text`:
    y[t] = vocab.index(text[t + 1]), and the last step's target wraps to the first character,
    so the text is read as a loop and every input row of `one_hot_text` has a target."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    if len(text) < 1:
        raise ValueError("text: expected at least 1 character, got an empty string")
    index = {c: k for k, c in enumerate(vocab)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"vocab: expected every character of text, got none for {missing}")
    nxt = text[1:] + text[0]  # the character after each position, wrapping at the end
    return np.fromiter((index[c] for c in nxt), dtype=np.int64, count=len(text))  # (T,)
