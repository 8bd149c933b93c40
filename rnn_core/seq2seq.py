"""The architectures of seed articles 001 and 003, built on `RNN` (or `LSTM`, `GRU`) and
`Linear`, each with a forward and a backward:

    N-to-N      y_t = V o_t + c for every step t           (`ManyToMany`; frame tagging)
    N-to-1      y = V r + c, r = the last state or a pool  (`ManyToOne`; sentiment)
    1-to-N      one input x fed at the first step only (zeros after) or at every step
                (`OneToMany`; image captioning)
    N-to-M      an encoder reads x_1..x_N, a context c, a decoder writes y_1..y_M (`Seq2Seq`)

where o_t is the recurrent network's output at t: h_t, or [h_t; g_t] for a bidirectional one
(article 003's o_t = V [h_t; g_t] + c), from its top layer when stacked.

The context of `Seq2Seq`: "last" c = h_N, "transform" c = tanh(W_c h_N + b_c), "pool"
c = mean or max over h_1..h_N, "attention" c_t = sum_i alpha_ti h_i at every decoder step
(`rnn_core.attention`). For a bidirectional encoder "h_N" is [h_N; g_1], the final state of
each direction. The decoder takes c as its initial state ("init"), as an extra input at every
step ("input"), or both; with attention c_t changes at every step, so it enters as an input
("input" or "both"; "both" also starts the decoder from [h_N; g_1]).

Axes: T = N input steps, M output steps, B batch, D input features, E decoder input features,
H hidden units, K directions, L layers, C = K*H size of a state read from the top layer (and the
decoder's hidden size), O outputs.

Layouts are torch's, time first: x (T, B, D), or unbatched (T, D) which gives unbatched results.
Parameters are named as a torch module holding submodules would name them: "rnn.weight_ih_l0",
"head.weight"; `Seq2Seq`: "encoder.*", "decoder.*", "head.*", "transform.*", "attention.*".
`backward` returns a dict of these plus "input" (and "dec_input" for `Seq2Seq`).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_size, shape_str
from .attention import SCORES, attention_backward, attention_forward, project_keys
from .functional import rnn_step_backward, rnn_step_forward
from .gradcheck import numerical_gradient, sample_indices
from .gru import GRU, gru_step_backward, gru_step_forward
from .linear import Linear
from .lstm import LSTM, lstm_step_backward, lstm_step_forward
from .rnn import RNN

CELLS = ("rnn", "lstm", "gru")
READOUTS = ("last", "mean", "max")  # what N-to-1 reads: the final state or a pool over time
ONE_FEEDS = ("first", "every")  # 1-to-N: the one input at the first step only, or every step
CONTEXTS = ("last", "transform", "pool", "attention")
POOLS = ("mean", "max")
FEEDS = ("init", "input", "both")
# The context as one menu entry: name -> (context, pool, score) of Seq2Seq
CONTEXT_MENU = {"last": ("last", "mean", "dot"), "transform": ("transform", "mean", "dot"),
                "mean": ("pool", "mean", "dot"), "max": ("pool", "max", "dot"),
                "dot": ("attention", "mean", "dot"),
                "additive": ("attention", "mean", "additive")}


def _choice(name: str, value, allowed) -> str:
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {tuple(allowed)}, got {value!r}")
    return value


def make_cell(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
              bidirectional: bool = False, nonlinearity: str = "tanh", seed: int = 0,
              init: str = "torch", dtype=np.float64):
    """An `RNN`, `LSTM` or `GRU` with these sizes (nonlinearity and init apply to the RNN)."""
    _choice("cell", cell, CELLS)
    if cell == "rnn":
        return RNN(input_size, hidden_size, num_layers, nonlinearity, bidirectional=bidirectional,
                   seed=seed, dtype=dtype, init=init)
    cls = LSTM if cell == "lstm" else GRU
    return cls(input_size, hidden_size, num_layers, bidirectional=bidirectional, seed=seed,
               dtype=dtype)


# ---------------------------------------------------------------------------------------------
# Reading a state out of the top layer: pure function pairs
# ---------------------------------------------------------------------------------------------

def final_states(output: np.ndarray, K: int) -> np.ndarray:
    """The final state of each direction of the top layer, (B, K*H), from output (T, B, K*H):
    h_N for one direction, [h_N; g_1] for two (the backward direction ends at step 1). Equal to
    the top layer's rows of h_n, concatenated."""
    H = output.shape[2] // K
    if K == 1:
        return output[-1]  # (B, H)
    return np.concatenate([output[-1, :, :H], output[0, :, H:]], axis=1)  # (B, 2H)


