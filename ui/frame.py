"""`frame()`: what every page shares. Its first line on every page: `cfg = ui.frame("page")`.

It sets the page up, draws the shared sidebar (language, navigation, configuration, share link),
reads the URL into the configuration on a fresh session, writes the configuration back to the
URL on every run (Streamlit clears query parameters on a page switch), and returns the frozen
configuration. The configuration lives in `st.session_state[CFG_KEY]`, not in widget keys: a
widget's state is dropped when the page that drew it is left.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import fields, replace
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from . import config as C
from .data_input import MAX_BYTES, DataError, parse_csv, parse_npy, parse_numbers
from .export_data import ConfigFileError, config_from_json, config_json
from .i18n import LANG_NAMES, LANGS, STRINGS, translate
from .weights_input import check_against, infer_sizes, parse_weights_npz

CFG_KEY = "rnnx_config"
LANG_KEY = "rnnx_lang"
UPLOAD_KEY = "rnnx_upload"  # (digest, file name, array (T, D))
WEIGHTS_KEY = "rnnx_weights"  # (digest, file name, state dict)
WEIGHTS_NONCE = "rnnx_weights_nonce"  # bumped to give the weights uploader a new, empty widget
REFUSED_KEY = "rnnx_refused"  # {"upload" or "weights": (digest, DataError)}: not parsed again
URL_KEY = "rnnx_url_initial"  # the query parameters the session was opened with
WARN_KEY = "rnnx_url_warnings"
PAGE_KEY = "rnnx_page_state"  # {"page_name": value} of page-only controls
SHARE_KEY = "rnnx_share_slot"
PAGE_NAME_KEY = "rnnx_page"
W = "w_"  # prefix of the sidebar widgets' keys

ROOT = Path(__file__).resolve().parent.parent
# Every view: (page file, translation key, url path, one-line description key). A view whose
# file is not there yet is listed as coming next; the numbers in file names only order them.
ALL_VIEWS = (
    ("pages/1_data_flow.py", "nav.data_flow", "data_flow", "view.data_flow"),
    ("pages/2_recurrence.py", "nav.recurrence", "recurrence", "view.recurrence"),
    ("pages/3_gradients.py", "nav.gradients", "gradients", "view.gradients"),
    ("pages/4_architectures.py", "nav.architectures", "architectures", "view.architectures"),
    ("pages/5_encoder_decoder.py", "nav.encoder_decoder", "encoder_decoder",
     "view.encoder_decoder"),
    ("pages/6_training.py", "nav.training", "training", "view.training"),
)
_READY = [v for v in ALL_VIEWS if (ROOT / v[0]).exists()]
PAGES = (("app.py", "nav.home", ""),) + tuple((f, k, p) for f, k, p, _ in _READY)
COMING = tuple(k for f, k, _, _ in ALL_VIEWS if not (ROOT / f).exists())
VIEWS = tuple((f if (ROOT / f).exists() else "", k, d) for f, k, _, d in ALL_VIEWS)


# ---------------------------------------------------------------------------------------------
# language
# ---------------------------------------------------------------------------------------------

def lang() -> str:
    return st.session_state.get(LANG_KEY, "en")


def t(key: str, **params) -> str:
    """The current language's string for `key`."""
    return translate(key, lang(), **params)


# Learner text in markdown (st.error, st.warning, st.caption render it) must show as written.
# A backslash goes before every character that can start a construct inside one line of a
# paragraph: links and images need "[", HTML and <autolinks> "<", code "`", emphasis and
# strikethrough "*" "~" and a "_" that is not between two letters or digits (inside a word it
# never is emphasis: weight_ih_l0 stays as typed), LaTeX "$", entities "&", headings "#",
# quotes ">"; and before a list marker or a rule ("- ", "1. ", "---") at the start, where it
# would open the message. A backslash does not stop GFM's bare-URL links (remark-gfm finds them
# in the text after the escapes are gone: measured in Chromium with Streamlit 1.67), so an
# invisible word joiner goes after every ":" and "@" and after "www", where a URL or an e-mail
# address cannot hold it: "https:<WJ>//x", "a@<WJ>x.org" and "www<WJ>.x.org" are text, and so
# are Streamlit's ":red[...]" and ":smile:". Control and other invisible characters are shown
# as escapes (\n, \u202e), which keeps the text on one line, where no other block (setext
# heading, table, footnote, code fence) can start.
_ESCAPE = frozenset("\\`*[]()<>|~$&#")
_JOINER = "\u2060"  # WORD JOINER: zero width, and not a character a URL or an e-mail may hold
_WWW_COLON_AT = re.compile("www|[:@]", re.IGNORECASE)
_LEADING_MARKER = re.compile(r"^(?:[-+](?=[\s-]|$)|\d{1,9}\.(?=\s|$))")
SHOW_CHARS = 80  # a longer value is cut, with "..." after it


