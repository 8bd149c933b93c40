"""ui.config: what each setting allows (check_value), and the URL form of a configuration
(to_query / from_query): every valid configuration survives a link, every bad parameter is
reported on its own while the others still apply."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui import config as C
from ui.config import DEFAULT, FIELDS, Config, ConfigError, check_value, from_query, to_query

INT_FIELDS = [n for n, s in FIELDS.items() if s.kind is int]
FLOAT_FIELDS = [n for n, s in FIELDS.items() if s.kind is float]
BOOL_FIELDS = [n for n, s in FIELDS.items() if s.kind is bool]
CHOICE_FIELDS = [n for n, s in FIELDS.items() if s.choices is not None]
TEXT_FIELDS = [n for n, s in FIELDS.items() if s.kind is str and s.max_len is not None]


def refused(name, value) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        check_value(name, value)
    return info.value


def test_every_config_field_has_a_check_and_every_check_a_field():
    assert set(FIELDS) == {f.name for f in fields(Config)}


def test_url_names_are_unique():
    urls = [s.url for s in FIELDS.values()]
    assert len(urls) == len(set(urls))


def test_defaults_pass_their_own_checks():
    for f in fields(Config):
        assert check_value(f.name, getattr(DEFAULT, f.name)) == getattr(DEFAULT, f.name)


# ---------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", INT_FIELDS)
def test_int_bounds_are_inclusive(name):
    spec = FIELDS[name]
    lo, hi = int(spec.lo), int(spec.hi)
    for value in (lo, hi, str(lo), str(hi), f" {hi} ", float(lo)):
        got = check_value(name, value)
        assert got in (lo, hi) and type(got) is int


@pytest.mark.parametrize("name", INT_FIELDS)
def test_int_just_past_each_bound_is_refused_with_the_range(name):
    spec = FIELDS[name]
    lo, hi = int(spec.lo), int(spec.hi)
    for value in (lo - 1, hi + 1, str(lo - 1), str(hi + 1)):
        err = refused(name, value)
        assert err.key == "err.range"
        assert err.params["lo"] == str(lo) and err.params["hi"] == str(hi)
        assert err.params["value"] == value


@pytest.mark.parametrize("name", INT_FIELDS)
@pytest.mark.parametrize("value", ["abc", "", "1.5", "1e3", "0x10", 2.5, None, [1], "nan",
                                   float("nan"), float("inf"), float("-inf"), "inf"])
def test_int_refuses_what_is_not_a_whole_number(name, value):
    err = refused(name, value)
    assert err.key == "err.not_int"
    assert err.params["value"] is value or err.params["value"] == value


@pytest.mark.parametrize("name", FLOAT_FIELDS)
def test_float_bounds_are_inclusive(name):
    spec = FIELDS[name]
    for value in (spec.lo, spec.hi, repr(spec.lo), repr(spec.hi), int(spec.hi)
                  if float(spec.hi).is_integer() else spec.hi):
        got = check_value(name, value)
        assert got in (spec.lo, spec.hi) and type(got) is float


@pytest.mark.parametrize("name", FLOAT_FIELDS)
def test_float_just_past_each_bound_is_refused_with_the_range(name):
    spec = FIELDS[name]
    below = math.nextafter(spec.lo, -math.inf)
    above = math.nextafter(spec.hi, math.inf)
    for value in (below, above, repr(below), repr(above)):
        err = refused(name, value)
        assert err.key == "err.range", value
        assert err.params["lo"] == C._fmt(spec.lo) and err.params["hi"] == C._fmt(spec.hi)


@pytest.mark.parametrize("name", FLOAT_FIELDS)
@pytest.mark.parametrize("value", ["abc", "", "1,5", None, [0.5], float("nan"), float("inf"),
                                   float("-inf"), "nan", "inf", "-inf", "Infinity"])
def test_float_refuses_non_numbers_nan_and_inf(name, value):
    err = refused(name, value)
    assert err.key == "err.not_number"


def test_float_accepts_scientific_notation_and_whitespace():
    assert check_value("freq", "1e-3") == 0.001
    assert check_value("radius", " 2.5 ") == 2.5
    assert check_value("phase", -10) == -10.0


def test_range_error_formats_bounds_as_written():
    err = refused("freq", 0.6)
    assert (err.params["lo"], err.params["hi"]) == ("0.001", "0.5")
    err = refused("radius", 3.5)
    assert (err.params["lo"], err.params["hi"]) == ("0", "3")


# ---------------------------------------------------------------------------------------------
# on/off, choices, text
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BOOL_FIELDS)
def test_bool_parsing(name):
    for value in (True, "1", "true", "TRUE", "yes", "on", "On"):
        assert check_value(name, value) is True
    for value in (False, "0", "false", "False", "no", "off", "OFF"):
        assert check_value(name, value) is False
    for value in ("maybe", "", "2", "y", None, 1.5):
        assert refused(name, value).key == "err.bool"


@pytest.mark.parametrize("name", CHOICE_FIELDS)
def test_every_choice_is_accepted_and_anything_else_refused(name):
    spec = FIELDS[name]
    for choice in spec.choices:
        assert check_value(name, choice) == choice
    for bad in ("", "bogus", spec.choices[0].upper(), spec.choices[0] + " "):
        err = refused(name, bad)
        assert err.key == "err.choice"
        assert err.params["allowed"] == ", ".join(spec.choices)


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_text_length_limit_is_inclusive(name):
    limit = FIELDS[name].max_len
    assert check_value(name, "x" * limit) == "x" * limit
    err = refused(name, "x" * (limit + 1))
    assert err.key == "err.too_long"
    assert err.params == {"length": limit + 1, "limit": limit}


def test_choice_sets_match_the_modules_constants():
    assert FIELDS["source"].choices == C.SOURCES
    assert FIELDS["nonlinearity"].choices == C.NONLINEARITIES
    assert FIELDS["init"].choices == C.INITS
    assert FIELDS["h0"].choices == C.H0_MODES


# ---------------------------------------------------------------------------------------------
# the URL form
# ---------------------------------------------------------------------------------------------

def _value(name):
    spec = FIELDS[name]
    if spec.kind is bool:
        return st.booleans()
    if spec.choices is not None:
        choices = [c for c in spec.choices if c != "csv"]  # a link cannot carry an upload
        return st.sampled_from(choices)
    if spec.kind is int:
        return st.integers(int(spec.lo), int(spec.hi))
    if spec.kind is float:
        return st.floats(spec.lo, spec.hi, allow_nan=False, allow_infinity=False)
    # free text: any characters a browser can send (no lone surrogates), up to a short length
    return st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def valid_configs(draw):
    values = {f.name: draw(_value(f.name)) for f in fields(Config)
              if f.name not in ("upload", "weights")}  # session data, never in a link
    values["impulse_step"] = min(values["impulse_step"], values["seq_len"] - 1)
    return Config(**values)


@given(valid_configs())
def test_query_round_trip(cfg):
    query = to_query(cfg)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    back, problems = from_query(query)
    assert problems == []
    assert back == cfg


@given(valid_configs())
def test_query_round_trip_through_an_encoded_url(cfg):
    """The parameters survive percent-encoding: text with &, =, #, newlines or CJK."""
    url = urlencode(to_query(cfg))
    back, problems = from_query(dict(parse_qsl(url, keep_blank_values=True)))
    assert problems == []
    assert back == cfg


