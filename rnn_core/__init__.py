"""rnn_core: a vanilla RNN, an LSTM and a GRU in NumPy that agree with torch.nn.RNN, LSTM and
GRU, with full BPTT.

Imports numpy only: a reader can lift it into a notebook.
"""

from . import (
    analysis,
    attention,
    diagnostics,
    functional,
    gru,
    init,
    lstm,
    memory,
    optim,
    seq2seq,
    sequences,
    tasks,
    train,
    work,
)
from .functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .gradcheck import check_rnn_gradients, numerical_gradient, relative_error
from .gru import (
    GRU,
    GRUGradTrace,
    GRUTrace,
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    gru_step_jacobians,
)
from .linear import Linear
from .losses import cross_entropy, log_softmax, log_softmax_backward, mse, softmax, softmax_backward
from .lstm import (
    LSTM,
    LSTMGradTrace,
    LSTMTrace,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    lstm_step_jacobians,
)
from .rnn import RNN, GradTrace, LayerTrace
from .seq2seq import ManyToMany, ManyToOne, OneToMany, Seq2Seq

__all__ = [
    "RNN", "LSTM", "GRU", "Linear", "LayerTrace", "GradTrace", "LSTMTrace", "LSTMGradTrace",
    "GRUTrace", "GRUGradTrace", "functional", "init", "lstm", "gru",
    "ManyToMany", "ManyToOne", "OneToMany", "Seq2Seq",
    "analysis", "attention", "diagnostics", "memory", "optim", "seq2seq", "sequences", "tasks",
    "train", "work",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "lstm_step_jacobians",
    "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward", "gru_step_jacobians",
    "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "cross_entropy", "mse",
    "check_rnn_gradients", "numerical_gradient", "relative_error",
]
