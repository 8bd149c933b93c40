"""The shared configuration: one frozen dataclass, its limits, and its URL form.

No Streamlit here: `ui.frame` draws the widgets, this module says what is allowed, so the URL,
the widgets and the tests all check values the same way.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace

from rnn_core import memory

SOURCES = ("sine", "square", "sawtooth", "noise", "random_walk", "impulse", "text", "numbers",
           "csv")
DATA_SOURCES = ("text", "numbers", "csv")  # the data sets D and T, not the size widgets
NONLINEARITIES = ("tanh", "relu")
INITS = ("torch", "xavier", "orthogonal")
H0_MODES = ("zeros", "random", "constant")

# Bytes one run may need at its peak (rnn_core.memory.run_bytes: the whole batch's forward and
# caches while sample 0's trace is copied). 256 MB admits the widest single sequence (hidden
# 1024, T 2000, one layer: about 200 MB) and 2 million states over a large batch, as the count
# of states this replaces did, and refuses a wide input over a large batch (T 2000, batch 64,
# input 512, both directions: 1.5 GB). RNNX_RUN_BUDGET_MB overrides it.
RUN_BUDGET_MB = 256


def run_budget() -> int:
    """The per-run budget in bytes: RNNX_RUN_BUDGET_MB (a positive number) or RUN_BUDGET_MB."""
    try:
        mb = float(os.environ.get("RNNX_RUN_BUDGET_MB", ""))
    except ValueError:
        mb = RUN_BUDGET_MB
    return int((mb if mb > 0 and math.isfinite(mb) else RUN_BUDGET_MB) * 2**20)


@dataclass(frozen=True)
class Config:
    """What the sidebar sets. Frozen and hashable: it is also the cache key."""

    input_size: int = 3  # D, features per step (the data sets it for text, numbers and csv)
    hidden_size: int = 16  # H, hidden units
    output_size: int = 4  # O, outputs of W_ho h_t + b_ho
    seq_len: int = 24  # T, time steps (the data sets it for text, numbers and csv)
    batch_size: int = 1  # B, sequences run side by side; the views draw sample 0
    num_layers: int = 1  # L, stacked layers
    bidirectional: bool = False  # K = 2 directions when set
    nonlinearity: str = "tanh"  # f in h_t = f(...)
    init: str = "torch"  # how weights are drawn
    radius: float = 0.0  # W_hh's spectral radius after rescaling; 0 keeps it as drawn
    seed: int = 0  # fixes every random number (weights, noise, h0)
    h0: str = "zeros"  # initial state
    h0_value: float = 0.5  # the constant for h0 = "constant"
    source: str = "sine"  # where x comes from
    freq: float = 0.1  # cycles per step, generated signals
    amplitude: float = 1.0
    phase: float = 0.0  # radians
    noise: float = 0.0  # std of added Gaussian noise
    impulse_step: int = 0  # where the impulse is
    text: str = "hello world"  # one-hot characters
    numbers: str = "0 1\n1 0\n0.5 0.5\n-1 0.2"  # one row per step
    upload: str = ""  # digest of the uploaded CSV (its data lives in the session)
    weights: str = ""  # digest of uploaded trained weights (they live in the session too)

    @property
    def num_directions(self) -> int:
        """K: 2 for a bidirectional RNN, else 1."""
        return 2 if self.bidirectional else 1


@dataclass(frozen=True)
class Field:
    """How one Config field is checked, shown and written to the URL."""

    url: str  # query-parameter name
    kind: type  # int, float, bool or str
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    max_len: int | None = None  # for free text


FIELDS: dict[str, Field] = {
    "input_size": Field("in", int, 1, 512),
    "hidden_size": Field("hidden", int, 1, 1024),
    "output_size": Field("out", int, 1, 512),
    "seq_len": Field("T", int, 1, 2000),
    "batch_size": Field("batch", int, 1, 64),
    "num_layers": Field("layers", int, 1, 4),
    "bidirectional": Field("bidir", bool),
    "nonlinearity": Field("act", str, choices=NONLINEARITIES),
    "init": Field("init", str, choices=INITS),
    "radius": Field("rho", float, 0.0, 3.0),
    "seed": Field("seed", int, 0, 2**31 - 1),
    "h0": Field("h0", str, choices=H0_MODES),
    "h0_value": Field("h0v", float, -5.0, 5.0),
    "source": Field("src", str, choices=SOURCES),
    "freq": Field("freq", float, 0.001, 0.5),
    "amplitude": Field("amp", float, 0.0, 100.0),
    "phase": Field("phase", float, -10.0, 10.0),
    "noise": Field("noise", float, 0.0, 10.0),
    "impulse_step": Field("k", int, 0, 1999),
    "text": Field("text", str, max_len=2000),
    "numbers": Field("nums", str, max_len=200_000),
    "upload": Field("upload", str, max_len=64),
    "weights": Field("weights", str, max_len=64),
}

DEFAULT = Config()


class ConfigError(ValueError):
    """A value a user gave is not allowed. `key` is the message's key in the translation table,
    `params` fills it in."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(f"{key}: {params}")


def check_value(name: str, value):
    """`value` converted to the field's type if allowed; ConfigError otherwise."""
    spec = FIELDS[name]
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError("err.bool", value=value)
    if spec.kind is str:
        value = str(value)
        if spec.choices is not None and value not in spec.choices:
            raise ConfigError("err.choice", value=value, allowed=", ".join(spec.choices))
        if spec.max_len is not None and len(value) > spec.max_len:
            raise ConfigError("err.too_long", length=len(value), limit=spec.max_len)
        return value
    try:
        if spec.kind is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                number = int(value)
            else:
                number = int(str(value).strip())
        else:
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError("err.not_number" if spec.kind is float else "err.not_int",
                          value=value) from None
    if spec.kind is float and not math.isfinite(number):
        raise ConfigError("err.not_number", value=value)
    if (spec.lo is not None and number < spec.lo) or (spec.hi is not None and number > spec.hi):
        raise ConfigError("err.range", value=value, lo=_fmt(spec.lo), hi=_fmt(spec.hi))
    return number


