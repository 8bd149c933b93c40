"""Cached calls into rnn_core: one run per configuration, shared read-only across sessions.

`st.cache_resource` keeps one object per key and hands every session the same one, so every
array in it is made read-only: a page that tried to write into a cached array would raise
instead of changing another learner's numbers.

Axes: T time, B batch, D input features, H hidden, O outputs, L layers, K directions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np
import streamlit as st

import rnn_core
from rnn_core import analysis, sequences
from rnn_core.rnn import LayerTrace

from .config import Config
from .data_input import parse_numbers

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
    """Everything the views draw for one configuration (sample 0 unless an axis B remains)."""

    cfg: Config
    x: np.ndarray  # (T, B, D)
    step_labels: tuple | None  # a label per step (the characters of a text), or None
    vocab: tuple | None  # the text's characters, feature i of x
    params: MappingProxyType  # the RNN's parameters under torch's names
    head: MappingProxyType  # the output layer: "weight" (O, K*H), "bias" (O,)
    layers: tuple  # layers[l][k] -> the core's LayerTrace, its arrays read-only copies
    output: np.ndarray  # (T, B, K*H): the top layer's states, both directions
    h_n: np.ndarray  # (L*K, B, H)
    logits: np.ndarray  # (T, B, O): o_t = W_ho h_t + b_ho
    probs: np.ndarray  # (T, B, O): softmax(o_t)
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

    Text, numbers and uploads set T and D; generated signals use the configured sizes.
    """
    B = cfg.batch_size
    if cfg.source == "text":
        x2, vocab = sequences.one_hot_text(cfg.text)  # (T, V)
        labels = tuple("␣" if c == " " else ("⏎" if c == "\n" else c) for c in cfg.text)
        return np.repeat(x2[:, None, :], B, axis=1), labels, tuple(vocab)
    if cfg.source == "numbers":
        x2 = parse_numbers(cfg.numbers)  # (T, D)
        return np.repeat(x2[:, None, :], B, axis=1), None, None
    if cfg.source == "csv":
        if upload is None:
            raise ValueError("source 'csv': expected uploaded data, got none")
        return np.repeat(np.asarray(upload, np.float64)[:, None, :], B, axis=1), None, None
    x = sequences.generate(cfg.source, cfg.seq_len, cfg.input_size, B, freq=cfg.freq,
                           amplitude=cfg.amplitude, phase=cfg.phase, noise=cfg.noise,
                           impulse_step=cfg.impulse_step, seed=cfg.seed)
    return x, None, None


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
                weights: dict | None = None) -> Run:
    """Run the configuration (uncached; `run_model` is the cached face)."""
    x, labels, vocab = make_input(cfg, upload)
    T, B, D = x.shape
    rnn, head, before = make_model(cfg, D, weights if cfg.weights else None)
    h0 = make_h0(cfg, B)
    with np.errstate(over="ignore", invalid="ignore"):
        output, h_n = rnn.forward(x, h0)  # (T, B, K*H), (L*K, B, H)
        layers = tuple(
            tuple(_layer_run(rnn.trace(layer, k)) for k in range(rnn.num_directions))
            for layer in range(cfg.num_layers))
        finite = np.isfinite(output).all(axis=-1, keepdims=True)  # (T, B, 1)
        logits = head.forward(np.where(finite, output, 0.0))  # (T, B, O); Linear refuses inf
        logits = np.where(finite, logits, np.nan)  # no output where the state overflowed
        probs = rnn_core.softmax(logits)
        nudge = np.random.default_rng(cfg.seed + 3).standard_normal(h0.shape)
        nudge *= PERTURBATION / max(np.linalg.norm(nudge), 1e-300)
        output2, _ = rnn.forward(x, h0 + nudge)
        distance = np.linalg.norm(output2[:, 0] - output[:, 0], axis=-1)  # (T,)
    finite_rows = np.isfinite(output[:, 0]).all(axis=-1)  # (T,)
    nonfinite = None if finite_rows.all() else int(np.argmin(finite_rows))
    top = np.where(np.isfinite(output[:, 0]), output[:, 0], 0.0)  # (T, K*H)
    top_scale = max(1.0, float(np.max(np.abs(top)))) if top.size else 1.0
    proj, explained = analysis.pca_2d(top / top_scale)  # SVD of values near 1e308 fails
    with np.errstate(over="ignore"):
        proj = proj * top_scale
    return Run(
        cfg=cfg, x=_frozen(x), step_labels=labels, vocab=vocab,
        # read-only mappings too: a page cannot swap an array for every session
        params=MappingProxyType({k: _frozen(v) for k, v in rnn.params.items()}),
        head=MappingProxyType({k: _frozen(v) for k, v in head.params.items()}),
        layers=layers, output=_frozen(output), h_n=_frozen(h_n), logits=_frozen(logits),
        probs=_frozen(probs), saturation=_frozen(analysis.saturation_fraction(top)),
        pca=_frozen(proj), pca_explained=_frozen(explained), distance=_frozen(distance),
        nonfinite_step=nonfinite, radius_before=before,
        # rescaling multiplies W_hh by target / radius, so the radius is the target (no second
        # eigendecomposition: it takes seconds at H = 1024 on a loaded machine)
        radius_after=cfg.radius if cfg.radius > 0 and before > 0 else before,
    )


def _layer_run(tr: LayerTrace) -> LayerTrace:
    """The core's trace of one layer-direction with every array a read-only copy."""
    return LayerTrace(**{f.name: _frozen(getattr(tr, f.name))
                         if isinstance(getattr(tr, f.name), np.ndarray) else getattr(tr, f.name)
                         for f in fields(tr)})


@st.cache_resource(max_entries=24, show_spinner=False)
def _cached_run(cfg: Config, upload_key: str, _upload: np.ndarray | None,
                _weights: dict | None = None) -> Run:
    del upload_key  # part of the cache key only: the upload itself is not hashed
    return compute_run(cfg, _upload, _weights)


def run_model(cfg: Config, upload: np.ndarray | None = None,
              weights: dict | None = None) -> Run:
    """The cached run for `cfg`. An uploaded array is keyed by `cfg.upload` and uploaded
    weights by `cfg.weights`, their digests (both fields of the frozen key)."""
    return _cached_run(cfg, cfg.upload if cfg.source == "csv" else "",
                       upload if cfg.source == "csv" else None,
                       weights if cfg.weights else None)
