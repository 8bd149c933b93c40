"""Cached BPTT runs for the Gradients view: the vanilla RNN, LSTM and GRU on one sequence.

Axes: T time, B batch, H hidden, O outputs, S state size (H, or 2H for the LSTM's (h, c)).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import streamlit as st

import rnn_core
from rnn_core import diagnostics, memory, work

from .compute import _frozen, make_h0, make_input
from .compute_page import memory_guarded
from .config import DATA_SOURCES, Config, data_shape, run_budget
from .inflight import POOL
from .runs import cached

CELLS = ("rnn", "lstm", "gru")
# The view keeps every step's Jacobian (T, S, S) and their products: T * S^2 numbers in memory
# per cell. Past this a cell is left out with a message (H = 1000, T = 2000 would need 15 GB for
# the vanilla RNN alone).
MAX_JACOBIAN_ENTRIES = 20_000_000  # T * S^2: 160 MB of float64, twice with the products
# Their products and singular values are about 26 * T * S^3 operations per cell
# (rnn_core.work.jacobian_flops): past this many seconds of one core a cell is left out too.
MAX_JACOBIAN_SECONDS = work.JACOBIAN_BUDGET_SECONDS
MAX_JACOBIAN_WORK = work.flops_for(MAX_JACOBIAN_SECONDS)  # operations, the same limit


def state_size(cell: str, H: int) -> int:
    """S: the recurrent state's size, H, or 2H for the LSTM's (h, c)."""
    return work.state_size(cell, H)


def jacobian_work(cell: str, T: int, H: int) -> float:
    """The operations the view's Jacobian diagnostics of `cell` take (rnn_core.work)."""
    return work.jacobian_flops(cell, T, H)


def within_work(cell: str, T: int, H: int) -> bool:
    """Whether the Jacobian diagnostics of `cell` fit MAX_JACOBIAN_SECONDS of one core."""
    return jacobian_work(cell, T, H) <= MAX_JACOBIAN_WORK


def fits(cell: str, T: int, H: int) -> bool:
    """Whether the view can diagnose `cell` at T steps and H units within its limits: the
    Jacobians' entries (memory) and their work (time)."""
    S = state_size(cell, H)
    return T * S * S <= MAX_JACOBIAN_ENTRIES and within_work(cell, T, H)


def cell_peak(cfg: Config, cell: str, T: int, D: int) -> int:
    """The bytes the BPTT diagnosis of `cell` needs at its peak (rnn_core.memory)."""
    return memory.gradient_bytes(T, cfg.batch_size, D, cfg.hidden_size, cfg.num_layers,
                                 cfg.num_directions, cfg.output_size, cells=(cell,),
                                 shared_input=cfg.source in DATA_SOURCES).peak


def diagnosable(cfg: Config, cell: str, T: int, D: int) -> bool:
    """Whether the view diagnoses `cell`: its Jacobians fit (`fits`) and its peak memory fits
    the per-run budget."""
    return fits(cell, T, cfg.hidden_size) and cell_peak(cfg, cell, T, D) <= run_budget()


LOSSES = diagnostics.LOSS_KINDS  # ("ce_last", "ce_sum", "mse")
CLIPS = ("none", "norm", "value")
MEASURES = ("spectral_radius", "max_singular_value")


@dataclass(frozen=True)
class GradSettings:
    """What the Gradients view sets on top of the shared configuration (hashable: cache key)."""

    loss: str = "ce_last"  # which loss the gradient is of
    target: int = 0  # the class the cross-entropies aim at
    scale: float = 0.9  # W_hh of the vanilla RNN rescaled to this ...
    measure: str = "spectral_radius"  # ... spectral radius or largest singular value
    clip: str = "none"  # gradient clipping: none, by global norm, by value
    clip_at: float = 1.0  # the norm or the value clipped at
    rescale: bool = True  # with uploaded weights: rescale their W_hh too (False: as trained)


@dataclass(frozen=True)
class CellResult:
    """One cell's BPTT on the sequence, or why it could not run (overflow)."""

    cell: str
    result: diagnostics.BPTTResult | None
    error: str | None  # the overflow message when the forward did not stay finite
    overflow_step: int | None  # 1-based step at which the forward overflowed
    h: np.ndarray | None  # (T, H) the layer's states, sample 0 (finite part: non-finite -> NaN)
    norms: tuple  # ((name, shape, norm before clipping, norm after), ...)
    total_before: float
    total_after: float


class CellResults(dict):
    """{cell: CellResult}: a dict that a weak reference can follow (`ui.runs` counts an evicted
    entry until the sessions drawing it let go)."""


