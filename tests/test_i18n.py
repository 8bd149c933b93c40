"""ui.i18n: every user-facing string exists in English and Simplified Chinese, with the same
placeholders; every key the code asks for is in the table and formats with the parameters its
caller passes; and the pages hold no literal user-facing text (only keys and maths notation)."""

from __future__ import annotations

import ast
import importlib
import re
import string
from pathlib import Path

import pytest

from ui import config as C
from ui.i18n import LANGS, STRINGS, translate

ROOT = Path(__file__).resolve().parent.parent
CODE_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])
PAGE_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])

# ui/__init__ exports the function frame(), which hides the module ui.frame from attribute access
frame = importlib.import_module("ui.frame")

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[tuple[str, str | None, str]]:
    """{(field name, conversion, format spec)} of a str.format template."""
    return {(name, conv, spec or "") for _, name, spec, conv in _FORMATTER.parse(text)
            if name is not None}


def names(text: str) -> set[str]:
    """The parameters a template takes."""
    return {name for name, _, _ in placeholders(text)}


# A subscript or superscript in braces, W_{ih} or h_{t-1}, unescaped: the entry is notation
# shown as written (translate() formats only when given parameters); a template would have to
# write h_{{t-1}}, as df.sum_title does.
_NOTATION_BRACE = re.compile(r"[_^]\{(?!\{)")


def is_literal(key: str) -> bool:
    """An entry shown as written: it holds braces that are notation, not placeholders."""
    return any(_NOTATION_BRACE.search(text) for text in STRINGS[key])


# ---------------------------------------------------------------------------------------------
# the table itself
# ---------------------------------------------------------------------------------------------

def test_languages():
    assert LANGS == ("en", "zh")


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_entry_has_english_and_chinese(key):
    entry = STRINGS[key]
    assert isinstance(entry, tuple) and len(entry) == 2, f"{key}: expected (en, zh)"
    en, zh = entry
    assert isinstance(en, str) and en.strip(), f"{key}: English is empty"
    assert isinstance(zh, str) and zh.strip(), f"{key}: Chinese is empty"


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_entry_has_the_same_placeholders_in_both_languages(key):
    en, zh = STRINGS[key]
    assert placeholders(en) == placeholders(zh), key


def test_keys_are_namespaced():
    bad = [k for k in STRINGS if not re.fullmatch(r"[a-z]+\.[a-z0-9_]+", k)]
    assert bad == []


def test_translate_picks_the_language_and_fills_in():
    assert translate("step.label", "en", T=7) == "Time step t (1 to 7)"
    assert translate("step.label", "zh", T=7) == "时间步 t（1 到 7）"
    with pytest.raises(KeyError):
        translate("no.such_key", "en")


# ---------------------------------------------------------------------------------------------
# keys used in the code
# ---------------------------------------------------------------------------------------------

TRANSLATORS = {"t", "translate"}  # ui.t / frame.t / t(...) and i18n.translate(...)


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def literal_key_calls(source: str):
    """(key, {keyword names} or None when **kwargs is passed, line) for every t("...") /
    ui.t("...") / translate("...") with a literal key (or `"a" if c else "b"`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _call_name(node) in TRANSLATORS and node.args:
            kw = None if any(k.arg is None for k in node.keywords) else {
                k.arg for k in node.keywords}
            for key in _key_literals(node.args[0]):
                yield key, kw, node.lineno


def _key_literals(node: ast.AST):
    """The keys a key expression can take: a literal, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _key_literals(node.body)
        yield from _key_literals(node.orelse)


