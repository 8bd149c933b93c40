"""Downloads: the run's weights as .npz under torch's names (no pickle)."""

from __future__ import annotations

import io

import numpy as np


def weights_npz(run) -> bytes:
    """The RNN's parameters under torch's names and the output layer as `head.weight` and
    `head.bias`, as `np.savez` writes them; `np.load(..., allow_pickle=False)` reads them."""
    arrays = {name: np.asarray(v) for name, v in run.params.items()}
    arrays.update({f"head.{name}": np.asarray(v) for name, v in run.head.items()})
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()
