"""Hardening: the app under extreme and hostile input, its caches, its HTML, its server settings,
and the core's validation under fuzzing.

(a) every page file in pages/ (found with glob, so new views are swept too) at the limits of
    every setting and with every source, set through the URL as a link would: no exception
    anywhere, and a clear message where a limit is hit; a link over the state budget is not
    run; the Gradients view at the budget's edge fits in memory (checked in a subprocess with
    a 3 GiB limit);
(b) cached runs are read-only and shared;
(c) no HTML from user text: no unsafe_allow_html, st.html or components.html in the app's
    source, and values from a link cannot inject markdown links or images into messages;
(d) .streamlit/config.toml limits uploads and turns usage statistics off;
(e) rnn_core's public entry points under hypothesis: any shape, dtype or value either works or
    raises ValueError, never another exception type;
(f) uploads that must be refused: each is, with a message naming the problem, and the rest of
    the configuration stays as it was.
"""

from __future__ import annotations

import ast
import io
import re
import sys
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np
import pytest
from apptest_util import app_config, new_app
from hypothesis import example, given
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp
from streamlit.testing.v1 import AppTest

import rnn_core
from ui.config import DEFAULT, FIELDS, SOURCES, data_steps, data_width, run_budget, run_estimate
from ui.data_input import MAX_BYTES
from ui.i18n import STRINGS

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
TIMEOUT = 240  # one run; the widest sweep runs SVDs of 2048 x 2048 Jacobians on a shared core


def fragment(key: str, lang: int = 0) -> str:
    """The longest literal piece of a message template (between its {placeholders}): text
    every filled-in message of that key contains."""
    pieces = re.split(r"\{[^{}]*\}", STRINGS[key][lang])
    return max((p.strip(" .:;,()\"'“”：；，。") for p in pieces), key=len)


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def messages(at: AppTest) -> dict[str, list[str]]:
    return {"error": texts(at.error), "warning": texts(at.warning), "info": texts(at.info)}


def shows(at: AppTest, key: str, kinds=("error", "warning", "info"), lang: int = 0) -> bool:
    """Whether a message of translation `key` is on screen as one of `kinds`."""
    piece = fragment(key, lang)
    return any(piece in m for kind in kinds for m in messages(at)[kind])


# ---------------------------------------------------------------------------------------------
# (a) the sweep: every page at the limits, settings from a link
# ---------------------------------------------------------------------------------------------

HOSTILE_TEXT = ("<script>alert(1)</script> **bold** [link](https://evil.example) `code` $x$ "
                "\\ \u202e\u200b é 中文 🙂 \t\r\n")
# 2000 characters (the limit) of which ~600 distinct: D = the vocabulary, above the input
# size limit of 512 that the widgets enforce (text sets D itself).
LONG_TEXT = (HOSTILE_TEXT + "".join(chr(0x4E00 + i) for i in range(600)) + "ab" * 1000)[:2000]
BIG_NUMBERS = "\n".join(f"{i % 7 - 3}, {np.sin(i):.6f}, {i * 1e-3:.3f}" for i in range(2000))


def _every_page_shows(key, kinds=("error", "warning", "info"), pages=None):
    """An expectation: on the listed page files (None: every page but the landing page) the
    message `key` is shown as one of `kinds`."""
    def check(page: str, at: AppTest) -> str | None:
        if page == "app.py" or (pages is not None and page not in pages):
            return None
        if not shows(at, key, kinds):
            return f"{page}: expected a message {key!r} ({fragment(key)!r}); got {messages(at)}"
        return None
    return check


def _landing_shows(*keys):
    def check(page: str, at: AppTest) -> str | None:
        if page != "app.py":
            return None
        missing = [k for k in keys if not shows(at, k, ("warning", "error"))]
        return f"app.py: no message for {missing}; got {messages(at)}" if missing else None
    return check


RUN_PAGES = ("pages/1_data_flow.py", "pages/2_recurrence.py")  # they call ui.run_or_stop