def test_default_config_gives_an_empty_query():
    assert to_query(DEFAULT) == {}
    assert from_query({}) == (DEFAULT, [])


def test_query_holds_only_the_changed_fields_by_url_name():
    cfg = replace(DEFAULT, hidden_size=64, bidirectional=True, radius=1.25, seq_len=50)
    assert to_query(cfg) == {"hidden": "64", "bidir": "1", "rho": "1.25", "T": "50"}


def test_uploaded_weights_are_never_in_a_link():
    cfg = replace(DEFAULT, weights="0123456789abcdef")
    assert "weights" not in to_query(cfg)
    back, _ = from_query({"weights": "0123456789abcdef"})
    assert back.weights == ""


def test_upload_is_never_in_a_link():
    cfg = replace(DEFAULT, source="csv", upload="0123456789abcdef")
    assert "upload" not in to_query(cfg)
    back, _ = from_query({"upload": "0123456789abcdef"})
    assert back.upload == ""


def test_unknown_parameters_are_ignored():
    assert from_query({"step": "5", "unit": "3", "lang": "zh", "nonsense": "1"}) == (DEFAULT, [])


def test_each_bad_parameter_is_reported_and_the_others_apply():
    params = {"hidden": "abc", "T": "0", "out": "7", "act": "sigmoid", "bidir": "maybe",
              "rho": "nan", "freq": "0.25", "layers": "9", "in": "5"}
    cfg, problems = from_query(params)
    reported = {url: (raw, err.key) for url, raw, err in problems}
    assert reported == {
        "hidden": ("abc", "err.not_int"),
        "T": ("0", "err.range"),
        "act": ("sigmoid", "err.choice"),
        "bidir": ("maybe", "err.bool"),
        "rho": ("nan", "err.not_number"),
        "layers": ("9", "err.range"),
    }
    assert (cfg.output_size, cfg.freq, cfg.input_size) == (7, 0.25, 5)
    for name in ("hidden_size", "seq_len", "nonlinearity", "bidirectional", "radius",
                 "num_layers"):
        assert getattr(cfg, name) == getattr(DEFAULT, name)


