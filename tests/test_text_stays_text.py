"""Text stays text: every string a learner supplies (a setting's name or value in a settings
file, a URL parameter, a file name, a CSV header or cell, a character of a text) is shown as
written, never as a link, an image, HTML, code, emphasis or LaTeX, and never as a bare URL that
the browser's markdown turns into a link; and no traceback or server path reaches a learner.

The app's messages are markdown (st.error, st.warning, st.caption). No markdown renderer is
installed here, so `constructs` models the one the browser runs (react-markdown with remark-gfm
and remark-math, Streamlit's :color[...] and :emoji: forms) on what matters: the constructs
that raw (unescaped) characters can open, and remark-gfm's own bare-URL and e-mail patterns,
which it applies to the text after backslash escapes are removed. tests/test_browser_text.py
checks the same in Chromium.
"""

from __future__ import annotations

import importlib
import json
import re
import string
import sys
from pathlib import Path

import pytest
from apptest_util import check_no_exception, deep_link, new_app, texts
from streamlit.testing.v1 import AppTest

from ui.config import ConfigError
from ui.data_input import DataError
from ui.export_data import FORMAT, VERSION, ConfigFileError
from ui.frame import SHOW_CHARS, md_escape, message, warning_text
from ui.i18n import STRINGS

frame = importlib.import_module("ui.frame")  # the module; ui.frame is also the function
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
JOINER = "\u2060"  # the word joiner md_escape puts after ":", "@" and "www"
PUNCTUATION = frozenset(string.punctuation)  # what a backslash escapes in CommonMark

PAYLOADS = {
    "image": "![p](http://evil.example/pixel.png)",
    "link": "[Sign in](http://evil.example/login)",
    "bare_url": "https://evil.example/sign-in",
    "www_host": "www.evil.example",
    "email": "learner@evil.example",
    "html": "<img src=x onerror=alert(1)><a href='http://evil.example'>a</a>",
    "latex": "$x$ and $$y$$",
    "bold": "**bold** __b__ _i_ ~~s~~",
    "backticks": "`code` ``x``",
    "streamlit_forms": ":red[red] :smile: :material/home:",
    "entity": "&lt;b&gt; &#91;x&#93;",
    "long": "[x](http://evil.example/" + "a" * 300 + ")",
    "zh_image": "图片![图](http://evil.example/p.png)",
    "zh_link": "【登录】[登录](www.evil.example/登录)",
    "zh_bold": "中文**粗体**$x$",
}


# ---------------------------------------------------------------------------------------------
# a model of the browser's markdown
# ---------------------------------------------------------------------------------------------

def _split(md: str) -> list[tuple[str, bool]]:
    """(character, escaped) pairs: a backslash before ASCII punctuation escapes it."""
    out, i = [], 0
    while i < len(md):
        if md[i] == "\\" and i + 1 < len(md) and md[i + 1] in PUNCTUATION:
            out.append((md[i + 1], True))
            i += 2
        else:
            out.append((md[i], False))
            i += 1
    return out


def visible(md: str) -> str:
    """The text markdown without constructs shows: escapes removed, word joiners invisible."""
    return "".join(c for c, _ in _split(md)).replace(JOINER, "")


def _raw(md: str) -> str:
    """`md` with every escaped character replaced by "x": only raw characters can open a
    construct."""
    return "".join("x" if esc else c for c, esc in _split(md))


_RAW_CONSTRUCTS = {
    "link or image": re.compile(r"\[[^\]]*\]\s*[(\[:]"),
    "HTML or <autolink>": re.compile(r"<[A-Za-z/!?]"),
    "code": re.compile(r"`"),
    "emphasis": re.compile(r"\*|(?<![^\W_])_|_(?![^\W_])"),  # a "_" not inside a word
    "strikethrough": re.compile(r"~"),
    "LaTeX": re.compile(r"\$"),
    "entity": re.compile(r"&#?\w+;"),
    "Streamlit :color[] or :emoji:": re.compile(r":[A-Za-z+]"),
}
# remark-gfm's bare-URL and e-mail literals (mdast-util-gfm-autolink-literal), found in the
# text after escapes are removed; \w here is Unicode, wider than JavaScript's: stricter.
_AUTOLINKS = {
    "bare URL": re.compile(r"(?:https?://|www(?=\.))[-.\w]+", re.IGNORECASE),
    "e-mail": re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
}