# Pairwise rather than the full product: every source once; the smallest and largest sizes,
# the longest sequence, 4 layers + bidirectional, batch 64, relu at spectral radius 3, each h0
# mode, each init, both languages, each at least once, mostly in different combinations.
SWEEP = {
    "smallest": ({"hidden": "1", "T": "1", "in": "1", "out": "1", "src": "sine", "h0": "random",
                  "freq": "0.5", "noise": "10"}, None),
    "widest": ({"hidden": "1024", "T": "1", "in": "512", "out": "512", "src": "square",
                "lang": "zh", "init": "orthogonal"}, None),
    "longest": ({"hidden": "1", "T": "2000", "in": "1", "out": "1", "src": "sawtooth",
                 "act": "relu", "rho": "3", "amp": "100"}, None),
    "deep_bidir_batch64": ({"hidden": "8", "T": "12", "layers": "4", "bidir": "1",
                            "batch": "64", "src": "noise", "amp": "100", "h0": "constant",
                            "h0v": "-5", "init": "xavier"}, None),
    "relu_rho3_grows": ({"hidden": "32", "T": "300", "act": "relu", "rho": "3",
                         "src": "random_walk", "amp": "100"},
                        _every_page_shows("warn.large", ("warning",), RUN_PAGES)),
    "relu_rho3_overflows": ({"hidden": "32", "T": "2000", "act": "relu", "rho": "3",
                             "src": "random_walk", "amp": "100", "in": "512"},
                            _every_page_shows("warn.nonfinite", ("warning",), RUN_PAGES)),
    "impulse_last_step": ({"hidden": "2", "T": "2000", "k": "1999", "layers": "4", "bidir": "1",
                           "src": "impulse", "h0": "constant", "h0v": "5", "act": "relu"}, None),
    "text_2000_hostile": ({"src": "text", "text": LONG_TEXT, "hidden": "4", "layers": "2",
                           "lang": "zh", "out": "1"}, None),
    "numbers_2000_rows": ({"src": "numbers", "nums": BIG_NUMBERS, "hidden": "3", "bidir": "1",
                           "batch": "64"}, None),
    "numbers_ragged": ({"src": "numbers", "nums": "1, 2\n3\n", "hidden": "5"},
                       _every_page_shows("data.ragged", ("error",))),
    "bad_link_values": ({"hidden": "abc", "T": "-5", "src": "evil", "lang": "xx", "rho": "nan",
                         "layers": "1e9", "bidir": "maybe", "seed": "-1", "k": "5000",
                         "text": "x" * 2001, "step": "99999", "in": "513"},
                        _landing_shows("err.not_int", "err.range", "err.choice",
                                       "err.not_number", "err.bool", "err.too_long")),
    "csv_in_a_link": ({"src": "csv", "hidden": "6"}, _landing_shows("err.csv_link")),
}


def _sweep(query: dict, check, before_pages=None) -> list[str]:
    """Open the app with `query`, optionally act on the sidebar, then run every page in one
    session; returns the problems found (exceptions, failed expectations)."""
    at = new_app(query)
    at.run(timeout=TIMEOUT)
    if before_pages is not None:
        before_pages(at)
    problems = []
    for page in ["app.py", *PAGE_FILES]:
        if page != "app.py":
            at.switch_page(page).run(timeout=TIMEOUT)
        else:
            at.run(timeout=TIMEOUT)
        for ex in at.exception:
            problems.append(f"{page}: raised {ex.message}\n" + "\n".join(ex.stack_trace or []))
        cfg = app_config(at)
        if cfg.source != "csv":
            need = run_estimate(cfg, data_steps(cfg), data_width(cfg)).peak
            if need > run_budget():
                problems.append(f"{page}: the configuration in use needs {need:,} bytes, over "
                                f"the budget of {run_budget():,}")
        if check is not None:
            problem = check(page, at)
            if problem:
                problems.append(problem)
    return problems


@pytest.mark.parametrize("name", list(SWEEP))
def test_every_page_survives_extreme_settings_from_a_link(name):
    query, check = SWEEP[name]
    assert set(SOURCES) - {"csv"} <= {q.get("src", "sine") for q, _ in SWEEP.values()}
    problems = _sweep(query, check)
    assert not problems, "\n".join(problems)