def _fmt(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def data_shape(cfg: Config, upload=None) -> tuple[int, int]:
    """(T, D) of the sequence a configuration runs: the uploaded array's when given."""
    if cfg.source == "csv" and upload is not None:
        return int(upload.shape[0]), int(upload.shape[1])
    return data_steps(cfg), data_width(cfg)


def run_estimate(cfg: Config, T: int, D: int) -> memory.Estimate:
    """The bytes one cached run of `cfg` over T steps of D features keeps and needs at its peak
    (`rnn_core.memory.run_bytes`, sample 0 kept)."""
    return memory.run_bytes(T, cfg.batch_size, D, cfg.hidden_size, cfg.num_layers,
                            2 if cfg.bidirectional else 1, cfg.output_size, samples=1,
                            shared_input=cfg.source in DATA_SOURCES)


SIZE_FIELDS = ("seq_len", "batch_size", "hidden_size", "num_layers", "bidirectional",
               "input_size", "output_size")


def data_steps(cfg: Config, upload_rows: int | None = None) -> int:
    """T, the length of the sequence a configuration runs: the text's or the pasted numbers'
    (the default numbers when those do not parse, as the sidebar then uses), the uploaded
    file's rows when given, else seq_len."""
    from .data_input import DataError, parse_numbers  # the parsers; not needed elsewhere here

    if cfg.source == "text":
        return max(len(cfg.text), 1)
    if cfg.source == "numbers":
        try:
            return parse_numbers(cfg.numbers).shape[0]
        except DataError:
            return parse_numbers(DEFAULT.numbers).shape[0]
    if cfg.source == "csv" and upload_rows is not None:
        return upload_rows
    return cfg.seq_len


def data_width(cfg: Config, upload_cols: int | None = None) -> int:
    """D, the input width a configuration runs: the text's distinct characters, the pasted
    numbers' columns (the default numbers' when those do not parse), the uploaded file's
    columns when given, else input_size."""
    from .data_input import DataError, parse_numbers

    if cfg.source == "text":
        return max(len(set(cfg.text)), 1)
    if cfg.source == "numbers":
        try:
            return parse_numbers(cfg.numbers).shape[1]
        except DataError:
            return parse_numbers(DEFAULT.numbers).shape[1]
    if cfg.source == "csv" and upload_cols is not None:
        return upload_cols
    return cfg.input_size


def budget_params(cfg: Config, T: int, D: int) -> dict | None:
    """None when one run of `cfg` over T steps of D features fits the per-run budget;
    otherwise the parameters of the budget messages: need, kept, limit (as "1.5 GB"), formula
    (T × B × H × L × K) and D."""
    est = run_estimate(cfg, T, D)
    limit = run_budget()
    if est.peak <= limit:
        return None
    K = 2 if cfg.bidirectional else 1
    formula = f"{T} × {cfg.batch_size} × {cfg.hidden_size} × {cfg.num_layers} × {K}"
    return dict(need=memory.format_bytes(est.peak), kept=memory.format_bytes(est.kept),
                limit=memory.format_bytes(limit), formula=formula, D=D)


def within_budget(cfg: Config, T: int, key: str = "err.budget",
                  D: int | None = None) -> tuple[Config, tuple | None]:
    """(cfg, None) when one run of `cfg` over T steps (of D features; `data_width` when not
    given) fits the per-run budget; otherwise `cfg` with the default sizes and the problem
    ("", formula, ConfigError `key`) to show, in the form of from_query's problems."""
    over = budget_params(cfg, T, data_width(cfg) if D is None else D)
    if over is None:
        return cfg, None
    err = ConfigError(key, **over)
    return replace(cfg, **{n: getattr(DEFAULT, n) for n in SIZE_FIELDS}), ("", over["formula"],
                                                                            err)


def to_query(cfg: Config) -> dict[str, str]:
    """The fields that differ from the defaults, as query parameters (the upload is not in a
    link: its data stays in the session that uploaded it)."""
    out = {}
    for f in fields(Config):
        value = getattr(cfg, f.name)
        if f.name in ("upload", "weights") or value == getattr(DEFAULT, f.name):
            continue
        spec = FIELDS[f.name]
        out[spec.url] = ("1" if value else "0") if spec.kind is bool else _fmt_value(value)
    return out


def _fmt_value(value) -> str:
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def from_query(params) -> tuple[Config, list[tuple[str, str, ConfigError]]]:
    """A Config from query parameters. Each bad parameter keeps its default and is reported as
    (url name, given value, error); the other parameters still apply."""
    values, problems = {}, []
    by_url = {spec.url: name for name, spec in FIELDS.items()}
    for url_name, name in by_url.items():
        if url_name not in params or name in ("upload", "weights"):
            continue
        raw = params[url_name]
        try:
            values[name] = check_value(name, raw)
        except ConfigError as err:
            problems.append((url_name, str(raw), err))
    if "source" in values and values["source"] == "csv":
        # A link cannot carry an upload: fall back to the default source, say so.
        problems.append(("src", "csv", ConfigError("err.csv_link")))
        del values["source"]
    cfg = replace(DEFAULT, **values)
    if cfg.impulse_step >= cfg.seq_len:
        problems.append(("k", str(cfg.impulse_step),
                         ConfigError("err.range", value=cfg.impulse_step, lo=0,
                                     hi=cfg.seq_len - 1)))
        cfg = replace(cfg, impulse_step=0)
    return cfg, problems
