"""The PyTorch code the Data-flow page shows builds the same model as the app: running it with
torch and the app's weights gives the app's numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest

from ui.compute import compute_run, make_h0
from ui.config import Config
from ui.export import weights_npz
from ui.torch_code import torch_code

CONFIGS = [
    Config(),
    Config(input_size=100, hidden_size=256, output_size=10, seq_len=5),
    Config(num_layers=2, bidirectional=True, nonlinearity="relu", seq_len=7, batch_size=3),
    Config(source="text", text="hello world", h0="random"),
]


@pytest.mark.torch
@pytest.mark.parametrize("cfg", CONFIGS, ids=["default", "article", "stacked_bi_relu", "text"])
def test_shown_torch_code_reproduces_the_apps_numbers(torch, cfg):
    run = compute_run(cfg)
    T, B, D = run.x.shape
    code = torch_code(cfg, T, D)
    namespace: dict = {}
    exec(compile(code, "<torch_code>", "exec"), namespace)  # our generated code, not user text
    rnn, head = namespace["rnn"], namespace["head"]
    # the exported weights load into the shown modules exactly as the code's comment says
    w = np.load(io.BytesIO(weights_npz(run)), allow_pickle=False)
    rnn.load_state_dict({k: torch.from_numpy(w[k]) for k in rnn.state_dict()})
    head.load_state_dict({"weight": torch.from_numpy(w["head.weight"]),
                          "bias": torch.from_numpy(w["head.bias"])})
    with torch.no_grad():
        out, h_n = rnn(torch.from_numpy(np.array(run.x)), torch.from_numpy(make_h0(cfg, B)))
        logits = head(out)
    np.testing.assert_allclose(out.numpy(), run.output, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_n.numpy(), run.h_n, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(logits.numpy(), run.logits, rtol=1e-10, atol=1e-12)
    # the shapes written in the code's comments are the ones torch produces
    assert f"output ({T}, {B}, {out.shape[-1]})" in code
    assert f"h_n ({h_n.shape[0]}, {B}, {cfg.hidden_size})" in code


def test_weights_npz_has_torch_names_and_loads_without_pickle():
    run = compute_run(Config(num_layers=2))
    w = np.load(io.BytesIO(weights_npz(run)), allow_pickle=False)
    assert set(w.files) == set(run.params) | {"head.weight", "head.bias"}
    for name, value in run.params.items():
        np.testing.assert_array_equal(w[name], value)