def test_every_page_says_what_is_missing_when_csv_is_picked_without_an_upload():
    def pick_csv(at):
        at.selectbox(key="w_source").set_value("csv").run(timeout=TIMEOUT)
        assert app_config(at).source == "csv"

    problems = _sweep({"hidden": "7"}, _every_page_shows("err.no_upload", ("info",), RUN_PAGES),
                      pick_csv)
    assert not problems, "\n".join(problems)


def test_a_setting_over_the_state_budget_is_refused_and_every_page_keeps_the_previous_sizes():
    def over_budget(at):
        at.number_input(key="w_seq_len").set_value(2000).run(timeout=TIMEOUT)
        at.number_input(key="w_batch_size").set_value(64).run(timeout=TIMEOUT)
        at.number_input(key="w_input_size").set_value(512).run(timeout=TIMEOUT)  # 1.5 GB
        assert shows(at, "err.budget", ("error",)), messages(at)
        cfg = app_config(at)
        assert (cfg.seq_len, cfg.batch_size, cfg.input_size) == (2000, 64, 3)

    problems = _sweep({}, None, over_budget)
    assert not problems, "\n".join(problems)


def test_a_link_over_the_state_budget_is_refused_not_run():
    """hidden 1024, T 2000, batch 64, 4 layers and both directions are each allowed; together
    they would need about 49 GB (rnn_core.memory.run_bytes), over the per-run budget. A link
    with them is refused with the budget message, and the session must not keep the
    over-budget sizes (a link that takes the server's memory). Only the landing page runs
    here, which computes nothing."""
    at = new_app({"hidden": "1024", "T": "2000", "batch": "64", "layers": "4", "bidir": "1"})
    at.run(timeout=TIMEOUT)
    assert not at.exception
    assert shows(at, "err.budget_link", ("error", "warning")), messages(at)
    cfg = app_config(at)
    need = run_estimate(cfg, cfg.seq_len, cfg.input_size).peak
    assert need <= run_budget(), (
        f"the session holds the link's over-budget sizes (T={cfg.seq_len}, batch="
        f"{cfg.batch_size}, hidden={cfg.hidden_size}, layers={cfg.num_layers}, bidirectional="
        f"{cfg.bidirectional}: {need:,} bytes); every page would compute them")


_MEMORY_PROBE = """
import json, resource, sys, time
limit = int(sys.argv[1]) * 2**30
resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))  # numpy's large arrays count (mmap)
sys.path[:0] = [sys.argv[2] + "/tests", sys.argv[2]]
from apptest_util import new_app
at = new_app({"hidden": "1000", "T": "2000"})
at.run(timeout=300)
t0 = time.perf_counter()
at.switch_page(sys.argv[3]).run(timeout=300)
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "exceptions": [e.message for e in at.exception],
                  "messages": [e.value for e in [*at.error, *at.warning, *at.info]]}))
"""


