"""Downloads of what a view shows: hidden states and gradients as CSV, the configuration as JSON.

Pure functions (pandas, json; no Streamlit): a page hands their result to `st.download_button`.
The configuration file goes back in through `config_from_json`, which reads it as untrusted
text: strict JSON (no eval, no NaN or Infinity, no duplicate names, bounded size, depth and
number length), a known format and version, every value checked by `ui.config` exactly as a
link's parameters are (`from_query`), and every problem reported, never raised.

Axes: T time steps, B batch, H hidden units, L layers, K directions.
CSV layout (one row per layer, direction and step; the views count steps from 1):
    t, [label,] layer, direction, h_0 .. h_{H-1}           hidden_states_csv
    [cell,] t, [label,] layer, direction, dh_0 .. dh_{H-1}  gradients_csv (dh = dL/dh_t)
layer counts from 0 (torch's `_l0`), direction is "forward" or "reverse" (torch's `_reverse`),
label is the character read at step t (text source only), a state that overflowed is NaN.
Numbers are written with Python's shortest round-trip repr: reading the file gives back the
very float64 values.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields

import numpy as np
import pandas as pd

from . import config as C
from .i18n import STRINGS

FORMAT = "rnn-explorer-config"
VERSION = 1
MAX_JSON_BYTES = 400_000  # the longest field (pasted numbers) is 200,000 characters
MAX_DEPTH = 4  # {"config": {...}} needs 2
MAX_NUMBER_CHARS = 40  # a number literal longer than this is not a setting
NOT_IN_FILE = ("upload", "weights")  # session data, not settings: a file cannot carry them

DIRECTIONS = ("forward", "reverse")

# Messages of the configuration file, merged into the app's translation table by the lead
# (ui.i18n): key -> (English, Simplified Chinese). Field values are checked by ui.config and
# reported with its own keys (err.not_int, err.range, ...).
# Its messages and labels: the "ex.*" entries of the translation table (ui/i18n_bring_your_own.py).


class ConfigFileError(C.ConfigError):
    """A problem with a configuration file as a whole or with one of its names. `key` and
    `params` as ConfigError's (the lead merges STRINGS into the translation table); str() is
    the English message, so it reads well before that too."""

    def __init__(self, key: str, **params):
        super().__init__(key, **params)
        self.args = (STRINGS[key][0].format(**params),)

    def message(self, lang: str = "en") -> str:
        return STRINGS[self.key][1 if lang == "zh" else 0].format(**self.params)

    def __str__(self) -> str:
        return self.args[0]


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

def _check_sample(sample, B: int) -> int:
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not \
            0 <= sample < B:
        raise ValueError(f"sample: expected an integer in [0, {B - 1}], got {sample!r}")
    return int(sample)


def _check_labels(labels, T: int) -> list[str] | None:
    if labels is None:
        return None
    labels = [str(s) for s in labels]
    if len(labels) != T:
        raise ValueError(f"labels: expected {T} labels (one per step), got {len(labels)}")
    return labels


def _frame(values: np.ndarray, prefix: str, layer: int, direction: int,
           labels: list[str] | None) -> pd.DataFrame:
    """Rows t = 1..T of one layer-direction; values (T, H)."""
    T, H = values.shape
    head = {"t": np.arange(1, T + 1)}
    if labels is not None:
        head["label"] = labels
    head["layer"] = np.full(T, layer)
    head["direction"] = [DIRECTIONS[direction]] * T
    cols = pd.DataFrame(np.asarray(values, dtype=np.float64),
                        columns=[f"{prefix}_{j}" for j in range(H)])
    return pd.concat([pd.DataFrame(head), cols], axis=1)


def _to_csv(df: pd.DataFrame) -> str:
    # float_format=None keeps repr (round-trip exact); lineterminator fixed so the text is the
    # same on every platform; NaN written as "NaN", which pandas and spreadsheets read back.
    return df.to_csv(index=False, na_rep="NaN", lineterminator="\n")


def hidden_states_csv(run, sample: int = 0) -> str:
    """Every layer's and direction's hidden states h_t of one sample of a `ui.compute.Run` as
    CSV text: columns t, label (text source only), layer, direction, h_0 .. h_{H-1}; rows by
    layer, then direction, then t. Raises ValueError for a sample outside [0, B)."""
    T, B = run.x.shape[:2]
    sample = _check_sample(sample, B)
    labels = _check_labels(run.step_labels, T)
    parts = [_frame(lr.h[:, sample], "h", lr.layer, lr.direction, labels)
             for per_layer in run.layers for lr in per_layer]
    return _to_csv(pd.concat(parts, ignore_index=True))


def gradients_csv(results, sample: int = 0, labels=None) -> str:
    """dL/dh_t of BPTT results (`rnn_core.diagnostics.BPTTResult`) as CSV text.

    results: one BPTTResult, or a mapping cell name -> BPTTResult or None (e.g. the Gradients
      view's {"rnn": ..., "lstm": ..., "gru": ...}; None, a cell that overflowed, is left
      out); a mapping adds a first column "cell".
    Columns: [cell,] t, [label,] layer, direction, dh_0 .. dh_{H-1}, for the layer-direction
    each result diagnosed; dh in time order (t = 1..T). labels: optional T step labels.
    Raises ValueError for an empty mapping, a sample outside [0, B) or labels of the wrong
    length.
    """
    if hasattr(results, "dh"):
        items, named = [(None, results)], False
    else:
        items, named = [(str(k), v) for k, v in dict(results).items() if v is not None], True
        if not items:
            raise ValueError("results: expected at least one BPTT result, got none")
    parts = []
    for name, res in items:
        dh = np.asarray(res.dh)
        if dh.ndim != 3:
            raise ValueError(f"dh: expected shape (T, B, H), got {dh.shape}")
        T, B, _ = dh.shape
        df = _frame(dh[:, _check_sample(sample, B)], "dh", int(res.layer), int(res.direction),
                    _check_labels(labels, T))
        if named:
            df.insert(0, "cell", name)
        parts.append(df)
    return _to_csv(pd.concat(parts, ignore_index=True))


# ---------------------------------------------------------------------------------------------
# the configuration as JSON
# ---------------------------------------------------------------------------------------------

def _json_value(name: str, value):
    spec = C.FIELDS[name]
    if spec.kind is bool:
        return bool(value)
    if spec.kind is int:
        return int(value)
    if spec.kind is float:
        return float(value)
    return str(value)


def config_json(cfg: C.Config) -> str:
    """The configuration as a JSON document: every setting under its link name (the same names
    and checks as a link's query parameters), JSON's own types, sorted, indented. The uploaded
    data and weights are not settings and stay out, as they stay out of a link."""
    settings = {C.FIELDS[f.name].url: _json_value(f.name, getattr(cfg, f.name))
                for f in fields(C.Config) if f.name not in NOT_IN_FILE}
    doc = {"format": FORMAT, "version": VERSION, "config": settings}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


class _Refused(Exception):
    def __init__(self, err: ConfigFileError):
        super().__init__(str(err))
        self.err = err


def _show(value, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text[:limit])
    return text + ("..." if len(str(value)) > limit else "")


def _number(text: str, kind):
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(ConfigFileError("ex.json_number", value=_show(text), limit=MAX_NUMBER_CHARS))
    value = kind(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise _Refused(ConfigFileError("ex.json_number", value=_show(text), limit=MAX_NUMBER_CHARS))
    return value


def _no_constant(text: str):
    raise _Refused(ConfigFileError("ex.json_number", value=text, limit=MAX_NUMBER_CHARS))


def _pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(ConfigFileError("ex.json_duplicate", name=_show(k)))
        out[k] = v
    return out


def _depth_ok(text: str, limit: int) -> bool:
    """Nesting depth of brackets outside strings is at most `limit` (checked before parsing, so
    a hostile '[[[[...' cannot reach the parser's recursion limit)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false",
               str: "a string"}


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


def _as_query_value(name: str, value):
    """A JSON value as the string a link would carry, or None if its JSON type is wrong for the
    field (a string is always passed on: from_query checks it as it checks a link's text)."""
    kind = C.FIELDS[name].kind
    if isinstance(value, str):
        return value
    if kind is bool:
        return ("1" if value else "0") if isinstance(value, bool) else None
    if kind is int:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return None
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return repr(float(value))
    return None  # a str field given a number, a list, an object or null


def config_from_json(text) -> tuple[C.Config, list[tuple[str, str, C.ConfigError]]]:
    """A configuration from a file `config_json` wrote (str or UTF-8 bytes, as uploaded).

    Returns (config, problems). problems: (name, given value, error) as `ui.config.from_query`
    gives them: a name the file sets badly keeps its default, the others still apply; a file
    that cannot be read at all gives the default configuration and one problem with name "".
    Errors are ConfigError (the field checks, keys err.*) or ConfigFileError (keys ex.*);
    nothing is raised for any input.
    """
    try:
        settings, problems = _read_document(text)
    except _Refused as refused:
        return C.DEFAULT, [("", "", refused.err)]
    params = {}
    for url_name, value in settings.items():
        name = _BY_URL.get(url_name) if isinstance(url_name, str) else None
        if name is None or name in NOT_IN_FILE:
            problems.append((str(url_name), _show(value),
                             ConfigFileError("ex.json_unknown", name=_show(url_name))))
            continue
        raw = _as_query_value(name, value)
        if raw is None:
            kind = C.FIELDS[name].kind
            problems.append((url_name, _show(value), ConfigFileError(
                "ex.json_type", name=url_name, value=_show(value), given=_json_type(value),
                expected=_KIND_NAMES[kind])))
            continue
        params[url_name] = raw
    cfg, field_problems = C.from_query(params)
    for url_name, raw, err in field_problems:  # values quoted short, as a message shows them
        if "value" in err.params:
            err.params["value"] = _show(err.params["value"])
        problems.append((url_name, _show(raw), err))
    cfg, over = C.within_budget(cfg, C.data_steps(cfg), "err.budget_file")
    if over is not None:
        problems.append(over)
    return cfg, problems


_BY_URL = {spec.url: name for name, spec in C.FIELDS.items()}


def _read_document(text) -> tuple[dict, list]:
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if len(data) > MAX_JSON_BYTES:
            raise _Refused(ConfigFileError("ex.json_too_large", size=len(data),
                                           limit=MAX_JSON_BYTES))
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _Refused(ConfigFileError("ex.json_encoding", byte=err.start + 1)) from None
    elif not isinstance(text, str):
        raise _Refused(ConfigFileError("ex.json_format", format=FORMAT))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_JSON_BYTES:
        raise _Refused(ConfigFileError("ex.json_too_large", size=size, limit=MAX_JSON_BYTES))
    if not _depth_ok(text, MAX_DEPTH):
        raise _Refused(ConfigFileError("ex.json_too_deep", limit=MAX_DEPTH))
    try:
        doc = json.loads(text, parse_int=lambda s: _number(s, int),
                         parse_float=lambda s: _number(s, float), parse_constant=_no_constant,
                         object_pairs_hook=_pairs)
    except json.JSONDecodeError as err:
        raise _Refused(ConfigFileError("ex.json_invalid", reason=err.msg, line=err.lineno,
                                       col=err.colno)) from None
    except (ValueError, RecursionError) as err:  # int digits limit; depth is checked above
        raise _Refused(ConfigFileError("ex.json_invalid", reason=type(err).__name__, line=1,
                                       col=1)) from None
    if not (isinstance(doc, dict) and doc.get("format") == FORMAT
            and isinstance(doc.get("config"), dict)):
        raise _Refused(ConfigFileError("ex.json_format", format=FORMAT))
    version = doc.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise _Refused(ConfigFileError("ex.json_version", value=_show(version), version=VERSION))
    problems = [(str(k), _show(v), ConfigFileError("ex.json_unknown", name=_show(k)))
                for k, v in doc.items() if k not in ("format", "version", "config")]
    return doc["config"], problems
