"""How many bytes a run holds, from its sizes alone: what the app may cache and what it may start.

Axes: T time steps, B batch, D input features, H hidden units, L layers, K directions (2 if
bidirectional), O outputs, S samples a cached result keeps (the views draw sample 0: S = 1),
G = gates * H rows of W_ih and W_hh (1 gate RNN, 4 LSTM, 3 GRU), Z state size of one step's
Jacobian (H; 2H for the LSTM's (h, c)), M decoder steps, P parameters.

Each function returns an `Estimate`: `kept`, the bytes of the arrays the result holds (every
array counted: inputs, traces, outputs, parameters, Jacobians if kept), and `peak`, the bytes
alive at the worst moment while computing it (the forward's caches over the whole batch, the
backward's, the Jacobians and their products), which is at least `kept`. `held_bytes(obj)`
measures what an object actually holds, so a test can put each estimate beside the truth.

The counts follow `ui.compute.compute_run`, `ui.compute_grad.compute_gradients`,
`ui.compute_arch.compute_arch`, `gradcheck.check_rnn_gradients` and `train.Trainer`: change one
of those and the matching function here with it (tests/test_memory_model.py checks both).
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "held_bytes", "run_bytes", "gradient_bytes", "arch_bytes",
           "gradcheck_bytes", "training_bytes", "GATES", "SMALL", "format_bytes"]

GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # blocks of H rows in W_ih and W_hh
# (T, B, H)-sized arrays one layer-direction's forward cache holds, per cell: the RNN's five
# (ih, hh, pre, h, f'), the LSTM's ih, hh, pre, act (4H each) and c, tanh c, h, the GRU's ih,
# hh (3H each) and r, z, n, W_hn h + b_hn, h
_FORWARD = {"rnn": 5, "lstm": 19, "gru": 11}
# ... and one layer-direction's backward: RNN dh, da; LSTM dh, dc, da (4H); GRU dh, dih, dhh
_BACKWARD = {"rnn": 2, "lstm": 6, "gru": 7}
# (T, Z, Z) arrays alive while one sample's step Jacobians are built: the RNN's J alone; the
# LSTM's J (2H x 2H, four blocks) and its (T, H, H) terms (two blocks' worth and a product);
# the GRU's J and one term, built in place. Read off lstm_step_jacobians and
# gru_step_jacobians, and measured (tracemalloc: 1.55 and 2.2).
_JACOBIAN_BUILD = {"rnn": 1.0, "lstm": 1.6, "gru": 2.2}
# ... and while their products' norms are taken (diagnostics.product_norms): J, P and three
# temporaries (|P|, P's finite rows, the rows scaled for the SVD) of a chunk of P's matrices
_PRODUCTS_CHUNK = 8 * 2**20  # diagnostics._CHUNK_BYTES


@dataclass(frozen=True)
class Estimate:
    """kept: bytes the result holds; peak: bytes alive while it is computed (>= kept);
    parts: (name, bytes) of `kept`, largest first."""

    kept: int
    peak: int
    parts: tuple = ()


def _sizes(**sizes) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")


SMALL = 64 * 1024  # small temporaries and the Python objects around the arrays, in a peak


def _estimate(parts: dict, peak: int) -> Estimate:
    kept = int(sum(parts.values()))
    return Estimate(kept, int(max(kept, peak)) + SMALL,
                    tuple(sorted(((k, int(v)) for k, v in parts.items() if v),
                                 key=lambda p: -p[1])))


def format_bytes(n: float) -> str:
    """1536 -> '1.5 kB', 2**28 -> '256 MB', 1.5e9 -> '1.4 GB' (powers of 1024, at most one
    decimal)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f}".removesuffix(".0") + f" {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # not reached


def held_bytes(obj, _seen: set | None = None) -> int:
    """The bytes of every NumPy array `obj` holds, walking dataclasses, mappings, tuples, lists,
    sets and other objects' attributes (each array's buffer counted once, a view as its base's
    bytes). Python objects around the arrays (a few hundred bytes each) are not counted."""
    seen = set() if _seen is None else _seen
    if isinstance(obj, np.ndarray):
        base = obj
        while isinstance(base.base, np.ndarray):
            base = base.base
        if id(base) in seen:
            return 0
        seen.add(id(base))
        return int(base.nbytes)
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, complex, bool, type(None))):
        return 0
    seen.add(id(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sum(held_bytes(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    if isinstance(obj, (dict, types.MappingProxyType)):
        return sum(held_bytes(v, seen) for v in obj.values())
    if isinstance(obj, (tuple, list, set, frozenset)):
        return sum(held_bytes(v, seen) for v in obj)
    attrs = getattr(obj, "__dict__", None)  # a model, an optimiser, a trainer: its attributes
    if isinstance(attrs, dict) and not isinstance(obj, (type, types.ModuleType,
                                                        types.FunctionType, types.MethodType)):
        return sum(held_bytes(v, seen) for v in attrs.values())
    return 0


def _param_count(cell: str, D: int, H: int, L: int, K: int) -> int:
    """P of a stacked cell with biases: per layer-direction G*(D_l + H + 2)."""
    G = GATES[cell] * H
    return sum(K * G * ((D if layer == 0 else K * H) + H + 2) for layer in range(L))


def _forward(cell: str, T: int, B: int, D: int, H: int, L: int, K: int, f: int) -> tuple:
    """(bytes held after a whole-batch forward of the stack, the most alive during it), both
    beyond the caller's input: the forward's own copy of x, every layer-direction's cache, the
    concatenated outputs of a bidirectional layer, the final states (the reverse direction's
    input projection reads a reversed, hence copied, input)."""
    block = _FORWARD[cell] * T * B * H * f
    held = T * B * D * f  # the forward's copy of x
    most = held
    for layer in range(L):
        D_l = D if layer == 0 else K * H
        for k in range(K):
            held += block
            most = max(most, held + (T * B * D_l * f if k == 1 else 0))
        if K == 2:
            held += T * B * K * H * f  # [h; g], the next layer's input (the top one's output)
    held += (2 if cell == "lstm" else 1) * L * K * B * H * f  # h_n (and c_n)
    return held, max(most, held)


def run_bytes(T: int, B: int, D: int, H: int, L: int = 1, K: int = 1, O: int = 4,
              itemsize: int = 8, samples: int | None = 1, shared_input: bool = False) -> Estimate:
    """A Recurrence / Data-flow run (`ui.compute.Run`) of a vanilla RNN.

    samples: samples of the batch kept (S; None keeps all B). shared_input: x is one (T, D)
    sequence seen by every sample (text, numbers, an upload), held once until the forward
    copies it; otherwise a generated (T, B, D), made with two temporaries of its size.
    Kept: x (T, S, D); per layer-direction its trace x (T, S, D_l), ih, hh, pre, h, f', h_prev
    (T, S, H), b_ih, b_hh (H,), h0 (S, H); output (T, S, K*H); h_n (L*K, S, H); logits and
    probs (T, S, O); saturation, distance (T,); pca (T, 2); explained (2,); parameters (with
    the head O*(K*H + 1)). Peak: the whole-batch forward and its caches while the traces are
    copied, then two one-sample forwards for the fading-memory distance.
    """
    _sizes(T=T, B=B, D=D, H=H, L=L, K=K, O=O, itemsize=itemsize)
    if K not in (1, 2):
        raise ValueError(f"K: expected 1 or 2 directions, got {K}")
    f, S = itemsize, B if samples is None else max(1, min(samples, B))
    trace = sum(K * (T * S * (D if layer == 0 else K * H) + 6 * T * S * H + 2 * H + S * H)
                for layer in range(L)) * f
    parts = {
        "x": T * S * D * f, "traces": trace, "output": T * S * K * H * f,
        "h_n": L * K * S * H * f, "logits, probs": 2 * T * S * O * f,
        "saturation, pca, distance": (4 * T + 2) * 8,
        "params": (_param_count("rnn", D, H, L, K) + O * (K * H + 1)) * f,
    }
    source = T * D * f if shared_input else T * B * D * f
    making = source if shared_input else 3 * source  # generate: theta, sin(theta), the result
    small_inputs = parts["params"] + L * K * B * H * f  # and h0
    fwd_held, fwd_most = _forward("rnn", T, B, D, H, L, K, f)
    during_forward = source + small_inputs + parts["x"] + fwd_most
    # the traces are copied one layer-direction at a time, each reading a (T, B, H) h_prev
    # made for it; the input is let go once the forward has its own copy
    during_traces = small_inputs + parts["x"] + fwd_held + trace + T * B * H * f
    kept = sum(parts.values())
    # then the whole batch's caches go; sample 0 runs again from h0 (B > 1) and from h0 nudged,
    # each forward's caches alive until the next replaces them
    small, _ = _forward("rnn", T, 1, D, H, L, K, f)
    during_distance = (kept + small_inputs + (2 if B > 1 else 1) * small + T * D * f
                       + 2 * T * K * H * 8)  # the states' difference and its square
    # the top layer's finite states, scaled, centred, and the SVD's factors (measured: 6 of them)
    pca = 6 * T * K * H * 8
    peak = max(making, during_forward, during_traces, during_distance,
               kept + small_inputs + pca)
    return _estimate(parts, peak)


def gradient_bytes(T: int, B: int, D: int, H: int, L: int = 1, K: int = 1, O: int = 4,
                   itemsize: int = 8, cells=("rnn", "lstm", "gru"), keep_jacobians: bool = False,
                   keep_grads: bool = False, samples: int | None = 1,
                   shared_input: bool = False) -> Estimate:
    """One Gradients entry (`ui.compute_grad`): BPTT of each cell in `cells` on one
    layer-direction.

    Kept per cell: the layer's states h (T, H) of sample 0; dL/dh (T, S, H); ||dL/dh_t|| (T,);
    the products' norms and bound (T+1,) x 3; W_hh's singular values (H,); each step
    Jacobian's singular values (T, Z); the W_hh contributions' norms and shares (T,) x 2; with
    keep_jacobians the step Jacobians (T, Z, Z); with keep_grads every parameter's gradient
    and the head's. Peak: the forward and backward caches of the whole batch, then the
    Jacobians J, their products P (T+1, Z, Z) and a scaled copy of P for the SVD, while the
    earlier cells' results are kept.
    """
    _sizes(T=T, B=B, D=D, H=H, L=L, K=K, O=O, itemsize=itemsize)
    f, S = itemsize, B if samples is None else max(1, min(samples, B))
    source = T * D * f if shared_input else T * B * D * f
    kept_total, peak, parts = 0, 0, {}
    for cell in cells:
        if cell not in GATES:
            raise ValueError(f"cells: expected names from {tuple(GATES)}, got {cell!r}")
        Z = 2 * H if cell == "lstm" else H
        n_params = _param_count(cell, D, H, L, K) + O * (K * H + 1)
        jac = T * Z * Z * f
        kept = (T * H * 8 + T * S * H * f + T * 8 + 3 * (T + 1) * 8 + H * 8 + T * Z * 8
                + 2 * T * 8 + (jac if keep_jacobians else 0)
                + (n_params * f if keep_grads else 0))
        fwd_held, fwd_most = _forward(cell, T, B, D, H, L, K, f)
        backward = sum(K * (_BACKWARD[cell] * T * B * H + T * B * (D if layer == 0 else K * H))
                       for layer in range(L)) * f
        head = 3 * T * B * O * f + T * B * K * H * f  # logits, dlogits, target; dL/doutput
        model = n_params * f * 3  # parameters, their gradients, the frozen copies
        caches = fwd_held + backward + head + model
        build = _JACOBIAN_BUILD[cell] * jac
        matrix = Z * Z * f
        chunk = min(T + 1, max(1, _PRODUCTS_CHUNK // matrix)) * matrix
        products = 2 * jac + matrix + 3 * chunk + T * Z * 8  # J, P (T+1), the singular values
        # then the W_hh gradient's terms' norms (diagnostics.contribution_norms), J and P alive:
        # C_t formed ~4M entries at a time with two copies, or the Gram route's scaled copies
        G = GATES[cell] * H
        if B * (G + H) >= G * H:
            contrib = 3 * min(T, max(1, (1 << 22) // (G * H))) * G * H * 8
        else:
            contrib = 2 * T * B * (G + H) * 8
        end = 3 * jac if keep_jacobians else 0  # J, P and J's kept copy as bptt returns
        cell_peak = max(fwd_most + head, caches + max(build, products, 2 * jac + contrib, end))
        peak = max(peak, kept_total + source + cell_peak)
        kept_total += kept
        parts[cell] = kept
    return _estimate(parts, max(peak, kept_total))


def arch_bytes(arch: str, T: int, B: int, D: int, H: int, L: int = 1, K: int = 1, O: int = 4,
               M: int = 6, attention: str | None = None, itemsize: int = 8,
               shared_input: bool = False) -> Estimate:
    """An Architectures / Encoder-decoder run (`ui.compute_arch.ArchRun`), sample 0 kept.

    arch: "n_to_n", "n_to_1", "one_to_n" or "n_to_m" (M decoder steps, C = K*H decoder
    states; attention: None, "dot" or "additive", the score, which adds an (M, T) weight
    matrix, and for "additive" the keys projected (T, B, C) and each step's tanh (T, B, C)).
    Kept: the input read (T, D); every layer-direction's states (T, H); the top layer
    (T, K*H); outputs and probabilities; for
    N-to-M the encoder's states, contexts (M, C), decoder states (M, C), inputs (M, O),
    logits and probabilities (M, O). Peak: the whole-batch forward of the encoder (and the
    decoder's per-step caches).
    """
    if arch not in ("n_to_n", "n_to_1", "one_to_n", "n_to_m"):
        raise ValueError(f"arch: expected n_to_n, n_to_1, one_to_n or n_to_m, got {arch!r}")
    _sizes(T=T, B=B, D=D, H=H, L=L, K=K, O=O, M=M, itemsize=itemsize)
    f, C = itemsize, K * H
    parts = {"x": T * D * f, "layers": L * K * T * H * f, "output": T * C * f}
    if arch == "one_to_n":
        parts["x single"] = D * f
    if arch == "n_to_1":
        parts["readout"] = C * f
        parts["y, probs"] = 2 * O * f
    elif arch == "n_to_m":
        parts["y, probs"] = 2 * M * O * f  # ArchRun.y, probs are the decoder's logits, probs
        parts["seq2seq"] = (L * K * T * H + T * C + 2 * M * C + C + M * O + 2 * M * O
                            + (M * T if attention else 0)) * f
    else:
        parts["y, probs"] = 2 * T * O * f
    source = T * D * f if shared_input else T * B * D * f
    fwd_held, fwd_most = _forward("rnn", T, B, D, H, L, K, f)
    outputs = 3 * T * B * max(O, C) * f  # the head's output, its softmax, the top layer's copy
    if attention not in (None, "dot", "additive"):
        raise ValueError(f"attention: expected None, 'dot' or 'additive', got {attention!r}")
    decoder = 0
    if arch == "n_to_m":  # per step: input, state, context, attention weights, a cell's cache
        decoder = M * B * (O + 4 * C + (2 * T if attention else 0)) * f \
            + (2 * T * B * C * f if attention else 0)  # keys projected, scores
        if attention == "additive":  # each step keeps its tanh(W_q q + W_k h_i) (T, B, C)
            decoder += (M + 2) * T * B * C * f
    peak = 3 * source + fwd_most + outputs + decoder + sum(parts.values())
    return _estimate(parts, peak)


def gradcheck_bytes(cell: str, T: int, B: int, D: int, H: int, L: int = 1, K: int = 1,
                    itemsize: int = 8) -> Estimate:
    """A gradient check (`gradcheck.check_rnn_gradients`) on T steps of B samples (the ones its
    plan, `work.plan_gradient_check`, keeps).

    Kept: one relative error per tensor (a dict of floats: nothing in arrays). Peak: the
    input's copy, the random weights G of the loss (output- and state-sized), the analytic
    gradients (the parameters' size plus input and initial states), and two forward caches
    (the one the backward read, replaced by each of the loss's forwards).
    """
    if cell not in GATES:
        raise ValueError(f"cell: expected one of {tuple(GATES)}, got {cell!r}")
    _sizes(T=T, B=B, D=D, H=H, L=L, K=K, itemsize=itemsize)
    f = itemsize
    states = (2 if cell == "lstm" else 1) * L * K * B * H * f
    n_params = _param_count(cell, D, H, L, K)
    fwd_held, fwd_most = _forward(cell, T, B, D, H, L, K, f)
    backward = sum(K * (_BACKWARD[cell] * T * B * H + T * B * (D if layer == 0 else K * H))
                   for layer in range(L)) * f
    inputs = 2 * T * B * D * f + states  # the caller's x, the check's copy, the initial states
    G = T * B * K * H * f + states
    analytic = n_params * f + T * B * D * f + states
    rescale = 3 * H * H * f  # the model's W_hh rescaled: an eigendecomposition's factors
    peak = inputs + G + analytic + backward + fwd_held + fwd_most + n_params * f + rescale
    return _estimate({}, peak)


def training_bytes(cell: str, T: int, B: int, D: int, H: int, O: int, steps: int,
                   optimizer: str = "adam", readout: str = "every", int_targets: bool = False,
                   decoder_steps: int = 0, eval_size: int = 64, itemsize: int = 8) -> Estimate:
    """One training run (`ui.compute_train.TrainRun`): a one-layer `cell` network and a head.

    readout: "every" (logits (T, B, O)) or "last" ((B, O)); int_targets: class indices (one
    int64 per prediction) instead of (.., O) values; decoder_steps M > 0: an encoder-decoder
    (a decoder of the same cell over M steps reading its previous output, O features, counted
    as a second network over M steps). Kept: the parameters P and the optimiser's state (Adam
    2P, Adagrad P, SGD with momentum P); the last training batch's forward cache and its
    backward's; the evaluation batch x (T, E, D) and targets, the predictions before training
    (logits, and the states (T, E, H) with the forward cache they are a view into: all five
    of the RNN's (T, E, H) arrays); and the history, four Python floats per step (32 bytes each
    with its list slot; not arrays). Peak: one more batch's forward, backward and gradients.
    """
    if cell not in GATES:
        raise ValueError(f"cell: expected one of {tuple(GATES)}, got {cell!r}")
    if readout not in ("every", "last"):
        raise ValueError(f"readout: expected 'every' or 'last', got {readout!r}")
    _sizes(T=T, B=B, D=D, H=H, O=O, steps=steps, eval_size=eval_size, itemsize=itemsize)
    f, E, M = itemsize, eval_size, decoder_steps
    state = {"adam": 2, "adagrad": 1, "sgd": 1}.get(optimizer)
    if state is None:
        raise ValueError(f"optimizer: expected adam, sgd or adagrad, got {optimizer!r}")
    n_params = _param_count(cell, D, H, 1, 1) + O * (H + 1)
    nets = [(T, D)] + ([(M, O)] if M else [])  # (steps, input width) of each network
    if M:
        n_params += _param_count(cell, O, H, 1, 1)
    fwd_batch = sum(_forward(cell, n, B, d, H, 1, 1, f)[0] for n, d in nets)
    backward = sum((_BACKWARD[cell] * n * B * H + n * B * d) * f for n, d in nets)
    out_steps = M if M else (T if readout == "every" else 1)
    targets = E * out_steps * (8 if int_targets else O * f)
    h_view = 5 if cell == "rnn" else 1  # the RNN's h is one of five arrays in one allocation
    parts = {
        "params": n_params * f, "optimiser": state * n_params * f,
        "last batch": fwd_batch + backward,
        "evaluation": E * T * D * f + targets + E * out_steps * O * f
        + sum(h_view * n * E * H * f for n, _ in nets),
        "history": 4 * 32 * steps,
    }
    fwd_most = sum(_forward(cell, n, B, d, H, 1, 1, f)[1] for n, d in nets)
    step = fwd_most + backward + n_params * f + 4 * B * out_steps * O * f  # and the loss's
    # the first evaluation, before training: the E samples' forward and loss
    evaluation = parts["params"] + E * T * D * f + targets \
        + sum(_forward(cell, n, E, d, H, 1, 1, f)[1] for n, d in nets) + 4 * E * out_steps * O * f
    peak = max(sum(parts.values()) + step, evaluation)
    return _estimate(parts, peak)