@pytest.mark.parametrize("page", [p for p in PAGE_FILES if "gradients" in p] or ["missing"])
def test_the_gradients_view_at_the_edge_of_the_state_budget_fits_in_memory(page):
    """hidden 1000 x T 2000 (one sample, one layer) fits the per-run budget: allowed. The
    Gradients view must answer it (with its charts, or a message that it will not) in bounded
    memory, not allocate the (T, H, H) step Jacobians of three cells (15 GiB for the vanilla
    RNN alone, 60 GiB for the LSTM's (T, 2H, 2H)): on the shared server that is the kernel's
    OOM killer. Run in a subprocess limited to 3 GiB of data, so a failure cannot take the
    machine with it."""
    import json
    import subprocess

    if page == "missing":
        pytest.skip("no Gradients view in pages/")
    proc = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, "3", str(ROOT), page],
                          capture_output=True, text=True, timeout=600, cwd=str(ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    out = json.loads(lines[-1])
    assert not out["exceptions"], (
        f"{page} at hidden 1000, T 2000 raised {out['exceptions']} under a 3 GiB limit")
    assert out["seconds"] < 240, f"{page} took {out['seconds']:.0f} s"


# ---------------------------------------------------------------------------------------------
# (b) cached runs are read-only and shared
# ---------------------------------------------------------------------------------------------

def _arrays(obj, path: str = "run", seen=None):
    """Every ndarray reachable from `obj` through dataclass fields, dicts, tuples and lists."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        yield path, obj
    elif is_dataclass(obj) and not isinstance(obj, type):
        for f in fields(obj):
            yield from _arrays(getattr(obj, f.name), f"{path}.{f.name}", seen)
    elif isinstance(obj, Mapping):  # dicts, and the read-only MappingProxyType of a Run
        for k, v in obj.items():
            yield from _arrays(v, f"{path}[{k!r}]", seen)
    elif isinstance(obj, (tuple, list)):
        for i, v in enumerate(obj):
            yield from _arrays(v, f"{path}[{i}]", seen)


def _assert_read_only(obj, minimum: int) -> list[tuple[str, np.ndarray]]:
    found = list(_arrays(obj))
    assert len(found) >= minimum, [p for p, _ in found]
    for path, a in found:
        assert not a.flags.writeable, f"{path} is writeable"
        with pytest.raises(ValueError, match="read-only"):
            a[...] = 0
        if a.size:
            with pytest.raises(ValueError, match="read-only"):
                a.flat[0] = 1.0
            if a.dtype.kind == "f":
                with pytest.raises(ValueError, match="read-only"):
                    np.multiply(a, 2.0, out=a)
    return found


CACHED_CFG = DEFAULT.__class__(hidden_size=5, seq_len=7, num_layers=2, bidirectional=True,
                               batch_size=2, seed=11, h0="random")


def test_every_array_of_a_cached_run_is_read_only_and_a_second_call_returns_it_unchanged():
    from ui.compute import run_model

    run = run_model(CACHED_CFG)
    found = _assert_read_only(run, minimum=2 * 2 * 9 + 10)  # 4 layer-directions x 9 arrays ...
    snapshot = {p: a.copy() for p, a in found}
    again = run_model(CACHED_CFG)
    assert again is run
    for path, a in _arrays(again):
        np.testing.assert_array_equal(a, snapshot[path], err_msg=path)


def test_cached_gradient_runs_are_read_only():
    from ui.compute_grad import GradSettings, gradient_runs

    runs = gradient_runs(CACHED_CFG, GradSettings(loss="ce_sum"))
    _assert_read_only(runs, minimum=3 * 10)
    assert gradient_runs(CACHED_CFG, GradSettings(loss="ce_sum")) is runs


def test_a_page_script_that_writes_into_the_cached_run_gets_a_value_error_and_shares_the_run():
    """Inside a script run (as a page is), the cached run is the very object other sessions get;
    writing into it is refused."""
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui.compute import run_model
from ui.config import Config
run = run_model(Config(hidden_size=5, seq_len=7, num_layers=2, bidirectional=True,
                       batch_size=2, seed=11, h0="random"))
st.session_state["run_id"] = id(run)
try:
    run.layers[1][1].h[0, 0, 0] = 99.0
    st.error("written")
except ValueError as err:
    st.success(f"refused: {{err}}")
"""
    from ui.compute import run_model

    at = AppTest.from_string(script, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert not at.error and "read-only" in at.success[0].value
    assert at.session_state["run_id"] == id(run_model(CACHED_CFG))


# ---------------------------------------------------------------------------------------------
# (c) no HTML from user text
# ---------------------------------------------------------------------------------------------

SOURCE_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
                       *(ROOT / "ui").glob("*.py"), *(ROOT / "viz").glob("*.py")])