def constructs(md: str) -> list[str]:
    """The markdown constructs `md` would render (empty: it shows as plain text)."""
    raw = _raw(md)
    text = "".join(c for c, _ in _split(md))  # what remark-gfm searches for URLs
    found = [f"{name}: {m.group()!r}" for name, rx in _RAW_CONSTRUCTS.items()
             for m in rx.finditer(raw)]
    found += [f"{name}: {m.group()!r}" for name, rx in _AUTOLINKS.items()
              for m in rx.finditer(text)]
    return found


def shown(value: str, limit: int = SHOW_CHARS) -> str:
    """How a value reads on screen: cut past `limit`, control characters as escapes."""
    cut = value if len(value) <= limit else value[:limit - 3] + "..."
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in cut)


def _old_md_escape(value) -> str:
    """The escaping before this fix: brackets and a few more, bare URLs left alone."""
    text = str(value)[:77] + "..." if len(str(value)) > 80 else str(value)
    return "".join("\\" + c if c in "\\`*[]()<>!|~$" else c for c in text)


def assert_text_only(messages: list[str]) -> None:
    bad = {m: constructs(m) for m in messages if constructs(m)}
    assert not bad, "markdown from a learner's text is rendered:\n" + "\n".join(
        f"{m!r}: {found}" for m, found in bad.items())


# ---------------------------------------------------------------------------------------------
# the escaping function
# ---------------------------------------------------------------------------------------------

def test_the_model_sees_every_payload_as_markdown():
    """The checks are not blind: each raw payload forms a construct, and the escaping used
    before this fix left bare URLs, www hosts and e-mail addresses linkable."""
    for name, value in PAYLOADS.items():
        assert constructs(value), name
    for value in ("https://evil.example/sign-in", "www.evil.example", "learner@evil.example",
                  PAYLOADS["image"], PAYLOADS["link"]):
        assert any(c.startswith(("bare URL", "e-mail")) for c in constructs(_old_md_escape(value)))


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_an_escaped_payload_forms_no_construct_and_reads_as_written(name):
    value = PAYLOADS[name]
    md = md_escape(value)
    assert constructs(md) == []
    assert visible(md) == shown(value)


def test_a_long_value_is_cut_with_an_ellipsis():
    md = md_escape(PAYLOADS["long"])
    assert visible(md) == PAYLOADS["long"][:SHOW_CHARS - 3] + "..."
    assert len(visible(md)) == SHOW_CHARS


def test_control_characters_show_as_escapes_on_one_line():
    """A line break would let a heading, a list or a link reference definition start."""
    value = "a\n\n# h\n[x]: http://evil.example\u202e"
    md = md_escape(value)
    assert "\n" not in md and "\u202e" not in md and constructs(md) == []
    assert visible(md) == "a\\n\\n# h\\n[x]: http://evil.example\\u202e"


@pytest.mark.parametrize("value", ["- item", "+ item", "1. item", "---", "# h", "> quote"])
def test_a_value_that_opens_a_message_starts_no_block(value):
    """"{name} has no biases": a file name opens the message, where a list marker, a rule, a
    heading or a quote would start a block."""
    md = md_escape(value)
    assert md[0] == "\\" or md[1] == "\\", md
    assert visible(md) == value


