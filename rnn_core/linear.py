"""`Linear`: the output layer o_t = W_ho h_t + b_ho, with torch.nn.Linear's names and init.

Axes: `...` any leading axes (T, B, or both), I in_features, O out_features.
    x (..., I) -> y (..., O);  weight (O, I), bias (O,)
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_dtype, check_shape, check_size, shape_str


class Linear:
    """y = x W^T + b. Initialised as torch: U(-1/sqrt(I), 1/sqrt(I)) for weight and bias."""

    def __init__(self, in_features, out_features, bias=True, seed=0, dtype=np.float64):
        self.in_features = check_size("in_features", in_features)
        self.out_features = check_size("out_features", out_features)
        self.bias = bool(bias)
        self.dtype = check_dtype(dtype)
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(self.in_features)
        self.params = {"weight": rng.uniform(-k, k, (self.out_features, self.in_features))
                       .astype(self.dtype)}
        if self.bias:
            self.params["bias"] = rng.uniform(-k, k, self.out_features).astype(self.dtype)
        self._x: np.ndarray | None = None

    def param_shapes(self) -> dict[str, tuple]:
        shapes = {"weight": (self.out_features, self.in_features)}
        if self.bias:
            shapes["bias"] = (self.out_features,)
        return shapes

    def state_dict(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        shapes = self.param_shapes()
        if not isinstance(state, dict) or set(state) != set(shapes):
            got = sorted(state, key=repr) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state_dict: expected the names {sorted(shapes)}, got {got}")
        new = {}
        for name, shape in shapes.items():
            arr = as_float_array(name, state[name], self.dtype)
            check_shape(name, arr, shape)
            new[name] = arr.copy()
        self.params = new
        self._x = None

    def forward(self, x) -> np.ndarray:
        """x (..., I) -> (..., O)."""
        x = as_float_array("input", x, self.dtype)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"input: expected shape (..., {self.in_features}) (last axis "
                             f"in_features), got {shape_str(x.shape)}")
        self._x = x
        y = x @ self.params["weight"].T  # (..., O)
        if self.bias:
            y = y + self.params["bias"]
        return y

    __call__ = forward

    def backward(self, grad_output) -> dict[str, np.ndarray]:
        """dL/dy (..., O) -> {"weight" (O, I), "bias" (O,), "input" (..., I)}."""
        if self._x is None:
            raise ValueError("backward: expected a forward call first, got none")
        x = self._x
        expected = x.shape[:-1] + (self.out_features,)
        g = as_float_array("grad_output", grad_output, self.dtype)
        check_shape("grad_output", g, expected, "(the shape of forward's output)")
        g2 = g.reshape(-1, self.out_features)  # (N, O), N = all leading axes
        grads = {"weight": g2.T @ x.reshape(-1, self.in_features)}  # (O, I): summed over N
        if self.bias:
            grads["bias"] = g2.sum(axis=0)  # (O,)
        grads["input"] = g @ self.params["weight"]  # (..., I)
        return grads
