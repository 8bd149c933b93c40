"""Cached calls into rnn_core: one run per configuration, shared read-only across sessions.

`ui.runs` keeps one object per key and hands every session the same one, so every array in it
is made read-only: a page that tried to write into a cached array would raise instead of
changing another learner's numbers.

Axes: T time, B batch, D input features, H hidden, O outputs, L layers, K directions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

import rnn_core
from rnn_core import analysis, sequences
from rnn_core.rnn import LayerTrace

from .config import Config, data_shape, run_estimate
from .data_input import parse_numbers
from .runs import cached

PERTURBATION = 1e-3  # size of the nudge to h0 for the fading-memory run


def _frozen(a) -> np.ndarray:
    """A read-only copy; inf becomes NaN (an overflowed state is drawn as a gap: JSON has no
    inf, and the finite part stays on screen)."""
    a = np.array(a, copy=True)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        a[~np.isfinite(a)] = np.nan
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Run:
    """Everything the views draw for one configuration. Arrays with a batch axis keep the first
    S samples (`compute_run`'s `samples`; the cached run keeps S = 1, the one every view draws),
    so index 0 of that axis is sample 0."""

    cfg: Config
    x: np.ndarray  # (T, S, D)
    step_labels: tuple | None  # a label per step (the characters of a text), or None
    vocab: tuple | None  # the text's characters, feature i of x
    params: MappingProxyType  # the RNN's parameters under torch's names
    head: MappingProxyType  # the output layer: "weight" (O, K*H), "bias" (O,)
    layers: tuple  # layers[l][k] -> the core's LayerTrace, its arrays read-only copies
    output: np.ndarray  # (T, S, K*H): the top layer's states, both directions
    h_n: np.ndarray  # (L*K, S, H)
    logits: np.ndarray  # (T, S, O): o_t = W_ho h_t + b_ho
    probs: np.ndarray  # (T, S, O): softmax(o_t)
    saturation: np.ndarray  # (T,): fraction of |h| > 0.95 in the top layer, sample 0
    pca: np.ndarray  # (T, 2): the top layer's states on their first two principal components
    pca_explained: np.ndarray  # (2,) explained variance ratio
    distance: np.ndarray  # (T,): |h_t - h'_t| for h'_0 = h_0 + a nudge of PERTURBATION
    nonfinite_step: int | None  # first step whose state holds inf or NaN, or None
    radius_before: float  # W_hh's spectral radius (layer 0) as drawn
    radius_after: float  # and as used

    @property
    def T(self) -> int:
        return self.x.shape[0]

    @property
    def D(self) -> int:
        return self.x.shape[2]


def make_input(cfg: Config, upload: np.ndarray | None = None):
    """x (T, B, D), the step labels and the vocabulary for a configuration.

    Text, numbers and uploads set T and D; generated signals use the configured sizes. A data
    source is one sequence for every sample: x is then a read-only broadcast view of its (T, D)
    rows, held once (the model's forward makes the (T, B, D) copy it needs).
    """
    B = cfg.batch_size
    if cfg.source == "text":
        x2, vocab = sequences.one_hot_text(cfg.text)  # (T, V)
        labels = tuple("␣" if c == " " else ("⏎" if c == "\n" else c) for c in cfg.text)
        return _repeat(x2, B), labels, tuple(vocab)
    if cfg.source == "numbers":
        return _repeat(parse_numbers(cfg.numbers), B), None, None  # (T, D) rows
    if cfg.source == "csv":
        if upload is None:
            raise ValueError("source 'csv': expected uploaded data, got none")
        return _repeat(np.asarray(upload, np.float64), B), None, None
    x = sequences.generate(cfg.source, cfg.seq_len, cfg.input_size, B, freq=cfg.freq,
                           amplitude=cfg.amplitude, phase=cfg.phase, noise=cfg.noise,
                           impulse_step=cfg.impulse_step, seed=cfg.seed)
    return x, None, None


def _repeat(x2: np.ndarray, B: int) -> np.ndarray:
    """(T, D) rows as (T, B, D) for B samples, a read-only view: no B copies in memory."""
    return np.broadcast_to(x2[:, None, :], (x2.shape[0], B, x2.shape[1]))


def make_model(cfg: Config, D: int, weights: dict | None = None):
    """The RNN and its output layer for a configuration and an input size D. `weights`: an
    uploaded state dict (torch's names, "head.weight"/"head.bias" for the output layer), used
    instead of the seeded draw; the frame has checked that its shapes fit."""
    rnn = rnn_core.RNN(D, cfg.hidden_size, cfg.num_layers, cfg.nonlinearity,
                       bidirectional=cfg.bidirectional, seed=cfg.seed, init=cfg.init)
    if weights is not None:
        rnn.load_state_dict({k: v for k, v in weights.items() if not k.startswith("head.")})
    before = rnn_core.init.spectral_radius(rnn.params["weight_hh_l0"])
    if cfg.radius > 0 and before > 0:
        rnn.scale_recurrent(cfg.radius)
    K = 2 if cfg.bidirectional else 1
    head = rnn_core.Linear(K * cfg.hidden_size, cfg.output_size, seed=cfg.seed + 1)
    if weights is not None and "head.weight" in weights:
        head.load_state_dict({"weight": weights["head.weight"], "bias": weights["head.bias"]})
    return rnn, head, before


def make_h0(cfg: Config, B: int) -> np.ndarray:
    """h0 (L*K, B, H): zeros, N(0, 0.5^2) drawn from the seed, or a constant."""
    K = 2 if cfg.bidirectional else 1
    shape = (cfg.num_layers * K, B, cfg.hidden_size)
    if cfg.h0 == "random":
        return 0.5 * np.random.default_rng(cfg.seed + 2).standard_normal(shape)
    if cfg.h0 == "constant":
        return np.full(shape, cfg.h0_value)
    return np.zeros(shape)


def compute_run(cfg: Config, upload: np.ndarray | None = None,
                weights: dict | None = None, samples: int | None = None) -> Run:
    """Run the configuration (uncached; `run_model` is the cached face). `samples`: how many
    samples of the batch the Run keeps (the first ones; None keeps all B). The cache keeps 1:
    every view draws sample 0. The forward always runs the whole batch, so sample 0 is the same
    either way; `rnn_core.memory.run_bytes` counts what this holds and its peak."""
    x, labels, vocab = make_input(cfg, upload)
    T, B, D = x.shape
    S = B if samples is None else max(1, min(int(samples), B))
    rnn, head, before = make_model(cfg, D, weights if cfg.weights else None)
    h0 = make_h0(cfg, B)
    x_kept = _frozen(x[:, :S])  # (T, S, D)
    with np.errstate(over="ignore", invalid="ignore"):
        full, h_n_full = rnn.forward(x, h0)  # (T, B, K*H), (L*K, B, H)
        del x  # the forward keeps its own copy
        layers = tuple(
            tuple(_layer_run(rnn.trace(layer, k), S) for k in range(rnn.num_directions))
            for layer in range(cfg.num_layers))
        output, h_n = _frozen(full[:, :S]), _frozen(h_n_full[:, :S])  # (T, S, K*H), (L*K, S, H)
        del full, h_n_full  # views into the forward's caches ...
        rnn.load_state_dict(rnn.params)  # ... which setting the parameters drops
        finite = np.isfinite(output).all(axis=-1, keepdims=True)  # (T, S, 1)
        logits = head.forward(np.where(finite, output, 0.0))  # (T, S, O); Linear refuses inf
        logits = np.where(finite, logits, np.nan)  # no output where the state overflowed
        probs = rnn_core.softmax(logits)
        # Fading memory on sample 0 (the one drawn), run on that sample alone: the whole batch
        # is not run twice. With B = 1 the first forward already gave its states.
        nudge = np.random.default_rng(cfg.seed + 3).standard_normal(h0.shape)
        nudge *= PERTURBATION / max(np.linalg.norm(nudge), 1e-300)
        x0 = x_kept[:, :1]  # (T, 1, D)
        base = output if B == 1 else rnn.forward(x0, h0[:, :1])[0]  # (T, 1, K*H)
        nudged, _ = rnn.forward(x0, (h0 + nudge)[:, :1])
        distance = np.linalg.norm(nudged[:, 0] - base[:, 0], axis=-1)  # (T,)
        del base, nudged
        rnn.load_state_dict(rnn.params)  # its caches are not needed past here
    finite_rows = np.isfinite(output[:, 0]).all(axis=-1)  # (T,)
    nonfinite = None if finite_rows.all() else int(np.argmin(finite_rows))
    top = np.where(np.isfinite(output[:, 0]), output[:, 0], 0.0)  # (T, K*H)
    top_scale = max(1.0, float(np.max(np.abs(top)))) if top.size else 1.0
    proj, explained = analysis.pca_2d(top / top_scale)  # SVD of values near 1e308 fails
    with np.errstate(over="ignore"):
        proj = proj * top_scale
    return Run(
        cfg=cfg, x=x_kept, step_labels=labels, vocab=vocab,
        # read-only mappings too: a page cannot swap an array for every session
        params=MappingProxyType({k: _frozen(v) for k, v in rnn.params.items()}),
        head=MappingProxyType({k: _frozen(v) for k, v in head.params.items()}),
        layers=layers, output=output, h_n=h_n, logits=_frozen(logits),
        probs=_frozen(probs), saturation=_frozen(analysis.saturation_fraction(top)),
        pca=_frozen(proj), pca_explained=_frozen(explained), distance=_frozen(distance),
        nonfinite_step=nonfinite, radius_before=before,
        # rescaling multiplies W_hh by target / radius, so the radius is the target (no second
        # eigendecomposition: it takes seconds at H = 1024 on a loaded machine)
        radius_after=cfg.radius if cfg.radius > 0 and before > 0 else before,
    )


def _layer_run(tr: LayerTrace, samples: int) -> LayerTrace:
    """The core's trace of one layer-direction, its first `samples` samples, every array a
    read-only copy (b_ih and b_hh (H,) have no batch axis; h0 (B, H) has it first)."""
    def keep(name, a):
        if not isinstance(a, np.ndarray):
            return a
        if name in ("b_ih", "b_hh"):
            return _frozen(a)
        return _frozen(a[:samples] if name == "h0" else a[:, :samples])
    return LayerTrace(**{f.name: keep(f.name, getattr(tr, f.name)) for f in fields(tr)})


def run_model(cfg: Config, upload: np.ndarray | None = None,
              weights: dict | None = None) -> Run:
    """The cached run for `cfg` (sample 0 kept: `compute_run(..., samples=1)`), shared by every
    session through `ui.runs` (bounded in bytes and time). An uploaded array is keyed by
    `cfg.upload` and uploaded weights by `cfg.weights`, their digests (both fields of the
    frozen key)."""
    csv = cfg.source == "csv"
    use_weights = weights if cfg.weights else None
    estimate = run_estimate(cfg, *data_shape(cfg, upload if csv else None))
    return cached("run", (cfg, cfg.upload if csv else ""),
                  lambda: compute_run(cfg, upload if csv else None, use_weights, samples=1),
                  estimate)