def test_words_keep_their_underscores_dots_and_signs():
    """Only what can open a construct is escaped: names and numbers read the same in the
    message's source (the tests of other messages look for them there)."""
    for value in ("weight_ih_l0", "trained.npz", "-5", "1.5", "a,b;c", "中_文"):
        assert md_escape(value) == value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_message_escapes_every_string_it_fills_in(lang, monkeypatch):
    monkeypatch.setattr(frame, "lang", lambda: lang)
    k = 0 if lang == "en" else 1
    image, url, www = PAYLOADS["image"], PAYLOADS["bare_url"], PAYLOADS["www_host"]
    cases = [
        (DataError("data.not_number", value=www, where_key="data.where_header", row=3, col=2,
                   name=image, header_row=1), [www, image]),
        (DataError("wt.pickle", name=PAYLOADS["link"]), [PAYLOADS["link"]]),
        (ConfigFileError("ex.json_unknown", name=image), [image]),
        (ConfigFileError("ex.json_duplicate", name=PAYLOADS["zh_link"]), [PAYLOADS["zh_link"]]),
        (ConfigError("err.choice", value=url, allowed="en, zh"), [url]),
    ]
    for err, values in cases:
        text = message(err, field="Hidden size H", kept=16)  # the app's words as they are
        assert_text_only([text])
        for value in values:
            assert md_escape(value) in text
        pieces = re.split(r"\{[^{}]*\}", STRINGS[err.key][k])  # the template's own words
        assert max(pieces, key=len).strip() in text  # in the language asked for


def test_a_warning_escapes_the_parameter_its_value_and_the_reason():
    name, value = PAYLOADS["zh_image"], PAYLOADS["email"]
    text = warning_text(name, value, ConfigFileError("ex.json_unknown", name=name))
    assert_text_only([text])
    assert visible(text).count(name) == 2 and value in visible(text)


# ---------------------------------------------------------------------------------------------
# the app's real paths
# ---------------------------------------------------------------------------------------------

def _settings_file(config: dict, **top) -> bytes:
    return json.dumps({"format": FORMAT, "version": VERSION, "config": config, **top},
                      ensure_ascii=False).encode()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_settings_file_with_hostile_names_warns_in_plain_text(lang):
    """Unknown setting names and a bad value in an uploaded settings file are reported as
    written; then a file naming a setting twice is refused, naming it as written."""
    at = new_app({"lang": lang} if lang == "zh" else {})
    at.run(timeout=TIMEOUT)
    hostile = {value: 1 for value in PAYLOADS.values()}
    data = _settings_file({**hostile, "act": PAYLOADS["link"], "hidden": 24},
                          **{PAYLOADS["bare_url"]: "x"})
    at.file_uploader(key="w_config_file").upload("settings.json", data,
                                                 "application/json").run(timeout=TIMEOUT)
    check_no_exception(at)
    assert at.session_state["rnnx_config"].hidden_size == 24  # the good setting applied
    warnings = texts(at.warning)
    assert len(warnings) == len(PAYLOADS) + 2, warnings
    assert_text_only(warnings)
    for value in [*PAYLOADS.values(), PAYLOADS["link"]]:
        assert any(value[:30] in visible(w) for w in warnings), value
    k = 0 if lang == "en" else 1
    unknown = re.split(r"\{name\}", STRINGS["ex.json_unknown"][k])[0].strip()
    assert sum(unknown in w for w in warnings) == len(PAYLOADS) + 1

    image = json.dumps(PAYLOADS["image"])
    twice = (f'{{"format": "{FORMAT}", "version": {VERSION}, '
             f'"config": {{{image}: 1, {image}: 2}}}}').encode()
    at.file_uploader(key="w_config_file").upload("twice.json", twice,
                                                 "application/json").run(timeout=TIMEOUT)
    check_no_exception(at)
    [warning] = texts(at.warning)
    assert_text_only([warning])
    assert PAYLOADS["image"] in visible(warning)
    assert at.session_state["rnnx_config"].hidden_size == 24  # a refused file changes nothing


