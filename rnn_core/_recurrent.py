"""What `RNN`, `LSTM` and `GRU` share: torch's arguments, parameter names, input layouts,
layers and directions, state dicts, validation, and the forward and backward over the whole
stack. Each cell only says how one layer-direction runs (`_layer_forward`, `_layer_backward`).

Axes: T time (seq_len), B batch, D input_size, H hidden_size, L num_layers,
K num_directions (2 if bidirectional else 1), G = gates * H rows of W_ih and W_hh
(1 gate for RNN, 4 for LSTM: i, f, g, o; 3 for GRU: r, z, n).

Shapes, as torch's (every state s is h, or h and c for the LSTM):
    input   (T, B, D), or (B, T, D) if batch_first, or unbatched (T, D)
    s0      (L*K, B, H), or (L*K, H) for unbatched input; zeros if not given
    output  (T, B, K*H), or (B, T, K*H) if batch_first, or (T, K*H) unbatched
    s_n     (L*K, B, H), or (L*K, H) unbatched; row l*K + k is layer l, direction k
    weight_ih_l{l}{sfx} (G, D if l == 0 else K*H), weight_hh_l{l}{sfx} (G, H),
    bias_ih_l{l}{sfx}, bias_hh_l{l}{sfx} (G,); sfx is "" forward, "_reverse" backward.
"""

from __future__ import annotations

import numpy as np

from . import init as _init
from ._checks import as_float_array, check_dtype, check_shape, check_size, shape_str


def _suffix(direction: int) -> str:
    return "_reverse" if direction == 1 else ""


def unpack_pair(name: str, value, parts: str) -> tuple:
    """`value` as a pair (LSTM's (h0, c0) and (grad_h_n, grad_c_n)); None is (None, None)."""
    if value is None:
        return None, None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        given = type(value).__name__
        if isinstance(value, (tuple, list)):
            given += f" of length {len(value)}"
        raise ValueError(f"{name}: expected a tuple {parts} or None, got {given}")
    return value[0], value[1]