def final_states_backward(dfinal: np.ndarray, T: int, K: int) -> np.ndarray:
    """dL/doutput (T, B, K*H) from dL/d(final states) (B, K*H): each slot goes back where
    `final_states` read it."""
    B, KH = dfinal.shape
    H = KH // K
    dout = np.zeros((T, B, KH), dtype=dfinal.dtype)
    dout[-1, :, :H] = dfinal[:, :H]  # h_N
    if K == 2:
        dout[0, :, H:] = dfinal[:, H:]  # g_1
    return dout


def pool_forward(h: np.ndarray, mode: str = "mean"):
    """A pool over time: h (T, B, C) -> (B, C), the mean or the max of each unit.
    Returns (pooled, cache)."""
    _choice("pool", mode, POOLS)
    if mode == "mean":
        return h.mean(axis=0), ("mean", h.shape, None)
    idx = np.argmax(h, axis=0)  # (B, C): the step each unit's max comes from
    return np.take_along_axis(h, idx[None], axis=0)[0], ("max", h.shape, idx)


def pool_backward(dpooled: np.ndarray, cache) -> np.ndarray:
    """dL/dh (T, B, C) from dL/dpooled (B, C)."""
    mode, shape, idx = cache
    if mode == "mean":
        return np.broadcast_to(dpooled[None] / shape[0], shape).copy()  # 1/T to every step
    dh = np.zeros(shape, dtype=dpooled.dtype)
    np.put_along_axis(dh, idx[None], dpooled[None], axis=0)  # only the argmax step gets it
    return dh


def readout_forward(output: np.ndarray, mode: str, K: int):
    """What N-to-1 reads: output (T, B, K*H) -> r (B, K*H), the final states ("last") or a pool
    over time ("mean", "max"). Returns (r, cache)."""
    _choice("readout", mode, READOUTS)
    if mode == "last":
        return final_states(output, K), ("last", output.shape[0], K)
    r, cache = pool_forward(output, mode)
    return r, ("pool", cache)


def readout_backward(dr: np.ndarray, cache) -> np.ndarray:
    """dL/doutput (T, B, K*H) from dL/dr (B, K*H)."""
    if cache[0] == "last":
        return final_states_backward(dr, cache[1], cache[2])
    return pool_backward(dr, cache[1])


# ---------------------------------------------------------------------------------------------
# One decoder step of any cell, with a uniform state tuple: (h,) or (h, c) for the LSTM
# ---------------------------------------------------------------------------------------------

def cell_step_forward(cell: str, x, state: tuple, W_ih, W_hh, b_ih, b_hh, nonlinearity="tanh"):
    """x (B, E'), state: tuple of (B, H). Returns (next state tuple, cache)."""
    if cell == "rnn":
        h, cache = rnn_step_forward(x, state[0], W_ih, W_hh, b_ih, b_hh, nonlinearity)
        return (h,), cache
    if cell == "gru":
        h, cache = gru_step_forward(x, state[0], W_ih, W_hh, b_ih, b_hh)
        return (h,), cache
    h, c, cache = lstm_step_forward(x, state[0], state[1], W_ih, W_hh, b_ih, b_hh)
    return (h, c), cache


