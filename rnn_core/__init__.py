"""rnn_core: a vanilla RNN in NumPy that agrees with torch.nn.RNN, with full BPTT.

Imports numpy only: a reader can lift it into a notebook.
"""

from . import functional, init
from .functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .gradcheck import check_rnn_gradients, numerical_gradient, relative_error
from .linear import Linear
from .losses import cross_entropy, log_softmax, log_softmax_backward, mse, softmax, softmax_backward
from .rnn import RNN, GradTrace, LayerTrace

__all__ = [
    "RNN", "Linear", "LayerTrace", "GradTrace", "functional", "init",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "cross_entropy", "mse",
    "check_rnn_gradients", "numerical_gradient", "relative_error",
]