def _raw_html_uses(path: Path, root: Path = ROOT) -> list[str]:
    """Calls that render raw HTML: unsafe_allow_html not literally False, st.html(...),
    components.html(...) / components.v1.html(...), and imports of streamlit.components."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "unsafe_allow_html" and not (
                        isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(f"{where} unsafe_allow_html={ast.unparse(kw.value)}")
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "html":
                found.append(f"{where} {ast.unparse(func)}(...)")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            module = getattr(node, "module", None) or ""
            if "components" in module or any("components" in n for n in names):
                found.append(f"{where} imports {module or names}")
    return found


def test_the_app_renders_no_raw_html():
    """No user text can reach raw HTML when there is no raw HTML at all. (Should a view ever need
    it, its arguments must be constants, and this test must learn to check that.)"""
    assert len(SOURCE_FILES) >= 10
    uses = [u for path in SOURCE_FILES for u in _raw_html_uses(path)]
    assert not uses, "raw HTML in the app:\n" + "\n".join(uses)


def test_the_scan_finds_raw_html(tmp_path):
    """The scanner is not blind: each form it looks for is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nimport streamlit.components.v1 as components\n"
                   "st.markdown(x, unsafe_allow_html=True)\nst.html(x)\ncomponents.html(x)\n"
                   "st.caption(x, unsafe_allow_html=flag)\nst.markdown(x, unsafe_allow_html="
                   "False)\n")
    assert len(_raw_html_uses(bad, tmp_path)) == 5


_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_LINK = re.compile(r"(?<!\\)!?\[[^\]\n]*\]\(\s*(?:https?:|javascript:|data:|//)", re.IGNORECASE)


def _markdown_links(text: str) -> list[str]:
    """Markdown links and images outside code spans (what the browser would render as <a> or
    <img>)."""
    return _LINK.findall(_CODE_SPAN.sub("", text))


def test_link_values_cannot_put_links_or_images_into_the_apps_messages():
    """A shared link is text anyone can write. Its values are shown back in warnings and errors
    (markdown): a value must appear as text, never as a clickable link ("Sign in again") or an
    image fetched from another site."""
    assert _markdown_links("a [x](https://e.example) b") and not _markdown_links(
        "a `[x](https://e.example)` b") and not _markdown_links(r"\[x](https://e.example)")
    payloads = {"hidden": "[Sign in again](https://evil.example/login)",
                "src": "![pixel](https://evil.example/p.png)",
                "T": "x` [click here](https://evil.example) `"}
    at = new_app(payloads)
    at.run(timeout=TIMEOUT)
    at2 = new_app({"src": "numbers", "nums": "[Sign in](https://evil.example)"})
    at2.run(timeout=TIMEOUT)
    rendered = [m for a in (at, at2) for kind in messages(a).values() for m in kind]
    rendered += texts(at.markdown) + texts(at.caption) + texts(at2.markdown) + texts(at2.caption)
    assert any("evil.example" in m for m in rendered), "the values are reported at all"
    injected = [(m, _markdown_links(m)) for m in rendered if _markdown_links(m)]
    assert not injected, "markdown from a link is rendered:\n" + "\n".join(
        f"{links} in {m!r}" for m, links in injected)


# ---------------------------------------------------------------------------------------------
# (d) server settings
# ---------------------------------------------------------------------------------------------

def test_streamlit_config_limits_uploads_and_sends_no_usage_statistics():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli", reason="tomllib is Python 3.11+; pip install tomli")
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    size = config.get("server", {}).get("maxUploadSize")
    assert isinstance(size, int) and not isinstance(size, bool), size
    # Large enough for every file the parsers accept (so their messages, not Streamlit's, say
    # what is wrong), small enough to protect the server (Streamlit's default is 200 MB).
    assert MAX_BYTES <= size * 2**20 <= 50 * 2**20, size
    assert config.get("browser", {}).get("gatherUsageStats") is False


# ---------------------------------------------------------------------------------------------
# (e) the core's validation under fuzzing
# ---------------------------------------------------------------------------------------------

_DTYPES = [np.bool_, np.int8, np.int64, np.uint8, np.uint64, np.float16, np.float32,
           np.float64, np.longdouble, np.complex64, np.complex128, "U3", "S2", "M8[s]",
           "m8[s]"]
_SHAPES = hs.one_of(
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
    hnp.array_shapes(min_dims=5, max_dims=32, min_side=1, max_side=1),  # huge rank, one cell
    hs.sampled_from([(2, 1, 3), (1, 3), (3, 2, 3), (2, 3), (1, 1, 3), (0, 1, 3), (2, 0, 3)]),
)


@hs.composite
def _numeric_arrays(draw, shapes=_SHAPES):
    dtype = np.dtype(draw(hs.sampled_from(_DTYPES)))
    return draw(hnp.arrays(dtype, draw(shapes)))


