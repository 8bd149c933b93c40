"""The pages' prose typesets the articles' notation (ui.math_md): a_t in a caption is $a_{t}$,
the a with a subscript t of the chart above it; code names and written LaTeX stay as they are."""

from __future__ import annotations

import pytest
from apptest_util import open_page, texts

from ui.i18n import STRINGS
from ui.math_md import math_md


@pytest.mark.parametrize("plain, typeset", [
    ("adds up to a_t; tanh squashes it into h_t.",
     "adds up to $a_{t}$; tanh squashes it into $h_{t}$."),
    ("W_ho [O, H] reads h_{t-1}", "$W_{ho}$ [O, H] reads $h_{t-1}$"),
    ("a score s_(j-1) · h_i", "a score $s_{j-1}$ · $h_{i}$"),
    ("σ_max(W_hh)", r"$\sigma_{\max}$($W_{hh}$)"),
    ("the weights α_ji", r"the weights $\alpha_{ji}$"),
    ("|h_t| > 0.95", "|$h_{t}$| > 0.95"),
    ("预激活 a_t", "预激活 $a_{t}$"),
])
def test_notation_becomes_inline_latex(plain, typeset):
    assert math_md(plain) == typeset


@pytest.mark.parametrize("text", [
    "torch's clip_grad_norm_ and rnn.weight_ih_l0, batch_first=False",
    "rnn_weights.npz and hidden_states.csv", "input_size, x0, h₀", "`W_ih [16, 3]`",
    "$h_t = \\tanh(W_{ih} x_t)$", r"a\_b", "(T, B, D)", "max_norm",
])
def test_code_names_and_written_latex_stay(text):
    assert math_md(text) == text


def test_every_string_keeps_its_dollar_signs_paired():
    """A lone $ would swallow the rest of the caption into a formula."""
    for key, pair in STRINGS.items():
        for text in pair:
            assert math_md(text).count("$") % 2 == 0, (key, text)


def test_a_page_caption_shows_the_typeset_notation():
    at = open_page("recurrence")
    captions = texts(at.caption)
    assert any("$a_{t}$" in c for c in captions), captions
    assert not any(" a_t " in c or " a_t." in c for c in captions)
