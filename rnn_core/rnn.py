"""`RNN`: torch.nn.RNN's interface and math, in NumPy, with a backward pass and a trace.

For every layer l and direction:

    h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),     f = tanh or relu

Layer 0 reads the input; layer l > 0 reads layer l-1's output (both directions concatenated).
The reverse direction reads the sequence from its end: g_t = f(W_ih x_t + b_ih + W_hh g_{t+1} + b_hh).

Axes: T time (seq_len), B batch, D input_size, H hidden_size, L num_layers,
K num_directions (2 if bidirectional else 1).

Shapes, as torch's:
    input   (T, B, D), or (B, T, D) if batch_first, or unbatched (T, D)
    h0      (L*K, B, H), or (L*K, H) for unbatched input; zeros if not given
    output  (T, B, K*H), or (B, T, K*H) if batch_first, or (T, K*H) unbatched
    h_n     (L*K, B, H), or (L*K, H) unbatched; row l*K + k is layer l, direction k
    weight_ih_l{l}{sfx} (H, D if l == 0 else K*H), weight_hh_l{l}{sfx} (H, H),
    bias_ih_l{l}{sfx}, bias_hh_l{l}{sfx} (H,); sfx is "" forward, "_reverse" backward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import init as _init
from ._checks import as_float_array, check_dtype, check_shape, check_size, shape_str
from .functional import NONLINEARITIES, LayerCache, LayerGrads, rnn_backward, rnn_forward


@dataclass(frozen=True)
class LayerTrace:
    """One layer-direction's forward, in sequence time order (index t is the t-th element of
    the sequence, for both directions). Arrays are (T, B, H) unless said otherwise.

    x (T, B, D_l): this layer's input; ih: W_ih x_t; hh: W_hh h_prev; b_ih, b_hh (H,) (zeros
    without bias); pre: the pre-activation a_t; h: h_t; fprime: f'(a_t); h0 (B, H): the initial
    state; h_prev: the state each step reads (h_{t-1} forward, h_{t+1} reverse);
    reverse: True for the backward direction.
    """

    layer: int
    direction: int
    reverse: bool
    x: np.ndarray
    ih: np.ndarray
    hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    pre: np.ndarray
    h: np.ndarray
    fprime: np.ndarray
    h0: np.ndarray
    h_prev: np.ndarray


@dataclass(frozen=True)
class GradTrace:
    """One layer-direction's backward, in sequence time order, arrays (T, B, H).

    dh: the whole gradient dL/dh_t arriving at h_t (from the output at t and from the next step
    in the direction of processing); da: dL/da_t at the pre-activation.
    """

    layer: int
    direction: int
    reverse: bool
    dh: np.ndarray
    da: np.ndarray


def _suffix(direction: int) -> str:
    return "_reverse" if direction == 1 else ""


class RNN:
    """A multi-layer Elman RNN with torch.nn.RNN's arguments, names and results.

    Parameters are created by `init` ("torch": U(-1/sqrt(H), 1/sqrt(H)) for every weight and
    bias, as torch; "xavier": Xavier-uniform weights, zero biases; "orthogonal": orthogonal
    weights, zero biases), drawn from `np.random.default_rng(seed)`.

    After `forward`, `trace(l, k)` gives every term of every step, `step_jacobians(l, k)` the
    per-step factors diag(f'(a_t)) W_hh; after `backward`, `grad_trace(l, k)` gives dL/dh_t.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, bidirectional=False, seed=0, dtype=np.float64,
                 init="torch"):
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.num_layers = check_size("num_layers", num_layers)
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, "
                             f"got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.dtype = check_dtype(dtype)
        self.params: dict[str, np.ndarray] = {}
        self.reset_parameters(init=init, seed=seed)
        self._caches: list[list[LayerCache]] | None = None
        self._grads: list[list[LayerGrads]] | None = None
        self._input_info: tuple | None = None

    # -- parameters ------------------------------------------------------------------------

    def param_shapes(self) -> dict[str, tuple]:
        """Every parameter's name and shape, in torch's order."""
        H, K = self.hidden_size, self.num_directions
        shapes = {}
        for layer in range(self.num_layers):
            d_in = self.input_size if layer == 0 else K * H
            for k in range(K):
                sfx = f"_l{layer}{_suffix(k)}"
                shapes["weight_ih" + sfx] = (H, d_in)
                shapes["weight_hh" + sfx] = (H, H)
                if self.bias:
                    shapes["bias_ih" + sfx] = (H,)
                    shapes["bias_hh" + sfx] = (H,)
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
        self._caches = self._grads = None

    def scale_recurrent(self, target: float, measure: str = "spectral_radius") -> None:
        """Rescale every W_hh so its spectral radius (or largest singular value) is `target`."""
        scaled = {name: _init.scale_to(value, target, measure)
                  for name, value in self.params.items() if name.startswith("weight_hh")}
        self.params.update(scaled)  # all or nothing: scale_to raises before anything changes
        self._caches = self._grads = None

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters under torch's names."""
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        """Replace the parameters. Names must be exactly `param_shapes()`'s, shapes must match,
        values must be finite; they are converted to this RNN's dtype."""
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
        self._caches = self._grads = None

    def num_parameters(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    # -- forward ---------------------------------------------------------------------------

    def _layer_weights(self, layer: int, k: int):
        sfx = f"_l{layer}{_suffix(k)}"
        p = self.params
        b_ih = p.get("bias_ih" + sfx)
        b_hh = p.get("bias_hh" + sfx)
        return p["weight_ih" + sfx], p["weight_hh" + sfx], b_ih, b_hh

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

    def forward(self, x, h0=None):
        """Run the RNN. Returns (output, h_n) with the shapes in the module docstring."""
        x3, unbatched = self._input_to_tbd(x)
        if np.shares_memory(x3, np.asarray(x)):
            x3 = x3.copy()  # the cache must not change if the caller later writes into x
        T, B, _ = x3.shape
        H, K = self.hidden_size, self.num_directions
        state_shape = self._state_shape(B, unbatched)
        if h0 is None:
            h0_3 = np.zeros((self.num_layers * K, B, H), dtype=self.dtype)
        else:
            h0_arr = as_float_array("h0", h0, self.dtype)
            legend = "(L*K, H)" if unbatched else "(L*K, B, H)"
            check_shape("h0", h0_arr, state_shape, f"{legend} = (num_layers * num_directions"
                        f"{'' if unbatched else ', batch'}, hidden_size)")
            h0_3 = (h0_arr[:, None, :] if unbatched else h0_arr).copy()
        caches: list[list[LayerCache]] = []
        h_n = np.empty((self.num_layers * K, B, H), dtype=self.dtype)
        layer_in = x3
        for layer in range(self.num_layers):
            outs, layer_caches = [], []
            for k in range(K):
                W_ih, W_hh, b_ih, b_hh = self._layer_weights(layer, k)
                seq = layer_in[::-1] if k == 1 else layer_in  # reverse reads from the end
                h, cache = rnn_forward(seq, h0_3[layer * K + k], W_ih, W_hh, b_ih, b_hh,
                                       self.nonlinearity)  # (T, B, H)
                h_n[layer * K + k] = h[-1]
                outs.append(h[::-1] if k == 1 else h)
                layer_caches.append(cache)
            caches.append(layer_caches)
            layer_in = outs[0] if K == 1 else np.concatenate(outs, axis=2)  # (T, B, K*H)
        self._caches, self._grads = caches, None
        self._input_info = (x3.shape, unbatched, state_shape)
        output = np.ascontiguousarray(layer_in)  # (T, B, K*H)
        if unbatched:
            return output[:, 0, :], h_n[:, 0, :]
        if self.batch_first:
            output = output.transpose(1, 0, 2)  # (B, T, K*H)
        return output, h_n

    __call__ = forward

    # -- backward --------------------------------------------------------------------------

    def backward(self, grad_output, grad_h_n=None) -> dict[str, np.ndarray]:
        """Gradients of a loss L given dL/doutput and dL/dh_n (shapes of `forward`'s results).

        Returns a dict keyed like `state_dict()`, plus "input" (the input's shape) and "h0"
        (h0's shape, also when h0 was not given).
        """
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
        if grad_h_n is None:
            g_hn = None
        else:
            g_hn = as_float_array("grad_h_n", grad_h_n, self.dtype)
            check_shape("grad_h_n", g_hn, state_shape, "(the shape of forward's h_n)")
            if unbatched:
                g_hn = g_hn[:, None, :]

        grads: dict[str, np.ndarray] = {}
        layer_grads: list[list[LayerGrads]] = [[] for _ in range(self.num_layers)]
        dh0 = np.empty((self.num_layers * K, B, H), dtype=self.dtype)
        d_above = g_out  # dL/d(this layer's output), (T, B, K*H)
        for layer in range(self.num_layers - 1, -1, -1):
            d_below = None
            per_dir = []
            for k in range(K):
                cache = self._caches[layer][k]
                dout = d_above[:, :, k * H:(k + 1) * H]
                if k == 1:
                    dout = dout[::-1]  # into the reverse direction's processing order
                dh_n = None if g_hn is None else g_hn[layer * K + k]
                g = rnn_backward(dout, dh_n, cache)
                per_dir.append(g)
                dx = g.dx[::-1] if k == 1 else g.dx  # back to sequence order
                d_below = dx if d_below is None else d_below + dx  # both directions read it
                sfx = f"_l{layer}{_suffix(k)}"
                grads["weight_ih" + sfx] = g.dW_ih
                grads["weight_hh" + sfx] = g.dW_hh
                if self.bias:
                    grads["bias_ih" + sfx] = g.db_ih
                    grads["bias_hh" + sfx] = g.db_hh
                dh0[layer * K + k] = g.dh0
            layer_grads[layer] = per_dir
            d_above = d_below
        self._grads = layer_grads
        d_input = d_above  # (T, B, D)
        if unbatched:
            d_input, dh0_out = d_input[:, 0, :], dh0[:, 0, :]
        else:
            dh0_out = dh0
            if self.batch_first:
                d_input = d_input.transpose(1, 0, 2)
        ordered = {name: grads[name] for name in self.param_shapes()}
        ordered["input"] = np.ascontiguousarray(d_input)
        ordered["h0"] = dh0_out
        return ordered

    # -- what the views draw ----------------------------------------------------------------

    def _check_lk(self, layer: int, direction: int) -> None:
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer: expected 0..{self.num_layers - 1}, got {layer}")
        if not 0 <= direction < self.num_directions:
            raise ValueError(f"direction: expected 0..{self.num_directions - 1}, got {direction}")

    def trace(self, layer: int = 0, direction: int = 0) -> LayerTrace:
        """Every term of every step of the last forward, in sequence time order (views)."""
        if self._caches is None:
            raise ValueError("trace: expected a forward call first, got none")
        self._check_lk(layer, direction)
        c = self._caches[layer][direction]
        rev = direction == 1

        def order(a):
            return a[::-1] if rev else a

        zeros = np.zeros(self.hidden_size, dtype=self.dtype)
        h_prev_proc = np.concatenate([c.h0[None], c.h[:-1]], axis=0)  # what step t read
        return LayerTrace(layer, direction, rev, order(c.x), order(c.ih), order(c.hh),
                          zeros if c.b_ih is None else c.b_ih,
                          zeros if c.b_hh is None else c.b_hh,
                          order(c.pre), order(c.h), order(c.fprime), c.h0, order(h_prev_proc))

    def grad_trace(self, layer: int = 0, direction: int = 0) -> GradTrace:
        """dL/dh_t and dL/da_t of the last backward, in sequence time order."""
        if self._grads is None:
            raise ValueError("grad_trace: expected a backward call first, got none")
        self._check_lk(layer, direction)
        g = self._grads[layer][direction]
        rev = direction == 1
        return GradTrace(layer, direction, rev, g.dh[::-1] if rev else g.dh,
                         g.da[::-1] if rev else g.da)

    def step_jacobians(self, layer: int = 0, direction: int = 0, batch: int = 0) -> np.ndarray:
        """The per-step factors J_t = dh_t/dh_prev = diag(f'(a_t)) W_hh for one sample,
        (T, H, H) in processing order (for the reverse direction, index 0 is the last element).
        The gradient reaching a state is a product of these (seed article 003)."""
        if self._caches is None:
            raise ValueError("step_jacobians: expected a forward call first, got none")
        self._check_lk(layer, direction)
        c = self._caches[layer][direction]
        B = c.fprime.shape[1]
        if not 0 <= batch < B:
            raise ValueError(f"batch: expected 0..{B - 1}, got {batch}")
        return c.fprime[:, batch, :, None] * c.W_hh[None]  # (T, H, H): row j scaled by f'(a_j)