def cell_step_backward(cell: str, dstate: tuple, cache):
    """dstate: dL/d(next state) tuple. Returns dx, dprev_state tuple, dW_ih, dW_hh, db_ih,
    db_hh."""
    if cell == "rnn":
        dx, dh, dW_ih, dW_hh, db_ih, db_hh = rnn_step_backward(dstate[0], cache)
        return dx, (dh,), dW_ih, dW_hh, db_ih, db_hh
    if cell == "gru":
        dx, dh, dW_ih, dW_hh, db_ih, db_hh = gru_step_backward(dstate[0], cache)
        return dx, (dh,), dW_ih, dW_hh, db_ih, db_hh
    dx, dh, dc, dW_ih, dW_hh, db_ih, db_hh = lstm_step_backward(dstate[0], dstate[1], cache)
    return dx, (dh, dc), dW_ih, dW_hh, db_ih, db_hh


# ---------------------------------------------------------------------------------------------
# The modules
# ---------------------------------------------------------------------------------------------

class Params:
    """A bag of named parameters that is not a layer of its own (the additive attention's
    W_q, W_k, v), with the state-dict face of the other modules."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = params

    def param_shapes(self) -> dict[str, tuple]:
        return {k: v.shape for k, v in self.params.items()}

    def state_dict(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        if set(state) != set(self.params):
            raise ValueError(f"state_dict: expected the names {sorted(self.params)}, got "
                             f"{sorted(state)}")
        new = {}
        for k, v in self.params.items():
            arr = as_float_array(k, state[k], v.dtype)
            if arr.shape != v.shape:
                raise ValueError(f"{k}: expected shape {shape_str(v.shape)}, got "
                                 f"{shape_str(arr.shape)}")
            new[k] = arr.copy()
        self.params = new


class _Composite:
    """What the architectures share: submodules under names, their parameters under
    "module.name" (the very arrays the submodules use, so perturbing one in place changes the
    forward), state dicts, and the unbatched layout."""

    _modules: tuple[str, ...] = ()
    input_names: tuple[str, ...] = ("input",)  # the forward's array arguments, for gradients

    def modules(self) -> dict:
        return {m: getattr(self, m) for m in self._modules if getattr(self, m, None) is not None}

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {f"{m}.{k}": v for m, mod in self.modules().items() for k, v in mod.params.items()}

    def param_shapes(self) -> dict[str, tuple]:
        return {f"{m}.{k}": tuple(s) for m, mod in self.modules().items()
                for k, s in mod.param_shapes().items()}

    def num_parameters(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def state_dict(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        if not isinstance(state, dict) or set(state) != set(self.param_shapes()):
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state_dict: expected the names {sorted(self.param_shapes())}, "
                             f"got {got}")
        for m, mod in self.modules().items():
            mod.load_state_dict({k[len(m) + 1:]: v for k, v in state.items()
                                 if k.startswith(m + ".")})

    @staticmethod
    def _batched(name: str, x, ndim: int, dtype) -> tuple[np.ndarray, bool]:
        """x with a batch axis (inserted at axis 1, or 0 for a single vector) and whether it
        was unbatched."""
        x = as_float_array(name, x, dtype)
        if x.ndim == ndim - 1:
            return (x[None] if ndim == 2 else x[:, None]), True
        if x.ndim != ndim:
            raise ValueError(f"{name}: expected {ndim} dimensions (or {ndim - 1} unbatched), got "
                             f"shape {shape_str(x.shape)}")
        return x, False


class _RecurrentHead(_Composite):
    """A recurrent network `rnn` and a linear `head` on what is read out of it. `forward`
    takes an optional h0 as the RNN does ((L*K, B, H); the LSTM's pair (h0, c0))."""

    _modules = ("rnn", "head")

    def __init__(self, input_size, hidden_size, output_size, num_layers=1, bidirectional=False,
                 cell="rnn", nonlinearity="tanh", seed=0, init="torch", dtype=np.float64):
        self.cell = _choice("cell", cell, CELLS)
        self.rnn = make_cell(cell, input_size, hidden_size, num_layers, bidirectional,
                             nonlinearity, seed, init, dtype)
        self.num_directions = 2 if bidirectional else 1
        self.head = Linear(self.num_directions * hidden_size,
                           check_size("output_size", output_size), seed=seed + 1, dtype=dtype)
        self.dtype = self.rnn.dtype
        self.output = None  # (T, B, K*H) the top layer's states of the last forward
        self.h_n = None  # (L*K, B, H) (for the LSTM the pair (h_n, c_n))
        self._unbatched = False

    def _run(self, seq, h0=None):
        out, h_n = self.rnn.forward(seq, h0)  # (T, B, K*H), (L*K, B, H)
        self.output, self.h_n = out, h_n
        return out

    def _unbatch(self, y, axis):
        return y.take(0, axis=axis) if self._unbatched else y

    def _rnn_backward(self, dout) -> dict:
        g = self.rnn.backward(dout)
        return {f"rnn.{k}": v for k, v in g.items() if k in self.rnn.params} | {
            k: v for k, v in g.items() if k not in self.rnn.params}


class ManyToMany(_RecurrentHead):
    """N-to-N: a head on every step, y_t = W o_t + b (o_t = h_t, or [h_t; g_t]).

    forward(x (T, B, D)) -> y (T, B, O). backward(dy (T, B, O)) -> gradients (module docstring).
    """

    def forward(self, x, h0=None) -> np.ndarray:
        x3, self._unbatched = self._batched("input", x, 3, self.dtype)
        out = self._run(x3, h0)  # (T, B, K*H)
        return self._unbatch(self.head.forward(out), 1)  # (T, B, O)

    __call__ = forward

    def backward(self, grad) -> dict[str, np.ndarray]:
        g = as_float_array("grad_output", grad, self.dtype)
        if self._unbatched:
            g = g[:, None]
        hg = self.head.backward(g)
        grads = {"head." + k: v for k, v in hg.items() if k != "input"}
        rg = self._rnn_backward(hg["input"])  # (T, B, K*H) into every step
        grads |= rg
        if self._unbatched:
            grads["input"] = grads["input"][:, 0]
        return grads


class ManyToOne(_RecurrentHead):
    """N-to-1: one output from the whole sequence, y = W r + b, where r (B, K*H) is the final
    state ([h_N; g_1] when bidirectional: `readout="last"`) or the mean or max over h_1..h_N.

    forward(x (T, B, D)) -> y (B, O). backward(dy (B, O)) -> gradients.
    """

    def __init__(self, *args, readout="last", **kwargs):
        super().__init__(*args, **kwargs)
        self.readout = _choice("readout", readout, READOUTS)
        self.r = None  # (B, K*H) what the head read in the last forward

    def forward(self, x, h0=None) -> np.ndarray:
        x3, self._unbatched = self._batched("input", x, 3, self.dtype)
        out = self._run(x3, h0)
        self.r, self._rcache = readout_forward(out, self.readout, self.num_directions)
        return self._unbatch(self.head.forward(self.r), 0)  # (B, O)

    __call__ = forward

    def backward(self, grad) -> dict[str, np.ndarray]:
        g = as_float_array("grad_output", grad, self.dtype)
        if self._unbatched:
            g = g[None]
        hg = self.head.backward(g)
        grads = {"head." + k: v for k, v in hg.items() if k != "input"}
        grads |= self._rnn_backward(readout_backward(hg["input"], self._rcache))
        if self._unbatched:
            grads["input"] = grads["input"][:, 0]
        return grads


class OneToMany(_RecurrentHead):
    """1-to-N: one input vector x (B, D) makes a sequence of `steps` outputs. `feed="first"`:
    the RNN reads x at step 1 and zeros after; `feed="every"`: it reads x at every step.

    forward(x (B, D), or (D,)) -> y (steps, B, O). backward(dy) -> gradients ("input" (B, D)).
    """

    def __init__(self, *args, steps=8, feed="first", **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = check_size("steps", steps)
        self.feed = _choice("feed", feed, ONE_FEEDS)
        self.sequence = None  # (steps, B, D) what the RNN read in the last forward

    def forward(self, x, h0=None) -> np.ndarray:
        x2, self._unbatched = self._batched("input", x, 2, self.dtype)  # (B, D)
        if self.feed == "every":
            seq = np.repeat(x2[None], self.steps, axis=0)  # (N, B, D): x at every step
        else:
            seq = np.zeros((self.steps,) + x2.shape, dtype=self.dtype)
            seq[0] = x2  # x at the first step, zeros after
        self.sequence = seq
        out = self._run(seq, h0)
        return self._unbatch(self.head.forward(out), 1)  # (N, B, O)

    __call__ = forward

    def backward(self, grad) -> dict[str, np.ndarray]:
        g = as_float_array("grad_output", grad, self.dtype)
        if self._unbatched:
            g = g[:, None]
        hg = self.head.backward(g)
        grads = {"head." + k: v for k, v in hg.items() if k != "input"}
        grads |= self._rnn_backward(hg["input"])
        dseq = grads["input"]  # (N, B, D)
        dx = dseq.sum(axis=0) if self.feed == "every" else dseq[0]  # x was read where it was fed
        grads["input"] = dx[0] if self._unbatched else dx
        return grads


class Seq2Seq(_Composite):
    """N-to-M: an encoder reads x_1..x_N, the context c goes to a decoder that writes
    y_1..y_M (module docstring for `context` and `feed`).

    Encoder: `cell` with input_size D, hidden_size H, num_layers L, K directions.
    Decoder: one layer of `cell` with hidden size C = K*H (so c can be its initial state),
    reading E = dec_input_size features (the previous output token; default O) plus C more when
    c enters at every step. Head: Linear(C, O) on every decoder state.

    forward(x (N, B, D), dec_input (M, B, E)) -> logits (M, B, O) (teacher forcing: dec_input
    holds the previous target tokens). generate(x, M) feeds back one-hot argmax of the previous
    output instead (E must be O), from a start input of zeros.
    After a forward: enc_output (N, B, C), context (M, B, C) the c (or c_t) each decoder step
    read, dec_states (M, B, C), alpha (M, B, N) attention weights (None without attention),
    dec_inputs (M, B, E) what the decoder read, s0 (B, C) its initial state.
    """

    _modules = ("encoder", "transform", "attention", "decoder", "head")
    input_names = ("input", "dec_input")

    def __init__(self, input_size, hidden_size, output_size, num_layers=1, bidirectional=False,
                 cell="rnn", nonlinearity="tanh", context="last", pool="mean", score="dot",
                 feed="init", dec_input_size=None, attention_size=None, seed=0, init="torch",
                 dtype=np.float64):
        self.cell = _choice("cell", cell, CELLS)
        self.context_mode = _choice("context", context, CONTEXTS)
        self.pool = _choice("pool", pool, POOLS)
        self.score = _choice("score", score, SCORES)
        self.feed = _choice("feed", feed, FEEDS)
        if context == "attention" and feed == "init":
            raise ValueError("feed: expected 'input' or 'both' with attention (c_t changes at "
                             "every step, so it enters as an input), got 'init'")
        self.nonlinearity = nonlinearity
        self.num_directions = K = 2 if bidirectional else 1
        H = check_size("hidden_size", hidden_size)
        O = check_size("output_size", output_size)
        self.C = C = K * H
        self.E = E = check_size("dec_input_size", O if dec_input_size is None else dec_input_size)
        self.encoder = make_cell(cell, input_size, H, num_layers, bidirectional, nonlinearity,
                                 seed, init, dtype)
        self.dtype = self.encoder.dtype
        self.feeds_input = feed in ("input", "both")
        self.feeds_init = feed in ("init", "both")
        self.decoder = make_cell(cell, E + (C if self.feeds_input else 0), C, 1, False,
                                 nonlinearity, seed + 2, init, dtype)
        self.head = Linear(C, O, seed=seed + 1, dtype=dtype)
        self.transform = Linear(C, C, seed=seed + 3, dtype=dtype) if context == "transform" \
            else None
        self.attention = None
        if context == "attention" and score == "additive":
            A = check_size("attention_size", C if attention_size is None else attention_size)
            rng = np.random.default_rng(seed + 4)
            k = 1.0 / np.sqrt(C)  # torch Linear's bound for an input of size C
            self.attention = Params({
                "weight_query": rng.uniform(-k, k, (A, C)).astype(self.dtype),  # W_q (A, C)
                "weight_key": rng.uniform(-k, k, (A, C)).astype(self.dtype),  # W_k (A, C)
                "v": rng.uniform(-k, k, A).astype(self.dtype),  # v (A,)
            })
        self.output_size = O
        self._cache = None

    # -- forward -----------------------------------------------------------------------------

    def _context(self, enc_out):
        """The static context c (B, C), or None with attention; and what its backward needs."""
        K = self.num_directions
        if self.context_mode == "last":
            return final_states(enc_out, K), None
        if self.context_mode == "transform":
            c = np.tanh(self.transform.forward(final_states(enc_out, K)))  # tanh(W_c h_N + b_c)
            return c, c
        if self.context_mode == "pool":
            return pool_forward(enc_out, self.pool)
        return None, None

    def _decode(self, enc_out, dec_input, M: int):
        """The decoder loop. dec_input (M, B, E), or None to feed back the argmax of each
        output (greedy). Returns the logits (M, B, O)."""
        N, B, C = enc_out.shape
        dt = self.dtype
        c_static, ccache = self._context(enc_out)
        attend = self.context_mode == "attention"
        W_ih, W_hh, b_ih, b_hh = self.decoder._layer_weights(0, 0)
        keys_proj = W_q = v = None
        if attend and self.score == "additive":
            p = self.attention.params
            keys_proj = project_keys(enc_out, p["weight_key"])  # (N, B, A), once per sequence
            W_q, v = p["weight_query"], p["v"]
        if self.feeds_init:
            s0 = final_states(enc_out, self.num_directions) if attend else c_static  # (B, C)
        else:
            s0 = np.zeros((B, C), dtype=dt)
        state = (s0, np.zeros_like(s0)) if self.cell == "lstm" else (s0,)  # LSTM: c_0 = 0
        W_o, b_o = self.head.params["weight"], self.head.params.get("bias")
        states = np.empty((M, B, C), dtype=dt)
        contexts = np.empty((M, B, C), dtype=dt)
        alphas = np.empty((M, B, N), dtype=dt) if attend else None
        inputs = np.empty((M, B, self.E), dtype=dt)
        step_caches, att_caches = [], []
        prev = np.zeros((B, self.E), dtype=dt)  # the start input of greedy decoding
        for j in range(M):
            if attend:  # query: the decoder's state before this step
                c_j, alpha, acache = attention_forward(state[0], enc_out, self.score, W_q,
                                                       keys_proj, v)
                alphas[j] = alpha
                att_caches.append(acache)
            else:
                c_j = c_static
            contexts[j] = c_j
            y_j = dec_input[j] if dec_input is not None else prev
            inputs[j] = y_j
            inp = np.concatenate([y_j, c_j], axis=1) if self.feeds_input else y_j  # (B, E[+C])
            state, cache = cell_step_forward(self.cell, inp, state, W_ih, W_hh, b_ih, b_hh,
                                             self.nonlinearity)
            step_caches.append(cache)
            states[j] = state[0]
            if dec_input is None:  # greedy: the next input is the one-hot of this argmax
                o = state[0] @ W_o.T + (b_o if b_o is not None else 0.0)  # (B, O)
                prev = np.eye(self.E, dtype=dt)[np.argmax(o, axis=1)]
        logits = self.head.forward(states)  # (M, B, O): one product after the loop
        self.enc_output, self.context, self.dec_states = enc_out, contexts, states
        self.alpha, self.dec_inputs, self.s0 = alphas, inputs, s0
        self._cache = (enc_out, ccache, step_caches, att_caches, keys_proj)
        return logits

    def _encode(self, x):
        x3, unbatched = self._batched("input", x, 3, self.dtype)
        enc_out, _ = self.encoder.forward(x3)  # (N, B, C)
        return enc_out, unbatched

    def forward(self, x, dec_input) -> np.ndarray:
        """Teacher-forced forward: logits (M, B, O) (unbatched: (M, O))."""
        enc_out, unbatched = self._encode(x)
        y3, y_unb = self._batched("dec_input", dec_input, 3, self.dtype)
        if y_unb != unbatched or y3.shape[1] != enc_out.shape[1] or y3.shape[2] != self.E:
            B = "" if unbatched else f"{enc_out.shape[1]}, "
            raise ValueError(f"dec_input: expected shape (M, {B}{self.E}) (steps, "
                             f"{'' if unbatched else 'batch, '}dec_input_size), got "
                             f"{shape_str(np.shape(dec_input))}")
        self._unbatched = unbatched
        logits = self._decode(enc_out, y3, y3.shape[0])
        return logits[:, 0] if unbatched else logits

    __call__ = forward

    def generate(self, x, steps: int) -> np.ndarray:
        """Greedy decoding of `steps` outputs: logits (M, B, O); the decoder reads the one-hot
        of the previous output's argmax (zeros at the first step). Needs E == O."""
        if self.E != self.output_size:
            raise ValueError(f"dec_input_size: expected {self.output_size} (= output_size, to "
                             f"feed outputs back) for generate, got {self.E}")
        enc_out, unbatched = self._encode(x)
        self._unbatched = unbatched
        logits = self._decode(enc_out, None, check_size("steps", steps))
        return logits[:, 0] if unbatched else logits

    # -- backward ----------------------------------------------------------------------------

    def backward(self, grad) -> dict[str, np.ndarray]:
        """Gradients of L from dL/dlogits (M, B, O): every parameter, "input" (N, B, D) and
        "dec_input" (M, B, E) (zeros for greedy decoding, whose inputs are not differentiable
        choices)."""
        if self._cache is None:
            raise ValueError("backward: expected a forward call first, got none")
        enc_out, ccache, step_caches, att_caches, keys_proj = self._cache
        g = as_float_array("grad_output", grad, self.dtype)
        if self._unbatched:
            g = g[:, None]
        N, B, C = enc_out.shape
        M, E = len(step_caches), self.E
        hg = self.head.backward(g)
        grads = {"head." + k: v for k, v in hg.items() if k != "input"}
        dstates = hg["input"]  # (M, B, C): dL/ds_j from the head
        dW = {k: np.zeros_like(v) for k, v in self.decoder.params.items()}
        ddec_in = np.empty((M, B, E), dtype=self.dtype)
        denc = np.zeros_like(enc_out)  # (N, B, C)
        dc_static = np.zeros((B, C), dtype=self.dtype)
        dkeys_proj = None if keys_proj is None else np.zeros_like(keys_proj)
        attn = {k: np.zeros_like(v) for k, v in self.attention.params.items()} \
            if self.attention is not None else {}
        dnext = (np.zeros((B, C), dtype=self.dtype),) * (2 if self.cell == "lstm" else 1)
        for j in range(M - 1, -1, -1):
            ds = (dstates[j] + dnext[0],) + dnext[1:]  # from the head and from step j+1
            dinp, dprev, dW_ih, dW_hh, db_ih, db_hh = cell_step_backward(self.cell, ds,
                                                                         step_caches[j])
            dW["weight_ih_l0"] += dW_ih  # shared weights: sum over the steps
            dW["weight_hh_l0"] += dW_hh
            if "bias_ih_l0" in dW:
                dW["bias_ih_l0"] += db_ih
                dW["bias_hh_l0"] += db_hh
            ddec_in[j] = dinp[:, :E]
            dc_j = dinp[:, E:] if self.feeds_input else None
            if att_caches:  # backprop through c_j = sum_i alpha_ji h_i and the scores
                dq, dkeys, dpre, dW_q, dv = attention_backward(dc_j, att_caches[j])
                denc += dkeys
                dprev = (dprev[0] + dq,) + dprev[1:]  # the query was s_{j-1}
                if dpre is not None:
                    dkeys_proj += dpre
                    attn["weight_query"] += dW_q
                    attn["v"] += dv
            elif dc_j is not None:
                dc_static += dc_j  # the same c at every step
            dnext = dprev
        ds0 = dnext[0]  # dL/ds_0 (the LSTM's c_0 is the constant 0)
        K = self.num_directions
        if self.feeds_init:
            if att_caches:
                denc += final_states_backward(ds0, N, K)  # s_0 = [h_N; g_1]
            else:
                dc_static += ds0
        if dkeys_proj is not None:  # keys_proj = W_k h_i
            Wk = self.attention.params["weight_key"]
            A = Wk.shape[0]
            attn["weight_key"] = dkeys_proj.reshape(-1, A).T @ enc_out.reshape(-1, C)  # (A, C)
            denc += dkeys_proj @ Wk  # (N, B, C)
        if self.context_mode == "last":
            denc += final_states_backward(dc_static, N, K)
        elif self.context_mode == "transform":
            c = ccache
            tg = self.transform.backward(dc_static * (1.0 - c * c))  # backprop through tanh
            grads |= {"transform." + k: v for k, v in tg.items() if k != "input"}
            denc += final_states_backward(tg["input"], N, K)
        elif self.context_mode == "pool":
            denc += pool_backward(dc_static, ccache)
        eg = self.encoder.backward(denc)
        grads |= {"encoder." + k: v for k, v in eg.items() if k in self.encoder.params}
        grads |= {"decoder." + k: v for k, v in dW.items()}
        grads |= {"attention." + k: v for k, v in attn.items()}
        grads["input"] = eg["input"]
        grads["dec_input"] = ddec_in
        if self._unbatched:
            grads["input"], grads["dec_input"] = grads["input"][:, 0], ddec_in[:, 0]
        return {k: grads[k] for k in list(self.param_shapes()) + ["input", "dec_input"]}


# ---------------------------------------------------------------------------------------------
# Gradient check of any of the above
# ---------------------------------------------------------------------------------------------

def check_gradients(model, *inputs, seed: int = 0, max_entries: int | None = 20,
                    eps: float = 1e-5) -> dict[str, float]:
    """Error of `model.backward` against central differences, per parameter and per input
    (named by `model.input_names`): max |analytic - numeric| over the checked entries, divided
    by the largest |numeric| among them (so entries near zero, which the forward barely feels,
    do not inflate it; 1e-12 at least). The loss is L = sum(y * G), G drawn from `seed`,
    y = model.forward(*inputs); `max_entries` entries of each tensor are checked (all when
    None). The model must be float64."""
    if model.dtype != np.float64:
        raise ValueError(f"dtype: expected a float64 model for a gradient check, got "
                         f"{model.dtype}")
    rng = np.random.default_rng(seed)
    args = [np.array(a, dtype=np.float64) for a in inputs]  # own copies: perturbed in place
    y = model.forward(*args)
    G = rng.standard_normal(y.shape)
    analytic = model.backward(G)

    def loss() -> float:
        return float(np.sum(model.forward(*args) * G))

    tensors = dict(model.params)
    tensors.update(zip(model.input_names, args, strict=False))
    errors = {}
    for name, arr in tensors.items():
        idx = sample_indices(arr.size, max_entries, rng)
        numeric = numerical_gradient(loss, arr, idx, eps)
        diff = np.abs(analytic[name].reshape(-1)[idx] - numeric)
        errors[name] = float(diff.max() / max(np.abs(numeric).max(), 1e-12)) if idx.size else 0.0
    model.forward(*args)
    return errors