def md_escape(value, limit: int = SHOW_CHARS) -> str:
    """`value` as markdown that shows it as written (less the cut past `limit` characters): for
    every string a learner supplied that a message shows (a setting's name or value, a file
    name, a URL parameter, a CSV header or cell, pasted text, a character of a text)."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)
    out = []
    for i, c in enumerate(text):
        if c in _ESCAPE or (c == "_" and not (0 < i < len(text) - 1 and text[i - 1].isalnum()
                                              and text[i + 1].isalnum())):
            out.append("\\")
        out.append(c)
    text = "".join(out)
    marker = _LEADING_MARKER.match(text)
    if marker:  # escape its last character: "\- x", "\---", "1\. x"
        text = text[:marker.end() - 1] + "\\" + text[marker.end() - 1:]
    return _WWW_COLON_AT.sub(lambda m: m.group() + _JOINER, text)


class _Escaped(str):
    """md_escape's result where a template quotes it with {value!r}: repr() would double every
    backslash (an escaped "\\[" turns into a raw "[") and spell the word joiner out."""

    def __repr__(self) -> str:
        return f"'{self}'"


def message(err: Exception, **params) -> str:
    """A translated message for a ConfigError or DataError, or the error's own text. Every
    string the error carries is escaped (md_escape), since st.error and st.warning render
    markdown and its values and names come from a link, a file or a paste. `params` (field,
    kept) are the app's own words, or escaped by the caller."""
    def safe(values: dict) -> dict:
        return {k: _Escaped(md_escape(v)) if isinstance(v, str) and k != "where_key" else v
                for k, v in values.items()}

    if isinstance(err, DataError):  # where_key names a template: {where} is filled from it
        return DataError(err.key, **safe(err.params)).message(lang())
    key = getattr(err, "key", None)
    if key in STRINGS:
        try:
            return t(key, **{**safe(getattr(err, "params", {})), **params})
        except (KeyError, IndexError, ValueError):
            pass
    return md_escape(str(err), limit=400)


# ---------------------------------------------------------------------------------------------
# session and URL
# ---------------------------------------------------------------------------------------------

def _init_session() -> None:
    """On a fresh session, read the URL: configuration, language and page controls."""
    ss = st.session_state
    if CFG_KEY in ss:
        return
    params = {k: st.query_params[k] for k in st.query_params}
    ss[URL_KEY] = params
    cfg, problems = C.from_query(params)
    warnings = [(p, v, err) for p, v, err in problems]
    cfg = _within_budget(cfg, warnings)
    ss[CFG_KEY] = cfg
    lang_param = params.get("lang", "en")
    if lang_param in LANGS:
        ss[LANG_KEY] = lang_param
    else:
        ss[LANG_KEY] = "en"
        warnings.append(("lang", lang_param, C.ConfigError("err.choice", value=lang_param,
                                                          allowed=", ".join(LANGS))))
    ss[WARN_KEY] = warnings
    ss[PAGE_KEY] = {}


def _within_budget(cfg: C.Config, warnings: list) -> C.Config:
    """`cfg`, or `cfg` with the default sizes (and a warning) when a link or a file asks for
    a run that needs more bytes than the per-run budget."""
    data = upload_data()
    T = C.data_steps(cfg, None if data is None else data.shape[0])
    D = C.data_width(cfg, None if data is None else data.shape[1])
    cfg, over = C.within_budget(cfg, T, "err.budget_link", D)
    if over is not None:
        warnings.append(over)
    return cfg


