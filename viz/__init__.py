"""Figure builders: pure functions, NumPy arrays in, plotly go.Figure out.

Imports numpy and plotly only (never streamlit, never rnn_core). Every user-visible word is a
keyword argument with an English default; colour scales and the common layout live in
viz.theme. Time steps are numbered t = t_start, t_start + 1, ... (t_start = 1 by default: row 0
of h is h_1, h_0 is the initial state) and `step` arguments are such a t, the number the
learner sees on the time axis, not a 0-based index.
"""

from . import theme
from .dataflow import dataflow_figure, output_bars, tensor_heatmap
from .recurrence import (
    activation_scatter,
    contributions_bar,
    hidden_heatmap,
    pca_trajectory,
    probs_heatmap,
    time_lines,
    unrolled_chain,
)
from .theme import MAX_CELLS, reduce_for_display, shape_text

__all__ = [
    "theme", "MAX_CELLS", "reduce_for_display", "shape_text",
    "tensor_heatmap", "dataflow_figure", "output_bars",
    "hidden_heatmap", "unrolled_chain", "contributions_bar", "activation_scatter",
    "time_lines", "probs_heatmap", "pca_trajectory",
]
