"""Reading trained weights a user uploads: an .npz of a state dict under torch's names.

What `{k: v.numpy() for k, v in model.state_dict().items()}` saved with `np.savez` gives, for a
`torch.nn.RNN`, optionally with the output layer as `head.weight` / `head.bias` (the app's own
download has both). Read with `allow_pickle=False`: a file holding objects is refused, never
unpickled. `.pt` files are pickles and are not read at all.

Errors are `DataError`s with a key of the one translation table ("wt.*") and its parameters.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np

from .data_input import DataError

MAX_BYTES = 20_000_000  # a 1024-unit, 4-layer bidirectional RNN is about 70 MB: refused
MAX_ARRAYS = 64
_NAME = re.compile(r"(weight|bias)_(ih|hh)_l(\d+)(_reverse)?$")


def parse_weights_npz(data: bytes, max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """The arrays of an uploaded .npz, float64, checked to be finite real numbers.

    Raises DataError: wt.too_large, wt.not_npz, wt.too_many, wt.pickle, wt.bad_dtype,
    wt.nonfinite, wt.unknown_name.
    """
    if len(data) > max_bytes:
        raise DataError("wt.too_large", size=len(data), limit=max_bytes)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DataError("wt.not_npz")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            names = list(npz.files)
            if len(names) > MAX_ARRAYS:
                raise DataError("wt.too_many", count=len(names), limit=MAX_ARRAYS)
            arrays = {}
            for name in names:
                try:
                    arr = npz[name]
                except ValueError:  # "Object arrays cannot be loaded when allow_pickle=False"
                    raise DataError("wt.pickle", name=name) from None
                arrays[name] = arr
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise DataError("wt.not_npz") from err
    state = {}
    for name, arr in arrays.items():
        if name not in ("head.weight", "head.bias") and not _NAME.match(name):
            raise DataError("wt.unknown_name", name=name)
        if arr.dtype.kind not in "fiu":
            raise DataError("wt.bad_dtype", name=name, dtype=str(arr.dtype))
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            raise DataError("wt.nonfinite", name=name)
        state[name] = arr
    if not any(n.startswith("weight_ih_l0") for n in state):
        raise DataError("wt.no_rnn")
    return state


def infer_sizes(state: dict[str, np.ndarray]) -> dict:
    """The configuration a state dict describes: input_size D, hidden_size H, num_layers L,
    bidirectional, output_size O (when the head is there), and whether it has biases.
    Raises DataError wt.not_rnn when the matrices are those of a gated cell (LSTM, GRU)."""
    W = state["weight_ih_l0"]
    if W.ndim != 2:
        raise DataError("wt.shape", name="weight_ih_l0", expected="(H, D)",
                        given=str(tuple(W.shape)))
    hh = state.get("weight_hh_l0")
    if hh is None or hh.ndim != 2:
        raise DataError("wt.missing", names="weight_hh_l0")
    H = hh.shape[1]
    if hh.shape[0] != H:  # (4H, H) for an LSTM, (3H, H) for a GRU
        raise DataError("wt.not_rnn", rows=hh.shape[0], cols=H)
    layers = 1 + max(int(_NAME.match(n).group(3)) for n in state if _NAME.match(n))
    sizes = dict(input_size=int(W.shape[1]), hidden_size=int(H), num_layers=int(layers),
                 bidirectional=any(n.endswith("_reverse") for n in state),
                 bias=any(n.startswith("bias_") for n in state))
    if "head.weight" in state and state["head.weight"].ndim == 2:
        sizes["output_size"] = int(state["head.weight"].shape[0])
    return sizes


def check_against(state: dict[str, np.ndarray], expected: dict[str, tuple]) -> list[tuple]:
    """Mismatches between a state dict and the parameters a configuration needs:
    (name, expected shape or None if unexpected, given shape or None if missing)."""
    problems = []
    for name, shape in expected.items():
        if name not in state:
            problems.append((name, shape, None))
        elif tuple(state[name].shape) != tuple(shape):
            problems.append((name, tuple(shape), tuple(state[name].shape)))
    for name in state:
        if name not in expected:
            problems.append((name, None, tuple(state[name].shape)))
    return problems