RESERVED = {spec.url for spec in C.FIELDS.values()} | {"lang"}  # names page controls can't take


def url_params(cfg: C.Config) -> dict[str, str]:
    """The configuration, language and this page's controls as query parameters."""
    params = C.to_query(cfg)
    if lang() != "en":
        params["lang"] = lang()
    page = st.session_state.get(PAGE_NAME_KEY, "")
    for name, value in st.session_state.get(PAGE_KEY, {}).get(page, {}).items():
        if name in RESERVED:
            raise ValueError(f"page control {name!r}: expected a name that is not a "
                             f"configuration parameter ({sorted(RESERVED)}), got a clash")
        params[name] = str(value)
    return params


def _write_url(cfg: C.Config, share: bool = True) -> None:
    params = url_params(cfg)
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)
    slot = st.session_state.get(SHARE_KEY)
    if share and slot is not None:
        with slot.container():
            base = _page_url()
            query = urlencode(params)
            st.code(f"{base}?{query}" if query else base, language=None, wrap_lines=True)


def _page_url() -> str:
    try:
        url = st.context.url or ""
    except Exception:  # noqa: BLE001 - no browser context (tests): a relative link will do
        url = ""
    url = url.split("?", 1)[0]
    if url:
        return url
    page = st.session_state.get(PAGE_NAME_KEY, "")
    path = next((p for f, _, p in PAGES if p == page), "")
    return "/" + path


def _from_url(name: str, default, lo, hi, parse):
    """A page control's first value: from the URL when the session was opened with it, else
    `default`; a value `parse` refuses or outside [lo, hi] warns and gives `default`."""
    ss = st.session_state
    raw = ss[URL_KEY].pop(name, None) if ss.get(URL_KEY) else None
    if raw is None:
        return default
    try:
        value = parse(raw)
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ValueError
        return value
    except (ValueError, OverflowError):
        st.warning(t("err.url", param=name, value=md_escape(raw),
                     reason=t("err.range", field=name, value=md_escape(raw), lo=lo, hi=hi,
                              kept=default)))
        return default


def page_int(name: str, default: int, lo: int, hi: int) -> int:
    """A page-only integer (the step, a unit), kept for the session, read from the URL when the
    session was opened on this page (a bad value warns and falls back), written to the URL."""
    ss = st.session_state
    page = ss.get(PAGE_NAME_KEY, "")
    store = ss[PAGE_KEY].setdefault(page, {})
    if name not in store:
        store[name] = _from_url(name, default, lo, hi, int)
    store[name] = min(max(int(store[name]), lo), hi)  # the data may have shrunk since
    return store[name]


def set_page_int(name: str, value: int) -> None:
    page = st.session_state.get(PAGE_NAME_KEY, "")
    st.session_state[PAGE_KEY].setdefault(page, {})[name] = int(value)


def _page_widget(name: str, default: int, lo: int, hi: int) -> str:
    """Seed a page control's widget key from the page's stored value; return the key."""
    value = page_int(name, default, lo, hi)
    key = f"{W}{st.session_state.get(PAGE_NAME_KEY, '')}_{name}"
    current = st.session_state.get(key)
    if current is None or not lo <= current <= hi or current != value:
        st.session_state[key] = value
    return key


def _store_from(key: str, name: str) -> None:
    set_page_int(name, st.session_state[key])


def page_slider(name: str, label: str, lo: int, hi: int, default: int, **kwargs) -> int:
    """A slider for a page-only integer kept in the session and the URL."""
    if hi <= lo:  # a one-step range: a slider cannot show it
        set_page_int(name, lo)
        return lo
    key = _page_widget(name, default, lo, hi)
    value = st.slider(label, lo, hi, key=key, on_change=_store_from, args=(key, name),
                      **kwargs)
    set_page_int(name, value)
    return value


