"""Work estimates from sizes alone: the floating-point operations a forward and a backward of a
recurrent network, a gradient check, the Gradients view's Jacobian diagnostics and a training
run will do, and the seconds they take on one core, so a caller can refuse or reduce the work
before it starts.

Axes: T time, B batch, D input, H hidden, O outputs, L layers, K directions (1 or 2), G gate
blocks (1 vanilla RNN, 3 GRU, 4 LSTM), S the state size a step Jacobian acts on (H; 2H for the
LSTM's (h, c)).

The count is flops of float64 arithmetic, the textbook 2·m·k·n per matrix product, with three
corrections measured on this project's machine so that the count follows the time:
  - a thin product (few rows m) is paid as if it had MIN_ROWS rows: below that, reading the
    (k, n) matrix from memory takes longer than the multiplications;
  - the gates' elementwise work (nonlinearities, their derivatives, the sums and copies):
    ELEMENT_FLOPS per gate entry per step for the forward, twice that for the backward;
  - Python's loop over the steps: STEP_SECONDS per step per layer-direction.
In the large-size limit a forward and a backward together cost 3 forwards:
2·T·B·G·H·(D + H)·3 flops for one layer-direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # G: gate blocks stacked in W_ih (G·H, D)

# Float64 matrix products under one OpenBLAS thread on this project's 2-core machine (shared
# with other work, 2026-12-07): 1000x1000x1000 in 63 ms (31.6 GFLOP/s), 512^3 at 24 GFLOP/s,
# (240, 3000) @ (3000, 4000) at 22 GFLOP/s. The lower end: a busy server is what the budget is for.
FLOP_RATE = 2.5e10  # flops per second of one core
# (1, 3000) @ (3000, 4000) took 14.5 ms and (12, 1000) @ (1000, 4000) 5.9 ms: the time of 16 rows.
MIN_ROWS = 16
# The gates' elementwise work: an LSTM forward and backward at T 100, batch 32, hidden 64 took
# 40 ms of CPU, 14 ms of it in products: about 30 ns per gate entry per step, 750 flops.
ELEMENT_FLOPS = 250  # the forward's share; the backward does twice as much
# The Python loop: a forward step of a 2-layer bidirectional model at hidden 4 took 3 µs per
# layer-direction (vanilla), 20 µs (LSTM), 26 µs (GRU); the backward about 1.5 times that.
STEP_SECONDS = {"rnn": 3e-6, "lstm": 20e-6, "gru": 26e-6}
BACKWARD_STEP_FACTOR = 1.5
# The backward writes fresh gradient arrays the size of the weights in several passes: at
# hidden 1000, 4 layers, bidirectional, 3 steps of 1 sample it took 6 to 19 ns per weight entry
# beyond its products (GRU, LSTM, vanilla RNN), 250 flops at FLOP_RATE.
BACKWARD_WEIGHT_FLOPS = 250
# One S x S SVD without vectors, counted as SVD_FLOPS · S^3: 10 of 400 x 400 took 0.2 s (8),
# 20 of 200 x 200 96 ms (15), 20 of 100 x 100 24 ms (30): small ones pay more per S^3.
SVD_FLOPS = 12
# Training's own work per step of the sequence (the head, the loss, slicing the batch):
# 5 training steps of the memory task (26 steps) at hidden 8, batch 1 took 2 ms of CPU.
TRAIN_STEP_SECONDS = 5e-6
OPTIMIZER_FLOPS = 20  # per parameter per training step (Adam: moments, square root, update)


def _gates(cell: str) -> int:
    if cell not in GATES:
        raise ValueError(f"cell: expected one of {tuple(GATES)}, got {cell!r}")
    return GATES[cell]


def _sizes(**sizes) -> None:
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: expected an integer >= 1, got {v!r}")


def seconds(flops: float) -> float:
    """The time `flops` take on one core at FLOP_RATE."""
    return float(flops) / FLOP_RATE


def flops_for(seconds_: float) -> float:
    """The flops one core does in `seconds_` at FLOP_RATE."""
    return float(seconds_) * FLOP_RATE


def product_flops(m: int, k: int, n: int) -> float:
    """(m, k) @ (k, n): 2·max(m, MIN_ROWS)·k·n (a thin product pays for reading its matrix)."""
    return 2.0 * max(m, MIN_ROWS) * k * n


def layer_inputs(D: int, H: int, num_layers: int = 1, bidirectional: bool = False) -> list[int]:
    """The input width of each layer: D, then K·H for the stacked ones."""
    K = 2 if bidirectional else 1
    return [D] + [K * H] * (num_layers - 1)


def forward_flops(cell: str, T: int, B: int, D: int, H: int, num_layers: int = 1,
                  bidirectional: bool = False, overheads: bool = True) -> float:
    """One forward over x (T, B, D): per layer-direction the input projection for all steps in
    one product (T·B, D_l) @ (D_l, G·H), T recurrent products (B, H) @ (H, G·H) and, with
    `overheads`, the gates' elementwise work and the loop's time per step."""
    G = _gates(cell)
    _sizes(T=T, B=B, D=D, H=H, num_layers=num_layers)
    K = 2 if bidirectional else 1
    total = 0.0
    for D_l in layer_inputs(D, H, num_layers, bidirectional):
        one = product_flops(T * B, D_l, G * H) + T * product_flops(B, H, G * H)
        if overheads:
            one += ELEMENT_FLOPS * T * B * G * H + flops_for(STEP_SECONDS[cell]) * T
        total += K * one
    return total


def backward_flops(cell: str, T: int, B: int, D: int, H: int, num_layers: int = 1,
                   bidirectional: bool = False, overheads: bool = True) -> float:
    """BPTT after a forward: per layer-direction dx = dgates @ W_ih, dW_ih = dgates^T x and
    dW_hh = dgates^T h_prev in one product each over all steps, and T products dh_prev =
    dgates_t @ W_hh; with `overheads`, twice the forward's elementwise work,
    BACKWARD_STEP_FACTOR times its loop time and BACKWARD_WEIGHT_FLOPS per weight entry."""
    G = _gates(cell)
    _sizes(T=T, B=B, D=D, H=H, num_layers=num_layers)
    K = 2 if bidirectional else 1
    total = 0.0
    for D_l in layer_inputs(D, H, num_layers, bidirectional):
        one = (product_flops(T * B, G * H, D_l) + product_flops(G * H, T * B, D_l)
               + product_flops(G * H, T * B, H) + T * product_flops(B, G * H, H))
        if overheads:
            one += (2 * ELEMENT_FLOPS * T * B * G * H
                    + BACKWARD_STEP_FACTOR * flops_for(STEP_SECONDS[cell]) * T
                    + BACKWARD_WEIGHT_FLOPS * G * H * (D_l + H))
        total += K * one
    return total


def forward_backward_flops(cell: str, T: int, B: int, D: int, H: int, num_layers: int = 1,
                           bidirectional: bool = False, overheads: bool = True) -> float:
    """A forward and its backward (about 3 forwards: 2·T·B·G·H·(D + H)·3 per layer-direction
    for large sizes)."""
    args = (cell, T, B, D, H, num_layers, bidirectional, overheads)
    return forward_flops(*args) + backward_flops(*args)


# ---------------------------------------------------------------------------------------------
# The gradient check
# ---------------------------------------------------------------------------------------------

def param_sizes(cell: str, D: int, H: int, num_layers: int = 1,
                bidirectional: bool = False) -> dict[str, int]:
    """{torch's parameter name: number of entries}, in the order rnn_core's models hold them."""
    G = _gates(cell)
    sizes = {}
    for layer, D_l in enumerate(layer_inputs(D, H, num_layers, bidirectional)):
        for sfx in ("", "_reverse")[: 2 if bidirectional else 1]:
            sizes[f"weight_ih_l{layer}{sfx}"] = G * H * D_l
            sizes[f"weight_hh_l{layer}{sfx}"] = G * H * H
            sizes[f"bias_ih_l{layer}{sfx}"] = G * H
            sizes[f"bias_hh_l{layer}{sfx}"] = G * H
    return sizes


def check_tensor_sizes(cell: str, T: int, B: int, D: int, H: int, num_layers: int = 1,
                       bidirectional: bool = False) -> dict[str, int]:
    """Every tensor `check_rnn_gradients` checks and its entries: the parameters, "input"
    (T·B·D), "h0" (L·K·B·H) and for the LSTM "c0"."""
    K = 2 if bidirectional else 1
    sizes = param_sizes(cell, D, H, num_layers, bidirectional)
    sizes["input"] = T * B * D
    sizes["h0"] = num_layers * K * B * H
    if cell == "lstm":
        sizes["c0"] = num_layers * K * B * H
    return sizes


def gradient_check_flops(cell: str, T: int, B: int, D: int, H: int, num_layers: int = 1,
                         bidirectional: bool = False, entries: int = 8,
                         tensors: tuple | None = None) -> float:
    """A central-difference check of `entries` entries of each tensor (all of a smaller one;
    `tensors`: only these names, None for all): a forward and a backward for the analytic
    gradient, two forwards per checked entry, and a last forward that restores the cache."""
    sizes = check_tensor_sizes(cell, T, B, D, H, num_layers, bidirectional)
    names = sizes if tensors is None else tensors
    checked = sum(min(sizes[n], entries) for n in names)
    args = (cell, T, B, D, H, num_layers, bidirectional)
    return forward_backward_flops(*args) + (2 * checked + 1) * forward_flops(*args)


@dataclass(frozen=True)
class CheckPlan:
    """What a gradient check within a budget checks: `entries` entries of each tensor in
    `tensors`, on the first `steps` steps of the first `batch` samples. `flops` is its estimate,
    `full_flops` that of the check asked for (every tensor, `max_entries`, all T and B)."""

    batch: int
    steps: int
    entries: int
    tensors: tuple[str, ...]
    n_tensors: int  # how many tensors the model has in all (the check may take fewer)
    flops: float
    full_flops: float

    @property
    def reduced(self) -> bool:
        return self.flops < self.full_flops

    @property
    def seconds(self) -> float:
        return seconds(self.flops)

    @property
    def full_seconds(self) -> float:
        return seconds(self.full_flops)


CHECK_BUDGET_SECONDS = 3.0  # of one core, per cell checked (building the model is not counted)
CHECK_SHORT_STEPS = 10  # a reduced check reads at most this many steps ...
CHECK_MIN_STEPS = 3  # ... and at least this many (two steps back through the recurrence)


def plan_gradient_check(cell: str, T: int, B: int, D: int, H: int, num_layers: int = 1,
                        bidirectional: bool = False, max_entries: int = 8,
                        budget_seconds: float = CHECK_BUDGET_SECONDS) -> CheckPlan:
    """The largest gradient check that fits the budget, reduced in this order (each step
    keeps the check meaningful longer than the next): sample 0 instead of the batch (the
    batch only sums); fewer entries per tensor down to 3 on all T steps; then the first 10
    steps with down to 2 entries; then the first 3 steps with down to 1 entry; last, 1 entry of
    an evenly spread subset of the tensors (at least one: first and last layers first). The
    full check is returned as it is when it fits."""
    _sizes(T=T, B=B, D=D, H=H, num_layers=num_layers, max_entries=max_entries)
    budget = flops_for(budget_seconds)
    names = tuple(check_tensor_sizes(cell, T, B, D, H, num_layers, bidirectional))
    arch = (cell, D, H, num_layers, bidirectional)

    def cost(b, t, e, tensors=None):
        c, d, h, layers, bidir = arch
        return gradient_check_flops(c, t, b, d, h, layers, bidir, e, tensors)

    full = cost(B, T, max_entries)
    levels = [(B, T, max_entries), (1, T, min(3, max_entries)),
              (1, min(T, CHECK_SHORT_STEPS), min(2, max_entries)),
              (1, min(T, CHECK_MIN_STEPS), 1)]
    for b, t, lowest in levels:
        for e in range(max_entries, lowest - 1, -1):
            c = cost(b, t, e)
            if c <= budget:
                return CheckPlan(b, t, e, names, len(names), c, full)
    b, t = 1, min(T, CHECK_MIN_STEPS)
    chosen = names[:1]
    for n in range(len(names), 0, -1):
        # n names spread evenly from the first to the last
        pick = tuple(names[i] for i in sorted(set(np.linspace(0, len(names) - 1, n)
                                                  .round().astype(int))))
        if cost(b, t, 1, pick) <= budget or n == 1:
            chosen = pick
            break
    return CheckPlan(b, t, 1, chosen, len(names), cost(b, t, 1, chosen), full)


# ---------------------------------------------------------------------------------------------
# The Gradients view's Jacobian diagnostics
# ---------------------------------------------------------------------------------------------

def state_size(cell: str, H: int) -> int:
    """S: the recurrent state's size, H, or 2H for the LSTM's (h, c)."""
    _gates(cell)
    return 2 * H if cell == "lstm" else H


def jacobian_flops(cell: str, T: int, H: int) -> float:
    """The diagnostics of one layer-direction over T steps: T step Jacobians (S, S) built from
    the weights (about 2·G·S^2 each), their T running products (T·2·S^3), the largest singular
    values of the T + 1 products and of the T steps (2T + 1 SVDs of S x S), and W_hh's
    singular values."""
    G = _gates(cell)
    _sizes(T=T, H=H)
    S = state_size(cell, H)
    return (T * 2.0 * G * S * S + T * product_flops(S, S, S)
            + (2 * T + 1) * SVD_FLOPS * float(S) ** 3 + SVD_FLOPS * float(H) ** 3 * G)


JACOBIAN_BUDGET_SECONDS = 5.0  # of one core, per cell the Gradients view diagnoses


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def training_step_flops(cell: str, T: int, B: int, D: int, H: int, O: int,
                        seq2seq: bool = False) -> float:
    """One training step of a one-layer network: forward and backward of the cell over the
    task's T steps, the head on every step (3 products (T·B, H) @ (H, O)), the optimiser's
    update of every parameter and training's own work per sequence step. A seq2seq task
    (`seq2seq`) adds a decoder of the same cell over T steps that reads the previous output and
    the context (input O + H)."""
    _sizes(T=T, B=B, D=D, H=H, O=O)
    G = _gates(cell)
    work = forward_backward_flops(cell, T, B, D, H) + 3 * product_flops(T * B, H, O)
    n_params = G * H * (D + H + 2) + O * (H + 1)
    steps = T
    if seq2seq:
        work += forward_backward_flops(cell, T, B, O + H, H)
        n_params += G * H * (O + 2 * H + 2)
        steps += T
    return work + OPTIMIZER_FLOPS * n_params + flops_for(TRAIN_STEP_SECONDS) * steps


def training_flops(cell: str, T: int, B: int, D: int, H: int, O: int, steps: int,
                   seq2seq: bool = False) -> float:
    """`steps` training steps (see `training_step_flops`)."""
    _sizes(steps=steps)
    return steps * training_step_flops(cell, T, B, D, H, O, seq2seq)


def steps_within(step_flops: float, budget_seconds: float) -> int:
    """How many steps of `step_flops` each fit in `budget_seconds` of one core (at least 1)."""
    if not (step_flops > 0 and math.isfinite(step_flops)):
        raise ValueError(f"step_flops: expected a finite number > 0, got {step_flops!r}")
    return max(1, int(flops_for(budget_seconds) // step_flops))


TRAIN_BUDGET_SECONDS = 180.0  # of one core, per training run