_OBJECT_ITEMS = hs.one_of(hs.none(), hs.integers(), hs.floats(), hs.text(max_size=3),
                          hs.complex_numbers(), hs.booleans())


@hs.composite
def _object_arrays(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    return draw(hnp.arrays(object, shape, elements=_OBJECT_ITEMS))


_JUNK = hs.one_of(
    hs.none(), hs.booleans(), hs.integers(), hs.integers(min_value=2**70),
    hs.floats(), hs.complex_numbers(), hs.text(max_size=5), hs.binary(max_size=5),
    hs.lists(hs.floats(), max_size=4),
    hs.lists(hs.lists(hs.floats(), max_size=3), max_size=3),  # ragged nested lists
    hs.dictionaries(hs.text(max_size=3), hs.integers(), max_size=2),
    hs.tuples(hs.integers(), hs.text(max_size=2)),
)
ANYTHING = hs.one_of(_numeric_arrays(), _object_arrays(), _JUNK)


def _works_or_value_error(fn, *args, **kwargs) -> None:
    """Call fn; only ValueError (and its subclasses) may come out."""
    try:
        with np.errstate(all="ignore"):
            fn(*args, **kwargs)
    except ValueError:
        pass
    except Exception as err:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{getattr(fn, '__qualname__', fn)} raised {type(err).__name__}: {err} "
                    f"(expected success or ValueError) for args {args!r:.600}")


CELLS = {"rnn": lambda **kw: rnn_core.RNN(3, 4, **kw),
         "lstm": lambda **kw: rnn_core.LSTM(3, 4, **kw),
         "gru": lambda **kw: rnn_core.GRU(3, 4, **kw)}
VARIANTS = [{}, {"batch_first": True}, {"bidirectional": True, "num_layers": 2}]
_X = np.random.default_rng(0).standard_normal((2, 1, 3))  # (T, B, D)


@pytest.mark.parametrize("cell", list(CELLS))
@given(x=ANYTHING, state=hs.one_of(hs.none(), ANYTHING, hs.tuples(ANYTHING, ANYTHING)),
       variant=hs.sampled_from(VARIANTS))
def test_forward_of_anything_works_or_raises_value_error(cell, x, state, variant):
    model = CELLS[cell](**variant)
    _works_or_value_error(model.forward, x)
    _works_or_value_error(model.forward, _X, state)


@pytest.mark.parametrize("cell", list(CELLS))
@given(grad=ANYTHING, grad_n=hs.one_of(hs.none(), ANYTHING, hs.tuples(ANYTHING, ANYTHING)),
       variant=hs.sampled_from(VARIANTS))
def test_backward_of_anything_works_or_raises_value_error(cell, grad, grad_n, variant):
    model = CELLS[cell](**variant)
    _works_or_value_error(model.backward, grad)  # before any forward
    x = _X.transpose(1, 0, 2) if variant.get("batch_first") else _X
    model.forward(x)
    _works_or_value_error(model.backward, grad, grad_n)


_KEYS = hs.one_of(hs.sampled_from(list(rnn_core.RNN(3, 4).param_shapes()) + ["weight", "bias"]),
                  hs.text(max_size=4), hs.integers(), hs.none(), hs.tuples(hs.integers()))


@pytest.mark.parametrize("cell", list(CELLS))
@given(values=hs.dictionaries(_KEYS, ANYTHING, max_size=6), junk=_JUNK, swap=hs.booleans())
def test_load_state_dict_of_anything_works_or_raises_value_error(cell, values, junk, swap):
    model = CELLS[cell]()
    good = model.state_dict()
    # arbitrary values under the right names, the right dict with some entries replaced, junk
    _works_or_value_error(model.load_state_dict, {**good, **values} if swap else values)
    _works_or_value_error(model.load_state_dict, junk)
    assert set(model.params) == set(good)


@given(x=ANYTHING, state=hs.one_of(hs.dictionaries(_KEYS, ANYTHING, max_size=3), _JUNK),
       grad=ANYTHING)
@example(x=np.ones((2, 3), np.int8), state={"weight": np.zeros((2, 3)), 1: None},  # mixed keys
         grad=np.ones((2, 2), complex))