def page_number(name: str, label: str, lo: int, hi: int, default: int, **kwargs) -> int:
    """A number input for a page-only integer kept in the session and the URL."""
    key = _page_widget(name, default, lo, hi)
    value = st.number_input(label, min_value=lo, max_value=hi, step=1, key=key,
                            on_change=_store_from, args=(key, name), **kwargs)
    set_page_int(name, value)
    return int(value)


def page_select(name: str, label: str, options: list, default: int = 0, **kwargs):
    """A selectbox whose chosen index is a page-only integer kept in the session and URL."""
    key = _page_widget(name, default, 0, len(options) - 1)
    index = st.selectbox(label, range(len(options)), key=key,
                         format_func=lambda i: str(options[i]), on_change=_store_from,
                         args=(key, name), **kwargs)
    set_page_int(name, index)
    return index


def _store_float(key: str, name: str) -> None:
    page = st.session_state.get(PAGE_NAME_KEY, "")
    st.session_state[PAGE_KEY].setdefault(page, {})[name] = float(st.session_state[key])


def page_float(name: str, label: str, lo: float, hi: float, default: float, step: float,
               **kwargs) -> float:
    """A slider for a page-only number kept in the session and the URL (a bad value in the
    URL warns and falls back to the default)."""
    ss = st.session_state
    page = ss.get(PAGE_NAME_KEY, "")
    store = ss[PAGE_KEY].setdefault(page, {})
    if name not in store:
        store[name] = float(_from_url(name, default, lo, hi, float))
    key = f"{W}{page}_{name}"
    if ss.get(key) != store[name]:
        ss[key] = float(store[name])
    value = st.slider(label, float(lo), float(hi), step=float(step), key=key,
                      on_change=_store_float, args=(key, name), **kwargs)
    store[name] = float(value)
    return float(value)


def layer_direction(cfg: C.Config, columns=None) -> tuple[int, int]:
    """Pickers for which layer and direction a view shows, when there is a choice (stacked or
    bidirectional); (0, 0) otherwise. `columns`: two containers to draw them in (default: a
    new row of two columns)."""
    K = 2 if cfg.bidirectional else 1
    layer = direction = 0
    if cfg.num_layers == 1 and K == 1:
        return layer, direction
    c1, c2 = columns if columns is not None else st.columns(2)
    if cfg.num_layers > 1:
        with c1:
            layer = page_select("layer", t("df.layer"), list(range(cfg.num_layers)))
    if K > 1:
        with c2:
            direction = page_select("dir", t("df.direction"), [t("df.forward"),
                                                               t("df.backward")])
    return layer, direction


def finish(cfg: C.Config, share: bool = True) -> None:
    """Write the URL and the share link once the page has set its own controls.

    A page whose step controls live in a fragment calls finish(cfg) at the end of the fragment
    and finish(cfg, share=False) after it: the fragment then redraws the sidebar's link on its
    own reruns (Streamlit >= 1.67 lets a fragment write into a container the full run made),
    and the link never shows the previous step. The page-level call has nothing newer to
    show, so it writes only the URL."""
    _write_url(cfg, share)


# ---------------------------------------------------------------------------------------------
# widgets
# ---------------------------------------------------------------------------------------------

def _sync_widgets(cfg: C.Config) -> None:
    """Set every sidebar widget to `cfg` (only from callbacks, before widgets are drawn)."""
    for f in fields(C.Config):
        if f.name not in ("upload", "weights"):
            st.session_state[W + f.name] = getattr(cfg, f.name)


def _apply_preset() -> None:
    cfg = st.session_state[CFG_KEY]
    source = cfg.source if cfg.source not in C.DATA_SOURCES else "sine"
    cfg = replace(cfg, input_size=100, hidden_size=256, output_size=10, source=source)
    st.session_state[CFG_KEY] = cfg
    _sync_widgets(cfg)


def _load_settings() -> None:
    """Callback: apply a settings file (config_from_json never raises: a bad file, or a bad
    value in it, comes back as problems shown like a link's; the rest applies)."""
    ss = st.session_state
    file = ss.get(W + "config_file")
    if file is None:
        return
    cfg, problems = config_from_json(file.getvalue())  # sizes over the budget fall back there
    if any(isinstance(err, ConfigFileError) and name == "" for name, _, err in problems):
        ss[WARN_KEY] = list(problems)  # the file was refused whole: keep every setting
        return
    _forget_weights()
    ss[CFG_KEY] = cfg
    ss[WARN_KEY] = list(problems)
    _sync_widgets(cfg)