def make_target(kind: str, gs: GradSettings, x: np.ndarray, O: int) -> np.ndarray:
    """The loss's target: the chosen class (at the last step or every step), or for "mse" the
    next input step (its first O features; zeros past the end and past D): next-value
    prediction, the N-to-N task of the seed articles."""
    T, B, D = x.shape
    if kind == "ce_last":
        return np.full(B, gs.target, dtype=np.int64)
    if kind == "ce_sum":
        return np.full((T, B), gs.target, dtype=np.int64)
    target = np.zeros((T, B, O))
    k = min(O, D)
    target[:-1, :, :k] = x[1:, :, :k]
    return target


def make_cell(cell: str, cfg: Config, D: int, gs: GradSettings, weights: dict | None = None):
    """The model for `cell` with the configuration's sizes and seed. The vanilla RNN takes the
    configuration's nonlinearity and initialisation, or the uploaded `weights` (torch's names,
    checked against the configuration by the frame), and is rescaled to `gs.scale` (uploaded
    weights only when `gs.rescale`); LSTM and GRU keep PyTorch's default initialisation."""
    common = dict(num_layers=cfg.num_layers, bidirectional=cfg.bidirectional, seed=cfg.seed)
    if cell == "rnn":
        model = rnn_core.RNN(D, cfg.hidden_size, nonlinearity=cfg.nonlinearity, init=cfg.init,
                             **common)
        if weights is not None:
            model.load_state_dict({k: v for k, v in weights.items() if not k.startswith("head.")})
        rescale = weights is None or gs.rescale
        if rescale and rnn_core.init.spectral_radius(model.params["weight_hh_l0"]) > 0:
            model.scale_recurrent(gs.scale, gs.measure)
        return model
    return (rnn_core.LSTM if cell == "lstm" else rnn_core.GRU)(D, cfg.hidden_size, **common)


def make_head(cell: str, cfg: Config, weights: dict | None = None) -> rnn_core.Linear:
    """The output layer: seeded, or the uploaded one for the vanilla RNN when the file has it."""
    K = 2 if cfg.bidirectional else 1
    head = rnn_core.Linear(K * cfg.hidden_size, cfg.output_size, seed=cfg.seed + 1)
    if cell == "rnn" and weights is not None and "head.weight" in weights:
        head.load_state_dict({"weight": weights["head.weight"], "bias": weights["head.bias"]})
    return head


def measure_whh(weights: dict, measure: str) -> float:
    """The uploaded W_hh (layer 0)'s spectral radius or largest singular value."""
    W = np.asarray(weights["weight_hh_l0"], dtype=np.float64)
    if measure == "spectral_radius":
        return rnn_core.init.spectral_radius(W)
    return float(np.linalg.norm(W, 2))


def _finite(a: np.ndarray) -> np.ndarray:
    return _frozen(np.where(np.isfinite(a), a, np.nan))


def compute_gradients(cfg: Config, gs: GradSettings, upload=None, layer: int = 0,
                      direction: int = 0, weights: dict | None = None,
                      slim: bool = False) -> dict[str, CellResult]:
    """BPTT of each cell that is `diagnosable` on the configuration's sequence (uncached).
    slim: keep only what the view draws (the cached runs): no step Jacobians (T, S, S) (their
    norms and singular values stay), no gradient arrays (their norms stay in `norms`), dL/dh of
    sample 0 only; `rnn_core.memory.gradient_bytes` counts both forms."""
    x, _, _ = make_input(cfg, upload)
    T, B, D = x.shape
    target = make_target(gs.loss, gs, x, cfg.output_size)
    out = CellResults()
    for cell in CELLS:
        if not diagnosable(cfg, cell, T, D):
            continue
        model = make_cell(cell, cfg, D, gs, weights)
        head = make_head(cell, cfg, weights)
        h0 = make_h0(cfg, B)
        state0 = (h0, np.zeros_like(h0)) if cell == "lstm" else h0
        try:
            res = diagnostics.bptt(model, head, x, state0, gs.loss, target, layer=layer,
                                   direction=direction, keep_jacobians=not slim)
        except ValueError as err:  # the forward overflowed: no finite loss
            with np.errstate(over="ignore", invalid="ignore"):
                model.forward(x, state0)
            h = model.trace(layer, direction).h[:, 0]
            bad = ~np.isfinite(h).all(axis=-1)
            step = int(np.argmax(bad)) + 1 if bad.any() else None
            out[cell] = CellResult(cell, None, str(err), step, _finite(h), (), np.nan, np.nan)
            continue
        grads = {k: v for k, v in res.grads.items()}
        if gs.clip == "norm":
            clipped, total = diagnostics.clip_grad_norm(grads, gs.clip_at)
        elif gs.clip == "value":
            clipped = diagnostics.clip_grad_value(grads, gs.clip_at)
            total = _global_norm(grads)
        else:
            clipped, total = grads, _global_norm(grads)
        norms = tuple((name, tuple(g.shape), float(np.linalg.norm(g)),
                       float(np.linalg.norm(clipped[name]))) for name, g in grads.items())
        total_after = _global_norm(clipped)
        h = model.trace(layer, direction).h[:, 0]
        del model, clipped, grads  # the caches of the whole batch go before the next cell
        if slim:
            res = replace(res, grads=MappingProxyType({}), dh=_frozen(res.dh[:, :1]))
        out[cell] = CellResult(cell, res, None, None, _finite(h), norms, total, total_after)
    return out


