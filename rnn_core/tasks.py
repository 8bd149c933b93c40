"""Small seeded tasks to train on: each draws batches, names its loss and scores predictions.

Axes: T time (seq_len), B batch, D input features, O outputs, C classes, V vocabulary size.

    "sine"    N-to-N regression. x_t is a sine of a random frequency and phase plus Gaussian
              noise; the target at t is the wave's next value without the noise (the noise
              cannot be predicted). Loss: mean squared error over every step; score: R^2,
              the share of the target's variance the predictions explain (1 is perfect).
    "memory"  N-to-1 classification with a memory lag k. x_t is a random symbol (one-hot, C
              of them); the label is the symbol read k steps before the end. The sequence is
              k + 1 + pad steps long, so with pad 0 it is the first symbol, followed by k
              distractors that the network must read without forgetting it. Loss:
              cross-entropy of the last step's logits; score: accuracy (chance is 1/C).
    "chars"   a character language model (min-char-rnn): x_t is a character of a text,
              one-hot over the text's vocabulary; the target is the next character (the text
              is read as a loop). Windows of seq_len characters start at random places.
              Loss: cross-entropy averaged over every step; score: next-character accuracy.
    "seq2seq" N-to-M with an encoder-decoder: x_1..x_N are random symbols (one-hot, V of
              them); the decoder writes them back in the same order ("copy") or back to
              front ("reverse"), M = N. While training the decoder reads the previous target
              symbol (teacher forcing, `teacher`); scored, it reads its own previous output.
              Loss: cross-entropy averaged over every output; score: symbol accuracy.

A batch is (x (T, B, D), target): target (T, B, 1) floats for "sine", (B,) class indices for
"memory", (T, B) class indices for "chars" and "seq2seq". `readout` says where the network's
output layer reads: "every" step (logits (T, B, O)), the "last" step only (logits (B, O)), or a
decoder's steps ("seq2seq": logits (M, B, O)).

Randomness comes only from the `np.random.Generator` a caller passes to `batch`, so the same
generator state gives the same batch, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from . import losses
from ._checks import shape_str

TASKS = ("sine", "memory", "chars", "seq2seq")
SEQ2SEQ_MODES = ("copy", "reverse")
MAX_TEXT = 20_000  # characters of a pasted text the char task accepts
MAX_VOCAB = 128  # distinct characters (the width of the one-hot input)


def _int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer in [{lo}, {hi}], got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name}: expected an integer in [{lo}, {hi}], got {value}")
    return int(value)


def _real(name: str, value, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: expected a number in [{lo}, {hi}], got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{name}: expected a number in [{lo}, {hi}], got {value!r}")
    return v


class Task:
    """What every task offers (see the module docstring)."""

    name = ""
    readout = "every"  # "every": logits (T, B, O); "last": logits (B, O); "seq2seq" (M, B, O)
    score_name = ""  # "r2" or "accuracy"
    input_size = 1
    output_size = 1
    seq_len = 1

    def batch(self, rng: np.random.Generator, B: int) -> tuple[np.ndarray, np.ndarray]:
        """B fresh sequences: x (T, B, D) float64 and the target (module docstring)."""
        raise NotImplementedError

    def loss(self, logits, target) -> tuple[float, np.ndarray]:
        """(loss, dL/dlogits) of the task's loss; logits as `readout` says."""
        raise NotImplementedError

    def teacher(self, target) -> np.ndarray | None:
        """What a decoder reads while training (teacher forcing), or None: no decoder."""
        return None

    def predict(self, logits) -> np.ndarray:
        """What the network predicts: the values (regression) or the class indices."""
        return np.argmax(logits, axis=-1)

    def score(self, logits, target) -> float:
        """How good the predictions are: higher is better, 1 is perfect."""
        raise NotImplementedError

    def _check_logits(self, logits, target_shape: tuple) -> np.ndarray:
        z = np.asarray(logits)
        expected = tuple(target_shape[:1] if self.readout == "last" else target_shape[:2])
        expected += (self.output_size,)
        if z.shape != expected:
            raise ValueError(f"logits: expected shape {shape_str(expected)}, got "
                             f"{shape_str(z.shape)}")
        return z