def _reset() -> None:
    _forget_weights()
    st.session_state[CFG_KEY] = C.DEFAULT
    st.session_state[WARN_KEY] = []
    _sync_widgets(C.DEFAULT)


class _Form:
    """Draws the configuration widgets and collects the values that pass their checks."""

    def __init__(self, cfg: C.Config):
        self.old = cfg
        self.values: dict = {}

    def _seed(self, name: str) -> str:
        key = W + name
        if key not in st.session_state:
            st.session_state[key] = getattr(self.old, name)
        else:  # widget ids include the page: re-assert the value so a page switch keeps it
            st.session_state[key] = st.session_state[key]
        return key

    def _take(self, name: str, raw) -> None:
        try:
            self.values[name] = C.check_value(name, raw)
        except C.ConfigError as err:
            st.error(message(err, field=t("field." + name), kept=getattr(self.old, name)))

    def number(self, name: str, *, disabled_value=None, fmt: str | None = None,
               step=None) -> None:
        spec = C.FIELDS[name]
        help_key = "help." + name
        kwargs = dict(help=t(help_key) if help_key in STRINGS else None)
        if disabled_value is not None:
            st.session_state[W + name + "_data"] = int(disabled_value)  # value= counts once
            st.number_input(t("field." + name), disabled=True, key=W + name + "_data",
                            step=1, **kwargs)
            st.caption(t("side.set_by_data", value=disabled_value))
            return
        key = self._seed(name)
        if spec.kind is int:
            st.session_state[key] = int(st.session_state[key])
        else:
            st.session_state[key] = float(st.session_state[key])
        value = st.number_input(t("field." + name), key=key,
                                step=step or (1 if spec.kind is int else 0.05),
                                format=fmt, **kwargs)
        self._take(name, value)

    def select(self, name: str, options: tuple) -> None:
        key = self._seed(name)
        lg = lang()  # bound now: AppTest calls format_func between runs, outside this session
        value = st.selectbox(t("field." + name), options, key=key,
                             format_func=lambda o: translate("opt." + o, lg))
        self._take(name, value)

    def checkbox(self, name: str) -> None:
        key = self._seed(name)
        self._take(name, st.checkbox(t("field." + name), key=key))

    def text(self, name: str, height: int = 120) -> str | None:
        key = self._seed(name)
        value = st.text_area(t("field." + name), key=key, height=height)
        try:
            value = C.check_value(name, value)
        except C.ConfigError as err:
            st.error(message(err, field=t("field." + name), kept=""))
            return None
        return value