def config_error_keys(source: str):
    """(key, {param names}) of every ConfigError(key, ...) raised with a literal key."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _call_name(node) == "ConfigError" and node.args:
            for key in _key_literals(node.args[0]):
                yield key, {k.arg for k in node.keywords}


def _literal_calls():
    out = []
    for path in CODE_FILES:
        for key, kw, line in literal_key_calls(path.read_text(encoding="utf-8")):
            out.append((f"{path.relative_to(ROOT)}:{line}", key, kw))
    return out


LITERAL_CALLS = _literal_calls()


def dynamic_keys() -> set[str]:
    """Keys built at run time: field labels, option labels, navigation and view lines."""
    # upload and weights are digests of session data, drawn by their own uploaders
    keys = {"field." + name for name in C.FIELDS if name not in ("upload", "weights")}
    keys |= {"opt." + choice for spec in C.FIELDS.values() if spec.choices
             for choice in spec.choices}
    keys |= {k for _, k, _ in frame.PAGES} | set(frame.COMING)
    keys |= {k for _, nav, view in frame.VIEWS for k in (nav, view)}
    return keys


def used_keys() -> set[str]:
    return {key for _, key, _ in LITERAL_CALLS} | dynamic_keys()


def test_the_scan_finds_the_calls():
    """Guards the scanner itself: a scan that found nothing would pass every check below."""
    keys = {key for _, key, _ in LITERAL_CALLS}
    assert {"app.title", "df.title", "rec.title", "step.play", "err.budget"} <= keys
    assert len(keys) > 80


def test_every_literal_key_exists():
    missing = sorted({(where, key) for where, key, _ in LITERAL_CALLS if key not in STRINGS})
    assert missing == []


def test_every_dynamic_key_exists():
    assert sorted(dynamic_keys() - set(STRINGS)) == []


def test_every_config_error_key_exists_and_its_message_is_fillable():
    """frame.message() shows a ConfigError through the table, adding field and kept; a key that
    is missing, or a placeholder nobody fills, would show the raw English repr instead."""
    found = list(config_error_keys((ROOT / "ui" / "config.py").read_text(encoding="utf-8")))
    assert {k for k, _ in found} >= {"err.range", "err.not_int", "err.not_number", "err.bool",
                                     "err.choice", "err.too_long", "err.csv_link"}
    for key, params in found:
        assert key in STRINGS, key
        for text in STRINGS[key]:
            assert names(text) <= params | {"field", "kept"}, (key, names(text) - params)


def test_every_data_error_key_exists():
    """ui.data_input raises DataError("data....") and renders it from the same table."""
    source = (ROOT / "ui" / "data_input.py").read_text(encoding="utf-8")
    keys = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _call_name(node) == "DataError" and node.args:
            keys |= set(_key_literals(node.args[0]))
    assert len(keys) > 10
    assert sorted(keys - set(STRINGS)) == []


def test_every_call_passes_every_placeholder():
    """t("df.step") without T= would show "{T}" on screen (translate fills in only when given
    parameters)."""
    bad = []
    for where, key, kw in LITERAL_CALLS:
        if key not in STRINGS or kw is None:
            continue
        if is_literal(key):
            if kw:  # formatting would raise KeyError on the notation's braces
                bad.append((where, key, f"shown as written, but given {sorted(kw)}"))
            continue
        needed = names(STRINGS[key][0]) | names(STRINGS[key][1])
        if not needed <= kw:
            bad.append((where, key, f"missing {sorted(needed - kw)}"))
    assert bad == []


# Plausible values for every placeholder name in the table, typed as the callers pass them.
SAMPLES = {
    "T": 24, "H": 16, "O": 4, "t": 3, "n": 32, "l": 1, "d": "forward", "f": "tanh",
    "label": "h", "name": "h_t", "a": 61.2, "b": 20.4, "eps": 1e-3, "rho": 0.93, "step": 7,
    "radius": 3.0, "value": 5000, "field": "Hidden size H", "lo": "1", "hi": "1024",
    "kept": 16, "allowed": "tanh, relu", "length": 2001, "limit": 2_000_000,
    "states": 2_048_000, "formula": "2000 × 1 × 1024 × 1 × 1", "param": "hidden",
    "reason": "not a whole number", "rows": 3, "cols": 2,
    "cell": "LSTM", "loss": "cross-entropy on the last step", "at": 1.0,
    "D": 3, "L": 1, "problems": "weight_hh_l0: expected (8, 8), file has (16, 16)",
    "S": 2048, "cells": "vanilla RNN, LSTM", "need": "1.5 GB", "total": "1 GB", "wanted": "300 MB",
    "capacity": "512 MB",
    # the work budget (ui/i18n_work.py)
    "e": 3, "full_e": 8, "full": "11 min", "estimate": "23 s", "ops": "5.7e+11", "k": 5,
    "names": "weight_ih_l0, h0", "m": 1451, "B": 12, "samples": "sample 0",
    "steps": "the first 3 of 20 steps",
}


@pytest.mark.parametrize("key", sorted(used_keys() & set(STRINGS)))
def test_used_key_formats_in_both_languages(key):
    if is_literal(key):
        for lang in LANGS:
            assert translate(key, lang) == STRINGS[key][LANGS.index(lang)]
        return
    for lang in LANGS:
        text = STRINGS[key][LANGS.index(lang)]
        missing = names(text) - set(SAMPLES)
        assert not missing, f"add a sample value for {missing} to SAMPLES"
        params = {n: SAMPLES[n] for n in names(text)}
        assert isinstance(translate(key, lang, **params), str)


# ---------------------------------------------------------------------------------------------
# no literal user-facing text in the pages
# ---------------------------------------------------------------------------------------------

# Functions whose first argument is a key or a name, never shown as such.
NAME_FIRST_ARG = {"t", "page_slider", "page_number", "page_select", "page_float",
                  "encode",  # csv.encode("utf-8-sig"): a codec's name
                  "frame",  # ui.frame("data_flow"): the page's name (state and URL prefix)
                  "get"}  # dict.get("bias_ih" + sfx): a dict key, like a subscript
# Keyword arguments that carry identifiers, file names or options, not prose.
NAME_KEYWORDS = {"key", "language", "file_name", "mime", "args", "width", "type", "format",
                 "kind",  # np.argsort(..., kind="stable")
                 "delta_color",  # st.metric(..., delta_color="off")
                 "icon"}  # st.page_link(..., icon=":material/arrow_forward:")
# Words that are notation, the same in every language: the weight subscripts of
# h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), o_t = W_ho h_t + b_ho, the functions'
# names, principal components, and the LaTeX commands \left( \right) of the equations.
# Single letters (x, h, t, W, b, o, a, g, ...) are always notation.
NOTATION = {"ih", "hh", "ho", "tanh", "relu", "softmax", "PC", "left", "right",
            "max", "min"}  # σ_max(J_t), σ_min: a singular value's subscript


def _strings_in(node: ast.AST):
    """String constants inside an argument expression: f-string literal parts included;
    subscripts' indices, dict keys and nested calls (checked on their own) left out."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            yield node
        return
    if isinstance(node, (ast.Call, ast.Compare)):  # a comparison's strings are never shown
        return
    if isinstance(node, ast.Subscript):
        yield from _strings_in(node.value)
        return
    if isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings_in(value)
        return
    for child in ast.iter_child_nodes(node):
        yield from _strings_in(child)