class _Classification(Task):
    """A task whose targets are class indices: cross-entropy averaged over every prediction,
    scored by accuracy."""

    score_name = "accuracy"

    def loss(self, logits, target):
        self._check_logits(logits, np.shape(target))
        return losses.cross_entropy(logits, target, reduction="mean")

    def score(self, logits, target):
        z = self._check_logits(logits, np.shape(target))
        return float(np.mean(np.argmax(z, axis=-1) == np.asarray(target)))


class NoisySine(Task):
    """Next value of a noisy sine (N-to-N regression). Frequencies are drawn uniformly from
    [freq_lo, freq_hi] cycles per step, phases from [0, 2 pi); amplitude 1."""

    name = "sine"
    readout = "every"
    score_name = "r2"

    def __init__(self, seq_len: int = 40, noise: float = 0.1, freq_lo: float = 0.02,
                 freq_hi: float = 0.08):
        self.seq_len = _int("seq_len", seq_len, 2, 500)
        self.noise = _real("noise", noise, 0.0, 2.0)
        self.freq_lo = _real("freq_lo", freq_lo, 1e-3, 0.5)
        self.freq_hi = _real("freq_hi", freq_hi, self.freq_lo, 0.5)
        self.input_size = self.output_size = 1

    def waves(self, rng: np.random.Generator, B: int) -> np.ndarray:
        """The clean waves (T + 1, B): one more step than the input, for the last target."""
        T = self.seq_len
        freq = rng.uniform(self.freq_lo, self.freq_hi, size=B)  # (B,) cycles per step
        phase = rng.uniform(0.0, 2.0 * np.pi, size=B)  # (B,)
        t = np.arange(T + 1, dtype=np.float64)[:, None]  # (T+1, 1)
        return np.sin(2.0 * np.pi * freq * t + phase)  # (T+1, B)

    def batch(self, rng, B):
        B = _int("B", B, 1, 10_000)
        clean = self.waves(rng, B)  # (T+1, B)
        x = clean[:-1] + self.noise * rng.standard_normal(clean[:-1].shape)  # (T, B)
        return x[:, :, None], clean[1:, :, None]  # (T, B, 1), (T, B, 1)

    def loss(self, logits, target):
        self._check_logits(logits, np.shape(target))
        return losses.mse(logits, target, reduction="mean")

    def predict(self, logits):
        return np.asarray(logits)[..., 0]  # (T, B): the predicted next values

    def score(self, logits, target):
        pred = self._check_logits(logits, np.shape(target))
        y = np.asarray(target, dtype=np.float64)
        resid = float(np.sum((pred - y) ** 2))
        total = float(np.sum((y - y.mean()) ** 2))
        return 1.0 - resid / total if total > 0 else 0.0  # R^2


class MemoryLag(_Classification):
    """Sequence classification with a memory lag (N-to-1): label = the symbol `lag` steps
    before the end, of `n_symbols` classes; length lag + 1 + pad."""

    name = "memory"
    readout = "last"

    def __init__(self, lag: int = 10, n_symbols: int = 4, pad: int = 0):
        self.lag = _int("lag", lag, 0, 200)
        self.n_symbols = _int("n_symbols", n_symbols, 2, 32)
        self.pad = _int("pad", pad, 0, 200)
        self.seq_len = self.lag + 1 + self.pad
        self.input_size = self.output_size = self.n_symbols

    def batch(self, rng, B):
        B = _int("B", B, 1, 10_000)
        T, C = self.seq_len, self.n_symbols
        symbols = rng.integers(0, C, size=(T, B))  # (T, B)
        x = np.zeros((T, B, C))  # (T, B, C) one-hot
        x[np.arange(T)[:, None], np.arange(B)[None, :], symbols] = 1.0
        return x, symbols[T - 1 - self.lag].astype(np.int64)  # the label (B,)



