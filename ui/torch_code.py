"""The PyTorch code equivalent to a configuration, as the seed articles show it.

The code is text for the learner to read and run; a test runs it with torch and compares its
numbers with the app's.
"""

from __future__ import annotations

from .config import Config


def torch_code(cfg: Config, T: int, D: int) -> str:
    """Python source that builds the same RNN and output layer in PyTorch and runs one
    sequence of the same shape. T time steps, D input features."""
    K = 2 if cfg.bidirectional else 1
    B, H, L, O = cfg.batch_size, cfg.hidden_size, cfg.num_layers, cfg.output_size
    args = [str(D), str(H)]
    if L != 1:
        args.append(f"num_layers={L}")
    if cfg.nonlinearity != "tanh":
        args.append(f"nonlinearity={cfg.nonlinearity!r}")
    if cfg.bidirectional:
        args.append("bidirectional=True")
    lines = [
        "import torch",
        "import torch.nn as nn",
        "",
        "torch.set_default_dtype(torch.float64)  # the app computes in float64",
        f"rnn = nn.RNN({', '.join(args)})  # W_ih {list((H, D))}, W_hh {list((H, H))}",
        f"head = nn.Linear({K * H}, {O})  # W_ho {list((O, K * H))}, b_ho {list((O,))}",
        "",
        "# To use the app's exact weights, download them (.npz) and load them:",
        "# import numpy as np",
        "# w = np.load('rnn_weights.npz')",
        "# rnn.load_state_dict({k: torch.from_numpy(w[k]) for k in rnn.state_dict()})",
        "# head.load_state_dict({'weight': torch.from_numpy(w['head.weight']),",
        "#                       'bias': torch.from_numpy(w['head.bias'])})",
        "",
        f"x = torch.randn({T}, {B}, {D})  # (seq_len, batch, input_size)",
        f"h0 = torch.zeros({L * K}, {B}, {H})  # (num_layers * num_directions, batch, hidden)",
        f"output, h_n = rnn(x, h0)  # output ({T}, {B}, {K * H}), h_n ({L * K}, {B}, {H})",
        f"o = head(output)  # ({T}, {B}, {O}): o_t = W_ho h_t + b_ho at every step",
        "p = torch.softmax(o, dim=-1)",
    ]
    if L == 1 and K == 1:
        lines.append("assert torch.allclose(output[-1], h_n[0])  # the last output is h_n")
    return "\n".join(lines) + "\n"