def test_linear_of_anything_works_or_raises_value_error(x, state, grad):
    lin = rnn_core.Linear(3, 2)
    _works_or_value_error(lin.forward, x)
    _works_or_value_error(lin.load_state_dict, state)
    lin.forward(np.ones((2, 3)))
    _works_or_value_error(lin.backward, grad)


@given(a=ANYTHING, b=ANYTHING, reduction=hs.sampled_from(["mean", "sum", "none", 3]))
@example(a=None, b=None, reduction="mean")
@example(a=np.array([[None, 1.0]], dtype=object), b=np.array([0]), reduction="sum")
@example(a=np.array([[1 + 2j, 0j]]), b=np.array([1]), reduction="mean")
@example(a=np.array(["a", "b"]), b=np.array(["c", "d"]), reduction="mean")
def test_losses_of_anything_work_or_raise_value_error(a, b, reduction):
    _works_or_value_error(rnn_core.cross_entropy, a, b, reduction)
    _works_or_value_error(rnn_core.mse, a, b, reduction)
    logits = np.zeros((2, 3))
    _works_or_value_error(rnn_core.cross_entropy, logits, b)  # good logits, any target
    _works_or_value_error(rnn_core.cross_entropy, a, np.zeros(2, dtype=np.int64))
    _works_or_value_error(rnn_core.mse, logits, b)


# ---------------------------------------------------------------------------------------------
# (f) uploads that must be refused
# ---------------------------------------------------------------------------------------------

def _npy_object() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([1, "a", None], dtype=object), allow_pickle=True)  # a pickle inside
    return buf.getvalue()


def _npz_object() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, weight_ih_l0=np.array([{"x": 1}], dtype=object))
    return buf.getvalue()


UPLOADS = {  # name: (widget key, file name, bytes, mime, message key, text the message names)
    "oversized": ("w_upload_file", "big.csv", b"1\n" * (MAX_BYTES // 2 + 1), "text/csv",
                  "data.too_large", f"{MAX_BYTES:,}"),
    "empty": ("w_upload_file", "empty.csv", b"", "text/csv", "data.empty", ""),
    "binary_as_csv": ("w_upload_file", "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff",
                      "text/csv", "data.encoding", "byte 1 "),
    "utf16_csv": ("w_upload_file", "excel.csv", "a,b\n1,2\n3,4\n".encode("utf-16"), "text/csv",
                  "data.encoding", "UTF-8"),
    "npy_object_pickle": ("w_upload_file", "x.npy", _npy_object(), "application/octet-stream",
                          "data.bad_dtype", "object"),
    "weights_npz_pickle": ("w_weights_file", "w.npz", _npz_object(), "application/zip",
                           "wt.pickle", "weight_ih_l0"),
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_a_bad_upload_is_refused_with_its_reason_and_the_settings_stay(name):
    key, file_name, data, mime, msg_key, detail = UPLOADS[name]
    at = new_app({"hidden": "37", "T": "31"})
    at.run(timeout=TIMEOUT)
    if key == "w_upload_file":
        at.selectbox(key="w_source").set_value("csv").run(timeout=TIMEOUT)
    before = app_config(at)
    at.file_uploader(key=key).set_value((file_name, data, mime)).run(timeout=TIMEOUT)
    assert not at.exception, at.exception[0].message
    errors = texts(at.error)
    assert any(fragment(msg_key) in e and detail in e for e in errors), (msg_key, detail, errors)
    assert app_config(at) == before
    assert (before.hidden_size, before.seq_len) == (37, 31)
    assert "rnnx_upload" not in at.session_state and "rnnx_weights" not in at.session_state
    at.switch_page("pages/2_recurrence.py").run(timeout=TIMEOUT)  # and the views still work
    assert not at.exception, at.exception[0].message
    assert app_config(at) == before


def test_the_upload_cases_cover_what_the_brief_lists():
    assert len(UPLOADS["oversized"][2]) > MAX_BYTES
    assert UPLOADS["utf16_csv"][2][:2] in (b"\xff\xfe", b"\xfe\xff")
    assert FIELDS["hidden_size"].hi == 1024 and FIELDS["seq_len"].hi == 2000