@pytest.mark.parametrize("query", [
    {"hidden": "https://evil.example/sign-in", "lang": "www.evil.example"},
    {"hidden": "https://evil.example/sign-in", "lang": "zh", "src": "www.evil.example",
     "act": "learner@evil.example", "T": PAYLOADS["zh_image"]},
], ids=["en", "zh"])
def test_a_deep_link_with_urls_for_values_warns_in_plain_text(query):
    at = new_app(query)
    at.run(timeout=TIMEOUT)
    check_no_exception(at)
    warnings = texts(at.warning)
    hostile = [v for k, v in query.items() if not (k == "lang" and v == "zh")]
    assert len(warnings) == len(hostile), warnings
    assert_text_only(warnings)
    for value in hostile:  # named twice: "parameter = value" and in the reason it was refused
        assert any(md_escape(value) in w and visible(w).count(value) == 2 for w in warnings), (
            value, warnings)
    if query.get("lang") == "zh":
        assert all("链接参数" in w for w in warnings), warnings


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_uploaded_files_name_is_shown_as_text(lang):
    name = "[x](http://evil.example).csv"
    at = new_app({"lang": lang} if lang == "zh" else {})
    at.run(timeout=TIMEOUT)
    at.selectbox(key="w_source").set_value("csv").run(timeout=TIMEOUT)
    at.file_uploader(key="w_upload_file").upload(name, b"a,b\n1,2\n3,4\n",
                                                 "text/csv").run(timeout=TIMEOUT)
    check_no_exception(at)
    captions = texts(at.caption)
    loaded = [c for c in captions if name in visible(c)]
    assert loaded == [frame.translate("side.upload_ok", lang, name=md_escape(name), rows=2,
                                      cols=2)], captions
    assert_text_only(loaded)


def test_an_uploaded_weights_files_name_is_shown_as_text():
    from ui.compute import compute_run
    from ui.config import Config
    from ui.export import weights_npz

    name = "![p](http://evil.example/p.png) www.evil.example.npz"
    at = new_app()
    at.run(timeout=TIMEOUT)
    data = weights_npz(compute_run(Config(hidden_size=8, output_size=3)))  # not the app's sizes
    at.file_uploader(key="w_weights_file").upload(name, data, "application/octet-stream").run(
        timeout=TIMEOUT)
    check_no_exception(at)
    [error] = texts(at.error)
    assert md_escape(name) in error and name in visible(error)
    assert_text_only([error])


def test_a_hostile_csv_header_and_cell_are_named_as_text():
    header, cell = PAYLOADS["image"], PAYLOADS["www_host"]
    at = new_app()
    at.run(timeout=TIMEOUT)
    at.selectbox(key="w_source").set_value("csv").run(timeout=TIMEOUT)
    data = f"x,{header}\n1,2\n3,{cell}\n".encode()
    at.file_uploader(key="w_upload_file").upload("data.csv", data, "text/csv").run(
        timeout=TIMEOUT)
    check_no_exception(at)
    [error] = texts(at.error)
    assert_text_only([error])
    assert md_escape(header) in error and md_escape(cell) in error
    assert "Row 3, column 2" in error and header in visible(error) and cell in visible(error)


def test_a_texts_character_is_named_as_text():
    """The data-flow view names the character a step reads ("$" here, which would open LaTeX
    with the next one)."""
    at = deep_link("data_flow", {"src": "text", "text": "a$b$c", "step": "2"})
    check_no_exception(at)
    want = frame.translate("df.step_label", "en", t=2, label="\\$")
    assert want in texts(at.caption), texts(at.caption)


# ---------------------------------------------------------------------------------------------
# server settings
# ---------------------------------------------------------------------------------------------

def test_an_uncaught_exception_shows_no_trace_path_or_message():
    """With the app's client.showErrorDetails, an exception box shows Streamlit's generic
    notice only: the traceback, the message (which names a server path here) and the type go
    to the server's log."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli", reason="tomllib is Python 3.11+; pip install tomli")
    import streamlit.config

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    value = config.get("client", {}).get("showErrorDetails", "full")  # Streamlit's default
    before = streamlit.config.get_option("client.showErrorDetails")
    try:
        streamlit.config.set_option("client.showErrorDetails", value)
        at = AppTest.from_string("open('/nonexistent/rnnx-secret/server.txt')")
        at.run(timeout=TIMEOUT)
    finally:
        streamlit.config.set_option("client.showErrorDetails", before)
    [exc] = at.exception
    shown_text = " ".join([exc.message, *exc.stack_trace, exc.proto.type])
    assert "rnnx-secret" not in shown_text and "FileNotFoundError" not in shown_text
    assert not exc.stack_trace and not exc.proto.type
    assert "/" not in exc.message  # no path of any file