def test_csv_source_in_a_link_is_refused_and_the_default_source_used():
    cfg, problems = from_query({"src": "csv", "hidden": "32"})
    assert cfg.source == DEFAULT.source and cfg.hidden_size == 32
    assert [(url, raw, err.key) for url, raw, err in problems] == [("src", "csv", "err.csv_link")]


@pytest.mark.parametrize("k, T", [(24, 24), (30, None), (49, 40)])
def test_impulse_step_at_or_past_the_end_is_reported(k, T):
    params = {"k": str(k), "src": "impulse"}
    if T is not None:
        params["T"] = str(T)
    cfg, problems = from_query(params)
    seq_len = T if T is not None else DEFAULT.seq_len
    assert cfg.seq_len == seq_len and cfg.impulse_step == 0 and cfg.source == "impulse"
    [(url, raw, err)] = problems
    assert (url, raw, err.key) == ("k", str(k), "err.range")
    assert err.params["hi"] == seq_len - 1


def test_impulse_step_checked_against_the_default_length_when_T_is_bad():
    cfg, problems = from_query({"k": "30", "T": "0"})
    assert {url for url, _, _ in problems} == {"T", "k"}
    assert cfg.seq_len == DEFAULT.seq_len and cfg.impulse_step == 0


def test_last_impulse_step_is_allowed():
    cfg, problems = from_query({"k": "49", "T": "50"})
    assert problems == [] and cfg.impulse_step == 49


def test_run_estimate_counts_the_input_width_and_the_outputs():
    """The budget's estimate grows with D and O, which the count of states it replaced
    ignored (T 2000, batch 64, input 512, both directions held 1.5 GB under that count)."""
    cfg = replace(DEFAULT, batch_size=3, hidden_size=10, num_layers=2, bidirectional=True)
    narrow, wide = C.run_estimate(cfg, T=7, D=5), C.run_estimate(cfg, T=7, D=500)
    assert wide.kept - narrow.kept >= 7 * 495 * 8 * 3  # x and both directions' layer-0 input
    more_out = C.run_estimate(replace(cfg, output_size=400), T=7, D=5)
    assert more_out.kept - narrow.kept >= 2 * 7 * 396 * 8  # logits and probs
    link = replace(DEFAULT, hidden_size=1, seq_len=2000, input_size=512, batch_size=64,
                   bidirectional=True)
    assert C.within_budget(link, 2000)[1] is not None


def test_the_run_budget_is_set_by_the_environment(monkeypatch):
    monkeypatch.setenv("RNNX_RUN_BUDGET_MB", "4096")
    assert C.run_budget() == 4096 * 2**20
    for bad in ("abc", "-1", "0", "inf"):
        monkeypatch.setenv("RNNX_RUN_BUDGET_MB", bad)
        assert C.run_budget() == C.RUN_BUDGET_MB * 2**20
