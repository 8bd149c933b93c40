"""Helpers for the AppTest tests: build the app, open a page, read a chart back as numbers.

A plotly chart reaches the browser as JSON (`el.proto.spec`) in which arrays are stored as
`{"bdata": base64, "dtype": "f8", "shape": "16, 24"}`; `decode` turns every such dict back into
the numpy array it came from, so a test can compare a chart with the core's numbers exactly.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
import streamlit.config
import streamlit.logger
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The "missing ScriptRunContext" warnings are harmless (STREAMLIT-NOTES.md); reading the option
# first makes Streamlit set its loggers up, so the level set next sticks.
streamlit.config.get_option("logger.level")
streamlit.logger.set_log_level("critical")
# A test that fails on an exception shows its message and trace (check_no_exception); the app's
# own config (client.showErrorDetails = "none") withholds both from learners.
streamlit.config.set_option("client.showErrorDetails", "full")

APP = ROOT / "app.py"
PAGES = {"home": None, "data_flow": "pages/1_data_flow.py",
         "recurrence": "pages/2_recurrence.py", "gradients": "pages/3_gradients.py"}
TIMEOUT = 60  # seconds per run: the default 3 s is too short for a cold cache on a slow machine


def new_app(query: dict | None = None) -> AppTest:
    """An AppTest of the whole app (landing page first), not yet run; `query` becomes the URL's
    query parameters of the first run, as a deep link would give them."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at


def open_page(page: str, query: dict | None = None) -> AppTest:
    """Run the landing page once (with `query`), then switch to `page` ("home", "data_flow" or
    "recurrence") and run it: AppTest cannot open a page of a pages/ app directly."""
    at = new_app(query)
    at.run()
    check_no_exception(at)
    if PAGES[page] is not None:
        at.switch_page(PAGES[page]).run()
        check_no_exception(at)
    return at


def deep_link(page: str, query: dict) -> AppTest:
    """A first visit straight to a page with query parameters, as a shared link opens it in a
    fresh session. Switching before the first run makes AppTest start on that page (measured
    with Streamlit 1.67 and the pages/ directory), so app.py does not run first."""
    at = new_app(query)
    at.switch_page(PAGES[page])
    at.run()
    return at


def check_no_exception(at: AppTest) -> None:
    """Fail with the exception's message and stack when the last run raised."""
    if at.exception:
        ex = at.exception[0]
        trace = "\n".join(ex.stack_trace) if getattr(ex, "stack_trace", None) else ""
        raise AssertionError(f"the app raised: {ex.message}\n{trace}")


# ---------------------------------------------------------------------------------------------
# plotly specs
# ---------------------------------------------------------------------------------------------

def _shape(shape) -> tuple[int, ...] | None:
    if shape is None:
        return None
    if isinstance(shape, str):
        return tuple(int(s) for s in shape.split(",") if s.strip())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def decode_array(obj: dict) -> np.ndarray:
    """A plotly typed array {"bdata", "dtype", "shape"?} -> numpy array (little-endian bytes)."""
    raw = base64.b64decode(obj["bdata"])
    arr = np.frombuffer(raw, dtype=np.dtype(obj["dtype"]).newbyteorder("<"))
    shape = _shape(obj.get("shape"))
    return arr.reshape(shape) if shape is not None else arr


def decode(spec):
    """`spec` with every typed array replaced by a numpy array, recursively. Plain JSON lists
    of numbers stay lists (use `as_array` to get an array from either form)."""
    if isinstance(spec, dict):
        if "bdata" in spec and "dtype" in spec:
            return decode_array(spec)
        return {k: decode(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [decode(v) for v in spec]
    return spec


def as_array(value) -> np.ndarray:
    """A trace attribute (typed array already decoded, or a JSON list) as a float array;
    None (JSON null, plotly's gap) becomes NaN."""
    if isinstance(value, np.ndarray):
        return value.astype(float)
    return np.array(value, dtype=object).astype(float)


def element_key(el) -> str | None:
    """The user key an element was drawn with: Streamlit writes it at the end of the element id
    as "$$ID-<hash>-<key>"."""
    key = getattr(el, "key", None)
    if key:
        return key
    elem_id = getattr(el.proto, "id", "")
    if elem_id.startswith("$$ID-"):
        parts = elem_id.split("-", 2)
        if len(parts) == 3 and parts[2] != "None":
            return parts[2]
    return None


def charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart of the last run as {key: decoded figure dict}."""
    out = {}
    for el in at.get("plotly_chart"):
        out[element_key(el)] = decode(json.loads(el.proto.spec))
    return out


def chart(at: AppTest, key: str) -> dict:
    """The decoded figure of the chart drawn with `key`; fails listing the keys there are."""
    found = charts(at)
    if key not in found:
        raise AssertionError(f"no plotly chart with key {key!r}; the page drew {sorted(found)}")
    return found[key]


def trace(fig: dict, name: str) -> dict:
    """The first trace called `name`, in plain notation ("h_t": the chart names it in the
    titles' notation, h<sub>t</sub>, viz.theme.math_text)."""
    from viz.theme import math_text

    for tr in fig["data"]:
        if tr.get("name") in (name, math_text(name)):
            return tr
    raise AssertionError(f"no trace named {name!r}; traces: {[t.get('name') for t in fig['data']]}")


def heatmap_z(tr: dict) -> np.ndarray:
    """A heatmap trace's z as a 2-D float array."""
    z = as_array(tr["z"])
    return z if z.ndim == 2 else z.reshape(len(z), -1)


def step_marker_center(fig: dict) -> float:
    """The x centre of the outline around the current step (viz.recurrence draws it as the one
    rectangle shape with xref "x" spanning the y domain)."""
    boxes = [s for s in fig["layout"].get("shapes", [])
             if s.get("type") == "rect" and s.get("yref") == "y domain"]
    assert len(boxes) == 1, f"expected one step outline, got {boxes}"
    return (boxes[0]["x0"] + boxes[0]["x1"]) / 2


def step_line_x(fig: dict) -> float:
    """The x of the dashed vertical line that marks the current step on a time_lines figure."""
    lines = [s for s in fig["layout"].get("shapes", []) if s.get("type") == "line"]
    assert len(lines) == 1, f"expected one step line, got {lines}"
    return lines[0]["x0"]


# ---------------------------------------------------------------------------------------------
# texts
# ---------------------------------------------------------------------------------------------

def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def app_config(at: AppTest):
    """The configuration the app holds for this session."""
    return at.session_state["rnnx_config"]


def button_by_label(at: AppTest, part: str):
    """The one button whose label contains `part`."""
    found = [b for b in at.button if part in b.label]
    assert len(found) == 1, f"expected one button with {part!r}, got {[b.label for b in at.button]}"
    return found[0]