class _RecurrentBase:
    """The torch-like face shared by the three cells (see the module docstring).

    A subclass sets `_gates` and `_state_names` and implements
    `_layer_forward(seq, inits, W_ih, W_hh, b_ih, b_hh) -> (h (T, B, H), finals, cache)` and
    `_layer_backward(dout, d_finals, cache) -> (grads, d_inits)`, where `inits`, `finals`,
    `d_finals`, `d_inits` are tuples over `_state_names` of (B, H) arrays (an entry of
    `d_finals` may be None), and `grads` has dx, dW_ih, dW_hh, db_ih, db_hh.
    """

    _gates = 1  # blocks of H rows in W_ih and W_hh
    _state_names: tuple[str, ...] = ("h",)  # the recurrent state(s), carried step to step
    mode = ""  # torch's name of the cell: "RNN_TANH", "RNN_RELU", "LSTM", "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, seed=0, dtype=np.float64, init="torch"):
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.num_layers = check_size("num_layers", num_layers)
        self._check_options()
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.dtype = check_dtype(dtype)
        self.params: dict[str, np.ndarray] = {}
        self.reset_parameters(init=init, seed=seed)
        self._caches: list[list] | None = None
        self._grads: list[list] | None = None
        self._input_info: tuple | None = None

    def _check_options(self) -> None:
        """Validate a cell's own options, after the sizes (RNN: nonlinearity)."""

    @property
    def state_size(self) -> int:
        """Size S of the state carried from step to step: H (RNN, GRU) or 2H (LSTM: h and c)."""
        return len(self._state_names) * self.hidden_size

    def _invalidate(self) -> None:
        self._caches = self._grads = None

    # -- parameters ------------------------------------------------------------------------

    def param_shapes(self) -> dict[str, tuple]:
        """Every parameter's name and shape, in torch's order."""
        H, K = self.hidden_size, self.num_directions
        G = self._gates * H
        shapes = {}
        for layer in range(self.num_layers):
            d_in = self.input_size if layer == 0 else K * H
            for k in range(K):
                sfx = f"_l{layer}{_suffix(k)}"
                shapes["weight_ih" + sfx] = (G, d_in)
                shapes["weight_hh" + sfx] = (G, H)
                if self.bias:
                    shapes["bias_ih" + sfx] = (G,)
                    shapes["bias_hh" + sfx] = (G,)
        return shapes

    def reset_parameters(self, init: str = "torch", seed: int = 0) -> None:
        """Draw every parameter anew (see the class docstring for `init`)."""
        if init not in _init.INITS:
            raise ValueError(f"init: expected one of {_init.INITS}, got {init!r}")
        rng = np.random.default_rng(seed)
        params = {}
        for name, shape in self.param_shapes().items():
            if init == "torch":
                params[name] = _init.uniform_torch(rng, shape, self.hidden_size, self.dtype)
            elif name.startswith("bias"):
                params[name] = np.zeros(shape, dtype=self.dtype)
            elif init == "xavier":
                params[name] = _init.xavier_uniform(rng, shape, self.dtype)
            else:
                params[name] = _init.orthogonal(rng, shape, self.dtype)
        self.params = params
        self._invalidate()

    def scale_recurrent(self, target: float, measure: str = "spectral_radius") -> None:
        """Rescale every W_hh so its spectral radius (or largest singular value) is `target`.
        A gated cell's W_hh (G, H) stacks one (H, H) block per gate; each block is rescaled."""
        H = self.hidden_size
        scaled = {}
        for name, value in self.params.items():
            if not name.startswith("weight_hh"):
                continue
            if self._gates == 1:
                scaled[name] = _init.scale_to(value, target, measure)
            else:
                blocks = [_init.scale_to(value[j * H:(j + 1) * H], target, measure)
                          for j in range(self._gates)]
                scaled[name] = np.concatenate(blocks, axis=0)  # (G, H)
        self.params.update(scaled)  # all or nothing: scale_to raises before anything changes
        self._invalidate()

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters under torch's names."""
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        """Replace the parameters. Names must be exactly `param_shapes()`'s, shapes must match,
        values must be finite; they are converted to this module's dtype."""
        if not isinstance(state, dict):
            raise ValueError(f"state_dict: expected a dict of arrays, got {type(state).__name__}")
        shapes = self.param_shapes()
        missing = [n for n in shapes if n not in state]
        unexpected = [n for n in state if n not in shapes]
        if missing or unexpected:
            raise ValueError(f"state_dict: expected the names {sorted(shapes)}; missing "
                             f"{missing}, unexpected {unexpected}")
        new = {}
        for name, shape in shapes.items():
            arr = as_float_array(name, state[name], self.dtype)
            check_shape(name, arr, shape)
            new[name] = arr.copy()
        self.params = new
        self._invalidate()

    def num_parameters(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    # -- input and states ------------------------------------------------------------------

    def _layer_weights(self, layer: int, k: int):
        sfx = f"_l{layer}{_suffix(k)}"
        p = self.params
        return p["weight_ih" + sfx], p["weight_hh" + sfx], p.get("bias_ih" + sfx), \
            p.get("bias_hh" + sfx)

    def _input_to_tbd(self, x) -> tuple[np.ndarray, bool]:
        """x as (T, B, D), and whether it was unbatched."""
        x = as_float_array("input", x, self.dtype)
        D = self.input_size
        if x.ndim == 2:
            legend = "(T, D) = (seq_len, input_size)"
            if x.shape[1] != D or x.shape[0] < 1:
                raise ValueError(f"input: expected shape (T, {D}) {legend} with T >= 1, "
                                 f"got {shape_str(x.shape)}")
            return x[:, None, :], True
        if x.ndim != 3:
            layout = "(B, T, D)" if self.batch_first else "(T, B, D)"
            raise ValueError(f"input: expected 3 dimensions {layout} or 2 dimensions (T, D) "
                             f"for an unbatched sequence, got {x.ndim} with shape "
                             f"{shape_str(x.shape)}")
        if self.batch_first:
            if x.shape[2] != D or min(x.shape[:2]) < 1:
                raise ValueError(f"input: expected shape (B, T, {D}) (batch, seq_len, "
                                 f"input_size) with B, T >= 1, got {shape_str(x.shape)}")
            return x.transpose(1, 0, 2), False
        if x.shape[2] != D or min(x.shape[:2]) < 1:
            raise ValueError(f"input: expected shape (T, B, {D}) (seq_len, batch, input_size) "
                             f"with T, B >= 1, got {shape_str(x.shape)}")
        return x, False

    def _state_shape(self, B: int, unbatched: bool) -> tuple:
        LK = self.num_layers * self.num_directions
        return (LK, self.hidden_size) if unbatched else (LK, B, self.hidden_size)

    def _read_state(self, name: str, value, B: int, unbatched: bool) -> np.ndarray:
        """An initial state (h0 or c0) as an owned (L*K, B, H) array; zeros for None."""
        if value is None:
            return np.zeros((self.num_layers * self.num_directions, B, self.hidden_size),
                            dtype=self.dtype)
        arr = as_float_array(name, value, self.dtype)
        legend = "(L*K, H)" if unbatched else "(L*K, B, H)"
        check_shape(name, arr, self._state_shape(B, unbatched),
                    f"{legend} = (num_layers * num_directions"
                    f"{'' if unbatched else ', batch'}, hidden_size)")
        return (arr[:, None, :] if unbatched else arr).copy()

    # -- forward and backward over the stack -----------------------------------------------

    def _run_forward(self, x, inits: tuple):
        """Every layer and direction. `inits` holds s0 or None per state name. Returns output
        and the tuple of final states, in the caller's layout (module docstring)."""
        x3, unbatched = self._input_to_tbd(x)
        if np.shares_memory(x3, np.asarray(x)):
            x3 = x3.copy()  # the cache must not change if the caller later writes into x
        T, B, _ = x3.shape
        H, K = self.hidden_size, self.num_directions
        LK = self.num_layers * K
        init3 = [self._read_state(f"{s}0", v, B, unbatched)  # each (L*K, B, H)
                 for s, v in zip(self._state_names, inits, strict=True)]
        finals = [np.empty((LK, B, H), dtype=self.dtype) for _ in self._state_names]
        caches: list[list] = []
        layer_in = x3
        for layer in range(self.num_layers):
            outs, layer_caches = [], []
            for k in range(K):
                seq = layer_in[::-1] if k == 1 else layer_in  # reverse reads from the end
                starts = tuple(s0[layer * K + k] for s0 in init3)
                h, last, cache = self._layer_forward(seq, starts, *self._layer_weights(layer, k))
                for final, value in zip(finals, last, strict=True):
                    final[layer * K + k] = value
                outs.append(h[::-1] if k == 1 else h)  # (T, B, H) in sequence order
                layer_caches.append(cache)
            caches.append(layer_caches)
            layer_in = outs[0] if K == 1 else np.concatenate(outs, axis=2)  # (T, B, K*H)
        self._caches, self._grads = caches, None
        self._input_info = (x3.shape, unbatched, self._state_shape(B, unbatched))
        output = np.ascontiguousarray(layer_in)  # (T, B, K*H)
        if unbatched:
            return output[:, 0, :], tuple(f[:, 0, :] for f in finals)
        if self.batch_first:
            output = output.transpose(1, 0, 2)  # (B, T, K*H)
        return output, tuple(finals)

    def _run_backward(self, grad_output, grad_finals: tuple) -> dict[str, np.ndarray]:
        """Gradients given dL/doutput and dL/ds_n or None per state name; see `backward`."""
        if self._caches is None:
            raise ValueError("backward: expected a forward call first, got none since the "
                             "parameters were last set")
        (T, B, D), unbatched, state_shape = self._input_info
        H, K = self.hidden_size, self.num_directions
        if unbatched:
            out_shape = (T, K * H)
        else:
            out_shape = (B, T, K * H) if self.batch_first else (T, B, K * H)
        g_out = as_float_array("grad_output", grad_output, self.dtype)
        check_shape("grad_output", g_out, out_shape, "(the shape of forward's output)")
        if unbatched:
            g_out = g_out[:, None, :]
        elif self.batch_first:
            g_out = g_out.transpose(1, 0, 2)  # (T, B, K*H)
        g_fin = []
        for s, g in zip(self._state_names, grad_finals, strict=True):
            if g is not None:
                g = as_float_array(f"grad_{s}_n", g, self.dtype)
                check_shape(f"grad_{s}_n", g, state_shape, f"(the shape of forward's {s}_n)")
                if unbatched:
                    g = g[:, None, :]
            g_fin.append(g)  # (L*K, B, H) or None

        grads: dict[str, np.ndarray] = {}
        layer_grads: list[list] = [[] for _ in range(self.num_layers)]
        d_init = [np.empty((self.num_layers * K, B, H), dtype=self.dtype)
                  for _ in self._state_names]
        d_above = g_out  # dL/d(this layer's output), (T, B, K*H)
        for layer in range(self.num_layers - 1, -1, -1):
            d_below = None
            per_dir = []
            for k in range(K):
                dout = d_above[:, :, k * H:(k + 1) * H]
                if k == 1:
                    dout = dout[::-1]  # into the reverse direction's processing order
                d_finals = tuple(None if g is None else g[layer * K + k] for g in g_fin)
                g, d_starts = self._layer_backward(dout, d_finals, self._caches[layer][k])
                per_dir.append(g)
                dx = g.dx[::-1] if k == 1 else g.dx  # back to sequence order
                d_below = dx if d_below is None else d_below + dx  # both directions read it
                sfx = f"_l{layer}{_suffix(k)}"
                grads["weight_ih" + sfx] = g.dW_ih
                grads["weight_hh" + sfx] = g.dW_hh
                if self.bias:
                    grads["bias_ih" + sfx] = g.db_ih
                    grads["bias_hh" + sfx] = g.db_hh
                for d0, value in zip(d_init, d_starts, strict=True):
                    d0[layer * K + k] = value
            layer_grads[layer] = per_dir
            d_above = d_below
        self._grads = layer_grads
        d_input = d_above  # (T, B, D)
        if unbatched:
            d_input = d_input[:, 0, :]
            d_init = [d0[:, 0, :] for d0 in d_init]
        elif self.batch_first:
            d_input = d_input.transpose(1, 0, 2)
        ordered = {name: grads[name] for name in self.param_shapes()}
        ordered["input"] = np.ascontiguousarray(d_input)
        for s, d0 in zip(self._state_names, d_init, strict=True):
            ordered[f"{s}0"] = d0
        return ordered

    # -- what the views read ---------------------------------------------------------------

    def _check_lk(self, layer: int, direction: int) -> None:
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer: expected 0..{self.num_layers - 1}, got {layer}")
        if not 0 <= direction < self.num_directions:
            raise ValueError(f"direction: expected 0..{self.num_directions - 1}, got {direction}")

    def _cache_for(self, method: str, layer: int, direction: int, batch: int | None = None):
        """The last forward's cache of one layer-direction, or the error `method` raises."""
        if self._caches is None:
            raise ValueError(f"{method}: expected a forward call first, got none")
        self._check_lk(layer, direction)
        cache = self._caches[layer][direction]
        if batch is not None:
            B = cache.h.shape[1]
            if not 0 <= batch < B:
                raise ValueError(f"batch: expected 0..{B - 1}, got {batch}")
        return cache

    def _grads_for(self, layer: int, direction: int):
        if self._grads is None:
            raise ValueError("grad_trace: expected a backward call first, got none")
        self._check_lk(layer, direction)
        return self._grads[layer][direction]

    @staticmethod
    def _prev_states(s0: np.ndarray, s: np.ndarray) -> np.ndarray:
        """What each processing step read: s0 then s_0 .. s_{T-2}, (T, B, H)."""
        return np.concatenate([s0[None], s[:-1]], axis=0)


class _SingleStateBase(_RecurrentBase):
    """A cell whose recurrent state is h alone (RNN, GRU): forward(x, h0) -> (output, h_n) and
    backward(grad_output, grad_h_n). A subclass implements `_scan(seq, h0, W_ih, W_hh, b_ih,
    b_hh) -> (h (T, B, H), cache)` and `_scan_backward(dout, dh_n, cache)` -> grads with dh0.
    """

    _state_names = ("h",)

    def _layer_forward(self, seq, inits, W_ih, W_hh, b_ih, b_hh):
        h, cache = self._scan(seq, inits[0], W_ih, W_hh, b_ih, b_hh)
        return h, (h[-1],), cache

    def _layer_backward(self, dout, d_finals, cache):
        g = self._scan_backward(dout, d_finals[0], cache)
        return g, (g.dh0,)

    def forward(self, x, h0=None):
        """Run the cell. Returns (output, h_n) with the shapes in the class docstring."""
        output, (h_n,) = self._run_forward(x, (h0,))
        return output, h_n

    __call__ = forward

    def backward(self, grad_output, grad_h_n=None) -> dict[str, np.ndarray]:
        """Gradients of a loss L given dL/doutput and dL/dh_n (shapes of `forward`'s results).

        Returns a dict keyed like `state_dict()`, plus "input" (the input's shape) and "h0"
        (h0's shape, also when h0 was not given).
        """
        return self._run_backward(grad_output, (grad_h_n,))