def _sidebar(cfg: C.Config) -> C.Config:
    """Draw the configuration widgets; return the configuration they give, or `cfg` where a
    value was refused (the refusal is shown next to its widget)."""
    form = _Form(cfg)
    data_T = data_D = None
    with st.expander(t("side.sequence"), expanded=True):
        form.select("source", C.SOURCES)
        source = form.values.get("source", cfg.source)
        if source == "text":
            text = form.text("text", height=80)
            if text is not None and len(text) == 0:
                st.error(t("err.empty_text", field=t("field.text")))
            elif text is not None:
                form.values["text"] = text
            data_text = form.values.get("text", cfg.text)
            data_T, data_D = len(data_text), len(set(data_text))
        elif source == "numbers":
            text = form.text("numbers", height=140)
            if text is not None:
                try:
                    parse_numbers(text)
                    form.values["numbers"] = text
                except DataError as err:
                    st.error(message(err))
            try:
                data_T, data_D = parse_numbers(form.values.get("numbers", cfg.numbers)).shape
            except DataError:
                data_T, data_D = parse_numbers(C.DEFAULT.numbers).shape
                form.values["numbers"] = C.DEFAULT.numbers
        elif source == "csv":
            data_T, data_D = _upload(form)
        if source in ("sine", "square", "sawtooth"):
            form.number("freq", fmt="%.3f", step=0.01)
            form.number("amplitude")
            form.number("phase")
            form.number("noise")
        elif source in ("noise", "random_walk"):
            form.number("amplitude")
        elif source == "impulse":
            form.number("impulse_step")
            form.number("amplitude")
        form.number("seq_len", disabled_value=data_T)
        form.number("batch_size")
    with st.expander(t("side.model"), expanded=True):
        form.number("input_size", disabled_value=data_D)
        form.number("hidden_size")
        form.number("output_size")
        form.number("num_layers")
        form.checkbox("bidirectional")
        form.select("nonlinearity", C.NONLINEARITIES)
        form.select("init", C.INITS)
        form.number("radius", fmt="%.2f", step=0.05)
        form.number("seed")
    with st.expander(t("side.state"), expanded=False):
        form.select("h0", C.H0_MODES)
        if form.values.get("h0", cfg.h0) == "constant":
            form.number("h0_value")
    new = replace(cfg, **form.values)
    with st.expander(t("wt.title"), expanded=bool(cfg.weights)):
        new = _weights(new, data_D)
    T = data_T if data_T is not None else new.seq_len
    if new.source == "impulse" and new.impulse_step >= T:
        st.error(t("err.range", field=t("field.impulse_step"), value=new.impulse_step, lo=0,
                   hi=T - 1, kept=min(cfg.impulse_step, T - 1)))
        new = replace(new, impulse_step=min(cfg.impulse_step, T - 1))
    over = C.budget_params(new, T, data_D if data_D is not None else new.input_size)
    if over is not None:  # the estimate and the limit, in bytes (rnn_core.memory)
        st.error(t("err.budget", **over))
        return cfg
    return new


def _upload(form: _Form):
    """The upload widget; returns (T, D) of the data in use, or (None, None)."""
    ss = st.session_state
    file = st.file_uploader(t("field.upload"), type=["csv", "tsv", "txt", "npy"],
                            key=W + "upload_file")
    if file is not None:
        data = file.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:16]
        current = ss.get(UPLOAD_KEY)
        refused = ss.setdefault(REFUSED_KEY, {}).get("upload")
        if refused is not None and refused[0] == digest:  # refused before: say so again
            st.error(message(refused[1]))
        elif current is None or current[0] != digest:
            from .data_input import MAX_COLS, MAX_ROWS

            try:
                if len(data) > MAX_BYTES:
                    raise DataError("data.too_large", size=len(data), limit=MAX_BYTES)
                if file.name.lower().endswith(".npy"):
                    arr = parse_npy(data)
                else:
                    arr, _names = parse_csv(data)
                ss[UPLOAD_KEY] = (digest, file.name, arr)
            except (DataError, MemoryError) as err:
                if isinstance(err, MemoryError):  # the server's memory, not the file's fault
                    err = DataError("up.data_memory", limit=MAX_BYTES, rows=MAX_ROWS,
                                    cols=MAX_COLS)
                ss[REFUSED_KEY]["upload"] = (digest, err)
                st.error(message(err))
    else:
        refused = ss.get(REFUSED_KEY, {}).get("upload")
        if refused is not None and refused[1].key == "up.data_memory":
            del ss[REFUSED_KEY]["upload"]  # removed: there may be memory for it next time
    current = ss.get(UPLOAD_KEY)
    if current is None:
        st.info(t("side.upload_none"))
        return None, None
    digest, name, arr = current
    form.values["upload"] = digest
    st.caption(t("side.upload_ok", name=md_escape(name), rows=arr.shape[0], cols=arr.shape[1]))
    return arr.shape


def _expected_shapes(cfg: C.Config, D: int) -> dict[str, tuple]:
    """The parameter shapes a configuration needs, RNN and output layer (torch's names)."""
    H, K = cfg.hidden_size, 2 if cfg.bidirectional else 1
    shapes = {}
    for layer in range(cfg.num_layers):
        for k in range(K):
            sfx = f"_l{layer}{'_reverse' if k else ''}"
            shapes.update({"weight_ih" + sfx: (H, D if layer == 0 else K * H),
                           "weight_hh" + sfx: (H, H), "bias_ih" + sfx: (H,),
                           "bias_hh" + sfx: (H,)})
    return shapes


