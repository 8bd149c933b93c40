"""The articles' plain notation (W_ih, h_{t-1}, s_(j-1), σ_max) typeset in the pages' prose.

The figures draw it with plotly's <sub> (viz.theme.math_text); Streamlit's markdown typesets
LaTeX between dollar signs, so a caption that says "a_t" shows $a_t$, the a with a subscript t
of the chart above it. Only a symbol of one letter with a short subscript counts as notation:
code names such as `weight_ih_l0`, `clip_grad_norm_` or `batch_first` have longer stems and are
left as they are, and so is anything in `code` or already between dollar signs.
"""

from __future__ import annotations

import re

import streamlit as st

_GREEK = {"α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
          "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "ρ": r"\rho",
          "σ": r"\sigma", "τ": r"\tau", "φ": r"\phi", "ω": r"\omega"}

# one letter (not the end of a longer word, not escaped), "_", then {..}, (..) or 1-3 letters
# and digits that do not run on into a longer word or a call
_SYMBOL = re.compile(r"(?<![\w\\$.′])([A-Za-z" + "".join(_GREEK) + r"])_"
                     r"(\{[^{}$]*\}|\([^()$]*\)|[A-Za-z0-9]{1,3}(?![\w]))")
_KEEP = re.compile(r"(`[^`]*`|\$[^$]*\$)")  # code spans and LaTeX already written


def _latex_sub(sub: str) -> str:
    if sub[0] in "{(":
        sub = sub[1:-1]
    sub = sub.replace("−", "-")
    return r"\max" if sub == "max" else sub


def _symbol(match: re.Match) -> str:
    base = _GREEK.get(match.group(1), match.group(1))
    return f"${base}_{{{_latex_sub(match.group(2))}}}$"


def math_md(text: str) -> str:
    """`text` with each notation symbol as inline LaTeX: "a_t" -> "$a_{t}$", "h_{t-1}" ->
    "$h_{t-1}$", "s_(j-1)" -> "$s_{j-1}$", "σ_max" -> "$\\sigma_{\\max}$"."""
    parts = _KEEP.split(text)
    return "".join(p if i % 2 else _SYMBOL.sub(_symbol, p) for i, p in enumerate(parts))


def caption(text: str, **kwargs) -> None:
    """st.caption with the notation typeset (`math_md`). For the app's own sentences only:
    a caption that quotes the learner's text uses st.caption with the text through
    ui.frame.md_escape (the data-flow step's character does)."""
    st.caption(math_md(text), **kwargs)