class CharText(_Classification):
    """A character language model on `text` (N-to-N classification over the vocabulary)."""

    name = "chars"
    readout = "every"

    def __init__(self, text: str, seq_len: int = 25):
        if not isinstance(text, str):
            raise ValueError(f"text: expected a str, got {type(text).__name__}")
        if not 2 <= len(text) <= MAX_TEXT:
            raise ValueError(f"text: expected 2 to {MAX_TEXT} characters, got {len(text)}")
        self.vocab = sorted(set(text))
        if not 2 <= len(self.vocab) <= MAX_VOCAB:
            raise ValueError(f"text: expected 2 to {MAX_VOCAB} distinct characters, got "
                             f"{len(self.vocab)}")
        self.text = text
        self.seq_len = _int("seq_len", seq_len, 2, 500)
        self.index = {c: k for k, c in enumerate(self.vocab)}
        self.ids = np.fromiter((self.index[c] for c in text), dtype=np.int64,
                               count=len(text))  # (N,)
        self.input_size = self.output_size = len(self.vocab)

    def encode(self, s: str) -> np.ndarray:
        """Character ids (len(s),); a character outside the vocabulary raises ValueError."""
        missing = sorted(set(s) - set(self.index))
        if missing:
            raise ValueError(f"text: expected characters of the vocabulary, got {missing}")
        return np.fromiter((self.index[c] for c in s), dtype=np.int64, count=len(s))

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in ids)

    def one_hot(self, ids) -> np.ndarray:
        """ids (...) -> (..., V) float64."""
        ids = np.asarray(ids)
        out = np.zeros(ids.shape + (len(self.vocab),))
        np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
        return out

    def batch(self, rng, B):
        B = _int("B", B, 1, 10_000)
        T, N = self.seq_len, len(self.ids)
        start = rng.integers(0, N, size=B)  # (B,)
        pos = (start[None, :] + np.arange(T + 1)[:, None]) % N  # (T+1, B): the text is a loop
        ids = self.ids[pos]  # (T+1, B)
        return self.one_hot(ids[:-1]), ids[1:]  # (T, B, V), (T, B)



class CopyReverse(_Classification):
    """Copy or reverse a sequence of `length` random symbols out of `n_symbols` (N-to-M with an
    encoder-decoder, M = N)."""

    name = "seq2seq"
    readout = "seq2seq"

    def __init__(self, mode: str = "reverse", length: int = 8, n_symbols: int = 8):
        if mode not in SEQ2SEQ_MODES:
            raise ValueError(f"mode: expected one of {SEQ2SEQ_MODES}, got {mode!r}")
        self.mode = mode
        self.seq_len = _int("length", length, 1, 100)
        self.n_symbols = _int("n_symbols", n_symbols, 2, 32)
        self.input_size = self.output_size = self.n_symbols

    def batch(self, rng, B):
        B = _int("B", B, 1, 10_000)
        symbols = rng.integers(0, self.n_symbols, size=(self.seq_len, B))  # (N, B)
        target = symbols if self.mode == "copy" else symbols[::-1]  # (M, B), M = N
        return self.one_hot(symbols), np.ascontiguousarray(target)

    def one_hot(self, ids) -> np.ndarray:
        """ids (...) -> (..., V) float64."""
        return np.eye(self.n_symbols)[np.asarray(ids)]

    def teacher(self, target):
        """The previous target symbol, one-hot (M, B, V); zeros at the first step (the start
        input of greedy decoding)."""
        target = np.asarray(target)
        out = np.zeros(target.shape + (self.n_symbols,))
        out[1:] = self.one_hot(target[:-1])
        return out



def make(name: str, **options) -> Task:
    """A task by name with its options: "sine" (seq_len, noise, freq_lo, freq_hi), "memory"
    (lag, n_symbols, pad), "chars" (text, seq_len), "seq2seq" (mode, length, n_symbols)."""
    if name == "sine":
        return NoisySine(**options)
    if name == "memory":
        return MemoryLag(**options)
    if name == "chars":
        return CharText(**options)
    if name == "seq2seq":
        return CopyReverse(**options)
    raise ValueError(f"task: expected one of {TASKS}, got {name!r}")