def call_argument_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal passed to a call, minus keys and names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        args = node.args[1:] if _call_name(node) in NAME_FIRST_ARG else node.args
        values = list(args) + [k.value for k in node.keywords if k.arg not in NAME_KEYWORDS]
        for value in values:
            for const in _strings_in(value):
                found.append((const.lineno, const.value))
    return found


def words(text: str) -> list[str]:
    """The runs of letters in `text` (any script: 你好 is one word of two letters)."""
    return re.findall(r"[^\W\d_]+", "".join(c if c.isalpha() else " " for c in text))


def is_notation(text: str) -> bool:
    return all(len(w) == 1 or w in NOTATION for w in words(text))


def literal_text_problems(source: str) -> list[tuple[int, str]]:
    """The literals in `source` that look like prose a learner would read."""
    return [(line, text) for line, text in call_argument_literals(source)
            if not is_notation(text)]


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_hold_no_literal_user_facing_text(path):
    assert literal_text_problems(path.read_text(encoding="utf-8")) == []


def test_checker_flags_prose_and_accepts_keys_and_notation():
    bad = '''
import streamlit as st
import ui
st.caption("Hello")
st.title(f"Loss at step {t}")
st.plotly_chart(fig, title="Hidden state")
st.markdown("你好")
fig(panels=[("weights", w)])
'''
    assert [text for _, text in literal_text_problems(bad)] == [
        "Hello", "Loss at step ", "Hidden state", "你好", "weights"]
    good = r'''
import streamlit as st
import ui
cfg = ui.frame("data_flow")
st.title(ui.t("df.title"))
st.caption(ui.t("df.step", T=T))
st.latex(r"h_t = \tanh\left(W_{ih}\, x_t + b_{ih}\right)")
st.plotly_chart(fig, key="rec_heat_0")
st.code(src, language="python")
st.download_button(ui.t("df.download"), data, file_name="rnn_weights.npz", mime="x/y")
st.markdown(f"**{ui.t(nav)}**: {ui.t(view)}")
fig([("W_ih x_t", a), (f"W_hh {prev}", b), ("softmax(o_t)", p)], operators=["·", "="])
step = ui.page_slider("step", ui.t("df.step", T=T), 1, T, 1)
w = run.params["weight_ih" + sfx]
st.write({"head.weight": 1})
'''
    assert literal_text_problems(good) == []


def test_checker_sees_strings_nested_in_arguments():
    src = 'st.dataframe(pd.DataFrame([("input", v)], columns=["term", ui.t("x.y")]))'
    assert sorted(text for _, text in literal_text_problems(src)) == ["input", "term"]