def _adopt(sizes: dict) -> None:
    """Callback: take the uploaded file's sizes into the configuration."""
    ss = st.session_state
    cfg = ss[CFG_KEY]
    source = cfg.source if cfg.source not in C.DATA_SOURCES else "sine"
    changes = {k: v for k, v in sizes.items() if k != "bias"}
    bad = []
    for name, value in changes.items():
        try:
            C.check_value(name, value)
        except C.ConfigError as err:
            bad.append((C.FIELDS[name].url, str(value), err))
    if bad:  # the file's sizes are past the app's limits: say which, change nothing
        ss[WARN_KEY] = bad
        return
    new = replace(cfg, source=source, weights=ss[WEIGHTS_KEY][0], **changes)
    warnings: list = []
    if _within_budget(new, warnings) is not new:
        ss[WARN_KEY] = warnings
        return
    ss[CFG_KEY] = new
    _sync_widgets(new)


def _forget_weights() -> None:
    """Drop the uploaded weights, and the file from the uploader: a file still in the widget
    would be read again on the next run and bring them back. A file uploader's value cannot be
    set, so the next run draws a new widget (a new key) that holds nothing."""
    ss = st.session_state
    if ss.pop(WEIGHTS_KEY, None) is not None or ss.get(_weights_widget()) is not None:
        ss[WEIGHTS_NONCE] = ss.get(WEIGHTS_NONCE, 0) + 1


def _weights_widget() -> str:
    n = st.session_state.get(WEIGHTS_NONCE, 0)
    return W + "weights_file" + (f"_{n}" if n else "")


def _drop_weights() -> None:
    _forget_weights()
    st.session_state[CFG_KEY] = replace(st.session_state[CFG_KEY], weights="")


def _weights(cfg: C.Config, data_D) -> C.Config:
    """The trained-weights uploader: a state dict that fits the configuration is used instead
    of the seeded weights; one that does not says what differs and offers its own sizes."""
    ss = st.session_state
    st.caption(t("wt.help"))
    file = st.file_uploader(t("wt.file"), type=["npz"], key=_weights_widget())
    D = data_D if data_D is not None else cfg.input_size
    if file is not None:
        data = file.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:16]
        current = ss.get(WEIGHTS_KEY)
        refused = ss.setdefault(REFUSED_KEY, {}).get("weights")
        if refused is not None and refused[0] == digest:  # refused before: say so again
            st.error(message(refused[1]))
            return replace(cfg, weights="")
        if current is None or current[0] != digest:
            from .weights_input import MAX_UNPACKED

            try:
                state = parse_weights_npz(data)
                sizes = infer_sizes(state)
                ss[WEIGHTS_KEY] = (digest, file.name, state, sizes)
            except (DataError, MemoryError) as err:
                if isinstance(err, MemoryError):  # the server's memory, not the file's fault
                    err = DataError("wt.memory", limit=MAX_UNPACKED)
                ss[REFUSED_KEY]["weights"] = (digest, err)
                st.error(message(err))
                return replace(cfg, weights="")
    else:
        refused = ss.get(REFUSED_KEY, {}).get("weights")
        if refused is not None and refused[1].key == "wt.memory":
            del ss[REFUSED_KEY]["weights"]  # removed: there may be memory for it next time
    current = ss.get(WEIGHTS_KEY)
    if current is None:
        return replace(cfg, weights="")
    digest, name, state, sizes = current
    if not sizes["bias"]:
        st.error(t("wt.no_bias", name=md_escape(name)))
        return replace(cfg, weights="")
    expected = _expected_shapes(cfg, D)
    K = 2 if cfg.bidirectional else 1
    if "head.weight" in state:
        expected.update({"head.weight": (cfg.output_size, K * cfg.hidden_size),
                         "head.bias": (cfg.output_size,)})
    problems = check_against(state, expected)
    if problems:
        lines = "; ".join(f"{n}: {t('wt.expected')} {e if e else '—'}, {t('wt.given')} "
                          f"{g if g else '—'}" for n, e, g in problems[:6])
        more = len(problems) - 6
        st.error(t("wt.mismatch", name=md_escape(name),
                   problems=lines + (f" (+{more})" if more > 0 else "")))
        st.button(t("wt.adopt", D=sizes["input_size"], H=sizes["hidden_size"],
                    L=sizes["num_layers"]), on_click=_adopt, args=(sizes,), width="stretch")
        return replace(cfg, weights="")
    st.success(t("wt.using", name=md_escape(name)))
    st.button(t("wt.remove"), on_click=_drop_weights, width="stretch")
    return replace(cfg, weights=digest)