def _global_norm(grads: dict) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64)))
                                 for g in grads.values())))


def gradient_runs(cfg: Config, gs: GradSettings, upload=None, layer: int = 0,
                  direction: int = 0, weights: dict | None = None) -> dict[str, CellResult]:
    """The cached BPTT runs of the three cells, slim (`compute_gradients`), shared through
    `ui.runs` (`weights`: the uploaded state dict whose digest is cfg.weights, or None)."""
    csv = cfg.source == "csv"
    use_weights = weights if cfg.weights else None
    T, D = data_shape(cfg, upload if csv else None)
    estimate = memory.gradient_bytes(
        T, cfg.batch_size, D, cfg.hidden_size, cfg.num_layers, cfg.num_directions,
        cfg.output_size, cells=tuple(c for c in CELLS if diagnosable(cfg, c, T, D)),
        shared_input=cfg.source in DATA_SOURCES)
    return memory_guarded(
        cached, "gradients", (cfg, gs, layer, direction, cfg.upload if csv else ""),
        lambda: compute_gradients(cfg, gs, upload if csv else None, layer, direction,
                                  use_weights, slim=True), estimate)


CHECK_ENTRIES = 8  # entries of each tensor the full gradient check perturbs


@dataclass(frozen=True)
class CheckResult:
    """A gradient check of one cell: {tensor: largest relative error} and what it checked
    (`plan.reduced`: a sample that fits the budget, not the full check)."""

    errors: dict
    plan: work.CheckPlan
    T: int  # the sequence's steps and samples, of which the plan may check the first
    B: int


def check_plan(cfg: Config, cell: str, T: int, B: int, D: int,
               max_entries: int = CHECK_ENTRIES) -> work.CheckPlan:
    """What the gradient check of `cell` will check on x (T, B, D): the full check of
    `max_entries` entries per tensor, or a sample within work.CHECK_BUDGET_SECONDS."""
    return work.plan_gradient_check(cell, T, B, D, cfg.hidden_size, cfg.num_layers,
                                    cfg.bidirectional, max_entries)


def check_peak(cfg: Config, cell: str, T: int, B: int, D: int,
               max_entries: int = CHECK_ENTRIES) -> int:
    """The bytes the gradient check of `cell` (as `check_plan` plans it) needs at its peak."""
    plan = check_plan(cfg, cell, T, B, D, max_entries)
    return memory.gradcheck_bytes(cell, plan.steps, plan.batch, D, cfg.hidden_size,
                                  cfg.num_layers, cfg.num_directions).peak


def gradient_check(cfg: Config, gs: GradSettings, cell: str, upload_key: str, _upload=None,
                   max_entries: int = CHECK_ENTRIES, _weights=None) -> CheckResult:
    """Largest relative error between the analytic and the central-difference gradients of
    `max_entries` entries of every tensor, for one cell on the configuration's sequence, when
    that fits work.CHECK_BUDGET_SECONDS of one core; else of the sample `check_plan` picks
    (fewer entries, sample 0, the first steps, some of the tensors). Cached; a MemoryError is
    a message naming the limits (`rnn_core.memory.gradcheck_bytes` estimates its peak)."""
    return memory_guarded(_gradient_check, cfg, gs, cell, upload_key, _upload, max_entries,
                          _weights)


@st.cache_resource(max_entries=8, show_spinner=False)
def _gradient_check(cfg: Config, gs: GradSettings, cell: str, upload_key: str, _upload=None,
                    max_entries: int = CHECK_ENTRIES, _weights=None) -> CheckResult:
    del upload_key
    x, _, _ = make_input(cfg, _upload)
    T, B, D = x.shape
    plan = check_plan(cfg, cell, T, B, D, max_entries)
    model = make_cell(cell, cfg, D, gs, _weights if cfg.weights else None)
    h0 = make_h0(cfg, B)
    state0 = (h0, np.zeros_like(h0)) if cell == "lstm" else h0
    some = plan.tensors if len(plan.tensors) < plan.n_tensors else None
    peak = check_peak(cfg, cell, T, B, D, max_entries)
    with POOL.take(peak), np.errstate(over="ignore", invalid="ignore"):
        errors = rnn_core.check_rnn_gradients(model, x, state0, seed=cfg.seed,
                                              max_entries=plan.entries, steps=plan.steps,
                                              batch=plan.batch, tensors=some)
    return CheckResult(errors, plan, T, B)