def weights_state():
    """The uploaded state dict in use, or None."""
    current = st.session_state.get(WEIGHTS_KEY)
    cfg = st.session_state.get(CFG_KEY)
    if current is None or cfg is None or cfg.weights != current[0]:
        return None
    return current[2]


def upload_data():
    """The uploaded array (T, D) of this session, or None."""
    current = st.session_state.get(UPLOAD_KEY)
    return None if current is None else current[2]


# ---------------------------------------------------------------------------------------------
# the frame
# ---------------------------------------------------------------------------------------------

def warning_text(param: str, value, err: Exception) -> str:
    """The sidebar's warning for a problem (param, value, error) of a link or a settings file:
    the parameter and the value as given, escaped, and why it was not used. param "": the
    file as a whole."""
    field = next((n for n, spec in C.FIELDS.items() if spec.url == param), None)
    if field is None:  # not a setting: its name is the learner's text
        label, kept = md_escape(param), "en" if param == "lang" else ""
    else:
        label = t("field." + field) if "field." + field in STRINGS else md_escape(param)
        kept = getattr(C.DEFAULT, field)  # the app's own default
    reason = message(err, field=label, kept=kept)
    if not param:
        return reason
    return t("err.url", param=md_escape(param), value=md_escape(value), reason=reason)


def frame(page: str = "") -> C.Config:
    """Set up the page, draw the shared sidebar, and return the configuration."""
    _init_session()
    ss = st.session_state
    if ss.get(W + "lang") in LANGS:  # the switch's new value, before anything is translated
        ss[LANG_KEY] = ss[W + "lang"]
    ss[PAGE_NAME_KEY] = page
    title = t("app.title")
    nav_key = next((k for _, k, p in PAGES if p == page), None)
    if nav_key and page:
        title = f"{t(nav_key).split('·')[-1].strip()} · {title}"
    st.set_page_config(page_title=title, page_icon="🔁", layout="wide")
    with st.sidebar:
        ss[W + "lang"] = ss.get(W + "lang") or lang()  # kept across page switches
        ss[LANG_KEY] = st.segmented_control(t("side.language"), LANGS, key=W + "lang",
                                            format_func=LANG_NAMES.get, required=True) or "en"
        st.markdown(f"**{t('nav.title')}**")
        for file, key, _ in PAGES:
            st.page_link(file, label=t(key))
        for key in COMING:
            st.caption(f"{t(key)} · {t('app.coming')}")
        st.divider()
        warn_slot = st.container()  # filled after the form: a changed setting clears them
        cfg = _sidebar(ss[CFG_KEY])
        if cfg != ss[CFG_KEY]:
            ss[CFG_KEY] = cfg
            ss[WARN_KEY] = []
        with warn_slot:
            for param, value, err in ss.get(WARN_KEY, []):
                st.warning(warning_text(param, value, err))
        st.button(t("side.preset"), help=t("side.preset_help"), on_click=_apply_preset,
                  width="stretch")
        st.button(t("side.reset"), on_click=_reset, width="stretch")
        with st.expander(t("side.share")):
            st.caption(t("side.share_note"))
            ss[SHARE_KEY] = st.empty()
            st.download_button(t("ex.download_config"), config_json(cfg),
                               file_name="rnn_explorer_settings.json",
                               mime="application/json", width="stretch")
            st.file_uploader(t("ex.upload_config"), type=["json"], key=W + "config_file",
                             on_change=_load_settings)
    return cfg
